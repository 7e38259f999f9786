import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// Channel and campaign ROI: paid orders credited to campaign touches (first or last touch in an
/// attribution window), against the cost entered per campaign.
extension InsightsService {
    /// The most orders, and the most campaign events, one ROI report reads.
    public static let maximumAttributionRows = 5_000_000

    /// The ROI of local days `from ..< to`: each paid order placed in the period credited to the
    /// first or last campaign touch of its customer in the `windowDays` before it, else to
    /// `(direct)` per order channel. Merged profiles count as their live customer; customers
    /// outside `scope` count nowhere (costs still show).
    public func roi(
        workspaceID: Int64, from: Int64, to: Int64, model: AttributionModel, windowDays: Int, scope: CustomerScope
    ) async throws -> [CampaignROI] {
        try KPIs.validate(from: from, to: to)
        guard (1...Attribution.maximumWindowDays).contains(windowDays) else {
            throw PanoramaError.badRequest(
                "bad_window",
                "window_days must be 1 … \(Attribution.maximumWindowDays) / 归因窗口须为 1 … \(Attribution.maximumWindowDays) 天",
                field: "window_days")
        }
        let (snapshot, _) = try await snapshot(workspaceID, scope: .all)
        let start = Self.millis(from, snapshot)
        let end = Self.millis(to, snapshot)
        let limit = Self.maximumAttributionRows + 1
        let events = try await store.campaignEvents(
            workspaceID: workspaceID, from: start - Int64(windowDays) * 86_400_000, to: end, limit: limit)
        let orders = try await store.paidOrders(workspaceID: workspaceID, from: start, to: end, limit: limit)
        guard events.count < limit, orders.count < limit else {
            throw PanoramaError.badRequest(
                "too_many_rows", "the period holds too many orders or events: choose a shorter one / 时间范围内数据过多，请缩短时间范围",
                field: "from")
        }
        let raw = Set(events.map(\.customerID)).union(orders.map(\.customerID))
        let live = try await store.liveIDs(workspaceID: workspaceID, customerIDs: Array(raw))
        let allowed = try await audiences.scopeIDs(workspaceID: workspaceID, scope: scope)
        func visible(_ id: Int64) -> Int64? {
            guard let id = live[id], allowed?.contains(id) ?? true else { return nil }
            return id
        }
        var touches: [CampaignTouch] = []
        for event in events {
            guard let customer = visible(event.customerID) else { continue }
            let context = event.context.flatMap { try? JSONParser.parse($0) }
            let properties = event.properties.flatMap { try? JSONParser.parse($0) }
            guard let campaign = CampaignTouch.campaign(context: context, properties: properties) else { continue }
            touches.append(
                CampaignTouch(
                    customerID: customer, at: event.timestamp, campaign: campaign.name, source: campaign.source,
                    medium: campaign.medium))
        }
        let attributed = orders.compactMap { order in
            visible(order.customerID).map {
                var order = order
                order.customerID = $0
                return order
            }
        }
        return Attribution.report(
            touches: touches, orders: attributed, from: start, to: end, windowDays: windowDays, model: model,
            costs: try await store.campaignCosts(workspaceID: workspaceID))
    }

    /// Sets the cost of a campaign (minor units), or removes it (nil).
    public func setCampaignCost(workspaceID: Int64, campaign: String, cost: Int64?) async throws {
        let name = campaign.trimmingWhitespace
        guard !name.isEmpty, name.count <= 200, !name.contains(where: { $0.isNewline || $0 == "\u{0}" }) else {
            throw PanoramaError.badRequest(
                "invalid_campaign", "a campaign name is 1 … 200 characters on one line / 活动名称须为 1 … 200 个字符",
                field: "campaign")
        }
        if let cost, !(0...100_000_000_000_000).contains(cost) {
            throw PanoramaError.badRequest(
                "invalid_cost", "cost must be 0 … 1000000000000 / 成本须为 0 … 1000000000000", field: "cost")
        }
        try await store.setCampaignCost(workspaceID: workspaceID, campaign: name, cost: cost, at: clock.now())
    }

    /// The cost entered per campaign, minor units.
    public func campaignCosts(workspaceID: Int64) async throws -> [String: Int64] {
        try await store.campaignCosts(workspaceID: workspaceID)
    }
}

/// Loyalty points in the KPIs: issued, redeemed and expired in a period.
extension InsightsService {
    /// `dataset` with the loyalty points of local days `from ..< to` per row, from the ledger:
    /// summed per live customer and day in the store (a merged profile's entries count as its
    /// live customer's); customers the snapshot does not hold yet count nowhere until the
    /// engine's next reload.
    func withPoints(
        _ workspaceID: Int64, _ snapshot: InsightSnapshot, _ dataset: InsightDataset, from: Int64, to: Int64
    ) async throws -> InsightDataset {
        let days = try await store.pointDays(
            workspaceID: workspaceID, from: Self.millis(from, snapshot), to: Self.millis(to, snapshot),
            utcOffsetSeconds: snapshot.utcOffsetSeconds)
        var entries: [(row: Int, day: Int64, issued: Int64, redeemed: Int64, expired: Int64)] = []
        entries.reserveCapacity(days.count)
        for entry in days {
            guard let row = snapshot.rowOf[entry.liveID], row < snapshot.customerIDs.count,
                snapshot.customerIDs[row] == entry.liveID
            else { continue }
            entries.append((row, entry.day, entry.issued, entry.redeemed, entry.expired))
        }
        var dataset = dataset
        dataset.points = PointDays(rows: dataset.rowCount, entries: entries)
        return dataset
    }
}
