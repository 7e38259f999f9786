import PanoramaCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a matching job decides for a pair of records.
public enum MatchDecision: String, Codable, Sendable {
    /// Probability at or above `autoMergeThreshold`: merge without asking.
    case merge
    /// Between `reviewThreshold` and `autoMergeThreshold`: propose to a person.
    case review
    /// Below `reviewThreshold`: different people.
    case distinct
}

/// A candidate pair with its score and decision.
public struct ScoredPair: Sendable, Equatable {
    /// Indices of the two records in the job's input, `first < second`.
    public var first: Int
    public var second: Int
    /// Their record ids.
    public var firstID: Int64
    public var secondID: Int64
    /// Match weight: log2 of the Bayes factor for "same person".
    public var weight: Double
    /// Posterior probability of "same person".
    public var probability: Double
    public var decision: MatchDecision
    /// The comparison levels behind the weight (see `MatchResult.details(of:)`).
    public var pattern: ComparisonPattern
}

/// One field's part in a pair's score, for a review screen: why the pair scored as it did.
public struct FieldComparisonDetail: Sendable, Equatable, Codable {
    public var field: MatchField
    /// The level reached, nil when either record lacks the field.
    public var level: Int?
    /// "exact", "Jaro-Winkler ≥ 0.92", "different", "missing" …
    public var label: String
    /// log2(m/u) of the level: what the field added to the match weight (0 when missing).
    public var weight: Double
    /// Both records' values, when the detail comes from `Matcher.explain`.
    public var values: [String?]?
    /// The measured similarity (0…1) or, for distance comparators, minus the distance.
    public var similarity: Double?
}

/// The outcome of a matching job.
public struct MatchResult: Sendable {
    /// Time spent in each stage.
    public struct Timings: Sendable, Equatable {
        public var preparation: Duration = .zero
        public var blocking: Duration = .zero
        public var comparison: Duration = .zero
        public var estimation: Duration = .zero
        public var scoring: Duration = .zero
        public var total: Duration { preparation + blocking + comparison + estimation + scoring }
    }

    public var recordCount: Int
    /// Pairs decided `merge` or `review`, by descending weight. Each unordered pair appears once.
    public var pairs: [ScoredPair]
    public var mergeCount: Int
    public var reviewCount: Int
    /// Candidate pairs decided `distinct` (not listed).
    public var distinctCount: Int
    public var blocking: BlockingReport
    /// The model the pairs were scored with.
    public var model: FellegiSunterModel
    /// EM iterations run (0 for a fixed model).
    public var iterations: Int
    /// Random pairs compared to estimate u.
    public var sampledPairs: Int
    /// Distinct comparison patterns among the candidates.
    public var distinctPatterns: Int
    /// All candidate pairs, when the job was asked to keep them (for evaluation).
    public var candidates: [RecordPair]?
    public var timings: Timings
    /// The configuration the job ran with.
    public var configuration: MatchConfiguration

    /// Per-field levels and weights of a scored pair.
    public func details(of pair: ScoredPair) -> [FieldComparisonDetail] {
        let weights = model.weights
        return configuration.comparisons.enumerated().map { index, comparison in
            guard let level = pair.pattern.level(index) else {
                return FieldComparisonDetail(field: comparison.field, level: nil, label: "missing", weight: 0)
            }
            return FieldComparisonDetail(
                field: comparison.field, level: level, label: comparison.label(of: level),
                weight: weights[index][level])
        }
    }
}

/// The duplicate-detection job: compares customer records that share no identifier by name,
/// birth date, address and other attributes, and decides per pair whether to merge, propose a
/// merge for review, or leave them apart.
///
/// Stages: normalized values go into one contiguous scalar buffer; blocking rules propose
/// candidate pairs (never all n²); each candidate gets a comparison pattern (one agreement level
/// per field); a Fellegi–Sunter model, estimated without labels, turns patterns into weights and
/// probabilities; thresholds turn those into decisions. Comparison and u sampling are split into
/// chunks that run as child tasks, so all cores work. Comparisons are symmetric and every
/// unordered pair is scored once, so decisions are consistent pairwise.
public struct Matcher: Sendable {
    public let configuration: MatchConfiguration
    let kernel: ComparisonKernel

