import PanoramaCore

/// Orders, lines, refunds and import records, written once for both stores.
///
/// The order upsert and its lines are statements (`upsertOrder`, `saveItems`) that each store's
/// ingest commit runs inside its own transaction, so an order arrives with the profile it
/// resolved to; everything else runs through `SQLStore`.
extension SQLStore {
    // MARK: Statements run inside the ingest commit

    /// Inserts an order or, when the workspace already has its external id, updates it (keeping
    /// its id, refunds and `refunded`, bumping `version`). Returns `id, version, workspace_id`:
    /// version 1 is an order inserted now. `o.updatedAt` is the time of the write (and `created_at`
    /// of a new order). The text is the same for every order (`upsertOrderSQL`); only the values
    /// (`upsertOrderValues`) change.
    static func upsertOrder(_ builder: SQLBuilder, workspaceID: Int64, _ o: Order) -> SQLQuery {
        upsertOrders(builder, [(workspaceID, o)])
    }

    /// `upsertOrder` for several orders in one statement (distinct external ids: a statement may
    /// not update one row twice); rows come back in no particular order.
    static func upsertOrders(_ builder: SQLBuilder, _ orders: [(workspaceID: Int64, order: Order)]) -> SQLQuery {
        var q = builder
        q.append(
            """
            INSERT INTO orders(workspace_id, customer_id, external_id, status, channel, store_id, payment_method,
                currency, coupons, placed_at, discount, shipping, tax, total, properties, source, created_at,
                updated_at) VALUES
            """)
        for (i, (workspaceID, o)) in orders.enumerated() {
            q.append(i == 0 ? " (" : ", (")
            q.bindList(upsertOrderValues(workspaceID: workspaceID, o))
            q.append(")")
        }
        q.append(
            """
             ON CONFLICT(workspace_id, external_id) DO UPDATE SET customer_id = excluded.customer_id,
                status = excluded.status, channel = excluded.channel, store_id = excluded.store_id,
                payment_method = excluded.payment_method, currency = excluded.currency, coupons = excluded.coupons,
                placed_at = excluded.placed_at, discount = excluded.discount, shipping = excluded.shipping,
                tax = excluded.tax, total = excluded.total, properties = excluded.properties,
                updated_at = excluded.updated_at, version = orders.version + 1
            RETURNING id, version, workspace_id
            """)
        return q.query
    }

    /// The statement text of `upsertOrder` in a dialect.
    static func upsertOrderSQL(_ dialect: SQLDialect) -> String {
        upsertOrder(SQLBuilder(dialect), workspaceID: 0, Order(externalID: "", placedAt: 0, total: 0)).sql
    }

    /// The values `upsertOrder` binds, in order.
    static func upsertOrderValues(workspaceID: Int64, _ o: Order) -> [SQLValue] {
        [
            .int(workspaceID), .int(o.customerID), .text(o.externalID.withoutNUL), .text(o.status.rawValue),
            .nullable(o.channel), .nullable(o.storeID), .nullable(o.paymentMethod), .text(o.currency),
            .nullable(o.coupons.isEmpty ? nil : JSONValue.array(JSONArray(o.coupons.map { .string($0) })).jsonText),
            .int(o.placedAt), .int(o.discount), .int(o.shipping), .int(o.tax), .int(o.total),
            .nullable(o.properties), .text(o.source), .int(o.updatedAt), .int(o.updatedAt),
        ]
    }

    /// Writes an order's lines (keeping what was already refunded of each) and drops lines past
    /// the last, for an order sent again with fewer lines (that `DELETE` is always the last query).
    static func saveItems(_ builder: SQLBuilder, workspaceID: Int64, orderID: Int64, _ items: [OrderItem])
        -> [SQLQuery]
    {
        var queries: [SQLQuery] = []
        if !items.isEmpty {
            var q = builder
            q.append(
                """
                INSERT INTO order_items(workspace_id, order_id, line, product_id, sku, name, category, brand, quantity,
                    unit_price, discount) VALUES
                """)
            for (i, item) in items.enumerated() {
                q.append(i == 0 ? " (" : ", (")
                q.bindList([
                    .int(workspaceID), .int(orderID), .int(Int64(item.line)), .nullable(item.productID),
                    .nullable(item.sku), .nullable(item.name), .nullable(item.category), .nullable(item.brand),
                    .int(item.quantity), .int(item.unitPrice), .int(item.discount),
                ])
                q.append(")")
            }
            q.append(
                """
                 ON CONFLICT(workspace_id, order_id, line) DO UPDATE SET product_id = excluded.product_id,
                    sku = excluded.sku, name = excluded.name, category = excluded.category, brand = excluded.brand,
                    quantity = excluded.quantity, unit_price = excluded.unit_price, discount = excluded.discount
                """)
            queries.append(q.query)
        }
        var d = builder
        d.append("DELETE FROM order_items WHERE workspace_id = ")
        d.bind(workspaceID)
        d.append(" AND order_id = ")
        d.bind(orderID)
        d.append(" AND line > ")
        d.bind(Int64(items.count))
        queries.append(d.query)
        return queries
    }

