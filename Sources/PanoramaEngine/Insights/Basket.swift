import PanoramaCore

/// An association rule between the items of one order: customers who bought `antecedent`
/// also bought `consequent`.
public struct BasketRule: Sendable, Equatable {
    public var antecedent: [String]
    public var consequent: String
    /// Orders holding antecedent and consequent.
    public var orders: Int
    /// Share of all orders holding both.
    public var support: Double
    /// Share of the orders holding the antecedent that also hold the consequent.
    public var confidence: Double
    /// Confidence over the consequent's own share: above 1, buying the antecedent makes the
    /// consequent likelier.
    public var lift: Double
}

/// Market basket analysis (购物篮分析): frequent itemsets of paid orders by FP-Growth, and the
/// rules with one item as consequent that pass the minimum support, confidence and lift.
public enum BasketAnalysis {
    /// The thresholds of one analysis.
    public struct Thresholds: Sendable, Equatable {
        public var minSupport: Double
        public var minConfidence: Double
        public var minLift: Double
        /// The largest itemset mined (2: pairs).
        public var maxLength: Int

        public init(minSupport: Double = 0.01, minConfidence: Double = 0.1, minLift: Double = 1, maxLength: Int = 3) {
            self.minSupport = minSupport
            self.minConfidence = minConfidence
            self.minLift = minLift
            self.maxLength = maxLength
        }

        func validate() throws(PanoramaError) {
            guard minSupport > 0, minSupport <= 1 else {
                throw .badRequest("bad_support", "min_support must be in (0, 1] / 最小支持度须在 (0, 1]", field: "min_support")
            }
            guard minConfidence >= 0, minConfidence <= 1 else {
                throw .badRequest(
                    "bad_confidence", "min_confidence must be in [0, 1] / 最小置信度须在 [0, 1]", field: "min_confidence")
            }
            guard minLift >= 0, minLift.isFinite else {
                throw .badRequest("bad_lift", "min_lift must be 0 or more / 最小提升度须不小于 0", field: "min_lift")
            }
            guard (2...5).contains(maxLength) else {
                throw .badRequest("bad_length", "max_length must be 2 … 5 / 项集长度须为 2 … 5", field: "max_length")
            }
        }
    }

    /// Frequent itemsets with their order counts, items as codes in ascending order.
    public static func frequentItemsets(_ transactions: [[Int32]], minCount: Int, maxLength: Int) -> [[Int32]: Int] {
        var found: [[Int32]: Int] = [:]
        FPTree(transactions.map { ($0, 1) }, minCount: minCount).mine(
            suffix: [], minCount: minCount, maxLength: maxLength, into: &found)
        return found
    }

    /// The rules over the paid orders placed in `from ..< to` by the rows in `filter`, on
    /// categories or products; sorted by lift, then confidence, then support.
    public static func rules(
        _ dataset: InsightDataset, level: Level, from: Int64, to: Int64, thresholds: Thresholds = Thresholds(),
        filter: BitVector? = nil
    ) throws(PanoramaError) -> (orders: Int, rules: [BasketRule]) {
        try KPIs.validate(from: from, to: to)
        try thresholds.validate()
        let items = level == .category ? dataset.categories : dataset.products
        guard items.isLoaded(for: dataset.orders.count) else {
            throw .badRequest("no_items", "order items are not loaded / 未加载订单商品", field: "level")
        }
        let orders = dataset.orders
        let completed = OrderColumns.Status.completed.rawValue
        // The period's paid orders with items, and how many hold each item.
        var baskets: [Int] = []
        var counts = [Int](repeating: 0, count: items.dictionary.strings.count)
        for row in dataset.included(filter).setRows {
            for o in orders.range(ofRow: row) where orders.status[o] == completed {
                let day = Int64(orders.day[o])
                guard day >= from, day < to else { continue }
                let basket = items.of(o)
                guard !basket.isEmpty else { continue }
                baskets.append(o)
                for code in basket { counts[Int(code)] += 1 }
            }
        }
        let n = baskets.count
        guard n > 0 else { return (0, []) }
        // Items below the support can be in no frequent itemset: each order is cut to its frequent
        // items, and equal orders are counted once with their number (at most 2^k of k frequent
        // items, a few hundred in practice): the tree is built from those, not from every order.
        let minCount = minimumCount(thresholds.minSupport, orders: n)
        let frequent = counts.indices.filter { counts[$0] >= minCount }
        var weighted: [([Int32], Int)] = []
        if frequent.count <= 64 {
            var bit = [UInt64](repeating: 0, count: counts.count)
            for (index, item) in frequent.enumerated() { bit[item] = 1 << UInt64(index) }
            var sets: [UInt64: Int] = [:]
            for o in baskets {
                var set: UInt64 = 0
                for code in items.of(o) { set |= bit[Int(code)] }
                if set != 0 { sets[set, default: 0] += 1 }
            }
            weighted = sets.map { set, count in
                (frequent.indices.filter { set & (1 << UInt64($0)) != 0 }.map { Int32(frequent[$0]) }, count)
            }
        } else {
            var sets: [[Int32]: Int] = [:]
            for o in baskets {
                let set = items.of(o).filter { counts[Int($0)] >= minCount }.sorted()
                if !set.isEmpty { sets[set, default: 0] += 1 }
            }
            weighted = sets.map { ($0.key, $0.value) }
        }
        return (n, rules(weighted: weighted, orders: n, thresholds: thresholds, names: items.dictionary.strings))
    }

