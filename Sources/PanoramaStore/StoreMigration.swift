import Foundation
import GRDB
import Logging
import NIOCore
import PanoramaCore
import PostgresNIO

/// Moves an SQLite deployment into an empty PostgreSQL database (`panorama migrate-store`) and
/// proves the copy by counting and checksumming every table on both sides.
///
/// - **What is copied**: every table the two schemas share, ids included (so API keys, profile
///   ids, event ids and merge ids stay valid); `customers.version`, `identifiers.version` and
///   `workspaces.identity_version` are set to 1. `event_message_ids` is derived in PostgreSQL from
///   the copied events and verified against the source's events, not against SQLite's own
///   `event_message_ids`, whose ids GRDB cut at a U+0000 when the index was flushed. SQLite's
///   `event_index` and `event_index_state` have no PostgreSQL counterpart; tables of runtime state
///   (cluster nodes and jobs) are not copied.
/// - **Consistency**: the source's event index is flushed first (which also drops late resends,
///   as opening the store does), then everything is read from one SQLite snapshot, so the copy and
///   the source checksums see the same data. The server should still be stopped: what it wrote
///   after the snapshot would not be copied.
/// - **One PostgreSQL transaction for everything**: a failure leaves the target as empty as it was,
///   so the command can simply be run again; the target is locked and checked empty inside it.
/// - **Streaming**: tables are read in primary-key order in chunks of ``defaultChunkRows`` (keyset
///   pagination), the next chunk read while the current one is written; traffic-sized tables go
///   through COPY (text format), the configuration tables through plain inserts. Memory stays at
///   about two chunks whatever the size of the deployment.
/// - **Verification** re-reads both sides after the commit. See ``Checksum`` for the row encoding.
///
/// Afterwards every identity column's sequence is moved past the largest id copied (and past
/// SQLite's AUTOINCREMENT high-water mark for events, whose ids never come back), so new rows
/// written through PostgreSQL do not collide with migrated ones.
public struct StoreMigration: Sendable {
    /// What was copied and whether it checks out, table by table.
    public struct Report: Sendable {
        /// One table's figures.
        public struct Table: Sendable {
            public var name: String
            /// Rows in the SQLite snapshot.
            public var sourceRows: Int64
            /// Rows written to PostgreSQL.
            public var copiedRows: Int64
            /// Rows found in PostgreSQL when verifying.
            public var targetRows: Int64
            public var sourceChecksum: String
            public var targetChecksum: String
            /// Time spent copying the table.
            public var seconds: Double

            /// Counts and checksums agree.
            public var verified: Bool {
                copiedRows == sourceRows && targetRows == sourceRows && sourceChecksum == targetChecksum
            }
        }

        public var tables: [Table]
        /// Wall time of the whole migration, verification included.
        public var seconds: Double

        /// Every table's counts and checksums agree.
        public var verified: Bool { tables.allSatisfy(\.verified) }
        /// Rows written to PostgreSQL in all.
        public var copiedRows: Int64 { tables.reduce(0) { $0 + $1.copiedRows } }
    }

    /// Rows per SQLite read unless told otherwise; two chunks are in memory at a time.
    public static let defaultChunkRows = 25_000

    /// The SQLite snapshot everything is read from, and how many rows one read takes.
    struct Reader: Sendable {
        var snapshot: DatabaseSnapshot
        var chunkRows: Int
    }

