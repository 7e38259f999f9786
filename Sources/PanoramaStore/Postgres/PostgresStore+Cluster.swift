import PostgresNIO

extension PostgresStore {
    public func heartbeat(_ node: ClusterNode) async throws {
        try await client.query(
            """
            INSERT INTO cluster_nodes(node_id, address, started_at, heartbeat_at, is_leader)
            VALUES (\(node.nodeID), \(node.address), \(node.startedAt), \(node.heartbeatAt), \(node.leader))
            ON CONFLICT(node_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at,
                is_leader = excluded.is_leader
            """, logger: logger)
    }

    public func clusterNodes() async throws -> [ClusterNode] {
        try await all(
            """
            SELECT node_id, address, started_at, heartbeat_at, is_leader FROM cluster_nodes
            ORDER BY started_at, node_id COLLATE "C"
            """, as: (String, String, Int64, Int64, Bool).self
        ).map { ClusterNode(nodeID: $0.0, address: $0.1, startedAt: $0.2, heartbeatAt: $0.3, leader: $0.4) }
    }

    public func pruneClusterNodes(before: Int64) async throws -> Int {
        try await all("DELETE FROM cluster_nodes WHERE heartbeat_at < \(before) RETURNING 1::bigint", as: Int64.self)
            .count
    }

    public func recordJobRun(name: String, nodeID: String, at: Int64) async throws {
        try await client.query(
            """
            INSERT INTO cluster_jobs(name, node_id, last_run_at, runs) VALUES (\(name), \(nodeID), \(at), 1)
            ON CONFLICT(name) DO UPDATE SET node_id = excluded.node_id, last_run_at = excluded.last_run_at,
                runs = cluster_jobs.runs + 1
            """, logger: logger)
    }

    public func jobRuns() async throws -> [JobRun] {
        try await all(
            "SELECT name, node_id, last_run_at, runs FROM cluster_jobs ORDER BY name COLLATE \"C\"",
            as: (String, String, Int64, Int64).self
        ).map { JobRun(name: $0.0, nodeID: $0.1, lastRunAt: $0.2, runs: $0.3) }
    }

    /// Leadership over the nodes sharing this database (a session advisory lock on a connection
    /// of this store's pool).
    public func leadership(nodeID: String, logger: Logger) -> PostgresLeadership {
        PostgresLeadership(client: client, nodeID: nodeID, logger: logger)
    }
}
