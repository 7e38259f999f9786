import PanoramaCore
import PanoramaStore
import Synchronization

/// Identity settings per workspace, read from the store and kept; changed through
/// `saveIdentifierType`, which writes through.
///
/// On a store that several nodes share, an entry is read again once it is `ttl` old, so that a
/// change made on another node takes effect here within that time.
public final class WorkspaceSettingsCache: Sendable {
    private let store: any PanoramaStore
    private let ttl: Duration?
    private let cache = Mutex<[Int64: (settings: IdentitySettings, loaded: ContinuousClock.Instant)]>([:])

    public init(store: any PanoramaStore, ttl: Duration = .seconds(2)) {
        self.store = store
        self.ttl = store.isShared ? ttl : nil
    }

    /// The identifier types of a workspace.
    public func identity(_ workspaceID: Int64) async throws -> IdentitySettings {
        if let hit = cache.withLock({ $0[workspaceID] }) {
            if let ttl, ContinuousClock.now - hit.loaded > ttl {
                // Stale: read again below.
            } else {
                return hit.settings
            }
        }
        let loaded = try await store.identitySettings(workspaceID: workspaceID)
        cache.withLock { $0[workspaceID] = (loaded, .now) }
        return loaded
    }

    /// Adds or changes an identifier type (custom types such as `crm_id`).
    public func saveIdentifierType(_ workspaceID: Int64, _ type: IdentifierType) async throws {
        try await store.saveIdentifierType(workspaceID: workspaceID, type)
        cache.withLock { $0[workspaceID] = nil }
    }
}
