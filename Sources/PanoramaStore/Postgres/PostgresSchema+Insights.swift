extension PostgresSchema {
    /// Customer insight: the cost entered per campaign (see `SQLiteSchema.insightsMigrations`).
    static let insightsMigrations: [(name: String, sql: String)] = [
        (
            "v_insights_1_campaign_costs",
            """
            CREATE TABLE campaign_costs(
                workspace_id BIGINT NOT NULL,
                campaign TEXT NOT NULL,
                cost BIGINT NOT NULL CHECK (cost >= 0),
                updated_at BIGINT NOT NULL,
                PRIMARY KEY(workspace_id, campaign));
            """
        )
    ]
}
