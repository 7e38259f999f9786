extension SQLiteSchema {
    /// The loyalty tables: the program per workspace; per raw profile its account (counters,
    /// tier, version), point lots, ledger entries of points and stored value, the orders and
    /// refunds it earned on, idempotency keys and tier changes.
    static let loyaltyMigrations: [(name: String, sql: String)] = [
        (
            "v4_loyalty",
            """
            CREATE TABLE loyalty_programs(
                workspace_id INTEGER PRIMARY KEY,
                definition TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                last_review_at INTEGER);
            CREATE TABLE loyalty_accounts(
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                version INTEGER NOT NULL,
                points INTEGER NOT NULL CHECK (points >= 0),
                stored_value INTEGER NOT NULL CHECK (stored_value >= 0),
                tier TEXT,
                tier_since INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, customer_id)) WITHOUT ROWID;
            CREATE TABLE loyalty_lots(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                points INTEGER NOT NULL,
                remaining INTEGER NOT NULL CHECK (remaining >= 0),
                earned_at INTEGER NOT NULL,
                expires_at INTEGER,
                source TEXT NOT NULL);
            CREATE INDEX loyalty_lots_customer ON loyalty_lots(workspace_id, customer_id, remaining);
            CREATE TABLE loyalty_entries(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                ledger TEXT NOT NULL,
                kind TEXT NOT NULL,
                amount INTEGER NOT NULL,
                balance_after INTEGER NOT NULL,
                reason TEXT,
                reference TEXT,
                request_key TEXT,
                created_at INTEGER NOT NULL);
            CREATE INDEX loyalty_entries_customer ON loyalty_entries(workspace_id, customer_id, ledger, id);
            CREATE INDEX loyalty_entries_reference ON loyalty_entries(workspace_id, customer_id, reference);
            CREATE INDEX loyalty_entries_request ON loyalty_entries(workspace_id, customer_id, request_key);
            CREATE TABLE loyalty_orders(
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                order_id INTEGER NOT NULL,
                external_id TEXT NOT NULL,
                placed_at INTEGER NOT NULL,
                total INTEGER NOT NULL,
                refunded INTEGER NOT NULL,
                counts INTEGER NOT NULL,
                multiplier_percent INTEGER NOT NULL,
                earned INTEGER NOT NULL,
                points INTEGER NOT NULL,
                version INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, customer_id, order_id)) WITHOUT ROWID;
            CREATE UNIQUE INDEX loyalty_orders_order ON loyalty_orders(workspace_id, order_id);
            CREATE INDEX loyalty_orders_placed ON loyalty_orders(workspace_id, customer_id, placed_at);
            CREATE TABLE loyalty_refunds(
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                refund_id INTEGER NOT NULL,
                order_id INTEGER NOT NULL,
                amount INTEGER NOT NULL,
                refunded_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, customer_id, refund_id)) WITHOUT ROWID;
            CREATE UNIQUE INDEX loyalty_refunds_refund ON loyalty_refunds(workspace_id, refund_id);
            CREATE INDEX loyalty_refunds_order ON loyalty_refunds(workspace_id, order_id);
            CREATE TABLE loyalty_requests(
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                idempotency_key TEXT NOT NULL,
                operation TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY(workspace_id, customer_id, idempotency_key)) WITHOUT ROWID;
            CREATE TABLE loyalty_tier_changes(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                from_tier TEXT,
                to_tier TEXT,
                reason TEXT NOT NULL,
                changed_at INTEGER NOT NULL);
            CREATE INDEX loyalty_tier_changes_customer ON loyalty_tier_changes(workspace_id, customer_id, id);
            """
        )
    ]
}
