import Foundation
import GRDB
import PanoramaCore
import Synchronization

/// The embedded store: SQLite in WAL mode through a GRDB `DatabasePool` (one writer, many readers).
///
/// Durability: every commit is written to the WAL before `commit` returns. With
/// `synchronous = FULL` (the default) it is also fsynced, so it survives power loss; with
/// `normal` it survives a killed process (`kill -9`) but not a power cut.
public final class SQLiteStore: PanoramaStore {
    /// How hard a commit waits for the disk.
    public enum Synchronous: String, Sendable, CaseIterable {
        case full, normal
    }

    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// Encryption at rest of personal information (`.off`: stored in clear).
    public let protection: FieldProtection

    /// Opens (creating if needed) `panorama.sqlite` in `directory` and migrates it; personal
    /// information is written encrypted with `protection`'s keys.
    public init(directory: String, synchronous: Synchronous = .full, protection: FieldProtection = .off) throws {
        self.protection = protection
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.path = (directory as NSString).appendingPathComponent("panorama.sqlite")
        var config = Configuration()
        config.busyMode = .timeout(10)
        let sync = synchronous.rawValue.uppercased()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(sync)")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Checkpoint less often: more writes to the same pages coalesce before they are copied back.
            // Checkpoints run in the background (`maintain()`); the writer checkpoints itself
            // only as a backstop, if the background falls far behind.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16000")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        self.pool = try DatabasePool(path: path, configuration: config)
        if try pool.read({ db in try SQLiteSchema.migrator.hasBeenSuperseded(db) }) {
            throw PanoramaError(
                .unavailable, code: "schema_too_new",
                message: "\(path) has schema migrations this build of Panorama does not know; run a newer panorama")
        }
        try SQLiteSchema.migrator.migrate(pool)
        try pool.write { db in if try Self.statisticsAreStale(db) { try Self.refreshStatistics(db) } }
        var checkpointConfig = Configuration()
        checkpointConfig.busyMode = .timeout(10)
        self.checkpointer = try DatabaseQueue(path: path, configuration: checkpointConfig)
        // Index whatever the last run appended but did not flush (after a crash, say).
        try flushEventIndex()
    }

    /// The lock file descriptor held by `claimWriter`, for the life of the process.
    private let writerLock = Mutex<Int32?>(nil)

    /// Claims the right to resolve identities and ingest into this database: a process that does
    /// (a server, `panorama import`) holds an exclusive lock on `panorama.sqlite.writer`, because
    /// its in-memory identity graph must be the only one. Throws `store_in_use` when another
    /// process holds it. Reading commands (`keys`, `migrate --dry-run`) need no claim.
    public func claimWriter() throws {
        try writerLock.withLock { held in
            guard held == nil else { return }
            let fd = open(path + ".writer", O_CREAT | O_RDWR, 0o644)
            guard fd >= 0 else {
                throw PanoramaError.unavailable("cannot open \(path).writer: \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                throw PanoramaError(
                    .conflict, code: "store_in_use",
                    message:
                        "another Panorama process (a running server?) writes \(path); stop it first, or import through it with POST /api/v1/imports"
                )
            }
            held = fd
        }
    }

    /// Names of the schema migrations applied to this database.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }

    /// A connection of its own for checkpoints, so that copying the WAL back into the database
    /// runs beside the writer instead of inside its commits.
    private let checkpointer: DatabaseQueue

    /// How often `maintain()` refreshes the planner's statistics.
    static let statisticsInterval: Duration = .seconds(3600)
    private let lastStatistics = Mutex(ContinuousClock.now)

