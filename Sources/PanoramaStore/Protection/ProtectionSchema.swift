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

extension SQLiteSchema {
    /// The sweep's mark (`SQLStore.markSweepComplete`): one row, whose `key_id` names the primary
    /// key under which a complete pass left every sealed value, NULL when a pass may have work.
    /// `generation` counts the invalidations, so a pass that overlapped one does not set the mark.
    static let protectionSweepMigrations: [(name: String, sql: String)] = [
        (
            "v_protection_2_sweep_mark",
            """
            CREATE TABLE protection_sweep_mark(
                id INTEGER PRIMARY KEY CHECK (id = 1),
                key_id TEXT,
                generation INTEGER NOT NULL,
                completed_at INTEGER);
            INSERT INTO protection_sweep_mark(id, key_id, generation, completed_at) VALUES (1, NULL, 0, NULL);
            """
        )
    ]
}

extension PostgresSchema {
    /// As `SQLiteSchema.protectionSweepMigrations`.
    static let protectionSweepMigrations: [(name: String, sql: String)] = [
        (
            "v_protection_2_sweep_mark",
            """
            CREATE TABLE protection_sweep_mark(
                id BIGINT PRIMARY KEY CHECK (id = 1),
                key_id TEXT,
                generation BIGINT NOT NULL,
                completed_at BIGINT);
            INSERT INTO protection_sweep_mark(id, key_id, generation, completed_at) VALUES (1, NULL, 0, NULL);
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
