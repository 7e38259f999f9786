import PanoramaCore
import PanoramaStore

/// How a tag's or segment's members are written out.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// A header, then one line per customer: id and the identifiers of each type (`;` between several).
    case csv
    /// One JSON object per line: `{"customer_id":…, "identifiers":{"email":[…]}}`.
    case ndjson
}

extension AudienceService {
    /// Writes every member of `key` (ascending customer id, from the persisted membership, read a
    /// page at a time) through `write`, chunk by chunk; returns how many were written. Members
    /// without a current grant of the segment's consent purpose, or of `purpose`, are left out.
    @discardableResult
    public func export(
        workspaceID: Int64, _ key: AudienceKey, format: ExportFormat, identifierTypes: [String], masked: Bool = false,
        scope: CustomerScope = .all, purpose: ConsentPurpose? = nil,
        write: (String) async throws -> Void
    ) async throws -> Int {
        let purposes = try await consentPurposes(workspaceID, key, asked: purpose)
        if format == .csv {
            try await write((["customer_id"] + identifierTypes).map(Self.csvField).joined(separator: ",") + "\n")
        }
        let allowed = try await scopeIDs(workspaceID: workspaceID, scope: scope)
        var after = Int64.min
        var written = 0
        while true {
            let page = try await store.audienceMembers(
                workspaceID: workspaceID, kind: key.kind, name: key.name, after: after, limit: 1000)
            guard let last = page.last else { break }
            after = last
            let ids = try await consenting(
                workspaceID: workspaceID, allowed.map { allowed in page.filter(allowed.contains) } ?? page,
                purposes: purposes)
            let held = try await identifiers(workspaceID: workspaceID, of: ids, masked: masked)
            var chunk = ""
            for id in ids {
                let identifiers = Dictionary(grouping: held[id] ?? [], by: \.type).mapValues { $0.map(\.value) }
                switch format {
                case .csv:
                    let fields = [String(id)] + identifierTypes.map { (identifiers[$0] ?? []).joined(separator: ";") }
                    chunk += fields.map(Self.csvField).joined(separator: ",") + "\n"
                case .ndjson:
                    var object = JSONObject()
                    for type in identifiers.keys.sorted() {
                        object.set(type, .array(JSONArray(identifiers[type]!.map(JSONValue.string))))
                    }
                    let line: JSONValue = .object(["customer_id": .number(JSONNumber(id)), "identifiers": .object(object)])
                    chunk += line.jsonText + "\n"
                }
            }
            written += ids.count
            try await write(chunk)
        }
        return written
    }

    /// The identifiers of live customers, by customer; personal ones masked when `masked`.
    public func identifiers(workspaceID: Int64, of ids: [Int64], masked: Bool = false) async throws -> [Int64:
        [Identifier]]
    {
        var held: [Int64: [Identifier]] = [:]
        for (live, identifier) in try await store.liveIdentifiers(workspaceID: workspaceID, liveIDs: ids) {
            held[live, default: []].append(masked ? PIIPolicy.mask(identifier) : identifier)
        }
        return held
    }

    /// A CSV field, quoted when it holds a comma, quote or line break; a leading `= + - @` is
    /// prefixed with `'` so a spreadsheet does not run it as a formula.
    static func csvField(_ text: String) -> String {
        var t = text
        if let first = t.first, "=+-@".contains(first) { t = "'" + t }
        guard t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return t }
        return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
