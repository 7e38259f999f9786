import PanoramaCore

/// Customers' orders as columns in compressed-sparse-row form: the orders of customer row `r`
/// are positions `offsets[r] ..< offsets[r + 1]` of every per-order array, sorted by time.
///
/// The trait kernel reads one customer's orders as a few short contiguous runs, so they stay
/// in L1 while every trait is computed from them. Strings are dictionary codes (`-1` = none).
public struct OrderColumns: ActivityColumns {
    /// The state of an order as traits filter it.
    public enum Status: UInt8, Sendable, CaseIterable {
        /// Paid, shipped or completed and not refunded in full (partial refunds are netted).
        case completed = 0
        /// Refunded in full.
        case refunded = 1
        case cancelled = 2
        /// Placed, not paid.
        case pending = 3

        /// The state of a stored order.
        public init(_ order: Order) {
            switch order.status {
            case .pending: self = .pending
            case .cancelled: self = .cancelled
            case .paid, .shipped, .completed: self = order.fullyRefunded ? .refunded : .completed
            }
        }
    }

    /// One order to append.
    public struct Record: Sendable, Equatable {
        /// When it was placed, seconds since 1970 UTC.
        public var timestamp: Int64
        /// What it is worth after refunds, minor units (0 when refunded in full).
        public var amount: Int64
        /// Units bought, net of units returned.
        public var items: Int32
        public var channel: String?
        public var store: String?
        public var status: Status

        /// A record.
        public init(
            timestamp: Int64, amount: Int64, items: Int32 = 1, channel: String? = nil, store: String? = nil,
            status: Status = .completed
        ) {
            self.timestamp = timestamp
            self.amount = amount
            self.items = items
            self.channel = channel
            self.store = store
            self.status = status
        }

        /// The columns' view of a stored order: net amount, net units, placed time in seconds.
        public init(_ order: Order) {
            timestamp = EvaluationContext.floorDiv(order.placedAt, 1000)
            amount = max(0, order.total - order.refunded)
            let units = order.items.reduce(Int64(0)) { $0 + max(0, $1.quantity - $1.refundedQuantity) }
            items = Int32(clamping: units)
            channel = order.channel
            store = order.storeID
            status = Status(order)
        }
    }

    /// Amounts are minor units with two digits (分, cents); a decimal trait value is ×10⁴, so
    /// one minor unit is this many decimal units.
    public static let decimalPerMinorUnit: Int64 = Column.decimalScale / 100

    /// Row `r`'s orders are `offsets[r] ..< offsets[r + 1]` (rowCount + 1 entries).
    public internal(set) var offsets: [Int]
    /// Local day (days since 1970-01-01 in the zone of `utcOffsetSeconds`).
    public internal(set) var day: [Int32]
    /// Seconds since 1970 UTC; ascending within a customer.
    public internal(set) var timestamp: [Int64]
    /// Net of refunds, minor units.
    public internal(set) var amount: [Int64]
    public internal(set) var items: [Int32]
    /// Code in `channelDictionary`, -1 when unknown.
    public internal(set) var channel: [Int32]
    public internal(set) var channelDictionary: StringDictionary
    /// Code in `storeDictionary`, -1 when unknown.
    public internal(set) var store: [Int32]
    public internal(set) var storeDictionary: StringDictionary
    /// `Status` raw values.
    public internal(set) var status: [UInt8]
    /// The offset `day` was computed with.
    public internal(set) var utcOffsetSeconds: Int64

    /// No customers yet; local days will use `utcOffsetSeconds` (Asia/Shanghai: 28 800).
    public init(utcOffsetSeconds: Int64) {
        self.utcOffsetSeconds = utcOffsetSeconds
        offsets = [0]
        day = []
        timestamp = []
        amount = []
        items = []
        channel = []
        channelDictionary = StringDictionary()
        store = []
        storeDictionary = StringDictionary()
        status = []
    }


    /// Reserves room for `orders` more orders.
    public mutating func reserveCapacity(rows: Int, orders: Int) {
        offsets.reserveCapacity(offsets.count + rows)
        for keyPath in [\Self.timestamp, \Self.amount] as [WritableKeyPath<Self, [Int64]>] {
            self[keyPath: keyPath].reserveCapacity(count + orders)
        }
        for keyPath in [\Self.day, \Self.items, \Self.channel, \Self.store] as [WritableKeyPath<Self, [Int32]>] {
            self[keyPath: keyPath].reserveCapacity(count + orders)
        }
        status.reserveCapacity(count + orders)
    }

    /// Appends the next customer row with `records` in any order (they are sorted by time;
    /// equal times keep their given order).
    public mutating func appendCustomer(_ records: [Record]) {
        for index in Self.timeOrder(records, \.timestamp) {
            let record = records[index]
            day.append(localDay(record.timestamp))
            timestamp.append(record.timestamp)
            amount.append(record.amount)
            items.append(record.items)
            channel.append(record.channel.map { Int32(channelDictionary.code(for: $0)) } ?? -1)
            store.append(record.store.map { Int32(storeDictionary.code(for: $0)) } ?? -1)
            status.append(record.status.rawValue)
        }
        offsets.append(day.count)
    }

    /// Appends the next customer row with its stored orders.
    public mutating func appendCustomer(orders: [Order]) {
        appendCustomer(orders.map(Record.init))
    }


