import PanoramaCore
import PanoramaEngine
import Testing

/// First- and last-touch attribution, computed by hand: which orders each campaign is credited
/// with, the window, direct orders per channel, and ROI against costs.
@Suite struct AttributionTests {
    static let day: Int64 = 86_400_000

    /// c1: touches A (day 1), B (day 10), orders 100.00 on day 12. c2: touch B (day 5), orders
    /// 50.00 on day 40 (35 days later: outside the 30-day window, so direct, app). c3: touch A and
    /// an order of 30.00 on day 20 (the same instant counts), 20.00 on day 25. c4: no touch, 10.00
    /// without a channel. Costs: A 50.00, C 10.00 (no touch at all).
    func report(_ model: AttributionModel) -> [CampaignROI] {
        let d = Self.day
        let touches = [
            CampaignTouch(customerID: 1, at: 10 * d, campaign: "B", source: "weibo"),
            CampaignTouch(customerID: 1, at: 1 * d, campaign: "A", source: "wechat", medium: "social"),
            CampaignTouch(customerID: 2, at: 5 * d, campaign: "B", source: "weibo"),
            CampaignTouch(customerID: 3, at: 20 * d, campaign: "A", source: "wechat", medium: "social"),
        ]
        let orders = [
            AttributedOrder(customerID: 1, placedAt: 12 * d, amount: 10_000, channel: "web"),
            AttributedOrder(customerID: 2, placedAt: 40 * d, amount: 5_000, channel: "app"),
            AttributedOrder(customerID: 3, placedAt: 20 * d, amount: 3_000, channel: "app"),
            AttributedOrder(customerID: 3, placedAt: 25 * d, amount: 2_000, channel: "app"),
            AttributedOrder(customerID: 4, placedAt: 30 * d, amount: 1_000, channel: nil),
            // Outside the period: neither counted nor credited.
            AttributedOrder(customerID: 1, placedAt: 60 * d, amount: 99_900, channel: "web"),
        ]
        return Attribution.report(
            touches: touches, orders: orders, from: 0, to: 50 * d, windowDays: 30, model: model,
            costs: ["A": 5_000, "C": 1_000])
    }

    @Test func firstTouchCreditsTheEarliestTouchInTheWindow() {
        let rows = report(.firstTouch)
        #expect(rows.map(\.campaign) == ["A", "B", "C", "(direct)", "(direct)"])
        let a = rows[0]
        #expect(a.touches == 2 && a.buyers == 2 && a.orders == 3 && a.revenue == 15_000 && a.cost == 5_000)
        #expect(a.source == "wechat" && a.medium == "social")
        // (150.00 − 50.00) ÷ 50.00
        #expect(a.roi == 2.0)
        let b = rows[1]
        #expect(b.source == "weibo" && b.touches == 2 && b.buyers == 0 && b.orders == 0 && b.revenue == 0)
        #expect(b.cost == nil && b.roi == nil)
        #expect(rows[2].touches == 0 && rows[2].revenue == 0 && rows[2].roi == -1.0)
        #expect(rows[3].source == "app" && rows[3].orders == 1 && rows[3].buyers == 1 && rows[3].revenue == 5_000)
        #expect(rows[4].source == nil && rows[4].orders == 1 && rows[4].revenue == 1_000)
    }

    @Test func lastTouchCreditsTheLatestTouch() {
        let rows = report(.lastTouch)
        #expect(rows.map(\.campaign) == ["B", "A", "C", "(direct)", "(direct)"])
        #expect(rows[0].buyers == 1 && rows[0].orders == 1 && rows[0].revenue == 10_000)
        // A keeps c3's two orders: 50.00 against a cost of 50.00.
        #expect(rows[1].buyers == 1 && rows[1].orders == 2 && rows[1].revenue == 5_000 && rows[1].roi == 0)
        // The totals are the same under both models.
        #expect(rows.map(\.revenue).reduce(0, +) == report(.firstTouch).map(\.revenue).reduce(0, +))
    }

    @Test func aLongerWindowReachesOlderTouches() {
        let d = Self.day
        let touch = CampaignTouch(customerID: 2, at: 5 * d, campaign: "B")
        let order = AttributedOrder(customerID: 2, placedAt: 40 * d, amount: 5_000, channel: "app")
        for (window, credited) in [(30, "(direct)"), (35, "B"), (34, "(direct)")] {
            let rows = Attribution.report(
                touches: [touch], orders: [order], from: 0, to: 50 * d, windowDays: window, model: .lastTouch,
                costs: [:])
            #expect(rows.first { $0.orders == 1 }?.campaign == credited, "window \(window)")
        }
    }

    @Test func theCampaignComesFromContextElseUTMProperties() throws {
        let context = try JSONParser.parse(#"{"campaign": {"name": "spring", "source": "wechat", "medium": "social"}}"#)
        let utm = try JSONParser.parse(#"{"utm_campaign": "autumn", "utm_source": "weibo", "utm_medium": "cpc"}"#)
        #expect(CampaignTouch.campaign(context: context, properties: utm)! == ("spring", "wechat", "social"))
        #expect(CampaignTouch.campaign(context: nil, properties: utm)! == ("autumn", "weibo", "cpc"))
        let sourceOnly = try JSONParser.parse(#"{"utm_source": "baidu"}"#)
        #expect(CampaignTouch.campaign(context: nil, properties: sourceOnly)! == ("baidu", "baidu", nil))
        #expect(
            CampaignTouch.campaign(context: try JSONParser.parse(#"{"campaign": {"name": ""}}"#), properties: nil)
                == nil)
    }
}
