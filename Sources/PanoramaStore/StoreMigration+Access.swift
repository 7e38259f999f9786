extension StoreMigration {
    /// Users, sessions, custom roles and key roles.
    static let accessTables: [Table] = [
        Table(
            name: "users", method: .insert, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), text("username"), text("display_name"), text("password_hash"),
                text("role"), text("team", nullable: true), text("totp_secret", nullable: true),
                int("totp_last_step", nullable: true), int("failed_logins"), int("locked_until", nullable: true),
                int("created_at"), int("updated_at"), int("disabled_at", nullable: true),
            ], identity: true),
        Table(
            name: "user_sessions", method: .insert, key: ["token_hash"],
            columns: [
                text("token_hash"), int("workspace_id"), int("user_id"), text("csrf_token"), int("created_at"),
                int("expires_at"), int("last_seen_at"), text("source_ip", nullable: true),
            ]),
        Table(
            name: "roles", method: .insert, key: ["workspace_id", "name"],
            columns: [int("workspace_id"), text("name"), text("permissions"), text("scope"), int("created_at")]),
        Table(name: "api_key_roles", method: .insert, key: ["key_id"], columns: [int("key_id"), text("role")]),
    ]
}
