import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// REST: the loyalty program, a customer's points, tier and stored value, and the writes on them.
/// Every write takes an idempotency key (`Idempotency-Key` header or `idempotency_key` field).
struct LoyaltyController {
    let loyalty: LoyaltyService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("loyalty/program", use: program)
        group.put("loyalty/program", use: saveProgram)
        group.post("loyalty/tier-review", use: reviewTiers)
        group.get("customers/:id/loyalty", use: summary)
        group.post("customers/:id/loyalty/events", use: grantBonus)
        group.get("customers/:id/points", use: points)
        group.post("customers/:id/points/adjustments", use: adjust)
        group.post("customers/:id/points/redemptions", use: redeem)
        group.get("customers/:id/stored-value", use: storedValue)
        group.post("customers/:id/stored-value/top-ups", use: topUp)
        group.post("customers/:id/stored-value/spends", use: spend)
        group.post("customers/:id/stored-value/refunds", use: refund)
    }

    // MARK: Program and review

    @Sendable func program(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(try await loyalty.program(workspaceID: try context.workspaceID).json)
    }

    @Sendable func saveProgram(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        return JSONResponse.make(try await loyalty.saveProgram(workspaceID: try context.workspaceID, json: body).json)
    }

    @Sendable func reviewTiers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let report = try await loyalty.reviewTiers(workspaceID: try context.workspaceID)
        return JSONResponse.make(
            .object([
                "profiles": .number(JSONNumber(report.profiles)), "upgraded": .number(JSONNumber(report.upgraded)),
                "downgraded": .number(JSONNumber(report.downgraded)),
                "expired_points": .number(JSONNumber(report.expiredPoints)), "reviewed_at": report.reviewedAt.isoTime,
            ]))
    }

    // MARK: Reads

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> Response {
        let s = try await loyalty.summary(workspaceID: try context.workspaceID, customerID: try Params.id(context))
        var tier = JSONValue.null
        if case .object(var object)? = s.tier?.json {
            object.set("since", s.tierSince.isoTime)
            tier = .object(object)
        }
        return JSONResponse.make(
            .object([
                "customer_id": .number(JSONNumber(s.customerID)),
                "points": .object([
                    "balance": .number(JSONNumber(s.points)), "lots": .array(JSONArray(s.lots.map(Self.json))),
                ]),
                "tier": tier,
                "tier_history": .array(JSONArray(s.tierHistory.map(Self.json))),
                "qualification": .object([
                    "since": s.activitySince.isoTime, "spend": .number(JSONNumber(s.activity.spend)),
                    "orders": .number(JSONNumber(s.activity.orders)), "points": .number(JSONNumber(s.activity.points)),
                ]),
                "stored_value": .object(["balance": .number(JSONNumber(s.storedValue))]),
            ]))
    }

    @Sendable func points(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await ledger(request, context, .points)
    }

    @Sendable func storedValue(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await ledger(request, context, .storedValue)
    }

    private func ledger(_ request: Request, _ context: AppRequestContext, _ ledger: LoyaltyLedger) async throws
        -> Response
    {
        let (balance, page) = try await loyalty.ledger(
            workspaceID: try context.workspaceID, customerID: try Params.id(context), ledger,
            cursor: Params.cursor(request), limit: try Params.limit(request))
        return JSONResponse.make(
            .object([
                "balance": .number(JSONNumber(balance)), "data": .array(JSONArray(page.items.map(Self.json))),
                "next_cursor": page.nextCursor.json,
            ]))
    }

    // MARK: Writes

    @Sendable func adjust(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context) { w in
            try await loyalty.adjustPoints(
                workspaceID: w.workspaceID, customerID: w.customerID,
                points: try w.integer("points", code: "invalid_points"),
                reason: try w.text("reason") ?? "", key: w.key)
        }
    }

    @Sendable func redeem(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context, number: "points", loyalty.redeemPoints)
    }

    @Sendable func grantBonus(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context) { w in
            guard let event = try w.text("event"), !event.isEmpty else {
                throw PanoramaError.badRequest(
                    "invalid_event", "event is required: signup, birthday or an event of the program", field: "event")
            }
            return try await loyalty.grantBonus(
                workspaceID: w.workspaceID, customerID: w.customerID, event: event, key: w.key)
        }
    }

    @Sendable func topUp(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context, number: "amount", loyalty.topUp)
    }

    @Sendable func spend(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context, number: "amount", loyalty.spend)
    }

    @Sendable func refund(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await write(request, context) { w in
            try await loyalty.refundSpend(
                workspaceID: w.workspaceID, customerID: w.customerID,
                spendID: try w.integer("spend_id", code: "invalid_spend_id"),
                amount: try w.integer("amount", code: "invalid_amount"),
                reason: try w.text("reason"), key: w.key)
        }
    }

    /// A write of a number of points or minor units (the field `number`) with an optional reason.
    private func write(
        _ request: Request, _ context: AppRequestContext, number field: String,
        _ perform: (Int64, Int64, Int64, String?, String) async throws -> (operation: LoyaltyOperation, replayed: Bool)
    ) async throws -> Response {
        try await write(request, context) { w in
            try await perform(
                w.workspaceID, w.customerID, try w.integer(field, code: "invalid_\(field)"), try w.text("reason"), w.key
            )
        }
    }

    /// Reads a write request, runs it, and answers 201 with the operation; a replay says so in
    /// `Idempotent-Replayed`.
    private func write(
        _ request: Request, _ context: AppRequestContext,
        _ perform: (Write) async throws -> (operation: LoyaltyOperation, replayed: Bool)
    ) async throws -> Response {
        let result = try await perform(try await Write(request, context))
        var response = JSONResponse.make(Self.json(result.operation), status: .created)
        if result.replayed { response.headers[.init("Idempotent-Replayed")!] = "true" }
        return response
    }

    /// A write request: the customer, the JSON body and the idempotency key.
    struct Write {
        let workspaceID: Int64
        let customerID: Int64
        let body: JSONValue
        let key: String

        init(_ request: Request, _ context: AppRequestContext) async throws {
            workspaceID = try context.workspaceID
            customerID = try Params.id(context)
            body = try await AdminController.jsonBody(request)
            let header = request.headers[.init("Idempotency-Key")!]
            var field: String?
            if let raw = body["idempotency_key"], !raw.isNull {
                guard let text = raw.stringValue else {
                    throw PanoramaError.badRequest(
                        "invalid_idempotency_key", "idempotency_key must be a string", field: "idempotency_key")
                }
                field = text
            }
            if let header, let field, header != field {
                throw PanoramaError.badRequest(
                    "invalid_idempotency_key", "the Idempotency-Key header and the idempotency_key field differ",
                    field: "idempotency_key")
            }
            guard let key = header ?? field else {
                throw PanoramaError.badRequest(
                    "missing_idempotency_key",
                    "send an idempotency key (Idempotency-Key header or idempotency_key field), unique per operation",
                    field: "idempotency_key")
            }
            self.key = key
        }

        /// A required integer field.
        func integer(_ name: String, code: String) throws -> Int64 {
            guard let value = body[name]?.numberValue?.int64 else {
                throw PanoramaError.badRequest(code, "\(name) is required and must be an integer", field: name)
            }
            return value
        }

        /// An optional string field.
        func text(_ name: String) throws -> String? {
            guard let value = body[name], !value.isNull else { return nil }
            guard let text = value.stringValue else {
                throw PanoramaError.badRequest("invalid_\(name)", "\(name) must be a string", field: name)
            }
            return text
        }
    }

    // MARK: JSON

    static func json(_ o: LoyaltyOperation) -> JSONValue {
        .object([
            "id": .number(JSONNumber(o.id)), "idempotency_key": .string(o.key), "ledger": .string(o.ledger.rawValue),
            "kind": .string(o.kind), "amount": .number(JSONNumber(o.amount)),
            "balance": .number(JSONNumber(o.balance)), "created_at": o.createdAt.isoTime,
            "entries": .array(JSONArray(o.entries.map(json))),
        ])
    }

    static func json(_ e: LedgerEntry) -> JSONValue {
        .object([
            "id": .number(JSONNumber(e.id)), "profile_part": .number(JSONNumber(e.customerID)),
            "kind": .string(e.kind), "amount": .number(JSONNumber(e.amount)),
            "balance_after": .number(JSONNumber(e.balanceAfter)), "reason": e.reason.json,
            "reference": e.reference.json, "idempotency_key": e.requestKey.json, "created_at": e.createdAt.isoTime,
        ])
    }

    static func json(_ lot: PointLot) -> JSONValue {
        .object([
            "id": .number(JSONNumber(lot.id)), "profile_part": .number(JSONNumber(lot.customerID)),
            "points": .number(JSONNumber(lot.points)), "remaining": .number(JSONNumber(lot.remaining)),
            "earned_at": lot.earnedAt.isoTime, "expires_at": lot.expiresAt.isoTime, "source": .string(lot.source),
        ])
    }

    static func json(_ c: TierChange) -> JSONValue {
        .object([
            "from": c.from.json, "to": c.to.json, "reason": .string(c.reason), "at": c.at.isoTime,
            "profile_part": .number(JSONNumber(c.customerID)),
        ])
    }
}
