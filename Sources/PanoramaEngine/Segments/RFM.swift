import PanoramaCore

/// The eleven customer segments of the standard RFM grid.
public enum RFMSegment: Int, Sendable, CaseIterable {
    case champions, loyal, potentialLoyalist, new, promising, needAttention, aboutToSleep, atRisk, cantLose,
        hibernating, lost

    /// The English name, as stored in the `rfm_segment` column.
    public var name: String {
        switch self {
        case .champions: "Champions"
        case .loyal: "Loyal"
        case .potentialLoyalist: "Potential Loyalist"
        case .new: "New"
        case .promising: "Promising"
        case .needAttention: "Need Attention"
        case .aboutToSleep: "About to Sleep"
        case .atRisk: "At Risk"
        case .cantLose: "Can't Lose"
        case .hibernating: "Hibernating"
        case .lost: "Lost"
        }
    }

    /// The Chinese label for the console.
    public var chineseName: String {
        switch self {
        case .champions: "冠军客户"
        case .loyal: "忠诚客户"
        case .potentialLoyalist: "潜力客户"
        case .new: "新客户"
        case .promising: "有望客户"
        case .needAttention: "需关注客户"
        case .aboutToSleep: "即将沉睡客户"
        case .atRisk: "高风险客户"
        case .cantLose: "不能失去的客户"
        case .hibernating: "沉睡客户"
        case .lost: "流失客户"
        }
    }

    /// The segment of every (R, FM) cell: `grid[r - 1][fm - 1]`.
    ///
    /// It is the widely used R × F grid (champions `5[4-5]`, loyal `[3-4][4-5]`, potential
    /// loyalists `[4-5][2-3]`, new `51`, promising `41`, need attention `33`, about to sleep
    /// `3[1-2]`, at risk `[1-2][3-4]`, can't lose `[1-2]5`, hibernating `[1-2][1-2]`) read with
    /// FM = round-half-up((F + M) / 2) instead of F, with two changes so all eleven segments
    /// appear: champions also take R4 FM4–5 (recent and valuable), and R1 FM1 is lost.
    ///
    /// ```
    ///        FM=1            FM=2                FM=3                FM=4        FM=5
    /// R=5    New             Potential Loyalist  Potential Loyalist  Champions   Champions
    /// R=4    Promising       Potential Loyalist  Potential Loyalist  Champions   Champions
    /// R=3    About to Sleep  About to Sleep      Need Attention      Loyal       Loyal
    /// R=2    Hibernating     Hibernating         At Risk             At Risk     Can't Lose
    /// R=1    Lost            Hibernating         At Risk             At Risk     Can't Lose
    /// ```
    public static let grid: [[RFMSegment]] = [
        [.lost, .hibernating, .atRisk, .atRisk, .cantLose],
        [.hibernating, .hibernating, .atRisk, .atRisk, .cantLose],
        [.aboutToSleep, .aboutToSleep, .needAttention, .loyal, .loyal],
        [.promising, .potentialLoyalist, .potentialLoyalist, .champions, .champions],
        [.new, .potentialLoyalist, .potentialLoyalist, .champions, .champions],
    ]

    /// The segment of scores R, F and M (each 1–5).
    public init(r: Int, f: Int, m: Int) {
        self = Self.grid[r - 1][(f + m + 1) / 2 - 1]
    }
}

/// RFM scoring (recency, frequency, monetary) of customers with at least one paid order.
///
/// Columns: `rfm_r`, `rfm_f`, `rfm_m` (integer 1–5) and `rfm_segment` (string, English name);
/// NULL for customers without a paid order. Among the B buyers, a value's score is
/// 1 + ⌊5 × (buyers with a strictly worse value) / B⌋: ties share a score, the result does not
/// depend on row order, and the best values score 5. Worse means an older last paid order (R),
/// fewer paid orders (F), less net paid spend (M).
///
/// Scores need four order statistics per measure, not a sort: with `a` the sorted values and
/// mₖ = ⌈k·B/5⌉, a value scores 1 + #{k ∈ 1…4 : value > a[mₖ − 1]}. The order statistics come
/// from a counting histogram when the values span a small range (days, order counts) and from
/// a radix select otherwise (spend).
/// The quintile cut points of one RFM computation, per dimension four keys (larger is better;
/// recency is negated days): a key above k of them scores k + 1.
public struct RFMThresholds: Sendable, Equatable {
    public var recency: [Int64]
    public var frequency: [Int64]
    public var monetary: [Int64]

    /// No buyers: every key scores 1.
    public static let empty = RFMThresholds(
        recency: [.max, .max, .max, .max], frequency: [.max, .max, .max, .max], monetary: [.max, .max, .max, .max])
}

