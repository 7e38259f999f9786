import Foundation

/// One customer's purchase history in the form the customer-lifetime-value models read: repeat
/// purchases `x` (after the first), the time of the last one `tx` and the length of observation
/// `T`, both counted from the first purchase in a fixed unit (weeks in the papers), and the mean
/// value of the repeat purchases.
public struct PurchaseSummary: Sendable, Equatable {
    public var x: Double
    public var tx: Double
    public var T: Double
    /// Mean spend of the repeat purchases (0 without any).
    public var meanValue: Double

    public init(x: Double, tx: Double, T: Double, meanValue: Double = 0) {
        self.x = x
        self.tx = tx
        self.T = T
        self.meanValue = meanValue
    }
}

/// The BG/NBD model of purchase frequency and dropout (Fader, Hardie & Lee 2005, "Counting Your
/// Customers the Easy Way"): while alive, a customer buys as a Poisson process with rate λ ~
/// Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
public struct BGNBD: Sendable, Equatable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// The log-likelihood of one customer's history (FHL 2005, equation 6, in logs).
    public func logLikelihood(_ c: PurchaseSummary) -> Double {
        let (r, alpha, a, b) = (r, alpha, a, b)
        let lnA1 = lgamma(r + c.x) - lgamma(r) + r * log(alpha)
        let lnA2 = lgamma(a + b) + lgamma(b + c.x) - lgamma(b) - lgamma(a + b + c.x)
        let lnA3 = -(r + c.x) * log(alpha + c.T)
        guard c.x > 0 else { return lnA1 + lnA2 + lnA3 }
        let lnA4 = log(a) - log(b + c.x - 1) - (r + c.x) * log(alpha + c.tx)
        let top = max(lnA3, lnA4)
        return lnA1 + lnA2 + top + log(exp(lnA3 - top) + exp(lnA4 - top))
    }

    /// The probability that a customer with this history is still alive at `T` (FHL 2005,
    /// "Computing P(alive) using the BG/NBD model").
    public func probabilityAlive(_ c: PurchaseSummary) -> Double {
        guard c.x > 0 else { return 1 }
        let ratio = (r + c.x) * (log(alpha + c.T) - log(alpha + c.tx))
        return 1 / (1 + a / (b + c.x - 1) * exp(ratio))
    }

    /// Expected purchases in the next `t` time units, given the history (FHL 2005, equation 10).
    public func expectedPurchases(next t: Double, given c: PurchaseSummary) -> Double {
        guard t > 0 else { return 0 }
        let z = t / (alpha + c.T + t)
        let hyper = Self.hypergeometric2F1(r + c.x, b + c.x, a + b + c.x - 1, z)
        let first = (a + b + c.x - 1) / (a - 1)
        let decay = exp((r + c.x) * (log(alpha + c.T) - log(alpha + c.T + t)))
        let numerator = first * (1 - decay * hyper)
        let denominator: Double
        if c.x > 0 {
            denominator = 1 + a / (b + c.x - 1) * exp((r + c.x) * (log(alpha + c.T) - log(alpha + c.tx)))
        } else {
            denominator = 1
        }
        return numerator / denominator
    }

    /// Gauss's hypergeometric series ₂F₁(a, b; c; z) for 0 ≤ z < 1.
    static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        var term = 1.0
        var sum = 1.0
        for n in 0..<100_000 {
            let k = Double(n)
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            sum += term
            if abs(term) < 1e-15 * abs(sum) { break }
        }
        return sum
    }

    /// The maximum-likelihood parameters for a set of customers (Nelder–Mead on the logs of the
    /// parameters, so they stay positive).
    public static func fit(_ customers: [PurchaseSummary]) -> BGNBD {
        let start = [log(1.0), log(1.0), log(1.0), log(1.0)]
        let best = NelderMead.minimize(start) { p in
            let model = BGNBD(r: exp(p[0]), alpha: exp(p[1]), a: exp(p[2]), b: exp(p[3]))
            var total = 0.0
            for c in customers { total += model.logLikelihood(c) }
            return total.isFinite ? -total : .infinity
        }
        return BGNBD(r: exp(best[0]), alpha: exp(best[1]), a: exp(best[2]), b: exp(best[3]))
    }
}

/// The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013): a customer's purchase values
/// are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of how often they buy.
public struct GammaGamma: Sendable, Equatable {
    public var p: Double
    public var q: Double
    public var gamma: Double

    public init(p: Double, q: Double, gamma: Double) {
        self.p = p
        self.q = q
        self.gamma = gamma
    }

