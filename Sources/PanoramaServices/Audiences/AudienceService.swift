import Foundation
import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import ServiceLifecycle
import Synchronization

/// A tag or segment with what it holds now.
public struct AudienceSummary: Sendable, Equatable {
    public var definition: AudienceDefinition
    public var size: Int
    /// Why the rule is not evaluated now (it stopped checking after an attribute changed type).
    public var problem: String?
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// A rule checked against a workspace: its problems with positions, or what it reads.
public struct RuleCheck: Sendable, Equatable {
    public var error: RuleError?
    public var reads: [String]
    public var tags: [String]
    public var segments: [String]
    /// The canonical text (when valid).
    public var canonical: String?
}

/// Computed traits, tags (标签) and segments (人群): their definitions, evaluation (at start, as
/// data arrives, on schedule for sliding windows), members, sizes and change feeds.
///
/// Each node keeps its own in-memory engine per workspace (built from the store on first use);
/// changed customers reach it through `customersChanged`, called by the ingest pipeline and the
/// order service once writes are durable, and are re-evaluated within tens of milliseconds by
/// `run`. Every hour the rule-based audiences are recomputed from the store (windows slide), and
/// daily ones once a day.
public final class AudienceService: Service, Sendable {
    public let store: any PanoramaStore
    private let clock: WallClock
    private let logger: Logger
    private let engines = Mutex<[Int64: AudienceEngine]>([:])
    /// The background loads (`warmUp`) running, by workspace.
    private let warming = Mutex<[Int64: Task<Void, Never>]>([:])
    private let pending = Mutex(Pending())
    /// Where this node's changes go for the other nodes (PostgreSQL); nil alone (SQLite).
    private let broadcast = Mutex<(any ChangeBroadcast)?>(nil)
    /// How often the running service looks for changed customers when nothing wakes it.
    let idle: Duration

    /// Work waiting for the running loop, by workspace.
    private struct Pending {
        /// Customers changed by writes on this node: re-evaluated, and the changes stored.
        var local: [Int64: Set<Int64>] = [:]
        /// Customers changed by another node, which stores the changes: re-evaluated only.
        var remote: [Int64: Set<Int64>] = [:]
        /// Workspaces whose definitions or manual members another node changed: rebuilt.
        var reload: Set<Int64> = []
        /// Messages for the other nodes.
        var outgoing: [Int64: Set<Int64>] = [:]
        var outgoingAudiences: Set<Int64> = []
        var waiter: CheckedContinuation<Void, Never>?

        var isEmpty: Bool {
            local.isEmpty && remote.isEmpty && reload.isEmpty && outgoing.isEmpty && outgoingAudiences.isEmpty
        }
    }

    public init(store: any PanoramaStore, clock: WallClock, logger: Logger, idle: Duration = .milliseconds(500)) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.idle = idle
    }

    // MARK: Change intake

    /// Sends this node's changes to the other nodes sharing the store from now on.
    public func connect(_ broadcast: any ChangeBroadcast) {
        self.broadcast.withLock { $0 = broadcast }
    }

    /// Customers whose data changed (raw or live ids; merged-away ones too). Cheap: the work is
    /// done by `run`, which coalesces bursts.
    public func customersChanged(workspaceID: Int64, ids: some Sequence<Int64>) {
        let ids = Set(ids.filter { $0 > 0 })
        let shared = broadcast.withLock { $0 != nil }
        enqueue { state in
            state.local[workspaceID, default: []].formUnion(ids)
            if shared { state.outgoing[workspaceID, default: []].formUnion(ids) }
        }
    }

    /// A message from another node: its customers are re-evaluated here (not stored again), a
    /// changed definition set rebuilds this node's engine of the workspace.
    public func received(_ message: ChangeMessage) {
        enqueue { state in
            switch message {
            case .customers(let workspaceID, let ids): state.remote[workspaceID, default: []].formUnion(ids)
            case .audiences(let workspaceID): state.reload.insert(workspaceID)
            }
        }
    }

    /// Messages from other nodes may have been missed: every engine is rebuilt from the store.
    public func missedMessages() {
        let running = engines.withLock { Set($0.keys) }
        enqueue { $0.reload.formUnion(running) }
    }

