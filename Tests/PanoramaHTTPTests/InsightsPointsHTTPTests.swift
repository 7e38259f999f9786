import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Loyalty points in the KPIs over REST: in every cell of JSON and CSV, null or empty in the
/// groups of an order dimension, in the drill-down, and within a data scope.
extension InsightsHTTPTests {
    /// After `shop`: c1 (li's) gets 100 points and redeems 40, c2 (wang's) gets 30, all today.
    func points(_ client: some TestClientProtocol) async throws {
        let loyalty = LoyaltyHTTPTests()
        var (status, body, _) = try await loyalty.send(client, .put, "/api/v1/loyalty/program", "{}")
        #expect(status == .ok, "\(body)")
        for (user, path, payload, key) in [
            ("c1", "adjustments", #"{"points":100,"reason":"welcome"}"#, "p1"),
            ("c1", "redemptions", #"{"points":40}"#, "p2"),
            ("c2", "adjustments", #"{"points":30,"reason":"welcome"}"#, "p3"),
        ] {
            let (_, profile) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/\(user)")
            let id = try #require(profile["id"]?.numberValue?.int64)
            (status, body, _) = try await loyalty.send(
                client, .post, "/api/v1/customers/\(id)/points/\(path)", payload, key: key)
            #expect(status == .created, "\(body)")
        }
    }

    @Test func pointsInTheKPIsJSONCSVAndDrillDown() async throws {
        try await http.withApp { client in
            try await shop(client)
            try await points(client)
            // An order with a channel, so that the channel breakdown has a group: c2 pays 4.50 in the app.
            let (saved, order) = try await http.post(
                client, "/api/v1/orders",
                #"{"order_id":"O-app","customer":{"user_id":"c2"},"channel":"app","status":"paid","products":[{"sku":"A","quantity":1,"price":"4.50"}]}"#,
                auth: HTTPTests.bearer)
            #expect(saved == .created || saved == .ok, "\(order)")
            var (status, body, text, _) = try await get(client, "/api/v1/insights/kpis?grain=day&dimension=city")
            #expect(status == .ok, "\(text)")
            let total = body["total"]
            #expect(total?["points_issued"]?.numberValue?.int64 == 130)
            #expect(total?["points_redeemed"]?.numberValue?.int64 == 40)
            #expect(total?["points_expired"]?.numberValue?.int64 == 0)
            #expect(total?["point_earners"]?.numberValue?.int64 == 2)
            #expect(total?["point_redeemers"]?.numberValue?.int64 == 1)
            #expect(body["previous"]?["points_issued"]?.numberValue?.int64 == 0)
            #expect(body["change"]?["points_issued"] == .null)
            #expect(body["points"]?["current"]?["issued"]?.numberValue?.int64 == 130)
            #expect(body["series"]?.arrayValue?.last?["values"]?["points_redeemed"]?.numberValue?.int64 == 40)
            #expect(body["points_by_group"] == .bool(true))
            let shanghai = body["breakdown"]?.arrayValue?.first { $0["group"]?.stringValue == "上海" }
            #expect(shanghai?["values"]?["points_issued"]?.numberValue?.int64 == 130)

            // By channel (an order dimension): the groups show points as null, the total keeps them.
            (status, body, text, _) = try await get(client, "/api/v1/insights/kpis?dimension=channel")
            #expect(status == .ok && body["points_by_group"] == .bool(false), "\(text)")
            #expect(body["total"]?["points_issued"]?.numberValue?.int64 == 130)
            let group = body["breakdown"]?.arrayValue?.first
            #expect(group?["values"]?["points_issued"] == .null && group?["values"]?["orders"] != .null)

            // CSV: the points columns; empty in the groups of an order dimension.
            var type: String?
            (status, _, text, type) = try await get(client, "/api/v1/insights/kpis?format=csv&dimension=channel")
            #expect(status == .ok && type?.hasPrefix("text/csv") == true)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(
                lines.first
                    == "row,key,new_customers,active_customers,buyers,repeat_buyers,orders,gmv,net_revenue,average_order_value,repurchase_rate,average_lifetime_value,points_issued,points_redeemed,points_expired,point_earners,point_redeemers"
            )
            #expect(lines.first { $0.hasPrefix("total,") }?.hasSuffix(",40.00,13.33,0.5,20.00,130,40,0,2,1") == true, "\(text)")
            #expect(lines.first { $0.hasPrefix("group,") }?.hasSuffix(",,,,,") == true, "\(text)")
            (status, _, text, _) = try await get(client, "/api/v1/insights/kpis?format=csv&dimension=city")
            #expect(text.contains("\ngroup,上海,2,2,2,1,3,40.00,40.00,13.33,0.5,20.00,130,40,0,2,1\n"), "\(text)")

            // Drill-down to the customers who redeemed; none by an order dimension.
            (status, body, _, _) = try await get(client, "/api/v1/insights/kpis/customers?measure=point_redeemers")
            #expect(status == .ok && body["size"]?.numberValue?.int64 == 1)
            (status, body, _, _) = try await get(client, "/api/v1/insights/kpis/customers?measure=point_earners")
            #expect(body["size"]?.numberValue?.int64 == 2)
            (status, body, _, _) = try await get(
                client, "/api/v1/insights/kpis/customers?measure=point_earners&dimension=channel&group=app")
            #expect(status == .badRequest && http.code(body) == "points_not_by_order", "\(body)")

            // A data scope: li sees c1's points only.
            var (made, created, _) = try await access.send(
                client, .post, "/api/v1/roles",
                #"{"name":"sales-analyst","permissions":["insights.read","customers.read"],"scope":"own"}"#)
            #expect(made == .created, "\(created)")
            (made, created, _) = try await access.send(
                client, .post, "/api/v1/users",
                #"{"username":"li","password":"long password li","role":"sales-analyst"}"#)
            #expect(made == .created, "\(created)")
            let li = try await access.signIn(client, "li", "long password li")
            (status, body, _, _) = try await get(client, "/api/v1/insights/kpis", auth: li)
            #expect(body["total"]?["points_issued"]?.numberValue?.int64 == 100)
            #expect(body["total"]?["point_earners"]?.numberValue?.int64 == 1)
            (status, body, _, _) = try await get(
                client, "/api/v1/insights/kpis/customers?measure=point_earners", auth: li)
            #expect(body["size"]?.numberValue?.int64 == 1)
        }
    }
}