    /// A job with `configuration`; throws `invalid_match_configuration` when it cannot work.
    public init(configuration: MatchConfiguration = .default) throws {
        try configuration.validate()
        self.configuration = configuration
        self.kernel = ComparisonKernel(configuration)
    }

    /// Runs the job over `records` (fewer than 2³¹). With `retainCandidates`, the result lists
    /// every candidate pair (to measure pair completeness against known duplicates).
    public func run(_ records: [MatchRecord], retainCandidates: Bool = false) async -> MatchResult {
        precondition(records.count < Int(Int32.max), "a matching job takes fewer than 2³¹ records")
        let clock = ContinuousClock()
        var timings = MatchResult.Timings()
        var mark = clock.now

        /// Time since the previous lap.
        func lap() -> Duration {
            let now = clock.now
            defer { mark = now }
            return now - mark
        }

        let prepared = PreparedRecords(records)
        timings.preparation = lap()

        let (candidates, blocking) = await candidatePairs(prepared)
        timings.blocking = lap()

        let (patterns, patternCounts) = await comparePairs(candidates, prepared)
        timings.comparison = lap()

        var model = FellegiSunterModel(configuration)
        var iterations = 0
        var sampled = 0
        if configuration.estimation == .expectationMaximisation {
            let sample = randomPairs(count: records.count)
            sampled = sample.count
            let (samplePatterns, _) = await comparePairs(sample, prepared)
            var counts = configuration.comparisons.map { Array(repeating: 0, count: $0.levelCount) }
            for raw in samplePatterns {
                let pattern = ComparisonPattern(rawValue: raw)
                for index in counts.indices {
                    if let level = pattern.level(index) { counts[index][level] += 1 }
                }
            }
            model.u = FellegiSunterEstimation.u(counts: counts, defaults: model.u)
            (model, iterations) = FellegiSunterEstimation.expectationMaximisation(
                patterns: patternCounts, start: model, maxIterations: configuration.maxIterations,
                tolerance: configuration.tolerance, priorStrength: configuration.priorStrength)
        }
        timings.estimation = lap()

        var result = score(candidates, patterns, records: records, model: model)
        result.blocking = blocking
        result.iterations = iterations
        result.sampledPairs = sampled
        result.distinctPatterns = patternCounts.count
        if retainCandidates { result.candidates = candidates.map { RecordPair(packed: $0) } }
        timings.scoring = lap()
        result.timings = timings
        return result
    }

    /// Compares two records and explains the outcome under `model`: per field the values, the
    /// level, its weight and the measured similarity.
    public func explain(_ a: MatchRecord, _ b: MatchRecord, model: FellegiSunterModel) -> (
        pair: ScoredPair, details: [FieldComparisonDetail]
    ) {
        let prepared = PreparedRecords([a, b])
        let weights = model.weights
        return kernel.withViews(prepared) { views in
            let pattern = kernel.pattern(0, 1, views)
            var names: ComparisonKernel.NameArrangement? = nil
            if let g = kernel.givenNameIndex, let s = kernel.surnameIndex {
                names = kernel.nameArrangement(
                    0, 1, given: kernel.compiled[g], surname: kernel.compiled[s], views)
            }
            var details: [FieldComparisonDetail] = []
            for (index, comparison) in configuration.comparisons.enumerated() {
                let field = comparison.field.index
                var term = ComparisonKernel.NameArrangement.Term(
                    level: 0, similarity: 0, aField: field, bField: field)
                if let names, index == kernel.givenNameIndex {
                    term = names.given
                } else if let names, index == kernel.surnameIndex {
                    term = names.surname
                } else {
                    term.similarity = kernel.level(kernel.compiled[index], 0, field, 1, field, views).similarity
                }
                let level = pattern.level(index)
                details.append(
                    FieldComparisonDetail(
                        field: comparison.field, level: level,
                        label: level.map { comparison.label(of: $0) } ?? "missing",
                        weight: level.map { weights[index][$0] } ?? 0,
                        values: [a[MatchField.allCases[term.aField]], b[MatchField.allCases[term.bField]]],
                        similarity: level == nil ? nil : term.similarity))
            }
            let weight = details.reduce(0) { $0 + $1.weight }
            let probability = model.probability(weight: weight)
            let pair = ScoredPair(
                first: 0, second: 1, firstID: a.id, secondID: b.id, weight: weight, probability: probability,
                decision: decide(probability), pattern: pattern)
            return (pair, details)
        }
    }

