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
///
/// Loyalty points (when the dataset holds them, `InsightDataset.points`): `pointsIssued` (earned,
/// bonus and added by hand, less reversals), `pointsRedeemed` and `pointsExpired` on the points
/// ledger in the period; `pointEarners` are the customers with more than zero points issued in it,
/// `pointRedeemers` those who redeemed. Points belong to customers, not to orders: in a breakdown
/// by an order dimension (channel, store, category) they are counted in the totals only.
public struct KPIValues: Sendable, Equatable, Codable {
    public var newCustomers = 0
    public var activeCustomers = 0
    public var buyers = 0
    public var repeatBuyers = 0
    public var orders = 0
    public var gmv: Int64 = 0
    public var netRevenue: Int64 = 0
    public var lifetimeRevenue: Int64 = 0
    public var pointsIssued: Int64 = 0
    public var pointsRedeemed: Int64 = 0
    public var pointsExpired: Int64 = 0
    public var pointEarners = 0
    public var pointRedeemers = 0

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

    /// Whether anything happened in the cell (an active customer, GMV or points).
    var isEmpty: Bool {
        activeCustomers == 0 && gmv == 0 && pointsIssued == 0 && pointsRedeemed == 0 && pointsExpired == 0
            && pointEarners == 0
    }

    /// The measures stored per cell, in accumulator order.
    fileprivate static let width = 13

