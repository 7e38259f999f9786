extension SQLiteSchema {
    /// Console users (bcrypt hashes, TOTP, lockout state), their sessions (token hashes only),
    /// a workspace's custom roles and the roles of admin keys.
    static let accessMigrations: [(name: String, sql: String)] = [
        (
            "v8_access",
            """
            CREATE TABLE users(
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL,
                username TEXT NOT NULL,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                team TEXT,
                totp_secret TEXT,
                totp_last_step INTEGER,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                disabled_at INTEGER);
            CREATE UNIQUE INDEX users_username ON users(workspace_id, username);
            CREATE TABLE user_sessions(
                token_hash TEXT PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                user_id INTEGER NOT NULL,
                csrf_token TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                source_ip TEXT) WITHOUT ROWID;
            CREATE INDEX user_sessions_user ON user_sessions(user_id);
            CREATE TABLE roles(
                workspace_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                permissions TEXT NOT NULL,
                scope TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, name)) WITHOUT ROWID;
            CREATE TABLE api_key_roles(
                key_id INTEGER PRIMARY KEY,
                role TEXT NOT NULL);
            """
        )
    ]
}
