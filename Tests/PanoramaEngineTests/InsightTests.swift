import Foundation
import PanoramaCore
import Testing

@testable import PanoramaEngine

/// Customer-insight analyses on small hand-computed data (every expected number worked out by
/// hand in the comments) and on the real CDNOW purchases.
@Suite struct InsightTests {
    static func day(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 { Timestamp.days(fromCivil: y, m, d) }
    static func seconds(_ y: Int64, _ m: Int64, _ d: Int64, hour: Int64 = 12) -> Int64 {
        day(y, m, d) * 86_400 + hour * 3600
    }

    /// Four customers (UTC days):
    /// - row 0, 上海, 金卡会员: paid 100.00 app 01-15 [A, B]; paid 200.00 app 03-05 [A]; paid 50.00 store
    ///   03-20 [B]; viewed a product 03-02.
    /// - row 1, 北京, 普通会员: paid 80.00 store 03-10 [A]; pending 30.00 store 03-12 [B]; refunded app
    ///   03-15 [C].
    /// - row 2, 上海: paid 40.00 app 02-10 [C]; viewed a product 03-25.
    /// - row 3, no city: cancelled 60.00 app 03-31 [A]; paid 70.00 app 04-01 [A, C].
    static func shop() -> InsightDataset {
        var orders = OrderColumns(utcOffsetSeconds: 0)
        var events = EventColumns(utcOffsetSeconds: 0)
        typealias R = OrderColumns.Record
        orders.appendCustomer([
            R(timestamp: seconds(2026, 1, 15), amount: 10_000, channel: "app"),
            R(timestamp: seconds(2026, 3, 5), amount: 20_000, channel: "app"),
            R(timestamp: seconds(2026, 3, 20), amount: 5_000, channel: "store"),
        ])
        orders.appendCustomer([
            R(timestamp: seconds(2026, 3, 10), amount: 8_000, channel: "store"),
            R(timestamp: seconds(2026, 3, 12), amount: 3_000, channel: "store", status: .pending),
            R(timestamp: seconds(2026, 3, 15), amount: 0, channel: "app", status: .refunded),
        ])
        orders.appendCustomer([R(timestamp: seconds(2026, 2, 10), amount: 4_000, channel: "app")])
        orders.appendCustomer([
            R(timestamp: seconds(2026, 3, 31), amount: 6_000, channel: "app", status: .cancelled),
            R(timestamp: seconds(2026, 4, 1), amount: 7_000, channel: "app"),
        ])
        events.appendCustomer([EventColumns.Record(timestamp: seconds(2026, 3, 2), name: "Product Viewed")])
        events.appendCustomer([])
        events.appendCustomer([EventColumns.Record(timestamp: seconds(2026, 3, 25), name: "Product Viewed")])
        events.appendCustomer([])
        var city = Column(type: .string, count: 4)
        city.set(0, string: "上海")
        city.set(1, string: "北京")
        city.set(2, string: "上海")
        var tier = Column(type: .string, count: 4)
        tier.set(0, string: "金卡会员")
        tier.set(1, string: "普通会员")
        var dataset = InsightDataset(
            orders: orders, events: events, attributes: ["city": city, "tier": tier],
            memberships: ["tag": [("vip", RoaringBitmap([0, 3])), ("north", RoaringBitmap([1]))]],
            today: day(2026, 4, 1))
        dataset.categories = OrderItems([["A", "B"], ["A"], ["B"], ["A"], ["B"], ["C"], ["C"], ["A"], ["A", "C"]])
        return dataset
    }

    static let march = (from: day(2026, 3, 1), to: day(2026, 4, 1))

    @Test func kpiTotalsAndPreviousPeriod() throws {
        let report = try KPIs.report(Self.shop(), from: Self.march.from, to: Self.march.to)
        let t = report.total
        // Buyers: rows 0 (two paid orders: repeat) and 1 (first paid order ever on 03-10: new).
        // Active: all four (row 2 by its event, row 3 by its cancelled order).
        #expect(t.newCustomers == 1 && t.activeCustomers == 4 && t.buyers == 2 && t.repeatBuyers == 1)
        // Paid: 200 + 50 + 80; GMV adds the pending 30.
        #expect(t.orders == 3 && t.netRevenue == 33_000 && t.gmv == 36_000)
        #expect(t.averageOrderValue == 11_000 && t.repurchaseRate == 0.5)
        // Lifetime to 03-31: row 0 100 + 200 + 50, row 1 80 → (350 + 80) / 2 = 215.
        #expect(t.lifetimeRevenue == 43_000 && t.averageLifetimeValue == 21_500)
        // The previous 31 days (01-29 ..< 03-01): row 2's first order, 40.00.
        let p = report.previous
        #expect(p.buyers == 1 && p.newCustomers == 1 && p.activeCustomers == 1 && p.netRevenue == 4_000)
        #expect(
            report.membersByTier.map(\.tier) == ["金卡会员", "普通会员"] && report.membersByTier.map(\.customers) == [1, 1])
    }

