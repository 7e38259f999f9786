import Foundation
import Logging
import PanoramaServices
import PanoramaStore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

/// Cluster leadership (PostgreSQL advisory lock) and the scheduler that runs jobs on the leader only.
///
/// The scheduler tests run everywhere; the PostgreSQL tests need a server at
/// `PANORAMA_TEST_POSTGRES_URL` and are reported as skipped without one.
@Suite("Leadership")
struct LeadershipTests {
    // MARK: Scheduler, one node

    @Test("a sole node runs a job again and again")
    func soleNodeRunsJobRepeatedly() async throws {
        let scheduler = ClusterScheduler(
            leadership: SoleLeadership(), jobs: [.init(name: "tick", interval: .milliseconds(20)) {}],
            logger: quietLogger, tick: .milliseconds(10))
        try await running(scheduler) {
            #expect(await eventually { scheduler.runs(of: "tick") >= 3 })
        }
        #expect(scheduler.failures(of: "tick") == 0)
    }

    @Test("a node that does not lead never runs a job")
    func followerNeverRunsJob() async throws {
        let starts = Counter()
        let scheduler = ClusterScheduler(
            leadership: SwitchLeadership(false),
            jobs: [.init(name: "tick", interval: .milliseconds(10)) { starts.add() }],
            logger: quietLogger, tick: .milliseconds(10))
        try await running(scheduler) {
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(starts.value == 0)
        #expect(scheduler.runs(of: "tick") == 0)
    }

    @Test("a failing job is counted and runs again at its next interval")
    func failingJobRunsAgain() async throws {
        struct Boom: Error {}
        let scheduler = ClusterScheduler(
            leadership: SoleLeadership(), jobs: [.init(name: "boom", interval: .milliseconds(20)) { throw Boom() }],
            logger: quietLogger, tick: .milliseconds(10))
        try await running(scheduler) {
            #expect(await eventually { scheduler.failures(of: "boom") >= 3 })
        }
        #expect(scheduler.runs(of: "boom") == 0)
    }

    @Test("a job that outlasts its interval never overlaps itself")
    func jobNeverOverlapsItself() async throws {
        let active = Counter()
        let mostAtOnce = Counter()
        let scheduler = ClusterScheduler(
            leadership: SoleLeadership(),
            jobs: [
                .init(name: "slow", interval: .milliseconds(1)) {
                    mostAtOnce.raise(to: active.add())
                    try await Task.sleep(for: .milliseconds(30))
                    active.add(-1)
                }
            ],
            logger: quietLogger, tick: .milliseconds(5))
        try await running(scheduler) {
            #expect(await eventually { scheduler.runs(of: "slow") >= 5 })
        }
        #expect(mostAtOnce.value == 1)
    }

    @Test("when leadership is lost, the running job is cancelled and no new run starts until it returns")
    func lostLeadershipStopsJobs() async throws {
        let leadership = SwitchLeadership(true)
        let starts = Counter()
        let scheduler = ClusterScheduler(
            leadership: leadership,
            jobs: [
                .init(name: "long", interval: .milliseconds(10)) {
                    starts.add()
                    try await Task.sleep(for: .seconds(30))
                }
            ],
            logger: quietLogger, tick: .milliseconds(10))
        try await running(scheduler) {
            #expect(await eventually { starts.value == 1 })
            leadership.set(false)
            #expect(await eventually { scheduler.failures(of: "long") == 1 }, "the running job was cancelled")
            try await Task.sleep(for: .milliseconds(200))
            #expect(starts.value == 1, "no run started without leadership")
            leadership.set(true)
            #expect(await eventually { starts.value == 2 }, "leading again resumes the job")
        }
    }

    @Test("a node that cannot reach PostgreSQL never leads, and still shuts down promptly")
    func unreachableDatabaseNeverLeads() async throws {
        // Port 1 refuses connections: every lease fails, as in a database outage.
        let configuration = try PostgresURL("postgres://postgres@127.0.0.1:1/panorama?sslmode=disable").configuration
        let node = Node.start(id: "a", configuration: configuration, lockKey: 1, job: nil)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!node.leadership.isLeader)
        let clock = ContinuousClock()
        let stopped = await clock.measure { await node.shutDown() }
        // Promptly: the pool's connection back-off is cut short, not waited out (a hang never ends).
        // The bound leaves room for a loaded CI machine running the whole suite in parallel.
        #expect(stopped < .seconds(30))
    }

    // MARK: PostgreSQL, two nodes

    @Test(
        "one of two nodes leads; when it dies, the other takes over",
        .enabled(
            if: ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"] != nil,
            "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half"))
    func dyingLeaderHandsOver() async throws {
        let key = Int64.random(in: 1...Int64.max)
        try await withNodes(["a", "b"], lockKey: key) { nodes in
            let leader = try await soleLeader(of: nodes)
            #expect(await alwaysOneLeader(nodes, for: .milliseconds(300)))

            await leader.die()

            let other = nodes.first { $0 !== leader }!
            #expect(await eventually(within: .seconds(60)) { other.leadership.isLeader })
            #expect(!leader.leadership.isLeader)
        }
    }

