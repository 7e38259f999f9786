import Hummingbird
import PanoramaCore
import PanoramaServices

/// REST: merge undo, API keys and identifier types of the caller's workspace; the cluster view.
struct AdminController {
    let pipeline: IngestPipeline
    let keys: KeyService
    let settings: WorkspaceSettingsCache
    let cluster: ClusterService
    let access: AccessService
    let audit: AuditService
    let audiences: AudienceService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.post("merges/:id/undo", use: undo)
        group.get("keys", use: listKeys)
        group.post("keys", use: createKey)
        group.delete("keys/:id", use: revokeKey)
        group.get("identifier-types", use: identifierTypes)
        group.put("identifier-types/:name", use: saveIdentifierType)
        group.get("cluster", use: clusterStatus)
        group.get("workspace", use: workspace)
        group.put("workspace/time-zone", use: setTimeZone)
    }

    /// The nodes sharing the store, which one leads, and where scheduled work last ran.
    @Sendable func clusterStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let status = try await cluster.status()
        let nodes = status.nodes.map { n -> JSONValue in
            .object([
                "id": .string(n.nodeID), "address": .string(n.address), "started_at": n.startedAt.isoTime,
                "heartbeat_at": n.heartbeatAt.isoTime, "leader": .bool(n.leader),
            ])
        }
        let jobs = status.jobs.map { j -> JSONValue in
            .object([
                "name": .string(j.name), "node_id": .string(j.nodeID), "last_run_at": j.lastRunAt.isoTime,
                "runs": .number(JSONNumber(j.runs)),
            ])
        }
        return JSONResponse.make(
            .object([
                "node": .object(["id": .string(status.nodeID), "leader": .bool(status.isLeader)]),
                "leader": status.leader.map(JSONValue.string) ?? .null,
                "nodes": .array(JSONArray(nodes)), "jobs": .array(JSONArray(jobs)),
            ]))
    }

    @Sendable func undo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let merge = try await pipeline.undoMerge(workspaceID: try context.workspaceID, mergeID: try Params.id(context))
        await audit.record(
            request, context, action: "merge.undo", target: "merge:\(merge.id)",
            detail: ["from_id": String(merge.fromID), "into_id": String(merge.intoID)])
        return JSONResponse.make(CustomerController.json(merge))
    }

    static func json(_ key: APIKey, secret: String? = nil) -> JSONValue {
        var object: JSONObject = [
            "id": .number(JSONNumber(key.id)), "kind": .string(key.kind.rawValue), "name": .string(key.name),
            "prefix": .string(key.prefix), "created_at": key.createdAt.isoTime, "revoked_at": key.revokedAt.isoTime,
        ]
        if let secret { object.set("secret", .string(secret)) }
        return .object(object)
    }

    @Sendable func listKeys(_ request: Request, context: AppRequestContext) async throws -> Response {
        let all = try await keys.list(workspaceID: try context.workspaceID)
        return JSONResponse.make(.object(["data": .array(JSONArray(all.map { Self.json($0) }))]))
    }

    @Sendable func createKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await Self.jsonBody(request)
        guard let kindText = body["kind"]?.stringValue, let kind = APIKeyKind(rawValue: kindText) else {
            throw PanoramaError.badRequest("invalid_kind", "kind must be 'write' or 'admin'", field: "kind")
        }
        if let raw = body["name"], !raw.isNull, raw.stringValue == nil {
            throw PanoramaError.badRequest("invalid_name", "name must be a string", field: "name")
        }
        let name = body["name"]?.stringValue ?? "\(kind.rawValue) key"
        let role = body["role"]?.stringValue
        if let role {
            guard kind == .admin else {
                throw PanoramaError.badRequest("invalid_role", "only admin keys carry a role", field: "role")
            }
            _ = try await access.role(workspaceID: try context.workspaceID, named: role)
        }
        let issued = try await keys.create(workspaceID: try context.workspaceID, kind: kind, name: name)
        if let role { try await access.setRole(of: issued.key, to: role) }
        await audit.record(
            request, context, action: "key.create", target: "key:\(issued.key.id)",
            detail: ["kind": kind.rawValue, "name": name, "prefix": issued.key.prefix, "role": role ?? "admin"])
        var json = Self.json(issued.key, secret: issued.secret)
        if kind == .admin, case .object(var object) = json {
            object.set("role", .string(role ?? "admin"))
            json = .object(object)
        }
        return JSONResponse.make(json, status: .created)
    }

    @Sendable func revokeKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Params.id(context)
        let workspaceID = try context.workspaceID
        guard try await keys.list(workspaceID: workspaceID).contains(where: { $0.id == id && $0.revokedAt == nil })
        else {
            throw PanoramaError.notFound("key_not_found", "no live key with id \(id) in this workspace")
        }
        try await keys.revoke(id: id)
        return Response(status: .noContent)
    }

    static func json(_ t: IdentifierType) -> JSONValue {
        .object([
            "name": .string(t.name), "priority": .number(JSONNumber(t.priority)),
            "limit": t.limit.map { .number(JSONNumber($0)) } ?? .null, "unique": .bool(t.unique),
        ])
    }

    @Sendable func identifierTypes(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try await settings.identity(try context.workspaceID)
        return JSONResponse.make(.object(["data": .array(JSONArray(identity.types.map(Self.json)))]))
    }

    @Sendable func saveIdentifierType(_ request: Request, context: AppRequestContext) async throws -> Response {
        let name = try Params.string(context, "name")
        try Self.checkIdentifierTypeName(name)
        let body = try await Self.jsonBody(request)
        guard let priority = body["priority"]?.numberValue?.int64 else { throw Self.invalidPriority }
        var limit: Int64?
        if let raw = body["limit"], !raw.isNull {
            guard let n = raw.numberValue?.int64 else { throw Self.invalidLimit }
            limit = n
        }
        var unique = true
        if let raw = body["unique"], !raw.isNull {
            guard let flag = raw.boolValue else {
                throw PanoramaError.badRequest("invalid_unique", "unique must be true or false / unique 须为 true 或 false", field: "unique")
            }
            unique = flag
        }
        let type = try Self.identifierType(name: name, priority: priority, limit: limit, unique: unique)
        let workspaceID = try context.workspaceID
        try await settings.saveIdentifierType(workspaceID, type)
        await pipeline.reloadIdentity(workspaceID: workspaceID)
        return JSONResponse.make(Self.json(type))
    }

    static let invalidPriority = PanoramaError.badRequest(
        "invalid_priority", "priority must be an integer 0–1000 / 优先级须为 0–1000 的整数", field: "priority")
    static let invalidLimit = PanoramaError.badRequest(
        "invalid_limit", "limit must be null or an integer 1–10000 / 上限须为空（不限）或 1–10000 的整数", field: "limit")

    /// Refuses an identifier type name other than a-z, 0-9 and _ (up to 64 characters).
    static func checkIdentifierTypeName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({
                ($0.properties.isLowercase && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_"
            })
        else {
            throw PanoramaError.badRequest(
                "invalid_name",
                "identifier type names use a-z, 0-9 and _ (up to 64), e.g. crm_id / 标识类型名只能使用 a-z、0-9 和 _（最多 64 个字符），如 crm_id",
                field: "name")
        }
    }

    /// An identifier type as the API and the console accept it: priority 0–1000, limit per
    /// profile nil (unbounded) or 1–10000.
    static func identifierType(name: String, priority: Int64, limit: Int64?, unique: Bool) throws -> IdentifierType {
        try checkIdentifierTypeName(name)
        guard (0...1000).contains(priority) else { throw invalidPriority }
        if let limit, !(1...10_000).contains(limit) { throw invalidLimit }
        return IdentifierType(name: name, priority: Int(priority), limit: limit.map(Int.init), unique: unique)
    }

    static func json(_ w: Workspace) -> JSONValue {
        .object(["id": .number(JSONNumber(w.id)), "name": .string(w.name), "time_zone": .string(w.timeZone)])
    }

    /// The caller's workspace: id, name and time zone.
    @Sendable func workspace(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        guard let workspace = try await settings.workspace(workspaceID) else {
            throw PanoramaError.notFound("workspace_not_found", "no workspace \(workspaceID)")
        }
        return JSONResponse.make(Self.json(workspace))
    }

    /// `{"time_zone": "Europe/Paris"}`: days, windows and reports count in this IANA zone from now
    /// on (the audiences are re-evaluated). Audited here with the old and the new zone.
    @Sendable func setTimeZone(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await Self.jsonBody(request)
        guard let name = body["time_zone"]?.stringValue else {
            throw PanoramaError.badRequest(
                "invalid_time_zone", "time_zone must be a string such as Asia/Shanghai / time_zone 须为字符串，如 Asia/Shanghai",
                field: "time_zone")
        }
        let workspaceID = try context.workspaceID
        let previous = try await settings.setTimeZone(workspaceID, name)
        try await audiences.timeZoneChanged(workspaceID: workspaceID)
        let workspace = try await settings.workspace(workspaceID)
        await audit.record(
            request, context, action: "workspace.time_zone", target: "workspace:\(workspaceID)",
            detail: ["from": previous, "to": workspace?.timeZone ?? name])
        return JSONResponse.make(workspace.map(Self.json) ?? .null)
    }

    /// The request body as a JSON object, refused above `limit` kilobytes.
    static func jsonBody(_ request: Request, limitKB: Int = 64) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limitKB * 1024)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw PanoramaError(
                .payloadTooLarge, code: "payload_too_large", message: "request body is over \(limitKB) KB")
        }
        let value = try IngestService.parse(Array(buffer.readableBytesView))
        guard case .object = value else {
            throw PanoramaError.badRequest("invalid_body", "request body must be a JSON object")
        }
        return value
    }
}
