import Logging
import PostgresNIO
import ServiceLifecycle

/// `ChangeBroadcast` over PostgreSQL `NOTIFY`/`LISTEN` on one channel: every node sharing the
/// database hears every other node's messages within milliseconds of their commit, with no
/// table written and no polling.
///
/// `run` keeps one connection of the store's pool listening; when it fails, `lost` is called
/// once the listener is back (messages in the gap may be gone, so the receiver reloads), and
/// listening resumes on a new connection. A node ignores its own messages (the payload names
/// the sender).
public final class PostgresChangeBroadcast: ChangeBroadcast, Service, Sendable {
    /// The notification channel.
    public static let channel = "panorama_changes"

    private let client: PostgresClient
    private let nodeID: String
    private let logger: Logger
    private let receive: @Sendable (ChangeMessage) -> Void
    private let lost: @Sendable () -> Void

    /// - Parameters:
    ///   - nodeID: this node's id, without spaces (it is the first word of each payload).
    ///   - receive: called for each message of another node, on the listener's task.
    ///   - lost: called when listening resumes after a failure.
    public init(
        client: PostgresClient, nodeID: String, logger: Logger, receive: @escaping @Sendable (ChangeMessage) -> Void,
        lost: @escaping @Sendable () -> Void
    ) {
        self.client = client
        self.nodeID = nodeID.replacingOccurrences(of: " ", with: "_")
        self.logger = logger
        self.receive = receive
        self.lost = lost
    }

    public func publish(_ message: ChangeMessage) async {
        for payload in ChangeMessage.payloads(message, origin: nodeID) {
            do {
                _ = try await client.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
            } catch {
                logger.warning(
                    "could not notify the other nodes of a change; they catch up at their next recompute",
                    metadata: ["error": "\(String(reflecting: error))"])
                return
            }
        }
    }

    /// Listens until graceful shutdown or cancellation.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.listen() }
    }

    private func listen() async {
        var failed = false
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        if failed {
                            failed = false
                            self.lost()
                        }
                        for try await notification in notifications {
                            guard let (origin, message) = ChangeMessage.decode(notification.payload) else {
                                self.logger.debug("ignored a malformed change notification")
                                continue
                            }
                            if origin != self.nodeID { self.receive(message) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                if !failed {
                    logger.warning(
                        "listening for other nodes' changes failed; retrying",
                        metadata: ["error": "\(String(reflecting: error))"])
                }
                failed = true
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
