import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import ServiceLifecycle
import Synchronization

/// What happened to the messages of one submitted batch once it is durable.
public struct IngestOutcome: Sendable, Equatable {
    /// Messages stored now.
    public var stored: Int
    /// Messages already stored before (same `messageId`), acknowledged without storing again.
    public var duplicates: Int
    /// The live profile each message went to, in submission order (duplicates: 0).
    public var customerIDs: [Int64]

    public init(stored: Int, duplicates: Int, customerIDs: [Int64]) {
        self.stored = stored
        self.duplicates = duplicates
        self.customerIDs = customerIDs
    }
}

/// The single writer of identity and events: a `Service` that drains a queue of submitted
/// batches and commits everything queued in one transaction (group commit).
///
/// It owns the in-memory identity graphs, so resolution needs no locks; every submission is
/// answered only after its transaction committed. If a commit fails, every batch in it fails
/// with `store_unavailable` and the graphs are reloaded from the store, which stays the truth.
public final class IngestPipeline: Service, Sendable {
    enum Work: Sendable {
        case ingest(
            workspaceID: Int64, messages: [TrackingMessage], reply: CheckedContinuation<IngestOutcome, any Error>)
        case undo(workspaceID: Int64, mergeID: Int64, reply: CheckedContinuation<MergeRecord, any Error>)
        case merges([ManualMerge], reply: CheckedContinuation<[Result<MergeRecord, PanoramaError>], any Error>)
        /// Identifier types changed: rebuild the workspace's graph from the store.
        case reload(workspaceID: Int64, reply: CheckedContinuation<Void, Never>)
        /// Work that removes identity rows (erasure): run with nothing in flight, then the graph is
        /// rebuilt from the store.
        case exclusive(workspaceID: Int64, body: @Sendable () async -> Void, reply: CheckedContinuation<Void, Never>)
    }

    private let queue = BatchQueue<Work>()
    private let store: any PanoramaStore
    private let settings: WorkspaceSettingsCache
    private let clock: WallClock
    private let metrics: any MetricsSink
    private let logger: Logger
    private let onChange: @Sendable ([Int64: Set<Int64>]) -> Void

