import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import ServiceLifecycle

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
        case ingest(workspaceID: Int64, messages: [TrackingMessage], reply: CheckedContinuation<IngestOutcome, any Error>)
        case undo(workspaceID: Int64, mergeID: Int64, reply: CheckedContinuation<MergeRecord, any Error>)
    }

    private let queue = BatchQueue<Work>()
    private let store: any PanoramaStore
    private let settings: WorkspaceSettingsCache
    private let clock: WallClock
    private let metrics: any MetricsSink
    private let logger: Logger

    public init(
        store: any PanoramaStore, settings: WorkspaceSettingsCache, clock: WallClock, metrics: any MetricsSink,
        logger: Logger
    ) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Submits validated messages of one workspace; returns once they are durable.
    public func submit(workspaceID: Int64, messages: [TrackingMessage]) async throws -> IngestOutcome {
        try await withCheckedThrowingContinuation { reply in
            if !queue.push(.ingest(workspaceID: workspaceID, messages: messages, reply: reply)) {
                reply.resume(throwing: PanoramaError.unavailable("the server is shutting down; retry on another node"))
            }
        }
    }

    /// Undoes a logged merge; returns the merge as it is now recorded.
    public func undoMerge(workspaceID: Int64, mergeID: Int64) async throws -> MergeRecord {
        try await withCheckedThrowingContinuation { reply in
            if !queue.push(.undo(workspaceID: workspaceID, mergeID: mergeID, reply: reply)) {
                reply.resume(throwing: PanoramaError.unavailable("the server is shutting down; retry on another node"))
            }
        }
    }

    public func run() async throws {
        let queue = self.queue
        var writer = Writer(store: store, settings: settings, clock: clock, metrics: metrics, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while let batch = await queue.next() {
                    await writer.process(batch)
                }
            } onCancel: {
                queue.finish()
            }
        } onGracefulShutdown: {
            queue.finish()
        }
    }
}

/// The state the pipeline's run loop owns.
private struct Writer {
    let store: any PanoramaStore
    let settings: WorkspaceSettingsCache
    let clock: WallClock
    let metrics: any MetricsSink
    let logger: Logger
    var graphs: [Int64: IdentityGraph] = [:]
    var recent = RecentMessageIDs(capacity: 1_000_000)

    init(store: any PanoramaStore, settings: WorkspaceSettingsCache, clock: WallClock, metrics: any MetricsSink, logger: Logger) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Takes a workspace's graph out of the cache (loading it on first use). The caller puts it
    /// back after mutating it: a copy left in the cache would make every mutation copy the
    /// whole graph (copy-on-write), turning each batch into O(profiles) work.
    mutating func takeGraph(_ workspaceID: Int64) async throws -> IdentityGraph {
        if let g = graphs.removeValue(forKey: workspaceID) { return g }
        let snapshot = try await store.identitySnapshot(workspaceID: workspaceID)
        var g = IdentityGraph(firstID: snapshot.maxCustomerID + 1)
        for c in snapshot.customers { g.load(customer: c.id, canonical: c.canonical) }
        for i in snapshot.identifiers { g.load(identifier: i.identifier, owner: i.owner) }
        return g
    }

    mutating func process(_ batch: [IngestPipeline.Work]) async {
        var ingests: [(Int64, [TrackingMessage], CheckedContinuation<IngestOutcome, any Error>)] = []
        var undos: [(Int64, Int64, CheckedContinuation<MergeRecord, any Error>)] = []
        for work in batch {
            switch work {
            case .ingest(let w, let m, let r): ingests.append((w, m, r))
            case .undo(let w, let m, let r): undos.append((w, m, r))
            }
        }
        if !ingests.isEmpty { await commitIngests(ingests) }
        for (workspaceID, mergeID, reply) in undos {
            do {
                reply.resume(returning: try await undo(workspaceID: workspaceID, mergeID: mergeID))
            } catch {
                reply.resume(throwing: error)
            }
        }
    }

