/// A compressed set of `UInt32` values (Roaring design) for tag and segment membership.
///
/// Values are split by their high 16 bits into chunks; each chunk is a sorted `[UInt16]` while it
/// holds at most 4096 values and a 1024-word bitmap above that, so both sparse and dense sets stay
/// small and set algebra works a chunk at a time on contiguous memory. Value semantics come from
/// the arrays it holds (copy-on-write).
public struct RoaringBitmap: Sendable, Equatable, Sequence {
    /// The high 16 bits of each chunk, strictly ascending.
    var keys: [UInt16]
    /// The chunk for each key, never empty.
    var containers: [RoaringContainer]

    /// An empty bitmap.
    public init() {
        keys = []
        containers = []
    }

    /// A bitmap of the given values, in any order and with duplicates allowed.
    public init<S: Sequence>(_ values: S) where S.Element == UInt32 {
        self.init()
        var sorted = Array(values)
        sorted.sort()
        var index = 0
        var lows: [UInt16] = []
        while index < sorted.count {
            let key = UInt16(truncatingIfNeeded: sorted[index] >> 16)
            lows.removeAll(keepingCapacity: true)
            while index < sorted.count && sorted[index] >> 16 == UInt32(key) {
                let low = UInt16(truncatingIfNeeded: sorted[index])
                if lows.last != low { lows.append(low) }
                index += 1
            }
            append(key, RoaringContainer.make(sorted: lows))
        }
    }

    /// A bitmap of every value in `range`, built chunk by chunk (full chunks as full bitmaps).
    public init(range: Range<UInt32>) {
        self.init()
        guard !range.isEmpty else { return }
        let last = range.upperBound - 1
        for key in (range.lowerBound >> 16)...(last >> 16) {
            let lower = key == range.lowerBound >> 16 ? Int(range.lowerBound & 0xFFFF) : 0
            let upper = key == last >> 16 ? Int(last & 0xFFFF) + 1 : 1 << 16
            append(UInt16(key), RoaringContainer.range(lower, upper))
        }
    }

    /// Appends a chunk whose key is above every present key; ignores nil (empty) chunks.
    private mutating func append(_ key: UInt16, _ container: RoaringContainer?) {
        guard let container else { return }
        keys.append(key)
        containers.append(container)
    }

    /// The index of `key` in `keys`, or where it would be inserted.
    private func keyIndex(_ key: UInt16) -> (index: Int, found: Bool) {
        let index = RoaringContainer.lowerBound(keys, key, from: 0)
        return (index, index < keys.count && keys[index] == key)
    }

    // MARK: Membership

    /// Adds `value`; true when it was not already a member.
    @discardableResult
    public mutating func insert(_ value: UInt32) -> Bool {
        let (index, found) = keyIndex(UInt16(truncatingIfNeeded: value >> 16))
        let low = UInt16(truncatingIfNeeded: value)
        if found { return containers[index].insert(low) }
        keys.insert(UInt16(truncatingIfNeeded: value >> 16), at: index)
        containers.insert(.array([low]), at: index)
        return true
    }

    /// Removes `value`; true when it was a member.
    @discardableResult
    public mutating func remove(_ value: UInt32) -> Bool {
        let (index, found) = keyIndex(UInt16(truncatingIfNeeded: value >> 16))
        guard found, containers[index].remove(UInt16(truncatingIfNeeded: value)) else { return false }
        if containers[index].cardinality == 0 {
            keys.remove(at: index)
            containers.remove(at: index)
        }
        return true
    }

    /// Whether `value` is a member.
    public func contains(_ value: UInt32) -> Bool {
        let (index, found) = keyIndex(UInt16(truncatingIfNeeded: value >> 16))
        return found && containers[index].contains(UInt16(truncatingIfNeeded: value))
    }

    /// The number of members, summed from the chunks' kept counts.
    public var count: Int {
        var total = 0
        for container in containers { total += container.cardinality }
        return total
    }

    /// Whether the bitmap has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The smallest member, or nil when empty.
    public var min: UInt32? {
        guard let key = keys.first else { return nil }
        return UInt32(key) << 16 | UInt32(containers[0].min)
    }

    /// The largest member, or nil when empty.
    public var max: UInt32? {
        guard let key = keys.last else { return nil }
        return UInt32(key) << 16 | UInt32(containers[containers.count - 1].max)
    }

    /// Estimated heap bytes: the chunk payloads plus the key and container tables.
    public var memoryBytes: Int {
        var total = keys.count * MemoryLayout<UInt16>.stride + containers.count * MemoryLayout<RoaringContainer>.stride
        for container in containers { total += container.payloadBytes }
        return total
    }

    // MARK: Set algebra

