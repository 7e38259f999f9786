import ArgumentParser
import Foundation
import Logging
import PanoramaCore
import PanoramaStore
import Synchronization

/// `panorama migrate-store`: copies an SQLite deployment into an empty PostgreSQL database and
/// verifies the copy table by table (counts and checksums); exits non-zero unless all agree.
struct MigrateStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Move an SQLite deployment to an empty PostgreSQL database, verified by counts and checksums.",
        discussion: """
            Stop the server first: what it writes after the copy starts is not copied. The target must \
            hold no data; the copy is one transaction, so a failed run leaves it empty and can be repeated.
            """)

    @Option(name: .customLong("from"), help: ArgumentHelp("SQLite data directory to copy.", valueName: "dir"))
    var from: String

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp(
            "Empty PostgreSQL database: postgres://user:password@host:5432/db (env PANORAMA_DATABASE_URL).",
            valueName: "url"))
    var to: String?

    @Flag(help: "Print the report as JSON, without progress.") var json = false

    func run() async throws {
        guard
            let url = (to ?? ProcessInfo.processInfo.environment["PANORAMA_DATABASE_URL"]).flatMap({
                $0.isEmpty ? nil : $0
            })
        else { throw ValidationError("--to (or PANORAMA_DATABASE_URL) must name the PostgreSQL database to fill") }
        let file = (from as NSString).appendingPathComponent("panorama.sqlite")
        guard FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("no Panorama database at \(file); --from takes the server's --data-dir")
        }
        var logger = Logger(label: "panorama")
        logger.logLevel = .warning
        let source = try SQLiteStore(directory: from)
        let target = PostgresStore(url: try PostgresURL(url), logger: logger)
        defer { target.close() }
        try await target.waitUntilReachable()

        let bar = ProgressBar(enabled: !json)
        let report = try await StoreMigration.run(from: source, to: target) { step, done, total in
            bar.update(step: step, done: done, total: total)
        }
        bar.finish()

        if json {
            CLI.printJSON(Self.json(report, from: source.path, to: target.description))
        } else {
            print(Self.text(report, from: source.path, to: target.description))
        }
        guard report.verified else {
            let failed = report.tables.filter { !$0.verified }.map(\.name).joined(separator: ", ")
            FileHandle.standardError.write(
                Data("migrate-store: \(failed) did not verify; do not switch to \(target.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Copy throughput: rows written over the time spent writing them (verification excluded).
    static func rate(_ rows: Int64, _ seconds: Double) -> Int64 {
        seconds > 0 ? Int64((Double(rows) / seconds).rounded()) : rows
    }

    /// The report as a table for people.
    static func text(_ report: StoreMigration.Report, from: String, to: String) -> String {
        func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - s.count))
            return right ? fill + s : s + fill
        }
        var lines = [
            "\(from) → \(to)", "",
            pad("TABLE", 20) + pad("SOURCE ROWS", 13, right: true) + pad("COPIED", 11, right: true)
                + pad("ROWS/S", 10, right: true) + "  CHECKSUM (SOURCE / TARGET)           MATCH",
        ]
        for t in report.tables {
            let checksums =
                t.sourceChecksum == t.targetChecksum
                ? pad("\(t.sourceChecksum) = same", 37) : "\(t.sourceChecksum) ≠ \(t.targetChecksum)"
            lines.append(
                pad(t.name, 20) + pad(String(t.sourceRows), 13, right: true)
                    + pad(String(t.copiedRows), 11, right: true)
                    + pad(String(rate(t.copiedRows, t.seconds)), 10, right: true) + "  " + checksums + "  "
                    + (t.verified ? "yes" : "NO (target has \(t.targetRows) rows)"))
        }
        let copySeconds = report.tables.reduce(0) { $0 + $1.seconds }
        lines.append("")
        lines.append(
            "Copied \(report.copiedRows) rows in \(String(format: "%.1f", copySeconds)) s (\(rate(report.copiedRows, copySeconds)) rows/s); "
                + "\(String(format: "%.1f", report.seconds)) s with verification.")
        lines.append(
            report.verified
                ? "Verified: every table's row count and checksum match. Start the servers with --database-url \(to)."
                : "NOT verified: the tables marked NO differ. Keep running on SQLite.")
        return lines.joined(separator: "\n")
    }

    /// The report for scripts.
    static func json(_ report: StoreMigration.Report, from: String, to: String) -> JSONValue {
        let copySeconds = report.tables.reduce(0) { $0 + $1.seconds }
        return [
            "from": .string(from), "to": .string(to), "verified": .bool(report.verified),
            "copied_rows": .number(JSONNumber(report.copiedRows)),
            "copy_seconds": .number(JSONNumber(String(format: "%.3f", copySeconds))),
            "rows_per_second": .number(JSONNumber(rate(report.copiedRows, copySeconds))),
            "seconds": .number(JSONNumber(String(format: "%.3f", report.seconds))),
            "tables": .array(
                JSONArray(
                    report.tables.map { t in
                        [
                            "table": .string(t.name), "source_rows": .number(JSONNumber(t.sourceRows)),
                            "copied_rows": .number(JSONNumber(t.copiedRows)),
                            "target_rows": .number(JSONNumber(t.targetRows)),
                            "source_checksum": .string(t.sourceChecksum),
                            "target_checksum": .string(t.targetChecksum),
                            "seconds": .number(JSONNumber(String(format: "%.3f", t.seconds))),
                            "verified": .bool(t.verified),
                        ]
                    })),
        ]
    }
}

/// One progress line per step on stderr — bar, rows and rows/s — redrawn in place.
final class ProgressBar: Sendable {
    private struct Step {
        var name: String
        var started: ContinuousClock.Instant
    }

    private let enabled: Bool
    private let current = Mutex<Step?>(nil)

    init(enabled: Bool) { self.enabled = enabled }

    /// Redraws the line of `step`, starting a new line when the step changes.
    func update(step: String, done: Int64, total: Int64) {
        draw(step: step, share: total > 0 ? min(1, Double(done) / Double(total)) : 1, rows: done, of: total)
    }

    /// Redraws the line of a step whose row count is not known ahead (an import: the share comes
    /// from the bytes read).
    func update(step: String, rows: Int64, share: Double?) {
        draw(step: step, share: share ?? 0, rows: rows, of: nil)
    }

    private func draw(step: String, share: Double, rows done: Int64, of total: Int64?) {
        guard enabled else { return }
        current.withLock { s in
            if s?.name != step {
                if s != nil { Self.write("\n") }
                s = Step(name: step, started: .now)
            }
            let elapsed = ContinuousClock.now - s!.started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let filled = Int(min(1, share) * 30)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: 30 - filled)
            let name = step.padding(toLength: max(step.count, 26), withPad: " ", startingAt: 0)
            let count = total.map { "\(done)/\($0)" } ?? "\(done)"
            let rate = seconds >= 0.2 ? "\(MigrateStore.rate(done, seconds))" : "…"
            Self.write("\r  \(name) \(bar) \(Int(share * 100))%  \(count) rows  \(rate) rows/s   ")
        }
    }

    /// Ends the last line.
    func finish() {
        guard enabled else { return }
        current.withLock { s in
            if s != nil { Self.write("\n") }
            s = nil
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
