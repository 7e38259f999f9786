extension StoreMigration {
    /// The audit log, copied whole with its sequences, hashes and exact times (so the chain still
    /// verifies in PostgreSQL), and its recorded head and retention checkpoint.
    static let auditTables: [Table] = [
        Table(
            name: "audit_log", method: .copy, key: ["sequence"],
            columns: [
                int("sequence"), real("at"), text("workspace"), text("actor"), text("actor_kind"), text("action"),
                text("target"), text("source_ip", nullable: true), text("detail"), text("previous_hash"),
                text("hash"),
            ]),
        Table(
            name: "audit_checkpoints", method: .insert, key: ["kind"],
            columns: [text("kind"), int("sequence"), text("hash"), real("at")]),
    ]

    static func real(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .real, nullable: nullable)
    }
}