    fileprivate init(_ s: UnsafeBufferPointer<Int64>) {
        newCustomers = Int(s[0])
        activeCustomers = Int(s[1])
        buyers = Int(s[2])
        repeatBuyers = Int(s[3])
        orders = Int(s[4])
        gmv = s[5]
        netRevenue = s[6]
        lifetimeRevenue = s[7]
        pointsIssued = s[8]
        pointsRedeemed = s[9]
        pointsExpired = s[10]
        pointEarners = Int(s[11])
        pointRedeemers = Int(s[12])
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
    /// Customers with more than zero points issued in the cell.
    case pointEarners = "point_earners"
    /// Customers who redeemed points in the cell.
    case pointRedeemers = "point_redeemers"

    /// Whether the measure counts loyalty points (customer-level: no order dimension applies).
    public var isPoints: Bool { self == .pointEarners || self == .pointRedeemers }
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
    /// Whether the breakdown cells hold points: true for customer dimensions (tag, segment,
    /// attributes), false for order dimensions (channel, store, category), whose cells count
    /// points nowhere (the totals still do).
    public var pointsByGroup: Bool
    /// Customers (in the filter) per `tier` attribute value, when the attribute exists.
    public var membersByTier: [(tier: String, customers: Int)]
}

/// KPI computations over an `InsightDataset`: one pass over the customers' orders, events and
/// points per period, parallel over row chunks, every breakdown cell counted in the same pass.
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
            tiers = membersByTier(tier, rows: rows)
        }
        return KPIReport(
            from: from, to: to, total: both[1][groups], previous: both[0][groups], series: series,
            dimension: breakdown,
            breakdown: (0..<groups).map { (grouping.labels[$0], both[1][$0]) }.filter { !$0.1.isEmpty },
            pointsByGroup: breakdown.map { !$0.isPerOrder } ?? false,
            membersByTier: tiers)
    }

    /// Customers of `rows` per value of the `tier` column (values with none left out): a word at
    /// a time over the rows and the column's present bits.
    public static func membersByTier(_ tier: Column, rows: BitVector) -> [(String, Int)] {
        var counts = [Int](repeating: 0, count: tier.dictionary.strings.count)
        let included = rows.words
        let present = tier.present.words
        let words = min(included.count, present.count)
        tier.values.withUnsafeBufferPointer { values in
            for index in 0..<words {
                var w = included[index] & present[index]
                while w != 0 {
                    let row = index << 6 | w.trailingZeroBitCount
                    if row < values.count { counts[Int(values[row])] += 1 }
                    w &= w - 1
                }
            }
        }
        return zip(tier.dictionary.strings, counts).filter { $0.1 > 0 }.map { ($0, $1) }
    }

    /// The rows behind one cell of `from ..< to`: customers counted in `measure`, for the whole
    /// period (`group` nil) or the group labelled `group` of `dimension`. Ascending rows.
    public static func customers(
        _ dataset: InsightDataset, from: Int64, to: Int64, measure: KPIMeasure, dimension: InsightDimension? = nil,
        group: String? = nil, filter: BitVector? = nil
    ) throws(PanoramaError) -> [Int] {
        try validate(from: from, to: to)
        if measure.isPoints, group != nil, let dimension, dimension.isPerOrder {
            throw .badRequest(
                "points_not_by_order",
                "points belong to customers, not orders: they have no breakdown by \(dimension.name) / 积分属于客户而非订单，不能按 \(dimension.name) 拆分",
                field: "dimension")
        }
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
            for c in pass.cells where c.cell == target {
                let counted: Bool =
                    switch measure {
                    case .newCustomers: c.isNew
                    case .activeCustomers: c.active
                    case .buyers: c.paid > 0
                    case .repeatBuyers: c.paid > 1
                    case .pointEarners: c.issued > 0
                    case .pointRedeemers: c.redeemed > 0
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
                let end = min(dataset.rowCount, (chunk + 1) * chunkRows)
                rows.words.withUnsafeBufferPointer { words in
                    sums.withUnsafeMutableBufferPointer { sums in
                        var word = chunk * chunkRows >> 6
                        let lastWord = (end + 63) >> 6
                        while word < lastWord {
                            var w = words[word]
                            while w != 0 {
                                let row = word << 6 | w.trailingZeroBitCount
                                w &= w - 1
                                guard row < end else { break }
                                pass.visit(row)
                                for c in pass.cells {
                                    let base = c.cell * width
                                    if c.isNew { sums[base] += 1 }
                                    if c.active { sums[base + 1] += 1 }
                                    if c.paid > 0 {
                                        sums[base + 2] += 1
                                        sums[base + 7] += c.lifetime
                                        if c.paid > 1 { sums[base + 3] += 1 }
                                        sums[base + 4] += Int64(c.paid)
                                        sums[base + 6] += c.revenue
                                    }
                                    sums[base + 5] += c.gmv
                                    if c.hasPoints {
                                        sums[base + 8] += c.issued
                                        sums[base + 9] += c.redeemed
                                        sums[base + 10] += c.expired
                                        if c.issued > 0 { sums[base + 11] += 1 }
                                        if c.redeemed > 0 { sums[base + 12] += 1 }
                                    }
                                }
                            }
                            word += 1
                        }
                    }
                }
                out.value[chunk] = sums
            }
        }
        var total = [Int64](repeating: 0, count: cellCount * width)
        for partial in partials { for index in total.indices { total[index] += partial[index] } }
        return total.withUnsafeBufferPointer { total in
            (0..<bucketStarts.count).map { bucket in
                (0..<groups).map { group in
                    let base = (bucket * groups + group) * width
                    return KPIValues(UnsafeBufferPointer(rebasing: total[base..<base + width]))
                }
            }
        }
    }
}

/// One customer's contribution to one KPI cell (bucket × group).
struct CellContribution {
    var cell: Int
    /// Placed an order or tracked an event (order groups: placed an order of the group).
    var active = false
    /// A buyer whose first paid order ever falls in the cell's bucket.
    var isNew = false
    /// Points entries fall in the cell.
    var hasPoints = false
    var paid: Int32 = 0
    var revenue: Int64 = 0
    var gmv: Int64 = 0
    /// Paid revenue of the orders placed before the bucket ended (set for buyers).
    var lifetime: Int64 = 0
    var issued: Int64 = 0
    var redeemed: Int64 = 0
    var expired: Int64 = 0

    init(cell: Int) { self.cell = cell }
}

