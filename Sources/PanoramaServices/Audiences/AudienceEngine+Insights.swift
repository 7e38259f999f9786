import PanoramaCore
import PanoramaEngine

/// What the customer-insight analyses read of one workspace's engine: its columns as they are
/// (copy-on-write arrays, so taking them copies nothing) and the row ↔ customer mapping.
struct InsightSnapshot: Sendable {
    var dataset: InsightDataset
    /// Row → live customer id (0: merged away).
    var customerIDs: [Int64]
    var rowOf: [Int64: Int]
    /// Seconds east of UTC of the workspace zone.
    var utcOffsetSeconds: Int64
}

extension AudienceEngine {
    /// The insight dataset of the current state: orders and events, the string attributes, the
    /// tag and segment memberships, the live rows and today.
    func insightSnapshot() -> InsightSnapshot {
        let context = self.context
        var attributes: [String: Column] = [:]
        for (name, type) in state.attributeTypes where type == .string {
            if let column = state.table.columns[name] { attributes[name] = column }
        }
        var memberships: [String: [(name: String, rows: RoaringBitmap)]] = [:]
        for (key, rows) in state.members {
            memberships[key.kind.rawValue, default: []].append((key.name, rows))
        }
        var dataset = InsightDataset(
            orders: state.orders, events: state.events, attributes: attributes, memberships: memberships,
            today: context.today)
        dataset.live = BitVector(state.table.live, count: state.orders.rowCount)
        return InsightSnapshot(
            dataset: dataset, customerIDs: state.customerIDs, rowOf: state.rowOf,
            utcOffsetSeconds: context.utcOffsetSeconds)
    }

    /// The prediction models of the last full computation and the buyers' predicted CLV
    /// (decimal units).
    func predictionState() -> (CustomerPredictions.Models?, [Int64]) {
        guard let column = state.table.columns[CustomerPredictions.predictedCLV] else {
            return (state.predictionModels, [])
        }
        var values: [Int64] = []
        for row in state.table.live where column.present[Int(row)] { values.append(column.values[Int(row)]) }
        return (state.predictionModels, values)
    }

    /// The `churn_risk` and `predicted_clv` traits (decimal units, as the last full computation
    /// and later order changes left them) of the live buyers in `scope`.
    func predictionTraits(in scope: CustomerScope) -> [(churnRisk: Int64, predictedCLV: Int64)] {
        guard let risk = state.table.columns[CustomerPredictions.churnRisk],
            let clv = state.table.columns[CustomerPredictions.predictedCLV]
        else { return [] }
        var out: [(Int64, Int64)] = []
        for row in rows(in: scope) where risk.present[Int(row)] && clv.present[Int(row)] {
            out.append((risk.values[Int(row)], clv.values[Int(row)]))
        }
        return out
    }
}
