import PanoramaCore
import PanoramaEngine
import PanoramaServices
import Testing

/// Loyalty points everywhere the KPIs go, over a real store: totals and the previous period, the
/// series by day, breakdowns by a customer dimension (and none by an order dimension), the
/// drill-down, the data scope and a merged profile counted as its live customer.
extension InsightsServiceTests {
    /// On 09-21 (Shanghai): u1 (上海, alice) gets 100 and 50 and redeems 30; u2 (北京, bob) gets 20;
    /// an anonymous visitor gets 7 and is then merged into u1. Two hours later, on 09-22: u3
    /// (上海, alice) gets 40, u1 redeems 10, u2 loses 5 by hand (counted nowhere).
    func pointsOverTwoDays(_ h: Harness) async throws {
        _ = try await h.services.loyalty.saveProgram(workspaceID: h.workspaceID, json: try JSONParser.parse("{}"))
        for (user, city, owner) in [("u1", "上海", "alice"), ("u2", "北京", "bob"), ("u3", "上海", "alice")] {
            try await h.send(#"{"userId": "\#(user)", "traits": {"city": "\#(city)", "owner": "\#(owner)"}}"#, to: .identify)
        }
        try await h.send(#"{"anonymousId": "anon-9", "event": "Product Viewed"}"#, to: .track)
        try await h.services.audiences.flush()
        let (u1, u2, u3) = (try await id(h, "u1"), try await id(h, "u2"), try await id(h, "u3"))
        let visitor = try await h.profile("anonymous_id", "anon-9").id
        let loyalty = h.services.loyalty
        let w = h.workspaceID
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u1, points: 100, reason: "a", key: "a1")
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u1, points: 50, reason: "b", key: "a2")
        _ = try await loyalty.redeemPoints(workspaceID: w, customerID: u1, points: 30, reason: nil, key: "r1")
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u2, points: 20, reason: "c", key: "a3")
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: visitor, points: 7, reason: "d", key: "a4")
        try await h.send(#"{"userId": "u1", "anonymousId": "anon-9"}"#, to: .identify)
        try await h.services.audiences.flush()
        #expect(try await h.profile("anonymous_id", "anon-9").id == u1)
        h.clock.advance(ms: 2 * 3_600_000)
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u3, points: 40, reason: "e", key: "a5")
        _ = try await loyalty.redeemPoints(workspaceID: w, customerID: u1, points: 10, reason: nil, key: "r2")
        _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u2, points: -5, reason: "f", key: "a6")
    }

    @Test func pointsInSeriesBreakdownsAndDrillDown() async throws {
        try await Harness.run { h in
            try await pointsOverTwoDays(h)
            let insights = h.services.insights
            let w = h.workspaceID
            let (u1, u2, u3) = (try await id(h, "u1"), try await id(h, "u2"), try await id(h, "u3"))
            let from = InsightCalendar.day(parsing: "2026-09-20")!
            let to = from + 3
            let report = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: .day, breakdown: .attribute("city"), scope: .all)
            // 100 + 50 + 20 + 7 + 40 issued, 30 + 10 redeemed; earners u1, u2, u3; redeemer u1.
            let t = report.total
            #expect(t.pointsIssued == 217 && t.pointsRedeemed == 40 && t.pointsExpired == 0)
            #expect(t.pointEarners == 3 && t.pointRedeemers == 1)
            #expect(t.buyers == 0 && t.orders == 0)
            #expect(report.previous == KPIValues())
            // By day: nothing on 09-20; 177 and 30 on 09-21 (u1 157, u2 20); 40 and 10 on 09-22.
            #expect(report.series.map(\.values.pointsIssued) == [0, 177, 40])
            #expect(report.series.map(\.values.pointsRedeemed) == [0, 30, 10])
            #expect(report.series.map(\.values.pointEarners) == [0, 2, 1])
            #expect(report.series.map(\.values.pointRedeemers) == [0, 1, 1])
            // By city: 上海 is u1 and u3, 北京 u2.
            #expect(report.pointsByGroup)
            let shanghai = try #require(report.breakdown.first { $0.label == "上海" }?.values)
            #expect(shanghai.pointsIssued == 197 && shanghai.pointsRedeemed == 40 && shanghai.pointEarners == 2)
            let beijing = try #require(report.breakdown.first { $0.label == "北京" }?.values)
            #expect(beijing.pointsIssued == 20 && beijing.pointsRedeemed == 0 && beijing.pointRedeemers == 0)
            // An order dimension does not break points down; the totals keep them.
            let byChannel = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: .channel, scope: .all)
            #expect(!byChannel.pointsByGroup && byChannel.total.pointsIssued == 217)
            // The previous period of 09-22 … 09-22 is 09-21.
            let lastDay = try await insights.kpis(
                workspaceID: w, from: to - 1, to: to, grain: nil, breakdown: nil, scope: .all)
            #expect(lastDay.total.pointsIssued == 40 && lastDay.previous.pointsIssued == 177)
            #expect(lastDay.previous.pointsRedeemed == 30)

            // Drill-down.
            func drill(_ measure: KPIMeasure, _ dimension: InsightDimension? = nil, _ group: String? = nil,
                       scope: CustomerScope = .all) async throws -> (size: Int, ids: [Int64]) {
                try await insights.kpiCustomers(
                    workspaceID: w, from: from, to: to, measure: measure, dimension: dimension, group: group,
                    scope: scope, limit: 10)
            }
            var found = try await drill(.pointEarners)
            #expect(found.size == 3 && Set(found.ids) == [u1, u2, u3])
            #expect(try await drill(.pointRedeemers).ids == [u1])
            #expect(try await drill(.pointEarners, .attribute("city"), "北京").ids == [u2])
            found = try await drill(.pointEarners, scope: Self.alice)
            #expect(Set(found.ids) == [u1, u3])
            await #expect(throws: PanoramaError.self) { _ = try await drill(.pointEarners, .channel, "app") }

            // alice's customers only: u1 (157 issued, 40 redeemed) and u3 (40).
            let scoped = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: Self.alice)
            #expect(scoped.total.pointsIssued == 197 && scoped.total.pointsRedeemed == 40)
            #expect(scoped.total.pointEarners == 2)
            let nobody = try await insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: .owners(["carol"]))
            #expect(nobody.total == KPIValues())
        }
    }
}

extension PostgresInsightsServiceTests {
    @Test func pointsInSeriesBreakdownsAndDrillDown() async throws {
        try await on { try await tests.pointsInSeriesBreakdownsAndDrillDown() }
    }
}
