import PanoramaCore

/// How a message was attached to the graph: which profile it belongs to and what changed.
public struct Resolution: Sendable, Equatable {
    /// The live (canonical) profile the message belongs to.
    public var customerID: Int64
    /// True when the message created that profile.
    public var created: Bool
    /// Identifiers newly attached to `customerID`.
    public var attached: [Identifier]
    /// Profiles merged into `customerID`, in the order they happened.
    public var merges: [Merge]
    /// Identifiers that could not follow the message without breaking a type's limit.
    public var conflicts: [Conflict]

    /// One profile folded into another.
    public struct Merge: Sendable, Equatable {
        /// The profile that disappeared.
        public var from: Int64
        /// The profile that absorbed it.
        public var into: Int64
        /// Every raw profile that moved with `from` (itself included); undo moves exactly these back.
        public var members: [Int64]
        /// The identifier of the message that linked the two.
        public var cause: Identifier
    }

    /// An identifier that stayed where it was (or was not attached) because of a limit.
    public struct Conflict: Sendable, Equatable {
        public var identifier: Identifier
        /// The profile that holds the identifier, nil when it was new and is simply not attached.
        public var owner: Int64?
        /// Stable reason code, e.g. `limit_exceeded:user_id`.
        public var reason: String
    }
}

/// The identity graph of one workspace: which raw profile holds each identifier, and which raw
/// profiles have been merged into which live profile.
///
/// Raw profiles never disappear; a merge only points them at a live (canonical) profile, so an
/// undo can split exactly what a merge joined. Events, traits and identifiers stay recorded
/// against the raw profile that received them, which is what makes undo exact.
/// Single-writer by design: the ingest pipeline owns it.
public struct IdentityGraph: Sendable {
    private var owner: [Identifier: Int64] = [:]
    private var canonicalOf: [Int64: Int64] = [:]
    private var membersOf: [Int64: [Int64]] = [:]
    private var identifiersOf: [Int64: [Identifier]] = [:]
    private var sharedHolders: [Identifier: [Int64]] = [:]
    /// The next raw profile id to allocate.
    public private(set) var nextID: Int64

    /// An empty graph whose first new profile gets `firstID`.
    public init(firstID: Int64 = 1) {
        self.nextID = firstID
    }

    /// Number of identifiers held.
    public var identifierCount: Int { owner.count }

    /// Restores a profile as persisted: `id` points at `canonical` (itself when not merged).
    public mutating func load(customer id: Int64, canonical: Int64) {
        if id != canonical {
            canonicalOf[id] = canonical
            if membersOf[canonical] == nil { membersOf[canonical] = [canonical] }
            membersOf[canonical]!.append(id)
        }
        nextID = max(nextID, id + 1, canonical + 1)
    }

    /// Restores an identifier as persisted. A `shared` identifier (of a type that is not unique,
    /// such as a household phone) may be held by several profiles and never links them.
    public mutating func load(identifier: Identifier, owner raw: Int64, shared: Bool = false) {
        if shared {
            sharedHolders[identifier, default: []].append(raw)
        } else {
            owner[identifier] = raw
        }
        identifiersOf[raw, default: []].append(identifier)
        nextID = max(nextID, raw + 1)
    }

    /// Brings one raw profile up to date with a change another node committed: a new profile, or
    /// one that a merge or an undo there pointed at another live profile. Applying every changed
    /// profile of a merge or undo, in any order, gives the groups that node has.
    public mutating func update(customer id: Int64, canonical target: Int64) {
        nextID = max(nextID, id + 1, target + 1)
        let current = canonical(id)
        guard current != target else { return }
        if var group = membersOf[current] {
            group.removeAll { $0 == id }
            membersOf[current] = group.count > 1 ? group : nil
        }
        if id == target {
            canonicalOf[id] = nil
        } else {
            canonicalOf[id] = target
            var group = membersOf[target] ?? [target]
            if !group.contains(id) { group.append(id) }
            membersOf[target] = group
        }
    }

    /// The live profiles holding a shared identifier.
    public func profiles(sharing identifier: Identifier) -> Set<Int64> {
        Set((sharedHolders[identifier] ?? []).map(canonical))
    }

    /// The live profile a raw profile belongs to.
    public func canonical(_ raw: Int64) -> Int64 {
        canonicalOf[raw] ?? raw
    }

    /// The raw profiles that make up a live profile, itself included.
    public func members(_ canonical: Int64) -> [Int64] {
        membersOf[canonical] ?? [canonical]
    }

    /// The live profile holding an identifier.
    public func profile(holding identifier: Identifier) -> Int64? {
        owner[identifier].map(canonical)
    }

    /// Every identifier of a live profile.
    public func identifiers(of canonical: Int64) -> [Identifier] {
        members(canonical).flatMap { identifiersOf[$0] ?? [] }
    }

