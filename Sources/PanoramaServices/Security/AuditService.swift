import Logging
import PanoramaCore
import PanoramaStore

/// Who performed an audited action.
public enum AuditActorKind: String, Sendable, CaseIterable {
    /// A person signed in (the console; the CLI records the operating-system user).
    case user
    /// An admin API key (`actor` is `key:<id>`).
    case apiKey = "api_key"
    /// Panorama itself, such as the retention job.
    case system
}

/// One page of an audit search and where the next one starts.
public struct AuditPage: Sendable, Equatable {
    public var entries: [AuditEntry]
    /// The `after` of the next page in the same order; nil on the last page.
    public var next: Int64?

    /// Creates a page.
    public init(entries: [AuditEntry], next: Int64?) {
        self.entries = entries
        self.next = next
    }
}

/// A verification and the recorded head it walked up to.
public struct AuditReport: Sendable, Equatable {
    public var verification: AuditVerification
    /// The newest entry when the walk started (nil for an empty log).
    public var head: AuditCheckpoint?

    /// Creates a report.
    public init(verification: AuditVerification, head: AuditMark?) {
        self.verification = verification
        self.head = head.map { AuditCheckpoint(sequence: $0.sequence, hash: $0.hash) }
    }
}

/// The tamper-evident audit log: records sign-ins, admin writes, configuration changes, exports,
/// merges and undos as entries of one hash chain (`AuditChain`), searches them, verifies the whole
/// chain, and deletes entries past the retention period.
///
/// **Truncation.** The chain alone cannot show that its newest entries were deleted. Every append
/// therefore records the entry it wrote as the `head` in `audit_checkpoints`, in the same
/// transaction; verification walks the log up to that head and must find it there, and an append
/// continues from the recorded head, not from whatever `audit_log` ends with, so a deleted tail
/// stays a visible gap instead of being papered over by the next entry. Someone who edits
/// `audit_log` alone is caught; someone who can also rewrite `audit_checkpoints` can rebuild the
/// whole chain, which is why `panorama audit verify` prints the head (sequence and hash) for the
/// operator to keep elsewhere and accepts it back with `--expect-head`.
public final class AuditService: Sendable {
    /// How long entries are kept unless configured otherwise.
    public static let defaultRetentionDays = 180
    /// The scheduled job's name (logs, metrics, `GET /api/v1/cluster`).
    public static let retentionJobName = "audit-retention"
    /// Entries read per page while verifying.
    public static let verifyPageSize = 1_000

    private let store: any PanoramaStore
    private let clock: WallClock
    private let logger: Logger
    /// Days an entry is kept before the retention job deletes it.
    public let retentionDays: Int

    /// Creates the service; `retentionDays` must be at least 1.
    public init(
        store: any PanoramaStore, clock: WallClock, logger: Logger, retentionDays: Int = defaultRetentionDays
    ) {
        precondition(retentionDays >= 1, "audit retention must be at least one day")
        self.store = store
        self.clock = clock
        self.logger = logger
        self.retentionDays = retentionDays
    }

    // MARK: Recording

    /// Appends an entry stamped with the service clock; returns it once it is durable.
    /// `workspaceID` nil records an action of the installation (workspace ""). Text is stored as
    /// given, except U+0000, which neither database keeps, becomes U+FFFD before it is hashed.
    @discardableResult
    public func record(
        workspaceID: Int64?, actor: String, actorKind: AuditActorKind, action: String, target: String,
        sourceIP: String? = nil, detail: [String: String] = [:]
    ) async throws -> AuditEntry {
        var clean: [String: String] = [:]
        for (key, value) in detail { clean[key.withoutNUL] = value.withoutNUL }
        let draft = AuditDraft(
            at: Double(clock.now()) / 1000, workspace: workspaceID.map(String.init) ?? "", actor: actor.withoutNUL,
            actorKind: actorKind.rawValue, action: action.withoutNUL, target: target.withoutNUL,
            sourceIP: sourceIP?.withoutNUL, detail: clean)
        let stored = try await store.appendAuditEntry { head in
            AuditChain.seal(draft, after: head.map(Self.entry(standingFor:)))
        }
        return stored
    }

