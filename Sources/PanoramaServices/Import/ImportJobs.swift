import Foundation
import Logging
import PanoramaCore
import PanoramaStore
import Synchronization

/// Imports over the API: a file is uploaded to this node's data directory, previewed, then run in
/// the background while its progress is recorded in the store (any node can show it); the report
/// and the rejected rows stay for the user to read.
public final class ImportJobs: Sendable {
    private let store: any PanoramaStore
    private let imports: ImportService
    private let clock: WallClock
    private let logger: Logger
    /// Where uploaded files and rejected rows live: `<data directory>/imports`.
    public let directory: String
    private let nodeID: String
    /// Imports running on this node.
    private let running = Mutex<[Int64: Task<Void, Never>]>([:])

    /// Largest upload accepted.
    public static let maxUploadBytes: Int64 = 2 << 30

    public init(
        store: any PanoramaStore, imports: ImportService, clock: WallClock,
        logger: Logger, dataDirectory: String, nodeID: String
    ) {
        self.store = store
        self.imports = imports
        self.clock = clock
        self.logger = logger
        self.directory = (dataDirectory as NSString).appendingPathComponent("imports")
        self.nodeID = nodeID
    }

    func sourcePath(_ id: Int64) -> String { "\(directory)/\(id).source" }
    public func rejectedPath(_ id: Int64) -> String { "\(directory)/\(id).rejected.csv" }

    /// Records an upload whose bytes `write` stores at the path it is given; returns the record.
    public func upload(
        workspaceID: Int64, kind: ImportKind, name: String, write: (String) async throws -> Void
    ) async throws -> ImportRun {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/upload-\(UUID().uuidString)"
        do {
            try await write(temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let record = try await store.insertImport(
            ImportRun(
                workspaceID: workspaceID, kind: kind.rawValue, source: name, status: "uploaded", dryRun: false,
                nodeID: nodeID, createdAt: clock.now()))
        try FileManager.default.moveItem(atPath: temporary, toPath: sourcePath(record.id))
        return record
    }

    /// The first rows of an uploaded file as they would be imported with `mapping` (inferred when nil).
    public func preview(workspaceID: Int64, id: Int64, mapping: ImportMapping?) async throws -> ImportPreview {
        let record = try await self.record(workspaceID: workspaceID, id: id)
        let kind = ImportKind(rawValue: record.kind) ?? .customers
        let zone = try await timeZone(workspaceID)
        return try ImportPreparer.preview(
            source: .file(try localSource(record)), options: ImportOptions(kind: kind, mapping: mapping, timeZone: zone))
    }

    /// Starts an uploaded import in the background; returns it as `running`.
    public func start(workspaceID: Int64, id: Int64, mapping: ImportMapping?, dryRun: Bool) async throws
        -> ImportRun
    {
        var record = try await self.record(workspaceID: workspaceID, id: id)
        guard record.status == "uploaded" else {
            throw PanoramaError.conflict(
                "import_already_started", "import \(id) is \(record.status); upload the file again to import it again")
        }
        let path = try localSource(record)
        let kind = ImportKind(rawValue: record.kind) ?? .customers
        let options = ImportOptions(kind: kind, mapping: mapping, timeZone: try await timeZone(workspaceID))
        // Fails here, not in the background, on a mapping that does not fit the file.
        _ = try ImportPreparer.preview(source: .file(path), options: options, rows: 1)
        record.status = "running"
        record.dryRun = dryRun
        record.progress = Self.progressJSON(ImportProgress(rowsRead: 0, bytesRead: 0, totalBytes: nil), seconds: 0)
        try await store.updateImport(record)
        let started = record
        let task = Task { [self] in await self.execute(started, path: path, options: options) }
        running.withLock { $0[id] = task }
        return record
    }

    private func execute(_ initial: ImportRun, path: String, options: ImportOptions) async {
        var record = initial
        let began = ContinuousClock.now
        let latest = Mutex<ImportProgress?>(nil)
        let store = self.store
        // Progress is saved about once a second, off the import's path.
        let saver = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                guard let p = latest.withLock({ $0 }) else { continue }
                var snapshot = initial
                snapshot.progress = Self.progressJSON(p, seconds: Self.seconds(since: began))
                try? await store.updateImport(snapshot)
            }
        }
        do {
            let writer = try RejectedRowsWriter(path: rejectedPath(initial.id))
            let report = try await imports.run(
                workspaceID: initial.workspaceID, source: .file(path), options: options, dryRun: initial.dryRun,
                rejectedRows: writer
            ) { progress in
                latest.withLock { $0 = progress }
            }
            saver.cancel()
            await saver.value
            var shown = report
            if report.rejected == 0 { shown.rejectedRowsPath = nil }
            record.status = "completed"
            record.report = shown.json.jsonText
            record.progress = Self.progressJSON(
                ImportProgress(rowsRead: report.rowsRead, bytesRead: report.bytesRead, totalBytes: report.bytesRead),
                seconds: Self.seconds(since: began))
            if report.rejected == 0 { try? FileManager.default.removeItem(atPath: rejectedPath(initial.id)) }
        } catch {
            saver.cancel()
            await saver.value
            record.status = "failed"
            record.error = (error as? PanoramaError)?.message ?? "\(error)"
            logger.error("import failed", metadata: ["import": "\(initial.id)", "error": "\(error)"])
        }
        record.finishedAt = clock.now()
        do {
            try await store.updateImport(record)
        } catch {
            logger.error("could not record the end of an import", metadata: ["import": "\(initial.id)"])
        }
        running.withLock { $0[initial.id] = nil }
    }