    /// The log-likelihood of a repeat customer's mean spend over `x` purchases.
    public func logLikelihood(_ c: PurchaseSummary) -> Double {
        let px = p * c.x
        return lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(gamma) + (px - 1) * log(c.meanValue)
            + px * log(c.x) - (px + q) * log(gamma + c.x * c.meanValue)
    }

    /// The expected value of a customer's future purchases given their history (Fader & Hardie
    /// 2013, equation 5): the mean of what they spent, shrunk toward the population mean.
    public func expectedMeanValue(_ c: PurchaseSummary) -> Double {
        (gamma + c.x * c.meanValue) * p / (p * c.x + q - 1)
    }

    /// Maximum-likelihood parameters from the repeat customers (x > 0, mean value > 0).
    public static func fit(_ customers: [PurchaseSummary]) -> GammaGamma {
        let repeaters = customers.filter { $0.x > 0 && $0.meanValue > 0 }
        let best = NelderMead.minimize([log(1.0), log(1.0), log(1.0)]) { v in
            let model = GammaGamma(p: exp(v[0]), q: exp(v[1]), gamma: exp(v[2]))
            var total = 0.0
            for c in repeaters { total += model.logLikelihood(c) }
            return total.isFinite ? -total : .infinity
        }
        return GammaGamma(p: exp(best[0]), q: exp(best[1]), gamma: exp(best[2]))
    }
}

/// Derivative-free minimization (Nelder–Mead simplex), restarted from its own result until it no
/// longer improves, which guards against an early collapse of the simplex.
enum NelderMead {
    static let stallWindow = 100
    static let stallTolerance = 1e-10

    static func minimize(
        _ start: [Double], step: Double = 0.5, tolerance: Double = 1e-11, maxIterations: Int = 20_000,
        _ f: ([Double]) -> Double
    ) -> [Double] {
        var best = start
        var bestValue = f(start)
        for _ in 0..<6 {
            let (point, value) = run(best, step: step, tolerance: tolerance, maxIterations: maxIterations, f)
            let improved = bestValue - value > tolerance * max(1, abs(bestValue))
            if value < bestValue {
                best = point
                bestValue = value
            }
            if !improved { break }
        }
        return best
    }

    private static func run(
        _ start: [Double], step: Double, tolerance: Double, maxIterations: Int, _ f: ([Double]) -> Double
    ) -> ([Double], Double) {
        let n = start.count
        var simplex = [start]
        for i in 0..<n {
            var p = start
            p[i] += step
            simplex.append(p)
        }
        var values = simplex.map(f)
        // The best value `stallWindow` iterations ago: a run whose best moved less than
        // `stallTolerance` (relative) since then is crawling along a ridge toward a boundary (a
        // likelihood whose maximum lies at infinity, e.g. BG/NBD's a, b → ∞ when no one seems to
        // drop out) and stops there instead of spending its whole budget for nothing.
        var mark = Double.infinity
        for iteration in 0..<maxIterations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) <= tolerance * max(1, abs(values[0])) { break }
            if iteration % stallWindow == 0 {
                if mark - values[0] <= stallTolerance * max(1, abs(values[0])) { break }
                mark = values[0]
            }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for i in 0..<n { centroid[i] += p[i] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1)
            let fr = f(reflected)
            if fr < values[0] {
                let expanded = along(-2)
                let fe = f(expanded)
                if fe < fr {
                    simplex[n] = expanded
                    values[n] = fe
                } else {
                    simplex[n] = reflected
                    values[n] = fr
                }
            } else if fr < values[n - 1] {
                simplex[n] = reflected
                values[n] = fr
            } else {
                let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                let fc = f(contracted)
                if fc < min(fr, values[n]) {
                    simplex[n] = contracted
                    values[n] = fc
                } else {
                    for i in 1...n {
                        simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                        values[i] = f(simplex[i])
                    }
                }
            }
        }
        let index = values.indices.min { values[$0] < values[$1] }!
        return (simplex[index], values[index])
    }
}

/// Ranking quality of a score against a binary outcome.
public enum ROC {
    /// The area under the ROC curve: the probability that a random positive scores above a random
    /// negative (ties count half), by ranks in O(n log n).
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        precondition(scores.count == labels.count, "one label per score")
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var positives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] {
                rankSum += averageRank
                positives += 1
            }
            i = j + 1
        }
        let negatives = Double(order.count) - positives
        guard positives > 0, negatives > 0 else { return .nan }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}
