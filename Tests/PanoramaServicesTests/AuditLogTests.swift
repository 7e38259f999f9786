import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Testing

/// The audit log over a real store: concurrent appends make one unbroken chain; editing, deleting
/// or adding rows behind Panorama's back is reported where it happened; retention deletes old
/// entries and the rest still verifies from its checkpoint; searches filter and page.
@Suite struct AuditLogTests {
    /// A fresh store of the current backend with the audit service over it.
    struct Fixture: Sendable {
        let store: any PanoramaStore
        let audit: AuditService
        let clock: TestClock

        /// Runs `body` on a new store, closing it after.
        static func run(_ body: @Sendable (Fixture) async throws -> Void) async throws {
            let store = try await Backend.openStore()
            defer { (store as? PostgresStore)?.close() }
            let clock = TestClock(start: 1_790_000_000_123)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let audit = AuditService(store: store, clock: WallClock { clock.now() }, logger: logger)
            try await body(Fixture(store: store, audit: audit, clock: clock))
        }

        /// Runs SQL on the store directly, as someone with access to the database would.
        func tamper(_ statement: String) async throws {
            let sql = try #require(store as? any SQLStore)
            try await sql.run(sql.sql(statement).query)
        }

        /// Appends `count` entries one after the other.
        func append(_ count: Int, action: String = "key.create", workspace: Int64? = 1) async throws {
            for n in 0..<count {
                try await audit.record(
                    workspaceID: workspace, actor: "key:\(n % 3 + 1)", actorKind: .apiKey, action: action,
                    target: "key:\(n)", sourceIP: "10.0.0.\(n % 250)", detail: ["n": String(n)])
            }
        }

        /// Every stored sequence, ascending.
        func sequences() async throws -> [Int64] {
            try await store.auditChain(after: 0, through: .max, limit: 100_000).map(\.sequence)
        }
    }