    /// The decision the thresholds give a match probability.
    func decide(_ probability: Double) -> MatchDecision {
        if probability >= configuration.autoMergeThreshold { return .merge }
        if probability >= configuration.reviewThreshold { return .review }
        return .distinct
    }

    // MARK: - Stages

    /// The union of all blocking rules' pairs (sorted, packed), rules run as parallel tasks.
    func candidatePairs(_ prepared: PreparedRecords) async -> ([UInt64], BlockingReport) {
        let rules = configuration.blocking
        let maxBlockSize = configuration.maxBlockSize
        let perRule = await withTaskGroup(of: (Int, [UInt64], Int, Int).self) { group in
            for (index, rule) in rules.enumerated() {
                group.addTask {
                    let (pairs, skippedBlocks, skippedPairs) = Blocker(rule: rule, maxBlockSize: maxBlockSize).pairs(
                        prepared)
                    return (index, pairs, skippedBlocks, skippedPairs)
                }
            }
            var results = [(pairs: [UInt64], skippedBlocks: Int, skippedPairs: Int)?](
                repeating: nil, count: rules.count)
            for await (index, pairs, skippedBlocks, skippedPairs) in group {
                results[index] = (pairs, skippedBlocks, skippedPairs)
            }
            return results.map { $0! }
        }
        var union: [UInt64] = []
        var reports: [BlockingReport.Rule] = []
        for (rule, outcome) in zip(rules, perRule) {
            let (merged, added) = Blocker.union(union, outcome.pairs)
            union = merged
            reports.append(
                BlockingReport.Rule(
                    name: rule.name, pairs: outcome.pairs.count, newPairs: added,
                    skippedBlocks: outcome.skippedBlocks, skippedPairs: outcome.skippedPairs))
        }
        return (union, BlockingReport(rules: reports, recordCount: prepared.count, candidatePairs: union.count))
    }

    /// Comparison patterns of `pairs` (in order) and the count of each distinct pattern, computed
    /// in chunks by child tasks.
    func comparePairs(_ pairs: [UInt64], _ prepared: PreparedRecords) async -> (
        patterns: [UInt64], counts: [(levels: UInt64, count: Int)]
    ) {
        let chunkSize = 32_768
        let chunkCount = (pairs.count + chunkSize - 1) / chunkSize
        let kernel = self.kernel
        let chunks = await withTaskGroup(of: (Int, [UInt64], [UInt64: Int]).self) { group in
            for chunk in 0..<chunkCount {
                group.addTask {
                    let range = chunk * chunkSize..<min(pairs.count, (chunk + 1) * chunkSize)
                    var out: [UInt64] = []
                    out.reserveCapacity(range.count)
                    var counts: [UInt64: Int] = [:]
                    kernel.withViews(prepared) { views in
                        pairs.withUnsafeBufferPointer { pairs in
                            for index in range {
                                let packed = pairs[index]
                                let pattern = kernel.pattern(Int(packed >> 32), Int(packed & 0xFFFF_FFFF), views)
                                out.append(pattern.rawValue)
                                counts[pattern.levels, default: 0] += 1
                            }
                        }
                    }
                    return (chunk, out, counts)
                }
            }
            var results = [([UInt64], [UInt64: Int])?](repeating: nil, count: chunkCount)
            for await (chunk, out, counts) in group { results[chunk] = (out, counts) }
            return results.map { $0! }
        }
        var patterns: [UInt64] = []
        patterns.reserveCapacity(pairs.count)
        var counts: [UInt64: Int] = [:]
        for (out, chunkCounts) in chunks {
            patterns += out
            counts.merge(chunkCounts, uniquingKeysWith: +)
        }
        return (patterns, counts.map { (levels: $0.key, count: $0.value) }.sorted { $0.levels < $1.levels })
    }

