import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// The unified 360° view of one live profile.
public struct Profile: Sendable, Equatable {
    public var id: Int64
    public var identifiers: [Identifier]
    /// Traits after last-write-wins by event time across every raw profile merged in.
    public var traits: [TraitValue]
    public var createdAt: Int64
    public var firstSeen: Int64?
    public var lastSeen: Int64?
    public var eventCount: Int64
    /// Raw profiles merged into this one (their ids still resolve here).
    public var mergedIDs: [Int64]
    /// Order count, spend and the other value figures, net of refunds.
    public var value: CustomerValue
}

/// Read side of profiles: 360° view, look-up by identifier, timeline, search, merge history.
public final class ProfileService: Sendable {
    private let store: any PanoramaStore
    private let settings: WorkspaceSettingsCache

    public init(store: any PanoramaStore, settings: WorkspaceSettingsCache) {
        self.store = store
        self.settings = settings
    }


    /// The live profile that `id` is or was merged into.
    public func profile(workspaceID: Int64, id: Int64, scope: CustomerScope) async throws -> Profile {
        try scope.require(try await profile(workspaceID: workspaceID, id: id))
    }

    /// 404 unless the live profile `id` is in `scope` (before reading anything else of it).
    public func requireVisible(workspaceID: Int64, id: Int64, scope: CustomerScope) async throws {
        if scope != .all { _ = try await profile(workspaceID: workspaceID, id: id, scope: scope) }
    }

    public func profile(workspaceID: Int64, id: Int64) async throws -> Profile {
        guard let row = try await store.customer(workspaceID: workspaceID, id: id) else { throw PanoramaError.customerNotFound(id) }
        let members = try await store.members(workspaceID: workspaceID, canonicalID: row.canonicalID)
        let ids = members.map(\.id)
        let identifiers = try await store.identifiers(workspaceID: workspaceID, customerIDs: ids).map(\.identifier)
        var latest: [String: TraitValue] = [:]
        for t in try await store.traits(workspaceID: workspaceID, customerIDs: ids) { latest.keepLatest(t) }
        let canonical = members.first { $0.id == row.canonicalID } ?? row
        let activity = try await store.activity(workspaceID: workspaceID, customerIDs: ids)
        let orders = try await store.allOrders(workspaceID: workspaceID, customerIDs: ids)
        return Profile(
            id: row.canonicalID, identifiers: identifiers,
            traits: latest.values.sorted { $0.name < $1.name },
            createdAt: canonical.createdAt, firstSeen: activity.first, lastSeen: activity.last,
            eventCount: activity.events, mergedIDs: ids.filter { $0 != row.canonicalID },
            value: CustomerValue(orders: orders))
    }

    /// Resolves many references at once to live profile ids: a customer id (a merged-away id
    /// resolves to the profile it was merged into) or `type:value` (normalized first; a value
    /// shared by several customers is not resolved). Returns the distinct ids in first-seen
    /// order and the references that found nobody.
    public func resolve(workspaceID: Int64, references: [String]) async throws -> (ids: [Int64], unknown: [String]) {
        var found: [Int?] = Array(repeating: nil, count: references.count)  // index → position in `ids`
        var numeric: [(index: Int, id: Int64)] = []
        var ids: [Int64] = []
        var position: [Int64: Int] = [:]
        func record(_ index: Int, _ id: Int64) {
            if position[id] == nil {
                position[id] = ids.count
                ids.append(id)
            }
            found[index] = position[id]
        }
        let identity = try await settings.identity(workspaceID)
        for (index, reference) in references.enumerated() {
            let reference = reference.trimmingCharacters(in: .whitespaces)
            if let id = Int64(reference) {
                numeric.append((index, id))
                continue
            }
            guard let colon = reference.firstIndex(of: ":") else { continue }
            let type = String(reference[..<colon])
            guard identity.type(named: type) != nil,
                let value = try? Normalizer.normalize(type: type, value: String(reference[reference.index(after: colon)...]))
            else { continue }
            let owners = try await store.owners(workspaceID: workspaceID, identifier: Identifier(type: type, value: value))
            if owners.count == 1 { record(index, owners[0]) }
        }
        for start in stride(from: 0, to: numeric.count, by: 1_000) {
            let chunk = numeric[start..<min(numeric.count, start + 1_000)]
            let live = try await store.liveIDs(workspaceID: workspaceID, customerIDs: chunk.map(\.id))
            for (index, id) in chunk { if let liveID = live[id] { record(index, liveID) } }
        }
        let unknown = references.indices.filter { found[$0] == nil }.map { references[$0] }
        return (ids, unknown)
    }

