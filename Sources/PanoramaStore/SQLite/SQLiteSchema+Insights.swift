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
        ),
        (
            // The campaign of each page, screen and track event (`EventCampaign.name`), filled at
            // ingest from now on and here for the events already stored, so that the ROI report
            // reads campaign touches through a partial index instead of scanning every event's
            // JSON. The backfill is `EventCampaign`'s rule in SQL: a member that is not a string
            // counts as absent, an empty string as no value; the name falls back to the source.
            "v_insights_2_event_campaign",
            """
            ALTER TABLE events ADD COLUMN campaign TEXT;
            UPDATE events SET campaign = COALESCE(
                NULLIF(COALESCE(
                    CASE WHEN json_type(CASE WHEN json_valid(context) THEN context END, '$.campaign.name') = 'text' THEN json_extract(context, '$.campaign.name') END,
                    CASE WHEN json_type(CASE WHEN json_valid(properties) THEN properties END, '$.utm_campaign') = 'text' THEN json_extract(properties, '$.utm_campaign') END),
                    ''),
                NULLIF(COALESCE(
                    CASE WHEN json_type(CASE WHEN json_valid(context) THEN context END, '$.campaign.source') = 'text' THEN json_extract(context, '$.campaign.source') END,
                    CASE WHEN json_type(CASE WHEN json_valid(properties) THEN properties END, '$.utm_source') = 'text' THEN json_extract(properties, '$.utm_source') END),
                    ''))
            WHERE type IN ('page', 'screen', 'track') AND (context LIKE '%"campaign"%' OR properties LIKE '%"utm%');
            CREATE INDEX events_campaign ON events(workspace_id, timestamp) WHERE campaign IS NOT NULL;
            """
        ),
    ]
}
