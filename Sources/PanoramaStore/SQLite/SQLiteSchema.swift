import GRDB

/// The SQLite schema as append-only, named migrations. Never edit a migration once it has
/// landed; add a new one.
///
/// Every customer-owned table is keyed by `(workspace_id, customer_id …)`. `events` is a rowid
/// table for append speed; its customer index leads with `(workspace_id, customer_id)`.
enum SQLiteSchema {
    /// Every migration in the order it applies: the foundation's here, each capability's beside
    /// its queries (`SQLiteSchema+Orders.swift` …).
    static let migrations: [(name: String, sql: String)] =
        foundation + ordersMigrations + loyaltyMigrations + duplicatesMigrations
        + audiencesMigrations + auditMigrations + accessMigrations + privacyMigrations + protectionMigrations + consoleMigrations
        + insightsMigrations + protectionSweepMigrations

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in migrations {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    static let foundation: [(name: String, sql: String)] = [
        (
            "v1_foundation",
            """
                    CREATE TABLE workspaces(
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        time_zone TEXT NOT NULL,
                        created_at INTEGER NOT NULL);
                    CREATE TABLE identifier_types(
                        workspace_id INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        max_per_profile INTEGER,
                        is_unique INTEGER NOT NULL DEFAULT 1,
                        PRIMARY KEY(workspace_id, name)) WITHOUT ROWID;
                    CREATE TABLE api_keys(
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        prefix TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER);
                    CREATE TABLE customers(
                        workspace_id INTEGER NOT NULL,
                        id INTEGER NOT NULL,
                        canonical_id INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY(workspace_id, id)) WITHOUT ROWID;
                    CREATE INDEX customers_canonical ON customers(workspace_id, canonical_id);
                    CREATE TABLE identifiers(
                        workspace_id INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        value TEXT NOT NULL,
                        -- 0 for a value of a unique type, so that the key itself refuses a second holder
                        -- (a safety net under the identity graph); the holder's id for a shared value,
                        -- which several profiles may hold.
                        holder INTEGER NOT NULL,
                        customer_id INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY(workspace_id, type, value, holder)) WITHOUT ROWID;
                    CREATE INDEX identifiers_customer ON identifiers(workspace_id, customer_id);
                    CREATE TABLE customer_traits(
                        workspace_id INTEGER NOT NULL,
                        customer_id INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY(workspace_id, customer_id, name)) WITHOUT ROWID;
                    CREATE INDEX customer_traits_value ON customer_traits(workspace_id, name, value);
                    CREATE TABLE events(
                        -- AUTOINCREMENT: ids never come back after a delete, which the index watermark relies on.
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        workspace_id INTEGER NOT NULL,
                        customer_id INTEGER NOT NULL,
                        message_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        event TEXT,
                        name TEXT,
                        user_id TEXT,
                        anonymous_id TEXT,
                        group_id TEXT,
                        previous_id TEXT,
                        timestamp INTEGER NOT NULL,
                        original_timestamp INTEGER,
                        sent_at INTEGER,
                        received_at INTEGER NOT NULL,
                        properties TEXT,
                        traits TEXT,
                        context TEXT);
                    -- Events are appended with no secondary index; the two indexes below are filled
                    -- in sorted batches (SQLiteStore.flushEventIndex) up to event_index_state.indexed_through.
                    -- Reads combine them with the short tail of events past that point.
                    CREATE TABLE event_index(
                        workspace_id INTEGER NOT NULL,
                        customer_id INTEGER NOT NULL,
                        timestamp INTEGER NOT NULL,
                        event_id INTEGER NOT NULL,
                        PRIMARY KEY(workspace_id, customer_id, timestamp, event_id)) WITHOUT ROWID;
                    CREATE TABLE event_message_ids(
                        workspace_id INTEGER NOT NULL,
                        message_id TEXT NOT NULL,
                        event_id INTEGER NOT NULL,
                        PRIMARY KEY(workspace_id, message_id)) WITHOUT ROWID;
                    CREATE TABLE event_index_state(
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        indexed_through INTEGER NOT NULL);
                    INSERT INTO event_index_state(id, indexed_through) VALUES (1, 0);
                    CREATE TABLE merges(
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL,
                        from_id INTEGER NOT NULL,
                        into_id INTEGER NOT NULL,
                        members TEXT NOT NULL,
                        cause_type TEXT NOT NULL,
                        cause_value TEXT NOT NULL,
                        source TEXT NOT NULL,
                        message_id TEXT,
                        created_at INTEGER NOT NULL,
                        undone_at INTEGER);
                    CREATE INDEX merges_from ON merges(workspace_id, from_id);
                    CREATE INDEX merges_into ON merges(workspace_id, into_id);
                    CREATE TABLE identity_conflicts(
                        id INTEGER PRIMARY KEY,
                        workspace_id INTEGER NOT NULL,
                        customer_id INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        value TEXT NOT NULL,
                        owner_id INTEGER,
                        reason TEXT NOT NULL,
                        message_id TEXT,
                        created_at INTEGER NOT NULL);
                    CREATE INDEX identity_conflicts_customer ON identity_conflicts(workspace_id, customer_id);
                    """
        ),
        (
            "v2_cluster",
            """
                    CREATE TABLE cluster_nodes(
                        node_id TEXT PRIMARY KEY,
                        address TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        heartbeat_at INTEGER NOT NULL,
                        is_leader INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE cluster_jobs(
                        name TEXT PRIMARY KEY,
                        node_id TEXT NOT NULL,
                        last_run_at INTEGER NOT NULL,
                        runs INTEGER NOT NULL);
                    """
        ),
    ]
}