    // MARK: Searching

    /// Entries matching `query`, newest first (or oldest first), continuing after `after` (the
    /// `next` of the previous page); `limit` 1–1000.
    public func search(_ query: AuditQuery, after: Int64? = nil, newestFirst: Bool = true, limit: Int = 100)
        async throws -> AuditPage
    {
        guard (1...1_000).contains(limit) else {
            throw PanoramaError.badRequest("invalid_limit", "limit must be an integer from 1 to 1000", field: "limit")
        }
        if let since = query.since, let until = query.until, until < since {
            throw PanoramaError.badRequest("invalid_until", "until must not be before since", field: "until")
        }
        let entries = try await store.auditEntries(
            matching: query, after: after, descending: newestFirst, limit: limit
        )
        return AuditPage(entries: entries, next: entries.count == limit ? entries.last?.sequence : nil)
    }

    // MARK: Verifying

    /// Verifies the whole log, page by page: from the retention checkpoint (or the genesis) up to
    /// the recorded head, which must be there with its hash. `expectedHead`, a head the operator
    /// recorded elsewhere (`panorama audit verify` prints it), must be on the chain too, with its
    /// hash. Reports the first problem: `.tampered` (an edited entry), `.broken` (a rewritten link),
    /// `.gap` (deleted or reordered entries), `.truncated` (entries deleted from the end),
    /// `.checkpointMismatch` (the chain disagrees with a recorded position, or goes on past the
    /// recorded head: entries were added behind Panorama's back).
    public func verify(expectedHead: AuditCheckpoint? = nil, pageSize: Int = verifyPageSize) async throws
        -> AuditVerification
    {
        try await check(expectedHead: expectedHead, pageSize: pageSize).verification
    }

    /// As `verify`, with the recorded head the walk went up to (to print, and check against later).
    public func check(expectedHead: AuditCheckpoint? = nil, pageSize: Int = verifyPageSize) async throws
        -> AuditReport
    {
        var state = try await store.auditChainState()
        // Retention may delete the beginning while the walk is under way; when the walk fails and
        // the checkpoint moved meanwhile, walk again from the new one.
        for _ in 0..<3 {
            let result = try await walk(state, expectedHead: expectedHead, pageSize: max(1, pageSize))
            let now = try await store.auditChainState()
            if result.isIntact || now.retention == state.retention {
                return AuditReport(verification: result, head: state.head)
            }
            state = now
        }
        return AuditReport(
            verification: try await walk(state, expectedHead: expectedHead, pageSize: max(1, pageSize)),
            head: state.head)
    }

    private func walk(_ state: AuditChainState, expectedHead: AuditCheckpoint?, pageSize: Int) async throws
        -> AuditVerification
    {
        let head = state.head.map { AuditCheckpoint(sequence: $0.sequence, hash: $0.hash) }
        let retention = state.retention.map { AuditCheckpoint(sequence: $0.sequence, hash: $0.hash) }
        let end = head?.sequence ?? 0
        // Each append records its entry as the head in the same transaction, so an entry past the
        // head (read in the same snapshot) was not written by Panorama.
        if let last = state.lastSequence, last > end {
            return .checkpointMismatch(sequence: end + 1)
        }
        // Recorded positions are checked on whichever page holds them (`AuditChain.verify` checks
        // the ones it is given, on the page it is given them).
        let pins = [retention, expectedHead].compactMap { $0 }
        if let expectedHead, let retention, expectedHead.sequence == retention.sequence,
            expectedHead.hash != retention.hash
        {
            return .checkpointMismatch(sequence: retention.sequence)
        }
        var anchor = retention
        var after: Int64 = 0
        var count = 0
        var lastHash = retention?.hash ?? AuditChain.genesisHash
        var reached = retention?.sequence ?? 0
        while true {
            let page = try await store.auditChain(after: after, through: end, limit: pageSize)
            let isLast = page.count < pageSize
            let result = AuditChain.verify(page, checkpoint: anchor, expectedHead: isLast ? head : nil)
            guard case .intact(let n, let hash) = result else { return result }
            for pin in pins {
                if let entry = page.first(where: { $0.sequence == pin.sequence }), entry.hash != pin.hash {
                    return .checkpointMismatch(sequence: pin.sequence)
                }
            }
            count += n
            lastHash = hash
            guard let tail = page.last else { break }
            reached = tail.sequence
            if isLast { break }
            anchor = AuditCheckpoint(tail)
            after = tail.sequence
        }
        if let expectedHead, expectedHead.sequence > reached {
            return .truncated(expected: expectedHead.sequence, found: reached)
        }
        return .intact(count: count, lastHash: lastHash)
    }

