import PanoramaServices
import Synchronization

/// A kept analysis as a page receives it.
struct Kept<Value: Sendable>: Sendable {
    /// The figures; nil while their first computation is still running (the page says so and
    /// reloads itself).
    var value: Value?
    /// When the computation of the figures started (epoch ms): the data they show is as of then.
    var computedAt: Int64
    /// Whether newer data exists than the figures show (its computation is running).
    var refreshing: Bool
}

/// Analyses kept by key (workspace, scope, parameters), served stale while they are brought up
/// to date. A value is current while the data version it was computed at (the store's activity
/// counter) is still the latest and it is younger than `maxAge`:
/// - a current value is returned at once;
/// - otherwise one computation per key starts (or is already running) and the request waits for
///   it at most `patience`; when it takes longer, the request gets the outdated value (marked
///   `refreshing`) or, with none yet, no value: the page shows that the figures are being
///   computed and reloads itself. The computation goes on in the background and is kept.
///
/// At a million customers an analysis takes seconds; this way no page waits for one, a
/// computation runs once however many people ask for it, and a new order does not make the next
/// viewer wait. An error of a computation (a bad period) is kept like a value.
final class ConsoleCache<Value: Sendable>: Sendable {
    private struct Entry {
        var outcome: Result<Value, any Error>?
        var version = ""
        var computedAt: Int64 = 0
        var running: Task<Value, any Error>?
        var usedAt: Int64
    }

    private enum Step {
        case done(Kept<Value>)
        case failed(any Error)
        /// Wait for the computation at most the patience, else answer what is kept meanwhile.
        case wait(Task<Value, any Error>, meanwhile: Kept<Value>)
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Most keys kept; the least recently used without a running computation go first.
    let capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// The value for `key` at data `version`, by the rules above. `now` is the wall clock (ms).
    func value(
        _ key: String, version: String, now: Int64, maxAge: Int64, patience: Duration,
        compute: @escaping @Sendable () async throws -> Value
    ) async throws -> Kept<Value> {
        let step: Step = entries.withLock { entries in
            var entry = entries[key] ?? Entry(usedAt: now)
            entry.usedAt = now
            defer {
                entries[key] = entry
                Self.evict(&entries, capacity: capacity)
            }
            let current = entry.outcome != nil && entry.version == version && now - entry.computedAt < maxAge
            if current, let outcome = entry.outcome {
                switch outcome {
                case .success(let value): return .done(Kept(value: value, computedAt: entry.computedAt, refreshing: false))
                case .failure(let error): return .failed(error)
                }
            }
            let task: Task<Value, any Error>
            if let running = entry.running {
                task = running
            } else {
                task = Task { try await compute() }
                entry.running = task
                Task { await self.finish(key, task, version: version, startedAt: now) }
            }
            if case .success(let value) = entry.outcome {
                return .wait(task, meanwhile: Kept(value: value, computedAt: entry.computedAt, refreshing: true))
            }
            return .wait(task, meanwhile: Kept(value: nil, computedAt: now, refreshing: true))
        }
        switch step {
        case .done(let kept): return kept
        case .failed(let error): throw error
        case .wait(let task, let meanwhile):
            guard let outcome = await resultWithin(patience, { await task.result }) else { return meanwhile }
            return Kept(value: try outcome.get(), computedAt: now, refreshing: false)
        }
    }

    /// Keeps a finished computation's outcome (a newer one may have been kept meanwhile: the
    /// latest start wins).
    private func finish(_ key: String, _ task: Task<Value, any Error>, version: String, startedAt: Int64) async {
        let outcome = await task.result
        entries.withLock { entries in
            guard var entry = entries[key] else { return }
            if entry.running == task { entry.running = nil }
            if startedAt >= entry.computedAt {
                entry.outcome = outcome
                entry.version = version
                entry.computedAt = startedAt
            }
            entries[key] = entry
        }
    }

    private static func evict(_ entries: inout [String: Entry], capacity: Int) {
        guard entries.count > capacity else { return }
        let idle = entries.filter { $0.value.running == nil }.sorted { $0.value.usedAt < $1.value.usedAt }
        for (key, _) in idle.prefix(entries.count - capacity) { entries[key] = nil }
    }
}

