import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices

/// Settings editing: the workspace's time zone, identifier types, API keys (a new secret is
/// shown once) and the loyalty program, each through the service the REST API uses, under the
/// REST route's permission, audited like it (with `via: console`). A refused edit re-renders the
/// page with the error beside its form, in the viewer's language; a saved one comes back with a
/// confirmation.
extension ConsoleController {
    /// What the settings page shows besides the stored settings: an error in one section, the
    /// values the viewer typed there, a confirmation, a new key's secret.
    struct SettingsState {
        /// `time_zone`, `identifier_type`, `key`, `loyalty` → the error shown in that section.
        var errors: [String: String] = [:]
        var timeZone: String?
        var identifierType: [String: Any]?
        var keyForm: [String: Any]?
        var loyalty: LoyaltyForm?
        var flash: String?
        var newKey: [String: Any]?
    }

    /// Sections that have a confirmation after a save (`?saved=`), each with its catalog text.
    static let settingsSections = ["time_zone", "identifier_type", "key_revoked", "loyalty"]

    /// The settings page with the edit forms the viewer's role allows.
    func renderSettings(
        _ request: Request, _ context: AppRequestContext, state: SettingsState = SettingsState(),
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let workspaceID = try context.workspaceID
        let workspace = try await services.store.workspaces().first { $0.id == workspaceID }
        let canWrite = viewer.can(.settingsWrite)
        var model: [String: Any] = [
            "workspace": workspace?.name ?? "–", "timeZone": workspace?.timeZone ?? "Asia/Shanghai",
        ]
        for (section, message) in state.errors { model["error_" + section] = message }
        let types = try await services.settings.identity(workspaceID).types
        let editing = Self.parameters(request)["type"].flatMap { name in types.first { $0.name == name } }
        model["types"] = types.map { t -> [String: Any] in
            var row: [String: Any] = [
                "name": t.name, "priority": t.priority, "limit": t.limit.map(String.init) ?? viewer.t("unlimited"),
                "unique": t.unique ? viewer.t("yes") : viewer.t("no"),
            ]
            if canWrite { row["editLink"] = "/app/settings?type=\(Self.query(t.name))#identifier-types" }
            return row
        }
        if canWrite {
            model["canWrite"] = true
            model["zoneValue"] = state.timeZone ?? workspace?.timeZone ?? "Asia/Shanghai"
            model["zones"] = TimeZone.knownTimeZoneIdentifiers.sorted()
            model["typeForm"] =
                state.identifierType
                ?? editing.map { t -> [String: Any] in
                    var form: [String: Any] = [
                        "name": t.name, "priority": String(t.priority), "limit": t.limit.map(String.init) ?? "",
                    ]
                    if t.unique { form["unique"] = true }
                    return form
                } ?? ["name": "", "priority": "50", "limit": "", "unique": true]
        }
        if viewer.can(.keysManage) {
            model["keysManage"] = true
            model["keys"] = try await services.keys.list(workspaceID: workspaceID).map { k -> [String: Any] in
                var row: [String: Any] = [
                    "id": k.id, "name": k.name, "kind": viewer.t("key_" + k.kind.rawValue), "prefix": k.prefix,
                    "created": locale.date(k.createdAt, zone: viewer.zone),
                    "state": k.revokedAt.map { viewer.t("revoked") + " " + locale.date($0, zone: viewer.zone) }
                        ?? viewer.t("active"),
                    "confirm": locale.text("key_revoke_confirm", k.name),
                ]
                if k.revokedAt == nil { row["live"] = true }
                return row
            }
            var keyForm = state.keyForm ?? ["name": "", "kind": "write", "role": "admin"]
            let chosenKind = keyForm["kind"] as? String ?? "write"
            let chosenRole = keyForm["role"] as? String ?? "admin"
            keyForm["kinds"] = Self.options(APIKeyKind.allCases.map(\.rawValue), selected: chosenKind) {
                viewer.t("key_" + $0)
            }
            let roles = (try? await services.access.roles(workspaceID: workspaceID).map(\.name)) ?? ["admin"]
            keyForm["roles"] = Self.options(roles, selected: chosenRole) { $0 }
            model["keyForm"] = keyForm
            if let newKey = state.newKey { model["newKey"] = newKey }
        } else {
            model["keysHidden"] = true
        }
        if viewer.can(.loyaltyRead) || viewer.can(.settingsRead) {
            let program = try await services.loyalty.program(workspaceID: workspaceID)
            model["tiers"] = program.tiers.map { tier -> [String: Any] in
                [
                    "name": tier.name, "code": tier.code,
                    "minSpend": tier.minSpend.map { locale.money($0) } ?? "–",
                    "multiplier": "×" + ConsoleLocale.trimmed(Double(tier.multiplierPercent) / 100, digits: 2),
                ]
            }
            model["rules"] = program.earnRules.map { Self.ruleText($0, viewer) }
            if !program.earnRules.isEmpty { model["hasRules"] = true }
            model["programFacts"] = locale.text(
                "program_facts", String(program.tierPeriodDays),
                program.expiryMonths.map(String.init) ?? viewer.t("never"), String(program.earnRules.count))
            if canWrite { model["loyaltyForm"] = (state.loyalty ?? LoyaltyForm(program)).model(viewer) }
        } else {
            model["loyaltyHidden"] = true
        }
        var flash = state.flash
        if flash == nil, let saved = Self.parameters(request)["saved"], Self.settingsSections.contains(saved) {
            flash = viewer.t("settings_saved_" + saved)
        }
        return renderer.page(
            "settings", title: viewer.t("settings"), model: model, viewer: viewer, status: status, flash: flash)
    }

