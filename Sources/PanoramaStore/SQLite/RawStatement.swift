import GRDB
import GRDBSQLite

/// Binds and steps a GRDB-prepared statement through the SQLite C API, for the few statements
/// run once per ingested message. Parameters are bound in order, starting at 1.
struct RawStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private var index: Int32 = 1
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database) {
        self.handle = statement.sqliteStatement
        self.connection = db.sqliteConnection!
    }

    mutating func reset() {
        sqlite3_reset(handle)
        index = 1
    }

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
        index += 1
    }

    mutating func bind(_ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        index += 1
    }

    mutating func bind(_ value: String?) {
        if var value {
            if value.isEmpty {
                sqlite3_bind_text(handle, index, "", 0, Self.transient)  // a nil pointer would bind NULL
                index += 1
                return
            }
            value.withUTF8 { bytes in
                _ = bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient)
                }
            }
        } else {
            sqlite3_bind_null(handle, index)
        }
        index += 1
    }

    mutating func bind(_ value: SQLValue) {
        switch value {
        case .int(let n): bind(n)
        case .text(let t): bind(t)
        case .bool(let b): bind(Int64(b ? 1 : 0))
        case .null: bind(nil as Int64?)
        }
    }

    /// Runs a statement with `RETURNING a, b` (integers) and returns its first row, nil for none.
    func stepReturning() throws -> (Int64, Int64)? {
        var row: (Int64, Int64)?
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW {
                if row == nil { row = (sqlite3_column_int64(handle, 0), sqlite3_column_int64(handle, 1)) }
                continue
            }
            guard code == SQLITE_DONE else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
            }
            return row
        }
    }

    /// Runs the statement; returns the number of rows it changed.
    func step() throws -> Int32 {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        return sqlite3_changes(connection)
    }
}
