import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import Synchronization

/// What started a run of duplicate detection.
public enum DuplicateRunTrigger: String, Sendable, CaseIterable {
    case api, cli, schedule
}

/// Duplicate detection (去重): finds live profiles of the same person that share no identifier,
/// by name, birth date, address and the like, and merges or proposes them.
///
/// A run reads every live profile of a workspace into match records, runs the `Matcher`
/// (blocking, a Fellegi–Sunter model, thresholds), stores each new pair that scores at least
/// the review threshold, and merges the pairs at or above the auto-merge threshold through
/// `IngestPipeline.merge`: logged with source `duplicate`, undoable like any merge. The older
/// profile (smaller id) survives; pairs of a cluster are merged one after the other through the
/// live ids they have by then. A pair that would pass an identifier type's limit (two different
/// `user_id`s) is refused and reported, never merged. A pair once decided — merged (even if the
/// merge was undone since), rejected by a reviewer, or refused — is not proposed again.
///
/// One run per workspace at a time, across nodes (the store refuses a second). Runs start on
/// demand (REST, CLI) and, when a workspace's settings ask for it, on the leading node's schedule.
public final class DuplicateService: Sendable {
    /// Below this many records EM has too few pairs to learn from: the configured m and u are
    /// used as they are (FEBRL's smallest data set, 1,000 records, is estimated well).
    public static let minimumRecordsForEstimation = 500
    /// How often a running run records that it is alive, and when a silent one counts as abandoned.
    static let heartbeatInterval: Duration = .seconds(15)
    static let abandonedAfterMillis: Int64 = 120_000
    /// The scheduled job's name, and how often it looks for workspaces whose schedule is due.
    public static let scheduledJobName = "duplicate-detection"
    static let scheduleCheckInterval: Duration = .seconds(60)
    /// Decisions stored per write while a run merges.
    static let decisionBatch = 100
    /// Auto-merges committed together.
    static let mergeBatch = 500
    /// Where runs compute (see `MatchingExecutor`).
    private static let matchingExecutor = MatchingExecutor()

    private let store: any PanoramaStore
    private let pipeline: IngestPipeline
    private let identity: WorkspaceSettingsCache
    private let clock: WallClock
    private let metrics: any MetricsSink
    private let logger: Logger
    /// Starts scheduled runs on the leading node (a background service of the node).
    public let scheduler: ClusterScheduler
    /// Runs started by `start`, until they end.
    private let background = Mutex<[Int64: Task<DuplicateRunRow, Never>]>([:])

    public init(
        store: any PanoramaStore, pipeline: IngestPipeline, identity: WorkspaceSettingsCache, clock: WallClock,
        metrics: any MetricsSink, logger: Logger, leadership: any Leadership, nodeID: String
    ) {
        self.store = store
        self.pipeline = pipeline
        self.identity = identity
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        let job = ScheduledRuns()
        self.scheduler = ClusterScheduler(
            leadership: leadership,
            jobs: [
                ClusterScheduler.Job(name: Self.scheduledJobName, interval: Self.scheduleCheckInterval) {
                    [store, clock] in
                    try await job.service?.runDueSchedules()
                    try await store.recordJobRun(name: Self.scheduledJobName, nodeID: nodeID, at: clock.now())
                }
            ], logger: logger, metrics: metrics)
        job.service = self
    }

    /// The service the scheduled job calls, set once the service exists; held weakly, as the
    /// service holds the scheduler that holds the job.
    private final class ScheduledRuns: Sendable {
        private struct Weak { weak var service: DuplicateService? }
        private let reference = Mutex(Weak())
        var service: DuplicateService? {
            get { reference.withLock { $0.service } }
            set { reference.withLock { $0.service = newValue } }
        }
    }

    // MARK: Settings

    /// The workspace's settings (the defaults until saved).
    public func settings(workspaceID: Int64) async throws -> DuplicateSettings {
        guard let text = try await store.duplicateSettings(workspaceID: workspaceID) else { return .default }
        do {
            return try DuplicateSettings.decode(text)
        } catch {
            logger.error(
                "stored duplicate settings do not decode; using the defaults",
                metadata: ["workspace": "\(workspaceID)", "error": "\(error)"])
            return .default
        }
    }

