import ArgumentParser
import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama bench encryption`: what encryption at rest costs per value, and what it adds to
/// loading the identity graph of a store at start (every identifier opened once).
struct BenchEncryption: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encryption",
        abstract: "Encryption at rest: seal/open per value, per event document, and the identity-graph load at start.")

    @Option(help: "Values (emails and phones) to seal and open.") var values: Int = 200_000
    @Option(help: "People whose identify calls fill the store for the start-up load (0 skips it).") var people: Int = 100_000
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let protection = try benchProtection("on")
        let cipher = protection.cipher!
        let clear = (0..<values).map { $0 % 2 == 0 ? "user\($0)@example.com" : "+86\(13_800_000_000 + $0)" }
        func time(_ body: () throws -> Void) rethrows -> Double {
            let started = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        var tokens: [String] = []
        tokens.reserveCapacity(values)
        let sealSeconds = try time { for v in clear { tokens.append(try cipher.seal(v, context: "w1/id/email")) } }
        var opened = 0
        let openSeconds = try time {
            for t in tokens { opened += try cipher.decrypt(t, context: "w1/id/email").utf8.count }
        }
        // An identify call's documents, as the store writes and reads them.
        let traits = #"{"email":"user7@example.com","phone":"13800000007","name":"用户7","city":"上海","plan":"gold"}"#
        let context = #"{"library":{"name":"analytics-python","version":"2.3.3"},"ip":"10.0.0.7","locale":"zh-CN","traits":{"email":"user7@example.com"}}"#
        let documents = max(1, values / 10)
        var sealedDocuments: [(String?, String?)] = []
        let sealDocSeconds = try time {
            for _ in 0..<documents {
                sealedDocuments.append((
                    try protection.seal(json: traits, as: .traits, workspaceID: 1),
                    try protection.seal(json: context, as: .context, workspaceID: 1)))
            }
        }
        let openDocSeconds = try time {
            for (t, c) in sealedDocuments {
                _ = try protection.open(json: t, workspaceID: 1)
                _ = try protection.open(json: c, workspaceID: 1)
            }
        }
        var startup: [(String, Double, Int)] = []
        if people > 0 {
            for mode in ["off", "on"] {
                startup.append(try await Self.startupLoad(people: people, encryption: mode))
            }
        }
        let perValue = { (seconds: Double, n: Int) in seconds / Double(n) * 1e9 }
        if json {
            CLI.printJSON([
                "benchmark": "encryption", "values": .number(JSONNumber(values)),
                "seal_ns_per_value": .number(JSONNumber(Int(perValue(sealSeconds, values)))),
                "open_ns_per_value": .number(JSONNumber(Int(perValue(openSeconds, values)))),
                "seal_us_per_identify_documents": .number(JSONNumber(Int(perValue(sealDocSeconds, documents) / 1000))),
                "open_us_per_identify_documents": .number(JSONNumber(Int(perValue(openDocSeconds, documents) / 1000))),
                "identity_load": .array(
                    JSONArray(startup.map {
                        .object(["encryption": .string($0.0), "seconds": .number(JSONNumber(String(format: "%.3f", $0.1))),
                                 "identifiers": .number(JSONNumber($0.2))])
                    })),
            ])
            return
        }
        print("encryption benchmark (AES-256-GCM, swift-crypto), \(values) values")
        print("  seal (deterministic pd1)  : \(String(format: "%.0f", perValue(sealSeconds, values))) ns per value")
        print("  open                      : \(String(format: "%.0f", perValue(openSeconds, values))) ns per value")
        print("  identify traits + context : seal \(String(format: "%.1f", perValue(sealDocSeconds, documents) / 1000)) µs, open \(String(format: "%.1f", perValue(openDocSeconds, documents) / 1000)) µs per message")
        for (mode, seconds, identifiers) in startup {
            print("  identity graph load, encryption \(mode): \(String(format: "%.3f", seconds)) s for \(identifiers) identifiers")
        }
    }

    /// Fills a fresh SQLite store with `people` identify calls (email, phone, user and anonymous id)
    /// and measures loading its identity graph as a start does.
    static func startupLoad(people: Int, encryption: String) async throws -> (String, Double, Int) {
        let directory = NSTemporaryDirectory() + "panorama-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory, synchronous: .normal, protection: try benchProtection(encryption))
        let workspace = try await store.createWorkspace(name: "bench", timeZone: "UTC", now: 0)
        var commit = IngestCommit()
        for person in 0..<people {
            let id = Int64(person + 1)
            commit.customers.append(.init(workspaceID: workspace.id, id: id, createdAt: 0))
            for identifier in [
                Identifier(type: "email", value: "user\(person)@example.com"),
                Identifier(type: "phone", value: "+86\(13_800_000_000 + person)"),
                Identifier(type: "user_id", value: "user-\(person)"), Identifier(type: "anonymous_id", value: "anon-\(person)"),
            ] {
                commit.identifiers.append(.init(workspaceID: workspace.id, identifier: identifier, customerID: id, createdAt: 0))
            }
            if commit.customers.count == 10_000 {
                _ = try await store.commit(commit)
                commit = IngestCommit()
            }
        }
        _ = try await store.commit(commit)
        let started = ContinuousClock.now
        let snapshot = try await store.identitySnapshot(workspaceID: workspace.id)
        let elapsed = ContinuousClock.now - started
        return (
            encryption, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            snapshot.identifiers.count
        )
    }
}
