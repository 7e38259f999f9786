import PanoramaCore
import Testing

@testable import PanoramaEngine

/// The shapes of value sets the property tests draw from: each stresses a different container path.
private enum Shape: CaseIterable {
    case empty, sparse, dense, range, edges, mixed
}

/// A random set of the given shape; `chunk` picks which 2^16 chunk dense sets and ranges start in,
/// so that two sets drawn with the same chunk overlap.
private func randomSet(_ shape: Shape, chunk: UInt32, _ rng: inout SplitMix64) -> Set<UInt32> {
    switch shape {
    case .empty:
        return []
    case .sparse:
        let count = Int.random(in: 1...300, using: &rng)
        return Set((0..<count).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) })
    case .dense:
        // Around the 4096 array limit, within one chunk.
        let count = Int.random(in: 3_000...6_000, using: &rng)
        let base = chunk << 16
        return Set((0..<count).map { _ in base | UInt32.random(in: 0...0xFFFF, using: &rng) })
    case .range:
        let start = (chunk << 16) + UInt32.random(in: 0...0x1_FFFF, using: &rng)
        let length = UInt32.random(in: 0...40_000, using: &rng)
        return Set(start..<start + length)
    case .edges:
        var values: Set<UInt32> = [0, UInt32.max]
        for _ in 0..<Int.random(in: 0...100, using: &rng) {
            values.insert(UInt32.random(in: 0...200, using: &rng))
            values.insert(UInt32.max - UInt32.random(in: 0...200, using: &rng))
        }
        return values
    case .mixed:
        return randomSet(.sparse, chunk: chunk, &rng)
            .union(randomSet(.dense, chunk: chunk, &rng))
            .union(randomSet(.edges, chunk: chunk, &rng))
    }
}

/// Checks the representation rules every operation must preserve: keys ascending, no empty chunk,
/// arrays sorted and within the limit, bitmaps above it with a correct kept count.
private func expectValidLayout(_ bitmap: RoaringBitmap, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(bitmap.keys.count == bitmap.containers.count, sourceLocation: sourceLocation)
    #expect(zip(bitmap.keys, bitmap.keys.dropFirst()).allSatisfy { $0 < $1 }, sourceLocation: sourceLocation)
    for container in bitmap.containers {
        switch container {
        case .array(let values):
            #expect(!values.isEmpty && values.count <= RoaringContainer.arrayLimit, sourceLocation: sourceLocation)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, sourceLocation: sourceLocation)
        case .bitmap(let bits):
            #expect(bits.words.count == BitmapWords.wordCount, sourceLocation: sourceLocation)
            #expect(bits.cardinality > RoaringContainer.arrayLimit, sourceLocation: sourceLocation)
            #expect(
                bits.cardinality == bits.words.reduce(0) { $0 + $1.nonzeroBitCount }, sourceLocation: sourceLocation)
        }
    }
}

/// Checks that `bitmap` holds exactly `expected`, through every read-only view of it.
private func expectSame(
    _ bitmap: RoaringBitmap, _ expected: Set<UInt32>, sourceLocation: SourceLocation = #_sourceLocation
) {
    expectValidLayout(bitmap, sourceLocation: sourceLocation)
    let sorted = expected.sorted()
    #expect(Array(bitmap) == sorted, sourceLocation: sourceLocation)
    #expect(bitmap.count == expected.count, sourceLocation: sourceLocation)
    #expect(bitmap.isEmpty == expected.isEmpty, sourceLocation: sourceLocation)
    #expect(bitmap.min == sorted.first, sourceLocation: sourceLocation)
    #expect(bitmap.max == sorted.last, sourceLocation: sourceLocation)
    // Equal sets have one representation, however they were built.
    #expect(bitmap == RoaringBitmap(sorted), sourceLocation: sourceLocation)
}

@Suite("RoaringBitmap")
struct RoaringBitmapTests {
    @Test("Set algebra, in place and not, agrees with Set<UInt32> on random sets of every shape")
    func setAlgebraMatchesSet() {
        var rng = SplitMix64(seed: 0xB17_3A9)
        let shapes = Shape.allCases
        for left in shapes {
            for right in shapes {
                // Given two random sets, often sharing a chunk so that containers meet
                let chunk = UInt32.random(in: 0...2, using: &rng)
                let a = randomSet(left, chunk: chunk, &rng)
                let b = randomSet(right, chunk: UInt32.random(in: 0...1, using: &rng) == 0 ? chunk : 3, &rng)
                let x = RoaringBitmap(a)
                let y = RoaringBitmap(b)
                expectSame(x, a)

                // When combined every way, then each result matches the Set's
                expectSame(x.intersection(y), a.intersection(b))
                expectSame(x.union(y), a.union(b))
                expectSame(x.subtracting(y), a.subtracting(b))
                expectSame(x.symmetricDifference(y), a.symmetricDifference(b))
                #expect(x.intersectionCount(y) == a.intersection(b).count)

                var inPlace = x
                inPlace.formIntersection(y)
                expectSame(inPlace, a.intersection(b))
                inPlace = x
                inPlace.formUnion(y)
                expectSame(inPlace, a.union(b))
                inPlace = x
                inPlace.subtract(y)
                expectSame(inPlace, a.subtracting(b))
                // The in-place forms left the original untouched (value semantics).
                #expect(x == RoaringBitmap(a))
            }
        }
    }