    /// - Parameter onChange: told, after each commit, which customers (per workspace; raw ids,
    ///   merged-away ones included) it changed, e.g. for tags and segments to follow. Must not block.
    public init(
        store: any PanoramaStore, settings: WorkspaceSettingsCache, clock: WallClock, metrics: any MetricsSink,
        logger: Logger, onChange: @escaping @Sendable ([Int64: Set<Int64>]) -> Void = { _ in }
    ) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.onChange = onChange
    }

    /// Submits validated messages of one workspace; returns once they are durable.
    public func submit(workspaceID: Int64, messages: [TrackingMessage]) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { reply in
            if !queue.push(.ingest(workspaceID: workspaceID, messages: messages, reply: reply)) {
                reply.resume(throwing: PanoramaError.unavailable("the server is shutting down; retry on another node"))
            }
        }
    }

    /// Rebuilds a workspace's identity graph from the store on its next use, after everything
    /// submitted before has been committed (a type that became shared is held differently).
    public func reloadIdentity(workspaceID: Int64) async {
        await withCheckedContinuation { reply in
            if !queue.push(.reload(workspaceID: workspaceID, reply: reply)) { reply.resume() }
        }
    }

    /// Runs `body` (which deletes profiles or identifiers from the store) once everything
    /// submitted before it is committed and before anything submitted after it is resolved; the
    /// workspace's graph is then rebuilt from the store on its next use. On a store several nodes
    /// share, `body` must record an identity reset (`PrivacyStore.erase` does) so that the other
    /// nodes rebuild theirs too. Throws what `body` throws.
    public func pausingIdentity<T: Sendable>(
        workspaceID: Int64, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Outcome<T>()
        await withCheckedContinuation { (reply: CheckedContinuation<Void, Never>) in
            let work = Work.exclusive(
                workspaceID: workspaceID,
                body: {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    outcome.value.withLock { $0 = result }
                }, reply: reply)
            if !queue.push(work) { reply.resume() }
        }
        guard let result = outcome.value.withLock({ $0 }) else {
            throw PanoramaError.unavailable("the server is shutting down; retry on another node")
        }
        return try result.get()
    }

    /// Undoes a logged merge; returns the merge as it is now recorded.
    public func undoMerge(workspaceID: Int64, mergeID: Int64) async throws -> MergeRecord {
        try await withCheckedThrowingContinuation { reply in
            if !queue.push(.undo(workspaceID: workspaceID, mergeID: mergeID, reply: reply)) {
                reply.resume(throwing: PanoramaError.unavailable("the server is shutting down; retry on another node"))
            }
        }
    }

    /// Merges two live profiles on a decision made outside identity resolution (a duplicate match
    /// reviewed or above the auto-merge threshold): logged like any merge, with `cause` and
    /// `source`, and undoable. Raw ids are taken to their live profiles first. Throws
    /// `already_merged` (409) when they are one profile, `merge_limit_exceeded` (409) when together
    /// they would pass an identifier type's limit, `customer_not_found` (404) for an unknown id.
    public func merge(
        workspaceID: Int64, from: Int64, into: Int64, cause: Identifier, source: String
    ) async throws -> MergeRecord {
        try await merge(workspaceID: workspaceID, batch: [(from, into, cause)], source: source)[0].get()
    }

    /// Several merges in one transaction, applied in order (each request's ids taken to their
    /// live profiles at its turn, so a chain A←B, B←C ends in one profile). Each answer is the
    /// logged merge, or the refusal of `merge` (`already_merged`, `merge_limit_exceeded`,
    /// `customer_not_found`) for that request alone. The duplicate-detection job merges thousands
    /// of pairs this way, with one commit per batch instead of one per pair.
    public func merge(
        workspaceID: Int64, batch: [(from: Int64, into: Int64, cause: Identifier)], source: String
    ) async throws -> [Result<MergeRecord, PanoramaError>] {
        guard !batch.isEmpty else { return [] }
        let requests = batch.map {
            ManualMerge(workspaceID: workspaceID, from: $0.from, into: $0.into, cause: $0.cause, source: source)
        }
        return try await withCheckedThrowingContinuation { reply in
            if !queue.push(.merges(requests, reply: reply)) {
                reply.resume(throwing: PanoramaError.unavailable("the server is shutting down; retry on another node"))
            }
        }
    }

    public func run() async throws {
        let queue = self.queue
        let (store, settings, clock, metrics, logger, onChange) = (
            self.store, self.settings, self.clock, self.metrics, self.logger, self.onChange
        )
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                // The single writer is the ingest bottleneck: run it at high priority so that request
                // decoding on the same two cores does not starve it (measured: 8 connections went
                // from ~26k to ~35k events/s). It ends when the queue is finished, below.
                await Task(priority: .high) {
                    var writer = Writer(
                        store: store, settings: settings, clock: clock, metrics: metrics, logger: logger,
                        onChange: onChange)
                    await writer.run(queue)
                }.value
            } onCancel: {
                queue.finish()
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }
}

/// Where an exclusive body leaves its result for the caller.
private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}

/// A merge decided outside identity resolution.
struct ManualMerge: Sendable {
    var workspaceID: Int64
    var from: Int64
    var into: Int64
    var cause: Identifier
    var source: String
}

/// The state the pipeline's run loop owns.
private struct Writer {
    let store: any PanoramaStore
    let settings: WorkspaceSettingsCache
    let clock: WallClock
    let metrics: any MetricsSink
    let logger: Logger
    let onChange: @Sendable ([Int64: Set<Int64>]) -> Void
    var graphs: [Int64: IdentityGraph] = [:]
    /// The store's identity version each cached graph reflects (shared stores only).
    var versions: [Int64: Int64] = [:]
    /// The identity settings each cached graph was built with: a graph built under other settings
    /// (a type changed on another node) is rebuilt.
    var builtWith: [Int64: IdentitySettings] = [:]
    var recent = RecentMessageIDs(capacity: 1_000_000)