    /// Copies `source` into `target`, which must hold no data, then verifies the copy.
    ///
    /// `progress(step, done, total)` is called as rows go: `step` is a table name while copying
    /// and `verify <table>` while re-reading PostgreSQL. Throws `target_not_empty` (nothing
    /// changed) when the target already holds data, `schema_not_covered` when the SQLite database
    /// has tables or columns this build does not know how to copy. A returned report may still say
    /// that a table does not verify: check ``Report/verified``. `chunkRows` trades memory for
    /// round trips (tests make it small to cross chunk boundaries).
    public static func run(
        from source: SQLiteStore, to target: PostgresStore, chunkRows: Int = defaultChunkRows,
        progress: @Sendable (String, Int64, Int64) -> Void
    ) async throws -> Report {
        precondition(chunkRows > 0, "chunkRows must be positive")
        let started = ContinuousClock.now
        _ = try await target.migrate(apply: true, now: Int64(Date().timeIntervalSince1970 * 1000))
        let (snapshot, copies): (DatabaseSnapshot, [Copied])
        do {
            (snapshot, copies) = try await copyAll(source, target, chunkRows: chunkRows, progress: progress)
        } catch let error as PSQLError {
            throw PanoramaError.unavailable(
                "copying into \(target.description) failed, so nothing was copied: \(PostgresStore.explain(error))")
        }
        var report = Report(tables: [], seconds: 0)
        do {
            for table in tables {
                try await target.execute("ANALYZE \(table.name)")
            }
            // The same snapshot the copy read, whatever the source went through since.
            for (table, copied) in zip(tables, copies) {
                async let sourceSum = sourceChecksum(table, snapshot)
                let targetSum = try await targetChecksum(table, target) {
                    progress("verify \(table.name)", $0, copied.sourceRows)
                }
                let sourceSumValue = try await sourceSum
                report.tables.append(
                    Report.Table(
                        name: table.name, sourceRows: copied.sourceRows, copiedRows: copied.copiedRows,
                        targetRows: targetSum.rows, sourceChecksum: sourceSumValue.text, targetChecksum: targetSum.text,
                        seconds: copied.seconds))
            }
        } catch let error as PSQLError {
            throw PanoramaError.unavailable(
                "the copy into \(target.description) was committed, but verifying it failed: \(PostgresStore.explain(error)); check it before switching to it"
            )
        }
        report.seconds = seconds(since: started)
        return report
    }

    /// Copies every table in one transaction; returns the snapshot read and what each table took.
    private static func copyAll(
        _ source: SQLiteStore, _ target: PostgresStore, chunkRows: Int, progress: (String, Int64, Int64) -> Void
    ) async throws -> (DatabaseSnapshot, [Copied]) {
        try await target.transaction { connection in
            try await refuseNonEmpty(connection, target: target)
            let snapshot = try await prepare(source)
            let reader = Reader(snapshot: snapshot, chunkRows: chunkRows)
            let counts = try await snapshot.read { db in
                try tables.map { try Int64.fetchOne(db, sql: "SELECT count(*) FROM \($0.source)") ?? 0 }
            }
            var copies: [Copied] = []
            for (table, count) in zip(tables, counts) {
                progress(table.name, 0, count)
                let start = ContinuousClock.now
                let copied: Int64
                switch table.method {
                case .insert:
                    copied = try await insert(table, from: reader, into: connection, logger: target.logger) {
                        progress(table.name, $0, count)
                    }
                case .copy:
                    copied = try await copy(table, from: reader, into: connection, logger: target.logger) {
                        progress(table.name, $0, count)
                    }
                case .derivedFromEvents:
                    copied = try await deriveMessageIDs(connection, target: target)
                    progress(table.name, copied, count)
                }
                copies.append(Copied(sourceRows: count, copiedRows: copied, seconds: seconds(since: start)))
            }
            try await moveSequences(snapshot, connection, target: target)
            return (snapshot, copies)
        }
    }

    private struct Copied: Sendable {
        var sourceRows: Int64
        var copiedRows: Int64
        var seconds: Double
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    // MARK: What is copied

    /// A column both schemas have, as SQLite stores it.
    struct Column: Sendable {
        enum Kind: Sendable { case integer, text, boolean, real }
        var name: String
        var kind: Kind
        var nullable = false
    }

    /// How one table is read from SQLite and written to PostgreSQL.
    struct Table: Sendable {
        enum Method: Sendable {
            /// Parameterised inserts: configuration tables of a few rows.
            case insert
            /// COPY in text format: tables that grow with traffic.
            case copy
            /// Filled inside PostgreSQL from the copied events (`event_message_ids`).
            case derivedFromEvents
        }
        var name: String
        var method: Method
        /// The SQLite table the source rows are counted and checksummed from: the table itself,
        /// or `events` for a table derived from them.
        var source: String { method == .derivedFromEvents ? "events" : name }
        /// The SQLite primary key, the order in which rows are read.
        var key: [String]
        var columns: [Column]
        /// PostgreSQL-only columns and the literal value migrated rows get.
        var constants: [(column: String, value: String)] = []
        /// An `id GENERATED BY DEFAULT AS IDENTITY` column whose sequence must pass the copied ids.
        var identity = false

