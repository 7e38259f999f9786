import PanoramaCore

/// One item line of a paid order, as basket and per-category analyses read it.
public struct OrderLineFact: Sendable, Equatable {
    public var orderID: Int64
    /// The profile the order was recorded on (possibly merged into another since).
    public var customerID: Int64
    /// Epoch ms.
    public var placedAt: Int64
    public var category: String?
    /// The product id, else the SKU.
    public var product: String?

    public init(orderID: Int64, customerID: Int64, placedAt: Int64, category: String?, product: String?) {
        self.orderID = orderID
        self.customerID = customerID
        self.placedAt = placedAt
        self.category = category
        self.product = product
    }
}

/// A page, screen or track event that may carry a campaign, as attribution reads it: its context
/// and properties documents (campaign and `utm_*` members are never sealed).
public struct CampaignEventFact: Sendable, Equatable {
    /// The profile the event was recorded on (possibly merged into another since).
    public var customerID: Int64
    /// Epoch ms.
    public var timestamp: Int64
    public var context: String?
    public var properties: String?

    public init(customerID: Int64, timestamp: Int64, context: String?, properties: String?) {
        self.customerID = customerID
        self.timestamp = timestamp
        self.context = context
        self.properties = properties
    }
}

/// A track event with its properties, as a funnel step's property conditions read it.
public struct PropertyEventFact: Sendable, Equatable {
    /// The profile the event was recorded on (possibly merged into another since).
    public var customerID: Int64
    /// Epoch ms.
    public var timestamp: Int64
    public var event: String
    /// The properties document in clear (personal members opened when encryption at rest is on).
    public var properties: String?

    public init(customerID: Int64, timestamp: Int64, event: String, properties: String?) {
        self.customerID = customerID
        self.timestamp = timestamp
        self.event = event
        self.properties = properties
    }
}

