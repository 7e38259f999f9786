import PanoramaCore
import PostgresNIO

/// The audit log on PostgreSQL (statements in `Shared/AuditQueries.swift`).
extension PostgresStore {
    /// Appends under a transaction-scoped advisory lock taken before the head is read: appends of
    /// every node and request queue on it, so two can never extend the same head; the lock ends
    /// with the transaction.
    public func appendAuditEntry(_ seal: @Sendable (AuditMark?) throws -> StoredAuditEntry) async throws
        -> StoredAuditEntry
    {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(AuditSQL.lockKey))", logger: self.logger)
            let head = try await self.all(
                PostgresQuery(unsafeSQL: AuditSQL.readHead), on: connection, as: (Int64, String, Double).self
            ).first.map { AuditMark(sequence: $0.0, hash: $0.1, at: $0.2) }
            let entry = try seal(head)
            var binds = PostgresBindings(capacity: 11)
            binds.append(entry.sequence)
            binds.append(entry.at)
            for text in [entry.workspace, entry.actor, entry.actorKind, entry.action, entry.target] {
                binds.append(text)
            }
            binds.append(entry.sourceIP)
            binds.append(AuditSQL.encode(entry.detail))
            binds.append(entry.previousHash)
            binds.append(entry.hash)
            try await connection.query(
                PostgresQuery(unsafeSQL: AuditSQL.insert(.postgres), binds: binds), logger: self.logger)
            var newHead = PostgresBindings(capacity: 3)
            newHead.append(entry.sequence)
            newHead.append(entry.hash)
            newHead.append(entry.at)
            try await connection.query(
                PostgresQuery(unsafeSQL: AuditSQL.saveHead(.postgres), binds: newHead), logger: self.logger)
            return entry
        }
    }

    public func auditEntries(matching query: AuditQuery, after: Int64?, descending: Bool, limit: Int) async throws
        -> [StoredAuditEntry]
    {
        try await auditRows(AuditSQL.search(.postgres, query, after: after, descending: descending, limit: limit))
    }

    public func auditChain(after: Int64, through: Int64, limit: Int) async throws -> [StoredAuditEntry] {
        try await auditRows(AuditSQL.chain(.postgres, after: after, through: through, limit: limit))
    }

    public func auditChainState() async throws -> AuditChainState {
        let rows = try await all(
            PostgresQuery(unsafeSQL: AuditSQL.state),
            as: (Int64?, String?, Double?, Int64?, String?, Double?, Int64?).self)
        guard let r = rows.first else { return AuditChainState(head: nil, retention: nil, lastSequence: nil) }
        func mark(_ sequence: Int64?, _ hash: String?, _ at: Double?) -> AuditMark? {
            guard let sequence, let hash, let at else { return nil }
            return AuditMark(sequence: sequence, hash: hash, at: at)
        }
        return AuditChainState(head: mark(r.0, r.1, r.2), retention: mark(r.3, r.4, r.5), lastSequence: r.6)
    }

    private typealias AuditRow = (
        Int64, Double, String, String, String, String, String, String?, String, String, String
    )

    private func auditRows(_ query: SQLQuery) async throws -> [StoredAuditEntry] {
        try await all(Self.postgresQuery(query), as: AuditRow.self).map { r in
            StoredAuditEntry(
                sequence: r.0, at: r.1, workspace: r.2, actor: r.3, actorKind: r.4, action: r.5, target: r.6,
                sourceIP: r.7, detail: AuditSQL.decode(r.8), previousHash: r.9, hash: r.10)
        }
    }
}
