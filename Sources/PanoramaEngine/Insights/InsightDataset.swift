import PanoramaCore

/// What the customer-insight analyses read: customers' orders and events in compressed-sparse-row
/// form (a row per customer, as in the audience engine), the customers' string attributes that
/// reports break down by (city, province, tier …), the tag and segment memberships, and
/// optionally the items of each order for basket and per-category analyses.
///
/// Every analysis takes a `filter` of rows (the live customers of a data scope); rows outside it
/// count nowhere. Days are local days (days since 1970-01-01 in the workspace zone).
public struct InsightDataset: Sendable {
    public var orders: OrderColumns
    public var events: EventColumns
    /// String attributes by name (`city`, `province`, `tier`), one value per row.
    public var attributes: [String: Column]
    /// Audience memberships by kind (`tag`, `segment`): per audience name, its rows.
    public var memberships: [String: [(name: String, rows: RoaringBitmap)]]
    /// The item categories and the products of each order (empty when not loaded).
    public var categories: OrderItems
    public var products: OrderItems
    /// Loyalty points per row and day (empty when not loaded: the KPIs then count none).
    public var points: PointDays
    /// The rows that are customers today (merged-away rows are not).
    public var live: BitVector
    /// The last day of the data: "today" of the workspace.
    public var today: Int64

    /// A dataset over `orders` and `events` (of the same rows); all rows are live.
    public init(
        orders: OrderColumns, events: EventColumns, attributes: [String: Column] = [:],
        memberships: [String: [(name: String, rows: RoaringBitmap)]] = [:], today: Int64
    ) {
        precondition(orders.rowCount == events.rowCount, "orders and events of the same rows")
        self.orders = orders
        self.events = events
        self.attributes = attributes
        self.memberships = memberships
        categories = OrderItems()
        products = OrderItems()
        points = PointDays()
        live = BitVector(count: orders.rowCount, value: true)
        self.today = today
    }

    /// Number of customer rows.
    public var rowCount: Int { orders.rowCount }

    /// The rows an analysis reads: live rows, within `filter` when given.
    public func included(_ filter: BitVector?) -> BitVector {
        guard let filter else { return live }
        precondition(filter.count == live.count, "a filter of one bit per row")
        var out = live
        for (index, word) in filter.words.enumerated() { out.andWord(index, word) }
        return out
    }
}

extension BitVector {
    /// The bits of `bitmap` among `count` rows.
    public init(_ bitmap: RoaringBitmap, count: Int) {
        self.init(count: count)
        for row in bitmap where Int(row) < count { self[Int(row)] = true }
    }

    /// The set rows, ascending.
    public var setRows: [Int] {
        var rows: [Int] = []
        for (index, word) in words.enumerated() {
            var w = word
            while w != 0 {
                rows.append(index << 6 | w.trailingZeroBitCount)
                w &= w - 1
            }
        }
        return rows
    }

    /// Clears the bits of word `index` that are clear in `mask`.
    mutating func andWord(_ index: Int, _ mask: UInt64) {
        for bit in 0..<64 where mask & (1 << UInt64(bit)) == 0 {
            let row = index << 6 | bit
            if row < count { self[row] = false }
        }
    }
}

/// Items of each order in compressed-sparse-row form: order `o` holds codes
/// `offsets[o] ..< offsets[o + 1]` of `codes` (into `dictionary`, distinct within an order).
public struct OrderItems: Sendable {
    public private(set) var offsets: [Int] = []
    public private(set) var codes: [Int32] = []
    public private(set) var dictionary = StringDictionary()

    /// No items loaded.
    public init() {}

    /// The items of every order, by order position (each list is made distinct).
    public init(_ perOrder: [[String]]) {
        offsets = [0]
        offsets.reserveCapacity(perOrder.count + 1)
        for list in perOrder {
            let first = codes.count
            for item in list {
                let code = Int32(dictionary.code(for: item))
                if !codes[first...].contains(code) { codes.append(code) }
            }
            offsets.append(codes.count)
        }
    }

    /// Items already as codes in compressed-sparse-row form (`offsets` from 0 to `codes.count`,
    /// codes distinct within an order) naming `names`, which must be distinct.
    public init(offsets: [Int], codes: [Int32], names: [String]) {
        precondition(offsets.first == 0 && offsets.last == codes.count, "offsets from 0 to the codes' end")
        self.offsets = offsets
        self.codes = codes
        for name in names { _ = dictionary.code(for: name) }
        precondition(dictionary.strings.count == names.count, "distinct names")
    }

