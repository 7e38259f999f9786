extension StoreMigration {
    /// The loyalty tables, copied after the foundation's (`v4_loyalty`).
    static let loyaltyTables: [Table] = [
        Table(
            name: "loyalty_programs", method: .insert, key: ["workspace_id"],
            columns: [
                int("workspace_id"), text("definition"), int("updated_at"), int("last_review_at", nullable: true),
            ]
        ),
        Table(
            name: "loyalty_accounts", method: .copy, key: ["workspace_id", "customer_id"],
            columns: [
                int("workspace_id"), int("customer_id"), int("version"), int("points"), int("stored_value"),
                text("tier", nullable: true), int("tier_since", nullable: true), int("created_at"), int("updated_at"),
            ]),
        Table(
            name: "loyalty_lots", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), int("points"), int("remaining"), int("earned_at"),
                int("expires_at", nullable: true), text("source"),
            ], identity: true),
        Table(
            name: "loyalty_entries", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("ledger"), text("kind"), int("amount"),
                int("balance_after"), text("reason", nullable: true), text("reference", nullable: true),
                text("request_key", nullable: true), int("created_at"),
            ], identity: true),
        Table(
            name: "loyalty_orders", method: .copy, key: ["workspace_id", "customer_id", "order_id"],
            columns: [
                int("workspace_id"), int("customer_id"), int("order_id"), text("external_id"), int("placed_at"),
                int("total"), int("refunded"), Column(name: "counts", kind: .boolean), int("multiplier_percent"),
                int("earned"), int("points"), int("version"), int("updated_at"),
            ]),
        Table(
            name: "loyalty_refunds", method: .copy, key: ["workspace_id", "customer_id", "refund_id"],
            columns: [
                int("workspace_id"), int("customer_id"), int("refund_id"), int("order_id"), int("amount"),
                int("refunded_at"),
            ]),
        Table(
            name: "loyalty_requests", method: .copy, key: ["workspace_id", "customer_id", "idempotency_key"],
            columns: [
                int("workspace_id"), int("customer_id"), text("idempotency_key"), text("operation"),
                text("fingerprint"), int("created_at"),
            ]),
        Table(
            name: "loyalty_tier_changes", method: .copy, key: ["id"],
            columns: [
                int("id"), int("workspace_id"), int("customer_id"), text("from_tier", nullable: true),
                text("to_tier", nullable: true), text("reason"), int("changed_at"),
            ], identity: true),
    ]
}
