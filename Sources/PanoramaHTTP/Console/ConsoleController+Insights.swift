import Foundation
import Hummingbird
import PanoramaCharts
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import Synchronization

/// The insights pages (`insights.read`): RFM heat map and segments, cohort triangle, funnel with
/// drop-off, repurchase intervals, basket rules and predictions. Each page makes the same
/// `InsightsService` call as the REST controller, with the viewer's data scope.
extension ConsoleController {
    /// The insights tabs, in order (`key` names the catalog text `insights_tab_<key>`).
    /// Campaign ROI's page is in `ConsoleController+ROI.swift`.
    static let insightTabs = ["rfm", "cohorts", "funnel", "repurchase", "basket", "predictions", "roi"]

    /// Periods (days up to today) the period-based analyses offer.
    static let insightPeriods = [30, 90, 180, 365]

    /// The model every insights page starts from: its tabs with the current one marked.
    func insightsModel(_ current: String, _ viewer: ConsoleViewer) -> [String: Any] {
        [
            "tabs": Self.insightTabs.map { key -> [String: Any] in
                var tab: [String: Any] = [
                    "href": key == "rfm" ? "/app/insights" : "/app/insights/" + key,
                    "label": viewer.t("insights_tab_" + key),
                ]
                if key == current { tab["current"] = true }
                return tab
            }
        ]
    }

    /// `?days=` as one of `insightPeriods` (default 90), and its options for the select.
    func insightPeriod(_ request: Request, _ viewer: ConsoleViewer) -> (days: Int, options: [[String: Any]]) {
        let days =
            request.uri.queryParameters.get("days").flatMap { Int($0) }.flatMap {
                Self.insightPeriods.contains($0) ? $0 : nil
            } ?? 90
        let options = Self.options(Self.insightPeriods.map(String.init), selected: String(days)) {
            viewer.locale.text("last_n_days", $0)
        }
        return (days, options)
    }

    /// The options of a select: each value with its label, the chosen one selected.
    static func options(_ values: [String], selected: String, label: (String) -> String) -> [[String: Any]] {
        values.map { value -> [String: Any] in
            var o: [String: Any] = ["value": value, "label": label(value)]
            if value == selected { o["selected"] = true }
            return o
        }
    }

    /// A ratio 0…1 as the locale's percent.
    static func share(_ ratio: Double, _ locale: ConsoleLocale) -> String {
        locale.percent(basisPoints: Int64((ratio * 10_000).rounded()))
    }

    /// The drill-down link of the customers a rule selects.
    static func ruleLink(_ rule: String) -> String { "/app/customers?rule=" + query(rule) }

    // MARK: RFM

