import PanoramaCore

/// Import records, written once for both stores.
extension SQLStore {
    private static var importColumns: String {
        "id, workspace_id, kind, source, status, dry_run, node_id, progress, report, error, created_at, finished_at"
    }

    private static func importRun(_ r: any SQLRow) throws -> ImportRun {
        ImportRun(
            id: try r.int(0), workspaceID: try r.int(1), kind: try r.text(2), source: try r.text(3),
            status: try r.text(4), dryRun: try r.bool(5), nodeID: try r.text(6), progress: try r.optionalText(7),
            report: try r.optionalText(8), error: try r.optionalText(9), createdAt: try r.int(10),
            finishedAt: try r.optionalInt(11))
    }

    public func insertImport(_ record: ImportRun) async throws -> ImportRun {
        var q = sql(
            "INSERT INTO imports(workspace_id, kind, source, status, dry_run, node_id, progress, report, error, created_at, finished_at) VALUES ("
        )
        q.bindList([
            .int(record.workspaceID), .text(record.kind), .text(record.source), .text(record.status),
            .bool(record.dryRun), .text(record.nodeID), .nullable(record.progress), .nullable(record.report),
            .nullable(record.error), .int(record.createdAt), .nullable(record.finishedAt),
        ])
        q.append(") RETURNING id")
        var saved = record
        saved.id = try await fetch(q.query) { try $0.int(0) }[0]
        return saved
    }

    public func updateImport(_ record: ImportRun) async throws {
        var q = sql("UPDATE imports SET status = ")
        q.bind(record.status)
        q.append(", dry_run = ")
        q.bind(record.dryRun)
        q.append(", progress = ")
        q.bind(record.progress)
        q.append(", report = ")
        q.bind(record.report)
        q.append(", error = ")
        q.bind(record.error)
        q.append(", finished_at = ")
        q.bind(record.finishedAt)
        q.append(" WHERE workspace_id = ")
        q.bind(record.workspaceID)
        q.append(" AND id = ")
        q.bind(record.id)
        try await run(q.query)
    }

    public func importRun(workspaceID: Int64, id: Int64) async throws -> ImportRun? {
        var q = sql("SELECT \(Self.importColumns) FROM imports WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.importRun).first
    }

    public func importRuns(workspaceID: Int64, limit: Int) async throws -> [ImportRun] {
        var q = sql("SELECT \(Self.importColumns) FROM imports WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY id DESC LIMIT ")
        q.bind(Int64(limit))
        return try await fetch(q.query, Self.importRun)
    }
}
