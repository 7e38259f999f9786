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

    public func activityMarker() async throws -> [Int64] {
        let q = sql(
            """
            SELECT (SELECT COALESCE(MAX(id), 0) FROM orders), (SELECT COALESCE(MAX(id), 0) FROM refunds),
                (SELECT COALESCE(MAX(id), 0) FROM events)
            """)
        return try await fetch(q.query) { [try $0.int(0), try $0.int(1), try $0.int(2)] }.first ?? []
    }
}