    /// The fewest orders an itemset of support `minSupport` among `orders` is in, rounded up:
    /// support ≥ minSupport exactly.
    static func minimumCount(_ minSupport: Double, orders: Int) -> Int {
        max(1, Int((minSupport * Double(orders)).rounded(.up)))
    }

    /// What basket rules are mined over.
    public enum Level: String, Sendable, CaseIterable, Codable {
        case category, product
    }

    /// The rules of `transactions` (item codes naming `names`).
    public static func rules(_ transactions: [[Int32]], thresholds: Thresholds, names: [String]) -> [BasketRule] {
        rules(
            weighted: transactions.map { ($0, 1) }, orders: transactions.count, thresholds: thresholds, names: names)
    }

    /// The rules of `orders` orders given as distinct item sets with their number of orders (the
    /// sets may leave out items below the support, and orders without any).
    static func rules(weighted: [([Int32], Int)], orders n: Int, thresholds: Thresholds, names: [String])
        -> [BasketRule]
    {
        guard n > 0 else { return [] }
        let minCount = minimumCount(thresholds.minSupport, orders: n)
        var itemsets: [[Int32]: Int] = [:]
        FPTree(weighted, minCount: minCount).mine(
            suffix: [], minCount: minCount, maxLength: thresholds.maxLength, into: &itemsets)
        var rules: [BasketRule] = []
        for (itemset, count) in itemsets where itemset.count >= 2 {
            for consequent in itemset {
                let antecedent = itemset.filter { $0 != consequent }
                guard let antecedentCount = itemsets[antecedent], let consequentCount = itemsets[[consequent]] else {
                    continue
                }
                let confidence = Double(count) / Double(antecedentCount)
                let lift = confidence / (Double(consequentCount) / Double(n))
                guard confidence >= thresholds.minConfidence, lift >= thresholds.minLift else { continue }
                rules.append(
                    BasketRule(
                        antecedent: antecedent.map { names[Int($0)] }.sorted(), consequent: names[Int(consequent)],
                        orders: count, support: Double(count) / Double(n), confidence: confidence, lift: lift))
            }
        }
        return rules.sorted {
            ($0.lift, $0.confidence, $0.support, $1.antecedent.joined(separator: "\u{1}"), $1.consequent)
                > ($1.lift, $1.confidence, $1.support, $0.antecedent.joined(separator: "\u{1}"), $0.consequent)
        }
    }

    /// "Customers who bought X also bought": the rules whose antecedent is `item` alone, by
    /// confidence.
    public static func recommendations(_ rules: [BasketRule], for item: String, limit: Int = 10) -> [BasketRule] {
        Array(
            rules.filter { $0.antecedent == [item] }.sorted {
                ($0.confidence, $0.lift, $1.consequent) > ($1.confidence, $1.lift, $0.consequent)
            }.prefix(limit))
    }
}

/// A frequent-pattern tree (Han, Pei & Yin 2000): transactions as paths of their frequent items
/// in descending frequency, shared prefixes merged, with a list of nodes per item.
struct FPTree {
    var item: [Int32] = [-1]
    var count: [Int] = [0]
    var parent: [Int] = [-1]
    /// Child of (node, item).
    var children: [Int64: Int] = [:]
    /// Nodes of each item.
    var nodes: [Int32: [Int]] = [:]
    /// Frequent items with their counts.
    var support: [Int32: Int] = [:]

    /// The tree of weighted transactions, keeping items with at least `minCount`.
    init(_ transactions: [([Int32], Int)], minCount: Int) {
        var counts: [Int32: Int] = [:]
        for (items, weight) in transactions { for item in items { counts[item, default: 0] += weight } }
        support = counts.filter { $0.value >= minCount }
        let rank = support.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.enumerated().reduce(into: [Int32: Int]())
        {
            $0[$1.element.key] = $1.offset
        }
        for (items, weight) in transactions {
            let path = items.filter { rank[$0] != nil }.sorted { rank[$0]! < rank[$1]! }
            var node = 0
            for element in path {
                let key = Int64(node) << 32 | Int64(UInt32(bitPattern: element))
                if let child = children[key] {
                    node = child
                } else {
                    item.append(element)
                    count.append(0)
                    parent.append(node)
                    children[key] = item.count - 1
                    nodes[element, default: []].append(item.count - 1)
                    node = item.count - 1
                }
                count[node] += weight
            }
        }
    }

    /// Adds every frequent itemset of this (conditional) tree, each extended by `suffix`.
    func mine(suffix: [Int32], minCount: Int, maxLength: Int, into found: inout [[Int32]: Int]) {
        for (element, total) in support {
            let itemset = (suffix + [element]).sorted()
            found[itemset] = total
            guard itemset.count < maxLength else { continue }
            // The conditional pattern base: each path above a node of `element`, weighted by it.
            var base: [([Int32], Int)] = []
            for node in nodes[element] ?? [] {
                var path: [Int32] = []
                var up = parent[node]
                while up > 0 {
                    path.append(item[up])
                    up = parent[up]
                }
                if !path.isEmpty { base.append((path, count[node])) }
            }
            guard !base.isEmpty else { continue }
            FPTree(base, minCount: minCount).mine(
                suffix: suffix + [element], minCount: minCount, maxLength: maxLength, into: &found)
        }
    }
}
