extension SQLiteSchema {
    /// Orders, their lines and refunds, and bulk imports.
    ///
    /// `orders.id` is the rowid (appends are cheap); `(workspace_id, external_id)` is the idempotency
    /// key of the API and imports; `(workspace_id, customer_id, placed_at)` serves a customer's orders.
    /// `version` is bumped by every write of the order, for optimistic concurrency on refunds.
    static let ordersMigrations: [(name: String, sql: String)] = [
        (
            "v3_orders",
            """
            CREATE TABLE orders(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                customer_id INTEGER NOT NULL,
                external_id TEXT NOT NULL,
                status TEXT NOT NULL,
                channel TEXT,
                store_id TEXT,
                payment_method TEXT,
                currency TEXT NOT NULL,
                coupons TEXT,
                placed_at INTEGER NOT NULL,
                discount INTEGER NOT NULL,
                shipping INTEGER NOT NULL,
                tax INTEGER NOT NULL,
                total INTEGER NOT NULL,
                refunded INTEGER NOT NULL DEFAULT 0,
                properties TEXT,
                source TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                version INTEGER NOT NULL DEFAULT 1);
            CREATE UNIQUE INDEX orders_external ON orders(workspace_id, external_id);
            CREATE INDEX orders_customer ON orders(workspace_id, customer_id, placed_at);
            CREATE TABLE order_items(
                workspace_id INTEGER NOT NULL,
                order_id INTEGER NOT NULL,
                line INTEGER NOT NULL,
                product_id TEXT,
                sku TEXT,
                name TEXT,
                category TEXT,
                brand TEXT,
                quantity INTEGER NOT NULL,
                unit_price INTEGER NOT NULL,
                discount INTEGER NOT NULL,
                refunded_quantity INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY(workspace_id, order_id, line)) WITHOUT ROWID;
            CREATE TABLE refunds(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                order_id INTEGER NOT NULL,
                external_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                amount INTEGER NOT NULL,
                lines TEXT NOT NULL,
                reason TEXT,
                refunded_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL);
            CREATE UNIQUE INDEX refunds_external ON refunds(workspace_id, external_id);
            CREATE INDEX refunds_order ON refunds(workspace_id, order_id);
            CREATE TABLE imports(
                id INTEGER PRIMARY KEY,
                workspace_id INTEGER NOT NULL,
                kind TEXT NOT NULL,
                source TEXT NOT NULL,
                status TEXT NOT NULL,
                dry_run INTEGER NOT NULL,
                node_id TEXT NOT NULL,
                progress TEXT,
                report TEXT,
                error TEXT,
                created_at INTEGER NOT NULL,
                finished_at INTEGER);
            CREATE INDEX imports_workspace ON imports(workspace_id, id);
            """
        )
    ]
}
