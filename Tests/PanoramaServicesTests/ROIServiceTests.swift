import PanoramaCore
import PanoramaEngine
import PanoramaServices
import Testing

/// Channel and campaign ROI over a real store: campaign touches from `context.campaign` and
/// `utm_*` properties, paid orders, costs entered per campaign, and both models, by hand.
extension InsightsServiceTests {
    /// u1 (alice) saw "spring" (context.campaign, wechat) on 09-02 and "autumn" (utm, weibo) on
    /// 09-05, then paid 100.00 on 09-06; u2 (bob) saw "autumn" on 09-03 and paid 50.00 on 09-10;
    /// u3 (alice) paid 30.00 on 09-08 without a touch. Costs: spring 40.00, autumn 100.00.
    func campaigns(_ h: Harness) async throws {
        for (user, owner) in [("u1", "alice"), ("u2", "bob"), ("u3", "alice")] {
            try await h.send(#"{"userId": "\#(user)", "traits": {"owner": "\#(owner)"}}"#, to: .identify)
        }
        try await h.send(
            #"""
            {"userId": "u1", "name": "Home", "timestamp": "2026-09-02T02:00:00Z",
             "context": {"campaign": {"name": "spring", "source": "wechat", "medium": "social"}}}
            """#, to: .page)
        try await h.send(
            #"""
            {"userId": "u1", "event": "Product Viewed", "timestamp": "2026-09-05T02:00:00Z",
             "properties": {"utm_campaign": "autumn", "utm_source": "weibo"}}
            """#, to: .track)
        try await h.send(
            #"""
            {"userId": "u2", "name": "Home", "timestamp": "2026-09-03T02:00:00Z",
             "context": {"campaign": {"name": "autumn", "source": "weibo"}}}
            """#, to: .page)
        // Not a campaign touch: no campaign in context or properties.
        try await h.send(
            #"{"userId": "u3", "event": "Product Viewed", "timestamp": "2026-09-07T02:00:00Z"}"#, to: .track)
        try await order(h, "A-1", "u1", "2026-09-06", [("TEA", "tea", "100")])
        try await order(h, "B-1", "u2", "2026-09-10", [("TEA", "tea", "50")])
        try await order(h, "C-1", "u3", "2026-09-08", [("CUP", "ware", "30")])
        try await h.services.audiences.flush()
        try await h.services.insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "spring", cost: 4_000)
        try await h.services.insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "autumn", cost: 10_000)
    }

    @Test func roiByFirstAndLastTouchAgainstCosts() async throws {
        try await Harness.run { h in
            try await campaigns(h)
            let insights = h.services.insights
            let (from, to) = Self.september
            func roi(_ model: AttributionModel, _ scope: CustomerScope = .all) async throws -> [String: CampaignROI] {
                let rows = try await insights.roi(
                    workspaceID: h.workspaceID, from: from, to: to, model: model, windowDays: 30, scope: scope)
                return Dictionary(
                    rows.map { ("\($0.campaign)/\($0.source ?? "")", $0) }, uniquingKeysWith: { a, _ in a })
            }
            // First touch: u1's 100.00 to spring, u2's 50.00 to autumn, u3's 30.00 direct (app).
            var rows = try await roi(.firstTouch)
            #expect(rows.count == 3)
            let spring = try #require(rows["spring/wechat"])
            #expect(spring.touches == 1 && spring.buyers == 1 && spring.orders == 1 && spring.revenue == 10_000)
            #expect(spring.cost == 4_000 && spring.roi == 1.5 && spring.medium == "social")
            let autumn = try #require(rows["autumn/weibo"])
            #expect(autumn.touches == 2 && autumn.buyers == 1 && autumn.revenue == 5_000 && autumn.roi == -0.5)
            let direct = try #require(rows["(direct)/app"])
            #expect(direct.buyers == 1 && direct.orders == 1 && direct.revenue == 3_000 && direct.cost == nil)
            // Last touch: both orders to autumn, (150.00 − 100.00) ÷ 100.00.
            rows = try await roi(.lastTouch)
            #expect(rows["autumn/weibo"]?.revenue == 15_000 && rows["autumn/weibo"]?.buyers == 2)
            #expect(rows["autumn/weibo"]?.roi == 0.5)
            #expect(rows["spring/wechat"]?.revenue == 0 && rows["spring/wechat"]?.roi == -1)
            // alice's customers only: u1 and u3.
            rows = try await roi(.lastTouch, Self.alice)
            #expect(rows["autumn/weibo"]?.touches == 1 && rows["autumn/weibo"]?.revenue == 10_000)
            #expect(rows["(direct)/app"]?.revenue == 3_000)
            // Costs: listed, replaced, removed; bad names and amounts are refused.
            try await insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "spring", cost: 2_000)
            try await insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "autumn", cost: nil)
            #expect(try await insights.campaignCosts(workspaceID: h.workspaceID) == ["spring": 2_000])
            await #expect(throws: PanoramaError.self) {
                try await insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "  ", cost: 1)
            }
            await #expect(throws: PanoramaError.self) {
                try await insights.setCampaignCost(workspaceID: h.workspaceID, campaign: "x", cost: -1)
            }
            await #expect(throws: PanoramaError.self) {
                _ = try await insights.roi(
                    workspaceID: h.workspaceID, from: from, to: to, model: .firstTouch, windowDays: 0, scope: .all)
            }
        }
    }
}

extension InsightsServiceTests {
    /// alice's u1 gets 100 and 50 points and redeems 30 today; bob's u2 gets 20.
    @Test func pointsIssuedAndRedeemedInTheKPIs() async throws {
        try await Harness.run { h in
            _ = try await h.services.loyalty.saveProgram(workspaceID: h.workspaceID, json: try JSONParser.parse("{}"))
            for (user, owner) in [("u1", "alice"), ("u2", "bob")] {
                try await h.send(#"{"userId": "\#(user)", "traits": {"owner": "\#(owner)"}}"#, to: .identify)
            }
            try await h.services.audiences.flush()
            let (u1, u2) = (try await id(h, "u1"), try await id(h, "u2"))
            let loyalty = h.services.loyalty
            let w = h.workspaceID
            _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u1, points: 100, reason: "a", key: "a1")
            _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u1, points: 50, reason: "b", key: "a2")
            _ = try await loyalty.redeemPoints(workspaceID: w, customerID: u1, points: 30, reason: nil, key: "r1")
            _ = try await loyalty.adjustPoints(workspaceID: w, customerID: u2, points: 20, reason: "c", key: "a3")
            let (from, to) = Self.september
            var report = try await h.services.insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: .all)
            #expect(report.total.pointsIssued == 170)
            #expect(report.total.pointsRedeemed == 30)
            #expect(report.total.pointsExpired == 0)
            #expect(report.previous.pointsIssued == 0 && report.previous.pointsRedeemed == 0)
            report = try await h.services.insights.kpis(
                workspaceID: w, from: from, to: to, grain: nil, breakdown: nil, scope: Self.alice)
            #expect(report.total.pointsIssued == 150)
            #expect(report.total.pointsRedeemed == 30)
        }
    }
}

extension PostgresInsightsServiceTests {
    @Test func pointsIssuedAndRedeemedInTheKPIs() async throws {
        try await on { try await tests.pointsIssuedAndRedeemedInTheKPIs() }
    }

    @Test func roiByFirstAndLastTouchAgainstCosts() async throws {
        try await on { try await tests.roiByFirstAndLastTouchAgainstCosts() }
    }
}
