import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama backup`: a consistent copy of the store, taken while the server runs.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the store while the server runs (SQLite: one consistent snapshot; PostgreSQL: pg_dump).",
        discussion: """
            SQLite: the backup is a plain SQLite file (copy it anywhere; restore with panorama restore).
            PostgreSQL: a pg_dump custom-format archive; needs the PostgreSQL client tools.
            """)

    @OptionGroup var store: StoreOptions
    @Option(name: .shortAndLong, help: "The backup file to write (must not exist).") var out: String
    @Flag(help: "Print a JSON summary.") var json = false

    func run() async throws {
        let config = try store.configuration()
        let summary: StoreBackup.Summary
        if let url = config.databaseURL {
            summary = try StoreBackup.backupPostgres(url: url, to: out)
        } else {
            let bar = ProgressBar(enabled: !json)
            summary = try StoreBackup.backupSQLite(directory: config.dataDirectory, to: out) { share in
                bar.update(step: "backup", done: Int64(share * 100), total: 100)
            }
            bar.finish()
        }
        report("backed up", summary, json: json)
    }
}

/// `panorama restore`: puts a backup in place (the server stopped).
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup made by panorama backup (stop the server first).")

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("from"), help: "The backup file.") var file: String
    @Flag(help: "Replace the store that is there (SQLite data directory or PostgreSQL database).") var replace = false
    @Flag(help: "Print a JSON summary.") var json = false

    func run() async throws {
        let config = try store.configuration()
        let summary: StoreBackup.Summary
        if let url = config.databaseURL {
            summary = try StoreBackup.restorePostgres(from: file, url: url, replace: replace)
        } else {
            summary = try StoreBackup.restoreSQLite(from: file, into: config.dataDirectory, replace: replace)
        }
        report("restored", summary, json: json)
    }
}

/// Prints what a backup or restore did.
private func report(_ verb: String, _ summary: StoreBackup.Summary, json: Bool) {
    if json {
        let value: JSONValue = .object([
            "file": .string(summary.file), "bytes": .number(JSONNumber(summary.bytes)),
            "seconds": .number(JSONNumber(String(format: "%.3f", summary.seconds))),
        ])
        print(value.jsonText)
    } else {
        print(
            "\(verb) \(summary.file): \(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MB in \(String(format: "%.2f", summary.seconds)) s"
        )
    }
}
