extension StoreMigration {
    /// Consent history (ids kept), workspace secrets (so tombstones keep matching) and erasure
    /// tombstones, and the watermark past which profile ids are given out. PostgreSQL's
    /// `workspaces.identity_reset_version` has no SQLite counterpart (it starts at 0: a migrated
    /// store's graphs are loaded afresh anyway).
    static let privacyTables: [Table] = [
        Table(
            name: "consents", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("purpose"),
                Column(name: "granted", kind: .boolean), text("source"), int("at"), text("message_id", nullable: true),
                int("created_at"),
            ], identity: true),
        Table(
            name: "workspace_secrets", method: .insert, key: ["workspace_id", "name"],
            columns: [int("workspace_id"), text("name"), text("secret"), int("created_at")]),
        Table(
            name: "erasure_tombstones", method: .copy, key: ["workspace_id", "identifier_hash"],
            columns: [int("workspace_id"), text("identifier_hash"), int("created_at")]),
        Table(
            name: "customer_id_watermarks", method: .insert, key: ["workspace_id"],
            columns: [int("workspace_id"), int("erased_through")]),
    ]
}