    /// Waits for an import running on this node to end (tests and the CLI).
    public func wait(id: Int64) async {
        let task = running.withLock { $0[id] }
        await task?.value
    }

    public func record(workspaceID: Int64, id: Int64) async throws -> ImportRun {
        guard let record = try await store.importRun(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.notFound("import_not_found", "no import \(id) in this workspace")
        }
        return record
    }

    public func list(workspaceID: Int64, limit: Int) async throws -> [ImportRun] {
        try await store.importRuns(workspaceID: workspaceID, limit: limit)
    }

    /// The rejected rows of a finished import (CSV), nil when it rejected none.
    public func rejectedRows(workspaceID: Int64, id: Int64) async throws -> String? {
        let record = try await self.record(workspaceID: workspaceID, id: id)
        guard record.nodeID == nodeID else {
            throw PanoramaError.notFound(
                "import_on_other_node", "import \(id) ran on node \(record.nodeID); ask that node for its rejected rows")
        }
        return FileManager.default.contents(atPath: rejectedPath(id)).map { String(decoding: $0, as: UTF8.self) }
    }

    private func localSource(_ record: ImportRun) throws -> String {
        let path = sourcePath(record.id)
        guard record.nodeID == nodeID, FileManager.default.fileExists(atPath: path) else {
            throw PanoramaError.notFound(
                "import_on_other_node", "the file of import \(record.id) was uploaded to node \(record.nodeID); use that node")
        }
        return path
    }

    private func timeZone(_ workspaceID: Int64) async throws -> String {
        try await store.workspaces().first { $0.id == workspaceID }?.timeZone ?? "Asia/Shanghai"
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func progressJSON(_ p: ImportProgress, seconds: Double) -> String {
        JSONValue.object([
            "rows_read": .number(JSONNumber(p.rowsRead)),
            "bytes_read": .number(JSONNumber(p.bytesRead)),
            "total_bytes": p.totalBytes.map { .number(JSONNumber($0)) } ?? .null,
            "rows_per_second": .number(JSONNumber(seconds > 0 ? Int64(Double(p.rowsRead) / seconds) : 0)),
            "seconds": .number(JSONNumber(String(format: "%.2f", seconds))),
        ]).jsonText
    }
}
