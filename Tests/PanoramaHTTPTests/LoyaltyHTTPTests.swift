import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// The loyalty REST API: program, points, stored value, idempotency keys and error codes.
@Suite struct LoyaltyHTTPTests {
    let http = HTTPTests()

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String,
        key: String? = nil
    ) async throws -> (HTTPResponse.Status, JSONValue, replayed: Bool) {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: HTTPTests.bearer]
        if let key { headers[.init("Idempotency-Key")!] = key }
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) {
            (
                $0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null,
                $0.headers[.init("Idempotent-Replayed")!] == "true"
            )
        }
    }

    func customer(_ client: some TestClientProtocol, _ userID: String) async throws -> Int64 {
        _ = try await http.post(client, "/v1/identify", #"{"userId":"\#(userID)"}"#)
        let (_, profile) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/\(userID)")
        return try #require(profile["id"]?.numberValue?.int64)
    }

    @Test func pointsAndTiersOverREST() async throws {
        try await http.withApp { client in
            let program = """
                {"expiry_months": 24, "earn_rules": [{"type":"event","event":"signup","points":100}],
                 "tiers": [{"code":"member"},{"code":"vip","min_points":100,"multiplier_percent":200,"benefits":["lounge"]}]}
                """
            var (status, body, _) = try await send(client, .put, "/api/v1/loyalty/program", program)
            #expect(status == .ok)
            #expect(body["tiers"]?.arrayValue?.count == 2)
            #expect(body["updated_at"]?.stringValue != nil)
            (status, body, _) = try await send(
                client, .put, "/api/v1/loyalty/program", #"{"tiers":[{"code":"Bad Code"}]}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_program")
            #expect(body["error"]?["field"]?.stringValue == "tiers[0].code")

            let id = try await customer(client, "rest-points")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/loyalty/events", #"{"event":"signup"}"#, key: "signup-1")
            #expect(status == .created)
            #expect(body["amount"]?.numberValue?.int64 == 100)
            #expect(body["entries"]?.arrayValue?.first?["reference"]?.stringValue == "event:signup")

            // The same key in the body: the same answer, marked as a replay.
            var replayed = false
            (status, body, replayed) = try await send(
                client, .post, "/api/v1/customers/\(id)/loyalty/events",
                #"{"event":"signup","idempotency_key":"signup-1"}"#)
            #expect(status == .created && replayed)
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/points/redemptions", #"{"points":10}"#, key: "signup-1")
            #expect(status == .conflict && http.code(body) == "idempotency_key_reused")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/points/redemptions", #"{"points":10}"#)
            #expect(status == .badRequest && http.code(body) == "missing_idempotency_key")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/points/redemptions", #"{"points":500}"#, key: "r-1")
            #expect(status == .conflict && http.code(body) == "insufficient_points")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/points/redemptions", #"{"points":"ten"}"#, key: "r-2")
            #expect(status == .badRequest && http.code(body) == "invalid_points")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/points/adjustments", #"{"points":-40,"reason":"correction"}"#,
                key: "adj-1")
            #expect(status == .created && body["balance"]?.numberValue?.int64 == 60)
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/987654/points/adjustments", #"{"points":1,"reason":"x"}"#, key: "a")
            #expect(status == .notFound && http.code(body) == "customer_not_found")

            (status, body, _) = try await send(client, .post, "/api/v1/loyalty/tier-review", "")
            #expect(status == .ok && body["upgraded"]?.numberValue?.int64 == 1)
            let (s, summary) = try await http.get(client, "/api/v1/customers/\(id)/loyalty")
            #expect(s == .ok)
            #expect(summary["points"]?["balance"]?.numberValue?.int64 == 60)
            #expect(summary["points"]?["lots"]?.arrayValue?.first?["expires_at"]?.stringValue != nil)
            #expect(summary["tier"]?["code"]?.stringValue == "vip")
            #expect(summary["tier"]?["benefits"]?.arrayValue?.first?.stringValue == "lounge")
            #expect(summary["tier_history"]?.arrayValue?.first?["reason"]?.stringValue == "review")
            let (_, page) = try await http.get(client, "/api/v1/customers/\(id)/points?limit=1")
            #expect(page["balance"]?.numberValue?.int64 == 60)
            #expect(page["data"]?.arrayValue?.first?["kind"]?.stringValue == "adjust")
            let cursor = try #require(page["next_cursor"]?.stringValue)
            let (_, next) = try await http.get(client, "/api/v1/customers/\(id)/points?limit=1&cursor=\(cursor)")
            #expect(next["data"]?.arrayValue?.first?["kind"]?.stringValue == "bonus")
            #expect(next["next_cursor"] == .null)
        }
    }

    @Test func storedValueOverREST() async throws {
        try await http.withApp { client in
            let id = try await customer(client, "rest-wallet")
            var (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/top-ups", #"{"amount":5000}"#, key: "t-1")
            #expect(status == .created && body["balance"]?.numberValue?.int64 == 5000)
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/spends", #"{"amount":1999,"reason":"POS 7"}"#,
                key: "s-1")
            #expect(status == .created && body["amount"]?.numberValue?.int64 == -1999)
            let spendID = try #require(body["id"]?.numberValue?.int64)
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/spends", #"{"amount":9999}"#, key: "s-2")
            #expect(status == .conflict && http.code(body) == "insufficient_balance")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/refunds",
                #"{"spend_id":\#(spendID),"amount":2000}"#,
                key: "f-1")
            #expect(status == .conflict && http.code(body) == "refund_exceeds_spend")
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/refunds",
                #"{"spend_id":\#(spendID),"amount":999}"#,
                key: "f-2")
            #expect(status == .created && body["balance"]?.numberValue?.int64 == 4000)
            let (s, ledger) = try await http.get(client, "/api/v1/customers/\(id)/stored-value")
            #expect(s == .ok && ledger["balance"]?.numberValue?.int64 == 4000)
            #expect(ledger["data"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["refund", "spend", "top_up"])
        }
    }

    /// Concurrent HTTP spends on one account: 25 requests of 300 on a balance of 5000 — exactly 16
    /// go through, the rest are 409 insufficient_balance, and 200 is left.
    @Test func concurrentSpendRequestsNeverOverdraw() async throws {
        try await http.withApp { client in
            let id = try await customer(client, "rest-rush")
            _ = try await send(
                client, .post, "/api/v1/customers/\(id)/stored-value/top-ups", #"{"amount":5000}"#, key: "t")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<25 {
                    group.addTask {
                        try await send(
                            client, .post, "/api/v1/customers/\(id)/stored-value/spends", #"{"amount":300}"#,
                            key: "rush-\(i)"
                        ).0
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 16)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
            let (_, ledger) = try await http.get(client, "/api/v1/customers/\(id)/stored-value")
            #expect(ledger["balance"]?.numberValue?.int64 == 200)
        }
    }

    /// Orders recorded through the orders API earn points at once, and their refunds take them back.
    @Test func ordersThroughTheAPIEarnAndRefundsReverse() async throws {
        try await http.withApp { client in
            let program =
                #"{"earn_rules": [{"type":"spend","points":1,"per_amount":100},{"type":"category","category":"tea","points":1,"per_amount":100}]}"#
            _ = try await send(client, .put, "/api/v1/loyalty/program", program)
            let order = #"""
                {"order_id": "L-1", "customer": {"user_id": "loyal"}, "status": "paid",
                 "products": [{"sku": "A", "category": "tea", "quantity": 2, "price": "12.50"}], "shipping": 5}
                """#
            let (created, body) = try await http.post(client, "/api/v1/orders", order, auth: HTTPTests.bearer)
            #expect(created == .created)
            let orderID = try #require(body["id"]?.numberValue?.int64)
            let customer = try #require(body["customer_id"]?.numberValue?.int64)
            // 30.00 paid: 30 points, and 25 more for the tea lines.
            var (_, summary) = try await http.get(client, "/api/v1/customers/\(customer)/loyalty")
            #expect(summary["points"]?["balance"]?.numberValue?.int64 == 55)
            let (refunded, _) = try await http.post(
                client, "/api/v1/orders/\(orderID)/refunds", #"{"refund_id": "LR1", "amount": "15.00"}"#,
                auth: HTTPTests.bearer)
            #expect(refunded == .created)
            (_, summary) = try await http.get(client, "/api/v1/customers/\(customer)/loyalty")
            #expect(summary["points"]?["balance"]?.numberValue?.int64 == 27)
            #expect(summary["qualification"]?["spend"]?.numberValue?.int64 == 1500)
        }
    }
}
