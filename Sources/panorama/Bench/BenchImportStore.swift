import ArgumentParser
import Foundation
import GRDB
import Logging
import Synchronization
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama bench import`: a whole import (read, clean, resolve identities, store) into a fresh
/// store, in rows/s, beside the raw GRDB insert of the same number of rows as the yardstick.
struct BenchImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import orders into a fresh store (default: CDNOW into SQLite) and report rows/s.",
        discussion: """
            With --rows N a synthetic orders CSV of N rows (N/5 customers, fixed seed) is written to a \
            temporary file first. The raw GRDB insert of the same rows (one prepared statement, \
            transactions of 10,000 rows, no identity resolution) runs in the same process as the yardstick.
            """)

    @Option(help: "File to import (default: ../shared/data/cdnow/CDNOW_master.txt with the CDNOW mapping).")
    var file: String?
    @Option(help: "Mapping file (JSON or YAML); default: the CDNOW mapping for the CDNOW file, else inferred.")
    var mapping: String?
    @Option(help: "Generate a synthetic orders CSV of this many rows instead of reading --file.")
    var rows: Int?
    @Option(help: "SQLite synchronous mode: full or normal.") var sync: String = "full"
    @Option(help: "Import into a scratch database on this PostgreSQL server instead of SQLite.")
    var databaseURL: String?
    @Flag(help: "Skip the raw-insert yardstick.") var noBaseline = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard let synchronous = SQLiteStore.Synchronous(rawValue: sync) else {
            throw ValidationError("--sync must be full or normal")
        }
        let scratchFiles = NSTemporaryDirectory() + "panorama-bench-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratchFiles, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratchFiles) }
        let path: String
        var importMapping: ImportMapping?
        if let rows {
            guard rows > 0 else { throw ValidationError("--rows must be positive") }
            path = scratchFiles + "/orders.csv"
            try Self.writeSynthetic(rows: rows, to: path)
        } else {
            path = file ?? "../shared/data/cdnow/CDNOW_master.txt"
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ValidationError("cannot read '\(path)'; pass --file or --rows")
            }
            if file == nil { importMapping = .cdnowOrders }
        }
        if let mapping { importMapping = try ImportMapping.load(path: mapping) }

        var logger = Logger(label: "panorama.bench")
        logger.logLevel = .warning
        var scratch: ScratchDatabase?
        if let databaseURL { scratch = try await ScratchDatabase(server: databaseURL) }
        let services = try await Services.open(
            configuration: Configuration(
                dataDirectory: scratchFiles + "/data", synchronous: synchronous, databaseURL: scratch?.url),
            logger: logger)
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        let bar = ProgressBar(enabled: !json)
        let report = try await withThrowingTaskGroup(of: ImportReport?.self) { group in
            group.addTask {
                try await services.pipeline.run()
                return nil
            }
            let report = try await services.imports.run(
                workspaceID: workspace.id, source: .file(path),
                options: ImportOptions(kind: .orders, mapping: importMapping)
            ) { progress in
                bar.update(step: "import orders", rows: Int64(progress.rowsRead), share: progress.share)
            }
            group.cancelAll()
            return report
        }
        bar.finish()
        let totals = try await services.store.orderTotals(workspaceID: workspace.id)
        (services.store as? PostgresStore)?.close()
        await scratch?.drop()

        let seconds = report.elapsedSeconds ?? 0
        let rate = Double(report.rowsRead) / max(seconds, 1e-9)
        var baseline: Double?
        if !noBaseline { baseline = try Self.rawInsert(rows: report.rowsRead, directory: scratchFiles) }
        let backend = databaseURL == nil ? "sqlite" : "postgresql"
        if json {
            var fields: [(String, JSONValue)] = [
                ("benchmark", "import"), ("backend", .string(backend)), ("sync", .string(sync)),
                ("file", .string(rows == nil ? path : "synthetic")), ("rows", .number(JSONNumber(report.rowsRead))),
                ("accepted", .number(JSONNumber(report.accepted))), ("rejected", .number(JSONNumber(report.rejected))),
                ("orders_stored", .number(JSONNumber(totals.orders))),
                ("seconds", .number(JSONNumber(String(format: "%.3f", seconds)))),
                ("rows_per_second", .number(JSONNumber(String(format: "%.0f", rate)))),
            ]
            if let baseline {
                fields.append(("raw_insert_rows_per_second", .number(JSONNumber(String(format: "%.0f", baseline)))))
            }
            print(JSONValue.object(JSONObject(fields)).jsonText)
        } else {
            print(report.summary)
            print(
                "import benchmark (\(backend)\(databaseURL == nil ? ", sync=\(sync)" : "")): \(report.rowsRead) rows in "
                    + String(format: "%.2f s = %.0f rows/s", seconds, rate)
                    + "; orders stored: \(totals.orders), sum \(ImportPreparer.formatCents(totals.total))")
            if let baseline {
                print(
                    String(
                        format: "  raw GRDB insert of the same number of rows (yardstick): %.0f rows/s (import = %.0f%%)",
                        baseline, rate / baseline * 100))
            }
        }
    }

    /// A deterministic orders CSV: order id, customer, date, amount, channel, store.
    static func writeSynthetic(rows: Int, to path: String) throws {
        var out = "order_id,user_id,placed_at,amount,channel,store_id\n"
        out.reserveCapacity(rows * 56)
        var seed: UInt64 = 42
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        let channels = ["online", "mini_program", "app", "store"]
        let customers = max(rows / 5, 1)
        for i in 0..<rows {
            let customer = next() % UInt64(customers)
            let day = 1 + next() % 28
            let month = 1 + next() % 12
            let cents = 500 + next() % 200_000
            out += "S\(i),u\(customer),2025-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day),"
            out += "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100),\(channels[Int(next() % 4)]),st\(next() % 50)\n"
        }
        try out.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Rows per second of a plain prepared INSERT of the order row's shape, 10,000 per transaction.
    static func rawInsert(rows: Int, directory: String) throws -> Double {
        var config = GRDB.Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: directory + "/baseline.sqlite", configuration: config)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE orders(id INTEGER PRIMARY KEY, workspace_id INTEGER, customer_id INTEGER,
                        external_id TEXT, placed_at INTEGER, total INTEGER, currency TEXT, channel TEXT);
                    CREATE UNIQUE INDEX orders_external ON orders(workspace_id, external_id);
                    """)
        }
        let started = ContinuousClock.now
        var done = 0
        while done < rows {
            let chunk = min(10_000, rows - done)
            try pool.write { db in
                let statement = try db.makeStatement(
                    sql: """
                        INSERT INTO orders(workspace_id, customer_id, external_id, placed_at, total, currency, channel)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                for i in done..<(done + chunk) {
                    try statement.execute(arguments: [1, i / 5, "S\(i)", 1_700_000_000_000 + i, 1000 + i, "CNY", "online"])
                }
            }
            done += chunk
        }
        let elapsed = ContinuousClock.now - started
        return Double(rows) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
