extension StoreMigration {
    /// Orders, lines, refunds and import records, copied after the foundation's tables.
    static let ordersTables: [Table] = [
        Table(
            name: "orders", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("external_id"), text("status"),
                text("channel", nullable: true), text("store_id", nullable: true),
                text("payment_method", nullable: true), text("currency"), text("coupons", nullable: true),
                int("placed_at"), int("discount"), int("shipping"), int("tax"), int("total"), int("refunded"),
                text("properties", nullable: true), text("source"), int("created_at"), int("updated_at"),
                int("version"),
            ], identity: true),
        Table(
            name: "order_items", method: .copy, key: ["workspace_id", "order_id", "line"],
            columns: [
                int("workspace_id"), int("order_id"), int("line"), text("product_id", nullable: true),
                text("sku", nullable: true), text("name", nullable: true), text("category", nullable: true),
                text("brand", nullable: true), int("quantity"), int("unit_price"), int("discount"),
                int("refunded_quantity"),
            ]),
        Table(
            name: "refunds", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("order_id"), text("external_id"), text("kind"), int("amount"),
                text("lines"), text("reason", nullable: true), int("refunded_at"), int("created_at"),
            ], identity: true),
        Table(
            name: "imports", method: .insert, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), text("kind"), text("source"), text("status"),
                Column(name: "dry_run", kind: .boolean), text("node_id"), text("progress", nullable: true),
                text("report", nullable: true), text("error", nullable: true), int("created_at"),
                int("finished_at", nullable: true),
            ], identity: true),
    ]
}
