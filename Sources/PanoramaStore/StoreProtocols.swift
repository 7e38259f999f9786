import PanoramaCore

/// Everything one ingest group writes, committed in a single transaction.
///
/// The ingest pipeline builds it after resolving identities in memory; the store applies it
/// atomically, so either every message of the group is durable or none is.
public struct IngestCommit: Sendable {
    /// A profile created by this group.
    public struct NewCustomer: Sendable {
        public var workspaceID: Int64
        public var id: Int64
        public var createdAt: Int64
        public init(workspaceID: Int64, id: Int64, createdAt: Int64) {
            self.workspaceID = workspaceID
            self.id = id
            self.createdAt = createdAt
        }
    }
    /// An identifier attached to a raw profile.
    public struct NewIdentifier: Sendable {
        public var workspaceID: Int64
        public var identifier: Identifier
        public var customerID: Int64
        public var createdAt: Int64
        /// True for a type that is not unique: several profiles may hold the value.
        public var shared: Bool
        public init(
            workspaceID: Int64, identifier: Identifier, customerID: Int64, createdAt: Int64, shared: Bool = false
        ) {
            self.workspaceID = workspaceID
            self.identifier = identifier
            self.customerID = customerID
            self.createdAt = createdAt
            self.shared = shared
        }
    }
    /// A trait write; applied only if no newer (by event time) value is stored.
    public struct TraitWrite: Sendable {
        public var workspaceID: Int64
        public var customerID: Int64
        public var trait: TraitValue
        public init(workspaceID: Int64, customerID: Int64, trait: TraitValue) {
            self.workspaceID = workspaceID
            self.customerID = customerID
            self.trait = trait
        }
    }
    /// An event to append; `event.id` is ignored (the store assigns it).
    public struct NewEvent: Sendable {
        public var workspaceID: Int64
        public var event: StoredEvent
        public init(workspaceID: Int64, event: StoredEvent) {
            self.workspaceID = workspaceID
            self.event = event
        }
    }

    public var customers: [NewCustomer] = []
    public var identifiers: [NewIdentifier] = []
    /// Merges in the order they happened; `id` is ignored (the store assigns it).
    public var merges: [MergeRecord] = []
    public var conflicts: [(workspaceID: Int64, conflict: IdentityConflict)] = []
    public var events: [NewEvent] = []
    public var traits: [TraitWrite] = []
    /// Orders to insert or update by external id (`Order.customerID` is the resolved raw profile).
    public var orders: [(workspaceID: Int64, order: Order)] = []

    public init() {}

    public var isEmpty: Bool {
        customers.isEmpty && identifiers.isEmpty && merges.isEmpty && conflicts.isEmpty && events.isEmpty
            && traits.isEmpty && orders.isEmpty
    }
}

/// The persisted identity graph of a workspace, to rebuild the in-memory graph at start.
public struct IdentitySnapshot: Sendable {
    public var customers: [(id: Int64, canonical: Int64)]
    public var identifiers: [(identifier: Identifier, owner: Int64)]
    public var maxCustomerID: Int64
    /// The workspace's identity version the snapshot shows (0 for a store only one process writes).
    public var version: Int64

    public init(
        customers: [(id: Int64, canonical: Int64)], identifiers: [(identifier: Identifier, owner: Int64)],
        maxCustomerID: Int64, version: Int64 = 0
    ) {
        self.customers = customers
        self.identifiers = identifiers
        self.maxCustomerID = maxCustomerID
        self.version = version
    }
}

/// What other nodes changed in a workspace's identity graph since a version: new raw profiles,
/// raw profiles pointed elsewhere by a merge or an undo, and newly attached identifiers.
public struct IdentityChanges: Sendable {
    public var customers: [(id: Int64, canonical: Int64)]
    public var identifiers: [(identifier: Identifier, owner: Int64)]
    /// The version these changes bring the graph to.
    public var version: Int64
    /// Profiles were erased since: rows are gone, which changes cannot list, so the graph must be
    /// loaded afresh (`customers` and `identifiers` are then empty).
    public var reset: Bool

    public init(
        customers: [(id: Int64, canonical: Int64)], identifiers: [(identifier: Identifier, owner: Int64)],
        version: Int64, reset: Bool = false
    ) {
        self.customers = customers
        self.identifiers = identifiers
        self.version = version
        self.reset = reset
    }
}

