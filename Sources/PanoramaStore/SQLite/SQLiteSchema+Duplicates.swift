extension SQLiteSchema {
    /// The duplicate-detection tables: per-workspace settings, runs, and the proposed pairs with
    /// their decisions. At most one run per workspace is `running` (a partial unique index), so
    /// two requests cannot start two runs.
    static let duplicatesMigrations: [(name: String, sql: String)] = [
        (
            "v5_duplicates",
            """
            CREATE TABLE duplicate_settings(
                workspace_id INTEGER PRIMARY KEY,
                settings TEXT NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE TABLE duplicate_runs(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                status TEXT NOT NULL,
                triggered_by TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                heartbeat_at INTEGER NOT NULL,
                finished_at INTEGER,
                duration_ms INTEGER,
                records INTEGER NOT NULL,
                compared_pairs INTEGER NOT NULL,
                proposed INTEGER NOT NULL,
                auto_merged INTEGER NOT NULL,
                skipped INTEGER NOT NULL,
                refused INTEGER NOT NULL,
                error TEXT,
                summary TEXT);
            CREATE INDEX duplicate_runs_workspace ON duplicate_runs(workspace_id, id);
            CREATE UNIQUE INDEX duplicate_runs_running ON duplicate_runs(workspace_id) WHERE status = 'running';
            CREATE TABLE duplicate_candidates(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                first_id INTEGER NOT NULL,
                second_id INTEGER NOT NULL,
                run_id INTEGER NOT NULL,
                status TEXT NOT NULL,
                score TEXT NOT NULL,
                decided_by TEXT,
                reason TEXT,
                merge_id INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                decided_at INTEGER);
            CREATE UNIQUE INDEX duplicate_candidates_pair ON duplicate_candidates(workspace_id, first_id, second_id);
            CREATE INDEX duplicate_candidates_status ON duplicate_candidates(workspace_id, status, id);
            """
        )
    ]
}
