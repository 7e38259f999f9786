import GRDB

extension SQLiteStore {
    public func heartbeat(_ node: ClusterNode) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cluster_nodes(node_id, address, started_at, heartbeat_at, is_leader) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(node_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at,
                        is_leader = excluded.is_leader
                    """,
                arguments: [node.nodeID, node.address, node.startedAt, node.heartbeatAt, node.leader])
        }
    }

    public func clusterNodes() async throws -> [ClusterNode] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT node_id, address, started_at, heartbeat_at, is_leader FROM cluster_nodes ORDER BY started_at, node_id"
            ).map { ClusterNode(nodeID: $0[0], address: $0[1], startedAt: $0[2], heartbeatAt: $0[3], leader: $0[4]) }
        }
    }

    public func pruneClusterNodes(before: Int64) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM cluster_nodes WHERE heartbeat_at < ?", arguments: [before])
            return db.changesCount
        }
    }

    public func recordJobRun(name: String, nodeID: String, at: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO cluster_jobs(name, node_id, last_run_at, runs) VALUES (?, ?, ?, 1)
                    ON CONFLICT(name) DO UPDATE SET node_id = excluded.node_id, last_run_at = excluded.last_run_at,
                        runs = cluster_jobs.runs + 1
                    """,
                arguments: [name, nodeID, at])
        }
    }

    public func jobRuns() async throws -> [JobRun] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, node_id, last_run_at, runs FROM cluster_jobs ORDER BY name").map {
                JobRun(name: $0[0], nodeID: $0[1], lastRunAt: $0[2], runs: $0[3])
            }
        }
    }
}