    /// Takes a workspace's graph out of the cache (loading it on first use). The caller puts it
    /// back after mutating it: a copy left in the cache would make every mutation copy the
    /// whole graph (copy-on-write), turning each batch into O(profiles) work.
    mutating func takeGraph(_ workspaceID: Int64, session: (any IdentitySession)? = nil) async throws -> IdentityGraph {
        if let g = graphs.removeValue(forKey: workspaceID) { return g }
        let snapshot =
            if let session { try await session.snapshot(workspaceID: workspaceID) } else {
                try await store.identitySnapshot(workspaceID: workspaceID)
            }
        versions[workspaceID] = snapshot.version
        var g = IdentityGraph(firstID: snapshot.maxCustomerID + 1)
        for c in snapshot.customers { g.load(customer: c.id, canonical: c.canonical) }
        let identity = try await settings.identity(workspaceID)
        builtWith[workspaceID] = identity
        for i in snapshot.identifiers {
            g.load(
                identifier: i.identifier, owner: i.owner,
                shared: identity.type(named: i.identifier.type)?.unique == false)
        }
        return g
    }

    typealias Reply = CheckedContinuation<IngestOutcome, any Error>

    /// One group, resolved in memory and ready to commit.
    struct Prepared: Sendable {
        var commit = IngestCommit()
        var outcomes: [IngestOutcome] = []
        /// For each event in `commit.events`: which request it came from and its index there.
        var origin: [(request: Int, index: Int)] = []
        var replies: [Reply] = []
        var merges = 0
        /// Message ids of this group (per workspace): a resend in the next group, prepared while
        /// this one commits, is a duplicate although the store does not show it yet.
        var messageIDs: [Int64: Set<String>] = [:]
    }

    /// Drains the queue. Commits are pipelined: while the store commits one group, the next is
    /// resolved in memory, so identity resolution and SQLite work overlap on the two cores.
    /// A group is answered only after its own commit; if a commit fails, the group prepared on
    /// top of it fails too and the graphs are reloaded from the store.
    mutating func run(_ queue: BatchQueue<IngestPipeline.Work>) async {
        if store.isShared {
            await runShared(queue)
            return
        }
        var inflight: (prepared: Prepared, task: Task<Set<Int>, any Error>)?
        while let batch = await queue.next() {
            var ingests: [(Int64, [TrackingMessage], Reply)] = []
            var undos: [(Int64, Int64, CheckedContinuation<MergeRecord, any Error>)] = []
            var batches: [([ManualMerge], CheckedContinuation<[Result<MergeRecord, PanoramaError>], any Error>)] = []
            var reloads: [(Int64, CheckedContinuation<Void, Never>)] = []
            var exclusives: [(Int64, @Sendable () async -> Void, CheckedContinuation<Void, Never>)] = []
            for work in batch {
                switch work {
                case .ingest(let w, let m, let r): ingests.append((w, m, r))
                case .undo(let w, let m, let r): undos.append((w, m, r))
                case .merges(let m, let r): batches.append((m, r))
                case .reload(let w, let r): reloads.append((w, r))
                case .exclusive(let w, let body, let r): exclusives.append((w, body, r))
                }
            }
            if !reloads.isEmpty || !exclusives.isEmpty {
                // Settle what is in flight first: the reloaded graph must include it.
                if let current = inflight {
                    inflight = nil
                    _ = await finish(current.prepared, current.task.result)
                }
                for (workspaceID, reply) in reloads {
                    graphs[workspaceID] = nil
                    reply.resume()
                }
                for (workspaceID, body, reply) in exclusives {
                    await body()
                    graphs[workspaceID] = nil
                    reply.resume()
                }
            }
            var prepared = ingests.isEmpty ? nil : await prepare(ingests, after: inflight?.prepared)
            if let previous = inflight {
                inflight = nil
                if !(await finish(previous.prepared, previous.task.result)), let orphan = prepared {
                    fail(
                        orphan,
                        PanoramaError.unavailable(
                            "the store did not accept an earlier write this request depended on; retry it"))
                    prepared = nil
                }
            }
            if let prepared {
                let store = self.store
                inflight = (prepared, Task { try await store.commit(prepared.commit) })
            }
            // Undo and merge need settled state; with nothing else queued, answer the group at once.
            if !undos.isEmpty || !batches.isEmpty || queue.isEmpty, let current = inflight {
                inflight = nil
                _ = await finish(current.prepared, current.task.result)
            }
            for (workspaceID, mergeID, reply) in undos {
                do {
                    reply.resume(returning: try await undo(workspaceID: workspaceID, mergeID: mergeID))
                } catch {
                    reply.resume(throwing: error)
                }
            }
            for (requests, reply) in batches {
                do {
                    let done = try await merge(batch: requests)
                    reply.resume(returning: try await logged(requests.first?.workspaceID ?? 0, done))
                } catch {
                    reply.resume(throwing: error)
                }
            }
        }
        if let current = inflight {
            _ = await finish(current.prepared, current.task.result)
        }
    }

