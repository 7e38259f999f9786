import PanoramaCore

/// The lines of paid orders as columns, as basket and per-category analyses read them: a row per
/// order with its lines beside, categories and products as codes into their own dictionaries.
/// Millions of lines take tens of bytes each, not a struct of strings each.
public struct PaidOrderLines: Sendable {
    public private(set) var orderID: [Int64] = []
    /// The profile each order was recorded on (possibly merged into another since).
    public private(set) var customerID: [Int64] = []
    /// Epoch ms.
    public private(set) var placedAt: [Int64] = []
    /// Order `k` holds lines `lineStart[k] ..< lineStart[k + 1]`.
    public private(set) var lineStart: [Int] = [0]
    /// Per line, the code of its category into `categories` (-1: none).
    public private(set) var category: [Int32] = []
    /// Per line, the code of its product (the product id, else the SKU) into `products` (-1: none).
    public private(set) var product: [Int32] = []
    public private(set) var categories: [String] = []
    public private(set) var products: [String] = []
    private var categoryCodes: [String: Int32] = [:]
    private var productCodes: [String: Int32] = [:]

    /// No lines.
    public init() {}

    public var orderCount: Int { orderID.count }
    public var lineCount: Int { category.count }

    /// The lines of order `k`.
    @inline(__always)
    public func lines(ofOrder k: Int) -> Range<Int> { lineStart[k]..<lineStart[k + 1] }

    /// Appends a line; it starts a new order unless `orderID` is the last order's.
    public mutating func append(orderID: Int64, customerID: Int64, placedAt: Int64, category: String?, product: String?)
    {
        if self.orderID.last != orderID {
            self.orderID.append(orderID)
            self.customerID.append(customerID)
            self.placedAt.append(placedAt)
            lineStart.append(lineStart.last!)
        }
        self.category.append(Self.code(category, &categories, &categoryCodes))
        self.product.append(Self.code(product, &products, &productCodes))
        lineStart[lineStart.count - 1] += 1
    }

    /// Appends the orders of `other` (their codes translated into this dictionary).
    public mutating func append(_ other: PaidOrderLines) {
        let categoryMap = other.categories.map { Self.code($0, &categories, &categoryCodes) }
        let productMap = other.products.map { Self.code($0, &products, &productCodes) }
        for k in 0..<other.orderCount {
            orderID.append(other.orderID[k])
            customerID.append(other.customerID[k])
            placedAt.append(other.placedAt[k])
            for line in other.lines(ofOrder: k) {
                category.append(other.category[line] < 0 ? -1 : categoryMap[Int(other.category[line])])
                product.append(other.product[line] < 0 ? -1 : productMap[Int(other.product[line])])
            }
            lineStart.append(category.count)
        }
    }

    /// These lines without the orders of `ids`.
    public func removing(orders ids: Set<Int64>) -> PaidOrderLines {
        guard !ids.isEmpty else { return self }
        return filter { !ids.contains(orderID[$0]) }
    }

    /// The orders `k` for which `keep(k)` holds, with their lines (the dictionaries unchanged).
    public func filter(_ keep: (Int) -> Bool) -> PaidOrderLines {
        var out = PaidOrderLines()
        out.categories = categories
        out.categoryCodes = categoryCodes
        out.products = products
        out.productCodes = productCodes
        for k in 0..<orderCount where keep(k) {
            out.orderID.append(orderID[k])
            out.customerID.append(customerID[k])
            out.placedAt.append(placedAt[k])
            let range = lines(ofOrder: k)
            out.category += category[range]
            out.product += product[range]
            out.lineStart.append(out.category.count)
        }
        return out
    }

