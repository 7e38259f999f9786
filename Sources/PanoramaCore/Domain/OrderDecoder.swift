/// Reads orders and refunds from JSON: the REST body of `POST /api/v1/orders` and the properties
/// of the Segment ecommerce events (`Order Completed`, `Order Updated`, `Order Cancelled`,
/// `Order Refunded`), which share one shape.
///
/// Amounts are decimals in the currency's major unit (`27.50`, or the string `"27.50"`) and are
/// kept exact as integer minor units; a value with more than two decimals (JavaScript's
/// `19.990000000000002`) is rounded half to even to the cent.
public enum OrderDecoder {
    /// The tracking events that carry an order, and the status each implies when none is given.
    public static let orderEvents: [String: OrderStatus] = [
        "Order Completed": .completed, "Order Updated": .completed, "Order Cancelled": .cancelled,
    ]
    public static let refundEvent = "Order Refunded"

    /// An order from an object; `defaultTime` is its `placed_at` when it names none.
    /// Fields: `order_id` (required), `status`, `channel`, `store_id`, `payment_method`, `currency`,
    /// `coupon` / `coupons`, `placed_at`, `products` / `items` (each `product_id`, `sku`, `name`,
    /// `category`, `brand`, `quantity`, `price`, `discount`), `discount`, `shipping`, `tax`, `total`
    /// (else `revenue`, else lines − discount + shipping + tax), `properties`. Other keys are kept in
    /// `properties`.
    public static func order(
        _ object: JSONObject, defaultTime: Int64, defaultStatus: OrderStatus = .completed, field: String = ""
    ) throws(PanoramaError) -> Order {
        func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }
        guard let externalID = try idText(object["order_id"] ?? object["orderId"], path("order_id")) else {
            throw .badRequest("missing_order_id", "an order needs an order_id", field: path("order_id"))
        }
        var status = defaultStatus
        if let raw = object["status"], !raw.isNull {
            guard let text = raw.stringValue, let parsed = OrderStatus(lenient: text) else {
                throw .badRequest(
                    "invalid_status",
                    "status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: path("status"))
            }
            status = parsed
        }
        let currency = try text(object["currency"], path("currency"))?.uppercased() ?? "CNY"
        guard currency.count == 3, currency.allSatisfy({ $0.isLetter && $0.isASCII }) else {
            throw .badRequest("invalid_currency", "currency must be an ISO 4217 code such as CNY", field: path("currency"))
        }
        var placedAt = defaultTime
        if let raw = object["placed_at"] ?? object["placedAt"], !raw.isNull {
            placedAt = try time(raw, path("placed_at"))
        }
        var coupons: [String] = []
        if let c = try text(object["coupon"], path("coupon")), !c.isEmpty { coupons.append(c) }
        if let list = object["coupons"], !list.isNull {
            guard let array = list.arrayValue else {
                throw .badRequest("invalid_coupons", "coupons must be an array of strings", field: path("coupons"))
            }
            for (i, item) in array.enumerated() {
                guard let s = item.stringValue else {
                    throw .badRequest("invalid_coupons", "coupons must be strings", field: path("coupons[\(i)]"))
                }
                if !s.isEmpty && !coupons.contains(s) { coupons.append(s) }
            }
        }
        var items: [OrderItem] = []
        let lineKey = object["products"] != nil ? "products" : "items"
        if let lines = object[lineKey], !lines.isNull {
            guard let array = lines.arrayValue else {
                throw .badRequest("invalid_items", "\(lineKey) must be an array of objects", field: path(lineKey))
            }
            for (i, value) in array.enumerated() {
                let p = path("\(lineKey)[\(i)]")
                guard let line = value.objectValue else {
                    throw .badRequest("invalid_items", "each line must be an object", field: p)
                }
                items.append(try item(line, number: i + 1, field: p))
            }
        }
        let discount = try amount(object["discount"], path("discount")) ?? 0
        let shipping = try amount(object["shipping"], path("shipping")) ?? 0
        let tax = try amount(object["tax"], path("tax")) ?? 0
        for (value, name) in [(discount, "discount"), (shipping, "shipping"), (tax, "tax")] where value < 0 {
            throw .badRequest("invalid_amount", "\(name) must not be negative", field: path(name))
        }
        var subtotal: Int64 = 0
        for item in items {
            let (sum, overflow) = subtotal.addingReportingOverflow(item.amount)
            guard !overflow, sum <= maxAmount else { throw amountTooLarge(path(lineKey)) }
            subtotal = sum
        }
        let total: Int64
        let given = try amount(object["total"], path("total"))
        let revenue = try amount(object["revenue"], path("revenue"))
        if let t = given ?? revenue {
            total = t
        } else if !items.isEmpty {
            total = subtotal - discount + shipping + tax
        } else {
            throw .badRequest(
                "missing_total", "an order needs a total (or products with prices)", field: path("total"))
        }
        guard total >= 0 else {
            throw .badRequest(
                "invalid_amount", "total must not be negative; send refunds as refunds", field: path("total"))
        }
        guard total <= maxAmount else { throw amountTooLarge(path("total")) }
        let known: Set<String> = [
            "order_id", "orderId", "status", "currency", "placed_at", "placedAt", "coupon", "coupons", "products",
            "items", "discount", "shipping", "tax", "total", "revenue", "channel", "store_id", "payment_method",
            "customer", "properties", "subtotal",
        ]
        var extra = JSONObject()
        if let props = object["properties"]?.objectValue { extra = props }
        for (key, value) in object.members where !known.contains(key) { extra.set(key, value) }
        return Order(
            externalID: externalID, status: status,
            channel: try text(object["channel"], path("channel")).map(OrderChannel.canonical),
            storeID: try idText(object["store_id"], path("store_id")),
            paymentMethod: try text(object["payment_method"], path("payment_method")), currency: currency,
            coupons: coupons, placedAt: placedAt, items: items, discount: discount, shipping: shipping, tax: tax,
            total: total, properties: extra.members.isEmpty ? nil : JSONValue.object(extra).jsonText)
    }

