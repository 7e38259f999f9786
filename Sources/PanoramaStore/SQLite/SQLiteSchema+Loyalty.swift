extension SQLiteSchema {
    /// The loyalty tables (none yet).
    static let loyaltyMigrations: [(name: String, sql: String)] = []
}
