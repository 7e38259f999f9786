import ArgumentParser
import Foundation
import Logging
import PanoramaCore
import PanoramaHTTP
import PanoramaServices
import PanoramaStore
import Synchronization

/// `panorama bench …`: benchmarks whose figures go into BENCHMARKS.md.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (figures and commands are kept in BENCHMARKS.md).",
        subcommands: [
            Ingest.self, BenchPipeline.self, BenchDedup.self, BenchImportRead.self, BenchImport.self, BenchDedupJob.self,
            BenchGenerate.self, BenchTags.self, BenchInsights.self, BenchTombstones.self, BenchEncryption.self,
        ])

    /// Loads a fresh server over loopback HTTP with Segment batches and reports durable throughput.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Segment batches over loopback HTTP into a fresh server: events/s, latency, stored count.")

        @Option(help: "How long to load, in seconds.") var seconds: Double = 10
        @Option(help: "Concurrent keep-alive connections.") var connections: Int = 4
        @Option(help: "Events per batch request.") var batch: Int = 100
        @Option(help: "Distinct people the events come from.") var people: Int = 20_000
        @Option(help: "Share of identify calls (the rest are track calls), 0–1.") var identifyShare: Double = 0.1
        @Option(
            help: "Erasure tombstones to hold first (none of the load's people); every message is checked."
        )
        var tombstones: Int = 0
        @Option(help: "Commit durability: full or normal.") var sync: String = "full"
        @Option(help: "Personal data encrypted at rest: on (a fresh random key) or off.") var encryption: String = "on"
        @Option(name: .customLong("data-dir"), help: "Data directory (default: a new temporary one, removed after).")
        var dataDir: String?
        @Option(
            name: .customLong("database-url"),
            help:
                "Benchmark PostgreSQL instead: a server URL; a database of its own is created there and dropped after.")
        var databaseURL: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let synchronous = SQLiteStoreSync(rawValue: sync) else {
                throw ValidationError("--sync must be 'full' or 'normal'")
            }
            guard connections >= 1, batch >= 1, batch <= 500, seconds > 0 else {
                throw ValidationError("need --connections ≥ 1, --batch 1–500, --seconds > 0")
            }
            let directory = dataDir ?? NSTemporaryDirectory() + "panorama-bench-\(UUID().uuidString)"
            defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let writeKey = "wk_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            var logger = Logger(label: "panorama.bench")
            logger.logLevel = .warning
            var scratch: ScratchDatabase?
            if let databaseURL { scratch = try await ScratchDatabase(server: databaseURL) }
            defer { if let scratch { Task { await scratch.drop() } } }
            var config = Configuration(
                host: "127.0.0.1", port: 0, dataDirectory: directory, synchronous: synchronous,
                bootstrapWriteKey: writeKey, bootstrapAdminKey: "ak_bench_" + UUID().uuidString, logLevel: .warning,
                databaseURL: scratch?.url)
            config.protection = try benchProtection(encryption)
            let portBox = Mutex<Int?>(nil)
            let built = try await buildApplication(config, logger: logger) { port in portBox.withLock { $0 = port } }
            let services = built.services
            let app = built.application
            if tombstones > 0 {
                // Suppressed erasures of people outside the load: the check runs, and never matches.
                let ws = try await services.workspace(named: nil)
                let now = services.clock.now()
                let erased = (0..<tombstones).map { Identifier(type: "email", value: "erased-\($0)@example.org") }
                let hashes = try await services.privacy.tombstones.tombstones(workspaceID: ws.id, of: erased, now: now)
                try await services.store.recordErasureTombstones(workspaceID: ws.id, hashes, at: now)
            }
            let server = Task { try await app.runService(gracefulShutdownSignals: []) }
            var port: Int?
            for _ in 0..<500 where port == nil {
                try await Task.sleep(for: .milliseconds(10))
                port = portBox.withLock { $0 }
            }
            guard let port else { throw ValidationError("server did not start") }

            let auth = "Basic " + Data("\(writeKey):".utf8).base64EncodedString()
            let load = LoadRun(
                port: port, connections: connections, batch: batch, people: people, identifyShare: identifyShare,
                seconds: seconds, authorization: auth, progress: !json)
            // The load runs on its own threads: blocking a cooperative thread here would take one of
            // the server's two executor threads away and measure a starved server.
            let result = try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try load.run() }) }.start()
            }

            let workspace = try await services.workspace(named: nil)
            let stored = try await services.store.eventCount(workspaceID: workspace.id)
            server.cancel()
            _ = try? await server.value
            (services.store as? PostgresStore)?.close()
            await scratch?.drop()

            let eventsPerSecond = Double(result.acknowledgedEvents) / result.elapsed
            let p50 = result.percentile(0.50)
            let p99 = result.percentile(0.99)
            if json {
                print(
                    JSONValue.object([
                        "benchmark": "ingest", "backend": .string(databaseURL == nil ? "sqlite" : "postgresql"),
                        "encryption": .string(encryption),
                        "connections": .number(JSONNumber(connections)),
                        "tombstones": .number(JSONNumber(tombstones)),
                        "batch": .number(JSONNumber(batch)), "sync": .string(sync),
                        "seconds": .number(JSONNumber(String(format: "%.2f", result.elapsed))),
                        "acknowledged_events": .number(JSONNumber(result.acknowledgedEvents)),
                        "stored_events": .number(JSONNumber(stored)),
                        "failed_requests": .number(JSONNumber(result.failedRequests)),
                        "events_per_second": .number(JSONNumber(String(format: "%.0f", eventsPerSecond))),
                        "p50_ms": .number(JSONNumber(String(format: "%.2f", p50))),
                        "p99_ms": .number(JSONNumber(String(format: "%.2f", p99))),
                    ]).jsonText)
            } else {
                print("")
                let backend =
                    (databaseURL == nil ? "SQLite, sync=\(sync)" : "PostgreSQL")
                    + (tombstones > 0 ? ", \(tombstones) erasure tombstones" : "") + ", encryption \(encryption)"
                print(
                    "ingest benchmark: \(connections) connections × batches of \(batch), \(backend), \(String(format: "%.1f", result.elapsed)) s"
                )
                print("  acknowledged events : \(result.acknowledgedEvents)")
                print(
                    "  stored events       : \(stored)\(stored == result.acknowledgedEvents ? "  (equal: nothing acknowledged was lost)" : "  MISMATCH")"
                )
                print("  failed requests     : \(result.failedRequests)")
                print("  throughput          : \(String(format: "%.0f", eventsPerSecond)) events/s")
                print(
                    "  latency per batch   : p50 \(String(format: "%.2f", p50)) ms, p99 \(String(format: "%.2f", p99)) ms"
                )
            }
            if stored != result.acknowledgedEvents {
                throw ValidationError(
                    "stored count \(stored) differs from acknowledged count \(result.acknowledgedEvents)")
            }
        }
    }
}

