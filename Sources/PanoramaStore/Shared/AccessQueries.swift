import PanoramaCore

/// Users, sessions and roles, written once for both stores (see `SharedQueries.swift`).
extension SQLStore {
    private static var userColumns: String {
        "id, workspace_id, username, display_name, password_hash, role, team, totp_secret, totp_last_step, "
            + "failed_logins, locked_until, created_at, updated_at, disabled_at"
    }

    private static func user(_ row: any SQLRow) throws -> StoredUser {
        StoredUser(
            id: try row.int(0), workspaceID: try row.int(1), username: try row.text(2), displayName: try row.text(3),
            passwordHash: try row.text(4), role: try row.text(5), team: try row.optionalText(6),
            totpSecret: try row.optionalText(7), totpLastStep: try row.optionalInt(8), failedLogins: try row.int(9),
            lockedUntil: try row.optionalInt(10), createdAt: try row.int(11), updatedAt: try row.int(12),
            disabledAt: try row.optionalInt(13))
    }

    public func createUser(_ u: StoredUser) async throws -> Int64? {
        var q = sql(
            "INSERT INTO users(workspace_id, username, display_name, password_hash, role, team, totp_secret, "
                + "totp_last_step, failed_logins, locked_until, created_at, updated_at, disabled_at) VALUES (")
        q.bindList([
            .int(u.workspaceID), .text(u.username), .text(u.displayName), .text(u.passwordHash), .text(u.role),
            u.team.map(SQLValue.text) ?? .null, u.totpSecret.map(SQLValue.text) ?? .null,
            u.totpLastStep.map(SQLValue.int) ?? .null, .int(u.failedLogins), u.lockedUntil.map(SQLValue.int) ?? .null,
            .int(u.createdAt), .int(u.updatedAt), u.disabledAt.map(SQLValue.int) ?? .null,
        ])
        q.append(") ON CONFLICT(workspace_id, username) DO NOTHING RETURNING id")
        return try await fetch(q.query) { try $0.int(0) }.first
    }

    public func user(workspaceID: Int64, username: String) async throws -> StoredUser? {
        var q = sql("SELECT \(Self.userColumns) FROM users WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND username = ")
        q.bind(username)
        return try await fetch(q.query, Self.user).first
    }

    public func user(id: Int64) async throws -> StoredUser? {
        var q = sql("SELECT \(Self.userColumns) FROM users WHERE id = ")
        q.bind(id)
        return try await fetch(q.query, Self.user).first
    }

    public func users(workspaceID: Int64) async throws -> [StoredUser] {
        var q = sql("SELECT \(Self.userColumns) FROM users WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY username")
        return try await fetch(q.query, Self.user)
    }

    public func updateUser(_ u: StoredUser) async throws {
        var q = sql("UPDATE users SET username = ")
        q.bind(u.username)
        for (column, value): (String, SQLValue) in [
            ("display_name", .text(u.displayName)), ("password_hash", .text(u.passwordHash)), ("role", .text(u.role)),
            ("team", u.team.map(SQLValue.text) ?? .null), ("totp_secret", u.totpSecret.map(SQLValue.text) ?? .null),
            ("totp_last_step", u.totpLastStep.map(SQLValue.int) ?? .null), ("failed_logins", .int(u.failedLogins)),
            ("locked_until", u.lockedUntil.map(SQLValue.int) ?? .null), ("updated_at", .int(u.updatedAt)),
            ("disabled_at", u.disabledAt.map(SQLValue.int) ?? .null),
        ] {
            q.append(", \(column) = ")
            q.bindList([value])
        }
        q.append(" WHERE id = ")
        q.bind(u.id)
        try await run(q.query)
    }

    public func deleteUser(id: Int64) async throws -> Bool {
        var sessions = sql("DELETE FROM user_sessions WHERE user_id = ")
        sessions.bind(id)
        var user = sql("DELETE FROM users WHERE id = ")
        user.bind(id)
        user.append(" RETURNING id")
        return try await atomically([SQLStep(sessions.query), SQLStep(user.query, required: true)]) != nil
    }

    // MARK: Sessions

