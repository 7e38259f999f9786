extension StoreMigration {
    /// The customer-insight tables (`v_insights_1_campaign_costs`).
    static let insightsTables: [Table] = [
        Table(
            name: "campaign_costs", method: .insert, key: ["workspace_id", "campaign"],
            columns: [int("workspace_id"), text("campaign"), int("cost"), int("updated_at")])
    ]
}
