extension PostgresSchema {
    /// The loyalty tables (none yet).
    static let loyaltyMigrations: [(name: String, sql: String)] = []
}