/// Identity reads and writes made while holding the identity lock of some workspaces: no other
/// node changes their identity graphs until the session ends, and what it commits is one
/// transaction with the lock.
public protocol IdentitySession: Sendable {
    func snapshot(workspaceID: Int64) async throws -> IdentitySnapshot
    /// Changes committed since `version` (by other nodes: the caller already holds its own).
    func changes(workspaceID: Int64, since version: Int64) async throws -> IdentityChanges
    /// As `IngestStore.commit`, inside the session's transaction.
    func commit(_ commit: IngestCommit) async throws -> Set<Int>
    /// As `IngestStore.commitUndo`, inside the session's transaction.
    func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws
    /// The workspace's identity version including what this session wrote.
    func version(workspaceID: Int64) -> Int64
}

/// A page of results and the cursor of the next page (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// How to narrow a customer list.
public struct CustomerQuery: Sendable, Equatable {
    /// Identifier type to match by value prefix (nil: any type).
    public var identifierType: String?
    /// Identifier value prefix.
    public var identifierPrefix: String?
    /// Trait name and JSON value to match exactly.
    public var trait: (name: String, json: String)?
    /// A data scope: only customers with this trait (name) set to one of these JSON values.
    public var scope: (name: String, jsonValues: [String])?

    public init(
        identifierType: String? = nil, identifierPrefix: String? = nil, trait: (name: String, json: String)? = nil
    ) {
        self.identifierType = identifierType
        self.identifierPrefix = identifierPrefix
        self.trait = trait
    }

    public static func == (l: CustomerQuery, r: CustomerQuery) -> Bool {
        l.identifierType == r.identifierType && l.identifierPrefix == r.identifierPrefix
            && l.trait?.name == r.trait?.name && l.trait?.json == r.trait?.json
            && l.scope?.name == r.scope?.name && l.scope?.jsonValues == r.scope?.jsonValues
    }
}

/// Workspaces and their settings.
public protocol WorkspaceStore: Sendable {
    func workspaces() async throws -> [Workspace]
    func createWorkspace(name: String, timeZone: String, now: Int64) async throws -> Workspace
    func identitySettings(workspaceID: Int64) async throws -> IdentitySettings
    func saveIdentifierType(workspaceID: Int64, _ type: IdentifierType) async throws
    /// Sets the time zone (an IANA identifier, validated by the caller) a workspace's days are counted in.
    func setWorkspaceTimeZone(workspaceID: Int64, timeZone: String) async throws
}

/// API keys, stored hashed.
public protocol KeyStore: Sendable {
    func insertKey(workspaceID: Int64, kind: APIKeyKind, name: String, prefix: String, hash: String, now: Int64)
        async throws -> APIKey
    func key(hash: String) async throws -> APIKey?
    func keys(workspaceID: Int64?) async throws -> [APIKey]
    /// Revokes a key by id; returns false when no live key has that id.
    func revokeKey(id: Int64, now: Int64) async throws -> Bool
}

/// The write side of identity resolution and ingestion.
public protocol IngestStore: Sendable {
    /// True when several nodes may write the store at once (PostgreSQL): the ingest pipeline then
    /// resolves and commits every group inside `withIdentityLock`, after catching up with the
    /// other nodes' identity changes. False when one process owns the store (SQLite).
    var isShared: Bool { get }
    /// Runs `body` holding the identity lock of these workspaces (taken in ascending order), in
    /// one transaction that commits when `body` returns and rolls back when it throws.
    func withIdentityLock<T: Sendable>(
        workspaceIDs: [Int64], _ body: (any IdentitySession) async throws -> T
    ) async throws -> T
    func identitySnapshot(workspaceID: Int64) async throws -> IdentitySnapshot
    /// Which of these message ids the workspace already stored.
    func existingMessageIDs(workspaceID: Int64, _ ids: [String]) async throws -> Set<String>
    /// Applies a whole group in one transaction; returns only once it is durable.
    /// Returns the positions in `commit.events` of events the store recognised as already stored
    /// and skipped. A store may instead drop such late resends when it indexes them (SQLite does,
    /// see docs/STORE.md) and return none.
    func commit(_ commit: IngestCommit) async throws -> Set<Int>
    func merge(workspaceID: Int64, id: Int64) async throws -> MergeRecord?
    /// Records an undo: the listed raw profiles point at `from` again, the merge is marked undone.
    func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws
}

