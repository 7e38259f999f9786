import ArgumentParser
import Foundation
import PanoramaServices

/// `panorama bench import-read`: the reading and cleaning half of bulk import (reader, mapping, cleaning,
/// prepared orders in batches) without a store, to show it runs well above what the store can take.
struct BenchImportRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-read",
        abstract: "Prepare a file for import without storing it (default: CDNOW as orders): rows/s.")

    @Option(help: "File to prepare (default: ../shared/data/cdnow/CDNOW_master.txt with the built-in CDNOW mapping).")
    var file: String?
    @Option(help: "Mapping file (JSON or YAML); default: the CDNOW mapping for the CDNOW file, else inferred.")
    var mapping: String?
    @Option(help: "What the rows become: customers, orders or events.") var kind: String = "orders"
    @Option(name: .customLong("repeat"), help: "Prepare the file this many times; the best run is reported.")
    var repetitions: Int = 5
    @Option(help: "Rows per batch handed to the (discarding) consumer.") var batch: Int = 10_000
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard let kind = ImportKind(rawValue: kind) else {
            throw ValidationError("--kind must be customers, orders or events")
        }
        guard repetitions >= 1 else { throw ValidationError("--repeat must be at least 1") }
        let path = file ?? "../shared/data/cdnow/CDNOW_master.txt"
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("cannot read '\(path)'; pass --file")
        }
        let importMapping: ImportMapping?
        if let mapping {
            importMapping = try ImportMapping.load(path: mapping)
        } else if file == nil {
            importMapping = .cdnowOrders
        } else {
            importMapping = nil
        }

        var seconds: [Double] = []
        var last: ImportReport?
        var amount: Int64 = 0
        for _ in 0..<repetitions {
            let preparer = try ImportPreparer(
                source: .file(path), options: ImportOptions(kind: kind, mapping: importMapping, batchSize: batch))
            var runAmount: Int64 = 0
            let started = ContinuousClock.now
            let report = try await preparer.run { batch in
                if case .orders(let orders) = batch {
                    for order in orders { runAmount += order.amountCents }
                }
                return []
            }
            let elapsed = ContinuousClock.now - started
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            last = report
            amount = runAmount
        }
        guard var report = last else { return }
        report.dryRun = true
        let best = seconds.min() ?? 0
        let median = seconds.sorted()[seconds.count / 2]
        let rows = Double(report.rowsRead)
        if json {
            print(
                #"{"file":"\#(path)","kind":"\#(kind.rawValue)","rows":\#(report.rowsRead),"accepted":\#(report.accepted),"#
                    + #""rejected":\#(report.rejected),"prepared":\#(report.prepared),"amount_cents":\#(amount),"#
                    + #""runs":\#(seconds.count),"best_seconds":\#(best),"median_seconds":\#(median),"#
                    + #""rows_per_second_best":\#(Int(rows / best)),"rows_per_second_median":\#(Int(rows / median))}"#)
        } else {
            print(report.summary)
            if kind == .orders { print("  amount: \(ImportPreparer.formatCents(amount)) in cents-exact sum") }
            print(
                "import-read: \(report.rowsRead) rows, best of \(seconds.count) runs "
                    + String(
                        format: "%.1f ms = %.0f rows/s (median %.1f ms = %.0f rows/s)", best * 1000, rows / best,
                        median * 1000, rows / median))
        }
    }
}
