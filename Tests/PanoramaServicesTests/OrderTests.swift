import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore
import Testing

/// Orders and refunds through the services, on SQLite (and on PostgreSQL through `PostgresOrderTests`).
@Suite struct OrderTests {
    func save(_ h: Harness, _ json: String) async throws -> (view: OrderView, created: Bool) {
        try await h.services.orders.save(workspaceID: h.workspaceID, body: try JSONParser.parse(json))
    }

    func refund(_ h: Harness, _ orderID: Int64, _ json: String) async throws -> (
        view: OrderView, refund: Refund, created: Bool
    ) {
        try await h.services.orders.refund(workspaceID: h.workspaceID, orderID: orderID, body: try JSONParser.parse(json))
    }

    static let order = #"""
        {"order_id": "A-1", "customer": {"user_id": "u1", "phone": "138 0013 8000"}, "status": "paid",
         "channel": "小程序", "store_id": "S-9", "payment_method": "wechat_pay", "coupon": "NEW10",
         "placed_at": "2026-11-01T10:00:00+08:00",
         "products": [
           {"sku": "TEA-1", "name": "Green tea", "category": "tea", "quantity": 2, "price": 45.5},
           {"sku": "CUP-1", "name": "Cup", "category": "ware", "quantity": 1, "price": "30", "discount": 5}
         ],
         "discount": 10, "shipping": 8}
        """#

    @Test func anOrderIsStoredWithItsCustomerAndResendingItChangesNothing() async throws {
        try await Harness.run { h in
            let (first, created) = try await save(h, Self.order)
            #expect(created)
            let o = first.order
            #expect(o.externalID == "A-1")
            #expect(o.status == .paid)
            #expect(o.channel == "mini_program")
            #expect(o.coupons == ["NEW10"])
            #expect(o.items.count == 2)
            #expect(o.subtotal == 2 * 4550 + 3000 - 500)
            // lines − discount + shipping, to the cent
            #expect(o.total == 11600 - 1000 + 800)
            #expect(o.placedAt == 1_793_498_400_000)
            let profile = try await h.profile("phone", "+8613800138000")
            #expect(first.customerID == profile.id)
            #expect(try await h.profile("user_id", "u1").id == profile.id)

            let (again, createdAgain) = try await save(h, Self.order)
            #expect(!createdAgain)
            #expect(again.order.id == o.id && again.order.version == o.version)
            let events = try await h.events(of: profile.id)
            #expect(events.map(\.event) == ["Order Completed"])

            // A changed order updates the same record and lines.
            let changed = Self.order.replacingOccurrences(of: #""status": "paid""#, with: #""status": "completed""#)
                .replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 3"#)
            let (updated, createdUpdated) = try await save(h, changed)
            #expect(!createdUpdated)
            #expect(updated.order.id == o.id)
            #expect(updated.order.status == .completed)
            #expect(updated.order.items.first?.quantity == 3)
            #expect(updated.order.total == 3 * 4550 + 2500 - 1000 + 800)
            let page = try await h.services.orders.orders(
                workspaceID: h.workspaceID, customerID: profile.id, cursor: nil, limit: 10)
            #expect(page.items.count == 1)
            #expect(try await h.events(of: profile.id).map(\.event) == ["Order Updated", "Order Completed"])
        }
    }

    /// New orders of different line counts (each count a statement of its own, compiled once and
    /// reused) keep their lines; an order sent again with fewer lines loses those past its last.
    @Test func linesFollowTheOrderAsSentLast() async throws {
        try await Harness.run { h in
            func body(_ id: String, _ skus: [String]) -> String {
                let products = skus.map { #"{"sku": "\#($0)", "category": "tea", "quantity": 1, "price": 10}"# }
                return #"""
                    {"order_id": "\#(id)", "customer": {"user_id": "u2"}, "status": "paid",
                     "placed_at": "2026-11-01T10:00:00+08:00", "products": [\#(products.joined(separator: ", "))]}
                    """#
            }
            let orders = [("L-1", ["A"]), ("L-2", ["A", "B"]), ("L-3", ["A", "B", "C"]), ("L-4", ["C", "D"]), ("L-5", ["E"])]
            for (id, skus) in orders {
                #expect(try await save(h, body(id, skus)).created)
            }
            for (id, skus) in orders {
                let stored = try await h.services.orders.order(workspaceID: h.workspaceID, externalID: id)
                #expect(stored.order.items.compactMap(\.sku) == skus)
            }
            #expect(try await !save(h, body("L-3", ["B"])).created)
            let fewer = try await h.services.orders.order(workspaceID: h.workspaceID, externalID: "L-3")
            #expect(fewer.order.items.compactMap(\.sku) == ["B"])
            let untouched = try await h.services.orders.order(workspaceID: h.workspaceID, externalID: "L-4")
            #expect(untouched.order.items.compactMap(\.sku) == ["C", "D"])
        }
    }

    @Test func badOrdersAreRefusedWithTheField() async throws {
        try await Harness.run { h in
            let cases: [(String, String, String?)] = [
                (#"{"customer": {"user_id": "u"}, "total": 1}"#, "missing_order_id", "order_id"),
                (#"{"order_id": "x", "total": 1}"#, "missing_customer", "customer"),
                (#"{"order_id": "x", "customer": {"shoe_size": "9"}, "total": 1}"#, "unknown_identifier_type", "customer.shoe_size"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}}"#, "missing_total", "total"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}, "total": "12,5"}"#, "invalid_amount", "total"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}, "total": -1}"#, "invalid_amount", "total"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}, "total": 1, "status": "lost"}"#, "invalid_status", "status"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}, "total": 1, "currency": "yuan"}"#, "invalid_currency", "currency"),
                (#"{"order_id": "x", "customer": {"user_id": "u"}, "products": [{"price": 1, "quantity": 0}]}"#, "invalid_quantity", "products[0].quantity"),
                (#"{"order_id": "x", "customer": {"id": 999}, "total": 1}"#, "customer_not_found", nil),
            ]
            for (body, code, field) in cases {
                do {
                    _ = try await save(h, body)
                    Issue.record("accepted \(body)")
                } catch let error as PanoramaError {
                    #expect(error.code == code, "\(body)")
                    #expect(error.field == field, "\(body)")
                }
            }
            #expect(try await h.services.store.orderTotals(workspaceID: h.workspaceID).orders == 0)
        }
    }

    @Test func trackingEcommerceEventsRecordOrdersAndRefunds() async throws {
        try await Harness.run { h in
            try await h.send(
                #"""
                {"userId": "u7", "event": "Order Completed", "timestamp": "2026-10-01T08:00:00Z",
                 "properties": {"order_id": "W-77", "total": 99.9, "currency": "usd", "coupon": "X",
                   "products": [{"product_id": "p1", "sku": "S1", "category": "books", "price": 49.95, "quantity": 2}]}}
                """#, to: .track)
            let o = try await h.services.orders.order(workspaceID: h.workspaceID, externalID: "W-77")
            #expect(o.order.total == 9990)
            #expect(o.order.currency == "USD")
            #expect(o.order.source == "tracking")
            #expect(o.customerID == (try await h.profile("user_id", "u7")).id)
            // A partial refund of one unit, named by sku.
            try await h.send(
                #"""
                {"userId": "u7", "event": "Order Refunded", "messageId": "r-1",
                 "properties": {"order_id": "W-77", "products": [{"sku": "S1", "quantity": 1}]}}
                """#, to: .track)
            let refunded = try await h.services.orders.order(workspaceID: h.workspaceID, externalID: "W-77")
            #expect(refunded.order.refunded == 4995)
            #expect(refunded.refunds.count == 1)
            #expect(refunded.order.items[0].refundedQuantity == 1)
            // The same event again (a resend) refunds nothing more.
            try await h.send(
                #"{"userId": "u7", "event": "Order Refunded", "messageId": "r-1", "properties": {"order_id": "W-77", "products": [{"sku": "S1", "quantity": 1}]}}"#,
                to: .track)
            #expect(try await h.services.orders.order(workspaceID: h.workspaceID, externalID: "W-77").order.refunded == 4995)
            // An event with broken order properties is still stored, as an event.
            let result = try await h.send(
                #"{"userId": "u7", "event": "Order Completed", "properties": {"total": "lots"}}"#, to: .track)
            #expect(result.stored == 1)
        }
    }

    @Test func refundsAreCheckedAgainstTheOrderAndIdempotent() async throws {
        try await Harness.run { h in
            let o = try await save(h, Self.order).view.order
            // Line 1: 2 × 45.50; refund one unit.
            let (_, r1, created1) = try await refund(
                h, o.id, #"{"refund_id": "R1", "type": "return", "lines": [{"line": 1, "quantity": 1}], "reason": "broken"}"#)
            #expect(created1)
            #expect(r1.amount == 4550)
            #expect(r1.kind == .return)
            // Replayed: the same refund, nothing more taken back.
            let (view2, r2, created2) = try await refund(
                h, o.id, #"{"refund_id": "R1", "type": "return", "lines": [{"line": 1, "quantity": 1}]}"#)
            #expect(!created2)
            #expect(r2.id == r1.id)
            #expect(view2.order.refunded == 4550)
            // Reused for something else.
            await #expect(throws: PanoramaError.self) {
                _ = try await refund(h, o.id, #"{"refund_id": "R1", "amount": 1}"#)
            }
            // More units than left on the line.
            do {
                _ = try await refund(h, o.id, #"{"refund_id": "R2", "lines": [{"line": 1, "quantity": 2}]}"#)
                Issue.record("over-refund accepted")
            } catch let error as PanoramaError {
                #expect(error.code == "refund_exceeds_order")
            }
            // The rest of the order with no lines named.
            let (rest, r3, _) = try await refund(h, o.id, #"{"refund_id": "R3"}"#)
            #expect(r3.amount == o.total - 4550)
            #expect(rest.order.refunded == o.total)
            do {
                _ = try await refund(h, o.id, #"{"refund_id": "R4", "amount": 0.01}"#)
                Issue.record("refund of a fully refunded order accepted")
            } catch let error as PanoramaError {
                #expect(error.code == "refund_exceeds_order")
            }
            do {
                _ = try await refund(h, o.id, #"{"amount": 1}"#)
                Issue.record("refund without id accepted")
            } catch let error as PanoramaError {
                #expect(error.code == "missing_refund_id")
            }
        }
    }

    /// Concurrent refunds of one order never take back more than it was worth.
    @Test func concurrentRefundsCannotOverRefund() async throws {
        try await Harness.run { h in
            let o = try await save(
                h, #"{"order_id": "C-1", "customer": {"user_id": "c"}, "total": 100, "status": "paid"}"#
            ).view.order
            let succeeded = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await refund(h, o.id, #"{"refund_id": "c-\#(i)", "amount": 30}"#)
                            return true
                        } catch let error as PanoramaError where error.code == "refund_exceeds_order" {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(succeeded == 3)
            let after = try await h.services.orders.order(workspaceID: h.workspaceID, id: o.id)
            #expect(after.order.refunded == 9000)
            #expect(after.refunds.count == 3)
            #expect(after.refunds.reduce(0) { $0 + $1.amount } == after.order.refunded)
        }
    }

    @Test func valueFiguresAreNetOfRefunds() async throws {
        try await Harness.run { h in
            let day: Int64 = 86_400_000
            let base: Int64 = 1_780_000_000_000
            func order(_ id: String, _ at: Int64, _ total: String, _ channel: String, _ status: String = "paid",
                       category: String = "tea") -> String {
                #"{"order_id": "\#(id)", "customer": {"email": "v@example.com"}, "status": "\#(status)", "channel": "\#(channel)", "placed_at": \#(at), "products": [{"category": "\#(category)", "quantity": 2, "price": \#(total)}]}"#
            }
            let a = try await save(h, order("V1", base, "50", "store")).view.order  // 100.00
            _ = try await save(h, order("V2", base + 10 * day, "20", "online", category: "ware"))  // 40.00
            _ = try await save(h, order("V3", base + 30 * day, "35", "online"))  // 70.00
            _ = try await save(h, order("V4", base + 40 * day, "999", "online", "cancelled"))
            _ = try await save(h, order("V5", base + 41 * day, "999", "online", "pending"))
            let v4 = try await save(h, order("V6", base + 50 * day, "10", "app")).view.order  // 20.00, refunded fully
            _ = try await refund(h, v4.id, #"{"refund_id": "x6"}"#)
            _ = try await refund(h, a.id, #"{"refund_id": "x1", "lines": [{"line": 1, "quantity": 1}]}"#)  // −50.00
            let profile = try await h.profile("email", "v@example.com")
            let v = try await h.services.orders.value(workspaceID: h.workspaceID, customerID: profile.id)
            #expect(v.orders == 3)
            #expect(v.totalSpend == 10000 + 4000 + 7000 + 2000)
            #expect(v.refunded == 5000 + 2000)
            #expect(v.netSpend == 16000)
            #expect(v.averageOrderValue == 16000 / 3)
            #expect(v.firstPurchaseAt == base)
            #expect(v.lastPurchaseAt == base + 30 * day)
            #expect(v.averageRepurchaseDays == 15)
            // tea: 50.00 kept of V1 + 70.00 of V3 = 120.00; ware 40.00.
            #expect(v.favouriteCategory == "tea")
            #expect(v.favouriteChannel == "online")
            #expect(v.currency == "CNY")
        }
    }

    @Test func ordersFollowMergedProfiles() async throws {
        try await Harness.run { h in
            _ = try await save(h, #"{"order_id": "M1", "customer": {"anonymous_id": "anon-m"}, "total": 10}"#)
            _ = try await save(h, #"{"order_id": "M2", "customer": {"user_id": "um"}, "total": 20}"#)
            // The anonymous visitor signs in: the two profiles merge.
            try await h.send(#"{"userId": "um", "anonymousId": "anon-m", "traits": {}}"#, to: .identify)
            let profile = try await h.profile("user_id", "um")
            let page = try await h.services.orders.orders(
                workspaceID: h.workspaceID, customerID: profile.id, cursor: nil, limit: 1)
            #expect(page.items.count == 1)
            let next = try await h.services.orders.orders(
                workspaceID: h.workspaceID, customerID: profile.id, cursor: page.nextCursor, limit: 1)
            #expect(Set((page.items + next.items).map(\.order.externalID)) == ["M1", "M2"])
            #expect(next.nextCursor == nil)
            #expect(page.items.allSatisfy { $0.customerID == profile.id })
            let value = try await h.services.orders.value(workspaceID: h.workspaceID, customerID: profile.id)
            #expect(value.netSpend == 3000)
        }
    }
}

@Suite struct MoneyTests {
    @Test func decimalsBecomeExactMinorUnits() {
        let cases: [(String, Int64?)] = [
            ("27.5", 2750), ("0.1", 10), ("19.990000000000002", 1999), ("1e3", 100_000), ("1.005", 100),
            ("1.015", 102), ("1.0151", 102), ("-0.5", -50), ("12", 1200), ("2.5e-1", 25), ("abc", nil), ("1.2.3", nil),
            ("", nil),
        ]
        for (text, expected) in cases {
            #expect(OrderDecoder.minorUnits(text) == expected, "\(text)")
        }
    }

    /// Found by schemathesis: huge amounts overflowed a line's price × quantity and crashed the server.
    @Test func hugeAmountsAreRefusedNotOverflowed() throws {
        func code(_ json: String) -> String? {
            guard case .object(let object)? = try? JSONParser.parse(json) else { return "not json" }
            do {
                _ = try OrderDecoder.order(object, defaultTime: 0)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(#"{"order_id":"o","products":[{"price":9438246219127852.0,"quantity":1173}]}"#) == "invalid_amount")
        #expect(code(#"{"order_id":"o","total":1,"shipping":8.9e307}"#) == "invalid_amount")
        #expect(code(#"{"order_id":"o","products":[{"price":"10000000000.00","quantity":1000000}]}"#) == "invalid_amount")
        let lines = Array(repeating: #"{"price":"9999999999.99","quantity":1}"#, count: 3).joined(separator: ",")
        #expect(code(#"{"order_id":"o","products":[\#(lines)]}"#) == "invalid_amount")
        #expect(code(#"{"order_id":"o","products":[{"price":"10000000000.00","quantity":1}]}"#) == nil)
    }
}

/// The order tests on PostgreSQL.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresOrderTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = OrderTests()

    @Test func anOrderIsStoredWithItsCustomerAndResendingItChangesNothing() async throws {
        try await on { try await tests.anOrderIsStoredWithItsCustomerAndResendingItChangesNothing() }
    }
    @Test func trackingEcommerceEventsRecordOrdersAndRefunds() async throws {
        try await on { try await tests.trackingEcommerceEventsRecordOrdersAndRefunds() }
    }
    @Test func refundsAreCheckedAgainstTheOrderAndIdempotent() async throws {
        try await on { try await tests.refundsAreCheckedAgainstTheOrderAndIdempotent() }
    }
    @Test func concurrentRefundsCannotOverRefund() async throws {
        try await on { try await tests.concurrentRefundsCannotOverRefund() }
    }
    @Test func valueFiguresAreNetOfRefunds() async throws {
        try await on { try await tests.valueFiguresAreNetOfRefunds() }
    }
    @Test func ordersFollowMergedProfiles() async throws {
        try await on { try await tests.ordersFollowMergedProfiles() }
    }
}