    @Test("contains agrees with Set for members, neighbours and random probes")
    func containsMatchesSet() {
        var rng = SplitMix64(seed: 42)
        for shape in Shape.allCases {
            let expected = randomSet(shape, chunk: 1, &rng)
            let bitmap = RoaringBitmap(expected)
            var probes = Array(expected.prefix(500))
            probes += probes.map { $0 &+ 1 } + probes.map { $0 &- 1 }
            probes += (0..<500).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
            for probe in probes {
                #expect(bitmap.contains(probe) == expected.contains(probe))
            }
        }
    }

    @Test("insert and remove report membership changes exactly as Set does")
    func insertRemoveMatchesSet() {
        var rng = SplitMix64(seed: 7)
        var bitmap = RoaringBitmap()
        var expected = Set<UInt32>()
        // Values concentrated in two chunks so that containers cross the limit both ways.
        for step in 0..<40_000 {
            let value = UInt32.random(in: 0...9_000, using: &rng) + (step.isMultiple(of: 3) ? 0x3_0000 : 0)
            let removing = step > 20_000 ? UInt32.random(in: 0...2, using: &rng) != 0 : step.isMultiple(of: 5)
            if removing {
                let removed = bitmap.remove(value)
                #expect(removed == (expected.remove(value) != nil))
            } else {
                let inserted = bitmap.insert(value)
                #expect(inserted == expected.insert(value).inserted)
            }
        }
        expectSame(bitmap, expected)
        let results = [
            bitmap.insert(UInt32.max), bitmap.insert(UInt32.max), bitmap.remove(UInt32.max),
            bitmap.remove(UInt32.max), bitmap.remove(0x7_0000),
        ]
        #expect(results == [true, false, true, false, false])
    }

    @Test("A chunk becomes a bitmap above 4096 values and an array again at 4096")
    func convertsAtThreshold() {
        // Given exactly 4096 values in one chunk: an array
        var bitmap = RoaringBitmap((0..<4096).map { UInt32($0) * 2 })
        guard case .array = bitmap.containers[0] else { Issue.record("expected an array"); return }

        // When one more is inserted: a bitmap
        let inserted = bitmap.insert(1)
        #expect(inserted)
        guard case .bitmap(let bits) = bitmap.containers[0] else { Issue.record("expected a bitmap"); return }
        #expect(bits.cardinality == 4097)

        // When one is removed again: an array
        let removed = bitmap.remove(0)
        #expect(removed)
        guard case .array(let values) = bitmap.containers[0] else { Issue.record("expected an array"); return }
        #expect(values.count == 4096)

        // Set algebra converts too: two 3000-value arrays unite into a bitmap, two bitmaps meet in an array.
        let evens = RoaringBitmap(stride(from: UInt32(0), to: 6000, by: 2))
        let odds = RoaringBitmap(stride(from: UInt32(1), to: 6000, by: 2))
        guard case .bitmap = evens.union(odds).containers[0] else { Issue.record("expected a bitmap"); return }
        let wide = RoaringBitmap(range: 0..<10_000)
        let shifted = RoaringBitmap(range: 9_000..<20_000)
        guard case .array = wide.intersection(shifted).containers[0] else { Issue.record("expected an array"); return }
        expectSame(wide.intersection(shifted), Set(9_000..<10_000))
        expectSame(wide.symmetricDifference(wide), [])
        #expect(wide.subtracting(wide).isEmpty)
    }

    @Test("init(range:) covers partial and full chunks, up to the top of the value space")
    func rangeInit() {
        let cases: [Range<UInt32>] = [
            0..<0, 5..<6, 0..<4096, 0..<4097, 0..<65_536, 100..<200_000, 65_535..<65_537,
            UInt32.max - 70_000..<UInt32.max,
        ]
        for range in cases {
            let bitmap = RoaringBitmap(range: range)
            expectValidLayout(bitmap)
            #expect(bitmap.count == range.count)
            #expect(bitmap.min == (range.isEmpty ? nil : range.lowerBound))
            #expect(bitmap.max == (range.isEmpty ? nil : range.upperBound - 1))
            #expect(bitmap == RoaringBitmap(range))
        }
        let full = RoaringBitmap(range: 0..<65_536)
        guard case .bitmap(let bits) = full.containers[0] else { Issue.record("expected a bitmap"); return }
        #expect(bits.words.allSatisfy { $0 == ~0 })
    }

