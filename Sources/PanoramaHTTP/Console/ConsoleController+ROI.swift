import Foundation
import Hummingbird
import PanoramaCharts
import PanoramaCore
import PanoramaEngine
import PanoramaServices

/// Campaign ROI (`insights.read`): paid orders of the period credited to the first or last
/// campaign touch in the attribution window, per campaign against its cost, as `InsightsService.roi`
/// answers `GET /api/v1/insights/roi`; and the form that enters a campaign's cost (`audiences.write`,
/// as `PUT /api/v1/insights/campaigns/{name}/cost`).
extension ConsoleController {
    /// Attribution windows (days before an order) the page offers.
    static let roiWindows = [7, 14, 30, 60, 90]

    /// The ROI form as asked: period, model and window (defaults: 90 days, last touch, 30 days).
    struct ROIForm {
        var days: Int
        var model: AttributionModel
        var windowDays: Int

        init(_ parameters: [String: String]) {
            days =
                parameters["days"].flatMap { Int($0) }.flatMap {
                    ConsoleController.insightPeriods.contains($0) ? $0 : nil
                } ?? 90
            model = parameters["model"].flatMap { AttributionModel(rawValue: $0) } ?? .lastTouch
            windowDays =
                parameters["window"].flatMap { Int($0) }.flatMap {
                    ConsoleController.roiWindows.contains($0) ? $0 : nil
                } ?? 30
        }

        var query: String { "days=\(days)&model=\(model.rawValue)&window=\(windowDays)" }
    }

