import Foundation
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

    /// Sets the workspace's time zone (days, windows and reports are counted in it) and returns
    /// the previous one. Refuses a name that is not an IANA time zone identifier (`Asia/Shanghai`).
    public func setTimeZone(_ workspaceID: Int64, _ identifier: String) async throws -> String {
        let name = identifier.trimmingCharacters(in: .whitespaces)
        guard Self.isTimeZone(name) else {
            throw PanoramaError.badRequest(
                "invalid_time_zone", "not a time zone: use an IANA name such as Asia/Shanghai / 不是有效的时区，请使用 IANA 时区名，如 Asia/Shanghai",
                field: "time_zone")
        }
        guard let workspace = try await store.workspaces().first(where: { $0.id == workspaceID }) else {
            throw PanoramaError.notFound("workspace_not_found", "no workspace \(workspaceID)")
        }
        try await store.setWorkspaceTimeZone(workspaceID: workspaceID, timeZone: name)
        return workspace.timeZone
    }

    /// A workspace by id (nil when there is none).
    public func workspace(_ workspaceID: Int64) async throws -> Workspace? {
        try await store.workspaces().first { $0.id == workspaceID }
    }

    /// True for a known IANA time zone identifier (abbreviations such as `CST` are ambiguous and refused).
    public static func isTimeZone(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && TimeZone.knownTimeZoneIdentifiers.contains(name) && TimeZone(identifier: name) != nil
    }
}