/// One customer's contributions to KPI cells (bucket × group), read by the aggregation and by
/// the drill-down alike.
///
/// A row's orders, events and points entries are in time order, so the walk skips what lies
/// before the first bucket, stops at the end of the last, and takes each bucket's entries as
/// one run: a bucket's total cell and customer-group cells are written once per run, and only
/// order dimensions (channel, store, category) need a cell per group met in the run. A row with
/// nothing in the period costs three short scans. The pass holds the arrays it reads, so the
/// walk touches no reference counts.
struct CustomerPass {
    let from: Int64
    let to: Int64
    /// Groups per bucket, the bucket's total last.
    let groups: Int
    /// Bucket of each day of `from ..< to`, and the first day of each bucket and of the next.
    let bucketOfDay: [Int32]
    let bucketBounds: [Int64]
    let orderOffsets: [Int]
    let orderDay: [Int32]
    let orderStatus: [UInt8]
    let orderAmount: [Int64]
    let eventOffsets: [Int]
    let eventDay: [Int32]
    let points: PointDays
    let hasPoints: Bool
    /// How groups are found: 0 none, 1 a code per order, 2 an item list per order, 3 a code per
    /// customer, 4 row sets.
    let mode: Int
    let orderCodes: [Int32]
    let itemOffsets: [Int]
    let itemCodes: [Int32]
    let customerCodes: [Int32]
    let sets: [BitVector]
    /// The current row's contributions, one per cell it touched.
    private(set) var cells: [CellContribution] = []
    /// The current row's groups (customer-level groupings).
    private var customerGroups: [Int] = []
    /// Per order-dimension group: its index in `cells` during a run, else -1.
    private var slotOfGroup: [Int]
    private var runGroups: [Int] = []

    init(dataset: InsightDataset, bucketStarts: [Int64], to: Int64, grouping: InsightGrouping) {
        from = bucketStarts[0]
        self.to = to
        groups = grouping.labels.count + 1
        var days = [Int32](repeating: 0, count: Int(to - from))
        for (index, start) in bucketStarts.enumerated() {
            let end = index + 1 < bucketStarts.count ? bucketStarts[index + 1] : to
            for day in start..<end { days[Int(day - from)] = Int32(index) }
        }
        bucketOfDay = days
        bucketBounds = bucketStarts + [to]
        orderOffsets = dataset.orders.offsets
        orderDay = dataset.orders.day
        orderStatus = dataset.orders.status
        orderAmount = dataset.orders.amount
        eventOffsets = dataset.events.offsets
        eventDay = dataset.events.day
        hasPoints = dataset.points.isLoaded(forRows: dataset.rowCount)
        points = dataset.points
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
        slotOfGroup = [Int](repeating: -1, count: mode == 1 || mode == 2 ? groups : 0)
    }

