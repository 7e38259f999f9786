import PanoramaCore
import PanoramaStore
import Synchronization

/// Identity settings per workspace, read from the store once and kept; changed through
/// `saveIdentifierType`, which writes through.
public final class WorkspaceSettingsCache: Sendable {
    private let store: any PanoramaStore
    private let cache = Mutex<[Int64: IdentitySettings]>([:])

    public init(store: any PanoramaStore) {
        self.store = store
    }

    /// The identifier types of a workspace.
    public func identity(_ workspaceID: Int64) async throws -> IdentitySettings {
        if let hit = cache.withLock({ $0[workspaceID] }) { return hit }
        let loaded = try await store.identitySettings(workspaceID: workspaceID)
        cache.withLock { $0[workspaceID] = loaded }
        return loaded
    }

    /// Adds or changes an identifier type (custom types such as `crm_id`).
    public func saveIdentifierType(_ workspaceID: Int64, _ type: IdentifierType) async throws {
        try await store.saveIdentifierType(workspaceID: workspaceID, type)
        cache.withLock { $0[workspaceID] = nil }
    }
}