    /// The R × F heat map (customers per cell, average monetary value in each cell's tooltip;
    /// a cell opens its customers) and the eleven segments with their shares.
    @Sendable func rfmPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let report = try await services.insights.rfm(
            workspaceID: try context.workspaceID, asOf: nil, scope: context.scope)
        var model = insightsModel("rfm", viewer)
        model["asOf"] = locale.text("rfm_as_of", locale.shortDay(report.asOf), locale.number(Int64(report.buyers)))
        // Rows from R = 5 (most recent) down, columns F = 1 … 5.
        let rows = Array((1...5).reversed())
        var heat = HeatMap(
            id: "rfm-matrix", title: viewer.t("rfm_matrix"), description: viewer.t("rfm_matrix_desc"),
            rowLabels: rows.map { locale.text("rfm_r_label", String($0)) },
            columnLabels: (1...5).map { locale.text("rfm_f_label", String($0)) },
            values: rows.map { r in (1...5).map { f in Double(report.cells[r - 1][f - 1].customers) } })
        heat.display = { locale.number(Int64($0), compact: true) }
        heat.link = { row, column in
            let (r, f) = (rows[row], column + 1)
            return report.cells[r - 1][f - 1].customers == 0 ? nil : Self.ruleLink("rfm_r = \(r) AND rfm_f = \(f)")
        }
        model["matrix"] = heat.render()
        model["cells"] = rows.flatMap { r in
            (1...5).compactMap { f -> [String: Any]? in
                let cell = report.cells[r - 1][f - 1]
                guard cell.customers > 0 else { return nil }
                return [
                    "r": r, "f": f, "customers": locale.number(Int64(cell.customers)),
                    "monetary": locale.money(cell.averageMonetary),
                    "link": Self.ruleLink("rfm_r = \(r) AND rfm_f = \(f)"),
                ]
            }
        }
        model["segments"] = report.segments.map { s -> [String: Any] in
            [
                "name": Self.rfmName(s.segment.name, viewer), "customers": locale.number(Int64(s.customers)),
                "customerShare": Self.share(s.customerShare, locale), "revenue": locale.money(s.revenue, compact: true),
                "revenueShare": Self.share(s.revenueShare, locale),
                "link": Self.ruleLink("rfm_segment = '\(s.segment.name.replacingOccurrences(of: "'", with: "\\'"))'"),
            ]
        }
        return renderer.page("insights-rfm", title: viewer.t("insights_tab_rfm"), model: model, viewer: viewer)
    }

    // MARK: Cohorts

    /// The cohort triangle: retention % (or revenue with `?metric=revenue`) per cohort month and
    /// month since, as a heat map and as a table.
    @Sendable func cohortsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        let params = request.uri.queryParameters
        let revenue = params.get("metric") == "revenue"
        let basis = params.get("basis").flatMap { CohortBasis(rawValue: $0) } ?? .firstPurchase
        let months = 12
        let first =
            InsightCalendar.month(ofDay: try await services.insights.today(workspaceID: workspaceID)) - months + 1
        let triangle = try await services.insights.cohorts(
            workspaceID: workspaceID, firstMonth: first, months: months, basis: basis, scope: context.scope)
        var model = insightsModel("cohorts", viewer)
        model["metrics"] = Self.options(["retention", "revenue"], selected: revenue ? "revenue" : "retention") {
            viewer.t("cohort_metric_" + $0)
        }
        model["bases"] = Self.options(CohortBasis.allCases.map(\.rawValue), selected: basis.rawValue) {
            viewer.t("cohort_basis_" + $0)
        }
        let cohorts = triangle.cohorts
        let width = cohorts.map { $0.active.count }.max() ?? 0
        if width > 0 {
            func value(_ c: Cohort, _ k: Int) -> Double? {
                guard k < c.active.count else { return nil }
                return revenue ? Double(c.revenue[k]) : c.retention[k] * 100
            }
            // Retention starts at 100 % in month 0 for every cohort: the colours are for the months
            // after it (the table keeps month 0).
            let columns = revenue || width == 1 ? Array(0..<width) : Array(1..<width)
            var heat = HeatMap(
                id: "cohorts", title: viewer.t(revenue ? "cohort_revenue_title" : "cohort_retention_title"),
                description: viewer.t("cohort_desc"),
                rowLabels: cohorts.map { InsightCalendar.label(ofMonth: $0.month) },
                columnLabels: columns.map { locale.text("month_n", String($0)) },
                values: cohorts.map { c in columns.map { value(c, $0) } })
            heat.display = { revenue ? locale.money(Int64($0), compact: true) : Self.share($0 / 100, locale) }
            heat.cellWidth = 58
            heat.labelWidth = 80
            model["heat"] = heat.render()
            model["heatTitle"] = viewer.t(revenue ? "cohort_revenue_title" : "cohort_retention_title")
        }
        model["header"] = (0..<width).map { ["label": locale.text("month_n", String($0))] }
        model["rows"] = cohorts.map { c -> [String: Any] in
            [
                "month": InsightCalendar.label(ofMonth: c.month), "customers": locale.number(Int64(c.customers)),
                "cells": (0..<width).map { k -> [String: Any] in
                    guard k < c.active.count else { return ["value": ""] }
                    return [
                        "value": revenue
                            ? locale.money(c.revenue[k], compact: true) : Self.share(c.retention[k], locale)
                    ]
                },
            ]
        }
        return renderer.page("insights-cohorts", title: viewer.t("insights_tab_cohorts"), model: model, viewer: viewer)
    }

    // MARK: Funnel

    /// The funnel form's steps (`step1` … `step5`, empty ones skipped), window and period.
    struct FunnelForm {
        static let maximumSteps = 5
        var steps: [String]
        var windowDays: Int
        var days: Int

        init(_ parameters: [String: String]) {
            steps = (1...Self.maximumSteps).compactMap { i in
                parameters["step\(i)"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            windowDays = parameters["window"].flatMap { Int($0) }.map { min(max($0, 1), 90) } ?? 7
            days =
                parameters["days"].flatMap { Int($0) }.flatMap {
                    ConsoleController.insightPeriods.contains($0) ? $0 : nil
                } ?? 90
        }

        /// The form as a query string (for drop-off links and redirects).
        var query: String {
            (steps.enumerated().map { "step\($0.offset + 1)=" + ConsoleController.query($0.element) }
                + ["window=\(windowDays)", "days=\(days)"]).joined(separator: "&")
        }
    }

    /// The query's parameters decoded as a browser's GET form sends them (`+` is a space).
    static func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for field in ConsoleForm.urlEncoded(request.uri.query ?? "").fields { out[field.name] = field.value }
        return out
    }

    /// The funnel of up to five ordered events: bars per step with conversion, each step's
    /// drop-off customers one click away.
    @Sendable func funnelPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        let form = FunnelForm(Self.parameters(request))
        var model = insightsModel("funnel", viewer)
        model["stepFields"] = (1...FunnelForm.maximumSteps).map { i -> [String: Any] in
            [
                "index": i, "value": i <= form.steps.count ? form.steps[i - 1] : "",
                "label": locale.text("funnel_step_n", String(i)),
            ]
        }
        model["window"] = form.windowDays
        model["periods"] = insightPeriod(request, viewer).options
        if form.steps.count >= 2 {
            let today = try await services.insights.today(workspaceID: workspaceID)
            do {
                let report = try await services.insights.funnel(
                    workspaceID: workspaceID, steps: form.steps, from: today + 1 - Int64(form.days), to: today + 1,
                    windowDays: form.windowDays, breakdown: nil, scope: context.scope)
                let conversion = report.conversion
                let stepConversion = report.stepConversion
                model["chart"] = BarChart(
                    id: "funnel", title: viewer.t("funnel_title"), description: viewer.t("funnel_desc"),
                    bars: report.steps.indices.map { i in
                        ChartBar(
                            label: report.steps[i], value: Double(report.counts[i]),
                            display: locale.number(Int64(report.counts[i])) + " · " + Self.share(conversion[i], locale))
                    }
                ).render()
                model["hasSteps"] = true
                model["steps"] = report.steps.indices.map { i -> [String: Any] in
                    var row: [String: Any] = [
                        "event": report.steps[i], "customers": locale.number(Int64(report.counts[i])),
                        "conversion": Self.share(conversion[i], locale),
                        "stepConversion": Self.share(stepConversion[i], locale),
                    ]
                    if i + 1 < report.steps.count {
                        let dropped = report.counts[i] - report.counts[i + 1]
                        row["dropped"] = locale.number(Int64(dropped))
                        if dropped > 0 {
                            row["dropLink"] = "/app/insights/funnel/drop-off?" + form.query + "&step=\(i + 1)"
                        }
                    }
                    return row
                }
            } catch let error as PanoramaError where error.kind == .badRequest {
                model["error"] = ConsoleMiddleware.localized(error.message, locale)
            }
        } else if !form.steps.isEmpty {
            model["error"] = viewer.t("funnel_two_steps")
        }
        return renderer.page("insights-funnel", title: viewer.t("insights_tab_funnel"), model: model, viewer: viewer)
    }

    /// The customers who reached `step` (1-based) and not the next one, with the form that keeps
    /// them as a manual tag when the viewer may write audiences.
    @Sendable func funnelDropOffPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let parameters = Self.parameters(request)
        let form = FunnelForm(parameters)
        let step = max(1, min(parameters["step"].flatMap { Int($0) } ?? 1, form.steps.count - 1))
        let ids = try await dropOff(form, step: step, context)
        var model = insightsModel("funnel", viewer)
        model["back"] = "/app/insights/funnel?" + form.query
        model["summary"] = viewer.locale.text(
            "funnel_dropped_after", String(step), form.steps[step - 1],
            viewer.locale.number(Int64(ids.count)))
        var profiles: [Profile] = []
        for id in ids.prefix(Self.pageSize) {
            if let p = try? await services.profiles.profile(
                workspaceID: try context.workspaceID, id: id, scope: context.scope)
            {
                profiles.append(p)
            }
        }
        model["rows"] = profiles.map { row($0, viewer) }
        if viewer.can(.audiencesWrite), !ids.isEmpty {
            model["save"] =
                ["query": form.query, "step": step, "tag": viewer.locale.text("funnel_default_tag", String(step))]
                as [String: Any]
        }
        await services.audit.recordPIIView(request, context, customers: profiles.filter(\.holdsPII).map(\.id))
        return renderer.page("insights-dropoff", title: viewer.t("funnel_drop_off"), model: model, viewer: viewer)
    }

    /// The drop-off ids of a funnel form.
    func dropOff(_ form: FunnelForm, step: Int, _ context: AppRequestContext) async throws -> [Int64] {
        guard form.steps.count >= 2 else {
            throw PanoramaError.badRequest("invalid_steps", "a funnel needs two steps / 漏斗至少需要两个步骤", field: "steps")
        }
        let workspaceID = try context.workspaceID
        let today = try await services.insights.today(workspaceID: workspaceID)
        return try await services.insights.funnelDropOff(
            workspaceID: workspaceID, steps: form.steps, from: today + 1 - Int64(form.days), to: today + 1,
            windowDays: form.windowDays, step: step, scope: context.scope)
    }

    /// Keeps a funnel's drop-off as a manual tag (the route needs `audiences.write`, the
    /// analysis `insights.read`), audited like the API's.
    @Sendable func saveDropOff(_ request: Request, context: AppRequestContext) async throws -> Response {
        try context.requiredPrincipal.require(.insightsRead)
        let body = try await form(request)
        var parameters = Self.parameters(request)
        for field in body.fields { parameters[field.name] = field.value }
        let form = FunnelForm(parameters)
        let step = parameters["step"].flatMap { Int($0) } ?? 1
        let tag = (parameters["tag"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !tag.isEmpty else {
            throw PanoramaError.badRequest("invalid_tag", "a tag name is required / 须填写标签名", field: "tag")
        }
        let ids = try await dropOff(form, step: step, context)
        let added = try await services.insights.saveAsTag(
            workspaceID: try context.workspaceID, name: tag, ids: ids,
            description: "funnel drop-off after step \(step): \(form.steps.joined(separator: " → "))")
        await services.audit.record(
            request, context, action: "tag.assign", target: "tag:\(tag)",
            detail: ["added": String(added), "via": "console"])
        return ConsoleRenderer.redirect("/app/audiences/tag/" + Self.segment(tag))
    }

    // MARK: Repurchase

    /// Days between purchases as a bar per interval bucket, overall or for one category.
    @Sendable func repurchasePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        let period = insightPeriod(request, viewer)
        let today = try await services.insights.today(workspaceID: workspaceID)
        let (scope, insights, days) = (context.scope, services.insights, period.days)
        let kept = try await keptAnalysis(repurchaseResults, "\(workspaceID)|\(scope)|\(today)|\(days)") {
            let found = try await insights.repurchase(
                workspaceID: workspaceID, from: today + 1 - Int64(days), to: today + 1, scope: scope,
                omitCategoriesOverCap: true)
            return RepurchaseResult(
                overall: found.overall, categories: found.categories, categoriesOmitted: found.categoriesOmitted)
        }
        var model = insightsModel("repurchase", viewer)
        model["periods"] = period.options
        guard let found = kept.value else {
            return renderer.page(
                "insights-repurchase", title: viewer.t("insights_tab_repurchase"), model: model, viewer: viewer,
                notice: notice(kept, viewer))
        }
        let category = request.uri.queryParameters.get("category") ?? ""
        let shown = found.categories.first { $0.label == category } ?? found.overall
        if found.categoriesOmitted { model["categoriesOmitted"] = true }
        model["categories"] = found.categories.compactMap(\.label).map { name -> [String: Any] in
            var o: [String: Any] = ["name": name]
            if name == category { o["selected"] = true }
            return o
        }
        let bounds = RepurchaseAnalysis.bucketBounds
        let labels =
            bounds.indices.map { i in
                locale.text("days_range", String(i == 0 ? 0 : bounds[i - 1] + 1), String(bounds[i]))
            } + [locale.text("days_more", String(bounds.last ?? 0))]
        model["chart"] = BarChart(
            id: "repurchase", title: viewer.t("repurchase_title"), description: viewer.t("repurchase_desc"),
            bars: zip(labels, shown.buckets).map { label, count in
                ChartBar(label: label, value: Double(count), display: locale.number(Int64(count)))
            }
        ).render()
        model["figures"] = [
            ["label": viewer.t("repurchase_intervals"), "value": locale.number(Int64(shown.intervals))],
            ["label": viewer.t("repurchase_customers"), "value": locale.number(Int64(shown.customers))],
            ["label": viewer.t("repurchase_median"), "value": locale.text("n_days", String(shown.median))],
            ["label": viewer.t("repurchase_p90"), "value": locale.text("n_days", String(shown.p90))],
        ]
        return renderer.page(
            "insights-repurchase", title: viewer.t("insights_tab_repurchase"), model: model, viewer: viewer,
            notice: notice(kept, viewer))
    }

    // MARK: Basket

    /// Association rules with support, confidence and lift over the thresholds of the form.
    @Sendable func basketPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        let params = request.uri.queryParameters
        func number(_ name: String, _ fallback: Double, _ range: ClosedRange<Double>) -> Double {
            params.get(name).flatMap { Double($0) }.map { min(max($0, range.lowerBound), range.upperBound) } ?? fallback
        }
        let level = params.get("level").flatMap { BasketAnalysis.Level(rawValue: $0) } ?? .category
        let thresholds = BasketAnalysis.Thresholds(
            minSupport: number("min_support", 0.01, 0.0001...1), minConfidence: number("min_confidence", 0.1, 0...1),
            minLift: number("min_lift", 1, 0...1_000_000), maxLength: 3)
        let period = insightPeriod(request, viewer)
        let today = try await services.insights.today(workspaceID: workspaceID)
        var model = insightsModel("basket", viewer)
        model["periods"] = period.options
        model["levels"] = Self.options(BasketAnalysis.Level.allCases.map(\.rawValue), selected: level.rawValue) {
            viewer.t("basket_level_" + $0)
        }
        model["minSupport"] = thresholds.minSupport
        model["minConfidence"] = thresholds.minConfidence
        model["minLift"] = thresholds.minLift
        var shownNotice: ConsoleNotice?
        do {
            let key =
                "\(workspaceID)|\(context.scope)|\(today)|\(period.days)|\(level.rawValue)|\(thresholds.minSupport)|"
                + "\(thresholds.minConfidence)|\(thresholds.minLift)"
            let (scope, insights, days) = (context.scope, services.insights, period.days)
            let kept = try await keptAnalysis(basketResults, key) {
                let found = try await insights.basket(
                    workspaceID: workspaceID, level: level, from: today + 1 - Int64(days), to: today + 1,
                    thresholds: thresholds, scope: scope)
                return BasketResult(orders: found.orders, rules: found.rules)
            }
            shownNotice = notice(kept, viewer)
            guard let found = kept.value else {
                return renderer.page(
                    "insights-basket", title: viewer.t("insights_tab_basket"), model: model, viewer: viewer,
                    notice: shownNotice)
            }
            model["orders"] = locale.text("basket_orders", locale.number(Int64(found.orders)))
            model["rules"] = found.rules.prefix(100).map { rule -> [String: Any] in
                [
                    "antecedent": rule.antecedent.joined(separator: " + "), "consequent": rule.consequent,
                    "orders": locale.number(Int64(rule.orders)), "support": Self.share(rule.support, locale),
                    "confidence": Self.share(rule.confidence, locale), "lift": String(format: "%.2f", rule.lift),
                ]
            }
        } catch let error as PanoramaError where error.kind == .badRequest {
            model["error"] = ConsoleMiddleware.localized(error.message, locale)
        }
        return renderer.page(
            "insights-basket", title: viewer.t("insights_tab_basket"), model: model, viewer: viewer, notice: shownNotice)
    }

    // MARK: Kept results

    /// How long a repurchase or basket result is kept at most: both read the period's order lines
    /// from the store (millions at a million customers: seconds), and a result is only reused
    /// while the store's activity counter has not moved, so a new order, refund or event is seen
    /// on the next request. What the counter does not see (an order's status changed, a
    /// customer's owner changed) shows within this time.
    static let analysisMaxAge: Int64 = 300_000

    /// `compute()`'s result kept under `key` at the store's activity counter, at most `maxAge` ms,
    /// served stale while a newer one is computed; a first computation is waited for at most
    /// `consolePatience` (see `ConsoleCache`).
    func keptAnalysis<Value: Sendable>(
        _ cache: ConsoleCache<Value>, _ key: String, maxAge: Int64 = analysisMaxAge,
        compute: @escaping @Sendable () async throws -> Value
    ) async throws -> Kept<Value> {
        let activity = try await services.insights.activityVersion()
        return try await cache.value(
            key, version: activity.map(String.init).joined(separator: ","), now: services.clock.now(), maxAge: maxAge,
            patience: services.configuration.consolePatience, compute: compute)
    }

    /// What a page says about kept figures: being computed, or shown from an earlier computation.
    func notice<Value>(_ kept: Kept<Value>, _ viewer: ConsoleViewer) -> ConsoleNotice? {
        if kept.value == nil { return ConsoleNotice(text: viewer.t("figures_computing"), pending: true) }
        guard kept.refreshing else { return nil }
        return ConsoleNotice(
            text: viewer.locale.text("figures_refreshing", viewer.locale.dateTime(kept.computedAt, zone: viewer.zone)),
            pending: false)
    }

    // MARK: Predictions

    /// Churn-risk and predicted-CLV distributions of the buyers in scope (their stored prediction
    /// traits), and the predictive tags.
    @Sendable func predictionsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        // The stored prediction traits, not a new fit: the page answers in milliseconds at a
        // million buyers and shows what the tags and rules use.
        let summary = PredictionSummary(
            try await services.insights.storedPredictions(workspaceID: workspaceID, scope: context.scope))
        var model = insightsModel("predictions", viewer)
        model["buyers"] = locale.text("predictions_buyers", locale.number(Int64(summary.buyers)))
        model["churn"] = BarChart(
            id: "churn", title: viewer.t("churn_distribution"), description: viewer.t("churn_distribution_desc"),
            bars: summary.churnBands.indices.map { i in
                ChartBar(
                    label: "\(i * 20)–\(i * 20 + 20)%", value: Double(summary.churnBands[i]),
                    display: locale.number(Int64(summary.churnBands[i])))
            }
        ).render()
        if summary.buyers > 0 {
            model["clv"] = BarChart(
                id: "clv", title: viewer.t("clv_distribution"), description: viewer.t("clv_distribution_desc"),
                bars: summary.clvMeans.indices.map { q in
                    ChartBar(
                        label: locale.text("clv_quintile", String(q + 1)), value: Double(summary.clvMeans[q]),
                        display: locale.money(summary.clvMeans[q], compact: true))
                }
            ).render()
        }
        var tags: [[String: Any]] = []
        for tag in InsightsService.predictiveTags {
            let size = try? await services.audiences.count(
                workspaceID: workspaceID, .init(.tag, tag.name), scope: context.scope)
            var row: [String: Any] = ["name": tag.name]
            if let size { row["path"] = Self.segment(tag.name) }  // only a tag that exists has members to open
            row["size"] = size.map { locale.number(Int64($0)) } ?? viewer.t("predictions_not_run")
            tags.append(row)
        }
        model["tags"] = tags
        return renderer.page(
            "insights-predictions", title: viewer.t("insights_tab_predictions"), model: model, viewer: viewer)
    }
}

