import PanoramaCore
import Testing

@testable import PanoramaEngine

/// `KPIs.report` and `KPIs.customers` against a reference written straight from the KPI
/// definitions (each cell computed on its own, customer by customer) on random data: orders of
/// every status, events, points, channels, categories, a city, tags, a scope filter, and periods
/// with and without a series.
@Suite struct KPIReferenceTests {
    /// Random customers over days 0 ..< 120 (UTC): orders, events and points entries.
    static func dataset(seed: UInt64, rows: Int) -> InsightDataset {
        var random = SplitMix64(seed: seed)
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        var orders = OrderColumns(utcOffsetSeconds: 0)
        var events = EventColumns(utcOffsetSeconds: 0)
        var items: [[String]] = []
        var points: [(row: Int, day: Int64, issued: Int64, redeemed: Int64, expired: Int64)] = []
        var city = Column(type: .string, count: rows)
        var vip: [UInt32] = []
        var north: [UInt32] = []
        let statuses: [OrderColumns.Status] = [.completed, .completed, .completed, .pending, .cancelled, .refunded]
        for row in 0..<rows {
            var records: [OrderColumns.Record] = []
            for _ in 0..<below(6) {
                let status = statuses[below(statuses.count)]
                records.append(
                    OrderColumns.Record(
                        timestamp: Int64(below(120)) * 86_400 + Int64(below(86_400)),
                        amount: status == .refunded ? 0 : Int64(1 + below(20_000)),
                        channel: below(4) == 0 ? nil : ["app", "store", "web"][below(3)], status: status))
            }
            orders.appendCustomer(records)
            // Categories follow the orders' time order, as the dataset stores them.
            for _ in records { items.append(Array(Set((0..<below(3)).map { _ in ["A", "B", "C"][below(3)] }))) }
            events.appendCustomer(
                (0..<below(5)).map { _ in
                    EventColumns.Record(timestamp: Int64(below(120)) * 86_400 + Int64(below(86_400)), name: "x")
                })
            for _ in 0..<below(4) {
                points.append(
                    (row, Int64(below(120)), Int64(below(3)) * 50 - 20, Int64(below(2)) * Int64(below(40)),
                     Int64(below(3) == 0 ? 5 : 0)))
            }
            if below(3) > 0 { city.set(row, string: ["上海", "北京"][below(2)]) }
            if below(2) == 0 { vip.append(UInt32(row)) }
            if below(3) == 0 { north.append(UInt32(row)) }
        }
        var dataset = InsightDataset(
            orders: orders, events: events, attributes: ["city": city],
            memberships: ["tag": [("vip", RoaringBitmap(vip)), ("north", RoaringBitmap(north))]], today: 119)
        dataset.categories = OrderItems(items)
        dataset.points = PointDays(rows: rows, entries: points)
        return dataset
    }

    /// The cell of `row` for days `start ..< end` and group `group` of `dimension` (nil: the
    /// total), computed from the definitions; nil when the row does not count there at all.
    static func reference(
        _ d: InsightDataset, row: Int, start: Int64, end: Int64, dimension: InsightDimension?, group: String?
    ) -> (values: KPIValues, row: Int)? {
        let o = d.orders
        let completed = OrderColumns.Status.completed.rawValue
        let pending = OrderColumns.Status.pending.rawValue
        var inGroup = true
        var orderFilter: (Int) -> Bool = { _ in true }
        var perOrder = false
        if let dimension, let group {
            switch dimension {
            case .channel:
                perOrder = true
                orderFilter = { o.channel[$0] >= 0 && o.channelDictionary.strings[Int(o.channel[$0])] == group }
            case .category:
                perOrder = true
                orderFilter = { d.categories.of($0).contains { d.categories.dictionary.strings[Int($0)] == group } }
            case .attribute(let name):
                let column = d.attributes[name]!
                inGroup = column.present[row] && column.dictionary.strings[Int(column.values[row])] == group
            case .tag:
                inGroup = d.memberships["tag"]!.first { $0.name == group }!.rows.contains(UInt32(row))
            default: Issue.record("dimension not covered")
            }
        }
        guard inGroup else { return nil }
        var v = KPIValues()
        let range = o.range(ofRow: row)
        let mine = range.filter { Int64(o.day[$0]) >= start && Int64(o.day[$0]) < end && orderFilter($0) }
        let paid = mine.filter { o.status[$0] == completed }
        let firstPaid = range.first { o.status[$0] == completed }.map { Int64(o.day[$0]) }
        let evented =
            !perOrder && d.events.range(ofRow: row).contains { Int64(d.events.day[$0]) >= start && Int64(d.events.day[$0]) < end }
        v.activeCustomers = !mine.isEmpty || evented ? 1 : 0
        v.orders = paid.count
        v.buyers = paid.isEmpty ? 0 : 1
        v.repeatBuyers = paid.count > 1 ? 1 : 0
        v.netRevenue = paid.reduce(0) { $0 + o.amount[$1] }
        v.gmv = v.netRevenue + mine.filter { o.status[$0] == pending }.reduce(0) { $0 + o.amount[$1] }
        if let firstPaid, !paid.isEmpty, firstPaid >= start, firstPaid < end { v.newCustomers = 1 }
        if !paid.isEmpty {
            v.lifetimeRevenue = range.filter { o.status[$0] == completed && Int64(o.day[$0]) < end }.reduce(0) {
                $0 + o.amount[$1]
            }
        }
        if !perOrder {
            let p = d.points
            for k in p.offsets[row]..<p.offsets[row + 1] where Int64(p.day[k]) >= start && Int64(p.day[k]) < end {
                v.pointsIssued += p.issued[k]
                v.pointsRedeemed += p.redeemed[k]
                v.pointsExpired += p.expired[k]
            }
            v.pointEarners = v.pointsIssued > 0 ? 1 : 0
            v.pointRedeemers = v.pointsRedeemed > 0 ? 1 : 0
        }
        return (v, row)
    }

