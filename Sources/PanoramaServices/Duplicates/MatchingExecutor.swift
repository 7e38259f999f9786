import Dispatch

/// Runs a matching job off Swift's cooperative thread pool, on a Dispatch queue of utility
/// priority as wide as the machine.
///
/// Estimating and scoring are long stretches of computation without a suspension point (seconds
/// for a large workspace). On the cooperative pool, which has one thread per core, they would hold
/// the threads that ingestion, HTTP requests and the scheduler need; here the kernel shares the
/// cores between them and the job, and the job yields to work of higher priority.
final class MatchingExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "panorama.duplicates.matching", qos: .utility, attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
