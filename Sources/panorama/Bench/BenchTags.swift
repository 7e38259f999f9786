import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine

/// `panorama bench tags`: the tag-engine workload from scratch — 20 computed traits, RFM scores,
/// 20 rule tags, 10 segment counts over the tags and a preview — on generated data, first in
/// Panorama and then in DuckDB on the same files (`bench/duckdb_tags.py`), printed side by side
/// with ratios and with the segment member counts of both sides compared.
struct BenchTags: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Traits, RFM, rule tags and segment counts from scratch, in Panorama and DuckDB side by side.",
        discussion: """
            The data is generated with a fixed seed (as `panorama bench generate` does) and written as raw
            column files that the DuckDB side reads too. The DuckDB side needs `pip install duckdb numpy`;
            --no-duckdb measures Panorama alone. Exits non-zero when the two sides count different members.
            """)

    @Option(help: "Number of customers (when generating).") var customers: Int = 1_000_000
    @Option(help: "Seed: the same seed gives the same data.") var seed: UInt64 = 42
    @Option(
        help: "Data directory: read when it holds a manifest.json, else generated into it (default: a temporary directory, removed afterwards)."
    )
    var data: String?
    @Option(help: "Runs of the from-scratch steps in Panorama (the first touches fresh memory).") var runs: Int = 3
    @Option(help: "The DuckDB side: a Python script taking the data directory.") var duckdbScript = "bench/duckdb_tags.py"
    @Option(help: "Python interpreter for the DuckDB side.") var python = "python3"
    @Flag(name: .customLong("no-duckdb"), help: "Measure Panorama only.") var noDuckDB = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard customers >= 0, customers < Int(Int32.max) else { throw ValidationError("--customers must be 0 … 2³¹") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        let duckDB = DuckDBSide(python: python, script: duckdbScript, quiet: json)
        if !noDuckDB { try duckDB.checkScript() }
        let (directory, temporary) = DuckDBSide.directory(data, skipped: noDuckDB, name: "tags")
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }

        // Panorama first, in a scope of its own so that its columns are freed before DuckDB runs.
        let engine = try measureEngine(directory: directory)
        var report = Report(panorama: engine)
        if !noDuckDB, let directory {
            say("DuckDB on \(directory) …")
            report.duckdb = try duckDB.run(directory: directory)
            report.compare()
        }
        if json {
            try printSnakeCaseJSON(report)
        } else {
            report.print()
        }
        if report.countsAgree == false {
            throw ValidationError("the segment member counts of Panorama and DuckDB differ: \(report.disagreements)")
        }
    }

    // MARK: Panorama

    /// Loads or generates the data, then times the workload in the engine.
    private func measureEngine(directory: String?) throws -> EngineReport {
        let clock = ContinuousClock()
        let synthetic: SyntheticData
        var started = clock.now
        synthetic = try SyntheticData.loadOrGenerate(directory: directory, customers: customers, seed: seed, say: say)
        var report = EngineReport(
            customers: synthetic.customers.rowCount, orders: synthetic.orders.count, events: synthetic.events.count,
            seed: synthetic.seed, dataSeconds: (clock.now - started).seconds)

        let traitTypes = Dictionary(uniqueKeysWithValues: TagBenchmarkWorkload.traits.map { ($0.name, $0.resultType) })
            .merging(
                [RFM.recencyColumn: .integer, RFM.frequencyColumn: .integer, RFM.monetaryColumn: .integer,
                 RFM.segmentColumn: .string]
            ) { a, _ in a }
        let checker = RuleTypeChecker(
            schema: RuleSchema(
                attributes: synthetic.customers.types, computedTraits: traitTypes,
                tags: Set(TagBenchmarkWorkload.tags.map(\.name))))
        let tagRules = try TagBenchmarkWorkload.tags.map { (name: $0.name, rule: try checker.check($0.rule)) }
        let segmentRules = try TagBenchmarkWorkload.segments.map {
            (name: $0.name, rule: try checker.check($0.rule))
        }

        // From scratch, `runs` times: traits, RFM, then the rule tags over the filled table.
        var table = synthetic.customers
        var tags: [String: RoaringBitmap] = [:]
        for run in 1...runs {
            say("run \(run): 20 traits …")
            table = synthetic.customers
            started = clock.now
            let traits = try TraitComputer.compute(
                TagBenchmarkWorkload.traits, orders: synthetic.orders, events: synthetic.events,
                context: synthetic.context)
            report.traitSeconds.append((clock.now - started).seconds)
            say("run \(run): RFM …")
            started = clock.now
            let rfm = RFM.compute(orders: synthetic.orders, context: synthetic.context)
            report.rfmSeconds.append((clock.now - started).seconds)
            say("run \(run): 20 rule tags …")
            started = clock.now
            for (name, column) in traits.merging(rfm, uniquingKeysWith: { a, _ in a }) {
                table.setColumn(name, column)
            }
            let evaluator = RuleEvaluator(table: table, context: synthetic.context, tags: [:], segments: [:])
            tags = [:]
            for tag in tagRules { tags[tag.name] = try evaluator.evaluate(tag.rule) }
            report.tagSeconds.append((clock.now - started).seconds)
        }
        report.tagMembers = tags.mapValues(\.count)

        // Segment counts over the tags: a warm-up, then five timed runs each, median per segment
        // (as the DuckDB side measures them); then the first 100 members of the first segment.
        say("10 segment counts …")
        let evaluator = RuleEvaluator(table: table, context: synthetic.context, tags: tags, segments: [:])
        var medians: [Double] = []
        for segment in segmentRules {
            report.segmentCounts[segment.name] = try evaluator.count(segment.rule)
            var times: [Double] = []
            for _ in 0..<5 {
                started = clock.now
                _ = try evaluator.count(segment.rule)
                times.append((clock.now - started).seconds * 1000)
            }
            report.segmentWorstRunMilliseconds = max(report.segmentWorstRunMilliseconds, times.max() ?? 0)
            medians.append(Self.median(times))
        }
        report.segmentMedianMilliseconds = Self.median(medians)
        report.segmentMaxMilliseconds = medians.max() ?? 0
        var previews: [Double] = []
        if let first = segmentRules.first {
            for _ in 0..<5 {
                started = clock.now
                report.previewRows = try evaluator.first(TagBenchmarkWorkload.previewSize, of: first.rule).count
                previews.append((clock.now - started).seconds * 1000)
            }
        }
        report.previewMilliseconds = Self.median(previews)
        report.peakRSSMegabytes = BenchGenerate.peakRSSMegabytes()
        return report
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Progress on stderr, unless printing JSON.
    private func say(_ text: String) {
        if !json { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    // MARK: Reports

    /// Panorama's side.
    struct EngineReport: Encodable {
        var customers: Int
        var orders: Int
        var events: Int
        var seed: UInt64
        var dataSeconds: Double
        var traitSeconds: [Double] = []
        var rfmSeconds: [Double] = []
        /// Filling the table with the trait and RFM columns and evaluating the 20 rule tags.
        var tagSeconds: [Double] = []
        var tagMembers: [String: Int] = [:]
        var segmentCounts: [String: Int] = [:]
        var segmentMedianMilliseconds = 0.0
        var segmentMaxMilliseconds = 0.0
        var segmentWorstRunMilliseconds = 0.0
        var previewMilliseconds = 0.0
        var previewRows = 0
        var peakRSSMegabytes = 0.0

        /// Traits + RFM + tags of each run.
        var fromScratchSeconds: [Double] {
            zip(zip(traitSeconds, rfmSeconds), tagSeconds).map { $0.0 + $0.1 + $1 }
        }

        enum CodingKeys: String, CodingKey {
            case customers, orders, events, seed, dataSeconds, traitSeconds, rfmSeconds, tagSeconds, tagMembers,
                segmentCounts, segmentMedianMilliseconds, segmentMaxMilliseconds, segmentWorstRunMilliseconds,
                previewMilliseconds, previewRows, peakRSSMegabytes, fromScratchSeconds
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(customers, forKey: .customers)
            try c.encode(orders, forKey: .orders)
            try c.encode(events, forKey: .events)
            try c.encode(seed, forKey: .seed)
            try c.encode(dataSeconds, forKey: .dataSeconds)
            try c.encode(traitSeconds, forKey: .traitSeconds)
            try c.encode(rfmSeconds, forKey: .rfmSeconds)
            try c.encode(tagSeconds, forKey: .tagSeconds)
            try c.encode(fromScratchSeconds, forKey: .fromScratchSeconds)
            try c.encode(tagMembers, forKey: .tagMembers)
            try c.encode(segmentCounts, forKey: .segmentCounts)
            try c.encode(segmentMedianMilliseconds, forKey: .segmentMedianMilliseconds)
            try c.encode(segmentMaxMilliseconds, forKey: .segmentMaxMilliseconds)
            try c.encode(segmentWorstRunMilliseconds, forKey: .segmentWorstRunMilliseconds)
            try c.encode(previewMilliseconds, forKey: .previewMilliseconds)
            try c.encode(previewRows, forKey: .previewRows)
            try c.encode(peakRSSMegabytes, forKey: .peakRSSMegabytes)
        }
    }

    /// What `bench/duckdb_tags.py` prints.
    struct DuckDBReport: Codable {
        var duckdb: String
        var threads: Int
        var loadMs: Double
        var featuresMs: Double
        var tagsMs: Double
        var segmentMedianMs: Double
        var segmentMaxMs: Double
        var previewMs: Double
        var previewRows: Int
        var segmentCounts: [String: Int]
        var peakRssMb: Double
    }

    /// Both sides, DuckDB's time over Panorama's (higher: Panorama faster).
    struct Report: Encodable {
        var benchmark = "tags"
        var panorama: EngineReport
        var duckdb: DuckDBReport?
        /// DuckDB ÷ Panorama per step; Panorama's first run (a fresh process, like DuckDB's one run).
        var ratios: [String: Double]?
        var countsAgree: Bool?
        var disagreements: [String] = []

        /// Fills the ratios and compares the segment counts.
        mutating func compare() {
            guard let duckdb else { return }
            func ratio(_ theirs: Double, _ ours: Double) -> Double { ours > 0 ? theirs / ours : 0 }
            let first = 0
            ratios = [
                "traits": ratio(duckdb.featuresMs / 1000, panorama.traitSeconds[first]),
                "rfm_and_tags": ratio(
                    duckdb.tagsMs / 1000, panorama.rfmSeconds[first] + panorama.tagSeconds[first]),
                "from_scratch": ratio(
                    (duckdb.featuresMs + duckdb.tagsMs) / 1000, panorama.fromScratchSeconds[first]),
                "segment_count_median": ratio(duckdb.segmentMedianMs, panorama.segmentMedianMilliseconds),
                "segment_count_max": ratio(duckdb.segmentMaxMs, panorama.segmentMaxMilliseconds),
                "preview": ratio(duckdb.previewMs, panorama.previewMilliseconds),
                "peak_memory": ratio(duckdb.peakRssMb, panorama.peakRSSMegabytes),
            ]
            disagreements = panorama.segmentCounts.keys.sorted().compactMap { name in
                let ours = panorama.segmentCounts[name]
                let theirs = duckdb.segmentCounts[name]
                return ours == theirs ? nil : "\(name): \(ours.map(String.init) ?? "–") vs \(theirs.map(String.init) ?? "–")"
            }
            countsAgree = disagreements.isEmpty && duckdb.segmentCounts.count == panorama.segmentCounts.count
        }

        /// Prints the two sides as a table.
        func print() {
            let p = panorama
            Swift.print(
                "bench tags: \(p.customers) customers, \(p.orders) orders, \(p.events) events (seed \(p.seed))"
                    + (duckdb.map { " — Panorama vs DuckDB \($0.duckdb), \($0.threads) threads" } ?? ""))
            func seconds(_ values: [Double]) -> String {
                values.map { String(format: "%.3f", $0) }.joined(separator: " / ") + " s"
            }
            func row(_ label: String, _ ours: String, _ theirs: Double?, _ unit: String, _ ratio: String) {
                let text = label.padding(toLength: 30, withPad: " ", startingAt: 0)
                let ourText = ours.padding(toLength: 30, withPad: " ", startingAt: 0)
                let theirText = theirs.map { String(format: "%.2f %@", $0, unit) } ?? "–"
                let ratioText = ratios?[ratio].map { String(format: "%.1f×", $0) } ?? ""
                Swift.print("  \(text) \(ourText) \(theirText.padding(toLength: 14, withPad: " ", startingAt: 0)) \(ratioText)")
            }
            Swift.print("  step                           Panorama (runs)                DuckDB         DuckDB ÷ Panorama")
            row("20 traits", seconds(p.traitSeconds), duckdb.map { $0.featuresMs / 1000 }, "s", "traits")
            row(
                "RFM + 20 rule tags", seconds(zip(p.rfmSeconds, p.tagSeconds).map(+)),
                duckdb.map { $0.tagsMs / 1000 }, "s", "rfm_and_tags")
            row(
                "from scratch (sum)", seconds(p.fromScratchSeconds),
                duckdb.map { ($0.featuresMs + $0.tagsMs) / 1000 }, "s", "from_scratch")
            row(
                "segment count, median", String(format: "%.3f ms", p.segmentMedianMilliseconds),
                duckdb?.segmentMedianMs, "ms", "segment_count_median")
            row(
                "segment count, slowest", String(format: "%.3f ms (worst run %.3f)", p.segmentMaxMilliseconds, p.segmentWorstRunMilliseconds),
                duckdb?.segmentMaxMs, "ms", "segment_count_max")
            row(
                "first \(TagBenchmarkWorkload.previewSize) members", String(format: "%.3f ms", p.previewMilliseconds),
                duckdb?.previewMs, "ms", "preview")
            row(
                "peak RSS", String(format: "%.0f MB", p.peakRSSMegabytes), duckdb?.peakRssMb, "MB", "peak_memory")
            if let countsAgree {
                Swift.print(
                    countsAgree
                        ? "  segment member counts: equal on both sides (\(p.segmentCounts.count) segments)"
                        : "  segment member counts DIFFER: \(disagreements.joined(separator: "; "))")
            }
            Swift.print("  ratios use Panorama's first run (a fresh process, as DuckDB's single run)")
        }
    }
}
