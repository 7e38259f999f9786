import GRDB
import PanoramaCore

/// The audit log on SQLite (statements in `Shared/AuditQueries.swift`).
extension SQLiteStore {
    /// Appends inside an immediate transaction: it takes SQLite's write lock before reading the
    /// head, so an append of another process on the same file (`panorama export` beside a running
    /// server) waits for this one instead of extending the same head. Within the process, the
    /// pool's single writer already runs one write at a time.
    public func appendAuditEntry(_ seal: @Sendable (AuditMark?) throws -> StoredAuditEntry) async throws
        -> StoredAuditEntry
    {
        try await pool.writeWithoutTransaction { db in
            var appended: StoredAuditEntry?
            try db.inTransaction(.immediate) {
                let head = try Row.fetchOne(db, sql: AuditSQL.readHead).map {
                    AuditMark(sequence: $0[0], hash: $0[1], at: $0[2])
                }
                let entry = try seal(head)
                try db.execute(
                    sql: AuditSQL.insert(.sqlite),
                    arguments: [
                        entry.sequence, entry.at, entry.workspace, entry.actor, entry.actorKind, entry.action,
                        entry.target, entry.sourceIP, AuditSQL.encode(entry.detail), entry.previousHash, entry.hash,
                    ])
                try db.execute(sql: AuditSQL.saveHead(.sqlite), arguments: [entry.sequence, entry.hash, entry.at])
                appended = entry
                return .commit
            }
            return appended!
        }
    }

    public func auditEntries(matching query: AuditQuery, after: Int64?, descending: Bool, limit: Int) async throws
        -> [StoredAuditEntry]
    {
        try await auditRows(AuditSQL.search(.sqlite, query, after: after, descending: descending, limit: limit))
    }

    public func auditChain(after: Int64, through: Int64, limit: Int) async throws -> [StoredAuditEntry] {
        try await auditRows(AuditSQL.chain(.sqlite, after: after, through: through, limit: limit))
    }

    public func auditChainState() async throws -> AuditChainState {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: AuditSQL.state)
            func mark(_ at: Int) -> AuditMark? {
                guard let row, let sequence = row[at] as Int64? else { return nil }
                return AuditMark(sequence: sequence, hash: row[at + 1], at: row[at + 2])
            }
            return AuditChainState(head: mark(0), retention: mark(3), lastSequence: row?[6])
        }
    }

    private func auditRows(_ query: SQLQuery) async throws -> [StoredAuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: query.sql, arguments: Self.arguments(query.values)).map { row in
                StoredAuditEntry(
                    sequence: row[0], at: row[1], workspace: row[2], actor: row[3], actorKind: row[4], action: row[5],
                    target: row[6], sourceIP: row[7], detail: AuditSQL.decode(row[8]), previousHash: row[9],
                    hash: row[10])
            }
        }
    }
}