    @Test(
        "a node shut down gracefully releases leadership to the other",
        .enabled(
            if: ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"] != nil,
            "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half"))
    func gracefulLeaderHandsOver() async throws {
        let key = Int64.random(in: 1...Int64.max)
        try await withNodes(["a", "b"], lockKey: key) { nodes in
            let leader = try await soleLeader(of: nodes)

            await leader.shutDown()

            let other = nodes.first { $0 !== leader }!
            #expect(await eventually(within: .seconds(60)) { other.leadership.isLeader })
            #expect(!leader.leadership.isLeader)
        }
    }

    @Test(
        "a leader whose session the server ends steps down at once, and one node leads again",
        .enabled(
            if: ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"] != nil,
            "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half"))
    func severedLeaderStepsDown() async throws {
        let key = Int64.random(in: 1...Int64.max)
        try await withPostgres { admin in
            try await withNodes(["a", "b"], lockKey: key) { nodes in
                let leader = try await soleLeader(of: nodes)
                let holder = try #require(try await lockHolder(key, admin))

                // What the leader's connection sees when its process is killed or the network
                // drops and the server gives up on it: the session ends, the lock is free.
                try await admin.query("SELECT pg_terminate_backend(\(holder))", logger: quietLogger)

                #expect(await eventually(within: .seconds(30)) { !leader.leadership.isLeader })
                _ = try await soleLeader(of: nodes)
                let newHolder = try await lockHolder(key, admin)
                #expect(newHolder != nil && newHolder != holder)
            }
        }
    }

    @Test(
        "two nodes share a job: only the leader runs it, and after the leader dies the other does",
        .enabled(
            if: ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"] != nil,
            "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half"))
    func sharedJobRunsOnLeaderOnly() async throws {
        let key = Int64.random(in: 1...Int64.max)
        let table = "panorama_leadership_test_\(UInt32.random(in: 0...UInt32.max))"
        let interval = Duration.milliseconds(100)
        try await withPostgres { admin in
            try await admin.query(
                "CREATE TABLE \(unescaped: table) (slot bigint PRIMARY KEY, node text NOT NULL)", logger: quietLogger)
            func rows(of node: Node) async throws -> Int {
                let result = try await admin.query(
                    "SELECT count(*) FROM \(unescaped: table) WHERE node = \(node.id)", logger: quietLogger)
                var count = 0
                for try await n in result.decode(Int.self) { count = n }
                return count
            }
            // Each run claims its slot of time; a second run in one slot would be a no-op.
            let job: Node.Job = { id, client in
                ClusterScheduler.Job(name: "claim", interval: interval) {
                    let slot = Int64(Date().timeIntervalSince1970 * 1000) / 100
                    try await untilCancelled {
                        try await client.query(
                            "INSERT INTO \(unescaped: table) (slot, node) VALUES (\(slot), \(id)) ON CONFLICT DO NOTHING",
                            logger: quietLogger)
                    }
                }
            }
            do {
                try await withNodes(["a", "b"], lockKey: key, job: job) { nodes in
                    let leader = try await soleLeader(of: nodes)
                    let other = nodes.first { $0 !== leader }!
                    #expect(await eventually(within: .seconds(60)) { leader.runs >= 5 })
                    #expect(other.runs == 0)
                    #expect(try await rows(of: other) == 0)

                    await leader.die()
                    let leaderRuns = leader.runs
                    // Each completed run claimed its own slot; the run cut off by the node's
                    // death may have committed its row too.
                    #expect((leaderRuns...leaderRuns + 1).contains(try await rows(of: leader)))

                    #expect(await eventually(within: .seconds(60)) { other.runs >= 3 })
                    #expect(try await rows(of: other) >= 2)
                    #expect(leader.runs == leaderRuns)
                }
            } catch {
                _ = try? await admin.query("DROP TABLE \(unescaped: table)", logger: quietLogger)
                throw error
            }
            try await admin.query("DROP TABLE \(unescaped: table)", logger: quietLogger)
        }
    }
}

// MARK: - Helpers

private let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// One Panorama node as far as leadership goes: its own client, leadership and (optionally)
/// scheduler, in a `ServiceGroup` in the order the server uses.
private final class Node: Sendable {
    let id: String
    let leadership: PostgresLeadership
    let scheduler: ClusterScheduler?
    let group: ServiceGroup
    let task: Task<Void, any Error>

    private init(
        id: String, leadership: PostgresLeadership, scheduler: ClusterScheduler?, group: ServiceGroup,
        task: Task<Void, any Error>
    ) {
        self.id = id
        self.leadership = leadership
        self.scheduler = scheduler
        self.group = group
        self.task = task
    }

