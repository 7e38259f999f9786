import Foundation
import PanoramaCore
import PanoramaServices
import Testing

@testable import PanoramaStore

/// The store's paid order lines as columns: read in slices (a slice may end inside an order), by
/// order then line, without unpaid orders, up to a limit of whole orders.
@Suite struct PaidOrderLinesTests {
    /// (order external id, category, product) of every line, in the order read.
    static func flat(_ lines: PaidOrderLines, _ external: [Int64: String]) -> [String] {
        (0..<lines.orderCount).flatMap { k in
            lines.lines(ofOrder: k).map { line in
                let category = lines.category[line] < 0 ? "-" : lines.categories[Int(lines.category[line])]
                let product = lines.product[line] < 0 ? "-" : lines.products[Int(lines.product[line])]
                return "\(external[lines.orderID[k]] ?? "?") \(category) \(product)"
            }
        }
    }

    @Test func slicesLimitsAndOrderIDs() async throws {
        try await Harness.run { h in
            try await InsightsServiceTests().shop(h)
            let store = try #require(h.services.store as? any SQLStore)
            let w = h.workspaceID
            var external: [Int64: String] = [:]
            for id in ["A-1", "A-2", "B-1", "C-1", "C-2"] {
                external[try #require(try await h.services.store.order(workspaceID: w, externalID: id)).id] = id
            }
            // Paid orders by id (as they came): A-1, A-2, B-1, C-1; C-2 is pending.
            let expected = [
                "A-1 tea TEA", "A-1 ware CUP", "A-2 tea TEA", "B-1 tea TEA", "B-1 ware CUP", "C-1 ware CUP",
            ]
            for slice in [1, 2, 3, 500] {
                let lines = try await store.paidOrderLines(
                    workspaceID: w, from: 0, to: .max, afterOrderID: 0, limit: 100, slice: slice)
                #expect(Self.flat(lines, external) == expected, "slice \(slice)")
                #expect(lines.orderCount == 4 && lines.lineCount == 6)
            }
            // A limit stops after the order that reaches it (asking limit + 1 tells there were more).
            for (limit, lines) in [(1, 2), (2, 2), (3, 3), (4, 5), (6, 6)] {
                let cut = try await store.paidOrderLines(
                    workspaceID: w, from: 0, to: .max, afterOrderID: 0, limit: limit, slice: 1)
                #expect(Self.flat(cut, external) == Array(expected.prefix(lines)), "limit \(limit)")
            }
            // After an order id; and a period.
            let a1 = try #require(external.first { $0.value == "A-1" }?.key)
            let after = try await store.paidOrderLines(workspaceID: w, from: 0, to: .max, afterOrderID: a1, limit: 100)
            // Orders are numbered as they came: A-1, A-2, B-1, C-1, C-2.
            #expect(Set(after.orderID.map { external[$0]! }) == ["A-2", "B-1", "C-1"])
            let september = try await store.paidOrderLines(
                workspaceID: w, from: 1_788_220_800_000, to: .max, afterOrderID: 0, limit: 100)  // 2026-09-01 UTC
            #expect(september.orderCount == 3)
            // From 09-05: B-1 and A-2, the scan starting at A-2 (the period's first id) and
            // leaving out C-1 (August) on the way.
            let fifth = try await store.paidOrderLines(
                workspaceID: w, from: 1_788_566_400_000, to: .max, afterOrderID: 0, limit: 100, slice: 1)
            #expect(Self.flat(fifth, external) == ["A-2 tea TEA", "B-1 tea TEA", "B-1 ware CUP"])
            // By order ids: only the paid ones.
            let c2 = try #require(external.first { $0.value == "C-2" }?.key)
            let byID = try await store.paidOrderLines(workspaceID: w, orderIDs: [a1, c2])
            #expect(Self.flat(byID, external) == ["A-1 tea TEA", "A-1 ware CUP"])
        }
    }
}

/// The same test on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresPaidOrderLinesTests {
    @Test func slicesLimitsAndOrderIDs() async throws {
        try await Backend.$current.withValue(.postgres) { try await PaidOrderLinesTests().slicesLimitsAndOrderIDs() }
    }
}
