import Foundation
import Hummingbird
import Logging
import NIOCore
import PanoramaCore
import PanoramaServices

/// Records every write an admin key makes under `/api/v1` (POST, PUT, PATCH, DELETE) in the audit
/// log, once the response is produced: the route's action, the key as actor, the client address,
/// the method, path and status. Failed writes are recorded too, with their status.
///
/// Routes whose handlers record a richer entry themselves (a created key's id, a merge's profiles,
/// an import's id) are marked `byHandler`: their handler records a success, this records a
/// failure, so every request leaves exactly one entry. Writes that change nothing (checking or
/// evaluating a rule, previewing an import mapping) are not recorded. A write route missing from
/// `routes` is recorded as `api.write`; a test keeps the table complete.
///
/// An entry that cannot be written is logged as an error and the response still goes out: the
/// write it describes has already been committed.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let audit: AuditService

    /// How one write route is recorded.
    struct Route: Sendable {
        /// `area.verb`; nil: not recorded.
        var action: String?
        /// The target's kind and the path parameter naming it (`key` and `id` → `key:3`).
        var target: (kind: String, parameter: String?)
        /// The handler records successes itself.
        var byHandler = false

        /// A recorded route: its action, its target's kind and the path parameter naming it.
        init(_ action: String, _ kind: String, _ parameter: String? = nil, byHandler: Bool = false) {
            self.action = action
            self.target = (kind, parameter)
            self.byHandler = byHandler
        }

        private init() {
            self.action = nil
            self.target = ("", nil)
        }

        /// A write that changes nothing.
        static let notRecorded = Route()
    }

    /// Every write route of the REST API, by method and route pattern.
    static let routes: [String: Route] = [
        // Keys, identifier types, merges (AdminController).
        "POST /api/v1/keys": Route("key.create", "key", byHandler: true),
        "DELETE /api/v1/keys/{id}": Route("key.revoke", "key", "id"),
        "PUT /api/v1/identifier-types/{name}": Route("identifier_type.save", "identifier_type", "name"),
        "PUT /api/v1/workspace/time-zone": Route("workspace.time_zone", "workspace", byHandler: true),
        "POST /api/v1/merges/{id}/undo": Route("merge.undo", "merge", "id", byHandler: true),
        // Traits, tags, segments (AudiencesController).
        "POST /api/v1/traits": Route("trait.create", "trait", byHandler: true),
        "PUT /api/v1/traits/{name}": Route("trait.update", "trait", "name"),
        "DELETE /api/v1/traits/{name}": Route("trait.delete", "trait", "name"),
        "POST /api/v1/rules/check": .notRecorded,
        "POST /api/v1/rules/evaluate": .notRecorded,
        // Funnels are queries; a drop-off saved as a tag is recorded by its handler (tag.assign).
        "POST /api/v1/insights/funnels": .notRecorded,
        "POST /api/v1/insights/funnels/drop-off": .notRecorded,
        "POST /api/v1/insights/predictions/run": Route("predictions.run", "tags"),
        // A campaign's cost (the handler records the amount).
        "PUT /api/v1/insights/campaigns/{name}/cost": Route("campaign.cost", "campaign", byHandler: true),
        "DELETE /api/v1/insights/campaigns/{name}/cost": Route("campaign.cost_delete", "campaign", "name"),
        "POST /api/v1/tags": Route("tag.create", "tag", byHandler: true),
        "PUT /api/v1/tags/{name}": Route("tag.update", "tag", "name"),
        "DELETE /api/v1/tags/{name}": Route("tag.delete", "tag", "name"),
        "POST /api/v1/tags/{name}/assign": Route("tag.assign", "tag", "name"),
        "POST /api/v1/tags/{name}/unassign": Route("tag.unassign", "tag", "name"),
        "POST /api/v1/segments": Route("segment.create", "segment", byHandler: true),
        "PUT /api/v1/segments/{name}": Route("segment.update", "segment", "name"),
        "DELETE /api/v1/segments/{name}": Route("segment.delete", "segment", "name"),
        "POST /api/v1/segments/{name}/refresh": Route("segment.refresh", "segment", "name"),
        // Duplicates and manual merges (DuplicatesController).
        "POST /api/v1/duplicates/runs": Route("duplicates.run", "duplicates"),
        "PUT /api/v1/duplicates/settings": Route("duplicates.settings", "duplicates"),
        "POST /api/v1/duplicates/{id}/merge": Route("merge.accept", "duplicate", "id", byHandler: true),
        "POST /api/v1/duplicates/{id}/reject": Route("duplicates.reject", "duplicate", "id"),
        "POST /api/v1/customers/{id}/merge": Route("merge.manual", "customer", "id", byHandler: true),
        // Data subject rights (PrivacyController).
        "PUT /api/v1/customers/{id}/consents": Route("consent.update", "customer", "id"),
        "POST /api/v1/customers/{id}/erasure": Route("privacy.erase", "customer", "id", byHandler: true),
        // Imports (ImportsController).
        "POST /api/v1/imports": Route("import.upload", "import", byHandler: true),
        "POST /api/v1/imports/{id}/preview": .notRecorded,
        "POST /api/v1/imports/{id}/start": Route("import.start", "import", "id"),
        // Loyalty (LoyaltyController).
        "PUT /api/v1/loyalty/program": Route("loyalty.program", "loyalty_program"),
        "POST /api/v1/loyalty/tier-review": Route("loyalty.tier_review", "loyalty_program"),
        "POST /api/v1/customers/{id}/loyalty/events": Route("loyalty.bonus", "customer", "id"),
        "POST /api/v1/customers/{id}/points/adjustments": Route("points.adjust", "customer", "id"),
        "POST /api/v1/customers/{id}/points/redemptions": Route("points.redeem", "customer", "id"),
        "POST /api/v1/customers/{id}/stored-value/top-ups": Route("stored_value.top_up", "customer", "id"),
        "POST /api/v1/customers/{id}/stored-value/spends": Route("stored_value.spend", "customer", "id"),
        "POST /api/v1/customers/{id}/stored-value/refunds": Route("stored_value.refund", "customer", "id"),
        // Sign-in, the second factor, users and roles (AccessController).
        "POST /api/v1/auth/login": Route("auth.sign_in", "user", byHandler: true),
        "POST /api/v1/auth/logout": Route("auth.sign_out", "session"),
        "POST /api/v1/auth/totp/setup": Route("auth.totp_setup", "user"),
        "POST /api/v1/auth/totp/confirm": Route("auth.totp_confirm", "user"),
        "DELETE /api/v1/auth/totp": Route("auth.totp_disable", "user"),
        "POST /api/v1/users": Route("user.create", "user"),
        "PATCH /api/v1/users/{id}": Route("user.update", "user", "id"),
        "DELETE /api/v1/users/{id}": Route("user.delete", "user", "id"),
        "POST /api/v1/roles": Route("role.save", "role"),
        "DELETE /api/v1/roles/{name}": Route("role.delete", "role", "name"),
        // Orders (OrdersController).
        "POST /api/v1/orders": Route("order.save", "order"),
        "POST /api/v1/orders/{id}/refunds": Route("order.refund", "order", "id"),
    ]

    /// The methods that write.
    static let writes: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    /// Runs the request, then records it when it is a write the table does not exclude.
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard Self.writes.contains(request.method) else { return try await next(request, context) }
        let route = Self.routes["\(request.method.rawValue) \(context.endpointPath ?? "")"]
        if let route, route.action == nil { return try await next(request, context) }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            await record(route, request, context, status: Self.status(of: error))
            throw error
        }
        if !(route?.byHandler == true && response.status.code < 400) {
            await record(route, request, context, status: Int(response.status.code))
        }
        return response
    }

    private func record(_ route: Route?, _ request: Request, _ context: Context, status: Int) async {
        var target = request.uri.path
        if let route {
            let value = route.target.parameter.flatMap { context.parameters.get($0) }
            target = value.map { "\(route.target.kind):\($0.removingPercentEncoding ?? $0)" } ?? route.target.kind
        }
        await audit.record(
            request, context, action: route?.action ?? "api.write", target: target,
            detail: ["method": request.method.rawValue, "path": request.uri.path, "status": String(status)])
    }

    /// The status the error middleware will answer with.
    static func status(of error: any Error) -> Int {
        switch error {
        case let error as PanoramaError: Int(JSONResponse.status(of: error.kind).code)
        case let error as any HTTPResponseError: Int(error.status.code)
        default: 500
        }
    }
}

