import Foundation
import HTTPTypes
import Synchronization
import Testing

@testable import PanoramaHTTP

/// The console's kept analyses: current values at once, outdated ones at once while one
/// background computation refreshes them, a first computation waited for only so long.
@Suite struct ConsoleCacheTests {
    /// Counts computations; each returns "<version>#<n>", once the gate (if any) is opened: a
    /// gated computation cannot finish before the test lets it, however loaded the machine is.
    final class Computation: Sendable {
        let count = Atomic(0)
        let gate: Gate?

        init(gated: Bool = false) { gate = gated ? Gate() : nil }

        func run(_ version: String) async throws -> String {
            let n = count.add(1, ordering: .relaxed).newValue
            await gate?.wait()
            return "\(version)#\(n)"
        }
    }

    actor Gate {
        private var open = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if open { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            open = true
            for w in waiting { w.resume() }
            waiting = []
        }
    }

    /// Asks until the value is current (not refreshing), at most 10 s.
    func settled(
        _ cache: ConsoleCache<String>, _ version: String, now: Int64, _ computation: Computation
    ) async throws -> Kept<String> {
        for _ in 0..<1_000 {
            let kept = try await cache.value(
                "k", version: version, now: now, maxAge: 60_000, patience: .milliseconds(10)
            ) { try await computation.run(version) }
            if kept.value != nil && !kept.refreshing { return kept }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never settled")
        throw CancellationError()
    }

    @Test func aFastFirstComputationIsWaitedForAndThenKept() async throws {
        let cache = ConsoleCache<String>()
        let computation = Computation()
        let first = try await cache.value("k", version: "v1", now: 1_000, maxAge: 60_000, patience: .seconds(30)) {
            try await computation.run("v1")
        }
        #expect(first.value == "v1#1" && !first.refreshing)
        let again = try await cache.value("k", version: "v1", now: 2_000, maxAge: 60_000, patience: .seconds(30)) {
            try await computation.run("v1")
        }
        #expect(again.value == "v1#1" && !again.refreshing && again.computedAt == 1_000)
        #expect(computation.count.load(ordering: .relaxed) == 1)
    }

    @Test func aSlowFirstComputationAnswersPendingAndRunsOnceForEveryone() async throws {
        let cache = ConsoleCache<String>()
        let computation = Computation(gated: true)
        // Three viewers at once: none waits more than the patience, one computation runs.
        async let a = cache.value("k", version: "v1", now: 1_000, maxAge: 60_000, patience: .milliseconds(20)) {
            try await computation.run("v1")
        }
        async let b = cache.value("k", version: "v1", now: 1_000, maxAge: 60_000, patience: .milliseconds(20)) {
            try await computation.run("v1")
        }
        async let c = cache.value("k", version: "v1", now: 1_000, maxAge: 60_000, patience: .milliseconds(20)) {
            try await computation.run("v1")
        }
        // No value: each answered before the computation finished.
        let answers = try await [a, b, c]
        #expect(answers.allSatisfy { $0.value == nil && $0.refreshing })
        await computation.gate?.release()
        let kept = try await settled(cache, "v1", now: 1_000, computation)
        #expect(kept.value == "v1#1")
        #expect(computation.count.load(ordering: .relaxed) == 1)
    }

    @Test func newDataServesTheOldFiguresAfterThePatienceWhileOneRefreshRuns() async throws {
        let cache = ConsoleCache<String>()
        _ = try await settled(cache, "v1", now: 1_000, Computation())
        // The data moved (v2): after the patience the old figures come, marked, for every viewer,
        // while one (slow) computation runs.
        let slow = Computation(gated: true)
        for _ in 0..<3 {
            let kept = try await cache.value(
                "k", version: "v2", now: 5_000, maxAge: 60_000, patience: .milliseconds(10)
            ) { try await slow.run("v2") }
            #expect(kept.value == "v1#1" && kept.refreshing && kept.computedAt == 1_000)
        }
        await slow.gate?.release()
        let fresh = try await settled(cache, "v2", now: 5_000, slow)
        #expect(fresh.value == "v2#1" && fresh.computedAt == 5_000)
        #expect(slow.count.load(ordering: .relaxed) == 1)
        // Too old at the same version: served, refreshed once more.
        let again = Computation(gated: true)
        let old = try await cache.value("k", version: "v2", now: 70_000, maxAge: 60_000, patience: .milliseconds(10)) {
            try await again.run("v2")
        }
        #expect(old.value == "v2#1" && old.refreshing)
        await again.gate?.release()
        let renewed = try await settled(cache, "v2", now: 70_000, again)
        #expect(renewed.value == "v2#1" && renewed.computedAt == 70_000)
        #expect(again.count.load(ordering: .relaxed) == 1)
        // A refresh within the patience is waited for: the new figures come at once.
        let quick = ConsoleCache<String>()
        let fast = Computation()
        _ = try await settled(quick, "v1", now: 1_000, fast)
        let next = try await quick.value("k", version: "v2", now: 2_000, maxAge: 60_000, patience: .seconds(30)) {
            try await fast.run("v2")
        }
        #expect(next.value == "v2#2" && !next.refreshing)
    }

    @Test func aFailedComputationIsReportedAndKeptUntilTheDataMoves() async throws {
        struct Bad: Error {}
        let cache = ConsoleCache<String>()
        let runs = Atomic(0)
        for _ in 0..<2 {
            await #expect(throws: Bad.self) {
                _ = try await cache.value("k", version: "v1", now: 1_000, maxAge: 60_000, patience: .seconds(30)) {
                    runs.add(1, ordering: .relaxed)
                    throw Bad()
                }
            }
        }
        #expect(runs.load(ordering: .relaxed) == 1)
        let next = try await cache.value("k", version: "v2", now: 2_000, maxAge: 60_000, patience: .seconds(30)) {
            "fine"
        }
        #expect(next.value == "fine")
    }

    @Test func theLeastRecentlyUsedIdleKeysGoBeyondTheCapacity() async throws {
        let cache = ConsoleCache<String>(capacity: 2)
        for (i, key) in ["a", "b", "c"].enumerated() {
            _ = try await cache.value(key, version: "v", now: Int64(i), maxAge: 60_000, patience: .seconds(30)) { key }
        }
        let runs = Atomic(0)
        // "a" was dropped: computed again; "c" is kept.
        _ = try await cache.value("c", version: "v", now: 10, maxAge: 60_000, patience: .seconds(30)) {
            runs.add(1, ordering: .relaxed)
            return "c"
        }
        _ = try await cache.value("a", version: "v", now: 11, maxAge: 60_000, patience: .seconds(30)) {
            runs.add(1, ordering: .relaxed)
            return "a"
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }
}
