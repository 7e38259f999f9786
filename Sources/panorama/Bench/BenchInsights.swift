import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine

/// `panorama bench insights`: the customer-insight queries of issue #7 on generated data — the
/// KPI set of the last month with a breakdown by channel and the previous period, the RFM matrix
/// and segments, a 12-month cohort triangle, a 3-step funnel with a property filter on one step,
/// the campaign ROI of the month (last touch, 30 days; the generated event properties and
/// campaigns are `SyntheticEventProperties.swift`'s), and the CLV fit with the scoring of every buyer — in
/// Panorama and then in DuckDB on the same files (`bench/duckdb_insights.py`), side by side, with
/// the results of both sides compared.
struct BenchInsights: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights",
        abstract: "KPIs, RFM, cohorts, a filtered funnel, campaign ROI and CLV, in Panorama and DuckDB side by side.",
        discussion: """
            The data is `panorama bench generate`'s (fixed seed; about 6 orders per customer), written as raw
            column files that the DuckDB side reads too. Loading or generating the data is reported apart from
            the queries. The DuckDB side needs `pip install duckdb numpy`; --no-duckdb measures Panorama alone.
            Exits non-zero when the two sides' results differ.
            """)

    @Option(help: "Number of customers (when generating).") var customers: Int = 1_000_000
    @Option(help: "Seed: the same seed gives the same data.") var seed: UInt64 = 42
    @Option(
        help:
            "Data directory: read when it holds a manifest.json, else generated into it (default: a temporary directory, removed afterwards)."
    )
    var data: String?
    @Option(help: "Timed runs of each query (the median is reported).") var runs: Int = 5
    @Option(help: "The DuckDB side: a Python script taking the data directory.") var duckdbScript =
        "bench/duckdb_insights.py"
    @Option(help: "Python interpreter for the DuckDB side.") var python = "python3"
    @Flag(name: .customLong("no-duckdb"), help: "Measure Panorama only.") var noDuckDB = false
    @Flag(help: "Print JSON.") var json = false

    /// The month measured: June 2026, the last month of the data, and the cohorts of the 12
    /// months up to it.
    static let monthStart = Timestamp.days(fromCivil: 2026, 6, 1)
    static let monthEnd = Timestamp.days(fromCivil: 2026, 7, 1)
    static let firstCohort = InsightCalendar.month(ofDay: Timestamp.days(fromCivil: 2025, 7, 1))
    /// The funnel's conversion window and the ROI's attribution window, days.
    static let funnelWindowDays = 7
    static let roiWindowDays = 30

    func run() async throws {
        guard customers >= 1, customers < Int(Int32.max) else { throw ValidationError("--customers must be 1 … 2³¹") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        let duckDB = DuckDBSide(python: python, script: duckdbScript, quiet: json)
        if !noDuckDB { try duckDB.checkScript() }
        let (directory, temporary) = DuckDBSide.directory(data, skipped: noDuckDB, name: "insights")
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        var report = Report(panorama: try measureEngine(directory: directory))
        if !noDuckDB, let directory {
            say("DuckDB on \(directory) …")
            report.duckdb = try duckDB.run(directory: directory)
            report.compare()
        }
        if json { try printSnakeCaseJSON(report) } else { report.print() }
        if !report.disagreements.isEmpty {
            throw ValidationError("Panorama and DuckDB disagree: \(report.disagreements.joined(separator: "; "))")
        }
    }

    /// Times `body` `runs` times; returns the median milliseconds and the last result.
    private func timed<R>(_ label: String, _ body: () throws -> R) rethrows -> (ms: Double, result: R) {
        say("\(label) …")
        var times: [Double] = []
        var result: R?
        for _ in 0..<runs {
            let started = ContinuousClock.now
            result = try body()
            times.append((ContinuousClock.now - started).seconds * 1000)
        }
        return (BenchTags.median(times), result!)
    }

    private func measureEngine(directory: String?) throws -> EngineReport {
        let started = ContinuousClock.now
        let synthetic: SyntheticData
        synthetic = try SyntheticData.loadOrGenerate(directory: directory, customers: customers, seed: seed, say: say)
        let dataset = InsightDataset(
            orders: synthetic.orders, events: synthetic.events,
            attributes: synthetic.customers.columns.filter { $0.value.type == .string },
            today: synthetic.context.today)
        var report = EngineReport(
            customers: dataset.rowCount, orders: dataset.orders.count, events: dataset.events.count,
            seed: synthetic.seed,
            dataSeconds: (ContinuousClock.now - started).seconds)

        let kpis = try timed("KPIs of a month by channel") {
            try KPIs.report(dataset, from: Self.monthStart, to: Self.monthEnd, breakdown: .channel)
        }
        report.kpiMs = kpis.ms
        report.kpi = Check(kpis.result.total)
        report.kpiPrevious = Check(kpis.result.previous)
        report.kpiChannels = Dictionary(
            uniqueKeysWithValues: kpis.result.breakdown.map { ($0.label, Check($0.values)) })

        // The other breakdowns, Panorama only: by a customer attribute, by category (each order
        // of the data given one or two of 8 categories, as `withCategories` hands them over), and
        // the members-by-tier count that every report includes.
        let byCity = try timed("KPIs of a month by city") {
            try KPIs.report(dataset, from: Self.monthStart, to: Self.monthEnd, breakdown: .attribute("city"))
        }
        report.kpiCityMs = byCity.ms
        var withItems = dataset
        withItems.categories = Self.syntheticCategories(orders: dataset.orders.count)
        let byCategory = try timed("KPIs of a month by category") {
            try KPIs.report(withItems, from: Self.monthStart, to: Self.monthEnd, breakdown: .category)
        }
        report.kpiCategoryMs = byCategory.ms
        if let tier = dataset.attributes["tier"] {
            let rows = dataset.included(nil)
            report.kpiTierMs = timed("members by tier") { KPIs.membersByTier(tier, rows: rows) }.ms
        }

        let rfm = timed("RFM matrix") { RFMAnalysis.report(dataset) }
        report.rfmMs = rfm.ms
        report.rfmCells = rfm.result.cells.flatMap { $0.map(\.customers) }
        report.rfmSegments = Dictionary(
            uniqueKeysWithValues: rfm.result.segments.map { ($0.segment.name, $0.customers) })

        let cohorts = try timed("12-month cohort triangle") {
            try Cohorts.triangle(dataset, firstMonth: Self.firstCohort, months: 12)
        }
        report.cohortMs = cohorts.ms
        report.cohortSizes = cohorts.result.cohorts.map(\.customers)
        report.cohortActive = cohorts.result.cohorts.flatMap(\.active)
        report.cohortRevenue = cohorts.result.cohorts.flatMap(\.revenue).reduce(0, +)

        // A funnel of three steps, the second filtered on an event property: the match set of the
        // filtered step (its condition evaluated on each event's properties, as the service does
        // on the properties it reads from the store) and the funnel over it.
        let seed = synthetic.seed
        let events = dataset.events
        let condition = try PropertyCondition(property: "category", op: .eq, value: .string("书籍"))
        let funnelSteps = [
            FunnelStep("Product Viewed"), FunnelStep("Product Added", where: [condition]),
            FunnelStep("Order Completed"),
        ]
        let categoryProperties = SyntheticData.eventCategories.map { JSONValue.object(["category": .string($0)]) }
        let funnel = try timed("funnel of 3 steps, one filtered") {
            var matches = BitVector(count: events.count)
            if let code = events.nameDictionary.existingCode(for: "Product Added").map(Int32.init) {
                for e in 0..<events.count where events.name[e] == code {
                    let properties = categoryProperties[SyntheticData.eventCategory(e, seed: seed)]
                    if funnelSteps[1].matches(properties) { matches[e] = true }
                }
            }
            return try Funnel.report(
                dataset, steps: funnelSteps, matches: [nil, matches, nil], from: Self.monthStart, to: Self.monthEnd,
                windowDays: Self.funnelWindowDays)
        }
        report.funnelMs = funnel.ms
        report.funnelCounts = funnel.result.counts

        // The ROI of the month, last touch in 30 days: the campaign touches of the month and the
        // 30 days before and the paid orders of the month, credited (`Attribution`).
        let roi = timed("ROI of a month, last touch") { () -> [CampaignROI] in
            let offset = dataset.orders.utcOffsetSeconds
            let start = (Self.monthStart * 86_400 - offset) * 1000
            let end = (Self.monthEnd * 86_400 - offset) * 1000
            let touchStart = start - Int64(Self.roiWindowDays) * 86_400_000
            let carriers = Set(
                SyntheticData.campaignEventNames.compactMap {
                    events.nameDictionary.existingCode(for: $0).map(Int32.init)
                })
            var touches: [CampaignTouch] = []
            let orders = dataset.orders
            let channels = orders.channelDictionary.strings
            let paid = OrderColumns.Status.completed.rawValue
            var attributed: [AttributedOrder] = []
            for row in 0..<dataset.rowCount {
                for e in events.range(ofRow: row) where carriers.contains(events.name[e]) {
                    let at = events.timestamp[e] * 1000
                    guard at >= touchStart, at < end, let c = SyntheticData.eventCampaign(e, seed: seed) else {
                        continue
                    }
                    touches.append(CampaignTouch(customerID: Int64(row), at: at, campaign: SyntheticData.campaigns[c]))
                }
                for o in orders.range(ofRow: row) where orders.status[o] == paid {
                    let day = Int64(orders.day[o])
                    guard day >= Self.monthStart, day < Self.monthEnd else { continue }
                    attributed.append(
                        AttributedOrder(
                            customerID: Int64(row), placedAt: orders.timestamp[o] * 1000, amount: orders.amount[o],
                            channel: channels[Int(orders.channel[o])]))
                }
            }
            return Attribution.report(
                touches: touches, orders: attributed, from: start, to: end, windowDays: Self.roiWindowDays,
                model: .lastTouch, costs: [:])
        }
        report.roiMs = roi.ms
        report.roi = Dictionary(
            uniqueKeysWithValues: roi.result.map {
                (
                    $0.campaign == CampaignROI.direct ? "(direct)/\($0.source ?? "")" : $0.campaign,
                    [Int64($0.touches), Int64($0.buyers), Int64($0.orders), $0.revenue]
                )
            })

        // The CLV fit is long: fewer runs.
        say("CLV fit and scoring …")
        var clvTimes: [Double] = []
        var scores: CLVScores?
        for _ in 0..<max(1, min(runs, 2)) {
            let begin = ContinuousClock.now
            scores = CLVScoring.score(dataset)
            clvTimes.append((ContinuousClock.now - begin).seconds * 1000)
        }
        report.clvMs = BenchTags.median(clvTimes)
        let summaryStarted = ContinuousClock.now
        let summaries = CLVScoring.summaries(dataset, asOf: dataset.today)
        report.clvSummaryMs = (ContinuousClock.now - summaryStarted).seconds * 1000
        let buyers = summaries.compactMap { $0 }
        report.clvBuyers = buyers.count
        report.clvRepeatPurchases = Int(buyers.reduce(0) { $0 + $1.x })
        if let scores {
            report.clvModel = [
                "r": scores.frequency.r, "alpha": scores.frequency.alpha, "a": scores.frequency.a,
                "b": scores.frequency.b,
                "p": scores.spend.p, "q": scores.spend.q, "gamma": scores.spend.gamma,
            ]
            report.clvDistinctHistories = scores.distinctHistories
            let predictions = scores.predictions.compactMap { $0 }
            report.clvMeanPAlive =
                predictions.reduce(0) { $0 + $1.probabilityAlive } / Double(max(1, predictions.count))
        }
        // Churn on a time-based holdout: the models fitted on the data up to 90 days before its
        // end; does a low churn risk rank the buyers who bought in those 90 days?
        say("churn holdout …")
        let cutoff = dataset.today - 90
        let holdout = CLVScoring.score(dataset, asOf: cutoff, churnHorizonDays: 90)
        var ranks: [Double] = []
        var labels: [Bool] = []
        let orders = dataset.orders
        let paid = OrderColumns.Status.completed.rawValue
        for row in 0..<dataset.rowCount {
            guard let prediction = holdout.predictions[row] else { continue }
            ranks.append(1 - prediction.churnRisk)
            labels.append(
                orders.range(ofRow: row).contains { orders.status[$0] == paid && Int64(orders.day[$0]) > cutoff })
        }
        report.churnHoldoutAUC = ROC.auc(scores: ranks, labels: labels)
        // The logistic churn model on the same holdout (fitted 90 days before the cutoff).
        say("logistic churn holdout …")
        let logisticStarted = ContinuousClock.now
        report.churnLogisticHoldoutAUC = ChurnModel.holdout(dataset, asOf: dataset.today, horizonDays: 90).logistic
        report.churnLogisticMs = (ContinuousClock.now - logisticStarted).seconds * 1000
        report.peakRSSMegabytes = BenchGenerate.peakRSSMegabytes()
        return report
    }

    /// One or two of 8 categories per order, fixed by its position.
    static func syntheticCategories(orders: Int) -> OrderItems {
        var items = OrderItems()
        for o in 0..<orders {
            let first = o % 8
            items.appendOrder(o % 3 == 0 ? ["c\(first)", "c\((o / 3 + 1) % 8)"] : ["c\(first)"])
        }
        if orders == 0 { items.appendEmptyOrders(0) }
        return items
    }

    /// Progress on stderr, unless printing JSON.
    private func say(_ text: String) {
        if !json { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    // MARK: Reports

    /// The KPI values both sides compute, to compare.
    struct Check: Codable, Equatable {
        var newCustomers: Int
        var activeCustomers: Int
        var buyers: Int
        var repeatBuyers: Int
        var orders: Int
        var gmv: Int64
        var netRevenue: Int64
        var lifetimeRevenue: Int64

        init(_ v: KPIValues) {
            newCustomers = v.newCustomers
            activeCustomers = v.activeCustomers
            buyers = v.buyers
            repeatBuyers = v.repeatBuyers
            orders = v.orders
            gmv = v.gmv
            netRevenue = v.netRevenue
            lifetimeRevenue = v.lifetimeRevenue
        }
    }

    struct EngineReport: Encodable {
        var customers: Int
        var orders: Int
        var events: Int
        var seed: UInt64
        var dataSeconds: Double
        var kpiMs = 0.0
        var kpi: Check?
        var kpiPrevious: Check?
        var kpiChannels: [String: Check] = [:]
        /// The same month by city, by category, and the members-by-tier count alone.
        var kpiCityMs = 0.0
        var kpiCategoryMs = 0.0
        var kpiTierMs = 0.0
        var rfmMs = 0.0
        var rfmCells: [Int] = []
        var rfmSegments: [String: Int] = [:]
        var cohortMs = 0.0
        var cohortSizes: [Int] = []
        var cohortActive: [Int] = []
        var cohortRevenue: Int64 = 0
        var funnelMs = 0.0
        /// Customers reaching each step.
        var funnelCounts: [Int] = []
        var roiMs = 0.0
        /// Per campaign (or `(direct)/channel`): touches, buyers, orders, revenue (minor units).
        var roi: [String: [Int64]] = [:]
        var clvMs = 0.0
        /// The per-customer summaries alone (the part DuckDB can do).
        var clvSummaryMs = 0.0
        var clvBuyers = 0
        var clvRepeatPurchases = 0
        var clvDistinctHistories = 0
        var clvModel: [String: Double] = [:]
        var clvMeanPAlive = 0.0
        /// AUC of 1 − churn risk for "buys in the last 90 days", models fitted on the data before.
        var churnHoldoutAUC = 0.0
        /// The same for the logistic churn model (`ChurnModel`), and the time of its holdout run
        /// (two BG/NBD fits, two feature passes, one regression fit, one BG/NBD scoring).
        var churnLogisticHoldoutAUC = 0.0
        var churnLogisticMs = 0.0
        var peakRSSMegabytes = 0.0
    }

    /// What `bench/duckdb_insights.py` prints.
    struct DuckDBReport: Codable {
        var duckdb: String
        var threads: Int
        var loadMs: Double
        var kpiMs: Double
        var rfmMs: Double
        var cohortMs: Double
        var clvSummaryMs: Double
        var funnelMs: Double
        var roiMs: Double
        var kpi: Check
        var kpiPrevious: Check
        var kpiChannels: [String: Check]
        var rfmCells: [Int]
        var cohortSizes: [Int]
        var cohortActive: [Int]
        var cohortRevenue: Int64
        var funnelCounts: [Int]
        var roi: [String: [Int64]]
        var clvBuyers: Int
        var clvRepeatPurchases: Int
        var peakRssMb: Double
    }

    struct Report: Encodable {
        var benchmark = "insights"
        var panorama: EngineReport
        var duckdb: DuckDBReport?
        /// DuckDB ÷ Panorama per query (higher: Panorama faster).
        var ratios: [String: Double]?
        var disagreements: [String] = []

        mutating func compare() {
            guard let d = duckdb else { return }
            let p = panorama
            func ratio(_ theirs: Double, _ ours: Double) -> Double { ours > 0 ? theirs / ours : 0 }
            ratios = [
                "kpis": ratio(d.kpiMs, p.kpiMs), "rfm": ratio(d.rfmMs, p.rfmMs),
                "cohorts": ratio(d.cohortMs, p.cohortMs),
                "clv_summary": ratio(d.clvSummaryMs, p.clvSummaryMs),
                "funnel": ratio(d.funnelMs, p.funnelMs), "roi": ratio(d.roiMs, p.roiMs),
            ]
            func check(_ name: String, _ same: Bool) { if !same { disagreements.append(name) } }
            check("kpi total", p.kpi == d.kpi)
            check("kpi previous", p.kpiPrevious == d.kpiPrevious)
            check("kpi by channel", p.kpiChannels == d.kpiChannels)
            check("rfm cells", p.rfmCells == d.rfmCells)
            check("cohort sizes", p.cohortSizes == d.cohortSizes)
            check("cohort active", p.cohortActive == d.cohortActive)
            check("cohort revenue", p.cohortRevenue == d.cohortRevenue)
            check("clv buyers", p.clvBuyers == d.clvBuyers && p.clvRepeatPurchases == d.clvRepeatPurchases)
            check("funnel", p.funnelCounts == d.funnelCounts)
            check("roi", p.roi == d.roi)
        }

        func print() {
            let p = panorama
            Swift.print(
                "bench insights: \(p.customers) customers, \(p.orders) orders, \(p.events) events (seed \(p.seed)); data \(String(format: "%.1f", p.dataSeconds)) s"
                    + (duckdb.map {
                        " — Panorama vs DuckDB \($0.duckdb), \($0.threads) threads, DuckDB load \(String(format: "%.1f", $0.loadMs / 1000)) s"
                    } ?? ""))
            func row(_ label: String, _ ours: Double, _ theirs: Double?, _ key: String, target: String) {
                let ratio = ratios?[key].map { String(format: "%.1f×", $0) } ?? ""
                Swift.print(
                    "  \(label.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%10.1f ms", ours))  \((theirs.map { String(format: "%10.1f ms", $0) } ?? "         –").padding(toLength: 14, withPad: " ", startingAt: 0))  \(ratio.padding(toLength: 8, withPad: " ", startingAt: 0)) \(target)"
                )
            }
            Swift.print("  query (median of runs)             Panorama       DuckDB          DuckDB÷Panorama  target")
            row("KPIs of a month, by channel", p.kpiMs, duckdb?.kpiMs, "kpis", target: "≤ 200 ms")
            row("  the same by city", p.kpiCityMs, nil, "", target: "")
            row("  the same by category", p.kpiCategoryMs, nil, "", target: "")
            row("  members by tier alone", p.kpiTierMs, nil, "", target: "")
            row("RFM matrix + segments", p.rfmMs, duckdb?.rfmMs, "rfm", target: "≤ 500 ms")
            row("12-month cohort triangle", p.cohortMs, duckdb?.cohortMs, "cohorts", target: "≤ 1000 ms")
            row("CLV summaries (x, tx, T, mean)", p.clvSummaryMs, duckdb?.clvSummaryMs, "clv_summary", target: "")
            row("funnel, 3 steps, one filtered", p.funnelMs, duckdb?.funnelMs, "funnel", target: "")
            row("ROI of a month, last touch 30 d", p.roiMs, duckdb?.roiMs, "roi", target: "")
            row("CLV fit + scoring of all buyers", p.clvMs, nil, "", target: "≤ 10000 ms")
            let model = p.clvModel.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4g", $0.value))" }
            Swift.print(
                "  CLV: \(p.clvBuyers) buyers, \(p.clvDistinctHistories) distinct histories; \(model.joined(separator: ", ")); mean P(alive) \(String(format: "%.3f", p.clvMeanPAlive))"
            )
            Swift.print(
                "  funnel Product Viewed → Product Added [category = 书籍] → Order Completed (7 days): \(p.funnelCounts); ROI rows \(p.roi.count), credited revenue \(p.roi.values.reduce(0) { $0 + $1[3] })"
            )
            Swift.print("  churn risk on a 90-day time-based holdout: AUC \(String(format: "%.3f", p.churnHoldoutAUC))")
            Swift.print(
                "  logistic churn model, same holdout: AUC \(String(format: "%.3f", p.churnLogisticHoldoutAUC)) (\(String(format: "%.0f", p.churnLogisticMs)) ms)"
            )
            Swift.print(
                "  peak RSS \(String(format: "%.0f", p.peakRSSMegabytes)) MB"
                    + (duckdb.map { ", DuckDB \(String(format: "%.0f", $0.peakRssMb)) MB" } ?? ""))
            if duckdb != nil {
                Swift.print(
                    disagreements.isEmpty ? "  results: identical on both sides" : "  DISAGREE: \(disagreements)")
            }
        }
    }
}