    /// Appends the next order's items (made distinct).
    public mutating func appendOrder(_ items: [String]) {
        if offsets.isEmpty { offsets = [0] }
        let first = codes.count
        for item in items {
            let code = Int32(dictionary.code(for: item))
            if !codes[first...].contains(code) { codes.append(code) }
        }
        offsets.append(codes.count)
    }

    /// Appends `count` orders without items.
    public mutating func appendEmptyOrders(_ count: Int) {
        if offsets.isEmpty { offsets = [0] }
        offsets.append(contentsOf: repeatElement(codes.count, count: count))
    }

    /// Whether items are loaded for `orders` orders.
    public func isLoaded(for orders: Int) -> Bool { offsets.count == orders + 1 }

    /// The codes of order `order`.
    @inline(__always)
    public func of(_ order: Int) -> ArraySlice<Int32> { codes[offsets[order]..<offsets[order + 1]] }
}

/// Loyalty points per customer row and local day in compressed-sparse-row form: row `r` holds
/// days `offsets[r] ..< offsets[r + 1]`, ascending, each with the points issued (earned, bonus
/// and added by hand, less reversals), redeemed and expired that day.
public struct PointDays: Sendable {
    public private(set) var offsets: [Int] = []
    public private(set) var day: [Int32] = []
    public private(set) var issued: [Int64] = []
    public private(set) var redeemed: [Int64] = []
    public private(set) var expired: [Int64] = []

    /// No points loaded.
    public init() {}

    /// The points of `rows` rows from entries in any order (several entries of one row and day
    /// are summed; rows outside `0 ..< rows` are left out).
    public init(rows: Int, entries: [(row: Int, day: Int64, issued: Int64, redeemed: Int64, expired: Int64)]) {
        let sorted = entries.filter { (0..<rows).contains($0.row) }.sorted { ($0.row, $0.day) < ($1.row, $1.day) }
        offsets = [Int](repeating: 0, count: rows + 1)
        var last: (row: Int, day: Int64)?
        for entry in sorted {
            if let last, last.row == entry.row, last.day == entry.day {
                issued[issued.count - 1] += entry.issued
                redeemed[redeemed.count - 1] += entry.redeemed
                expired[expired.count - 1] += entry.expired
                continue
            }
            last = (entry.row, entry.day)
            day.append(Int32(clamping: entry.day))
            issued.append(entry.issued)
            redeemed.append(entry.redeemed)
            expired.append(entry.expired)
            offsets[entry.row + 1] = day.count
        }
        // Rows without entries end where the previous row ended.
        for row in 0..<rows where offsets[row + 1] < offsets[row] { offsets[row + 1] = offsets[row] }
    }

    /// Whether points are loaded for `rows` rows.
    public func isLoaded(forRows rows: Int) -> Bool { offsets.count == rows + 1 }
}

/// A dimension reports break down by.
public enum InsightDimension: Sendable, Equatable, Hashable {
    /// The order's sales channel.
    case channel
    /// The order's store.
    case store
    /// A customer string attribute (`city`, `province`, `tier`).
    case attribute(String)
    /// Tag membership (a customer counts under each of their tags).
    case tag
    /// Segment membership.
    case segment
    /// The order's item categories (an order counts under each of them); needs items.
    case category

    /// Parses `channel`, `store`, `tag`, `segment`, `category` or an attribute name.
    public init(_ text: String) {
        switch text {
        case "channel": self = .channel
        case "store": self = .store
        case "tag": self = .tag
        case "segment": self = .segment
        case "category": self = .category
        default: self = .attribute(text)
        }
    }

    /// Whether groups come from orders (channel, store, category): loyalty points, which belong
    /// to customers, are not broken down by them.
    public var isPerOrder: Bool {
        switch self {
        case .channel, .store, .category: true
        default: false
        }
    }

    /// The name as `init` reads it.
    public var name: String {
        switch self {
        case .channel: "channel"
        case .store: "store"
        case .tag: "tag"
        case .segment: "segment"
        case .category: "category"
        case .attribute(let name): name
        }
    }
}