public enum RFM {
    public static let recencyColumn = "rfm_r"
    public static let frequencyColumn = "rfm_f"
    public static let monetaryColumn = "rfm_m"
    public static let segmentColumn = "rfm_segment"

    /// The traits RFM is scored from: days since the last paid order, paid orders, net paid
    /// spend. Add them to a `TraitComputer` run to share its pass, then call `score`.
    public static let inputs: [TraitDefinition] = [
        TraitDefinition(name: "rfm_recency_days", aggregation: .daysSinceLast),
        TraitDefinition(name: "rfm_frequency", aggregation: .count),
        TraitDefinition(name: "rfm_monetary", aggregation: .sum, field: .amount),
    ]

    /// Computes the four RFM columns from the orders of `rows` (default: every row).
    public static func compute(
        orders: OrderColumns, context: EvaluationContext, rows: Range<Int>? = nil
    ) -> [String: Column] {
        computeScores(orders: orders, context: context, rows: rows).columns
    }

    /// Computes the four RFM columns and the quintile thresholds they were scored against (kept
    /// to score one customer in real time between full recomputes, `scoreRow`).
    public static func computeScores(
        orders: OrderColumns, context: EvaluationContext, rows: Range<Int>? = nil
    ) -> (columns: [String: Column], thresholds: RFMThresholds) {
        let computed: [String: Column]
        do {
            computed = try TraitComputer.compute(
                inputs, orders: orders, events: EventColumns(utcOffsetSeconds: context.utcOffsetSeconds),
                context: context, rows: rows ?? 0..<orders.rowCount)
        } catch {
            preconditionFailure("the RFM inputs are valid: \(error)")
        }
        return scoreWithThresholds(
            recencyDays: computed[inputs[0].name]!, frequency: computed[inputs[1].name]!,
            monetary: computed[inputs[2].name]!)
    }

    /// Scores customers from their input columns (as computed from `inputs`): a customer is a
    /// buyer when `frequency` is above 0.
    public static func score(recencyDays: Column, frequency: Column, monetary: Column) -> [String: Column] {
        scoreWithThresholds(recencyDays: recencyDays, frequency: frequency, monetary: monetary).columns
    }

    /// One customer's scores against thresholds from a full computation, from their input values
    /// (days since the last paid order, paid orders, net paid spend); nil for a non-buyer. The
    /// real-time path: the customer moves among the quintiles everyone else was cut into.
    public static func scoreRow(
        recencyDays: Int64?, frequency: Int64?, monetary: Int64?, thresholds: RFMThresholds
    ) -> (r: Int, f: Int, m: Int, segment: RFMSegment)? {
        guard let frequency, frequency > 0 else { return nil }
        let r = score(-(recencyDays ?? 0), thresholds.recency)
        let f = score(frequency, thresholds.frequency)
        let m = score(monetary ?? 0, thresholds.monetary)
        return (r, f, m, RFMSegment(r: r, f: f, m: m))
    }

    /// `score`, with the thresholds of each dimension.
    static func scoreWithThresholds(
        recencyDays: Column, frequency: Column, monetary: Column
    ) -> (columns: [String: Column], thresholds: RFMThresholds) {
        let count = frequency.count
        precondition(recencyDays.count == count && monetary.count == count, "RFM inputs of one length")
        // Which rows are buyers, and their keys (larger is better) for the thresholds.
        let words = (count + 63) / 64
        var buyerWords = [UInt64](repeating: 0, count: words)
        var keys: [[Int64]] = [[], [], []]
        for index in keys.indices { keys[index].reserveCapacity(count) }
        frequency.values.withUnsafeBufferPointer { f in
            recencyDays.values.withUnsafeBufferPointer { r in
                monetary.values.withUnsafeBufferPointer { m in
                    let present = frequency.present.words
                    for row in 0..<count where f[row] > 0 && present[row >> 6] & (1 << UInt64(row & 63)) != 0 {
                        buyerWords[row >> 6] |= 1 << UInt64(row & 63)
                        keys[0].append(-r[row])
                        keys[1].append(f[row])
                        keys[2].append(m[row])
                    }
                }
            }
        }
        let thresholds = keys.map(quintileThresholds)
        keys = []
        // The segment of every (R, F, M), indexed 25 (R − 1) + 5 (F − 1) + M − 1.
        let segments = (0..<125).map { Int64(RFMSegment(r: $0 / 25 + 1, f: $0 / 5 % 5 + 1, m: $0 % 5 + 1).rawValue) }

        let outputs = TraitComputer.withOutputBuffers(Int64.self, count: count, columns: 4) { out in
            let chunks = max(1, (count + TraitComputer.rowsPerChunk - 1) / TraitComputer.rowsPerChunk)
            withBuffers(frequency.values, recencyDays.values, monetary.values) { frequency, recency, monetary in
                buyerWords.withUnsafeBufferPointer { buyers in
                    parallelFor(chunks) { chunk in
                        let first = chunk * TraitComputer.rowsPerChunk
                        for row in first..<min(count, first + TraitComputer.rowsPerChunk) {
                            guard buyers[row >> 6] & (1 << UInt64(row & 63)) != 0 else {
                                for column in 0..<4 { out[column][row] = 0 }
                                continue
                            }
                            let r = score(-recency[row], thresholds[0])
                            let f = score(frequency[row], thresholds[1])
                            let m = score(monetary[row], thresholds[2])
                            out[0][row] = Int64(r)
                            out[1][row] = Int64(f)
                            out[2][row] = Int64(m)
                            out[3][row] = segments[25 * (r - 1) + 5 * (f - 1) + m - 1]
                        }
                    }
                }
            }
        }
        let buyers = TraitComputer.makeBitVector(words: buyerWords, count: count)
        var segmentDictionary = StringDictionary()
        for segment in RFMSegment.allCases { _ = segmentDictionary.code(for: segment.name) }
        var columns: [String: Column] = [:]
        for (index, name) in [recencyColumn, frequencyColumn, monetaryColumn, segmentColumn].enumerated() {
            var column = Column(type: index == 3 ? .string : .integer, count: 0)
            column.values = outputs[index]
            column.present = buyers
            if index == 3 { column.dictionary = segmentDictionary }
            columns[name] = column
        }
        return (
            columns,
            RFMThresholds(recency: thresholds[0], frequency: thresholds[1], monetary: thresholds[2])
        )
    }