    /// Samples every index (at most 1,000 rows each: 0.3 s on a 5 GB store) into `sqlite_stat1`.
    /// Without statistics SQLite prefers a primary key's first column to a secondary index that
    /// matches more columns: a customer's members (`customers_canonical`) or identifiers were
    /// read by scanning the whole workspace, 36–400 ms per profile at 1,000,000 customers
    /// against 0.1 ms with statistics.
    static func refreshStatistics(_ db: Database) throws {
        try db.execute(sql: "PRAGMA analysis_limit = 1000")
        try db.execute(sql: "ANALYZE")
        // The file's size when they were taken, as a row of a table that does not exist (the
        // planner skips it): a store that opens without having grown much since keeps them.
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        try db.execute(sql: "DELETE FROM sqlite_stat1 WHERE tbl = ?", arguments: [statisticsMarker])
        try db.execute(
            sql: "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES (?, NULL, ?)",
            arguments: [statisticsMarker, String(pages)])
    }

    static let statisticsMarker = "panorama_statistics_pages"

    /// Whether the statistics are missing or the database has grown by more than half since they
    /// were taken: then opening the store refreshes them. Otherwise an open (every CLI command)
    /// skips the 0.3 s of sampling a 5 GB store; a running server refreshes them hourly anyway.
    static func statisticsAreStale(_ db: Database) throws -> Bool {
        guard try db.tableExists("sqlite_stat1"),
            let taken = try String.fetchOne(
                db, sql: "SELECT stat FROM sqlite_stat1 WHERE tbl = ?", arguments: [statisticsMarker]
            ).flatMap({ Int64($0) })
        else { return true }
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        return pages * 2 > taken * 3
    }