    /// The recorded head: the latest entry's sequence and hash (nil before the first entry).
    public func head() async throws -> AuditCheckpoint? {
        try await store.auditChainState().head.map { AuditCheckpoint(sequence: $0.sequence, hash: $0.hash) }
    }

    // MARK: Retention

    /// Deletes the entries older than `days` (default: the configured retention) from the start of
    /// the chain, recording the newest deleted one as the checkpoint verification starts from, and
    /// records that it did so. Returns how many were deleted.
    @discardableResult
    public func applyRetention(days: Int? = nil) async throws -> Int {
        let days = days ?? retentionDays
        guard days >= 1 else {
            throw PanoramaError.badRequest("invalid_retention", "retention must be at least 1 day", field: "days")
        }
        let cut = clock.now() - Int64(days) * 86_400_000
        let deleted = try await store.deleteAuditEntries(before: cut)
        if deleted > 0 {
            logger.info("audit retention deleted old entries", metadata: ["deleted": "\(deleted)", "days": "\(days)"])
            try await record(
                workspaceID: nil, actor: "retention", actorKind: .system, action: "audit.retention",
                target: "audit_log",
                detail: ["deleted": String(deleted), "days": String(days), "before": Timestamp.format(millis: cut)])
        }
        return deleted
    }

    /// The daily retention job, run by the cluster's leader only.
    public func makeScheduler(cluster: ClusterService, metrics: any MetricsSink) -> ClusterScheduler {
        let nodeID = cluster.nodeID
        let job = ClusterScheduler.Job(name: Self.retentionJobName, interval: .seconds(86_400)) { [self] in
            try await applyRetention()
            try await store.recordJobRun(name: Self.retentionJobName, nodeID: nodeID, at: clock.now())
        }
        return ClusterScheduler(leadership: cluster.leadership, jobs: [job], logger: logger, metrics: metrics)
    }

    // MARK: Conversions

    /// The entry a recorded head stands for, as `AuditChain.seal` reads it: the entry that follows
    /// takes its sequence + 1 and its hash, and `seal` reads nothing else of it.
    private static func entry(standingFor head: AuditMark) -> AuditEntry {
        AuditEntry(
            sequence: head.sequence, at: head.at, workspace: "", actor: "", actorKind: "", action: "", target: "",
            sourceIP: nil, detail: [:], previousHash: "", hash: head.hash)
    }
}

extension AuditVerification {
    /// A stable code for the outcome: `intact`, `tampered`, `broken`, `gap`, `truncated` or
    /// `checkpoint_mismatch` (the API's `problem` and the CLI's JSON).
    public var code: String {
        switch self {
        case .intact: "intact"
        case .tampered: "tampered"
        case .broken: "broken"
        case .gap: "gap"
        case .truncated: "truncated"
        case .checkpointMismatch: "checkpoint_mismatch"
        }
    }

    /// Where the problem is: the entry at fault, or the sequence expected and the one found.
    public var location: (sequence: Int64?, expected: Int64?, found: Int64?) {
        switch self {
        case .intact: (nil, nil, nil)
        case .tampered(let s), .broken(let s), .checkpointMismatch(let s): (s, nil, nil)
        case .gap(let expected, let found): (found, expected, found)
        case .truncated(let expected, let found): (nil, expected, found)
        }
    }
}
