import PanoramaCore

/// The daily KPI set of one period and one group (a breakdown cell).
///
/// Definitions (all amounts net of refunds, minor units): `orders` and `netRevenue` count paid
/// orders placed in the period (fully refunded ones are not paid orders); `gmv` adds the orders
/// placed and awaiting payment (cancelled ones never count); `buyers` placed a paid order in the
/// period, `repeatBuyers` two or more (复购率 = repeat buyers / buyers); `newCustomers` are
/// buyers whose first paid order ever falls in the period; `activeCustomers` placed any order or
/// tracked any event in it (for order dimensions: placed an order of that group); `lifetimeRevenue`
/// sums, over the buyers, all their paid orders placed before the period ended (average LTV =
/// lifetime revenue / buyers).
public struct KPIValues: Sendable, Equatable, Codable {
    public var newCustomers = 0
    public var activeCustomers = 0
    public var buyers = 0
    public var repeatBuyers = 0
    public var orders = 0
    public var gmv: Int64 = 0
    public var netRevenue: Int64 = 0
    public var lifetimeRevenue: Int64 = 0

    public init() {}

    /// Average order value (客单价), minor units rounded half up; 0 without orders.
    public var averageOrderValue: Int64 { Self.ratio(netRevenue, orders) }
    /// Repeat buyers / buyers (0 without buyers).
    public var repurchaseRate: Double { buyers == 0 ? 0 : Double(repeatBuyers) / Double(buyers) }
    /// Lifetime revenue per buyer, minor units rounded half up.
    public var averageLifetimeValue: Int64 { Self.ratio(lifetimeRevenue, buyers) }

    /// `total / count` rounded half up (non-negative totals).
    static func ratio(_ total: Int64, _ count: Int) -> Int64 {
        count == 0 ? 0 : (2 * total + Int64(count)) / (2 * Int64(count))
    }

    /// The measures stored per cell, in accumulator order.
    fileprivate static let width = 8

    fileprivate init(_ slots: ArraySlice<Int64>) {
        let s = Array(slots)
        newCustomers = Int(s[0])
        activeCustomers = Int(s[1])
        buyers = Int(s[2])
        repeatBuyers = Int(s[3])
        orders = Int(s[4])
        gmv = s[5]
        netRevenue = s[6]
        lifetimeRevenue = s[7]
    }
}

/// A time grain of KPI series.
public enum KPIGrain: String, Sendable, CaseIterable, Codable {
    case day, week, month
}

/// The customers behind a KPI cell.
public enum KPIMeasure: String, Sendable, CaseIterable, Codable {
    case newCustomers = "new_customers"
    case activeCustomers = "active_customers"
    case buyers
    case repeatBuyers = "repeat_buyers"
}

/// The KPIs of a period: totals, the previous period of the same length, a series by grain, a
/// breakdown by one dimension, and members by tier.
public struct KPIReport: Sendable {
    /// The period: local days `from ..< to`.
    public var from: Int64
    public var to: Int64
    public var total: KPIValues
    /// The same length right before (`from − length ..< from`).
    public var previous: KPIValues
    public var series: [(start: Int64, values: KPIValues)]
    public var dimension: InsightDimension?
    public var breakdown: [(label: String, values: KPIValues)]
    /// Customers (in the filter) per `tier` attribute value, when the attribute exists.
    public var membersByTier: [(tier: String, customers: Int)]
}

/// KPI computations over an `InsightDataset`: one pass over the customers' orders and events
/// per period, parallel over row chunks, every breakdown cell counted in the same pass.
public enum KPIs {
    /// The longest period a report covers, in days.
    public static let maximumDays: Int64 = 3_700

