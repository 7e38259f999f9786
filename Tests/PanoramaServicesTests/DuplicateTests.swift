import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore
import Testing

/// Duplicate detection through the real pipeline and store: manual merges of live profiles,
/// runs over profiles created by the tracking API, review (accept, reject), identifier limits,
/// clusters, one run at a time, and accuracy on FEBRL dataset1 imported as profiles.
@Suite struct DuplicateTests {
    // MARK: IngestPipeline.merge

    @Test func aMergeOfTwoLiveProfilesIsLoggedAndUndoRestoresBoth() async throws {
        try await Harness.run { h in
            // Given two profiles with no identifier in common.
            try await h.send(#"{"userId":"u1","traits":{"first_name":"Wei"}}"#, to: .identify)
            try await h.send(#"{"anonymousId":"b1","event":"B only"}"#, to: .track)
            try await h.send(#"{"anonymousId":"b1","traits":{"color":"red"}}"#, to: .identify)
            let a = try await h.profile("user_id", "u1")
            let b = try await h.profile("anonymous_id", "b1")

            // When the pipeline merges b into a.
            let merge = try await h.services.pipeline.merge(
                workspaceID: h.workspaceID, from: b.id, into: a.id, cause: Identifier(type: "match", value: "7"),
                source: "duplicate")

            // Then one profile holds both, and its merge history says why.
            #expect(merge.fromID == b.id && merge.intoID == a.id && merge.members == [b.id])
            #expect(merge.source == "duplicate" && merge.cause == Identifier(type: "match", value: "7"))
            let merged = try await h.profile("anonymous_id", "b1")
            #expect(merged.id == a.id && merged.mergedIDs == [b.id])
            #expect(h.trait(merged, "color") == #""red""#)
            let history = try await h.services.profiles.merges(workspaceID: h.workspaceID, id: a.id)
            #expect(history.first?.id == merge.id)

            // And undo splits them again, each with its own traits and events.
            let undone = try await h.services.pipeline.undoMerge(workspaceID: h.workspaceID, mergeID: merge.id)
            #expect(undone.undoneAt != nil)
            let restoredA = try await h.profile("user_id", "u1")
            let restoredB = try await h.profile("anonymous_id", "b1")
            #expect(restoredA.id == a.id && restoredB.id == b.id)
            #expect(h.trait(restoredA, "color") == nil && h.trait(restoredB, "color") == #""red""#)
            #expect(try await h.events(of: b.id).map(\.displayName).sorted() == ["B only", "identify"])
        }
    }

    @Test func aMergeThatWouldHoldTwoUserIDsIsRefused() async throws {
        try await Harness.run { h in
            try await h.send(#"{"userId":"u1","traits":{"first_name":"Wei"}}"#, to: .identify)
            try await h.send(#"{"userId":"u2","traits":{"first_name":"Wei"}}"#, to: .identify)
            let a = try await h.profile("user_id", "u1")
            let b = try await h.profile("user_id", "u2")
            await #expect {
                try await h.services.pipeline.merge(
                    workspaceID: h.workspaceID, from: b.id, into: a.id, cause: Identifier(type: "match", value: "1"),
                    source: "duplicate")
            } throws: { ($0 as? PanoramaError)?.code == "merge_limit_exceeded" }
            // Nothing changed and nothing was logged.
            #expect(try await h.profile("user_id", "u2").id == b.id)
            #expect(try await h.services.profiles.merges(workspaceID: h.workspaceID, id: a.id).isEmpty)
        }
    }

    @Test func mergingOneProfileOrAnUnknownOneIsRefused() async throws {
        try await Harness.run { h in
            try await h.send(#"{"anonymousId":"a1"}"#, to: .identify)
            try await h.send(#"{"anonymousId":"b1"}"#, to: .identify)
            let a = try await h.profile("anonymous_id", "a1").id
            let b = try await h.profile("anonymous_id", "b1").id
            let pipeline = h.services.pipeline
            let cause = Identifier(type: "match", value: "1")
            _ = try await pipeline.merge(
                workspaceID: h.workspaceID, from: b, into: a, cause: cause, source: "duplicate")
            // b is now part of a: merging again (by either id) is refused as already merged.
            for (from, into) in [(b, a), (a, b)] {
                await #expect {
                    try await pipeline.merge(
                        workspaceID: h.workspaceID, from: from, into: into, cause: cause, source: "duplicate")
                } throws: { ($0 as? PanoramaError)?.code == "already_merged" }
            }
            await #expect {
                try await pipeline.merge(
                    workspaceID: h.workspaceID, from: 999, into: a, cause: cause, source: "duplicate")
            } throws: { ($0 as? PanoramaError)?.code == "customer_not_found" }
            #expect(try await h.services.profiles.merges(workspaceID: h.workspaceID, id: a).count == 1)
        }
    }

    // MARK: Runs

    /// Profiles for the run tests, sent through the tracking API with no identifier in common:
    /// Wei Zhang twice (auto-merge), Catherine/Katherine Nguyen in two cities (review), and Hans
    /// Meier under two different user ids (refused).
    static let people = [
        #"{"anonymousId":"wei-1","traits":{"first_name":"Wei","last_name":"Zhang","birthday":"1990-03-15","city":"Shanghai"}}"#,
        #"{"anonymousId":"wei-2","traits":{"first_name":"wei","last_name":"ZHANG","birthday":"1990-03-15","city":"shanghai"}}"#,
        #"{"anonymousId":"cat-1","traits":{"first_name":"Catherine","last_name":"Nguyen","city":"Sydney"}}"#,
        #"{"anonymousId":"cat-2","traits":{"name":"Katherine Nguyen","city":"Melbourne"}}"#,
        #"{"userId":"u-100","traits":{"first_name":"Hans","last_name":"Meier","birthday":"1975-06-01","city":"Berlin"}}"#,
        #"{"userId":"u-200","traits":{"first_name":"Hans","last_name":"Meier","birthday":"1975-06-01","city":"Berlin"}}"#,
    ]

    func sendPeople(_ h: Harness) async throws {
        for person in Self.people { try await h.send(person, to: .identify) }
    }

    @Test func theSamePersonIsMergedOrProposedAndTheMergeCanBeUndone() async throws {
        try await Harness.run { h in
            try await sendPeople(h)
            let wei1 = try await h.profile("anonymous_id", "wei-1").id
            let wei2 = try await h.profile("anonymous_id", "wei-2").id

            let run = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)

            #expect(run.status == .succeeded, "\(run.error ?? "")")
            #expect(run.records == 6)
            #expect(run.comparedPairs > 0)
            #expect(run.autoMerged == 1 && run.proposed == 1 && run.refused == 1 && run.skipped == 0)
            #expect(run.durationMillis != nil && run.finishedAt != nil)
            // The younger profile went into the older one, logged as a duplicate merge.
            let merged = try await h.profile("anonymous_id", "wei-2")
            #expect(merged.id == wei1 && merged.mergedIDs == [wei2])
            let merge = try #require(
                try await h.services.profiles.merges(workspaceID: h.workspaceID, id: wei1).first)
            #expect(merge.source == "duplicate" && merge.cause.type == "match")
            let all = try await h.services.duplicates.candidates(
                workspaceID: h.workspaceID, status: nil, cursor: nil, limit: 100)
            let auto = try #require(all.items.first { $0.row.mergeID == merge.id })
            #expect(merge.cause.value == String(auto.row.id))
            #expect(auto.row.status == .merged && auto.row.decidedBy == "auto")
            #expect(auto.score.probability >= 0.99 && auto.score.decision == "merge")

            // The proposal names both profiles, with the score explained field by field.
            let pending = try await h.services.duplicates.candidates(
                workspaceID: h.workspaceID, status: .pending, cursor: nil, limit: 100)
            let proposal = try #require(pending.items.first)
            #expect(pending.items.count == 1)
            let cat1 = try await h.profile("anonymous_id", "cat-1").id
            let cat2 = try await h.profile("anonymous_id", "cat-2").id
            #expect(proposal.profiles.map(\.id) == [cat1, cat2])
            #expect(proposal.profiles[1].traits.contains { $0.name == "name" })
            #expect(proposal.score.probability >= 0.5 && proposal.score.probability < 0.99)
            let city = try #require(proposal.score.fields.first { $0.field == "city" })
            #expect(city.values == ["sydney", "melbourne"] && city.weight < 0)
            let given = try #require(proposal.score.fields.first { $0.field == "givenName" })
            #expect(given.weight > 0)
            let sum = proposal.score.fields.reduce(0) { $0 + $1.weight }
            #expect(abs(sum - proposal.score.weight) < 1e-9)

            // Undo splits the automatic merge, and the next run does not merge the pair again.
            _ = try await h.services.pipeline.undoMerge(workspaceID: h.workspaceID, mergeID: merge.id)
            #expect(try await h.profile("anonymous_id", "wei-2").id == wei2)
            let again = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
            #expect(again.autoMerged == 0 && again.skipped == 2 && again.proposed == 1)
            #expect(try await h.profile("anonymous_id", "wei-2").id == wei2)
            let runs = try await h.services.duplicates.runs(workspaceID: h.workspaceID, cursor: nil, limit: 10)
            #expect(runs.items.map(\.id) == [again.id, run.id])

            // A pending pair whose profiles become one some other way is closed by the next run.
            _ = try await h.services.duplicates.merge(workspaceID: h.workspaceID, from: cat2, into: cat1, actor: "test")
            _ = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
            let closed = try await h.services.duplicates.candidate(workspaceID: h.workspaceID, id: proposal.row.id)
            #expect(closed.row.status == .merged && closed.row.reason == "already_merged")
        }
    }

    /// Two customers who share only a (common) name and a city are proposed, never merged on their own.
    @Test func aNameAloneIsProposedNotMerged() async throws {
        try await Harness.run { h in
            for i in 0..<2 {
                try await h.send(
                    #"{"anonymousId": "zw-\#(i)", "traits": {"first_name": "伟", "last_name": "张", "city": "上海"}}"#,
                    to: .identify)
            }
            let run = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
            #expect(run.autoMerged == 0 && run.proposed == 1)
            let first = try await h.profile("anonymous_id", "zw-0").id
            #expect(try await h.profile("anonymous_id", "zw-1").id != first)
            // The pair's score holds both names: stored sealed, read in clear.
            let sql = try #require(h.services.store as? any SQLStore)
            let stored = try await sql.fetch(sql.sql("SELECT score FROM duplicate_candidates").query) { try $0.text(0) }
            #expect(stored.count == 1 && stored.allSatisfy { !$0.contains("张") && $0.hasPrefix("\"pe1:") })
            let pairs = try await h.services.store.duplicateCandidates(
                workspaceID: h.workspaceID, status: nil, cursor: nil, limit: 10)
            #expect(pairs.items.first?.score.contains("张") == true)
            // With the same birth date as well, the pending pair is one person on the next run.
            for i in 0..<2 {
                try await h.send(#"{"anonymousId": "zw-\#(i)", "traits": {"birthday": "1990-05-17"}}"#, to: .identify)
            }
            let again = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
            #expect(again.autoMerged == 1)
            #expect(try await h.profile("anonymous_id", "zw-1").id == first)
        }
    }

    @Test func aReviewedPairIsMergedOrRejectedAndNotProposedAgain() async throws {
        try await Harness.run { h in
            try await sendPeople(h)
            let duplicates = h.services.duplicates
            _ = try await duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            let proposal = try #require(
                try await duplicates.candidates(workspaceID: h.workspaceID, status: .pending, cursor: nil, limit: 10)
                    .items.first)

            // Rejected: two different people; the next run leaves the pair alone.
            let rejected = try await duplicates.reject(workspaceID: h.workspaceID, id: proposal.row.id)
            #expect(rejected.row.status == .rejected && rejected.row.decidedBy == "reviewer")
            await #expect {
                try await duplicates.reject(workspaceID: h.workspaceID, id: proposal.row.id)
            } throws: { ($0 as? PanoramaError)?.code == "duplicate_already_decided" }
            await #expect {
                try await duplicates.accept(workspaceID: h.workspaceID, id: proposal.row.id)
            } throws: { ($0 as? PanoramaError)?.code == "duplicate_already_decided" }
            let second = try await duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            #expect(second.proposed == 0 && second.skipped >= 2)
            #expect(
                try await duplicates.candidates(workspaceID: h.workspaceID, status: .pending, cursor: nil, limit: 10)
                    .items.isEmpty)
            await #expect {
                try await duplicates.candidate(workspaceID: h.workspaceID, id: 9_999)
            } throws: { ($0 as? PanoramaError)?.code == "duplicate_not_found" }
        }
    }

    @Test func anAcceptedPairIsMergedThroughThePipeline() async throws {
        try await Harness.run { h in
            try await sendPeople(h)
            let duplicates = h.services.duplicates
            try await duplicates.saveSettings(
                workspaceID: h.workspaceID,
                {
                    var s = DuplicateSettings.default
                    s.autoMerge = false
                    return s
                }())
            let run = try await duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            // With auto-merge off, the pair above the threshold is proposed too.
            #expect(run.autoMerged == 0 && run.proposed == 2 && run.refused == 1)
            let pending = try await duplicates.candidates(
                workspaceID: h.workspaceID, status: .pending, cursor: nil, limit: 10)
            let cat = try #require(pending.items.first { $0.score.decision == "review" })
            let cat1 = try await h.profile("anonymous_id", "cat-1").id
            let cat2 = try await h.profile("anonymous_id", "cat-2").id

            let merge = try await duplicates.accept(workspaceID: h.workspaceID, id: cat.row.id)
            #expect(merge.fromID == cat2 && merge.intoID == cat1 && merge.source == "duplicate")
            #expect(try await h.profile("anonymous_id", "cat-2").id == cat1)
            let decided = try await duplicates.candidate(workspaceID: h.workspaceID, id: cat.row.id)
            #expect(decided.row.status == .merged && decided.row.mergeID == merge.id)
            #expect(decided.row.decidedBy == "reviewer")
            #expect(decided.profiles.map(\.liveID) == [cat1, cat1])

            // The merge is undone like any other; the pair stays decided.
            _ = try await h.services.pipeline.undoMerge(workspaceID: h.workspaceID, mergeID: merge.id)
            #expect(try await h.profile("anonymous_id", "cat-2").id == cat2)
            let next = try await duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            #expect(next.proposed == 1 && next.skipped == 2)

            // A manual merge takes the same path.
            let manual = try await duplicates.merge(workspaceID: h.workspaceID, from: cat2, into: cat1, actor: "key:1")
            #expect(manual.source == "manual" && manual.cause == Identifier(type: "manual", value: "key:1"))
        }
    }

    @Test func twoUserIDsAreNeverMergedAndTheRefusalIsReported() async throws {
        try await Harness.run { h in
            try await sendPeople(h)
            let run = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            #expect(run.refused == 1)
            #expect(try await h.profile("user_id", "u-100").id != (try await h.profile("user_id", "u-200").id))
            let refused = try await h.services.duplicates.candidates(
                workspaceID: h.workspaceID, status: .refused, cursor: nil, limit: 10)
            let pair = try #require(refused.items.first)
            #expect(refused.items.count == 1)
            #expect(pair.row.reason == "merge_limit_exceeded" && pair.score.decision == "merge")
            #expect(pair.profiles.allSatisfy { $0.identifiers.contains { $0.type == "user_id" } })
            // Accepting it is refused the same way, by the identity graph.
            await #expect {
                try await h.services.duplicates.accept(workspaceID: h.workspaceID, id: pair.row.id)
            } throws: { ($0 as? PanoramaError)?.code == "merge_limit_exceeded" }
            let again = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            #expect(again.refused == 0 && again.skipped == 1)
        }
    }

    @Test func aClusterMergesIntoItsOldestProfile() async throws {
        try await Harness.run { h in
            for n in 1...3 {
                try await h.send(
                    #"{"anonymousId":"p\#(n)","traits":{"first_name":"Mei","last_name":"Lin","birthday":"1992-08-0\#(n == 3 ? 9 : 8)","city":"Hangzhou"}}"#,
                    to: .identify)
            }
            let ids = try await [1, 2, 3].asyncMap { try await h.profile("anonymous_id", "p\($0)").id }
            let run = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            // Three pairs, two merges: the third pair is already one profile by then.
            #expect(run.autoMerged == 2 && run.skipped == 1, "\(run)")
            let profile = try await h.profile("anonymous_id", "p3")
            #expect(profile.id == ids[0] && profile.mergedIDs.sorted() == [ids[1], ids[2]])
            let decided = try await h.services.duplicates.candidates(
                workspaceID: h.workspaceID, status: .merged, cursor: nil, limit: 10)
            #expect(decided.items.count == 3)
            #expect(decided.items.filter { $0.row.reason == "already_merged" }.count == 1)
        }
    }

    @Test func oneRunAtATimeAndAnAbandonedRunMakesWay() async throws {
        try await Harness.run { h in
            let store = h.services.store
            let now = h.clock.now()
            let first = try #require(
                try await store.startDuplicateRun(workspaceID: h.workspaceID, trigger: "api", now: now, staleBefore: 0))
            #expect(first.status == .running)
            #expect(
                try await store.startDuplicateRun(workspaceID: h.workspaceID, trigger: "api", now: now, staleBefore: 0)
                    == nil)
            await #expect {
                try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            } throws: { ($0 as? PanoramaError)?.code == "duplicate_run_in_progress" }
            // Silent since before `staleBefore`: marked failed, and a new run starts.
            let second = try #require(
                try await store.startDuplicateRun(
                    workspaceID: h.workspaceID, trigger: "api", now: now + 500_000, staleBefore: now + 1))
            #expect(second.id > first.id)
            let abandoned = try #require(try await store.duplicateRun(workspaceID: h.workspaceID, id: first.id))
            #expect(abandoned.status == .failed && abandoned.error?.hasPrefix("abandoned") == true)
        }
    }

    @Test func aStartedRunEndsInTheBackground() async throws {
        try await Harness.run { h in
            try await sendPeople(h)
            let started = try await h.services.duplicates.start(workspaceID: h.workspaceID, trigger: .api)
            #expect(started.status == .running && started.trigger == "api")
            let done = try await h.services.duplicates.waitForRun(workspaceID: h.workspaceID, id: started.id)
            #expect(done.status == .succeeded && done.autoMerged == 1)
            #expect(done.summary?.contains(#""estimation":"fixed""#) == true)
            await #expect {
                try await h.services.duplicates.run(workspaceID: h.workspaceID, id: started.id + 1)
            } throws: { ($0 as? PanoramaError)?.code == "duplicate_run_not_found" }
        }
    }

    @Test func settingsAreSavedValidatedAndReadBack() async throws {
        try await Harness.run { h in
            let duplicates = h.services.duplicates
            #expect(try await duplicates.settings(workspaceID: h.workspaceID) == .default)
            var settings = DuplicateSettings.default
            settings.autoMerge = false
            settings.scheduleMinutes = 60
            settings.matching.reviewThreshold = 0.7
            settings.fields = [DuplicateFieldSource(field: .givenName, traits: ["vorname"])]
            try await duplicates.saveSettings(workspaceID: h.workspaceID, settings)
            #expect(try await duplicates.settings(workspaceID: h.workspaceID) == settings)

            var invalid = settings
            invalid.matching.reviewThreshold = 0.999
            invalid.matching.autoMergeThreshold = 0.9
            await #expect {
                try await duplicates.saveSettings(workspaceID: h.workspaceID, invalid)
            } throws: { ($0 as? PanoramaError)?.code == "invalid_match_configuration" }
            invalid = settings
            invalid.scheduleMinutes = 0
            await #expect {
                try await duplicates.saveSettings(workspaceID: h.workspaceID, invalid)
            } throws: { ($0 as? PanoramaError)?.field == "schedule_minutes" }
            #expect(try await duplicates.settings(workspaceID: h.workspaceID) == settings)
        }
    }

    // MARK: FEBRL

    /// FEBRL dataset1 (1,000 records, 500 known duplicate pairs) sent as identify calls, one
    /// anonymous id each, the record's fields as traits; a run with the default settings
    /// auto-merges them, and the profiles it leaves are scored against the known duplicates.
    @Test func febrlDataset1IsDeduplicatedWithHighF1() async throws {
        let rows = try Self.febrlRows("dataset1.csv")
        try await Harness.run { h in
            let columns = [
                "given_name": "first_name", "surname": "last_name", "street_number": "street_number",
                "address_1": "address_1", "address_2": "address_2", "suburb": "city", "postcode": "postcode",
                "state": "province", "date_of_birth": "birthday", "soc_sec_id": "id_number",
            ]
            var batch: [JSONValue] = []
            for row in rows {
                var traits = JSONObject([("rec_id", .string(row["rec_id"]!))])
                for (column, trait) in columns.sorted(by: { $0.key < $1.key }) {
                    if let value = row[column], !value.isEmpty { traits.set(trait, .string(value)) }
                }
                batch.append(
                    .object([
                        "type": "identify", "anonymousId": .string("febrl-" + row["rec_id"]!),
                        "traits": .object(traits),
                    ]))
            }
            for start in stride(from: 0, to: batch.count, by: 200) {
                let slice = Array(batch[start..<min(batch.count, start + 200)])
                let result = try await h.send(JSONValue.object(["batch": .array(JSONArray(slice))]).jsonText)
                #expect(result.stored == slice.count)
            }

            // The default settings, but u estimated from 20,000 random pairs instead of 200,000: the
            // sample is most of the job's work, and the engine's own FEBRL tests cover the default.
            var settings = DuplicateSettings.default
            settings.matching.uSampleSize = 20_000
            try await h.services.duplicates.saveSettings(workspaceID: h.workspaceID, settings)
            let run = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .api)
            #expect(run.status == .succeeded && run.records == 1_000)
            #expect(run.summary?.contains(#""estimation":"expectation_maximisation""#) == true)

            // Score the live profiles against the known duplicates (rec-N-org, rec-N-dup-K).
            var entitiesByProfile: [Int64: [String]] = [:]
            for row in rows {
                let live = try await h.services.store.owners(
                    workspaceID: h.workspaceID,
                    identifier: Identifier(type: "anonymous_id", value: "febrl-" + row["rec_id"]!))
                entitiesByProfile[try #require(live.first), default: []].append(FEBRLDataset.entity(of: row["rec_id"]!))
            }
            var entitySizes: [String: Int] = [:]
            for row in rows { entitySizes[FEBRLDataset.entity(of: row["rec_id"]!), default: 0] += 1 }
            let truePairs = entitySizes.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
            var mergedPairs = 0
            var mergedTruePairs = 0
            for entities in entitiesByProfile.values where entities.count > 1 {
                for i in 0..<entities.count - 1 {
                    for j in i + 1..<entities.count {
                        mergedPairs += 1
                        if entities[i] == entities[j] { mergedTruePairs += 1 }
                    }
                }
            }
            let precision = mergedPairs == 0 ? 1 : Double(mergedTruePairs) / Double(mergedPairs)
            let recall = Double(mergedTruePairs) / Double(truePairs)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            #expect(truePairs == 500)
            #expect(f1 >= 0.95, "precision \(precision), recall \(recall), F1 \(f1); run \(run)")
            print(
                "FEBRL dataset1 through the service: auto-merged \(run.autoMerged), proposed \(run.proposed), "
                    + "precision \(precision), recall \(recall), F1 \(f1), \(run.durationMillis ?? 0) ms")
        }
    }

    /// The rows of a FEBRL CSV by column name, from ../shared/data/febrl (or $PANORAMA_SHARED).
    static func febrlRows(_ name: String) throws -> [[String: String]] {
        let shared =
            ProcessInfo.processInfo.environment["PANORAMA_SHARED"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared")
            .standardizedFileURL.path
        let path = shared + "/data/febrl/\(name)"
        guard let data = FileManager.default.contents(atPath: path) else {
            Issue.record("FEBRL data set missing at \(path): set PANORAMA_SHARED or put ../shared next to the package")
            throw PanoramaError.notFound("missing_data_set", path)
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        let trim = { (cell: Substring) in cell.trimmingCharacters(in: .whitespaces) }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(trim)
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(trim)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }
}

extension Array {
    /// The results of `transform` on each element, in order, one at a time.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

/// The same duplicate tests on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresDuplicateTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = DuplicateTests()

    @Test func aNameAloneIsProposedNotMerged() async throws {
        try await on { try await tests.aNameAloneIsProposedNotMerged() }
    }
    @Test func aMergeOfTwoLiveProfilesIsLoggedAndUndoRestoresBoth() async throws {
        try await on { try await tests.aMergeOfTwoLiveProfilesIsLoggedAndUndoRestoresBoth() }
    }
    @Test func aMergeThatWouldHoldTwoUserIDsIsRefused() async throws {
        try await on { try await tests.aMergeThatWouldHoldTwoUserIDsIsRefused() }
    }
    @Test func mergingOneProfileOrAnUnknownOneIsRefused() async throws {
        try await on { try await tests.mergingOneProfileOrAnUnknownOneIsRefused() }
    }
    @Test func theSamePersonIsMergedOrProposedAndTheMergeCanBeUndone() async throws {
        try await on { try await tests.theSamePersonIsMergedOrProposedAndTheMergeCanBeUndone() }
    }
    @Test func aReviewedPairIsMergedOrRejectedAndNotProposedAgain() async throws {
        try await on { try await tests.aReviewedPairIsMergedOrRejectedAndNotProposedAgain() }
    }
    @Test func anAcceptedPairIsMergedThroughThePipeline() async throws {
        try await on { try await tests.anAcceptedPairIsMergedThroughThePipeline() }
    }
    @Test func twoUserIDsAreNeverMergedAndTheRefusalIsReported() async throws {
        try await on { try await tests.twoUserIDsAreNeverMergedAndTheRefusalIsReported() }
    }
    @Test func aClusterMergesIntoItsOldestProfile() async throws {
        try await on { try await tests.aClusterMergesIntoItsOldestProfile() }
    }
    @Test func oneRunAtATimeAndAnAbandonedRunMakesWay() async throws {
        try await on { try await tests.oneRunAtATimeAndAnAbandonedRunMakesWay() }
    }
    @Test func aStartedRunEndsInTheBackground() async throws {
        try await on { try await tests.aStartedRunEndsInTheBackground() }
    }
    @Test func settingsAreSavedValidatedAndReadBack() async throws {
        try await on { try await tests.settingsAreSavedValidatedAndReadBack() }
    }
    @Test func febrlDataset1IsDeduplicatedWithHighF1() async throws {
        try await on { try await tests.febrlDataset1IsDeduplicatedWithHighF1() }
    }

    /// `panorama migrate-store` copies the duplicate tables: runs, decided pairs and settings read
    /// the same on PostgreSQL, and the next run there continues where SQLite left off.
    @Test func migrateStoreCarriesRunsPairsAndSettings() async throws {
        // Given an SQLite deployment with a run, a rejected pair and saved settings.
        let dir = try await Backend.freshLocation()
        let rejected: Int64 = try await Harness.run(location: dir) { h in
            try await tests.sendPeople(h)
            let duplicates = h.services.duplicates
            _ = try await duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
            let pending = try await duplicates.candidates(
                workspaceID: h.workspaceID, status: .pending, cursor: nil, limit: 10)
            let pair = try #require(pending.items.first)
            _ = try await duplicates.reject(workspaceID: h.workspaceID, id: pair.row.id)
            var settings = DuplicateSettings.default
            settings.scheduleMinutes = 720
            try await duplicates.saveSettings(workspaceID: h.workspaceID, settings)
            return pair.row.id
        }
        let source = try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection)

        // When it is migrated.
        let (report, url) = try await StoreMigrationTests.migrate(source)

        // Then the tables verify, and PostgreSQL answers what SQLite answers.
        #expect(report.verified, "\(report.tables.filter { !$0.verified })")
        let rows = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.copiedRows) })
        #expect(rows["duplicate_settings"] == 1 && rows["duplicate_runs"] == 1 && rows["duplicate_candidates"] == 3)
        try await on {
            try await Harness.run(location: url) { h in
                let store = h.services.store
                let before = try await source.duplicateCandidates(workspaceID: 1, status: nil, cursor: nil, limit: 10)
                let after = try await store.duplicateCandidates(workspaceID: 1, status: nil, cursor: nil, limit: 10)
                #expect(after.items == before.items)
                #expect(
                    try await store.duplicateRuns(workspaceID: 1, cursor: nil, limit: 10).items
                        == (try await source.duplicateRuns(workspaceID: 1, cursor: nil, limit: 10).items))
                #expect(try await h.services.duplicates.settings(workspaceID: h.workspaceID).scheduleMinutes == 720)
                // And the next run gets a new id and leaves the decided pairs alone.
                let next = try await h.services.duplicates.run(workspaceID: h.workspaceID, trigger: .cli)
                #expect(next.id == 2 && next.proposed == 0 && next.skipped == 2)
                let pair = try await h.services.duplicates.candidate(workspaceID: h.workspaceID, id: rejected)
                #expect(pair.row.status == .rejected)
            }
        }
    }
}
