import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Elects one leader among the Panorama nodes that share a PostgreSQL database: the node whose
/// connection holds the session-level advisory lock `lockKey`.
///
/// Each node keeps one connection leased while it tries for the lock (`pg_try_advisory_lock`
/// every `retryInterval`) and then for as long as it holds it. PostgreSQL releases a session
/// lock when its connection ends, so a node that dies hands leadership over without doing
/// anything: another node's next try succeeds.
///
/// The leader checks its connection every `retryInterval` and steps down (``isLeader`` turns
/// false) as soon as the connection closes, a check fails, or the server takes longer than
/// `queryTimeout` to answer. A leader cut off from the database therefore stops leading long
/// before the server, which notices a vanished client only through TCP keepalive, lets another
/// node take the lock. When the server itself ends the session (a terminated backend, a
/// restart), the lock is free at once and the old leader notices within about 50 ms; work
/// started in that gap may overlap, so scheduled work should be idempotent. The lock lives in
/// a session, so nodes must reach PostgreSQL directly or through a session-mode pooler, never
/// through a transaction-mode one (PgBouncer `pool_mode = transaction`).
///
/// Add it to the node's `ServiceGroup` after the `PostgresClient` and before the services that
/// read ``isLeader``: a group stops its services in reverse order, so those stop first, then
/// this one releases the lock, then the client closes.
public final class PostgresLeadership: Leadership, Service, Sendable {
    /// The name this node logs its leadership changes under.
    public let nodeID: String
    private let client: PostgresClient
    private let lockKey: Int64
    private let logger: Logger
    private let retryInterval: Duration
    private let queryTimeout: Duration
    /// When this node became leader; nil while it does not lead.
    private let term = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - lockKey: the advisory lock that stands for leadership; every node of one cluster
    ///     must use the same key, and nothing else in the database may use it.
    ///   - retryInterval: how often a follower tries for the lock and a leader checks its connection.
    ///   - queryTimeout: how long the server may take to answer before this node gives the
    ///     connection (and with it leadership) up.
    public init(
        client: PostgresClient, lockKey: Int64 = 0x5041_4E4F_5241_4D41 /* "PANORAMA" */, nodeID: String,
        logger: Logger, retryInterval: Duration = .seconds(1), queryTimeout: Duration = .seconds(5)
    ) {
        self.client = client
        self.lockKey = lockKey
        self.nodeID = nodeID
        var logger = logger
        logger[metadataKey: "node"] = "\(nodeID)"
        self.logger = logger
        self.retryInterval = retryInterval
        self.queryTimeout = queryTimeout
    }

    /// True while this node holds the lock on a connection that answers; readable from any thread.
    public var isLeader: Bool { term.withLock { $0 != nil } }

    /// When this node became leader, or nil while it does not lead.
    public var leaderSince: ContinuousClock.Instant? { term.withLock { $0 } }

    /// Tries for leadership and holds it until graceful shutdown or cancellation, then releases it.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.campaign() }
    }

    /// Leases one connection at a time and leads on it, starting over on a new connection
    /// whenever one fails, until cancelled.
    private func campaign() async {
        var failuresInARow = 0
        while !Task.isCancelled {
            var connected = false
            do {
                try await client.withConnection { connection in
                    connected = true
                    try await self.lead(on: connection)
                }
            } catch {
                if Task.isCancelled { break }
                failuresInARow = connected ? 1 : failuresInARow + 1
                // During an outage every retry fails the same way; one warning says it.
                logger.log(
                    level: failuresInARow == 1 ? .warning : .debug,
                    "leadership connection failed; retrying with a new one",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: retryInterval)
        }
    }

    /// Tries for the lock on `connection` until it is granted, then holds it until the
    /// connection fails or the task is cancelled. Only ever leaves by throwing, and never with
    /// the lock still held by a connection that goes back to the pool.
    private func lead(on connection: PostgresConnection) async throws {
        while try await !ask("SELECT pg_try_advisory_lock(\(lockKey))", on: connection) {
            try await Task.sleep(for: retryInterval)
        }
        term.withLock { $0 = .now }
        logger.info("this node is now the cluster leader")
        do {
            while true {
                try await watch(connection, for: retryInterval)
                _ = try await ask("SELECT true", on: connection)
            }
        } catch {
            stepDown(because: error)
            await release(on: connection)
            throw error
        }
    }

    private func stepDown(because error: any Error) {
        let since = term.withLock { since in
            defer { since = nil }
            return since
        }
        guard let since else { return }
        let reason = error is CancellationError ? "shutdown" : String(reflecting: error)
        logger.info(
            "this node is no longer the cluster leader",
            metadata: ["reason": "\(reason)", "led_for": "\(since.duration(to: .now))"])
    }

    /// Gives the lock back so that another node can lead at once. When the unlock cannot be
    /// confirmed, closes the connection instead: that releases the lock too, and keeps a
    /// session that might still hold it out of the pool.
    private func release(on connection: PostgresConnection) async {
        guard !connection.isClosed else { return }
        if (try? await ask("SELECT pg_advisory_unlock(\(lockKey))", on: connection)) != true {
            try? await connection.close()
        }
    }

    /// Sleeps for `duration`, but throws as soon as the connection closes: a session the server
    /// ended has already released the lock to whichever node asks next.
    private func watch(_ connection: PostgresConnection, for duration: Duration) async throws {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end {
            if connection.isClosed { throw Failure.connectionClosed }
            try await Task.sleep(until: min(end, clock.now + .milliseconds(50)), clock: clock)
        }
        if connection.isClosed { throw Failure.connectionClosed }
    }

    /// Runs a query that answers one boolean, and stops waiting for it as soon as the connection
    /// closes or the server has not answered within `queryTimeout` (then closing the connection,
    /// which ends the session and its lock). Neither is left to PostgresNIO: a query does not
    /// observe task cancellation, and one written just as its connection closes is never
    /// answered nor failed (postgres-nio 1.33.2), which would hang shutdown.
    private func ask(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Bool {
        let answer = connection.eventLoop.makePromise(of: Bool.self)
        let giveUpAt = NIODeadline.now() + TimeAmount(queryTimeout)
        let watchdog = connection.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(50), delay: .milliseconds(50)
        ) { _ in
            // Completing a promise that is already complete does nothing.
            if connection.isClosed {
                answer.fail(Failure.connectionClosed)
            } else if .now() >= giveUpAt {
                answer.fail(Failure.timedOut)
                connection.close().whenComplete { _ in }
            }
        }
        defer { watchdog.cancel() }
        let logger = self.logger
        answer.completeWithTask {
            var value: Bool?
            for try await row in try await connection.query(query, logger: logger).decode(Bool.self) {
                value = row
            }
            guard let value else { throw Failure.noAnswer }
            return value
        }
        return try await answer.futureResult.get()
    }

    private enum Failure: Error, CustomStringConvertible {
        /// The connection ended, so the server no longer holds the lock for it.
        case connectionClosed
        /// The server did not answer within `queryTimeout`.
        case timedOut
        /// A query that always returns one row returned none.
        case noAnswer

        var description: String {
            switch self {
            case .connectionClosed: "the connection closed"
            case .timedOut: "the server did not answer in time"
            case .noAnswer: "the server returned no row"
            }
        }
    }
}