    /// The KPI report of `from ..< to` (local days), with a series by `grain` and a breakdown.
    public static func report(
        _ dataset: InsightDataset, from: Int64, to: Int64, grain: KPIGrain? = nil,
        breakdown: InsightDimension? = nil, filter: BitVector? = nil
    ) throws(PanoramaError) -> KPIReport {
        try validate(from: from, to: to)
        let rows = dataset.included(filter)
        let grouping = try InsightGrouping(breakdown, in: dataset)
        // One pass for both periods: the previous one is the first bucket, the period the second.
        let length = to - from
        let both = cells(dataset, rows: rows, bucketStarts: [from - length, from], to: to, grouping: grouping)
        let groups = grouping.labels.count
        var series: [(Int64, KPIValues)] = []
        if let grain {
            let starts = bucketStarts(from: from, to: to, grain: grain)
            let values = cells(
                dataset, rows: rows, bucketStarts: starts, to: to, grouping: try InsightGrouping(nil, in: dataset))
            series = zip(starts, values).map { ($0, $1[0]) }
        }
        var tiers: [(String, Int)] = []
        if let tier = dataset.attributes["tier"], tier.type == .string {
            var counts = [Int](repeating: 0, count: tier.dictionary.strings.count)
            for row in 0..<min(tier.count, rows.count) where rows[row] && tier.present[row] {
                counts[Int(tier.values[row])] += 1
            }
            tiers = zip(tier.dictionary.strings, counts).filter { $0.1 > 0 }.map { ($0, $1) }
        }
        return KPIReport(
            from: from, to: to, total: both[1][groups], previous: both[0][groups], series: series,
            dimension: breakdown,
            breakdown: (0..<groups).map { (grouping.labels[$0], both[1][$0]) }.filter {
                $0.1.activeCustomers > 0 || $0.1.gmv > 0
            },
            membersByTier: tiers)
    }

    /// The rows behind one cell of `from ..< to`: customers counted in `measure`, for the whole
    /// period (`group` nil) or the group labelled `group` of `dimension`. Ascending rows.
    public static func customers(
        _ dataset: InsightDataset, from: Int64, to: Int64, measure: KPIMeasure, dimension: InsightDimension? = nil,
        group: String? = nil, filter: BitVector? = nil
    ) throws(PanoramaError) -> [Int] {
        try validate(from: from, to: to)
        let grouping = try InsightGrouping(group == nil ? nil : dimension, in: dataset)
        let groups = grouping.labels.count
        var target = groups
        if let group {
            guard let index = grouping.labels.firstIndex(of: group) else { return [] }
            target = index
        }
        var pass = CustomerPass(dataset: dataset, bucketStarts: [from], to: to, grouping: grouping)
        var out: [Int] = []
        for row in dataset.included(filter).setRows {
            pass.visit(row)
            for cell in pass.touched where cell == target {
                let counted: Bool =
                    switch measure {
                    case .newCustomers: pass.isNew(cell)
                    case .activeCustomers: pass.active[cell]
                    case .buyers: pass.paidOrders[cell] > 0
                    case .repeatBuyers: pass.paidOrders[cell] > 1
                    }
                if counted { out.append(row) }
            }
        }
        return out
    }

    /// Throws unless `from ..< to` is a non-empty period of at most `maximumDays`.
    public static func validate(from: Int64, to: Int64) throws(PanoramaError) {
        guard to > from else {
            throw .badRequest("bad_range", "the period must end after it starts / 结束日期须晚于开始日期", field: "to")
        }
        guard to - from <= maximumDays else {
            throw .badRequest(
                "range_too_long", "a period spans at most \(maximumDays) days / 时间范围最多 \(maximumDays) 天", field: "from")
        }
    }

    /// The first day of each bucket of `from ..< to` by `grain` (weeks start on Monday; the
    /// first bucket starts at `from`).
    public static func bucketStarts(from: Int64, to: Int64, grain: KPIGrain) -> [Int64] {
        var starts: [Int64] = [from]
        var day = from
        while true {
            switch grain {
            case .day: day += 1
            case .week: day += 7 - ((day + 3) % 7 + 7) % 7
            case .month: day = InsightCalendar.firstDay(ofMonth: InsightCalendar.month(ofDay: day) + 1)
            }
            guard day < to else { return starts }
            starts.append(day)
        }
    }

