import Foundation
import Hummingbird
import NIOCore
import PanoramaCharts
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// Tags and segments: the list with sizes, one audience with its size over time and members,
/// the condition builder with the live count, export.
extension ConsoleController {
    func kind(_ context: AppRequestContext) throws -> AudienceKind {
        guard let raw = context.parameters.get("kind"), let kind = AudienceKind(rawValue: raw) else {
            throw PanoramaError.notFound("not_found", "no such kind of audience")
        }
        return kind
    }

    func label(_ type: AudienceType, _ viewer: ConsoleViewer) -> String { viewer.t("type_" + type.rawValue) }

    @Sendable func audiencesPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        var sections: [[String: Any]] = []
        for kind in [AudienceKind.tag, .segment] {
            let all = try await services.audiences.audiences(workspaceID: workspaceID, kind: kind)
            var items: [[String: Any]] = []
            for a in all {
                let d = a.definition
                let size =
                    context.scope == .all
                    ? a.size : try await services.audiences.count(workspaceID: workspaceID, .init(kind, d.name), scope: context.scope)
                var item: [String: Any] = [
                    "kind": kind.rawValue, "name": d.name, "path": Self.segment(d.name),
                    "category": d.category.map { viewer.t("category_" + $0.rawValue) } ?? "–",
                    "type": label(d.type, viewer), "size": viewer.locale.number(Int64(size)), "rule": d.rule ?? "–",
                ]
                if let problem = a.problem { item["problem"] = problem }
                items.append(item)
            }
            sections.append([
                "kind": kind.rawValue, "title": viewer.t(kind == .tag ? "tags" : "segments"), "items": items,
            ])
        }
        var model: [String: Any] = ["sections": sections]
        if viewer.can(.audiencesWrite) { model["canWrite"] = true }
        return renderer.page("audiences", title: viewer.t("tags_and_segments"), model: model, viewer: viewer)
    }

    @Sendable func audiencePage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let kind = try kind(context)
        let name = try Params.string(context, "name")
        let key = AudienceKey(kind, name)
        let summary = try await services.audiences.audience(workspaceID: workspaceID, key)
        let d = summary.definition
        let locale = viewer.locale
        let size = context.scope == .all ? summary.size : try await services.audiences.count(workspaceID: workspaceID, key, scope: context.scope)
        var model: [String: Any] = [
            "kind": kind.rawValue, "kindLabel": viewer.t(kind == .tag ? "tags" : "segments"), "name": d.name,
            "path": Self.segment(d.name), "size": locale.number(Int64(size)), "type": label(d.type, viewer),
            "updated": locale.dateTime(summary.updatedAt, zone: viewer.zone),
        ]
        if let description = d.description, !description.isEmpty { model["description"] = description }
        if let category = d.category { model["category"] = viewer.t("category_" + category.rawValue) }
        if let rule = d.rule {
            model["rule"] = rule
            model["ruleLink"] = "/app/customers?rule=" + Self.query(kind == .tag ? "tag(\(d.name.ruleLiteral))" : "segment(\(d.name.ruleLiteral))")
        } else if kind == .tag {
            model["ruleLink"] = "/app/customers?tag=" + Self.query(d.name)
        }
        if let problem = summary.problem { model["problem"] = problem }
        if kind == .segment, d.type == .dynamic, viewer.can(.audiencesWrite) { model["canEdit"] = true }
        if viewer.can(.audiencesExport) { model["canExport"] = true }
        // Size over time: the hourly history, one point per day (the last of the day).
        let since = services.clock.now() - 90 * 86_400_000
        let history = try await services.audiences.sizes(workspaceID: workspaceID, key, since: since)
        var byDay: [(day: Int64, size: Int64)] = []
        let offset = Int64(viewer.zone.secondsFromGMT()) * 1000
        for point in history {
            let day = (point.at + offset) / 86_400_000
            if byDay.last?.day == day { byDay[byDay.count - 1].size = point.size } else { byDay.append((day, point.size)) }
        }
        if byDay.count >= 2 {
            var chart = LineChart(
                id: "size-history", title: viewer.t("size_over_time"),
                description: locale.text("size_chart_desc", d.name, locale.number(Int64(byDay.first!.size)), locale.number(Int64(byDay.last!.size))),
                labels: byDay.map { locale.shortDay($0.day) },
                series: [ChartSeries(name: viewer.t("size"), values: byDay.map { Double($0.size) })])
            chart.format = { locale.number(Int64($0), compact: true) }
            model["sizeChart"] = chart.render()
        }
        // First members (masked unless the viewer sees personal information).
        let preview = try await services.audiences.preview(workspaceID: workspaceID, key, limit: 12, scope: context.scope)
        var members: [[String: Any]] = []
        for id in preview.ids {
            guard let p = try? await services.profiles.profile(workspaceID: workspaceID, id: id) else { continue }
            let r = row(p, viewer)
            members.append(["id": id, "name": r["name"] ?? ""])
        }
        model["members"] = members
        return renderer.page("audience", title: d.name, model: model, viewer: viewer)
    }

    /// CSV of the members, through the same export as the REST API (masked, scoped, audited first).
    @Sendable func exportAudience(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let kind = try kind(context)
        let key = AudienceKey(kind, try Params.string(context, "name"))
        let summary = try await services.audiences.audience(workspaceID: workspaceID, key)
        let types = try await services.settings.identity(workspaceID).types.map(\.name)
        try await services.audit.recordBeforehand(
            request, context, action: "export.\(kind.rawValue)", target: "\(kind.rawValue):\(key.name)",
            detail: [
                "format": "csv", "members": String(summary.size), "via": "console",
                "purpose": summary.definition.consentPurpose?.rawValue ?? "",
            ])
        let audiences = services.audiences
        let masked = !context.seesPII
        let scope = context.scope
        let body = ResponseBody { writer in
            try await audiences.export(
                workspaceID: workspaceID, key, format: .csv, identifierTypes: types, masked: masked, scope: scope,
                purpose: nil
            ) { chunk in try await writer.write(ByteBuffer(string: chunk)) }
            try await writer.finish(nil)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename*=UTF-8''\(Self.segment(key.name)).csv"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The builder's data: fields (attributes and traits with types), tags, segments, texts.
    func builderJSON(workspaceID: Int64, viewer: ConsoleViewer) async throws -> String {
        let schema = try await services.audiences.ruleSchema(workspaceID: workspaceID)
        var fields: [(String, RuleType)] = schema.attributes.map { ($0.key, $0.value) }
        fields += schema.computedTraits.map { ($0.key, $0.value) }
        fields.sort { $0.0 < $1.0 }
        let fieldValues: [JSONValue] = fields.map { name, type in
            let label = viewer.t("field_" + name) == "field_" + name ? name : "\(viewer.t("field_" + name)) (\(name))"
            return .object(["name": .string(name), "type": .string(type.rawValue), "label": .string(label)])
        }
        var text = JSONObject()
        for key in [
            "op_has", "op_not_has", "op_in", "op_contains", "op_null", "op_not_null", "op_not", "value", "field",
            "operator", "attributes_and_traits", "tags", "segments", "remove_condition", "group", "conditions_join",
            "all_of", "any_of", "add_condition", "remove_group",
        ] {
            text.set(key, .string(viewer.t(key)))
        }
        let json: JSONValue = .object([
            "fields": .array(JSONArray(fieldValues)),
            "tags": .array(JSONArray(schema.tags.sorted().map(JSONValue.string))),
            "segments": .array(JSONArray(schema.segments.sorted().map(JSONValue.string))),
            "text": .object(text),
        ])
        // Safe inside <script type="application/json">: no "</" can close the element.
        return json.jsonText.replacingOccurrences(of: "</", with: "<\\/")
    }

    /// The segment types the builder offers, `selected` marked.
    func typeOptions(selected: AudienceType, _ viewer: ConsoleViewer) -> [[String: Any]] {
        [AudienceType.dynamic, .static].map { t -> [String: Any] in
            var o: [String: Any] = ["value": t.rawValue, "label": label(t, viewer)]
            if t == selected { o["selected"] = true }
            return o
        }
    }

    @Sendable func builderPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        var model: [String: Any] = ["count": "–"]
        var type = AudienceType.dynamic
        if let editing = request.uri.queryParameters.get("edit") {
            let current = try await services.audiences.audience(workspaceID: workspaceID, .init(.segment, editing))
            model["editing"] = editing
            model["name"] = editing
            model["description"] = current.definition.description ?? ""
            model["rule"] = current.definition.rule ?? ""
            type = current.definition.type
            model["count"] = viewer.locale.number(Int64(current.size))
        }
        model["types"] = typeOptions(selected: type, viewer)
        model["builderJSON"] = try await builderJSON(workspaceID: workspaceID, viewer: viewer)
        return renderer.page("builder", title: viewer.t("segment_builder"), model: model, viewer: viewer)
    }

    @Sendable func saveSegment(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let workspaceID = try context.workspaceID
        let form = try await form(request)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let editing = (form["editing"] ?? "").isEmpty ? nil : form["editing"]
        let rule = form["rule"] ?? ""
        let type = AudienceType(rawValue: form["type"] ?? "") ?? .dynamic
        let description = (form["description"] ?? "").trimmingCharacters(in: .whitespaces)
        let definition = AudienceDefinition(
            kind: .segment, name: editing ?? name, description: description.isEmpty ? nil : description,
            type: type == .static ? .static : .dynamic, rule: rule)
        do {
            _ = try await services.audiences.save(workspaceID: workspaceID, definition, create: editing == nil)
        } catch let error as PanoramaError where error.kind == .badRequest || error.kind == .conflict {
            var model: [String: Any] = [
                "error": ConsoleMiddleware.localized(error.message, viewer.locale), "name": name, "rule": rule,
                "description": description, "count": "–",
            ]
            if let editing { model["editing"] = editing }
            model["types"] = typeOptions(selected: type, viewer)
            model["builderJSON"] = try await builderJSON(workspaceID: workspaceID, viewer: viewer)
            return renderer.page(
                "builder", title: viewer.t("segment_builder"), model: model, viewer: viewer, status: .badRequest)
        }
        await services.audit.record(
            request, context, action: editing == nil ? "segment.create" : "segment.update",
            target: "segment:\(definition.name)", detail: ["via": "console"])
        return ConsoleRenderer.redirect("/app/audiences/segment/\(Self.segment(definition.name))")
    }

    /// The live count: `rule` (form) → `{"count", "count_text"}` or `{"error"}` with the position.
    @Sendable func countRule(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let form = try await form(request)
        let rule = form["rule"] ?? ""
        guard !rule.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return JSONResponse.make(.object(["error": .string(viewer.t("rule_empty"))]))
        }
        let workspaceID = try context.workspaceID
        let check = try await services.audiences.check(workspaceID: workspaceID, rule: rule)
        if let error = check.error {
            let where_ = viewer.locale.text(
                "rule_error_at", String(error.span.line), String(error.span.column))
            var message = "\(where_): \(error.message)"
            if let suggestion = error.suggestion { message += " · " + viewer.locale.text("did_you_mean", suggestion) }
            return JSONResponse.make(
                .object([
                    "error": .string(message), "code": .string(error.code.rawValue),
                    "offset": .number(JSONNumber(error.span.offset)), "length": .number(JSONNumber(error.span.length)),
                ]))
        }
        let result = try await services.audiences.evaluate(workspaceID: workspaceID, rule: rule, limit: 0, scope: context.scope)
        return JSONResponse.make(
            .object([
                "count": .number(JSONNumber(Int64(result.size))),
                "count_text": .string(viewer.locale.number(Int64(result.size))),
                "canonical": check.canonical.map(JSONValue.string) ?? .null,
            ]))
    }
}