/// The read side of profiles.
public protocol ProfileStore: Sendable {
    func customer(workspaceID: Int64, id: Int64) async throws -> CustomerRow?
    func members(workspaceID: Int64, canonicalID: Int64) async throws -> [CustomerRow]
    func identifiers(workspaceID: Int64, customerIDs: [Int64]) async throws -> [(
        identifier: Identifier, customerID: Int64, createdAt: Int64
    )]
    func traits(workspaceID: Int64, customerIDs: [Int64]) async throws -> [TraitValue]
    /// The live profiles holding an identifier: one for unique types, possibly several for shared ones.
    func owners(workspaceID: Int64, identifier: Identifier) async throws -> [Int64]
    /// Events of these raw profiles, newest first; the cursor is opaque.
    func events(workspaceID: Int64, customerIDs: [Int64], cursor: String?, limit: Int) async throws -> Page<StoredEvent>
    /// Live profile ids matching the query, ascending; the cursor is opaque.
    func customerIDs(workspaceID: Int64, query: CustomerQuery, cursor: String?, limit: Int) async throws -> Page<Int64>
    /// Merges that involve any of these raw profiles, newest first.
    func merges(workspaceID: Int64, customerIDs: [Int64]) async throws -> [MergeRecord]
    func conflicts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [IdentityConflict]
    /// Event count and first/last event time over these raw profiles.
    func activity(workspaceID: Int64, customerIDs: [Int64]) async throws -> (events: Int64, first: Int64?, last: Int64?)
    func eventCount(workspaceID: Int64) async throws -> Int64
    /// True when the store answers a trivial query.
    func ping() async -> Bool
    /// Background upkeep, called every few hundred milliseconds (SQLite: WAL checkpoints).
    func maintain() async
}

extension ProfileStore {
    /// The live profile a raw or live profile id belongs to, with its raw profiles (itself
    /// included); nil when the workspace has no such profile.
    public func liveProfile(workspaceID: Int64, id: Int64) async throws -> (canonical: Int64, members: [Int64])? {
        guard let row = try await customer(workspaceID: workspaceID, id: id) else { return nil }
        return (row.canonicalID, try await members(workspaceID: workspaceID, canonicalID: row.canonicalID).map(\.id))
    }
}

/// A node of the cluster as it last reported itself.
public struct ClusterNode: Sendable, Equatable {
    public var nodeID: String
    /// Where the node serves HTTP (`host:port`).
    public var address: String
    public var startedAt: Int64
    public var heartbeatAt: Int64
    /// Whether the node led the cluster at its last heartbeat.
    public var leader: Bool

    public init(nodeID: String, address: String, startedAt: Int64, heartbeatAt: Int64, leader: Bool) {
        self.nodeID = nodeID
        self.address = address
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.leader = leader
    }
}

/// The last run of a cluster-wide scheduled job.
public struct JobRun: Sendable, Equatable {
    public var name: String
    public var nodeID: String
    public var lastRunAt: Int64
    /// Runs recorded over the cluster's life.
    public var runs: Int64

    public init(name: String, nodeID: String, lastRunAt: Int64, runs: Int64) {
        self.name = name
        self.nodeID = nodeID
        self.lastRunAt = lastRunAt
        self.runs = runs
    }
}

/// Nodes and the runs of scheduled work, so that any node can say who leads and what ran where.
public protocol ClusterStore: Sendable {
    /// Records that a node is alive (inserting it on its first heartbeat).
    func heartbeat(_ node: ClusterNode) async throws
    func clusterNodes() async throws -> [ClusterNode]
    /// Forgets nodes silent since `before`; returns how many.
    func pruneClusterNodes(before: Int64) async throws -> Int
    func recordJobRun(name: String, nodeID: String, at: Int64) async throws
    func jobRuns() async throws -> [JobRun]
}

/// The whole store a Panorama node runs on. SQLite and PostgreSQL implement it.
public typealias PanoramaStore = WorkspaceStore & KeyStore & IngestStore & ProfileStore & ClusterStore & OrderStore
    & ImportStore & LoyaltyStore & DuplicateStore & AudienceStore & AuditStore & AccessStore & PrivacyStore
    & InsightStore
