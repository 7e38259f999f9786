import Logging
import PostgresNIO

extension PostgresStore {
    /// Leadership over the nodes sharing this database (a session advisory lock on a connection
    /// of this store's pool).
    public func leadership(nodeID: String, logger: Logger) -> PostgresLeadership {
        PostgresLeadership(client: client, nodeID: nodeID, logger: logger)
    }
}

extension PostgresStore {
    /// The change broadcast among the nodes sharing this database (NOTIFY/LISTEN on this
    /// store's pool).
    public func changeBroadcast(
        nodeID: String, logger: Logger, receive: @escaping @Sendable (ChangeMessage) -> Void,
        lost: @escaping @Sendable () -> Void
    ) -> PostgresChangeBroadcast {
        PostgresChangeBroadcast(client: client, nodeID: nodeID, logger: logger, receive: receive, lost: lost)
    }
}
