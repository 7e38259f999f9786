/// One component of a blocking key: a field's value (without spaces), transformed.
public struct BlockingKey: Codable, Sendable, Equatable {
    /// What is taken from the value.
    public enum Transform: String, Codable, Sendable {
        /// The whole value.
        case value
        /// The first `length` characters.
        case prefix
        /// The Soundex code (the value itself when it is not in Latin letters).
        case soundex
        /// The value reversed: sorting on it brings together values that differ only at the start.
        case reversed
    }

    public var field: MatchField
    public var transform: Transform
    /// Number of characters for `prefix`.
    public var length: Int

    /// A key component; `length` matters only for `prefix`.
    public init(_ field: MatchField, _ transform: Transform = .value, length: Int = 0) {
        self.field = field
        self.transform = transform
        self.length = length
    }

    private enum CodingKeys: String, CodingKey { case field, transform, length }

    /// Decodes a key; `transform` defaults to `value`, `length` to 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        field = try c.decode(MatchField.self, forKey: .field)
        transform = try c.decodeIfPresent(Transform.self, forKey: .transform) ?? .value
        length = try c.decodeIfPresent(Int.self, forKey: .length) ?? 0
    }
}

/// A rule that proposes candidate pairs, so that a job compares far fewer than all n² pairs.
///
/// A record whose key lacks a component (a missing value) takes no part in the rule. Several
/// rules are combined: a pair is a candidate when any rule proposes it, so each rule only has to
/// catch the duplicates whose errors spare its key.
public struct BlockingRule: Codable, Sendable, Equatable {
    /// How records are brought together.
    public enum Method: String, Codable, Sendable {
        /// Every pair of records with the same key (blocks larger than `maxBlockSize` are skipped).
        case sameKey
        /// Records sorted by key; each is paired with the `window - 1` records after it.
        case sortedNeighbourhood
    }

    /// A name for reports ("surname soundex + postcode").
    public var name: String
    public var keys: [BlockingKey]
    public var method: Method
    /// Window size for `sortedNeighbourhood`.
    public var window: Int
    /// Sort the components before joining them, so that swapped fields (given name and surname)
    /// give the same key.
    public var unordered: Bool

    /// A rule over `keys`.
    public init(
        _ name: String, _ keys: [BlockingKey], method: Method = .sameKey, window: Int = 0, unordered: Bool = false
    ) {
        self.name = name
        self.keys = keys
        self.method = method
        self.window = window
        self.unordered = unordered
    }

    private enum CodingKeys: String, CodingKey { case name, keys, method, window, unordered }

    /// Decodes a rule; `method` defaults to `sameKey`, `window` to 0, `unordered` to false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        keys = try c.decode([BlockingKey].self, forKey: .keys)
        method = try c.decodeIfPresent(Method.self, forKey: .method) ?? .sameKey
        window = try c.decodeIfPresent(Int.self, forKey: .window) ?? 0
        unordered = try c.decodeIfPresent(Bool.self, forKey: .unordered) ?? false
    }
}

/// What blocking produced: per rule and in total, and how much of the n² work it avoided.
public struct BlockingReport: Sendable, Codable, Equatable {
    /// The contribution of one rule.
    public struct Rule: Sendable, Codable, Equatable {
        public var name: String
        /// Distinct pairs the rule proposed.
        public var pairs: Int
        /// Of those, pairs no earlier rule had proposed.
        public var newPairs: Int
        /// Blocks larger than `maxBlockSize` that were left out, and the pairs they would have given.
        public var skippedBlocks: Int
        public var skippedPairs: Int
    }

    public var rules: [Rule]
    public var recordCount: Int
    /// Distinct candidate pairs (the union over the rules).
    public var candidatePairs: Int