/// The reads of the customer-insight analyses that the audience engine's columns do not hold.
public protocol InsightStore: Sendable {
    /// The lines (not refunded in full) of the paid orders (paid, shipped or completed, not
    /// refunded in full) placed in `from ..< to` (epoch ms), by order id then line; at most
    /// `limit` lines.
    func paidOrderLines(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws -> [OrderLineFact]

    /// A change counter of customer activity: the newest order, refund and event ids of the whole
    /// store (primary-key lookups, so asking is cheap). It moves whenever an order, a refund or an
    /// event is added; an analysis whose counter moved reads the store again.
    func activityMarker() async throws -> [Int64]

    /// The page, screen and track events in `from ..< to` (epoch ms) that carry a campaign (their
    /// `campaign` column, filled at ingest by `EventCampaign.name`), by time; at most `limit`.
    func campaignEvents(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws -> [CampaignEventFact]

    /// The track events named one of `names` in `from ..< to` (epoch ms) with their properties in
    /// clear, by customer then time; at most `limit`. Funnel steps with property conditions read them.
    func trackEvents(workspaceID: Int64, names: [String], from: Int64, to: Int64, limit: Int) async throws
        -> [PropertyEventFact]

    /// The paid orders (paid, shipped or completed, not refunded in full) placed in `from ..< to`
    /// (epoch ms), by time; at most `limit`.
    func paidOrders(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws -> [AttributedOrder]

    /// Per live customer (a merged profile's entries count as its live customer's) and local day
    /// (days since 1970-01-01 in a zone `utcOffsetSeconds` east of UTC), the points issued
    /// (earned, bonus and added by hand, less reversals), redeemed and expired in `from ..< to`
    /// (epoch ms, from 1970) on the points ledger, by customer then day.
    func pointDays(workspaceID: Int64, from: Int64, to: Int64, utcOffsetSeconds: Int64) async throws -> [(
        liveID: Int64, day: Int64, issued: Int64, redeemed: Int64, expired: Int64
    )]

    /// The cost entered per campaign, minor units.
    func campaignCosts(workspaceID: Int64) async throws -> [String: Int64]

    /// Sets a campaign's cost (minor units), or removes it when nil.
    func setCampaignCost(workspaceID: Int64, campaign: String, cost: Int64?, at: Int64) async throws
}

/// The insight queries, written once for both stores (see `SharedQueries.swift`).
extension SQLStore {
    public func paidOrderLines(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws -> [OrderLineFact] {
        var q = sql(
            """
            SELECT o.id, o.customer_id, o.placed_at, i.category, COALESCE(i.product_id, i.sku)
            FROM orders o JOIN order_items i ON i.workspace_id = o.workspace_id AND i.order_id = o.id
            WHERE o.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND o.placed_at >= ")
        q.bind(from)
        q.append(" AND o.placed_at < ")
        q.bind(to)
        q.append(
            """
             AND o.status IN ('paid', 'shipped', 'completed') AND NOT (o.refunded >= o.total AND o.total > 0)
             AND i.quantity > i.refunded_quantity ORDER BY o.id, i.line LIMIT 
            """)
        q.bind(Int64(limit))
        return try await fetch(q.query) {
            OrderLineFact(
                orderID: try $0.int(0), customerID: try $0.int(1), placedAt: try $0.int(2),
                category: try $0.optionalText(3), product: try $0.optionalText(4))
        }
    }

    /// `select` of one workspace's rows with `column` in `from ..< to`, to continue with `AND …`.
    private func period(_ select: String, _ workspaceID: Int64, _ column: String, _ from: Int64, _ to: Int64)
        -> SQLBuilder
    {
        var q = sql(select + " WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND \(column) >= ")
        q.bind(from)
        q.append(" AND \(column) < ")
        q.bind(to)
        return q
    }

    public func campaignEvents(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws
        -> [CampaignEventFact]
    {
        var q = period(
            "SELECT customer_id, timestamp, context, properties FROM events", workspaceID, "timestamp", from, to)
        // Through the partial index `events_campaign` (workspace, time) of the events with a campaign.
        q.append(" AND campaign IS NOT NULL ORDER BY timestamp, id LIMIT ")
        q.bind(Int64(limit))
        return try await fetch(q.query) {
            CampaignEventFact(
                customerID: try $0.int(0), timestamp: try $0.int(1), context: try $0.optionalText(2),
                properties: try $0.optionalText(3))
        }
    }

    public func trackEvents(workspaceID: Int64, names: [String], from: Int64, to: Int64, limit: Int) async throws
        -> [PropertyEventFact]
    {
        guard !names.isEmpty else { return [] }
        var q = period(
            "SELECT customer_id, timestamp, event, properties FROM events", workspaceID, "timestamp", from, to)
        q.append(" AND type = 'track' AND ")
        q.inList("event", texts: names)
        q.append(" ORDER BY customer_id, timestamp, id LIMIT ")
        q.bind(Int64(limit))
        let rows = try await fetch(q.query) {
            PropertyEventFact(
                customerID: try $0.int(0), timestamp: try $0.int(1), event: try $0.text(2),
                properties: try $0.optionalText(3))
        }
        guard protection.isOn else { return rows }
        return try rows.map {
            var row = $0
            row.properties = try protection.open(json: row.properties, workspaceID: workspaceID)
            return row
        }
    }

    public func paidOrders(workspaceID: Int64, from: Int64, to: Int64, limit: Int) async throws -> [AttributedOrder] {
        var q = period(
            "SELECT customer_id, placed_at, total - refunded, channel FROM orders", workspaceID, "placed_at", from, to)
        q.append(
            """
             AND status IN ('paid', 'shipped', 'completed') AND NOT (refunded >= total AND total > 0)
             ORDER BY placed_at, id LIMIT 
            """)
        q.bind(Int64(limit))
        return try await fetch(q.query) {
            AttributedOrder(
                customerID: try $0.int(0), placedAt: try $0.int(1), amount: try $0.int(2),
                channel: try $0.optionalText(3))
        }
    }

    public func pointDays(workspaceID: Int64, from: Int64, to: Int64, utcOffsetSeconds: Int64) async throws -> [(
        liveID: Int64, day: Int64, issued: Int64, redeemed: Int64, expired: Int64
    )] {
        // Epoch ms from 1970 are not negative, so the integer division is the floor in both dialects.
        var q = sql("SELECT c.canonical_id, (e.created_at + ")
        q.bind(utcOffsetSeconds * 1000)
        q.append(
            """
            ) / 86400000,
                CAST(SUM(CASE WHEN e.kind IN ('earn', 'bonus', 'reverse') OR (e.kind = 'adjust' AND e.amount > 0) THEN e.amount ELSE 0 END) AS BIGINT),
                CAST(-SUM(CASE WHEN e.kind = 'redeem' THEN e.amount ELSE 0 END) AS BIGINT),
                CAST(-SUM(CASE WHEN e.kind = 'expire' THEN e.amount ELSE 0 END) AS BIGINT)
            FROM loyalty_entries e \(customersJoin) customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id
            WHERE e.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND e.created_at >= ")
        q.bind(max(0, from))
        q.append(" AND e.created_at < ")
        q.bind(to)
        q.append(" AND e.ledger = 'points' GROUP BY 1, 2 ORDER BY 1, 2")
        return try await fetch(q.query) { (try $0.int(0), try $0.int(1), try $0.int(2), try $0.int(3), try $0.int(4)) }
    }

    public func campaignCosts(workspaceID: Int64) async throws -> [String: Int64] {
        var q = sql("SELECT campaign, cost FROM campaign_costs WHERE workspace_id = ")
        q.bind(workspaceID)
        let rows = try await fetch(q.query) { (try $0.text(0), try $0.int(1)) }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    public func setCampaignCost(workspaceID: Int64, campaign: String, cost: Int64?, at: Int64) async throws {
        var q = sql()
        if let cost {
            q.append("INSERT INTO campaign_costs(workspace_id, campaign, cost, updated_at) VALUES (")
            q.bind(workspaceID)
            q.append(", ")
            q.bind(campaign)
            q.append(", ")
            q.bind(cost)
            q.append(", ")
            q.bind(at)
            q.append(
                ") ON CONFLICT(workspace_id, campaign) DO UPDATE SET cost = excluded.cost, updated_at = excluded.updated_at"
            )
        } else {
            q.append("DELETE FROM campaign_costs WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND campaign = ")
            q.bind(campaign)
        }
        try await run(q.query)
    }

    public func activityMarker() async throws -> [Int64] {
        let q = sql(
            """
            SELECT (SELECT COALESCE(MAX(id), 0) FROM orders), (SELECT COALESCE(MAX(id), 0) FROM refunds),
                (SELECT COALESCE(MAX(id), 0) FROM events)
            """)
        return try await fetch(q.query) { [try $0.int(0), try $0.int(1), try $0.int(2)] }.first ?? []
    }
}
