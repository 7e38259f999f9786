import Foundation
import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import Synchronization

/// Customer insight (客户洞察): KPIs with breakdowns and drill-down, RFM, cohorts, funnels,
/// repurchase intervals, market baskets and CLV/churn predictions for one workspace.
///
/// The analyses read the audience engine's in-memory columns (orders, events, attributes, tag
/// and segment bitmaps); taking them copies nothing. The engine updates a changed customer's
/// traits at once but reloads the activity columns only on its hourly rebuild, so before
/// answering, the service compares the store's activity counter (`activityMarker`) with the one
/// of its last reload and, when it moved and the last reload is at least `minimumReload` old,
/// has the engine reload from the store: first, for a workspace of at most
/// `backgroundReloadFrom` customers; otherwise in the background, answering meanwhile from the
/// columns as last loaded (at a million customers a load takes most of a minute, which no request
/// should wait for). Order lines (categories, products), which the engine does not hold, are read from
/// the store for the period asked. Every analysis keeps to the caller's data scope: customers
/// outside it count nowhere and are never listed.
public final class InsightsService: Sendable {
    let store: any PanoramaStore
    let audiences: AudienceService
    let clock: WallClock
    /// The shortest time between two reloads of a workspace's activity for insights.
    let minimumReload: Duration
    /// From this many customers (a load of several seconds) a workspace reloads in the background.
    let backgroundReloadFrom: Int
    let logger: Logger
    /// Per workspace: the activity counter at the last reload, and when it was (epoch ms).
    private let reloaded = Mutex<[Int64: (marker: [Int64], at: Int64)]>([:])

    /// The most order lines one basket or category analysis reads (and keeps between requests:
    /// about 24 bytes a line as columns).
    public static let maximumLines = 20_000_000

    public init(
        store: any PanoramaStore, audiences: AudienceService, clock: WallClock, minimumReload: Duration = .seconds(60),
        backgroundReloadFrom: Int = 50_000, logger: Logger = Logger(label: "panorama.insights")
    ) {
        self.store = store
        self.audiences = audiences
        self.clock = clock
        self.minimumReload = minimumReload
        self.backgroundReloadFrom = backgroundReloadFrom
        self.logger = logger
    }

