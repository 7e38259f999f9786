import Foundation
import Logging
import PanoramaCore
import PanoramaStore
import ServiceLifecycle

/// This node's place in the cluster: its identity, its heartbeat, whether it leads, and the
/// scheduled work that runs on the leader only.
///
/// On SQLite a node is alone and always leads. On PostgreSQL the nodes sharing the database elect
/// a leader with a session advisory lock (`PostgresLeadership`); a dead leader's lock is released
/// by the server and another node takes over within about a second.
public final class ClusterService: Sendable {
    /// Unique per process: host name, process id and a random suffix.
    public let nodeID: String
    public let address: String
    public let startedAt: Int64
    public let leadership: any Leadership
    public let scheduler: ClusterScheduler
    private let store: any PanoramaStore
    private let clock: WallClock
    private let logger: Logger

    /// How often a node records that it is alive.
    static let heartbeatInterval: Duration = .seconds(1)
    /// A node silent this long is forgotten by the leader's pruning job.
    static let silenceLimitMillis: Int64 = 15_000

    init(store: any PanoramaStore, address: String, clock: WallClock, metrics: any MetricsSink, logger: Logger) {
        let host = ProcessInfo.processInfo.hostName
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let nodeID = "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
        self.nodeID = nodeID
        self.address = address
        self.startedAt = clock.now()
        self.store = store
        self.clock = clock
        self.logger = logger
        let leadership: any Leadership =
            (store as? PostgresStore)?.leadership(nodeID: nodeID, logger: logger) ?? SoleLeadership()
        self.leadership = leadership
        let jobs = [
            ClusterScheduler.Job(name: "prune-cluster-nodes", interval: .seconds(5)) { [store, clock] in
                _ = try await store.pruneClusterNodes(before: clock.now() - Self.silenceLimitMillis)
                try await store.recordJobRun(name: "prune-cluster-nodes", nodeID: nodeID, at: clock.now())
            }
        ]
        self.scheduler = ClusterScheduler(leadership: leadership, jobs: jobs, logger: logger, metrics: metrics)
    }

    /// The services a node runs for the cluster: leadership (PostgreSQL), heartbeat, scheduler.
    var services: [any Service] {
        var list: [any Service] = []
        if let elected = leadership as? PostgresLeadership { list.append(elected) }
        list.append(Heartbeat(cluster: self))
        list.append(scheduler)
        return list
    }

    func beat() async throws {
        try await store.heartbeat(
            ClusterNode(
                nodeID: nodeID, address: address, startedAt: startedAt, heartbeatAt: clock.now(),
                leader: leadership.isLeader))
    }

    /// What `GET /api/v1/cluster` shows.
    public struct Status: Sendable {
        public var nodeID: String
        public var isLeader: Bool
        public var nodes: [ClusterNode]
        public var jobs: [JobRun]
        /// The node that reported leading most recently among those heard from in time.
        public var leader: String?
    }

    public func status() async throws -> Status {
        try await beat()
        let now = clock.now()
        let nodes = try await store.clusterNodes()
        let leader = nodes.filter { $0.leader && now - $0.heartbeatAt < Self.silenceLimitMillis }
            .max { $0.heartbeatAt < $1.heartbeatAt }?.nodeID
        return Status(
            nodeID: nodeID, isLeader: leadership.isLeader, nodes: nodes, jobs: try await store.jobRuns(),
            leader: leader)
    }

    /// Records the node's heartbeat every second until shutdown.
    struct Heartbeat: Service {
        let cluster: ClusterService

        func run() async throws {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await cluster.beat()
                    } catch is CancellationError {
                        return
                    } catch {
                        cluster.logger.warning("cluster heartbeat failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: ClusterService.heartbeatInterval)
                }
            }
        }
    }
}
