extension StoreMigration {
    /// The orders tables, copied after the foundation's (none yet).
    static let ordersTables: [Table] = []
}