    /// Columns from arrays already in CSR form, sorted by time within each row (loaders).
    init(
        utcOffsetSeconds: Int64, offsets: [Int], day: [Int32], timestamp: [Int64], amount: [Int64], items: [Int32],
        channel: [Int32], channelDictionary: StringDictionary, store: [Int32], storeDictionary: StringDictionary,
        status: [UInt8]
    ) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.offsets = offsets
        self.day = day
        self.timestamp = timestamp
        self.amount = amount
        self.items = items
        self.channel = channel
        self.channelDictionary = channelDictionary
        self.store = store
        self.storeDictionary = storeDictionary
        self.status = status
    }
}

/// Customers' events (track calls) as columns in compressed-sparse-row form, like `OrderColumns`.
public struct EventColumns: ActivityColumns {
    /// One event to append.
    public struct Record: Sendable, Equatable {
        /// When it happened, seconds since 1970 UTC.
        public var timestamp: Int64
        /// The event name (`Product Viewed`).
        public var name: String

        /// A record.
        public init(timestamp: Int64, name: String) {
            self.timestamp = timestamp
            self.name = name
        }
    }

    /// Row `r`'s events are `offsets[r] ..< offsets[r + 1]` (rowCount + 1 entries).
    public internal(set) var offsets: [Int]
    /// Local day (days since 1970-01-01 in the zone of `utcOffsetSeconds`).
    public internal(set) var day: [Int32]
    /// Seconds since 1970 UTC; ascending within a customer.
    public internal(set) var timestamp: [Int64]
    /// Code in `nameDictionary`.
    public internal(set) var name: [Int32]
    public internal(set) var nameDictionary: StringDictionary
    /// The offset `day` was computed with.
    public internal(set) var utcOffsetSeconds: Int64

    /// No customers yet; local days will use `utcOffsetSeconds`.
    public init(utcOffsetSeconds: Int64) {
        self.utcOffsetSeconds = utcOffsetSeconds
        offsets = [0]
        day = []
        timestamp = []
        name = []
        nameDictionary = StringDictionary()
    }


    /// Appends the next customer row with `records` in any order (sorted by time, stably).
    public mutating func appendCustomer(_ records: [Record]) {
        for index in Self.timeOrder(records, \.timestamp) {
            let record = records[index]
            day.append(localDay(record.timestamp))
            timestamp.append(record.timestamp)
            name.append(Int32(nameDictionary.code(for: record.name)))
        }
        offsets.append(day.count)
    }


    /// Columns from arrays already in CSR form, sorted by time within each row (loaders).
    init(
        utcOffsetSeconds: Int64, offsets: [Int], day: [Int32], timestamp: [Int64], name: [Int32],
        nameDictionary: StringDictionary
    ) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.offsets = offsets
        self.day = day
        self.timestamp = timestamp
        self.name = name
        self.nameDictionary = nameDictionary
    }
}

/// What order and event columns share: customer rows in compressed-sparse-row form, each
/// record's time and its local day in one zone offset.
public protocol ActivityColumns: Sendable {
    /// Row `r`'s records are `offsets[r] ..< offsets[r + 1]` (rowCount + 1 entries).
    var offsets: [Int] { get }
    /// Local day (days since 1970-01-01 in the zone of `utcOffsetSeconds`).
    var day: [Int32] { get }
    /// Seconds since 1970 UTC; ascending within a customer.
    var timestamp: [Int64] { get }
    /// The offset `day` was computed with.
    var utcOffsetSeconds: Int64 { get }
}

extension ActivityColumns {
    /// Number of customers (rows).
    public var rowCount: Int { offsets.count - 1 }
    /// Number of records.
    public var count: Int { day.count }

    /// The positions of row `row`'s records.
    public func range(ofRow row: Int) -> Range<Int> { offsets[row]..<offsets[row + 1] }

    /// The local day of a time, in this offset.
    func localDay(_ timestamp: Int64) -> Int32 {
        Int32(EvaluationContext.floorDiv(timestamp + utcOffsetSeconds, 86_400))
    }

    /// The indices of `records` in time order; equal times keep their given order.
    static func timeOrder<R>(_ records: [R], _ time: (R) -> Int64) -> [Int] {
        records.indices.sorted { (time(records[$0]), $0) < (time(records[$1]), $1) }
    }
}

/// The shared changes of order and event columns (their setters are internal).
protocol MutableActivityColumns: ActivityColumns {
    var offsets: [Int] { get set }
    var day: [Int32] { get set }
    var utcOffsetSeconds: Int64 { get set }
}

extension MutableActivityColumns {
    /// Appends `count` customer rows without records.
    mutating func appendEmptyRows(_ count: Int) {
        offsets.append(contentsOf: repeatElement(day.count, count: count))
    }

    /// The same records with local days in another zone offset.
    func rebasedCopy(_ newOffset: Int64) -> Self {
        var copy = self
        copy.utcOffsetSeconds = newOffset
        copy.day = timestamp.map { Int32(EvaluationContext.floorDiv($0 + newOffset, 86_400)) }
        return copy
    }
}

extension OrderColumns: MutableActivityColumns {
    /// Appends `count` customer rows without orders.
    public mutating func appendEmptyCustomers(_ count: Int) { appendEmptyRows(count) }

    /// The same orders with local days in another zone offset.
    public func rebased(utcOffsetSeconds newOffset: Int64) -> OrderColumns { rebasedCopy(newOffset) }
}

extension EventColumns: MutableActivityColumns {
    /// Appends `count` customer rows without events.
    public mutating func appendEmptyCustomers(_ count: Int) { appendEmptyRows(count) }

    /// The same events with local days in another zone offset.
    public func rebased(utcOffsetSeconds newOffset: Int64) -> EventColumns { rebasedCopy(newOffset) }
}
