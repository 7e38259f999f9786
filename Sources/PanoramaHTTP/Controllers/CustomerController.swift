import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// REST: the unified profile, look-up by identifier, timeline, search and merge history.
struct CustomerController {
    let profiles: ProfileService
    let loyalty: LoyaltyService
    let audiences: AudienceService
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.get("customers", use: list)
        group.get("customers/by-identifier/:type/:value", use: byIdentifier)
        group.get("customers/:id", use: show)
        group.get("customers/:id/events", use: events)
        group.get("customers/:id/merges", use: merges)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let profile = try await profiles.profile(workspaceID: workspaceID, id: try Params.id(context), scope: context.scope)
        if profile.holdsPII { await audit.recordPIIView(request, context, customers: [profile.id]) }
        return JSONResponse.make(
            try await withLoyalty(Self.json(profile, context: context), workspaceID: workspaceID, profile.id))
    }

    /// A single profile's view also shows its points, tier and stored-value balance (lists leave
    /// them null: `GET /customers/{id}/loyalty` has the detail).
    func withLoyalty(_ json: JSONValue, workspaceID: Int64, _ id: Int64) async throws -> JSONValue {
        guard var object = json.objectValue else { return json }
        let summary = try await loyalty.summary(workspaceID: workspaceID, customerID: id)
        object.set(
            "loyalty",
            .object([
                "points": .number(JSONNumber(summary.points)),
                "tier": summary.tier.map { .object(["code": .string($0.code), "name": .string($0.name)]) } ?? .null,
                // Minor units (分), as the loyalty API shows balances.
                "stored_value": .object(["balance": .number(JSONNumber(summary.storedValue))]),
            ]))
        // Tags, segments and computed traits as the engine holds them now.
        let held = try await audiences.customer(workspaceID: workspaceID, liveID: id)
        object.set("tags", .array(JSONArray(held.tags.map(JSONValue.string))))
        object.set("segments", .array(JSONArray(held.segments.map(JSONValue.string))))
        var traits = JSONObject()
        for (name, value) in held.traits.sorted(by: { $0.key < $1.key }) { traits.set(name, .string(value)) }
        object.set("computed_traits", .object(traits))
        return .object(object)
    }

    @Sendable func byIdentifier(_ request: Request, context: AppRequestContext) async throws -> Response {
        let type = try Params.string(context, "type")
        let value = try Params.string(context, "value")
        let workspaceID = try context.workspaceID
        let profile = try await profiles.profile(
            workspaceID: workspaceID, identifierType: type, value: value, scope: context.scope)
        if profile.holdsPII { await audit.recordPIIView(request, context, customers: [profile.id]) }
        return JSONResponse.make(
            try await withLoyalty(Self.json(profile, context: context), workspaceID: workspaceID, profile.id))
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await profiles.events(
            workspaceID: try context.workspaceID, id: try Params.id(context), scope: context.scope,
            cursor: Params.cursor(request),
            limit: try Params.limit(request))
        if !page.items.isEmpty { await audit.recordPIIView(request, context, customers: [try Params.id(context)]) }
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(page.items.map { Self.json($0, masked: !context.seesPII) })),
                "next_cursor": page.nextCursor.json,
            ]))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = try Self.query(request)
        let page = try await profiles.list(
            workspaceID: try context.workspaceID, query: query, scope: context.scope, cursor: Params.cursor(request),
            limit: try Params.limit(request))
        await audit.recordPIIView(request, context, customers: page.items.filter(\.holdsPII).map(\.id))
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(page.items.map { Self.json($0, context: context) })),
                "next_cursor": page.nextCursor.json,
            ]))
    }

    @Sendable func merges(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let id = try Params.id(context)
        let merges = try await profiles.merges(workspaceID: workspaceID, id: id, scope: context.scope)
        let conflicts = try await profiles.conflicts(workspaceID: workspaceID, id: id, scope: context.scope)
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(merges.map(Self.json))),
                "conflicts": .array(JSONArray(conflicts.map(Self.json))),
            ]))
    }

    /// `?identifier_type=email&identifier_prefix=ali` or `?q=ali` (any type) and `?trait=city:上海`.
    static func query(_ request: Request) throws -> CustomerQuery {
        let params = request.uri.queryParameters
        var query = CustomerQuery()
        if let type = params.get("identifier_type") { query.identifierType = type }
        if let prefix = params.get("identifier_prefix") ?? params.get("q") {
            guard !prefix.isEmpty else {
                throw PanoramaError.badRequest("invalid_query", "the search prefix is empty", field: "q")
            }
            query.identifierPrefix = prefix
        }
        if query.identifierType != nil && query.identifierPrefix == nil {
            throw PanoramaError.badRequest(
                "invalid_query", "identifier_type needs identifier_prefix", field: "identifier_prefix")
        }
        if let trait = params.get("trait") {
            guard let colon = trait.firstIndex(of: ":"), colon != trait.startIndex else {
                throw PanoramaError.badRequest(
                    "invalid_query", "trait must be name:value, e.g. trait=city:上海", field: "trait")
            }
            let name = String(trait[..<colon])
            let value = String(trait[trait.index(after: colon)...])
            // Values are stored as JSON: numbers, booleans and null match as literals, the rest as strings.
            let literal = (try? JSONParser.parse(value)).flatMap { v -> String? in
                switch v {
                case .number, .bool, .null: return v.jsonText
                default: return nil
                }
            }
            query.trait = (name, literal ?? value.jsonQuoted)
        }
        return query
    }

    /// A profile as the caller may see it: personal information masked without `pii.view`.
    static func json(_ p: Profile, context: AppRequestContext) -> JSONValue {
        json(context.seesPII ? p : p.maskingPII())
    }

    static func json(_ p: Profile) -> JSONValue {
        var traits = JSONObject()
        var updated = JSONObject()
        for t in p.traits {
            traits.set(t.name, .raw(t.json))
            updated.set(t.name, t.updatedAt.isoTime)
        }
        return .object([
            "id": .number(JSONNumber(p.id)),
            "identifiers": .array(
                JSONArray(p.identifiers.map { .object(["type": .string($0.type), "value": .string($0.value)]) })),
            "traits": .object(traits),
            "trait_updated_at": .object(updated),
            "created_at": p.createdAt.isoTime,
            "first_seen": p.firstSeen.isoTime,
            "last_seen": p.lastSeen.isoTime,
            "counts": .object([
                "events": .number(JSONNumber(p.eventCount)),
                "identifiers": .number(JSONNumber(p.identifiers.count)),
            ]),
            "merged_ids": .array(JSONArray(p.mergedIDs.map { .number(JSONNumber($0)) })),
            "value": OrdersController.json(p.value),
            "loyalty": .null,
        ])
    }

    /// An event; with `masked`, the personal values of its properties, traits and context too.
    static func json(_ e: StoredEvent, masked: Bool) -> JSONValue {
        guard masked, case .object(var object) = json(e) else { return json(e) }
        for field in ["properties", "traits", "context"] {
            if let value = object[field] { object.set(field, PIIPolicy.mask(value)) }
        }
        return .object(object)
    }

    static func json(_ e: StoredEvent) -> JSONValue {
        .object([
            "id": .number(JSONNumber(e.id)),
            "message_id": .string(e.messageID),
            "type": .string(e.type.rawValue),
            "event": e.event.json,
            "name": e.name.json,
            "timestamp": e.timestamp.isoTime,
            "original_timestamp": e.originalTimestamp.isoTime,
            "sent_at": e.sentAt.isoTime,
            "received_at": e.receivedAt.isoTime,
            "user_id": e.userID.json,
            "anonymous_id": e.anonymousID.json,
            "group_id": e.groupID.json,
            "previous_id": e.previousID.json,
            "properties": e.properties.rawJSON,
            "traits": e.traits.rawJSON,
            "context": e.context.rawJSON,
            "profile_part": .number(JSONNumber(e.customerID)),
        ])
    }

    static func json(_ m: MergeRecord) -> JSONValue {
        .object([
            "id": .number(JSONNumber(m.id)),
            "from_id": .number(JSONNumber(m.fromID)),
            "into_id": .number(JSONNumber(m.intoID)),
            "members": .array(JSONArray(m.members.map { .number(JSONNumber($0)) })),
            "cause": .object(["type": .string(m.cause.type), "value": .string(m.cause.value)]),
            "source": .string(m.source),
            "message_id": m.messageID.json,
            "created_at": m.createdAt.isoTime,
            "undone_at": m.undoneAt.isoTime,
        ])
    }

    static func json(_ c: IdentityConflict) -> JSONValue {
        .object([
            "customer_id": .number(JSONNumber(c.customerID)),
            "identifier": .object(["type": .string(c.identifier.type), "value": .string(c.identifier.value)]),
            "owner_id": c.ownerID.map { .number(JSONNumber($0)) } ?? .null,
            "reason": .string(c.reason),
            "message_id": c.messageID.json,
            "created_at": c.createdAt.isoTime,
        ])
    }
}

/// Reading and validating path and query parameters, with errors that name the parameter.
enum Params {
    static func id(_ context: AppRequestContext, _ name: String = "id") throws -> Int64 {
        guard let raw = context.parameters.get(name), let id = Int64(raw), id > 0 else {
            throw PanoramaError.badRequest("invalid_id", "\(name) must be a positive integer", field: name)
        }
        return id
    }

    static func string(_ context: AppRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else {
            throw PanoramaError.badRequest("missing_parameter", "\(name) is required", field: name)
        }
        return raw.removingPercentEncoding ?? raw
    }

    static func limit(_ request: Request, default value: Int = 20, max: Int = 100) throws -> Int {
        guard let raw = request.uri.queryParameters.get("limit") else { return value }
        guard let n = Int(raw), (1...max).contains(n) else {
            throw PanoramaError.badRequest("invalid_limit", "limit must be an integer from 1 to \(max)", field: "limit")
        }
        return n
    }

    static func cursor(_ request: Request) -> String? {
        request.uri.queryParameters.get("cursor").flatMap { $0.isEmpty ? nil : $0 }
    }
}
