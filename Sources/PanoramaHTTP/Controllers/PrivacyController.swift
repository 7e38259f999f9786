import Hummingbird
import PanoramaCore
import PanoramaServices

/// REST: data subject rights (PIPL / GDPR) — a customer's consents per purpose, the export of
/// everything held about them, and their erasure.
struct PrivacyController {
    let privacy: PrivacyService
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("customers/:id/consents", use: consents)
        group.put("customers/:id/consents", use: setConsent)
        group.get("customers/:id/privacy-export", use: export)
        group.post("customers/:id/erasure", use: erase)
    }

    @Sendable func consents(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consents = try await privacy.consents(
            workspaceID: try context.workspaceID, id: try Params.id(context), scope: context.scope)
        return JSONResponse.make(consents.json)
    }

    /// `{"purpose": "marketing_sms", "granted": true, "source": "store_pos", "at": "…"?}`.
    @Sendable func setConsent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        guard let raw = body["purpose"]?.stringValue, let purpose = ConsentPurpose(rawValue: raw) else {
            throw PanoramaError.badRequest(
                "invalid_purpose",
                "purpose must be one of \(ConsentPurpose.allCases.map(\.rawValue).joined(separator: ", "))",
                field: "purpose")
        }
        guard let granted = body["granted"]?.boolValue else {
            throw PanoramaError.badRequest("invalid_granted", "granted must be true or false", field: "granted")
        }
        var source = "api"
        if let value = body["source"], !value.isNull {
            guard let text = value.stringValue else {
                throw PanoramaError.badRequest("invalid_source", "source must be a string", field: "source")
            }
            source = text
        }
        var at: Int64?
        if let value = body["at"], !value.isNull {
            guard let text = value.stringValue, let ms = Timestamp.parseMillis(text) else {
                throw PanoramaError.badRequest("invalid_at", "at must be an ISO-8601 date-time", field: "at")
            }
            at = ms
        }
        let consents = try await privacy.setConsent(
            workspaceID: try context.workspaceID, id: try Params.id(context), purpose: purpose, granted: granted,
            source: source, at: at, scope: context.scope)
        return JSONResponse.make(consents.json)
    }

    /// Everything held about the customer; recorded in the audit log before it is read.
    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requiredPrincipal
        try principal.require(.customersRead)
        try principal.require(.piiView)
        let workspaceID = try context.workspaceID
        let id = try Params.id(context)
        // 404 for an unknown customer before anything is recorded.
        try await privacy.requireCustomer(workspaceID: workspaceID, id: id, scope: context.scope)
        try await audit.recordBeforehand(
            request, context, action: "privacy.export", target: "customer:\(id)", detail: ["via": "api"])
        return JSONResponse.make(try await privacy.export(workspaceID: workspaceID, id: id, scope: context.scope))
    }

    /// `{"suppress": false, "reason": "…"}`: erases the customer; recorded with the rows removed per table.
    @Sendable func erase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        var suppress = false
        if let value = body["suppress"], !value.isNull {
            guard let flag = value.boolValue else {
                throw PanoramaError.badRequest("invalid_suppress", "suppress must be true or false", field: "suppress")
            }
            suppress = flag
        }
        var reason: String?
        if let value = body["reason"], !value.isNull {
            guard let text = value.stringValue, text.count <= 500 else {
                throw PanoramaError.badRequest(
                    "invalid_reason", "reason must be a string of at most 500 characters", field: "reason")
            }
            reason = text
        }
        let report = try await privacy.erase(
            workspaceID: try context.workspaceID, id: try Params.id(context), suppress: suppress, scope: context.scope)
        await audit.record(
            request, context, action: "privacy.erase", target: "customer:\(report.customerID)",
            detail: report.auditDetail(reason: reason, via: "api"))
        return JSONResponse.make(Self.json(report))
    }

    static func json(_ report: ErasureReport) -> JSONValue {
        var rows = JSONObject()
        for (table, count) in report.rows.sorted(by: { $0.key < $1.key }) {
            rows.set(table, .number(JSONNumber(count)))
        }
        return .object([
            "customer_id": .number(JSONNumber(report.customerID)),
            "erased_ids": .array(JSONArray(report.customerIDs.map { .number(JSONNumber($0)) })),
            "suppressed": .bool(report.suppressed),
            "tombstones": .number(JSONNumber(report.tombstones)),
            "rows": .object(rows),
        ])
    }
}
