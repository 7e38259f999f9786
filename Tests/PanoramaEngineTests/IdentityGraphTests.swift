import PanoramaCore
import Testing

@testable import PanoramaEngine

/// The identity rules of ARCHITECTURE.md, one by one, then as invariants over random message sequences.
@Suite struct IdentityGraphTests {
    let settings = IdentitySettings.defaults

    func id(_ type: String, _ value: String) -> Identifier { Identifier(type: type, value: value) }

    @Test func unknownIdentifiersCreateOneProfile() {
        var graph = IdentityGraph()
        let r = graph.resolve([id("anonymous_id", "a1"), id("email", "x@y.com")], settings: settings)
        #expect(r.created)
        #expect(r.attached.count == 2)
        #expect(graph.profile(holding: id("email", "x@y.com")) == r.customerID)
    }

    @Test func anonymousHistoryJoinsWhenThePersonIdentifies() {
        var graph = IdentityGraph()
        let anonymous = graph.resolve([id("anonymous_id", "a1")], settings: settings)
        let identified = graph.resolve([id("user_id", "u1"), id("anonymous_id", "a1")], settings: settings)
        #expect(identified.customerID == anonymous.customerID)
        #expect(!identified.created)
        #expect(identified.attached == [id("user_id", "u1")])
    }

    @Test func aMessageLinkingTwoProfilesMergesThem() {
        var graph = IdentityGraph()
        let a = graph.resolve([id("anonymous_id", "a1"), id("user_id", "u1")], settings: settings)
        let b = graph.resolve([id("anonymous_id", "b1"), id("email", "e@x.com")], settings: settings)
        let link = graph.resolve([id("anonymous_id", "b1"), id("user_id", "u1")], settings: settings)
        // The profile of the highest-priority identifier (user_id) absorbs the other.
        #expect(link.customerID == a.customerID)
        #expect(link.merges.count == 1)
        #expect(link.merges[0].from == b.customerID)
        #expect(link.merges[0].cause == id("anonymous_id", "b1"))
        #expect(graph.profile(holding: id("email", "e@x.com")) == a.customerID)
        #expect(Set(graph.members(a.customerID)) == [a.customerID, b.customerID])
    }