    @Test("complement(universe:) is every value below the universe that is not a member")
    func complementMatchesSet() {
        var rng = SplitMix64(seed: 99)
        for shape in Shape.allCases {
            let members = randomSet(shape, chunk: 0, &rng)
            let bitmap = RoaringBitmap(members)
            for universe: UInt32 in [0, 1, 4096, 65_536, 65_537, UInt32.random(in: 0...200_000, using: &rng)] {
                let complement = bitmap.complement(universe: universe)
                expectValidLayout(complement)
                #expect(Array(complement) == (0..<universe).filter { !members.contains($0) })
            }
        }
    }

    @Test("Iteration and first(n) are ascending, and first(n) stops at n")
    func iterationAndPreview() {
        let bitmap = RoaringBitmap([UInt32.max, 70_000, 3, 1, 65_536, 3] + (10_000..<15_000).map { UInt32($0) })
        let all = Array(bitmap)
        #expect(all == all.sorted() && Set(all).count == all.count)
        #expect(bitmap.first(0) == [])
        #expect(bitmap.first(-1) == [])
        #expect(bitmap.first(3) == [1, 3, 10_000])
        #expect(bitmap.first(5_004) == Array(all.prefix(5_004)))
        #expect(bitmap.first(1_000_000) == all)
        #expect(RoaringBitmap().first(10) == [])
    }

    @Test("memoryBytes reflects the container kinds")
    func memoryEstimate() {
        let sparse = RoaringBitmap((0..<100).map { UInt32($0) })
        let dense = RoaringBitmap(range: 0..<65_536)
        #expect(sparse.memoryBytes >= 200 && sparse.memoryBytes < 1_000)
        #expect(dense.memoryBytes >= 8_192 && dense.memoryBytes < 9_000)
        #expect(RoaringBitmap().memoryBytes == 0)
    }

    @Test("serialized() round-trips bitmaps of every shape")
    func serializationRoundTrip() throws {
        var rng = SplitMix64(seed: 2024)
        for shape in Shape.allCases {
            let bitmap = RoaringBitmap(randomSet(shape, chunk: 2, &rng))
            let decoded = try RoaringBitmap(serialized: bitmap.serialized())
            #expect(decoded == bitmap)
            expectValidLayout(decoded)
        }
    }

    @Test("Truncated, corrupted or padded bytes throw instead of crashing")
    func corruptInputThrows() throws {
        // Given a bitmap with an array chunk and a bitmap chunk
        let bitmap = RoaringBitmap([1, 5, 9]).union(RoaringBitmap(range: 0x1_0000..<0x1_2000))
        let bytes = bitmap.serialized()
        // Header 9 bytes, then key(2) kind(1) cardinality-1(2) per container.
        #expect(bytes.count == 9 + 5 + 3 * 2 + 5 + 8_192)

        // Every prefix throws truncated (sampled through the bitmap payload to stay fast).
        for length in Array(0..<40) + Array(stride(from: 40, to: bytes.count, by: 97)) + [bytes.count - 1] {
            #expect(throws: RoaringBitmap.SerializationError.truncated) {
                try RoaringBitmap(serialized: Array(bytes.prefix(length)))
            }
        }

        func corrupted(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var copy = bytes
            copy[offset] = value
            return copy
        }
        #expect(throws: RoaringBitmap.SerializationError.badMagic) { try RoaringBitmap(serialized: corrupted(0, 0)) }
        #expect(throws: RoaringBitmap.SerializationError.unsupportedVersion(2)) {
            try RoaringBitmap(serialized: corrupted(4, 2))
        }
        #expect(throws: RoaringBitmap.SerializationError.invalidContainer(index: 0)) {
            try RoaringBitmap(serialized: corrupted(11, 7))  // unknown kind
        }
        #expect(throws: RoaringBitmap.SerializationError.invalidContainer(index: 0)) {
            try RoaringBitmap(serialized: corrupted(16, 9))  // array no longer ascending: 1, 9, 9
        }
        #expect(throws: RoaringBitmap.SerializationError.invalidContainer(index: 1)) {
            try RoaringBitmap(serialized: corrupted(20, 0))  // second key equals the first
        }
        #expect(throws: RoaringBitmap.SerializationError.invalidContainer(index: 1)) {
            try RoaringBitmap(serialized: corrupted(bytes.count - 1, 0xFF))  // population disagrees
        }
        #expect(throws: RoaringBitmap.SerializationError.trailingBytes) {
            try RoaringBitmap(serialized: bytes + [0])
        }
        #expect(throws: RoaringBitmap.SerializationError.invalidContainer(index: 65_536)) {
            try RoaringBitmap(serialized: Array("PRBM".utf8) + [1, 0xFF, 0xFF, 0xFF, 0xFF])
        }

        // Random single-byte damage either throws or decodes to a valid bitmap: never a crash.
        var rng = SplitMix64(seed: 5)
        let small = RoaringBitmap([3, 70_000, 70_001, UInt32.max]).serialized()
        for _ in 0..<2_000 {
            var damaged = small
            damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            if let decoded = try? RoaringBitmap(serialized: damaged) {
                expectValidLayout(decoded)
            }
        }
    }
}