    static func sum(_ a: KPIValues, _ b: KPIValues) -> KPIValues {
        var s = a
        s.newCustomers += b.newCustomers
        s.activeCustomers += b.activeCustomers
        s.buyers += b.buyers
        s.repeatBuyers += b.repeatBuyers
        s.orders += b.orders
        s.gmv += b.gmv
        s.netRevenue += b.netRevenue
        s.lifetimeRevenue += b.lifetimeRevenue
        s.pointsIssued += b.pointsIssued
        s.pointsRedeemed += b.pointsRedeemed
        s.pointsExpired += b.pointsExpired
        s.pointEarners += b.pointEarners
        s.pointRedeemers += b.pointRedeemers
        return s
    }

    static func cell(
        _ d: InsightDataset, rows: [Int], start: Int64, end: Int64, dimension: InsightDimension?, group: String?
    ) -> KPIValues {
        rows.compactMap { reference(d, row: $0, start: start, end: end, dimension: dimension, group: group) }
            .reduce(KPIValues()) { sum($0, $1.values) }
    }

    @Test(arguments: [1, 2, 3])
    func reportAndDrillDownEqualTheDefinitions(seed: UInt64) throws {
        let d = Self.dataset(seed: seed, rows: 300)
        var random = SplitMix64(seed: seed &+ 99)
        var filter = BitVector(count: d.rowCount)
        for row in 0..<d.rowCount where random.next() % 4 != 0 { filter[row] = true }
        let rows = filter.setRows
        let labels: [InsightDimension: [String]] = [
            .channel: ["app", "store", "web"], .category: ["A", "B", "C"], .attribute("city"): ["上海", "北京"],
            .tag: ["north", "vip"],
        ]
        for (from, to, grain) in [(Int64(60), Int64(90), KPIGrain?.none), (30, 100, .week), (0, 120, .month)] {
            for dimension in [InsightDimension?.none, .channel, .category, .attribute("city"), .tag] {
                let report = try KPIs.report(d, from: from, to: to, grain: grain, breakdown: dimension, filter: filter)
                #expect(report.total == Self.cell(d, rows: rows, start: from, end: to, dimension: nil, group: nil))
                #expect(
                    report.previous
                        == Self.cell(d, rows: rows, start: 2 * from - to, end: from, dimension: nil, group: nil))
                let starts = grain.map { KPIs.bucketStarts(from: from, to: to, grain: $0) } ?? []
                #expect(report.series.count == starts.count)
                for (index, bucket) in report.series.enumerated() {
                    let end = index + 1 < starts.count ? starts[index + 1] : to
                    #expect(
                        bucket.values == Self.cell(d, rows: rows, start: bucket.start, end: end, dimension: nil, group: nil))
                }
                #expect(report.pointsByGroup == (dimension != nil && dimension != .channel && dimension != .category))
                if let dimension {
                    var expected: [String: KPIValues] = [:]
                    for label in labels[dimension]! {
                        let v = Self.cell(d, rows: rows, start: from, end: to, dimension: dimension, group: label)
                        if !v.isEmpty { expected[label] = v }
                    }
                    let got = Dictionary(uniqueKeysWithValues: report.breakdown.map { ($0.label, $0.values) })
                    #expect(got == expected, "\(dimension)")
                }
                // Drill-down: every measure, the total and each group.
                for measure in KPIMeasure.allCases {
                    for group in [nil] + (dimension.map { labels[$0]! } ?? []) {
                        if measure.isPoints, group != nil, dimension == .channel || dimension == .category {
                            #expect(throws: PanoramaError.self) {
                                try KPIs.customers(
                                    d, from: from, to: to, measure: measure, dimension: dimension, group: group,
                                    filter: filter)
                            }
                            continue
                        }
                        let got = try KPIs.customers(
                            d, from: from, to: to, measure: measure, dimension: dimension, group: group, filter: filter)
                        let expected = rows.compactMap {
                            Self.reference(d, row: $0, start: from, end: to, dimension: dimension, group: group)
                        }.filter {
                            let v = $0.values
                            return switch measure {
                            case .newCustomers: v.newCustomers > 0
                            case .activeCustomers: v.activeCustomers > 0
                            case .buyers: v.buyers > 0
                            case .repeatBuyers: v.repeatBuyers > 0
                            case .pointEarners: v.pointEarners > 0
                            case .pointRedeemers: v.pointRedeemers > 0
                            }
                        }.map(\.row)
                        #expect(got == expected, "\(measure) \(String(describing: dimension)) \(group ?? "-")")
                    }
                }
            }
        }
    }

    /// Several entries of a row and day are summed; rows without entries are empty.
    @Test func pointDaysSumsPerRowAndDay() {
        let p = PointDays(rows: 3, entries: [(2, 5, 10, 0, 0), (0, 7, 1, 2, 3), (2, 5, 5, 1, 0), (2, 4, 0, 0, 9)])
        #expect(p.offsets == [0, 1, 1, 3] && p.day == [7, 4, 5])
        #expect(p.issued == [1, 0, 15] && p.redeemed == [2, 0, 1] && p.expired == [3, 9, 0])
        #expect(p.isLoaded(forRows: 3) && !PointDays().isLoaded(forRows: 3))
    }
}
