import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// Customers: search and list, the 360° page, undoing a merge.
extension ConsoleController {
    static let pageSize = 25

    /// The text of a trait for a page (strings without quotes, the rest as JSON).
    static func traitText(_ json: String) -> String {
        guard let value = try? JSONParser.parse(json) else { return json }
        if case .string(let s) = value { return s }
        return value.jsonText
    }

    /// A profile's row in a list, masked unless the viewer sees personal information.
    func row(_ profile: Profile, _ viewer: ConsoleViewer) -> [String: Any] {
        let p = viewer.seesPII ? profile : profile.maskingPII()
        func trait(_ name: String) -> String? { p.traits.first { $0.name == name }.map { Self.traitText($0.json) } }
        func identifier(_ type: String) -> String? { p.identifiers.first { $0.type == type }?.value }
        return [
            "id": p.id, "name": trait("name") ?? identifier("user_id") ?? "–", "phone": identifier("phone") ?? "–",
            "email": identifier("email") ?? "–", "city": trait("city") ?? "–",
            "orders": viewer.locale.number(p.value.orders),
            "spend": viewer.locale.money(p.value.netSpend),
            "lastSeen": p.lastSeen.map { viewer.locale.date($0, zone: viewer.zone) } ?? "–",
        ]
    }

    /// How the search box reads what was typed: an email, a phone number, `#id`, `type:value`
    /// (any identifier type) or a name.
    enum Search: Equatable {
        case all
        case id(Int64)
        case identifier(type: String?, prefix: String)
        case name(String)

        static func parse(_ raw: String, identifierTypes: [String]) -> Search {
            let q = raw.trimmingCharacters(in: .whitespaces)
            if q.isEmpty { return .all }
            if q.hasPrefix("#"), let id = Int64(q.dropFirst()) { return .id(id) }
            if let colon = q.firstIndex(of: ":"), identifierTypes.contains(String(q[..<colon])) {
                return .identifier(type: String(q[..<colon]), prefix: String(q[q.index(after: colon)...]))
            }
            if q.contains("@") { return .identifier(type: "email", prefix: q.lowercased()) }
            let digits = q.filter(\.isNumber)
            let phoneish = q.allSatisfy { $0.isNumber || " +-()".contains($0) }
            if phoneish, digits.count >= 3 {
                // Phones are stored in E.164; a Chinese mobile typed without +86 is searched with it.
                if q.hasPrefix("+") { return .identifier(type: "phone", prefix: "+" + digits) }
                if digits.hasPrefix("86"), digits.count > 11 { return .identifier(type: "phone", prefix: "+" + digits) }
                if digits.hasPrefix("1") { return .identifier(type: "phone", prefix: "+86" + digits) }
                return .identifier(type: nil, prefix: digits)
            }
            if phoneish, let id = Int64(digits) { return .id(id) }
            return .name(q)
        }
    }

