import Foundation
import GRDB
import PanoramaCore

/// Consistent online backups and their restore, for both stores.
///
/// SQLite: SQLite's backup API run inside one read transaction of a read-only connection, so
/// the copy is the database as of one instant (WAL snapshot), taken beside a running server that
/// keeps writing. The backup is a plain SQLite file. PostgreSQL: `pg_dump --format=custom` (one
/// repeatable-read snapshot) and `pg_restore`, from the PostgreSQL client tools.
public enum StoreBackup {
    /// What a backup or restore did.
    public struct Summary: Sendable, Equatable {
        public var file: String
        public var bytes: Int64
        public var seconds: Double
    }

    // MARK: SQLite

    /// Copies the SQLite store in `directory` to `file` (which must not exist), calling
    /// `progress` with the share done (0…1) as pages are copied.
    public static func backupSQLite(
        directory: String, to file: String, progress: @escaping (Double) -> Void = { _ in }
    ) throws -> Summary {
        let started = ContinuousClock.now
        let source = (directory as NSString).appendingPathComponent("panorama.sqlite")
        guard FileManager.default.fileExists(atPath: source) else {
            throw PanoramaError.notFound(
                "store_not_found", "no Panorama store at \(source): give the data directory with --data-dir")
        }
        guard !FileManager.default.fileExists(atPath: file) else {
            throw PanoramaError.conflict("backup_exists", "\(file) exists: choose a new file name")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        let reader = try DatabasePool(path: source, configuration: configuration)
        let destination = try DatabaseQueue(path: file)
        do {
            try reader.backup(to: destination, pagesPerStep: 4096) { step in
                progress(step.totalPageCount > 0 ? Double(step.completedPageCount) / Double(step.totalPageCount) : 1)
            }
            try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try destination.close()
            try reader.close()
        } catch {
            try? FileManager.default.removeItem(atPath: file)
            throw error
        }
        return Summary(file: file, bytes: fileSize(file), seconds: (ContinuousClock.now - started).seconds)
    }

    /// Restores a SQLite backup as the store of `directory`. Refuses a directory that holds a
    /// store unless `replace` (the server must be stopped: the writer lock is checked). The
    /// backup is checked (`PRAGMA integrity_check`) before it is put in place, and opened and
    /// migrated once in place.
    public static func restoreSQLite(from file: String, into directory: String, replace: Bool) throws -> Summary {
        let started = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: file) else {
            throw PanoramaError.notFound("backup_not_found", "no backup file at \(file)")
        }
        let check = try DatabaseQueue(path: file, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let verdict = try check.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        let hasEvents = try check.read { db in try db.tableExists("events") }
        try check.close()
        guard verdict == "ok", hasEvents else {
            throw PanoramaError.badRequest(
                "backup_invalid", "\(file) is not a sound Panorama backup (integrity check: \(verdict ?? "none"))")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = (directory as NSString).appendingPathComponent("panorama.sqlite")
        if FileManager.default.fileExists(atPath: target) {
            guard replace else {
                throw PanoramaError.conflict(
                    "store_exists", "\(directory) already holds a store: stop the server and pass --replace, or restore into an empty directory")
            }
            // Stopped? A running server holds the writer lock.
            try SQLiteStore(directory: directory).claimWriter()
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
        }
        let partial = target + ".restoring"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: file, toPath: partial)
        try FileManager.default.moveItem(atPath: partial, toPath: target)
        // Opening migrates a backup of an older version.
        _ = try SQLiteStore(directory: directory)
        return Summary(file: target, bytes: fileSize(target), seconds: (ContinuousClock.now - started).seconds)
    }

    // MARK: PostgreSQL

    /// `pg_dump --format=custom` of the database at `url` into `file`.
    public static func backupPostgres(url: String, to file: String) throws -> Summary {
        let started = ContinuousClock.now
        guard !FileManager.default.fileExists(atPath: file) else {
            throw PanoramaError.conflict("backup_exists", "\(file) exists: choose a new file name")
        }
        try run("pg_dump", ["--format=custom", "--no-owner", "--file", file, "--dbname", url])
        return Summary(file: file, bytes: fileSize(file), seconds: (ContinuousClock.now - started).seconds)
    }

    /// `pg_restore` of a backup into the (empty, or with `replace`: cleaned) database at `url`.
    public static func restorePostgres(from file: String, url: String, replace: Bool) throws -> Summary {
        let started = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: file) else {
            throw PanoramaError.notFound("backup_not_found", "no backup file at \(file)")
        }
        var arguments = ["--no-owner", "--exit-on-error", "--single-transaction", "--dbname", url]
        if replace { arguments += ["--clean", "--if-exists"] }
        try run("pg_restore", arguments + [file])
        return Summary(file: file, bytes: fileSize(file), seconds: (ContinuousClock.now - started).seconds)
    }

    /// Runs a PostgreSQL client tool; its error output becomes the error message.
    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PanoramaError.unavailable("cannot run \(tool): install the PostgreSQL client tools (apt-get install postgresql-client)")
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 {
                throw PanoramaError.unavailable(
                    "\(tool) is not installed: install the PostgreSQL client tools (apt-get install postgresql-client)")
            }
            throw PanoramaError(
                .internal, code: "\(tool.replacingOccurrences(of: "pg_", with: ""))_failed",
                message: "\(tool) failed: \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(600))")
        }
    }

    private static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
