import GRDB

/// Runs the shared queries on SQLite through GRDB.
extension SQLiteStore: SQLStore {
    public var dialect: SQLDialect { .sqlite }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { value -> any DatabaseValueConvertible in
                switch value {
                case .int(let n): n
                case .text(let s): s
                case .bool(let b): b ? Int64(1) : Int64(0)
                case .null: DatabaseValue.null
                }
            })
    }

    public func fetch<T: Sendable>(_ query: SQLQuery, _ map: @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        let read = { @Sendable (db: Database) throws -> [T] in
            try Row.fetchAll(db, sql: query.sql, arguments: Self.arguments(query.values)).map {
                try map(Reader(row: $0))
            }
        }
        // A statement that writes (INSERT … RETURNING) needs the writer; a SELECT reads a snapshot.
        if query.sql.prefix(6).uppercased() == "SELECT" {
            return try await pool.read(read)
        }
        return try await pool.write(read)
    }

    public func run(_ query: SQLQuery) async throws {
        try await pool.write { db in try db.execute(sql: query.sql, arguments: Self.arguments(query.values)) }
    }

    public func atomically(_ steps: [SQLStep]) async throws -> [[Int64]]? {
        do {
            return try await pool.write { db in
                try steps.map { step in
                    let rows = try Row.fetchAll(db, sql: step.query.sql, arguments: Self.arguments(step.query.values))
                    if step.required && rows.isEmpty { throw RequiredStepFailed() }
                    return rows.map { $0.isEmpty ? 0 : (Int64.fromDatabaseValue($0[0] as DatabaseValue) ?? 0) }
                }
            }
        } catch is RequiredStepFailed {
            return nil
        }
    }

    struct Reader: SQLRow {
        let row: Row
        func int(_ index: Int) throws -> Int64 { row[index] }
        func optionalInt(_ index: Int) throws -> Int64? { row[index] }
        func text(_ index: Int) throws -> String { row[index] }
        func optionalText(_ index: Int) throws -> String? { row[index] }
        func bool(_ index: Int) throws -> Bool { row[index] }
    }
}
