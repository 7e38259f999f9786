extension StoreMigration {
    /// The duplicates tables, copied after the foundation's (none yet).
    static let duplicatesTables: [Table] = []
}
