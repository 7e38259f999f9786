import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaHTTP
import PanoramaServices
import PanoramaStore

/// `panorama report …`: the customer-insight analyses of the REST API (`/api/v1/insights`) from
/// the store directly, as text, JSON (`--json`, the API's shape) or CSV (`--csv`).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Customer insight reports (客户洞察): KPIs, RFM, cohorts, funnels, baskets, CLV, churn.",
        subcommands: [
            KPIsReport.self, RFMReport.self, CohortsReport.self, FunnelReport.self, RepurchaseReport.self,
            BasketReport.self, CLVReport.self, ChurnReport.self, PredictionsRun.self, ROIReport.self,
        ])

    /// Options every report takes.
    struct Common: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "Workspace name (default: the only or the default one).") var workspace: String?
        @Option(help: "First day, YYYY-MM-DD (default: 29 days before --to).") var from: String?
        @Option(help: "Last day (included), YYYY-MM-DD (default: today in the workspace time zone).") var to: String?
        @Flag(help: "Print JSON (the REST API's shape).") var json = false
        @Flag(help: "Print CSV.") var csv = false

        func validate() throws {
            if json && csv { throw ValidationError("--json and --csv exclude each other") }
        }

        /// The services, the workspace, and the period as local days `from ..< to + 1`.
        func open() async throws -> (Services, Int64, from: Int64, to: Int64) {
            let services = try await CLI.services(store)
            let workspaceID = try await services.workspace(named: workspace).id
            var end = try await services.insights.today(workspaceID: workspaceID) + 1
            if let to { end = try Self.day(to, "--to") + 1 }
            let start = try from.map { try Self.day($0, "--from") } ?? end - 30
            return (services, workspaceID, start, end)
        }

        static func day(_ text: String, _ flag: String) throws -> Int64 {
            guard let day = InsightCalendar.day(parsing: text) else {
                throw ValidationError("\(flag) must be a date YYYY-MM-DD")
            }
            return day
        }

        /// Prints the JSON, the CSV or the text form.
        func emit(_ value: JSONValue, csv table: String?, text: () -> String) throws {
            if json {
                CLI.printJSON(value)
            } else if csv {
                guard let table else { throw ValidationError("this report has no CSV form; use --json") }
                print(table, terminator: "")
            } else {
                print(text())
            }
        }
    }

    static func close(_ services: Services) { (services.store as? PostgresStore)?.close() }

    /// One line of KPIs; with `points` false (a group of an order dimension) the points are left
    /// out.
    static func kpiLine(_ label: String, _ v: KPIValues, points: Bool = true) -> String {
        "\(label.padding(toLength: 16, withPad: " ", startingAt: 0)) new \(v.newCustomers)  active \(v.activeCustomers)  buyers \(v.buyers)  orders \(v.orders)  GMV \(InsightJSON.money(v.gmv))  net \(InsightJSON.money(v.netRevenue))  AOV \(InsightJSON.money(v.averageOrderValue))  repurchase \(String(format: "%.1f%%", v.repurchaseRate * 100))  LTV \(InsightJSON.money(v.averageLifetimeValue))"
            + (points
                ? "  points +\(v.pointsIssued) −\(v.pointsRedeemed) expired \(v.pointsExpired) (earners \(v.pointEarners), redeemers \(v.pointRedeemers))"
                : "")
    }

    struct KPIsReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kpis", abstract: "KPIs of a period beside the previous one, by grain and one dimension.",
            discussion:
                "Example: panorama report kpis --from 2026-06-01 --to 2026-06-30 --grain week --dimension channel")
        @OptionGroup var common: Common
        @Option(help: "Series by day, week or month.") var grain: KPIGrain?
        @Option(help: "Break down by channel, store, category, tag, segment or an attribute (city, tier …).")
        var dimension: String?

        func run() async throws {
            let (services, workspaceID, from, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let report = try await services.insights.kpis(
                workspaceID: workspaceID, from: from, to: to, grain: grain,
                breakdown: dimension.map(InsightDimension.init),
                scope: .all)
            try common.emit(InsightJSON.kpiReport(report), csv: InsightJSON.kpiCSV(report)) {
                var lines = [
                    "KPIs \(InsightCalendar.label(ofDay: from)) … \(InsightCalendar.label(ofDay: to - 1))",
                    ReportCommand.kpiLine("period", report.total), ReportCommand.kpiLine("previous", report.previous),
                ]
                lines += report.series.map { ReportCommand.kpiLine(InsightCalendar.label(ofDay: $0.start), $0.values) }
                if let dimension = report.dimension, !report.pointsByGroup {
                    lines.append(
                        "points are not broken down by \(dimension.name): they belong to customers, not orders / 积分属于客户，不按订单维度拆分"
                    )
                }
                lines += report.breakdown.map {
                    ReportCommand.kpiLine($0.label, $0.values, points: report.pointsByGroup)
                }
                lines += report.membersByTier.map { "tier \($0.tier): \($0.customers)" }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct RFMReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rfm", abstract: "The R × F matrix and the 11 RFM segments (--to is the day scored).")
        @OptionGroup var common: Common

        func run() async throws {
            let (services, workspaceID, _, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let report = try await services.insights.rfm(workspaceID: workspaceID, asOf: to - 1, scope: .all)
            try common.emit(InsightJSON.rfmReport(report), csv: InsightJSON.rfmCSV(report)) {
                var lines = [
                    "RFM on \(InsightCalendar.label(ofDay: report.asOf)): \(report.buyers) buyers",
                    "R\\F   1       2       3       4       5",
                ]
                for r in (0..<5).reversed() {
                    lines.append(
                        "\(r + 1)  "
                            + report.cells[r].map {
                                String($0.customers).padding(toLength: 8, withPad: " ", startingAt: 0)
                            }.joined())
                }
                lines += report.segments.map {
                    "\($0.segment.name) (\($0.segment.chineseName)): \($0.customers) customers, revenue \(InsightJSON.money($0.revenue)) (\(String(format: "%.1f%%", $0.revenueShare * 100)))"
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct CohortsReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cohorts", abstract: "Retention and revenue by first-purchase month, as a triangle.")
        @OptionGroup var common: Common
        @Option(help: "Cohort months up to --to's month.") var months = 12
        @Option(help: "first_purchase or first_seen.") var basis: CohortBasis = .firstPurchase

        func run() async throws {
            let (services, workspaceID, _, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let first = InsightCalendar.month(ofDay: to - 1) - months + 1
            let triangle = try await services.insights.cohorts(
                workspaceID: workspaceID, firstMonth: first, months: months, basis: basis, scope: .all)
            try common.emit(InsightJSON.cohorts(triangle), csv: InsightJSON.cohortCSV(triangle)) {
                triangle.cohorts.map { c in
                    "\(InsightCalendar.label(ofMonth: c.month))  \(String(c.customers).padding(toLength: 8, withPad: " ", startingAt: 0))"
                        + c.retention.map { String(format: "%6.1f%%", $0 * 100) }.joined()
                }.joined(separator: "\n")
            }
        }
    }

    struct FunnelReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "funnel", abstract: "Customers through ordered event steps within a window.",
            discussion: """
                Each --step is an event name, or a step as the REST API takes it (JSON): --step '{"event": "Order Completed", "where": [{"property": "category", "op": "eq", "value": "书籍"}]}'

                --where N:CONDITION adds a condition on the event properties to step N (1-based; repeatable, all must hold). CONDITION is PROPERTY OP VALUE with OP one of = != > >= < <= ~ (contains), or PROPERTY? (exists). Dots reach nested members (product.category). A VALUE that reads as a number or true/false is one, else it is text (use the JSON form to compare the text "100").

                Example: panorama report funnel --step 'Product Viewed' --step 'Product Added' --step 'Order Completed' --where '3:category=书籍' --where '3:revenue>=100' --window-days 7
                """
        )
        @OptionGroup var common: Common
        @Option(name: .customLong("step"), help: "An event name or a JSON step; repeat in order.") var steps: [String] =
            []
        @Option(name: .customLong("where"), help: "N:CONDITION on step N's event properties (see below); repeatable.")
        var conditions: [String] = []
        @Option(help: "Days after entering within which the steps count.") var windowDays = 7
        @Option(help: "Break down by a customer attribute, tag or segment.") var dimension: String?

        func run() async throws {
            let funnelSteps = try Self.parse(steps: steps, conditions: conditions)
            let (services, workspaceID, from, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let report = try await services.insights.funnel(
                workspaceID: workspaceID, steps: funnelSteps, from: from, to: to, windowDays: windowDays,
                breakdown: dimension.map(InsightDimension.init), scope: .all)
            try common.emit(InsightJSON.funnel(report), csv: nil) {
                report.steps.indices.map {
                    "\($0 + 1). \(funnelSteps[$0].label): \(report.counts[$0]) (\(String(format: "%.1f%%", report.conversion[$0] * 100)))"
                }.joined(separator: "\n")
            }
        }

        /// The steps of `--step` and `--where` options.
        static func parse(steps: [String], conditions: [String]) throws -> [FunnelStep] {
            var parsed = try steps.map { text -> FunnelStep in
                if text.hasPrefix("{") {
                    guard let json = try? JSONParser.parse(text) else {
                        throw ValidationError("--step \(text) is not valid JSON")
                    }
                    return try FunnelStep(json: json, field: "--step")
                }
                return try FunnelStep(json: .string(text), field: "--step")
            }
            for text in conditions {
                guard let colon = text.firstIndex(of: ":"), let n = Int(text[..<colon]), parsed.indices.contains(n - 1)
                else {
                    throw ValidationError(
                        "--where \(text): expected N:CONDITION with N a step number 1 … \(parsed.count)")
                }
                parsed[n - 1].conditions.append(try condition(String(text[text.index(after: colon)...])))
                guard parsed[n - 1].conditions.count <= PropertyCondition.maximumConditions else {
                    throw ValidationError("step \(n) has more than \(PropertyCondition.maximumConditions) conditions")
                }
            }
            return parsed
        }

        /// `category=书籍`, `price>=100`, `title~会员`, `coupon?`.
        static func condition(_ text: String) throws -> PropertyCondition {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("?") {
                return try PropertyCondition(property: String(trimmed.dropLast()), op: .exists, field: "--where")
            }
            // Longest operators first, so that `>=` is not read as `>`.
            let operators: [(String, PropertyCondition.Op)] = [
                ("!=", .neq), (">=", .gte), ("<=", .lte), ("=", .eq), (">", .gt), ("<", .lt), ("~", .contains),
            ]
            for (symbol, op) in operators {
                guard let range = trimmed.range(of: symbol) else { continue }
                // The first operator in the text decides (a value may hold operator characters).
                if operators.contains(where: { other in
                    other.0 != symbol && (trimmed.range(of: other.0).map { $0.lowerBound < range.lowerBound } ?? false)
                }) {
                    continue
                }
                let property = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let raw = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
                let value: JSONValue
                if raw == "true" || raw == "false" {
                    value = .bool(raw == "true")
                } else if case .number(let n)? = try? JSONParser.parse(raw) {
                    value = .number(n)
                } else {
                    value = .string(raw)
                }
                return try PropertyCondition(property: property, op: op, value: value, field: "--where")
            }
            throw ValidationError(
                "--where \(text): expected PROPERTY OP VALUE with OP one of = != > >= < <= ~, or PROPERTY?")
        }
    }

    struct RepurchaseReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "repurchase", abstract: "Days between purchases, overall and per category.")
        @OptionGroup var common: Common

        func run() async throws {
            let (services, workspaceID, from, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let found = try await services.insights.repurchase(
                workspaceID: workspaceID, from: from, to: to, scope: .all)
            try common.emit(InsightJSON.repurchase(found.overall, found.categories), csv: nil) {
                ([found.overall] + found.categories).map {
                    "\($0.label ?? "all"): \($0.intervals) intervals of \($0.customers) customers, median \($0.median) days, mean \(String(format: "%.1f", $0.meanDays)), p90 \($0.p90)"
                }.joined(separator: "\n")
            }
        }
    }

    struct ROIReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roi", abstract: "Revenue and buyers per campaign (first or last touch) against its cost.")
        @OptionGroup var common: Common
        @Option(help: "first_touch or last_touch.") var model: AttributionModel = .lastTouch
        @Option(help: "Attribution window in days (1–365).") var windowDays = 30

        func run() async throws {
            let (services, workspaceID, from, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let rows = try await services.insights.roi(
                workspaceID: workspaceID, from: from, to: to, model: model, windowDays: windowDays, scope: .all)
            try common.emit(
                InsightJSON.roi(rows, from: from, to: to, model: model, windowDays: windowDays),
                csv: InsightJSON.roiCSV(rows)
            ) {
                rows.map {
                    let roi = $0.roi.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
                    return
                        "\($0.campaign) \($0.source ?? "")  touches \($0.touches)  buyers \($0.buyers)  orders \($0.orders)  revenue \(InsightJSON.money($0.revenue))  cost \($0.cost.map(InsightJSON.money) ?? "-")  ROI \(roi)"
                }.joined(separator: "\n")
            }
        }
    }

    struct BasketReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "basket", abstract: "Association rules between categories or products (FP-Growth).")
        @OptionGroup var common: Common
        @Option(help: "category or product.") var level: BasketAnalysis.Level = .category
        @Option(help: "Minimum support.") var minSupport = 0.01
        @Option(help: "Minimum confidence.") var minConfidence = 0.1
        @Option(help: "Minimum lift.") var minLift = 1.0
        @Option(help: "Only \"customers who bought ITEM also bought\".") var item: String?
        @Option(help: "At most this many rules.") var limit = 50

        func run() async throws {
            let (services, workspaceID, from, to) = try await common.open()
            defer { ReportCommand.close(services) }
            let found = try await services.insights.basket(
                workspaceID: workspaceID, level: level, from: from, to: to,
                thresholds: BasketAnalysis.Thresholds(
                    minSupport: minSupport, minConfidence: minConfidence, minLift: minLift),
                scope: .all)
            var rules = found.rules
            if let item { rules = BasketAnalysis.recommendations(rules, for: item, limit: limit) }
            rules = Array(rules.prefix(limit))
            try common.emit(InsightJSON.basket(orders: found.orders, rules: rules), csv: InsightJSON.basketCSV(rules)) {
                (["\(found.orders) orders"]
                    + rules.map {
                        "\($0.antecedent.joined(separator: " + ")) → \($0.consequent): support \(String(format: "%.4f", $0.support)), confidence \(String(format: "%.3f", $0.confidence)), lift \(String(format: "%.2f", $0.lift))"
                    }).joined(separator: "\n")
            }
        }
    }

    /// The predictions as CSV, one customer a line.
    static func predictionCSV(_ ids: [Int64], _ predictions: [CustomerPrediction]) -> String {
        var lines = [
            "customer_id,p_alive,churn_risk,expected_purchases_90d,expected_spend_90d,predicted_clv,next_purchase_date"
        ]
        for (id, p) in zip(ids, predictions) {
            lines.append(
                "\(id),\(String(format: "%.6f", p.probabilityAlive)),\(String(format: "%.6f", p.churnRisk)),\(String(format: "%.6f", p.expectedPurchases90d)),\(InsightJSON.money(p.expectedSpend90d)),\(InsightJSON.money(p.predictedCLV)),\(p.nextPurchaseDay.map(InsightCalendar.label(ofDay:)) ?? "")"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Fits the models and emits them with the customers' predictions, ordered by `key`, descending.
    static func predictions(
        _ common: Common, horizon: Int, limit: Int, title: String, key: @escaping (CustomerPrediction) -> Double
    ) async throws {
        let (services, workspaceID, _, _) = try await common.open()
        defer { close(services) }
        let found = try await services.insights.predictions(
            workspaceID: workspaceID, churnHorizonDays: horizon, scope: .all)
        let order = found.predictions.indices.sorted { key(found.predictions[$0]) > key(found.predictions[$1]) }.prefix(
            limit)
        let ids = order.map { found.ids[$0] }
        let predictions = order.map { found.predictions[$0] }
        let json = JSONValue.object([
            "models": InsightJSON.models(found.scores),
            "data": .array(JSONArray(zip(ids, predictions).map { InsightJSON.prediction(id: $0, $1) })),
        ])
        try common.emit(json, csv: predictionCSV(ids, predictions)) {
            let s = found.scores
            return
                ([
                    String(
                        format:
                            "BG/NBD r %.4f alpha %.4f a %.4f b %.4f; Gamma-Gamma p %.3f q %.3f gamma %.3f; %d buyers",
                        s.frequency.r, s.frequency.alpha, s.frequency.a, s.frequency.b, s.spend.p, s.spend.q,
                        s.spend.gamma, s.buyers),
                    title,
                ]
                + zip(ids, predictions).map { id, p in
                    "customer \(id): P(alive) \(String(format: "%.3f", p.probabilityAlive)), churn risk \(String(format: "%.3f", p.churnRisk)), CLV \(InsightJSON.money(p.predictedCLV)), 90-day spend \(InsightJSON.money(p.expectedSpend90d)), next purchase \(p.nextPurchaseDay.map(InsightCalendar.label(ofDay:)) ?? "–")"
                }).joined(separator: "\n")
        }
    }

    struct CLVReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clv", abstract: "BG/NBD + Gamma-Gamma fit and the customers with the highest predicted CLV.")
        @OptionGroup var common: Common
        @Option(help: "At most this many customers.") var limit = 20

        func run() async throws {
            try await ReportCommand.predictions(
                common, horizon: 90, limit: limit, title: "highest predicted CLV (365 days):"
            ) {
                Double($0.predictedCLV)
            }
        }
    }

    struct ChurnReport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "churn", abstract: "The customers most likely to buy nothing in the next N days.")
        @OptionGroup var common: Common
        @Option(help: "The horizon N in days.") var horizonDays = 90
        @Option(help: "At most this many customers.") var limit = 20

        func run() async throws {
            try await ReportCommand.predictions(
                common, horizon: horizonDays, limit: limit, title: "highest churn risk (\(horizonDays) days):"
            ) {
                $0.churnRisk
            }
        }
    }
}

extension ReportCommand {
    /// `panorama report predictions`: what `POST /api/v1/insights/predictions/run` does.
    struct PredictionsRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predictions",
            abstract: "Recompute the prediction traits and keep the predictive tags 高流失风险 / 高价值潜力.",
            discussion:
                "Run it beside a stopped server, or call POST /api/v1/insights/predictions/run on a running one: a running server recomputes its own engine hourly."
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "Workspace name (default: the only or the default one).") var workspace: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await CLI.services(store)
            defer { ReportCommand.close(services) }
            let workspaceID = try await services.workspace(named: workspace).id
            let run = try await services.insights.runPredictions(workspaceID: workspaceID)
            if json {
                CLI.printJSON(InsightJSON.predictionRun(models: run.models, tags: run.tags))
                return
            }
            if let m = run.models {
                print(
                    String(
                        format: "BG/NBD r %.4f alpha %.4f a %.4f b %.4f; Gamma-Gamma p %.3f q %.3f gamma %.3f",
                        m.frequency.r, m.frequency.alpha, m.frequency.a, m.frequency.b, m.spend.p, m.spend.q,
                        m.spend.gamma))
            } else {
                print("no buyers: no models")
            }
            for tag in run.tags { print("\(tag.name): \(tag.size) customers (\(tag.rule))") }
        }
    }
}

extension KPIGrain: ExpressibleByArgument {}
extension CohortBasis: ExpressibleByArgument {}
extension BasketAnalysis.Level: ExpressibleByArgument {}
extension AttributionModel: ExpressibleByArgument {}