/// A dimension resolved against a dataset: the group labels and how a row or an order maps to
/// groups.
struct InsightGrouping {
    enum Kind {
        /// No breakdown: one group.
        case none
        /// A group code per order (-1: none).
        case perOrder([Int32])
        /// A group code per customer row (-1: none).
        case perCustomer([Int32])
        /// Groups as row sets (a row may be in several).
        case sets([BitVector])
        /// Groups as order item lists (an order may be in several).
        case perItem
    }

    var kind: Kind
    var labels: [String]

    /// The grouping of `dimension` over `dataset`; throws when it does not apply.
    init(_ dimension: InsightDimension?, in dataset: InsightDataset) throws(PanoramaError) {
        guard let dimension else {
            kind = .none
            labels = []
            return
        }
        switch dimension {
        case .channel:
            kind = .perOrder(dataset.orders.channel)
            labels = dataset.orders.channelDictionary.strings
        case .store:
            kind = .perOrder(dataset.orders.store)
            labels = dataset.orders.storeDictionary.strings
        case .category:
            guard dataset.categories.isLoaded(for: dataset.orders.count) else {
                throw .badRequest("no_items", "order items are not loaded / 未加载订单商品", field: "dimension")
            }
            kind = .perItem
            labels = dataset.categories.dictionary.strings
        case .tag, .segment:
            let audiences = (dataset.memberships[dimension.name] ?? []).sorted { $0.name < $1.name }
            kind = .sets(audiences.map { BitVector($0.rows, count: dataset.rowCount) })
            labels = audiences.map(\.name)
        case .attribute(let name):
            guard let column = dataset.attributes[name], column.type == .string else {
                throw .badRequest(
                    "unknown_dimension",
                    "unknown dimension '\(name)': use channel, store, category, tag, segment or a customer attribute such as city, province, tier / 未知维度 '\(name)'",
                    field: "dimension")
            }
            var codes = [Int32](repeating: -1, count: dataset.rowCount)
            for row in 0..<min(column.count, codes.count) where column.present[row] {
                codes[row] = Int32(column.values[row])
            }
            kind = .perCustomer(codes)
            labels = column.dictionary.strings
        }
    }

    /// Number of groups (1 without a breakdown).
    var count: Int { labels.isEmpty ? 1 : labels.count }

    /// Whether groups come from orders (channel, store, category) rather than from customers.
    var isPerOrder: Bool {
        switch kind {
        case .perOrder, .perItem: true
        default: false
        }
    }

    /// Calls `body` with each group of customer row `row` (customer-level kinds).
    @inline(__always)
    func forEachCustomerGroup(_ row: Int, _ body: (Int) -> Void) {
        switch kind {
        case .none: body(0)
        case .perCustomer(let codes): if codes[row] >= 0 { body(Int(codes[row])) }
        case .sets(let sets):
            for (index, set) in sets.enumerated() where set[row] { body(index) }
        case .perOrder, .perItem: break
        }
    }
}

/// Calendar helpers of the analyses: months and weeks of local days.
public enum InsightCalendar {
    /// The month index (year × 12 + month − 1) of a local day.
    public static func month(ofDay day: Int64) -> Int {
        let civil = Timestamp.civil(fromDays: day)
        return Int(civil.year) * 12 + Int(civil.month) - 1
    }

    /// The first day of a month index.
    public static func firstDay(ofMonth month: Int) -> Int64 {
        Timestamp.days(fromCivil: Int64(month / 12), Int64(month % 12 + 1), 1)
    }

    /// `YYYY-MM` of a month index.
    public static func label(ofMonth month: Int) -> String {
        let m = month % 12 + 1
        return "\(month / 12)-\(m < 10 ? "0" : "")\(m)"
    }

    /// `YYYY-MM-DD` of a local day.
    public static func label(ofDay day: Int64) -> String {
        String(Timestamp.format(millis: day * 86_400_000).prefix(10))
    }

    /// The month index of `YYYY-MM`, nil when malformed.
    public static func month(parsing text: String) -> Int? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), (1...12).contains(month), year >= 1970
        else { return nil }
        return year * 12 + month - 1
    }

    /// The local day of `YYYY-MM-DD`, nil when malformed.
    public static func day(parsing text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year)
        else { return nil }
        return Timestamp.days(fromCivil: year, month, day)
    }
}