    private func counts(of canonical: Int64) -> [String: Int] {
        var result: [String: Int] = [:]
        for id in identifiers(of: canonical) { result[id.type, default: 0] += 1 }
        return result
    }

    private static func fits(_ counts: [String: Int], _ settings: IdentitySettings) -> Bool {
        for (type, n) in counts {
            if let limit = settings.type(named: type)?.limit, n > limit { return false }
        }
        return true
    }

    private static func firstViolation(_ counts: [String: Int], _ settings: IdentitySettings) -> String? {
        for (type, n) in counts.sorted(by: { $0.key < $1.key }) {
            if let limit = settings.type(named: type)?.limit, n > limit { return type }
        }
        return nil
    }

    /// Resolves a message's identifiers to one live profile, creating, attaching and merging as
    /// ARCHITECTURE.md prescribes, and applies the result to the graph.
    ///
    /// - When every profile the identifiers match can be merged with the new identifiers without
    ///   passing any type's limit, they are merged into the profile of the highest-priority matched
    ///   identifier and the new identifiers are attached to it.
    /// - Otherwise the message goes to the profile of its highest-priority identifier (a new profile
    ///   if that identifier is new); each other matched profile is merged only if that stays within
    ///   the limits, each new identifier attached only if it fits; everything else is a conflict.
    /// - Parameter aliasOf: the `previousId` of an alias call; it matches a `user_id` or an
    ///   `anonymous_id` that exists, else it is taken as a new `anonymous_id`.
    ///
    /// Identifiers of a type that is not unique (`IdentifierType.unique == false`) never match or
    /// merge profiles: they are attached to the profile the other identifiers resolve to (within
    /// the type's limit), whichever other profiles hold the same value.
    public mutating func resolve(
        _ identifiers: [Identifier], aliasOf previousID: String? = nil, settings: IdentitySettings
    ) -> Resolution {
        var unique: [Identifier] = []
        var shared: [Identifier] = []
        for id in identifiers {
            if settings.type(named: id.type)?.unique == false { shared.append(id) } else { unique.append(id) }
        }
        var resolution = resolveUnique(unique, aliasOf: previousID, settings: settings)
        for id in shared where !holds(resolution.customerID, id) {
            var current = counts(of: resolution.customerID)
            current[id.type, default: 0] += 1
            if Self.fits(current, settings) {
                identifiersOf[resolution.customerID, default: []].append(id)
                sharedHolders[id, default: []].append(resolution.customerID)
                resolution.attached.append(id)
            } else {
                resolution.conflicts.append(.init(identifier: id, owner: nil, reason: "limit_exceeded:\(id.type)"))
            }
        }
        return resolution
    }

    private func holds(_ canonical: Int64, _ id: Identifier) -> Bool {
        members(canonical).contains { identifiersOf[$0]?.contains(id) == true }
    }

    private mutating func resolveUnique(
        _ identifiers: [Identifier], aliasOf previousID: String?, settings: IdentitySettings
    ) -> Resolution {
        // Fast path, by far the most common case: a known person, every identifier already on
        // one live profile. Nothing to attach, merge or check.
        if previousID == nil, let first = identifiers.first, let profile = profile(holding: first) {
            var allHeld = true
            for id in identifiers.dropFirst() where self.profile(holding: id) != profile {
                allHeld = false
                break
            }
            if allHeld {
                return Resolution(customerID: profile, created: false, attached: [], merges: [], conflicts: [])
            }
        }
        var ids = identifiers
        if let previousID {
            let asUser = Identifier(type: "user_id", value: previousID)
            let asAnonymous = Identifier(type: "anonymous_id", value: previousID)
            let alias = owner[asUser] != nil ? asUser : asAnonymous
            if !ids.contains(alias) { ids.append(alias) }
        }
        // Stable sort by priority keeps the message's own order among equals.
        ids = ids.enumerated().sorted {
            let (l, r) = (settings.rank(of: $0.element.type), settings.rank(of: $1.element.type))
            return l != r ? l < r : $0.offset < $1.offset
        }.map(\.element)

        var owners: [Int64] = []
        var unowned: [Identifier] = []
        for id in ids {
            if let profile = profile(holding: id) {
                if !owners.contains(profile) { owners.append(profile) }
            } else {
                unowned.append(id)
            }
        }

        var resolution = Resolution(customerID: 0, created: false, attached: [], merges: [], conflicts: [])
        if owners.isEmpty {
            let target = allocate()
            resolution.customerID = target
            resolution.created = true
            for id in unowned { attachIfFits(id, to: target, settings: settings, into: &resolution) }
            return resolution
        }

        var union: [String: Int] = [:]
        for profile in owners { union.merge(counts(of: profile), uniquingKeysWith: +) }
        for id in unowned { union[id.type, default: 0] += 1 }
        if Self.fits(union, settings) {
            let target = owners[0]
            resolution.customerID = target
            for other in owners.dropFirst() {
                let cause = ids.first { profile(holding: $0) == other }!
                resolution.merges.append(merge(other, into: target, cause: cause))
            }
            for id in unowned { attach(id, to: target) }
            resolution.attached = unowned
            return resolution
        }

        let head = ids[0]
        let target: Int64
        if let held = profile(holding: head) {
            target = held
        } else {
            target = allocate()
            resolution.created = true
            attach(head, to: target)
            resolution.attached.append(head)
        }
        resolution.customerID = target
        for id in ids.dropFirst() {
            if let held = profile(holding: id) {
                if held == target { continue }
                var combined = counts(of: target)
                combined.merge(counts(of: held), uniquingKeysWith: +)
                if let type = Self.firstViolation(combined, settings) {
                    resolution.conflicts.append(.init(identifier: id, owner: held, reason: "limit_exceeded:\(type)"))
                } else {
                    resolution.merges.append(merge(held, into: target, cause: id))
                }
            } else {
                attachIfFits(id, to: target, settings: settings, into: &resolution)
            }
        }
        return resolution
    }