    @Sendable func settingsPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await renderSettings(request, context)
    }

    /// An earning rule in words: `1 point per ¥1.00`, `+200 points for birthday (yearly)`.
    static func ruleText(_ rule: LoyaltyProgram.EarnRule, _ viewer: ConsoleViewer) -> String {
        let locale = viewer.locale
        switch rule {
        case .spend(let points, let per):
            return locale.text("rule_spend_text", String(points), locale.money(per))
        case .category(let category, let points, let per):
            return locale.text("rule_category_text", category, String(points), locale.money(per))
        case .event(let event, let points, let limit):
            return locale.text("rule_event_text", event, String(points), viewer.t("rule_limit_" + limit.rawValue))
        }
    }

    /// A PanoramaError's message in the viewer's language (the services write "english / 中文").
    static func problem(_ error: PanoramaError, _ viewer: ConsoleViewer) -> String {
        ConsoleMiddleware.localized(error.message, viewer.locale)
    }

    /// The redirect after a saved edit: the page, its confirmation, the section in view.
    static func saved(_ section: String, anchor: String) -> Response {
        ConsoleRenderer.redirect("/app/settings?saved=\(section)#\(anchor)")
    }

    // MARK: Time zone

    /// `time_zone`: an IANA identifier. Audited as `workspace.time_zone` with the old and new zone.
    @Sendable func saveTimeZone(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let name = (form["time_zone"] ?? "").trimmingCharacters(in: .whitespaces)
        let previous: String
        do {
            previous = try await services.settings.setTimeZone(workspaceID, name)
        } catch let error as PanoramaError where error.kind == .badRequest {
            var state = SettingsState()
            state.errors["time_zone"] = viewer.locale.text("time_zone_invalid", name)
            state.timeZone = name
            return try await renderSettings(request, context, state: state, status: .badRequest)
        }
        try await services.audiences.timeZoneChanged(workspaceID: workspaceID)
        await services.audit.record(
            request, context, action: "workspace.time_zone", target: "workspace:\(workspaceID)",
            detail: ["from": previous, "to": name, "via": "console"])
        return Self.saved("time_zone", anchor: "workspace")
    }

    // MARK: Identifier types

    /// `name`, `priority`, `limit` (empty: unbounded), `unique` (checkbox): adds or changes a
    /// type with the REST API's checks. Audited as `identifier_type.save`.
    @Sendable func saveIdentifierTypeForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let priorityText = (form["priority"] ?? "").trimmingCharacters(in: .whitespaces)
        let limitText = (form["limit"] ?? "").trimmingCharacters(in: .whitespaces)
        let unique = form["unique"] != nil
        let type: IdentifierType
        do {
            guard let priority = Int64(priorityText) else { throw AdminController.invalidPriority }
            var limit: Int64?
            if !limitText.isEmpty {
                guard let n = Int64(limitText) else { throw AdminController.invalidLimit }
                limit = n
            }
            type = try AdminController.identifierType(name: name, priority: priority, limit: limit, unique: unique)
            try await services.settings.saveIdentifierType(workspaceID, type)
        } catch let error as PanoramaError where error.kind == .badRequest {
            var state = SettingsState()
            state.errors["identifier_type"] = Self.problem(error, viewer)
            var typed: [String: Any] = ["name": name, "priority": priorityText, "limit": limitText]
            if unique { typed["unique"] = true }
            state.identifierType = typed
            return try await renderSettings(request, context, state: state, status: .badRequest)
        }
        await services.pipeline.reloadIdentity(workspaceID: workspaceID)
        await services.audit.record(
            request, context, action: "identifier_type.save", target: "identifier_type:\(type.name)",
            detail: [
                "priority": String(type.priority), "limit": type.limit.map(String.init) ?? "unbounded",
                "unique": String(type.unique), "via": "console",
            ])
        return Self.saved("identifier_type", anchor: "identifier-types")
    }

    // MARK: API keys

    /// `kind` (write or admin), `name`, `role` (admin keys): creates a key and shows its secret
    /// in this response only (never in a URL, never again). Audited as `key.create`.
    @Sendable func createKeyForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let kindText = form["kind"] ?? ""
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let roleText = (form["role"] ?? "").trimmingCharacters(in: .whitespaces)
        var state = SettingsState()
        state.keyForm = ["name": name, "kind": kindText, "role": roleText]
        func refused(_ message: String) async throws -> Response {
            state.errors["key"] = message
            return try await renderSettings(request, context, state: state, status: .badRequest)
        }
        guard let kind = APIKeyKind(rawValue: kindText) else { return try await refused(viewer.t("key_kind_invalid")) }
        guard name.count <= 100 else { return try await refused(viewer.t("key_name_invalid")) }
        let role = kind == .admin ? (roleText.isEmpty ? "admin" : roleText) : nil
        if let role {
            do {
                _ = try await services.access.role(workspaceID: workspaceID, named: role)
            } catch let error as PanoramaError where error.kind == .notFound || error.kind == .badRequest {
                return try await refused(viewer.locale.text("key_role_invalid", role))
            }
        }
        let keyName = name.isEmpty ? "\(kind.rawValue) key" : name
        let issued = try await services.keys.create(workspaceID: workspaceID, kind: kind, name: keyName)
        if let role, role != "admin" { try await services.access.setRole(of: issued.key, to: role) }
        await services.audit.record(
            request, context, action: "key.create", target: "key:\(issued.key.id)",
            detail: [
                "kind": kind.rawValue, "name": keyName, "prefix": issued.key.prefix, "role": role ?? "admin",
                "via": "console",
            ])
        state.keyForm = nil
        state.newKey = [
            "name": keyName, "secret": issued.secret,
            "usage": viewer.t(kind == .write ? "key_usage_write" : "key_usage_admin"),
        ]
        state.flash = viewer.locale.text("key_created", keyName)
        return try await renderSettings(request, context, state: state)
    }

    /// Revokes a live key of the workspace. Audited as `key.revoke`.
    @Sendable func revokeKeyForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Params.id(context)
        let workspaceID = try context.workspaceID
        guard
            try await services.keys.list(workspaceID: workspaceID).contains(where: {
                $0.id == id && $0.revokedAt == nil
            })
        else {
            throw PanoramaError.notFound("key_not_found", "no live key with id \(id) in this workspace / 没有此有效密钥")
        }
        try await services.keys.revoke(id: id)
        await services.audit.record(
            request, context, action: "key.revoke", target: "key:\(id)", detail: ["via": "console"])
        return Self.saved("key_revoked", anchor: "api-keys")
    }

    // MARK: Loyalty program

    /// The loyalty form: tiers, earning rules, tier period and points expiry → the program
    /// document `LoyaltyService.saveProgram` checks, like `PUT /api/v1/loyalty/program`.
    /// Audited as `loyalty.program`.
    @Sendable func saveLoyaltyForm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let current = try await services.loyalty.program(workspaceID: workspaceID)
        let typed = LoyaltyForm(form)
        do {
            let document = try typed.document(keeping: current, viewer)
            _ = try await services.loyalty.saveProgram(workspaceID: workspaceID, json: document)
        } catch let error as PanoramaError where error.kind == .badRequest {
            var state = SettingsState()
            state.errors["loyalty"] =
                error.code == "invalid_program"
                ? LoyaltyForm.describe(error, viewer) : Self.problem(error, viewer)
            state.loyalty = typed
            return try await renderSettings(request, context, state: state, status: .badRequest)
        }
        await services.audit.record(
            request, context, action: "loyalty.program", target: "loyalty_program",
            detail: ["tiers": String(typed.tiers.filter { !$0.code.isEmpty }.count), "via": "console"])
        return Self.saved("loyalty", anchor: "loyalty")
    }

    /// A money amount typed in a form (`1200`, `1,200.50`, `¥99`) as minor units; nil when it is not one.
    static func typedAmount(_ text: String) -> Int64? {
        let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "¥", with: "")
            .replacingOccurrences(of: "￥", with: "").trimmingCharacters(in: .whitespaces)
        guard !cleaned.isEmpty, !cleaned.contains(where: { $0 == "e" || $0 == "E" }),
            let minor = OrderDecoder.minorUnits(cleaned), minor >= 0
        else { return nil }
        return minor
    }
}

