import Foundation

/// Binary logistic regression fitted by iteratively reweighted least squares (Newton's method
/// on the log-likelihood) with a small ridge penalty, on standardised features.
///
/// Features are centred and scaled by their mean and standard deviation (a constant feature gets
/// weight 0); the penalty keeps the Newton step defined when classes separate. A handful of
/// features and up to millions of rows: each iteration is one pass accumulating the gradient and
/// the Hessian, then a small linear solve.
public struct LogisticRegression: Sendable, Equatable {
    /// Intercept, then one weight per standardised feature.
    public var weights: [Double]
    public var means: [Double]
    public var scales: [Double]
    /// Newton iterations run.
    public var iterations: Int

    /// P(y = 1 | x).
    public func probability(_ x: [Double]) -> Double {
        var z = weights[0]
        for j in 0..<means.count where scales[j] > 0 { z += weights[j + 1] * (x[j] - means[j]) / scales[j] }
        return 1 / (1 + exp(-z))
    }

    /// Fits on rows `x` (each with the same number of features) and outcomes `y`.
    public static func fit(
        _ x: [[Double]], _ y: [Bool], ridge: Double = 1e-4, maxIterations: Int = 50, tolerance: Double = 1e-8
    ) -> LogisticRegression {
        precondition(x.count == y.count, "one outcome per row")
        let d = x.first?.count ?? 0
        let n = Double(max(1, x.count))
        var means = [Double](repeating: 0, count: d)
        var scales = [Double](repeating: 0, count: d)
        for row in x { for j in 0..<d { means[j] += row[j] / n } }
        for row in x { for j in 0..<d { scales[j] += (row[j] - means[j]) * (row[j] - means[j]) / n } }
        scales = scales.map { $0 > 1e-24 ? $0.squareRoot() : 0 }
        let k = d + 1
        // Standardised rows with a leading 1.
        let z = x.map { row in [1.0] + (0..<d).map { scales[$0] > 0 ? (row[$0] - means[$0]) / scales[$0] : 0 } }
        var w = [Double](repeating: 0, count: k)
        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            var gradient = [Double](repeating: 0, count: k)
            var hessian = [Double](repeating: 0, count: k * k)
            for (i, row) in z.enumerated() {
                var s = 0.0
                for j in 0..<k { s += w[j] * row[j] }
                let p = 1 / (1 + exp(-s))
                let residual = (y[i] ? 1 : 0) - p
                let weight = max(p * (1 - p), 1e-12)
                for a in 0..<k {
                    gradient[a] += residual * row[a]
                    for b in a..<k { hessian[a * k + b] += weight * row[a] * row[b] }
                }
            }
            // The ridge (not on the intercept), scaled to the number of rows.
            for a in 1..<max(1, k) {
                gradient[a] -= ridge * n * w[a]
                hessian[a * k + a] += ridge * n
            }
            for a in 0..<k { for b in 0..<a { hessian[a * k + b] = hessian[b * k + a] } }
            guard let step = solve(hessian, gradient, k) else { break }
            for j in 0..<k { w[j] += step[j] }
            if step.reduce(0, { max($0, abs($1)) }) < tolerance { break }
        }
        for j in 0..<d where scales[j] == 0 { w[j + 1] = 0 }
        return LogisticRegression(weights: w, means: means, scales: scales, iterations: iteration)
    }

    /// Solves A·s = b (A k×k, row-major, symmetric positive definite) by Gaussian elimination with
    /// partial pivoting; nil when singular.
    static func solve(_ a: [Double], _ b: [Double], _ k: Int) -> [Double]? {
        var m = a
        var v = b
        for c in 0..<k {
            let pivot = (c..<k).max { abs(m[$0 * k + c]) < abs(m[$1 * k + c]) }!
            guard abs(m[pivot * k + c]) > 1e-300 else { return nil }
            if pivot != c {
                for j in 0..<k { m.swapAt(c * k + j, pivot * k + j) }
                v.swapAt(c, pivot)
            }
            for r in (c + 1)..<k {
                let f = m[r * k + c] / m[c * k + c]
                guard f != 0 else { continue }
                for j in c..<k { m[r * k + j] -= f * m[c * k + j] }
                v[r] -= f * v[c]
            }
        }
        var s = [Double](repeating: 0, count: k)
        for r in stride(from: k - 1, through: 0, by: -1) {
            var t = v[r]
            for j in (r + 1)..<k { t -= m[r * k + j] * s[j] }
            s[r] = t / m[r * k + r]
        }
        return s
    }
}