    private mutating func allocate() -> Int64 {
        defer { nextID += 1 }
        return nextID
    }

    private mutating func attachIfFits(
        _ id: Identifier, to target: Int64, settings: IdentitySettings, into resolution: inout Resolution
    ) {
        var current = counts(of: target)
        current[id.type, default: 0] += 1
        if Self.fits(current, settings) {
            attach(id, to: target)
            resolution.attached.append(id)
        } else {
            resolution.conflicts.append(.init(identifier: id, owner: nil, reason: "limit_exceeded:\(id.type)"))
        }
    }

    private mutating func attach(_ id: Identifier, to target: Int64) {
        owner[id] = target
        identifiersOf[target, default: []].append(id)
    }

    private mutating func merge(_ from: Int64, into target: Int64, cause: Identifier) -> Resolution.Merge {
        let moved = members(from)
        for m in moved { canonicalOf[m] = target }
        membersOf[from] = nil
        var all = members(target)
        all.append(contentsOf: moved)
        membersOf[target] = all
        return Resolution.Merge(from: from, into: target, members: moved, cause: cause)
    }

    /// Why two live profiles cannot be merged by hand.
    public enum MergeRefusal: Error, Sendable, Equatable {
        /// One of them is not a live profile (unknown, or merged into another).
        case notLive(Int64)
        /// They are already one profile.
        case same
        /// Together they would hold more identifiers of `type` than its limit allows
        /// (two different `user_id`s, say).
        case limitExceeded(type: String)
    }

    /// Merges the live profile `from` into the live profile `into` on a decision made outside
    /// identity resolution (a reviewed or automatic duplicate match), keeping every limit:
    /// a merge that would pass one is refused, never half done. Logged and undone like any merge.
    public mutating func merge(
        _ from: Int64, into target: Int64, cause: Identifier, settings: IdentitySettings
    ) -> Result<Resolution.Merge, MergeRefusal> {
        guard knows(from), canonical(from) == from else { return .failure(.notLive(from)) }
        guard knows(target), canonical(target) == target else { return .failure(.notLive(target)) }
        guard from != target else { return .failure(.same) }
        var combined = counts(of: target)
        for (type, n) in counts(of: from) { combined[type, default: 0] += n }
        if let type = Self.firstViolation(combined, settings) { return .failure(.limitExceeded(type: type)) }
        return .success(merge(from, into: target, cause: cause))
    }

    /// Whether `id` is a raw profile of this graph.
    private func knows(_ id: Int64) -> Bool {
        id > 0 && id < nextID
    }

    /// Splits off again what a merge joined: the members it moved that are still part of the
    /// live profile the merge's target belongs to now. Returns the raw profiles that moved back
    /// to `from` (empty when there is nothing left to split).
    public mutating func undo(from: Int64, into: Int64, members moved: [Int64]) -> [Int64] {
        let current = canonical(into)
        guard canonical(from) == current, current != from else { return [] }
        let cluster = Set(members(current))
        // The live profile itself never moves: when later merges made a profile of the split-off
        // side the survivor, it stays and only the others go back.
        let back = moved.filter { cluster.contains($0) && $0 != current }
        guard back.contains(from) else { return [] }
        let backSet = Set(back)
        let remaining = members(current).filter { !backSet.contains($0) }
        membersOf[current] = remaining.count > 1 ? remaining : nil
        for m in remaining where m != current { canonicalOf[m] = current }
        for m in back {
            if m == from { canonicalOf[m] = nil } else { canonicalOf[m] = from }
        }
        membersOf[from] = back.count > 1 ? [from] + back.filter { $0 != from } : nil
        return back
    }
}