    /// Validates and saves the workspace's settings; returns them as saved.
    @discardableResult
    public func saveSettings(workspaceID: Int64, _ settings: DuplicateSettings) async throws -> DuplicateSettings {
        try settings.validate()
        try await store.saveDuplicateSettings(workspaceID: workspaceID, json: try settings.encoded(), now: clock.now())
        return settings
    }

    // MARK: Runs

    /// Runs duplicate detection now and returns the finished run (succeeded or failed). Throws
    /// `duplicate_run_in_progress` (409) when the workspace already has a run going.
    public func run(workspaceID: Int64, trigger: DuplicateRunTrigger) async throws -> DuplicateRunRow {
        await execute(try await begin(workspaceID: workspaceID, trigger: trigger))
    }

    /// Starts a run in the background and returns it at once (status `running`); its progress is
    /// read with `run(workspaceID:id:)`. Throws `duplicate_run_in_progress` (409) like `run`.
    public func start(workspaceID: Int64, trigger: DuplicateRunTrigger) async throws -> DuplicateRunRow {
        let run = try await begin(workspaceID: workspaceID, trigger: trigger)
        background.withLock { tasks in
            // Created under the lock, so the task's own removal always comes after this insertion.
            tasks[run.id] = Task {
                let finished = await self.execute(run)
                self.background.withLock { _ = $0.removeValue(forKey: run.id) }
                return finished
            }
        }
        return run
    }

    /// Waits for a run started by `start` on this node to end; returns it as stored.
    public func waitForRun(workspaceID: Int64, id: Int64) async throws -> DuplicateRunRow {
        if let task = background.withLock({ $0[id] }) { _ = await task.value }
        return try await run(workspaceID: workspaceID, id: id)
    }

    /// A run by id; throws `duplicate_run_not_found` (404).
    public func run(workspaceID: Int64, id: Int64) async throws -> DuplicateRunRow {
        guard let run = try await store.duplicateRun(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.notFound(
                "duplicate_run_not_found", "no duplicate-detection run \(id) in this workspace")
        }
        return run
    }

    /// Runs, newest first.
    public func runs(workspaceID: Int64, cursor: String?, limit: Int) async throws -> Page<DuplicateRunRow> {
        try await store.duplicateRuns(workspaceID: workspaceID, cursor: cursor, limit: limit)
    }

    /// Records a new running run, or throws `duplicate_run_in_progress`.
    private func begin(workspaceID: Int64, trigger: DuplicateRunTrigger) async throws -> DuplicateRunRow {
        let now = clock.now()
        guard
            let run = try await store.startDuplicateRun(
                workspaceID: workspaceID, trigger: trigger.rawValue, now: now,
                staleBefore: now - Self.abandonedAfterMillis)
        else {
            throw PanoramaError.conflict(
                "duplicate_run_in_progress",
                "a duplicate-detection run of this workspace is still running; see GET /api/v1/duplicates/runs")
        }
        return run
    }