/// The loyalty program as the settings form holds it: text as typed, so a refused form comes
/// back as the viewer left it. Money in yuan, multipliers as `1.5`.
struct LoyaltyForm {
    struct Tier {
        var code = "", name = "", minSpend = "", multiplier = ""
    }
    struct Rule {
        var type = "spend", target = "", points = "", perAmount = "", limit = ""
    }
    var expiryMonths = ""
    var tierPeriodDays = ""
    var tiers: [Tier] = []
    var rules: [Rule] = []

    /// Rows the form offers beyond the program's, to add a tier or a rule.
    static let blankRows = 1

    init(_ program: LoyaltyProgram) {
        expiryMonths = program.expiryMonths.map(String.init) ?? ""
        tierPeriodDays = String(program.tierPeriodDays)
        tiers = program.tiers.map { t in
            Tier(
                code: t.code, name: t.name, minSpend: t.minSpend.map(Self.yuan) ?? "",
                multiplier: ConsoleLocale.trimmed(Double(t.multiplierPercent) / 100, digits: 2))
        }
        rules = program.earnRules.map { rule in
            switch rule {
            case .spend(let points, let per): Rule(type: "spend", points: String(points), perAmount: Self.yuan(per))
            case .category(let c, let points, let per):
                Rule(type: "category", target: c, points: String(points), perAmount: Self.yuan(per))
            case .event(let e, let points, let limit):
                Rule(type: "event", target: e, points: String(points), limit: limit.rawValue)
            }
        }
    }

