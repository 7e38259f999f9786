import PostgresNIO

/// Runs the shared queries on PostgreSQL through PostgresNIO.
extension PostgresStore: SQLStore {
    public var dialect: SQLDialect { .postgres }

    static func postgresQuery(_ query: SQLQuery) -> PostgresQuery {
        var binds = PostgresBindings(capacity: query.values.count)
        for value in query.values {
            switch value {
            case .int(let n): binds.append(n)
            case .text(let s): binds.append(s)
            case .bool(let b): binds.append(b)
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: query.sql, binds: binds)
    }

    public func fetch<T: Sendable>(_ query: SQLQuery, _ map: @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        try await fetch(query, on: nil, map)
    }

    /// Runs a shared query on a given connection (inside a transaction), or on the pool.
    func fetch<T>(_ query: SQLQuery, on connection: PostgresConnection?, _ map: (any SQLRow) throws -> T)
        async throws -> [T]
    {
        var result: [T] = []
        for try await row in try await rows(Self.postgresQuery(query), on: connection) {
            result.append(try map(Reader(row: PostgresRandomAccessRow(row))))
        }
        return result
    }

    public func run(_ query: SQLQuery) async throws {
        try await client.query(Self.postgresQuery(query), logger: logger)
    }

    public func atomically(_ steps: [SQLStep]) async throws -> [[Int64]]? {
        do {
            return try await transaction { connection in
                var results: [[Int64]] = []
                for step in steps {
                    let rows = try await fetch(step.query, on: connection) { (try? $0.int(0)) ?? 0 }
                    if step.required && rows.isEmpty { throw RequiredStepFailed() }
                    results.append(rows)
                }
                return results
            }
        } catch is RequiredStepFailed {
            return nil
        }
    }

    struct Reader: SQLRow {
        let row: PostgresRandomAccessRow
        func int(_ index: Int) throws -> Int64 { try row[index].decode(Int64.self) }
        func optionalInt(_ index: Int) throws -> Int64? { try row[index].decode(Int64?.self) }
        func text(_ index: Int) throws -> String { try row[index].decode(String.self) }
        func optionalText(_ index: Int) throws -> String? { try row[index].decode(String?.self) }
        func bool(_ index: Int) throws -> Bool { try row[index].decode(Bool.self) }
    }
}