    /// The loop for a store that several nodes write (PostgreSQL): each group is resolved and
    /// committed inside the identity lock of its workspaces, after the graphs caught up with what
    /// other nodes committed, so no two nodes ever resolve against stale graphs. No pipelining:
    /// the lock is held from resolution to commit.
    mutating func runShared(_ queue: BatchQueue<IngestPipeline.Work>) async {
        while let batch = await queue.next() {
            var ingests: [(Int64, [TrackingMessage], Reply)] = []
            for work in batch {
                switch work {
                case .ingest(let w, let m, let r):
                    ingests.append((w, m, r))
                case .reload(let w, let r):
                    graphs[w] = nil
                    r.resume()
                case .exclusive(let w, let body, let r):
                    await body()
                    graphs[w] = nil
                    versions[w] = nil
                    r.resume()
                case .undo(let w, let m, let r):
                    do {
                        let record = try await store.withIdentityLock(workspaceIDs: [w]) { session in
                            try await self.catchUp(w, session)
                            let record = try await self.undo(workspaceID: w, mergeID: m, session: session)
                            self.versions[w] = session.version(workspaceID: w)
                            return record
                        }
                        r.resume(returning: record)
                    } catch {
                        graphs[w] = nil
                        r.resume(throwing: error)
                    }
                case .merges(let requests, let r):
                    guard let w = requests.first?.workspaceID else {
                        r.resume(returning: [])
                        continue
                    }
                    do {
                        let done = try await store.withIdentityLock(workspaceIDs: [w]) { session in
                            try await self.catchUp(w, session)
                            let done = try await self.merge(batch: requests, session: session)
                            self.versions[w] = session.version(workspaceID: w)
                            return done
                        }
                        r.resume(returning: try await logged(w, done))
                    } catch {
                        graphs[w] = nil
                        r.resume(throwing: error)
                    }
                }
            }
            guard !ingests.isEmpty else { continue }
            let workspaceIDs = Array(Set(ingests.map(\.0))).sorted()
            var prepared: Prepared?
            do {
                let skipped = try await store.withIdentityLock(workspaceIDs: workspaceIDs) { session -> Set<Int> in
                    for w in workspaceIDs { try await self.catchUp(w, session) }
                    guard let p = await self.prepare(ingests, after: nil, session: session) else { return [] }
                    prepared = p
                    let skipped = try await session.commit(p.commit)
                    for w in workspaceIDs { self.versions[w] = session.version(workspaceID: w) }
                    return skipped
                }
                if let p = prepared { _ = await finish(p, .success(skipped)) }
            } catch {
                if let p = prepared {
                    _ = await finish(p, .failure(error))
                } else {
                    var p = Prepared()
                    p.replies = ingests.map(\.2)
                    fail(p, error)
                }
            }
        }
    }

    /// Applies to a cached graph what other nodes committed since its version.
    private mutating func catchUp(_ workspaceID: Int64, _ session: any IdentitySession) async throws {
        guard var graph = graphs.removeValue(forKey: workspaceID), let version = versions[workspaceID] else {
            graphs[workspaceID] = nil  // no graph or no version: load afresh under the lock
            return
        }
        let changes = try await session.changes(workspaceID: workspaceID, since: version)
        if changes.reset {
            // Profiles were erased on some node: rows are gone, so load the graph afresh.
            versions[workspaceID] = nil
            return
        }
        if !changes.customers.isEmpty || !changes.identifiers.isEmpty {
            let identity: IdentitySettings
            if let built = builtWith[workspaceID] { identity = built } else {
                identity = try await settings.identity(workspaceID)
            }
            for c in changes.customers { graph.update(customer: c.id, canonical: c.canonical) }
            for i in changes.identifiers {
                graph.load(
                    identifier: i.identifier, owner: i.owner,
                    shared: identity.type(named: i.identifier.type)?.unique == false)
            }
        }
        graphs[workspaceID] = graph
        versions[workspaceID] = changes.version
    }

