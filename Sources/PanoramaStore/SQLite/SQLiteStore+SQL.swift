import GRDB
import GRDBSQLite

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
        // Rows are read in place from the stepping statement: `Row.fetchAll` copied every row
        // into boxed database values first, which was most of the CPU of loading large tables.
        let read = { @Sendable (db: Database) throws -> [T] in
            let statement = try db.makeStatement(sql: query.sql)
            let rows = try Row.fetchCursor(statement, arguments: Self.arguments(query.values))
            let reader = Reader(statement.sqliteStatement)
            var result: [T] = []
            while try rows.next() != nil {
                result.append(try map(reader))
            }
            return result
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

    /// Reads the current row of a statement that is being stepped, straight from SQLite: valid
    /// only inside the `map` call it is given to. The conversions are GRDB's (an INTEGER or a
    /// REAL for an integer or a boolean, TEXT or a BLOB for a text); a NULL where a value is
    /// required, or a value of another type, throws `ColumnMismatch` instead of trapping.
    struct Reader: SQLRow {
        private let handle: OpaquePointer

        init(_ handle: OpaquePointer) { self.handle = handle }

        func int(_ index: Int) throws -> Int64 {
            let column = Int32(index)
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER:
                return sqlite3_column_int64(handle, column)
            case SQLITE_FLOAT:
                let double = sqlite3_column_double(handle, column)
                guard double >= Double(Int64.min), double < Double(Int64.max) else {
                    throw mismatch(index, expected: "integer")
                }
                return Int64(double)
            default:
                throw mismatch(index, expected: "integer")
            }
        }

        func optionalInt(_ index: Int) throws -> Int64? {
            sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL ? nil : try int(index)
        }

        func text(_ index: Int) throws -> String {
            let column = Int32(index)
            switch sqlite3_column_type(handle, column) {
            case SQLITE_TEXT:
                // sqlite3_column_text before sqlite3_column_bytes: the length is the text's, in UTF-8.
                guard let bytes = sqlite3_column_text(handle, column) else { return "" }
                let count = Int(sqlite3_column_bytes(handle, column))
                return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(handle, column))
                guard let blob = sqlite3_column_blob(handle, column), count > 0 else { return "" }
                let bytes = UnsafeRawBufferPointer(start: blob, count: count).bindMemory(to: UInt8.self)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw mismatch(index, expected: "text")
                }
                return text
            default:
                throw mismatch(index, expected: "text")
            }
        }

        func optionalText(_ index: Int) throws -> String? {
            sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL ? nil : try text(index)
        }

        func bool(_ index: Int) throws -> Bool {
            let column = Int32(index)
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: return sqlite3_column_int64(handle, column) != 0
            case SQLITE_FLOAT: return sqlite3_column_double(handle, column) != 0
            default: throw mismatch(index, expected: "boolean")
            }
        }

        private func mismatch(_ index: Int, expected: String) -> ColumnMismatch {
            let found: String
            switch sqlite3_column_type(handle, Int32(index)) {
            case SQLITE_NULL: found = "NULL"
            case SQLITE_INTEGER: found = "INTEGER"
            case SQLITE_FLOAT: found = "REAL"
            case SQLITE_TEXT: found = "TEXT"
            default: found = "BLOB"
            }
            let name = sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? "\(index)"
            return ColumnMismatch(column: name, expected: expected, found: found)
        }
    }

    /// A column that holds no value of the type the query's reader asked for: a bug in the query
    /// or a row written by something else; never shown to a client (it is a 500).
    struct ColumnMismatch: Error, CustomStringConvertible {
        let column: String
        let expected: String
        let found: String
        var description: String { "column \(column): expected \(expected), found \(found)" }
    }
}
