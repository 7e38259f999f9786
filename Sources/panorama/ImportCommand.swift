import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama import customers|orders|events FILE`: bulk import with cleaning, a report, and a
/// file of the rows it could not take.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import customers, orders or events from CSV (any delimiter, UTF-8 or GB18030), JSON, NDJSON or XML.",
        discussion: """
            Columns are mapped to fields by a mapping file (--mapping, JSON or YAML) or inferred from \
            the header (English or Chinese names); --preview shows the detected format, the mapping and \
            the first rows as they would be imported, without writing. Values are cleaned on the way \
            (phones, emails, dates incl. Excel serials, ID numbers, gender, provinces and cities, \
            amounts) and every fix is counted. A bad row never stops the import: it goes to the \
            rejected-rows file with its line number and reason. Importing the same file again changes \
            nothing. The server must not be running on the same SQLite data directory (import through \
            it with POST /api/v1/imports instead); with PostgreSQL any node may import.

            Examples:
              panorama import orders ../shared/data/cdnow/CDNOW_master.txt --mapping cdnow.yaml
              panorama import customers crm-export.csv --preview
              panorama import customers crm-export.csv --dry-run --json
            """)

    @Argument(help: "What the rows are: customers, orders or events.") var kind: String
    @Argument(help: "The file to import.") var file: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Mapping file (JSON or YAML); default: inferred from the header.") var mapping: String?
    @Option(help: "Where to write rejected rows (default: FILE.rejected.csv next to FILE).") var rejected: String?
    @Option(help: "Workspace name (default: the first workspace).") var workspace: String?
    @Option(help: "Time zone of local dates in the file (default: the workspace's).") var timeZone: String?
    @Flag(help: "Read, clean and count every row, write nothing.") var dryRun = false
    @Flag(help: "Show the detected format, the mapping and the first rows; write nothing.") var preview = false
    @Flag(help: "Print the report as JSON, without progress.") var json = false

    func run() async throws {
        guard let kind = ImportKind(rawValue: kind) else {
            throw ValidationError("the kind must be customers, orders or events, not '\(self.kind)'")
        }
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw ValidationError("cannot read '\(file)'")
        }
        let given = try mapping.map { try ImportMapping.load(path: $0) }
        if preview {
            let result = try ImportPreparer.preview(
                source: .file(file), options: ImportOptions(kind: kind, mapping: given, timeZone: timeZone ?? "Asia/Shanghai"))
            if json {
                CLI.printJSON(result.json)
            } else {
                print(result.summary)
            }
            return
        }
        let services = try await CLI.services(store)
        try (services.store as? SQLiteStore)?.claimWriter()
        // A fresh data directory gets its default workspace, as on the server's first start.
        for issued in try await services.bootstrap() {
            FileHandle.standardError.write(
                Data("created workspace 'default'; \(issued.key.kind.rawValue) key (shown once): \(issued.secret)\n".utf8))
        }
        let ws = try await services.workspace(named: workspace)
        let rejectedPath = rejected ?? file + ".rejected.csv"
        let writer = try RejectedRowsWriter(path: rejectedPath)
        let bar = ProgressBar(enabled: !json)
        let options = ImportOptions(kind: kind, mapping: given, timeZone: timeZone ?? ws.timeZone)
        let step = "import \(kind.rawValue)"
        var report = try await withThrowingTaskGroup(of: ImportReport?.self) { group in
            group.addTask {
                try await services.pipeline.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await services.imports.run(
                workspaceID: ws.id, source: .file(file), options: options, dryRun: dryRun, rejectedRows: writer
            ) { progress in
                bar.update(step: step, rows: Int64(progress.rowsRead), share: progress.share)
            }
        }
        bar.finish()
        (services.store as? PostgresStore)?.close()
        if report.rejected == 0 {
            try? FileManager.default.removeItem(atPath: rejectedPath)
            report.rejectedRowsPath = nil
        }
        if json {
            CLI.printJSON(report.json)
        } else {
            print(report.summary)
            if report.rejected > 0 { print("rejected rows (line, reason, original text): \(rejectedPath)") }
            if dryRun { print("dry run: nothing was written") }
        }
    }
}
