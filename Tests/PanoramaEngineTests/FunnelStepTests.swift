import PanoramaCore
import Testing

@testable import PanoramaEngine

/// Funnel steps with conditions on event properties: the conditions' semantics, their
/// validation (stable codes), and the engine's funnel over per-step match sets.
@Suite struct FunnelStepTests {
    static func condition(_ json: String) throws -> PropertyCondition {
        try PropertyCondition(json: try JSONParser.parse(json))
    }

    static func code(_ json: String) -> String? {
        do {
            _ = try FunnelStep(json: try JSONParser.parse(json))
            return nil
        } catch let error as PanoramaError {
            return error.code
        } catch {
            return "not a PanoramaError"
        }
    }

    @Test func conditionsMatchPropertiesByOperator() throws {
        let properties = try JSONParser.parse(
            #"{"category": "书籍", "price": 30.5, "count": 2, "vip": true, "tags": ["sale", "new"], "product": {"brand": {"name": "Acme"}}, "coupon": null, "code": "30"}"#
        )
        func holds(_ json: String) throws -> Bool { try Self.condition(json).matches(properties) }
        #expect(try holds(#"{"property": "category", "op": "eq", "value": "书籍"}"#))
        #expect(try !holds(#"{"property": "category", "op": "eq", "value": "书"}"#))
        #expect(try holds(#"{"property": "count", "op": "eq", "value": 2.0}"#))
        // Types are not converted: the text "30" is not the number 30.
        #expect(try !holds(#"{"property": "code", "op": "eq", "value": 30}"#))
        #expect(try holds(#"{"property": "vip", "op": "eq", "value": true}"#))
        #expect(try holds(#"{"property": "category", "op": "neq", "value": "电子"}"#))
        #expect(try holds(#"{"property": "missing", "op": "neq", "value": "电子"}"#))
        #expect(try !holds(#"{"property": "category", "op": "neq", "value": "书籍"}"#))
        #expect(try holds(#"{"property": "category", "op": "in", "value": ["电子", "书籍"]}"#))
        #expect(try !holds(#"{"property": "missing", "op": "in", "value": ["电子"]}"#))
        #expect(try holds(#"{"property": "price", "op": "gt", "value": 30}"#))
        #expect(try !holds(#"{"property": "price", "op": "gt", "value": 30.5}"#))
        #expect(try holds(#"{"property": "price", "op": "gte", "value": 30.5}"#))
        #expect(try holds(#"{"property": "price", "op": "lt", "value": 31}"#))
        #expect(try holds(#"{"property": "price", "op": "lte", "value": 30.5}"#))
        #expect(try !holds(#"{"property": "code", "op": "gt", "value": 1}"#))
        #expect(try holds(#"{"property": "product.brand.name", "op": "contains", "value": "cm"}"#))
        #expect(try holds(#"{"property": "tags", "op": "contains", "value": "sale"}"#))
        #expect(try !holds(#"{"property": "tags", "op": "contains", "value": "sa"}"#))
        #expect(try holds(#"{"property": "product.brand", "op": "exists"}"#))
        #expect(try !holds(#"{"property": "coupon", "op": "exists", "value": true}"#))
        #expect(try holds(#"{"property": "coupon", "op": "exists", "value": false}"#))
        #expect(try !holds(#"{"property": "category.deeper", "op": "exists"}"#))
        // No properties at all.
        #expect(try Self.condition(#"{"property": "a", "op": "exists", "value": false}"#).matches(nil))
        #expect(try !Self.condition(#"{"property": "a", "op": "eq", "value": 1}"#).matches(nil))
    }