    /// All pairs, n(n−1)/2.
    public var allPairs: Int { recordCount * (recordCount - 1) / 2 }
    /// 1 − candidates / all pairs: the share of comparisons blocking saved.
    public var reductionRatio: Double { allPairs == 0 ? 0 : 1 - Double(candidatePairs) / Double(allPairs) }
}

/// A candidate pair as indices into the input records, the smaller index first.
public struct RecordPair: Hashable, Sendable, Comparable {
    /// `first << 32 | second`: pairs sort and deduplicate as plain integers.
    public var packed: UInt64

    /// The pair of records `a` and `b`, in either order.
    public init(_ a: Int, _ b: Int) {
        let (low, high) = a < b ? (a, b) : (b, a)
        packed = UInt64(low) << 32 | UInt64(high)
    }

    /// A pair from its packed form.
    init(packed: UInt64) {
        self.packed = packed
    }

    public var first: Int { Int(packed >> 32) }
    public var second: Int { Int(packed & 0xFFFF_FFFF) }

    /// Orders pairs by first, then second index.
    public static func < (lhs: RecordPair, rhs: RecordPair) -> Bool { lhs.packed < rhs.packed }
}

/// Candidate generation for one blocking rule over prepared records.
struct Blocker {
    let rule: BlockingRule
    let maxBlockSize: Int

