import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama privacy export|erase|retention`: data subject rights (PIPL / GDPR) and event
/// retention from the command line, through the same services as the REST API, each recorded in
/// the audit log with the operating-system user as actor.
struct PrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy", abstract: "Data subject rights: export or erase a customer; delete old events.",
        subcommands: [Export.self, Erase.self, Retention.self])

    /// Which customer: `--customer ID` or `--identifier type:value`.
    struct Customer: ParsableArguments {
        @Option(help: "The customer's id (a merged-away id names the profile it was merged into).") var customer: Int64?
        @Option(help: "The customer by identifier, as type:value (e.g. email:alice@example.com).") var identifier:
            String?
        @Option(help: "Workspace name (default: the first workspace).") var workspace: String?

        func validate() throws {
            guard (customer == nil) != (identifier == nil) else {
                throw ValidationError("name the customer with exactly one of --customer ID or --identifier type:value")
            }
        }

        /// The workspace and the live customer id.
        func resolve(_ services: Services) async throws -> (workspace: Workspace, id: Int64) {
            let ws = try await services.workspace(named: workspace)
            if let customer { return (ws, customer) }
            let text = identifier ?? ""
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                throw ValidationError("--identifier must be type:value, e.g. email:alice@example.com")
            }
            let profile = try await services.profiles.profile(
                workspaceID: ws.id, identifierType: String(text[..<colon]),
                value: String(text[text.index(after: colon)...]))
            return (ws, profile.id)
        }
    }

    /// `panorama privacy export`: everything held about a customer, as JSON.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write everything held about a customer as one JSON document (access request).",
            discussion: "Example: panorama privacy export --identifier email:alice@example.com -o alice.json")
        @OptionGroup var store: StoreOptions
        @OptionGroup var who: Customer
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            let (ws, id) = try await who.resolve(services)
            try await services.privacy.requireCustomer(workspaceID: ws.id, id: id)
            // Recorded before anything is read: an export that cannot be audited does not happen.
            try await services.audit.record(
                workspaceID: ws.id, actor: CLI.osUser, actorKind: .user, action: "privacy.export",
                target: "customer:\(id)", detail: ["via": "cli", "file": out ?? "stdout"])
            let document = try await services.privacy.export(workspaceID: ws.id, id: id)
            let data = Data((document.jsonText + "\n").utf8)
            if let out {
                guard
                    FileManager.default.createFile(atPath: out, contents: data, attributes: [.posixPermissions: 0o600])
                else {
                    throw PanoramaError.badRequest(
                        "cannot_write", "cannot create \(out): check the folder exists and is writable")
                }
                FileHandle.standardError.write(Data("wrote the privacy export of customer \(id) to \(out)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    /// `panorama privacy erase`: deletes a customer (erasure request).
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a customer: profile, identifiers, events, traits, consents, memberships, loyalty.",
            discussion: """
                Orders stay for revenue reporting, detached from the person. With --suppress, salted \
                hashes of the customer's identifiers are kept and tracking messages naming any of them \
                are refused (erased_subject). On SQLite the server must be stopped (or use POST \
                /api/v1/customers/{id}/erasure); on PostgreSQL running nodes follow at once.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var who: Customer
        @Flag(help: "Refuse the customer's identifiers from now on.") var suppress = false
        @Option(help: "Why (a ticket number; recorded in the audit log, so no personal data).") var reason: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            // Erasure changes the identity graph: one process at a time on SQLite.
            try (services.store as? SQLiteStore)?.claimWriter()
            let (ws, id) = try await who.resolve(services)
            let report = try await withThrowingTaskGroup(of: ErasureReport?.self) { group in
                group.addTask {
                    try await services.pipeline.run()
                    return nil
                }
                defer { group.cancelAll() }
                return try await services.privacy.erase(workspaceID: ws.id, id: id, suppress: suppress)
            }
            try await services.audit.record(
                workspaceID: ws.id, actor: CLI.osUser, actorKind: .user, action: "privacy.erase",
                target: "customer:\(report.customerID)", detail: report.auditDetail(reason: reason, via: "cli"))
            if json {
                var rows = JSONObject()
                for (table, count) in report.rows.sorted(by: { $0.key < $1.key }) {
                    rows.set(table, .number(JSONNumber(count)))
                }
                CLI.printJSON(
                    .object([
                        "customer_id": .number(JSONNumber(report.customerID)),
                        "erased_ids": .array(JSONArray(report.customerIDs.map { .number(JSONNumber($0)) })),
                        "suppressed": .bool(report.suppressed), "tombstones": .number(JSONNumber(report.tombstones)),
                        "rows": .object(rows),
                    ]))
            } else {
                print(
                    "Erased customer \(report.customerID) (raw profiles \(report.customerIDs.map(String.init).joined(separator: ", ")))"
                        + (suppress ? "; \(report.tombstones) identifier(s) suppressed." : "."))
                for (table, count) in report.rows.sorted(by: { $0.key < $1.key }) where count > 0 {
                    print("  \(table): \(count)")
                }
            }
        }
    }

    /// `panorama privacy retention`: deletes events older than N days.
    struct Retention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete events older than N days (the server does it daily with PANORAMA_EVENT_RETENTION_DAYS).",
            discussion: "Example: panorama privacy retention --days 365 --dry-run")
        @OptionGroup var store: StoreOptions
        @Option(help: "Delete events older than this many days (at least 1).") var days: Int
        @Option(help: "Only this workspace, by name (default: every workspace).") var workspace: String?
        @Flag(help: "Only count what would be deleted.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard days >= 1 else { throw ValidationError("--days must be at least 1") }
        }

        func run() async throws {
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            let workspaces =
                if let workspace { [try await services.workspace(named: workspace)] } else {
                    try await services.store.workspaces()
                }
            var reports: [JSONValue] = []
            for ws in workspaces {
                let report = try await services.privacy.applyRetention(
                    workspaceID: ws.id, days: days, dryRun: dryRun, actor: CLI.osUser)
                if json {
                    reports.append(
                        .object([
                            "workspace": .string(ws.name), "days": .number(JSONNumber(days)),
                            "before": .string(Timestamp.format(millis: report.before)),
                            dryRun ? "would_delete" : "deleted": .number(JSONNumber(report.events)),
                        ]))
                } else {
                    let verb = dryRun ? "would delete" : "deleted"
                    print(
                        "\(ws.name): \(verb) \(report.events) event(s) older than \(days) day(s) (before \(Timestamp.format(millis: report.before)))"
                    )
                }
            }
            if json { CLI.printJSON(.array(JSONArray(reports))) }
        }
    }
}
