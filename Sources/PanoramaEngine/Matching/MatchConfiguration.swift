import PanoramaCore

/// Everything a duplicate-detection job needs to know: what to compare and how, which pairs to
/// consider, how the model is obtained, and where the decisions lie.
///
/// `MatchConfiguration.default` is the one configuration measured on the FEBRL data sets (see
/// BENCHMARKS.md). Decoding fills every absent key from the default, so a stored configuration
/// only has to name what it changes.
public struct MatchConfiguration: Codable, Sendable, Equatable {
    /// How the Fellegi–Sunter model is obtained.
    public enum Estimation: String, Codable, Sendable {
        /// u from random pairs, m and λ by expectation–maximisation over the candidate pairs
        /// (unsupervised; the configured m and `matchPrior` are the starting point).
        case expectationMaximisation
        /// The configured m, u and `matchPrior`, as they are.
        case fixed
    }

    /// The compared fields, in pattern order (at most 15; each with at most 15 levels).
    public var comparisons: [FieldComparison]
    /// Also compare given name against surname: FEBRL-style records (and forms filled in the
    /// "wrong" order, as happens with Chinese names) swap the two.
    public var compareNamesCrosswise: Bool
    /// Blocking rules; a pair is a candidate when any rule proposes it.
    public var blocking: [BlockingRule]
    /// `sameKey` blocks with more records than this are skipped (a default birth date or a
    /// placeholder value would otherwise produce millions of pairs); the report counts them.
    public var maxBlockSize: Int
    public var estimation: Estimation
    /// Random pairs sampled to estimate u.
    public var uSampleSize: Int
    public var maxIterations: Int
    /// EM stops when no parameter moves by more than this.
    public var tolerance: Double
    /// Weight, in pairs, of the configured m as a prior during EM.
    public var priorStrength: Double
    /// λ: the share of candidate pairs expected to be matches (EM's start; used as is when fixed).
    public var matchPrior: Double
    /// Pairs with a match probability at or above this are merged automatically. Default 0.99:
    /// at most about one such merge in a hundred is expected to be wrong, and a wrong merge is
    /// the costly error (it can be undone, but meanwhile two people share one profile).
    public var autoMergeThreshold: Double
    /// Pairs at or above this (and below `autoMergeThreshold`) are proposed for review. Default
    /// 0.5: a person looks at every pair that is more likely the same person than not.
    public var reviewThreshold: Double
    /// Seed of the random pair sample, so that a job on the same records is reproducible.
    public var seed: UInt64

    /// The default configuration; see the individual defaults below for the reasoning.
    public static let `default` = MatchConfiguration()

    /// A configuration with the defaults, optionally overridden.
    public init(
        comparisons: [FieldComparison] = MatchConfiguration.defaultComparisons,
        compareNamesCrosswise: Bool = true,
        blocking: [BlockingRule] = MatchConfiguration.defaultBlocking,
        maxBlockSize: Int = 1_000,
        estimation: Estimation = .expectationMaximisation,
        uSampleSize: Int = 200_000,
        maxIterations: Int = 100,
        tolerance: Double = 1e-6,
        priorStrength: Double = 1,
        matchPrior: Double = 0.05,
        autoMergeThreshold: Double = 0.99,
        reviewThreshold: Double = 0.5,
        seed: UInt64 = 0x5EED
    ) {
        self.comparisons = comparisons
        self.compareNamesCrosswise = compareNamesCrosswise
        self.blocking = blocking
        self.maxBlockSize = maxBlockSize
        self.estimation = estimation
        self.uSampleSize = uSampleSize
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.priorStrength = priorStrength
        self.matchPrior = matchPrior
        self.autoMergeThreshold = autoMergeThreshold
        self.reviewThreshold = reviewThreshold
        self.seed = seed
    }

