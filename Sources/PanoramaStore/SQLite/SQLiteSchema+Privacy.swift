extension SQLiteSchema {
    /// Data subject rights: consent history per customer and purpose (every change a row, the
    /// latest row per purpose is the current state; `message_id` makes a tracked change
    /// idempotent), per-workspace secrets (the salt of erasure tombstones) and the tombstones of
    /// suppressed erasures (salted hashes of identifiers, never the identifiers). New profiles are
    /// numbered past `customer_id_watermarks.erased_through`, the highest id ever erased, so an
    /// erased customer's id (which the audit log and change feeds still name) is never reused.
    static let privacyMigrations: [(name: String, sql: String)] = [
        (
            "v9_privacy",
            """
            CREATE TABLE consents(
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                purpose TEXT NOT NULL,
                granted INTEGER NOT NULL,
                source TEXT NOT NULL,
                at INTEGER NOT NULL,
                message_id TEXT,
                created_at INTEGER NOT NULL);
            CREATE INDEX consents_customer ON consents(workspace_id, customer_id, purpose, at);
            CREATE UNIQUE INDEX consents_message ON consents(workspace_id, message_id, purpose);
            CREATE TABLE workspace_secrets(
                workspace_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                secret TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, name)) WITHOUT ROWID;
            CREATE TABLE erasure_tombstones(
                workspace_id INTEGER NOT NULL,
                identifier_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, identifier_hash)) WITHOUT ROWID;
            CREATE INDEX erasure_tombstones_created ON erasure_tombstones(workspace_id, created_at);
            -- Access and erasure read a customer's feed rows and audit entries.
            CREATE INDEX membership_changes_customer ON membership_changes(workspace_id, customer_id);
            CREATE INDEX audit_log_target ON audit_log(workspace, target, sequence);
            CREATE TABLE customer_id_watermarks(
                workspace_id INTEGER PRIMARY KEY,
                erased_through INTEGER NOT NULL);
            """
        )
    ]
}
