import Foundation
import PanoramaCore

/// One customer's predictions from the fitted BG/NBD and Gamma-Gamma models.
public struct CustomerPrediction: Sendable, Equatable {
    /// Probability the customer is still a customer ("alive").
    public var probabilityAlive: Double
    /// Probability of no purchase in the churn horizon: dead, or alive and not buying.
    public var churnRisk: Double
    /// Expected purchases and spend (minor units) in the next 90 days.
    public var expectedPurchases90d: Double
    public var expectedSpend90d: Int64
    /// Expected spend in the next 365 days (undiscounted), minor units: the predicted CLV.
    public var predictedCLV: Int64
    /// Expected local day of the next purchase if still alive (posterior mean gap from today);
    /// nil when the posterior mean is unbounded.
    public var nextPurchaseDay: Int64?
}

/// The per-workspace customer-lifetime-value fit and the scoring of every buyer.
public struct CLVScores: Sendable {
    public var frequency: BGNBD
    public var spend: GammaGamma
    /// Buyers fitted, repeat buyers among them, distinct (x, tₓ, T) histories.
    public var buyers: Int
    public var repeatBuyers: Int
    public var distinctHistories: Int
    /// Per row; nil for a row without a paid order (or outside the filter).
    public var predictions: [CustomerPrediction?]
    public var churnHorizonDays: Int
}

/// Fitting and scoring over an `InsightDataset`.
///
/// A customer's history counts purchase days (several paid orders on one day are one purchase,
/// as in the CDNOW papers), in weeks from the first one up to the end of `today`; spend per
/// purchase in major units (yuan). Fitting is the maximum likelihood of `BGNBD` and `GammaGamma`,
/// with the BG/NBD likelihood summed over distinct histories (customers sharing `x`, `tₓ` and `T`
/// in days count once, weighted), and the log-gamma terms computed once per `x` and the logs
/// once per day offset: a million buyers fit in about the time of a few thousand.
public enum CLVScoring {
    /// The purchase summary of every row (nil without a paid order) as of `asOf`.
    public static func summaries(_ dataset: InsightDataset, asOf: Int64, filter: BitVector? = nil) -> [PurchaseSummary?]
    {
        let orders = dataset.orders
        let completed = OrderColumns.Status.completed.rawValue
        let rows = dataset.included(filter)
        var out = [PurchaseSummary?](repeating: nil, count: dataset.rowCount)
        for row in rows.setRows {
            var first = Int64.min
            var last = Int64.min
            var purchases = 0
            var repeatSpend: Int64 = 0
            for o in orders.range(ofRow: row) where orders.status[o] == completed {
                let day = Int64(orders.day[o])
                guard day <= asOf else { break }
                if first == .min { first = day }
                if day != last {
                    purchases += 1
                    last = day
                }
                if day != first { repeatSpend += orders.amount[o] }
            }
            guard first != .min else { continue }
            let x = Double(purchases - 1)
            out[row] = PurchaseSummary(
                x: x, tx: Double(last - first) / 7, T: Double(asOf + 1 - first) / 7,
                meanValue: purchases > 1 ? Double(repeatSpend) / 100 / x : 0)
        }
        return out
    }

