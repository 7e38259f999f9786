import Foundation
import Synchronization

/// Where services report counts; the HTTP layer backs it with Prometheus. Injected, never global.
public protocol MetricsSink: Sendable {
    /// Adds `by` to the counter `name` with the given labels.
    func increment(_ name: String, labels: [(String, String)], by: Int)
}

/// A sink that drops everything (CLI commands, tests that do not look at metrics).
public struct NoMetrics: MetricsSink {
    public init() {}
    public func increment(_ name: String, labels: [(String, String)], by: Int) {}
}

/// Wall-clock time in epoch milliseconds; injected so tests can control it.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Int64

    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The system clock.
    public static let system = WallClock { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Current time, epoch ms.
    public func now() -> Int64 { read() }
}

/// A multi-producer, single-consumer queue: producers push, the consumer takes everything
/// queued at once (that is what makes group commit possible).
final class BatchQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var waiter: CheckedContinuation<[Item]?, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    /// Queues an item; false when the queue no longer accepts work (shutting down).
    func push(_ item: Item) -> Bool {
        typealias Wake = (CheckedContinuation<[Item]?, Never>, [Item])
        let (accepted, wake): (Bool, Wake?) = state.withLock { s in
            guard !s.finished else { return (false, nil) }
            if let waiter = s.waiter {
                // The consumer only waits on an empty queue, so this item is the whole batch.
                s.waiter = nil
                return (true, (waiter, [item]))
            }
            s.items.append(item)
            return (true, nil)
        }
        if let (waiter, items) = wake { waiter.resume(returning: items) }
        return accepted
    }

    /// Everything queued, waiting for at least one item; nil once finished and drained.
    func next() async -> [Item]? {
        await withCheckedContinuation { (cont: CheckedContinuation<[Item]?, Never>) in
            let ready: [Item]?? = state.withLock { s in
                if !s.items.isEmpty {
                    defer { s.items = [] }
                    return .some(s.items)
                }
                if s.finished { return .some(nil) }
                s.waiter = cont
                return nil
            }
            if let ready { cont.resume(returning: ready) }
        }
    }

    /// True when nothing is queued.
    var isEmpty: Bool { state.withLock { $0.items.isEmpty } }

    /// Stops accepting work; the consumer drains what is queued, then `next()` returns nil.
    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<[Item]?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.items.isEmpty ? s.waiter : nil
        }
        waiter?.resume(returning: nil)
    }
}

/// `operation`'s result when it finishes within `patience`, else nil; the operation goes on in
/// the background either way (for answers that should not wait long for slow work).
public func resultWithin<T: Sendable>(_ patience: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        let answered = Once()
        Task {
            let result = await operation()
            if answered.claim() { continuation.resume(returning: result) }
        }
        Task {
            try? await Task.sleep(for: patience)
            if answered.claim() { continuation.resume(returning: nil) }
        }
    }
}

/// True for the first `claim` only (the first answer of a race, a job's first run).
final class Once: Sendable {
    private let done = Atomic(false)
    func claim() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}

/// Runs bodies one at a time per key, in the order they arrive (an async lock per key).
final class TurnsByKey: Sendable {
    /// Keys with a body running, and the callers waiting for their turn.
    private let waiting = Mutex<[Int64: [CheckedContinuation<Void, Never>]]>([:])

    func inTurn<T: Sendable>(_ key: Int64, _ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let now = waiting.withLock { waiting -> Bool in
                guard waiting[key] != nil else {
                    waiting[key] = []
                    return true
                }
                waiting[key]!.append(turn)
                return false
            }
            if now { turn.resume() }
        }
        defer {
            let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
                guard var queue = waiting[key], !queue.isEmpty else {
                    waiting[key] = nil
                    return nil
                }
                let first = queue.removeFirst()
                waiting[key] = queue
                return first
            }
            next?.resume()
        }
        return try await body()
    }
}