    /// One line of an order.
    static func item(_ line: JSONObject, number: Int, field: String) throws(PanoramaError) -> OrderItem {
        func path(_ key: String) -> String { "\(field).\(key)" }
        var quantity: Int64 = 1
        if let q = line["quantity"], !q.isNull {
            guard let n = q.numberValue?.int64 ?? q.stringValue.flatMap({ Int64($0) }), n > 0, n <= 1_000_000 else {
                throw .badRequest(
                    "invalid_quantity", "quantity must be a whole number from 1 to 1000000", field: path("quantity"))
            }
            quantity = n
        }
        let price = try amount(line["price"] ?? line["unit_price"], path("price")) ?? 0
        let discount = try amount(line["discount"], path("discount")) ?? 0
        guard price >= 0, discount >= 0, discount <= price * quantity else {
            throw .badRequest(
                "invalid_amount", "price and discount must not be negative, nor the discount above the line's price",
                field: path(price < 0 ? "price" : "discount"))
        }
        return OrderItem(
            line: number, productID: try idText(line["product_id"], path("product_id")),
            sku: try idText(line["sku"], path("sku")), name: try text(line["name"], path("name")),
            category: try text(line["category"], path("category")), brand: try text(line["brand"], path("brand")),
            quantity: quantity, unitPrice: price, discount: discount)
    }

    /// What a refund request asks for, before it is checked against its order.
    public struct RefundRequest: Sendable, Equatable {
        /// The client's refund id (nil: the caller derives one).
        public var externalID: String?
        public var kind: RefundKind
        /// Money to return; nil: computed from the lines, or the rest of the order when no lines are named.
        public var amount: Int64?
        /// Lines named by line number, or by `sku` / `product_id` (resolved against the order).
        public var lines: [(line: Int?, sku: String?, productID: String?, quantity: Int64?, amount: Int64?)]
        public var reason: String?
        public var refundedAt: Int64

