import Foundation
import PanoramaCore

/// A logistic churn model on per-customer features: P(no paid order in the next `horizonDays`).
///
/// Fitted per workspace on a time-based split: features as of `asOf − horizon` (BG/NBD fitted
/// then), outcome "no purchase in the following `horizon` days" up to `asOf`; then every buyer is
/// scored with its features as of `asOf`. Features (logs tame the heavy tails): recency, purchase
/// days, mean order value, tenure, P(alive) from BG/NBD, tracked events in the last 30 days.
public struct ChurnModel: Sendable {
    public static let featureNames = [
        "log_recency_days", "log_purchase_days", "log_mean_order_value", "log_tenure_days", "p_alive",
        "log_events_30d",
    ]

    public var regression: LogisticRegression
    /// Buyers fitted on, and those among them who churned.
    public var trainingBuyers: Int
    public var trainingChurned: Int
    /// Per row, P(no purchase in the horizon) as of the scoring day; nil for non-buyers.
    public var churn: [Double?]
    public var horizonDays: Int

    /// The features of every buyer (nil: no paid order up to `asOf`) as of local day `asOf`.
    /// `frequency`: BG/NBD already fitted on these buyers as of `asOf` (fitted here when nil).
    public static func features(
        _ dataset: InsightDataset, asOf: Int64, filter: BitVector? = nil, frequency: BGNBD? = nil
    ) -> [[Double]?] {
        let summaries = CLVScoring.summaries(dataset, asOf: asOf, filter: filter)
        let frequency = frequency ?? CLVScoring.fitFrequency(summaries.compactMap { $0 }).model
        let orders = dataset.orders
        let events = dataset.events
        let completed = OrderColumns.Status.completed.rawValue
        var out = [[Double]?](repeating: nil, count: dataset.rowCount)
        for row in 0..<dataset.rowCount {
            guard let summary = summaries[row] else { continue }
            var first = Int64.min
            var last = Int64.min
            var spent: Int64 = 0
            var count = 0
            for o in orders.range(ofRow: row) where orders.status[o] == completed {
                let day = Int64(orders.day[o])
                guard day <= asOf else { break }
                if first == .min { first = day }
                last = day
                spent += orders.amount[o]
                count += 1
            }
            var recent = 0
            for e in events.range(ofRow: row) {
                let day = Int64(events.day[e])
                if day > asOf { break }
                if day > asOf - 30 { recent += 1 }
            }
            out[row] = [
                log1p(Double(asOf - last)), log1p(summary.x + 1), log1p(Double(spent) / 100 / Double(max(1, count))),
                log1p(Double(asOf - first)), frequency.probabilityAlive(summary), log1p(Double(recent)),
            ]
        }
        return out
    }

    /// Whether each row has no paid order in local days `after + 1 … after + days`.
    public static func quiet(_ dataset: InsightDataset, after: Int64, days: Int) -> [Bool] {
        let orders = dataset.orders
        let completed = OrderColumns.Status.completed.rawValue
        return (0..<dataset.rowCount).map { row in
            !orders.range(ofRow: row).contains {
                orders.status[$0] == completed && Int64(orders.day[$0]) > after
                    && Int64(orders.day[$0]) <= after + Int64(days)
            }
        }
    }

    /// Fits on the buyers as of `asOf − horizonDays` with their outcome up to `asOf`, and scores
    /// every buyer as of `asOf`.
    /// `frequency`: BG/NBD already fitted on the buyers of `filter` as of `asOf` (the scoring
    /// day), so a caller that scored CLV does not fit it a second time.
    public static func fit(
        _ dataset: InsightDataset, asOf: Int64? = nil, horizonDays: Int = 90, filter: BitVector? = nil,
        frequency: BGNBD? = nil
    ) -> ChurnModel {
        let day = asOf ?? dataset.today
        let trainDay = day - Int64(horizonDays)
        let trainFeatures = features(dataset, asOf: trainDay, filter: filter)
        let outcome = quiet(dataset, after: trainDay, days: horizonDays)
        var x: [[Double]] = []
        var y: [Bool] = []
        for (row, f) in trainFeatures.enumerated() {
            guard let f else { continue }
            x.append(f)
            y.append(outcome[row])
        }
        let regression = LogisticRegression.fit(x, y)
        let scoring = features(dataset, asOf: day, filter: filter, frequency: frequency)
        return ChurnModel(
            regression: regression, trainingBuyers: x.count, trainingChurned: y.filter { $0 }.count,
            churn: scoring.map { $0.map(regression.probability) }, horizonDays: horizonDays)
    }

    /// A time-based holdout as of `asOf`: the model fitted and scored as of `asOf − horizon` and
    /// BG/NBD's `churn_risk` there, each ranked against "no purchase in the last `horizon` days"
    /// up to `asOf`. Returns the AUCs for "buys again" (score: 1 − churn).
    public static func holdout(_ dataset: InsightDataset, asOf: Int64? = nil, horizonDays: Int = 90) -> (
        logistic: Double, bgnbd: Double, buyers: Int
    ) {
        let day = asOf ?? dataset.today
        let cutoff = day - Int64(horizonDays)
        let model = fit(dataset, asOf: cutoff, horizonDays: horizonDays)
        let bgnbd = CLVScoring.score(dataset, asOf: cutoff, churnHorizonDays: horizonDays)
        let bought = quiet(dataset, after: cutoff, days: horizonDays).map { !$0 }
        var logistic: [Double] = []
        var risk: [Double] = []
        var labels: [Bool] = []
        for row in 0..<dataset.rowCount {
            guard let p = model.churn[row], let prediction = bgnbd.predictions[row] else { continue }
            logistic.append(1 - p)
            risk.append(1 - prediction.churnRisk)
            labels.append(bought[row])
        }
        return (
            ROC.auc(scores: logistic, labels: labels), ROC.auc(scores: risk, labels: labels), labels.count
        )
    }
}