    /// Tells the other nodes that a workspace's definitions or manual members changed.
    func announce(_ workspaceID: Int64) {
        guard broadcast.withLock({ $0 != nil }) else { return }
        enqueue { $0.outgoingAudiences.insert(workspaceID) }
    }

    private func enqueue(_ change: (inout Pending) -> Void) {
        let waiter = pending.withLock { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Applies every pending change now (the running loop does this by itself; reads call it so
    /// they see what was written before them). Each engine takes its pending customers inside
    /// its exclusive section, so a flush waits for one already in progress.
    public func flush() async throws {
        let running = engines.withLock { $0 }
        pending.withLock { state in
            // Workspaces without an engine here load everything from the store when first used.
            state.local = state.local.filter { running[$0.key] != nil }
            state.remote = state.remote.filter { running[$0.key] != nil }
        }
        for (workspaceID, engine) in running { try await flush(workspaceID, engine) }
    }

    /// Applies one workspace's pending customer changes.
    private func flush(_ workspaceID: Int64, _ engine: AudienceEngine) async throws {
        try await engine.refresh(persist: true) { [self] in
            pending.withLock { $0.local.removeValue(forKey: workspaceID) ?? [] }
        }
        try await engine.refresh(persist: false) { [self] in
            pending.withLock { $0.remote.removeValue(forKey: workspaceID) ?? [] }
        }
    }

    /// Sends the queued messages to the other nodes and rebuilds the engines other nodes'
    /// definition changes reached.
    private func exchange() async {
        let (outgoing, audiences, reload, target) = pending.withLock { state in
            defer {
                state.outgoing = [:]
                state.outgoingAudiences = []
                state.reload = []
            }
            return (state.outgoing, state.outgoingAudiences, state.reload, broadcast.withLock { $0 })
        }
        if let target {
            for (workspaceID, ids) in outgoing {
                await target.publish(.customers(workspaceID: workspaceID, ids: ids.sorted()))
            }
            for workspaceID in audiences.sorted() { await target.publish(.audiences(workspaceID: workspaceID)) }
        }
        for workspaceID in reload.sorted() {
            guard let engine = engines.withLock({ $0[workspaceID] }) else { continue }
            do {
                try await engine.rebuild(include: { _ in true })
            } catch {
                logger.error("audience reload after another node's change failed", metadata: ["error": "\(error)"])
            }
        }
    }

    public func run() async throws {
        var lastHour = clock.now() / 3_600_000
        var lastDay: [Int64: Int64] = [:]
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await waitForChanges()
                do {
                    try await flush()
                } catch {
                    logger.error("real-time audience update failed", metadata: ["error": "\(error)"])
                }
                await exchange()
                let hour = clock.now() / 3_600_000
                guard hour != lastHour else { continue }
                lastHour = hour
                for (workspaceID, engine) in engines.withLock({ $0 }) {
                    let today = await engine.context.today
                    let newDay = lastDay[workspaceID].map { $0 != today } ?? false
                    lastDay[workspaceID] = today
                    do {
                        // Windows slide with time: recompute traits from the store and re-evaluate.
                        try await engine.rebuild(include: { newDay || $0.updateMode != .daily })
                    } catch {
                        logger.error("scheduled audience recompute failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } onGracefulShutdown: { [self] in
            wake()
        }
    }

    private func wake() {
        pending.withLock { state in
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    /// Returns when changes are pending, or after `idle`.
    private func waitForChanges() async {
        let timer = Task { [self] in
            try? await Task.sleep(for: idle)
            wake()
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = pending.withLock { state -> Bool in
                if !state.isEmpty { return true }
                state.waiter?.resume()
                state.waiter = c
                return false
            }
            if ready { c.resume() }
        }
    }

    // MARK: Engines

    /// Nil once the workspace's engine has loaded; before that, the customers its first load has
    /// read so far, and the load is started in the background if it is not running yet. Never
    /// waits for the engine longer than `patience`.
    public func loadingProgress(_ workspaceID: Int64, patience: Duration) async -> Int? {
        if let engine = engines.withLock({ $0[workspaceID] }), engine.loadProgress.isLoaded { return nil }
        let load = warmUp(workspaceID)
        _ = await resultWithin(patience) { await load.value }
        if let engine = engines.withLock({ $0[workspaceID] }), engine.loadProgress.isLoaded { return nil }
        return engines.withLock { $0[workspaceID] }?.loadProgress.customers ?? 0
    }

    /// Starts loading the workspace's engine in the background unless it is loaded or loading;
    /// returns the load.
    @discardableResult
    public func warmUp(_ workspaceID: Int64) -> Task<Void, Never> {
        warming.withLock { running in
            if let load = running[workspaceID] { return load }
            let load = Task {
                do {
                    _ = try await engine(workspaceID)
                } catch {
                    logger.error(
                        "loading the audience engine failed",
                        metadata: ["workspace": "\(workspaceID)", "error": "\(error)"])
                }
                warming.withLock { _ = $0.removeValue(forKey: workspaceID) }
            }
            running[workspaceID] = load
            return load
        }
    }

    /// Starts loading every workspace's engine (a server does at start, so that the first page
    /// does not wait for a million customers to load).
    public func warmUpAll() async {
        do {
            for workspace in try await store.workspaces() { warmUp(workspace.id) }
        } catch {
            logger.error("listing workspaces to load failed", metadata: ["error": "\(error)"])
        }
    }

    /// The workspace's engine, loaded, with every change reported so far applied (so a read or
    /// a rule check right after a write sees it).
    func engine(_ workspaceID: Int64) async throws -> AudienceEngine {
        if let engine = engines.withLock({ $0[workspaceID] }) {
            try await engine.ensureLoaded()
            // A rebuild holds the engine for most of a minute at a million customers: meanwhile
            // reads answer from the state as it is, and the changes wait for the running loop.
            if !engine.loadProgress.isRebuilding { try await flush(workspaceID, engine) }
            return engine
        }
        guard let workspace = try await store.workspaces().first(where: { $0.id == workspaceID }) else {
            throw PanoramaError.notFound("workspace_not_found", "no workspace \(workspaceID)")
        }
        let zone = TimeZone(identifier: workspace.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
        let engine = engines.withLock { engines in
            if let existing = engines[workspaceID] { return existing }
            let made = AudienceEngine(workspaceID: workspaceID, store: store, clock: clock, timeZone: zone, logger: logger)
            engines[workspaceID] = made
            return made
        }
        try await engine.ensureLoaded()
        return engine
    }

    /// Re-reads the workspace's time zone after it changed (`WorkspaceSettingsCache.setTimeZone`):
    /// a loaded engine counts days in the new zone and re-evaluates every audience.
    public func timeZoneChanged(workspaceID: Int64) async throws {
        guard let engine = engines.withLock({ $0[workspaceID] }),
            let name = try await store.workspaces().first(where: { $0.id == workspaceID })?.timeZone,
            let zone = TimeZone(identifier: name)
        else { return }
        try await engine.changeTimeZone(zone)
    }

    /// Rebuilds a workspace's engine from the store and re-evaluates everything.
    public func recompute(workspaceID: Int64) async throws {
        try await engine(workspaceID).rebuild(include: { _ in true })
    }

    // MARK: Computed traits

    public func traits(workspaceID: Int64) async throws -> [TraitDefinition] {
        try await engine(workspaceID).state.traits.sorted { $0.name < $1.name }
    }

    public func trait(workspaceID: Int64, name: String) async throws -> TraitDefinition {
        guard let found = try await traits(workspaceID: workspaceID).first(where: { $0.name == name }) else {
            throw PanoramaError.notFound("trait_not_found", "no computed trait '\(name)' in this workspace")
        }
        return found
    }

    /// Creates or replaces a computed trait; refused when a rule reading it would no longer check.
    public func saveTrait(workspaceID: Int64, _ trait: TraitDefinition) async throws {
        do throws(TraitDefinitionError) {
            try trait.validate()
        } catch {
            throw error.panoramaError
        }
        let engine = try await engine(workspaceID)
        let state = await engine.state
        if state.attributeTypes[trait.name] != nil || AudienceState.builtInTraits[trait.name] != nil {
            throw PanoramaError.conflict(
                "name_taken", "'\(trait.name)' is already a profile attribute or a built-in trait; choose another name")
        }
        var traits = state.traits.filter { $0.name != trait.name }
        traits.append(trait)
        let json = try Self.encode(trait)
        try await engine.change(traits: traits) {
            try await self.store.saveComputedTrait(
                workspaceID: workspaceID, name: trait.name, definition: json, now: self.clock.now())
        }
        announce(workspaceID)
    }

    public func deleteTrait(workspaceID: Int64, name: String) async throws {
        let engine = try await engine(workspaceID)
        let state = await engine.state
        guard state.traits.contains(where: { $0.name == name }) else {
            throw PanoramaError.notFound("trait_not_found", "no computed trait '\(name)' in this workspace")
        }
        let readers = state.rules.filter { $0.value.reads.contains(name) }.map(\.key.description).sorted()
        guard readers.isEmpty else {
            throw PanoramaError.conflict(
                "trait_in_use", "'\(name)' is read by \(readers.joined(separator: ", ")); change those rules first")
        }
        try await engine.change(traits: state.traits.filter { $0.name != name }) {
            _ = try await self.store.deleteComputedTrait(workspaceID: workspaceID, name: name)
        }
        announce(workspaceID)
    }

    // MARK: Tags and segments

    public func audiences(workspaceID: Int64, kind: AudienceKind) async throws -> [AudienceSummary] {
        let engine = try await engine(workspaceID)
        let stored = try await store.audiences(workspaceID: workspaceID).filter { $0.kind == kind }
        var out: [AudienceSummary] = []
        for s in stored { out.append(try await summary(engine, s)) }
        return out
    }

    public func audience(workspaceID: Int64, _ key: AudienceKey) async throws -> AudienceSummary {
        let engine = try await engine(workspaceID)
        guard let stored = try await store.audiences(workspaceID: workspaceID).first(where: {
            $0.kind == key.kind && $0.name == key.name
        }) else { throw Self.notFound(key) }
        return try await summary(engine, stored)
    }

    private func summary(_ engine: AudienceEngine, _ stored: StoredAudience) async throws -> AudienceSummary {
        let key = AudienceKey(stored.kind, stored.name)
        let state = await engine.state
        let definition = try state.definitions[key] ?? Self.decode(stored)
        return AudienceSummary(
            definition: definition, size: state.members[key]?.count ?? 0, problem: await engine.broken[key],
            createdAt: stored.createdAt, updatedAt: stored.updatedAt)
    }

    /// Throws not-found unless the tag or segment is stored (reads that need no engine).
    func requireStored(_ workspaceID: Int64, _ key: AudienceKey) async throws {
        guard try await store.audiences(workspaceID: workspaceID).contains(where: { $0.kind == key.kind && $0.name == key.name })
        else { throw Self.notFound(key) }
    }

    static func notFound(_ key: AudienceKey) -> PanoramaError {
        .notFound("\(key.kind.rawValue)_not_found", "no \(key.kind.rawValue) '\(key.name)' in this workspace")
    }

    /// Creates (`create`: refused if it exists) or replaces a tag or segment, checks its rule
    /// against the workspace (positions in the message), evaluates it for everyone and returns it.
    public func save(workspaceID: Int64, _ definition: AudienceDefinition, create: Bool) async throws
        -> AudienceSummary
    {
        try definition.validate()
        let engine = try await engine(workspaceID)
        let key = AudienceKey(definition.kind, definition.name)
        let exists = await engine.state.definitions[key] != nil
        if create && exists {
            throw PanoramaError.conflict(
                "\(key.kind.rawValue)_exists", "\(key) already exists; change it with PUT")
        }
        if !create && !exists { throw Self.notFound(key) }
        if let rule = definition.rule {
            var schema = await engine.schema
            if definition.kind == .tag { schema.tags.insert(definition.name) } else { schema.segments.insert(definition.name) }
            do {
                _ = try RuleTypeChecker(schema: schema).check(rule)
            } catch {
                throw AudienceDefinition.ruleProblem(error)
            }
        }
        let now = clock.now()
        let json = try Self.encode(definition)
        try await engine.change(definition: definition) {
            try await self.store.saveAudience(
                StoredAudience(
                    workspaceID: workspaceID, kind: definition.kind, name: definition.name, definition: json,
                    createdAt: now, updatedAt: now))
        }
        announce(workspaceID)
        return try await audience(workspaceID: workspaceID, key)
    }

    /// Deletes a tag or segment; refused while another rule refers to it.
    public func delete(workspaceID: Int64, _ key: AudienceKey) async throws {
        let engine = try await engine(workspaceID)
        let state = await engine.state
        guard state.definitions[key] != nil else { throw Self.notFound(key) }
        let users = AudienceEngine.dependents(of: key, in: state).map(\.description).sorted()
        guard users.isEmpty else {
            throw PanoramaError.conflict(
                "\(key.kind.rawValue)_in_use", "\(key) is used by \(users.joined(separator: ", ")); change those first")
        }
        try await engine.change(removing: key) {
            _ = try await self.store.deleteAudience(workspaceID: workspaceID, kind: key.kind, name: key.name)
        }
        announce(workspaceID)
    }

    /// Re-takes a static segment's snapshot.
    public func refreshSnapshot(workspaceID: Int64, segment name: String) async throws -> AudienceSummary {
        let current = try await audience(workspaceID: workspaceID, AudienceKey(.segment, name))
        guard current.definition.type == .static else {
            throw PanoramaError.conflict(
                "not_static", "segment '\(name)' is dynamic and always current; only static snapshots are refreshed")
        }
        return try await save(workspaceID: workspaceID, current.definition, create: false)
    }

    /// Adds or removes customers of a manual tag by id or by identifier (`type:value`); returns
    /// how many changed and the references that found no customer.
    public func assign(
        workspaceID: Int64, tag: String, customers: [String], remove: Bool, profiles: ProfileService
    ) async throws -> (changed: Int, unknown: [String]) {
        let summary = try await audience(workspaceID: workspaceID, AudienceKey(.tag, tag))
        guard summary.definition.type == .manual else {
            throw PanoramaError.conflict(
                "not_manual", "tag '\(tag)' is \(summary.definition.type.rawValue): its members come from its rule")
        }
        let (ids, unknown) = try await profiles.resolve(workspaceID: workspaceID, references: customers)
        let engine = try await engine(workspaceID)
        let done = try await engine.assign(tag: tag, add: remove ? [] : ids, remove: remove ? ids : [])
        if done.added + done.removed > 0 { announce(workspaceID) }
        return (done.added + done.removed, unknown)
    }

    // MARK: Reads

    public func count(workspaceID: Int64, _ key: AudienceKey, scope: CustomerScope = .all) async throws -> Int {
        let engine = try await engine(workspaceID)
        guard let bitmap = await engine.members(key) else { throw Self.notFound(key) }
        return scope == .all ? bitmap.count : bitmap.intersectionCount(await engine.rows(in: scope))
    }

    /// The first `limit` members (engine order) and the size.
    public func preview(workspaceID: Int64, _ key: AudienceKey, limit: Int, scope: CustomerScope = .all) async throws
        -> (size: Int, ids: [Int64])
    {
        let engine = try await engine(workspaceID)
        guard var bitmap = await engine.members(key) else { throw Self.notFound(key) }
        if scope != .all { bitmap = bitmap.intersection(await engine.rows(in: scope)) }
        return (bitmap.count, await engine.customerIDs(rows: bitmap.first(limit)))
    }

    /// The ids among `ids` that a scope allows (all of them for `.all`).
    public func visible(workspaceID: Int64, _ ids: [Int64], scope: CustomerScope) async throws -> [Int64] {
        guard let allowed = try await scopeIDs(workspaceID: workspaceID, scope: scope) else { return ids }
        return ids.filter(allowed.contains)
    }

    /// The live customers of a scope; nil for all.
    func scopeIDs(workspaceID: Int64, scope: CustomerScope) async throws -> Set<Int64>? {
        guard scope != .all else { return nil }
        let engine = try await engine(workspaceID)
        return Set(await engine.customerIDs(rows: Array(await engine.rows(in: scope))))
    }

    /// Members by ascending customer id, from the persisted membership.
    public func members(
        workspaceID: Int64, _ key: AudienceKey, after: Int64, limit: Int, scope: CustomerScope = .all
    ) async throws -> (ids: [Int64], lastScanned: Int64?) {
        let purposes = try await consentPurposes(workspaceID, key, asked: nil)
        let page = try await store.audienceMembers(
            workspaceID: workspaceID, kind: key.kind, name: key.name, after: after, limit: limit)
        let ids = try await consenting(
            workspaceID: workspaceID, try await visible(workspaceID: workspaceID, page, scope: scope),
            purposes: purposes)
        return (ids, page.count == limit ? page.last : nil)
    }

    public func changes(workspaceID: Int64, _ key: AudienceKey, after: Int64, limit: Int) async throws
        -> [MembershipChange]
    {
        try await requireStored(workspaceID, key)
        return try await store.membershipChanges(
            workspaceID: workspaceID, kind: key.kind, name: key.name, after: after, limit: limit)
    }

    public func sizes(workspaceID: Int64, _ key: AudienceKey, since: Int64) async throws -> [(at: Int64, size: Int64)]
    {
        try await requireStored(workspaceID, key)
        return try await store.audienceSizes(workspaceID: workspaceID, kind: key.kind, name: key.name, since: since)
    }

    /// Checks a rule against the workspace without saving it.
    public func check(workspaceID: Int64, rule: String) async throws -> RuleCheck {
        let schema = try await engine(workspaceID).schema
        do {
            let checked = try RuleTypeChecker(schema: schema).check(rule)
            return RuleCheck(
                error: nil, reads: checked.reads.sorted(), tags: checked.tags.sorted(),
                segments: checked.segments.sorted(), canonical: checked.expression.description)
        } catch {
            return RuleCheck(error: error, reads: [], tags: [], segments: [], canonical: nil)
        }
    }

    /// Evaluates an unsaved rule: size and the first `limit` members (the builder's live count).
    public func evaluate(workspaceID: Int64, rule: String, limit: Int, scope: CustomerScope = .all) async throws -> (
        size: Int, ids: [Int64]
    ) {
        let engine = try await engine(workspaceID)
        let checked: CheckedRule
        do {
            checked = try RuleTypeChecker(schema: await engine.schema).check(rule)
        } catch {
            throw AudienceDefinition.ruleProblem(error)
        }
        var bitmap = try await engine.evaluate(checked)
        if scope != .all { bitmap = bitmap.intersection(await engine.rows(in: scope)) }
        return (bitmap.count, await engine.customerIDs(rows: bitmap.first(limit)))
    }

    /// What a customer belongs to and its computed trait values (the profile's block).
    public func customer(workspaceID: Int64, liveID: Int64) async throws -> (
        tags: [String], segments: [String], traits: [String: String]
    ) {
        let engine = try await engine(workspaceID)
        let keys = await engine.memberships(of: liveID)
        return (
            keys.filter { $0.kind == .tag }.map(\.name), keys.filter { $0.kind == .segment }.map(\.name),
            await engine.traitValues(of: liveID)
        )
    }

    // MARK: JSON

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode(_ stored: StoredAudience) throws -> AudienceDefinition {
        var d = try JSONDecoder().decode(AudienceDefinition.self, from: Data(stored.definition.utf8))
        d.kind = stored.kind
        d.name = stored.name
        return d
    }
}

/// Orders and refunds written outside the ingest pipeline (REST refunds, order updates) change
/// traits too.
extension AudienceService: OrderObserver {
    public func orderSaved(workspaceID: Int64, order: Order, previous: Order?, customerID: Int64) async {
        customersChanged(workspaceID: workspaceID, ids: [customerID])
    }

    public func refundSaved(workspaceID: Int64, refund: Refund, order: Order, customerID: Int64) async {
        customersChanged(workspaceID: workspaceID, ids: [customerID])
    }
}
