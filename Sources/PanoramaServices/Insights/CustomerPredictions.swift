import PanoramaCore
import PanoramaEngine

/// The CLV and churn predictions as built-in computed traits of every customer, so that they show
/// on profiles and rules can use them (`churn_risk >= 0.8`, `predicted_clv >= 500`): computed with
/// the other traits on each full recompute (models fitted on the workspace's buyers), and for one
/// customer with those models when their orders change.
enum CustomerPredictions {
    /// The models of one full computation.
    struct Models: Sendable {
        var frequency: BGNBD
        var spend: GammaGamma
    }

    /// The churn horizon of the `churn_risk` trait, in days.
    static let churnHorizonDays = 90

    static let pAlive = "p_alive"
    static let churnRisk = "churn_risk"
    static let predictedCLV = "predicted_clv"
    static let expectedSpend90d = "expected_spend_90d"
    static let nextPurchaseDate = "next_purchase_date"

    /// The traits and their types: probabilities and money as decimals, the date as a date.
    static let types: [String: RuleType] = [
        pAlive: .decimal, churnRisk: .decimal, predictedCLV: .decimal, expectedSpend90d: .decimal,
        nextPurchaseDate: .date,
    ]

    /// The encoded values of one prediction (all NULL without one: a customer who never paid).
    static func values(_ p: CustomerPrediction?) -> [(String, Int64?)] {
        func probability(_ x: Double) -> Int64 { Int64((x * Double(Column.decimalScale)).rounded()) }
        return [
            (pAlive, p.map { probability($0.probabilityAlive) }), (churnRisk, p.map { probability($0.churnRisk) }),
            (predictedCLV, p.map { $0.predictedCLV * OrderColumns.decimalPerMinorUnit }),
            (expectedSpend90d, p.map { $0.expectedSpend90d * OrderColumns.decimalPerMinorUnit }),
            (nextPurchaseDate, p?.nextPurchaseDay),
        ]
    }

    /// Fits the models on the live customers' orders and scores them, as trait columns. No
    /// models without a buyer.
    static func compute(orders: OrderColumns, events: EventColumns, live: RoaringBitmap, context: EvaluationContext)
        -> (models: Models?, columns: [String: Column])
    {
        var dataset = InsightDataset(orders: orders, events: events, today: context.today)
        dataset.live = BitVector(live, count: orders.rowCount)
        var columns = types.mapValues { Column(type: $0, count: orders.rowCount) }
        let scores = CLVScoring.score(dataset, churnHorizonDays: churnHorizonDays)
        guard scores.buyers > 0 else { return (nil, columns) }
        for (row, prediction) in scores.predictions.enumerated() where prediction != nil {
            for (name, value) in values(prediction) { columns[name]!.set(row, value) }
        }
        return (Models(frequency: scores.frequency, spend: scores.spend), columns)
    }

    /// One customer's prediction (row `row` of `orders`) with fitted models; nil without a paid order.
    static func predict(_ orders: OrderColumns, row: Int, models: Models, today: Int64) -> CustomerPrediction? {
        var events = EventColumns(utcOffsetSeconds: orders.utcOffsetSeconds)
        events.appendEmptyCustomers(orders.rowCount)
        let dataset = InsightDataset(orders: orders, events: events, today: today)
        guard let summary = CLVScoring.summaries(dataset, asOf: today)[row] else { return nil }
        return CLVScoring.predict(
            summary, frequency: models.frequency, spend: models.spend, horizonWeeks: Double(churnHorizonDays) / 7,
            today: today)
    }
}
