import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Synchronization
import Testing

/// `panorama migrate-store`: an SQLite deployment built by real ingestion, moved to PostgreSQL,
/// answers the same there — ids, identifiers, traits, timelines, merges, conflicts, keys — and
/// keeps ingesting without id collisions; a target that holds data is refused untouched.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct StoreMigrationTests {
    /// Everything the read side shows of a deployment, for comparing two stores.
    struct View: Sendable, Equatable {
        var workspaces: [Workspace] = []
        var keys: [APIKey] = []
        var settings: IdentitySettings = .defaults
        var profiles: [Profile] = []
        var timelines: [[StoredEvent]] = []
        var merges: [[MergeRecord]] = []
        var conflicts: [[IdentityConflict]] = []

        var maxEventID: Int64 { timelines.joined().map(\.id).max() ?? 0 }
        var maxCustomerID: Int64 { profiles.flatMap { [$0.id] + $0.mergedIDs }.max() ?? 0 }
        var maxMergeID: Int64 { merges.joined().map(\.id).max() ?? 0 }
    }

    static func view(_ h: Harness) async throws -> View {
        var v = View()
        v.workspaces = try await h.services.store.workspaces()
        v.keys = try await h.services.store.keys(workspaceID: nil)
        v.settings = try await h.services.store.identitySettings(workspaceID: h.workspaceID)
        var cursor: String?
        repeat {
            let page = try await h.services.profiles.list(
                workspaceID: h.workspaceID, query: .init(), cursor: cursor, limit: 50)
            for p in page.items {
                v.profiles.append(p)
                v.timelines.append(try await h.events(of: p.id))
                v.merges.append(try await h.services.profiles.merges(workspaceID: h.workspaceID, id: p.id))
                v.conflicts.append(try await h.services.profiles.conflicts(workspaceID: h.workspaceID, id: p.id))
            }
            cursor = page.nextCursor
        } while cursor != nil
        return v
    }

    /// An SQLite deployment with identifies and traits, tracks, a merge, an undone merge, a
    /// conflict, a resend, a revoked key, a non-unique identifier type, a second workspace, and
    /// text that COPY must escape (tab, newline, CR, backslash) or cannot hold (U+0000).
    static func sqliteDeployment() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-migrate-\(UUID())").path
        try await Harness.run(location: dir) { h in
            try await h.send(
                #"{"userId":"u1","anonymousId":"a1","traits":{"email":"Alice@Example.com","phone":"138-0013-8000","city":"上海","note":"tab\there \"quoted\" back\\slash"}}"#,
                to: .identify)
            try await h.send(
                #"{"messageId":"m-track-1","anonymousId":"a1","event":"Product Added","properties":{"sku":"S1","price":12.5}}"#,
                to: .track)
            try await h.send(#"{"messageId":"m-track-1","anonymousId":"a1","event":"Product Added"}"#, to: .track)
            try await h.send(#"{"anonymousId":"a1","event":"line\nbreak\rreturn\ttab\\slash 事件"}"#, to: .track)
            try await h.send(#"{"anonymousId":"a1","event":"nul\u0000inside"}"#, to: .track)
            // b1 becomes its own profile, then is merged into u1's.
            try await h.send(#"{"anonymousId":"b1","event":"B only"}"#, to: .track)
            try await h.send(#"{"anonymousId":"b1","traits":{"color":"red"}}"#, to: .identify)
            try await h.send(#"{"userId":"u1","anonymousId":"b1","event":"Linked"}"#, to: .track)
            // c1 is merged into u3's profile and the merge is undone.
            try await h.send(#"{"userId":"u3","anonymousId":"x3","traits":{"name":"Three"}}"#, to: .identify)
            try await h.send(#"{"anonymousId":"c1","traits":{"plan":"gold"}}"#, to: .identify)
            h.clock.advance(ms: 1_000)
            try await h.send(#"{"userId":"u3","anonymousId":"c1","event":"Joined"}"#, to: .track)
            let u3 = try await h.profile("user_id", "u3")
            let merge = try #require(
                try await h.services.profiles.merges(workspaceID: h.workspaceID, id: u3.id).first)
            _ = try await h.services.pipeline.undoMerge(workspaceID: h.workspaceID, mergeID: merge.id)
            // A second user id for the same email is a conflict, not a merge.
            try await h.send(#"{"userId":"u2","traits":{"email":"alice@example.com "}}"#, to: .identify)
            try await h.send(#"{"type":"page","anonymousId":"p1","name":"Home","properties":{"path":"/"}}"#, to: .page)

            let extra = try await h.services.keys.create(workspaceID: h.workspaceID, kind: .write, name: "old key")
            try await h.services.keys.revoke(id: extra.key.id)
            try await h.services.store.saveIdentifierType(
                workspaceID: h.workspaceID, IdentifierType(name: "household", priority: 20, limit: nil, unique: false))
            _ = try await h.services.store.createWorkspace(name: "second", timeZone: "UTC", now: h.clock.now())
        }
        return dir
    }

    /// The copy of `dir` into a new PostgreSQL database; returns the report and its URL.
    static func migrate(_ source: SQLiteStore) async throws -> (StoreMigration.Report, String) {
        let url = try await Backend.freshPostgresDatabase()
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"), protection: Harness.protection)
        defer { target.close() }
        try await target.waitUntilReachable()
        let report = try await StoreMigration.run(from: source, to: target) { _, _, _ in }
        return (report, url)
    }

    @Test func aMigratedDeploymentAnswersTheSameAndKeepsIngesting() async throws {
        // Given an SQLite deployment, and a late resend plus a new event left unindexed in its tail.
        let dir = try await Self.sqliteDeployment()
        let source = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        let firstEvent = try #require(
            try await source.events(workspaceID: 1, customerIDs: Array(1...20), cursor: nil, limit: 100).items.last)
        var tail = IngestCommit()
        var resend = firstEvent
        resend.event = "late resend"
        var fresh = firstEvent
        fresh.messageID = "m-tail"
        fresh.event = "In the tail"
        tail.events = [.init(workspaceID: 1, event: resend), .init(workspaceID: 1, event: fresh)]
        // An order with a line, refunded in part.
        tail.orders = [
            (
                1,
                Order(
                    externalID: "o-1", customerID: 1, placedAt: 1_000, items: [OrderItem(line: 1, quantity: 2, unitPrice: 500)],
                    total: 1000, updatedAt: 2_000)
            )
        ]
        _ = try await source.commit(tail)
        let order = try #require(try await source.order(workspaceID: 1, externalID: "o-1"))
        let refunded = try await source.recordRefund(
            workspaceID: 1, Refund(externalID: "r-1", orderID: order.id, amount: 500, lines: [.init(line: 1, quantity: 1, amount: 500)], refundedAt: 3_000),
            orderVersion: order.version, now: 3_000)
        #expect(refunded != nil)

        // When it is migrated.
        let (report, url) = try await Self.migrate(source)

        // Then every table's count and checksum match, and the traffic tables were not empty.
        #expect(report.verified, "\(report.tables.filter { !$0.verified })")
        #expect(
            Array(report.tables.map(\.name).prefix(14)) == [
                "workspaces", "identifier_types", "api_keys", "customers", "identifiers", "customer_traits", "events",
                "event_message_ids", "merges", "identity_conflicts", "orders", "order_items", "refunds", "imports",
            ])
        let rows = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.copiedRows) })
        #expect(rows["workspaces"] == 2)
        #expect(rows["api_keys"] == 3)
        #expect(rows["identifier_types"] == 15)
        #expect(rows["merges"] == 2)
        #expect(rows["identity_conflicts"] == 1)
        #expect(rows["orders"] == 1 && rows["order_items"] == 1 && rows["refunds"] == 1)
        #expect(rows["events"] == rows["event_message_ids"])
        #expect((rows["events"] ?? 0) >= 12)

        // And PostgreSQL answers what SQLite answers. One difference: SQLite's own reads stop at
        // U+0000 (GRDB decodes text as a C string), while the migration copies the whole value,
        // with U+0000 as U+FFFD as PostgreSQL stores it.
        let before = try await Harness.run(location: dir) { h in try await Self.view(h) }
        let after = try await Backend.$current.withValue(.postgres) {
            try await Harness.run(location: url) { h in try await Self.view(h) }
        }
        var expected = before
        expected.timelines = before.timelines.map { events in
            events.map { e in
                var e = e
                if e.event == "nul" { e.event = "nul\u{FFFD}inside" }
                return e
            }
        }
        #expect(after == expected)
        #expect(after.timelines.joined().contains { $0.event == "nul\u{FFFD}inside" })
        #expect(before.timelines.joined().contains { $0.event == "line\nbreak\rreturn\ttab\\slash 事件" })
        #expect(before.timelines.joined().filter { $0.messageID == firstEvent.messageID }.count == 1)
        #expect(before.timelines.joined().contains { $0.messageID == "m-tail" })
        #expect(before.profiles.count >= 5)
        #expect(before.merges.joined().contains { $0.undoneAt != nil })

        // And ingestion goes on in PostgreSQL: the identity graph is the migrated one, resends of
        // migrated messages are recognised, and new ids pass every migrated id.
        try await Backend.$current.withValue(.postgres) {
            try await Harness.run(location: url) { h in
                let u1 = try await h.profile("user_id", "u1")
                let resent = try await h.send(
                    #"{"messageId":"m-track-1","anonymousId":"a1","event":"Product Added"}"#, to: .track)
                #expect(resent.duplicates == 1 && resent.stored == 0)
                try await h.send(#"{"anonymousId":"a1","traits":{"email":"second@example.com"}}"#, to: .identify)
                #expect(try await h.profile("email", "second@example.com").id == u1.id)

                try await h.send(#"{"userId":"u9","anonymousId":"z9","traits":{"name":"Nine"}}"#, to: .identify)
                try await h.send(#"{"anonymousId":"z9","event":"After the move"}"#, to: .track)
                let u9 = try await h.profile("user_id", "u9")
                #expect(u9.id > before.maxCustomerID)
                let events = try await h.events(of: u9.id)
                #expect(events.count == 2)
                #expect(events.allSatisfy { $0.id > before.maxEventID })

                try await h.send(#"{"userId":"u9","anonymousId":"c1"}"#, to: .identify)
                let merges = try await h.services.profiles.merges(workspaceID: h.workspaceID, id: u9.id)
                #expect(merges.first.map { $0.id > before.maxMergeID } == true)

                let key = try await h.services.keys.create(workspaceID: h.workspaceID, kind: .admin, name: "new")
                #expect(key.key.id > (before.keys.map(\.id).max() ?? 0))
                let workspace = try await h.services.store.createWorkspace(name: "third", timeZone: "UTC", now: 0)
                #expect(workspace.id == 3)
            }
        }
    }

    @Test func chunkBoundariesLoseNothingWhateverTheKeys() async throws {
        // Given a store whose keys sort awkwardly: text keys that differ only after a U+0000,
        // characters COPY must escape, shared (non-unique) values, two workspaces.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-chunks-\(UUID())").path
        let source = try SQLiteStore(directory: dir, synchronous: .normal)
        for name in ["one", "two"] { _ = try await source.createWorkspace(name: name, timeZone: "UTC", now: 0) }
        let values = [
            "a", "a\u{0}", "a\u{0}b", "a\u{1}", "ab", "tab\there", "new\nline", "cr\rx", "back\\slash", "\\N",
            "中文", "",
        ]
        var commit = IngestCommit()
        for workspace: Int64 in [1, 2] {
            for id: Int64 in 1...20 {
                commit.customers.append(.init(workspaceID: workspace, id: id, createdAt: id))
                commit.identifiers.append(
                    .init(
                        workspaceID: workspace, identifier: Identifier(type: "household", value: "h"), customerID: id,
                        createdAt: id, shared: true))
                commit.traits.append(
                    .init(
                        workspaceID: workspace, customerID: id,
                        trait: TraitValue(name: "note\(id % 3)", json: #""line\n\#(id)""#, updatedAt: id)))
            }
            for (index, value) in values.enumerated() {
                commit.identifiers.append(
                    .init(
                        workspaceID: workspace, identifier: Identifier(type: "email", value: value),
                        customerID: Int64(index + 1), createdAt: 0))
            }
            for n in 0..<17 {
                commit.events.append(
                    .init(
                        workspaceID: workspace,
                        event: StoredEvent(
                            id: 0, customerID: Int64(n % 20 + 1), messageID: "m\(n)\u{0}\(values[n % values.count])",
                            type: .track, event: values[n % values.count], name: nil, userID: nil, anonymousID: "a",
                            groupID: nil, previousID: nil, timestamp: Int64(n), originalTimestamp: n % 2 == 0 ? nil : 1,
                            sentAt: nil, receivedAt: Int64(n), properties: #"{"n":\#(n)}"#, traits: nil, context: nil)))
            }
        }
        _ = try await source.commit(commit)

        // (Stored in clear: the copy of raw text is what is tested; tokens hold no U+0000 at all.)
        // When it is migrated three rows at a time.
        let url = try await Backend.freshPostgresDatabase()
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"))
        defer { target.close() }
        try await target.waitUntilReachable()
        let seen = Mutex<[String: [Int64]]>([:])
        let report = try await StoreMigration.run(from: source, to: target, chunkRows: 3) { step, done, _ in
            seen.withLock { $0[step, default: []].append(done) }
        }

        // Then every row arrived once, unchanged but for U+0000, and progress went up to the count.
        #expect(report.verified, "\(report.tables.filter { !$0.verified })")
        let rows = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.copiedRows) })
        #expect(rows["customers"] == 40)
        #expect(rows["identifiers"] == 40 + 2 * Int64(values.count))
        #expect(rows["customer_traits"] == 40)
        #expect(rows["events"] == 34)
        #expect(rows["event_message_ids"] == 34)
        let steps = seen.withLock { $0 }
        #expect(steps["events"] == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 34])
        #expect(steps["verify events"]?.last == 34)
        let stored = try await target.identifiers(workspaceID: 2, customerIDs: Array(1...20)).map(\.identifier.value)
        let expected =
            values.map { $0.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") } + Array(repeating: "h", count: 20)
        #expect(stored.sorted() == expected.sorted())
        #expect(
            try await target.owners(workspaceID: 1, identifier: Identifier(type: "email", value: "back\\slash")) == [9])
        let events = try await target.events(workspaceID: 1, customerIDs: Array(1...20), cursor: nil, limit: 100).items
        #expect(
            events.map(\.event).sorted { ($0 ?? "") < ($1 ?? "") }
                == (0..<17).map { n in
                    values[n % values.count].replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
                }.sorted())
    }

    @Test func aTargetThatHoldsDataIsRefusedUntouched() async throws {
        // Given a deployment already migrated once.
        let dir = try await Self.sqliteDeployment()
        let source = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        let (first, url) = try await Self.migrate(source)
        #expect(first.verified)

        // When it is migrated into the same database again.
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"), protection: Harness.protection)
        defer { target.close() }
        try await target.waitUntilReachable()
        let error = await #expect(throws: PanoramaError.self) {
            try await StoreMigration.run(from: source, to: target) { _, _, _ in }
        }

        // Then it is refused with a stable code and nothing changed.
        #expect(error?.code == "target_not_empty")
        #expect(error?.message.contains("empty database") == true)
        #expect(try await target.eventCount(workspaceID: 1) == first.tables.first { $0.name == "events" }?.copiedRows)
        #expect(try await target.workspaces().count == 2)
    }

    @Test func aServerStartedOnTheTargetMakesItNonEmpty() async throws {
        // Given a PostgreSQL database a server already started on (it created the default workspace).
        let url = try await Backend.freshPostgresDatabase()
        try await Backend.$current.withValue(.postgres) {
            try await Harness.run(location: url) { _ in }
        }
        let dir = try await Self.sqliteDeployment()
        let source = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"), protection: Harness.protection)
        defer { target.close() }
        try await target.waitUntilReachable()

        // When migrating into it, then it is refused.
        let error = await #expect(throws: PanoramaError.self) {
            try await StoreMigration.run(from: source, to: target) { _, _, _ in }
        }
        #expect(error?.code == "target_not_empty")
        #expect(try await target.workspaces().map(\.name) == ["default"])
    }
}
