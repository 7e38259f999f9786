extension StoreMigration {
    /// The loyalty tables, copied after the foundation's (none yet).
    static let loyaltyTables: [Table] = []
}