    /// Merges the chunk lists of two bitmaps: chunks present on one side only are kept when asked,
    /// chunks present on both are combined by `both` (nil meaning the result chunk is empty).
    private func merged(
        with other: RoaringBitmap, keepLeft: Bool, keepRight: Bool,
        both: (RoaringContainer, RoaringContainer) -> RoaringContainer?
    ) -> RoaringBitmap {
        var result = RoaringBitmap()
        var i = 0
        var j = 0
        while i < keys.count && j < other.keys.count {
            if keys[i] < other.keys[j] {
                if keepLeft { result.append(keys[i], containers[i]) }
                i += 1
            } else if keys[i] > other.keys[j] {
                if keepRight { result.append(other.keys[j], other.containers[j]) }
                j += 1
            } else {
                result.append(keys[i], both(containers[i], other.containers[j]))
                i += 1
                j += 1
            }
        }
        if keepLeft {
            result.keys.append(contentsOf: keys[i...])
            result.containers.append(contentsOf: containers[i...])
        }
        if keepRight {
            result.keys.append(contentsOf: other.keys[j...])
            result.containers.append(contentsOf: other.containers[j...])
        }
        return result
    }

    /// The members of both bitmaps.
    public func intersection(_ other: RoaringBitmap) -> RoaringBitmap {
        merged(with: other, keepLeft: false, keepRight: false) { $0.intersection($1) }
    }

    /// The members of either bitmap.
    public func union(_ other: RoaringBitmap) -> RoaringBitmap {
        merged(with: other, keepLeft: true, keepRight: true) { $0.union($1) }
    }

    /// The members of this bitmap that are not in `other`.
    public func subtracting(_ other: RoaringBitmap) -> RoaringBitmap {
        merged(with: other, keepLeft: true, keepRight: false) { $0.subtracting($1) }
    }

    /// The members of exactly one of the two bitmaps.
    public func symmetricDifference(_ other: RoaringBitmap) -> RoaringBitmap {
        merged(with: other, keepLeft: true, keepRight: true) { $0.symmetricDifference($1) }
    }

    /// Keeps only the members also in `other`.
    public mutating func formIntersection(_ other: RoaringBitmap) {
        self = intersection(other)
    }

    /// Adds the members of `other`.
    public mutating func formUnion(_ other: RoaringBitmap) {
        self = union(other)
    }

    /// Removes the members of `other`.
    public mutating func subtract(_ other: RoaringBitmap) {
        self = subtracting(other)
    }

    /// The size of the intersection with `other`, counted chunk by chunk without building it.
    public func intersectionCount(_ other: RoaringBitmap) -> Int {
        var total = 0
        var i = 0
        var j = 0
        while i < keys.count && j < other.keys.count {
            if keys[i] < other.keys[j] {
                i += 1
            } else if keys[i] > other.keys[j] {
                j += 1
            } else {
                total += containers[i].intersectionCount(other.containers[j])
                i += 1
                j += 1
            }
        }
        return total
    }

    /// Every value in `0..<universe` that is not a member.
    public func complement(universe: UInt32) -> RoaringBitmap {
        var result = RoaringBitmap()
        guard universe > 0 else { return result }
        let lastKey = (universe - 1) >> 16
        var j = 0
        for key in 0...lastKey {
            let upper = key == lastKey ? Int((universe - 1) & 0xFFFF) + 1 : 1 << 16
            let full = RoaringContainer.range(0, upper)!
            while j < keys.count && UInt32(keys[j]) < key { j += 1 }
            let present = j < keys.count && UInt32(keys[j]) == key
            result.append(UInt16(key), present ? full.subtracting(containers[j]) : full)
        }
        return result
    }

    // MARK: Iteration

    /// The first `n` members in ascending order (fewer when the bitmap is smaller), for previews.
    public func first(_ n: Int) -> [UInt32] {
        guard n > 0 else { return [] }
        var result: [UInt32] = []
        result.reserveCapacity(Swift.min(n, 4096))
        for value in self {
            result.append(value)
            if result.count == n { break }
        }
        return result
    }

    /// An iterator over the members in ascending order.
    public func makeIterator() -> Iterator {
        Iterator(bitmap: self)
    }

    /// Walks the chunks in key order: array positions, or the set bits of each word in turn.
    public struct Iterator: IteratorProtocol {
        private let bitmap: RoaringBitmap
        private var containerIndex = 0
        /// The next array position, or the next word to load for a bitmap chunk.
        private var position = 0
        /// The unvisited bits of the word at `position - 1`.
        private var word: UInt64 = 0

        init(bitmap: RoaringBitmap) {
            self.bitmap = bitmap
        }

        /// The next member, or nil after the largest.
        public mutating func next() -> UInt32? {
            while containerIndex < bitmap.containers.count {
                let high = UInt32(bitmap.keys[containerIndex]) << 16
                switch bitmap.containers[containerIndex] {
                case .array(let values):
                    if position < values.count {
                        position += 1
                        return high | UInt32(values[position - 1])
                    }
                case .bitmap(let bits):
                    while word == 0 && position < BitmapWords.wordCount {
                        word = bits.words[position]
                        position += 1
                    }
                    if word != 0 {
                        let bit = word.trailingZeroBitCount
                        word &= word &- 1
                        return high | UInt32((position - 1) << 6 + bit)
                    }
                }
                containerIndex += 1
                position = 0
                word = 0
            }
            return nil
        }
    }

    /// The member count, as a capacity hint for `Array(bitmap)`.
    public var underestimatedCount: Int { count }
}