    static func start(id: String, configuration: PostgresClient.Configuration, lockKey: Int64, job: Job?) -> Node {
        let client = PostgresClient(configuration: configuration)
        let leadership = PostgresLeadership(
            client: client, lockKey: lockKey, nodeID: id, logger: quietLogger, retryInterval: .milliseconds(100))
        var services: [any Service] = [client, leadership]
        let scheduler = job.map {
            ClusterScheduler(
                leadership: leadership, jobs: [$0(id, client)], logger: quietLogger, tick: .milliseconds(20))
        }
        if let scheduler { services.append(scheduler) }
        let group = ServiceGroup(services: services, logger: quietLogger)
        let task = Task { try await group.run() }
        return Node(id: id, leadership: leadership, scheduler: scheduler, group: group, task: task)
    }

    typealias Job = @Sendable (String, PostgresClient) -> ClusterScheduler.Job

    var runs: Int { scheduler?.runs(of: "claim") ?? 0 }

    /// Stops the node abruptly, as a killed process would: every service is cancelled at once.
    func die() async {
        task.cancel()
        _ = await task.result
    }

    /// Stops the node as SIGTERM does: services shut down gracefully, in reverse order.
    func shutDown() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// Starts one node per id, runs `body`, and stops every node whether `body` succeeds or not.
private func withNodes(
    _ ids: [String], lockKey: Int64, job: Node.Job? = nil, _ body: ([Node]) async throws -> Void
) async throws {
    let url = try #require(ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"])
    let configuration = try PostgresURL(url).configuration
    let nodes = ids.map { Node.start(id: $0, configuration: configuration, lockKey: lockKey, job: job) }
    do {
        try await body(nodes)
    } catch {
        for node in nodes { await node.die() }
        throw error
    }
    for node in nodes { await node.die() }
}

/// Runs `body` with a running client of its own, for setting up and inspecting the database.
private func withPostgres(_ body: (PostgresClient) async throws -> Void) async throws {
    let url = try #require(ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"])
    let client = PostgresClient(configuration: try PostgresURL(url).configuration)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        try await body(client)
    }
}

/// Waits until exactly one node leads (at most 20 s: generous for a loaded machine) and returns it.
private func soleLeader(of nodes: [Node]) async throws -> Node {
    #expect(await eventually(within: .seconds(60)) { nodes.count(where: \.leadership.isLeader) == 1 })
    return try #require(nodes.first { $0.leadership.isLeader })
}

/// True if exactly one node leads at every sample taken during `duration`.
private func alwaysOneLeader(_ nodes: [Node], for duration: Duration) async -> Bool {
    let end = ContinuousClock.now + duration
    while ContinuousClock.now < end {
        if nodes.count(where: \.leadership.isLeader) != 1 { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// The backend process that holds advisory lock `key`, read from `pg_locks` (a bigint key
/// shows as its high half in `classid` and its low half in `objid`).
private func lockHolder(_ key: Int64, _ admin: PostgresClient) async throws -> Int32? {
    let high = key >> 32
    let low = key & 0xFFFF_FFFF
    let rows = try await admin.query(
        """
        SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND classid::bigint = \(high) AND objid::bigint = \(low)
        """, logger: quietLogger)
    var holder: Int32?
    for try await pid in rows.decode(Int32.self) { holder = pid }
    return holder
}

/// Waits for `operation`, run in a task of its own, until it ends or the caller is cancelled.
///
/// A dying node's pool closes its connections under running queries, and postgres-nio 1.33.2
/// never completes a query written to a connection that is closing; without this, a job caught
/// in that race would keep the node from ever stopping.
private func untilCancelled<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let result = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: T.self)
    result.completeWithTask(operation)
    return try await withTaskCancellationHandler {
        try await result.futureResult.get()
    } onCancel: {
        result.fail(CancellationError())
    }
}

/// Runs `scheduler` while `body` runs, then cancels it.
private func running(_ scheduler: ClusterScheduler, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await scheduler.run() }
        defer { group.cancelAll() }
        try await body()
    }
}

/// Polls `condition` every 10 ms until it holds or `within` passes; true if it held.
/// Waits for a condition. The bounds are generous: the suite runs beside CPU-heavy tests (matching
/// FEBRL, importing CDNOW) that can hold both cooperative threads of a 2-core machine for tens of
/// seconds; a condition that holds is seen at once, only a failure waits the whole bound.
private func eventually(within: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + within
    while !condition() {
        if ContinuousClock.now >= end { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// A leadership a test turns on and off.
private final class SwitchLeadership: Leadership {
    private let state: Mutex<Bool>
    init(_ isLeader: Bool) { state = Mutex(isLeader) }
    var isLeader: Bool { state.withLock { $0 } }
    func set(_ isLeader: Bool) { state.withLock { $0 = isLeader } }
}

/// A thread-safe integer for jobs to count with.
private final class Counter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    @discardableResult
    func add(_ n: Int = 1) -> Int {
        state.withLock { value in
            value += n
            return value
        }
    }
    func raise(to n: Int) { state.withLock { $0 = max($0, n) } }
}
