import Foundation
import Hummingbird
import PanoramaCharts
import PanoramaCore
import PanoramaEngine
import PanoramaServices

/// The dashboard: KPI cards with the previous period, the revenue trend, breakdowns whose bars
/// open the customers behind them.
extension ConsoleController {
    static let periods = [7, 30, 90]

    @Sendable func dashboardPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let days = request.uri.queryParameters.get("days").flatMap { Int($0) }.flatMap { Self.periods.contains($0) ? $0 : nil } ?? 30
        let workspaceID = try context.workspaceID
        let scope = context.scope
        let source = dashboard
        let kept = try await keptAnalysis(dashboards, "\(workspaceID)|\(scope)|\(days)", maxAge: Self.dashboardMaxAge) {
            try await source.dashboard(workspaceID: workspaceID, scope: scope, days: days)
        }
        var model: [String: Any] = [:]
        model["periods"] = Self.periods.map { d -> [String: Any] in
            var o: [String: Any] = ["value": d, "label": locale.text("last_n_days", String(d))]
            if d == days { o["selected"] = true }
            return o
        }
        guard let board = kept.value else {
            return renderer.page(
                "dashboard", title: viewer.t("dashboard"), model: model, viewer: viewer, notice: notice(kept, viewer))
        }
        let lastDay = board.firstDay + Int64(board.days) - 1
        model["periodText"] = locale.text(
            "period_text", locale.shortDay(board.firstDay), locale.shortDay(lastDay), String(board.days))
        model["kpis"] = board.kpis.map { kpi -> [String: Any] in
            var card: [String: Any] = ["label": viewer.t("kpi_" + kpi.id), "value": Self.format(kpi.current, kpi.unit, locale)]
            if let change = kpi.changeBasisPoints {
                card["change"] = (change > 0 ? "▲ " : change < 0 ? "▼ " : "") + locale.percent(basisPoints: abs(change))
                card["direction"] = change > 0 ? "up" : change < 0 ? "down" : "flat"
                if kpi.id == "refund_rate" { card["direction"] = change > 0 ? "down" : "up" }
            } else {
                card["note"] = kpi.previous == nil ? viewer.t("kpi_total_note") : viewer.t("kpi_no_comparison")
            }
            return card
        }
        if board.ordersHiddenByScope { model["scopeNote"] = viewer.t("orders_hidden_by_scope") }
        if !board.revenue.isEmpty {
            var trend = LineChart(
                id: "revenue-trend", title: viewer.t("revenue_trend"),
                description: locale.text(
                    "revenue_trend_desc", String(board.days), locale.money(board.revenue.reduce(0, +), compact: true),
                    locale.money(board.previousRevenue.reduce(0, +), compact: true)),
                labels: (0..<board.days).map { locale.shortDay(board.firstDay + Int64($0)) },
                series: [
                    ChartSeries(name: viewer.t("this_period"), values: board.revenue.map { Double($0) / 100 }),
                    ChartSeries(name: viewer.t("previous_period"), values: board.previousRevenue.map { Double($0) / 100 }, dashed: true),
                ])
            trend.format = { locale.money(Int64($0 * 100), compact: true) }
            model["trend"] = trend.render()
        }
        if !board.channels.isEmpty {
            model["channels"] = BarChart(
                id: "channels", title: viewer.t("revenue_by_channel"),
                description: viewer.t("revenue_by_channel_desc"),
                bars: board.channels.map { item in
                    let name = item.key.isEmpty ? viewer.t("channel_none") : Self.channelName(item.key, viewer)
                    return ChartBar(label: name, value: Double(item.value), display: locale.money(item.value, compact: true))
                }
            ).render()
        }
        model["rfm"] = BarChart(
            id: "rfm", title: viewer.t("customers_by_rfm"), description: viewer.t("customers_by_rfm_desc"),
            bars: board.rfm.map { item in
                ChartBar(
                    label: Self.rfmName(item.key, viewer), value: Double(item.value),
                    display: locale.number(item.value, compact: true),
                    link: item.rule.map { "/app/customers?rule=" + Self.query($0) })
            }
        ).render()
        model["tags"] = BarChart(
            id: "tags", title: viewer.t("customers_by_tag"), description: viewer.t("customers_by_tag_desc"),
            bars: board.tags.map { item in
                ChartBar(
                    label: item.key, value: Double(item.value), display: locale.number(item.value, compact: true),
                    link: "/app/customers?tag=" + Self.query(item.key))
            }
        ).render()
        var notices = [notice(kept, viewer)].compactMap { $0 }
        if viewer.can(.insightsRead) {
            let (section, sectionNotice) = try await breakdown(
                request, context, viewer, days: days, firstDay: board.firstDay)
            model["breakdown"] = section
            if let sectionNotice { notices.append(sectionNotice) }
        }
        // Still computing anywhere on the page wins (the page reloads itself), then "as of".
        let shown = notices.first { $0.pending } ?? notices.first
        return renderer.page("dashboard", title: viewer.t("dashboard"), model: model, viewer: viewer, notice: shown)
    }

    /// How long the dashboard's figures and breakdowns are kept at most (also only while the
    /// store's activity counter has not moved, see `keptAnalysis`): at a million customers they
    /// are several engine scans and a scan of the period's orders for the refund rate.
    static let dashboardMaxAge: Int64 = 60_000

    /// The dimensions the dashboard breaks the period's buyers down by.
    static let breakdownDimensions = ["channel", "city", "tier", "tag", "segment", "category"]

    /// `?by=`: the period's buyers and net revenue per group of one dimension (from the insights
    /// service, within the viewer's scope); each bar opens the buyers behind it.
    func breakdown(_ request: Request, _ context: AppRequestContext, _ viewer: ConsoleViewer, days: Int, firstDay: Int64)
        async throws -> ([String: Any], ConsoleNotice?)
    {
        let locale = viewer.locale
        let by = request.uri.queryParameters.get("by").flatMap { Self.breakdownDimensions.contains($0) ? $0 : nil } ?? "city"
        var model: [String: Any] = [
            "days": days,
            "options": Self.options(Self.breakdownDimensions, selected: by) { viewer.t("breakdown_" + $0) },
        ]
        let kept: Kept<KPIReport>
        do {
            let workspaceID = try context.workspaceID
            let (scope, insights) = (context.scope, services.insights)
            kept = try await keptAnalysis(
                breakdowns, "\(workspaceID)|\(scope)|\(firstDay)|\(days)|\(by)", maxAge: Self.dashboardMaxAge
            ) {
                try await insights.kpis(
                    workspaceID: workspaceID, from: firstDay, to: firstDay + Int64(days), grain: nil,
                    breakdown: InsightDimension(by), scope: scope)
            }
        } catch let error as PanoramaError where error.kind == .badRequest {
            // An attribute no customer has yet (a new workspace without cities) is not an error of the page.
            model["error"] = viewer.t("breakdown_unavailable")
            return (model, nil)
        }
        guard let report = kept.value else { return (model, notice(kept, viewer)) }
        let groups = report.breakdown.filter { $0.values.buyers > 0 }.sorted { $0.values.buyers > $1.values.buyers }
            .prefix(15)
        model["chart"] = BarChart(
            id: "breakdown", title: viewer.t("buyers_by_" + by), description: viewer.t("breakdown_desc"),
            bars: groups.map { group in
                let label = by == "channel" ? Self.channelName(group.label, viewer) : group.label
                return ChartBar(
                    label: label.isEmpty ? viewer.t("none") : label, value: Double(group.values.buyers),
                    display: locale.number(Int64(group.values.buyers)) + " · "
                        + locale.money(group.values.netRevenue, compact: true),
                    link: "/app/dashboard/customers?days=\(days)&by=\(by)&group=" + Self.query(group.label))
            }
        ).render()
        return (model, notice(kept, viewer))
    }

    /// The buyers of the period behind one group of a breakdown (`?days&by&group`), in the
    /// viewer's scope, as the customer list.
    @Sendable func dashboardCustomers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let params = request.uri.queryParameters
        let days = params.get("days").flatMap { Int($0) }.flatMap { Self.periods.contains($0) ? $0 : nil } ?? 30
        let by = params.get("by").flatMap { Self.breakdownDimensions.contains($0) ? $0 : nil }
        let group = params.get("group")
        let workspaceID = try context.workspaceID
        let today = try await services.insights.today(workspaceID: workspaceID)
        let found = try await services.insights.kpiCustomers(
            workspaceID: workspaceID, from: today + 1 - Int64(days), to: today + 1, measure: .buyers,
            dimension: by.map(InsightDimension.init), group: by == nil ? nil : group, scope: context.scope,
            limit: Self.pageSize)
        var profiles: [Profile] = []
        for id in found.ids {
            if let p = try? await services.profiles.profile(workspaceID: workspaceID, id: id, scope: context.scope) {
                profiles.append(p)
            }
        }
        let label = by == "channel" ? Self.channelName(group ?? "", viewer) : (group ?? "")
        let model: [String: Any] = [
            "summary": viewer.locale.text(
                "breakdown_buyers_of", label.isEmpty ? viewer.t("none") : label, String(days),
                viewer.locale.number(Int64(found.size))),
            "rows": profiles.map { row($0, viewer) },
        ]
        await services.audit.recordPIIView(request, context, customers: profiles.filter(\.holdsPII).map(\.id))
        return renderer.page("breakdown-customers", title: viewer.t("customers"), model: model, viewer: viewer)
    }

    static func format(_ value: Int64, _ unit: KPI.Unit, _ locale: ConsoleLocale) -> String {
        switch unit {
        case .count: locale.number(value, compact: true)
        case .money: locale.money(value, compact: value >= 1_000_000)
        case .ratio: locale.percent(basisPoints: value)
        }
    }

    static func channelName(_ key: String, _ viewer: ConsoleViewer) -> String {
        let text = viewer.t("channel_" + key)
        return text == "channel_" + key ? key : text
    }

    static func rfmName(_ key: String, _ viewer: ConsoleViewer) -> String {
        let id = "rfm_" + key.lowercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: " ", with: "_")
        let text = viewer.t(id)
        return text == id ? key : text
    }
}