    /// A reproducible sample of distinct-record pairs (with replacement) for estimating u.
    func randomPairs(count n: Int) -> [UInt64] {
        guard n >= 2 else { return [] }
        let all = n * (n - 1) / 2
        let size = min(configuration.uSampleSize, all)
        var generator = SplitMix64(seed: configuration.seed)
        var out: [UInt64] = []
        out.reserveCapacity(size)
        while out.count < size {
            let a = Int.random(in: 0..<n, using: &generator)
            let b = Int.random(in: 0..<n, using: &generator)
            if a != b { out.append(RecordPair(a, b).packed) }
        }
        return out
    }

    /// Weights, probabilities and decisions for every candidate.
    func score(_ pairs: [UInt64], _ patterns: [UInt64], records: [MatchRecord], model: FellegiSunterModel)
        -> MatchResult
    {
        let comparisonCount = configuration.comparisons.count
        // Flat weight table, 16 slots per comparison; the missing level (15) weighs 0.
        var table = [Double](repeating: 0, count: comparisonCount * 16)
        for (index, row) in model.weights.enumerated() {
            for (level, weight) in row.enumerated() { table[index * 16 + level] = weight }
        }
        var kept: [ScoredPair] = []
        var merges = 0
        var reviews = 0
        let reviewWeight = weightThreshold(model, configuration.reviewThreshold)
        for index in pairs.indices {
            let raw = patterns[index]
            var weight = 0.0
            for c in 0..<comparisonCount {
                weight += table[c * 16 + Int((raw >> UInt64(4 * c)) & 0xF)]
            }
            guard weight >= reviewWeight - 1e-9 else { continue }
            let probability = model.probability(weight: weight)
            let decision = decide(probability)
            guard decision != .distinct else { continue }
            if decision == .merge { merges += 1 } else { reviews += 1 }
            let packed = pairs[index]
            let first = Int(packed >> 32)
            let second = Int(packed & 0xFFFF_FFFF)
            kept.append(
                ScoredPair(
                    first: first, second: second, firstID: records[first].id, secondID: records[second].id,
                    weight: weight, probability: probability, decision: decision,
                    pattern: ComparisonPattern(rawValue: raw)))
        }
        kept.sort { $0.weight != $1.weight ? $0.weight > $1.weight : ($0.first, $0.second) < ($1.first, $1.second) }
        return MatchResult(
            recordCount: records.count, pairs: kept, mergeCount: merges, reviewCount: reviews,
            distinctCount: pairs.count - merges - reviews,
            blocking: BlockingReport(rules: [], recordCount: records.count, candidatePairs: pairs.count), model: model,
            iterations: 0, sampledPairs: 0, distinctPatterns: 0, candidates: nil, timings: .init(),
            configuration: configuration)
    }

    /// The weight at which the posterior probability reaches `probability` (a cheap pre-filter).
    private func weightThreshold(_ model: FellegiSunterModel, _ probability: Double) -> Double {
        guard probability < 1 else { return .infinity }
        return log2(probability / (1 - probability)) - model.priorWeight
    }
}
