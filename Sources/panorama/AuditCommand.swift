import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaHTTP
import PanoramaServices
import PanoramaStore

/// `panorama audit verify|list`: checks the audit log's hash chain and reads its entries, from the
/// store directly (it works beside a running server).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify and read the tamper-evident audit log (审计日志).",
        subcommands: [Verify.self, List.self])

    /// `panorama audit verify`: exit 0 when the chain is intact, 2 when it is not.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every entry's hash and link, from the retention checkpoint to the recorded head.",
            discussion: """
                Exits 0 when the log is intact and 2 on a problem, printed as where it is: tampered at \
                sequence N (an edited entry), broken at sequence N (a rewritten link), gap (deleted or \
                reordered entries), truncated (entries deleted from the end), checkpoint mismatch. When \
                intact it prints the head as SEQUENCE:HASH; keep it outside the database and pass it back \
                with --expect-head to detect a log rebuilt by someone who could also rewrite the head.
                """)
        @OptionGroup var store: StoreOptions
        @Option(
            name: .customLong("expect-head"),
            help: "A head printed by an earlier verify, as SEQUENCE:HASH: the log must still pass through it.")
        var expectHead: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var expected: AuditCheckpoint?
            if let expectHead {
                let parts = expectHead.split(separator: ":")
                guard parts.count == 2, let sequence = Int64(parts[0]), sequence >= 0, parts[1].count == 64 else {
                    throw ValidationError("--expect-head must be SEQUENCE:HASH, as a previous verify printed it")
                }
                expected = AuditCheckpoint(sequence: sequence, hash: String(parts[1]))
            }
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            let report = try await services.audit.check(expectedHead: expected)
            if json {
                CLI.printJSON(report.apiJSON)
            } else {
                print(Self.summary(report))
                print(report.verification.description)
            }
            if !report.verification.isIntact { throw ExitCode(2) }
        }

        /// The first line: the outcome and exactly where.
        static func summary(_ report: AuditReport) -> String {
            switch report.verification {
            case .intact(let count, let hash):
                let head = report.head.map { $0.hash == hash ? "\($0.sequence):\(hash)" : hash } ?? "(empty log)"
                return "intact: \(count) entries verified; head \(head)"
            case .tampered(let sequence): return "tampered at sequence \(sequence)"
            case .broken(let sequence): return "broken at sequence \(sequence)"
            case .gap(let expected, let found): return "gap: expected sequence \(expected), found \(found)"
            case .truncated(let expected, let found):
                return "truncated: the log should reach sequence \(expected) but ends at \(found)"
            case .checkpointMismatch(let sequence): return "checkpoint mismatch at sequence \(sequence)"
            }
        }
    }

    /// `panorama audit list`: entries, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit entries, newest first.",
            discussion: "Example: panorama audit list --action export --since 2026-01-01T00:00:00Z --limit 50")
        @OptionGroup var store: StoreOptions
        @Option(help: "An action (export.segment) or an area (export: every export.* action).") var action: String?
        @Option(help: "Only this actor (key:3, a user name, retention).") var actor: String?
        @Option(help: "Only this workspace, by name (default: every workspace).") var workspace: String?
        @Option(help: "Entries at or after this ISO-8601 time.") var since: String?
        @Option(help: "Entries before this ISO-8601 time.") var until: String?
        @Option(help: "At most this many (1–1000).") var limit = 50
        @Flag(help: "Oldest first.") var oldestFirst = false
        @Flag(help: "Print JSON (one array).") var json = false

        func run() async throws {
            func time(_ raw: String?, _ name: String) throws -> Int64? {
                guard let raw else { return nil }
                guard let ms = Timestamp.parseMillis(raw) else {
                    throw ValidationError("--\(name) must be an ISO-8601 date-time such as 2026-01-01T00:00:00Z")
                }
                return ms
            }
            guard (1...1_000).contains(limit) else { throw ValidationError("--limit must be 1–1000") }
            var query = AuditQuery(
                action: action, actor: actor, since: try time(since, "since"), until: try time(until, "until"))
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            if let workspace { query.workspace = String(try await services.workspace(named: workspace).id) }
            let page = try await services.audit.search(query, newestFirst: !oldestFirst, limit: limit)
            if json {
                CLI.printJSON(.array(JSONArray(page.entries.map(\.apiJSON))))
                return
            }
            print("SEQ      TIME                      WS  ACTOR         ACTION                  TARGET  [IP]")
            for e in page.entries {
                let time = Timestamp.format(millis: Int64((e.at * 1000).rounded()))
                let ip = e.sourceIP.map { "  [\($0)]" } ?? ""
                print(
                    "\(Self.pad(String(e.sequence), 8)) \(time)  \(Self.pad(e.workspace.isEmpty ? "-" : e.workspace, 3)) \(Self.pad(e.actor, 13)) \(Self.pad(e.action, 23)) \(e.target)\(ip)"
                )
            }
            if page.next != nil { print("… more: narrow with --since/--until or raise --limit") }
        }

        static func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text.padding(toLength: width, withPad: " ", startingAt: 0)
        }
    }
}

extension CLI {
    /// The operating-system user running the command: the actor of what the CLI records.
    static var osUser: String {
        let env = ProcessInfo.processInfo.environment
        if let sudo = env["SUDO_USER"], !sudo.isEmpty { return "\(sudo) (sudo)" }
        if let user = env["USER"] ?? env["LOGNAME"], !user.isEmpty { return user }
        let name = NSUserName()
        return name.isEmpty ? "uid:\(getuid())" : name
    }
}