    /// Resolves identities and builds the group's commit; on a store read failure answers the
    /// group with the error and returns nil.
    private mutating func prepare(
        _ ingests: [(Int64, [TrackingMessage], Reply)], after committing: Prepared?,
        session: (any IdentitySession)? = nil
    ) async -> Prepared? {
        let now = clock.now()
        var p = Prepared()
        p.replies = ingests.map(\.2)
        var seen = committing?.messageIDs ?? [:]
        do {
            for (request, (workspaceID, messages, _)) in ingests.enumerated() {
                let current = try await settings.identity(workspaceID)
                // Shared stores only: there, resolution runs under the lock with nothing in flight, so
                // a fresh snapshot is complete. A single-node store is told through `reloadIdentity`.
                if session != nil, store.isShared, let built = builtWith[workspaceID], built != current {
                    graphs[workspaceID] = nil
                }
                var graph = try await takeGraph(workspaceID, session: session)
                defer { graphs[workspaceID] = graph }
                // A graph resolves under the settings it was built with: which types are unique
                // decides where their values are held. Settings saved since apply once the graph is
                // rebuilt (`reloadIdentity` queues that behind the groups already submitted).
                let identity = builtWith[workspaceID] ?? current
                // Only ids seen recently can be resends worth a look-up; an older resend is still
                // caught when the store indexes it, and stored once.
                let suspects = messages.map(\.messageID).filter { recent.contains(workspaceID, $0) }
                let existing =
                    suspects.isEmpty
                    ? [] : try await store.existingMessageIDs(workspaceID: workspaceID, suspects)
                var outcome = IngestOutcome(stored: 0, duplicates: 0, customerIDs: [])
                for (index, message) in messages.enumerated() {
                    if message.recordsEvent
                        && (existing.contains(message.messageID)
                            || !seen[workspaceID, default: []].insert(message.messageID).inserted)
                    {
                        outcome.duplicates += 1
                        outcome.customerIDs.append(0)
                        continue
                    }
                    let r = graph.resolve(
                        message.identifiers, aliasOf: message.type == .alias ? message.previousID : nil,
                        settings: identity)
                    append(
                        message, resolution: r, workspaceID: workspaceID, now: now, identity: identity, to: &p.commit)
                    p.merges += r.merges.count
                    if message.recordsEvent {
                        p.origin.append((request, index))
                        recent.insert(workspaceID, message.messageID)
                    }
                    outcome.stored += 1
                    outcome.customerIDs.append(r.customerID)
                }
                p.outcomes.append(outcome)
            }
        } catch {
            fail(p, error)
            return nil
        }
        p.messageIDs = seen
        return p
    }

    /// Adds one resolved message's writes to a commit.
    private func append(
        _ message: TrackingMessage, resolution r: Resolution, workspaceID: Int64, now: Int64,
        identity: IdentitySettings, to commit: inout IngestCommit
    ) {
        let customer = r.customerID
        if r.created {
            commit.customers.append(.init(workspaceID: workspaceID, id: customer, createdAt: now))
        }
        for id in r.attached {
            commit.identifiers.append(
                .init(
                    workspaceID: workspaceID, identifier: id, customerID: customer, createdAt: now,
                    shared: identity.type(named: id.type)?.unique == false))
        }
        for m in r.merges {
            commit.merges.append(
                MergeRecord(
                    id: 0, workspaceID: workspaceID, fromID: m.from, intoID: m.into, members: m.members,
                    cause: m.cause, source: "identity", messageID: message.messageID, createdAt: now))
        }
        for c in r.conflicts {
            commit.conflicts.append(
                (
                    workspaceID,
                    IdentityConflict(
                        customerID: customer, identifier: c.identifier, ownerID: c.owner, reason: c.reason,
                        messageID: message.messageID, createdAt: now)
                ))
        }
        if var order = message.order {
            order.customerID = customer
            order.createdAt = now
            order.updatedAt = now
            commit.orders.append((workspaceID, order))
        }
        if message.recordsEvent {
            commit.events.append(eventRecord(message, customer: customer, workspaceID: workspaceID))
        }
        if message.type == .identify, let traits = message.traits {
            for (name, value) in traits.members {
                commit.traits.append(
                    .init(
                        workspaceID: workspaceID, customerID: customer,
                        trait: TraitValue(name: name.withoutNUL, json: value.jsonText, updatedAt: message.timestamp)))
            }
        }
    }

