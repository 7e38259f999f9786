import Foundation

/// Consumption records (消费记录): orders with their lines, and the refunds, returns and
/// exchanges linked to them. Amounts are integer minor units (分, cents) of the order's currency.

/// Where an order was placed.
public enum OrderChannel {
    /// The canonical channel names; any other value is stored lower-cased as given.
    public static let known = ["online", "mini_program", "app", "store", "wechat", "phone", "marketplace", "other"]

    /// A channel as stored: trimmed and lower-cased, with common synonyms folded
    /// (`POS` and `offline` → `store`, `web`/`shop` → `online`, 小程序 → `mini_program`).
    public static func canonical(_ raw: String) -> String {
        // Most values arrive trimmed and lower-case ASCII: skip Foundation's trimming and case folding.
        let plain = raw.utf8.allSatisfy { $0 > 0x20 && $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }
        let value = plain ? raw : raw.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "pos", "offline", "shop_pos", "门店", "线下", "store": return "store"
        case "web", "website", "shop", "online_shop", "ecommerce", "线上", "官网", "商城", "online": return "online"
        case "miniprogram", "mini-program", "mini program", "小程序", "mini_program": return "mini_program"
        case "app", "ios", "android", "移动应用": return "app"
        default: return value
        }
    }
}

/// The state of an order. A cancelled order counts for nothing; refunds are separate records.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case pending, paid, shipped, completed, cancelled

    /// A status as sent, with common synonyms (`placed` → pending, `delivered`/`fulfilled` →
    /// completed, `canceled`/`void` → cancelled); nil when it is none of them.
    public init?(lenient raw: String) {
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "pending", "placed", "created", "new", "unpaid", "待付款": self = .pending
        case "paid", "payed", "已付款", "已支付": self = .paid
        case "shipped", "dispatched", "已发货": self = .shipped
        case "completed", "complete", "delivered", "fulfilled", "closed", "done", "finished", "已完成": self = .completed
        case "cancelled", "canceled", "void", "voided", "已取消": self = .cancelled
        default: return nil
        }
    }

    /// Whether the order counts towards spend and order counts.
    public var counts: Bool { self != .pending && self != .cancelled }
}

/// One line of an order.
public struct OrderItem: Sendable, Equatable {
    /// 1-based position in the order; refunds name lines by it.
    public var line: Int
    public var productID: String?
    public var sku: String?
    public var name: String?
    public var category: String?
    public var brand: String?
    public var quantity: Int64
    /// Price of one unit before the line's discount, minor units.
    public var unitPrice: Int64
    /// Discount on the whole line, minor units.
    public var discount: Int64
    /// Units of the line refunded or returned so far.
    public var refundedQuantity: Int64 = 0

    public init(
        line: Int, productID: String? = nil, sku: String? = nil, name: String? = nil, category: String? = nil,
        brand: String? = nil, quantity: Int64, unitPrice: Int64, discount: Int64 = 0
    ) {
        self.line = line
        self.productID = productID
        self.sku = sku
        self.name = name
        self.category = category
        self.brand = brand
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.discount = discount
    }

    /// What the line costs after its discount.
    public var amount: Int64 { quantity * unitPrice - discount }

    /// What `units` of the line cost, their share of the line's discount taken off (rounded down).
    public func amount(ofUnits units: Int64) -> Int64 {
        quantity == 0 ? 0 : amount * units / quantity
    }
}

/// An order as stored.
public struct Order: Sendable, Equatable {
    /// The store's id.
    public var id: Int64
    /// The source system's order id, unique in the workspace: resending it updates the order.
    public var externalID: String
    /// The raw profile the order was recorded against (its live profile may have merged since).
    public var customerID: Int64
    public var status: OrderStatus
    /// `online`, `mini_program`, `app`, `store` … (`OrderChannel.canonical`).
    public var channel: String?
    public var storeID: String?
    public var paymentMethod: String?
    /// ISO 4217, upper-case.
    public var currency: String
    public var coupons: [String]
    /// When the order was placed, epoch ms.
    public var placedAt: Int64
    public var items: [OrderItem]
    /// Order-level discount (coupons, promotions), minor units, on top of line discounts.
    public var discount: Int64
    public var shipping: Int64
    public var tax: Int64
    /// What the customer paid.
    public var total: Int64
    /// The sum of the order's refunds.
    public var refunded: Int64
    /// Other properties as a JSON object text.
    public var properties: String?
    /// Where it came from: `api`, `tracking`, `import`.
    public var source: String
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Bumped by every write of the order (optimistic concurrency for refunds).
    public var version: Int64 = 0