typealias SQLiteStoreSync = SQLiteStore.Synchronous

/// One timed load: N threads, each with its own keep-alive connection, posting batches until time runs out.
struct LoadRun: Sendable {
    let port: Int
    let connections: Int
    let batch: Int
    let people: Int
    let identifyShare: Double
    let seconds: Double
    let authorization: String
    let progress: Bool

    struct Result {
        var acknowledgedEvents = 0
        var failedRequests = 0
        var latenciesMs: [Double] = []
        var elapsed: Double = 0

        func percentile(_ p: Double) -> Double {
            guard !latenciesMs.isEmpty else { return 0 }
            let sorted = latenciesMs.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    func run() throws -> Result {
        let results = Mutex<Result>(Result())
        let acknowledged = Atomic<Int>(0)
        let start = Date()
        let deadline = start.addingTimeInterval(seconds)
        let group = DispatchGroup()
        let failure = Mutex<(any Error)?>(nil)
        for worker in 0..<connections {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let client = try LoopbackClient(port: port)
                    var generator = BatchGenerator(
                        worker: worker, people: people, identifyShare: identifyShare, batch: batch, workers: connections
                    )
                    var local = Result()
                    while Date() < deadline {
                        let body = generator.next(count: batch)
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let response = try client.post(
                            path: "/v1/batch",
                            headers: [("Authorization", authorization), ("Content-Type", "application/json")],
                            body: body)
                        let t1 = DispatchTime.now().uptimeNanoseconds
                        local.latenciesMs.append(Double(t1 - t0) / 1e6)
                        if response.status == 200 {
                            local.acknowledgedEvents += batch
                            acknowledged.add(batch, ordering: .relaxed)
                        } else {
                            local.failedRequests += 1
                        }
                    }
                    results.withLock { r in
                        r.acknowledgedEvents += local.acknowledgedEvents
                        r.failedRequests += local.failedRequests
                        r.latenciesMs += local.latenciesMs
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
            }
            thread.start()
        }
        if progress {
            while group.wait(timeout: .now() + 1) == .timedOut {
                let elapsed = Date().timeIntervalSince(start)
                let done = min(1, elapsed / seconds)
                let bar =
                    String(repeating: "█", count: Int(done * 30)) + String(repeating: "░", count: 30 - Int(done * 30))
                let rate = Double(acknowledged.load(ordering: .relaxed)) / max(elapsed, 0.001)
                FileHandle.standardError.write(Data("\r  \(bar) \(Int(done * 100))%  \(Int(rate)) events/s   ".utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
        } else {
            group.wait()
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var result = results.withLock { $0 }
        result.elapsed = Date().timeIntervalSince(start)
        return result
    }
}

/// Realistic Segment batches: track calls with properties and a full context, some identify
/// calls that link an anonymous id to a user id, email and phone. Every messageId is unique.
///
/// Bodies are rendered once as templates; each call copies one and writes a fresh sequence number
/// into the fixed-width messageId slots, so the load generator spends almost no CPU per request.
struct BatchGenerator {
    let worker: Int
    private var templates: [(bytes: [UInt8], slots: [Int])] = []
    private var sequence = 0
    private var turn = 0
    static let events = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Coupon Claimed"]
    static let cities = ["上海", "北京", "深圳", "广州", "杭州", "成都"]
    static let digits = 12

    init(worker: Int, people: Int, identifyShare: Double, batch: Int = 100, workers: Int = 4) {
        self.worker = worker
        var rng = SystemRandomNumberGenerator()
        // Enough distinct templates that the people they mention cover the population.
        let count = min(2_000, max(50, people / max(1, batch * workers) + 1))
        let placeholder = String(repeating: "0", count: Self.digits)
        for t in 0..<count {
            var out = #"{"sentAt":"2026-11-25T08:00:00.000Z","batch":["#
            var marks: [Int] = []
            let now = "2026-11-25T08:00:00.000Z"
            for i in 0..<batch {
                let person = Int.random(in: 0..<people, using: &rng)
                let anonymous = "anon-\(person)"
                if i > 0 { out += "," }
                let context =
                    #"{"library":{"name":"analytics-python","version":"2.3.3"},"ip":"10.0.\#(person % 255).\#(person % 7)","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)","locale":"zh-CN","device":{"id":"dev-\#(person)","type":"ios"}}"#
                let idPrefix = #"{"messageId":"bench-\#(worker)-"#
                out += idPrefix
                marks.append(out.utf8.count)
                out += placeholder + "\""
                if Double.random(in: 0..<1, using: &rng) < identifyShare {
                    let city = Self.cities[person % Self.cities.count]
                    let phone = String(13_800_000_000 + person)
                    out +=
                        #","type":"identify","anonymousId":"\#(anonymous)","userId":"user-\#(person)","timestamp":"\#(now)","traits":{"email":"user\#(person)@example.com","phone":"\#(phone)","name":"用户\#(person)","city":"\#(city)","plan":"gold"},"context":\#(context)}"#
                } else {
                    let n = t * batch + i
                    let event = Self.events[n % Self.events.count]
                    out +=
                        #","type":"track","anonymousId":"\#(anonymous)","event":"\#(event)","timestamp":"\#(now)","properties":{"sku":"SKU-\#(n % 5000)","price":\#(n % 900).5,"currency":"CNY","category":"apparel","quantity":\#(1 + n % 3)},"context":\#(context)}"#
                }
            }
            out += "]}"
            templates.append((Array(out.utf8), marks))
        }
    }

    /// The next batch (the `count` given at init), with messageIds never used before by this worker.
    mutating func next(count _: Int = 0) -> [UInt8] {
        var (bytes, slots) = templates[turn % templates.count]
        turn += 1
        for slot in slots {
            sequence += 1
            var n = sequence
            var i = slot + Self.digits - 1
            while i >= slot {
                bytes[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                i -= 1
            }
        }
        return bytes
    }
}

/// `panorama bench pipeline`: the ingest path without HTTP (validation, identity, group commit),
/// to tell the cost of the store and identity resolution apart from the network and JSON.
struct BenchPipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Ingest service and store without HTTP: events/s.")

    @Option(help: "Batches to send.") var batches: Int = 500
    @Option(help: "Concurrent submitters.") var concurrency: Int = 4
    @Option(help: "Events per batch.") var batch: Int = 100
    @Option(help: "Distinct people the events come from.") var people: Int = 20_000
    @Option(help: "Commit durability: full or normal.") var sync: String = "full"
    @Option(help: "Personal data encrypted at rest: on, off, or both (one run each, off first, same load).")
    var encryption: String = "both"

    func run() async throws {
        guard let synchronous = SQLiteStoreSync(rawValue: sync) else {
            throw ValidationError("--sync must be 'full' or 'normal'")
        }
        for mode in encryption == "both" ? ["off", "on"] : [encryption] {
            try await run(synchronous: synchronous, encryption: mode)
        }
    }

    private func run(synchronous: SQLiteStoreSync, encryption: String) async throws {
        let directory = NSTemporaryDirectory() + "panorama-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "panorama.bench")
        logger.logLevel = .warning
        var configuration = Configuration(dataDirectory: directory, synchronous: synchronous)
        configuration.protection = try benchProtection(encryption)
        let services = try Services(configuration: configuration, logger: logger)
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        var generators = (0..<concurrency).map {
            BatchGenerator(worker: $0, people: people, identifyShare: 0.1, batch: batch, workers: concurrency)
        }
        var bodies: [[JSONValue]] = Array(repeating: [], count: concurrency)
        for i in 0..<batches {
            bodies[i % concurrency].append(try JSONParser.parse(generators[i % concurrency].next(count: batch)))
        }
        let work = bodies
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.pipeline.run() }
            try await withThrowingTaskGroup(of: Void.self) { senders in
                for w in 0..<concurrency {
                    senders.addTask {
                        for body in work[w] {
                            _ = try await services.ingest.ingest(
                                workspaceID: workspace.id, body: body, endpoint: nil, receivedAt: 1_790_000_000_000)
                        }
                    }
                }
                try await senders.waitForAll()
            }
            group.cancelAll()
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let stored = try await services.store.eventCount(workspaceID: workspace.id)
        print(
            "pipeline (encryption \(encryption)): \(stored) events in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(stored) / seconds)) events/s"
        )
    }
}

/// The protection a benchmark runs with: `on` encrypts with a fresh random key, `off` stores in clear.
func benchProtection(_ mode: String) throws -> FieldProtection {
    switch mode {
    case "on": return FieldProtection(ring: try KeyRing(primary: try MasterKey.random(id: "bench")))
    case "off": return .off
    default: throw ValidationError("--encryption must be 'on' or 'off' (pipeline: also 'both'), not '\(mode)'")
    }
}

/// A database of its own on a PostgreSQL server, for one benchmark run.
struct ScratchDatabase: Sendable {
    let server: PostgresStore
    let name: String
    let url: String

    init(server serverURL: String) async throws {
        server = PostgresStore(url: try PostgresURL(serverURL), logger: Logger(label: "panorama.bench"))
        try await server.waitUntilReachable()
        name = "panorama_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await server.execute("CREATE DATABASE \(name)")
        guard var components = URLComponents(string: serverURL) else { throw ValidationError("bad --database-url") }
        components.path = "/" + name
        url = components.string!
    }

    func drop() async {
        try? await server.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        server.close()
    }
}
