import Foundation
import PanoramaCore
import Testing

@testable import PanoramaEngine

/// Thrown after recording the issue, to stop a test whose data set is absent.
private struct MissingDataSet: Error {}

/// The FEBRL data sets of ../shared/data/febrl, found relative to this file (the package root's
/// sibling `shared`). Fails the calling test with a clear message when the file is absent.
private func febrl(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [LabelledRecord] {
    // ../shared next to the package, or where PANORAMA_SHARED says (as .ci/run does).
    let shared =
        ProcessInfo.processInfo.environment["PANORAMA_SHARED"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared")
        .standardizedFileURL.path
    let path = shared + "/data/febrl/\(name)"
    guard let data = FileManager.default.contents(atPath: path) else {
        Issue.record(
            "FEBRL data set missing at \(path): the accuracy tests need ../shared/data/febrl next to the package (or PANORAMA_SHARED)",
            sourceLocation: sourceLocation)
        throw MissingDataSet()
    }
    return try FEBRLDataset.parse(String(decoding: data, as: UTF8.self))
}

private func near(_ value: Double, _ expected: Double, _ tolerance: Double = 0.0005) -> Bool {
    abs(value - expected) <= tolerance
}

// MARK: - Comparators

@Suite("String similarity")
struct StringSimilarityTests {
    @Test("Jaro and Jaro–Winkler reproduce the published values (Winkler 1990; Cohen et al.)")
    func jaroWinklerKnownValues() {
        #expect(near(StringSimilarity.jaro("MARTHA", "MARHTA"), 0.944))
        #expect(near(StringSimilarity.jaroWinkler("MARTHA", "MARHTA"), 0.961))
        #expect(near(StringSimilarity.jaro("DWAYNE", "DUANE"), 0.822))
        #expect(near(StringSimilarity.jaroWinkler("DWAYNE", "DUANE"), 0.840))
        #expect(near(StringSimilarity.jaro("DIXON", "DICKSONX"), 0.767))
        #expect(near(StringSimilarity.jaroWinkler("DIXON", "DICKSONX"), 0.813))
    }

    @Test func jaroWinklerEdgeCases() {
        #expect(StringSimilarity.jaroWinkler("same", "same") == 1)
        #expect(StringSimilarity.jaroWinkler("abc", "xyz") == 0)
        #expect(StringSimilarity.jaroWinkler("", "abc") == 0)
        #expect(StringSimilarity.jaroWinkler("", "") == 1)
        // Non-Latin scripts compare per scalar: one differing character of three.
        #expect(StringSimilarity.jaroWinkler("王小明", "王晓明") > 0.7)
    }

    @Test("strings longer than 64 scalars take the buffer path and agree with the short path")
    func jaroWinklerLongStrings() {
        let a = String(repeating: "abcdefghij", count: 8)
        let b = String(repeating: "abcdefghij", count: 7) + "abcdefghji"
        let short = StringSimilarity.jaroWinkler(String(a.prefix(60)), String(b.prefix(60)))
        #expect(short == 1)
        let long = StringSimilarity.jaroWinkler(a, b)
        #expect(long < 1 && long > 0.99)
    }

    @Test("every measure is symmetric, for any pair of random strings")
    func symmetry() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("aabcdeeinorst ")
        for _ in 0..<2_000 {
            let a = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let b = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(StringSimilarity.jaroWinkler(a, b) == StringSimilarity.jaroWinkler(b, a), "\(a) / \(b)")
            #expect(StringSimilarity.damerauLevenshtein(a, b) == StringSimilarity.damerauLevenshtein(b, a))
            #expect(StringSimilarity.tokenSet(a, b) == StringSimilarity.tokenSet(b, a), "\(a) / \(b)")
        }
    }

    @Test func damerauLevenshtein() {
        #expect(StringSimilarity.damerauLevenshtein("kitten", "sitting") == 3)
        #expect(StringSimilarity.damerauLevenshtein("abcd", "abdc") == 1)
        #expect(StringSimilarity.damerauLevenshtein("6089216", "6089261") == 1)
        #expect(StringSimilarity.damerauLevenshtein("", "abc") == 3)
        // Optimal string alignment: a transposed pair is not edited again.
        #expect(StringSimilarity.damerauLevenshtein("ca", "abc") == 3)
    }

    @Test func tokenSet() {
        #expect(StringSimilarity.tokenSet("pridham street", "street pridham") == 1)
        #expect(near(StringSimilarity.tokenSet("milton road", "milton street"), 1.0 / 3.0))
        #expect(StringSimilarity.tokenSet("a", "b") == 0)
    }

    @Test("Soundex codes of the standard examples")
    func soundex() {
        #expect(StringSimilarity.soundex("robert") == "r163")
        #expect(StringSimilarity.soundex("rupert") == "r163")
        #expect(StringSimilarity.soundex("tymczak") == "t522")
        #expect(StringSimilarity.soundex("pfister") == "p236")
        #expect(StringSimilarity.soundex("ashcraft") == "a261")
        #expect(StringSimilarity.soundex("lee") == "l000")
        #expect(StringSimilarity.soundex("王") == nil)
    }
}

@Suite("Normalization for matching")
struct MatchNormalizerTests {
    @Test func text() {
        #expect(MatchNormalizer.normalize("  O'Brien-Smith  ", as: .text) == "obrien smith")
        #expect(MatchNormalizer.normalize("St.  James\tRd.", as: .text) == "st james rd")
        #expect(MatchNormalizer.normalize("ＪＯＨＮ　Ｓｍｉｔｈ", as: .text) == "john smith")
        #expect(MatchNormalizer.normalize("Ünal", as: .text) == "ünal")
        #expect(MatchNormalizer.normalize(" - ", as: .text) == nil)
    }

    @Test func identifiersAndDates() {
        #expect(MatchNormalizer.normalize("SW1A 1AA", as: .alphanumeric) == "sw1a1aa")
        #expect(MatchNormalizer.normalize("+86 138-0013-8000", as: .digits) == "8613800138000")
        #expect(MatchNormalizer.normalize(" Ann.Lee@Example.COM ", as: .email) == "ann.lee@example.com")
        #expect(MatchNormalizer.normalize("1990-2-3", as: .date) == "19900203")
        #expect(MatchNormalizer.normalize("1990/02/19", as: .date) == "19900219")
        #expect(MatchNormalizer.normalize("19900219", as: .date) == "19900219")
    }

    @Test("field indices follow declaration order (prepared storage relies on it)")
    func fieldIndices() {
        for (position, field) in MatchField.allCases.enumerated() { #expect(field.index == position) }
    }

    @Test func recordsNormalizeOnSet() {
        var record = MatchRecord(id: 1, givenName: " Harley ", surname: "McCarthy")
        #expect(record[.givenName] == "harley")
        #expect(record[.surname] == "mccarthy")
        record[.city] = "   "
        #expect(record[.city] == nil)
    }
}

// MARK: - Comparison levels

@Suite("Field comparison")
struct FieldComparisonTests {
    let matcher = try! Matcher()
    let model = FellegiSunterModel(MatchConfiguration.default)

    func detail(_ a: MatchRecord, _ b: MatchRecord, _ field: MatchField) -> FieldComparisonDetail {
        matcher.explain(a, b, model: model).details.first { $0.field == field }!
    }

    @Test("birth dates: exact, day/month swapped, one digit off, far apart")
    func birthDates() {
        let base = MatchRecord(id: 1, birthDate: "19750312")
        #expect(detail(base, MatchRecord(id: 2, birthDate: "1975-03-12"), .birthDate).level == 0)
        #expect(detail(base, MatchRecord(id: 2, birthDate: "19751203"), .birthDate).level == 1)
        #expect(detail(base, MatchRecord(id: 2, birthDate: "19750313"), .birthDate).level == 1)
        #expect(detail(base, MatchRecord(id: 2, birthDate: "19880704"), .birthDate).label == "different")
        #expect(detail(base, MatchRecord(id: 2), .birthDate).label == "missing")
        #expect(detail(base, MatchRecord(id: 2), .birthDate).weight == 0)
    }

    @Test("names: typos fall into Jaro–Winkler levels; swapped given name and surname compare crosswise")
    func names() {
        let a = MatchRecord(id: 1, givenName: "georgia", surname: "pettigrove")
        let typo = matcher.explain(a, MatchRecord(id: 2, givenName: "georiga", surname: "pettigrove"), model: model)
        #expect(typo.details[0].level == 1)
        #expect(typo.details[1].level == 0)
        let swapped = matcher.explain(a, MatchRecord(id: 2, givenName: "pettigrove", surname: "georgia"), model: model)
        #expect(swapped.pair.pattern.namesCrossed)
        #expect(swapped.details[0].level == 0 && swapped.details[1].level == 0)
        #expect(swapped.details[0].values! == ["georgia", "georgia"])
    }

    @Test("addresses: spaces lost or added still count as exact; reordered words as near")
    func addresses() {
        let a = MatchRecord(id: 1, addressLine1: "pridham street", city: "winston hills")
        let b = MatchRecord(id: 2, addressLine1: "pridhamstreet", city: "winstonh ills")
        #expect(detail(a, b, .addressLine1).level == 0)
        #expect(detail(a, b, .city).level == 0)
        let c = MatchRecord(id: 3, addressLine1: "street pridham")
        #expect(detail(a, c, .addressLine1).level == 1)
    }

    @Test("numeric comparator: levels by absolute difference")
    func numeric() throws {
        var configuration = MatchConfiguration.default
        let index = try #require(configuration.comparisons.firstIndex { $0.field == .streetNumber })
        configuration.comparisons[index] = FieldComparison(
            field: .streetNumber, comparator: .numeric, thresholds: [2, 10], m: [0.8, 0.1, 0.05, 0.05],
            u: [0.01, 0.04, 0.15, 0.8])
        let matcher = try Matcher(configuration: configuration)
        let model = FellegiSunterModel(configuration)
        let a = MatchRecord(id: 1, streetNumber: "48")
        func level(_ other: String) -> Int? {
            matcher.explain(a, MatchRecord(id: 2, streetNumber: other), model: model).details[index].level
        }
        #expect(level("48") == 0)
        #expect(level("46") == 1)
        #expect(level("57") == 2)
        #expect(level("84") == 3)
        #expect(level("4a") == 3)
    }

    @Test("a pair's weight is the sum of its fields' weights and the same in both directions")
    func explanationAddsUp() {
        let a = MatchRecord(
            id: 1, givenName: "lydia", surname: "mccarthy", birthDate: "19751220", postcode: "4670",
            nationalID: "1835068")
        let b = MatchRecord(
            id: 2, givenName: "lydia", surname: "mccaryhy", birthDate: "19751220", postcode: "4607",
            nationalID: "1835068")
        let ab = matcher.explain(a, b, model: model)
        let ba = matcher.explain(b, a, model: model)
        #expect(near(ab.pair.weight, ab.details.reduce(0) { $0 + $1.weight }, 1e-9))
        #expect(ab.pair.pattern == ba.pair.pattern)
        #expect(ab.pair.weight == ba.pair.weight)
        #expect(ab.pair.decision == .merge)
    }
}

// MARK: - Configuration

@Suite("Match configuration")
struct MatchConfigurationTests {
    @Test func defaultIsValidAndRoundTrips() throws {
        try MatchConfiguration.default.validate()
        let data = try JSONEncoder().encode(MatchConfiguration.default)
        #expect(try JSONDecoder().decode(MatchConfiguration.self, from: data) == .default)
    }

    @Test("absent keys take their defaults")
    func partialDecoding() throws {
        let json = #"{"autoMergeThreshold": 0.999, "blocking": [{"name": "dob", "keys": [{"field": "birthDate"}]}]}"#
        let configuration = try JSONDecoder().decode(MatchConfiguration.self, from: Data(json.utf8))
        #expect(configuration.autoMergeThreshold == 0.999)
        #expect(configuration.reviewThreshold == MatchConfiguration.default.reviewThreshold)
        #expect(configuration.comparisons == MatchConfiguration.default.comparisons)
        #expect(configuration.blocking == [BlockingRule("dob", [BlockingKey(.birthDate)])])
    }

    @Test("a fixed model is used as configured, without estimation")
    func fixedModel() async throws {
        var configuration = MatchConfiguration.default
        configuration.estimation = .fixed
        let records = [
            MatchRecord(id: 1, givenName: "ann", surname: "lee", birthDate: "19800101", postcode: "2000"),
            MatchRecord(id: 2, givenName: "ann", surname: "lee", birthDate: "19800101", postcode: "2000"),
            MatchRecord(id: 3, givenName: "bob", surname: "lee", birthDate: "19700505", postcode: "2000"),
        ]
        let result = try await Matcher(configuration: configuration).run(records)
        #expect(result.iterations == 0 && result.sampledPairs == 0)
        #expect(result.model == FellegiSunterModel(configuration))
        // Same surname and postcode but another given name and birth date (a relative?) is at most
        // worth a review; the identical records merge.
        #expect(result.pairs.filter { $0.decision == .merge }.map { [$0.firstID, $0.secondID] } == [[1, 2]])
        #expect(result.pairs.first?.decision == .merge)
    }

    @Test("blocks larger than maxBlockSize are skipped and reported")
    func oversizedBlocks() async throws {
        var configuration = MatchConfiguration.default
        configuration.blocking = [BlockingRule("birth date", [BlockingKey(.birthDate)])]
        configuration.maxBlockSize = 3
        let placeholder = (1...5).map { MatchRecord(id: Int64($0), birthDate: "19000101") }
        let real = [MatchRecord(id: 6, birthDate: "19800101"), MatchRecord(id: 7, birthDate: "1980-01-01")]
        let result = try await Matcher(configuration: configuration).run(placeholder + real, retainCandidates: true)
        #expect(result.blocking.rules[0].skippedBlocks == 1)
        #expect(result.blocking.rules[0].skippedPairs == 10)
        #expect(result.candidates == [RecordPair(5, 6)])
    }

    @Test("invalid configurations are rejected with a stable code")
    func validation() {
        var reversed = MatchConfiguration.default
        reversed.comparisons[0].thresholds = [0.8, 0.92]
        var thresholds = MatchConfiguration.default
        thresholds.reviewThreshold = 0.999
        thresholds.autoMergeThreshold = 0.9
        var levels = MatchConfiguration.default
        levels.comparisons[0].m = [0.5, 0.5]
        for configuration in [reversed, thresholds, levels] {
            #expect {
                try configuration.validate()
            } throws: { error in
                (error as? PanoramaError)?.code == "invalid_match_configuration"
            }
        }
    }
}

// MARK: - Blocking and accuracy on FEBRL

@Suite("Duplicate detection on FEBRL")
struct FEBRLMatchingTests {
    @Test func parsesLabelsIntoEntities() throws {
        let records = try FEBRLDataset.parse(
            "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n"
                + "rec-10-dup-0, kayla, harrington, , maltby circuit, coaling, coolaroo, 3465, nsw, 19150612, 9004242\n"
        )
        #expect(records.count == 1)
        #expect(records[0].entity == "10")
        #expect(records[0].record[.streetNumber] == nil)
        #expect(records[0].record[.city] == "coolaroo")
        #expect(records[0].record[.nationalID] == "9004242")
        #expect(throws: PanoramaError.self) { try FEBRLDataset.parse("given_name\nx\n") }
    }

    @Test("blocking proposes every known duplicate pair of dataset1 while comparing under 3 % of all pairs")
    func blockingFindsKnownDuplicates() async throws {
        let labelled = try febrl("dataset1.csv")
        let matcher = try Matcher()
        let prepared = PreparedRecords(labelled.map(\.record))
        let (candidates, report) = await matcher.candidatePairs(prepared)
        let candidateSet = Set(candidates)
        var truePairs = 0
        var found = 0
        for i in labelled.indices {
            for j in i + 1..<labelled.count where labelled[i].entity == labelled[j].entity {
                truePairs += 1
                if candidateSet.contains(RecordPair(i, j).packed) { found += 1 }
            }
        }
        #expect(truePairs == 500)
        #expect(found == truePairs, "pair completeness \(found)/\(truePairs)")
        #expect(report.candidatePairs == candidates.count)
        #expect(report.reductionRatio > 0.97, "\(report.candidatePairs) candidates")
        // A specific pair: rec-10-org and rec-10-dup-0 (surname, address, postcode and id agree).
        let org = try #require(labelled.firstIndex { $0.label == "rec-10-org" })
        let dup = try #require(labelled.firstIndex { $0.label == "rec-10-dup-0" })
        #expect(candidateSet.contains(RecordPair(org, dup).packed))
    }

    @Test("the default configuration reaches F1 ≥ 0.95 for auto-merge on dataset1")
    func accuracyOnDataset1() async throws {
        let labelled = try febrl("dataset1.csv")
        let result = try await Matcher().run(labelled.map(\.record), retainCandidates: true)
        let evaluation = MatchEvaluation(result: result, entities: labelled.map(\.entity))
        #expect(evaluation.truePairs == 500)
        #expect(evaluation.pairCompleteness ?? 0 >= 0.99)
        #expect(
            evaluation.f1 >= 0.95,
            "precision \(evaluation.precision), recall \(evaluation.recall), F1 \(evaluation.f1)")
    }

    @Test("every candidate pair is decided once, and decisions follow the thresholds")
    func decisionsArePairwiseConsistent() async throws {
        let labelled = try febrl("dataset1.csv")
        let configuration = MatchConfiguration.default
        let result = try await Matcher(configuration: configuration).run(labelled.map(\.record))
        let keys = result.pairs.map { RecordPair($0.first, $0.second) }
        #expect(Set(keys).count == keys.count)
        #expect(result.pairs.allSatisfy { $0.first < $0.second })
        for pair in result.pairs {
            switch pair.decision {
            case .merge: #expect(pair.probability >= configuration.autoMergeThreshold)
            case .review:
                #expect(pair.probability >= configuration.reviewThreshold)
                #expect(pair.probability < configuration.autoMergeThreshold)
            case .distinct: Issue.record("distinct pairs are not listed")
            }
            let details = result.details(of: pair)
            #expect(near(details.reduce(0) { $0 + $1.weight }, pair.weight, 1e-9))
        }
        #expect(result.mergeCount + result.reviewCount + result.distinctCount == result.blocking.candidatePairs)
    }

    @Test("comparison patterns are the same whichever record comes first")
    func patternsAreSymmetric() throws {
        let records = try febrl("dataset1.csv").map(\.record)
        let matcher = try Matcher()
        let prepared = PreparedRecords(records)
        var rng = SplitMix64(seed: 11)
        matcher.kernel.withViews(prepared) { views in
            for _ in 0..<5_000 {
                let a = Int.random(in: 0..<records.count, using: &rng)
                let b = Int.random(in: 0..<records.count, using: &rng)
                #expect(matcher.kernel.pattern(a, b, views) == matcher.kernel.pattern(b, a, views))
            }
        }
    }
}
