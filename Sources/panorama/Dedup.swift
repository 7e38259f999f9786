import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaHTTP
import PanoramaServices
import PanoramaStore

/// `panorama dedup …`: duplicate detection (去重) on the store. `panorama bench dedup` measures
/// the matcher on FEBRL; this runs it on the workspace's profiles.
struct Dedup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup", abstract: "Duplicate detection (去重): find and merge profiles of the same person.",
        subcommands: [RunNow.self])

    /// `panorama dedup run`: one run, synchronously, with its summary.
    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run duplicate detection once: merge pairs above the auto-merge threshold, propose the rest.",
            discussion: """
                Uses the workspace's settings (GET/PUT /api/v1/duplicates/settings). On SQLite the server owns \
                identity resolution: stop it first, or start a run through it with POST /api/v1/duplicates/runs. \
                On PostgreSQL, running nodes pick the merges up.
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: "Workspace name (default: the first workspace).") var workspace: String?
        @Flag(help: "Print the run as JSON (as GET /api/v1/duplicates/runs/{id} shows it).") var json = false

        func run() async throws {
            let services = try await CLI.services(store)
            defer { (services.store as? PostgresStore)?.close() }
            let ws = try await services.workspace(named: workspace)
            // Merges change identities: on SQLite only one process may do that.
            do {
                try (services.store as? SQLiteStore)?.claimWriter()
            } catch let error as PanoramaError where error.code == "store_in_use" {
                throw PanoramaError(
                    .conflict, code: error.code,
                    message:
                        "a running server writes this data directory; stop it first, or start the run through it with POST /api/v1/duplicates/runs"
                )
            }
            if !json { FileHandle.standardError.write(Data("matching the profiles of '\(ws.name)' …\n".utf8)) }
            let pipeline = services.pipeline
            // Merges go through the identity pipeline, which runs for the duration of the command.
            let run = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pipeline.run() }
                defer { group.cancelAll() }
                return try await services.duplicates.run(workspaceID: ws.id, trigger: .cli)
            }
            if json {
                CLI.printJSON(run.apiJSON)
            } else {
                let seconds = String(format: "%.2f", Double(run.durationMillis ?? 0) / 1000)
                print("Duplicate run \(run.id) \(run.status.rawValue) in \(seconds) s (workspace '\(ws.name)').")
                print("  records        : \(run.records)")
                print("  compared pairs : \(run.comparedPairs)")
                print("  auto-merged    : \(run.autoMerged)")
                print("  proposed       : \(run.proposed)  (review: GET /api/v1/duplicates)")
                print("  skipped        : \(run.skipped)  (decided before, or already one profile)")
                print("  refused        : \(run.refused)  (would pass an identifier limit, e.g. two user_ids)")
            }
            if run.status == .failed {
                FileHandle.standardError.write(Data("dedup run: failed: \(run.error ?? "see the log")\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
