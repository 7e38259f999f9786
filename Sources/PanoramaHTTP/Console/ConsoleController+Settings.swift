import Foundation
import Hummingbird
import NIOCore
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// Imports (upload, field mapping with a preview, dry run, progress, rejected rows) over `ImportJobs`.
extension ConsoleController {
    // MARK: Imports

    @Sendable func importsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let runs = try await services.importJobs.list(workspaceID: try context.workspaceID, limit: 30)
        let model: [String: Any] = [
            "kinds": ImportKind.allCases.map { ["value": $0.rawValue, "label": viewer.t("import_" + $0.rawValue)] },
            "jobs": runs.map { r -> [String: Any] in
                var o: [String: Any] = [
                    "id": r.id, "source": r.source, "kind": viewer.t("import_" + r.kind),
                    "status": viewer.t("import_status_" + r.status),
                    "created": viewer.locale.dateTime(r.createdAt, zone: viewer.zone),
                ]
                if r.dryRun { o["dryRun"] = true }
                return o
            },
        ]
        return renderer.page("imports", title: viewer.t("imports"), model: model, viewer: viewer)
    }

    /// The upload form (multipart): stores the file as an import job and opens its mapping page.
    @Sendable func uploadImport(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        guard let kind = ImportKind(rawValue: form["kind"] ?? ""), let file = form.files["file"], !file.data.isEmpty
        else {
            throw PanoramaError.badRequest("invalid_upload", "choose a kind and a non-empty file / 请选择类型和非空文件")
        }
        let name = String((file.filename.isEmpty ? "upload" : file.filename).prefix(200))
        let record = try await services.importJobs.upload(
            workspaceID: try context.workspaceID, kind: kind, name: name
        ) { path in
            guard FileManager.default.createFile(atPath: path, contents: Data(file.data)) else {
                throw PanoramaError.unavailable("cannot store the upload on this node")
            }
        }
        await services.audit.record(
            request, context, action: "import.upload", target: "import:\(record.id)",
            detail: ["kind": kind.rawValue, "name": name, "via": "console"])
        return ConsoleRenderer.redirect("/app/imports/\(record.id)")
    }

    /// A mapping from the page's form: the inferred mapping with each column's target as chosen.
    func mapping(from form: ConsoleForm, inferred: ImportMapping) throws -> ImportMapping {
        guard var document = inferred.jsonValue.objectValue else { return inferred }
        let inferredFields = inferred.jsonValue["fields"]?.objectValue ?? JSONObject()
        var fields = JSONObject()
        // Fields without a column (constant values) stay as inferred.
        for (target, spec) in inferredFields.members where Self.column(of: spec) == nil { fields.set(target, spec) }
        for (column, target) in form.withPrefix("map.") {
            let target = target.trimmingCharacters(in: .whitespaces)
            guard !target.isEmpty else { continue }
            var spec = JSONObject()
            if let previous = inferredFields.members.first(where: { Self.column(of: $0.1) == column })?.1.objectValue {
                spec = previous
            }
            spec.set("column", .string(column))
            fields.set(target, .object(spec))
        }
        document.set("fields", .object(fields))
        return try ImportMapping(document: .object(document))
    }

    /// The column a mapping field reads: `"手机号"` or `{"column": "手机号", …}`.
    static func column(of spec: JSONValue) -> String? {
        spec.stringValue ?? spec["column"]?.stringValue
    }

    @Sendable func importPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        return try await renderImport(
            viewer: viewer, workspaceID: try context.workspaceID, id: try Params.id(context), mapping: nil)
    }

    func renderImport(viewer: ConsoleViewer, workspaceID: Int64, id: Int64, mapping: ImportMapping?, problem: String? = nil)
        async throws -> Response
    {
        let run = try await services.importJobs.record(workspaceID: workspaceID, id: id)
        var model: [String: Any] = [
            "id": run.id, "source": run.source, "kind": viewer.t("import_" + run.kind),
            "status": viewer.t("import_status_" + run.status),
        ]
        if run.dryRun { model["dryRun"] = true }
        if run.status == "running" || run.status == "queued" { model["running"] = true }
        if let error = run.error { model["error"] = error }
        if let problem { model["error"] = problem }
        if let report = run.report.flatMap({ try? JSONParser.parse($0) })?.objectValue {
            var facts: [[String: Any]] = []
            for (name, value) in report.members {
                if case .object = value { continue }
                if case .array = value { continue }
                if name == "rejected_rows_file" { continue }
                let key = "report_" + name
                facts.append(["name": viewer.t(key) == key ? name : viewer.t(key), "value": value.stringValue ?? value.jsonText])
            }
            var section: [String: Any] = ["facts": facts]
            if (try? await services.importJobs.rejectedRows(workspaceID: workspaceID, id: id)) != nil {
                section["rejectedLink"] = "/app/imports/\(id)/rejected"
            }
            model["report"] = section
        }
        if run.status == "uploaded" {
            let preview = try await services.importJobs.preview(workspaceID: workspaceID, id: id, mapping: mapping)
            let fields = preview.mapping.jsonValue["fields"]?.objectValue ?? JSONObject()
            func target(of column: String) -> String {
                fields.members.first { Self.column(of: $0.1) == column }?.0 ?? ""
            }
            let sampleRow = preview.rows.first
            model["preview"] = [
                "id": id,
                "columns": preview.columns.enumerated().map { i, column -> [String: Any] in
                    let t = target(of: column)
                    return [
                        "index": i, "name": column, "target": t,
                        "sample": sampleRow?.fields.first { $0.field == t }?.value ?? "",
                    ]
                },
                "targets": Self.importTargets[ImportKind(rawValue: run.kind) ?? .customers] ?? [],
                "rows": preview.rows.prefix(5).map { row in
                    row.fields.map { "\($0.field)=\($0.value)" }.joined(separator: "  ·  ")
                        + (row.rejection.map { "  ✗ \($0.code): \($0.message)" } ?? "")
                },
                "problems": preview.rows.compactMap { r in r.rejection.map { viewer.locale.text("line_n", String(r.line)) + ": " + $0.message } }.prefix(5).map { $0 },
            ] as [String: Any]
        }
        return renderer.page("import", title: run.source, model: model, viewer: viewer)
    }

    /// Targets offered in the mapping form (any other field name can be typed).
    static let importTargets: [ImportKind: [String]] = [
        .customers: ["user_id", "phone", "email", "name", "gender", "birthday", "province", "city", "district", "address", "id_number", "wechat_unionid", "traits.owner"],
        .orders: ["order_id", "user_id", "phone", "email", "placed_at", "amount", "currency", "quantity", "channel", "store_id", "status", "sku", "product_name", "category", "unit_price", "discount"],
        .events: ["event", "timestamp", "message_id", "user_id", "anonymous_id", "phone", "email"],
    ]

    /// The mapping page's buttons: preview again, dry run, or start.
    @Sendable func importAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let id = try Params.id(context)
        let form = try await form(request)
        let inferred = try await services.importJobs.preview(workspaceID: workspaceID, id: id, mapping: nil).mapping
        let mapping: ImportMapping
        do {
            mapping = try self.mapping(from: form, inferred: inferred)
        } catch let error as PanoramaError {
            return try await renderImport(
                viewer: viewer, workspaceID: workspaceID, id: id, mapping: nil,
                problem: ConsoleMiddleware.localized(error.message, viewer.locale))
        }
        switch form["action"] {
        case "start", "dry_run":
            let dryRun = form["action"] == "dry_run"
            _ = try await services.importJobs.start(workspaceID: workspaceID, id: id, mapping: mapping, dryRun: dryRun)
            await services.audit.record(
                request, context, action: "import.start", target: "import:\(id)",
                detail: ["dry_run": String(dryRun), "via": "console"])
            return ConsoleRenderer.redirect("/app/imports/\(id)")
        default:
            return try await renderImport(viewer: viewer, workspaceID: workspaceID, id: id, mapping: mapping)
        }
    }

    @Sendable func rejectedRows(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Params.id(context)
        guard let text = try await services.importJobs.rejectedRows(workspaceID: try context.workspaceID, id: id) else {
            throw PanoramaError.notFound("no_rejected_rows", "import \(id) has no rejected rows / 该导入没有被拒绝的行")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"import-\(id)-rejected.csv\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
