import Foundation
import PanoramaCore
import Testing

@testable import PanoramaStore

/// SQLite plans without statistics: a look-up by identifier must start from the identifier's key,
/// not scan every customer of the workspace and probe identifiers per customer (found at
/// 1,000,000 customers: 620 ms per look-up, minutes for a list of references).
@Suite struct QueryPlanTests {
    @Test func aLookUpByIdentifierStartsFromTheIdentifier() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        let query = try store.ownersQuery(
            workspaceID: 1, identifier: Identifier(type: "email", value: "ann@example.com"))
        let plan = try await store.fetch(SQLQuery(sql: "EXPLAIN QUERY PLAN " + query.sql, values: query.values)) {
            try $0.text(3)
        }
        #expect(plan.count >= 2, "\(plan)")
        #expect(plan.first?.hasPrefix("SEARCH i USING PRIMARY KEY") == true, "\(plan)")
        #expect(plan.dropFirst().first?.hasPrefix("SEARCH c USING PRIMARY KEY") == true, "\(plan)")
    }
}
