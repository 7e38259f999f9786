import Foundation
import PanoramaCore
import Testing

@testable import PanoramaStore

/// The SQLite store reads every row of a query in place from the stepping statement: each value
/// converts as GRDB converted it, a NULL or another type where a value is required throws
/// (GRDB trapped), and every row of a long result is read, in order.
@Suite struct SQLiteReaderTests {
    static func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(try SQLiteStore(directory: dir, synchronous: .normal))
    }

    @Test func valuesConvertAsGRDBConvertedThem() async throws {
        try await Self.withStore { store in
            // Given one row of every storage class…
            var q = store.sql("SELECT 42, NULL, '王小丽 ann@example.com', 2.9, CAST('abc' AS BLOB), '', 0, -7.5, ")
            q.bind(Int64.min)
            q.append(", ")
            q.bind("bound 文字")
            let rows = try await store.fetch(q.query) { row -> [String] in
                func show(_ value: Any?) -> String { value.map { "\($0)" } ?? "nil" }
                return [
                    show(try row.int(0)), show(try row.optionalInt(0)), show(try row.optionalInt(1)),
                    show(try row.optionalText(1)), try row.text(2), show(try row.optionalText(2)),
                    show(try row.int(3)), show(try row.bool(3)), try row.text(4), try row.text(5),
                    show(try row.bool(0)), show(try row.bool(6)), show(try row.int(7)), show(try row.int(8)),
                    try row.text(9),
                ]
            }
            // …each reader returns GRDB's conversion.
            #expect(
                rows == [
                    [
                        "42", "42", "nil", "nil", "王小丽 ann@example.com", "王小丽 ann@example.com", "2", "true", "abc", "",
                        "true", "false", "-7", "\(Int64.min)", "bound 文字",
                    ]
                ])
        }
    }

    @Test func aMissingOrMistypedValueThrowsInsteadOfTrapping() async throws {
        try await Self.withStore { store in
            let query = store.sql("SELECT NULL AS absent, 'x' AS word, 7 AS number, 1e300 AS huge").query
            for read in [
                { (row: any SQLRow) in _ = try row.int(0) }, { _ = try $0.text(0) }, { _ = try $0.bool(0) },
                { _ = try $0.int(1) }, { _ = try $0.optionalInt(1) }, { _ = try $0.bool(1) },
                { _ = try $0.text(2) }, { _ = try $0.optionalText(2) }, { _ = try $0.int(3) },
            ] as [@Sendable (any SQLRow) throws -> Void] {
                await #expect(throws: SQLiteStore.ColumnMismatch.self) { _ = try await store.fetch(query, read) }
            }
            do {
                _ = try await store.fetch(query) { try $0.int(0) }
                Issue.record("a NULL was read as an integer")
            } catch let error as SQLiteStore.ColumnMismatch {
                #expect("\(error)" == "column absent: expected integer, found NULL")
            }
        }
    }

    @Test func everyRowOfALongResultIsReadInOrder() async throws {
        try await Self.withStore { store in
            let q = store.sql(
                "SELECT i, 'n' || i FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n)"
            )
            let rows = try await store.fetch(q.query) { (try $0.int(0), try $0.text(1)) }
            #expect(rows.count == 20_000)
            let inOrder = rows.enumerated().allSatisfy { $0.element.0 == Int64($0.offset + 1) && $0.element.1 == "n\($0.offset + 1)" }
            #expect(inOrder)
            let none = try await store.fetch(store.sql("SELECT 1 WHERE 0").query) { try $0.int(0) }
            #expect(none.isEmpty)
        }
    }

    @Test func writesGoToTheWriterAndErrorsReachTheCaller() async throws {
        try await Self.withStore { store in
            // A statement that writes and returns rows runs on the writer.
            let insert = store.sql("INSERT INTO protection_keys(key_id, canary, created_at) VALUES ('k', 'c', 1) RETURNING key_id, created_at")
            let inserted = try await store.fetch(insert.query) { [try $0.text(0), String(try $0.int(1))] }
            #expect(inserted == [["k", "1"]])
            // A constraint failure, a syntax error and a wrong argument count are thrown, not trapped.
            await #expect(throws: (any Error).self) { _ = try await store.fetch(insert.query) { try $0.text(0) } }
            await #expect(throws: (any Error).self) {
                _ = try await store.fetch(store.sql("SELECT FROM nowhere").query) { try $0.int(0) }
            }
            await #expect(throws: (any Error).self) {
                _ = try await store.fetch(SQLQuery(sql: "SELECT ?", values: [])) { try $0.int(0) }
            }
            let keys = try await store.fetch(store.sql("SELECT key_id FROM protection_keys").query) { try $0.text(0) }
            #expect(keys == ["k"])
        }
    }
}