    // MARK: Reads

    private static var orderColumns: String {
        """
        id, customer_id, external_id, status, channel, store_id, payment_method, currency, coupons, placed_at,
        discount, shipping, tax, total, refunded, properties, source, created_at, updated_at, version
        """
    }

    private static func order(_ r: any SQLRow) throws -> Order {
        var order = Order(
            id: try r.int(0), externalID: try r.text(2), customerID: try r.int(1),
            status: OrderStatus(rawValue: try r.text(3)) ?? .completed, channel: try r.optionalText(4),
            storeID: try r.optionalText(5), paymentMethod: try r.optionalText(6), currency: try r.text(7),
            coupons: try r.optionalText(8).flatMap { try? JSONParser.parse($0).arrayValue }?.compactMap(\.stringValue)
                ?? [],
            placedAt: try r.int(9), discount: try r.int(10), shipping: try r.int(11), tax: try r.int(12),
            total: try r.int(13), refunded: try r.int(14), properties: try r.optionalText(15), source: try r.text(16),
            createdAt: try r.int(17), updatedAt: try r.int(18))
        order.version = try r.int(19)
        return order
    }

    /// Fills in the lines of these orders (and opens their sealed properties).
    private func withItems(_ orders: [Order], workspaceID: Int64) async throws -> [Order] {
        guard !orders.isEmpty else { return orders }
        let orders = try orders.map { try protection.open($0, workspaceID: workspaceID) }
        var q = sql(
            """
            SELECT order_id, line, product_id, sku, name, category, brand, quantity, unit_price, discount,
                refunded_quantity
            FROM order_items WHERE workspace_id =
            """)
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("order_id", orders.map(\.id))
        q.append(" ORDER BY order_id, line")
        let rows = try await fetch(q.query) { r in
            var item = OrderItem(
                line: Int(try r.int(1)), productID: try r.optionalText(2), sku: try r.optionalText(3),
                name: try r.optionalText(4), category: try r.optionalText(5), brand: try r.optionalText(6),
                quantity: try r.int(7), unitPrice: try r.int(8), discount: try r.int(9))
            item.refundedQuantity = try r.int(10)
            return (try r.int(0), item)
        }
        var byOrder: [Int64: [OrderItem]] = [:]
        for (id, item) in rows { byOrder[id, default: []].append(item) }
        return orders.map { o in
            var o = o
            o.items = byOrder[o.id] ?? []
            return o
        }
    }

