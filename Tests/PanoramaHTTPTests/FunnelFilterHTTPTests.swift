import Foundation
import Hummingbird
import HummingbirdTesting
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Funnel steps with property conditions over REST: the counts, the conditions echoed per step,
/// the drop-off, and a 400 with a stable code for each kind of bad condition.
extension InsightsHTTPTests {
    @Test func funnelStepsFilterOnPropertiesOverREST() async throws {
        try await http.withApp { client in
            // c1 ordered 10.00, c2 25.50, each after viewing a product.
            try await shop(client)
            let filtered =
                #"{"steps":["Product Viewed",{"event":"Order Completed","where":[{"property":"total","op":"gte","value":20}]}],"window_days":1}"#
            var (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels", filtered, auth: HTTPTests.bearer)
            #expect(post == .ok, "\(funnel)")
            let steps = funnel["steps"]?.arrayValue ?? []
            #expect(steps.map { $0["customers"]?.numberValue?.int64 } == [2, 1])
            #expect(steps.map { $0["where"]?.arrayValue?.count } == [0, 1])
            #expect(steps.last?["where"]?.arrayValue?.first?["op"]?.stringValue == "gte")
            (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels",
                #"{"steps":[{"event":"Order Completed","where":[{"property":"order_id","op":"in","value":["O-c1","O-x"]}]}]}"#,
                auth: HTTPTests.bearer)
            #expect(funnel["steps"]?.arrayValue?.first?["customers"]?.numberValue?.int64 == 1, "\(funnel)")
            // c1 viewed and did not order 20.00 or more: the drop-off after step 1.
            (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels/drop-off",
                #"{"steps":["Product Viewed",{"event":"Order Completed","where":[{"property":"total","op":"gte","value":20}]}],"window_days":1,"step":1}"#,
                auth: HTTPTests.bearer)
            #expect(post == .ok && funnel["size"]?.numberValue?.int64 == 1, "\(funnel)")

            let eleven = Array(repeating: #"{"property":"a","op":"exists"}"#, count: 11).joined(separator: ",")
            for (condition, code) in [
                (#"{"property":"total","op":"between","value":1}"#, "bad_condition_op"),
                (#"{"property":"total","op":"gt","value":"20"}"#, "bad_condition_value"),
                (#"{"property":"total","op":"in","value":[]}"#, "bad_condition_value"),
                (#"{"property":"","op":"exists"}"#, "bad_condition_property"),
                (#"{"property":"a","op":"eq","value":1,"extra":true}"#, "bad_condition"),
                (eleven, "too_many_conditions"),
            ] {
                (post, funnel) = try await http.post(
                    client, "/api/v1/insights/funnels",
                    #"{"steps":[{"event":"Order Completed","where":[\#(condition)]}]}"#, auth: HTTPTests.bearer)
                #expect(post == .badRequest && http.code(funnel) == code, "\(condition): \(funnel)")
            }
            (post, funnel) = try await http.post(
                client, "/api/v1/insights/funnels", #"{"steps":[{"where":[]}]}"#, auth: HTTPTests.bearer)
            #expect(post == .badRequest && http.code(funnel) == "invalid_steps", "\(funnel)")
        }
    }
}
