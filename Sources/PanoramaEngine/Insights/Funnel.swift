import PanoramaCore

/// A funnel's result: customers reaching each step, overall and per group of a dimension.
public struct FunnelReport: Sendable {
    public var steps: [String]
    public var windowDays: Int
    /// `counts[i]`: customers who reached step `i + 1` (in order, within the window).
    public var counts: [Int]
    public var dimension: InsightDimension?
    public var breakdown: [(label: String, counts: [Int])]
    /// Per step, the conditions on event properties it was filtered with (empty: none).
    public var conditions: [[PropertyCondition]] = []

    /// Conversion from the first step to each step (1 for the first; 0 when nobody entered).
    public var conversion: [Double] { counts.map { counts[0] == 0 ? 0 : Double($0) / Double(counts[0]) } }
    /// Conversion from the previous step.
    public var stepConversion: [Double] {
        counts.indices.map { i in
            i == 0 ? (counts[0] == 0 ? 0 : 1) : counts[i - 1] == 0 ? 0 : Double(counts[i]) / Double(counts[i - 1])
        }
    }
}

/// Ordered event funnels: a customer enters with a first-step event in the period and reaches
/// step k when steps 2 … k follow in that order (each at or after the previous one) within the
/// window after the entering event; of several entries, the one that goes deepest counts.
public enum Funnel {
    public static let maximumSteps = 10
    public static let maximumWindowDays = 365

    /// Per customer row, how many steps they reached (0: did not enter). `matches[i]`, when
    /// given, holds the event indices step `i` may match (the events of its name that meet its
    /// property conditions); nil: every event of the step's name.
    static func depths(
        _ dataset: InsightDataset, steps: [String], matches: [BitVector?] = [], from: Int64, to: Int64,
        windowDays: Int, rows: [Int]
    ) throws(PanoramaError) -> [Int] {
        try KPIs.validate(from: from, to: to)
        guard (1...maximumSteps).contains(steps.count) else {
            throw .badRequest(
                "bad_steps", "a funnel has 1 … \(maximumSteps) steps / 漏斗须有 1 … \(maximumSteps) 个步骤", field: "steps")
        }
        guard (1...maximumWindowDays).contains(windowDays) else {
            throw .badRequest(
                "bad_window", "the window is 1 … \(maximumWindowDays) days / 转化窗口须为 1 … \(maximumWindowDays) 天",
                field: "window_days")
        }
        let events = dataset.events
        precondition(matches.isEmpty || matches.count == steps.count, "one match set (or nil) per step")
        precondition(matches.allSatisfy { $0 == nil || $0!.count == events.count }, "a match set per event")
        let filters = matches.isEmpty ? [BitVector?](repeating: nil, count: steps.count) : matches
        // -1 for a step no event has: nobody reaches it.
        let codes = steps.map { name in events.nameDictionary.existingCode(for: name).map(Int32.init) ?? -1 }
        let window = Int64(windowDays) * 86_400
        func hit(_ e: Int, _ step: Int) -> Bool {
            events.name[e] == codes[step] && (filters[step]?[e] ?? true)
        }
        return rows.map { row in
            let range = events.range(ofRow: row)
            var best = 0
            for start in range where hit(start, 0) {
                let day = Int64(events.day[start])
                guard day >= from, day < to else { continue }
                var depth = 1
                let deadline = events.timestamp[start] + window
                var e = start + 1
                while depth < codes.count, e < range.upperBound, events.timestamp[e] <= deadline {
                    if hit(e, depth) { depth += 1 }
                    e += 1
                }
                best = max(best, depth)
                if best == codes.count { break }
            }
            return best
        }
    }

