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
        ),
        (
            // The campaign of each page, screen and track event (see `SQLiteSchema.insightsMigrations`).
            // Stored documents are valid JSON (ingest parses them); PostgreSQL's JSON operators refuse
            // a document holding an escaped U+0000 anywhere, so `\u0000` is read as `\uFFFD` (a
            // replacement that keeps any document valid). `json` operators read the last of
            // duplicate members, as `JSONValue` does.
            "v_insights_2_event_campaign",
            """
            ALTER TABLE events ADD COLUMN campaign TEXT;
            UPDATE events SET campaign = COALESCE(
                NULLIF(COALESCE(
                    CASE WHEN json_typeof(replace(context, '\\u0000', '\\uFFFD')::json #> '{campaign,name}') = 'string' THEN replace(context, '\\u0000', '\\uFFFD')::json #>> '{campaign,name}' END,
                    CASE WHEN json_typeof(replace(properties, '\\u0000', '\\uFFFD')::json -> 'utm_campaign') = 'string' THEN replace(properties, '\\u0000', '\\uFFFD')::json ->> 'utm_campaign' END),
                    ''),
                NULLIF(COALESCE(
                    CASE WHEN json_typeof(replace(context, '\\u0000', '\\uFFFD')::json #> '{campaign,source}') = 'string' THEN replace(context, '\\u0000', '\\uFFFD')::json #>> '{campaign,source}' END,
                    CASE WHEN json_typeof(replace(properties, '\\u0000', '\\uFFFD')::json -> 'utm_source') = 'string' THEN replace(properties, '\\u0000', '\\uFFFD')::json ->> 'utm_source' END),
                    ''))
            WHERE type IN ('page', 'screen', 'track') AND (context LIKE '%"campaign"%' OR properties LIKE '%"utm%');
            CREATE INDEX events_campaign ON events(workspace_id, timestamp) WHERE campaign IS NOT NULL;
            """
        ),
    ]
}
