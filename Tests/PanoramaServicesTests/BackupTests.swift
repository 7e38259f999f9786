import Foundation
import GRDB
import PanoramaCore
import PanoramaServices
import PanoramaStore
import PostgresNIO
import Synchronization
import Testing

/// Backups taken while messages keep arriving hold every message acknowledged before the backup
/// began, and restore into a store that opens and answers.
@Suite struct BackupTests {
    /// Message ids acknowledged so far, shared with the writing task.
    final class Acked: Sendable {
        let ids = Mutex<[String]>([])
        var count: Int { ids.withLock { $0.count } }
        var all: [String] { ids.withLock { $0 } }
    }

    /// Sends batches of 25 tracked messages with unique ids until cancelled; acknowledged ids go to `acked`.
    static func writeUntilCancelled(_ h: Harness, _ acked: Acked) -> Task<Void, any Error> {
        Task {
            var batch = 0
            while !Task.isCancelled {
                let ids = (0..<25).map { "bk-\(batch)-\($0)" }
                let messages = ids.map { #"{"type":"track","messageId":"\#($0)","anonymousId":"\#($0)","event":"Backup Load"}"# }
                let result = try await h.send(#"{"batch":[\#(messages.joined(separator: ","))]}"#)
                if result.stored == ids.count { acked.ids.withLock { $0 += ids } }
                batch += 1
            }
        }
    }

    /// Waits until at least `count` messages are acknowledged; returns them.
    static func acknowledged(_ acked: Acked, atLeast count: Int) async throws -> [String] {
        while acked.count < count { try await Task.sleep(for: .milliseconds(10)) }
        return acked.all
    }

    @Test func aSQLiteBackupUnderWriteLoadHoldsEveryMessageAcknowledgedBeforeIt() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-backup-\(UUID()).sqlite").path
        let restoredDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-restored-\(UUID())").path
        let (before, during) = try await Harness.run { h in
            let acked = Acked()
            let writer = Self.writeUntilCancelled(h, acked)
            let before = try await Self.acknowledged(acked, atLeast: 2_000)
            var shares: [Double] = []
            let summary = try StoreBackup.backupSQLite(directory: h.location, to: file) { shares.append($0) }
            #expect(summary.bytes > 0 && shares.last == 1)
            let during = try await Self.acknowledged(acked, atLeast: before.count + 500)
            writer.cancel()
            _ = try? await writer.value
            // A second backup to the same file is refused; so is a store that is not there.
            #expect(throws: PanoramaError.self) { try StoreBackup.backupSQLite(directory: h.location, to: file) }
            #expect(throws: PanoramaError.self) { try StoreBackup.backupSQLite(directory: "/nonexistent", to: file + "2") }
            return (before, during)
        }
        _ = try StoreBackup.restoreSQLite(from: file, into: restoredDirectory, replace: false)
        #expect(throws: PanoramaError.self) {
            try StoreBackup.restoreSQLite(from: file, into: restoredDirectory, replace: false)
        }
        let db = try DatabaseQueue(path: restoredDirectory + "/panorama.sqlite")
        let stored = Set(try await db.read { try String.fetchAll($0, sql: "SELECT message_id FROM events") })
        let missing = before.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(before.count) acknowledged messages missing from the backup")
        // The copy is one instant: not everything sent while it ran, and nothing torn.
        #expect(stored.count >= before.count && stored.count <= during.count)
        // The restored store opens, and a bad file is refused.
        _ = try SQLiteStore(directory: restoredDirectory)
        let junk = file + ".junk"
        try Data(Array("not a database".utf8)).write(to: URL(fileURLWithPath: junk))
        #expect(throws: (any Error).self) {
            try StoreBackup.restoreSQLite(from: junk, into: restoredDirectory + "-2", replace: false)
        }
    }

    @Test(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
    func aPostgreSQLBackupUnderWriteLoadHoldsEveryMessageAcknowledgedBeforeIt() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-backup-\(UUID()).dump").path
        let before = try await Backend.$current.withValue(.postgres) {
            try await Harness.run { h in
                let acked = Acked()
                let writer = Self.writeUntilCancelled(h, acked)
                let before = try await Self.acknowledged(acked, atLeast: 1_000)
                _ = try StoreBackup.backupPostgres(url: h.location, to: file)
                writer.cancel()
                _ = try? await writer.value
                return before
            }
        }
        let target = try await Backend.freshPostgresDatabase()
        _ = try StoreBackup.restorePostgres(from: file, url: target, replace: false)
        let client = PostgresClient(configuration: try PostgresURL(target).configuration)
        let stored = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            var ids = Set<String>()
            for try await id in try await client.query("SELECT message_id FROM events").decode(String.self) {
                ids.insert(id)
            }
            return ids
        }
        let missing = before.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(before.count) acknowledged messages missing from the backup")
    }
}
