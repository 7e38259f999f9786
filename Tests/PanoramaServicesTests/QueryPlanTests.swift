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

extension QueryPlanTests {
    /// With the statistics a store refreshes when it opens (and hourly), a profile's members and
    /// identifiers are read through their secondary indexes, not by scanning the workspace's
    /// primary key range (36–400 ms per profile at 1,000,000 customers without them).
    @Test func aProfileIsReadThroughItsIndexesOnceStatisticsExist() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
            // 2,000 customers of one workspace, each its own cluster, with two identifiers.
            var q = store.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) ")
            q.append("INSERT INTO customers(workspace_id, id, canonical_id, created_at) SELECT 1, i, i, 0 FROM n")
            try await store.run(q.query)
            for type in ["user_id", "anonymous_id"] {
                var q = store.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) ")
                q.append("INSERT INTO identifiers(workspace_id, type, value, holder, customer_id, created_at) ")
                q.append("SELECT 1, '\(type)', 'v' || i, 0, i, 0 FROM n")
                try await store.run(q.query)
            }
        }
        let store = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        func plan(_ sql: String) async throws -> String {
            try await store.fetch(SQLQuery(sql: "EXPLAIN QUERY PLAN " + sql, values: [.int(1), .int(7)])) {
                try $0.text(3)
            }.joined(separator: "; ")
        }
        // The statistics the reopened store sampled (the planner's choice itself depends on them
        // only at scale: at 1,000,000 customers it scanned the primary key without them).
        let sampled = try await store.fetch(
            SQLQuery(sql: "SELECT idx FROM sqlite_stat1 WHERE tbl IN ('customers', 'identifiers')", values: [])
        ) { try $0.text(0) }
        #expect(sampled.contains("customers_canonical") && sampled.contains("identifiers_customer"), "\(sampled)")
        let members = try await plan("SELECT id FROM customers WHERE workspace_id = ? AND canonical_id = ? ORDER BY id")
        #expect(members.contains("customers_canonical"), "\(members)")
        let identifiers = try await plan("SELECT type, value FROM identifiers WHERE workspace_id = ? AND customer_id = ?")
        #expect(identifiers.contains("identifiers_customer"), "\(identifiers)")
    }

    /// Opening a store samples the statistics only when there are none or the database has grown
    /// by more than half since they were taken (every CLI command opens the store).
    @Test func statisticsAreRetakenAtOpenOnlyAfterTheStoreGrew() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func open() throws -> SQLiteStore {
            try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)
        }
        /// A made-up statistics row of `customers`: a new sampling replaces the table's rows.
        func witnessed(_ store: SQLiteStore) async throws -> Bool {
            try await !store.fetch(
                SQLQuery(sql: "SELECT 1 FROM sqlite_stat1 WHERE tbl = 'customers' AND stat = '7 7'", values: [])
            ) { try $0.int(0) }.isEmpty
        }
        do {
            let store = try open()
            try await store.run(
                SQLQuery(sql: "INSERT INTO sqlite_stat1(tbl, idx, stat) VALUES ('customers', 'customers', '7 7')", values: []))
        }
        do {
            let store = try open()  // not grown: the statistics are kept
            #expect(try await witnessed(store))
            var q = store.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) ")
            q.append("INSERT INTO customers(workspace_id, id, canonical_id, created_at) SELECT 1, i, i, 0 FROM n")
            try await store.run(q.query)
        }
        let store = try open()  // grown: sampled again, with the size they were taken at
        #expect(try await !witnessed(store))
        let taken = try await store.fetch(
            SQLQuery(sql: "SELECT stat FROM sqlite_stat1 WHERE tbl = ?", values: [.text(SQLiteStore.statisticsMarker)])
        ) { try $0.text(0) }
        let pages = try await store.fetch(SQLQuery(sql: "PRAGMA page_count", values: [])) { try $0.int(0) }
        #expect(taken.count == 1 && Int64(taken[0]) == pages.first, "\(taken) \(pages)")
    }
}
