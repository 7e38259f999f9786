/// The 1024 × 64-bit words of a dense container, with its population kept rather than recounted.
struct BitmapWords: Sendable, Equatable {
    /// Words per container: 2^16 bits.
    static let wordCount = 1024

    var words: [UInt64]
    var cardinality: Int
}

/// One 2^16-value chunk of a `RoaringBitmap`, holding the low 16 bits of its members.
///
/// Invariant (relied on by `Equatable` and the serialized form): a container is never empty,
/// an `.array` holds at most `arrayLimit` sorted distinct values and a `.bitmap` holds more.
enum RoaringContainer: Sendable, Equatable {
    case array([UInt16])
    case bitmap(BitmapWords)

    /// Above this many members a sorted array costs more memory than the 8 KiB bitmap.
    static let arrayLimit = 4096

    // MARK: Building

    /// The container for sorted distinct values, or nil when there are none.
    static func make(sorted values: [UInt16]) -> RoaringContainer? {
        if values.isEmpty { return nil }
        if values.count <= arrayLimit { return .array(values) }
        return .bitmap(BitmapWords(words: words(of: values), cardinality: values.count))
    }

    /// The container for a word set of known population, or nil when it is empty.
    static func make(words: [UInt64], cardinality: Int) -> RoaringContainer? {
        if cardinality == 0 { return nil }
        if cardinality > arrayLimit { return .bitmap(BitmapWords(words: words, cardinality: cardinality)) }
        return .array(values(of: words, cardinality: cardinality))
    }

    /// The container holding every value in `lower..<upper` (bounds within 0...65536), or nil when empty.
    static func range(_ lower: Int, _ upper: Int) -> RoaringContainer? {
        let count = upper - lower
        if count <= 0 { return nil }
        if count <= arrayLimit { return .array((lower..<upper).map { UInt16($0) }) }
        var words = [UInt64](repeating: 0, count: BitmapWords.wordCount)
        setBits(&words, lower, upper)
        return .bitmap(BitmapWords(words: words, cardinality: count))
    }

    /// Sets bits `lower..<upper` of `words` word by word rather than bit by bit.
    static func setBits(_ words: inout [UInt64], _ lower: Int, _ upper: Int) {
        var bit = lower
        while bit < upper {
            let wordIndex = bit >> 6
            let start = bit & 63
            let end = Swift.min(64, upper - (wordIndex << 6))
            let width = end - start
            let mask: UInt64 = width == 64 ? ~0 : ((UInt64(1) << UInt64(width)) - 1) << UInt64(start)
            words[wordIndex] |= mask
            bit = (wordIndex + 1) << 6
        }
    }