        var keyIndexes: [Int] { key.map { k in columns.firstIndex { $0.name == k }! } }
    }

    static func int(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .integer, nullable: nullable)
    }

    static func text(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .text, nullable: nullable)
    }

    /// The tables copied, in this order: the foundation's, then each capability's
    /// (`StoreMigration+Orders.swift` …).
    static let tables: [Table] =
        foundationTables + ordersTables + loyaltyTables + duplicatesTables + audiencesTables + auditTables
            + accessTables + privacyTables + protectionTables + insightsTables

    static let foundationTables: [Table] = [
        Table(
            name: "workspaces", method: .insert, key: ["id"],
            columns: [int("id"), text("name"), text("time_zone"), int("created_at")],
            constants: [("identity_version", "1")], identity: true),
        Table(
            name: "identifier_types", method: .insert, key: ["workspace_id", "name"],
            columns: [
                int("workspace_id"), text("name"), int("priority"), int("max_per_profile", nullable: true),
                Column(name: "is_unique", kind: .boolean),
            ]),
        Table(
            name: "api_keys", method: .insert, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), text("kind"), text("name"), text("prefix"), text("hash"),
                int("created_at"), int("revoked_at", nullable: true),
            ], identity: true),
        Table(
            name: "customers", method: .copy, key: ["workspace_id", "id"],
            columns: [int("workspace_id"), int("id"), int("canonical_id"), int("created_at")],
            constants: [("version", "1")]),
        Table(
            name: "identifiers", method: .copy, key: ["workspace_id", "type", "value", "holder"],
            columns: [
                int("workspace_id"), text("type"), text("value"), int("holder"), int("customer_id"), int("created_at"),
            ], constants: [("version", "1")]),
        Table(
            name: "customer_traits", method: .copy, key: ["workspace_id", "customer_id", "name"],
            columns: [int("workspace_id"), int("customer_id"), text("name"), text("value"), int("updated_at")]),
        Table(
            name: "events", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("message_id"), text("type"),
                text("event", nullable: true), text("name", nullable: true), text("user_id", nullable: true),
                text("anonymous_id", nullable: true), text("group_id", nullable: true),
                text("previous_id", nullable: true), int("timestamp"), int("original_timestamp", nullable: true),
                int("sent_at", nullable: true), int("received_at"), text("properties", nullable: true),
                text("traits", nullable: true), text("context", nullable: true), text("campaign", nullable: true),
            ], identity: true),
        Table(
            name: "event_message_ids", method: .derivedFromEvents, key: ["workspace_id", "message_id"],
            columns: [int("workspace_id"), text("message_id")]),
        Table(
            name: "merges", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("from_id"), int("into_id"), text("members"), text("cause_type"),
                text("cause_value"), text("source"), text("message_id", nullable: true), int("created_at"),
                int("undone_at", nullable: true),
            ], identity: true),
        Table(
            name: "identity_conflicts", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("type"), text("value"),
                int("owner_id", nullable: true), text("reason"), text("message_id", nullable: true), int("created_at"),
            ], identity: true),
    ]

    /// SQLite tables and columns deliberately left behind: the event index (PostgreSQL indexes
    /// events itself), `event_message_ids.event_id` (PostgreSQL keeps the ids only), runtime state
    /// of the nodes that ran on SQLite (`cluster_*`: the new nodes register themselves), the
    /// encryption sweep's mark (the new store's first start makes its own pass), bookkeeping.
    /// Anything else this list and ``tables`` do not name makes the migration refuse to start.
    static let notCopied: Set<String> = [
        "event_index", "event_index_state", "event_message_ids.event_id", "cluster_nodes", "cluster_jobs",
        "protection_sweep_mark",
        "grdb_migrations", "sqlite_sequence",
    ]

    // MARK: Source

    /// Indexes the source's event tail (so that `event_message_ids` covers every event and late
    /// resends are gone), checks that this build knows every table and column it holds, and
    /// returns a snapshot of it.
    private static func prepare(_ source: SQLiteStore) async throws -> DatabaseSnapshot {
        while true {
            let tail = try await source.pool.read { db in
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT coalesce(max(id), 0) > (SELECT indexed_through FROM event_index_state WHERE id = 1)
                        FROM events
                        """) ?? false
            }
            if !tail { break }
            try source.flushEventIndex()
        }
        let snapshot = try source.pool.makeSnapshot()
        let unknown = try await snapshot.read { db in
            var unknown: [String] = []
            let names = try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            for name in names where !notCopied.contains(name) {
                guard let table = tables.first(where: { $0.name == name }) else {
                    unknown.append(name)
                    continue
                }
                for column in try db.columns(in: name).map(\.name)
                where !table.columns.contains(where: { $0.name == column }) && !notCopied.contains("\(name).\(column)")
                {
                    unknown.append("\(name).\(column)")
                }
            }
            return unknown
        }
        guard unknown.isEmpty else {
            throw PanoramaError(
                .internal, code: "schema_not_covered",
                message:
                    "\(source.path) holds \(unknown.joined(separator: ", ")), which this build of migrate-store does not copy; nothing was copied. Use a panorama build whose migrate-store knows them."
            )
        }
        return snapshot
    }

    /// One value as both sides agree on it: integers (and booleans as 0/1), text with U+0000 as
    /// U+FFFD (PostgreSQL text cannot hold U+0000, and `PostgresStore` stores it so), doubles
    /// (bit for bit: the audit chain hashes them), or NULL.
    enum Cell: Sendable, Equatable {
        case null
        case int(Int64)
        case text(String)
        case real(Double)
    }

    /// Rows of one read, and the raw key of the last one (the next read starts after it).
    struct Chunk: Sendable {
        var rows: [[Cell]]
        var lastKey: [DatabaseValue]
        var full: Bool

        static let end = Chunk(rows: [], lastKey: [], full: false)
    }

    /// The rows after `after` in key order, at most `reader.chunkRows`.
    ///
    /// Text is read with its length (`withUnsafeData`), not as a C string as GRDB decodes it, so a
    /// value holding U+0000 arrives whole; for the same reason a text key is bound as a blob cast
    /// back to text (GRDB binds strings up to their first U+0000). The unary `+` keeps the cast
    /// from hiding the key from SQLite's planner, which then seeks the primary key on all columns.
    private static func read(_ table: Table, from reader: Reader, after: [DatabaseValue]?) async throws
        -> Chunk
    {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let key = table.key.joined(separator: ", ")
        var sql = "SELECT \(columns) FROM \(table.name)"
        var arguments = StatementArguments()
        if let after {
            let marks = table.keyIndexes.map { table.columns[$0].kind == .text ? "+CAST(? AS TEXT)" : "?" }
            sql += " WHERE (\(key)) > (\(marks.joined(separator: ", ")))"
            arguments = StatementArguments(after)
        }
        let limit = reader.chunkRows
        sql += " ORDER BY \(key) LIMIT \(limit)"
        let query = sql
        let values = arguments
        return try await reader.snapshot.read { db in
            var rows: [[Cell]] = []
            rows.reserveCapacity(limit)
            var lastKey: [DatabaseValue] = []
            let cursor = try Row.fetchCursor(db, sql: query, arguments: values)
            while let row = try cursor.next() {
                rows.append(try cells(row, table))
                // A cursor's row is only valid until the next step: keep the key of the row that
                // may be the last (LIMIT), as values of its own.
                if rows.count == limit { lastKey = try keyValues(row, table) }
            }
            return Chunk(rows: rows, lastKey: lastKey, full: rows.count == limit)
        }
    }

    /// The chunk after `chunk`, or `.end` when it was the last.
    private static func read(_ table: Table, from reader: Reader, after chunk: Chunk) async throws -> Chunk {
        chunk.full ? try await read(table, from: reader, after: chunk.lastKey) : .end
    }

    /// The row's primary key, text as its exact bytes (a blob; see `read`).
    private static func keyValues(_ row: Row, _ table: Table) throws -> [DatabaseValue] {
        try table.keyIndexes.map { index in
            guard table.columns[index].kind == .text else { return row[index] as DatabaseValue }
            return try row.withUnsafeData(atIndex: index) { Data([UInt8]($0 ?? Data())).databaseValue }
        }
    }

    private static func cells(_ row: Row, _ table: Table) throws -> [Cell] {
        var cells: [Cell] = []
        cells.reserveCapacity(table.columns.count)
        for (index, column) in table.columns.enumerated() {
            if column.kind == .text {
                // Bytes that are not UTF-8 (SQLite accepts them, PostgreSQL does not) become U+FFFD.
                let text = try row.withUnsafeData(atIndex: index) { data in
                    data.map { data in
                        data.withUnsafeBytes { String(decoding: $0.bindMemory(to: UInt8.self), as: UTF8.self) }
                    }
                }
                if let text {
                    cells.append(.text(text.withoutNUL))
                    continue
                }
                if column.nullable {
                    cells.append(.null)
                    continue
                }
                throw unexpected(row, table, column, holding: "NULL")
            }
            let value: DatabaseValue = row[index]
            switch (value.storage, column.kind) {
            case (.null, _) where column.nullable: cells.append(.null)
            case (.int64(let n), .boolean): cells.append(.int(n == 0 ? 0 : 1))
            case (.int64(let n), .real): cells.append(.real(Double(n)))
            case (.int64(let n), _): cells.append(.int(n))
            case (.double(let d), .integer) where d.rounded() == d && abs(d) < 9.2e18: cells.append(.int(Int64(d)))
            case (.double(let d), .real): cells.append(.real(d))
            default: throw unexpected(row, table, column, holding: describe(value))
            }
        }
        return cells
    }

    private static func unexpected(_ row: Row, _ table: Table, _ column: Column, holding: String) -> PanoramaError {
        let key = table.keyIndexes.map { "\(row[$0] as DatabaseValue)" }.joined(separator: ", ")
        return PanoramaError(
            .internal, code: "unexpected_value",
            message:
                "\(table.name).\(column.name) of the row (\(table.key.joined(separator: ", "))) = (\(key)) holds \(holding) where \(column.nullable ? "NULL or " : "")\(column.kind) is expected; nothing was copied. Correct that row in SQLite and run again."
        )
    }

    private static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64: "an integer"
        case .double: "a real number"
        case .string: "text"
        case .blob: "a blob"
        }
    }

    // MARK: Target

    /// Refuses a target that holds data, under a lock that keeps a starting server (which would
    /// create its default workspace) or a second migration out until this one commits.
    private static func refuseNonEmpty(_ connection: PostgresConnection, target: PostgresStore) async throws {
        try await connection.query("LOCK TABLE workspaces IN EXCLUSIVE MODE", logger: target.logger)
        var holding: [String] = []
        for table in tables {
            let rows = try await target.all(
                PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table.name))"), on: connection,
                as: Bool.self)
            if rows.first == true { holding.append(table.name) }
        }
        guard holding.isEmpty else {
            throw PanoramaError(
                .conflict, code: "target_not_empty",
                message:
                    "\(target.description) already holds data (\(holding.joined(separator: ", "))); migrate-store only fills an empty database, so nothing was changed. Create a new database (CREATE DATABASE …) and pass its URL."
            )
        }
    }

    private static func insert(
        _ table: Table, from reader: Reader, into connection: PostgresConnection, logger: Logger,
        progress: (Int64) -> Void
    ) async throws -> Int64 {
        let names = table.columns.map(\.name) + table.constants.map(\.column)
        let values = table.columns.indices.map { "$\($0 + 1)" } + table.constants.map(\.value)
        let sql =
            "INSERT INTO \(table.name)(\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))"
        var copied: Int64 = 0
        var chunk = try await read(table, from: reader, after: nil)
        while !chunk.rows.isEmpty {
            for row in chunk.rows {
                var binds = PostgresBindings()
                for (cell, column) in zip(row, table.columns) {
                    switch cell {
                    case .null: binds.appendNull()
                    case .int(let n) where column.kind == .boolean: binds.append(n != 0)
                    case .int(let n): binds.append(n)
                    case .text(let s): binds.append(s)
                    case .real(let d): binds.append(d)
                    }
                }
                try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                copied += 1
            }
            progress(copied)
            chunk = try await read(table, from: reader, after: chunk)
        }
        return copied
    }

    private static func copy(
        _ table: Table, from reader: Reader, into connection: PostgresConnection, logger: Logger,
        progress: (Int64) -> Void
    ) async throws -> Int64 {
        var copied: Int64 = 0
        let constants = table.constants.map(\.value)
        try await connection.copyFrom(
            table: table.name, columns: table.columns.map(\.name) + table.constants.map(\.column), logger: logger
        ) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: 512 * 1024)
            var chunk = try await read(table, from: reader, after: nil)
            while !chunk.rows.isEmpty {
                // Read the next chunk from SQLite while this one goes to PostgreSQL.
                let current = chunk
                async let next = read(table, from: reader, after: current)
                for row in current.rows {
                    appendRow(row, constants: constants, to: &buffer)
                    if buffer.readableBytes >= 256 * 1024 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                copied += Int64(current.rows.count)
                progress(copied)
                chunk = try await next
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return copied
    }

    /// One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
    static func appendRow(_ row: [Cell], constants: [String], to buffer: inout ByteBuffer) {
        for (index, cell) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(0x09)) }
            switch cell {
            case .null: buffer.writeStaticString("\\N")
            case .int(let n): buffer.writeString(String(n))
            case .text(let s): CopyText.append(s, to: &buffer)
            // Swift writes the shortest text that reads back as the same double; PostgreSQL reads it so.
            case .real(let d): buffer.writeString("\(d)")
            }
        }
        for constant in constants {
            buffer.writeInteger(UInt8(0x09))
            buffer.writeString(constant)
        }
        buffer.writeInteger(UInt8(0x0A))
    }

    /// One row per stored message id, from the events just copied; returns the rows inserted.
    private static func deriveMessageIDs(_ connection: PostgresConnection, target: PostgresStore) async throws -> Int64
    {
        try await target.all(
            """
            WITH inserted AS (
                INSERT INTO event_message_ids(workspace_id, message_id)
                SELECT workspace_id, message_id FROM events ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*) FROM inserted
            """, on: connection, as: Int64.self
        ).first ?? 0
    }

    /// Moves each identity sequence past the largest id copied, and past SQLite's AUTOINCREMENT
    /// high-water mark where there is one (ids of deleted events never come back).
    private static func moveSequences(
        _ snapshot: DatabaseSnapshot, _ connection: PostgresConnection, target: PostgresStore
    ) async throws {
        let used: [String: Int64] = try await snapshot.read { db in
            var used: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence") {
                let name: String = row[0]
                used[name] = max(used[name] ?? 0, row[1])
            }
            return used
        }
        for table in tables where table.identity {
            let copied: Int64 =
                try await target.all(
                    PostgresQuery(unsafeSQL: "SELECT coalesce(max(id), 0) FROM \(table.name)"), on: connection,
                    as: Int64.self
                ).first ?? 0
            let top = max(copied, used[table.name] ?? 0)
            guard top > 0 else { continue }
            try await connection.query(
                "SELECT setval(pg_get_serial_sequence(\(table.name), 'id'), \(top))", logger: target.logger)
        }
    }

    // MARK: Verification

    /// A table's checksum: the row count and the wrapping sum of every row's hash.
    ///
    /// A row hashes with 64-bit FNV-1a over a canonical encoding, finished with the MurmurHash3
    /// 64-bit mixer: per column a tag (`N` NULL, `I` integer then its 8 bytes little-endian, `T`
    /// text then its UTF-8 length as 8 bytes and its bytes, `R` double then its bit pattern), with
    /// booleans as integers 0/1 and U+0000 as U+FFFD (see ``Cell``). PanoramaStore has no SHA-256 (swift-crypto is a
    /// PanoramaServices dependency), and a cryptographic hash is not needed to detect a faulty copy.
    ///
    /// The sum does not depend on row order, so neither side sorts: PostgreSQL scans `events`
    /// sequentially instead of sorting the whole table by id (its key leads with the customer),
    /// and no collation can disagree — byte order itself would, for a key whose U+0000 became
    /// U+FFFD. Counts are compared alongside, so a missing row cannot hide behind the sum.
    struct Checksum: Sendable, Equatable {
        var rows: Int64 = 0
        var sum: UInt64 = 0

        /// Counts a row and adds its hash.
        mutating func add(_ row: RowHasher) {
            rows += 1
            sum &+= row.value
        }

        /// The sum as 16 hex digits, as the report shows it.
        var text: String {
            let hex = String(sum, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// The hash of one row (see ``Checksum``).
    struct RowHasher {
        private var state: UInt64 = 0xcbf2_9ce4_8422_2325

        private mutating func byte(_ b: UInt8) {
            state = (state ^ UInt64(b)) &* 0x0000_0100_0000_01b3
        }

        private mutating func word(_ n: UInt64) {
            var n = n
            for _ in 0..<8 {
                byte(UInt8(truncatingIfNeeded: n))
                n >>= 8
            }
        }

        /// A NULL column.
        mutating func null() { byte(0x4E) }

        /// An integer column (a boolean as 0/1).
        mutating func int(_ n: Int64) {
            byte(0x49)
            word(UInt64(bitPattern: n))
        }

        /// A double column, as its bit pattern.
        mutating func real(_ d: Double) {
            byte(0x52)
            word(d.bitPattern)
        }

        /// A text column, as its UTF-8 bytes.
        mutating func text(_ utf8: UnsafeRawBufferPointer) {
            byte(0x54)
            word(UInt64(utf8.count))
            for b in utf8 { byte(b) }
        }

        /// A column as read from SQLite.
        mutating func add(_ cell: Cell) {
            switch cell {
            case .null: null()
            case .int(let n): int(n)
            case .text(var s): s.withUTF8 { text(UnsafeRawBufferPointer($0)) }
            case .real(let d): real(d)
            }
        }

        /// A column as read from PostgreSQL.
        mutating func add(_ cell: PostgresCell) throws {
            guard let bytes = cell.bytes else { return null() }
            switch cell.dataType {
            case .int8, .int4, .int2: int(try cell.decode(Int64.self))
            case .bool: int(try cell.decode(Bool.self) ? 1 : 0)
            case .float8: real(try cell.decode(Double.self))
            case .text, .varchar:
                // Text comes as its UTF-8 bytes in either format.
                bytes.withUnsafeReadableBytes { text($0) }
            default:
                throw PanoramaError(
                    .internal, code: "unexpected_type",
                    message: "column \(cell.columnName) has type \(cell.dataType), which migrate-store does not verify")
            }
        }

        /// The finished hash (MurmurHash3's fmix64, so that sums of similar rows spread).
        var value: UInt64 {
            var h = state
            h ^= h >> 33
            h &*= 0xff51_afd7_ed55_8ccd
            h ^= h >> 33
            h &*= 0xc4ce_b9fe_1a85_ec53
            h ^= h >> 33
            return h
        }
    }

    private static func sourceChecksum(_ table: Table, _ snapshot: DatabaseSnapshot) async throws -> Checksum {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        return try await snapshot.read { db in
            var checksum = Checksum()
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table.source)")
            while let row = try cursor.next() {
                var hasher = RowHasher()
                for cell in try cells(row, table) { hasher.add(cell) }
                checksum.add(hasher)
            }
            return checksum
        }
    }

    private static func targetChecksum(_ table: Table, _ target: PostgresStore, progress: (Int64) -> Void)
        async throws -> Checksum
    {
        progress(0)
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let rows = try await target.client.query(
            PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table.name)"), logger: target.logger)
        var checksum = Checksum()
        for try await row in rows {
            var hasher = RowHasher()
            for cell in row { try hasher.add(cell) }
            checksum.add(hasher)
            if checksum.rows % 50_000 == 0 { progress(checksum.rows) }
        }
        progress(checksum.rows)
        return checksum
    }
}
