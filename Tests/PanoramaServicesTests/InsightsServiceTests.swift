import Foundation
import PanoramaCore
import PanoramaEngine
@testable import PanoramaServices
import PanoramaStore
import Testing

/// Customer insight through the services over a real store: orders with lines and events in,
/// KPIs, breakdowns, drill-down, data scope, RFM, cohorts, funnels with a drop-off saved as a tag,
/// repurchase, baskets and predictions out; on SQLite (and PostgreSQL below).
@Suite struct InsightsServiceTests {
    // The harness clock is 2026-09-21 14:13 UTC = 22:13 in Shanghai: today is 2026-09-21.

    func order(
        _ h: Harness, _ id: String, _ user: String, _ placed: String, status: String = "paid",
        _ lines: [(sku: String, category: String, price: String)]
    ) async throws {
        let products = lines.map {
            #"{"sku": "\#($0.sku)", "category": "\#($0.category)", "quantity": 1, "price": \#($0.price)}"#
        }
        let json = #"""
            {"order_id": "\#(id)", "customer": {"user_id": "\#(user)"}, "status": "\#(status)", "channel": "app",
             "placed_at": "\#(placed)T10:00:00+08:00", "products": [\#(products.joined(separator: ", "))]}
            """#
        _ = try await h.services.orders.save(workspaceID: h.workspaceID, body: try JSONParser.parse(json))
    }

    /// u1 (上海, alice): paid 70.00 on 09-01 [tea 50, cup 20], paid 30.00 on 09-10 [tea];
    /// u2 (北京, bob): paid 50.00 on 09-05 [tea 40, cup 10]; u3 (上海, alice): paid 100.00 on 08-15
    /// [cup], pending 25.00 on 09-12 [cup]. u1 viewed a product on 09-09, u2 on 09-20.
    func shop(_ h: Harness) async throws {
        try await h.send(#"{"userId": "u1", "traits": {"city": "上海", "owner": "alice"}}"#, to: .identify)
        try await h.send(#"{"userId": "u2", "traits": {"city": "北京", "owner": "bob"}}"#, to: .identify)
        try await h.send(#"{"userId": "u3", "traits": {"city": "上海", "owner": "alice"}}"#, to: .identify)
        try await order(h, "A-1", "u1", "2026-09-01", [("TEA", "tea", "50"), ("CUP", "ware", "20")])
        try await order(h, "A-2", "u1", "2026-09-10", [("TEA", "tea", "30")])
        try await order(h, "B-1", "u2", "2026-09-05", [("TEA", "tea", "40"), ("CUP", "ware", "10")])
        try await order(h, "C-1", "u3", "2026-08-15", [("CUP", "ware", "100")])
        try await order(h, "C-2", "u3", "2026-09-12", status: "pending", [("CUP", "ware", "25")])
        for (user, day) in [("u1", "2026-09-09"), ("u2", "2026-09-20")] {
            try await h.send(
                #"{"userId": "\#(user)", "event": "Product Viewed", "timestamp": "\#(day)T02:00:00Z"}"#, to: .track)
        }
        try await h.services.audiences.flush()
    }

    static let september = (
        from: InsightCalendar.day(parsing: "2026-09-01")!, to: InsightCalendar.day(parsing: "2026-09-22")!
    )
    static let alice = CustomerScope.owners(["alice"])

    func id(_ h: Harness, _ user: String) async throws -> Int64 { try await h.profile("user_id", user).id }

    @Test func kpisBreakdownsDrillDownAndScope() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let (from, to) = Self.september
            #expect(try await insights.today(workspaceID: w) == InsightCalendar.day(parsing: "2026-09-21"))
            let report = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: .month, breakdown: .attribute("city"), scope: .all)
            let t = report.total
            // Paid in September: A-1, A-2, B-1; C-2 is pending (GMV only); u3 is active by it.
            #expect(t.buyers == 2 && t.newCustomers == 2 && t.repeatBuyers == 1 && t.orders == 3)
            #expect(t.netRevenue == 15_000 && t.gmv == 17_500 && t.activeCustomers == 3)
            #expect(t.averageOrderValue == 5_000 && t.lifetimeRevenue == 15_000)
            // The previous 21 days (08-11 … 08-31): u3's 100.00.
            #expect(report.previous.buyers == 1 && report.previous.netRevenue == 10_000)
            #expect(report.series.count == 1 && report.series[0].values == t)
            let shanghai = try #require(report.breakdown.first { $0.label == "上海" }?.values)
            #expect(shanghai.buyers == 1 && shanghai.netRevenue == 10_000 && shanghai.activeCustomers == 2)
            // By category: an order counts, whole, under each of its categories.
            let byCategory = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: .category, scope: .all)
            let tea = try #require(byCategory.breakdown.first { $0.label == "tea" }?.values)
            let ware = try #require(byCategory.breakdown.first { $0.label == "ware" }?.values)
            #expect(tea.buyers == 2 && tea.orders == 3 && tea.netRevenue == 15_000)
            #expect(ware.buyers == 2 && ware.orders == 2 && ware.netRevenue == 12_000)
            // Drill-down to the customers; a data scope keeps to its customers.
            let buyers = try await insights.kpiCustomers(
                workspaceID: w, from: from, to: to, measure: .buyers, dimension: nil, group: nil, scope: .all, limit: 10
            )
            #expect(Set(buyers.ids) == [try await id(h, "u1"), try await id(h, "u2")] && buyers.size == 2)
            let teaBuyers = try await insights.kpiCustomers(
                workspaceID: w, from: from, to: to, measure: .buyers, dimension: .category, group: "tea",
                scope: Self.alice,
                limit: 10)
            #expect(teaBuyers.ids == [try await id(h, "u1")])
            let scoped = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: Self.alice)
            #expect(scoped.total.buyers == 1 && scoped.total.netRevenue == 10_000 && scoped.total.activeCustomers == 2)
            let nobody = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: .owners(["carol"]))
            #expect(nobody.total == KPIValues())
        }
    }

    @Test func newDataIsSeenAfterTheReloadInterval() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = h.services.insights
            let (from, to) = Self.september
            #expect(
                try await insights.kpis(
                    workspaceID: h.workspaceID, from: from, to: to, grain: nil, breakdown: nil, scope: .all
                ).total.orders == 3)
            try await order(h, "B-2", "u2", "2026-09-21", [("TEA", "tea", "12.5")])
            h.clock.advance(ms: 61_000)
            let after = try await insights.kpis(
                workspaceID: h.workspaceID, from: from, to: to, grain: nil, breakdown: nil, scope: .all)
            #expect(after.total.orders == 4 && after.total.netRevenue == 16_250 && after.total.repeatBuyers == 2)
        }
    }

    /// A large workspace (here: from one customer) reloads in the background: the request after
    /// new data answers from the columns as last loaded, and the new order shows once the reload ran.
    @Test func aLargeWorkspaceReloadsInTheBackground() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = InsightsService(
                store: h.services.store, audiences: h.services.audiences, clock: h.services.clock,
                backgroundReloadFrom: 1)
            let (from, to) = Self.september
            func orders() async throws -> Int {
                try await insights.kpis(
                    workspaceID: h.workspaceID, from: from, to: to, grain: nil, breakdown: nil, scope: .all
                ).total.orders
            }
            #expect(try await orders() == 3)
            try await order(h, "B-2", "u2", "2026-09-21", [("TEA", "tea", "12.5")])
            h.clock.advance(ms: 61_000)
            let meanwhile = try await orders()
            #expect(meanwhile == 3 || meanwhile == 4)
            var seen = meanwhile
            for _ in 0..<500 where seen != 4 {
                try await Task.sleep(for: .milliseconds(20))
                seen = try await orders()
            }
            #expect(seen == 4)
        }
    }

    @Test func rfmCohortsRepurchaseBasketAndPredictions() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let rfm = try await insights.rfm(workspaceID: w, asOf: nil, scope: .all)
            #expect(rfm.buyers == 3 && rfm.segments.map(\.customers).reduce(0, +) == 3)
            #expect(rfm.segments.map(\.revenue).reduce(0, +) == 25_000)
            #expect(try await insights.rfm(workspaceID: w, asOf: nil, scope: Self.alice).buyers == 2)
            let moved = try await insights.rfmMovement(
                workspaceID: w, from: InsightCalendar.day(parsing: "2026-08-31")!,
                to: InsightCalendar.day(parsing: "2026-09-21")!, scope: .all)
            // On 08-31 only u3 had bought: u1 and u2 come from "none".
            #expect(moved.counts[RFMMovement.noneIndex].reduce(0, +) == 2)

            let august = InsightCalendar.month(parsing: "2026-08")!
            let triangle = try await insights.cohorts(
                workspaceID: w, firstMonth: august, months: 2, basis: .firstPurchase, scope: .all)
            #expect(triangle.cohorts.map(\.customers) == [1, 2])
            #expect(triangle.cohorts.map(\.active) == [[1, 0], [2]])
            #expect(triangle.cohorts.map(\.revenue) == [[10_000, 0], [15_000]])

            let (from, to) = Self.september
            let repurchase = try await insights.repurchase(workspaceID: w, from: from, to: to, scope: .all)
            // u1: 09-01 → 09-10; per category only tea repeats (u1 again).
            #expect(repurchase.overall.intervals == 1 && repurchase.overall.median == 9)
            #expect(repurchase.categories.map(\.label) == ["tea"] && repurchase.categories[0].median == 9)

            // Paid September baskets: {tea, ware}, {tea}, {tea, ware}.
            let basket = try await insights.basket(
                workspaceID: w, level: .category, from: from, to: to,
                thresholds: BasketAnalysis.Thresholds(minSupport: 0.5, minConfidence: 0, minLift: 0, maxLength: 2),
                scope: .all)
            #expect(basket.orders == 3)
            let wareTea = try #require(basket.rules.first { $0.antecedent == ["ware"] && $0.consequent == "tea" })
            #expect(wareTea.confidence == 1 && wareTea.lift == 1 && wareTea.orders == 2)
            let teaWare = try #require(basket.rules.first { $0.antecedent == ["tea"] && $0.consequent == "ware" })
            #expect(abs(teaWare.confidence - 2.0 / 3) < 1e-12)
            let products = try await insights.basket(
                workspaceID: w, level: .product, from: from, to: to,
                thresholds: BasketAnalysis.Thresholds(minSupport: 0.5, minConfidence: 0, minLift: 0, maxLength: 2),
                scope: Self.alice)
            #expect(products.orders == 2)  // u1's two orders

            let predicted = try await insights.predictions(workspaceID: w, churnHorizonDays: 90, scope: .all)
            #expect(predicted.scores.buyers == 3 && predicted.ids.count == 3)
            #expect(predicted.predictions.allSatisfy { $0.probabilityAlive > 0 && $0.probabilityAlive <= 1 })
            #expect(
                try await insights.predictions(workspaceID: w, churnHorizonDays: 90, scope: Self.alice).ids.count == 2)
            await #expect(throws: PanoramaError.self) {
                try await insights.predictions(workspaceID: w, churnHorizonDays: 0, scope: .all)
            }
        }
    }

    /// The order lines are kept between requests: a new order and a refund are seen on the next
    /// request (read by id), an order changed in place (re-sent cancelled) once the kept lines are
    /// checked again (`linesCheckInterval`).
    /// Analyses asked together on an empty cache read the order lines once: each waits its turn
    /// and the later ones use the lines the first kept.
    @Test func analysesAskedTogetherReadTheLinesOnce() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = InsightsService(
                store: h.services.store, audiences: h.services.audiences, clock: h.services.clock)
            let (from, to) = Self.september
            let thresholds = BasketAnalysis.Thresholds(minSupport: 0.01, minConfidence: 0, minLift: 0, maxLength: 2)
            func basket(_ level: BasketAnalysis.Level) async throws -> Int {
                try await insights.basket(
                    workspaceID: h.workspaceID, level: level, from: from, to: to, thresholds: thresholds, scope: .all
                ).orders
            }
            async let a = basket(.category)
            async let b = basket(.product)
            async let c = basket(.category)
            #expect(try await [a, b, c] == [3, 3, 3])
            #expect(insights.fullLineReads.load(ordering: .relaxed) == 1)
        }
    }

    @Test func keptOrderLinesFollowNewOrdersRefundsAndChanges() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let (from, to) = Self.september
            let thresholds = BasketAnalysis.Thresholds(minSupport: 0.01, minConfidence: 0, minLift: 0, maxLength: 2)
            func teaIntervals() async throws -> [Int] {
                let found = try await insights.repurchase(workspaceID: w, from: from, to: to, scope: .all)
                guard let tea = found.categories.first(where: { $0.label == "tea" }) else { return [] }
                return [tea.intervals, tea.median]
            }
            func baskets() async throws -> Int {
                try await insights.basket(
                    workspaceID: w, level: .category, from: from, to: to, thresholds: thresholds, scope: .all
                ).orders
            }
            #expect(try await teaIntervals() == [1, 9])
            #expect(try await baskets() == 3)
            // Given a new paid order of u2 (tea on 09-21, 16 days after 09-05), when asked again
            // at once, then it counts: the kept lines were extended by it.
            try await order(h, "B-2", "u2", "2026-09-21", [("TEA", "tea", "12.5")])
            #expect(try await teaIntervals() == [2, 9])
            #expect(try await baskets() == 4)
            // Given u1's A-2 refunded in full, then u1's tea interval is gone.
            let a2 = try #require(try await h.services.store.order(workspaceID: w, externalID: "A-2"))
            _ = try await h.services.orders.refund(
                workspaceID: w, orderID: a2.id, body: try JSONParser.parse(#"{"refund_id": "R-1", "amount": "30.00"}"#))
            #expect(try await teaIntervals() == [1, 16])
            #expect(try await baskets() == 3)
            // Given B-1 sent again cancelled (no new order, no refund: the activity counter does
            // not move), then the kept lines still count it until they are checked again.
            try await order(
                h, "B-1", "u2", "2026-09-05", status: "cancelled", [("TEA", "tea", "40"), ("CUP", "ware", "10")])
            #expect(try await baskets() == 3)
            h.clock.advance(ms: InsightsService.linesCheckInterval)
            #expect(try await baskets() == 2)
            #expect(try await teaIntervals() == [])
        }
    }

    @Test func aFunnelDropOffBecomesATag() async throws {
        try await Harness.run { h in
            try await shop(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let (from, to) = Self.september
            let steps = ["Product Viewed", "Order Completed"]
            let funnel = try await insights.funnel(
                workspaceID: w, steps: steps, from: from, to: to, windowDays: 7, breakdown: .attribute("city"),
                scope: .all)
            // u1 viewed on 09-09 and ordered on 09-10; u2 viewed on 09-20 and did not order after.
            #expect(funnel.counts == [2, 1])
            #expect(funnel.breakdown.first { $0.label == "北京" }?.counts == [1, 0])
            let dropped = try await insights.funnelDropOff(
                workspaceID: w, steps: steps, from: from, to: to, windowDays: 7, step: 1, scope: .all)
            #expect(dropped == [try await id(h, "u2")])
            #expect(
                try await insights.saveAsTag(
                    workspaceID: w, name: "viewed_not_bought", ids: dropped, description: "test") == 1)
            let members = try await h.services.audiences.members(
                workspaceID: w, AudienceKey(.tag, "viewed_not_bought"), after: 0, limit: 10)
            #expect(members.ids == dropped)
            #expect(
                try await insights.funnelDropOff(
                    workspaceID: w, steps: steps, from: from, to: to, windowDays: 7, step: 1, scope: Self.alice
                ).isEmpty)
        }
    }
}

extension InsightsServiceTests {
    @Test func predictionsBecomeTraitsAndPredictiveTags() async throws {
        try await Harness.run { h in
            try await shop(h)
            let w = h.workspaceID
            let run = try await h.services.insights.runPredictions(workspaceID: w)
            #expect(run.models != nil)
            #expect(run.tags.map(\.name) == ["高流失风险", "高价值潜力"])
            #expect(run.tags[0].rule == "churn_risk >= 0.8" && run.tags[1].rule.hasPrefix("predicted_clv >= "))
            // The traits show on profiles and rules read them: every buyer has a P(alive) (three
            // buyers make a degenerate fit, so only the range is checked).
            let u1 = try await h.services.audiences.customer(workspaceID: w, liveID: try await id(h, "u1"))
            let alive = try #require(u1.traits["p_alive"].flatMap(Double.init))
            #expect(alive >= 0 && alive <= 1 && u1.traits["churn_risk"] != nil && u1.traits["predicted_clv"] != nil)
            #expect(
                try await h.services.audiences.evaluate(
                    workspaceID: w, rule: "p_alive >= 0 AND p_alive <= 1", limit: 10
                ).size == 3)
            #expect(
                try await h.services.audiences.evaluate(workspaceID: w, rule: "p_alive IS NULL", limit: 10).size == 0)
            // The tags are ordinary rule tags: their size is what their rule selects.
            let risky = try await h.services.audiences.evaluate(workspaceID: w, rule: "churn_risk >= 0.8", limit: 10)
                .size
            #expect(run.tags[0].size == risky)
            // A new buyer is scored at once with the fitted models (the real-time path).
            try await order(h, "D-1", "u4", "2026-09-21", [("TEA", "tea", "20")])
            try await h.services.audiences.flush()
            let u4 = try await h.services.audiences.customer(workspaceID: w, liveID: try await id(h, "u4"))
            #expect(u4.traits["p_alive"] == "1.00" || u4.traits["p_alive"] == "1")
            // Running again updates the same tags.
            #expect(try await h.services.insights.runPredictions(workspaceID: w).tags.count == 2)
        }
    }
}

/// The same tests on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresInsightsServiceTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = InsightsServiceTests()

    @Test func kpisBreakdownsDrillDownAndScope() async throws {
        try await on { try await tests.kpisBreakdownsDrillDownAndScope() }
    }
    @Test func newDataIsSeenAfterTheReloadInterval() async throws {
        try await on { try await tests.newDataIsSeenAfterTheReloadInterval() }
    }
    @Test func rfmCohortsRepurchaseBasketAndPredictions() async throws {
        try await on { try await tests.rfmCohortsRepurchaseBasketAndPredictions() }
    }
    @Test func aFunnelDropOffBecomesATag() async throws { try await on { try await tests.aFunnelDropOffBecomesATag() } }
    @Test func keptOrderLinesFollowNewOrdersRefundsAndChanges() async throws {
        try await on { try await tests.keptOrderLinesFollowNewOrdersRefundsAndChanges() }
    }
    @Test func predictionsBecomeTraitsAndPredictiveTags() async throws {
        try await on { try await tests.predictionsBecomeTraitsAndPredictiveTags() }
    }
}