/// A repurchase page's analysis, as kept.
struct RepurchaseResult: Sendable {
    var overall: RepurchaseDistribution
    var categories: [RepurchaseDistribution]
    /// The period held too many order lines for the categories (`InsightsService.maximumLines`).
    var categoriesOmitted: Bool
}

/// A basket page's analysis, as kept.
struct BasketResult: Sendable {
    var orders: Int
    var rules: [BasketRule]
}

/// What the predictions page shows of the buyers' predictions.
struct PredictionSummary: Sendable {
    var buyers: Int
    /// Buyers per churn-risk band of 20 %.
    var churnBands: [Int]
    /// Average predicted CLV (minor units) of each fifth of the buyers, lowest first.
    var clvMeans: [Int64]

    init(_ predictions: [(churnRisk: Double, predictedCLV: Int64)]) {
        buyers = predictions.count
        churnBands = [Int](repeating: 0, count: 5)
        for p in predictions { churnBands[min(4, max(0, Int(p.churnRisk * 5)))] += 1 }
        let clv = predictions.map(\.predictedCLV).sorted()
        clvMeans = (0..<5).map { q in
            let slice = clv[(q * clv.count / 5)..<max(q * clv.count / 5, (q + 1) * clv.count / 5)]
            return slice.isEmpty ? 0 : slice.reduce(0, +) / Int64(slice.count)
        }
    }
}
