import PanoramaCore
import Testing

@testable import PanoramaEngine

private let offset: Int64 = 28_800
private let today: Int64 = 20_000
private let context = EvaluationContext(today: today, utcOffsetSeconds: offset)

/// A paid order `daysAgo` days before today (noon, local time) worth `yuan`.
private func paid(_ daysAgo: Int64, _ yuan: Int64, status: OrderColumns.Status = .completed) -> OrderColumns.Record {
    OrderColumns.Record(
        timestamp: (today - daysAgo) * 86_400 + 43_200 - offset, amount: yuan * 100, status: status)
}

/// An integer column from optional values.
private func column(_ values: [Int64?], type: RuleType = .integer) -> Column {
    var column = Column(type: type, count: values.count)
    for (row, value) in values.enumerated() { column.set(row, value) }
    return column
}

@Suite("RFM")
struct RFMTests {
    @Test("Scores on a hand-computed example with ties; non-buyers are NULL")
    func handComputed() {
        // Given five buyers (score = 1 + number strictly worse, as B = 5), one customer without
        // orders and one whose only order was refunded
        var orders = OrderColumns(utcOffsetSeconds: offset)
        orders.appendCustomer([paid(30, 100), paid(5, 100), paid(1, 100)])  // R 1 d, F 3, M ¥300
        orders.appendCustomer([paid(1, 100)])  // R 1 d (tie), F 1, M ¥100
        orders.appendCustomer([paid(12, 200), paid(10, 100)])  // R 10 d, F 2, M ¥300 (tie)
        orders.appendCustomer([paid(40, 50)])  // R 40 d, F 1 (tie), M ¥50
        orders.appendCustomer([paid(300, 200), paid(250, 200), paid(200, 200), paid(150, 200), paid(100, 200)])
        orders.appendCustomer([])
        orders.appendCustomer([paid(2, 0, status: .refunded), paid(3, 80, status: .cancelled)])

        // When scoring
        let rfm = RFM.compute(orders: orders, context: context)
        func scores(_ name: String) -> [Int64?] { (0..<7).map { rfm[name]!.value($0) } }

        // Then ties share a score and the best value scores 5
        #expect(scores("rfm_r") == [4, 4, 3, 2, 1, nil, nil])
        #expect(scores("rfm_f") == [4, 1, 3, 1, 5, nil, nil])
        #expect(scores("rfm_m") == [3, 2, 3, 1, 5, nil, nil])
        // FM = round-half-up((F + M) / 2): 3.5 → 4, 1.5 → 2, 3, 1, 5
        let segments = (0..<7).map { rfm["rfm_segment"]!.string($0) }
        #expect(
            segments == ["Champions", "Potential Loyalist", "Need Attention", "Hibernating", "Can't Lose", nil, nil])
        #expect(rfm["rfm_segment"]!.type == .string)
        #expect(rfm["rfm_r"]!.type == .integer)
    }

    @Test("Quintiles when buyers are not a multiple of five: 1 + ⌊5 × worse / B⌋")
    func uneven() {
        // F of seven buyers; strictly fewer orders: 0, 0, 2, 3, 3, 3, 6 → 1, 1, 2, 3, 3, 3, 5
        let frequency = column([1, 1, 2, 3, 3, 3, 9, 0, nil])
        let recency = column([5, 5, 5, 5, 5, 5, 5, nil, nil])
        let monetary = column([10, 20, 30, 40, 50, 60, 70, nil, nil], type: .decimal)
        let rfm = RFM.score(recencyDays: recency, frequency: frequency, monetary: monetary)
        #expect((0..<9).map { rfm["rfm_f"]!.value($0) } == [1, 1, 2, 3, 3, 3, 5, nil, nil])
        // All recencies tie: nobody is worse, all score 1.
        #expect((0..<7).map { rfm["rfm_r"]!.value($0) } == [1, 1, 1, 1, 1, 1, 1])
        // Distinct spend: worse = 0 … 6 → 1, 1, 2, 3, 3, 4, 5
        #expect((0..<7).map { rfm["rfm_m"]!.value($0) } == [1, 1, 2, 3, 3, 4, 5])
    }

    @Test("Scores equal the definition (count of strictly worse buyers) on synthetic customers")
    func againstDefinition() {
        let data = SyntheticData.generate(customers: 5_000, seed: 21)
        let rfm = RFM.compute(orders: data.orders, context: data.context)
        let inputs = try! TraitComputer.compute(
            RFM.inputs, orders: data.orders, events: data.events, context: data.context)
        let frequency = inputs["rfm_frequency"]!
        let buyers = (0..<5_000).filter { frequency.values[$0] > 0 }
        let keys: [[Int64]] = [
            buyers.map { -inputs["rfm_recency_days"]!.values[$0] }, buyers.map { frequency.values[$0] },
            buyers.map { inputs["rfm_monetary"]!.values[$0] },
        ]
        for (measure, name) in ["rfm_r", "rfm_f", "rfm_m"].enumerated() {
            let sorted = keys[measure].sorted()
            for (position, row) in buyers.enumerated() {
                // Strictly smaller keys: the first index of the key in the sorted list.
                var low = 0
                var high = sorted.count
                while low < high {
                    let middle = (low + high) / 2
                    if sorted[middle] < keys[measure][position] { low = middle + 1 } else { high = middle }
                }
                let expected = Int64(1 + 5 * low / buyers.count)
                if rfm[name]!.value(row) != expected {
                    Issue.record("\(name) row \(row): \(String(describing: rfm[name]!.value(row))) ≠ \(expected)")
                    return
                }
            }
        }
        for row in 0..<5_000 {
            #expect(rfm["rfm_r"]!.present[row] == (frequency.values[row] > 0))
        }
        // Roughly a fifth of buyers in each monetary quintile.
        let top = buyers.filter { rfm["rfm_m"]!.value($0) == 5 }.count
        #expect(abs(Double(top) / Double(buyers.count) - 0.2) < 0.01)
    }

    @Test("One customer scored against the kept thresholds gets the scores of the full computation")
    func scoreRowAgreesWithFullComputation() throws {
        let data = SyntheticData.generate(customers: 3_000, seed: 8)
        let full = RFM.computeScores(orders: data.orders, context: data.context)
        let program = try TraitProgram(RFM.inputs)
        for row in 0..<3_000 {
            let inputs = program.computeRow(orders: data.orders, events: data.events, row: row, context: data.context)
            let scores = RFM.scoreRow(
                recencyDays: inputs[0], frequency: inputs[1], monetary: inputs[2], thresholds: full.thresholds)
            let expected = full.columns[RFM.recencyColumn]!.value(row).map { _ in
                [RFM.recencyColumn, RFM.frequencyColumn, RFM.monetaryColumn, RFM.segmentColumn].map {
                    full.columns[$0]!.value(row)!
                }
            }
            let got = scores.map { [Int64($0.r), Int64($0.f), Int64($0.m), Int64($0.segment.rawValue)] }
            if got != expected {
                Issue.record("row \(row): \(String(describing: got)) ≠ \(String(describing: expected))")
                return
            }
        }
        // A new big spender lands in the top monetary quintile; without buyers everyone scores 1.
        let top = RFM.scoreRow(recencyDays: 0, frequency: 1_000, monetary: .max / 2, thresholds: full.thresholds)
        #expect(top?.r == 5 && top?.f == 5 && top?.m == 5 && top?.segment == .champions)
        #expect(RFM.scoreRow(recencyDays: 3, frequency: 0, monetary: 0, thresholds: full.thresholds) == nil)
        let lone = RFM.scoreRow(recencyDays: 3, frequency: 2, monetary: 100, thresholds: .empty)
        #expect(lone?.r == 1 && lone?.f == 1 && lone?.m == 1 && lone?.segment == .lost)
    }

    @Test("Order statistics by histogram and radix select equal sorting, for small and huge ranges")
    func orderStatistics() {
        var random = SplitMix64(seed: 99)
        for trial in 0..<60 {
            let count = 1 + Int(random.next() % 5_000)
            let values: [Int64] = (0..<count).map { _ in
                switch trial % 3 {
                case 0: Int64(random.next() % 50) - 25  // small range, many ties
                case 1: Int64(bitPattern: random.next())  // the whole Int64 range
                default: Int64(Double(random.next() % 1_000_000) * Double(random.next() % 1_000))  // skewed
                }
            }
            let ranks = (0..<5).map { _ in Int(random.next() % UInt64(count)) }
            let sorted = values.sorted()
            #expect(RFM.orderStatistics(values, ranks: ranks) == ranks.map { sorted[$0] }, "trial \(trial)")
        }
    }

    @Test("The segment grid covers all 25 cells with the 11 segments, as documented")
    func grid() {
        #expect(RFMSegment.grid.count == 5 && RFMSegment.grid.allSatisfy { $0.count == 5 })
        #expect(Set(RFMSegment.grid.joined()) == Set(RFMSegment.allCases))
        func cell(_ r: Int, _ fm: Int) -> RFMSegment { RFMSegment.grid[r - 1][fm - 1] }
        #expect(cell(5, 5) == .champions && cell(4, 4) == .champions)
        #expect(cell(3, 4) == .loyal && cell(3, 5) == .loyal)
        #expect(cell(5, 2) == .potentialLoyalist && cell(4, 3) == .potentialLoyalist)
        #expect(cell(5, 1) == .new)
        #expect(cell(4, 1) == .promising)
        #expect(cell(3, 3) == .needAttention)
        #expect(cell(3, 1) == .aboutToSleep && cell(3, 2) == .aboutToSleep)
        #expect(cell(2, 3) == .atRisk && cell(1, 4) == .atRisk)
        #expect(cell(1, 5) == .cantLose && cell(2, 5) == .cantLose)
        #expect(cell(2, 1) == .hibernating && cell(1, 2) == .hibernating)
        #expect(cell(1, 1) == .lost)
        // FM rounds half up.
        #expect(RFMSegment(r: 5, f: 4, m: 3) == .champions)
        #expect(RFMSegment(r: 5, f: 1, m: 2) == .potentialLoyalist)
        #expect(RFMSegment(r: 5, f: 1, m: 1) == .new)
        #expect(Set(RFMSegment.allCases.map(\.name)).count == 11)
        #expect(RFMSegment.champions.chineseName == "冠军客户")
        #expect(RFMSegment.lost.chineseName == "流失客户")
        #expect(Set(RFMSegment.allCases.map(\.chineseName)).count == 11)
    }
}
