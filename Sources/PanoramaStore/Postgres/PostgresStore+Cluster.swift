import Logging
import PostgresNIO

extension PostgresStore {
    /// Leadership over the nodes sharing this database (a session advisory lock on a connection
    /// of this store's pool).
    public func leadership(nodeID: String, logger: Logger) -> PostgresLeadership {
        PostgresLeadership(client: client, nodeID: nodeID, logger: logger)
    }
}