    /// The form as posted: `tier.N.field` and `rule.N.field` rows in order.
    init(_ form: ConsoleForm) {
        expiryMonths = (form["expiry_months"] ?? "").trimmingCharacters(in: .whitespaces)
        tierPeriodDays = (form["tier_period_days"] ?? "").trimmingCharacters(in: .whitespaces)
        func rows(_ prefix: String) -> [(Int, [String: String])] {
            var byIndex: [Int: [String: String]] = [:]
            for (name, value) in form.withPrefix(prefix) {
                let parts = name.split(separator: ".", maxSplits: 1)
                guard parts.count == 2, let i = Int(parts[0]), (0..<100).contains(i) else { continue }
                byIndex[i, default: [:]][String(parts[1])] = value.trimmingCharacters(in: .whitespaces)
            }
            return byIndex.sorted { $0.key < $1.key }
        }
        tiers = rows("tier.").map { _, f in
            Tier(
                code: f["code"] ?? "", name: f["name"] ?? "", minSpend: f["min_spend"] ?? "",
                multiplier: f["multiplier"] ?? "")
        }
        rules = rows("rule.").map { _, f in
            Rule(
                type: f["type"] ?? "spend", target: f["target"] ?? "", points: f["points"] ?? "",
                perAmount: f["per_amount"] ?? "", limit: f["limit"] ?? "")
        }
    }

    static func yuan(_ minor: Int64) -> String { "\(minor / 100).\(String(format: "%02d", Int(minor % 100)))" }

    /// A form error that names the row and field in the viewer's language.
    static func invalid(_ key: String, _ row: Int?, _ viewer: ConsoleViewer) -> PanoramaError {
        let text = viewer.t(key)
        let message = row.map { viewer.locale.text("loyalty_row_n", String($0 + 1)) + " " + text } ?? text
        return .badRequest("invalid_form", message)
    }

