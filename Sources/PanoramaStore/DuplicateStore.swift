import PanoramaCore

/// Where a run of duplicate detection stands.
public enum DuplicateRunStatus: String, Sendable, Codable, CaseIterable {
    case running, succeeded, failed
}

/// What a proposed pair of duplicate profiles has become.
public enum DuplicateCandidateStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for a reviewer.
    case pending
    /// Merged (automatically, by a reviewer, or found already one profile).
    case merged
    /// A reviewer said they are different people.
    case rejected
    /// Merging them would pass an identifier type's limit (two different `user_id`s, say).
    case refused
}

/// A run of duplicate detection as stored: its state and its counts.
public struct DuplicateRunRow: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64
    public var status: DuplicateRunStatus
    /// What started it: `api`, `cli` or `schedule`.
    public var trigger: String
    public var startedAt: Int64
    /// Last sign of life of the node running it; a running run silent for long is abandoned.
    public var heartbeatAt: Int64
    public var finishedAt: Int64?
    public var durationMillis: Int64?
    /// Profiles compared (live profiles with at least one compared value).
    public var records: Int64 = 0
    /// Candidate pairs that blocking proposed and the matcher compared.
    public var comparedPairs: Int64 = 0
    /// Pairs left for review.
    public var proposed: Int64 = 0
    public var autoMerged: Int64 = 0
    /// Pairs decided before (rejected, merged) or already one profile.
    public var skipped: Int64 = 0
    /// Pairs that cannot be merged without passing an identifier limit.
    public var refused: Int64 = 0
    /// Why a failed run failed.
    public var error: String?
    /// A JSON object with details of the matching job, opaque to the store.
    public var summary: String?

    public init(
        id: Int64, workspaceID: Int64, status: DuplicateRunStatus, trigger: String, startedAt: Int64,
        heartbeatAt: Int64, finishedAt: Int64? = nil, durationMillis: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.status = status
        self.trigger = trigger
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.finishedAt = finishedAt
        self.durationMillis = durationMillis
    }
}

/// A pair of live profiles that duplicate detection found alike, as stored. The pair is kept
/// once per workspace (`firstID < secondID`, the live ids when it was first proposed), so a
/// decided pair is never proposed again.
public struct DuplicateCandidateRow: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64
    public var firstID: Int64
    public var secondID: Int64
    /// The run that last scored the pair.
    public var runID: Int64
    public var status: DuplicateCandidateStatus
    /// A JSON object with the probability, weight and per-field explanation, opaque to the store.
    public var score: String
    /// `auto`, `reviewer` or `run` for a decided pair.
    public var decidedBy: String?
    /// A stable code for how the pair was decided (`merge_limit_exceeded`, `already_merged`).
    public var reason: String?
    /// The merge that joined the pair.
    public var mergeID: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var decidedAt: Int64?

    public init(
        id: Int64, workspaceID: Int64, firstID: Int64, secondID: Int64, runID: Int64,
        status: DuplicateCandidateStatus, score: String, decidedBy: String? = nil, reason: String? = nil,
        mergeID: Int64? = nil, createdAt: Int64, updatedAt: Int64, decidedAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.firstID = min(firstID, secondID)
        self.secondID = max(firstID, secondID)
        self.runID = runID
        self.status = status
        self.score = score
        self.decidedBy = decidedBy
        self.reason = reason
        self.mergeID = mergeID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.decidedAt = decidedAt
    }
}

/// A decision on a stored pair (`DuplicateStore.decideDuplicateCandidates`).
public struct DuplicateDecision: Sendable, Equatable {
    public var candidateID: Int64
    public var status: DuplicateCandidateStatus
    public var decidedBy: String
    public var reason: String?
    public var mergeID: Int64?

    public init(
        candidateID: Int64, status: DuplicateCandidateStatus, decidedBy: String, reason: String? = nil,
        mergeID: Int64? = nil
    ) {
        self.candidateID = candidateID
        self.status = status
        self.decidedBy = decidedBy
        self.reason = reason
        self.mergeID = mergeID
    }
}

/// The duplicate tables' reads and writes (queries written once, in `Shared/DuplicateQueries.swift`).
/// SQLite and PostgreSQL both implement it (they are `PanoramaStore`s).
public protocol DuplicateStore: Sendable {
    /// The workspace's duplicate-detection settings as JSON text, nil when never saved.
    func duplicateSettings(workspaceID: Int64) async throws -> String?
    func saveDuplicateSettings(workspaceID: Int64, json: String, now: Int64) async throws

    /// Records a new running run, first marking runs silent since `staleBefore` as failed; nil
    /// when another run of the workspace is still running (one at a time, across nodes).
    func startDuplicateRun(workspaceID: Int64, trigger: String, now: Int64, staleBefore: Int64) async throws
        -> DuplicateRunRow?
    /// Records that a running run is alive.
    func touchDuplicateRun(workspaceID: Int64, id: Int64, now: Int64) async throws
    /// Stores a run's final state and counts.
    func finishDuplicateRun(_ run: DuplicateRunRow) async throws
    func duplicateRun(workspaceID: Int64, id: Int64) async throws -> DuplicateRunRow?
    /// Runs, newest first; the cursor is opaque.
    func duplicateRuns(workspaceID: Int64, cursor: String?, limit: Int) async throws -> Page<DuplicateRunRow>

    /// Every stored pair of the workspace: its key, id and status.
    func duplicatePairs(workspaceID: Int64) async throws -> [(
        firstID: Int64, secondID: Int64, id: Int64, status: DuplicateCandidateStatus
    )]
    /// Inserts pairs, or updates stored ones that are still pending (decided pairs stay as they are).
    func saveDuplicateCandidates(_ candidates: [DuplicateCandidateRow]) async throws
    /// Applies decisions in one transaction, each only to a pair whose status is in `from`;
    /// returns the ids of the pairs it changed.
    func decideDuplicateCandidates(
        workspaceID: Int64, _ decisions: [DuplicateDecision], from: [DuplicateCandidateStatus], now: Int64
    ) async throws -> [Int64]
    func duplicateCandidate(workspaceID: Int64, id: Int64) async throws -> DuplicateCandidateRow?
    /// Pairs in ascending id order (within a run, by descending score), optionally of one status.
    func duplicateCandidates(
        workspaceID: Int64, status: DuplicateCandidateStatus?, cursor: String?, limit: Int
    ) async throws -> Page<DuplicateCandidateRow>

    /// The live profile of each of these raw profile ids (unknown ids are left out).
    func liveIDs(workspaceID: Int64, customerIDs: [Int64]) async throws -> [Int64: Int64]
    /// Traits with these names of every raw profile of these live profiles, by live profile.
    func liveTraits(workspaceID: Int64, liveIDs: [Int64], names: [String]) async throws -> [(
        liveID: Int64, trait: TraitValue
    )]
    /// Identifiers of every raw profile of these live profiles, by live profile, oldest first.
    func liveIdentifiers(workspaceID: Int64, liveIDs: [Int64]) async throws -> [(liveID: Int64, identifier: Identifier)]
}
