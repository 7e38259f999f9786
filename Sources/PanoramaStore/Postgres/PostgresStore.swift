import Foundation
import Logging
import NIOCore
import PanoramaCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The production store: PostgreSQL through a PostgresNIO `PostgresClient` (a connection pool
/// that runs as a `Service`). Several Panorama nodes may share one database.
///
/// Identity writes of a workspace are serialized across nodes by a row lock on its `workspaces`
/// row, and every such transaction bumps `identity_version`; a node catches its in-memory graph
/// up with the rows of newer versions before it resolves (see `withIdentityLock`). Message ids
/// are de-duplicated by the `event_message_ids` key, so a resend is stored once whichever node
/// receives it. Events are written with COPY.
public final class PostgresStore: PanoramaStore, Service {
    let client: PostgresClient
    let logger: Logger
    /// The URL without its password.
    public let description: String
    /// The connection pool's run loop, for as long as the store is open.
    private let pool: Task<Void, Never>
    /// Encryption at rest of personal information (`.off`: stored in clear).
    public let protection: FieldProtection

    /// Opens a store on `url`; connections are made as queries need them. Personal information is
    /// written encrypted with `protection`'s keys.
    public init(url: PostgresURL, logger: Logger, protection: FieldProtection = .off) {
        self.protection = protection
        let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.description = url.redacted
        self.pool = Task { await client.run() }
    }

    /// Closes every connection; the store is unusable after.
    public func close() {
        pool.cancel()
    }

    /// The store as a member of the node's `ServiceGroup`: the pool runs from the moment the
    /// store opens (migrations and bootstrap need it before the group starts), and the group
    /// owns its end. Listed first, it stops last: after every service that queries it.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }

    deinit { pool.cancel() }

    /// Applies pending migrations (or, with `apply: false`, only reports them); refuses a database
    /// whose schema is newer than this build. Returns (applied before, applied now).
    public func migrate(apply: Bool = true, now: Int64) async throws -> (applied: [String], pending: [String]) {
        let status: PostgresSchema.Status
        do {
            status = try await client.withConnection { connection in
                try await PostgresSchema.migrate(connection, now: now, apply: apply, logger: self.logger)
            }
        } catch let error as PSQLError {
            throw PanoramaError.unavailable("migrating \(description) failed: \(Self.explain(error))")
        }
        return (status.applied, status.pending)
    }

    /// Waits until the database answers (the pool connects lazily), up to `timeout`.
    public func waitUntilReachable(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        // Let the pool's run loop start first (a lease before it logs a warning).
        try await Task.sleep(for: .milliseconds(20))
        while true {
            do {
                try await client.query("SELECT 1", logger: logger)
                return
            } catch {
                if ContinuousClock.now > deadline {
                    throw PanoramaError.unavailable(
                        "cannot reach PostgreSQL at \(description): \(String(reflecting: error).prefix(300))")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    // MARK: Helpers

    /// Runs one statement that returns no rows (administration: `CREATE DATABASE` and the like).
    public func execute(_ sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Collects every row of a query, decoded.
    func all<each T: PostgresDecodable>(
        _ query: PostgresQuery, on connection: PostgresConnection? = nil, as _: (repeat each T).Type
    ) async throws -> [(repeat each T)] {
        let rows = try await rows(query, on: connection)
        var result: [(repeat each T)] = []
        for try await row in rows.decode((repeat each T).self) { result.append(row) }
        return result
    }

    /// Runs a query on a given connection (inside a transaction), or on any of the pool's.
    func rows(_ query: PostgresQuery, on connection: PostgresConnection?) async throws -> PostgresRowSequence {
        if let connection { return try await connection.query(query, logger: logger) }
        return try await client.query(query, logger: logger)
    }

    /// Runs `body` in a transaction on one connection; errors from `body` come out unwrapped.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// The server's message of an error (PostgresNIO hides it from `description`).
    static func explain(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            return message + detail
        }
        return String(reflecting: error).prefix(400).description
    }

    // MARK: WorkspaceStore

    public func createWorkspace(name: String, timeZone: String, now: Int64) async throws -> Workspace {
        try await transaction { connection in
            let rows = try await self.all(
                "INSERT INTO workspaces(name, time_zone, created_at) VALUES (\(name), \(timeZone), \(now)) RETURNING id",
                on: connection, as: Int64.self)
            let id = rows[0]
            for type in IdentitySettings.defaults.types {
                let q = Self.saveType(SQLBuilder(.postgres), workspaceID: id, type)
                try await connection.query(Self.postgresQuery(q), logger: self.logger)
            }
            return Workspace(id: id, name: name, timeZone: timeZone, createdAt: now)
        }
    }

    // MARK: IngestStore (workspaces, keys and profile reads: SharedQueries.swift)

    public var isShared: Bool { true }

    public func identitySnapshot(workspaceID: Int64) async throws -> IdentitySnapshot {
        try await withIdentityLock(workspaceIDs: [workspaceID]) { try await $0.snapshot(workspaceID: workspaceID) }
    }

    public func existingMessageIDs(workspaceID: Int64, _ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let wanted = ids.map(\.withoutNUL)
        return Set(
            try await all(
                """
                SELECT message_id FROM event_message_ids
                WHERE workspace_id = \(workspaceID) AND message_id = ANY(\(wanted))
                """, as: String.self))
    }

    public func commit(_ commit: IngestCommit) async throws -> Set<Int> {
        guard !commit.isEmpty else { return [] }
        let workspaces = Set(
            commit.customers.map(\.workspaceID) + commit.identifiers.map(\.workspaceID)
                + commit.merges.map(\.workspaceID) + commit.events.map(\.workspaceID)
                + commit.traits.map(\.workspaceID) + commit.conflicts.map(\.workspaceID))
        return try await withIdentityLock(workspaceIDs: workspaces.sorted()) { try await $0.commit(commit) }
    }

    public func withIdentityLock<T: Sendable>(
        workspaceIDs: [Int64], _ body: (any IdentitySession) async throws -> T
    ) async throws -> T {
        let ids = Array(Set(workspaceIDs)).sorted()
        return try await transaction { connection in
            let rows = try await self.all(
                """
                SELECT id, identity_version, identity_reset_version FROM workspaces WHERE id = ANY(\(ids))
                ORDER BY id FOR UPDATE
                """, on: connection, as: (Int64, Int64, Int64).self)
            let session = Session(
                store: self, connection: connection,
                versions: Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1) }),
                resets: Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.2) }))
            return try await body(session)
        }
    }

    public func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws
    {
        try await withIdentityLock(workspaceIDs: [workspaceID]) {
            try await $0.commitUndo(
                workspaceID: workspaceID, mergeID: mergeID, from: from, movedBack: movedBack, now: now)
        }
    }

    // MARK: ProfileStore

    private typealias EventRow = (
        Int64, Int64, String, String, String?, String?, String?, String?, String?, String?, Int64, Int64?, Int64?,
        Int64, String?, String?, String?
    )

    public func events(
        workspaceID: Int64, customerIDs: [Int64], cursor: String?, limit: Int
    ) async throws -> Page<StoredEvent> {
        guard !customerIDs.isEmpty else { return Page(items: [], nextCursor: nil) }
        let position = try EventCursor(cursor)
        let rows = try await all(
            """
            SELECT id, customer_id, message_id, type, event, name, user_id, anonymous_id, group_id, previous_id,
                timestamp, original_timestamp, sent_at, received_at, properties, traits, context
            FROM events WHERE workspace_id = \(workspaceID) AND customer_id = ANY(\(customerIDs))
                AND (timestamp, id) < (\(position?.timestamp ?? Int64.max), \(position?.id ?? Int64.max))
            ORDER BY timestamp DESC, id DESC LIMIT \(Int64(limit + 1))
            """, as: EventRow.self)
        let items = try rows.prefix(limit).map { r in
            try protection.open(
                StoredEvent(
                    id: r.0, customerID: r.1, messageID: r.2, type: MessageType(rawValue: r.3) ?? .track, event: r.4,
                    name: r.5, userID: r.6, anonymousID: r.7, groupID: r.8, previousID: r.9, timestamp: r.10,
                    originalTimestamp: r.11, sentAt: r.12, receivedAt: r.13, properties: r.14, traits: r.15,
                    context: r.16), workspaceID: workspaceID)
        }
        let next = rows.count > limit ? items.last.map { EventCursor(timestamp: $0.timestamp, id: $0.id).text } : nil
        return Page(items: Array(items), nextCursor: next)
    }

    public func activity(
        workspaceID: Int64, customerIDs: [Int64]
    ) async throws -> (events: Int64, first: Int64?, last: Int64?) {
        guard !customerIDs.isEmpty else { return (0, nil, nil) }
        let row = try await all(
            """
            SELECT count(*), min(timestamp), max(timestamp) FROM events
            WHERE workspace_id = \(workspaceID) AND customer_id = ANY(\(customerIDs))
            """, as: (Int64, Int64?, Int64?).self)
        return row.first.map { ($0.0, $0.1, $0.2) } ?? (0, nil, nil)
    }

    public func ping() async -> Bool {
        let rows = try? await all("SELECT 1::bigint", as: Int64.self)
        return rows?.first == 1
    }

    public func maintain() async {}
}