    /// Reloads the engine's activity from the store when the store's activity counter moved
    /// since the last reload and that reload is old enough. Audience memberships are carried
    /// over, not re-evaluated (that stays the scheduler's and the real-time path's work).
    func reloadIfChanged(_ workspaceID: Int64, _ engine: AudienceEngine) async throws {
        let marker = try await store.activityMarker()
        let now = clock.now()
        let last = reloaded.withLock { $0[workspaceID] }
        if let last, last.marker == marker { return }
        // An engine built since the last activity (at start, or by its scheduled rebuild) is
        // current already: reloading it again would double the first request's cost after start
        // (minutes at a million customers).
        if await engine.loadedActivity == marker {
            reloaded.withLock { $0[workspaceID] = (marker, now) }
            return
        }
        if let last, now - last.at < Int64(minimumReload / .milliseconds(1)) { return }
        if await engine.customerCount < backgroundReloadFrom {
            try await engine.rebuild(include: { _ in false })
            reloaded.withLock { $0[workspaceID] = (marker, now) }
            return
        }
        // Recorded first, so that one background reload runs, not one per request.
        reloaded.withLock { $0[workspaceID] = (marker, now) }
        Task { [logger] in
            do {
                try await engine.rebuild(include: { _ in false })
            } catch {
                logger.error("background reload for insights failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Data

    /// The engine's snapshot and the rows of `scope` (nil: all).
    func snapshot(_ workspaceID: Int64, scope: CustomerScope) async throws -> (InsightSnapshot, BitVector?) {
        let engine = try await audiences.engine(workspaceID)
        try await reloadIfChanged(workspaceID, engine)
        let snapshot = await engine.insightSnapshot()
        guard scope != .all else { return (snapshot, nil) }
        let rows = await engine.rows(in: scope)
        return (snapshot, BitVector(rows, count: snapshot.dataset.rowCount))
    }

    /// Live customer ids of rows, in row order.
    static func ids(_ rows: [Int], _ snapshot: InsightSnapshot) -> [Int64] {
        rows.map { snapshot.customerIDs[$0] }.filter { $0 != 0 }
    }

    /// Today in the workspace zone (the default end of periods).
    public func today(workspaceID: Int64) async throws -> Int64 {
        try await snapshot(workspaceID, scope: .all).0.dataset.today
    }

    // MARK: Analyses

    /// The KPIs of local days `from ..< to`, loyalty points included (in the totals, the previous
    /// period, the series and the breakdowns by customer dimensions).
    public func kpis(
        workspaceID: Int64, from: Int64, to: Int64, grain: KPIGrain?, breakdown: InsightDimension?,
        scope: CustomerScope
    ) async throws -> KPIReport {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        try KPIs.validate(from: from, to: to)
        var dataset = snapshot.dataset
        if breakdown == .category {
            dataset = try await withCategories(workspaceID, snapshot, from: from, to: to)
        }
        // Points of the period and of the previous one.
        dataset = try await withPoints(workspaceID, snapshot, dataset, from: 2 * from - to, to: to)
        return try KPIs.report(dataset, from: from, to: to, grain: grain, breakdown: breakdown, filter: filter)
    }

    /// The customers behind a KPI cell: how many, and the first `limit` ids (ascending row). The
    /// points measures have no cell of an order dimension (400 `points_not_by_order`).
    public func kpiCustomers(
        workspaceID: Int64, from: Int64, to: Int64, measure: KPIMeasure, dimension: InsightDimension?,
        group: String?, scope: CustomerScope, limit: Int
    ) async throws -> (size: Int, ids: [Int64]) {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        var dataset = snapshot.dataset
        if dimension == .category, group != nil, !measure.isPoints {
            dataset = try await withCategories(workspaceID, snapshot, from: from, to: to)
        }
        if measure.isPoints {
            try KPIs.validate(from: from, to: to)
            dataset = try await withPoints(workspaceID, snapshot, dataset, from: from, to: to)
        }
        let rows = try KPIs.customers(
            dataset, from: from, to: to, measure: measure, dimension: dimension, group: group, filter: filter)
        let ids = Self.ids(rows, snapshot)
        return (ids.count, Array(ids.prefix(limit)))
    }

    /// The R × F matrix and the segments on `asOf` (default today).
    public func rfm(workspaceID: Int64, asOf: Int64?, scope: CustomerScope) async throws -> RFMReport {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        return RFMAnalysis.report(snapshot.dataset, asOf: asOf, filter: filter)
    }

    /// Segment movement from `from` to `to`.
    public func rfmMovement(workspaceID: Int64, from: Int64, to: Int64, scope: CustomerScope) async throws
        -> RFMMovement
    {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        return try RFMAnalysis.movement(snapshot.dataset, from: from, to: to, filter: filter)
    }

    /// The cohort triangle of `months` months from `firstMonth` (a month index).
    public func cohorts(
        workspaceID: Int64, firstMonth: Int, months: Int, basis: CohortBasis, scope: CustomerScope
    ) async throws -> CohortTriangle {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        return try Cohorts.triangle(
            snapshot.dataset, firstMonth: firstMonth, months: months, basis: basis, filter: filter)
    }

    /// A funnel of tracked events.
    public func funnel(
        workspaceID: Int64, steps: [String], from: Int64, to: Int64, windowDays: Int, breakdown: InsightDimension?,
        scope: CustomerScope
    ) async throws -> FunnelReport {
        try await funnel(
            workspaceID: workspaceID, steps: steps.map { FunnelStep($0) }, from: from, to: to, windowDays: windowDays,
            breakdown: breakdown, scope: scope)
    }

    /// A funnel of tracked events whose steps may filter on event properties.
    public func funnel(
        workspaceID: Int64, steps: [FunnelStep], from: Int64, to: Int64, windowDays: Int,
        breakdown: InsightDimension?, scope: CustomerScope
    ) async throws -> FunnelReport {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        let matches = try await stepMatches(
            workspaceID, snapshot, steps: steps, from: from, to: to, windowDays: windowDays)
        return try Funnel.report(
            snapshot.dataset, steps: steps, matches: matches, from: from, to: to, windowDays: windowDays,
            breakdown: breakdown, filter: filter)
    }

    /// The customers who reached `step` of a funnel and not the next one.
    public func funnelDropOff(
        workspaceID: Int64, steps: [String], from: Int64, to: Int64, windowDays: Int, step: Int,
        scope: CustomerScope
    ) async throws -> [Int64] {
        try await funnelDropOff(
            workspaceID: workspaceID, steps: steps.map { FunnelStep($0) }, from: from, to: to, windowDays: windowDays,
            step: step, scope: scope)
    }

    /// The drop-off of a funnel whose steps may filter on event properties.
    public func funnelDropOff(
        workspaceID: Int64, steps: [FunnelStep], from: Int64, to: Int64, windowDays: Int, step: Int,
        scope: CustomerScope
    ) async throws -> [Int64] {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        let matches = try await stepMatches(
            workspaceID, snapshot, steps: steps, from: from, to: to, windowDays: windowDays)
        let rows = try Funnel.dropped(
            snapshot.dataset, steps: steps, matches: matches, from: from, to: to, windowDays: windowDays, atStep: step,
            filter: filter)
        return Self.ids(rows, snapshot)
    }

    /// The most stored events one funnel's property conditions read.
    public static let maximumFunnelEvents = 5_000_000

    /// Per step, the engine events a step with property conditions may match (nil for a step
    /// without): the step's stored track events of local days `from ..< to` plus the window are
    /// read with their properties, the conditions evaluated on each, and the events that pass
    /// marked at their customer's row (merged profiles count as their live customer) by name and
    /// second. Empty when no step has conditions.
    func stepMatches(
        _ workspaceID: Int64, _ snapshot: InsightSnapshot, steps: [FunnelStep], from: Int64, to: Int64,
        windowDays: Int
    ) async throws -> [BitVector?] {
        guard steps.contains(where: { !$0.conditions.isEmpty }) else { return [] }
        // The engine checks these too; checked first here so that a bad request reads nothing.
        try KPIs.validate(from: from, to: to)
        guard (1...Funnel.maximumWindowDays).contains(windowDays) else {
            throw PanoramaError.badRequest(
                "bad_window",
                "the window is 1 … \(Funnel.maximumWindowDays) days / 转化窗口须为 1 … \(Funnel.maximumWindowDays) 天",
                field: "window_days")
        }
        let names = Array(Set(steps.filter { !$0.conditions.isEmpty }.map(\.event))).sorted()
        let limit = Self.maximumFunnelEvents + 1
        let stored = try await store.trackEvents(
            workspaceID: workspaceID, names: names, from: Self.millis(from, snapshot),
            to: Self.millis(to, snapshot) + (Int64(windowDays) + 1) * 86_400_000, limit: limit)
        guard stored.count < limit else {
            throw PanoramaError.badRequest(
                "too_many_events",
                "the period holds more than \(Self.maximumFunnelEvents) events of the filtered steps: choose a shorter one / 时间范围内事件过多，请缩短时间范围",
                field: "from")
        }
        let live = try await store.liveIDs(workspaceID: workspaceID, customerIDs: Array(Set(stored.map(\.customerID))))
        let events = snapshot.dataset.events
        var matches = [BitVector?](repeating: nil, count: steps.count)
        for (i, step) in steps.enumerated() where !step.conditions.isEmpty {
            matches[i] = BitVector(count: events.count)
        }
        for event in stored {
            guard let id = live[event.customerID], let row = snapshot.rowOf[id] else { continue }
            let properties = event.properties.flatMap { try? JSONParser.parse($0) }
            let second = EvaluationContext.floorDiv(event.timestamp, 1000)
            for (i, step) in steps.enumerated() where step.event == event.event && !step.conditions.isEmpty {
                if step.matches(properties) {
                    Funnel.mark(&matches[i]!, events, row: row, timestamp: second, name: event.event)
                }
            }
        }
        return matches
    }

    /// Keeps a list of customers as a manual tag (created when new): a KPI cell or a funnel
    /// drop-off becomes an audience to act on. Returns how many joined.
    public func saveAsTag(workspaceID: Int64, name: String, ids: [Int64], description: String) async throws -> Int {
        let key = AudienceKey(.tag, name)
        if (try? await audiences.audience(workspaceID: workspaceID, key)) == nil {
            let definition = AudienceDefinition(
                kind: .tag, name: name, description: description, type: .manual, rule: nil, category: .behavior,
                updateMode: .realtime)
            _ = try await audiences.save(workspaceID: workspaceID, definition, create: true)
        }
        let engine = try await audiences.engine(workspaceID)
        let done = try await engine.assign(tag: name, add: ids, remove: [])
        if done.added > 0 { audiences.announce(workspaceID) }
        return done.added
    }

    /// Days between purchases in `from ..< to`, overall and per category. The categories need the
    /// period's order lines and those of the year before; when they are more than `maximumLines`
    /// the call fails (`too_many_lines`), or with `omitCategoriesOverCap` answers the overall
    /// distribution (from the engine) without categories and says so.
    public func repurchase(
        workspaceID: Int64, from: Int64, to: Int64, scope: CustomerScope, omitCategoriesOverCap: Bool = false
    ) async throws -> (overall: RepurchaseDistribution, categories: [RepurchaseDistribution], categoriesOmitted: Bool) {
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        let overall = try RepurchaseAnalysis.report(snapshot.dataset, from: from, to: to, filter: filter).overall
        // Per category over the order lines: a year before the period gives the first interval
        // of the period its previous purchase.
        let lines: InsightDataset
        do {
            lines = try await lineDataset(workspaceID, snapshot, from: from - 365, to: to, scope: scope).dataset
        } catch let error as PanoramaError where omitCategoriesOverCap && error.code == "too_many_lines" {
            return (overall, [], true)
        }
        let categories = try RepurchaseAnalysis.report(lines, from: from, to: to).categories
        return (overall, categories, false)
    }

    /// The store's activity counter (see `PanoramaStore.activityMarker`): it moves whenever an
    /// order, a refund or an event is added, so a result kept with it is stale once it moved.
    public func activityVersion() async throws -> [Int64] {
        try await store.activityMarker()
    }

    /// Association rules of the paid orders placed in `from ..< to`.
    public func basket(
        workspaceID: Int64, level: BasketAnalysis.Level, from: Int64, to: Int64,
        thresholds: BasketAnalysis.Thresholds, scope: CustomerScope
    ) async throws -> (orders: Int, rules: [BasketRule]) {
        try KPIs.validate(from: from, to: to)
        let (snapshot, _) = try await snapshot(workspaceID, scope: scope)
        let lines = try await lineDataset(workspaceID, snapshot, from: from, to: to, scope: scope).dataset
        return try BasketAnalysis.rules(lines, level: level, from: from, to: to, thresholds: thresholds)
    }

    /// BG/NBD and Gamma-Gamma fitted on the workspace's buyers (the whole workspace: a model per
    /// workspace), with the predictions of the buyers in scope by customer id; beside them the
    /// logistic churn model (`ChurnModel`, same horizon) and its churn probability per buyer.
    public func predictions(workspaceID: Int64, churnHorizonDays: Int, scope: CustomerScope) async throws -> (
        scores: CLVScores, ids: [Int64], predictions: [CustomerPrediction], churnModel: ChurnModel,
        logisticChurn: [Double]
    ) {
        guard (1...730).contains(churnHorizonDays) else {
            throw PanoramaError.badRequest(
                "bad_horizon", "horizon_days must be 1 … 730 / 预测天数须为 1 … 730", field: "horizon_days")
        }
        let (snapshot, filter) = try await snapshot(workspaceID, scope: scope)
        let scores = CLVScoring.score(snapshot.dataset, churnHorizonDays: churnHorizonDays)
        let churnModel = ChurnModel.fit(snapshot.dataset, horizonDays: churnHorizonDays, frequency: scores.frequency)
        let visible = snapshot.dataset.included(filter)
        var ids: [Int64] = []
        var predictions: [CustomerPrediction] = []
        var logistic: [Double] = []
        for row in visible.setRows {
            guard let prediction = scores.predictions[row], snapshot.customerIDs[row] != 0 else { continue }
            ids.append(snapshot.customerIDs[row])
            predictions.append(prediction)
            logistic.append(churnModel.churn[row] ?? .nan)
        }
        return (scores, ids, predictions, churnModel, logistic)
    }

    /// The predictive tags `runPredictions` keeps: a name, a description and its rule, where
    /// `{p90}` stands for the 90th percentile of the buyers' predicted CLV (yuan).
    public static let predictiveTags: [(name: String, description: String, rule: String)] = [
        (
            "高流失风险", "high churn risk: a buyer unlikely to buy in the next 90 days (churn_risk ≥ 0.8)",
            "churn_risk >= 0.8"
        ),
        (
            "高价值潜力", "high value potential: predicted CLV in the top 10 % of buyers and likely still a customer",
            "predicted_clv >= {p90} AND p_alive >= 0.5"
        ),
    ]

    /// The buyers' stored predictions (traits `churn_risk` as a probability and `predicted_clv` in
    /// minor units) of the customers in `scope`, as the engine's last full computation and later
    /// order changes left them: what a summary reads without fitting the models again (seconds
    /// at a million buyers). Empty before the first computation.
    public func storedPredictions(workspaceID: Int64, scope: CustomerScope) async throws -> [(
        churnRisk: Double, predictedCLV: Int64
    )] {
        let engine = try await audiences.engine(workspaceID)
        return await engine.predictionTraits(in: scope).map {
            (Double($0.churnRisk) / Double(Column.decimalScale), $0.predictedCLV / OrderColumns.decimalPerMinorUnit)
        }
    }

    /// Recomputes every trait, the predictions (`p_alive`, `churn_risk`, `predicted_clv`,
    /// `expected_spend_90d`, `next_purchase_date`) included, and creates or updates the
    /// predictive tags over them; returns the models and each tag's rule and size.
    public func runPredictions(workspaceID: Int64) async throws -> (
        models: (frequency: BGNBD, spend: GammaGamma)?, tags: [(name: String, rule: String, size: Int)]
    ) {
        try await audiences.recompute(workspaceID: workspaceID)
        let engine = try await audiences.engine(workspaceID)
        let (models, clv) = await engine.predictionState()
        // The 90th percentile of the buyers' predicted CLV, in yuan (decimal ×10⁴ → cents → yuan).
        let sorted = clv.sorted()
        let p90 = sorted.isEmpty ? 0 : sorted[max(0, (90 * sorted.count + 99) / 100 - 1)]
        let threshold = InsightsService.yuan(p90 / OrderColumns.decimalPerMinorUnit)
        var tags: [(String, String, Int)] = []
        for tag in Self.predictiveTags {
            let rule = tag.rule.replacingOccurrences(of: "{p90}", with: threshold)
            let key = AudienceKey(.tag, tag.name)
            let exists = (try? await audiences.audience(workspaceID: workspaceID, key)) != nil
            _ = try await audiences.save(
                workspaceID: workspaceID,
                AudienceDefinition(
                    kind: .tag, name: tag.name, description: tag.description, type: .rule, rule: rule,
                    category: .prediction, updateMode: .daily),
                create: !exists)
            tags.append((tag.name, rule, try await audiences.count(workspaceID: workspaceID, key)))
        }
        return (models.map { ($0.frequency, $0.spend) }, tags)
    }

    /// Minor units as a decimal literal of major units (`12345` → `123.45`).
    static func yuan(_ minor: Int64) -> String {
        let cents = minor.magnitude % 100
        return "\(minor < 0 ? "-" : "")\(minor.magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    // MARK: Order lines

    /// The epoch ms of the start of local day `day`.
    static func millis(_ day: Int64, _ snapshot: InsightSnapshot) -> Int64 {
        (day * 86_400 - snapshot.utcOffsetSeconds) * 1000
    }

    /// A workspace's paid order lines placed from `from` on, kept between requests. Orders are
    /// only ever added, so what came since is read by id: the orders above `lastOrderID`, and the
    /// orders of the refunds above `lastRefundID` read again (a refund takes lines or the whole
    /// order out). What the store's activity counter does not show (an order's status, customer,
    /// total or time changed in place) the fingerprint does, checked every `linesCheckInterval`.
    struct KeptLines: Sendable {
        /// Epoch ms.
        var from: Int64
        var lines: PaidOrderLines
        var lastOrderID: Int64
        var lastRefundID: Int64
        /// The fingerprint of the orders up to `throughOrderID` (the newest at the last check or
        /// full read; the later ones are read again at the next check), and when it was taken
        /// (epoch ms).
        var throughOrderID: Int64
        var fingerprint: [Int64]
        var checkedAt: Int64
    }

    /// Per workspace, the order lines kept (see `KeptLines`).
    private let keptLines = Mutex<[Int64: KeptLines]>([:])

    /// How long kept order lines are used before the store is asked whether an order changed in
    /// place (the same time as the console keeps a result).
    public static let linesCheckInterval: Int64 = 300_000

    /// One workspace's order lines are brought up to date one request at a time: two analyses
    /// asked together on an empty cache read the lines once (the second uses what the first
    /// kept), not twice at once (seconds and gigabytes at a million customers).
    private let linesTurns = TurnsByKey()
    /// Full reads of the order lines so far (each reads every line of the period).
    let fullLineReads = Atomic(0)

    /// The paid order lines placed from `from` (epoch ms) on: the kept ones brought up to date
    /// when they start early enough, else read anew (and kept). More than `maximumLines` fail
    /// (`too_many_lines`).
    func paidOrderLines(_ workspaceID: Int64, from: Int64) async throws -> PaidOrderLines {
        try await linesTurns.inTurn(workspaceID) { try await self.currentLines(workspaceID, from: from) }
    }

    private func currentLines(_ workspaceID: Int64, from: Int64) async throws -> PaidOrderLines {
        let marker = try await store.activityMarker()
        let (lastOrder, lastRefund) = (marker.first ?? 0, marker.count > 1 ? marker[1] : 0)
        let now = clock.now()
        if var kept = keptLines.withLock({ $0[workspaceID] }), kept.from <= from {
            var current = true
            if now - kept.checkedAt >= Self.linesCheckInterval {
                // The fingerprint up to the newest order first, then the one the kept lines were
                // checked with: a change between the two shows in the second, a later one in the
                // next check.
                let next = try await store.paidOrdersFingerprint(
                    workspaceID: workspaceID, from: kept.from, throughOrderID: lastOrder)
                let fingerprint = try await store.paidOrdersFingerprint(
                    workspaceID: workspaceID, from: kept.from, throughOrderID: kept.throughOrderID)
                current = fingerprint == kept.fingerprint
                if current {
                    // The orders added since the last check are read again (below): their status
                    // may have changed too.
                    let through = kept.throughOrderID
                    let lines = kept.lines
                    kept.lines = lines.filter { lines.orderID[$0] <= through }
                    kept.lastOrderID = through
                    kept.throughOrderID = lastOrder
                    kept.fingerprint = next
                    kept.checkedAt = now
                }
            }
            if current {
                if lastOrder > kept.lastOrderID {
                    let added = try await store.paidOrderLines(
                        workspaceID: workspaceID, from: kept.from, to: .max, afterOrderID: kept.lastOrderID,
                        limit: Self.maximumLines + 1)
                    kept.lines.append(added)
                    kept.lastOrderID = max(lastOrder, added.orderID.max() ?? 0)
                }
                if lastRefund > kept.lastRefundID {
                    let refunded = try await store.refundedOrders(
                        workspaceID: workspaceID, afterRefundID: kept.lastRefundID)
                    let again = try await store.paidOrderLines(workspaceID: workspaceID, orderIDs: refunded)
                    let keptFrom = kept.from
                    kept.lines = kept.lines.removing(orders: Set(refunded))
                    kept.lines.append(again.filter { again.placedAt[$0] >= keptFrom })
                    kept.lastRefundID = lastRefund
                }
                try Self.checkLines(kept.lines)
                keptLines.withLock { [kept] in $0[workspaceID] = kept }
                return kept.lines
            }
        }
        // The fingerprint first: an order changed while the lines are read makes the next check
        // read them again rather than go unseen.
        let fingerprint = try await store.paidOrdersFingerprint(
            workspaceID: workspaceID, from: from, throughOrderID: lastOrder)
        fullLineReads.add(1, ordering: .relaxed)
        let lines = try await store.paidOrderLines(
            workspaceID: workspaceID, from: from, to: .max, afterOrderID: 0, limit: Self.maximumLines + 1)
        try Self.checkLines(lines)
        let kept = KeptLines(
            from: from, lines: lines, lastOrderID: max(lastOrder, lines.orderID.max() ?? 0), lastRefundID: lastRefund,
            throughOrderID: lastOrder, fingerprint: fingerprint, checkedAt: now)
        keptLines.withLock { $0[workspaceID] = kept }
        return lines
    }

    /// Fails with `too_many_lines` beyond `maximumLines`.
    static func checkLines(_ lines: PaidOrderLines) throws {
        guard lines.lineCount <= maximumLines else {
            throw PanoramaError.badRequest(
                "too_many_lines",
                "the period holds more than \(maximumLines) order lines: choose a shorter one / 时间范围内订单明细过多，请缩短时间范围",
                field: "from")
        }
    }

    /// The paid orders with lines placed in `from ..< to` of the customers in scope, as a
    /// dataset of their own (a row per live customer by ascending id, its orders by time then
    /// id, items as categories and products), with the live customer id of each row.
    func lineDataset(
        _ workspaceID: Int64, _ snapshot: InsightSnapshot, from: Int64, to: Int64, scope: CustomerScope
    ) async throws -> (dataset: InsightDataset, ids: [Int64]) {
        let start = Self.millis(from, snapshot)
        let end = Self.millis(to, snapshot)
        let lines = try await paidOrderLines(workspaceID, from: start)
        let allowed = try await audiences.scopeIDs(workspaceID: workspaceID, scope: scope)
        // The columns as locals: read millions of times below.
        let (orderIDs, customers, placedAt, lineStart) = (
            lines.orderID, lines.customerID, lines.placedAt, lines.lineStart
        )
        let (categoryCodes, productCodes) = (lines.category, lines.product)
        let (rowOf, rowIDs) = (snapshot.rowOf, snapshot.customerIDs)
        // Each order of the period gets the key of its live customer: the engine's row when the
        // engine knows the customer as live, else (merged away, or newer than the engine's rows)
        // a key past the rows for the live id the store gives.
        var period: [Int] = []
        var keys: [Int] = []
        var unknown = Set<Int64>()
        for k in 0..<orderIDs.count where placedAt[k] >= start && placedAt[k] < end {
            let id = customers[k]
            period.append(k)
            if let row = rowOf[id], row < rowIDs.count, rowIDs[row] == id {
                keys.append(row)
            } else {
                keys.append(-1)
                unknown.insert(id)
            }
        }
        var extraIDs: [Int64] = []
        if !unknown.isEmpty {
            let resolved = try await store.liveIDs(workspaceID: workspaceID, customerIDs: Array(unknown))
            var extraKey: [Int64: Int] = [:]
            for i in keys.indices where keys[i] < 0 {
                guard let live = resolved[customers[period[i]]] else { continue }
                if let row = rowOf[live], row < rowIDs.count, rowIDs[row] == live {
                    keys[i] = row
                } else if let key = extraKey[live] {
                    keys[i] = key
                } else {
                    keys[i] = rowIDs.count + extraIDs.count
                    extraKey[live] = keys[i]
                    extraIDs.append(live)
                }
            }
        }
        func idOf(_ key: Int) -> Int64 { key < rowIDs.count ? rowIDs[key] : extraIDs[key - rowIDs.count] }
        // Orders grouped by key (a counting sort), the keys in ascending live id, each
        // customer's orders by time then id.
        let keyCount = rowIDs.count + extraIDs.count
        var starts = [Int](repeating: 0, count: keyCount + 1)
        for key in keys where key >= 0 { starts[key + 1] += 1 }
        var used: [Int] = []
        for key in 0..<keyCount where starts[key + 1] > 0 {
            if allowed?.contains(idOf(key)) ?? true {
                used.append(key)
            } else {
                starts[key + 1] = 0
            }
        }
        for key in 0..<keyCount { starts[key + 1] += starts[key] }
        var next = starts
        var grouped = [Int](repeating: 0, count: starts[keyCount])
        for (i, key) in keys.enumerated() where key >= 0 && starts[key + 1] > starts[key] {
            grouped[next[key]] = period[i]
            next[key] += 1
        }
        used.sort { idOf($0) < idOf($1) }
        var orders = OrderColumns(utcOffsetSeconds: snapshot.utcOffsetSeconds)
        // Items in the order the orders take, codes renumbered by first appearance.
        var categories = ItemCodes(names: lines.categories)
        var products = ItemCodes(names: lines.products)
        var records: [OrderColumns.Record] = []
        for key in used {
            var own = grouped[starts[key]..<starts[key + 1]]
            own.sort { (placedAt[$0], orderIDs[$0]) < (placedAt[$1], orderIDs[$1]) }
            records.removeAll(keepingCapacity: true)
            for k in own {
                records.append(
                    OrderColumns.Record(timestamp: EvaluationContext.floorDiv(placedAt[k], 1000), amount: 0))
                categories.appendOrder(categoryCodes, lineStart[k]..<lineStart[k + 1])
                products.appendOrder(productCodes, lineStart[k]..<lineStart[k + 1])
            }
            orders.appendCustomer(records)
        }
        var events = EventColumns(utcOffsetSeconds: snapshot.utcOffsetSeconds)
        events.appendEmptyCustomers(orders.rowCount)
        var dataset = InsightDataset(orders: orders, events: events, today: snapshot.dataset.today)
        dataset.categories = categories.items
        dataset.products = products.items
        return (dataset, used.map(idOf))
    }

    /// Builds `OrderItems` from the codes of `PaidOrderLines`: distinct within an order, renumbered
    /// in the order of first appearance (as `OrderItems` numbers names appended one by one).
    struct ItemCodes {
        let names: [String]
        /// Per code of `names`, its new code (-1: not seen yet).
        var renumbered: [Int32]
        var used: [String] = []
        var offsets = [0]
        var codes: [Int32] = []

        init(names: [String]) {
            self.names = names
            renumbered = [Int32](repeating: -1, count: names.count)
        }

        /// Appends an order of the lines `range` of `lineCodes` (-1: none).
        mutating func appendOrder(_ lineCodes: [Int32], _ range: Range<Int>) {
            let first = codes.count
            for line in range {
                let code = lineCodes[line]
                guard code >= 0 else { continue }
                var new = renumbered[Int(code)]
                if new < 0 {
                    new = Int32(used.count)
                    renumbered[Int(code)] = new
                    used.append(names[Int(code)])
                }
                var seen = false
                for j in first..<codes.count where codes[j] == new {
                    seen = true
                    break
                }
                if !seen { codes.append(new) }
            }
            offsets.append(codes.count)
        }

        var items: OrderItems { OrderItems(offsets: offsets, codes: codes, names: used) }
    }

    /// The engine's dataset with the categories of its orders: an order's categories are those
    /// of the stored paid order of the same customer placed at the same second (orders without
    /// lines, or not paid, have none).
    func withCategories(_ workspaceID: Int64, _ snapshot: InsightSnapshot, from: Int64, to: Int64) async throws
        -> InsightDataset
    {
        try KPIs.validate(from: from, to: to)
        let (lines, lineIDs) = try await lineDataset(workspaceID, snapshot, from: from, to: to, scope: .all)
        // (live customer, second) → categories.
        var byTime: [SIMD2<Int64>: [String]] = [:]
        for (row, id) in lineIDs.enumerated() {
            for o in lines.orders.range(ofRow: row) {
                let names = lines.categories.of(o).map { lines.categories.dictionary.strings[Int($0)] }
                byTime[SIMD2(id, lines.orders.timestamp[o]), default: []] += names
            }
        }
        var dataset = snapshot.dataset
        let orders = dataset.orders
        // Only the rows of the customers with lines look their orders up; the others (most of
        // them, in a short period) get empty item lists in one step.
        let rowsWithLines = Set(lineIDs.compactMap { snapshot.rowOf[$0] }).sorted()
        var items = OrderItems()
        var next = 0
        var row = 0
        while row < orders.rowCount {
            let end = next < rowsWithLines.count ? rowsWithLines[next] : orders.rowCount
            if end > row { items.appendEmptyOrders(orders.offsets[end] - orders.offsets[row]) }
            guard end < orders.rowCount else { break }
            let id = snapshot.customerIDs[end]
            for o in orders.range(ofRow: end) {
                if let names = byTime[SIMD2(id, orders.timestamp[o])] {
                    items.appendOrder(names)
                } else {
                    items.appendEmptyOrders(1)
                }
            }
            row = end + 1
            next += 1
        }
        if orders.rowCount == 0 { items.appendEmptyOrders(0) }
        dataset.categories = items
        return dataset
    }
}

extension AudienceService {
    /// A CSV field as exports write it (quoted where needed, formulas defused), for reports.
    public static func csvText(_ text: String) -> String { csvField(text) }
}
