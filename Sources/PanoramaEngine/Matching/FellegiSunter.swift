#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Fellegi–Sunter model of a matching job: for every comparison level, the probability of
/// seeing it in a pair of records of the same person (m) and of different people (u).
///
/// A pair's match weight is the sum over its compared fields of log2(m/u) of the level it got, a
/// log Bayes factor: +10 means the comparison pattern is 2¹⁰ times likelier for the same person.
/// Missing values add 0. With the prior share of matches λ among candidate pairs, the posterior
/// match probability is 1 / (1 + 2^−(weight + log2(λ/(1−λ)))).
public struct FellegiSunterModel: Codable, Sendable, Equatable {
    /// m[comparison][level]: P(level | same person).
    public var m: [[Double]]
    /// u[comparison][level]: P(level | different people).
    public var u: [[Double]]
    /// λ: the share of candidate pairs that are the same person.
    public var matchPrior: Double

    /// A model with the given parameters.
    public init(m: [[Double]], u: [[Double]], matchPrior: Double) {
        self.m = m
        self.u = u
        self.matchPrior = matchPrior
    }

    /// The configured defaults (the starting point of estimation, or the model when it is off).
    public init(_ configuration: MatchConfiguration) {
        m = configuration.comparisons.map(\.m)
        u = configuration.comparisons.map(\.u)
        matchPrior = configuration.matchPrior
    }

    /// weights[comparison][level] = log2(m/u).
    public var weights: [[Double]] {
        zip(m, u).map { m, u in zip(m, u).map { log2($0 / $1) } }
    }

    /// log2(λ/(1−λ)), the weight of the prior.
    public var priorWeight: Double { log2(matchPrior / (1 - matchPrior)) }

    /// The match weight of a comparison pattern.
    public func weight(of pattern: ComparisonPattern) -> Double {
        let table = weights
        var total = 0.0
        for index in table.indices {
            if let level = pattern.level(index) { total += table[index][level] }
        }
        return total
    }

    /// Posterior probability that a pair with match weight `weight` is the same person.
    public func probability(weight: Double) -> Double {
        1 / (1 + exp2(-(weight + priorWeight)))
    }
}

/// Unsupervised estimation of a `FellegiSunterModel`, as Splink does it: u from the level
/// frequencies among random record pairs (nearly all of which are different people), then m and
/// λ by expectation–maximisation over the comparison patterns of the candidate pairs, u held fixed.
enum FellegiSunterEstimation {
    /// u from level counts over random pairs, smoothed towards the configured u with the weight
    /// of `priorStrength` pairs (so a handful of records cannot produce extreme values). A level
    /// never seen gets at least half of one observation: its frequency is below 1/N, and no
    /// weight becomes infinite. A comparison never observed (a field nobody has) keeps its u.
    static func u(counts: [[Int]], defaults: [[Double]], priorStrength: Double = 100) -> [[Double]] {
        zip(counts, defaults).map { levelCounts, defaultU in
            let observed = Double(levelCounts.reduce(0, +))
            guard observed > 0 else { return defaultU }
            let floor = 0.5 / (observed + priorStrength)
            let raw = zip(levelCounts, defaultU).map { count, prior in
                max((Double(count) + priorStrength * prior) / (observed + priorStrength), floor)
            }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
    }

    /// m and λ by EM over distinct patterns (levels, number of pairs). Each m row gets a weak
    /// Dirichlet prior centred on the configured m (`priorStrength` pairs' worth), so a field
    /// that is rarely present cannot drift to degenerate values.
    static func expectationMaximisation(
        patterns: [(levels: UInt64, count: Int)], start: FellegiSunterModel, maxIterations: Int,
        tolerance: Double, priorStrength: Double
    ) -> (model: FellegiSunterModel, iterations: Int) {
        var model = start
        let comparisonCount = model.m.count
        let total = Double(patterns.reduce(0) { $0 + $1.count })
        guard total > 0 else { return (model, 0) }
        let logU = model.u.map { $0.map { log($0) } }
        let logMissing = ComparisonPattern.missing
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let logM = model.m.map { $0.map { log($0) } }
            let logPrior = log(model.matchPrior)
            let logNotPrior = log(1 - model.matchPrior)
            var mCounts = start.m.map { $0.map { $0 * priorStrength } }
            var matchTotal = 0.0
            for pattern in patterns {
                var lm = logPrior
                var lu = logNotPrior
                for c in 0..<comparisonCount {
                    let level = (pattern.levels >> UInt64(4 * c)) & 0xF
                    if level == logMissing { continue }
                    lm += logM[c][Int(level)]
                    lu += logU[c][Int(level)]
                }
                let share = 1 / (1 + exp(lu - lm))
                let weight = share * Double(pattern.count)
                matchTotal += weight
                for c in 0..<comparisonCount {
                    let level = (pattern.levels >> UInt64(4 * c)) & 0xF
                    if level == logMissing { continue }
                    mCounts[c][Int(level)] += weight
                }
            }
            let newM = mCounts.map { row in
                let sum = row.reduce(0, +)
                return row.map { $0 / sum }
            }
            let newPrior = min(max(matchTotal / total, 1e-9), 1 - 1e-9)
            var change = abs(newPrior - model.matchPrior)
            for c in 0..<comparisonCount {
                for level in newM[c].indices { change = max(change, abs(newM[c][level] - model.m[c][level])) }
            }
            model.m = newM
            model.matchPrior = newPrior
            if change < tolerance { break }
        }
        return (model, iterations)
    }
}