    /// The event a message appends to its profile's timeline.
    private func eventRecord(_ message: TrackingMessage, customer: Int64, workspaceID: Int64) -> IngestCommit.NewEvent {
        .init(
            workspaceID: workspaceID,
            event: StoredEvent(
                id: 0, customerID: customer, messageID: message.messageID, type: message.type,
                event: message.event, name: message.name, userID: message.userID,
                anonymousID: message.anonymousID, groupID: message.groupID, previousID: message.previousID,
                timestamp: message.timestamp, originalTimestamp: message.originalTimestamp,
                sentAt: message.sentAt, receivedAt: message.receivedAt, properties: message.properties,
                traits: message.traits.map { $0.sourceText ?? JSONValue.object($0).jsonText },
                context: message.context))
    }

    /// Answers a group after its commit; returns false (and resets the graphs) when it failed.
    private mutating func finish(_ p: Prepared, _ result: Result<Set<Int>, any Error>) async -> Bool {
        switch result {
        case .success(let skipped):
            var outcomes = p.outcomes
            for position in skipped {
                let (request, index) = p.origin[position]
                outcomes[request].stored -= 1
                outcomes[request].duplicates += 1
                outcomes[request].customerIDs[index] = 0
            }
            metrics.increment("panorama_ingested_messages_total", labels: [], by: outcomes.reduce(0) { $0 + $1.stored })
            onChange(p.commit.touchedCustomers)
            if p.merges > 0 { metrics.increment("panorama_merges_total", labels: [], by: p.merges) }
            for (i, reply) in p.replies.enumerated() { reply.resume(returning: outcomes[i]) }
            return true
        case .failure(let error):
            logger.error("ingest commit failed; reloading identity graphs", metadata: ["error": "\(error)"])
            fail(p, error)
            return false
        }
    }

    /// Answers every request of a group with an error; the in-memory graphs, which may hold the
    /// group's effects, are dropped and reloaded from the store on next use.
    private mutating func fail(_ p: Prepared, _ error: any Error) {
        graphs = [:]
        versions = [:]
        recent = RecentMessageIDs(capacity: recent.capacity)
        let failure =
            (error as? PanoramaError)
            ?? PanoramaError.unavailable(
                "the store did not accept the write; nothing of this request was stored, retry it")
        for reply in p.replies { reply.resume(throwing: failure) }
    }

    /// Applies manual merges to the graph in order and commits those it could make in one
    /// transaction; returns, per request, the live profiles it joined or why it could not.
    private mutating func merge(
        batch: [ManualMerge], session: (any IdentitySession)? = nil
    ) async throws -> [Result<(from: Int64, into: Int64), PanoramaError>] {
        guard let w = batch.first?.workspaceID else { return [] }
        var graph = try await takeGraph(w, session: session)
        let identity: IdentitySettings
        if let built = builtWith[w] { identity = built } else { identity = try await settings.identity(w) }
        let now = clock.now()
        var commit = IngestCommit()
        var results: [Result<(from: Int64, into: Int64), PanoramaError>] = []
        for m in batch {
            let from = graph.canonical(m.from)
            let into = graph.canonical(m.into)
            switch graph.merge(from, into: into, cause: m.cause, settings: identity) {
            case .success(let done):
                commit.merges.append(
                    MergeRecord(
                        id: 0, workspaceID: w, fromID: done.from, intoID: done.into, members: done.members,
                        cause: m.cause, source: m.source, messageID: nil, createdAt: now))
                results.append(.success((done.from, done.into)))
            case .failure(.notLive(let id)):
                results.append(.failure(.customerNotFound(id)))
            case .failure(.same):
                results.append(
                    .failure(
                        .conflict(
                            "already_merged", "customers \(m.from) and \(m.into) are already one profile (\(into))")))
            case .failure(.limitExceeded(let type)):
                results.append(
                    .failure(
                        .conflict(
                            "merge_limit_exceeded",
                            "customers \(from) and \(into) together would hold more '\(type)' identifiers than its limit allows"
                        )))
            }
        }
        graphs[w] = graph
        guard !commit.merges.isEmpty else { return results }
        do {
            if let session { _ = try await session.commit(commit) } else { _ = try await store.commit(commit) }
        } catch {
            graphs[w] = nil
            throw PanoramaError.unavailable("the store did not accept the merge; retry it")
        }
        metrics.increment("panorama_merges_total", labels: [], by: commit.merges.count)
        onChange(commit.touchedCustomers)
        return results
    }