    @Test func aThousandConcurrentAppendsMakeOneUnbrokenChain() async throws {
        try await Fixture.run { f in
            // Given 1,000 appends racing from concurrent tasks.
            let returned = try await withThrowingTaskGroup(of: Int64.self) { group in
                for n in 0..<1_000 {
                    group.addTask {
                        try await f.audit.record(
                            workspaceID: Int64(n % 4 + 1), actor: "key:\(n % 7)", actorKind: .apiKey,
                            action: n % 2 == 0 ? "order.save" : "export.segment", target: "t\(n)",
                            sourceIP: n % 5 == 0 ? nil : "192.0.2.\(n % 200)", detail: ["n": String(n)]
                        ).sequence
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Then each got its own place, the chain has no hole and verifies end to end.
            #expect(returned.sorted() == Array(1...1_000))
            #expect(try await f.sequences() == Array(1...1_000))
            let head = try #require(try await f.audit.head())
            #expect(head.sequence == 1_000)
            #expect(try await f.audit.verify() == .intact(count: 1_000, lastHash: head.hash))
            // Small pages walk the same chain.
            #expect(try await f.audit.verify(pageSize: 7) == .intact(count: 1_000, lastHash: head.hash))
        }
    }

    @Test func storedEntriesComeBackExactlyAsSealed() async throws {
        try await Fixture.run { f in
            // Given text of every kind, a time with a fraction, and U+0000 (which no database keeps).
            let sealed = try await f.audit.record(
                workspaceID: nil, actor: "张三 🙂", actorKind: .user, action: "customer.view_unmasked",
                target: "customer:42", sourceIP: "2001:db8::1",
                detail: ["quote": "\"a\"\\b\n\tc", "中文": "值", "nul": "x\u{0}y", "": "empty key"])
            // Then what is read back is what was hashed.
            let stored = try await f.store.auditChain(after: 0, through: 10, limit: 10)
            #expect(stored.count == 1)
            let entry = try #require(stored.first)
            #expect(entry.at == Double(1_790_000_000_123) / 1000)
            #expect(entry.actor == sealed.actor && entry.detail == sealed.detail && entry.hash == sealed.hash)
            #expect(entry.detail["nul"] == "x\u{FFFD}y")
            #expect(entry.workspace == "")
            #expect(try await f.audit.verify().isIntact)
        }
    }

    @Test func anEditedRowIsReportedAtItsSequence() async throws {
        try await Fixture.run { f in
            try await f.append(20)
            try await f.tamper("UPDATE audit_log SET actor = 'mallory' WHERE sequence = 7")
            #expect(try await f.audit.verify() == .tampered(sequence: 7))
            #expect(try await f.audit.verify(pageSize: 5) == .tampered(sequence: 7))
        }
    }

    @Test func aRewrittenTimeIsReportedToo() async throws {
        try await Fixture.run { f in
            try await f.append(5)
            try await f.tamper("UPDATE audit_log SET at = at + 0.001 WHERE sequence = 3")
            #expect(try await f.audit.verify() == .tampered(sequence: 3))
        }
    }

    @Test func aDeletedMiddleRowIsAGap() async throws {
        try await Fixture.run { f in
            try await f.append(20)
            try await f.tamper("DELETE FROM audit_log WHERE sequence = 10")
            #expect(try await f.audit.verify() == .gap(expected: 10, found: 11))
            #expect(try await f.audit.verify(pageSize: 9) == .gap(expected: 10, found: 11))
        }
    }

    @Test func aDeletedLastRowIsTruncationAndStaysVisibleAfterTheNextAppend() async throws {
        try await Fixture.run { f in
            try await f.append(20)
            try await f.tamper("DELETE FROM audit_log WHERE sequence = 20")
            #expect(try await f.audit.verify() == .truncated(expected: 20, found: 19))
            // The next entry continues from the recorded head, not from what the table ends with,
            // so the hole stays visible instead of being covered by a valid-looking entry 20.
            try await f.append(1)
            #expect(try await f.sequences().suffix(2) == [19, 21])
            #expect(try await f.audit.verify() == .gap(expected: 20, found: 21))
        }
    }

    @Test func rowsAddedPastTheRecordedHeadAreReported() async throws {
        try await Fixture.run { f in
            try await f.append(5)
            try await f.tamper(
                """
                INSERT INTO audit_log(sequence, at, workspace, actor, actor_kind, action, target, source_ip, detail,
                    previous_hash, hash)
                SELECT sequence + 1, at, workspace, 'forged', actor_kind, action, target, source_ip, detail, hash, hash
                FROM audit_log WHERE sequence = 5
                """)
            #expect(try await f.audit.verify() == .checkpointMismatch(sequence: 6))
        }
    }

    @Test func aHeadRecordedElsewhereCatchesARebuiltLog() async throws {
        try await Fixture.run { f in
            try await f.append(10)
            let head = try #require(try await f.audit.head())
            #expect(try await f.audit.verify(expectedHead: head).isIntact)
            // Someone who can write both tables deletes the last entries and moves the head back.
            try await f.tamper("DELETE FROM audit_log WHERE sequence > 8")
            try await f.tamper(
                """
                UPDATE audit_checkpoints SET sequence = 8, hash = (SELECT hash FROM audit_log WHERE sequence = 8)
                WHERE kind = 'head'
                """)
            #expect(try await f.audit.verify().isIntact)
            #expect(try await f.audit.verify(expectedHead: head) == .truncated(expected: 10, found: 8))
            let stale = AuditCheckpoint(sequence: 4, hash: String(repeating: "a", count: 64))
            #expect(try await f.audit.verify(expectedHead: stale) == .checkpointMismatch(sequence: 4))
        }
    }

    @Test func retentionDeletesOldEntriesAndTheRestVerifiesFromTheCheckpoint() async throws {
        try await Fixture.run { f in
            // Given 10 entries 200 days old and 5 recent ones.
            try await f.append(10, action: "order.save")
            f.clock.advance(ms: 200 * 86_400_000)
            try await f.append(5, action: "export.tag")
            #expect(try await f.audit.applyRetention(days: 365) == 0)

            // When retention keeps 180 days.
            #expect(try await f.audit.applyRetention() == 10)

            // Then the old entries are gone, the newest deleted one is the checkpoint, retention
            // recorded what it did, and the rest verifies from the checkpoint.
            #expect(try await f.sequences() == Array(11...16))
            let state = try await f.store.auditChainState()
            #expect(state.retention?.sequence == 10)
            let last = try #require(
                try await f.audit.search(AuditQuery(action: "audit.retention"), limit: 1).entries.first)
            #expect(last.sequence == 16 && last.actorKind == "system" && last.detail["deleted"] == "10")
            #expect(last.workspace == "")
            #expect(try await f.audit.verify() == .intact(count: 6, lastHash: last.hash))
            #expect(try await f.audit.verify(pageSize: 2).isIntact)
            // A second run finds nothing more to delete.
            #expect(try await f.audit.applyRetention() == 0)
            // And the first remaining entry is anchored: deleting it is still a gap.
            try await f.tamper("DELETE FROM audit_log WHERE sequence = 11")
            #expect(try await f.audit.verify() == .gap(expected: 11, found: 12))
        }
    }

    @Test func retentionOfEverythingLeavesAnEmptyLogThatVerifies() async throws {
        try await Fixture.run { f in
            try await f.append(3)
            f.clock.advance(ms: 2 * 86_400_000)
            #expect(try await f.store.deleteAuditEntries(before: f.clock.now()) == 3)
            #expect(try await f.sequences().isEmpty)
            #expect(try await f.audit.verify().isIntact)
            try await f.append(1)
            #expect(try await f.sequences() == [4])
            #expect(try await f.audit.verify().isIntact)
        }
    }

    @Test func searchesFilterByWorkspaceActionActorAndTimeAndPage() async throws {
        try await Fixture.run { f in
            // Given entries in two workspaces, an hour apart.
            let names = ["export.segment", "export.tag", "exports.bogus", "key.create", "export"]
            for (n, action) in names.enumerated() {
                try await f.audit.record(
                    workspaceID: 1, actor: "key:\(n % 2)", actorKind: .apiKey, action: action, target: "t\(n)")
                f.clock.advance(ms: 3_600_000)
            }
            try await f.audit.record(
                workspaceID: 2, actor: "key:0", actorKind: .apiKey, action: "export.segment", target: "other")
            let start = Int64(1_790_000_000_123)
            func actions(_ query: AuditQuery, newestFirst: Bool = true) async throws -> [String] {
                try await f.audit.search(query, newestFirst: newestFirst, limit: 100).entries.map(\.action)
            }
            // An area matches itself and the actions below it, not a longer word.
            #expect(
                try await actions(AuditQuery(workspace: "1", action: "export"))
                    == ["export", "export.tag", "export.segment"])
            #expect(try await actions(AuditQuery(workspace: "1", action: "export.tag")) == ["export.tag"])
            #expect(try await actions(AuditQuery(action: "export.segment")).count == 2)
            #expect(try await actions(AuditQuery(workspace: "1", actor: "key:1")) == ["key.create", "export.tag"])
            #expect(try await actions(AuditQuery(target: "other")) == ["export.segment"])
            // since is inclusive, until exclusive, to the millisecond.
            #expect(
                try await actions(
                    AuditQuery(workspace: "1", since: start + 3_600_000, until: start + 3 * 3_600_000),
                    newestFirst: false) == ["export.tag", "exports.bogus"])
            // Pages continue with `next` in either order and cover everything once.
            for newestFirst in [true, false] {
                var seen: [Int64] = []
                var after: Int64?
                repeat {
                    let page = try await f.audit.search(AuditQuery(), after: after, newestFirst: newestFirst, limit: 2)
                    seen += page.entries.map(\.sequence)
                    after = page.next
                } while after != nil
                #expect(seen == (newestFirst ? Array((1...6).reversed()) : Array(1...6)))
            }
            await #expect(throws: PanoramaError.self) { try await f.audit.search(AuditQuery(), limit: 0) }
            await #expect(throws: PanoramaError.self) {
                try await f.audit.search(AuditQuery(since: start + 1, until: start), limit: 10)
            }
        }
    }
}

