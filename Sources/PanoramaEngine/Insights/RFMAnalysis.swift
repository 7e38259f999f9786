import PanoramaCore

/// One cell of the R × F matrix.
public struct RFMCell: Sendable, Equatable, Codable {
    public var customers = 0
    /// Net paid spend of the cell's customers, minor units.
    public var monetary: Int64 = 0

    /// Average net paid spend per customer, minor units rounded half up.
    public var averageMonetary: Int64 { KPIValues.ratio(monetary, customers) }
}

/// One of the eleven RFM segments: its size and revenue, and their shares of all buyers.
public struct RFMSegmentSummary: Sendable, Equatable {
    public var segment: RFMSegment
    public var customers: Int
    /// Net paid spend, minor units.
    public var revenue: Int64
    public var customerShare: Double
    public var revenueShare: Double
}

/// The RFM picture on one day: the R × F matrix (counts and average M) and the eleven segments.
public struct RFMReport: Sendable {
    /// The day scored (orders placed after it are ignored).
    public var asOf: Int64
    public var buyers: Int
    /// `cells[r − 1][f − 1]`.
    public var cells: [[RFMCell]]
    public var segments: [RFMSegmentSummary]
}

/// Customers moving between RFM segments from one day to another.
public struct RFMMovement: Sendable {
    public var from: Int64
    public var to: Int64
    /// `counts[a][b]`: customers in segment `a` on `from` and `b` on `to`; index 11 (`noneIndex`)
    /// is "no paid order yet".
    public var counts: [[Int]]
    public static let noneIndex = RFMSegment.allCases.count
}

/// RFM analyses over an `InsightDataset`, scored exactly as the `rfm_*` traits are (`RFM`): on
/// the whole workspace, so a scope filter only selects which scored customers are counted.
public enum RFMAnalysis {
    /// The R × F matrix and the segments as of `asOf` (default: the dataset's today).
    public static func report(_ dataset: InsightDataset, asOf: Int64? = nil, filter: BitVector? = nil) -> RFMReport {
        let day = asOf ?? dataset.today
        let scored = scores(dataset, asOf: day)
        let rows = dataset.included(filter)
        var cells = [[RFMCell]](repeating: [RFMCell](repeating: RFMCell(), count: 5), count: 5)
        var sizes = [Int](repeating: 0, count: RFMSegment.allCases.count)
        var revenue = [Int64](repeating: 0, count: RFMSegment.allCases.count)
        var buyers = 0
        for row in rows.setRows where scored.r[row] > 0 {
            let r = Int(scored.r[row]) - 1
            let f = Int(scored.f[row]) - 1
            cells[r][f].customers += 1
            cells[r][f].monetary += scored.monetary[row]
            sizes[Int(scored.segment[row])] += 1
            revenue[Int(scored.segment[row])] += scored.monetary[row]
            buyers += 1
        }
        let totalRevenue = revenue.reduce(0, +)
        let segments = RFMSegment.allCases.map { segment in
            RFMSegmentSummary(
                segment: segment, customers: sizes[segment.rawValue], revenue: revenue[segment.rawValue],
                customerShare: buyers == 0 ? 0 : Double(sizes[segment.rawValue]) / Double(buyers),
                revenueShare: totalRevenue == 0 ? 0 : Double(revenue[segment.rawValue]) / Double(totalRevenue))
        }
        return RFMReport(asOf: day, buyers: buyers, cells: cells, segments: segments)
    }

    /// How customers moved between segments from `from` to `to`.
    public static func movement(_ dataset: InsightDataset, from: Int64, to: Int64, filter: BitVector? = nil)
        throws(PanoramaError) -> RFMMovement
    {
        guard to > from else {
            throw .badRequest("bad_range", "the second day must be after the first / 第二个日期须晚于第一个", field: "to")
        }
        let before = scores(dataset, asOf: from)
        let after = scores(dataset, asOf: to)
        let none = RFMMovement.noneIndex
        var counts = [[Int]](repeating: [Int](repeating: 0, count: none + 1), count: none + 1)
        for row in dataset.included(filter).setRows {
            let a = before.r[row] > 0 ? Int(before.segment[row]) : none
            let b = after.r[row] > 0 ? Int(after.segment[row]) : none
            counts[a][b] += 1
        }
        return RFMMovement(from: from, to: to, counts: counts)
    }

    /// Per row: R and F scores (0 for a non-buyer), segment raw value, net paid spend in minor
    /// units, scoring the orders placed on or before `asOf`.
    static func scores(_ dataset: InsightDataset, asOf: Int64) -> (
        r: [Int64], f: [Int64], segment: [Int64], monetary: [Int64]
    ) {
        let orders = dataset.orders.truncated(through: asOf)
        let context = EvaluationContext(today: asOf, utcOffsetSeconds: orders.utcOffsetSeconds)
        let inputs: [String: Column]
        do {
            inputs = try TraitComputer.compute(
                RFM.inputs, orders: orders, events: EventColumns(utcOffsetSeconds: orders.utcOffsetSeconds),
                context: context, rows: 0..<orders.rowCount)
        } catch {
            preconditionFailure("the RFM inputs are valid: \(error)")
        }
        let monetaryColumn = inputs[RFM.inputs[2].name]!
        let scored = RFM.scoreWithThresholds(
            recencyDays: inputs[RFM.inputs[0].name]!, frequency: inputs[RFM.inputs[1].name]!,
            monetary: monetaryColumn
        ).columns
        let r = scored[RFM.recencyColumn]!
        var monetary = monetaryColumn.values
        if monetaryColumn.type == .decimal {
            for index in monetary.indices { monetary[index] /= OrderColumns.decimalPerMinorUnit }
        }
        return (r.values, scored[RFM.frequencyColumn]!.values, scored[RFM.segmentColumn]!.values, monetary)
    }
}

extension OrderColumns {
    /// The same customers with only the orders placed on or before local day `day` (self when
    /// none is later).
    func truncated(through day: Int64) -> OrderColumns {
        guard self.day.contains(where: { Int64($0) > day }) else { return self }
        var keep: [Int] = []
        keep.reserveCapacity(count)
        var newOffsets = [0]
        newOffsets.reserveCapacity(offsets.count)
        for row in 0..<rowCount {
            for o in range(ofRow: row) where Int64(self.day[o]) <= day { keep.append(o) }
            newOffsets.append(keep.count)
        }
        return OrderColumns(
            utcOffsetSeconds: utcOffsetSeconds, offsets: newOffsets, day: keep.map { self.day[$0] },
            timestamp: keep.map { timestamp[$0] }, amount: keep.map { amount[$0] }, items: keep.map { items[$0] },
            channel: keep.map { channel[$0] }, channelDictionary: channelDictionary, store: keep.map { store[$0] },
            storeDictionary: storeDictionary, status: keep.map { status[$0] })
    }
}