    /// Fits both models on the buyers of `filter` as of `asOf` and scores them.
    public static func score(
        _ dataset: InsightDataset, asOf: Int64? = nil, churnHorizonDays: Int = 90, filter: BitVector? = nil
    ) -> CLVScores {
        let day = asOf ?? dataset.today
        let histories = summaries(dataset, asOf: day, filter: filter)
        let buyers = histories.compactMap { $0 }
        let fit = fitFrequency(buyers)
        let spend = fitSpend(buyers)
        let horizon = Double(churnHorizonDays) / 7
        var predictions = [CustomerPrediction?](repeating: nil, count: histories.count)
        let chunk = 16_384
        predictions.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable(out)
            parallelFor(max(1, (histories.count + chunk - 1) / chunk)) { index in
                for row in index * chunk..<min(histories.count, (index + 1) * chunk) {
                    guard let c = histories[row] else { continue }
                    shared.value[row] = predict(
                        c, frequency: fit.model, spend: spend, horizonWeeks: horizon, today: day)
                }
            }
        }
        return CLVScores(
            frequency: fit.model, spend: spend, buyers: buyers.count, repeatBuyers: buyers.filter { $0.x > 0 }.count,
            distinctHistories: fit.distinct, predictions: predictions, churnHorizonDays: churnHorizonDays)
    }

    /// One customer's predictions.
    public static func predict(
        _ c: PurchaseSummary, frequency: BGNBD, spend: GammaGamma, horizonWeeks: Double, today: Int64
    ) -> CustomerPrediction {
        let alive = frequency.probabilityAlive(c)
        // Alive at T, the rate's posterior is Gamma(r + x, α + T); no purchase in t has
        // probability ((α + T) / (α + T + t))^(r + x). Dead customers never buy.
        let shape = frequency.r + c.x
        let scale = frequency.alpha + c.T
        let quiet = exp(shape * (log(scale) - log(scale + horizonWeeks)))
        let purchases90 = frequency.expectedPurchases(next: 90.0 / 7, given: c)
        let purchases365 = frequency.expectedPurchases(next: 365.0 / 7, given: c)
        // The population mean p·γ / (q − 1) exists for q > 1; without it (no repeat buyers to fit
        // on) nothing is predicted for spend.
        let value =
            c.x > 0 && c.meanValue > 0
            ? spend.expectedMeanValue(c) : spend.q > 1 ? spend.p * spend.gamma / (spend.q - 1) : 0
        let gapWeeks = shape > 1 ? scale / (shape - 1) : Double.infinity
        return CustomerPrediction(
            probabilityAlive: alive, churnRisk: (1 - alive) + alive * quiet, expectedPurchases90d: purchases90,
            expectedSpend90d: Int64((purchases90 * value * 100).rounded()),
            predictedCLV: Int64((purchases365 * value * 100).rounded()),
            nextPurchaseDay: gapWeeks.isFinite && gapWeeks * 7 < 3650 ? today + Int64((gapWeeks * 7).rounded()) : nil)
    }

    /// The BG/NBD maximum-likelihood fit over distinct histories; see the type's comment.
    public static func fitFrequency(_ customers: [PurchaseSummary]) -> (model: BGNBD, distinct: Int) {
        // Group by (x, tₓ in days, T in days).
        var groups: [SIMD3<Int32>: Int] = [:]
        var maxDay: Int32 = 0
        for c in customers {
            let key = SIMD3(Int32(c.x), Int32((c.tx * 7).rounded()), Int32((c.T * 7).rounded()))
            groups[key, default: 0] += 1
            maxDay = max(maxDay, key[2])
        }
        let keys = Array(groups.keys)
        let x = keys.map { Int($0[0]) }
        let tx = keys.map { Int($0[1]) }
        let t = keys.map { Int($0[2]) }
        let weight = keys.map { Double(groups[$0]!) }
        let maxX = x.max() ?? 0
        let best = NelderMead.minimize([0, 0, 0, 0]) { p in
            let (r, alpha, a, b) = (exp(p[0]), exp(p[1]), exp(p[2]), exp(p[3]))
            // Per x: the log-gamma parts of A1 and A2, and log(a) − log(b + x − 1).
            var head = [Double](repeating: 0, count: maxX + 1)
            var tail = [Double](repeating: 0, count: maxX + 1)
            let constant = -lgamma(r) + r * log(alpha) + lgamma(a + b) - lgamma(b)
            for k in 0...maxX {
                let n = Double(k)
                head[k] = constant + lgamma(r + n) + lgamma(b + n) - lgamma(a + b + n)
                tail[k] = k > 0 ? log(a) - log(b + n - 1) : 0
            }
            // log(α + d / 7) per day offset d.
            var logs = [Double](repeating: 0, count: Int(maxDay) + 1)
            for d in logs.indices { logs[d] = log(alpha + Double(d) / 7) }
            let total = parallelSum(keys.count) { range in
                var sum = 0.0
                for i in range {
                    let n = Double(x[i])
                    let a3 = -(r + n) * logs[t[i]]
                    var ll = head[x[i]] + a3
                    if x[i] > 0 {
                        let a4 = tail[x[i]] - (r + n) * logs[tx[i]]
                        let top = max(a3, a4)
                        ll = head[x[i]] + top + log(exp(a3 - top) + exp(a4 - top))
                    }
                    sum += weight[i] * ll
                }
                return sum
            }
            return total.isFinite ? -total : .infinity
        }
        return (BGNBD(r: exp(best[0]), alpha: exp(best[1]), a: exp(best[2]), b: exp(best[3])), keys.count)
    }

    /// The Gamma-Gamma maximum-likelihood fit (`GammaGamma.fit`) with the per-customer logs
    /// computed once and the log-gamma terms once per `x`.
    /// Without repeat buyers there is nothing to fit: q = 1 then says "no population mean".
    public static func fitSpend(_ customers: [PurchaseSummary]) -> GammaGamma {
        let repeaters = customers.filter { $0.x > 0 && $0.meanValue > 0 }
        guard !repeaters.isEmpty else { return GammaGamma(p: 1, q: 1, gamma: 1) }
        let x = repeaters.map { Int($0.x) }
        let maxX = x.max() ?? 0
        // Per customer: log(mean), x · log(x), x · mean.
        let logMean = repeaters.map { log($0.meanValue) }
        let xLogX = repeaters.map { $0.x * log($0.x) }
        let spent = repeaters.map { $0.x * $0.meanValue }
        let best = NelderMead.minimize([0, 0, 0]) { v in
            let (p, q, gamma) = (exp(v[0]), exp(v[1]), exp(v[2]))
            var head = [Double](repeating: 0, count: max(1, maxX) + 1)
            for k in 1...max(1, maxX) {
                let px = p * Double(k)
                head[k] = lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(gamma)
            }
            let total = parallelSum(repeaters.count) { range in
                var sum = 0.0
                for i in range {
                    let px = p * Double(x[i])
                    sum += head[x[i]] + (px - 1) * logMean[i] + p * xLogX[i] - (px + q) * log(gamma + spent[i])
                }
                return sum
            }
            return total.isFinite ? -total : .infinity
        }
        return GammaGamma(p: exp(best[0]), q: exp(best[1]), gamma: exp(best[2]))
    }

    /// Σ of `body` over `0 ..< count` in fixed chunks on all cores, added in chunk order (the
    /// same sum for the same input whatever the scheduling).
    static func parallelSum(_ count: Int, _ body: (Range<Int>) -> Double) -> Double {
        let chunk = 32_768
        let chunks = max(1, (count + chunk - 1) / chunk)
        guard chunks > 1 else { return body(0..<count) }
        var sums = [Double](repeating: 0, count: chunks)
        sums.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable(out)
            parallelFor(chunks) { index in shared.value[index] = body(index * chunk..<min(count, (index + 1) * chunk)) }
        }
        return sums.reduce(0, +)
    }
}