    /// The program document: tiers with an empty code and rules with empty points are left out;
    /// a tier's other thresholds and benefits (edited through the API) are kept by code.
    func document(keeping current: LoyaltyProgram, _ viewer: ConsoleViewer) throws -> JSONValue {
        var top = JSONObject()
        if expiryMonths.isEmpty {
            top.set("expiry_months", .null)
        } else {
            guard let n = Int64(expiryMonths) else { throw Self.invalid("loyalty_expiry_invalid", nil, viewer) }
            top.set("expiry_months", .number(JSONNumber(n)))
        }
        guard let period = Int64(tierPeriodDays) else { throw Self.invalid("loyalty_period_invalid", nil, viewer) }
        top.set("tier_period_days", .number(JSONNumber(period)))
        var tierValues: [JSONValue] = []
        for (i, tier) in tiers.enumerated() where !(tier.code.isEmpty && tier.name.isEmpty && tier.minSpend.isEmpty) {
            var object = current.tiers.first { $0.code == tier.code }?.json.objectValue ?? JSONObject()
            object.set("code", .string(tier.code))
            object.set("name", tier.name.isEmpty ? .null : .string(tier.name))
            if tier.minSpend.isEmpty {
                object.set("min_spend", .null)
            } else {
                guard let minor = ConsoleController.typedAmount(tier.minSpend) else {
                    throw Self.invalid("loyalty_amount_invalid", i, viewer)
                }
                object.set("min_spend", .number(JSONNumber(minor)))
            }
            if tier.multiplier.isEmpty {
                object.set("multiplier_percent", .number(JSONNumber(Int64(100))))
            } else {
                guard let percent = ConsoleController.typedAmount(tier.multiplier) else {
                    throw Self.invalid("loyalty_multiplier_invalid", i, viewer)
                }
                object.set("multiplier_percent", .number(JSONNumber(percent)))
            }
            tierValues.append(.object(object))
        }
        top.set("tiers", .array(JSONArray(tierValues)))
        var ruleValues: [JSONValue] = []
        for (i, rule) in rules.enumerated() where !rule.points.isEmpty {
            guard let points = Int64(rule.points) else { throw Self.invalid("loyalty_points_invalid", i, viewer) }
            var object: JSONObject = ["type": .string(rule.type), "points": .number(JSONNumber(points))]
            switch rule.type {
            case "spend", "category":
                guard let per = ConsoleController.typedAmount(rule.perAmount) else {
                    throw Self.invalid("loyalty_per_amount_invalid", i, viewer)
                }
                object.set("per_amount", .number(JSONNumber(per)))
                if rule.type == "category" { object.set("category", .string(rule.target)) }
            default:
                object.set("event", .string(rule.target))
                if !rule.limit.isEmpty { object.set("limit", .string(rule.limit)) }
            }
            ruleValues.append(.object(object))
        }
        top.set("earn_rules", .array(JSONArray(ruleValues)))
        return .object(top)
    }

    /// The service's `invalid_program` error (`tiers[1].code is required`) in the viewer's
    /// language: the row and the field named, the English detail kept for English readers.
    static func describe(_ error: PanoramaError, _ viewer: ConsoleViewer) -> String {
        guard let field = error.field else { return ConsoleMiddleware.localized(error.message, viewer.locale) }
        var row: String?
        var section = "program"
        if let open = field.firstIndex(of: "["), let close = field.firstIndex(of: "]"),
            let n = Int(field[field.index(after: open)..<close])
        {
            section = String(field[..<open])
            row = viewer.locale.text("loyalty_row_n", String(n + 1))
        }
        // The last part of `tiers[1].min_spend` (none for `tiers[1]`, the row itself).
        let leaf = field.split(separator: ".").last.map(String.init) ?? field
        let key = "loyalty_field_" + leaf
        let fieldName: String? = leaf.contains("[") ? nil : (viewer.t(key) == key ? leaf : viewer.t(key))
        let sectionName =
            viewer.t("loyalty_section_" + section) == "loyalty_section_" + section
            ? "" : viewer.t("loyalty_section_" + section)
        let place = [sectionName, row, fieldName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
        return viewer.locale.text("loyalty_invalid", place, error.message)
    }

    /// The form's rows for the template, with blank rows to add a tier and a rule.
    func model(_ viewer: ConsoleViewer) -> [String: Any] {
        let tierRows = tiers + Array(repeating: Tier(), count: Self.blankRows)
        let ruleRows = rules + Array(repeating: Rule(), count: Self.blankRows)
        return [
            "expiryMonths": expiryMonths, "tierPeriodDays": tierPeriodDays,
            "tiers": tierRows.enumerated().map { i, t -> [String: Any] in
                [
                    "i": i, "n": viewer.locale.text("loyalty_tier_n", String(i + 1)), "code": t.code, "name": t.name,
                    "minSpend": t.minSpend, "multiplier": t.multiplier,
                ]
            },
            "rules": ruleRows.enumerated().map { i, r -> [String: Any] in
                [
                    "i": i, "n": viewer.locale.text("loyalty_rule_n", String(i + 1)), "target": r.target,
                    "points": r.points, "perAmount": r.perAmount,
                    "types": ConsoleController.options(["spend", "category", "event"], selected: r.type) {
                        viewer.t("rule_type_" + $0)
                    },
                    "limits": ConsoleController.options(
                        [""] + LoyaltyProgram.EventLimit.allCases.map(\.rawValue), selected: r.limit
                    ) { $0.isEmpty ? viewer.t("rule_limit_default") : viewer.t("rule_limit_" + $0) },
                ]
            },
        ]
    }
}
