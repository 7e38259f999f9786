import Logging
import PanoramaStore
import ServiceLifecycle
import Synchronization

/// Runs periodic cluster-wide jobs (segment window re-evaluation, tier reviews, retention,
/// outbox delivery) on the leading node only.
///
/// While `leadership.isLeader` holds, each job starts every `interval`, measured from the start
/// of one run to the start of the next; a run that takes longer than that is followed at once by
/// the next. A job never overlaps itself. A job's error is logged and counted, and the job runs
/// again at its next interval. When leadership is lost, no new run starts and a running one is
/// cancelled (it stops early if it checks for cancellation). On graceful shutdown no new run
/// starts and running ones finish.
///
/// Runs are exactly once across nodes except around a handover: a new leader starts each job at
/// once, not knowing when the old leader last ran it, and an old leader whose session the server
/// ended may start a run before it notices. Jobs should therefore be idempotent for their slot
/// of time (e.g. keyed by it).
public final class ClusterScheduler: Service, Sendable {
    /// A named piece of periodic work.
    public struct Job: Sendable {
        /// Unique among a scheduler's jobs; used in logs, metrics and ``ClusterScheduler/runs(of:)``.
        public var name: String
        /// From the start of one run to the start of the next.
        public var interval: Duration
        /// One run; it should return soon after it is cancelled (lost leadership, shutdown).
        public var work: @Sendable () async throws -> Void

        public init(name: String, interval: Duration, work: @escaping @Sendable () async throws -> Void) {
            self.name = name
            self.interval = interval
            self.work = work
        }
    }

    private struct Tally {
        var runs = 0
        var failures = 0
    }

    private let leadership: any Leadership
    private let jobs: [Job]
    private let logger: Logger
    private let tick: Duration
    private let metrics: any MetricsSink
    private let tallies: Mutex<[String: Tally]>

    /// - Parameter tick: how often leadership and graceful shutdown are checked; a new leader
    ///   starts its jobs, and a lost leadership cancels a running one, within one tick.
    public init(
        leadership: any Leadership, jobs: [Job], logger: Logger, tick: Duration = .milliseconds(200),
        metrics: any MetricsSink = NoMetrics()
    ) {
        precondition(Set(jobs.map(\.name)).count == jobs.count, "scheduled job names must be unique")
        precondition(jobs.allSatisfy { $0.interval > .zero }, "a scheduled job needs an interval above zero")
        self.leadership = leadership
        self.jobs = jobs
        self.logger = logger
        self.tick = tick
        self.metrics = metrics
        self.tallies = Mutex([:])
    }

    /// Runs of the job `name` on this node that completed without error.
    public func runs(of name: String) -> Int {
        tallies.withLock { $0[name]?.runs ?? 0 }
    }

    /// Runs of the job `name` on this node that threw.
    public func failures(of name: String) -> Int {
        tallies.withLock { $0[name]?.failures ?? 0 }
    }

    /// Schedules every job until graceful shutdown or cancellation.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for job in jobs {
                group.addTask { await self.schedule(job) }
            }
        }
    }

    /// One job's loop: waits until the job is due and this node leads, runs it, repeats.
    private func schedule(_ job: Job) async {
        let clock = ContinuousClock()
        var due = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now
            guard now >= due, leadership.isLeader else {
                // Wake at least every tick to notice leadership and shutdown.
                try? await Task.sleep(until: now < due ? min(due, now + tick) : now + tick, clock: clock)
                continue
            }
            due = now + job.interval
            let (outcome, interruption) = await attempt(job)
            record(outcome, of: job, interruption: interruption)
        }
    }

    /// Why a run was cancelled before it ended on its own.
    private enum Interruption: String {
        case leadershipLost = "this node lost leadership"
        case cancelled = "the scheduler was cancelled"
    }

    /// Runs the job once, cancelling it if this node stops leading meanwhile.
    private func attempt(_ job: Job) async -> (Result<Void, any Error>, Interruption?) {
        await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await job.work()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                while self.leadership.isLeader && !Task.isCancelled {
                    try? await Task.sleep(for: self.tick)
                }
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            if let first { return (first, nil) }
            // The watcher ended first, so the job is now cancelled; wait for it to end.
            let interruption: Interruption = Task.isCancelled ? .cancelled : .leadershipLost
            return (await group.next()!!, interruption)
        }
    }

    private func record(_ outcome: Result<Void, any Error>, of job: Job, interruption: Interruption?) {
        let failed = tallies.withLock { tallies in
            switch outcome {
            case .success:
                tallies[job.name, default: Tally()].runs += 1
                return false
            case .failure:
                tallies[job.name, default: Tally()].failures += 1
                return true
            }
        }
        metrics.increment(
            "panorama_scheduled_job_runs_total", labels: [("job", job.name), ("outcome", failed ? "error" : "ok")],
            by: 1)
        guard case .failure(let error) = outcome else { return }
        var metadata: Logger.Metadata = ["job": "\(job.name)", "error": "\(String(reflecting: error))"]
        if let interruption {
            metadata["cause"] = "\(interruption.rawValue)"
            logger.notice("scheduled job stopped before it ended", metadata: metadata)
        } else {
            logger.error("scheduled job failed; it runs again at its next interval", metadata: metadata)
        }
    }
}
