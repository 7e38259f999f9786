import PanoramaCore

/// One consent change as recorded: a row of a customer's consent history. The current state of
/// a purpose is the latest row (by `at`, then `id`) over every raw profile of a live customer.
public struct ConsentRecord: Sendable, Equatable {
    /// Ascending in recording order (0 for a record not yet stored).
    public var id: Int64
    /// The raw profile the change was recorded on.
    public var customerID: Int64
    /// A consent purpose (`marketing_sms` …), as the service layer names them.
    public var purpose: String
    public var granted: Bool
    /// Where the change came from: `api`, `identify`, `track`, or what the caller said (`store_pos`).
    public var source: String
    /// When the customer gave or withdrew it, epoch ms.
    public var at: Int64
    /// The tracking message that carried it (a resend records nothing twice); nil for other sources.
    public var messageID: String?
    /// When Panorama recorded it, epoch ms.
    public var createdAt: Int64

    public init(
        id: Int64 = 0, customerID: Int64, purpose: String, granted: Bool, source: String, at: Int64,
        messageID: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.customerID = customerID
        self.purpose = purpose
        self.granted = granted
        self.source = source
        self.at = at
        self.messageID = messageID
        self.createdAt = createdAt
    }
}

/// Everything an erasure removes, committed in one transaction.
public struct Erasure: Sendable {
    public var workspaceID: Int64
    /// The live customer.
    public var liveID: Int64
    /// Every raw profile of the live customer (the live id included), as read before.
    public var customerIDs: [Int64]
    /// How many identifier rows those profiles held when read: the erasure applies only if the
    /// profile is still exactly what was read (no merge, split or new identifier since).
    public var identifierRows: Int
    /// Salted hashes of the customer's identifiers to refuse from now on (empty: no suppression).
    public var tombstones: [String]
    public var now: Int64

    public init(
        workspaceID: Int64, liveID: Int64, customerIDs: [Int64], identifierRows: Int, tombstones: [String], now: Int64
    ) {
        self.workspaceID = workspaceID
        self.liveID = liveID
        self.customerIDs = customerIDs
        self.identifierRows = identifierRows
        self.tombstones = tombstones
        self.now = now
    }
}

/// The key of one stored event, as retention deletes it.
public struct EventKey: Sendable, Equatable {
    public var id: Int64
    public var customerID: Int64
    public var timestamp: Int64
    public var messageID: String

    public init(id: Int64, customerID: Int64, timestamp: Int64, messageID: String) {
        self.id = id
        self.customerID = customerID
        self.timestamp = timestamp
        self.messageID = messageID
    }
}

/// Data subject rights and retention: consent history, the per-workspace salt and tombstones of
/// suppressed erasures, reading every row held about some raw profiles (access), deleting or
/// detaching them (erasure), and deleting old events in batches (retention). Queries are written
/// once for both stores (`Shared/PrivacyQueries.swift`).
public protocol PrivacyStore: Sendable {
    /// Appends consent changes; a change whose message id and purpose are already recorded is
    /// skipped. Returns how many were recorded.
    @discardableResult func recordConsents(workspaceID: Int64, _ records: [ConsentRecord]) async throws -> Int
    /// The consent history of raw profiles, oldest first (by `at`, then `id`).
    func consents(workspaceID: Int64, customerIDs: [Int64]) async throws -> [ConsentRecord]

    /// The workspace's secret of that name, stored as `proposed` when it has none yet (so that
    /// nodes racing to create it all end up with the one stored first).
    func workspaceSecret(workspaceID: Int64, name: String, proposed: String, now: Int64) async throws -> String
    /// The workspace's secret of that name, nil when none was made.
    func existingWorkspaceSecret(workspaceID: Int64, name: String) async throws -> String?
    /// Records tombstones (hashes made with the workspace's salt) outside an erasure: a suppression
    /// list brought from elsewhere, benchmarks. Returns how many were new.
    @discardableResult func recordErasureTombstones(workspaceID: Int64, _ hashes: [String], at: Int64) async throws
        -> Int
    /// Tombstones recorded at or after `since` (epoch ms), oldest first.
    func erasureTombstones(workspaceID: Int64, since: Int64) async throws -> [(hash: String, createdAt: Int64)]

    /// Every row held about raw profiles, by table name, each row an object of its columns (JSON
    /// columns embedded as JSON, times as epoch ms).
    func privacyRecords(workspaceID: Int64, customerIDs: [Int64]) async throws -> [String: [JSONValue]]
    /// Audit entries of a workspace whose target is one of `targets`, oldest first, at most `limit`.
    func auditEntries(workspaceID: Int64, targets: [String], limit: Int) async throws -> [JSONValue]
    /// Erases raw profiles in one transaction (see `Erasure` and `PrivacyService.erase` for what
    /// each table loses); returns the rows removed or changed per table, or nil, with nothing
    /// changed, when the profile is gone or no longer what `erasure` describes (read it again).
    func erase(_ erasure: Erasure) async throws -> [String: Int]?

    /// The highest raw profile id of a workspace (0 when it has none).
    func maxCustomerID(workspaceID: Int64) async throws -> Int64
    /// Events of raw profiles `customerIDs` (an inclusive range) with a time before `before`, at most `limit`.
    func events(workspaceID: Int64, customerIDs: ClosedRange<Int64>, before: Int64, limit: Int) async throws
        -> [EventKey]
    /// Deletes events (and their message-id and index entries) in one transaction; returns how many.
    func deleteEvents(workspaceID: Int64, _ keys: [EventKey]) async throws -> Int
    /// How many events of a workspace have a time before `before`.
    func countEvents(workspaceID: Int64, before: Int64) async throws -> Int64
}
