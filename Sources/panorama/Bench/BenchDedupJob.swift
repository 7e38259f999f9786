import ArgumentParser
import Foundation
import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// `panorama bench dedup-job`: the duplicate-detection job as a deployment runs it — profiles in a
/// store, read back, matched, pairs stored, auto-merges committed through the identity graph —
/// on synthetic FEBRL-style people whose true duplicates are known.
struct BenchDedupJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup-job",
        abstract: "Run the duplicate-detection job over N synthetic profiles in a fresh SQLite store: time and F1.")

    @Option(help: "Profiles to create (originals and their duplicates, FEBRL-style errors).") var records = 100_000
    @Option(help: "Random seed of the synthetic people.") var seed: UInt64 = 7
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let febrl = (env["PANORAMA_SHARED"].map { $0 + "/data" } ?? "../shared/data") + "/febrl"
        let vocabulary = try SyntheticPeople.Vocabulary(
            febrl: (1...3).map { "\(febrl)/dataset\($0).csv" }.map(BenchDedup.read))
        var generator = SyntheticPeople(vocabulary: vocabulary, seed: seed)
        let people = generator.records(count: records)

        let directory = NSTemporaryDirectory() + "panorama-bench-dedup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "panorama.bench")
        logger.logLevel = .warning
        let services = try Services(
            configuration: Configuration(dataDirectory: directory, synchronous: .full), logger: logger)
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        let traitNames: [(MatchField, String)] = [
            (.givenName, "first_name"), (.surname, "last_name"), (.birthDate, "birthday"),
            (.streetNumber, "street_number"), (.addressLine1, "address_1"), (.addressLine2, "address_2"),
            (.city, "city"), (.postcode, "postcode"), (.state, "state"), (.nationalID, "id_number"),
        ]
        let (run, seconds, canonical) = try await withThrowingTaskGroup(
            of: (DuplicateRunRow, Double, [String: Int64])?.self
        ) { group in
            group.addTask {
                try await services.pipeline.run()
                return nil
            }
            // The people as profiles: one identify each, anonymous id = the record's position.
            var start = 0
            while start < people.count {
                let chunk = people[start..<min(start + 5_000, people.count)]
                let messages = chunk.map { person -> TrackingMessage in
                    var traits = JSONObject()
                    for (field, name) in traitNames {
                        if let value = person.record[field] { traits.set(name, .string(value)) }
                    }
                    let anonymous = "p-\(person.record.id)"
                    var m = TrackingMessage(
                        type: .identify, messageID: "bench-\(anonymous)", anonymousID: anonymous,
                        timestamp: 1_790_000_000_000, receivedAt: 1_790_000_000_000,
                        identifiers: [Identifier(type: "anonymous_id", value: anonymous)])
                    m.traits = traits
                    m.recordsEvent = false
                    return m
                }
                _ = try await services.pipeline.submit(workspaceID: workspace.id, messages: Array(messages))
                start += chunk.count
            }
            if !json { FileHandle.standardError.write(Data("\(people.count) profiles stored; running the job …\n".utf8)) }
            let started = ContinuousClock.now
            let run = try await services.duplicates.run(workspaceID: workspace.id, trigger: .cli)
            let elapsed = ContinuousClock.now - started
            let snapshot = try await services.store.identitySnapshot(workspaceID: workspace.id)
            let canonicalOf = Dictionary(uniqueKeysWithValues: snapshot.customers.map { ($0.id, $0.canonical) })
            var byAnonymous: [String: Int64] = [:]
            for (identifier, owner) in snapshot.identifiers where identifier.type == "anonymous_id" {
                byAnonymous[identifier.value] = canonicalOf[owner] ?? owner
            }
            group.cancelAll()
            return (
                run, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, byAnonymous
            )
        }

        // Pairwise precision and recall of the profiles the job joined, against the true people.
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        var byProfile: [Int64: Int] = [:]
        var byEntity: [String: Int] = [:]
        var byBoth: [String: Int] = [:]
        for person in people {
            let profile = canonical["p-\(person.record.id)"] ?? 0
            byProfile[profile, default: 0] += 1
            byEntity[person.entity, default: 0] += 1
            byBoth["\(profile)|\(person.entity)", default: 0] += 1
        }
        let joined = byProfile.values.reduce(0) { $0 + pairs($1) }
        let truePairs = byEntity.values.reduce(0) { $0 + pairs($1) }
        let correct = byBoth.values.reduce(0) { $0 + pairs($1) }
        let precision = joined == 0 ? 1 : Double(correct) / Double(joined)
        let recall = truePairs == 0 ? 1 : Double(correct) / Double(truePairs)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        if json {
            print(
                JSONValue.object([
                    "benchmark": "dedup-job", "records": .number(JSONNumber(people.count)),
                    "status": .string(run.status.rawValue),
                    "compared_pairs": .number(JSONNumber(run.comparedPairs)),
                    "auto_merged": .number(JSONNumber(run.autoMerged)), "proposed": .number(JSONNumber(run.proposed)),
                    "refused": .number(JSONNumber(run.refused)), "skipped": .number(JSONNumber(run.skipped)),
                    "seconds": .number(JSONNumber(String(format: "%.2f", seconds))),
                    "precision": .number(JSONNumber(String(format: "%.4f", precision))),
                    "recall": .number(JSONNumber(String(format: "%.4f", recall))),
                    "f1": .number(JSONNumber(String(format: "%.4f", f1))),
                ]).jsonText)
        } else {
            print(
                "dedup job over \(people.count) profiles (SQLite, sync=full): \(run.status.rawValue) in "
                    + String(format: "%.2f s", seconds))
            print(
                "  compared pairs \(run.comparedPairs), auto-merged \(run.autoMerged), proposed \(run.proposed), "
                    + "refused \(run.refused), skipped \(run.skipped)")
            print(
                "  joined pairs vs true duplicates: "
                    + String(format: "precision %.4f, recall %.4f, F1 %.4f", precision, recall, f1))
        }
    }
}
