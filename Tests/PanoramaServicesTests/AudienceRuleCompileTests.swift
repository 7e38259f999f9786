import PanoramaCore
import PanoramaEngine
import PanoramaStore
import Testing

@testable import PanoramaServices

/// Compiling a workspace's rules: dependency order, refusals, and setting aside the rules that
/// stopped checking (with those that read them) while the rest keep working.
@Suite struct AudienceRuleCompileTests {
    func state(_ definitions: [(AudienceKind, String, AudienceType, String?)]) -> AudienceState {
        var state = AudienceState(context: EvaluationContext(today: 20_000, utcOffsetSeconds: 28_800))
        state.attributeTypes = ["city": .string, "age": .integer]
        for (kind, name, type, rule) in definitions {
            state.definitions[AudienceKey(kind, name)] = AudienceDefinition(kind: kind, name: name, type: type, rule: rule)
        }
        return state
    }

    @Test func brokenRulesAndTheirReadersAreSetAsideAndTheRestIsOrdered() throws {
        var s = state([
            (.segment, "d", .dynamic, "tag('a') AND age > 3"),
            (.tag, "a", .rule, "city = 'x'"),
            (.tag, "b", .rule, "tag('a') OR vip = 1"),  // no attribute `vip`
            (.segment, "c", .dynamic, "tag('b')"),  // reads a broken tag
            (.segment, "e", .dynamic, "segment('f')"),  // e ↔ f: a circle
            (.segment, "f", .dynamic, "segment('e')"),
            (.tag, "m", .manual, nil),
            (.segment, "g", .dynamic, "tag('m') AND NOT segment('d')"),
        ])
        let broken = s.compileRulesSkippingBroken()
        #expect(Set(broken.keys.map(\.name)) == ["b", "c", "e", "f"])
        #expect(broken[AudienceKey(.tag, "b")]?.contains("vip") == true)
        #expect(broken[AudienceKey(.segment, "e")]?.contains("circle") == true)
        #expect(Set(s.rules.keys.map(\.name)) == ["a", "d", "g"])
        let order = s.order.map(\.name)
        #expect(Set(order) == ["a", "d", "g"])
        #expect(order.firstIndex(of: "a")! < order.firstIndex(of: "d")!)
        #expect(order.firstIndex(of: "d")! < order.firstIndex(of: "g")!)

        // The strict form refuses the first problem with its audience and position.
        do {
            try s.compileRules()
            Issue.record("broken rules were accepted")
        } catch {
            #expect(error.code == "invalid_rule" || error.code == "rule_cycle")
        }
        var clean = state([(.tag, "a", .rule, "city = 'x'"), (.segment, "d", .dynamic, "tag('a')")])
        try clean.compileRules()
        #expect(clean.order.map(\.name) == ["a", "d"])
        var circle = state([(.segment, "e", .dynamic, "segment('f')"), (.segment, "f", .dynamic, "segment('e')")])
        #expect(throws: PanoramaError.self) { try circle.compileRules() }
    }
}
