extension SQLiteSchema {
    /// The console's dashboard reads orders by time across customers: an index by
    /// `(workspace_id, placed_at)` that also covers the summed columns, so a period's daily totals
    /// and channel totals are read from the index alone.
    static let consoleMigrations: [(name: String, sql: String)] = [
        (
            "v_console_1_orders_by_time",
            """
            CREATE INDEX orders_placed ON orders(workspace_id, placed_at, status, total, refunded, channel, customer_id);
            """
        )
    ]
}
