import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama encryption generate-key|status|sweep`: keys and the state of encryption at rest.
struct EncryptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encryption", abstract: "Encryption at rest of personal data (个人信息加密存储): keys, status, rotation.",
        discussion: """
            Phone numbers, emails, ID numbers, names and addresses are stored as AES-256-GCM tokens. Keys come from \
            PANORAMA_ENCRYPTION_KEYS or a key file (--encryption-key-file), never from the database; the first key \
            encrypts, the others only decrypt. To rotate: generate a key, put its line first, keep the old one after \
            it, restart, run `panorama encryption sweep` (the leader also sweeps daily), and remove the old line once \
            `panorama encryption status` reports nothing left.
            """,
        subcommands: [GenerateKey.self, Status.self, Sweep.self])

    /// `panorama encryption generate-key`: prints a new key line.
    struct GenerateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key", abstract: "Print a new key line (id:base64 of 32 random bytes).")
        @Option(help: "The key id (1–16 of a-z 0-9 _ -), written into every value it encrypts.") var id: String

        func run() throws {
            Swift.print(try KeyRing.generateKeyLine(id: id))
        }
    }

    /// `panorama encryption status`: the keys and how many stored values still need the sweep.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the loaded keys and count values still in clear or under an older key (reads only).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await EncryptionCommand.pass(store, json: json, apply: false)
        }
    }

    /// `panorama encryption sweep`: seals and re-encrypts now, with a progress bar.
    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal values stored in clear and re-encrypt values under older keys, now (safe beside a running server).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await EncryptionCommand.pass(store, json: json, apply: true)
        }
    }

    /// One pass of the sweep with a progress bar, then its report; `apply` false only counts.
    static func pass(_ store: StoreOptions, json: Bool, apply: Bool) async throws {
        let services = try await CLI.services(store)
        defer { (services.store as? PostgresStore)?.close() }
        guard services.protectionSweep.isOn || !apply else {
            throw ValidationError(
                "encryption is off: set PANORAMA_ENCRYPTION_KEYS or --encryption-key-file (see `panorama encryption --help`)")
        }
        let bar = ProgressBar(enabled: !json)
        let verb = apply ? "sweeping" : "checking"
        let report = try await services.protectionSweep.run(apply: apply) { part, done, total in
            bar.update(step: "\(verb) \(part.rawValue)", done: done, total: total)
        }
        bar.finish()
        try EncryptionCommand.report(
            report, services: services, json: json, verb: apply ? "rewritten" : "need sealing or re-encryption")
    }

    static func report(_ report: [SealedPart: SweepProgress], services: Services, json: Bool, verb: String) throws {
        let protection = (services.store as? any SQLStore)?.protection ?? .off
        let keys = protection.cipher?.ring.keys.map(\.id) ?? []
        let parts = SealedPart.allCases.map { part -> (String, SweepProgress) in (part.rawValue, report[part] ?? SweepProgress()) }
        let pending = parts.reduce(0) { $0 + $1.1.rewritten }
        if json {
            CLI.printJSON([
                "encryption": .bool(protection.isOn), "primary_key": protection.primaryKeyID.map(JSONValue.string) ?? .null,
                "keys": .array(JSONArray(keys.map(JSONValue.string))), "total": .number(JSONNumber(pending)),
                "parts": .object(
                    JSONObject(parts.map { ($0.0, .object(["scanned": .number(JSONNumber($0.1.scanned)), "values": .number(JSONNumber($0.1.rewritten))])) })),
            ])
            return
        }
        guard protection.isOn else {
            Swift.print("encryption at rest: off (set PANORAMA_ENCRYPTION_KEYS or --encryption-key-file)")
            return
        }
        Swift.print("encryption at rest: on; primary key \(protection.primaryKeyID ?? "-"); keys loaded: \(keys.joined(separator: ", "))")
        for (name, progress) in parts {
            Swift.print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(progress.scanned) rows, \(progress.rewritten) \(verb)")
        }
        Swift.print(pending == 0 ? "nothing left: keys other than the primary can be removed." : "\(pending) value(s) \(verb).")
    }
}
