import PanoramaCore

/// Tags (标签) and segments (人群) share storage: both are named sets of customers defined by a
/// rule (or by hand), so one table holds their definitions and one their members, told apart by kind.
public enum AudienceKind: String, Sendable, Codable, CaseIterable {
    case tag, segment
}

/// A tag or segment definition as stored: the JSON the segment service reads, and its times.
public struct StoredAudience: Sendable, Equatable {
    public var workspaceID: Int64
    public var kind: AudienceKind
    public var name: String
    /// The definition as JSON text (category, rule, update mode, …), owned by the service layer.
    public var definition: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        workspaceID: Int64, kind: AudienceKind, name: String, definition: String, createdAt: Int64, updatedAt: Int64
    ) {
        self.workspaceID = workspaceID
        self.kind = kind
        self.name = name
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One entry or exit of a customer, as the change feed shows it.
public struct MembershipChange: Sendable, Equatable {
    public enum Direction: String, Sendable, Codable { case enter, exit }
    /// Ascending feed position (a cursor for `membershipChanges(after:)`).
    public var id: Int64
    public var customerID: Int64
    public var change: Direction
    /// Epoch ms.
    public var at: Int64

    public init(id: Int64, customerID: Int64, change: Direction, at: Int64) {
        self.id = id
        self.customerID = customerID
        self.change = change
        self.at = at
    }
}

/// One order as the trait engine reads it.
public struct OrderFact: Sendable, Equatable {
    /// The raw profile the order was recorded against.
    public var customerID: Int64
    /// Epoch ms.
    public var placedAt: Int64
    public var status: String
    /// Net of refunds, minor units.
    public var netAmount: Int64
    /// Whether the whole order has been refunded.
    public var fullyRefunded: Bool
    /// Units bought, net of returned units.
    public var items: Int64
    public var channel: String?
    public var store: String?

    public init(
        customerID: Int64, placedAt: Int64, status: String, netAmount: Int64, fullyRefunded: Bool, items: Int64,
        channel: String?, store: String?
    ) {
        self.customerID = customerID
        self.placedAt = placedAt
        self.status = status
        self.netAmount = netAmount
        self.fullyRefunded = fullyRefunded
        self.items = items
        self.channel = channel
        self.store = store
    }
}

/// Definitions, persisted membership, change feed and size history of tags and segments, and the
/// reads the trait engine rebuilds its columns from.
public protocol AudienceStore: Sendable {
    /// Computed-trait definitions (name → JSON).
    func computedTraits(workspaceID: Int64) async throws -> [(name: String, definition: String, updatedAt: Int64)]
    func saveComputedTrait(workspaceID: Int64, name: String, definition: String, now: Int64) async throws
    /// Returns whether it existed.
    func deleteComputedTrait(workspaceID: Int64, name: String) async throws -> Bool

    func audiences(workspaceID: Int64) async throws -> [StoredAudience]
    /// Inserts or replaces (keeping `createdAt` of an existing one).
    func saveAudience(_ audience: StoredAudience) async throws
    /// Deletes the definition, its members and size history (the change feed stays); returns whether it existed.
    func deleteAudience(workspaceID: Int64, kind: AudienceKind, name: String) async throws -> Bool

    /// Every member (live customer ids), ascending.
    func audienceMembers(workspaceID: Int64, kind: AudienceKind, name: String) async throws -> [Int64]
    /// Members after `after`, ascending, at most `limit`.
    func audienceMembers(workspaceID: Int64, kind: AudienceKind, name: String, after: Int64, limit: Int)
        async throws -> [Int64]
    /// What a customer belongs to.
    func memberships(workspaceID: Int64, customerID: Int64) async throws -> [(
        kind: AudienceKind, name: String, since: Int64
    )]
    /// Records entries and exits in one transaction per chunk, with their change-feed rows; ids
    /// already in (for entries) or already out (for exits) are skipped, so a repeat changes nothing.
    func applyMembership(
        workspaceID: Int64, kind: AudienceKind, name: String, enter: [Int64], exit: [Int64], now: Int64,
        feed: Bool
    ) async throws
    func membershipChanges(
        workspaceID: Int64, kind: AudienceKind, name: String, after: Int64, limit: Int
    ) async throws -> [MembershipChange]
    /// Records the size at `at` (one row per hour bucket: a later write in the bucket replaces it).
    func recordAudienceSize(workspaceID: Int64, kind: AudienceKind, name: String, at: Int64, size: Int64)
        async throws
    func audienceSizes(workspaceID: Int64, kind: AudienceKind, name: String, since: Int64) async throws -> [(
        at: Int64, size: Int64
    )]

    /// Live (canonical) customer ids, ascending, after `after`.
    func liveCustomerIDs(workspaceID: Int64, after: Int64, limit: Int) async throws -> [Int64]
    /// The raw profiles of live ones (each live id maps to itself too).
    func rawProfiles(workspaceID: Int64, liveIDs: [Int64]) async throws -> [(raw: Int64, live: Int64)]
    /// All profile traits of raw profiles (JSON values).
    func rawTraits(workspaceID: Int64, customerIDs: [Int64]) async throws -> [(customerID: Int64, trait: TraitValue)]
    /// Orders of raw profiles.
    func orderFacts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [OrderFact]
    /// Tracked events (`track` messages) of raw profiles: time (ms) and name.
    func trackFacts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [(
        customerID: Int64, timestamp: Int64, event: String
    )]
}
