extension SQLiteSchema {
    /// The duplicates tables (none yet).
    static let duplicatesMigrations: [(name: String, sql: String)] = []
}