    public func createSession(_ s: StoredSession) async throws {
        var q = sql(
            "INSERT INTO user_sessions(token_hash, workspace_id, user_id, csrf_token, created_at, expires_at, "
                + "last_seen_at, source_ip) VALUES (")
        q.bindList([
            .text(s.tokenHash), .int(s.workspaceID), .int(s.userID), .text(s.csrfToken), .int(s.createdAt),
            .int(s.expiresAt), .int(s.lastSeenAt), s.sourceIP.map(SQLValue.text) ?? .null,
        ])
        q.append(")")
        try await run(q.query)
    }

    public func session(tokenHash: String) async throws -> StoredSession? {
        var q = sql(
            "SELECT token_hash, workspace_id, user_id, csrf_token, created_at, expires_at, last_seen_at, source_ip "
                + "FROM user_sessions WHERE token_hash = ")
        q.bind(tokenHash)
        return try await fetch(q.query) {
            StoredSession(
                tokenHash: try $0.text(0), workspaceID: try $0.int(1), userID: try $0.int(2), csrfToken: try $0.text(3),
                createdAt: try $0.int(4), expiresAt: try $0.int(5), lastSeenAt: try $0.int(6),
                sourceIP: try $0.optionalText(7))
        }.first
    }

    public func touchSession(tokenHash: String, at: Int64) async throws {
        var q = sql("UPDATE user_sessions SET last_seen_at = ")
        q.bind(at)
        q.append(" WHERE token_hash = ")
        q.bind(tokenHash)
        try await run(q.query)
    }

    public func deleteSession(tokenHash: String) async throws {
        var q = sql("DELETE FROM user_sessions WHERE token_hash = ")
        q.bind(tokenHash)
        try await run(q.query)
    }

    @discardableResult
    public func deleteSessions(userID: Int64) async throws -> Int {
        var q = sql("DELETE FROM user_sessions WHERE user_id = ")
        q.bind(userID)
        q.append(" RETURNING 1")
        return try await fetch(q.query) { try $0.int(0) }.count
    }

    @discardableResult
    public func deleteExpiredSessions(before: Int64) async throws -> Int {
        var q = sql("DELETE FROM user_sessions WHERE expires_at < ")
        q.bind(before)
        q.append(" RETURNING 1")
        return try await fetch(q.query) { try $0.int(0) }.count
    }

    // MARK: Roles

    public func roles(workspaceID: Int64) async throws -> [StoredRole] {
        var q = sql("SELECT name, permissions, scope, created_at FROM roles WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY name")
        return try await fetch(q.query) {
            StoredRole(
                workspaceID: workspaceID, name: try $0.text(0),
                permissions: try $0.text(1).split(separator: ",").map(String.init), scope: try $0.text(2),
                createdAt: try $0.int(3))
        }
    }

    public func saveRole(_ r: StoredRole) async throws {
        var q = sql("INSERT INTO roles(workspace_id, name, permissions, scope, created_at) VALUES (")
        q.bindList([
            .int(r.workspaceID), .text(r.name), .text(r.permissions.joined(separator: ",")), .text(r.scope),
            .int(r.createdAt),
        ])
        q.append(
            ") ON CONFLICT(workspace_id, name) DO UPDATE SET permissions = excluded.permissions, scope = excluded.scope")
        try await run(q.query)
    }

    public func deleteRole(workspaceID: Int64, name: String) async throws -> Bool {
        var q = sql("DELETE FROM roles WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND name = ")
        q.bind(name)
        q.append(" RETURNING 1")
        return try await atomically([SQLStep(q.query, required: true)]) != nil
    }

    public func keyRole(keyID: Int64) async throws -> String? {
        var q = sql("SELECT role FROM api_key_roles WHERE key_id = ")
        q.bind(keyID)
        return try await fetch(q.query) { try $0.text(0) }.first
    }

    public func setKeyRole(keyID: Int64, role: String) async throws {
        var q = sql("INSERT INTO api_key_roles(key_id, role) VALUES (")
        q.bindList([.int(keyID), .text(role)])
        q.append(") ON CONFLICT(key_id) DO UPDATE SET role = excluded.role")
        try await run(q.query)
    }
}