    public func order(workspaceID: Int64, id: Int64) async throws -> Order? {
        var q = sql("SELECT \(Self.orderColumns) FROM orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await withItems(fetch(q.query, Self.order), workspaceID: workspaceID).first
    }

    public func order(workspaceID: Int64, externalID: String) async throws -> Order? {
        var q = sql("SELECT \(Self.orderColumns) FROM orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND external_id = ")
        q.bind(externalID)
        return try await withItems(fetch(q.query, Self.order), workspaceID: workspaceID).first
    }

    public func orders(
        workspaceID: Int64, customerIDs: [Int64], cursor: String?, limit: Int
    ) async throws -> Page<Order> {
        guard !customerIDs.isEmpty else { return Page(items: [], nextCursor: nil) }
        let after = try EventCursor(cursor)
        var q = sql("SELECT \(Self.orderColumns) FROM orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        if let after {
            q.append(" AND (placed_at < ")
            q.bind(after.timestamp)
            q.append(" OR (placed_at = ")
            q.bind(after.timestamp)
            q.append(" AND id < ")
            q.bind(after.id)
            q.append("))")
        }
        q.append(" ORDER BY placed_at DESC, id DESC LIMIT ")
        q.bind(Int64(limit + 1))
        let found = try await fetch(q.query, Self.order)
        let page = try await withItems(Array(found.prefix(limit)), workspaceID: workspaceID)
        let next =
            found.count > limit ? page.last.map { EventCursor(timestamp: $0.placedAt, id: $0.id).text } : nil
        return Page(items: page, nextCursor: next)
    }

    public func allOrders(workspaceID: Int64, customerIDs: [Int64]) async throws -> [Order] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql("SELECT \(Self.orderColumns) FROM orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        q.append(" ORDER BY placed_at, id")
        return try await withItems(fetch(q.query, Self.order), workspaceID: workspaceID)
    }

    /// Orders, lines' refunded quantities, and the sum of amounts in a workspace (for checks and reports).
    public func orderTotals(workspaceID: Int64) async throws -> OrderTotals {
        var q = sql(
            """
            SELECT count(*), count(DISTINCT customer_id), CAST(coalesce(sum(total), 0) AS BIGINT),
                CAST(coalesce(sum(refunded), 0) AS BIGINT)
            FROM orders WHERE workspace_id =
            """)
        q.bind(workspaceID)
        return try await fetch(q.query) {
            OrderTotals(orders: try $0.int(0), customers: try $0.int(1), total: try $0.int(2), refunded: try $0.int(3))
        }.first ?? OrderTotals(orders: 0, customers: 0, total: 0, refunded: 0)
    }

    // MARK: Refunds

    private static var refundColumns: String {
        "id, external_id, order_id, kind, amount, lines, reason, refunded_at, created_at"
    }

    private static func refund(_ r: any SQLRow) throws -> Refund {
        let lines = (try? JSONParser.parse(try r.text(5)).arrayValue) ?? []
        return Refund(
            id: try r.int(0), externalID: try r.text(1), orderID: try r.int(2),
            kind: RefundKind(rawValue: try r.text(3)) ?? .refund, amount: try r.int(4),
            lines: lines.compactMap { v in
                guard let line = v["line"]?.numberValue?.int64, let qty = v["quantity"]?.numberValue?.int64,
                    let amount = v["amount"]?.numberValue?.int64
                else { return nil }
                return Refund.Line(line: Int(line), quantity: qty, amount: amount)
            }, reason: try r.optionalText(6), refundedAt: try r.int(7), createdAt: try r.int(8))
    }

    public func refunds(workspaceID: Int64, orderIDs: [Int64]) async throws -> [Refund] {
        guard !orderIDs.isEmpty else { return [] }
        var q = sql("SELECT \(Self.refundColumns) FROM refunds WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("order_id", orderIDs)
        q.append(" ORDER BY id")
        return try await fetch(q.query, Self.refund)
    }

    public func refund(workspaceID: Int64, externalID: String) async throws -> Refund? {
        var q = sql("SELECT \(Self.refundColumns) FROM refunds WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND external_id = ")
        q.bind(externalID)
        return try await fetch(q.query, Self.refund).first
    }

    /// Records a refund of an order that is still at `orderVersion`: adds its amount to the
    /// order's `refunded`, its quantities to the lines' `refunded_quantity`, and bumps the version.
    /// Returns the refund's id, or nil when the order changed since it was read (re-read and
    /// check again) or the refund's external id is already taken.
    public func recordRefund(
        workspaceID: Int64, _ refund: Refund, orderVersion: Int64, now: Int64
    ) async throws -> Int64? {
        var steps: [SQLStep] = []
        var u = sql("UPDATE orders SET refunded = refunded + ")
        u.bind(refund.amount)
        u.append(", version = version + 1, updated_at = ")
        u.bind(now)
        u.append(" WHERE workspace_id = ")
        u.bind(workspaceID)
        u.append(" AND id = ")
        u.bind(refund.orderID)
        u.append(" AND version = ")
        u.bind(orderVersion)
        u.append(" RETURNING id")
        steps.append(SQLStep(u.query, required: true))
        for line in refund.lines where line.quantity > 0 {
            var l = sql("UPDATE order_items SET refunded_quantity = refunded_quantity + ")
            l.bind(line.quantity)
            l.append(" WHERE workspace_id = ")
            l.bind(workspaceID)
            l.append(" AND order_id = ")
            l.bind(refund.orderID)
            l.append(" AND line = ")
            l.bind(Int64(line.line))
            l.append(" RETURNING line")
            steps.append(SQLStep(l.query, required: true))
        }
        let lines = JSONValue.array(
            JSONArray(
                refund.lines.map {
                    .object(
                        JSONObject([
                            ("line", .number(JSONNumber(Int64($0.line)))), ("quantity", .number(JSONNumber($0.quantity))),
                            ("amount", .number(JSONNumber($0.amount))),
                        ]))
                }))
        var i = sql(
            """
            INSERT INTO refunds(workspace_id, order_id, external_id, kind, amount, lines, reason, refunded_at, created_at)
            VALUES (
            """)
        i.bindList([
            .int(workspaceID), .int(refund.orderID), .text(refund.externalID.withoutNUL), .text(refund.kind.rawValue),
            .int(refund.amount), .text(lines.jsonText), .nullable(refund.reason), .int(refund.refundedAt), .int(now),
        ])
        i.append(") ON CONFLICT(workspace_id, external_id) DO NOTHING RETURNING id")
        steps.append(SQLStep(i.query, required: true))
        return try await atomically(steps)?.last?.first
    }

    /// Refunded quantity per line of an order.
    public func refundedQuantities(workspaceID: Int64, orderID: Int64) async throws -> [Int: Int64] {
        var q = sql("SELECT line, refunded_quantity FROM order_items WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND order_id = ")
        q.bind(orderID)
        var result: [Int: Int64] = [:]
        for (line, qty) in try await fetch(q.query, { (Int(try $0.int(0)), try $0.int(1)) }) { result[line] = qty }
        return result
    }
}

/// Counts and sums over a workspace's orders.
public struct OrderTotals: Sendable, Equatable {
    public var orders: Int64
    /// Distinct raw profiles with orders.
    public var customers: Int64
    /// Sum of order totals, minor units.
    public var total: Int64
    public var refunded: Int64

    public init(orders: Int64, customers: Int64, total: Int64, refunded: Int64) {
        self.orders = orders
        self.customers = customers
        self.total = total
        self.refunded = refunded
    }
}