    @Test func badStepsAndConditionsHaveStableCodes() throws {
        #expect(Self.code(#""Order Completed""#) == nil)
        #expect(Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "eq", "value": 1}]}"#) == nil)
        #expect(Self.code(#""""#) == "invalid_steps")
        #expect(Self.code(#"{"where": []}"#) == "invalid_steps")
        #expect(Self.code(#"{"event": "Buy", "when": []}"#) == "invalid_steps")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "like", "value": "x"}]}"#)
                == "bad_condition_op")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "gt", "value": "x"}]}"#)
                == "bad_condition_value")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "in", "value": []}]}"#)
                == "bad_condition_value")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "in", "value": [{}]}]}"#)
                == "bad_condition_value")
        #expect(Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "eq"}]}"#) == "bad_condition_value")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "exists", "value": 1}]}"#)
                == "bad_condition_value")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a..b", "op": "exists"}]}"#) == "bad_condition_property"
        )
        #expect(Self.code(#"{"event": "Buy", "where": [{"op": "exists"}]}"#) == "bad_condition_property")
        #expect(
            Self.code(#"{"event": "Buy", "where": [{"property": "a", "op": "exists", "x": 1}]}"#) == "bad_condition")
        #expect(Self.code(#"{"event": "Buy", "where": {"property": "a"}}"#) == "bad_condition")
        let eleven = Array(repeating: #"{"property": "a", "op": "exists"}"#, count: 11).joined(separator: ", ")
        #expect(Self.code(#"{"event": "Buy", "where": [\#(eleven)]}"#) == "too_many_conditions")
        // The JSON form reads back as the same step.
        let step = try FunnelStep(
            json: try JSONParser.parse(
                #"{"event": "Buy", "where": [{"property": "a.b", "op": "in", "value": [1, "x"]}]}"#))
        #expect(try FunnelStep(json: step.json) == step)
        #expect(step.label == #"Buy [a.b in [1, "x"]]"#)
    }

    /// Row 0: view (book), cart, pay. Row 1: view (phone), cart, pay. Row 2: view (phone) then
    /// view (book) and cart an hour later. Row 3: view (book) and cart at the same second as
    /// another view (phone). Marked as the service marks stored events: by row, second and name.
    @Test func aFilteredStepMatchesOnlyItsEvents() throws {
        var events = EventColumns(utcOffsetSeconds: 0)
        let t0 = Timestamp.days(fromCivil: 2026, 3, 3) * 86_400
        typealias E = EventColumns.Record
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 60, name: "cart"), E(timestamp: t0 + 120, name: "pay"),
        ])
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 60, name: "cart"), E(timestamp: t0 + 120, name: "pay"),
        ])
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 1800, name: "view"),
            E(timestamp: t0 + 3600, name: "cart"),
        ])
        events.appendCustomer([E(timestamp: t0 + 5, name: "view"), E(timestamp: t0 + 5, name: "cart")])
        var orders = OrderColumns(utcOffsetSeconds: 0)
        orders.appendEmptyCustomers(4)
        let dataset = InsightDataset(orders: orders, events: events, today: Timestamp.days(fromCivil: 2026, 3, 31))
        var books = BitVector(count: events.count)
        for (row, second) in [(0, t0), (2, t0 + 1800), (3, t0 + 5)] {
            Funnel.mark(&books, events, row: row, timestamp: second, name: "view")
        }
        // Marking finds only the named event at that second; unknown names and times mark nothing.
        #expect((0..<events.count).filter { books[$0] } == [0, 7, 9])
        Funnel.mark(&books, events, row: 1, timestamp: t0 + 1, name: "view")
        Funnel.mark(&books, events, row: 1, timestamp: t0, name: "nothing")
        #expect((0..<events.count).filter { books[$0] } == [0, 7, 9])
        let from = Timestamp.days(fromCivil: 2026, 3, 1)
        let to = Timestamp.days(fromCivil: 2026, 4, 1)
        let steps = [
            FunnelStep("view", where: [try Self.condition(#"{"property": "c", "op": "eq", "value": "book"}"#)]),
            FunnelStep("cart"), FunnelStep("pay"),
        ]
        let report = try Funnel.report(
            dataset, steps: steps, matches: [books, nil, nil], from: from, to: to, windowDays: 1)
        // Rows 0, 2 (entering at its second view) and 3 enter; all reach the cart; row 0 pays.
        #expect(report.counts == [3, 3, 1])
        #expect(report.conditions.map(\.count) == [1, 0, 0])
        #expect(
            try Funnel.dropped(
                dataset, steps: steps, matches: [books, nil, nil], from: from, to: to, windowDays: 1, atStep: 2)
                == [2, 3])
        // Without the filter, row 1 enters too.
        #expect(
            try Funnel.report(dataset, steps: ["view", "cart", "pay"], from: from, to: to, windowDays: 1).counts == [
                4, 4, 2,
            ])
        // A filter on a later step: only row 1's cart.
        var phoneCart = BitVector(count: events.count)
        Funnel.mark(&phoneCart, events, row: 1, timestamp: t0 + 60, name: "cart")
        #expect(
            try Funnel.report(
                dataset, steps: [FunnelStep("view"), FunnelStep("cart", where: steps[0].conditions)],
                matches: [nil, phoneCart], from: from, to: to, windowDays: 1
            ).counts == [4, 1])
    }
}
