import PanoramaCore

/// The distribution of days between a customer's consecutive paid orders.
public struct RepurchaseDistribution: Sendable, Equatable {
    /// What the intervals are of: all orders, or the orders holding one category.
    public var label: String?
    /// Number of intervals.
    public var intervals: Int
    /// Customers with at least one interval.
    public var customers: Int
    /// Mean days, and the 25th, 50th, 75th and 90th percentiles (nearest rank); 0 when empty.
    public var meanDays: Double
    public var p25: Int
    public var median: Int
    public var p75: Int
    public var p90: Int
    /// Interval counts per `RepurchaseAnalysis.bucketBounds` bucket (the last is open).
    public var buckets: [Int]
}

/// Days between purchases, overall and per category.
public enum RepurchaseAnalysis {
    /// Bucket upper bounds in days (inclusive): 0–7, 8–14, 15–30, 31–60, 61–90, 91–180,
    /// 181–365, then more than 365.
    public static let bucketBounds = [7, 14, 30, 60, 90, 180, 365]

    /// Labels of the buckets.
    public static var bucketLabels: [String] {
        var lower = 0
        var labels: [String] = []
        for bound in bucketBounds {
            labels.append("\(lower)-\(bound)")
            lower = bound + 1
        }
        return labels + [">\(bucketBounds.last!)"]
    }

    /// The distribution over all paid orders placed in `from ..< to` (an interval counts when
    /// its second order is in the period), and per item category when items are loaded.
    public static func report(
        _ dataset: InsightDataset, from: Int64, to: Int64, filter: BitVector? = nil
    ) throws(PanoramaError) -> (overall: RepurchaseDistribution, categories: [RepurchaseDistribution]) {
        try KPIs.validate(from: from, to: to)
        let orders = dataset.orders
        let completed = OrderColumns.Status.completed.rawValue
        let rows = dataset.included(filter).setRows
        var overall: [Int] = []
        var customers = 0
        let categories = dataset.categories
        let hasItems = categories.isLoaded(for: orders.count)
        var perItem: [[Int]] = hasItems ? Array(repeating: [], count: categories.dictionary.strings.count) : []
        var itemCustomers = [Int](repeating: 0, count: perItem.count)
        var lastItemDay = [Int64](repeating: .min, count: perItem.count)
        var touchedItems: [Int] = []
        var itemCounted = [Bool](repeating: false, count: perItem.count)
        for row in rows {
            var previous = Int64.min
            var counted = false
            for o in orders.range(ofRow: row) where orders.status[o] == completed {
                let day = Int64(orders.day[o])
                if previous != .min, day >= from, day < to {
                    overall.append(Int(day - previous))
                    if !counted {
                        counted = true
                        customers += 1
                    }
                }
                previous = day
                guard hasItems else { continue }
                for code in categories.of(o) {
                    let item = Int(code)
                    if lastItemDay[item] == .min { touchedItems.append(item) }
                    if lastItemDay[item] != .min, day >= from, day < to {
                        perItem[item].append(Int(day - lastItemDay[item]))
                        if !itemCounted[item] {
                            itemCounted[item] = true
                            itemCustomers[item] += 1
                        }
                    }
                    lastItemDay[item] = day
                }
            }
            for item in touchedItems {
                lastItemDay[item] = .min
                itemCounted[item] = false
            }
            touchedItems.removeAll(keepingCapacity: true)
        }
        let perCategory = perItem.indices.compactMap { item -> RepurchaseDistribution? in
            guard !perItem[item].isEmpty else { return nil }
            return distribution(
                perItem[item], customers: itemCustomers[item], label: categories.dictionary.strings[item])
        }
        return (distribution(overall, customers: customers, label: nil), perCategory)
    }

    /// The statistics of a list of intervals.
    static func distribution(_ intervals: [Int], customers: Int, label: String?) -> RepurchaseDistribution {
        let sorted = countingSorted(intervals)
        func percentile(_ p: Int) -> Int {
            guard !sorted.isEmpty else { return 0 }
            // Nearest rank: the ⌈p·n/100⌉-th smallest.
            return sorted[max(0, (p * sorted.count + 99) / 100 - 1)]
        }
        var buckets = [Int](repeating: 0, count: bucketBounds.count + 1)
        for days in sorted {
            buckets[bucketBounds.firstIndex { days <= $0 } ?? bucketBounds.count] += 1
        }
        return RepurchaseDistribution(
            label: label, intervals: sorted.count, customers: customers,
            meanDays: sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count),
            p25: percentile(25), median: percentile(50), p75: percentile(75), p90: percentile(90), buckets: buckets)
    }

    /// `intervals` in ascending order: counted by day when they span less than a few million
    /// days (millions of intervals, a few thousand distinct days), else compared.
    static func countingSorted(_ intervals: [Int]) -> [Int] {
        guard let low = intervals.min(), let high = intervals.max() else { return [] }
        guard high - low < 1 << 22, intervals.count > 64 else { return intervals.sorted() }
        var counts = [Int](repeating: 0, count: high - low + 1)
        for days in intervals { counts[days - low] += 1 }
        var sorted: [Int] = []
        sorted.reserveCapacity(intervals.count)
        for (offset, count) in counts.enumerated() where count > 0 {
            sorted.append(contentsOf: repeatElement(low + offset, count: count))
        }
        return sorted
    }
}