    static func words(of values: [UInt16]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: BitmapWords.wordCount)
        for value in values { words[Int(value >> 6)] |= UInt64(1) << UInt64(value & 63) }
        return words
    }

    static func values(of words: [UInt64], cardinality: Int) -> [UInt16] {
        var values: [UInt16] = []
        values.reserveCapacity(cardinality)
        for (index, word) in words.enumerated() {
            var remaining = word
            while remaining != 0 {
                values.append(UInt16(index << 6 + remaining.trailingZeroBitCount))
                remaining &= remaining &- 1
            }
        }
        return values
    }

    // MARK: Queries

    var cardinality: Int {
        switch self {
        case .array(let values): values.count
        case .bitmap(let bitmap): bitmap.cardinality
        }
    }

    var min: UInt16 {
        switch self {
        case .array(let values):
            return values[0]
        case .bitmap(let bitmap):
            let index = bitmap.words.firstIndex { $0 != 0 }!
            return UInt16(index << 6 + bitmap.words[index].trailingZeroBitCount)
        }
    }

    var max: UInt16 {
        switch self {
        case .array(let values):
            return values[values.count - 1]
        case .bitmap(let bitmap):
            let index = bitmap.words.lastIndex { $0 != 0 }!
            return UInt16(index << 6 + 63 - bitmap.words[index].leadingZeroBitCount)
        }
    }

    func contains(_ low: UInt16) -> Bool {
        switch self {
        case .array(let values):
            let index = Self.lowerBound(values, low, from: 0)
            return index < values.count && values[index] == low
        case .bitmap(let bitmap):
            return bitmap.words[Int(low >> 6)] & (UInt64(1) << UInt64(low & 63)) != 0
        }
    }

    /// Heap bytes held by the payload.
    var payloadBytes: Int {
        switch self {
        case .array(let values): values.count * MemoryLayout<UInt16>.stride
        case .bitmap: BitmapWords.wordCount * MemoryLayout<UInt64>.stride
        }
    }

    // MARK: Mutation

    /// Inserts `low`; true when it was absent. Becomes a bitmap when the array would overflow.
    mutating func insert(_ low: UInt16) -> Bool {
        switch self {
        case .array(var values):
            let index = Self.lowerBound(values, low, from: 0)
            if index < values.count && values[index] == low { return false }
            self = .array([])  // drop our reference so `values` is uniquely owned
            if values.count < Self.arrayLimit {
                values.insert(low, at: index)
                self = .array(values)
            } else {
                var words = Self.words(of: values)
                words[Int(low >> 6)] |= UInt64(1) << UInt64(low & 63)
                self = .bitmap(BitmapWords(words: words, cardinality: values.count + 1))
            }
            return true
        case .bitmap(var bitmap):
            let mask = UInt64(1) << UInt64(low & 63)
            if bitmap.words[Int(low >> 6)] & mask != 0 { return false }
            self = .array([])
            bitmap.words[Int(low >> 6)] |= mask
            bitmap.cardinality += 1
            self = .bitmap(bitmap)
            return true
        }
    }

    /// Removes `low`; true when it was present. Becomes an array when the bitmap falls to the limit.
    /// May leave the container empty: the caller drops it.
    mutating func remove(_ low: UInt16) -> Bool {
        switch self {
        case .array(var values):
            let index = Self.lowerBound(values, low, from: 0)
            guard index < values.count && values[index] == low else { return false }
            self = .array([])
            values.remove(at: index)
            self = .array(values)
            return true
        case .bitmap(var bitmap):
            let mask = UInt64(1) << UInt64(low & 63)
            if bitmap.words[Int(low >> 6)] & mask == 0 { return false }
            self = .array([])
            bitmap.words[Int(low >> 6)] &= ~mask
            bitmap.cardinality -= 1
            if bitmap.cardinality <= Self.arrayLimit {
                self = .array(Self.values(of: bitmap.words, cardinality: bitmap.cardinality))
            } else {
                self = .bitmap(bitmap)
            }
            return true
        }
    }

    // MARK: Set algebra

    func intersection(_ other: RoaringContainer) -> RoaringContainer? {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            var result: [UInt16] = []
            result.reserveCapacity(Swift.min(a.count, b.count))
            Self.intersectSorted(a, b) { result.append($0) }
            return Self.make(sorted: result)
        case (.array(let a), .bitmap(let b)), (.bitmap(let b), .array(let a)):
            return Self.make(sorted: a.filter { b.words[Int($0 >> 6)] & (UInt64(1) << UInt64($0 & 63)) != 0 })
        case (.bitmap(let a), .bitmap(let b)):
            var words = a.words
            var cardinality = 0
            for index in 0..<BitmapWords.wordCount {
                words[index] &= b.words[index]
                cardinality += words[index].nonzeroBitCount
            }
            return Self.make(words: words, cardinality: cardinality)
        }
    }

    func intersectionCount(_ other: RoaringContainer) -> Int {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            var count = 0
            Self.intersectSorted(a, b) { _ in count += 1 }
            return count
        case (.array(let a), .bitmap(let b)), (.bitmap(let b), .array(let a)):
            var count = 0
            for value in a where b.words[Int(value >> 6)] & (UInt64(1) << UInt64(value & 63)) != 0 { count += 1 }
            return count
        case (.bitmap(let a), .bitmap(let b)):
            var count = 0
            for index in 0..<BitmapWords.wordCount { count += (a.words[index] & b.words[index]).nonzeroBitCount }
            return count
        }
    }

    /// The sorted union of two sorted arrays, or (not `keepingCommon`) their symmetric difference.
    static func merge(_ a: [UInt16], _ b: [UInt16], keepingCommon: Bool) -> [UInt16] {
        var result: [UInt16] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                result.append(a[i])
                i += 1
            } else if a[i] > b[j] {
                result.append(b[j])
                j += 1
            } else {
                if keepingCommon { result.append(a[i]) }
                i += 1
                j += 1
            }
        }
        result.append(contentsOf: a[i...])
        result.append(contentsOf: b[j...])
        return result
    }

    func union(_ other: RoaringContainer) -> RoaringContainer {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return Self.make(sorted: Self.merge(a, b, keepingCommon: true))!
        case (.array(let a), .bitmap(let b)), (.bitmap(let b), .array(let a)):
            var words = b.words
            var cardinality = b.cardinality
            for value in a {
                let mask = UInt64(1) << UInt64(value & 63)
                if words[Int(value >> 6)] & mask == 0 {
                    words[Int(value >> 6)] |= mask
                    cardinality += 1
                }
            }
            return .bitmap(BitmapWords(words: words, cardinality: cardinality))
        case (.bitmap(let a), .bitmap(let b)):
            return Self.combine(a, b, |)!
        }
    }

    func subtracting(_ other: RoaringContainer) -> RoaringContainer? {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            var result: [UInt16] = []
            result.reserveCapacity(a.count)
            var j = 0
            for value in a {
                j = Self.gallop(b, value, from: j)
                if j == b.count || b[j] != value { result.append(value) }
            }
            return Self.make(sorted: result)
        case (.array(let a), .bitmap(let b)):
            return Self.make(sorted: a.filter { b.words[Int($0 >> 6)] & (UInt64(1) << UInt64($0 & 63)) == 0 })
        case (.bitmap(let a), .array(let b)):
            var words = a.words
            var cardinality = a.cardinality
            for value in b {
                let mask = UInt64(1) << UInt64(value & 63)
                if words[Int(value >> 6)] & mask != 0 {
                    words[Int(value >> 6)] &= ~mask
                    cardinality -= 1
                }
            }
            return Self.make(words: words, cardinality: cardinality)
        case (.bitmap(let a), .bitmap(let b)):
            return Self.combine(a, b) { $0 & ~$1 }
        }
    }

    func symmetricDifference(_ other: RoaringContainer) -> RoaringContainer? {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return Self.make(sorted: Self.merge(a, b, keepingCommon: false))
        case (.array(let a), .bitmap(let b)), (.bitmap(let b), .array(let a)):
            var words = b.words
            var cardinality = b.cardinality
            for value in a {
                let mask = UInt64(1) << UInt64(value & 63)
                cardinality += words[Int(value >> 6)] & mask == 0 ? 1 : -1
                words[Int(value >> 6)] ^= mask
            }
            return Self.make(words: words, cardinality: cardinality)
        case (.bitmap(let a), .bitmap(let b)):
            return Self.combine(a, b, ^)
        }
    }

    /// Combines two bitmaps word by word, counting the result as it goes.
    private static func combine(
        _ a: BitmapWords, _ b: BitmapWords, _ operation: (UInt64, UInt64) -> UInt64
    ) -> RoaringContainer? {
        var words = a.words
        var cardinality = 0
        for index in 0..<BitmapWords.wordCount {
            words[index] = operation(words[index], b.words[index])
            cardinality += words[index].nonzeroBitCount
        }
        return make(words: words, cardinality: cardinality)
    }
}