    /// The rule's distinct pairs (packed, sorted) and the blocks it skipped.
    func pairs(_ records: PreparedRecords) -> (pairs: [UInt64], skippedBlocks: Int, skippedPairs: Int) {
        let keys = buildKeys(records)
        var out: [UInt64] = []
        var skippedBlocks = 0
        var skippedPairs = 0
        switch rule.method {
        case .sameKey:
            // Group by a 64-bit hash of the key; a (very unlikely) collision only adds candidates,
            // which scoring then rejects.
            var hashed: [(hash: UInt64, record: Int32)] = []
            hashed.reserveCapacity(records.count)
            for record in 0..<records.count where keys.starts[record] >= 0 {
                hashed.append((keys.hash(record), Int32(record)))
            }
            hashed.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.record < $1.record }
            var start = 0
            while start < hashed.count {
                var end = start + 1
                while end < hashed.count && hashed[end].hash == hashed[start].hash { end += 1 }
                let size = end - start
                if size > maxBlockSize {
                    skippedBlocks += 1
                    skippedPairs += size * (size - 1) / 2
                } else if size > 1 {
                    for i in start..<end - 1 {
                        for j in i + 1..<end {
                            out.append(UInt64(hashed[i].record) << 32 | UInt64(hashed[j].record))
                        }
                    }
                }
                start = end
            }
        case .sortedNeighbourhood:
            var order = (0..<records.count).filter { keys.starts[$0] >= 0 }
            keys.withBuffers { scalars, starts, ends in
                order.sort { a, b in
                    let x = UnsafeBufferPointer(rebasing: scalars[Int(starts[a])..<Int(ends[a])])
                    let y = UnsafeBufferPointer(rebasing: scalars[Int(starts[b])..<Int(ends[b])])
                    return Self.lexicographicallyPrecedes(x, y) || (!Self.lexicographicallyPrecedes(y, x) && a < b)
                }
            }
            let window = max(2, rule.window)
            out.reserveCapacity(order.count * (window - 1))
            for i in 0..<order.count {
                for j in i + 1..<min(order.count, i + window) {
                    out.append(RecordPair(order[i], order[j]).packed)
                }
            }
        }
        out.sort()
        return (Self.unique(out), skippedBlocks, skippedPairs)
    }

    /// Keys of all records in one buffer; `starts[r] < 0` when record r has no key.
    struct Keys {
        var scalars: [UInt32] = []
        var starts: [Int32] = []
        var ends: [Int32] = []

        /// FNV-1a hash of the key of `record`.
        func hash(_ record: Int) -> UInt64 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for i in Int(starts[record])..<Int(ends[record]) {
                h = (h ^ UInt64(scalars[i])) &* 0x100_0000_01B3
            }
            return h
        }

        /// Runs `body` with unsafe views of the key storage.
        func withBuffers<R>(
            _ body: (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Int32>) -> R
        ) -> R {
            scalars.withUnsafeBufferPointer { s in
                starts.withUnsafeBufferPointer { st in ends.withUnsafeBufferPointer { en in body(s, st, en) } }
            }
        }
    }

    /// Every record's key under the rule: components transformed and joined with U+0000.
    func buildKeys(_ records: PreparedRecords) -> Keys {
        var keys = Keys()
        keys.starts.reserveCapacity(records.count)
        keys.ends.reserveCapacity(records.count)
        var parts: [[UInt32]] = Array(repeating: [], count: rule.keys.count)
        records.storage.withUnsafeBufferPointer { storage in
            records.spans.withUnsafeBufferPointer { spans in
                for record in 0..<records.count {
                    var complete = true
                    for (k, key) in rule.keys.enumerated() {
                        let span = spans[PreparedRecords.slot(record, key.field.index, squashed: true)]
                        let value = UnsafeBufferPointer(
                            rebasing: storage[Int(span.start)..<Int(span.start + span.count)])
                        if value.isEmpty {
                            complete = false
                            break
                        }
                        parts[k].removeAll(keepingCapacity: true)
                        Self.transform(value, key, into: &parts[k])
                    }
                    guard complete else {
                        keys.starts.append(-1)
                        keys.ends.append(-1)
                        continue
                    }
                    keys.starts.append(Int32(keys.scalars.count))
                    if rule.unordered {
                        for part in parts.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                            keys.scalars += part
                            keys.scalars.append(0)
                        }
                    } else {
                        for part in parts {
                            keys.scalars += part
                            keys.scalars.append(0)
                        }
                    }
                    keys.ends.append(Int32(keys.scalars.count))
                }
            }
        }
        return keys
    }

    /// Appends the key component of `value` to `out`.
    static func transform(_ value: UnsafeBufferPointer<UInt32>, _ key: BlockingKey, into out: inout [UInt32]) {
        switch key.transform {
        case .value:
            out.append(contentsOf: value)
        case .prefix:
            out.append(contentsOf: value.prefix(max(1, key.length)))
        case .reversed:
            out.append(contentsOf: value.reversed())
        case .soundex:
            var code: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            if StringSimilarity.soundex(value, into: &code) {
                out.append(code.0)
                out.append(code.1)
                out.append(code.2)
                out.append(code.3)
            } else {
                out.append(contentsOf: value)
            }
        }
    }

    /// Scalar-wise lexicographic order, a prefix first.
    static func lexicographicallyPrecedes(_ x: UnsafeBufferPointer<UInt32>, _ y: UnsafeBufferPointer<UInt32>) -> Bool {
        let n = min(x.count, y.count)
        for i in 0..<n where x[i] != y[i] { return x[i] < y[i] }
        return x.count < y.count
    }

    /// `sorted` without repeats.
    static func unique(_ sorted: [UInt64]) -> [UInt64] {
        guard !sorted.isEmpty else { return sorted }
        var out = sorted
        var write = 1
        for read in 1..<out.count where out[read] != out[write - 1] {
            out[write] = out[read]
            write += 1
        }
        out.removeLast(out.count - write)
        return out
    }

    /// Union of two sorted unique arrays, and how many of `b` were not in `a`.
    static func union(_ a: [UInt64], _ b: [UInt64]) -> (union: [UInt64], added: Int) {
        var out: [UInt64] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        var added = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                out.append(a[i])
                i += 1
            } else if b[j] < a[i] {
                out.append(b[j])
                j += 1
                added += 1
            } else {
                out.append(a[i])
                i += 1
                j += 1
            }
        }
        out.append(contentsOf: a[i...])
        added += b.count - j
        out.append(contentsOf: b[j...])
        return (out, added)
    }
}