    /// KPI values per bucket and group (the last group of each bucket is the bucket's total).
    static func cells(
        _ dataset: InsightDataset, rows: BitVector, bucketStarts: [Int64], to: Int64, grouping: InsightGrouping
    ) -> [[KPIValues]] {
        let groups = grouping.labels.count + 1
        let cellCount = bucketStarts.count * groups
        let width = KPIValues.width
        let chunkRows = 16_384
        let chunks = max(1, (dataset.rowCount + chunkRows - 1) / chunkRows)
        var partials = [[Int64]](repeating: [], count: chunks)
        partials.withUnsafeMutableBufferPointer { partials in
            let out = UncheckedSendable(partials)
            parallelFor(chunks) { chunk in
                var sums = [Int64](repeating: 0, count: cellCount * width)
                var pass = CustomerPass(dataset: dataset, bucketStarts: bucketStarts, to: to, grouping: grouping)
                let words = rows.words
                let end = min(dataset.rowCount, (chunk + 1) * chunkRows)
                for row in chunk * chunkRows..<end where words[row >> 6] & (1 << UInt64(row & 63)) != 0 {
                    pass.visit(row)
                    for cell in pass.touched {
                        let base = cell * width
                        if pass.isNew(cell) { sums[base] += 1 }
                        if pass.active[cell] { sums[base + 1] += 1 }
                        let paid = pass.paidOrders[cell]
                        if paid > 0 {
                            sums[base + 2] += 1
                            sums[base + 7] += pass.lifetime(before: pass.bucketEnd(cell))
                        }
                        if paid > 1 { sums[base + 3] += 1 }
                        sums[base + 4] += Int64(paid)
                        sums[base + 5] += pass.gmv[cell]
                        sums[base + 6] += pass.revenue[cell]
                    }
                }
                out.value[chunk] = sums
            }
        }
        var total = [Int64](repeating: 0, count: cellCount * width)
        for partial in partials { for index in total.indices { total[index] += partial[index] } }
        return (0..<bucketStarts.count).map { bucket in
            (0..<groups).map { group in
                let base = (bucket * groups + group) * width
                return KPIValues(total[base..<base + width])
            }
        }
    }
}

/// One customer's contribution to KPI cells (bucket × group): walked once per customer, read by
/// the aggregation and by the drill-down alike. It holds the arrays it reads directly, so the
/// walk touches no reference counts.
struct CustomerPass {
    let bucketStarts: [Int64]
    let from: Int64
    let to: Int64
    /// Groups per bucket, the bucket's total last.
    let groups: Int
    /// Bucket of each day of `from ..< to`.
    let bucketOfDay: [Int32]
    let orderOffsets: [Int]
    let orderDay: [Int32]
    let orderStatus: [UInt8]
    let orderAmount: [Int64]
    let eventOffsets: [Int]
    let eventDay: [Int32]
    /// How groups are found: 0 none, 1 a code per order, 2 an item list per order, 3 a code per
    /// customer, 4 row sets.
    let mode: Int
    let orderCodes: [Int32]
    let itemOffsets: [Int]
    let itemCodes: [Int32]
    let customerCodes: [Int32]
    let sets: [BitVector]
    /// Per cell, for the current row: paid orders, net revenue, GMV, activity.
    var paidOrders: [Int32]
    var revenue: [Int64]
    var gmv: [Int64]
    var active: [Bool]
    /// The cells the current row touched.
    var touched: [Int] = []
    /// The current row's groups (customer-level groupings).
    private var customerGroups: [Int] = []
    var stamp: [Int]
    var row = -1
    /// The current row's first paid order day ever (Int64.max: none).
    var firstPaidDay = Int64.max

    init(dataset: InsightDataset, bucketStarts: [Int64], to: Int64, grouping: InsightGrouping) {
        self.bucketStarts = bucketStarts
        from = bucketStarts[0]
        self.to = to
        groups = grouping.labels.count + 1
        var days = [Int32](repeating: 0, count: Int(to - from))
        for (index, start) in bucketStarts.enumerated() {
            let end = index + 1 < bucketStarts.count ? bucketStarts[index + 1] : to
            for day in start..<end { days[Int(day - from)] = Int32(index) }
        }
        bucketOfDay = days
        orderOffsets = dataset.orders.offsets
        orderDay = dataset.orders.day
        orderStatus = dataset.orders.status
        orderAmount = dataset.orders.amount
        eventOffsets = dataset.events.offsets
        eventDay = dataset.events.day
        var orderCodes: [Int32] = []
        var customerCodes: [Int32] = []
        var sets: [BitVector] = []
        switch grouping.kind {
        case .none: mode = 0
        case .perOrder(let codes):
            mode = 1
            orderCodes = codes
        case .perItem: mode = 2
        case .perCustomer(let codes):
            mode = 3
            customerCodes = codes
        case .sets(let rows):
            mode = 4
            sets = rows
        }
        self.orderCodes = orderCodes
        self.customerCodes = customerCodes
        self.sets = sets
        itemOffsets = dataset.categories.offsets
        itemCodes = dataset.categories.codes
        let cells = bucketStarts.count * groups
        paidOrders = [Int32](repeating: 0, count: cells)
        revenue = [Int64](repeating: 0, count: cells)
        gmv = [Int64](repeating: 0, count: cells)
        active = [Bool](repeating: false, count: cells)
        stamp = [Int](repeating: -1, count: cells)
    }