    private static func code(_ name: String?, _ names: inout [String], _ codes: inout [String: Int32]) -> Int32 {
        guard let name else { return -1 }
        if let code = codes[name] { return code }
        let code = Int32(names.count)
        names.append(name)
        codes[name] = code
        return code
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
    /// refunded in full) placed in `from ..< to` (epoch ms) with an id above `afterOrderID`, by
    /// order id then line; at most `limit` lines (a larger answer stops at the first order past
    /// `limit` lines: asking `limit + 1` tells whether there were more).
    func paidOrderLines(workspaceID: Int64, from: Int64, to: Int64, afterOrderID: Int64, limit: Int) async throws
        -> PaidOrderLines

    /// The lines of the orders of `orderIDs` that are paid, as `paidOrderLines` reads them.
    func paidOrderLines(workspaceID: Int64, orderIDs: [Int64]) async throws -> PaidOrderLines

    /// The orders refunded by the refunds of id above `afterRefundID`.
    func refundedOrders(workspaceID: Int64, afterRefundID: Int64) async throws -> [Int64]

    /// A fingerprint of the orders of id up to `throughOrderID` placed from `from` (epoch ms) on
    /// whose status is paid, shipped or completed: their number and the sums of their ids,
    /// customers, totals and minutes placed. It changes when such an order's status, customer,
    /// total or time is changed in place (an order upserted again, a person erased), which the
    /// activity counter does not see; refunds, which it sees, leave it alone. Read from the index
    /// of orders by time, not the orders.
    func paidOrdersFingerprint(workspaceID: Int64, from: Int64, throughOrderID: Int64) async throws -> [Int64]

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
    public func paidOrderLines(workspaceID: Int64, from: Int64, to: Int64, afterOrderID: Int64, limit: Int)
        async throws -> PaidOrderLines
    {
        try await paidOrderLines(
            workspaceID: workspaceID, from: from, to: to, afterOrderID: afterOrderID, limit: limit, slice: 500_000)
    }

    /// `paidOrderLines` read in slices of `slice` lines: the driver's copy of one slice is what a
    /// read holds beside the columns, not a copy of millions of rows.
    ///
    /// The lines are read in their primary-key order (order id, line) with each order found by
    /// its id (`CROSS JOIN` keeps that order in SQLite): both tables are then read in the order
    /// they are stored. Through the index of orders by time, each order's lines were a seek to
    /// another page: 20 s for the 6.9M lines of a year at 1,000,000 customers against 3 s.
    func paidOrderLines(workspaceID: Int64, from: Int64, to: Int64, afterOrderID: Int64, limit: Int, slice: Int)
        async throws -> PaidOrderLines
    {
        var out = PaidOrderLines()
        // The scan starts at the period's first order id (from the index by time): orders come
        // mostly in time order, so a short period reads few lines besides its own.
        var first = sql("SELECT MIN(id) FROM orders WHERE workspace_id = ")
        first.bind(workspaceID)
        first.append(" AND placed_at >= ")
        first.bind(from)
        first.append(" AND placed_at < ")
        first.bind(to)
        first.append(" AND id > ")
        first.bind(afterOrderID)
        guard let firstID = try await fetch(first.query, { try $0.optionalInt(0) }).first ?? nil else { return out }
        // Keyset pages by (order id, line): a slice may end inside an order, the next goes on.
        var after = (order: max(afterOrderID, firstID - 1), line: Int64.max)
        while true {
            var q = sql(
                """
                SELECT o.id, o.customer_id, o.placed_at, i.category, COALESCE(i.product_id, i.sku), i.line
                FROM order_items i CROSS JOIN orders o
                WHERE o.id = i.order_id AND o.workspace_id = i.workspace_id AND i.workspace_id = 
                """)
            q.bind(workspaceID)
            q.append(" AND (i.order_id, i.line) > (")
            q.bind(after.order)
            q.append(", ")
            q.bind(after.line)
            q.append(") AND o.placed_at >= ")
            q.bind(from)
            q.append(" AND o.placed_at < ")
            q.bind(to)
            q.append(Self.paidLine + " ORDER BY i.order_id, i.line LIMIT ")
            q.bind(Int64(slice))
            let rows = try await fetch(q.query, Self.lineRow)
            for row in rows {
                if out.lineCount >= limit, row.id != out.orderID.last { return out }
                out.append(
                    orderID: row.id, customerID: row.customerID, placedAt: row.placedAt, category: row.category,
                    product: row.product)
            }
            guard rows.count == slice, let last = rows.last else { return out }
            after = (last.id, last.line)
        }
    }

    /// The condition of a line that counts, after `… WHERE`: its order (`o`) paid, shipped or
    /// completed and not refunded in full, the line (`i`) not refunded in full.
    private static var paidLine: String {
        " AND " + paidOrder("o.") + " AND i.quantity > i.refunded_quantity"
    }

    /// The condition of an order that counts as paid (`prefix`: its table's alias and a dot, or "").
    static func paidOrder(_ prefix: String) -> String {
        "\(prefix)status IN ('paid', 'shipped', 'completed') AND NOT (\(prefix)refunded >= \(prefix)total AND \(prefix)total > 0)"
    }

    /// A row of the order-line queries: order id, customer, time placed, category, product, line.
    @Sendable private static func lineRow(_ row: any SQLRow) throws -> (
        id: Int64, customerID: Int64, placedAt: Int64, category: String?, product: String?, line: Int64
    ) {
        (
            try row.int(0), try row.int(1), try row.int(2), try row.optionalText(3), try row.optionalText(4),
            try row.int(5)
        )
    }

    public func paidOrderLines(workspaceID: Int64, orderIDs: [Int64]) async throws -> PaidOrderLines {
        var out = PaidOrderLines()
        guard !orderIDs.isEmpty else { return out }
        var q = sql(
            """
            SELECT o.id, o.customer_id, o.placed_at, i.category, COALESCE(i.product_id, i.sku), i.line
            FROM orders o JOIN order_items i ON i.workspace_id = o.workspace_id AND i.order_id = o.id
            WHERE o.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("o.id", orderIDs)
        q.append(Self.paidLine + " ORDER BY o.id, i.line")
        let rows = try await fetch(q.query, Self.lineRow)
        for row in rows {
            out.append(
                orderID: row.id, customerID: row.customerID, placedAt: row.placedAt, category: row.category,
                product: row.product)
        }
        return out
    }

    public func refundedOrders(workspaceID: Int64, afterRefundID: Int64) async throws -> [Int64] {
        var q = sql("SELECT DISTINCT order_id FROM refunds WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id > ")
        q.bind(afterRefundID)
        return try await fetch(q.query) { try $0.int(0) }
    }

    public func paidOrdersFingerprint(workspaceID: Int64, from: Int64, throughOrderID: Int64) async throws
        -> [Int64]
    {
        var q = sql(
            """
            SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS BIGINT), CAST(COALESCE(SUM(customer_id), 0) AS BIGINT),
                CAST(COALESCE(SUM(total), 0) AS BIGINT), CAST(COALESCE(SUM(placed_at / 60000), 0) AS BIGINT)
            FROM orders WHERE workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND placed_at >= ")
        q.bind(from)
        q.append(" AND id <= ")
        q.bind(throughOrderID)
        q.append(" AND status IN ('paid', 'shipped', 'completed')")
        return try await fetch(q.query) {
            [try $0.int(0), try $0.int(1), try $0.int(2), try $0.int(3), try $0.int(4)]
        }.first ?? []
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
             AND \(Self.paidOrder(""))
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