    /// Default comparisons. Levels follow common practice (Splink's and recordlinkage's
    /// Jaro–Winkler cut-offs 0.92/0.8 for names; one edit for codes); m and u are round figures
    /// of what EM arrives at on person data with typing errors: an exact agreement is ~70–90 %
    /// likely for the same person, a near one ~10–20 %; u reflects how many distinct values a
    /// field has (a state agrees by chance far more often than a national id number).
    public static let defaultComparisons: [FieldComparison] = [
        FieldComparison(
            field: .givenName, comparator: .jaroWinkler, thresholds: [0.92, 0.8],
            m: [0.75, 0.12, 0.03, 0.10], u: [0.005, 0.002, 0.008, 0.985]),
        FieldComparison(
            field: .surname, comparator: .jaroWinkler, thresholds: [0.92, 0.8],
            m: [0.75, 0.15, 0.03, 0.07], u: [0.004, 0.001, 0.005, 0.99]),
        FieldComparison(
            field: .birthDate, comparator: .date, thresholds: [],
            m: [0.90, 0.04, 0.06], u: [0.0005, 0.001, 0.9985]),
        FieldComparison(
            field: .streetNumber, comparator: .exact,
            m: [0.83, 0.17], u: [0.015, 0.985]),
        FieldComparison(
            field: .addressLine1, comparator: .jaroWinklerOrTokenSet, thresholds: [0.9, 0.8],
            m: [0.68, 0.22, 0.02, 0.08], u: [0.001, 0.001, 0.01, 0.988]),
        FieldComparison(
            field: .addressLine2, comparator: .jaroWinklerOrTokenSet, thresholds: [0.9, 0.8],
            m: [0.65, 0.25, 0.02, 0.08], u: [0.001, 0.001, 0.005, 0.993]),
        FieldComparison(
            field: .city, comparator: .jaroWinklerOrTokenSet, thresholds: [0.9, 0.8],
            m: [0.70, 0.20, 0.02, 0.08], u: [0.002, 0.001, 0.003, 0.994]),
        FieldComparison(
            field: .postcode, comparator: .damerauLevenshtein, thresholds: [1],
            m: [0.78, 0.18, 0.04], u: [0.002, 0.014, 0.984]),
        FieldComparison(
            field: .state, comparator: .exact,
            m: [0.95, 0.05], u: [0.2, 0.8]),
        FieldComparison(
            field: .phone, comparator: .damerauLevenshtein, thresholds: [1],
            m: [0.85, 0.05, 0.10], u: [0.0001, 0.0002, 0.9997]),
        FieldComparison(
            field: .email, comparator: .jaroWinkler, thresholds: [0.95],
            m: [0.85, 0.05, 0.10], u: [0.0001, 0.0002, 0.9997]),
        FieldComparison(
            field: .nationalID, comparator: .damerauLevenshtein, thresholds: [1],
            m: [0.87, 0.07, 0.06], u: [0.0001, 0.0001, 0.9998]),
    ]

    /// Default blocking. Each rule keys on fields that a typical typing error in the others
    /// leaves intact; together they keep pair completeness near 100 % on FEBRL while the
    /// candidates stay at a few dozen per record. The sorted-neighbourhood rules catch one-digit
    /// errors in id numbers (sorted forwards and reversed) and name typos after the first letters.
    public static let defaultBlocking: [BlockingRule] = [
        BlockingRule("national id", [BlockingKey(.nationalID)]),
        BlockingRule("phone", [BlockingKey(.phone)]),
        BlockingRule("email", [BlockingKey(.email)]),
        BlockingRule("birth date", [BlockingKey(.birthDate)]),
        BlockingRule("surname soundex + postcode", [BlockingKey(.surname, .soundex), BlockingKey(.postcode)]),
        BlockingRule(
            "surname soundex + birth year",
            [BlockingKey(.surname, .soundex), BlockingKey(.birthDate, .prefix, length: 4)]
        ),
        BlockingRule(
            "given name prefix + city prefix",
            [BlockingKey(.givenName, .prefix, length: 2), BlockingKey(.city, .prefix, length: 4)]),
        BlockingRule("postcode + street number", [BlockingKey(.postcode), BlockingKey(.streetNumber)]),
        BlockingRule(
            "name soundexes, either order", [BlockingKey(.givenName, .soundex), BlockingKey(.surname, .soundex)],
            unordered: true),
        BlockingRule("sorted national id", [BlockingKey(.nationalID)], method: .sortedNeighbourhood, window: 5),
        BlockingRule(
            "sorted reversed national id", [BlockingKey(.nationalID, .reversed)], method: .sortedNeighbourhood,
            window: 5),
        BlockingRule(
            "sorted surname + given name", [BlockingKey(.surname), BlockingKey(.givenName)],
            method: .sortedNeighbourhood, window: 5),
    ]

