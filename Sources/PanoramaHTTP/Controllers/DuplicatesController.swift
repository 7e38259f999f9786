import Hummingbird
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// REST: duplicate detection (去重) — runs, proposed pairs and their review, settings — and the
/// manual merge of two customers.
struct DuplicatesController {
    let duplicates: DuplicateService
    let audit: AuditService

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.post("duplicates/runs", use: startRun)
        group.get("duplicates/runs", use: listRuns)
        group.get("duplicates/runs/:id", use: showRun)
        group.get("duplicates/settings", use: showSettings)
        group.put("duplicates/settings", use: saveSettings)
        group.get("duplicates", use: listCandidates)
        group.get("duplicates/:id", use: showCandidate)
        group.post("duplicates/:id/merge", use: accept)
        group.post("duplicates/:id/reject", use: reject)
        group.post("customers/:id/merge", use: mergeCustomer)
    }

    // MARK: Runs

    /// Starts a run in the background: 202 with the run (status `running`) and its address.
    @Sendable func startRun(_ request: Request, context: AppRequestContext) async throws -> Response {
        let run = try await duplicates.start(workspaceID: try context.workspaceID, trigger: .api)
        var response = JSONResponse.make(run.apiJSON, status: .accepted)
        response.headers[.location] = "/api/v1/duplicates/runs/\(run.id)"
        return response
    }

    @Sendable func listRuns(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await duplicates.runs(
            workspaceID: try context.workspaceID, cursor: Params.cursor(request), limit: try Params.limit(request))
        return JSONResponse.make(
            .object(["data": .array(JSONArray(page.items.map(\.apiJSON))), "next_cursor": page.nextCursor.json]))
    }

    @Sendable func showRun(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(
            try await duplicates.run(workspaceID: try context.workspaceID, id: try Params.id(context)).apiJSON)
    }

    // MARK: Proposed pairs

    /// `?status=pending` (the default), `merged`, `rejected`, `refused` or `all`.
    @Sendable func listCandidates(_ request: Request, context: AppRequestContext) async throws -> Response {
        var status: DuplicateCandidateStatus? = .pending
        if let raw = request.uri.queryParameters.get("status"), raw != "pending" {
            guard raw == "all" || DuplicateCandidateStatus(rawValue: raw) != nil else {
                throw PanoramaError.badRequest(
                    "invalid_status", "status must be pending, merged, rejected, refused or all", field: "status")
            }
            status = DuplicateCandidateStatus(rawValue: raw)
        }
        let page = try await duplicates.candidates(
            workspaceID: try context.workspaceID, status: status, cursor: Params.cursor(request),
            limit: try Params.limit(request))
        return JSONResponse.make(
            .object([
                "data": .array(JSONArray(page.items.map { Self.json($0, masked: !context.seesPII) })),
                "next_cursor": page.nextCursor.json,
            ]))
    }

    @Sendable func showCandidate(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(
            Self.json(
                try await duplicates.candidate(workspaceID: try context.workspaceID, id: try Params.id(context)),
                masked: !context.seesPII))
    }

    /// Accepts a pair: merges the two profiles; the merge can be undone with `POST /merges/{id}/undo`.
    @Sendable func accept(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Params.id(context)
        let merge = try await duplicates.accept(workspaceID: try context.workspaceID, id: id)
        await audit.record(
            request, context, action: "merge.accept", target: "duplicate:\(id)",
            detail: ["merge_id": String(merge.id), "from_id": String(merge.fromID), "into_id": String(merge.intoID)])
        return JSONResponse.make(CustomerController.json(merge))
    }

    @Sendable func reject(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(
            Self.json(
                try await duplicates.reject(workspaceID: try context.workspaceID, id: try Params.id(context)),
                masked: !context.seesPII))
    }

    /// A candidate pair; with `masked`, its personal values masked.
    static func json(_ candidate: DuplicateCandidate, masked: Bool) -> JSONValue {
        let row = candidate.row
        let score = candidate.score
        let fields = score.fields.map { f -> JSONValue in
            .object([
                "field": .string(Self.snake(f.field)),
                "label": .string(f.label),
                "level": f.level.map { .number(JSONNumber($0)) } ?? .null,
                "weight": number(f.weight),
                "values": .array(
                    JSONArray(
                        f.values.map { v in
                            masked ? PIIPolicy.mask(v.json, as: PIIPolicy.kind(attribute: f.field) ?? .other) : v.json
                        })),
                "similarity": f.similarity.map(number) ?? .null,
            ])
        }
        let profiles = candidate.profiles.map { p -> JSONValue in
            var traits = JSONObject()
            for t in p.traits {
                traits.set(t.name, masked ? PIIPolicy.mask(.raw(t.json), as: PIIPolicy.kind(attribute: t.name)) : .raw(t.json))
            }
            return .object([
                "id": .number(JSONNumber(p.id)),
                "live_id": p.liveID.map { .number(JSONNumber($0)) } ?? .null,
                "traits": .object(traits),
                "identifiers": .array(
                    JSONArray(
                        p.identifiers.map { i in
                            let shown = masked ? PIIPolicy.mask(i) : i
                            return .object(["type": .string(shown.type), "value": .string(shown.value)])
                        })),
            ])
        }
        return .object([
            "id": .number(JSONNumber(row.id)),
            "run_id": .number(JSONNumber(row.runID)),
            "status": .string(row.status.rawValue),
            "probability": number(score.probability),
            "weight": number(score.weight),
            "decision": .string(score.decision),
            "fields": .array(JSONArray(fields)),
            "profiles": .array(JSONArray(profiles)),
            "decided_by": row.decidedBy.json,
            "reason": row.reason.json,
            "merge_id": row.mergeID.map { .number(JSONNumber($0)) } ?? .null,
            "created_at": row.createdAt.isoTime,
            "updated_at": row.updatedAt.isoTime,
            "decided_at": row.decidedAt.isoTime,
        ])
    }

    // MARK: Manual merge

    /// `POST /customers/{id}/merge` with `{"into": <id>}`: customer `id` is merged into `into`,
    /// which survives.
    @Sendable func mergeCustomer(_ request: Request, context: AppRequestContext) async throws -> Response {
        let from = try Params.id(context)
        let body = try await AdminController.jsonBody(request)
        guard let into = body["into"]?.numberValue?.int64, into > 0 else {
            throw PanoramaError.badRequest(
                "invalid_into", "into must be the positive id of the customer to merge into", field: "into")
        }
        let actor = context.apiKey.map { "key:\($0.id)" } ?? "admin"
        let merge = try await duplicates.merge(
            workspaceID: try context.workspaceID, from: from, into: into, actor: actor)
        await audit.record(
            request, context, action: "merge.manual", target: "customer:\(from)",
            detail: ["merge_id": String(merge.id), "from_id": String(merge.fromID), "into_id": String(merge.intoID)])
        return JSONResponse.make(CustomerController.json(merge))
    }

    // MARK: Settings

    @Sendable func showSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(try await duplicates.settings(workspaceID: try context.workspaceID)))
    }

    /// Changes the keys the body names; the others keep their values.
    @Sendable func saveSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let workspaceID = try context.workspaceID
        let body = try await AdminController.jsonBody(request)
        var settings = try await duplicates.settings(workspaceID: workspaceID)
        try Self.apply(body, to: &settings)
        do {
            return JSONResponse.make(Self.json(try await duplicates.saveSettings(workspaceID: workspaceID, settings)))
        } catch let error as PanoramaError where error.kind == .badRequest {
            // The matcher names its fields as Swift does (`autoMergeThreshold`); the API spells them snake_case.
            throw PanoramaError.badRequest(error.code, error.message, field: error.field.map(Self.snake))
        }
    }

    static func json(_ s: DuplicateSettings) -> JSONValue {
        let m = s.matching
        return .object([
            "auto_merge": .bool(s.autoMerge),
            "auto_merge_threshold": number(m.autoMergeThreshold),
            "review_threshold": number(m.reviewThreshold),
            "estimation": .string(snake(m.estimation.rawValue)),
            "schedule_minutes": s.scheduleMinutes.map { .number(JSONNumber($0)) } ?? .null,
            "fields": .array(
                JSONArray(
                    s.fields.map { f in
                        .object([
                            "field": .string(snake(f.field.rawValue)),
                            "traits": .array(JSONArray(f.traits.map(JSONValue.string))),
                            "identifiers": .array(JSONArray(f.identifiers.map(JSONValue.string))),
                        ])
                    })),
            "full_name_traits": .array(JSONArray(s.fullNameTraits.map(JSONValue.string))),
            "comparisons": .array(
                JSONArray(
                    m.comparisons.map { c in
                        .object([
                            "field": .string(snake(c.field.rawValue)),
                            "comparator": .string(snake(c.comparator.rawValue)),
                            "thresholds": numbers(c.thresholds),
                            "m": numbers(c.m),
                            "u": numbers(c.u),
                        ])
                    })),
        ])
    }

    /// Applies the keys of a settings body; a wrong type or value is a 400 naming the key.
    static func apply(_ body: JSONValue, to s: inout DuplicateSettings) throws {
        func invalid(_ field: String, _ message: String) -> PanoramaError {
            PanoramaError.badRequest("invalid_duplicate_settings", message, field: field)
        }
        func probability(_ key: String) throws -> Double? {
            guard let raw = body[key] else { return nil }
            guard let value = raw.numberValue?.double, value > 0, value <= 1 else {
                throw invalid(key, "\(key) must be a number in (0, 1]")
            }
            return value
        }
        func names(_ value: JSONValue?, _ field: String) throws -> [String] {
            guard let items = value?.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw invalid(field, "\(field) must be an array of strings")
            }
            return items.compactMap(\.stringValue)
        }
        func doubles(_ value: JSONValue?, _ field: String) throws -> [Double] {
            guard let items = value?.arrayValue, items.allSatisfy({ $0.numberValue?.double != nil }) else {
                throw invalid(field, "\(field) must be an array of numbers")
            }
            return items.compactMap { $0.numberValue?.double }
        }
        func field(_ value: JSONValue?, _ path: String) throws -> MatchField {
            guard let text = value?.stringValue,
                let field = MatchField.allCases.first(where: { snake($0.rawValue) == text })
            else {
                throw invalid(
                    path,
                    "field must be one of \(MatchField.allCases.map { snake($0.rawValue) }.joined(separator: ", "))")
            }
            return field
        }

        if let raw = body["auto_merge"] {
            guard let flag = raw.boolValue else { throw invalid("auto_merge", "auto_merge must be true or false") }
            s.autoMerge = flag
        }
        if let value = try probability("auto_merge_threshold") { s.matching.autoMergeThreshold = value }
        if let value = try probability("review_threshold") { s.matching.reviewThreshold = value }
        if let raw = body["estimation"] {
            guard let text = raw.stringValue, let estimation = estimations.first(where: { snake($0.rawValue) == text })
            else { throw invalid("estimation", "estimation must be expectation_maximisation or fixed") }
            s.matching.estimation = estimation
        }
        if let raw = body["schedule_minutes"] {
            if raw.isNull {
                s.scheduleMinutes = nil
            } else {
                guard let minutes = raw.numberValue?.int64,
                    (1...Int64(DuplicateSettings.maxScheduleMinutes)).contains(minutes)
                else {
                    throw invalid(
                        "schedule_minutes",
                        "schedule_minutes must be null or an integer 1–\(DuplicateSettings.maxScheduleMinutes)")
                }
                s.scheduleMinutes = Int(minutes)
            }
        }
        if let raw = body["fields"] {
            guard let items = raw.arrayValue else { throw invalid("fields", "fields must be an array") }
            s.fields = try items.enumerated().map { index, item in
                let path = "fields[\(index)]"
                return DuplicateFieldSource(
                    field: try field(item["field"], path + ".field"),
                    traits: item["traits"] == nil ? [] : try names(item["traits"], path + ".traits"),
                    identifiers: item["identifiers"] == nil ? [] : try names(item["identifiers"], path + ".identifiers")
                )
            }
        }
        if let raw = body["full_name_traits"] { s.fullNameTraits = try names(raw, "full_name_traits") }
        if let raw = body["comparisons"] {
            guard let items = raw.arrayValue else { throw invalid("comparisons", "comparisons must be an array") }
            s.matching.comparisons = try items.enumerated().map { index, item in
                let path = "comparisons[\(index)]"
                guard let text = item["comparator"]?.stringValue,
                    let comparator = comparators.first(where: { snake($0.rawValue) == text })
                else {
                    throw invalid(
                        path + ".comparator",
                        "comparator must be one of \(comparators.map { snake($0.rawValue) }.joined(separator: ", "))")
                }
                return FieldComparison(
                    field: try field(item["field"], path + ".field"), comparator: comparator,
                    thresholds: item["thresholds"] == nil ? [] : try doubles(item["thresholds"], path + ".thresholds"),
                    m: try doubles(item["m"], path + ".m"), u: try doubles(item["u"], path + ".u"))
            }
        }
    }

    private static let estimations: [MatchConfiguration.Estimation] = [.expectationMaximisation, .fixed]
    private static let comparators: [FieldComparison.Comparator] = [
        .exact, .jaroWinkler, .jaroWinklerOrTokenSet, .damerauLevenshtein, .date, .numeric,
    ]

    /// `givenName` → `given_name`, `nationalID` → `national_id`: engine names as the API spells them.
    static func snake(_ name: String) -> String {
        var out = ""
        var previous: Character?
        for character in name {
            if character.isUppercase, let p = previous, p.isLowercase || p.isNumber { out.append("_") }
            out += character.lowercased()
            previous = character
        }
        return out
    }

    private static func number(_ value: Double) -> JSONValue {
        JSONNumber(value).map(JSONValue.number) ?? .null
    }

    private static func numbers(_ values: [Double]) -> JSONValue {
        .array(JSONArray(values.map(number)))
    }
}

extension DuplicateRunRow {
    /// The run as the REST API shows it (`GET /api/v1/duplicates/runs/{id}`); `panorama dedup run
    /// --json` prints the same.
    public var apiJSON: JSONValue {
        .object([
            "id": .number(JSONNumber(id)),
            "status": .string(status.rawValue),
            "trigger": .string(trigger),
            "started_at": startedAt.isoTime,
            "finished_at": finishedAt.isoTime,
            "duration_ms": durationMillis.map { .number(JSONNumber($0)) } ?? .null,
            "counts": .object([
                "records": .number(JSONNumber(records)),
                "compared_pairs": .number(JSONNumber(comparedPairs)),
                "proposed": .number(JSONNumber(proposed)),
                "auto_merged": .number(JSONNumber(autoMerged)),
                "skipped": .number(JSONNumber(skipped)),
                "refused": .number(JSONNumber(refused)),
            ]),
            "error": error.json,
            "details": summary.rawJSON,
        ])
    }
}
