import PanoramaCore

/// What puts a customer in a monthly cohort.
public enum CohortBasis: String, Sendable, CaseIterable, Codable {
    /// The month of the first paid order.
    case firstPurchase = "first_purchase"
    /// The month of the first activity of any kind (order or tracked event): sign-up as the data
    /// shows it.
    case firstSeen = "first_seen"
}

/// One cohort's row of the triangle.
public struct Cohort: Sendable, Equatable {
    /// Month index (year × 12 + month − 1).
    public var month: Int
    public var customers: Int
    /// `active[k]`: customers of the cohort with a paid order in month `month + k`.
    public var active: [Int]
    /// `revenue[k]`: their net paid revenue in month `month + k`, minor units.
    public var revenue: [Int64]

    /// `active[k] / customers`.
    public var retention: [Double] { active.map { customers == 0 ? 0 : Double($0) / Double(customers) } }
}

/// The cohort triangle: a row per cohort month, a column per month since; row `i` has
/// `months − i` columns (later months have not happened yet).
public struct CohortTriangle: Sendable {
    public var basis: CohortBasis
    public var firstMonth: Int
    public var months: Int
    public var cohorts: [Cohort]
}

/// Cohort analysis over an `InsightDataset`.
public enum Cohorts {
    /// The longest triangle, in months.
    public static let maximumMonths = 120

    /// The triangle of cohorts `firstMonth ..< firstMonth + months` (month indexes).
    public static func triangle(
        _ dataset: InsightDataset, firstMonth: Int, months: Int, basis: CohortBasis = .firstPurchase,
        filter: BitVector? = nil
    ) throws(PanoramaError) -> CohortTriangle {
        guard months >= 1, months <= maximumMonths else {
            throw .badRequest(
                "bad_months", "months must be 1 … \(maximumMonths) / 月数须为 1 … \(maximumMonths)", field: "months")
        }
        let start = InsightCalendar.firstDay(ofMonth: firstMonth)
        let end = InsightCalendar.firstDay(ofMonth: firstMonth + months)
        // The month offset (from firstMonth) of each day of start ..< end.
        var monthOfDay = [Int8](repeating: 0, count: Int(end - start))
        for m in 0..<months {
            let a = InsightCalendar.firstDay(ofMonth: firstMonth + m) - start
            let b = InsightCalendar.firstDay(ofMonth: firstMonth + m + 1) - start
            for day in a..<b { monthOfDay[Int(day)] = Int8(m) }
        }
        let rows = dataset.included(filter)
        let chunkRows = 16_384
        let chunks = max(1, (dataset.rowCount + chunkRows - 1) / chunkRows)
        // Per chunk: size, active[m][k] and revenue[m][k] flattened m × months + k.
        var partials = [[Int64]](repeating: [], count: chunks)
        let orders = dataset.orders
        let events = dataset.events
        let completed = OrderColumns.Status.completed.rawValue
        partials.withUnsafeMutableBufferPointer { partials in
            let out = UncheckedSendable(partials)
            parallelFor(chunks) { chunk in
                var sums = [Int64](repeating: 0, count: months + 2 * months * months)
                var lastActive = [Int](repeating: -1, count: months)
                let words = rows.words
                for row in chunk * chunkRows..<min(dataset.rowCount, (chunk + 1) * chunkRows)
                where words[row >> 6] & (1 << UInt64(row & 63)) != 0 {
                    var first = Int64.max
                    for o in orders.range(ofRow: row) where orders.status[o] == completed || basis == .firstSeen {
                        first = Int64(orders.day[o])
                        break
                    }
                    if basis == .firstSeen, let e = events.range(ofRow: row).first {
                        first = min(first, Int64(events.day[e]))
                    }
                    guard first >= start, first < end else { continue }
                    let cohort = Int(monthOfDay[Int(first - start)])
                    sums[cohort] += 1
                    for o in orders.range(ofRow: row) where orders.status[o] == completed {
                        let day = Int64(orders.day[o])
                        guard day >= first, day < end else { continue }
                        let k = Int(monthOfDay[Int(day - start)]) - cohort
                        let cell = cohort * months + k
                        if lastActive[k] != row {
                            lastActive[k] = row
                            sums[months + cell] += 1
                        }
                        sums[months + months * months + cell] += orders.amount[o]
                    }
                }
                out.value[chunk] = sums
            }
        }
        var total = [Int64](repeating: 0, count: months + 2 * months * months)
        for partial in partials { for index in total.indices { total[index] += partial[index] } }
        let cohorts = (0..<months).map { m in
            let width = months - m
            return Cohort(
                month: firstMonth + m, customers: Int(total[m]),
                active: (0..<width).map { Int(total[months + m * months + $0]) },
                revenue: (0..<width).map { total[months + months * months + m * months + $0] })
        }
        return CohortTriangle(basis: basis, firstMonth: firstMonth, months: months, cohorts: cohorts)
    }
}