    /// The score (1–5) of `key` given the four thresholds.
    @inline(__always)
    static func score(_ key: Int64, _ thresholds: [Int64]) -> Int {
        1 + (key > thresholds[0] ? 1 : 0) + (key > thresholds[1] ? 1 : 0) + (key > thresholds[2] ? 1 : 0)
            + (key > thresholds[3] ? 1 : 0)
    }

    /// a[mₖ − 1] for k = 1…4, mₖ = ⌈k·B/5⌉, `a` the sorted keys; four `Int64.max` when empty.
    static func quintileThresholds(_ keys: [Int64]) -> [Int64] {
        let b = keys.count
        guard b > 0 else { return [.max, .max, .max, .max] }
        return orderStatistics(keys, ranks: (1...4).map { k in (k * b + 4) / 5 - 1 })
    }

    /// The values at sorted positions `ranks` (0-based) of `values`, without sorting them:
    /// a counting histogram for a small range, else a radix select on the top 16 bits.
    static func orderStatistics(_ values: [Int64], ranks: [Int]) -> [Int64] {
        guard var low = values.first else { return [] }
        var high = low
        for value in values {
            low = min(low, value)
            high = max(high, value)
        }
        let span = UInt64(bitPattern: high &- low)
        if span < 1 << 20 {
            var histogram = [Int](repeating: 0, count: Int(span) + 1)
            for value in values { histogram[Int(UInt64(bitPattern: value &- low))] += 1 }
            return ranks.map { rank in
                var seen = 0
                for (offset, n) in histogram.enumerated() {
                    seen += n
                    if seen > rank { return low &+ Int64(offset) }
                }
                return high
            }
        }
        let shift = UInt64(64 - span.leadingZeroBitCount - 16)
        var histogram = [Int](repeating: 0, count: 1 << 16)
        for value in values { histogram[Int(UInt64(bitPattern: value &- low) >> shift)] += 1 }
        var before = [Int](repeating: 0, count: histogram.count)
        var seen = 0
        for bucket in histogram.indices {
            before[bucket] = seen
            seen += histogram[bucket]
        }
        // The bucket of each rank, then each needed bucket's values, solved recursively.
        func bucket(of rank: Int) -> Int {
            var lowBucket = 0
            var highBucket = histogram.count - 1
            while lowBucket < highBucket {
                let middle = (lowBucket + highBucket + 1) / 2
                if before[middle] <= rank { lowBucket = middle } else { highBucket = middle - 1 }
            }
            return lowBucket
        }
        var result = [Int64](repeating: 0, count: ranks.count)
        let buckets = ranks.map(bucket(of:))
        let needed = Array(Set(buckets))
        var members = [[Int64]](repeating: [], count: needed.count)
        for (slot, target) in needed.enumerated() { members[slot].reserveCapacity(histogram[target]) }
        for value in values {
            let bucket = Int(UInt64(bitPattern: value &- low) >> shift)
            if let slot = needed.firstIndex(of: bucket) { members[slot].append(value) }
        }
        for (slot, target) in needed.enumerated() {
            let positions = ranks.indices.filter { buckets[$0] == target }
            let found = orderStatistics(members[slot], ranks: positions.map { ranks[$0] - before[target] })
            for (position, value) in zip(positions, found) { result[position] = value }
        }
        return result
    }
}
