extension SQLiteSchema {
    /// The orders tables (none yet).
    static let ordersMigrations: [(name: String, sql: String)] = []
}