    @Sendable func roiPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderROI(request, context, form: ROIForm(Self.parameters(request)))
    }

    /// The page: the form, revenue per campaign as bars, the table, and the cost form when the
    /// viewer may enter costs (with `costError` and the typed values after a refused entry).
    func renderROI(
        _ request: Request, _ context: AppRequestContext, form: ROIForm, costError: String? = nil,
        typed: (campaign: String, cost: String)? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        var model = insightsModel("roi", viewer)
        model["periods"] = Self.options(Self.insightPeriods.map(String.init), selected: String(form.days)) {
            locale.text("last_n_days", $0)
        }
        model["models"] = Self.options(AttributionModel.allCases.map(\.rawValue), selected: form.model.rawValue) {
            viewer.t("roi_model_" + $0)
        }
        model["windows"] = Self.options(Self.roiWindows.map(String.init), selected: String(form.windowDays)) {
            locale.text("n_days", $0)
        }
        model["query"] = form.query
        let today = try await services.insights.today(workspaceID: workspaceID)
        var campaigns: [String] = []
        do {
            let rows = try await services.insights.roi(
                workspaceID: workspaceID, from: today + 1 - Int64(form.days), to: today + 1, model: form.model,
                windowDays: form.windowDays, scope: context.scope)
            func name(_ row: CampaignROI) -> String {
                row.campaign == CampaignROI.direct
                    ? locale.text(
                        "roi_direct", row.source.map { Self.channelName($0, viewer) } ?? viewer.t("roi_no_channel"))
                    : row.campaign
            }
            campaigns = rows.map(\.campaign).filter { $0 != CampaignROI.direct }
            let costs = try await services.insights.campaignCosts(workspaceID: workspaceID)
            let canEdit = viewer.can(.audiencesWrite)
            model["rows"] = rows.map { row -> [String: Any] in
                var o: [String: Any] = [
                    "campaign": name(row),
                    "source": [row.source, row.medium].compactMap { $0 }.joined(separator: " / "),
                    "touches": locale.number(Int64(row.touches)), "buyers": locale.number(Int64(row.buyers)),
                    "orders": locale.number(Int64(row.orders)), "revenue": locale.money(row.revenue, compact: true),
                    "cost": row.cost.map { locale.money($0, compact: true) } ?? "–",
                    "roi": row.roi.map { Self.share($0, locale) } ?? "–",
                ]
                if let roi = row.roi { o[roi >= 0 ? "gain" : "loss"] = true }
                if canEdit, row.campaign != CampaignROI.direct {
                    o["editLink"] = "/app/insights/roi?\(form.query)&campaign=\(Self.query(row.campaign))#cost-form"
                    o["editLabel"] = locale.text("roi_edit_cost_of", row.campaign)
                }
                return o
            }
            let totalRevenue = rows.reduce(Int64(0)) { $0 + $1.revenue }
            let totalCost = rows.reduce(Int64(0)) { $0 + ($1.cost ?? 0) }
            model["figures"] = [
                ["label": viewer.t("roi_campaigns"), "value": locale.number(Int64(campaigns.count))],
                ["label": viewer.t("revenue"), "value": locale.money(totalRevenue, compact: true)],
                ["label": viewer.t("roi_cost"), "value": locale.money(totalCost, compact: true)],
            ]
            let charted = rows.filter { $0.revenue > 0 || ($0.cost ?? 0) > 0 }.prefix(20)
            if !charted.isEmpty {
                model["chart"] = BarChart(
                    id: "roi", title: viewer.t("roi_chart"), description: viewer.t("roi_chart_desc"),
                    bars: charted.map { row in
                        ChartBar(
                            label: name(row), value: Double(max(row.revenue, 0)),
                            display: locale.money(row.revenue, compact: true)
                                + (row.roi.map { " · " + viewer.t("roi_roi") + " " + Self.share($0, locale) } ?? ""))
                    }
                ).render()
            }
            if canEdit {
                let chosen = typed?.campaign ?? Self.parameters(request)["campaign"] ?? ""
                var costForm: [String: Any] = [
                    "campaign": chosen,
                    "cost": typed?.cost ?? costs[chosen].map(LoyaltyForm.yuan) ?? "",
                    "campaigns": Array(Set(campaigns).union(costs.keys)).sorted(),
                ]
                if let costError { costForm["error"] = costError }
                model["costForm"] = costForm
            }
        } catch let error as PanoramaError where error.kind == .badRequest {
            model["error"] = ConsoleMiddleware.localized(error.message, locale)
        }
        return renderer.page(
            "insights-roi", title: viewer.t("insights_tab_roi"), model: model, viewer: viewer, status: status,
            flash: Self.parameters(request)["saved"].map { locale.text("roi_cost_saved", $0) })
    }

    /// `campaign`, `cost` (yuan; empty removes the cost): sets a campaign's cost through
    /// `InsightsService.setCampaignCost`, audited as `campaign.cost` (or `campaign.cost_delete`).
    @Sendable func saveCampaignCost(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await form(request)
        let viewer = await viewer(request, context)
        var parameters = Self.parameters(request)
        for field in body.fields where ["days", "model", "window"].contains(field.name) {
            parameters[field.name] = field.value
        }
        let roiForm = ROIForm(parameters)
        let campaign = (body["campaign"] ?? "").trimmingCharacters(in: .whitespaces)
        let costText = (body["cost"] ?? "").trimmingCharacters(in: .whitespaces)
        var cost: Int64?
        do {
            if !costText.isEmpty {
                guard let minor = Self.typedAmount(costText) else {
                    throw PanoramaError.badRequest("invalid_cost", viewer.t("roi_cost_invalid"), field: "cost")
                }
                cost = minor
            }
            try await services.insights.setCampaignCost(
                workspaceID: try context.workspaceID, campaign: campaign, cost: cost)
        } catch let error as PanoramaError where error.kind == .badRequest {
            return try await renderROI(
                request, context, form: roiForm, costError: ConsoleMiddleware.localized(error.message, viewer.locale),
                typed: (campaign, costText), status: .badRequest)
        }
        if let cost {
            await services.audit.record(
                request, context, action: "campaign.cost", target: "campaign:\(campaign)",
                detail: ["cost": InsightJSON.money(cost), "via": "console"])
        } else {
            await services.audit.record(
                request, context, action: "campaign.cost_delete", target: "campaign:\(campaign)",
                detail: ["via": "console"])
        }
        return ConsoleRenderer.redirect("/app/insights/roi?\(roiForm.query)&saved=\(Self.query(campaign))")
    }
}
