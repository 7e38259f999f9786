import Foundation
import Hummingbird
import PanoramaCore
import PanoramaEngine
import PanoramaServices

/// REST: customer insight (客户洞察) — KPIs with breakdown and drill-down, RFM, cohorts, funnels,
/// repurchase intervals, market baskets and CLV/churn predictions. Every analysis keeps to the
/// caller's data scope; customer lists mask identifiers unless the role has `pii.view`.
///
/// Periods are `from` and `to` as `YYYY-MM-DD`, both included, in the workspace time zone
/// (default: the last 30 days to today).
struct InsightsController {
    let insights: InsightsService
    let audiences: AudienceService
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("insights/kpis", use: kpis)
        group.get("insights/kpis/customers", use: kpiCustomers)
        group.get("insights/rfm", use: rfm)
        group.get("insights/rfm/movement", use: rfmMovement)
        group.get("insights/cohorts", use: cohorts)
        group.post("insights/funnels", use: funnel)
        group.post("insights/funnels/drop-off", use: funnelDropOff)
        group.get("insights/repurchase", use: repurchase)
        group.get("insights/basket", use: basket)
        group.get("insights/predictions", use: predictions)
        group.post("insights/predictions/run", use: runPredictions)
        group.get("insights/roi", use: roi)
        group.get("insights/campaigns/costs", use: campaignCosts)
        group.put("insights/campaigns/:name/cost", use: setCampaignCost)
        group.delete("insights/campaigns/:name/cost", use: deleteCampaignCost)
    }

    // MARK: Parameters

    /// A query parameter, nil when absent or empty.
    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func date(_ text: String, _ name: String) throws -> Int64 {
        guard let day = InsightCalendar.day(parsing: text) else {
            throw PanoramaError.badRequest(
                "invalid_\(name)", "\(name) must be a date YYYY-MM-DD / \(name) 须为日期 YYYY-MM-DD", field: name)
        }
        return day
    }

    /// `from`/`to` (both included) as local days `from ..< to + 1`; default the last 30 days.
    func period(_ request: Request, _ context: AppRequestContext) async throws -> (from: Int64, to: Int64) {
        let to: Int64
        if let text = Self.query(request, "to") {
            to = try Self.date(text, "to") + 1
        } else {
            to = try await insights.today(workspaceID: try context.workspaceID) + 1
        }
        let from = try Self.query(request, "from").map { try Self.date($0, "from") } ?? to - 30
        return (from, to)
    }

    static func choice<T: RawRepresentable>(_ request: Request, _ name: String, _ type: T.Type) throws -> T?
    where T.RawValue == String, T: CaseIterable {
        guard let raw = query(request, name) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw PanoramaError.badRequest(
                "invalid_\(name)", "\(name) must be one of \(allowed) / \(name) 须为 \(allowed) 之一", field: name)
        }
        return value
    }

    static func dimension(_ text: String?) throws -> InsightDimension? {
        guard let text else { return nil }
        guard text.count <= 100, !text.contains(where: { $0.isNewline }) else {
            throw PanoramaError.badRequest(
                "invalid_dimension", "dimension is not a valid name / 维度名称无效", field: "dimension")
        }
        return InsightDimension(text)
    }

    static func number(_ request: Request, _ name: String, default value: Double, _ range: ClosedRange<Double>) throws
        -> Double
    {
        guard let raw = query(request, name) else { return value }
        guard let n = Double(raw), range.contains(n) else {
            throw PanoramaError.badRequest(
                "invalid_\(name)", "\(name) must be a number in \(range.lowerBound) … \(range.upperBound)", field: name)
        }
        return n
    }

    static func integer(_ request: Request, _ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int
    {
        guard let raw = query(request, name) else { return value }
        guard let n = Int(raw), range.contains(n) else {
            throw PanoramaError.badRequest(
                "invalid_\(name)", "\(name) must be an integer in \(range.lowerBound) … \(range.upperBound)",
                field: name)
        }
        return n
    }

    /// `?format=json` (default) or `csv`.
    static func wantsCSV(_ request: Request) throws -> Bool {
        switch query(request, "format") ?? "json" {
        case "json": return false
        case "csv": return true
        default: throw PanoramaError.badRequest("invalid_format", "format must be json or csv", field: "format")
        }
    }

    static func csvResponse(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A page of customers: the size and each customer's id and identifiers (masked without
    /// `pii.view`); listing customers also needs `customers.read`, and is audited as audience
    /// previews are.
    func customers(_ request: Request, _ context: AppRequestContext, size: Int, ids: [Int64]) async throws -> JSONValue
    {
        try context.requiredPrincipal.require(.customersRead)
        let workspaceID = try context.workspaceID
        await audit.recordPIIView(request, context, customers: ids)
        let held = try await audiences.identifiers(workspaceID: workspaceID, of: ids, masked: !context.seesPII)
        let members = ids.map { id -> JSONValue in
            let identifiers = (held[id] ?? []).map {
                JSONValue.object(["type": .string($0.type), "value": .string($0.value)])
            }
            return .object(["id": .number(JSONNumber(id)), "identifiers": .array(JSONArray(identifiers))])
        }
        return .object(["size": .number(JSONNumber(size)), "customers": .array(JSONArray(members))])
    }

    // MARK: Handlers

    /// `?from&to&grain=day|week|month&dimension=&format=`
    @Sendable func kpis(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csv = try Self.wantsCSV(request)
        let grain = try Self.choice(request, "grain", KPIGrain.self)
        let dimension = try Self.dimension(Self.query(request, "dimension"))
        let (from, to) = try await period(request, context)
        let report = try await insights.kpis(
            workspaceID: try context.workspaceID, from: from, to: to, grain: grain, breakdown: dimension,
            scope: context.scope)
        if csv { return Self.csvResponse(InsightJSON.kpiCSV(report)) }
        return JSONResponse.make(InsightJSON.kpiReport(report))
    }

    /// `?from&to&measure=buyers|new_customers|active_customers|repeat_buyers|point_earners|point_redeemers&dimension&group&limit`
    @Sendable func kpiCustomers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let measure = try Self.choice(request, "measure", KPIMeasure.self) ?? .buyers
        let dimension = try Self.dimension(Self.query(request, "dimension"))
        let group = Self.query(request, "group")
        if group != nil, dimension == nil {
            throw PanoramaError.badRequest(
                "missing_dimension", "group needs a dimension / group 需要 dimension", field: "dimension")
        }
        let limit = try Params.limit(request, default: 100, max: 1000)
        let (from, to) = try await period(request, context)
        let found = try await insights.kpiCustomers(
            workspaceID: try context.workspaceID, from: from, to: to, measure: measure, dimension: dimension,
            group: group, scope: context.scope, limit: limit)
        return JSONResponse.make(try await customers(request, context, size: found.size, ids: found.ids))
    }

    /// `?as_of=YYYY-MM-DD&format=`
    @Sendable func rfm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csv = try Self.wantsCSV(request)
        let asOf = try Self.query(request, "as_of").map { try Self.date($0, "as_of") }
        let report = try await insights.rfm(workspaceID: try context.workspaceID, asOf: asOf, scope: context.scope)
        return csv ? Self.csvResponse(InsightJSON.rfmCSV(report)) : JSONResponse.make(InsightJSON.rfmReport(report))
    }

    /// `?from=YYYY-MM-DD&to=YYYY-MM-DD`: segment flows between the two days (default: 30 days ago
    /// to today).
    @Sendable func rfmMovement(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let today = try await insights.today(workspaceID: workspaceID)
        let to = try Self.query(request, "to").map { try Self.date($0, "to") } ?? today
        let from = try Self.query(request, "from").map { try Self.date($0, "from") } ?? to - 30
        let movement = try await insights.rfmMovement(
            workspaceID: workspaceID, from: from, to: to, scope: context.scope)
        return JSONResponse.make(InsightJSON.rfmMovement(movement))
    }

    /// `?from=YYYY-MM&months=12&basis=first_purchase|first_seen&format=`
    @Sendable func cohorts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csv = try Self.wantsCSV(request)
        let months = try Self.integer(request, "months", default: 12, 1...Cohorts.maximumMonths)
        let basis = try Self.choice(request, "basis", CohortBasis.self) ?? .firstPurchase
        let workspaceID = try context.workspaceID
        let first: Int
        if let text = Self.query(request, "from") {
            guard let month = InsightCalendar.month(parsing: text) else {
                throw PanoramaError.badRequest(
                    "invalid_from", "from must be a month YYYY-MM / from 须为月份 YYYY-MM", field: "from")
            }
            first = month
        } else {
            first = InsightCalendar.month(ofDay: try await insights.today(workspaceID: workspaceID)) - months + 1
        }
        let triangle = try await insights.cohorts(
            workspaceID: workspaceID, firstMonth: first, months: months, basis: basis, scope: context.scope)
        return csv
            ? Self.csvResponse(InsightJSON.cohortCSV(triangle)) : JSONResponse.make(InsightJSON.cohorts(triangle))
    }

    /// A funnel as a JSON body: `{"steps": ["Product Viewed", {"event": "Order Completed", "where":
    /// [{"property": "category", "op": "eq", "value": "书籍"}]}, …], "from", "to", "window_days",
    /// "dimension"}`; for the drop-off also `"step"` and optionally `"save_as_tag"`.
    struct FunnelBody {
        var steps: [FunnelStep]
        var from: Int64
        var to: Int64
        var windowDays: Int
        var dimension: InsightDimension?
        var step: Int?
        var saveAsTag: String?

        init(_ json: JSONValue, today: Int64) throws {
            guard case .object(let object) = json else {
                throw PanoramaError.badRequest("invalid_body", "the body must be a JSON object / 请求体须为 JSON 对象")
            }
            func string(_ key: String) throws -> String? {
                guard let value = object[key], value != .null else { return nil }
                guard case .string(let text) = value, !text.isEmpty, text.count <= 200 else {
                    throw PanoramaError.badRequest("invalid_\(key)", "\(key) must be a non-empty string", field: key)
                }
                return text
            }
            func int(_ key: String) throws -> Int? {
                guard let value = object[key], value != .null else { return nil }
                guard case .number(let n) = value, let i = Int(n.text) else {
                    throw PanoramaError.badRequest("invalid_\(key)", "\(key) must be an integer", field: key)
                }
                return i
            }
            guard case .array(let list)? = object["steps"] else {
                throw PanoramaError.badRequest(
                    "invalid_steps", "steps must be a list of event names / steps 须为事件名列表", field: "steps")
            }
            steps = try list.elements.map { try FunnelStep(json: $0) }
            to = try string("to").map { try InsightsController.date($0, "to") + 1 } ?? today + 1
            from = try string("from").map { try InsightsController.date($0, "from") } ?? to - 30
            windowDays = try int("window_days") ?? 7
            dimension = try InsightsController.dimension(try string("dimension"))
            step = try int("step")
            saveAsTag = try string("save_as_tag")
        }
    }

    func funnelBody(_ request: Request, _ context: AppRequestContext) async throws -> FunnelBody {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        guard let json = try? JSONParser.parse(String(buffer: buffer)) else {
            throw PanoramaError.badRequest("invalid_json", "the body is not valid JSON / 请求体不是合法的 JSON")
        }
        return try FunnelBody(json, today: try await insights.today(workspaceID: try context.workspaceID))
    }

    @Sendable func funnel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await funnelBody(request, context)
        let report = try await insights.funnel(
            workspaceID: try context.workspaceID, steps: body.steps, from: body.from, to: body.to,
            windowDays: body.windowDays, breakdown: body.dimension, scope: context.scope)
        return JSONResponse.make(InsightJSON.funnel(report))
    }

    /// The customers who dropped after `step`; with `save_as_tag` (needs `audiences.write`) they
    /// become members of that manual tag.
    @Sendable func funnelDropOff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await funnelBody(request, context)
        guard let step = body.step else {
            throw PanoramaError.badRequest("missing_step", "step is required / 须提供 step", field: "step")
        }
        let workspaceID = try context.workspaceID
        if body.saveAsTag != nil { try context.requiredPrincipal.require(.audiencesWrite) }
        let ids = try await insights.funnelDropOff(
            workspaceID: workspaceID, steps: body.steps, from: body.from, to: body.to, windowDays: body.windowDays,
            step: step, scope: context.scope)
        var saved: JSONValue = .null
        if let tag = body.saveAsTag {
            let added = try await insights.saveAsTag(
                workspaceID: workspaceID, name: tag, ids: ids,
                description: "funnel drop-off after step \(step): \(body.steps.map(\.label).joined(separator: " → "))")
            await audit.record(
                request, context, action: "tag.assign", target: "tag:\(tag)", detail: ["added": String(added)])
            saved = .object(["tag": .string(tag), "added": .number(JSONNumber(added))])
        }
        let limit = try Params.limit(request, default: 100, max: 1000)
        var page = try await customers(request, context, size: ids.count, ids: Array(ids.prefix(limit)))
        if case .object(var object) = page {
            object.set("saved", saved)
            page = .object(object)
        }
        return JSONResponse.make(page)
    }

    /// `?from&to`
    @Sendable func repurchase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (from, to) = try await period(request, context)
        let found = try await insights.repurchase(
            workspaceID: try context.workspaceID, from: from, to: to, scope: context.scope)
        return JSONResponse.make(InsightJSON.repurchase(found.overall, found.categories))
    }

    /// `?from&to&level=category|product&min_support&min_confidence&min_lift&max_length&item&format=`;
    /// `item` keeps the "customers who bought X also bought" rules of one item.
    @Sendable func basket(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csv = try Self.wantsCSV(request)
        let level = try Self.choice(request, "level", BasketAnalysis.Level.self) ?? .category
        let thresholds = BasketAnalysis.Thresholds(
            minSupport: try Self.number(request, "min_support", default: 0.01, 0.0001...1),
            minConfidence: try Self.number(request, "min_confidence", default: 0.1, 0...1),
            minLift: try Self.number(request, "min_lift", default: 1, 0...1_000_000),
            maxLength: try Self.integer(request, "max_length", default: 3, 2...5))
        let limit = try Params.limit(request, default: 100, max: 1000)
        let (from, to) = try await period(request, context)
        let found = try await insights.basket(
            workspaceID: try context.workspaceID, level: level, from: from, to: to, thresholds: thresholds,
            scope: context.scope)
        var rules = found.rules
        if let item = Self.query(request, "item") {
            rules = BasketAnalysis.recommendations(rules, for: item, limit: limit)
        }
        rules = Array(rules.prefix(limit))
        return csv
            ? Self.csvResponse(InsightJSON.basketCSV(rules))
            : JSONResponse.make(InsightJSON.basket(orders: found.orders, rules: rules))
    }

    /// `?horizon_days=90&after=<customer id>&limit=`: the fitted models and a page of customers'
    /// predictions by ascending customer id.
    @Sendable func predictions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let horizon = try Self.integer(request, "horizon_days", default: 90, 1...730)
        let after = Int64(try Self.integer(request, "after", default: 0, 0...Int.max))
        let limit = try Params.limit(request, default: 100, max: 1000)
        let found = try await insights.predictions(
            workspaceID: try context.workspaceID, churnHorizonDays: horizon, scope: context.scope)
        let page = found.ids.indices.filter { found.ids[$0] > after }.sorted { found.ids[$0] < found.ids[$1] }
            .prefix(limit).map { (found.ids[$0], found.predictions[$0], found.logisticChurn[$0]) }
        var models = InsightJSON.models(found.scores)
        if case .object(var object) = models {
            object.set("churn_model", InsightJSON.churnModel(found.churnModel))
            models = .object(object)
        }
        return JSONResponse.make(
            .object([
                "models": models,
                "data": .array(JSONArray(page.map { InsightJSON.prediction(id: $0.0, $0.1, churnModel: $0.2) })),
                "next_after": page.count == limit ? page.last.map { .number(JSONNumber($0.0)) } ?? .null : .null,
            ]))
    }

    /// Recomputes the predictions as traits and keeps the predictive tags 高流失风险 / 高价值潜力.
    @Sendable func runPredictions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let run = try await insights.runPredictions(workspaceID: try context.workspaceID)
        return JSONResponse.make(InsightJSON.predictionRun(models: run.models, tags: run.tags))
    }

    // MARK: ROI

    /// `?from&to&model=first_touch|last_touch&window_days=30&format=`: revenue and buyers per
    /// campaign (and direct per channel) against the campaigns' costs.
    @Sendable func roi(_ request: Request, context: AppRequestContext) async throws -> Response {
        let csv = try Self.wantsCSV(request)
        let model = try Self.choice(request, "model", AttributionModel.self) ?? .lastTouch
        let window = try Self.integer(request, "window_days", default: 30, 1...Attribution.maximumWindowDays)
        let (from, to) = try await period(request, context)
        let rows = try await insights.roi(
            workspaceID: try context.workspaceID, from: from, to: to, model: model, windowDays: window,
            scope: context.scope)
        return csv
            ? Self.csvResponse(InsightJSON.roiCSV(rows))
            : JSONResponse.make(InsightJSON.roi(rows, from: from, to: to, model: model, windowDays: window))
    }

    /// The cost entered per campaign.
    @Sendable func campaignCosts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let costs = try await insights.campaignCosts(workspaceID: try context.workspaceID)
        let rows = costs.sorted { $0.key < $1.key }.map {
            JSONValue.object(["campaign": .string($0.key), "cost": .string(InsightJSON.money($0.value))])
        }
        return JSONResponse.make(.object(["data": .array(JSONArray(rows))]))
    }

    /// `{"cost": "1200.00"}`: sets a campaign's cost (audited here, with the amount).
    @Sendable func setCampaignCost(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = try Params.string(context, "name")
        let body = try await AdminController.jsonBody(request)
        guard case .object(let object) = body, let cost = try OrderDecoder.amount(object["cost"], "cost") else {
            throw PanoramaError.badRequest(
                "invalid_cost", "the body must be {\"cost\": \"1200.00\"} / 请求体须为 {\"cost\": \"1200.00\"}",
                field: "cost")
        }
        try await insights.setCampaignCost(workspaceID: try context.workspaceID, campaign: name, cost: cost)
        await audit.record(
            request, context, action: "campaign.cost", target: "campaign:\(name)",
            detail: ["cost": InsightJSON.money(cost)])
        return JSONResponse.make(.object(["campaign": .string(name), "cost": .string(InsightJSON.money(cost))]))
    }

    /// Removes a campaign's cost (audited by `AuditMiddleware`).
    @Sendable func deleteCampaignCost(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = try Params.string(context, "name")
        try await insights.setCampaignCost(workspaceID: try context.workspaceID, campaign: name, cost: nil)
        return Response(status: .noContent)
    }
}
