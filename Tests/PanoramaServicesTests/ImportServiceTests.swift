import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Testing

/// The CDNOW purchases file and its totals, counted independently of the importer: the lines
/// split by hand, `dollar_value` summed in cents from its digits.
enum CDNOWFile {
    static var path: String {
        // ../shared next to the package, or where PANORAMA_SHARED says (as .ci/run does).
        let shared =
            ProcessInfo.processInfo.environment["PANORAMA_SHARED"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared")
            .standardized.path
        return shared + "/data/cdnow/CDNOW_master.txt"
    }

    static func totals() throws -> (rows: Int, customers: Int, cents: Int64) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var cents: Int64 = 0
        var customers: Set<Substring> = []
        var rows = 0
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let parts = line.split(separator: " ")
            guard parts.count == 4 else { continue }
            rows += 1
            customers.insert(parts[0])
            let dollars = parts[3].split(separator: ".")
            cents += Int64(dollars[0])! * 100 + Int64(dollars[1])!
        }
        return (rows, customers.count, cents)
    }
}

/// Bulk import into a store, through the services (`ImportService`).
@Suite struct ImportServiceTests {
    func run(
        _ h: Harness, _ kind: ImportKind, _ text: String, mapping: ImportMapping? = nil, dryRun: Bool = false,
        rejected: RejectedRowsWriter? = nil
    ) async throws -> ImportReport {
        try await h.services.imports.run(
            workspaceID: h.workspaceID, source: .bytes(Array(text.utf8), name: "test.csv"),
            options: ImportOptions(kind: kind, mapping: mapping), dryRun: dryRun, rejectedRows: rejected)
    }

    /// Imported orders are history by default; with `earn_points: true` in the mapping they earn
    /// loyalty points like orders of the API (once, however often the file is imported).
    @Test func importedOrdersEarnPointsWhenTheMappingAsks() async throws {
        try await Harness.run { h in
            _ = try await h.services.loyalty.saveProgram(
                workspaceID: h.workspaceID,
                json: try JSONParser.parse(
                    #"{"expiry_months": 12, "earn_rules": [{"type": "spend", "points": 1, "per_amount": 100}], "tiers": [{"code": "member", "name": "Member"}]}"#
                ))
            func points(_ user: String) async throws -> Int64 {
                let profile = try await h.profile("user_id", user)
                return try await h.services.loyalty.summary(workspaceID: h.workspaceID, customerID: profile.id).points
            }
            let earning = try ImportMapping.parse(
                json: #"{"kind": "orders", "earn_points": true, "fields": {"order_id": "order_id", "user_id": "user_id", "placed_at": "placed_at", "amount": "amount"}}"#
            )
            #expect(earning.earnPoints && earning.jsonValue.objectValue?["earn_points"] == .bool(true))
            let csv = """
                order_id,user_id,placed_at,amount
                I-1,imp-1,2026-09-01,120.50
                I-2,imp-1,2026-09-02,30.00
                I-3,imp-2,2026-09-02,9.99

                """
            for _ in 1...2 {
                let report = try await run(h, .orders, csv, mapping: earning)
                #expect(report.accepted == 3 && report.rejected == 0)
                #expect(try await points("imp-1") == 150)  // 120 + 30, not twice
                #expect(try await points("imp-2") == 9)
            }
            // Without it (an inferred mapping): history, no points.
            let report = try await run(h, .orders, "order_id,user_id,placed_at,amount\nH-1,imp-3,2026-09-03,50.00\n")
            #expect(report.accepted == 1)
            #expect(try await points("imp-3") == 0)
        }
    }

    /// The real CDNOW file imports as orders whose totals equal the file's, and importing it again
    /// changes nothing.
    @Test func cdnowTotalsMatchTheFile() async throws {
        let path = CDNOWFile.path
        let expected = try CDNOWFile.totals()
        let (rowCount, customerCount, cents) = (expected.rows, expected.customers, expected.cents)
        try await Harness.run { h in
            for round in 1...2 {
                let report = try await h.services.imports.run(
                    workspaceID: h.workspaceID, source: .file(path),
                    options: ImportOptions(kind: .orders, mapping: .cdnowOrders))
                #expect(report.accepted == rowCount && report.rejected == 0, "round \(round)")
                let totals = try await h.services.store.orderTotals(workspaceID: h.workspaceID)
                #expect(totals.orders == Int64(rowCount), "round \(round)")
                #expect(totals.customers == Int64(customerCount), "round \(round)")
                #expect(totals.total == cents, "round \(round)")
            }
            #expect(rowCount == 69_659 && customerCount == 23_570)
            // One profile per CDNOW customer, holding its orders.
            let profile = try await h.profile("user_id", "00001")
            let value = try await h.services.orders.value(workspaceID: h.workspaceID, customerID: profile.id)
            #expect(value.orders == 1 && value.netSpend == 1177 && value.currency == "USD")
        }
    }

