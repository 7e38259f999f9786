extension StoreMigration {
    /// The tag and segment tables: definitions, members, the change feed (ids kept, so feed
    /// cursors stay valid) and size history.
    static let audiencesTables: [Table] = [
        Table(
            name: "computed_traits", method: .insert, key: ["workspace_id", "name"],
            columns: [int("workspace_id"), text("name"), text("definition"), int("created_at"), int("updated_at")]),
        Table(
            name: "audiences", method: .insert, key: ["workspace_id", "kind", "name"],
            columns: [
                int("workspace_id"), text("kind"), text("name"), text("definition"), int("created_at"),
                int("updated_at"),
            ]),
        Table(
            name: "memberships", method: .copy, key: ["workspace_id", "customer_id", "kind", "name"],
            columns: [int("workspace_id"), int("customer_id"), text("kind"), text("name"), int("since")]),
        Table(
            name: "membership_changes", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), text("kind"), text("name"), int("customer_id"), text("change"),
                int("at"),
            ], identity: true),
        Table(
            name: "audience_sizes", method: .copy, key: ["workspace_id", "kind", "name", "at"],
            columns: [int("workspace_id"), text("kind"), text("name"), int("at"), int("size")]),
    ]
}