    /// The day after the bucket of `cell`.
    func bucketEnd(_ cell: Int) -> Int64 {
        let bucket = cell / groups
        return bucket + 1 < bucketStarts.count ? bucketStarts[bucket + 1] : to
    }

    /// Whether the current row's first paid order falls in the bucket of `cell` and it bought there.
    func isNew(_ cell: Int) -> Bool {
        guard paidOrders[cell] > 0, firstPaidDay >= from, firstPaidDay < to else { return false }
        return Int(bucketOfDay[Int(firstPaidDay - from)]) == cell / groups
    }

    /// The current row's paid revenue of orders placed before `end`.
    func lifetime(before end: Int64) -> Int64 {
        var sum: Int64 = 0
        let completed = OrderColumns.Status.completed.rawValue
        for o in orderOffsets[row]..<orderOffsets[row + 1] where Int64(orderDay[o]) < end && orderStatus[o] == completed
        {
            sum += orderAmount[o]
        }
        return sum
    }

    @inline(__always)
    private mutating func touch(_ cell: Int) {
        if stamp[cell] != row {
            stamp[cell] = row
            paidOrders[cell] = 0
            revenue[cell] = 0
            gmv[cell] = 0
            active[cell] = false
            touched.append(cell)
        }
    }

    /// Counts one order (status, net amount) in `cell`.
    @inline(__always)
    private mutating func add(_ cell: Int, _ status: UInt8, _ amount: Int64) {
        touch(cell)
        active[cell] = true
        if status == OrderColumns.Status.completed.rawValue {
            paidOrders[cell] += 1
            revenue[cell] += amount
            gmv[cell] += amount
        } else if status == OrderColumns.Status.pending.rawValue {
            gmv[cell] += amount
        }
    }

    /// Walks one row's orders and events.
    mutating func visit(_ row: Int) {
        self.row = row
        touched.removeAll(keepingCapacity: true)
        firstPaidDay = .max
        let completed = OrderColumns.Status.completed.rawValue
        let total = groups - 1
        customerGroups.removeAll(keepingCapacity: true)
        if mode == 3, customerCodes[row] >= 0 { customerGroups.append(Int(customerCodes[row])) }
        if mode == 4 { for index in sets.indices where sets[index][row] { customerGroups.append(index) } }
        for o in orderOffsets[row]..<orderOffsets[row + 1] {
            let day = Int64(orderDay[o])
            let status = orderStatus[o]
            // Orders are in time order: none after this one counts.
            if day >= to { break }
            if status == completed, firstPaidDay == .max { firstPaidDay = day }
            guard day >= from else { continue }
            let base = Int(bucketOfDay[Int(day - from)]) * groups
            let amount = orderAmount[o]
            add(base + total, status, amount)
            switch mode {
            case 1: if orderCodes[o] >= 0 { add(base + Int(orderCodes[o]), status, amount) }
            case 2: for p in itemOffsets[o]..<itemOffsets[o + 1] { add(base + Int(itemCodes[p]), status, amount) }
            case 3, 4: for group in customerGroups { add(base + group, status, amount) }
            default: break
            }
        }
        // Events only make customers active. With one bucket, an order in it already made every
        // cell of this row active, and one event in it is enough.
        let single = bucketStarts.count == 1
        if single, stamp[total] == row, active[total] { return }
        for e in eventOffsets[row]..<eventOffsets[row + 1] {
            let day = Int64(eventDay[e])
            if day >= to { break }
            guard day >= from else { continue }
            let base = Int(bucketOfDay[Int(day - from)]) * groups
            // An active total means the row's groups in this bucket are active too.
            if stamp[base + total] == row, active[base + total] { continue }
            touch(base + total)
            active[base + total] = true
            for group in customerGroups {
                touch(base + group)
                active[base + group] = true
            }
            if single { return }
        }
    }
}