/// The same tests on PostgreSQL, and an SQLite audit log moved there by `migrate-store`.
/// Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresAuditLogTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = AuditLogTests()

    @Test func aThousandConcurrentAppendsMakeOneUnbrokenChain() async throws {
        try await on { try await tests.aThousandConcurrentAppendsMakeOneUnbrokenChain() }
    }
    @Test func storedEntriesComeBackExactlyAsSealed() async throws {
        try await on { try await tests.storedEntriesComeBackExactlyAsSealed() }
    }
    @Test func anEditedRowIsReportedAtItsSequence() async throws {
        try await on { try await tests.anEditedRowIsReportedAtItsSequence() }
    }
    @Test func aRewrittenTimeIsReportedToo() async throws {
        try await on { try await tests.aRewrittenTimeIsReportedToo() }
    }
    @Test func aDeletedMiddleRowIsAGap() async throws {
        try await on { try await tests.aDeletedMiddleRowIsAGap() }
    }
    @Test func aDeletedLastRowIsTruncationAndStaysVisibleAfterTheNextAppend() async throws {
        try await on { try await tests.aDeletedLastRowIsTruncationAndStaysVisibleAfterTheNextAppend() }
    }
    @Test func rowsAddedPastTheRecordedHeadAreReported() async throws {
        try await on { try await tests.rowsAddedPastTheRecordedHeadAreReported() }
    }
    @Test func aHeadRecordedElsewhereCatchesARebuiltLog() async throws {
        try await on { try await tests.aHeadRecordedElsewhereCatchesARebuiltLog() }
    }
    @Test func retentionDeletesOldEntriesAndTheRestVerifiesFromTheCheckpoint() async throws {
        try await on { try await tests.retentionDeletesOldEntriesAndTheRestVerifiesFromTheCheckpoint() }
    }
    @Test func retentionOfEverythingLeavesAnEmptyLogThatVerifies() async throws {
        try await on { try await tests.retentionOfEverythingLeavesAnEmptyLogThatVerifies() }
    }
    @Test func searchesFilterByWorkspaceActionActorAndTimeAndPage() async throws {
        try await on { try await tests.searchesFilterByWorkspaceActionActorAndTimeAndPage() }
    }

    @Test func anSQLiteAuditLogMovedToPostgreSQLStillVerifies() async throws {
        // Given an SQLite store with entries whose times have fractions, and a retention checkpoint.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-audit-\(UUID())").path
        let source = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        let clock = TestClock(start: 1_790_000_000_001)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let sqliteAudit = AuditService(store: source, clock: WallClock { clock.now() }, logger: logger)
        for n in 0..<30 {
            try await sqliteAudit.record(
                workspaceID: 1, actor: "key:1", actorKind: .apiKey, action: "order.save", target: "order:\(n)",
                sourceIP: n % 2 == 0 ? nil : "198.51.100.\(n)", detail: ["n": String(n)])
            clock.advance(ms: 7 * 86_400_000 + 37)
        }
        #expect(try await sqliteAudit.applyRetention() > 0)
        let before = try await sqliteAudit.check()
        #expect(before.verification.isIntact)

        // When it is migrated.
        let url = try await Backend.freshPostgresDatabase()
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"))
        defer { target.close() }
        try await target.waitUntilReachable()
        let report = try await StoreMigration.run(from: source, to: target) { _, _, _ in }

        // Then both tables copy and check out, and the chain verifies there with the same head.
        #expect(report.verified, "\(report.tables.filter { !$0.verified })")
        #expect(report.tables.first { $0.name == "audit_log" }?.copiedRows ?? 0 > 0)
        #expect(report.tables.first { $0.name == "audit_checkpoints" }?.copiedRows == 2)
        let postgresAudit = AuditService(store: target, clock: WallClock { clock.now() }, logger: logger)
        let after = try await postgresAudit.check()
        #expect(after == before)
        // And the log goes on from there.
        try await postgresAudit.record(
            workspaceID: 1, actor: "key:1", actorKind: .apiKey, action: "key.revoke", target: "key:9")
        #expect(try await postgresAudit.verify().isIntact)
    }
}
