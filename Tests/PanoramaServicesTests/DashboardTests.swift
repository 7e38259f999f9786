import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Testing

/// The console's dashboard figures from the store (both backends) and the audience engine: the
/// period's orders by local day, the previous period, channels, refunds, the data scope, the cache.
@Suite struct DashboardTests {
    func order(_ h: Harness, _ id: String, user: String, channel: String, price: String, daysAgo: Int, owner: String? = nil)
        async throws -> OrderView
    {
        let placed = Timestamp.format(millis: h.clock.now() - Int64(daysAgo) * 86_400_000)
        let json = #"""
            {"order_id": "\#(id)", "customer": {"user_id": "\#(user)"}, "status": "paid", "channel": "\#(channel)",
             "placed_at": "\#(placed)", "products": [{"sku": "A", "quantity": 1, "price": "\#(price)"}]}
            """#
        if let owner { try await h.send(#"{"userId":"\#(user)","traits":{"owner":"\#(owner)"}}"#, to: .identify) }
        return try await h.services.orders.save(workspaceID: h.workspaceID, body: try JSONParser.parse(json)).view
    }

    /// This week: two orders (¥30 online, ¥70 in a store for sally's customer, ¥20 of it
    /// refunded); last week: one (¥50). Returns the store source over them.
    func twoWeeks(_ h: Harness) async throws -> StoreDashboardSource {
        _ = try await order(h, "O-1", user: "a", channel: "online", price: "30.00", daysAgo: 1)
        let second = try await order(h, "O-2", user: "b", channel: "store", price: "70.00", daysAgo: 2, owner: "sally")
        _ = try await order(h, "O-3", user: "a", channel: "online", price: "50.00", daysAgo: 9)
        _ = try await h.services.orders.refund(
            workspaceID: h.workspaceID, orderID: second.order.id,
            body: try JSONParser.parse(#"{"refund_id": "R-1", "amount": "20.00"}"#))
        return StoreDashboardSource(
            store: h.services.store, audiences: h.services.audiences, clock: WallClock { h.clock.now() })
    }

    @Test func figuresComeFromThePeriodAndThePeriodBefore() async throws {
        try await Harness.run { h in
            let source = try await twoWeeks(h)
            let board = try await source.compute(workspaceID: h.workspaceID, scope: .all, days: 7)
            let kpi = Dictionary(uniqueKeysWithValues: board.kpis.map { ($0.id, $0) })
            #expect(kpi["customers"]?.current == 2)
            #expect(kpi["orders"]?.current == 2 && kpi["orders"]?.previous == 1)
            #expect(kpi["revenue"]?.current == 8_000 && kpi["revenue"]?.previous == 5_000)
            #expect(kpi["aov"]?.current == 4_000)
            #expect(kpi["refund_rate"]?.current == 2_000)  // ¥20 of ¥100: 20.00 %
            #expect(kpi["revenue"]?.changeBasisPoints == 6_000)
            #expect(board.revenue.count == 7 && board.previousRevenue.count == 7)
            #expect(board.revenue.reduce(0, +) == 8_000 && board.previousRevenue.reduce(0, +) == 5_000)
            #expect(board.channels.map(\.key) == ["store", "online"])
            #expect(board.channels.map(\.value) == [5_000, 3_000])
            // A scope sees its customers only, and no order totals.
            let scoped = try await source.compute(workspaceID: h.workspaceID, scope: .owners(["sally"]), days: 7)
            #expect(scoped.kpis.map(\.id) == ["customers"] && scoped.kpis[0].current == 1)
            #expect(scoped.ordersHiddenByScope && scoped.revenue.isEmpty && scoped.channels.isEmpty)
            // The cache serves the same figures within its age, fresh ones after.
            let first = try await source.dashboard(workspaceID: h.workspaceID, scope: .all, days: 7)
            _ = try await order(h, "O-4", user: "c", channel: "app", price: "10.00", daysAgo: 0)
            #expect(try await source.dashboard(workspaceID: h.workspaceID, scope: .all, days: 7) == first)
            h.clock.advance(ms: 31_000)
            let later = try await source.dashboard(workspaceID: h.workspaceID, scope: .all, days: 7)
            #expect(later.kpis.first { $0.id == "orders" }?.current == 3)
        }
    }

    @Test func theInsightsSourceGivesTheStoresFiguresAndKeepsToTheScope() async throws {
        try await Harness.run { h in
            // Given the same orders as above (one refunded in part).
            let store = try await twoWeeks(h)
            let source = InsightsDashboardSource(insights: h.services.insights, store: store, audiences: h.services.audiences)
            // When both compute the week, then the figures agree.
            let expected = try await store.compute(workspaceID: h.workspaceID, scope: .all, days: 7)
            let board = try await source.dashboard(workspaceID: h.workspaceID, scope: .all, days: 7)
            #expect(board.kpis == expected.kpis)
            #expect(board.revenue == expected.revenue && board.previousRevenue == expected.previousRevenue)
            #expect(board.channels == expected.channels)
            #expect(board.firstDay == expected.firstDay)
            #expect(board.rfm.map(\.value).reduce(0, +) == 2)
            // A scope sees its customers' orders only, and no refund rate (the store's is for all).
            let scoped = try await source.dashboard(workspaceID: h.workspaceID, scope: .owners(["sally"]), days: 7)
            let kpi = Dictionary(uniqueKeysWithValues: scoped.kpis.map { ($0.id, $0) })
            #expect(kpi["customers"]?.current == 1 && kpi["orders"]?.current == 1 && kpi["orders"]?.previous == 0)
            #expect(kpi["revenue"]?.current == 5_000 && kpi["refund_rate"] == nil)
            #expect(scoped.channels.map(\.key) == ["store"] && !scoped.ordersHiddenByScope)
        }
    }
}

/// The same on PostgreSQL (skipped without `PANORAMA_TEST_POSTGRES_URL`).
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresDashboardTests {
    @Test func figuresComeFromThePeriodAndThePeriodBefore() async throws {
        try await Backend.$current.withValue(.postgres) { try await DashboardTests().figuresComeFromThePeriodAndThePeriodBefore() }
    }

    @Test func theInsightsSourceGivesTheStoresFiguresAndKeepsToTheScope() async throws {
        try await Backend.$current.withValue(.postgres) {
            try await DashboardTests().theInsightsSourceGivesTheStoresFiguresAndKeepsToTheScope()
        }
    }
}