extension RoaringContainer {
    /// The first index at or after `start` whose value is not below `target`.
    static func lowerBound(_ values: [UInt16], _ target: UInt16, from start: Int) -> Int {
        var low = start
        var high = values.count
        while low < high {
            let middle = (low + high) >> 1
            if values[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Like `lowerBound`, but probes 1, 2, 4… steps ahead first: cheap when the answer is near `start`.
    static func gallop(_ values: [UInt16], _ target: UInt16, from start: Int) -> Int {
        var step = 1
        var high = start
        while high < values.count && values[high] < target {
            high = start + step
            step <<= 1
        }
        var low = start + (step >> 2)
        high = Swift.min(high, values.count)
        low = Swift.min(low, high)
        while low < high {
            let middle = (low + high) >> 1
            if values[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Emits the common values of two sorted arrays: a linear merge when their sizes are alike,
    /// galloping through the larger one when one is far smaller.
    static func intersectSorted(_ a: [UInt16], _ b: [UInt16], _ emit: (UInt16) -> Void) {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        if small.count * 32 < large.count {
            var j = 0
            for value in small {
                j = gallop(large, value, from: j)
                if j == large.count { return }
                if large[j] == value { emit(value) }
            }
            return
        }
        var i = 0
        var j = 0
        while i < small.count && j < large.count {
            if small[i] < large[j] {
                i += 1
            } else if small[i] > large[j] {
                j += 1
            } else {
                emit(small[i]); i += 1; j += 1
            }
        }
    }
}
