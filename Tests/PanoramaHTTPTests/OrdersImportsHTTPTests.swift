import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Orders, refunds and imports over HTTP.
@Suite struct OrdersImportsHTTPTests {
    let http = HTTPTests()

    @Test func ordersAndRefundsOverREST() async throws {
        try await http.withApp { client in
            let order = #"""
                {"order_id": "H-1", "customer": {"user_id": "hu", "email": "h@example.com"}, "status": "paid",
                 "products": [{"sku": "A", "category": "tea", "quantity": 2, "price": "12.50"}], "shipping": 5}
                """#
            let auth = HTTPTests.bearer
            let (created, body) = try await http.post(client, "/api/v1/orders", order, auth: auth)
            #expect(created == .created)
            #expect(body["total"]?.stringValue == "30.00")
            #expect(body["items"]?.arrayValue?.first?["amount"]?.stringValue == "25.00")
            let id = try #require(body["id"]?.numberValue?.int64)
            let (again, _) = try await http.post(client, "/api/v1/orders", order, auth: auth)
            #expect(again == .ok)

            let (refunded, r) = try await http.post(
                client, "/api/v1/orders/\(id)/refunds", #"{"refund_id": "HR1", "lines": [{"sku": "A", "quantity": 1}]}"#,
                auth: auth)
            #expect(refunded == .created)
            #expect(r["refund"]?["amount"]?.stringValue == "12.50")
            #expect(r["order"]?["net"]?.stringValue == "17.50")
            let (replayed, _) = try await http.post(
                client, "/api/v1/orders/\(id)/refunds", #"{"refund_id": "HR1", "lines": [{"sku": "A", "quantity": 1}]}"#,
                auth: auth)
            #expect(replayed == .ok)
            let (over, o) = try await http.post(
                client, "/api/v1/orders/\(id)/refunds", #"{"refund_id": "HR2", "amount": 100}"#, auth: auth)
            #expect(over == .conflict && http.code(o) == "refund_exceeds_order")

            let customer = try #require(body["customer_id"]?.numberValue?.int64)
            let (_, list) = try await http.get(client, "/api/v1/customers/\(customer)/orders")
            #expect(list["data"]?.arrayValue?.count == 1)
            let (_, value) = try await http.get(client, "/api/v1/customers/\(customer)/value")
            #expect(value["net_spend"]?.stringValue == "17.50")
            #expect(value["favourite_category"]?.stringValue == "tea")
            let (_, profile) = try await http.get(client, "/api/v1/customers/\(customer)")
            #expect(profile["value"]?["orders"]?.numberValue?.int64 == 1)
            let (found, byID) = try await http.get(client, "/api/v1/orders/by-external-id/H-1")
            #expect(found == .ok && byID["refunds"]?.arrayValue?.count == 1)
            let (missing, m) = try await http.get(client, "/api/v1/orders/999")
            #expect(missing == .notFound && http.code(m) == "order_not_found")
            let (bad, b) = try await http.post(client, "/api/v1/orders", #"{"order_id": "x", "total": 1}"#, auth: auth)
            #expect(bad == .badRequest && http.code(b) == "missing_customer")
        }
    }

    @Test func anImportIsUploadedPreviewedStartedAndReported() async throws {
        try await http.withApp { client in
            let csv = """
                订单号,手机,下单时间,金额,渠道
                P1,13800138000,2026/3/1 10:00,88.00,小程序
                P2,13800138000,2026/3/2 11:00,12.5,门店
                P3,not-a-phone,2026/3/3 12:00,1,门店
                """
            let auth: HTTPFields = [.authorization: HTTPTests.bearer, .contentType: "text/csv"]
            let (status, uploaded) = try await client.execute(
                uri: "/api/v1/imports?kind=orders&name=orders.csv", method: .post, headers: auth,
                body: ByteBuffer(string: csv)
            ) { ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null) }
            #expect(status == .created)
            #expect(uploaded["status"]?.stringValue == "uploaded")
            #expect(uploaded["preview"]?["detected"]?["delimiter"]?.stringValue == ",")
            #expect(uploaded["preview"]?["rows"]?.arrayValue?.count == 3)
            let id = try #require(uploaded["id"]?.numberValue?.int64)

            let (started, run) = try await http.post(client, "/api/v1/imports/\(id)/start", "{}", auth: HTTPTests.bearer)
            #expect(started == .accepted && run["status"]?.stringValue == "running")
            let (again, a) = try await http.post(client, "/api/v1/imports/\(id)/start", "{}", auth: HTTPTests.bearer)
            #expect(again == .conflict && http.code(a) == "import_already_started")

            var final: JSONValue = .null
            for _ in 0..<200 {
                let (_, current) = try await http.get(client, "/api/v1/imports/\(id)")
                if current["status"]?.stringValue != "running" {
                    final = current
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(final["status"]?.stringValue == "completed")
            #expect(final["report"]?["accepted"]?.numberValue?.int64 == 2)
            #expect(final["report"]?["rejected"]?.numberValue?.int64 == 1)
            #expect(final["progress"]?["rows_read"]?.numberValue?.int64 == 3)
            let rejected = try await client.execute(
                uri: "/api/v1/imports/\(id)/rejected", method: .get, headers: [.authorization: HTTPTests.bearer]
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(rejected.0 == .ok && rejected.1.contains("not-a-phone"))
            let (_, orders) = try await http.get(client, "/api/v1/orders/by-external-id/P1")
            #expect(orders["channel"]?.stringValue == "mini_program")
            let (_, list) = try await http.get(client, "/api/v1/imports")
            #expect(list["data"]?.arrayValue?.count == 1)
        }
    }
}
