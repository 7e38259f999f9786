extension StoreMigration {
    /// The duplicate-detection tables, copied after the foundation's: settings (a row per
    /// workspace), runs and proposed pairs (ids kept, so candidate and run ids stay valid).
    static let duplicatesTables: [Table] = [
        Table(
            name: "duplicate_settings", method: .insert, key: ["workspace_id"],
            columns: [int("workspace_id"), text("settings"), int("updated_at")]),
        Table(
            name: "duplicate_runs", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), text("status"), text("triggered_by"), int("started_at"),
                int("heartbeat_at"), int("finished_at", nullable: true), int("duration_ms", nullable: true),
                int("records"), int("compared_pairs"), int("proposed"), int("auto_merged"), int("skipped"),
                int("refused"), text("error", nullable: true), text("summary", nullable: true),
            ], identity: true),
        Table(
            name: "duplicate_candidates", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("first_id"), int("second_id"), int("run_id"), text("status"),
                text("score"), text("decided_by", nullable: true), text("reason", nullable: true),
                int("merge_id", nullable: true), int("created_at"), int("updated_at"),
                int("decided_at", nullable: true),
            ], identity: true),
    ]
}
