import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Customer insight over REST: every analysis answers with the documented shape, bad input gets
/// a 400 with a stable code, the permission is required and a data scope is kept.
@Suite struct InsightsHTTPTests {
    let http = HTTPTests()
    let access = AccessHTTPTests()

    func get(_ client: some TestClientProtocol, _ path: String, auth: String = HTTPTests.bearer) async throws -> (
        HTTPResponse.Status, JSONValue, String, String?
    ) {
        try await client.execute(uri: path, method: .get, headers: [.authorization: auth]) {
            let text = String(buffer: $0.body)
            return ($0.status, (try? JSONParser.parse(text)) ?? .null, text, $0.headers[.contentType])
        }
    }

    /// c1 (li's) spent 10.00 and c2 (wang's) 25.50 today, each after viewing a product.
    func shop(_ client: some TestClientProtocol) async throws {
        for (user, owner, total) in [("c1", "li", "10"), ("c2", "wang", "25.5")] {
            _ = try await http.post(
                client, "/v1/identify", #"{"userId":"\#(user)","traits":{"city":"上海","owner":"\#(owner)"}}"#)
            _ = try await http.post(client, "/v1/track", #"{"userId":"\#(user)","event":"Product Viewed"}"#)
            let (status, _) = try await http.post(
                client, "/v1/track",
                #"{"userId":"\#(user)","event":"Order Completed","properties":{"order_id":"O-\#(user)","total":\#(total)}}"#
            )
            #expect(status == .ok)
        }
    }

    @Test func everyAnalysisAnswersAndBadInputIsRefused() async throws {
        try await http.withApp { client in
            try await shop(client)
            var (status, body, text, type) = try await get(client, "/api/v1/insights/kpis?grain=day&dimension=city")
            #expect(status == .ok, "\(text)")
            #expect(body["total"]?["buyers"]?.numberValue?.int64 == 2)
            #expect(body["total"]?["net_revenue"]?.stringValue == "35.50")
            #expect(body["total"]?["average_order_value"]?.stringValue == "17.75")
            #expect(body["series"]?.arrayValue?.count == 30)
            #expect(body["breakdown"]?.arrayValue?.first?["group"]?.stringValue == "上海")
            (status, _, text, type) = try await get(client, "/api/v1/insights/kpis?format=csv")
            #expect(status == .ok && type?.hasPrefix("text/csv") == true && text.hasPrefix("row,key,new_customers"))
            (status, body, _, _) = try await get(client, "/api/v1/insights/kpis/customers?measure=buyers")
            #expect(status == .ok && body["size"]?.numberValue?.int64 == 2)
            #expect(body["customers"]?.arrayValue?.first?["identifiers"]?.arrayValue?.isEmpty == false)
            for path in [
                "/api/v1/insights/rfm", "/api/v1/insights/rfm?format=csv", "/api/v1/insights/rfm/movement",
                "/api/v1/insights/cohorts?months=3", "/api/v1/insights/cohorts?format=csv&basis=first_seen",
                "/api/v1/insights/repurchase", "/api/v1/insights/basket?min_support=0.5",
                "/api/v1/insights/basket?format=csv&level=product", "/api/v1/insights/predictions?horizon_days=30",
            ] {
                (status, _, text, _) = try await get(client, path)
                #expect(status == .ok, "\(path): \(text)")
            }
            (status, body, _, _) = try await get(client, "/api/v1/insights/rfm")
            #expect(body["buyers"]?.numberValue?.int64 == 2 && body["matrix"]?.arrayValue?.count == 25)
            (status, body, _, _) = try await get(client, "/api/v1/insights/predictions")
            #expect(body["data"]?.arrayValue?.count == 2 && body["models"]?["buyers"]?.numberValue?.int64 == 2)
            var (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels", #"{"steps":["Product Viewed","Order Completed"],"window_days":1}"#,
                auth: HTTPTests.bearer)
            #expect(post == .ok && funnel["steps"]?.arrayValue?.map { $0["customers"]?.numberValue?.int64 } == [2, 2])
            (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels/drop-off",
                #"{"steps":["Product Viewed","Order Completed"],"step":1,"save_as_tag":"dropped"}"#,
                auth: HTTPTests.bearer)
            #expect(
                post == .ok && funnel["size"]?.numberValue?.int64 == 0
                    && funnel["saved"]?["tag"]?.stringValue == "dropped")

            let (ran, run) = try await http.post(client, "/api/v1/insights/predictions/run", "", auth: HTTPTests.bearer)
            #expect(ran == .ok && run["tags"]?.arrayValue?.count == 2, "\(run)")
            (status, body, _, _) = try await get(
                client, "/api/v1/tags/高流失风险".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!)
            #expect(status == .ok, "\(body)")

            // Bad input: 400 with a stable code, never a 500.
            for (path, code) in [
                ("/api/v1/insights/kpis?grain=year", "invalid_grain"),
                ("/api/v1/insights/kpis?from=2026-02-30", "invalid_from"),
                ("/api/v1/insights/kpis?from=2026-05-02&to=2026-05-01", "bad_range"),
                ("/api/v1/insights/kpis?from=2000-01-01&to=2026-01-01", "range_too_long"),
                ("/api/v1/insights/kpis?dimension=nope", "unknown_dimension"),
                ("/api/v1/insights/kpis?format=xml", "invalid_format"),
                ("/api/v1/insights/kpis/customers?group=x", "missing_dimension"),
                ("/api/v1/insights/kpis/customers?measure=all", "invalid_measure"),
                ("/api/v1/insights/cohorts?months=0", "invalid_months"),
                ("/api/v1/insights/cohorts?from=2026-13", "invalid_from"),
                ("/api/v1/insights/rfm/movement?from=2026-05-02&to=2026-05-01", "bad_range"),
                ("/api/v1/insights/basket?min_support=0", "invalid_min_support"),
                ("/api/v1/insights/basket?level=brand", "invalid_level"),
                ("/api/v1/insights/predictions?horizon_days=0", "invalid_horizon_days"),
            ] {
                (status, body, _, _) = try await get(client, path)
                #expect(status == .badRequest && http.code(body) == code, "\(path): \(body)")
            }
            for (json, code) in [
                ("[]", "invalid_body"), ("{", "invalid_json"), (#"{"steps":[]}"#, "bad_steps"),
                (#"{"steps":["a"],"window_days":0}"#, "bad_window"), (#"{"steps":"a"}"#, "invalid_steps"),
            ] {
                (post, funnel) = try await http.post(client, "/api/v1/insights/funnels", json, auth: HTTPTests.bearer)
                #expect(post == .badRequest && http.code(funnel) == code, "\(json): \(funnel)")
            }
            (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels/drop-off", #"{"steps":["a","b"]}"#, auth: HTTPTests.bearer)
            #expect(post == .badRequest && http.code(funnel) == "missing_step")
        }
    }

    @Test func thePermissionIsRequiredAndTheScopeKept() async throws {
        try await http.withApp { client in
            try await shop(client)
            var (status, body, _) = try await access.send(
                client, .post, "/api/v1/roles",
                #"{"name":"sales-analyst","permissions":["insights.read","customers.read"],"scope":"own"}"#)
            #expect(status == .created, "\(body)")
            (status, body, _) = try await access.send(
                client, .post, "/api/v1/users",
                #"{"username":"li","password":"long password li","role":"sales-analyst"}"#)
            #expect(status == .created, "\(body)")
            let li = try await access.signIn(client, "li", "long password li")
            let sales = try await access.key(client, role: "sales")

            var (got, json, _, _) = try await get(client, "/api/v1/insights/kpis", auth: sales)
            #expect(got == .forbidden)
            (got, json, _, _) = try await get(client, "/api/v1/insights/kpis", auth: li)
            #expect(got == .ok && json["total"]?["buyers"]?.numberValue?.int64 == 1)
            #expect(json["total"]?["net_revenue"]?.stringValue == "10.00")
            (got, json, _, _) = try await get(client, "/api/v1/insights/kpis/customers", auth: li)
            #expect(json["size"]?.numberValue?.int64 == 1)
            (got, json, _, _) = try await get(client, "/api/v1/insights/rfm", auth: li)
            #expect(json["buyers"]?.numberValue?.int64 == 1)
            (got, json, _, _) = try await get(client, "/api/v1/insights/predictions", auth: li)
            #expect(json["data"]?.arrayValue?.count == 1)
            // Saving a drop-off as a tag needs audiences.write, which the role lacks.
            let (post, refused) = try await http.post(
                client, "/api/v1/insights/funnels/drop-off",
                #"{"steps":["Product Viewed","Order Completed"],"step":1,"save_as_tag":"x"}"#, auth: li)
            #expect(post == .forbidden, "\(refused)")
            let (runStatus, _) = try await http.post(client, "/api/v1/insights/predictions/run", "", auth: li)
            #expect(runStatus == .forbidden)
        }
    }
}
