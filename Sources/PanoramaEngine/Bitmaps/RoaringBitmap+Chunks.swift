/// Chunk-level access for evaluators that work 65,536 rows at a time: a chunk's members as 1024
/// words (borrowed without copying when the chunk is already a bitmap), and a bitmap assembled
/// from chunks computed as words.
extension RoaringBitmap {
    /// The position of the chunk with high bits `key` in `containers`, or nil when it is empty.
    func chunkIndex(_ key: UInt16) -> Int? {
        let index = RoaringContainer.lowerBound(keys, key, from: 0)
        return index < keys.count && keys[index] == key ? index : nil
    }

    /// For each chunk below `chunkCount`, its position in `containers`, or -1 when it is empty.
    func chunkIndexes(chunkCount: Int) -> [Int32] {
        var indexes = [Int32](repeating: -1, count: chunkCount)
        for (position, key) in keys.enumerated() where Int(key) < chunkCount { indexes[Int(key)] = Int32(position) }
        return indexes
    }

    /// A bitmap of chunks given in strictly ascending key order.
    init(sortedChunks: [(key: UInt16, container: RoaringContainer)]) {
        self.init()
        keys = sortedChunks.map(\.key)
        containers = sortedChunks.map(\.container)
    }
}

extension RoaringContainer {
    /// The container for 1024 words holding `cardinality` set bits, or nil when empty.
    static func make(words: UnsafePointer<UInt64>, cardinality: Int) -> RoaringContainer? {
        if cardinality == 0 { return nil }
        let buffer = UnsafeBufferPointer(start: words, count: BitmapWords.wordCount)
        if cardinality > arrayLimit { return .bitmap(BitmapWords(words: Array(buffer), cardinality: cardinality)) }
        var values: [UInt16] = []
        values.reserveCapacity(cardinality)
        for index in 0..<BitmapWords.wordCount {
            var word = buffer[index]
            while word != 0 {
                values.append(UInt16(truncatingIfNeeded: index << 6 + word.trailingZeroBitCount))
                word &= word &- 1
            }
        }
        return .array(values)
    }

    /// Writes the members as 1024 words (bit `v & 63` of word `v >> 6`), overwriting `words`.
    func copyWords(into words: UnsafeMutablePointer<UInt64>) {
        switch self {
        case .array(let values):
            words.update(repeating: 0, count: BitmapWords.wordCount)
            for value in values { words[Int(value >> 6)] |= UInt64(1) << UInt64(value & 63) }
        case .bitmap(let bitmap):
            bitmap.words.withUnsafeBufferPointer { words.update(from: $0.baseAddress!, count: BitmapWords.wordCount) }
        }
    }

    /// Calls `body` with the members as 1024 words: a bitmap lends its own storage, an array is
    /// expanded into `scratch` (1024 words the caller owns).
    func withWords<R>(scratch: UnsafeMutablePointer<UInt64>, _ body: (UnsafePointer<UInt64>) throws -> R) rethrows
        -> R
    {
        switch self {
        case .array:
            copyWords(into: scratch)
            return try body(UnsafePointer(scratch))
        case .bitmap(let bitmap):
            return try bitmap.words.withUnsafeBufferPointer { try body($0.baseAddress!) }
        }
    }
}