        public init(
            externalID: String?, kind: RefundKind, amount: Int64?,
            lines: [(line: Int?, sku: String?, productID: String?, quantity: Int64?, amount: Int64?)],
            reason: String?, refundedAt: Int64
        ) {
            self.externalID = externalID
            self.kind = kind
            self.amount = amount
            self.lines = lines
            self.reason = reason
            self.refundedAt = refundedAt
        }

        public static func == (l: RefundRequest, r: RefundRequest) -> Bool {
            l.externalID == r.externalID && l.kind == r.kind && l.amount == r.amount && l.reason == r.reason
                && l.refundedAt == r.refundedAt && l.lines.count == r.lines.count
        }
    }

    /// A refund from an object: `refund_id`, `type` (`refund`, `return`, `exchange`), `amount`
    /// (or `total`), `products` / `items` / `lines` (each `line` or `sku` or `product_id`, with
    /// `quantity` and optionally `amount`), `reason`, `refunded_at`.
    public static func refund(_ object: JSONObject, defaultTime: Int64, field: String = "") throws(PanoramaError)
        -> RefundRequest
    {
        func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }
        var kind = RefundKind.refund
        if let raw = object["type"] ?? object["kind"], !raw.isNull {
            guard let text = raw.stringValue, let parsed = RefundKind(rawValue: text.lowercased()) else {
                throw .badRequest("invalid_refund_type", "type must be refund, return or exchange", field: path("type"))
            }
            kind = parsed
        }
        let given = try amount(object["amount"], path("amount"))
        let total = try amount(object["total"], path("total"))
        let amount = given ?? total
        if let amount, amount < 0 {
            throw .badRequest("invalid_amount", "a refund amount must not be negative", field: path("amount"))
        }
        var lines: [(line: Int?, sku: String?, productID: String?, quantity: Int64?, amount: Int64?)] = []
        let key = ["lines", "products", "items"].first { object[$0] != nil } ?? "lines"
        if let list = object[key], !list.isNull {
            guard let array = list.arrayValue else {
                throw .badRequest("invalid_items", "\(key) must be an array of objects", field: path(key))
            }
            for (i, value) in array.enumerated() {
                let p = path("\(key)[\(i)]")
                guard let o = value.objectValue else {
                    throw .badRequest("invalid_items", "each line must be an object", field: p)
                }
                var number: Int?
                if let l = o["line"], !l.isNull {
                    guard let n = l.numberValue?.int64, n > 0 else {
                        throw .badRequest("invalid_line", "line must be a line number from 1", field: "\(p).line")
                    }
                    number = Int(n)
                }
                var quantity: Int64?
                if let q = o["quantity"], !q.isNull {
                    guard let n = q.numberValue?.int64, n > 0 else {
                        throw .badRequest("invalid_quantity", "quantity must be a whole number from 1", field: "\(p).quantity")
                    }
                    quantity = n
                }
                let lineAmount = try self.amount(o["amount"], "\(p).amount")
                let sku = try idText(o["sku"], "\(p).sku")
                let productID = try idText(o["product_id"], "\(p).product_id")
                if number == nil && sku == nil && productID == nil {
                    throw .badRequest("invalid_line", "name the line by line, sku or product_id", field: p)
                }
                lines.append((number, sku, productID, quantity, lineAmount))
            }
        }
        var refundedAt = defaultTime
        if let raw = object["refunded_at"], !raw.isNull { refundedAt = try time(raw, path("refunded_at")) }
        return RefundRequest(
            externalID: try idText(object["refund_id"], path("refund_id")), kind: kind, amount: amount, lines: lines,
            reason: try text(object["reason"], path("reason")), refundedAt: refundedAt)
    }

    // MARK: Values

    /// A decimal amount as minor units (cents): number or numeric string, two decimals, rounded
    /// half to even beyond.
    public static func amount(_ value: JSONValue?, _ field: String) throws(PanoramaError) -> Int64? {
        guard let value, !value.isNull else { return nil }
        let text: String
        if let n = value.numberValue { text = n.text } else if let s = value.stringValue {
            text = s.trimmingWhitespace
        } else {
            throw .badRequest("invalid_amount", "an amount must be a number such as 27.50", field: field)
        }
        guard let cents = minorUnits(text) else {
            throw .badRequest("invalid_amount", "'\(text.prefix(40))' is not an amount such as 27.50", field: field)
        }
        guard cents.magnitude <= UInt64(maxAmount) else { throw amountTooLarge(field) }
        return cents
    }

    /// The largest amount an order, a line or a refund may state, in minor units (10,000,000,000.00):
    /// far above any real order, and low enough that a line (× at most 1,000,000 units) and the sums
    /// of an order's lines never overflow.
    public static let maxAmount: Int64 = 1_000_000_000_000

    static func amountTooLarge(_ field: String) -> PanoramaError {
        .badRequest(
            "invalid_amount", "amounts are limited to 10000000000.00 (金额上限为 100 亿)", field: field)
    }

    /// Parses `-12.345`, `1e3`, `0.5` into cents exactly (half to even at the third decimal).
    public static func minorUnits(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes.removeFirst()
        }
        var exponent = 0
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let exp = Int(String(decoding: bytes[(e + 1)...], as: UTF8.self)), abs(exp) < 20 else { return nil }
            exponent = exp
            bytes = Array(bytes[..<e])
        }
        var digits: [Int] = []
        var fractionDigits = 0
        var seenPoint = false
        for b in bytes {
            if b == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                digits.append(Int(b - UInt8(ascii: "0")))
                if seenPoint { fractionDigits += 1 }
            } else {
                return nil
            }
        }
        guard !digits.isEmpty else { return nil }
        // value = digits × 10^(exponent − fractionDigits); cents = value × 100.
        let shift = exponent - fractionDigits + 2
        var cents: Int64 = 0
        if shift >= 0 {
            for d in digits {
                let (m, o1) = cents.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d))
                if o1 || o2 { return nil }
                cents = a
            }
            for _ in 0..<shift {
                let (m, o) = cents.multipliedReportingOverflow(by: 10)
                if o { return nil }
                cents = m
            }
        } else {
            let keep = digits.count + shift
            if keep > 0 {
                for d in digits[..<keep] {
                    let (m, o1) = cents.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(d))
                    if o1 || o2 { return nil }
                    cents = a
                }
            }
            let rest = keep > 0 ? Array(digits[keep...]) : Array(repeating: 0, count: -keep) + digits
            if let first = rest.first {
                let beyond = rest.dropFirst().contains { $0 != 0 }
                if first > 5 || (first == 5 && (beyond || cents % 2 == 1)) { cents += 1 }
            }
        }
        return negative ? -cents : cents
    }

    private static func text(_ value: JSONValue?, _ field: String) throws(PanoramaError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let s = value.stringValue else {
            throw .badRequest("invalid_field", "\(field) must be a string", field: field)
        }
        let trimmed = s.trimmingWhitespace.withoutNUL
        return trimmed.isEmpty ? nil : trimmed
    }

    /// An id: a non-empty string or a whole number.
    private static func idText(_ value: JSONValue?, _ field: String) throws(PanoramaError) -> String? {
        guard let value, !value.isNull else { return nil }
        if let n = value.numberValue, let i = n.int64 { return String(i) }
        return try text(value, field)
    }

    private static func time(_ value: JSONValue, _ field: String) throws(PanoramaError) -> Int64 {
        if let s = value.stringValue, let ms = Timestamp.parseMillis(s) { return ms }
        if let n = value.numberValue?.int64 { return n }
        throw .badRequest(
            "invalid_timestamp", "\(field) must be an ISO-8601 date-time such as 2026-11-20T10:00:00+08:00",
            field: field)
    }
}