/// Who sent a request and from where, as the audit log records it.
struct AuditOrigin: Sendable, Equatable {
    var workspaceID: Int64?
    var actor: String
    var actorKind: AuditActorKind
    /// The client: the first hop of `X-Forwarded-For` when there is one, else the peer.
    var sourceIP: String?
    /// Facts about the actor and the connection: the key's name, and the peer's address when the
    /// client address came from the header (a proxy's, or a forged header's).
    var detail: [String: String]

    init(_ request: Request, _ context: AppRequestContext) {
        if let principal = context.principal {
            workspaceID = principal.workspaceID
            actor = principal.kind == .apiKey ? "key:\(principal.id)" : "user:\(principal.name)"
            actorKind = principal.kind == .apiKey ? .apiKey : .user
            detail = [principal.kind == .apiKey ? "key_name" : "username": principal.name, "role": principal.role.name]
        } else if let key = context.apiKey {
            workspaceID = key.workspaceID
            actor = "key:\(key.id)"
            actorKind = .apiKey
            detail = ["key_name": key.name]
        } else {
            workspaceID = nil
            actor = "anonymous"
            actorKind = .user
            detail = [:]
        }
        let peer = context.remoteAddress?.ipAddress
        if let forwarded = request.headers[ClientAddress.forwardedFor].flatMap(ClientAddress.firstHop) {
            sourceIP = forwarded
            if let peer, peer != forwarded { detail["peer_ip"] = peer }
        } else {
            sourceIP = peer
        }
    }
}