    @Test func customersOrdersAndEventsLandOnTheSameProfiles() async throws {
        try await Harness.run { h in
            let customers = """
                手机,邮箱,姓名,性别,省份,城市
                138 0013 8000,LI@Example.com,李雷,男,广东,深圳
                13900139000,,韩梅梅,F,北京市,北京
                12345,bad,坏,?,x,y
                """
            let report = try await run(h, .customers, customers)
            #expect(report.accepted == 2 && report.rejected == 1)
            let li = try await h.profile("phone", "+8613800138000")
            #expect(li.identifiers.contains(Identifier(type: "email", value: "li@example.com")))
            #expect(h.trait(li, "name") == #""李雷""#)
            #expect(h.trait(li, "gender") == #""male""#)

            let orders = """
                order_no,phone,date,amount,status,channel
                A1,13800138000,2026-03-01,100.50,paid,POS
                A2,13800138000,2026-03-05,20,refunded,online
                A3,13900139000,2026-03-07,-5,paid,online
                """
            let rejected = RejectedRowsWriter()
            let o = try await run(h, .orders, orders, rejected: rejected)
            #expect(o.accepted == 2 && o.rejected == 1)
            #expect(o.rejections["negative_amount"] == 1)
            #expect(String(decoding: rejected.bytes, as: UTF8.self).contains("negative_amount"))
            let value = try await h.services.orders.value(workspaceID: h.workspaceID, customerID: li.id)
            #expect(value.orders == 1)
            #expect(value.totalSpend == 12050 && value.refunded == 2000 && value.netSpend == 10050)
            #expect(value.favouriteChannel == "store")

            let events = """
                user_phone,event,time,page
                13800138000,Viewed Product,2026-03-02 10:00:00,/p/1
                13800138000,Viewed Product,2026-03-03 10:00:00,/p/2
                """
            let mapping = try ImportMapping.parse(
                yaml: "fields:\n  phone: user_phone\n  event: event\n  timestamp: time\n  properties.page: page\n")
            let e = try await run(h, .events, events, mapping: mapping)
            #expect(e.accepted == 2)
            #expect(try await h.events(of: li.id).count == 2)
            // Re-importing changes nothing: same profiles, orders and events.
            _ = try await run(h, .events, events, mapping: mapping)
            _ = try await run(h, .orders, orders)
            _ = try await run(h, .customers, customers)
            #expect(try await h.events(of: li.id).count == 2)
            let totals = try await h.services.store.orderTotals(workspaceID: h.workspaceID)
            #expect(totals.orders == 2 && totals.refunded == 2000)
        }
    }

    @Test func aDryRunWritesNothing() async throws {
        try await Harness.run { h in
            let report = try await run(h, .orders, "order_id,user_id,date,amount\nX1,u1,2026-01-01,5\n", dryRun: true)
            #expect(report.dryRun && report.accepted == 1)
            #expect(try await h.services.store.orderTotals(workspaceID: h.workspaceID).orders == 0)
            await #expect(throws: PanoramaError.self) { _ = try await h.profile("user_id", "u1") }
        }
    }
}

/// The import tests that fit PostgreSQL's pace in a unit test (CDNOW runs on SQLite).
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresImportServiceTests {
    let tests = ImportServiceTests()

    @Test func customersOrdersAndEventsLandOnTheSameProfiles() async throws {
        try await Backend.$current.withValue(.postgres) { try await tests.customersOrdersAndEventsLandOnTheSameProfiles() }
    }
    @Test func aDryRunWritesNothing() async throws {
        try await Backend.$current.withValue(.postgres) { try await tests.aDryRunWritesNothing() }
    }
}