    /// Walks one row's orders, events and points entries into `cells`.
    mutating func visit(_ row: Int) {
        cells.removeAll(keepingCapacity: true)
        let from = from
        let to = to
        let oStart = orderOffsets[row]
        let oEnd = orderOffsets[row + 1]
        var o = oStart
        while o < oEnd, Int64(orderDay[o]) < from { o += 1 }
        var e = eventOffsets[row]
        let eEnd = eventOffsets[row + 1]
        while e < eEnd, Int64(eventDay[e]) < from { e += 1 }
        var p = 0
        var pEnd = 0
        if hasPoints {
            p = points.offsets[row]
            pEnd = points.offsets[row + 1]
            while p < pEnd, Int64(points.day[p]) < from { p += 1 }
        }
        let inPeriod =
            (o < oEnd && Int64(orderDay[o]) < to) || (e < eEnd && Int64(eventDay[e]) < to)
            || (p < pEnd && Int64(points.day[p]) < to)
        guard inPeriod else { return }

        // Paid revenue before the period, and the first paid order when it lies before it.
        let completed = OrderColumns.Status.completed.rawValue
        let pending = OrderColumns.Status.pending.rawValue
        var cumulative: Int64 = 0
        var firstPaid = Int64.max
        for k in oStart..<o where orderStatus[k] == completed {
            cumulative += orderAmount[k]
            if firstPaid == .max { firstPaid = Int64(orderDay[k]) }
        }
        customerGroups.removeAll(keepingCapacity: true)
        if mode == 3, customerCodes[row] >= 0 { customerGroups.append(Int(customerCodes[row])) }
        if mode == 4 { for index in sets.indices where sets[index][row] { customerGroups.append(index) } }

        while true {
            var next = Int64.max
            if o < oEnd { next = Int64(orderDay[o]) }
            if e < eEnd { next = min(next, Int64(eventDay[e])) }
            if p < pEnd { next = min(next, Int64(points.day[p])) }
            guard next < to else { return }
            let bucket = Int(bucketOfDay[Int(next - from)])
            let end = bucketBounds[bucket + 1]
            var total = CellContribution(cell: bucket * groups + groups - 1)
            // The bucket's orders.
            let runStart = o
            var newHere = false
            while o < oEnd, Int64(orderDay[o]) < end {
                let amount = orderAmount[o]
                let status = orderStatus[o]
                if status == completed {
                    total.paid += 1
                    total.revenue += amount
                    total.gmv += amount
                    cumulative += amount
                    if firstPaid == .max {
                        firstPaid = Int64(orderDay[o])
                        newHere = true
                    }
                } else if status == pending {
                    total.gmv += amount
                }
                o += 1
            }
            total.active = o > runStart
            if total.paid > 0 {
                total.isNew = newHere
                total.lifetime = cumulative
            }
            // Its events: one is enough.
            if e < eEnd, Int64(eventDay[e]) < end {
                total.active = true
                while e < eEnd, Int64(eventDay[e]) < end { e += 1 }
            }
            // Its points.
            if p < pEnd, Int64(points.day[p]) < end {
                total.hasPoints = true
                while p < pEnd, Int64(points.day[p]) < end {
                    total.issued += points.issued[p]
                    total.redeemed += points.redeemed[p]
                    total.expired += points.expired[p]
                    p += 1
                }
            }
            cells.append(total)
            switch mode {
            case 3, 4:
                for group in customerGroups {
                    var cell = total
                    cell.cell = bucket * groups + group
                    cells.append(cell)
                }
            case 1, 2:
                if o > runStart { addOrderGroups(runStart..<o, bucket: bucket, isNew: newHere, lifetime: cumulative) }
            default: break
            }
        }
    }

    /// The cells of the order groups met by the orders `run` of `bucket`.
    private mutating func addOrderGroups(_ run: Range<Int>, bucket: Int, isNew: Bool, lifetime: Int64) {
        let completed = OrderColumns.Status.completed.rawValue
        let pending = OrderColumns.Status.pending.rawValue
        runGroups.removeAll(keepingCapacity: true)
        for o in run {
            let status = orderStatus[o]
            let amount = orderAmount[o]
            let codes: Range<Int> = mode == 1 ? o..<o + (orderCodes[o] >= 0 ? 1 : 0) : itemOffsets[o]..<itemOffsets[o + 1]
            for k in codes {
                let group = Int(mode == 1 ? orderCodes[k] : itemCodes[k])
                var slot = slotOfGroup[group]
                if slot < 0 {
                    slot = cells.count
                    slotOfGroup[group] = slot
                    runGroups.append(group)
                    var cell = CellContribution(cell: bucket * groups + group)
                    cell.active = true
                    cells.append(cell)
                }
                if status == completed {
                    cells[slot].paid += 1
                    cells[slot].revenue += amount
                    cells[slot].gmv += amount
                } else if status == pending {
                    cells[slot].gmv += amount
                }
            }
        }
        for group in runGroups {
            let slot = slotOfGroup[group]
            if cells[slot].paid > 0 {
                cells[slot].isNew = isNew
                cells[slot].lifetime = lifetime
            }
            slotOfGroup[group] = -1
        }
    }
}
