import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// REST: the audit log of the caller's workspace — search, and verification of the whole chain.
struct AuditController {
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("audit", use: search)
        group.get("audit/verify", use: verify)
    }

    /// `?action=&actor=&target=&since=&until=&after=&limit=&order=`: entries newest first (`order=asc`:
    /// oldest first), `next_after` continuing the same order.
    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        func text(_ name: String) throws -> String? {
            guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
            guard raw.count <= 200 else {
                throw PanoramaError.badRequest("invalid_\(name)", "\(name) must be at most 200 characters", field: name)
            }
            return raw
        }
        func time(_ name: String) throws -> Int64? {
            guard let raw = parameters.get(name), !raw.isEmpty else { return nil }
            guard let ms = Timestamp.parseMillis(raw) else {
                throw PanoramaError.badRequest("invalid_\(name)", "\(name) must be an ISO-8601 date-time", field: name)
            }
            return ms
        }
        let order = parameters.get("order") ?? "desc"
        guard order == "desc" || order == "asc" else {
            throw PanoramaError.badRequest("invalid_order", "order must be desc or asc", field: "order")
        }
        let query = AuditQuery(
            workspace: String(try context.workspaceID), action: try text("action"), actor: try text("actor"),
            since: try time("since"), until: try time("until"), target: try text("target"))
        let page = try await audit.search(
            query, after: try AudiencesController.integer(request, "after"), newestFirst: order == "desc",
            limit: try Params.limit(request, default: 100, max: 1000))
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(page.entries.map(\.apiJSON))),
                "next_after": page.next.map { .number(JSONNumber($0)) } ?? .null,
            ]))
    }

    /// Walks the whole chain: `{"intact": true, "entries": N, "head": "<hash>"}`, or the first
    /// problem and where it is.
    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.workspaceID
        return JSONResponse.make(try await audit.check().apiJSON)
    }
}

extension AuditEntry {
    /// The entry as the API and `panorama audit list --json` show it: every field, `at` as ISO
    /// time (milliseconds) and as the exact number of Unix seconds the chain hashes (`at_unix`).
    public var apiJSON: JSONValue {
        var detail = JSONObject()
        for (key, value) in self.detail.sorted(by: { $0.key < $1.key }) { detail.set(key, .string(value)) }
        return .object([
            "sequence": .number(JSONNumber(sequence)),
            "at": .string(Timestamp.format(millis: Int64((at * 1000).rounded()))),
            "at_unix": .number(JSONNumber(at) ?? JSONNumber(0)),
            "workspace": .string(workspace),
            "actor": .string(actor),
            "actor_kind": .string(actorKind),
            "action": .string(action),
            "target": .string(target),
            "source_ip": sourceIP.json,
            "detail": .object(detail),
            "previous_hash": .string(previousHash),
            "hash": .string(hash),
        ])
    }
}

extension AuditReport {
    /// The outcome as the API and `panorama audit verify --json` show it: `intact`, and then
    /// `entries` and `head` (the last hash), or `problem` with `sequence` / `expected` / `found`.
    public var apiJSON: JSONValue {
        let (sequence, expected, found) = verification.location
        func number(_ n: Int64?) -> JSONValue { n.map { .number(JSONNumber($0)) } ?? .null }
        var entries = JSONValue.null
        var lastHash = JSONValue.null
        var headSequence = JSONValue.null
        if case .intact(let count, let hash) = verification {
            entries = .number(JSONNumber(count))
            lastHash = .string(hash)
            if let head, head.hash == hash { headSequence = .number(JSONNumber(head.sequence)) }
        }
        return .object([
            "intact": .bool(verification.isIntact), "entries": entries, "head": lastHash,
            "head_sequence": headSequence, "problem": verification.isIntact ? .null : .string(verification.code),
            "sequence": number(sequence), "expected": number(expected), "found": number(found),
            "message": .string(verification.description),
        ])
    }
}
