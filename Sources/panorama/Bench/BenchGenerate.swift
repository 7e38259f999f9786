import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine

/// `panorama bench generate`: the synthetic customer base of the tag-engine benchmark, written as
/// raw column files that `bench/duckdb_tags.py` and the engine benchmark both read, and
/// (`--measure`) the time of the 20 workload traits and RFM on it.
struct BenchGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract:
            "Synthetic customers, orders and events (seeded) as raw little-endian columns + manifest.json; --measure times the 20 traits and RFM."
    )

    @Option(help: "Number of customers.") var customers: Int = 1_000_000
    @Option(help: "Seed: the same seed gives the same data.") var seed: UInt64 = 42
    @Option(help: "Directory to write the column files and manifest.json to (created if missing).") var out: String?
    @Option(help: "Load an existing data directory instead of generating.") var from: String?
    @Flag(help: "Also compute the 20 workload traits and RFM and report their times.") var measure = false
    @Option(help: "Runs of each measured step (the first touches fresh memory).") var runs: Int = 3
    @Flag(help: "Print JSON.") var json = false

    /// Generates (or loads), writes, measures and prints.
    func run() async throws {
        guard customers >= 0, customers < Int(Int32.max) else { throw ValidationError("--customers must be 0 … 2³¹") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard out != nil || measure else { throw ValidationError("give --out DIR, --measure, or both") }
        let clock = ContinuousClock()
        var report = Report(customers: 0, orders: 0, events: 0, seed: seed)

        let data: SyntheticData
        var started = clock.now
        if let from {
            say("loading \(from) …")
            data = try SyntheticData.load(from: from)
            report.loadSeconds = (clock.now - started).seconds
        } else {
            data = SyntheticData.generate(customers: customers, seed: seed) { say("generating \($0) …") }
            report.generateSeconds = (clock.now - started).seconds
        }
        report.customers = data.customers.rowCount
        report.orders = data.orders.count
        report.events = data.events.count
        report.seed = data.seed
        report.dataMegabytes = Double(data.memoryBytes) / 1_048_576

        if let out {
            say("writing \(out) …")
            started = clock.now
            try data.write(to: out)
            report.writeSeconds = (clock.now - started).seconds
            report.directory = out
        }

        if measure {
            let traits = TagBenchmarkWorkload.traits
            var traitColumns: [String: Column] = [:]
            var traitSeconds: [Double] = []
            var rfmSeconds: [Double] = []
            var rfmColumns: [String: Column] = [:]
            for run in 1...runs {
                say("run \(run): 20 traits …")
                traitColumns = [:]
                started = clock.now
                traitColumns = try TraitComputer.compute(
                    traits, orders: data.orders, events: data.events, context: data.context)
                traitSeconds.append((clock.now - started).seconds)
                say("run \(run): RFM …")
                rfmColumns = [:]
                started = clock.now
                rfmColumns = RFM.compute(orders: data.orders, context: data.context)
                rfmSeconds.append((clock.now - started).seconds)
            }
            report.traitSeconds = traitSeconds
            report.rfmSeconds = rfmSeconds
            report.realTimeMicroseconds = try Self.measureRealTime(data, traits: traits)
            report.checksums = Self.checksums(traitColumns.merging(rfmColumns) { a, _ in a })
        }
        report.peakRSSMegabytes = Self.peakRSSMegabytes()

        if json {
            try printSnakeCaseJSON(report)
        } else {
            report.print()
        }
    }

    /// Progress on stderr, unless printing JSON.
    private func say(_ text: String) {
        if !json { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// The real-time path: for 10,000 random customers, build columns holding that customer alone
    /// (as after an ingested event) and compute the 20 traits with a prepared program; the mean
    /// microseconds per customer, building included.
    static func measureRealTime(_ data: SyntheticData, traits: [TraitDefinition]) throws -> Double {
        guard data.customers.rowCount > 0 else { return 0 }
        var random = SplitMix64(seed: 1)
        let rows = (0..<10_000).map { _ in Int(random.next() % UInt64(data.customers.rowCount)) }
        let channels = data.orders.channelDictionary.strings
        let stores = data.orders.storeDictionary.strings
        let names = data.events.nameDictionary.strings
        let perCustomer = rows.map { row in
            (
                data.orders.range(ofRow: row).map { i in
                    OrderColumns.Record(
                        timestamp: data.orders.timestamp[i], amount: data.orders.amount[i],
                        items: data.orders.items[i], channel: channels[Int(data.orders.channel[i])],
                        store: stores[Int(data.orders.store[i])],
                        status: OrderColumns.Status(rawValue: data.orders.status[i]) ?? .completed)
                },
                data.events.range(ofRow: row).map { i in
                    EventColumns.Record(timestamp: data.events.timestamp[i], name: names[Int(data.events.name[i])])
                }
            )
        }
        let program = try TraitProgram(traits)
        var checksum: Int64 = 0
        let started = ContinuousClock.now
        for (orderRecords, eventRecords) in perCustomer {
            var orders = OrderColumns(utcOffsetSeconds: data.context.utcOffsetSeconds)
            orders.appendCustomer(orderRecords)
            var events = EventColumns(utcOffsetSeconds: data.context.utcOffsetSeconds)
            events.appendCustomer(eventRecords)
            let values = program.computeRow(orders: orders, events: events, row: 0, context: data.context)
            checksum &+= values[0] ?? 0
        }
        let elapsed = (ContinuousClock.now - started).seconds
        precondition(checksum >= 0)
        return elapsed / Double(rows.count) * 1e6
    }

    /// Per column, the non-NULL rows and the sum of their encoded values, to compare with DuckDB.
    static func checksums(_ columns: [String: Column]) -> [String: Checksum] {
        columns.mapValues { column in
            var present = 0
            var sum: Int64 = 0
            for row in 0..<column.count where column.present[row] {
                present += 1
                sum &+= column.values[row]
            }
            return Checksum(present: present, sum: sum)
        }
    }

    /// The process's peak resident set so far.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_maxrss) / 1024  // kilobytes
        #else
            getrusage(RUSAGE_SELF, &usage)
            return Double(usage.ru_maxrss) / 1_048_576  // bytes
        #endif
    }

    /// Non-NULL count and sum of one column.
    struct Checksum: Encodable {
        var present: Int
        var sum: Int64
    }

    /// The `--json` output.
    struct Report: Encodable {
        var benchmark = "generate"
        var customers: Int
        var orders: Int
        var events: Int
        var seed: UInt64
        var directory: String?
        var generateSeconds: Double?
        var loadSeconds: Double?
        var writeSeconds: Double?
        var dataMegabytes: Double = 0
        /// Each run of the 20 workload traits over every customer.
        var traitSeconds: [Double]?
        /// Each run of RFM (its three input traits and the scoring).
        var rfmSeconds: [Double]?
        /// One customer's 20 traits from columns built for them alone, mean per customer.
        var realTimeMicroseconds: Double?
        var checksums: [String: Checksum]?
        var peakRSSMegabytes: Double = 0

        /// Prints the figures as text.
        func print() {
            func s(_ value: Double?) -> String { value.map { String(format: "%.3f s", $0) } ?? "–" }
            func list(_ values: [Double]) -> String {
                values.map { String(format: "%.3f", $0) }.joined(separator: " / ")
            }
            Swift.print("bench generate: \(customers) customers, \(orders) orders, \(events) events (seed \(seed))")
            if let generateSeconds { Swift.print("  generate            : \(s(generateSeconds))") }
            if let loadSeconds { Swift.print("  load                : \(s(loadSeconds))") }
            if let writeSeconds { Swift.print("  write               : \(s(writeSeconds)) → \(directory ?? "")") }
            Swift.print(String(format: "  data in memory      : %.0f MB", dataMegabytes))
            if let traitSeconds { Swift.print("  20 traits           : \(list(traitSeconds)) s (runs)") }
            if let rfmSeconds { Swift.print("  RFM                 : \(list(rfmSeconds)) s (runs)") }
            if let realTimeMicroseconds {
                Swift.print(String(format: "  one customer (real time): %.1f µs for 20 traits", realTimeMicroseconds))
            }
            Swift.print(String(format: "  peak RSS            : %.0f MB", peakRSSMegabytes))
        }
    }
}

extension SyntheticData {
    /// Bytes held by the customer, order and event columns.
    var memoryBytes: Int {
        let customerBytes = customers.columns.values.reduce(0) { $0 + $1.values.count * 8 + $1.present.words.count * 8 }
        let orderBytes = orders.offsets.count * 8 + orders.count * (4 + 8 + 8 + 4 + 4 + 4 + 1)
        let eventBytes = events.offsets.count * 8 + events.count * (4 + 8 + 4)
        return customerBytes + orderBytes + eventBytes
    }
}
