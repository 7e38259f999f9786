import Foundation
import Hummingbird
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// REST: computed traits, tags (标签) and segments (人群) — definitions, counts, previews,
/// members, export, change feed and size history — and checking a rule as it is typed.
struct AudiencesController {
    let audiences: AudienceService
    let profiles: ProfileService
    let settings: WorkspaceSettingsCache
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("traits", use: listTraits)
        group.post("traits", use: createTrait)
        group.get("traits/:name", use: showTrait)
        group.put("traits/:name", use: replaceTrait)
        group.delete("traits/:name", use: deleteTrait)
        group.post("rules/check", use: checkRule)
        group.post("rules/evaluate", use: evaluateRule)
        for kind in AudienceKind.allCases {
            let path = "\(kind.rawValue)s"
            group.get(RouterPath(path)) { request, context in try await list(kind, request, context) }
            group.post(RouterPath(path)) { request, context in try await save(kind, nil, request, context) }
            group.get(RouterPath("\(path)/:name")) { request, context in try await show(kind, request, context) }
            group.put(RouterPath("\(path)/:name")) { request, context in
                try await save(kind, try Params.string(context, "name"), request, context)
            }
            group.delete(RouterPath("\(path)/:name")) { request, context in try await delete(kind, request, context) }
            group.get(RouterPath("\(path)/:name/count")) { request, context in try await count(kind, request, context) }
            group.get(RouterPath("\(path)/:name/preview")) { request, context in
                try await preview(kind, request, context)
            }
            group.get(RouterPath("\(path)/:name/members")) { request, context in
                try await members(kind, request, context)
            }
            group.get(RouterPath("\(path)/:name/export")) { request, context in
                try await export(kind, request, context)
            }
            group.get(RouterPath("\(path)/:name/changes")) { request, context in
                try await changes(kind, request, context)
            }
            group.get(RouterPath("\(path)/:name/sizes")) { request, context in try await sizes(kind, request, context) }
        }
        group.post("tags/:name/assign") { request, context in try await assign(request, context, remove: false) }
        group.post("tags/:name/unassign") { request, context in try await assign(request, context, remove: true) }
        group.post("segments/:name/refresh", use: refresh)
    }

    // MARK: Traits

    @Sendable func listTraits(_ request: Request, context: AppRequestContext) async throws -> Response {
        let traits = try await audiences.traits(workspaceID: try context.workspaceID)
        return JSONResponse.make(.object(["data": .array(JSONArray(try traits.map(Self.json)))]))
    }

    @Sendable func showTrait(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(
            try Self.json(
                try await audiences.trait(workspaceID: try context.workspaceID, name: try Params.string(context, "name"))))
    }

    @Sendable func createTrait(_ request: Request, context: AppRequestContext) async throws -> Response {
        let trait = try await Self.traitBody(request, name: nil)
        let workspaceID = try context.workspaceID
        if (try? await audiences.trait(workspaceID: workspaceID, name: trait.name)) != nil {
            throw PanoramaError.conflict("trait_exists", "computed trait '\(trait.name)' already exists; change it with PUT")
        }
        try await audiences.saveTrait(workspaceID: workspaceID, trait)
        await audit.record(request, context, action: "trait.create", target: "trait:\(trait.name)")
        return JSONResponse.make(try Self.json(trait), status: .created)
    }

    @Sendable func replaceTrait(_ request: Request, context: AppRequestContext) async throws -> Response {
        let trait = try await Self.traitBody(request, name: try Params.string(context, "name"))
        let workspaceID = try context.workspaceID
        _ = try await audiences.trait(workspaceID: workspaceID, name: trait.name)
        try await audiences.saveTrait(workspaceID: workspaceID, trait)
        return JSONResponse.make(try Self.json(trait))
    }

    @Sendable func deleteTrait(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await audiences.deleteTrait(workspaceID: try context.workspaceID, name: try Params.string(context, "name"))
        return Response(status: .noContent)
    }

    /// A trait definition from a body (snake_case keys); the path's name wins over the body's.
    static func traitBody(_ request: Request, name: String?) async throws -> TraitDefinition {
        var body = try await AdminController.jsonBody(request)
        if let name, case .object(var object) = body {
            object.set("name", .string(name))
            body = .object(object)
        }
        do {
            return try JSONDecoder().decode(TraitDefinition.self, from: Data(body.jsonText.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw PanoramaError.badRequest("missing_field", "\(key.stringValue) is required", field: key.stringValue)
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw PanoramaError.badRequest("invalid_field", "\(field) has a value that is not allowed", field: field)
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw PanoramaError.badRequest("invalid_field", "\(field) has the wrong type", field: field)
        } catch {
            throw PanoramaError.badRequest("invalid_trait", "the body is not a computed-trait definition")
        }
    }

    static func json(_ trait: TraitDefinition) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var object = try JSONParser.parse(String(decoding: try encoder.encode(trait), as: UTF8.self)).objectValue
            ?? JSONObject()
        object.set("type", .string(trait.resultType.rawValue))
        return .object(object)
    }

    // MARK: Tags and segments

    func list(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let all = try await audiences.audiences(workspaceID: try context.workspaceID, kind: kind)
        return JSONResponse.make(.object(["data": .array(JSONArray(all.map(Self.json)))]))
    }

    func show(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(try await audiences.audience(workspaceID: try context.workspaceID, key(kind, context))))
    }

    /// POST (create; `name` in the body) or PUT (replace the path's).
    func save(_ kind: AudienceKind, _ name: String?, _ request: Request, _ context: AppRequestContext) async throws
        -> Response
    {
        let body = try await AdminController.jsonBody(request)
        func text(_ key: String) throws -> String? {
            guard let raw = body[key], !raw.isNull else { return nil }
            guard let s = raw.stringValue else {
                throw PanoramaError.badRequest("invalid_\(key)", "\(key) must be a string", field: key)
            }
            return s
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let raw = try text(key) else { return nil }
            guard let value = T(rawValue: raw) else {
                throw PanoramaError.badRequest(
                    "invalid_\(key)", "\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: key)
            }
            return value
        }
        guard let name = try name ?? text("name") else {
            throw PanoramaError.badRequest("missing_name", "name is required", field: "name")
        }
        let rule = try text("rule")
        let defaultType: AudienceType = kind == .segment ? .dynamic : (rule == nil ? .manual : .rule)
        let definition = AudienceDefinition(
            kind: kind, name: name, description: try text("description"),
            type: try choice("type", AudienceType.self) ?? defaultType, rule: rule,
            category: try choice("category", TagCategory.self) ?? (kind == .tag ? .behavior : nil),
            updateMode: try choice("update_mode", UpdateMode.self) ?? .realtime,
            consentPurpose: try choice("consent_purpose", ConsentPurpose.self))
        let saved = try await audiences.save(
            workspaceID: try context.workspaceID, definition, create: request.method == .post)
        if request.method == .post {
            await audit.record(
                request, context, action: "\(kind.rawValue).create", target: "\(kind.rawValue):\(name)",
                detail: ["type": definition.type.rawValue])
        }
        return JSONResponse.make(Self.json(saved), status: request.method == .post ? .created : .ok)
    }

    func delete(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await audiences.delete(workspaceID: try context.workspaceID, key(kind, context))
        return Response(status: .noContent)
    }

    func count(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let n = try await audiences.count(workspaceID: try context.workspaceID, key(kind, context), scope: context.scope)
        return JSONResponse.make(.object(["count": .number(JSONNumber(n))]))
    }

    /// Size and the first members with their identifiers (`?limit=`, at most 1000).
    func preview(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let found = try await audiences.preview(
            workspaceID: workspaceID, key(kind, context), limit: try Params.limit(request, default: 100, max: 1000),
            scope: context.scope)
        await audit.recordPIIView(request, context, customers: found.ids)
        return JSONResponse.make(try await sample(workspaceID, size: found.size, ids: found.ids, masked: !context.seesPII))
    }

    func sample(_ workspaceID: Int64, size: Int, ids: [Int64], masked: Bool) async throws -> JSONValue {
        let held = try await audiences.identifiers(workspaceID: workspaceID, of: ids, masked: masked)
        let members = ids.map { id -> JSONValue in
            let identifiers = (held[id] ?? []).map { JSONValue.object(["type": .string($0.type), "value": .string($0.value)]) }
            return .object(["id": .number(JSONNumber(id)), "identifiers": .array(JSONArray(identifiers))])
        }
        return .object(["size": .number(JSONNumber(size)), "members": .array(JSONArray(members))])
    }

    /// Member ids by ascending id: `?after=<id>&limit=` (at most 1000).
    func members(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let limit = try Params.limit(request, default: 100, max: 1000)
        let after = try Self.integer(request, "after") ?? 0
        let page = try await audiences.members(
            workspaceID: try context.workspaceID, key(kind, context), after: after, limit: limit, scope: context.scope)
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(page.ids.map { .number(JSONNumber($0)) })),
                "next_after": page.lastScanned.map { .number(JSONNumber($0)) } ?? .null,
            ]))
    }

    /// `?format=csv` (default) or `ndjson`, streamed.
    func export(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let key = try key(kind, context)
        let raw = request.uri.queryParameters.get("format") ?? "csv"
        guard let format = ExportFormat(rawValue: raw) else {
            throw PanoramaError.badRequest("invalid_format", "format must be csv or ndjson", field: "format")
        }
        let purpose = try Self.purpose(request)
        let summary = try await audiences.audience(workspaceID: workspaceID, key)
        let types = try await settings.identity(workspaceID).types.map(\.name)
        // Recorded before the first byte goes out: an export that cannot be audited does not start.
        try await audit.recordBeforehand(
            request, context, action: "export.\(kind.rawValue)", target: "\(kind.rawValue):\(key.name)",
            detail: [
                "format": format.rawValue, "members": String(summary.size), "via": "api",
                "purpose": purpose?.rawValue ?? summary.definition.consentPurpose?.rawValue ?? "",
            ])
        let audiences = self.audiences
        let masked = !context.seesPII
        let scope = context.scope
        let body = ResponseBody { writer in
            try await audiences.export(
                workspaceID: workspaceID, key, format: format, identifierTypes: types, masked: masked, scope: scope,
                purpose: purpose
            ) { chunk in
                try await writer.write(ByteBuffer(string: chunk))
            }
            try await writer.finish(nil)
        }
        var headers = HTTPFields()
        headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
        let filename = key.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "export"
        headers[.contentDisposition] = "attachment; filename*=UTF-8''\(filename).\(format.rawValue)"
        return Response(status: .ok, headers: headers, body: body)
    }

    /// Entries and exits after a feed position: `?after=<id>&limit=`.
    func changes(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let limit = try Params.limit(request, default: 100, max: 1000)
        let after = try Self.integer(request, "after") ?? 0
        let workspaceID = try context.workspaceID
        let changes = try await audiences.changes(workspaceID: workspaceID, key(kind, context), after: after, limit: limit)
        // Entries and exits of customers out of the caller's scope are left out (the cursor still moves on).
        let visible = Set(
            try await audiences.visible(workspaceID: workspaceID, Array(Set(changes.map(\.customerID))), scope: context.scope))
        let items = changes.filter { visible.contains($0.customerID) }.map { c -> JSONValue in
            .object([
                "id": .number(JSONNumber(c.id)), "customer_id": .number(JSONNumber(c.customerID)),
                "change": .string(c.change.rawValue), "at": c.at.isoTime,
            ])
        }
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(items)),
                "next_after": .number(JSONNumber(changes.last?.id ?? after)),
            ]))
    }

    /// Size per hour since `?since=` (ISO time; default 30 days ago).
    func sizes(_ kind: AudienceKind, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        var since = Int64(Date().timeIntervalSince1970 * 1000) - 30 * 86_400_000
        if let raw = request.uri.queryParameters.get("since") {
            guard let ms = Timestamp.parseMillis(raw) else {
                throw PanoramaError.badRequest("invalid_since", "since must be an ISO-8601 date-time", field: "since")
            }
            since = ms
        }
        let sizes = try await audiences.sizes(workspaceID: try context.workspaceID, key(kind, context), since: since)
        return JSONResponse.make(
            .object([
                "data": .array(
                    JSONArray(sizes.map { .object(["at": $0.at.isoTime, "size": .number(JSONNumber($0.size))]) }))
            ]))
    }

    /// `{"customers": ["123", "email:a@example.com", "phone:13800138000"]}` (ids or `type:value`),
    /// or in bulk a CSV file as the body (`Content-Type: text/csv`; columns as
    /// `AudienceAssignmentFile` reads them, `?header=true|false` when sniffing guesses wrong).
    func assign(_ request: Request, _ context: AppRequestContext, remove: Bool) async throws -> Response {
        let references: [String]
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("text/csv") || contentType.hasPrefix("application/csv") {
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: 64 << 20)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                throw PanoramaError(
                    .payloadTooLarge, code: "payload_too_large",
                    message: "the CSV file is over 64 MB; split it into several uploads")
            }
            let header = request.uri.queryParameters.get("header").flatMap { Bool($0.lowercased()) }
            references = try AudienceAssignmentFile.references(
                csv: Array(buffer.readableBytesView), hasHeader: header)
            guard !references.isEmpty else {
                throw PanoramaError.badRequest(
                    "empty_file", "the CSV file names no customers (a customer_id, identifier type or type,value column)",
                    field: "file")
            }
        } else {
            let body = try await AdminController.jsonBody(request, limitKB: 4096)
            guard let items = body["customers"]?.arrayValue, !items.isEmpty, items.count <= 100_000 else {
                throw PanoramaError.badRequest(
                    "invalid_customers",
                    "customers must be a list of 1–100000 ids or type:value identifiers (or upload a CSV file as text/csv)",
                    field: "customers")
            }
            references = items.compactMap { $0.stringValue ?? $0.numberValue?.text }
        }
        let done = try await audiences.assign(
            workspaceID: try context.workspaceID, tag: try Params.string(context, "name"), customers: references,
            remove: remove, profiles: profiles)
        return JSONResponse.make(
            .object([
                "rows": .number(JSONNumber(references.count)),
                "changed": .number(JSONNumber(done.changed)),
                "not_found_count": .number(JSONNumber(done.unknown.count)),
                "not_found": .array(JSONArray(done.unknown.prefix(1_000).map(JSONValue.string))),
            ]))
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(
            Self.json(
                try await audiences.refreshSnapshot(
                    workspaceID: try context.workspaceID, segment: try Params.string(context, "name"))))
    }

    // MARK: Rules

    /// `{"rule": "…"}` → `{"valid": true, "canonical": …, "reads": […]}` or the first error with
    /// its position (UTF-8 offset and length, line and column) and a suggestion for a typo.
    @Sendable func checkRule(_ request: Request, context: AppRequestContext) async throws -> Response {
        let rule = try Self.ruleBody(try await AdminController.jsonBody(request))
        let check = try await audiences.check(workspaceID: try context.workspaceID, rule: rule)
        guard let error = check.error else {
            return JSONResponse.make(
                .object([
                    "valid": .bool(true), "canonical": check.canonical.json,
                    "reads": .array(JSONArray(check.reads.map(JSONValue.string))),
                    "tags": .array(JSONArray(check.tags.map(JSONValue.string))),
                    "segments": .array(JSONArray(check.segments.map(JSONValue.string))),
                ]))
        }
        return JSONResponse.make(
            .object([
                "valid": .bool(false),
                "error": .object([
                    "code": .string(error.code.rawValue), "message": .string(error.message),
                    "offset": .number(JSONNumber(error.span.offset)), "length": .number(JSONNumber(error.span.length)),
                    "line": .number(JSONNumber(error.span.line)), "column": .number(JSONNumber(error.span.column)),
                    "suggestion": error.suggestion.json,
                ]),
            ]))
    }

    /// `{"rule": "…", "limit": 10}` → size and first members, without saving anything.
    @Sendable func evaluateRule(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        let rule = try Self.ruleBody(body)
        let limit = Int(body["limit"]?.numberValue?.int64 ?? 10)
        guard (0...1000).contains(limit) else {
            throw PanoramaError.badRequest("invalid_limit", "limit must be 0–1000", field: "limit")
        }
        let workspaceID = try context.workspaceID
        let found = try await audiences.evaluate(workspaceID: workspaceID, rule: rule, limit: limit, scope: context.scope)
        await audit.recordPIIView(request, context, customers: found.ids)
        return JSONResponse.make(try await sample(workspaceID, size: found.size, ids: found.ids, masked: !context.seesPII))
    }

    static func ruleBody(_ body: JSONValue) throws -> String {
        guard let rule = body["rule"]?.stringValue, !rule.isEmpty, rule.utf8.count <= 20_000 else {
            throw PanoramaError.badRequest("missing_rule", "rule must be a non-empty string (at most 20 000 bytes)", field: "rule")
        }
        return rule
    }

    // MARK: Helpers

    /// `?purpose=`: only customers holding a current grant of this consent purpose.
    static func purpose(_ request: Request) throws -> ConsentPurpose? {
        guard let asked = request.uri.queryParameters.get("purpose") else { return nil }
        guard let named = ConsentPurpose(rawValue: String(asked)) else {
            throw PanoramaError.badRequest(
                "invalid_purpose",
                "purpose must be one of \(ConsentPurpose.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "purpose")
        }
        return named
    }

    func key(_ kind: AudienceKind, _ context: AppRequestContext) throws -> AudienceKey {
        AudienceKey(kind, try Params.string(context, "name"))
    }

    static func integer(_ request: Request, _ name: String) throws -> Int64? {
        guard let raw = request.uri.queryParameters.get(name) else { return nil }
        guard let n = Int64(raw), n >= 0 else {
            throw PanoramaError.badRequest("invalid_\(name)", "\(name) must be a non-negative integer", field: name)
        }
        return n
    }

    static func json(_ s: AudienceSummary) -> JSONValue {
        let d = s.definition
        var object: JSONObject = [
            "kind": .string(d.kind.rawValue),
            "name": .string(d.name),
            "description": d.description.json,
            "type": .string(d.type.rawValue),
            "rule": d.rule.json,
            "update_mode": .string(d.updateMode.rawValue),
            "size": .number(JSONNumber(s.size)),
            "problem": s.problem.json,
            "created_at": s.createdAt.isoTime,
            "updated_at": s.updatedAt.isoTime,
        ]
        if d.kind == .tag { object.set("category", d.category.map { .string($0.rawValue) } ?? .null) }
        if d.kind == .segment { object.set("consent_purpose", d.consentPurpose.map { .string($0.rawValue) } ?? .null) }
        return .object(object)
    }
}
