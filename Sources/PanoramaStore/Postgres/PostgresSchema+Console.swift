extension PostgresSchema {
    /// The console's dashboard reads orders by time across customers (see `SQLiteSchema.consoleMigrations`);
    /// PostgreSQL covers the summed columns with INCLUDE.
    static let consoleMigrations: [(name: String, sql: String)] = [
        (
            "v_console_1_orders_by_time",
            """
            CREATE INDEX orders_placed ON orders(workspace_id, placed_at) INCLUDE (status, total, refunded, channel, customer_id);
            """
        )
    ]
}