    /// Carries a run out, recording its outcome; a heartbeat keeps it from counting as abandoned.
    private func execute(_ started: DuplicateRunRow) async -> DuplicateRunRow {
        let began = ContinuousClock.now
        var run = started
        let (store, clock) = (self.store, self.clock)
        let outcome = await withTaskGroup(of: Void.self) { group -> Result<DuplicateRunRow, any Error> in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.heartbeatInterval)
                    if Task.isCancelled { break }
                    try? await store.touchDuplicateRun(
                        workspaceID: started.workspaceID, id: started.id, now: clock.now())
                }
            }
            defer { group.cancelAll() }
            do {
                // Child tasks of the matcher inherit the preference: the whole job runs off the
                // cooperative pool.
                return .success(
                    try await withTaskExecutorPreference(Self.matchingExecutor) { try await match(started) })
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let done):
            run = done
            run.status = .succeeded
        case .failure(let error):
            run.status = .failed
            run.error =
                (error as? PanoramaError)?.message
                ?? (error is CancellationError
                    ? "cancelled (the node shut down or stopped leading)" : "the run failed; see the server log")
            logger.error(
                "duplicate detection failed",
                metadata: ["workspace": "\(run.workspaceID)", "run": "\(run.id)", "error": "\(error)"])
        }
        let elapsed = ContinuousClock.now - began
        run.durationMillis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        run.finishedAt = clock.now()
        run.heartbeatAt = run.finishedAt!
        do {
            try await store.finishDuplicateRun(run)
        } catch {
            logger.error("could not record the end of a duplicate-detection run", metadata: ["error": "\(error)"])
        }
        metrics.increment(
            "panorama_duplicate_runs_total", labels: [("outcome", run.status == .succeeded ? "ok" : "error")], by: 1)
        if run.autoMerged > 0 {
            metrics.increment("panorama_duplicate_auto_merges_total", labels: [], by: Int(run.autoMerged))
        }
        return run
    }

    /// The run's work: read, match, store the pairs, merge what is above the threshold.
    private func match(_ started: DuplicateRunRow) async throws -> DuplicateRunRow {
        var run = started
        let workspaceID = run.workspaceID
        let settings = try await settings(workspaceID: workspaceID)
        let (profiles, read) = try await MatchProfileReader(store: store, settings: settings).read(
            workspaceID: workspaceID)
        run.records = Int64(profiles.count)
        var configuration = settings.matching
        if configuration.estimation == .expectationMaximisation && profiles.count < Self.minimumRecordsForEstimation {
            configuration.estimation = .fixed
        }
        let matcher = try Matcher(configuration: configuration)
        let records = profiles.map(\.record)
        let result = await matcher.run(records)
        try Task.checkCancellation()
        run.comparedPairs = Int64(result.blocking.candidatePairs)

        // Pairs decided before are not proposed again; the rest are stored (pending) before any
        // merge, so that each merge can name its pair as its cause.
        var known = try await storedPairs(workspaceID)
        var fresh: [ScoredPair] = []
        var corroborated: Set<PairKey> = []
        var rows: [DuplicateCandidateRow] = []
        let now = clock.now()
        for pair in result.pairs {
            if let stored = known[PairKey(pair.firstID, pair.secondID)], stored.status != .pending {
                run.skipped += 1
                continue
            }
            let explained = matcher.explain(records[pair.first], records[pair.second], model: result.model)
            let score = DuplicateScore(pair, details: explained.details)
            if Self.corroborated(explained.details) { corroborated.insert(PairKey(pair.firstID, pair.secondID)) }
            fresh.append(pair)
            rows.append(
                DuplicateCandidateRow(
                    id: 0, workspaceID: workspaceID, firstID: pair.firstID, secondID: pair.secondID, runID: run.id,
                    status: .pending, score: try score.encoded(), createdAt: now, updatedAt: now))
        }
        try await store.saveDuplicateCandidates(rows)
        known = try await storedPairs(workspaceID)

        let limits = try await identity.identity(workspaceID)
        var groups = LiveGroups(profiles)
        var decisions: [DuplicateDecision] = []
        // Auto-merges go to the identity graph in batches (one commit each). A pair touching a
        // profile of the pending batch waits for it, so every decision sees the profiles as the
        // merges before it left them, exactly as one by one.
        var batch: [(candidateID: Int64, from: Int64, into: Int64)] = []
        var touched: Set<Int64> = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let results = try await pipeline.merge(
                workspaceID: workspaceID,
                batch: batch.map { ($0.from, $0.into, Identifier(type: "match", value: String($0.candidateID))) },
                source: "duplicate")
            for (request, result) in zip(batch, results) {
                switch result {
                case .success(let merge):
                    groups.join(merge.fromID, into: merge.intoID)
                    decisions.append(
                        DuplicateDecision(
                            candidateID: request.candidateID, status: .merged, decidedBy: "auto", mergeID: merge.id))
                    run.autoMerged += 1
                case .failure(let refusal):
                    if refusal.code == "already_merged" { groups.join(request.from, into: request.into) }
                    if let decision = Self.decision(request.candidateID, refusal, by: "run") {
                        decisions.append(decision)
                    }
                    if refusal.code == "merge_limit_exceeded" { run.refused += 1 } else { run.skipped += 1 }
                }
            }
            batch = []
            touched = []
        }
        for pair in fresh {
            try Task.checkCancellation()
            guard let candidateID = known[PairKey(pair.firstID, pair.secondID)]?.id else { continue }
            if touched.contains(groups.live(pair.firstID)) || touched.contains(groups.live(pair.secondID)) {
                try await flush()
            }
            let (a, b) = (groups.live(pair.firstID), groups.live(pair.secondID))
            if a == b {
                // Joined through other pairs of the same cluster earlier in this run.
                decisions.append(
                    DuplicateDecision(
                        candidateID: candidateID, status: .merged, decidedBy: "run", reason: "already_merged"))
                run.skipped += 1
            } else if groups.violation(a, b, limits) != nil {
                decisions.append(
                    DuplicateDecision(
                        candidateID: candidateID, status: .refused, decidedBy: "run", reason: "merge_limit_exceeded"))
                run.refused += 1
            } else if pair.decision == .merge && settings.autoMerge
                && corroborated.contains(PairKey(pair.firstID, pair.secondID))
            {
                // The younger profile (larger id) goes into the older.
                batch.append((candidateID, max(a, b), min(a, b)))
                touched.formUnion([a, b])
                if batch.count >= Self.mergeBatch { try await flush() }
            } else {
                run.proposed += 1
            }
            if decisions.count >= Self.decisionBatch {
                try await decide(workspaceID, decisions)
                decisions = []
            }
        }
        try await flush()
        try await decide(workspaceID, decisions)
        try await closeJoinedPairs(
            workspaceID, pending: known, scored: Set(fresh.map { PairKey($0.firstID, $0.secondID) }))
        run.summary = Self.summary(result, profilesRead: read, estimation: configuration.estimation, settings: settings)
        return run
    }

    /// Pending pairs of earlier runs that this run did not score because their two profiles
    /// have become one since (merged by identity resolution or by hand) are closed as merged, so
    /// reviewers do not see them.
    private func closeJoinedPairs(
        _ workspaceID: Int64, pending known: [PairKey: (id: Int64, status: DuplicateCandidateStatus)],
        scored: Set<PairKey>
    ) async throws {
        let waiting = known.filter { $0.value.status == .pending && !scored.contains($0.key) }
        guard !waiting.isEmpty else { return }
        let live = try await store.liveIDs(
            workspaceID: workspaceID, customerIDs: waiting.keys.flatMap { [$0.first, $0.second] })
        let joined = waiting.filter { key, _ in live[key.first].map { $0 == live[key.second] } ?? false }
        try await decide(
            workspaceID,
            joined.values.map {
                DuplicateDecision(candidateID: $0.id, status: .merged, decidedBy: "run", reason: "already_merged")
            })
    }

    /// A pair of profile ids in either order.
    struct PairKey: Hashable {
        var first: Int64
        var second: Int64
        init(_ a: Int64, _ b: Int64) { (first, second) = a < b ? (a, b) : (b, a) }
    }

    private func storedPairs(_ workspaceID: Int64) async throws -> [PairKey: (
        id: Int64, status: DuplicateCandidateStatus
    )] {
        var out: [PairKey: (id: Int64, status: DuplicateCandidateStatus)] = [:]
        for pair in try await store.duplicatePairs(workspaceID: workspaceID) {
            out[PairKey(pair.firstID, pair.secondID)] = (pair.id, pair.status)
        }
        return out
    }

    /// Whether a pair agrees on something that tells people apart besides the name: a birth date,
    /// a street address, a postcode, a phone, an email or an ID number. A name alone, even with
    /// the same city or province (two customers called 张伟 in 上海), is never merged automatically,
    /// however rare the model thinks it is; such a pair is proposed for review instead.
    static func corroborated(_ details: [FieldComparisonDetail]) -> Bool {
        details.contains { Self.distinguishing.contains($0.field) && $0.weight > 0 }
    }

    static let distinguishing: Set<MatchField> = [
        .birthDate, .addressLine1, .addressLine2, .postcode, .phone, .email, .nationalID,
    ]

    /// Stores decisions on pending (or refused) pairs; returns the ids it changed.
    @discardableResult
    private func decide(_ workspaceID: Int64, _ decisions: [DuplicateDecision]) async throws -> [Int64] {
        try await store.decideDuplicateCandidates(
            workspaceID: workspaceID, decisions, from: [.pending, .refused], now: clock.now())
    }

    /// Merges two live profiles for a pair, the younger (larger id) into the older; a refusal by
    /// the identity graph (`already_merged`, `merge_limit_exceeded`, `customer_not_found`) is
    /// returned, any other error thrown.
    private func merge(
        _ workspaceID: Int64, candidateID: Int64, _ a: Int64, _ b: Int64
    ) async throws -> Result<MergeRecord, PanoramaError> {
        do {
            return .success(
                try await pipeline.merge(
                    workspaceID: workspaceID, from: max(a, b), into: min(a, b),
                    cause: Identifier(type: "match", value: String(candidateID)), source: "duplicate"))
        } catch let error as PanoramaError where Self.refusals.contains(error.code) {
            return .failure(error)
        }
    }

    private static let refusals: Set<String> = ["already_merged", "merge_limit_exceeded", "customer_not_found"]

    /// How a refused merge decides its pair: already one profile is merged, a limit is refused;
    /// a vanished profile leaves the pair as it is.
    private static func decision(_ candidateID: Int64, _ refusal: PanoramaError, by: String) -> DuplicateDecision? {
        switch refusal.code {
        case "already_merged":
            DuplicateDecision(candidateID: candidateID, status: .merged, decidedBy: by, reason: refusal.code)
        case "merge_limit_exceeded":
            DuplicateDecision(candidateID: candidateID, status: .refused, decidedBy: by, reason: refusal.code)
        default: nil
        }
    }

    /// What the run's job did, as a JSON object for the run's `details`.
    private static func summary(
        _ result: MatchResult, profilesRead: Int, estimation: MatchConfiguration.Estimation,
        settings: DuplicateSettings
    ) -> String {
        func number(_ value: Double) -> JSONValue { JSONNumber(value).map(JSONValue.number) ?? .null }
        let blocking = result.blocking
        return JSONValue.object([
            "profiles_read": .number(JSONNumber(profilesRead)),
            "estimation": .string(estimation == .fixed ? "fixed" : "expectation_maximisation"),
            "em_iterations": .number(JSONNumber(result.iterations)),
            "match_prior": number(result.model.matchPrior),
            "reduction_ratio": number(blocking.reductionRatio),
            "skipped_blocks": .number(JSONNumber(blocking.rules.reduce(0) { $0 + $1.skippedBlocks })),
            "merge_decisions": .number(JSONNumber(result.mergeCount)),
            "review_decisions": .number(JSONNumber(result.reviewCount)),
            "auto_merge": .bool(settings.autoMerge),
            "auto_merge_threshold": number(settings.matching.autoMergeThreshold),
            "review_threshold": number(settings.matching.reviewThreshold),
        ]).jsonText
    }

    /// The scheduled job: runs each workspace whose settings ask for a schedule and whose last run
    /// started at least that long ago.
    func runDueSchedules() async throws {
        for workspace in try await store.workspaces() {
            guard try await store.duplicateSettings(workspaceID: workspace.id) != nil,
                let minutes = try await settings(workspaceID: workspace.id).scheduleMinutes
            else { continue }
            let last = try await store.duplicateRuns(workspaceID: workspace.id, cursor: nil, limit: 1).items.first
            if let last, clock.now() - last.startedAt < Int64(minutes) * 60_000 { continue }
            do {
                _ = try await run(workspaceID: workspace.id, trigger: .schedule)
            } catch let error as PanoramaError where error.code == "duplicate_run_in_progress" {
                continue
            }
        }
    }

    // MARK: Review

    /// Proposed pairs with their scores and both profiles as they are now, ascending by id.
    public func candidates(
        workspaceID: Int64, status: DuplicateCandidateStatus?, cursor: String?, limit: Int
    ) async throws -> Page<DuplicateCandidate> {
        let page = try await store.duplicateCandidates(
            workspaceID: workspaceID, status: status, cursor: cursor, limit: limit)
        return Page(items: try await explain(workspaceID, page.items), nextCursor: page.nextCursor)
    }

    /// One proposed pair; throws `duplicate_not_found` (404).
    public func candidate(workspaceID: Int64, id: Int64) async throws -> DuplicateCandidate {
        try await explain(workspaceID, [try await row(workspaceID, id)])[0]
    }

    /// Accepts a proposed pair: merges the two profiles (the younger into the older) through the
    /// identity graph and returns the merge, which `POST /merges/{id}/undo` can undo. Throws
    /// `duplicate_already_decided` (409) for a merged or rejected pair, and the pipeline's
    /// `already_merged` / `merge_limit_exceeded` (409), which also decide the pair.
    public func accept(workspaceID: Int64, id: Int64) async throws -> MergeRecord {
        let pair = try await row(workspaceID, id)
        guard pair.status == .pending || pair.status == .refused else { throw Self.alreadyDecided(pair) }
        let live = try await store.liveIDs(workspaceID: workspaceID, customerIDs: [pair.firstID, pair.secondID])
        guard let a = live[pair.firstID], let b = live[pair.secondID] else {
            throw PanoramaError.notFound("customer_not_found", "a profile of duplicate \(id) no longer exists")
        }
        let refusal: PanoramaError
        if a == b {
            refusal = PanoramaError.conflict(
                "already_merged", "the profiles of duplicate \(id) are already one profile (\(a))")
        } else {
            switch try await merge(workspaceID, candidateID: id, a, b) {
            case .success(let merge):
                try await decide(
                    workspaceID,
                    [DuplicateDecision(candidateID: id, status: .merged, decidedBy: "reviewer", mergeID: merge.id)])
                return merge
            case .failure(let error):
                refusal = error
            }
        }
        if let decision = Self.decision(id, refusal, by: "reviewer") { try await decide(workspaceID, [decision]) }
        throw refusal
    }

    /// Marks a proposed pair as two different people; it is not proposed again. Throws
    /// `duplicate_already_decided` (409) for a merged or rejected pair.
    public func reject(workspaceID: Int64, id: Int64) async throws -> DuplicateCandidate {
        let changed = try await decide(
            workspaceID, [DuplicateDecision(candidateID: id, status: .rejected, decidedBy: "reviewer")])
        let pair = try await row(workspaceID, id)
        if changed.isEmpty { throw Self.alreadyDecided(pair) }
        return try await explain(workspaceID, [pair])[0]
    }

    /// Merges one live profile into another on a person's say-so (source `manual`, cause
    /// `manual:<actor>`), logged and undoable like any merge; the pipeline's refusals apply.
    public func merge(workspaceID: Int64, from: Int64, into: Int64, actor: String) async throws -> MergeRecord {
        try await pipeline.merge(
            workspaceID: workspaceID, from: from, into: into, cause: Identifier(type: "manual", value: actor),
            source: "manual")
    }

    private func row(_ workspaceID: Int64, _ id: Int64) async throws -> DuplicateCandidateRow {
        guard let row = try await store.duplicateCandidate(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.notFound("duplicate_not_found", "no proposed duplicate \(id) in this workspace")
        }
        return row
    }

    private static func alreadyDecided(_ pair: DuplicateCandidateRow) -> PanoramaError {
        PanoramaError.conflict(
            "duplicate_already_decided", "duplicate \(pair.id) was already decided: \(pair.status.rawValue)")
    }

    /// The pairs with their decoded scores and both profiles' compared traits and identifiers now.
    private func explain(_ workspaceID: Int64, _ rows: [DuplicateCandidateRow]) async throws -> [DuplicateCandidate] {
        guard !rows.isEmpty else { return [] }
        let settings = try await settings(workspaceID: workspaceID)
        let live = try await store.liveIDs(
            workspaceID: workspaceID, customerIDs: rows.flatMap { [$0.firstID, $0.secondID] })
        let liveIDs = Array(Set(live.values)).sorted()
        var traits: [Int64: [String: TraitValue]] = [:]
        for (id, trait) in try await store.liveTraits(
            workspaceID: workspaceID, liveIDs: liveIDs, names: settings.traitNames)
        {
            if let held = traits[id]?[trait.name], held.updatedAt > trait.updatedAt { continue }
            traits[id, default: [:]][trait.name] = trait
        }
        var identifiers: [Int64: [Identifier]] = [:]
        for (id, identifier) in try await store.liveIdentifiers(workspaceID: workspaceID, liveIDs: liveIDs)
        where identifiers[id, default: []].count < 20 {
            identifiers[id, default: []].append(identifier)
        }
        return try rows.map { row in
            let sides = [row.firstID, row.secondID].map { id in
                let now = live[id]
                return DuplicateProfileSummary(
                    id: id, liveID: now,
                    traits: now.map { (traits[$0] ?? [:]).values.sorted { $0.name < $1.name } } ?? [],
                    identifiers: now.flatMap { identifiers[$0] } ?? [])
            }
            return DuplicateCandidate(row: row, score: try DuplicateScore.decode(row.score), profiles: sides)
        }
    }
}