extension AuditService {
    /// Records that the caller saw personal information in clear (a role with `pii.view`), when
    /// the answer held any: who, which customers, through which route.
    func recordPIIView(_ request: Request, _ context: AppRequestContext, customers ids: [Int64]) async {
        guard context.seesPII, !ids.isEmpty else { return }
        let shown = ids.prefix(20).map(String.init).joined(separator: ",")
        await record(
            request, context, action: "pii.view", target: ids.count == 1 ? "customer:\(ids[0])" : "customers",
            detail: ["path": request.uri.path, "customers": shown, "count": String(ids.count)])
    }

    /// Records what the request's admin key just did (actor, workspace, client address, and
    /// `detail` with the key's name and the peer's address added). The action is already
    /// committed, so an entry that cannot be written is logged as an error, not thrown: the
    /// client still learns what happened.
    func record(
        _ request: Request, _ context: AppRequestContext, action: String, target: String,
        detail: [String: String] = [:]
    ) async {
        do {
            try await recordBeforehand(request, context, action: action, target: target, detail: detail)
        } catch {
            context.logger.error(
                "an audit entry could not be written",
                metadata: [
                    "action": "\(action)", "target": "\(target)", "path": "\(request.uri.path)",
                    "error": "\(String(reflecting: error))",
                ])
        }
    }

    /// Records what the request's admin key is about to do, before it is done: when the entry
    /// cannot be written, this throws and the action does not happen (exports).
    func recordBeforehand(
        _ request: Request, _ context: AppRequestContext, action: String, target: String,
        detail: [String: String] = [:]
    ) async throws {
        let origin = AuditOrigin(request, context)
        try await record(
            workspaceID: origin.workspaceID, actor: origin.actor, actorKind: origin.actorKind, action: action,
            target: target, sourceIP: origin.sourceIP, detail: origin.detail.merging(detail) { _, new in new })
    }
}
