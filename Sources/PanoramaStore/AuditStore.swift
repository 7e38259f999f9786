import PanoramaCore

/// One row of the audit log as stored. The chain logic (`AuditChain` in PanoramaServices) seals
/// and checks it; the store returns every field exactly as it was written (`at` is an IEEE double,
/// SQLite `REAL` / PostgreSQL `double precision`, because its bits are hashed).
public struct StoredAuditEntry: Codable, Sendable, Equatable {
    /// 1, 2, 3 … over the whole installation, without holes.
    public var sequence: Int64
    /// Unix seconds.
    public var at: Double
    /// The workspace id as text, or "" for an action of the installation.
    public var workspace: String
    public var actor: String
    /// `user`, `api_key` or `system`.
    public var actorKind: String
    /// `area.verb`, such as `key.create` or `export.segment`.
    public var action: String
    public var target: String
    public var sourceIP: String?
    public var detail: [String: String]
    public var previousHash: String
    public var hash: String

    /// Creates an entry from its fields.
    public init(
        sequence: Int64, at: Double, workspace: String, actor: String, actorKind: String, action: String,
        target: String, sourceIP: String?, detail: [String: String], previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.at = at
        self.workspace = workspace
        self.actor = actor
        self.actorKind = actorKind
        self.action = action
        self.target = target
        self.sourceIP = sourceIP
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// A position of the chain recorded beside the log (in `audit_checkpoints`): the sequence and hash
/// of one entry, and its time.
public struct AuditMark: Sendable, Equatable {
    public var sequence: Int64
    public var hash: String
    /// Unix seconds, as the entry has it.
    public var at: Double

    /// Creates a mark from its fields.
    public init(sequence: Int64, hash: String, at: Double) {
        self.sequence = sequence
        self.hash = hash
        self.at = at
    }
}

/// How to narrow an audit search. Every condition is optional; all given ones must hold.
public struct AuditQuery: Sendable, Equatable {
    /// Exactly this workspace ("" for the installation's own entries).
    public var workspace: String?
    /// An action (`export.segment`) or an area (`export`, matching `export` and `export.*`).
    public var action: String?
    /// Exactly this actor (`key:3`).
    public var actor: String?
    /// Exactly this target (`customer:42`).
    public var target: String?
    /// Entries at or after this time, epoch milliseconds.
    public var since: Int64?
    /// Entries before this time, epoch milliseconds.
    public var until: Int64?

    /// Creates a query.
    public init(
        workspace: String? = nil, action: String? = nil, actor: String? = nil, since: Int64? = nil,
        until: Int64? = nil, target: String? = nil
    ) {
        self.workspace = workspace
        self.target = target
        self.action = action
        self.actor = actor
        self.since = since
        self.until = until
    }
}

/// The chain's anchors, read in one snapshot so that they agree with each other.
public struct AuditChainState: Sendable, Equatable {
    /// The newest entry, as every append records it beside the log (nil before the first append).
    public var head: AuditMark?
    /// The newest entry retention deleted (nil until retention deletes one).
    public var retention: AuditMark?
    /// The highest sequence `audit_log` holds (nil when it holds none).
    public var lastSequence: Int64?

    /// Creates a state.
    public init(head: AuditMark?, retention: AuditMark?, lastSequence: Int64?) {
        self.head = head
        self.retention = retention
        self.lastSequence = lastSequence
    }
}

/// The append-only audit log: one hash chain for the whole installation (queries written once in
/// `Shared/AuditQueries.swift`; the locked append in each store). SQLite and PostgreSQL both
/// implement it (they are `PanoramaStore`s).
public protocol AuditStore: Sendable {
    /// Appends one entry at the end of the chain. In one transaction, serialized with every other
    /// append of the installation (PostgreSQL: a transaction-scoped advisory lock, so across nodes;
    /// SQLite: an immediate transaction, so across processes too), it reads the recorded head,
    /// calls `seal` with it (nil before the first entry) to build the entry that follows it,
    /// inserts that entry and records it as the new head. Returns the entry as stored.
    func appendAuditEntry(_ seal: @Sendable (AuditMark?) throws -> StoredAuditEntry) async throws
        -> StoredAuditEntry
    /// Entries matching `query` by sequence, at most `limit`: ascending after `after`, or, when
    /// `descending`, newest first below `after` (from the newest when `after` is nil).
    func auditEntries(matching query: AuditQuery, after: Int64?, descending: Bool, limit: Int) async throws
        -> [StoredAuditEntry]
    /// Entries with a sequence in `after + 1 ... through`, ascending, at most `limit`: the chain in
    /// pages, for verification.
    func auditChain(after: Int64, through: Int64, limit: Int) async throws -> [StoredAuditEntry]
    /// The recorded head and retention checkpoint, and the highest stored sequence.
    func auditChainState() async throws -> AuditChainState
    /// Deletes the oldest entries — every entry before the first one at or after `cut` (epoch
    /// milliseconds), so the chain only ever loses its beginning — and in the same transaction
    /// records the newest deleted entry as the retention checkpoint. Returns how many were deleted.
    func deleteAuditEntries(before cut: Int64) async throws -> Int
}
