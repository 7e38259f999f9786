import PanoramaCore
import PanoramaStore

/// Consent in member lists and exports: a segment's own `consentPurpose` and the purpose an
/// export asks for (`?purpose=marketing_sms`) both keep only customers holding a current grant.
extension AudienceService {
    /// The stored definition of a tag or segment (no engine needed); not found when there is none.
    func storedDefinition(_ workspaceID: Int64, _ key: AudienceKey) async throws -> AudienceDefinition {
        guard
            let stored = try await store.audiences(workspaceID: workspaceID).first(where: {
                $0.kind == key.kind && $0.name == key.name
            })
        else { throw Self.notFound(key) }
        return try Self.decode(stored)
    }

    /// The purposes members of `key` must hold a grant of: its own and `asked`.
    func consentPurposes(_ workspaceID: Int64, _ key: AudienceKey, asked: ConsentPurpose?) async throws
        -> Set<ConsentPurpose>
    {
        let own = try await storedDefinition(workspaceID, key).consentPurpose
        return Set([own, asked].compactMap { $0 })
    }

    /// The live customers among `ids` holding a current grant of every purpose, in the order
    /// given. Read from the store (the source of truth), so a grant withdrawn a moment ago is
    /// already respected, whatever the engine has applied.
    public func consenting(workspaceID: Int64, _ ids: [Int64], purposes: Set<ConsentPurpose>) async throws
        -> [Int64]
    {
        guard !purposes.isEmpty, !ids.isEmpty else { return ids }
        var liveOf: [Int64: Int64] = [:]
        for (raw, live) in try await store.rawProfiles(workspaceID: workspaceID, liveIDs: ids) { liveOf[raw] = live }
        var history: [Int64: [ConsentRecord]] = [:]
        for record in try await store.consents(workspaceID: workspaceID, customerIDs: Array(liveOf.keys)) {
            if let live = liveOf[record.customerID] { history[live, default: []].append(record) }
        }
        return ids.filter { id in purposes.isSubset(of: ConsentRecord.granted(history[id] ?? [])) }
    }
}
