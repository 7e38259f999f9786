extension SQLiteSchema {
    /// Computed-trait definitions, tag and segment definitions (`audiences`, by kind), their
    /// members (keyed by customer first, like every customer-owned table, with an index by
    /// audience), the change feed of entries and exits, and hourly sizes.
    static let audiencesMigrations: [(name: String, sql: String)] = [
        (
            "v6_audiences",
            """
            CREATE TABLE computed_traits(
                workspace_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                definition TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, name)) WITHOUT ROWID;
            CREATE TABLE audiences(
                workspace_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                definition TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, kind, name)) WITHOUT ROWID;
            CREATE TABLE memberships(
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                since INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, customer_id, kind, name)) WITHOUT ROWID;
            CREATE INDEX memberships_audience ON memberships(workspace_id, kind, name, customer_id);
            CREATE TABLE membership_changes(
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                workspace_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                customer_id INTEGER NOT NULL,
                change TEXT NOT NULL,
                at INTEGER NOT NULL);
            CREATE INDEX membership_changes_audience ON membership_changes(workspace_id, kind, name, id);
            CREATE TABLE audience_sizes(
                workspace_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                at INTEGER NOT NULL,
                size INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, kind, name, at)) WITHOUT ROWID;
            """
        )
    ]
}