    @Test func aSecondUserIDNeverMergesAndTheConflictIsRecorded() {
        var graph = IdentityGraph()
        let first = graph.resolve([id("user_id", "u1"), id("email", "e@x.com")], settings: settings)
        let second = graph.resolve([id("user_id", "u2"), id("email", "e@x.com")], settings: settings)
        #expect(second.customerID != first.customerID)
        #expect(second.created)
        #expect(second.merges.isEmpty)
        #expect(
            second.conflicts == [
                .init(identifier: id("email", "e@x.com"), owner: first.customerID, reason: "limit_exceeded:user_id")
            ])
        // The conflicting identifier stays where it was.
        #expect(graph.profile(holding: id("email", "e@x.com")) == first.customerID)
        #expect(graph.profile(holding: id("user_id", "u2")) == second.customerID)
    }

    @Test func aNewValuePastTheLimitIsNotAttached() {
        var graph = IdentityGraph()
        let p = graph.resolve([id("user_id", "u1")], settings: settings)
        for i in 0..<5 { _ = graph.resolve([id("user_id", "u1"), id("email", "e\(i)@x.com")], settings: settings) }
        let sixth = graph.resolve([id("user_id", "u1"), id("email", "e5@x.com")], settings: settings)
        #expect(sixth.customerID == p.customerID)
        #expect(sixth.attached.isEmpty)
        #expect(sixth.conflicts.first?.reason == "limit_exceeded:email")
        #expect(graph.profile(holding: id("email", "e5@x.com")) == nil)
    }

    @Test func aliasJoinsPreviousIDToUserID() {
        var graph = IdentityGraph()
        let anonymous = graph.resolve([id("anonymous_id", "old")], settings: settings)
        let r = graph.resolve([id("user_id", "u9")], aliasOf: "old", settings: settings)
        #expect(r.customerID == anonymous.customerID)
        #expect(graph.profile(holding: id("user_id", "u9")) == anonymous.customerID)
    }

    @Test func undoSplitsExactlyWhatTheMergeJoined() {
        var graph = IdentityGraph()
        let a = graph.resolve([id("user_id", "u1"), id("anonymous_id", "a1")], settings: settings).customerID
        let b = graph.resolve([id("anonymous_id", "b1")], settings: settings).customerID
        let merge = graph.resolve([id("user_id", "u1"), id("anonymous_id", "b1")], settings: settings).merges[0]
        // After the merge, a new identifier arrives on the joined profile: it stays with the survivor.
        _ = graph.resolve([id("anonymous_id", "b1"), id("email", "later@x.com")], settings: settings)
        let back = graph.undo(from: merge.from, into: merge.into, members: merge.members)
        #expect(back == [b])
        #expect(graph.canonical(b) == b)
        #expect(graph.profile(holding: id("anonymous_id", "b1")) == b)
        #expect(graph.profile(holding: id("anonymous_id", "a1")) == a)
        #expect(graph.profile(holding: id("email", "later@x.com")) == a)
        // A second undo of the same merge has nothing left to split.
        #expect(graph.undo(from: merge.from, into: merge.into, members: merge.members).isEmpty)
    }

    @Test func undoAfterTheSurvivorWasMergedAgain() {
        var graph = IdentityGraph()
        let a = graph.resolve([id("anonymous_id", "a1")], settings: settings).customerID
        let b = graph.resolve([id("anonymous_id", "b1")], settings: settings).customerID
        let c = graph.resolve([id("user_id", "u1")], settings: settings).customerID
        let m1 = graph.resolve([id("anonymous_id", "a1"), id("anonymous_id", "b1")], settings: settings).merges[0]
        let m2 = graph.resolve([id("user_id", "u1"), id("anonymous_id", "a1")], settings: settings).merges[0]
        #expect(m2.into == c)
        #expect(Set(graph.members(c)) == [a, b, c])
        let back = graph.undo(from: m1.from, into: m1.into, members: m1.members)
        #expect(back == [m1.from])
        #expect(Set(graph.members(c)) == Set([a, b, c]).subtracting(back))
    }

    /// Invariants on random sequences: no live profile holds two user_ids; every identifier
    /// belongs to exactly one live profile; counts never pass limits; undo keeps them too.
    @Test(arguments: 0..<40) func invariantsHoldOnRandomSequences(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 1)
        var graph = IdentityGraph()
        var merges: [Resolution.Merge] = []
        for _ in 0..<400 {
            if !merges.isEmpty && Int.random(in: 0..<10, using: &rng) == 0 {
                let m = merges.remove(at: Int.random(in: 0..<merges.count, using: &rng))
                _ = graph.undo(from: m.from, into: m.into, members: m.members)
            }
            var ids: [Identifier] = []
            if Bool.random(using: &rng) { ids.append(id("user_id", "u\(Int.random(in: 0..<30, using: &rng))")) }
            if Bool.random(using: &rng) || ids.isEmpty {
                ids.append(id("anonymous_id", "a\(Int.random(in: 0..<80, using: &rng))"))
            }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                ids.append(id("email", "e\(Int.random(in: 0..<25, using: &rng))@x.com"))
            }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                ids.append(id("phone", "+86138\(Int.random(in: 0..<25, using: &rng))"))
            }
            let r = graph.resolve(ids, settings: settings)
            merges.append(contentsOf: r.merges)
            // The message's profile is live and holds every identifier it attached.
            #expect(graph.canonical(r.customerID) == r.customerID)
            for a in r.attached { #expect(graph.profile(holding: a) == r.customerID) }
        }
        var live = Set<Int64>()
        for raw in 1..<graph.nextID { live.insert(graph.canonical(raw)) }
        for profile in live {
            var byType: [String: Int] = [:]
            for i in graph.identifiers(of: profile) { byType[i.type, default: 0] += 1 }
            #expect(byType["user_id", default: 0] <= 1, "profile \(profile) holds \(byType["user_id"]!) user_ids")
            for (type, n) in byType {
                if let limit = settings.type(named: type)?.limit { #expect(n <= limit) }
            }
            for i in graph.identifiers(of: profile) { #expect(graph.profile(holding: i) == profile) }
            for m in graph.members(profile) { #expect(graph.canonical(m) == profile) }
        }
    }
}

extension IdentityGraphTests {
    /// A value of a type that is not unique (a household phone) never links two people.
    @Test func sharedIdentifiersNeverMerge() {
        var settings = IdentitySettings.defaults
        settings.upsert(IdentifierType(name: "household_phone", priority: 20, limit: 2, unique: false))
        var graph = IdentityGraph()
        let home = Identifier(type: "household_phone", value: "+861088886666")
        let a = graph.resolve([id("user_id", "dad"), home], settings: settings)
        let b = graph.resolve([id("user_id", "kid"), home], settings: settings)
        #expect(a.customerID != b.customerID)
        #expect(b.merges.isEmpty && b.conflicts.isEmpty)
        #expect(b.attached.contains(home))
        #expect(graph.profiles(sharing: home) == [a.customerID, b.customerID])
        // A message with only the shared value does not join either of them.
        let c = graph.resolve([home], settings: settings)
        #expect(c.created && c.customerID != a.customerID && c.customerID != b.customerID)
        // The per-profile limit still holds for shared types.
        _ = graph.resolve([id("user_id", "dad"), id("household_phone", "+862100000000")], settings: settings)
        let third = graph.resolve([id("user_id", "dad"), id("household_phone", "+862100000001")], settings: settings)
        #expect(third.conflicts.first?.reason == "limit_exceeded:household_phone")
    }
}

extension IdentityGraphTests {
    /// Two nodes: `a` resolves random messages (merges, undos); `b` only applies the changes the
    /// store would hand it (changed raw profiles, new identifiers) and must see the same graph.
    @Test(arguments: 0..<20) func aFollowerCatchesUpFromChanges(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 101)
        var a = IdentityGraph()
        var b = IdentityGraph()
        var merges: [Resolution.Merge] = []
        for step in 0..<300 {
            let before = Dictionary(uniqueKeysWithValues: (1..<a.nextID).map { ($0, a.canonical($0)) })
            var attached: [(Identifier, Int64)] = []
            if !merges.isEmpty && Int.random(in: 0..<8, using: &rng) == 0 {
                let m = merges.remove(at: Int.random(in: 0..<merges.count, using: &rng))
                _ = a.undo(from: m.from, into: m.into, members: m.members)
            } else {
                var ids = [id("anonymous_id", "a\(Int.random(in: 0..<60, using: &rng))")]
                if Bool.random(using: &rng) { ids.append(id("user_id", "u\(Int.random(in: 0..<25, using: &rng))")) }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    ids.append(id("email", "e\(Int.random(in: 0..<20, using: &rng))@x.com"))
                }
                let r = a.resolve(ids.shuffled(using: &rng), settings: settings)
                merges.append(contentsOf: r.merges)
                // The store records an attached identifier against the raw profile that got it.
                for i in r.attached { attached.append((i, r.customerID)) }
            }
            // What the store's change feed carries: every raw profile whose pointer changed, in
            // an arbitrary order, then the new identifiers.
            var changed: [(Int64, Int64)] = []
            for raw in 1..<a.nextID where before[raw] != a.canonical(raw) { changed.append((raw, a.canonical(raw))) }
            for (raw, canonical) in changed.shuffled(using: &rng) { b.update(customer: raw, canonical: canonical) }
            for (identifier, owner) in attached { b.load(identifier: identifier, owner: owner) }

            #expect(b.nextID == a.nextID, "step \(step)")
            for raw in 1..<a.nextID {
                #expect(b.canonical(raw) == a.canonical(raw), "step \(step), raw \(raw)")
                let live = a.canonical(raw)
                #expect(Set(b.members(live)) == Set(a.members(live)), "step \(step), members of \(live)")
            }
        }
    }
}