    /// The live profile holding an identifier; the value is normalized first, so
    /// `Alice@Example.com ` finds `alice@example.com`.
    public func profile(workspaceID: Int64, identifierType: String, value: String, scope: CustomerScope)
        async throws -> Profile
    {
        try scope.require(try await profile(workspaceID: workspaceID, identifierType: identifierType, value: value))
    }

    public func profile(workspaceID: Int64, identifierType: String, value: String) async throws -> Profile {
        guard try await settings.identity(workspaceID).type(named: identifierType) != nil else {
            throw PanoramaError.notFound(
                "unknown_identifier_type", "this workspace has no identifier type '\(identifierType)'")
        }
        let normalized: String
        do {
            normalized = try Normalizer.normalize(type: identifierType, value: value)
        } catch {
            throw PanoramaError.notFound("customer_not_found", "no customer with \(identifierType) '\(value)'")
        }
        let owners = try await store.owners(
            workspaceID: workspaceID, identifier: Identifier(type: identifierType, value: normalized))
        guard let owner = owners.first else {
            throw PanoramaError.notFound("customer_not_found", "no customer with \(identifierType) '\(normalized)'")
        }
        guard owners.count == 1 else {
            throw PanoramaError.conflict(
                "ambiguous_identifier",
                "\(owners.count) customers share \(identifierType) '\(normalized)', a type that is not unique; list "
                    + "them with GET /api/v1/customers?identifier_type=\(identifierType)&identifier_prefix=…")
        }
        return try await profile(workspaceID: workspaceID, id: owner)
    }

    /// Timeline of a live profile (and everything merged into it), newest first.
    public func events(workspaceID: Int64, id: Int64, scope: CustomerScope = .all, cursor: String?, limit: Int) async throws
        -> Page<StoredEvent>
    {
        try await requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        let ids = try await memberIDs(workspaceID: workspaceID, id: id)
        return try await store.events(workspaceID: workspaceID, customerIDs: ids, cursor: cursor, limit: limit)
    }

    /// Live profiles matching a query, ascending by id.
    public func list(
        workspaceID: Int64, query: CustomerQuery, scope: CustomerScope = .all, cursor: String?, limit: Int
    ) async throws -> Page<Profile> {
        var query = query
        query.scope = scope.query
        if let type = query.identifierType, let prefix = query.identifierPrefix,
            let normalized = try? Normalizer.normalize(type: type, value: prefix), type != "phone"
        {
            // Phones are searched as typed: a partial number does not normalize to E.164.
            query.identifierPrefix = normalized
        }
        let page = try await store.customerIDs(workspaceID: workspaceID, query: query, cursor: cursor, limit: limit)
        var profiles: [Profile] = []
        for id in page.items { profiles.append(try await profile(workspaceID: workspaceID, id: id)) }
        return Page(items: profiles, nextCursor: page.nextCursor)
    }

    /// Merges that joined or split this profile's raw profiles, newest first.
    public func merges(workspaceID: Int64, id: Int64, scope: CustomerScope = .all) async throws -> [MergeRecord] {
        try await requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        let ids = try await memberIDs(workspaceID: workspaceID, id: id)
        return try await store.merges(workspaceID: workspaceID, customerIDs: ids)
    }

    /// Identifier conflicts recorded for this profile, newest first.
    public func conflicts(workspaceID: Int64, id: Int64, scope: CustomerScope = .all) async throws -> [IdentityConflict] {
        try await requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        let ids = try await memberIDs(workspaceID: workspaceID, id: id)
        return try await store.conflicts(workspaceID: workspaceID, customerIDs: ids)
    }

    private func memberIDs(workspaceID: Int64, id: Int64) async throws -> [Int64] {
        guard let live = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.customerNotFound(id)
        }
        return live.members
    }
}