    /// The merge records committed manual merges wrote, in the order of `done`.
    func logged(
        _ workspaceID: Int64, _ done: [Result<(from: Int64, into: Int64), PanoramaError>]
    ) async throws -> [Result<MergeRecord, PanoramaError>] {
        let made = done.compactMap { try? $0.get() }
        var records: [String: MergeRecord] = [:]
        var start = 0
        while start < made.count {
            let chunk = made[start..<min(start + 500, made.count)]
            start += chunk.count
            for record in try await store.merges(workspaceID: workspaceID, customerIDs: chunk.map(\.from))
            where record.undoneAt == nil {
                records["\(record.fromID)>\(record.intoID)"] = records["\(record.fromID)>\(record.intoID)"] ?? record
            }
        }
        return try done.map { result in
            switch result {
            case .failure(let refusal): return .failure(refusal)
            case .success(let pair):
                guard let record = records["\(pair.from)>\(pair.into)"] else {
                    throw PanoramaError.unavailable(
                        "the merge was stored but could not be read back; look it up by customer")
                }
                return .success(record)
            }
        }
    }


    private mutating func undo(
        workspaceID: Int64, mergeID: Int64, session: (any IdentitySession)? = nil
    ) async throws -> MergeRecord {
        guard var record = try await store.merge(workspaceID: workspaceID, id: mergeID) else {
            throw PanoramaError.notFound("merge_not_found", "no merge \(mergeID) in this workspace")
        }
        if record.undoneAt != nil {
            throw PanoramaError.conflict("merge_already_undone", "merge \(mergeID) was already undone")
        }
        var graph = try await takeGraph(workspaceID, session: session)
        let back = graph.undo(from: record.fromID, into: record.intoID, members: record.members)
        guard !back.isEmpty else {
            graphs[workspaceID] = graph  // unchanged: undo() mutates nothing when there is nothing to split
            throw PanoramaError.conflict(
                "merge_not_undoable", "the profiles of merge \(mergeID) are no longer joined; nothing to split")
        }
        let now = clock.now()
        do {
            if let session {
                try await session.commitUndo(
                    workspaceID: workspaceID, mergeID: mergeID, from: record.fromID, movedBack: back, now: now)
            } else {
                try await store.commitUndo(
                    workspaceID: workspaceID, mergeID: mergeID, from: record.fromID, movedBack: back, now: now)
            }
        } catch {
            graphs[workspaceID] = nil
            throw PanoramaError.unavailable("the store did not accept the undo; retry it")
        }
        graphs[workspaceID] = graph
        metrics.increment("panorama_merge_undos_total", labels: [], by: 1)
        onChange([workspaceID: Set([record.fromID, record.intoID] + back)])
        record.undoneAt = now
        return record
    }
}

extension IngestCommit {
    /// The customers a commit wrote to, per workspace: owners of new events, traits and orders,
    /// and both sides (with every member moved) of each merge.
    var touchedCustomers: [Int64: Set<Int64>] {
        var touched: [Int64: Set<Int64>] = [:]
        for e in events { touched[e.workspaceID, default: []].insert(e.event.customerID) }
        for t in traits { touched[t.workspaceID, default: []].insert(t.customerID) }
        for o in orders { touched[o.workspaceID, default: []].insert(o.order.customerID) }
        for m in merges { touched[m.workspaceID, default: []].formUnion([m.fromID, m.intoID] + m.members) }
        for c in customers { touched[c.workspaceID, default: []].insert(c.id) }
        return touched
    }
}