    /// Marks in `matches` the events of `row` at second `timestamp` named `name`: how a stored
    /// event (read with its properties) is found among the engine's columns, which hold no
    /// event ids — events of one customer and name within the same second are one to a funnel.
    public static func mark(
        _ matches: inout BitVector, _ events: EventColumns, row: Int, timestamp: Int64, name: String
    ) {
        guard let code = events.nameDictionary.existingCode(for: name).map(Int32.init) else { return }
        let range = events.range(ofRow: row)
        // The first event of the row at or after `timestamp` (times ascend within a row).
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if events.timestamp[mid] < timestamp { low = mid + 1 } else { high = mid }
        }
        while low < range.upperBound, events.timestamp[low] == timestamp {
            if events.name[low] == code { matches[low] = true }
            low += 1
        }
    }

    /// The funnel of `steps` entered in `from ..< to`, broken down by a customer dimension.
    public static func report(
        _ dataset: InsightDataset, steps: [String], from: Int64, to: Int64, windowDays: Int,
        breakdown: InsightDimension? = nil, filter: BitVector? = nil
    ) throws(PanoramaError) -> FunnelReport {
        try report(
            dataset, steps: steps.map { FunnelStep($0) }, matches: [], from: from, to: to, windowDays: windowDays,
            breakdown: breakdown, filter: filter)
    }

    /// The funnel of `steps` (with property conditions) entered in `from ..< to`: `matches[i]`
    /// holds the events step `i` may match (required for a step with conditions, nil otherwise;
    /// empty when no step has conditions). See `depths`.
    public static func report(
        _ dataset: InsightDataset, steps: [FunnelStep], matches: [BitVector?], from: Int64, to: Int64,
        windowDays: Int, breakdown: InsightDimension? = nil, filter: BitVector? = nil
    ) throws(PanoramaError) -> FunnelReport {
        let grouping = try InsightGrouping(breakdown, in: dataset)
        if grouping.isPerOrder {
            throw .badRequest(
                "bad_dimension", "funnels break down by customer dimensions (attributes, tags, segments) / 漏斗只能按客户维度拆分",
                field: "dimension")
        }
        let rows = dataset.included(filter).setRows
        precondition(
            steps.indices.allSatisfy {
                steps[$0].conditions.isEmpty || (matches.count == steps.count && matches[$0] != nil)
            },
            "a step with conditions needs its match set")
        let depth = try depths(
            dataset, steps: steps.map(\.event), matches: matches, from: from, to: to, windowDays: windowDays, rows: rows
        )
        var counts = [Int](repeating: 0, count: steps.count)
        var groups = [[Int]](repeating: [Int](repeating: 0, count: steps.count), count: grouping.labels.count)
        for (index, row) in rows.enumerated() where depth[index] > 0 {
            for step in 0..<depth[index] { counts[step] += 1 }
            if breakdown != nil {
                grouping.forEachCustomerGroup(row) { group in
                    for step in 0..<depth[index] { groups[group][step] += 1 }
                }
            }
        }
        return FunnelReport(
            steps: steps.map(\.event), windowDays: windowDays, counts: counts, dimension: breakdown,
            breakdown: zip(grouping.labels, groups).filter { $0.1[0] > 0 }.map { ($0, $1) },
            conditions: steps.map(\.conditions))
    }

    /// The rows who reached step `step` (1-based) but not the next one: the drop-off there.
    public static func dropped(
        _ dataset: InsightDataset, steps: [String], from: Int64, to: Int64, windowDays: Int, atStep step: Int,
        filter: BitVector? = nil
    ) throws(PanoramaError) -> [Int] {
        try dropped(
            dataset, steps: steps.map { FunnelStep($0) }, matches: [], from: from, to: to, windowDays: windowDays,
            atStep: step, filter: filter)
    }

    /// The drop-off of a funnel with property conditions (`matches` as in `report`).
    public static func dropped(
        _ dataset: InsightDataset, steps: [FunnelStep], matches: [BitVector?], from: Int64, to: Int64,
        windowDays: Int, atStep step: Int, filter: BitVector? = nil
    ) throws(PanoramaError) -> [Int] {
        guard step >= 1, step < steps.count else {
            throw .badRequest(
                "bad_step", "the drop-off step is 1 … \(steps.count - 1) / 流失步骤须为 1 … \(steps.count - 1)", field: "step"
            )
        }
        let rows = dataset.included(filter).setRows
        precondition(
            steps.indices.allSatisfy {
                steps[$0].conditions.isEmpty || (matches.count == steps.count && matches[$0] != nil)
            },
            "a step with conditions needs its match set")
        let depth = try depths(
            dataset, steps: steps.map(\.event), matches: matches, from: from, to: to, windowDays: windowDays, rows: rows
        )
        return zip(rows, depth).filter { $0.1 == step }.map(\.0)
    }
}
