import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama export segment|tag NAME`: the members of a segment or tag with their identifiers,
/// as CSV or NDJSON, read from the store's persisted membership (what a running server keeps
/// current), so it works beside a running server.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the members of a segment (人群) or tag (标签).",
        subcommands: [Segment.self, Tag.self])

    struct Options: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "Workspace name (default: the first workspace).") var workspace: String?
        @Option(help: "csv (a header, then customer_id and one column per identifier type) or ndjson.")
        var format: String = "csv"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var out: String?
        @Option(
            help: ArgumentHelp(
                "Only customers holding a current grant of this consent purpose (marketing_sms, marketing_email, "
                    + "marketing_wechat, marketing_push, profiling); a segment with a consent_purpose always applies its own."
            ))
        var purpose: String?
        @Flag(help: "Print a JSON summary (count, file) on standard error when done.") var json = false

        func export(_ kind: AudienceKind, _ name: String) async throws {
            guard let format = ExportFormat(rawValue: format) else {
                throw ValidationError("--format must be csv or ndjson")
            }
            let consent = try purpose.map { raw in
                guard let named = ConsentPurpose(rawValue: raw) else {
                    throw ValidationError(
                        "--purpose must be one of \(ConsentPurpose.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return named
            }
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            let ws = try await services.workspace(named: workspace)
            let types = try await services.settings.identity(ws.id).types.map(\.name)
            let handle: FileHandle
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: nil) else {
                    throw PanoramaError.badRequest("cannot_write", "cannot create \(out): check the folder exists and is writable")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            } else {
                handle = FileHandle.standardOutput
            }
            defer { if out != nil { try? handle.close() } }
            let started = ContinuousClock.now
            // Recorded when done, with the count; an export that fails part way is recorded too.
            func audit(_ outcome: String, members: Int?) async throws {
                var detail = ["format": format.rawValue, "via": "cli", "file": out ?? "stdout", "outcome": outcome]
                detail["purpose"] = consent?.rawValue
                detail["members"] = members.map(String.init)
                try await services.audit.record(
                    workspaceID: ws.id, actor: CLI.osUser, actorKind: .user, action: "export.\(kind.rawValue)",
                    target: "\(kind.rawValue):\(name)", detail: detail)
            }
            let count: Int
            do {
                count = try await services.audiences.export(
                    workspaceID: ws.id, AudienceKey(kind, name), format: format, identifierTypes: types,
                    purpose: consent
                ) { chunk in
                    handle.write(Data(chunk.utf8))
                }
            } catch {
                try? await audit("failed", members: nil)
                throw error
            }
            try await audit("completed", members: count)
            let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
            if json {
                let summary: JSONValue = .object([
                    "kind": .string(kind.rawValue), "name": .string(name), "count": .number(JSONNumber(count)),
                    "format": .string(format.rawValue), "file": out.map { .string($0) } ?? .null,
                ])
                FileHandle.standardError.write(Data((summary.jsonText + "\n").utf8))
            } else {
                let target = out.map { " to \($0)" } ?? ""
                FileHandle.standardError.write(
                    Data("exported \(count) members of \(kind.rawValue) '\(name)'\(target) in \(String(format: "%.2f", seconds)) s\n".utf8))
            }
        }
    }

    struct Segment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a segment's members (CSV or NDJSON).",
            discussion: """
                Example: panorama export segment 高价值会员 --format csv -o members.csv
                For marketing, add --purpose marketing_sms (or the channel's purpose): customers without \
                a current grant are left out.
                """)
        @Argument(help: "The segment's name.") var name: String
        @OptionGroup var options: Options
        func run() async throws { try await options.export(.segment, name) }
    }

    struct Tag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a tag's members (CSV or NDJSON).")
        @Argument(help: "The tag's name.") var name: String
        @OptionGroup var options: Options
        func run() async throws { try await options.export(.tag, name) }
    }
}
