extension SQLiteSchema {
    /// The audit log: one hash chain for the installation (`sequence` is its position; `at` is
    /// `REAL` because the chain hashes the double's exact bits), indexed for searches within a
    /// workspace by time, action and actor; and `audit_checkpoints`, the positions recorded beside
    /// it: `head` (the newest entry, written by every append) and `retention` (the newest entry
    /// retention deleted).
    static let auditMigrations: [(name: String, sql: String)] = [
        (
            "v7_audit",
            """
            CREATE TABLE audit_log(
                sequence INTEGER PRIMARY KEY,
                at REAL NOT NULL,
                workspace TEXT NOT NULL,
                actor TEXT NOT NULL,
                actor_kind TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                source_ip TEXT,
                detail TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL);
            CREATE INDEX audit_log_at ON audit_log(workspace, at);
            CREATE INDEX audit_log_action ON audit_log(workspace, action, sequence);
            CREATE INDEX audit_log_actor ON audit_log(workspace, actor, sequence);
            CREATE TABLE audit_checkpoints(
                kind TEXT NOT NULL PRIMARY KEY,
                sequence INTEGER NOT NULL,
                hash TEXT NOT NULL,
                at REAL NOT NULL) WITHOUT ROWID;
            """
        )
    ]
}
