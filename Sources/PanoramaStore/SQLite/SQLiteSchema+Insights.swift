extension SQLiteSchema {
    /// Customer insight: the cost entered per campaign, which the ROI report sets against the
    /// revenue attributed to the campaign (minor units).
    static let insightsMigrations: [(name: String, sql: String)] = [
        (
            "v_insights_1_campaign_costs",
            """
            CREATE TABLE campaign_costs(
                workspace_id INTEGER NOT NULL,
                campaign TEXT NOT NULL,
                cost INTEGER NOT NULL CHECK (cost >= 0),
                updated_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, campaign)) WITHOUT ROWID;
            """
        )
    ]
}
