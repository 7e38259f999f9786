import Foundation
import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore
import Synchronization

/// The tag and segment engine of one workspace: the in-memory customer table rebuilt from the
/// store, kept current customer by customer as data arrives, and the memberships it derives,
/// persisted (with their change feed) in the store.
///
/// Work that changes the state runs one at a time (`exclusively`): a rebuild, a refresh of
/// changed customers and a definition change never interleave at their suspension points.
actor AudienceEngine {
    let workspaceID: Int64
    let store: any PanoramaStore
    let clock: WallClock
    /// The workspace's zone (day boundaries of rules and windows); changed by `changeTimeZone`.
    private(set) var timeZone: TimeZone
    let logger: Logger
    private(set) var state: AudienceState
    private(set) var loaded = false
    /// The store's activity counter (`activityMarker`) read before the last rebuild loaded the
    /// customers: the activity columns hold at least everything up to it.
    private(set) var loadedActivity: [Int64]?
    /// Customers read so far by the first load (for "loading" pages while it runs).
    nonisolated let loadProgress = LoadProgress()
    /// Audiences whose rule no longer checks (an attribute changed type): skipped, with why.
    private(set) var broken: [AudienceKey: String] = [:]
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(workspaceID: Int64, store: any PanoramaStore, clock: WallClock, timeZone: TimeZone, logger: Logger) {
        self.workspaceID = workspaceID
        self.store = store
        self.clock = clock
        self.timeZone = timeZone
        self.logger = logger
        state = AudienceState(context: EvaluationContext(today: 0, utcOffsetSeconds: 0))
    }

    /// Runs `body` after every earlier exclusive body has finished.
    func exclusively<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    var context: EvaluationContext { EvaluationContext(now: Double(clock.now()) / 1000, timeZone: timeZone) }

    /// Counts days in `zone` from now on: rebuilds and re-evaluates everything when loaded.
    func changeTimeZone(_ zone: TimeZone) async throws {
        try await exclusively {
            timeZone = zone
            if loaded { try await rebuildLocked(include: { _ in true }) }
        }
    }

    /// Loads on first use.
    func ensureLoaded() async throws {
        if loaded { return }
        try await exclusively {
            if !loaded { try await rebuildLocked(include: { _ in true }) }
        }
    }

    /// Rebuilds everything from the store and re-evaluates the rule-based audiences `include`
    /// selects (all of them at start); records the changes.
    func rebuild(include: @Sendable @escaping (AudienceDefinition) -> Bool) async throws {
        loadProgress.rebuilding(true)
        defer { loadProgress.rebuilding(false) }
        try await exclusively { try await rebuildLocked(include: include) }
    }

    private func rebuildLocked(include: @Sendable (AudienceDefinition) -> Bool) async throws {
        let started = ContinuousClock.now
        let activity = try await store.activityMarker()
        var next = AudienceState(context: context)
        for (name, definition, _) in try await store.computedTraits(workspaceID: workspaceID) {
            do {
                next.traits.append(try JSONDecoder().decode(TraitDefinition.self, from: Data(definition.utf8)))
            } catch {
                logger.error("unreadable computed trait skipped", metadata: ["trait": "\(name)", "error": "\(error)"])
            }
        }
        for stored in try await store.audiences(workspaceID: workspaceID) {
            guard var definition = try? JSONDecoder().decode(AudienceDefinition.self, from: Data(stored.definition.utf8))
            else { continue }
            definition.kind = stored.kind
            definition.name = stored.name
            next.definitions[AudienceKey(stored.kind, stored.name)] = definition
        }
        var attributes: [(row: Int, attributes: [String: TraitValue])] = []
        // The store reads of the next 2,000 customers overlap building the columns of the current
        // ones (at 1,000,000 customers the load is most of a start).
        let (store, workspaceID) = (store, workspaceID)
        @Sendable func batch(after: Int64) async throws -> (ids: [Int64], facts: [Int64: CustomerFacts])? {
            let ids = try await store.liveCustomerIDs(workspaceID: workspaceID, after: after, limit: 2000)
            guard !ids.isEmpty else { return nil }
            return (ids, try await CustomerFacts.load(store, workspaceID: workspaceID, liveIDs: ids))
        }
        try await withThrowingTaskGroup(of: (ids: [Int64], facts: [Int64: CustomerFacts])?.self) { group in
            group.addTask { try await batch(after: Int64.min) }
            while let fetched = try await group.next(), let (ids, facts) = fetched {
                let last = ids[ids.count - 1]
                group.addTask { try await batch(after: last) }
                let start = next.table.rowCount
                next.append(ids.map { ($0, facts[$0] ?? CustomerFacts()) })
                if !loaded { loadProgress.add(ids.count) }
                for (offset, id) in ids.enumerated() { attributes.append((start + offset, facts[id]?.attributes ?? [:])) }
            }
        }
        // The work over the whole table runs off the actor, so that reads of the engine (every
        // console page) are answered meanwhile: it takes seconds at a million customers.
        let computed = try await Self.computed(consume next, attributes: attributes)
        next = computed.state
        broken = computed.broken

        // What each audience held before: this engine's last state, or the store at start.
        let known = loaded ? next.definitions.keys.filter { state.definitions[$0] != nil } : []
        var before = await Self.memberIDs(of: state, known)
        for key in next.definitions.keys where before[key] == nil {
            before[key] = Set(try await store.audienceMembers(workspaceID: workspaceID, kind: key.kind, name: key.name))
        }
        // Kept members (manual tags, static snapshots) follow merges to the live profile.
        let kept = next.definitions.filter { !$0.value.isRuleBased || $0.value.type == .static }.map(\.key)
        let orphans = Set(kept.flatMap { before[$0]! }).filter { next.rowOf[$0] == nil }
        let canonical = try await store.liveIDs(workspaceID: workspaceID, customerIDs: Array(orphans))
        let evaluated = try await Self.evaluated(
            consume next, before: before, kept: kept, canonical: canonical, include: include)
        next = evaluated.state
        let changes = evaluated.changes
        state = next
        loaded = true
        loadProgress.finish()
        loadedActivity = activity
        try await persist(changes, sizes: Array(next.definitions.keys))
        logger.info(
            "audiences rebuilt",
            metadata: [
                "workspace": "\(workspaceID)", "customers": "\(next.table.live.count)",
                "audiences": "\(next.definitions.count)",
                "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
            ])
    }

    /// Attributes, computed traits and compiled rules of a freshly loaded table (off the actor).
    private nonisolated static func computed(
        _ state: consuming AudienceState, attributes: [(row: Int, attributes: [String: TraitValue])]
    ) async throws -> (state: AudienceState, broken: [AudienceKey: String]) {
        state.setAttributes(attributes)
        try state.computeTraits()
        let broken = state.compileRulesSkippingBroken()
        return (state, broken)
    }

    /// The customer ids each of `keys` holds in `state` (off the actor).
    private nonisolated static func memberIDs(of state: AudienceState, _ keys: [AudienceKey]) async
        -> [AudienceKey: Set<Int64>]
    {
        var ids: [AudienceKey: Set<Int64>] = [:]
        for key in keys { ids[key] = Set(state.ids((state.members[key] ?? RoaringBitmap()).map(Int.init))) }
        return ids
    }

    /// The members of every audience of a rebuilt table and what changed against `before`: kept
    /// members (manual tags, static snapshots) carried over to the live profiles (`canonical`),
    /// the rule-based audiences `include` selects evaluated, the others carried over (off the actor).
    private nonisolated static func evaluated(
        _ state: consuming AudienceState, before: [AudienceKey: Set<Int64>], kept: [AudienceKey],
        canonical: [Int64: Int64], include: @Sendable (AudienceDefinition) -> Bool
    ) async throws -> (state: AudienceState, changes: [AudienceKey: Delta]) {
        for key in kept {
            var bitmap = RoaringBitmap()
            for id in before[key]! {
                if let row = state.rowOf[canonical[id] ?? id] { _ = bitmap.insert(UInt32(row)) }
            }
            state.members[key] = bitmap
        }
        for key in state.order where state.definitions[key]!.isRuleBased && state.definitions[key]!.type != .static {
            if !include(state.definitions[key]!) {
                state.members[key] = RoaringBitmap(before[key]!.compactMap { state.rowOf[$0].map(UInt32.init) })
            }
        }
        try state.evaluate(where: { $0.isRuleBased && $0.type != .static && include($0) })
        var changes: [AudienceKey: Delta] = [:]
        for key in state.definitions.keys {
            let now = Set(state.ids((state.members[key] ?? RoaringBitmap()).map(Int.init)))
            let was = before[key] ?? []
            let delta = Delta(enter: now.subtracting(was).sorted(), exit: was.subtracting(now).sorted())
            if !delta.enter.isEmpty || !delta.exit.isEmpty { changes[key] = delta }
        }
        return (state, changes)
    }

    /// Brings changed customers (live or merged away) up to date and re-evaluates the real-time
    /// audiences for them; `persist`: stores the membership changes (false when another node
    /// made the writes and stores them itself).
    func refresh(persist: Bool, _ pending: @Sendable () -> Set<Int64>) async throws {
        try await exclusively {
            let ids = pending()
            guard loaded, !ids.isEmpty else { return }
            state.context = context
            let canonical = try await store.liveIDs(workspaceID: workspaceID, customerIDs: Array(ids))
            var changes: [AudienceKey: Delta] = [:]
            var live = Set<Int64>()
            for id in ids {
                let now = canonical[id]
                if now != id, let row = state.rowOf[id] {
                    for key in state.retire(row: row) { changes[key, default: Delta()].exit.append(id) }
                }
                if let now { live.insert(now) }
            }
            let facts = try await CustomerFacts.load(store, workspaceID: workspaceID, liveIDs: Array(live))
            let new = live.filter { state.rowOf[$0] == nil }.sorted()
            state.append(new.map { ($0, CustomerFacts()) })
            var rows: [Int] = []
            for id in live {
                guard let row = state.rowOf[id] else { continue }
                try state.replace(row: row, with: facts[id] ?? CustomerFacts())
                rows.append(row)
            }
            if !new.isEmpty { broken = state.compileRulesSkippingBroken() }
            for (key, delta) in try state.evaluate(rows: rows.sorted()) {
                changes[key, default: Delta()].enter += delta.enter
                changes[key, default: Delta()].exit += delta.exit
            }
            if persist { try await self.persist(changes, sizes: Array(changes.keys)) }
        }
    }

    /// Writes membership changes (with their feed rows) and the current sizes.
    private func persist(_ changes: [AudienceKey: Delta], sizes: [AudienceKey]) async throws {
        let now = clock.now()
        for (key, delta) in changes.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            try await store.applyMembership(
                workspaceID: workspaceID, kind: key.kind, name: key.name, enter: delta.enter, exit: delta.exit,
                now: now, feed: true)
        }
        let hour = now - now % 3_600_000
        for key in sizes {
            try await store.recordAudienceSize(
                workspaceID: workspaceID, kind: key.kind, name: key.name, at: hour,
                size: Int64(state.members[key]?.count ?? 0))
        }
    }

    // MARK: Definitions

    /// Applies a changed definition set (after a save or delete) and evaluates `key` for everyone:
    /// checks every rule against the new schema first, so a change that breaks a rule is refused
    /// and nothing is stored. `save` persists the definition once it checks.
    func change(
        traits: [TraitDefinition]? = nil, definition: AudienceDefinition? = nil, removing: AudienceKey? = nil,
        save: @Sendable () async throws -> Void
    ) async throws {
        try await ensureLoaded()
        try await exclusively {
            var next = state
            next.context = context
            if let traits { next.traits = traits }
            if let definition { next.definitions[AudienceKey(definition.kind, definition.name)] = definition }
            if let removing { next.definitions[removing] = nil }
            try next.compileRules()
            try await save()
            var changes: [AudienceKey: Delta] = [:]
            if traits != nil { try next.computeTraits() }
            if let removing {
                next.members[removing] = nil
            }
            let touched: (AudienceDefinition) -> Bool
            if traits != nil {
                touched = { $0.isRuleBased && $0.type != .static }
            } else if let definition {
                let key = AudienceKey(definition.kind, definition.name)
                let dependents = Self.dependents(of: key, in: next)
                // A static segment is snapshotted when saved.
                touched = { d in d.kind == key.kind && d.name == key.name || dependents.contains(AudienceKey(d.kind, d.name)) && d.type != .static }
                if definition.type == .manual { next.members[key] = next.members[key] ?? RoaringBitmap() }
            } else {
                touched = { _ in false }
            }
            let before = next.members
            try next.evaluate(where: { d in
                touched(d) && (d.isRuleBased || d.type == .static)
            })
            for key in next.definitions.keys {
                let now = next.members[key] ?? RoaringBitmap()
                let was = before[key] ?? RoaringBitmap()
                let enter = now.subtracting(was)
                let exit = was.subtracting(now)
                if !enter.isEmpty || !exit.isEmpty {
                    changes[key] = Delta(enter: next.ids(enter.map(Int.init)), exit: next.ids(exit.map(Int.init)))
                }
            }
            state = next
            broken = [:]
            try await persist(changes, sizes: Array(changes.keys) + (definition.map { [AudienceKey($0.kind, $0.name)] } ?? []))
        }
    }

    /// Audiences whose rules refer to `key`, directly or through others.
    static func dependents(of key: AudienceKey, in state: AudienceState) -> Set<AudienceKey> {
        var found: Set<AudienceKey> = []
        var frontier = [key]
        while let current = frontier.popLast() {
            for (other, rule) in state.rules where !found.contains(other) {
                let refers = current.kind == .tag ? rule.tags.contains(current.name) : rule.segments.contains(current.name)
                if refers {
                    found.insert(other)
                    frontier.append(other)
                }
            }
        }
        return found
    }

    /// Adds or removes customers of a manual tag, then re-evaluates what depends on it for them.
    func assign(tag name: String, add: [Int64], remove: [Int64]) async throws -> (added: Int, removed: Int) {
        try await ensureLoaded()
        return try await exclusively {
            let key = AudienceKey(.tag, name)
            var changes: [AudienceKey: Delta] = [:]
            var delta = Delta()
            var rows: [Int] = []
            for id in add {
                guard let row = state.rowOf[id] else { continue }
                if state.members[key, default: RoaringBitmap()].insert(UInt32(row)) {
                    delta.enter.append(id)
                    rows.append(row)
                }
            }
            for id in remove {
                guard let row = state.rowOf[id] else { continue }
                if state.members[key]?.remove(UInt32(row)) == true {
                    delta.exit.append(id)
                    rows.append(row)
                }
            }
            changes[key] = delta
            for (other, d) in try state.evaluate(rows: rows) where other != key { changes[other] = d }
            try await persist(changes, sizes: Array(changes.keys))
            return (delta.enter.count, delta.exit.count)
        }
    }

    // MARK: Reads

    /// Evaluates a rule that is not saved (the builder's live count): the bitmap of rows.
    func evaluate(_ rule: CheckedRule) throws -> RoaringBitmap {
        try state.evaluator.evaluate(rule)
    }

    /// The typed checker for rules against this workspace now.
    var schema: RuleSchema { state.schema }

    func members(_ key: AudienceKey) -> RoaringBitmap? { state.members[key] }

    /// Live customers in the table.
    var customerCount: Int { state.table.live.count }

    /// The live rows a data scope allows: all of them, or those whose owner attribute names one
    /// of the scope's users.
    func rows(in scope: CustomerScope) -> RoaringBitmap {
        guard case .owners(let owners) = scope else { return state.table.live }
        guard let column = state.table.columns[CustomerScope.ownerAttribute], column.type == .string else {
            return RoaringBitmap()
        }
        let codes = Set(owners.compactMap { column.dictionary.existingCode(for: $0) })
        guard !codes.isEmpty else { return RoaringBitmap() }
        var rows: [UInt32] = []
        for row in 0..<column.count where column.present[row] && codes.contains(column.values[row]) {
            rows.append(UInt32(row))
        }
        return RoaringBitmap(rows).intersection(state.table.live)
    }

    /// Whether a live customer is in a scope.
    func contains(_ id: Int64, in scope: CustomerScope) -> Bool {
        guard case .owners = scope else { return true }
        guard let row = state.rowOf[id] else { return false }
        return rows(in: scope).contains(UInt32(row))
    }

    func customerIDs(rows: [UInt32]) -> [Int64] { state.ids(rows.map(Int.init)) }

    /// What a live customer belongs to now.
    func memberships(of customerID: Int64) -> [AudienceKey] {
        guard let row = state.rowOf[customerID] else { return [] }
        return state.members.filter { $0.value.contains(UInt32(row)) }.map(\.key).sorted { "\($0)" < "\($1)" }
    }

    /// One customer's computed trait values (for the profile), by name.
    func traitValues(of customerID: Int64) -> [String: String] {
        guard let row = state.rowOf[customerID] else { return [:] }
        var out: [String: String] = [:]
        let names = state.traits.map { $0.name } + AudienceState.builtInTraits.keys
        for name in names {
            guard let column = state.table.columns[name], let value = column.value(row) else { continue }
            out[name] = Self.display(value, column)
        }
        return out
    }

    /// A column value as text: decimals with their digits, dates and timestamps in ISO form.
    static func display(_ value: Int64, _ column: Column) -> String {
        switch column.type {
        case .string: return column.dictionary.strings[Int(value)]
        case .boolean: return value != 0 ? "true" : "false"
        case .decimal:
            let sign = value < 0 ? "-" : ""
            let a = value.magnitude
            var fraction = String(a % 10_000)
            fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
            while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
            return "\(sign)\(a / 10_000).\(fraction)"
        case .date:
            return String(Timestamp.format(millis: value * 86_400_000).prefix(10))
        case .timestamp:
            return Timestamp.format(millis: value * 1000)
        default: return String(value)
        }
    }
}

/// How far the first load is, readable without waiting for the engine (which is busy for
/// seconds at a time while it loads a million customers).
final class LoadProgress: Sendable {
    private let read = Atomic(0)
    private let done = Atomic(false)
    private let rebuilds = Atomic(0)

    func add(_ count: Int) { read.add(count, ordering: .relaxed) }
    func finish() { done.store(true, ordering: .releasing) }
    func rebuilding(_ started: Bool) { rebuilds.add(started ? 1 : -1, ordering: .relaxed) }
    /// Whether a rebuild of a loaded engine (hourly, or insights' reload) is running or waiting.
    var isRebuilding: Bool { rebuilds.load(ordering: .relaxed) > 0 }
    /// Customers read so far.
    var customers: Int { read.load(ordering: .relaxed) }
    var isLoaded: Bool { done.load(ordering: .acquiring) }
}