    @Test func kpiBreakdownByChannelAndCity() throws {
        let dataset = Self.shop()
        let byChannel = try KPIs.report(dataset, from: Self.march.from, to: Self.march.to, breakdown: .channel)
        let app = try #require(byChannel.breakdown.first { $0.label == "app" }?.values)
        let store = try #require(byChannel.breakdown.first { $0.label == "store" }?.values)
        // app: row 0's 200 paid; rows 1 (refunded) and 3 (cancelled) placed app orders.
        #expect(app.activeCustomers == 3 && app.buyers == 1 && app.orders == 1 && app.netRevenue == 20_000)
        #expect(app.newCustomers == 0 && app.lifetimeRevenue == 35_000)
        // store: row 0's 50 and row 1's 80 paid, row 1's 30 pending.
        #expect(store.activeCustomers == 2 && store.buyers == 2 && store.repeatBuyers == 0 && store.orders == 2)
        #expect(store.netRevenue == 13_000 && store.gmv == 16_000 && store.newCustomers == 1)
        #expect(store.lifetimeRevenue == 43_000)
        let byCity = try KPIs.report(dataset, from: Self.march.from, to: Self.march.to, breakdown: .attribute("city"))
        let shanghai = try #require(byCity.breakdown.first { $0.label == "上海" }?.values)
        let beijing = try #require(byCity.breakdown.first { $0.label == "北京" }?.values)
        #expect(shanghai.activeCustomers == 2 && shanghai.buyers == 1 && shanghai.repeatBuyers == 1)
        #expect(shanghai.netRevenue == 25_000 && shanghai.newCustomers == 0)
        #expect(beijing.buyers == 1 && beijing.newCustomers == 1 && beijing.gmv == 11_000)
        let byTag = try KPIs.report(dataset, from: Self.march.from, to: Self.march.to, breakdown: .tag)
        // vip = rows 0 and 3: both active, row 0 buys.
        let vip = try #require(byTag.breakdown.first { $0.label == "vip" }?.values)
        #expect(vip.activeCustomers == 2 && vip.buyers == 1 && vip.netRevenue == 25_000)
        // category: an order counts under each of its categories.
        let byCategory = try KPIs.report(dataset, from: Self.march.from, to: Self.march.to, breakdown: .category)
        let a = try #require(byCategory.breakdown.first { $0.label == "A" }?.values)
        // A in March: row 0's 200 (paid), row 1's 80 (paid), row 3's cancelled order.
        #expect(a.buyers == 2 && a.orders == 2 && a.netRevenue == 28_000 && a.activeCustomers == 3)
        #expect(throws: PanoramaError.self) { try KPIs.report(dataset, from: 10, to: 10) }
        #expect(throws: PanoramaError.self) {
            try KPIs.report(dataset, from: Self.march.from, to: Self.march.to, breakdown: .attribute("nope"))
        }
    }

    @Test func kpiDrillDownAndScope() throws {
        let dataset = Self.shop()
        let (from, to) = Self.march
        #expect(try KPIs.customers(dataset, from: from, to: to, measure: .buyers) == [0, 1])
        #expect(try KPIs.customers(dataset, from: from, to: to, measure: .newCustomers) == [1])
        #expect(try KPIs.customers(dataset, from: from, to: to, measure: .repeatBuyers) == [0])
        #expect(
            try KPIs.customers(
                dataset, from: from, to: to, measure: .activeCustomers, dimension: .channel, group: "app")
                == [0, 1, 3])
        #expect(
            try KPIs.customers(dataset, from: from, to: to, measure: .buyers, dimension: .channel, group: "x") == [])
        // A scope of rows 1 and 2 sees only them.
        var scope = BitVector(count: 4)
        scope[1] = true
        scope[2] = true
        let scoped = try KPIs.report(dataset, from: from, to: to, filter: scope).total
        #expect(scoped.activeCustomers == 2 && scoped.buyers == 1 && scoped.netRevenue == 8_000)
        #expect(try KPIs.customers(dataset, from: from, to: to, measure: .activeCustomers, filter: scope) == [1, 2])
    }

    @Test func kpiSeriesByGrain() throws {
        // 2026-03-01 is a Sunday: weeks start 03-01 (partial), 03-02, 03-09.
        #expect(
            KPIs.bucketStarts(from: Self.day(2026, 3, 1), to: Self.day(2026, 3, 16), grain: .week)
                == [Self.day(2026, 3, 1), Self.day(2026, 3, 2), Self.day(2026, 3, 9)])
        #expect(
            KPIs.bucketStarts(from: Self.day(2026, 1, 20), to: Self.day(2026, 3, 2), grain: .month)
                == [Self.day(2026, 1, 20), Self.day(2026, 2, 1), Self.day(2026, 3, 1)])
        let report = try KPIs.report(Self.shop(), from: Self.day(2026, 1, 1), to: Self.day(2026, 4, 1), grain: .month)
        #expect(report.series.map(\.values.buyers) == [1, 1, 2])
        #expect(report.series.map(\.values.newCustomers) == [1, 1, 1])
        #expect(report.series.map(\.values.netRevenue) == [10_000, 4_000, 33_000])
        // Lifetime at each month's end: Jan 100 (row 0); Feb 40 (row 2); Mar 350 + 80.
        #expect(report.series.map(\.values.lifetimeRevenue) == [10_000, 4_000, 43_000])
        let days = try KPIs.report(Self.shop(), from: Self.day(2026, 3, 1), to: Self.day(2026, 3, 11), grain: .day)
        #expect(days.series.count == 10 && days.series.map(\.values.orders).reduce(0, +) == 2)
    }

    /// Rows 0 … 4: row i has i + 1 paid orders of 100 (i + 1) each on days T − 10 (4 − i) − 3j;
    /// row 5 never buys. Five buyers, each strictly better than the previous in R, F and M.
    static func ladder(today: Int64) -> InsightDataset {
        var orders = OrderColumns(utcOffsetSeconds: 0)
        for i in 0..<5 {
            let last = today - Int64(10 * (4 - i))
            orders.appendCustomer(
                (0...i).map { j in
                    OrderColumns.Record(timestamp: (last - Int64(3 * j)) * 86_400, amount: Int64(10_000 * (i + 1)))
                })
        }
        orders.appendCustomer([])
        var events = EventColumns(utcOffsetSeconds: 0)
        events.appendEmptyCustomers(6)
        return InsightDataset(orders: orders, events: events, today: today)
    }

    @Test func rfmMatrixSegmentsAndMovement() throws {
        let today = Self.day(2026, 6, 30)
        let dataset = Self.ladder(today: today)
        let report = RFMAnalysis.report(dataset)
        #expect(report.buyers == 5)
        // Score = 1 + buyers strictly worse: row i scores i + 1 in each; M of row i is (i + 1)² × 100.
        for i in 0..<5 {
            #expect(
                report.cells[i][i].customers == 1 && report.cells[i][i].monetary == Int64((i + 1) * (i + 1) * 10_000))
        }
        #expect(report.cells.flatMap { $0 }.map(\.customers).reduce(0, +) == 5)
        let size = Dictionary(uniqueKeysWithValues: report.segments.map { ($0.segment, $0) })
        // Grid: (1,1) Lost, (2,2) Hibernating, (3,3) Need Attention, (4,4) and (5,5) Champions.
        #expect(size[.lost]?.customers == 1 && size[.hibernating]?.customers == 1)
        #expect(size[.needAttention]?.customers == 1 && size[.champions]?.customers == 2)
        #expect(size[.champions]?.revenue == 410_000 && abs(size[.champions]!.revenueShare - 41.0 / 55) < 1e-12)
        #expect(abs(size[.champions]!.customerShare - 0.4) < 1e-12)
        // On T − 25: row 0 (1 order, last T − 40), row 1 (2 orders, 400, last T − 30), row 2 (1
        // order, 300, T − 26). R: 1, 1 + ⌊5/3⌋ = 2, 1 + ⌊10/3⌋ = 4; F: 1, 4, 1; M: 1, 4, 2 →
        // Lost, At Risk (R2 FM4), Potential Loyalist (R4 FM2).
        let moved = try RFMAnalysis.movement(dataset, from: today - 25, to: today)
        let none = RFMMovement.noneIndex
        #expect(moved.counts[RFMSegment.lost.rawValue][RFMSegment.lost.rawValue] == 1)
        #expect(moved.counts[RFMSegment.atRisk.rawValue][RFMSegment.hibernating.rawValue] == 1)
        #expect(moved.counts[RFMSegment.potentialLoyalist.rawValue][RFMSegment.needAttention.rawValue] == 1)
        #expect(moved.counts[none][RFMSegment.champions.rawValue] == 2 && moved.counts[none][none] == 1)
        #expect(moved.counts.flatMap { $0 }.reduce(0, +) == 6)
        #expect(throws: PanoramaError.self) { try RFMAnalysis.movement(dataset, from: today, to: today) }
    }

    @Test func cohortTriangle() throws {
        let dataset = Self.shop()
        let january = InsightCalendar.month(ofDay: Self.day(2026, 1, 1))
        let triangle = try Cohorts.triangle(dataset, firstMonth: january, months: 3)
        // Jan: row 0 (buys Jan and Mar); Feb: row 2; Mar: row 1; row 3 first buys in April.
        #expect(triangle.cohorts.map(\.customers) == [1, 1, 1])
        #expect(triangle.cohorts.map(\.active) == [[1, 0, 1], [1, 0], [1]])
        #expect(triangle.cohorts.map(\.revenue) == [[10_000, 0, 25_000], [4_000, 0], [8_000]])
        #expect(triangle.cohorts[0].retention == [1, 0, 1])
        // First seen: row 3's cancelled order on 03-31 puts it in March; it pays only in April.
        let seen = try Cohorts.triangle(dataset, firstMonth: january, months: 3, basis: .firstSeen)
        #expect(seen.cohorts.map(\.customers) == [1, 1, 2] && seen.cohorts[2].active == [1])
        #expect(
            InsightCalendar.label(ofMonth: january) == "2026-01" && InsightCalendar.month(parsing: "2026-01") == january
        )
        #expect(throws: PanoramaError.self) { try Cohorts.triangle(dataset, firstMonth: january, months: 0) }
    }

    @Test func repurchaseIntervals() throws {
        let (overall, categories) = try RepurchaseAnalysis.report(
            Self.shop(), from: Self.day(2026, 1, 1), to: Self.day(2026, 4, 2))
        // Row 0: 01-15 → 03-05 (49 days) → 03-20 (15); row 3's paid orders: one.
        #expect(overall.intervals == 2 && overall.customers == 1 && overall.meanDays == 32)
        #expect(overall.p25 == 15 && overall.median == 15 && overall.p75 == 49 && overall.p90 == 49)
        #expect(overall.buckets == [0, 0, 1, 1, 0, 0, 0, 0])
        // A: row 0 01-15 → 03-05 (49); B: row 0 01-15 → 03-20 (64); C: row 2 02-10, row 3 04-01: other customers.
        let byLabel = Dictionary(uniqueKeysWithValues: categories.map { ($0.label!, $0) })
        #expect(byLabel["A"]?.intervals == 1 && byLabel["A"]?.median == 49)
        #expect(byLabel["B"]?.median == 64 && byLabel["C"] == nil)
        #expect(RepurchaseAnalysis.bucketLabels.first == "0-7" && RepurchaseAnalysis.bucketLabels.last == ">365")
    }

    @Test func funnelStepsWindowAndDropOff() throws {
        var events = EventColumns(utcOffsetSeconds: 0)
        let t0 = Self.seconds(2026, 3, 3)
        typealias E = EventColumns.Record
        // Row 0: view, cart, pay within hours → 3. Row 1: view, pay, cart → 2 (pay before cart).
        // Row 2: view then cart two days later (outside a one-day window); a second view on day 3
        // with a cart an hour later → 2. Row 3: a cart only → 0.
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 3600, name: "cart"), E(timestamp: t0 + 7200, name: "pay"),
        ])
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 3600, name: "pay"), E(timestamp: t0 + 7200, name: "cart"),
        ])
        events.appendCustomer([
            E(timestamp: t0, name: "view"), E(timestamp: t0 + 2 * 86_400, name: "cart"),
            E(timestamp: t0 + 3 * 86_400, name: "view"), E(timestamp: t0 + 3 * 86_400 + 3600, name: "cart"),
        ])
        events.appendCustomer([E(timestamp: t0, name: "cart")])
        var orders = OrderColumns(utcOffsetSeconds: 0)
        orders.appendEmptyCustomers(4)
        var city = Column(type: .string, count: 4)
        city.set(0, string: "上海")
        city.set(1, string: "北京")
        city.set(2, string: "上海")
        let dataset = InsightDataset(
            orders: orders, events: events, attributes: ["city": city], today: Self.day(2026, 3, 31))
        let (from, to) = Self.march
        let report = try Funnel.report(
            dataset, steps: ["view", "cart", "pay"], from: from, to: to, windowDays: 1, breakdown: .attribute("city"))
        #expect(report.counts == [3, 3, 1])
        #expect(report.conversion == [1, 1, 1.0 / 3] && report.stepConversion == [1, 1, 1.0 / 3])
        #expect(report.breakdown.first { $0.label == "上海" }?.counts == [2, 2, 1])
        #expect(report.breakdown.first { $0.label == "北京" }?.counts == [1, 1, 0])
        #expect(
            try Funnel.dropped(dataset, steps: ["view", "cart", "pay"], from: from, to: to, windowDays: 1, atStep: 2)
                == [1, 2])
        // With a three-day window row 2's first entry reaches the cart too; still no pay.
        #expect(
            try Funnel.report(dataset, steps: ["view", "cart", "pay"], from: from, to: to, windowDays: 3).counts == [
                3, 3, 1,
            ])
        // An entry must fall in the period: from 03-04 only row 2's second view enters.
        #expect(
            try Funnel.report(dataset, steps: ["view", "cart"], from: Self.day(2026, 3, 4), to: to, windowDays: 1)
                .counts == [1, 1])
        #expect(
            try Funnel.report(dataset, steps: ["view", "nothing"], from: from, to: to, windowDays: 1).counts == [3, 0])
        #expect(throws: PanoramaError.self) { try Funnel.report(dataset, steps: [], from: from, to: to, windowDays: 1) }
        #expect(throws: PanoramaError.self) {
            try Funnel.dropped(dataset, steps: ["view", "cart"], from: from, to: to, windowDays: 1, atStep: 2)
        }
    }

    /// The classic five-basket example: {bread, milk}, {bread, diaper, beer, eggs}, {milk, diaper,
    /// beer, cola}, {bread, milk, diaper, beer}, {bread, milk, diaper, cola}.
    @Test func basketRulesOnTheClassicExample() {
        let names = ["bread", "milk", "diaper", "beer", "eggs", "cola"]
        let t: [[Int32]] = [[0, 1], [0, 2, 3, 4], [1, 2, 3, 5], [0, 1, 2, 3], [0, 1, 2, 5]]
        // Support ≥ 0.6 (3 baskets): four items and the pairs bread-milk, bread-diaper, milk-diaper, diaper-beer.
        let itemsets = BasketAnalysis.frequentItemsets(t, minCount: 3, maxLength: 3)
        #expect(itemsets == [[0]: 4, [1]: 4, [2]: 4, [3]: 3, [0, 1]: 3, [0, 2]: 3, [1, 2]: 3, [2, 3]: 3])
        let rules = BasketAnalysis.rules(
            t, thresholds: BasketAnalysis.Thresholds(minSupport: 0.6, minConfidence: 0.7, minLift: 1), names: names)
        // beer → diaper: 3/3, lift 1 / 0.8 = 1.25; diaper → beer: 3/4, lift 0.75 / 0.6 = 1.25. The
        // others (bread → milk …) have confidence 0.75 but lift 0.9375.
        #expect(rules.map { "\($0.antecedent) → \($0.consequent)" } == ["[\"beer\"] → diaper", "[\"diaper\"] → beer"])
        #expect(rules[0].confidence == 1 && abs(rules[0].lift - 1.25) < 1e-12 && rules[0].support == 0.6)
        #expect(abs(rules[1].confidence - 0.75) < 1e-12 && abs(rules[1].lift - 1.25) < 1e-12)
        #expect(BasketAnalysis.recommendations(rules, for: "beer").map(\.consequent) == ["diaper"])
        // Lower support: {milk, diaper, beer} (2 baskets) appears.
        let more = BasketAnalysis.frequentItemsets(t, minCount: 2, maxLength: 3)
        #expect(more[[1, 2, 3]] == 2 && more[[0, 1, 2]] == 2 && more[[0, 1, 2, 3]] == nil)
    }

    /// FP-Growth finds exactly the itemsets a brute-force count finds, on random baskets.
    @Test func fpGrowthAgreesWithBruteForce() {
        var random = Xoshiro256(seed: 7)
        for _ in 0..<20 {
            let transactions: [[Int32]] = (0..<60).map { _ in
                Array(Set((0..<(1 + random.below(5))).map { _ in Int32(random.below(8)) })).sorted()
            }
            let minCount = 2 + random.below(6)
            let found = BasketAnalysis.frequentItemsets(transactions, minCount: minCount, maxLength: 3)
            var expected: [[Int32]: Int] = [:]
            for a in 0..<8 {
                for b in a..<8 {
                    for c in b..<8 {
                        let set = Array(Set([Int32(a), Int32(b), Int32(c)])).sorted()
                        let n = transactions.filter { tx in set.allSatisfy(tx.contains) }.count
                        if n >= minCount { expected[set] = n }
                    }
                }
            }
            #expect(found == expected)
        }
    }

    /// The dataset path (orders cut to their frequent items and equal ones counted once, as bit
    /// sets up to 64 frequent items, as lists beyond) finds the same rules as mining every order's
    /// items, on random shops of 8 and of 120 items.
    @Test func basketOverTheDatasetAgreesWithMiningEveryOrder() throws {
        var random = Xoshiro256(seed: 11)
        var withRules = 0
        for universe in [8, 120, 8, 120] {
            var orders = OrderColumns(utcOffsetSeconds: 0)
            var perOrder: [[String]] = []
            let statuses: [OrderColumns.Status] = [.completed, .completed, .completed, .pending]
            for _ in 0..<300 {
                let records = (0..<random.below(4)).map { _ in
                    OrderColumns.Record(
                        timestamp: Self.seconds(2026, 1, 1) + Int64(random.below(120)) * 86_400, amount: 100,
                        status: statuses[random.below(statuses.count)])
                }
                orders.appendCustomer(records)
                for _ in records {
                    // Skewed: low codes are frequent, most high ones rare; some orders have none.
                    perOrder.append(
                        (0..<random.below(5)).map { _ in "i\(min(random.below(universe), random.below(universe)))" })
                }
            }
            var events = EventColumns(utcOffsetSeconds: 0)
            events.appendEmptyCustomers(orders.rowCount)
            var dataset = InsightDataset(orders: orders, events: events, today: Self.day(2026, 5, 1))
            dataset.categories = OrderItems(perOrder)
            let (from, to) = (Self.day(2026, 1, 20), Self.day(2026, 4, 1))
            // Every paid order of the period with items, as the analysis used to collect them.
            var transactions: [[Int32]] = []
            for row in 0..<dataset.rowCount {
                for o in orders.range(ofRow: row) where orders.status[o] == OrderColumns.Status.completed.rawValue {
                    let day = Int64(orders.day[o])
                    if day >= from, day < to, !dataset.categories.of(o).isEmpty {
                        transactions.append(Array(dataset.categories.of(o)))
                    }
                }
            }
            for minSupport in [0.002, 0.01, 0.05] {
                let thresholds = BasketAnalysis.Thresholds(minSupport: minSupport, minConfidence: 0, minLift: 0)
                let found = try BasketAnalysis.rules(
                    dataset, level: .category, from: from, to: to, thresholds: thresholds)
                #expect(found.orders == transactions.count)
                let expected = BasketAnalysis.rules(
                    transactions, thresholds: thresholds, names: dataset.categories.dictionary.strings)
                #expect(found.rules == expected)
                if !expected.isEmpty { withRules += 1 }
            }
        }
        // Most of the 12 cases have rules to compare (the rarest items at 5 % may have none).
        #expect(withRules >= 8)
    }

    /// The counting sort of the repurchase intervals sorts like a comparison sort.
    @Test func intervalsSortByCounting() {
        var random = Xoshiro256(seed: 3)
        for size in [0, 1, 65, 1000] {
            let intervals = (0..<size).map { _ in random.below(800) }
            #expect(RepurchaseAnalysis.countingSorted(intervals) == intervals.sorted())
        }
        #expect(RepurchaseAnalysis.countingSorted([5, 1 << 40, 3]) == [3, 5, 1 << 40])
    }

    @Test func basketOverTheDatasetRespectsPeriodAndStatus() throws {
        // Paid orders Jan–Apr 1: [A,B], [A], [B], [A] (row 1), [C] (row 2), [A,C] (row 3).
        let (orders, rules) = try BasketAnalysis.rules(
            Self.shop(), level: .category, from: Self.day(2026, 1, 1), to: Self.day(2026, 4, 2),
            thresholds: BasketAnalysis.Thresholds(minSupport: 1.0 / 6, minConfidence: 0, minLift: 0, maxLength: 2))
        #expect(orders == 6)
        let ab = try #require(rules.first { $0.antecedent == ["B"] && $0.consequent == "A" })
        // A in 4 of 6, B in 2, both in 1: confidence 1/2, lift (1/2) / (4/6) = 0.75.
        #expect(ab.orders == 1 && ab.confidence == 0.5 && abs(ab.lift - 0.75) < 1e-12)
        #expect(throws: PanoramaError.self) {
            try BasketAnalysis.rules(Self.shop(), level: .product, from: 0, to: 10)
        }
    }

    @Test func predictionsFromFittedModels() {
        let model = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let spend = GammaGamma(p: 6.25, q: 3.74, gamma: 15.44)
        // A one-time buyer is alive for sure; P(no purchase in 13 weeks) = (α + T)/(α + T + 13))^r.
        let once = PurchaseSummary(x: 0, tx: 0, T: 20)
        let p = CLVScoring.predict(once, frequency: model, spend: spend, horizonWeeks: 13, today: 1000)
        #expect(p.probabilityAlive == 1)
        #expect(abs(p.churnRisk - pow((4.414 + 20) / (4.414 + 33), 0.243)) < 1e-12)
        // r + x ≤ 1: the posterior mean gap is unbounded.
        #expect(p.nextPurchaseDay == nil)
        // A repeat buyer: gap (α + T)/(r + x − 1) weeks; spend = E[purchases] × shrunk mean.
        let often = PurchaseSummary(x: 6, tx: 19, T: 20, meanValue: 30)
        let q = CLVScoring.predict(often, frequency: model, spend: spend, horizonWeeks: 13, today: 1000)
        #expect(q.nextPurchaseDay == 1000 + Int64(((4.414 + 20) / (0.243 + 5) * 7).rounded()))
        let purchases = model.expectedPurchases(next: 90.0 / 7, given: often)
        #expect(q.expectedSpend90d == Int64((purchases * spend.expectedMeanValue(often) * 100).rounded()))
        #expect(q.churnRisk < p.churnRisk && q.predictedCLV > q.expectedSpend90d)
    }

    @Test func groupedFitsEqualTheDirectFitsOnCDNOW() throws {
        // The published sample in weeks with two decimals: days are (weeks × 7) rounded, so use
        // the day-exact summaries for both fits.
        let customers = try CLVTests.cdnow().map {
            PurchaseSummary(
                x: $0.x, tx: ($0.tx * 7).rounded() / 7, T: ($0.T * 7).rounded() / 7, meanValue: $0.meanValue)
        }
        let direct = BGNBD.fit(customers)
        let grouped = CLVScoring.fitFrequency(customers)
        #expect(grouped.distinct < customers.count)
        for (a, b) in [
            (direct.r, grouped.model.r), (direct.alpha, grouped.model.alpha), (direct.a, grouped.model.a),
            (direct.b, grouped.model.b),
        ] {
            #expect(abs(a - b) / a < 1e-4, "\(a) vs \(b)")
        }
        let spend = GammaGamma.fit(customers)
        let fast = CLVScoring.fitSpend(customers)
        for (a, b) in [(spend.p, fast.p), (spend.q, fast.q), (spend.gamma, fast.gamma)] {
            #expect(abs(a - b) / a < 1e-4, "\(a) vs \(b)")
        }
    }

    // MARK: CDNOW

    /// All 69,659 CDNOW purchase rows as a dataset (a row per customer, UTC days, cents).
    static func cdnow() throws -> (dataset: InsightDataset, rows: [(customer: Int, day: Int64, cents: Int64)]) {
        let shared = ProcessInfo.processInfo.environment["PANORAMA_SHARED"] ?? "../shared"
        let text = try String(contentsOfFile: shared + "/data/cdnow/CDNOW_master.txt", encoding: .utf8)
        var rows: [(Int, Int64, Int64)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count == 4, let id = Int(f[0]), let date = Int64(f[1]), let dollars = Decimal(string: String(f[3]))
            else {
                continue
            }
            let cents = NSDecimalNumber(decimal: dollars * 100).int64Value
            rows.append((id, day(date / 10_000, date / 100 % 100, date % 100), cents))
        }
        var byCustomer: [Int: [OrderColumns.Record]] = [:]
        for (id, d, cents) in rows {
            byCustomer[id, default: []].append(OrderColumns.Record(timestamp: d * 86_400, amount: cents))
        }
        var orders = OrderColumns(utcOffsetSeconds: 0)
        for id in byCustomer.keys.sorted() { orders.appendCustomer(byCustomer[id]!) }
        var events = EventColumns(utcOffsetSeconds: 0)
        events.appendEmptyCustomers(orders.rowCount)
        return (InsightDataset(orders: orders, events: events, today: day(1998, 6, 30)), rows)
    }

    @Test func cdnowTotalsCohortsAndRFM() throws {
        let (dataset, rows) = try Self.cdnow()
        #expect(rows.count == 69_659 && dataset.rowCount == 23_570)
        let totalCents = rows.reduce(Int64(0)) { $0 + $1.cents }
        // KPIs over the whole history equal the file's sums.
        let all = try KPIs.report(dataset, from: Self.day(1997, 1, 1), to: Self.day(1998, 7, 1)).total
        #expect(
            all.orders == 69_659 && all.netRevenue == totalCents && all.buyers == 23_570 && all.newCustomers == 23_570)
        // March 1998 against an independent count.
        let (from, to) = (Self.day(1998, 3, 1), Self.day(1998, 4, 1))
        let march = rows.filter { $0.day >= from && $0.day < to }
        let month = try KPIs.report(dataset, from: from, to: to).total
        #expect(month.orders == march.count && month.netRevenue == march.reduce(0) { $0 + $1.cents })
        #expect(month.buyers == Set(march.map(\.customer)).count && month.newCustomers == 0)
        // Everyone first bought in Q1 1997: three cohorts whose sizes add up to all customers, and
        // whose revenue over 18 months adds up to the file's total.
        let triangle = try Cohorts.triangle(
            dataset, firstMonth: InsightCalendar.month(ofDay: Self.day(1997, 1, 1)), months: 18)
        #expect(triangle.cohorts.prefix(3).map(\.customers).reduce(0, +) == 23_570)
        #expect(triangle.cohorts.dropFirst(3).allSatisfy { $0.customers == 0 })
        #expect(triangle.cohorts.flatMap(\.revenue).reduce(0, +) == totalCents)
        #expect(triangle.cohorts.prefix(3).allSatisfy { $0.active[0] == $0.customers })
        // RFM: every customer scored; segments add up; champions spend more than the lost.
        let rfm = RFMAnalysis.report(dataset)
        #expect(rfm.buyers == 23_570 && rfm.segments.map(\.customers).reduce(0, +) == 23_570)
        #expect(rfm.segments.map(\.revenue).reduce(0, +) == totalCents)
        let seg = Dictionary(uniqueKeysWithValues: rfm.segments.map { ($0.segment, $0) })
        #expect(
            seg[.champions]!.revenue / Int64(seg[.champions]!.customers) > seg[.lost]!.revenue
                / Int64(max(1, seg[.lost]!.customers)))
        // Repurchase: intervals = purchase rows − customers (each customer's first has none).
        let (overall, _) = try RepurchaseAnalysis.report(dataset, from: Self.day(1997, 1, 1), to: Self.day(1998, 7, 1))
        #expect(overall.intervals == 69_659 - 23_570)
    }

    @Test func cdnowClvScoringOnTheCalibrationPeriod() throws {
        let (dataset, rows) = try Self.cdnow()
        // 39 weeks from the first purchases: to 1997-09-30; churn = no purchase in the next 39 weeks.
        let cutoff = Self.day(1997, 9, 30)
        let started = ContinuousClock.now
        let scores = CLVScoring.score(dataset, asOf: cutoff, churnHorizonDays: 273)
        let elapsed = ContinuousClock.now - started
        print(
            "[insights] CDNOW fit and scoring of 23,570 customers: \(elapsed), r \(scores.frequency.r) alpha \(scores.frequency.alpha) a \(scores.frequency.a) b \(scores.frequency.b)"
        )
        #expect(scores.buyers == 23_570)
        // Close to the published sample's fit (BG/NBD on the 2,357-customer 1/10 sample).
        #expect(abs(scores.frequency.r - 0.243) < 0.05 && abs(scores.frequency.alpha - 4.414) < 1)
        let predictions = scores.predictions.compactMap { $0 }
        #expect(
            predictions.count == 23_570
                && predictions.allSatisfy { $0.probabilityAlive > 0 && $0.probabilityAlive <= 1 })
        #expect(predictions.allSatisfy { $0.churnRisk >= 0 && $0.churnRisk <= 1 })
        // Time-based holdout: does a low churn risk rank those who buy again in the next 39 weeks?
        let buyersAfter = Set(rows.filter { $0.day > cutoff && $0.day <= cutoff + 273 }.map(\.customer))
        let ids = Set(rows.map(\.customer)).sorted()  // row r is the r-th smallest customer id
        let auc = ROC.auc(
            scores: scores.predictions.map { 1 - ($0?.churnRisk ?? 1) }, labels: ids.map(buyersAfter.contains))
        print("[insights] CDNOW churn_risk AUC on the 39-week holdout: \(auc)")
        #expect(auc > 0.7)
    }
}
