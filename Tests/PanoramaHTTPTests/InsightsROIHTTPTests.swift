import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Campaign ROI and the logistic churn model over REST: the report in JSON and CSV, costs set and removed with audiences.write,
/// bad input refused with a stable code.
extension InsightsHTTPTests {
    @Test func roiAndCampaignCosts() async throws {
        try await http.withApp { client in
            // c1 comes from the "spring" campaign before buying; c2 buys directly.
            let (page, _) = try await http.post(
                client, "/v1/page",
                #"{"userId":"c1","name":"Home","context":{"campaign":{"name":"spring","source":"wechat"}}}"#)
            #expect(page == .ok)
            try await shop(client)
            var (status, body, _) = try await access.send(
                client, .put, "/api/v1/insights/campaigns/spring/cost", #"{"cost":"4.00"}"#)
            #expect(status == .ok && body["cost"]?.stringValue == "4.00", "\(body)")
            var (got, json, text, type) = try await get(client, "/api/v1/insights/roi?model=first_touch")
            #expect(got == .ok, "\(text)")
            let rows = json["data"]?.arrayValue ?? []
            let spring = rows.first { $0["campaign"]?.stringValue == "spring" }
            #expect(spring?["revenue"]?.stringValue == "10.00" && spring?["buyers"]?.numberValue?.int64 == 1)
            #expect(spring?["cost"]?.stringValue == "4.00" && spring?["roi"]?.numberValue?.double == 1.5)
            #expect(rows.first { $0["campaign"]?.stringValue == "(direct)" }?["revenue"]?.stringValue == "25.50")
            (got, _, text, type) = try await get(client, "/api/v1/insights/roi?format=csv&window_days=7")
            #expect(got == .ok && type?.hasPrefix("text/csv") == true)
            #expect(
                text.hasPrefix(
                    "campaign,source,medium,touches,buyers,orders,revenue,cost,roi\nspring,wechat,,1,1,1,10.00,4.00,1.5\n"
                ), "\(text)")
            (got, json, _, _) = try await get(client, "/api/v1/insights/campaigns/costs")
            #expect(json["data"]?.arrayValue?.count == 1)
            (status, _, _) = try await access.send(client, .delete, "/api/v1/insights/campaigns/spring/cost")
            #expect(status == .noContent)
            (got, json, _, _) = try await get(client, "/api/v1/insights/campaigns/costs")
            #expect(json["data"]?.arrayValue?.isEmpty == true)

            for (path, code) in [
                ("/api/v1/insights/roi?model=linear", "invalid_model"),
                ("/api/v1/insights/roi?window_days=0", "invalid_window_days"),
                ("/api/v1/insights/roi?from=2026-05-02&to=2026-05-01", "bad_range"),
            ] {
                (got, json, _, _) = try await get(client, path)
                #expect(got == .badRequest && http.code(json) == code, "\(path): \(json)")
            }
            for (name, payload, code) in [
                ("spring", #"{"cost":"-1"}"#, "invalid_cost"), ("spring", #"{"cost":"abc"}"#, "invalid_amount"),
                ("spring", #"{}"#, "invalid_cost"), ("spring", "[]", "invalid_body"),
                ("%20", #"{"cost":"1"}"#, "invalid_campaign"),
            ] {
                (status, body, _) = try await access.send(
                    client, .put, "/api/v1/insights/campaigns/\(name)/cost", payload)
                #expect(status == .badRequest && http.code(body) == code, "\(name) \(payload): \(body)")
            }

            // The logistic churn model beside BG/NBD: no buyer 90 days ago to fit on, so 0.5 for all.
            (got, json, _, _) = try await get(client, "/api/v1/insights/predictions")
            #expect(json["models"]?["churn_model"]?["features"]?.arrayValue?.count == 6)
            #expect(json["models"]?["churn_model"]?["training_buyers"]?.numberValue?.int64 == 0)
            #expect(json["data"]?.arrayValue?.first?["churn_model"]?.numberValue?.double == 0.5)

            // Loyalty points beside the KPIs (none issued here).
            (got, json, _, _) = try await get(client, "/api/v1/insights/kpis")
            #expect(json["points"]?["current"]?["issued"]?.numberValue?.int64 == 0)
            #expect(json["points"]?["previous"]?["redeemed"]?.numberValue?.int64 == 0)

            // Reading needs insights.read; setting a cost audiences.write.
            let sales = try await access.key(client, role: "sales")
            (got, _, _, _) = try await get(client, "/api/v1/insights/roi", auth: sales)
            #expect(got == .forbidden)
            let auditor = try await access.key(client, role: "auditor")
            (status, _, _) = try await access.send(
                client, .put, "/api/v1/insights/campaigns/spring/cost", #"{"cost":"1"}"#, auth: auditor)
            #expect(status == .forbidden)
        }
    }
}
