import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// A live profile as duplicate detection sees it: its match record and how many identifiers of
/// each type it holds (to tell before merging whether a merge would pass a type's limit).
struct MatchProfile: Sendable {
    var record: MatchRecord
    var identifierCounts: [String: Int]
}

/// Reads every live profile of a workspace, page by page, into match records: traits by the
/// names the settings give (the newest value across a profile's raw profiles wins, as in the
/// profile view), identifiers oldest first.
struct MatchProfileReader {
    let store: any PanoramaStore
    let settings: DuplicateSettings
    /// Live profiles read per round trip.
    var pageSize = 2_000

    /// The live profiles that have at least one compared value, ascending by id, and how many
    /// live profiles were read in all.
    func read(workspaceID: Int64) async throws -> (profiles: [MatchProfile], read: Int) {
        var profiles: [MatchProfile] = []
        var read = 0
        var cursor: String?
        repeat {
            try Task.checkCancellation()
            let page = try await store.customerIDs(
                workspaceID: workspaceID, query: CustomerQuery(), cursor: cursor, limit: pageSize)
            read += page.items.count
            let values = try await values(workspaceID: workspaceID, liveIDs: page.items)
            for id in page.items {
                let profile = profile(id: id, values[id] ?? ProfileValues())
                if MatchField.allCases.contains(where: { profile.record[$0] != nil }) { profiles.append(profile) }
            }
            cursor = page.nextCursor
        } while cursor != nil
        return (profiles, read)
    }

    /// The traits and identifiers of one live profile.
    struct ProfileValues: Sendable {
        /// Newest value of each trait, parsed.
        var traits: [String: (value: JSONValue, updatedAt: Int64)] = [:]
        /// Oldest first.
        var identifiers: [Identifier] = []
    }

    /// The traits (by the settings' names) and identifiers of these live profiles.
    func values(workspaceID: Int64, liveIDs: [Int64]) async throws -> [Int64: ProfileValues] {
        var out: [Int64: ProfileValues] = [:]
        for (live, trait) in try await store.liveTraits(
            workspaceID: workspaceID, liveIDs: liveIDs, names: settings.traitNames)
        {
            if let held = out[live]?.traits[trait.name], held.updatedAt > trait.updatedAt { continue }
            guard let value = try? JSONParser.parse(trait.json) else { continue }
            out[live, default: ProfileValues()].traits[trait.name] = (value, trait.updatedAt)
        }
        for (live, identifier) in try await store.liveIdentifiers(workspaceID: workspaceID, liveIDs: liveIDs) {
            out[live, default: ProfileValues()].identifiers.append(identifier)
        }
        return out
    }

    /// The match record of a profile, from the sources the settings name.
    func profile(id: Int64, _ values: ProfileValues) -> MatchProfile {
        var record = MatchRecord(id: id)
        for source in settings.fields {
            var value = source.traits.lazy.compactMap { Self.text(of: $0, in: values.traits) }.first
            if value == nil {
                value =
                    source.identifiers.lazy.compactMap { type in
                        values.identifiers.first { $0.type == type }?.value
                    }.first
            }
            if let value { record[source.field] = value }
        }
        if record[.givenName] == nil && record[.surname] == nil,
            let name = settings.fullNameTraits.lazy.compactMap({ Self.text(of: $0, in: values.traits) }).first
        {
            let (given, surname) = Self.split(fullName: name)
            record[.givenName] = given
            record[.surname] = surname
        }
        var counts: [String: Int] = [:]
        for identifier in values.identifiers { counts[identifier.type, default: 0] += 1 }
        return MatchProfile(record: record, identifierCounts: counts)
    }

    /// The text of trait `name`, or of member `b` of object trait `a` for `a.b`: strings and numbers.
    static func text(of name: String, in traits: [String: (value: JSONValue, updatedAt: Int64)]) -> String? {
        if let held = traits[name] { return text(held.value) }
        guard let dot = name.firstIndex(of: "."), let object = traits[String(name[..<dot])] else { return nil }
        return object.value[String(name[name.index(after: dot)...])].flatMap(text)
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s.isEmpty ? nil : s
        case .number(let n): n.description
        default: nil
        }
    }

    /// A whole name split into given name and surname: words as written in Western order (the
    /// last word is the surname); a name in Han characters without spaces as surname first (one
    /// character) then given name. Matching also compares the two crosswise, so a name written
    /// in the other order still matches.
    static func split(fullName: String) -> (given: String?, surname: String?) {
        let words = fullName.split(whereSeparator: { $0.isWhitespace || $0 == "\u{3000}" })
        if words.count >= 2 {
            return (words.dropLast().joined(separator: " "), String(words.last!))
        }
        guard let word = words.first else { return (nil, nil) }
        let scalars = Array(word.unicodeScalars)
        if scalars.count >= 2 && scalars.count <= 4 && scalars.allSatisfy(isHan) {
            return (String(String.UnicodeScalarView(scalars.dropFirst())), String(scalars[0]))
        }
        return (String(word), nil)
    }

    /// CJK Unified Ideographs and their extension A.
    private static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }
}

/// The live profiles of a run as merges join them, and their identifier counts, so that a pair
/// already joined is skipped and a merge that would pass a type's limit is refused before asking
/// the pipeline (which refuses it too: the check here only saves the round trip).
struct LiveGroups {
    private var parent: [Int64: Int64] = [:]
    private var counts: [Int64: [String: Int]]

    init(_ profiles: [MatchProfile]) {
        counts = Dictionary(
            profiles.map { ($0.record.id, $0.identifierCounts) }, uniquingKeysWith: { first, _ in first })
    }

    /// The live profile `id` belongs to now.
    mutating func live(_ id: Int64) -> Int64 {
        var root = id
        while let next = parent[root] { root = next }
        var current = id
        while let next = parent[current], next != root {
            parent[current] = root
            current = next
        }
        return root
    }

    /// Records that the live profile `from` was merged into `into`.
    mutating func join(_ from: Int64, into: Int64) {
        let (from, into) = (live(from), live(into))
        guard from != into else { return }
        parent[from] = into
        for (type, n) in counts.removeValue(forKey: from) ?? [:] { counts[into, default: [:]][type, default: 0] += n }
    }

    /// The first identifier type (by name) of which the two live profiles together hold more than its limit.
    func violation(_ a: Int64, _ b: Int64, _ settings: IdentitySettings) -> String? {
        var combined = counts[a] ?? [:]
        for (type, n) in counts[b] ?? [:] { combined[type, default: 0] += n }
        return combined.keys.sorted().first { type in
            settings.type(named: type)?.limit.map { combined[type]! > $0 } ?? false
        }
    }
}
