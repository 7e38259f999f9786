import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// REST: bulk imports. Upload a file (`POST /imports?kind=orders`, the file as the body), look at
/// the preview and the inferred mapping, start it with a mapping (or at upload with `start=true`),
/// follow its progress, read the report and the rejected rows.
struct ImportsController {
    let jobs: ImportJobs
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.post("imports", use: upload)
        group.get("imports", use: list)
        group.get("imports/:id", use: show)
        group.post("imports/:id/preview", use: preview)
        group.post("imports/:id/start", use: start)
        group.get("imports/:id/rejected", use: rejected)
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let kindText = query.get("kind"), let kind = ImportKind(rawValue: kindText) else {
            throw PanoramaError.badRequest(
                "invalid_kind", "kind must be customers, orders or events (?kind=orders)", field: "kind")
        }
        let start = try Self.flag(query.get("start"), "start")
        let dryRun = try Self.flag(query.get("dry_run"), "dry_run")
        let name = query.get("name").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? "upload"
        let workspaceID = try context.workspaceID
        var record = try await jobs.upload(workspaceID: workspaceID, kind: kind, name: name) { path in
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let handle = FileHandle(forWritingAtPath: path)
            else { throw PanoramaError.unavailable("cannot store the upload on this node") }
            defer { try? handle.close() }
            var size: Int64 = 0
            for try await buffer in request.body {
                size += Int64(buffer.readableBytes)
                guard size <= ImportJobs.maxUploadBytes else {
                    throw PanoramaError(
                        .payloadTooLarge, code: "payload_too_large",
                        message: "the file is over \(ImportJobs.maxUploadBytes >> 20) MB; split it or use panorama import")
                }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
            guard size > 0 else {
                throw PanoramaError.badRequest("empty_file", "the request body (the file to import) is empty")
            }
        }
        let preview = try? await jobs.preview(workspaceID: workspaceID, id: record.id, mapping: nil)
        if start {
            record = try await jobs.start(workspaceID: workspaceID, id: record.id, mapping: nil, dryRun: dryRun)
        }
        await audit.record(
            request, context, action: "import.upload", target: "import:\(record.id)",
            detail: ["kind": kind.rawValue, "name": name, "started": String(start), "dry_run": String(dryRun)])
        var body = Self.json(record).objectValue ?? JSONObject()
        body.set("preview", preview?.json ?? .null)
        return JSONResponse.make(.object(body), status: start ? .accepted : .created)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let records = try await jobs.list(workspaceID: try context.workspaceID, limit: try Params.limit(request))
        return JSONResponse.make(.object(["data": .array(JSONArray(records.map(Self.json)))]))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(try await jobs.record(workspaceID: try context.workspaceID, id: try Params.id(context))))
    }

    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let mapping = try await Self.mapping(request)
        let preview = try await jobs.preview(
            workspaceID: try context.workspaceID, id: try Params.id(context), mapping: mapping)
        return JSONResponse.make(preview.json)
    }

    @Sendable func start(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await Self.body(request)
        var dryRun = false
        if let raw = body["dry_run"], !raw.isNull {
            guard let value = raw.boolValue else {
                throw PanoramaError.badRequest("invalid_field", "dry_run must be true or false", field: "dry_run")
            }
            dryRun = value
        }
        let record = try await jobs.start(
            workspaceID: try context.workspaceID, id: try Params.id(context), mapping: try Self.mapping(body),
            dryRun: dryRun)
        return JSONResponse.make(Self.json(record), status: .accepted)
    }

    @Sendable func rejected(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Params.id(context)
        guard let text = try await jobs.rejectedRows(workspaceID: try context.workspaceID, id: id) else {
            throw PanoramaError.notFound("no_rejected_rows", "import \(id) has no rejected rows (or has not run)")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Helpers

    static func flag(_ raw: String?, _ name: String) throws -> Bool {
        guard let raw, !raw.isEmpty else { return false }
        switch raw.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw PanoramaError.badRequest("invalid_field", "\(name) must be true or false", field: name)
        }
    }

    /// A JSON body, or an empty object when there is none.
    static func body(_ request: Request) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        guard buffer.readableBytes > 0 else { return .object(JSONObject()) }
        let value = try IngestService.parse(Array(buffer.readableBytesView))
        guard case .object = value else {
            throw PanoramaError.badRequest("invalid_body", "request body must be a JSON object")
        }
        return value
    }

    static func mapping(_ request: Request) async throws -> ImportMapping? {
        try mapping(try await body(request))
    }

    /// The `mapping` member of a body, in the mapping file's format; nil: infer it.
    static func mapping(_ body: JSONValue) throws -> ImportMapping? {
        guard let raw = body["mapping"], !raw.isNull else { return nil }
        guard raw.objectValue != nil else {
            throw PanoramaError.badRequest("invalid_mapping", "mapping must be an object", field: "mapping")
        }
        return try ImportMapping(document: raw)
    }

    static func json(_ r: ImportRun) -> JSONValue {
        .object([
            "id": .number(JSONNumber(r.id)),
            "kind": .string(r.kind),
            "source": .string(r.source),
            "status": .string(r.status),
            "dry_run": .bool(r.dryRun),
            "node_id": .string(r.nodeID),
            "progress": r.progress.rawJSON,
            "report": r.report.rawJSON,
            "error": r.error.json,
            "created_at": r.createdAt.isoTime,
            "finished_at": r.finishedAt.isoTime,
        ])
    }
}