    private mutating func commitIngests(_ ingests: [(Int64, [TrackingMessage], CheckedContinuation<IngestOutcome, any Error>)]) async {
        let now = clock.now()
        var commit = IngestCommit()
        var outcomes: [IngestOutcome] = []
        /// For each event in `commit.events`: which request it came from and its index there.
        var origin: [(request: Int, index: Int)] = []
        var seen: [Int64: Set<String>] = [:]
        var merges = 0
        do {
            for (request, (workspaceID, messages, _)) in ingests.enumerated() {
                var graph = try await takeGraph(workspaceID)
                let identity = try await settings.identity(workspaceID)
                // Only ids seen recently can be resends worth a look-up; an older resend is still
                // caught by the store's unique index and reported as a duplicate.
                let suspects = messages.map(\.messageID).filter { recent.contains(workspaceID, $0) }
                let existing = suspects.isEmpty
                    ? [] : try await store.existingMessageIDs(workspaceID: workspaceID, suspects)
                var outcome = IngestOutcome(stored: 0, duplicates: 0, customerIDs: [])
                for (index, message) in messages.enumerated() {
                    if existing.contains(message.messageID) || !seen[workspaceID, default: []].insert(message.messageID).inserted {
                        outcome.duplicates += 1
                        outcome.customerIDs.append(0)
                        continue
                    }
                    let r = graph.resolve(
                        message.identifiers, aliasOf: message.type == .alias ? message.previousID : nil,
                        settings: identity)
                    let customer = r.customerID
                    if r.created {
                        commit.customers.append(.init(workspaceID: workspaceID, id: customer, createdAt: now))
                    }
                    for id in r.attached {
                        commit.identifiers.append(.init(workspaceID: workspaceID, identifier: id, customerID: customer, createdAt: now))
                    }
                    for m in r.merges {
                        commit.merges.append(MergeRecord(
                            id: 0, workspaceID: workspaceID, fromID: m.from, intoID: m.into, members: m.members,
                            cause: m.cause, source: "identity", messageID: message.messageID, createdAt: now))
                    }
                    merges += r.merges.count
                    for c in r.conflicts {
                        commit.conflicts.append((workspaceID, IdentityConflict(
                            customerID: customer, identifier: c.identifier, ownerID: c.owner, reason: c.reason,
                            messageID: message.messageID, createdAt: now)))
                    }
                    commit.events.append(.init(workspaceID: workspaceID, event: StoredEvent(
                        id: 0, customerID: customer, messageID: message.messageID, type: message.type,
                        event: message.event, name: message.name, userID: message.userID,
                        anonymousID: message.anonymousID, groupID: message.groupID, previousID: message.previousID,
                        timestamp: message.timestamp, originalTimestamp: message.originalTimestamp,
                        sentAt: message.sentAt, receivedAt: message.receivedAt, properties: message.properties,
                        traits: message.traits.map { $0.sourceText ?? JSONValue.object($0).jsonText },
                        context: message.context)))
                    origin.append((request, index))
                    if message.type == .identify, let traits = message.traits {
                        for (name, value) in traits.members {
                            commit.traits.append(.init(
                                workspaceID: workspaceID, customerID: customer,
                                trait: TraitValue(name: name, json: value.jsonText, updatedAt: message.timestamp)))
                        }
                    }
                    outcome.stored += 1
                    outcome.customerIDs.append(customer)
                }
                graphs[workspaceID] = graph
                outcomes.append(outcome)
            }
            let skipped = try await store.commit(commit)
            for position in skipped {
                let (request, index) = origin[position]
                outcomes[request].stored -= 1
                outcomes[request].duplicates += 1
                outcomes[request].customerIDs[index] = 0
            }
        } catch {
            logger.error("ingest commit failed; reloading identity graphs", metadata: ["error": "\(error)"])
            graphs = [:]
            let failure = (error as? PanoramaError) ?? PanoramaError.unavailable(
                "the store did not accept the write; nothing of this request was stored, retry it")
            for (_, _, reply) in ingests { reply.resume(throwing: failure) }
            return
        }
        for e in commit.events { recent.insert(e.workspaceID, e.event.messageID) }
        let stored = outcomes.reduce(0) { $0 + $1.stored }
        metrics.increment("panorama_ingested_messages_total", labels: [], by: stored)
        if merges > 0 { metrics.increment("panorama_merges_total", labels: [], by: merges) }
        for (i, (_, _, reply)) in ingests.enumerated() { reply.resume(returning: outcomes[i]) }
    }

    private mutating func undo(workspaceID: Int64, mergeID: Int64) async throws -> MergeRecord {
        guard var record = try await store.merge(workspaceID: workspaceID, id: mergeID) else {
            throw PanoramaError.notFound("merge_not_found", "no merge \(mergeID) in this workspace")
        }
        if record.undoneAt != nil {
            throw PanoramaError.conflict("merge_already_undone", "merge \(mergeID) was already undone")
        }
        var graph = try await takeGraph(workspaceID)
        let back = graph.undo(from: record.fromID, into: record.intoID, members: record.members)
        guard !back.isEmpty else {
            graphs[workspaceID] = graph  // unchanged: undo() mutates nothing when there is nothing to split
            throw PanoramaError.conflict(
                "merge_not_undoable", "the profiles of merge \(mergeID) are no longer joined; nothing to split")
        }
        let now = clock.now()
        do {
            try await store.commitUndo(
                workspaceID: workspaceID, mergeID: mergeID, from: record.fromID, movedBack: back, now: now)
        } catch {
            graphs[workspaceID] = nil
            throw PanoramaError.unavailable("the store did not accept the undo; retry it")
        }
        graphs[workspaceID] = graph
        metrics.increment("panorama_merge_undos_total", labels: [], by: 1)
        record.undoneAt = now
        return record
    }
}