    /// Copies committed WAL frames into the database file without blocking the writer or readers,
    /// and refreshes the planner's statistics once an hour (the store grows after it opened).
    public func maintain() async {
        let due = lastStatistics.withLock { last in
            guard ContinuousClock.now - last >= Self.statisticsInterval else { return false }
            last = ContinuousClock.now
            return true
        }
        if due { _ = try? await pool.write { db in try Self.refreshStatistics(db) } }
        let stale =
            unindexed.withLock { $0 > 0 } && lastFlush.withLock { ContinuousClock.now - $0 > .milliseconds(500) }
        if stale {
            markFlushed()
            _ = try? await pool.write { db in try Self.flushEventIndex(db) }
        }
        _ = try? await checkpointer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
        }
    }

    // MARK: WorkspaceStore

    public func createWorkspace(name: String, timeZone: String, now: Int64) async throws -> Workspace {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO workspaces(name, time_zone, created_at) VALUES (?, ?, ?)",
                arguments: [name, timeZone, now])
            let id = db.lastInsertedRowID
            for type in IdentitySettings.defaults.types {
                let q = Self.saveType(SQLBuilder(.sqlite), workspaceID: id, type)
                try db.execute(sql: q.sql, arguments: Self.arguments(q.values))
            }
            return Workspace(id: id, name: name, timeZone: timeZone, createdAt: now)
        }
    }

    // MARK: IngestStore (workspaces, keys and profile reads: SharedQueries.swift)

    public func identitySnapshot(workspaceID: Int64) async throws -> IdentitySnapshot {
        try await pool.read { db in
            var customers: [(id: Int64, canonical: Int64)] = []
            var maxID: Int64 = 0
            let c = try Row.fetchCursor(
                db, sql: "SELECT id, canonical_id FROM customers WHERE workspace_id = ?", arguments: [workspaceID])
            while let row = try c.next() {
                let id: Int64 = row[0]
                customers.append((id, row[1]))
                maxID = max(maxID, id)
            }
            // Ids of erased profiles are never given out again.
            maxID = max(
                maxID,
                try Int64.fetchOne(
                    db, sql: "SELECT erased_through FROM customer_id_watermarks WHERE workspace_id = ?",
                    arguments: [workspaceID]) ?? 0)
            var identifiers: [(identifier: Identifier, owner: Int64)] = []
            let i = try Row.fetchCursor(
                db, sql: "SELECT type, value, customer_id FROM identifiers WHERE workspace_id = ?",
                arguments: [workspaceID])
            while let row = try i.next() {
                identifiers.append((Identifier(type: row[0], value: row[1]), row[2]))
            }
            return IdentitySnapshot(
                customers: customers, identifiers: try protection.open(identifiers, workspaceID: workspaceID),
                maxCustomerID: maxID)
        }
    }

    public func existingMessageIDs(workspaceID: Int64, _ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await pool.read { db in
            var found = Set<String>()
            let chunk = 400
            var start = 0
            while start < ids.count {
                let part = Array(ids[start..<min(start + chunk, ids.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                var args: [any DatabaseValueConvertible] = [workspaceID]
                args.append(contentsOf: part)
                args.append(workspaceID)
                args.append(contentsOf: part)
                // Indexed message ids, and the tail of events not indexed yet.
                let rows = try String.fetchAll(
                    db,
                    sql: """
                        SELECT message_id FROM event_message_ids WHERE workspace_id = ? AND message_id IN (\(marks))
                        UNION ALL
                        SELECT message_id FROM events
                        WHERE id > (SELECT indexed_through FROM event_index_state WHERE id = 1)
                            AND workspace_id = ? AND message_id IN (\(marks))
                        """,
                    arguments: StatementArguments(args))
                found.formUnion(rows)
                start += chunk
            }
            return found
        }
    }

    public func commit(_ commit: IngestCommit) async throws -> Set<Int> {
        guard !commit.isEmpty else { return [] }
        let commit = try protection.seal(commit)
        // GRDB's async write runs the transaction on its writer queue, so the caller's thread is
        // free meanwhile (the ingest pipeline prepares the next group during this commit).
        let skipped = try await pool.write { db in
            let skipped = Set<Int>()
            let customer = try db.cachedStatement(
                sql: "INSERT INTO customers(workspace_id, id, canonical_id, created_at) VALUES (?, ?, ?, ?)")
            var newCustomer = RawStatement(customer, db)
            for c in commit.customers {
                newCustomer.reset()
                newCustomer.bind(c.workspaceID)
                newCustomer.bind(c.id)
                newCustomer.bind(c.id)
                newCustomer.bind(c.createdAt)
                _ = try newCustomer.step()
            }
            let identifier = try db.cachedStatement(
                sql: """
                    INSERT INTO identifiers(workspace_id, type, value, holder, customer_id, created_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(workspace_id, type, value, holder) DO NOTHING
                    """)
            var newIdentifier = RawStatement(identifier, db)
            for i in commit.identifiers {
                newIdentifier.reset()
                newIdentifier.bind(i.workspaceID)
                newIdentifier.bind(i.identifier.type)
                newIdentifier.bind(i.identifier.value)
                newIdentifier.bind(i.shared ? i.customerID : 0)
                newIdentifier.bind(i.customerID)
                newIdentifier.bind(i.createdAt)
                if try newIdentifier.step() == 0, !i.shared {
                    try Self.checkHolder(db, i)
                }
            }
            for m in commit.merges {
                try Self.pointMembers(db, workspaceID: m.workspaceID, members: m.members, at: m.intoID)
                try db.execute(
                    sql: """
                        INSERT INTO merges(workspace_id, from_id, into_id, members, cause_type, cause_value, source,
                            message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        m.workspaceID, m.fromID, m.intoID, m.members.map(String.init).joined(separator: ","),
                        m.cause.type, m.cause.value, m.source, m.messageID, m.createdAt,
                    ])
            }
            let conflict = try db.cachedStatement(
                sql: """
                    INSERT INTO identity_conflicts(workspace_id, customer_id, type, value, owner_id, reason, message_id,
                        created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (workspaceID, c) in commit.conflicts {
                try conflict.execute(arguments: [
                    workspaceID, c.customerID, c.identifier.type, c.identifier.value, c.ownerID, c.reason, c.messageID,
                    c.createdAt,
                ])
            }
            let event = try db.cachedStatement(
                sql: """
                    INSERT INTO events(workspace_id, customer_id, message_id, type, event, name, user_id, anonymous_id,
                        group_id, previous_id, timestamp, original_timestamp, sent_at, received_at, properties, traits,
                        context, campaign) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // The hottest statement: bound through the C API, which costs a fraction of building
            // `StatementArguments` of 18 existentials per row.
            var insert = RawStatement(event, db)
            for e in commit.events {
                let v = e.event
                insert.reset()
                insert.bind(e.workspaceID)
                insert.bind(v.customerID)
                insert.bind(v.messageID)
                insert.bind(v.type.rawValue)
                insert.bind(v.event)
                insert.bind(v.name)
                insert.bind(v.userID)
                insert.bind(v.anonymousID)
                insert.bind(v.groupID)
                insert.bind(v.previousID)
                insert.bind(v.timestamp)
                insert.bind(v.originalTimestamp)
                insert.bind(v.sentAt)
                insert.bind(v.receivedAt)
                insert.bind(v.properties)
                insert.bind(v.traits)
                insert.bind(v.context)
                insert.bind(EventCampaign.name(type: v.type, context: v.context, properties: v.properties))
                _ = try insert.step()
            }
            let trait = try db.cachedStatement(
                sql: """
                    INSERT INTO customer_traits(workspace_id, customer_id, name, value, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(workspace_id, customer_id, name) DO UPDATE
                    SET value = excluded.value, updated_at = excluded.updated_at
                    WHERE excluded.updated_at > customer_traits.updated_at
                        OR (excluded.updated_at = customer_traits.updated_at AND excluded.value <> customer_traits.value)
                    """)
            var traitWrite = RawStatement(trait, db)
            for t in commit.traits {
                traitWrite.reset()
                traitWrite.bind(t.workspaceID)
                traitWrite.bind(t.customerID)
                traitWrite.bind(t.trait.name)
                traitWrite.bind(t.trait.json)
                traitWrite.bind(t.trait.updatedAt)
                _ = try traitWrite.step()
            }
            if !commit.orders.isEmpty {
                var upsert = RawStatement(try db.cachedStatement(sql: Self.upsertOrderSQLite), db)
                for (workspaceID, order) in commit.orders {
                    try Self.saveOrder(db, &upsert, workspaceID: workspaceID, order)
                }
            }
            return skipped
        }
        let due = unindexed.withLock { count in
            count += commit.events.count
            return count >= Self.indexBatch
        }
        if due {
            markFlushed()
            try await pool.write { db in try Self.flushEventIndex(db) }
        }
        return skipped
    }

    static let upsertOrderSQLite = upsertOrderSQL(.sqlite)

    /// Writes an order and its lines (statements shared with PostgreSQL: `OrderQueries.swift`).
    /// A new order without lines (most imports) is one statement; a new order with lines is two.
    static func saveOrder(_ db: Database, _ upsert: inout RawStatement, workspaceID: Int64, _ order: Order) throws {
        upsert.reset()
        for value in upsertOrderValues(workspaceID: workspaceID, order) { upsert.bind(value) }
        guard let (id, version) = try upsert.stepReturning() else { return }
        if order.items.isEmpty && version == 1 { return }
        // An order inserted now (version 1) has no lines past its last to delete.
        let queries = saveItems(SQLBuilder(.sqlite), workspaceID: workspaceID, orderID: id, order.items)
        for q in version == 1 ? queries.dropLast() : queries[...] {
            // The statement text depends only on the number of lines: orders of up to
            // `cachedLineCounts` lines reuse a compiled statement (compiling one per order cost
            // about a tenth of an order import).
            let statement =
                order.items.count <= cachedLineCounts ? try db.cachedStatement(sql: q.sql) : try db.makeStatement(sql: q.sql)
            try statement.execute(arguments: arguments(q.values))
        }
    }

    /// Orders with at most this many lines write them through a cached statement.
    static let cachedLineCounts = 16

    /// Events appended since the last index flush (an estimate; the flush reads the real tail).
    private let unindexed = Mutex<Int>(0)
    private let lastFlush = Mutex<ContinuousClock.Instant>(.now)
    /// Flush the event indexes once this many events are waiting.
    static let indexBatch = 20_000

    /// Moves the tail of events past `indexed_through` into `event_index` and `event_message_ids`,
    /// sorted by key so that neighbouring entries share pages, in one transaction.
    ///
    /// A message id found already indexed is a resend that arrived after the ingest pipeline's
    /// window of recent ids: that copy is deleted here, so a message is still stored once.
    public func flushEventIndex() throws {
        markFlushed()
        try pool.write { db in try Self.flushEventIndex(db) }
    }

    private func markFlushed() {
        unindexed.withLock { $0 = 0 }
        lastFlush.withLock { $0 = .now }
    }

    private static func flushEventIndex(_ db: Database) throws {
        do {
            let through = try Int64.fetchOne(db, sql: "SELECT indexed_through FROM event_index_state WHERE id = 1") ?? 0
            var rows: [(id: Int64, workspace: Int64, customer: Int64, timestamp: Int64, message: String)] = []
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, workspace_id, customer_id, timestamp, message_id FROM events
                    WHERE id > ? ORDER BY id LIMIT 500000
                    """,
                arguments: [through])
            while let row = try cursor.next() {
                rows.append((row[0], row[1], row[2], row[3], row[4]))
            }
            guard let last = rows.last?.id else { return }
            rows.sort { ($0.workspace, $0.message, $0.id) < ($1.workspace, $1.message, $1.id) }
            var message = RawStatement(
                try db.cachedStatement(
                    sql: """
                        INSERT INTO event_message_ids(workspace_id, message_id, event_id) VALUES (?, ?, ?)
                        ON CONFLICT(workspace_id, message_id) DO NOTHING
                        """), db)
            var duplicates = Set<Int64>()
            for r in rows {
                message.reset()
                message.bind(r.workspace)
                message.bind(r.message)
                message.bind(r.id)
                if try message.step() == 0 { duplicates.insert(r.id) }
            }
            if !duplicates.isEmpty {
                let delete = try db.cachedStatement(sql: "DELETE FROM events WHERE id = ?")
                for id in duplicates { try delete.execute(arguments: [id]) }
            }
            rows.sort {
                ($0.workspace, $0.customer, $0.timestamp, $0.id) < ($1.workspace, $1.customer, $1.timestamp, $1.id)
            }
            var entry = RawStatement(
                try db.cachedStatement(
                    sql: "INSERT INTO event_index(workspace_id, customer_id, timestamp, event_id) VALUES (?, ?, ?, ?)"),
                db)
            for r in rows where !duplicates.contains(r.id) {
                entry.reset()
                entry.bind(r.workspace)
                entry.bind(r.customer)
                entry.bind(r.timestamp)
                entry.bind(r.id)
                _ = try entry.step()
            }
            try db.execute(sql: "UPDATE event_index_state SET indexed_through = ? WHERE id = 1", arguments: [last])
        }
    }

    /// A unique value that is already stored: re-attaching it to its holder is a no-op, a second
    /// holder means the identity graph went wrong, and the commit fails rather than record it.
    private static func checkHolder(_ db: Database, _ i: IngestCommit.NewIdentifier) throws {
        let holder = try Int64.fetchOne(
            db,
            sql: "SELECT customer_id FROM identifiers WHERE workspace_id = ? AND type = ? AND value = ? AND holder = 0",
            arguments: [i.workspaceID, i.identifier.type, i.identifier.value])
        guard holder == i.customerID else {
            throw PanoramaError(
                .internal, code: "identity_conflict",
                message: "identifier \(i.identifier.type) is already held by profile \(holder ?? 0); nothing was stored"
            )
        }
    }

    private static func pointMembers(_ db: Database, workspaceID: Int64, members: [Int64], at canonical: Int64) throws {
        let statement = try db.cachedStatement(
            sql: "UPDATE customers SET canonical_id = ? WHERE workspace_id = ? AND id = ?")
        for m in members {
            try statement.execute(arguments: [canonical, workspaceID, m])
        }
    }

    public func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws
    {
        try await pool.write { db in
            try Self.pointMembers(db, workspaceID: workspaceID, members: movedBack, at: from)
            try db.execute(
                sql: "UPDATE merges SET undone_at = ? WHERE workspace_id = ? AND id = ?",
                arguments: [now, workspaceID, mergeID])
        }
    }

    // MARK: ProfileStore

    private static func inList(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ",")
    }

    private static let eventColumns = """
        id, customer_id, message_id, type, event, name, user_id, anonymous_id, group_id, previous_id, timestamp,
        original_timestamp, sent_at, received_at, properties, traits, context
        """

    public func events(
        workspaceID: Int64, customerIDs: [Int64], cursor: String?, limit: Int
    ) async throws -> Page<StoredEvent> {
        guard !customerIDs.isEmpty else { return Page(items: [], nextCursor: nil) }
        let after = try EventCursor(cursor).map { ($0.timestamp, $0.id) }
        let rows = try await pool.read { db in
            let list = Self.inList(customerIDs)
            var indexed = "workspace_id = ? AND customer_id IN (\(list))"
            var tail =
                "id > (SELECT indexed_through FROM event_index_state WHERE id = 1) AND workspace_id = ? AND customer_id IN (\(list))"
            var args: [any DatabaseValueConvertible] = [workspaceID]
            var tailArgs: [any DatabaseValueConvertible] = [workspaceID]
            if let (t, i) = after {
                indexed += " AND (timestamp < ? OR (timestamp = ? AND event_id < ?))"
                tail += " AND (timestamp < ? OR (timestamp = ? AND id < ?))"
                args += [t, t, i]
                tailArgs += [t, t, i]
            }
            // The indexed part (newest first through event_index) and the not-yet-indexed tail.
            let sql = """
                SELECT \(Self.eventColumns) FROM events WHERE id IN (
                    SELECT event_id FROM event_index WHERE \(indexed)
                    ORDER BY timestamp DESC, event_id DESC LIMIT ?)
                UNION ALL
                SELECT \(Self.eventColumns) FROM events WHERE \(tail)
                ORDER BY 11 DESC, 1 DESC LIMIT ?
                """
            args.append(limit + 1)
            args += tailArgs
            args.append(limit + 1)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args))
        }
        let items = try rows.prefix(limit).map { row in
            try protection.open(StoredEvent(
                id: row[0], customerID: row[1], messageID: row[2], type: MessageType(rawValue: row[3]) ?? .track,
                event: row[4], name: row[5], userID: row[6], anonymousID: row[7], groupID: row[8], previousID: row[9],
                timestamp: row[10], originalTimestamp: row[11], sentAt: row[12], receivedAt: row[13],
                properties: row[14], traits: row[15], context: row[16]), workspaceID: workspaceID)
        }
        var next: String?
        if rows.count > limit, let last = items.last {
            next = EventCursor(timestamp: last.timestamp, id: last.id).text
        }
        return Page(items: items, nextCursor: next)
    }

    public func activity(
        workspaceID: Int64, customerIDs: [Int64]
    ) async throws -> (events: Int64, first: Int64?, last: Int64?) {
        guard !customerIDs.isEmpty else { return (0, nil, nil) }
        return try await pool.read { db in
            let list = Self.inList(customerIDs)
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*), min(ts), max(ts) FROM (
                        SELECT timestamp AS ts FROM event_index WHERE workspace_id = ? AND customer_id IN (\(list))
                        UNION ALL
                        SELECT timestamp FROM events
                        WHERE id > (SELECT indexed_through FROM event_index_state WHERE id = 1)
                            AND workspace_id = ? AND customer_id IN (\(list)))
                    """,
                arguments: [workspaceID, workspaceID])
            return (row?[0] ?? 0, row?[1], row?[2])
        }
    }

    public func ping() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }
}
