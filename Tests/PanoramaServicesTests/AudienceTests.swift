import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore
import Testing

/// Computed traits, tags and segments through the services over a real store: evaluation,
/// real-time updates after ingestion, merges, static snapshots, refusals, export, restart.
@Suite struct AudienceTests {
    // The harness clock is 2026-09-21 14:13 UTC = 22:13 in Shanghai (the workspace's zone).

    static let spend90 = TraitDefinition(name: "spend_90d", aggregation: .sum, field: .amount, windowDays: 90)
    static let adds7 = TraitDefinition(
        name: "adds_7d", source: .events, aggregation: .count, windowDays: 7, filter: .init(event: "Product Added"))

    func order(_ h: Harness, _ user: String, _ id: String, _ day: String, _ total: String) async throws {
        try await h.send(
            """
            {"userId": "\(user)", "event": "Order Completed", "timestamp": "\(day)T04:00:00Z",
             "properties": {"order_id": "\(id)", "total": \(total), "currency": "CNY"}}
            """, to: .track)
    }

    func people(_ h: Harness) async throws {
        try await h.send(#"{"userId": "u1", "traits": {"city": "上海", "birthday": "1990-09-25"}}"#, to: .identify)
        try await h.send(#"{"userId": "u2", "traits": {"city": "北京"}}"#, to: .identify)
        try await h.send(#"{"userId": "u3", "traits": {"city": "上海"}}"#, to: .identify)
        try await order(h, "u1", "A1", "2026-09-01", "200.00")
        try await order(h, "u1", "A2", "2026-06-23", "150.00")  // exactly 90 local days before today
        try await order(h, "u2", "B1", "2026-09-10", "500.00")
        try await order(h, "u3", "C1", "2026-06-22", "1000.00")  // 91 days: outside the window
        for n in 0..<2 {
            try await h.send(
                #"{"userId": "u2", "event": "Product Added", "messageId": "add-\#(n)", "timestamp": "2026-09-20T02:00:00Z"}"#,
                to: .track)
        }
    }

    func id(_ h: Harness, _ user: String) async throws -> Int64 { try await h.profile("user_id", user).id }

    func members(_ h: Harness, _ kind: AudienceKind, _ name: String) async throws -> Set<String> {
        let ids = try await h.services.audiences.members(
            workspaceID: h.workspaceID, AudienceKey(kind, name), after: 0, limit: 1000)
        var users: Set<String> = []
        for id in ids.ids {
            let p = try await h.services.profiles.profile(workspaceID: h.workspaceID, id: id)
            let user = p.identifiers.first { $0.type == "user_id" } ?? p.identifiers.first { $0.type == "anonymous_id" }
            users.insert(user?.value ?? "?")
        }
        return users
    }

    func define(_ h: Harness) async throws {
        let a = h.services.audiences
        let w = h.workspaceID
        try await a.saveTrait(workspaceID: w, Self.spend90)
        try await a.saveTrait(workspaceID: w, Self.adds7)
        _ = try await a.save(
            workspaceID: w,
            AudienceDefinition(
                kind: .tag, name: "高价值", type: .rule, rule: "spend_90d >= 300 AND city = '上海'", category: .value),
            create: true)
        _ = try await a.save(
            workspaceID: w, AudienceDefinition(kind: .tag, name: "vip", type: .manual, category: .basic), create: true)
        _ = try await a.save(
            workspaceID: w,
            AudienceDefinition(
                kind: .segment, name: "active_or_valuable", type: .dynamic,
                rule: "tag('高价值') OR adds_7d >= 2 OR tag('vip')"),
            create: true)
        _ = try await a.save(
            workspaceID: w, AudienceDefinition(kind: .segment, name: "beijing", type: .dynamic, rule: "city = '北京'"),
            create: true)
        _ = try await a.save(
            workspaceID: w,
            AudienceDefinition(kind: .segment, name: "beijing_snapshot", type: .static, rule: "city = '北京'"),
            create: true)
    }

    @Test func traitsTagsAndSegmentsAreEvaluatedAndFollowNewData() async throws {
        try await Harness.run { h in
            try await people(h)
            try await define(h)
            let a = h.services.audiences
            let w = h.workspaceID
            #expect(try await members(h, .tag, "高价值") == ["u1"])
            let assigned = try await a.assign(
                workspaceID: w, tag: "vip", customers: ["user_id:u3", "user_id:nobody"], remove: false,
                profiles: h.services.profiles)
            #expect(assigned.changed == 1 && assigned.unknown == ["user_id:nobody"])
            #expect(try await members(h, .segment, "active_or_valuable") == ["u1", "u2", "u3"])
            #expect(try await members(h, .segment, "beijing_snapshot") == ["u2"])
            // The profile's block: tags, segments and computed values.
            let u1 = try await a.customer(workspaceID: w, liveID: try await id(h, "u1"))
            #expect(u1.tags == ["高价值"])
            #expect(u1.traits["spend_90d"] == "350.00")
            #expect(u1.traits["rfm_segment"] != nil)

            // Real time: an order moves u3 into 高价值 and a new Beijing customer into the dynamic
            // segment, not into the static snapshot.
            try await order(h, "u3", "C2", "2026-09-21", "300.00")
            try await h.send(#"{"anonymousId": "u4", "traits": {"city": "北京"}}"#, to: .identify)
            try await a.flush()
            #expect(try await members(h, .tag, "高价值") == ["u1", "u3"])
            #expect(try await members(h, .segment, "beijing") == ["u2", "u4"])
            #expect(try await members(h, .segment, "beijing_snapshot") == ["u2"])
            let feed = try await a.changes(workspaceID: w, AudienceKey(.tag, "高价值"), after: 0, limit: 100)
            #expect(feed.map(\.change) == [.enter, .enter])
            #expect(feed.last?.customerID == (try await id(h, "u3")))
            #expect(try await a.sizes(workspaceID: w, AudienceKey(.tag, "高价值"), since: 0).last?.size == 2)
            // A refresh re-takes the snapshot.
            #expect(try await a.refreshSnapshot(workspaceID: w, segment: "beijing_snapshot").size == 2)

            // A merge: u4 merged into u2 leaves what it was in.
            let u4 = try await h.profile("anonymous_id", "u4").id
            _ = try await h.services.pipeline.merge(
                workspaceID: w, from: u4, into: try await id(h, "u2"), cause: Identifier(type: "manual", value: "test"),
                source: "test")
            try await a.flush()
            #expect(try await members(h, .segment, "beijing") == ["u2"])
            let exits = try await a.changes(workspaceID: w, AudienceKey(.segment, "beijing"), after: 0, limit: 100)
            #expect(exits.last?.change == .exit && exits.last?.customerID == u4)

            // Export: a header, then one line per member with its identifiers.
            var csv = ""
            let written = try await a.export(
                workspaceID: w, AudienceKey(.tag, "高价值"), format: .csv, identifierTypes: ["user_id", "email"]
            ) { csv += $0 }
            #expect(written == 2)
            #expect(csv.hasPrefix("customer_id,user_id,email\n"))
            #expect(csv.contains(",u1,\n") && csv.contains(",u3,\n"))
        }
    }

    @Test func badRulesCyclesAndUsedDefinitionsAreRefused() async throws {
        try await Harness.run { h in
            try await people(h)
            try await define(h)
            let a = h.services.audiences
            let w = h.workspaceID
            await #expect(throws: PanoramaError.self) {
                _ = try await a.save(
                    workspaceID: w, AudienceDefinition(kind: .tag, name: "bad", type: .rule, rule: "spend_9d >= 3"),
                    create: true)
            }
            do {
                _ = try await a.save(
                    workspaceID: w, AudienceDefinition(kind: .tag, name: "bad", type: .rule, rule: "city >= 3"),
                    create: true)
                Issue.record("a type mismatch was accepted")
            } catch let error as PanoramaError {
                #expect(error.code == "invalid_rule")
                #expect(error.message.contains("1:9"))
            }
            let check = try await a.check(workspaceID: w, rule: "spend_9d > 1")
            #expect(check.error?.code == .unknownName)
            #expect(check.error?.suggestion == "spend_90d")
            #expect(check.error?.span.column == 1)
            // A segment referring to itself through another.
            _ = try await a.save(
                workspaceID: w, AudienceDefinition(kind: .segment, name: "s1", type: .dynamic, rule: "city = 'x'"),
                create: true)
            _ = try await a.save(
                workspaceID: w,
                AudienceDefinition(kind: .segment, name: "s2", type: .dynamic, rule: "segment('s1')"), create: true)
            do {
                _ = try await a.save(
                    workspaceID: w,
                    AudienceDefinition(kind: .segment, name: "s1", type: .dynamic, rule: "segment('s2')"),
                    create: false)
                Issue.record("a cycle was accepted")
            } catch let error as PanoramaError {
                #expect(error.code == "rule_cycle")
            }
            await #expect(throws: PanoramaError.self) {
                try await a.delete(workspaceID: w, AudienceKey(.tag, "vip"))  // used by active_or_valuable
            }
            await #expect(throws: PanoramaError.self) { try await a.deleteTrait(workspaceID: w, name: "spend_90d") }
            await #expect(throws: PanoramaError.self) {
                _ = try await a.save(
                    workspaceID: w, AudienceDefinition(kind: .tag, name: "vip", type: .manual), create: true)
            }
            // Nothing refused was stored; the rest still evaluates.
            #expect(try await a.audiences(workspaceID: w, kind: .tag).map(\.definition.name).sorted() == ["vip", "高价值"])
            try await a.delete(workspaceID: w, AudienceKey(.segment, "s2"))
            #expect(try await a.count(workspaceID: w, AudienceKey(.segment, "s1")) == 0)
        }
    }

    @Test func aRestartRebuildsTheSameMembershipWithoutNewChanges() async throws {
        let (location, before) = try await Harness.run { h in
            try await people(h)
            try await define(h)
            let feed = try await h.services.audiences.changes(
                workspaceID: h.workspaceID, AudienceKey(.tag, "高价值"), after: 0, limit: 100)
            return (h.location, feed.count)
        }
        try await Harness.run(location: location) { h in
            let a = h.services.audiences
            #expect(try await members(h, .tag, "高价值") == ["u1"])
            #expect(try await a.count(workspaceID: h.workspaceID, AudienceKey(.segment, "beijing_snapshot")) == 1)
            let after = try await a.changes(
                workspaceID: h.workspaceID, AudienceKey(.tag, "高价值"), after: 0, limit: 100
            ).count
            #expect(after == before)
        }
    }
}

/// The same tests on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresAudienceTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = AudienceTests()

    @Test func traitsTagsAndSegmentsAreEvaluatedAndFollowNewData() async throws {
        try await on { try await tests.traitsTagsAndSegmentsAreEvaluatedAndFollowNewData() }
    }
    @Test func badRulesCyclesAndUsedDefinitionsAreRefused() async throws {
        try await on { try await tests.badRulesCyclesAndUsedDefinitionsAreRefused() }
    }
    @Test func aRestartRebuildsTheSameMembershipWithoutNewChanges() async throws {
        try await on { try await tests.aRestartRebuildsTheSameMembershipWithoutNewChanges() }
    }
}
