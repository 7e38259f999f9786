extension SQLiteSchema {
    /// Encryption at rest: one canary per master key that ever wrote to the store, so a server
    /// started with a wrong key (right id, other bytes) or without keys stops before it writes.
    static let protectionMigrations: [(name: String, sql: String)] = [
        (
            "v10_protection",
            """
            CREATE TABLE protection_keys(
                key_id TEXT PRIMARY KEY,
                canary TEXT NOT NULL,
                created_at INTEGER NOT NULL) WITHOUT ROWID;
            """
        )
    ]
}

extension PostgresSchema {
    /// As `SQLiteSchema.protectionMigrations`.
    static let protectionMigrations: [(name: String, sql: String)] = [
        (
            "v10_protection",
            """
            CREATE TABLE protection_keys(
                key_id TEXT PRIMARY KEY,
                canary TEXT NOT NULL,
                created_at BIGINT NOT NULL);
            """
        )
    ]
}

extension StoreMigration {
    /// Canaries travel with the data they vouch for (the tokens are copied as they are).
    static let protectionTables: [Table] = [
        Table(
            name: "protection_keys", method: .insert, key: ["key_id"],
            columns: [text("key_id"), text("canary"), int("created_at")])
    ]
}