    @Sendable func customersPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let params = request.uri.queryParameters
        let q = params.get("q") ?? ""
        let tag = params.get("tag") ?? ""
        let rule = params.get("rule") ?? ""
        let cursor = params.get("cursor")
        var model: [String: Any] = ["q": q]
        var profiles: [Profile] = []
        var next: String?
        func base(_ extra: String) -> String {
            var parts: [String] = []
            if !q.isEmpty { parts.append("q=" + Self.query(q)) }
            if !tag.isEmpty { parts.append("tag=" + Self.query(tag)) }
            if !rule.isEmpty { parts.append("rule=" + Self.query(rule)) }
            parts.append(extra)
            return "/app/customers?" + parts.joined(separator: "&")
        }
        let tags = (try? await services.audiences.audiences(workspaceID: workspaceID, kind: .tag)) ?? []
        model["tagOptions"] = tags.map { t -> [String: Any] in
            var o: [String: Any] = ["name": t.definition.name]
            if t.definition.name == tag { o["selected"] = true }
            return o
        }
        do {
            if !rule.isEmpty {
                // Drill-down from a chart: the customers a rule selects, in pages of the engine's order.
                let offset = max(0, Int(cursor ?? "0") ?? 0)
                let result = try await services.audiences.evaluate(
                    workspaceID: workspaceID, rule: rule, limit: offset + Self.pageSize, scope: context.scope)
                for id in result.ids.dropFirst(offset) {
                    if let p = try? await services.profiles.profile(workspaceID: workspaceID, id: id) { profiles.append(p) }
                }
                model["ruleText"] = rule
                model["total"] = viewer.locale.text("n_customers", viewer.locale.number(Int64(result.size)))
                if offset + Self.pageSize < result.size { next = base("cursor=\(offset + Self.pageSize)") }
            } else if !tag.isEmpty {
                let after = Int64(cursor ?? "0") ?? 0
                let page = try await services.audiences.members(
                    workspaceID: workspaceID, .init(.tag, tag), after: after, limit: Self.pageSize, scope: context.scope)
                for id in page.ids {
                    if let p = try? await services.profiles.profile(workspaceID: workspaceID, id: id) { profiles.append(p) }
                }
                if let last = page.lastScanned { next = base("cursor=\(last)") }
            } else {
                let types = try await services.settings.identity(workspaceID).types.map(\.name)
                var query = CustomerQuery()
                switch Search.parse(q, identifierTypes: types) {
                case .all: break
                case .id(let id):
                    if let p = try? await services.profiles.profile(workspaceID: workspaceID, id: id, scope: context.scope) {
                        profiles = [p]
                    }
                    query.identifierPrefix = nil
                case .identifier(let type, let prefix):
                    query.identifierType = type
                    query.identifierPrefix = prefix
                case .name(let name):
                    query.trait = ("name", name.jsonQuoted)
                }
                if case .id = Search.parse(q, identifierTypes: types) {
                } else {
                    let page = try await services.profiles.list(
                        workspaceID: workspaceID, query: query, scope: context.scope, cursor: cursor, limit: Self.pageSize)
                    profiles = page.items
                    next = page.nextCursor.map { base("cursor=" + Self.query($0)) }
                }
            }
        } catch let error as PanoramaError where error.kind == .badRequest {
            model["searchError"] = ConsoleMiddleware.localized(error.message, viewer.locale)
        }
        model["rows"] = profiles.map { row($0, viewer) }
        if next != nil || cursor != nil {
            var pager: [String: Any] = [:]
            if let next { pager["next"] = next }
            if cursor != nil { pager["first"] = base("").trimmingCharacters(in: CharacterSet(charactersIn: "&?")) }
            model["pager"] = pager
        }
        await services.audit.recordPIIView(request, context, customers: profiles.filter(\.holdsPII).map(\.id))
        return renderer.page("customers", title: viewer.t("customers"), model: model, viewer: viewer)
    }

    @Sendable func customerPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let id = try Params.id(context)
        let locale = viewer.locale
        let found = try await services.profiles.profile(workspaceID: workspaceID, id: id, scope: context.scope)
        let profile = viewer.seesPII ? found : found.maskingPII()
        func trait(_ name: String) -> String? { profile.traits.first { $0.name == name }.map { Self.traitText($0.json) } }
        var model: [String: Any] = ["id": profile.id]
        model["displayName"] = trait("name") ?? profile.identifiers.first?.value ?? "#\(profile.id)"
        if !viewer.seesPII { model["masked"] = true }
        model["traits"] = profile.traits.map { ["name": Self.fieldLabel($0.name, viewer), "value": Self.traitText($0.json)] }
        model["identifiers"] = profile.identifiers.map { ["type": $0.type, "value": $0.value] }
        let v = profile.value
        model["figures"] = [
            ["label": viewer.t("orders"), "value": locale.number(v.orders)],
            ["label": viewer.t("net_spend"), "value": locale.money(v.netSpend)],
            ["label": viewer.t("aov"), "value": locale.money(v.averageOrderValue)],
            ["label": viewer.t("refunded"), "value": locale.money(v.refunded)],
            ["label": viewer.t("first_purchase"), "value": v.firstPurchaseAt.map { locale.date($0, zone: viewer.zone) } ?? "–"],
            ["label": viewer.t("last_seen"), "value": profile.lastSeen.map { locale.date($0, zone: viewer.zone) } ?? "–"],
            ["label": viewer.t("events"), "value": locale.number(profile.eventCount)],
        ]
        // Tags, segments and computed traits (predicted CLV and churn when a model has filled them).
        let held = try await services.audiences.customer(workspaceID: workspaceID, liveID: profile.id)
        model["tags"] = held.tags.map { ["name": $0, "path": Self.segment($0)] }
        model["segments"] = held.segments.map { ["name": $0, "path": Self.segment($0)] }
        let predicted = Dictionary(uniqueKeysWithValues: profile.traits.map { ($0.name, Self.traitText($0.json)) })
            .merging(held.traits) { a, _ in a }
        if let clv = predicted["predicted_clv"] ?? predicted["clv"] {
            model["clv"] = Double(clv).map { locale.money(Int64(($0 * 100).rounded())) } ?? clv
        }
        if let churn = predicted["churn_probability"] ?? predicted["churn_risk"] {
            model["churn"] = Double(churn).map { $0 <= 1 ? locale.percent(basisPoints: Int64(($0 * 10_000).rounded())) : churn } ?? churn
        }
        // Consent.
        let consents = try await services.privacy.consents(workspaceID: workspaceID, id: profile.id, scope: context.scope)
        model["consents"] = consents.current.map {
            [
                "purpose": viewer.t("purpose_" + $0.purpose.rawValue) == "purpose_" + $0.purpose.rawValue
                    ? $0.purpose.rawValue : viewer.t("purpose_" + $0.purpose.rawValue),
                "state": $0.granted ? viewer.t("granted") : viewer.t("withdrawn"),
                "source": Self.channelName($0.source, viewer),
                "at": locale.dateTime($0.at, zone: viewer.zone),
            ]
        }
        // Orders and refunds.
        if viewer.can(.ordersRead) {
            let orders = try await services.orders.orders(
                workspaceID: workspaceID, customerID: profile.id, cursor: nil, limit: 20)
            model["orders"] = orders.items.map { view -> [String: Any] in
                let o = view.order
                return [
                    "externalID": o.externalID, "placedAt": locale.dateTime(o.placedAt, zone: viewer.zone),
                    "channel": o.channel.map { viewer.t("channel_" + $0) == "channel_" + $0 ? $0 : viewer.t("channel_" + $0) } ?? "–",
                    "status": viewer.t("status_" + o.status.rawValue),
                    "items": o.items.map { "\($0.name ?? $0.sku ?? "?") × \($0.quantity)" }.joined(separator: ", "),
                    "total": locale.money(o.total), "refunded": o.refunded > 0 ? locale.money(o.refunded) : "–",
                    "refunds": view.refunds.map { r -> [String: Any] in
                        [
                            "kind": viewer.t("refund_" + r.kind.rawValue), "reason": r.reason ?? "",
                            "at": locale.dateTime(r.refundedAt, zone: viewer.zone), "amount": locale.money(r.amount),
                        ]
                    },
                ]
            }
        } else {
            model["ordersHidden"] = true
        }
        // Loyalty.
        if viewer.can(.loyaltyRead) {
            let summary = try await services.loyalty.summary(workspaceID: workspaceID, customerID: profile.id)
            let points = try await services.loyalty.ledger(
                workspaceID: workspaceID, customerID: profile.id, .points, cursor: nil, limit: 10)
            let stored = try await services.loyalty.ledger(
                workspaceID: workspaceID, customerID: profile.id, .storedValue, cursor: nil, limit: 10)
            if let tier = summary.tier { model["tier"] = tier.name }
            model["loyalty"] = [
                "points": locale.number(summary.points), "tierName": summary.tier?.name ?? "–",
                "storedValue": locale.money(summary.storedValue),
                "ledger": points.page.items.map {
                    [
                        "at": locale.dateTime($0.createdAt, zone: viewer.zone), "kind": Self.ledgerKind($0.kind, viewer),
                        "amount": locale.number($0.amount), "balance": locale.number($0.balanceAfter),
                        "reason": $0.reason ?? "",
                    ]
                },
                "valueLedger": stored.page.items.map {
                    [
                        "at": locale.dateTime($0.createdAt, zone: viewer.zone), "kind": Self.ledgerKind($0.kind, viewer),
                        "amount": locale.money($0.amount), "balance": locale.money($0.balanceAfter),
                    ]
                },
                "tierHistory": summary.tierHistory.map {
                    [
                        "at": locale.date($0.at, zone: viewer.zone), "from": $0.from ?? "–", "to": $0.to ?? "–",
                        "reason": $0.reason,
                    ]
                },
            ] as [String: Any]
        } else {
            model["loyaltyHidden"] = true
        }
        // Merge history, with undo for those who may.
        let canUndo = viewer.can(.customersWrite) && context.scope == .all
        let merges = try await services.profiles.merges(workspaceID: workspaceID, id: profile.id, scope: context.scope)
        model["merges"] = merges.map { m -> [String: Any] in
            var entry: [String: Any] = [
                "id": m.id, "fromID": m.fromID, "intoID": m.intoID, "customerID": profile.id,
                "at": locale.dateTime(m.createdAt, zone: viewer.zone), "source": m.source,
                "cause": "\(m.cause.type): \(viewer.seesPII ? m.cause.value : PIIPolicy.mask(m.cause).value)",
            ]
            if let undone = m.undoneAt { entry["undone"] = locale.dateTime(undone, zone: viewer.zone) }
            if canUndo && m.undoneAt == nil { entry["canUndo"] = true }
            return entry
        }
        // Event timeline, newest first, one page.
        let events = try await services.profiles.events(
            workspaceID: workspaceID, id: profile.id, scope: context.scope,
            cursor: request.uri.queryParameters.get("events"), limit: 20)
        model["events"] = events.items.map { e -> [String: Any] in
            let json = CustomerController.json(e, masked: !viewer.seesPII)
            var detail = ""
            if let props = json["properties"], !props.isNull, props.jsonText != "{}" { detail = props.jsonText }
            if detail.count > 240 { detail = String(detail.prefix(240)) + "…" }
            var entry: [String: Any] = [
                "at": locale.dateTime(e.timestamp, zone: viewer.zone), "type": e.type.rawValue,
                "label": e.event ?? e.name ?? e.type.rawValue,
            ]
            if !detail.isEmpty { entry["detail"] = detail }
            return entry
        }
        if let next = events.nextCursor { model["moreEvents"] = "/app/customers/\(profile.id)?events=\(Self.query(next))" }
        if found.holdsPII { await services.audit.recordPIIView(request, context, customers: [found.id]) }
        let flash = request.uri.queryParameters.get("done") == "undo" ? viewer.t("merge_undone") : nil
        return renderer.page(
            "customer", title: (model["displayName"] as? String) ?? viewer.t("customer"), model: model, viewer: viewer,
            flash: flash)
    }

    /// An attribute's name as people read it (`城市`), the name itself when the catalog has none.
    static func fieldLabel(_ name: String, _ viewer: ConsoleViewer) -> String {
        let text = viewer.t("field_" + name)
        return text == "field_" + name ? name : text
    }

    static func ledgerKind(_ kind: String, _ viewer: ConsoleViewer) -> String {
        let key = "ledger_" + kind
        let text = viewer.t(key)
        return text == key ? kind : text
    }

    @Sendable func undoMerge(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard context.scope == .all else {
            throw PanoramaError(.forbidden, code: "scope_too_narrow", message: "needs a role that sees all customers")
        }
        let form = try await form(request)
        let merge = try await services.pipeline.undoMerge(workspaceID: try context.workspaceID, mergeID: try Params.id(context))
        await services.audit.record(
            request, context, action: "merge.undo", target: "merge:\(merge.id)",
            detail: ["from_id": String(merge.fromID), "into_id": String(merge.intoID), "via": "console"])
        let back = Self.safeLocal(form["back"], default: "/app/customers/\(merge.intoID)")
        return ConsoleRenderer.redirect(back + (back.contains("?") ? "&" : "?") + "done=undo")
    }
}
