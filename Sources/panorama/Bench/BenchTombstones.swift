import ArgumentParser
import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama bench tombstones`: what the erasure-suppression check adds to each ingested message,
/// apart from everything else (`bench ingest --tombstones N` measures it end to end, but on a
/// shared machine its noise is larger than the check).
struct BenchTombstones: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tombstones", abstract: "The erased-subject check on ingest: ns per message, cold and warm.")

    @Option(help: "Tombstones the workspace holds.") var tombstones: Int = 10_000
    @Option(help: "Batches of 100 messages to check (the load of bench ingest).") var batches: Int = 2_000
    @Option(help: "Distinct people the messages come from.") var people: Int = 20_000
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let directory = NSTemporaryDirectory() + "panorama-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "panorama.bench")
        logger.logLevel = .warning
        let services = try Services(
            configuration: Configuration(dataDirectory: directory, synchronous: .normal), logger: logger)
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        let now = services.clock.now()
        let erased = (0..<tombstones).map { Identifier(type: "email", value: "erased-\($0)@example.org") }
        let hashes = try await services.privacy.tombstones.tombstones(workspaceID: workspace.id, of: erased, now: now)
        try await services.store.recordErasureTombstones(workspaceID: workspace.id, hashes, at: now)

        // The messages of bench ingest, decoded as the ingest service decodes them.
        var generator = BatchGenerator(worker: 0, people: people, identifyShare: 0.1, batch: 100, workers: 1)
        let decoder = TrackingMessageDecoder(settings: .defaults)
        var lists: [[[Identifier]]] = []
        for _ in 0..<batches {
            let body = try JSONParser.parse(generator.next(count: 100))
            var batch: [[Identifier]] = []
            for item in body["batch"]?.arrayValue ?? [] {
                let message = try decoder.decode(item, impliedType: nil, receivedAt: now, makeMessageID: { "m" })
                batch.append(message.identifiers)
            }
            lists.append(batch)
        }
        let messages = lists.reduce(0) { $0 + $1.count }
        let identifiers = lists.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }

        var figures: [(pass: String, nanosPerMessage: Double)] = []
        for pass in ["cold", "warm"] {
            let started = ContinuousClock.now
            var hits = 0
            for batch in lists {
                // What the ingest service does per request: fetch the checker, check the batch.
                guard let checker = try await services.privacy.tombstones.checker(workspaceID: workspace.id) else {
                    throw ValidationError("the tombstones were not loaded")
                }
                hits += checker.erased(batch).filter { $0 }.count
            }
            let elapsed = ContinuousClock.now - started
            guard hits == 0 else { throw ValidationError("\(hits) messages matched a tombstone") }
            let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            figures.append((pass, nanos / Double(messages)))
        }
        if json {
            var object: JSONObject = [
                "benchmark": "tombstones", "tombstones": .number(JSONNumber(tombstones)),
                "messages": .number(JSONNumber(messages)), "identifiers": .number(JSONNumber(identifiers)),
            ]
            for (pass, nanos) in figures {
                object.set("\(pass)_ns_per_message", .number(JSONNumber(String(format: "%.0f", nanos))))
            }
            print(JSONValue.object(object).jsonText)
        } else {
            print(
                "erased-subject check: \(tombstones) tombstones, \(messages) messages, "
                    + "\(String(format: "%.2f", Double(identifiers) / Double(messages))) identifiers per message")
            for (pass, nanos) in figures {
                print("  \(pass) : \(String(format: "%.0f", nanos)) ns per message")
            }
        }
    }
}