    public init(
        id: Int64 = 0, externalID: String, customerID: Int64 = 0, status: OrderStatus = .completed,
        channel: String? = nil, storeID: String? = nil, paymentMethod: String? = nil, currency: String = "CNY",
        coupons: [String] = [], placedAt: Int64, items: [OrderItem] = [], discount: Int64 = 0, shipping: Int64 = 0,
        tax: Int64 = 0, total: Int64, refunded: Int64 = 0, properties: String? = nil, source: String = "api",
        createdAt: Int64 = 0, updatedAt: Int64 = 0
    ) {
        self.id = id
        self.externalID = externalID
        self.customerID = customerID
        self.status = status
        self.channel = channel
        self.storeID = storeID
        self.paymentMethod = paymentMethod
        self.currency = currency
        self.coupons = coupons
        self.placedAt = placedAt
        self.items = items
        self.discount = discount
        self.shipping = shipping
        self.tax = tax
        self.total = total
        self.refunded = refunded
        self.properties = properties
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Items' amounts before the order-level discount.
    public var subtotal: Int64 { items.reduce(0) { $0 + $1.amount } }

    /// What the order is worth after refunds (0 for an order that does not count).
    public var net: Int64 { status.counts ? total - refunded : 0 }

    /// Whether refunds have taken back the whole order.
    public var fullyRefunded: Bool { refunded > 0 && refunded >= total }
}

/// What a refund record is.
public enum RefundKind: String, Sendable, Codable, CaseIterable {
    /// Money back, goods kept or not returned.
    case refund
    /// Goods returned and money back.
    case `return`
    /// Goods returned for others; money moves only for a price difference.
    case exchange
}

/// A refund, return or exchange of (part of) an order.
public struct Refund: Sendable, Equatable {
    /// A line given back: how many units and how much money.
    public struct Line: Sendable, Equatable {
        public var line: Int
        public var quantity: Int64
        public var amount: Int64

        public init(line: Int, quantity: Int64, amount: Int64) {
            self.line = line
            self.quantity = quantity
            self.amount = amount
        }
    }

    public var id: Int64
    /// The client's refund id, unique in the workspace: resending it changes nothing.
    public var externalID: String
    public var orderID: Int64
    public var kind: RefundKind
    /// Money returned to the customer, minor units (≥ 0; for an exchange, the price difference).
    public var amount: Int64
    public var lines: [Line]
    public var reason: String?
    /// When it happened, epoch ms.
    public var refundedAt: Int64
    public var createdAt: Int64

    public init(
        id: Int64 = 0, externalID: String, orderID: Int64, kind: RefundKind = .refund, amount: Int64,
        lines: [Line] = [], reason: String? = nil, refundedAt: Int64, createdAt: Int64 = 0
    ) {
        self.id = id
        self.externalID = externalID
        self.orderID = orderID
        self.kind = kind
        self.amount = amount
        self.lines = lines
        self.reason = reason
        self.refundedAt = refundedAt
        self.createdAt = createdAt
    }
}

/// A customer's value figures, net of refunds (kept current from the orders).
public struct CustomerValue: Sendable, Equatable {
    /// Orders that count (not pending, cancelled or fully refunded).
    public var orders: Int64
    /// What those orders were paid, before refunds.
    public var totalSpend: Int64
    public var refunded: Int64
    /// Spend after refunds: the figure LTV and AOV are based on.
    public var netSpend: Int64
    /// Average order value: net spend over orders, rounded down to the minor unit.
    public var averageOrderValue: Int64
    public var firstPurchaseAt: Int64?
    public var lastPurchaseAt: Int64?
    /// Mean days between consecutive purchases (nil with fewer than two).
    public var averageRepurchaseDays: Double?
    /// Category with the largest net line amount.
    public var favouriteCategory: String?
    /// Channel with the most orders.
    public var favouriteChannel: String?
    /// The currency of the figures (the most used one when orders mix currencies).
    public var currency: String?

    public init(
        orders: Int64 = 0, totalSpend: Int64 = 0, refunded: Int64 = 0, netSpend: Int64 = 0,
        averageOrderValue: Int64 = 0, firstPurchaseAt: Int64? = nil, lastPurchaseAt: Int64? = nil,
        averageRepurchaseDays: Double? = nil, favouriteCategory: String? = nil, favouriteChannel: String? = nil,
        currency: String? = nil
    ) {
        self.orders = orders
        self.totalSpend = totalSpend
        self.refunded = refunded
        self.netSpend = netSpend
        self.averageOrderValue = averageOrderValue
        self.firstPurchaseAt = firstPurchaseAt
        self.lastPurchaseAt = lastPurchaseAt
        self.averageRepurchaseDays = averageRepurchaseDays
        self.favouriteCategory = favouriteCategory
        self.favouriteChannel = favouriteChannel
        self.currency = currency
    }
}