    /// Throws `invalid_match_configuration` when the configuration cannot work.
    public func validate() throws {
        /// The error for `field`, with the stable code.
        func fail(_ message: String, _ field: String) -> PanoramaError {
            PanoramaError.badRequest("invalid_match_configuration", message, field: field)
        }
        guard !comparisons.isEmpty, comparisons.count <= 15 else {
            throw fail("between 1 and 15 comparisons are needed", "comparisons")
        }
        for (index, comparison) in comparisons.enumerated() {
            let path = "comparisons[\(index)]"
            let levels = comparison.levelCount
            guard levels <= 15 else { throw fail("at most 15 levels per comparison", path + ".thresholds") }
            guard comparison.m.count == levels, comparison.u.count == levels else {
                throw fail("m and u need \(levels) entries (one per level) for \(comparison.field.rawValue)", path)
            }
            for (name, values) in [("m", comparison.m), ("u", comparison.u)] {
                guard values.allSatisfy({ $0 > 0 && $0 < 1 }), abs(values.reduce(0, +) - 1) < 1e-3 else {
                    throw fail("\(name) must be probabilities in (0, 1) that add up to 1", path + "." + name)
                }
            }
            let t = comparison.thresholds
            switch comparison.comparator {
            case .jaroWinkler, .jaroWinklerOrTokenSet:
                guard zip(t, t.dropFirst()).allSatisfy({ $0 > $1 }), t.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                    throw fail("similarity thresholds must be in (0, 1), in descending order", path + ".thresholds")
                }
            case .damerauLevenshtein, .date, .numeric:
                guard zip(t, t.dropFirst()).allSatisfy({ $0 < $1 }), t.allSatisfy({ $0 >= 0 }) else {
                    throw fail("distance thresholds must be ≥ 0, in ascending order", path + ".thresholds")
                }
            case .exact:
                break
            }
        }
        guard Set(comparisons.map(\.field)).count == comparisons.count else {
            throw fail("each field can be compared once", "comparisons")
        }
        guard !blocking.isEmpty else { throw fail("at least one blocking rule is needed", "blocking") }
        for (index, rule) in blocking.enumerated() {
            guard !rule.keys.isEmpty else { throw fail("a blocking rule needs a key", "blocking[\(index)].keys") }
            if rule.method == .sortedNeighbourhood && rule.window < 2 {
                throw fail("a sorted-neighbourhood window must be at least 2", "blocking[\(index)].window")
            }
        }
        guard maxBlockSize >= 2 else { throw fail("maxBlockSize must be at least 2", "maxBlockSize") }
        guard matchPrior > 0 && matchPrior < 1 else { throw fail("matchPrior must be in (0, 1)", "matchPrior") }
        guard reviewThreshold > 0, reviewThreshold <= autoMergeThreshold, autoMergeThreshold <= 1 else {
            throw fail("need 0 < reviewThreshold ≤ autoMergeThreshold ≤ 1", "autoMergeThreshold")
        }
        guard uSampleSize >= 1_000, maxIterations >= 1, tolerance > 0, priorStrength >= 0 else {
            throw fail("need uSampleSize ≥ 1000, maxIterations ≥ 1, tolerance > 0, priorStrength ≥ 0", "estimation")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case comparisons, compareNamesCrosswise, blocking, maxBlockSize, estimation, uSampleSize, maxIterations
        case tolerance, priorStrength, matchPrior, autoMergeThreshold, reviewThreshold, seed
    }

    /// Decodes a configuration; every absent key takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MatchConfiguration.default
        comparisons = try c.decodeIfPresent([FieldComparison].self, forKey: .comparisons) ?? d.comparisons
        compareNamesCrosswise =
            try c.decodeIfPresent(Bool.self, forKey: .compareNamesCrosswise) ?? d.compareNamesCrosswise
        blocking = try c.decodeIfPresent([BlockingRule].self, forKey: .blocking) ?? d.blocking
        maxBlockSize = try c.decodeIfPresent(Int.self, forKey: .maxBlockSize) ?? d.maxBlockSize
        estimation = try c.decodeIfPresent(Estimation.self, forKey: .estimation) ?? d.estimation
        uSampleSize = try c.decodeIfPresent(Int.self, forKey: .uSampleSize) ?? d.uSampleSize
        maxIterations = try c.decodeIfPresent(Int.self, forKey: .maxIterations) ?? d.maxIterations
        tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? d.tolerance
        priorStrength = try c.decodeIfPresent(Double.self, forKey: .priorStrength) ?? d.priorStrength
        matchPrior = try c.decodeIfPresent(Double.self, forKey: .matchPrior) ?? d.matchPrior
        autoMergeThreshold = try c.decodeIfPresent(Double.self, forKey: .autoMergeThreshold) ?? d.autoMergeThreshold
        reviewThreshold = try c.decodeIfPresent(Double.self, forKey: .reviewThreshold) ?? d.reviewThreshold
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }
}
