/// The persisted form of a `RoaringBitmap`, all integers little-endian:
///
///     "PRBM"                      4 bytes, magic
///     version                     UInt8, currently 1
///     container count             UInt32
///     then per container, keys strictly ascending:
///       key                       UInt16, the high 16 bits of its members
///       kind                      UInt8, 0 = array, 1 = bitmap
///       cardinality - 1           UInt16 (1...65536 members)
///       payload                   array: cardinality × UInt16, strictly ascending, cardinality ≤ 4096
///                                 bitmap: 1024 × UInt64, population = cardinality > 4096
///
/// Decoding checks every one of these rules, so stored bytes that decode are a valid bitmap.
extension RoaringBitmap {
    /// Why stored bytes could not be decoded; `code` is stable for logs and error mapping.
    public enum SerializationError: Error, Equatable, Sendable {
        case truncated
        case badMagic
        case unsupportedVersion(UInt8)
        case invalidContainer(index: Int)
        case trailingBytes

        /// A stable identifier for the failure.
        public var code: String {
            switch self {
            case .truncated: "bitmap_truncated"
            case .badMagic: "bitmap_bad_magic"
            case .unsupportedVersion: "bitmap_unsupported_version"
            case .invalidContainer: "bitmap_invalid_container"
            case .trailingBytes: "bitmap_trailing_bytes"
            }
        }
    }

    static let magic: [UInt8] = Array("PRBM".utf8)
    static let formatVersion: UInt8 = 1

    /// The bitmap in the versioned little-endian format described on this extension.
    public func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(9 + containers.count * 5 + memoryBytes)
        bytes.append(Self.formatVersion)
        appendLittleEndian(UInt32(containers.count), to: &bytes)
        for (key, container) in zip(keys, containers) {
            appendLittleEndian(key, to: &bytes)
            switch container {
            case .array(let values):
                bytes.append(0)
                appendLittleEndian(UInt16(values.count - 1), to: &bytes)
                for value in values { appendLittleEndian(value, to: &bytes) }
            case .bitmap(let bitmap):
                bytes.append(1)
                appendLittleEndian(UInt16(bitmap.cardinality - 1), to: &bytes)
                for word in bitmap.words { appendLittleEndian(word, to: &bytes) }
            }
        }
        return bytes
    }

    /// Decodes bytes written by `serialized()`; throws `SerializationError` on any truncation or corruption.
    public init(serialized bytes: [UInt8]) throws {
        var reader = ByteReader(bytes: bytes)
        guard try reader.read(count: 4) == Self.magic else { throw SerializationError.badMagic }
        let version: UInt8 = try reader.read()
        guard version == Self.formatVersion else { throw SerializationError.unsupportedVersion(version) }
        let containerCount = Int(try reader.read() as UInt32)
        guard containerCount <= 1 << 16 else { throw SerializationError.invalidContainer(index: 1 << 16) }
        self.init()
        keys.reserveCapacity(containerCount)
        containers.reserveCapacity(containerCount)
        for index in 0..<containerCount {
            let key: UInt16 = try reader.read()
            let kind: UInt8 = try reader.read()
            let cardinality = Int(try reader.read() as UInt16) + 1
            guard keys.last.map({ $0 < key }) ?? true else { throw SerializationError.invalidContainer(index: index) }
            switch kind {
            case 0:
                guard cardinality <= RoaringContainer.arrayLimit else {
                    throw SerializationError.invalidContainer(index: index)
                }
                var values: [UInt16] = []
                values.reserveCapacity(cardinality)
                for _ in 0..<cardinality {
                    let value: UInt16 = try reader.read()
                    guard values.last.map({ $0 < value }) ?? true else {
                        throw SerializationError.invalidContainer(index: index)
                    }
                    values.append(value)
                }
                containers.append(.array(values))
            case 1:
                guard cardinality > RoaringContainer.arrayLimit else {
                    throw SerializationError.invalidContainer(index: index)
                }
                var words: [UInt64] = []
                words.reserveCapacity(BitmapWords.wordCount)
                var population = 0
                for _ in 0..<BitmapWords.wordCount {
                    let word: UInt64 = try reader.read()
                    population += word.nonzeroBitCount
                    words.append(word)
                }
                guard population == cardinality else { throw SerializationError.invalidContainer(index: index) }
                containers.append(.bitmap(BitmapWords(words: words, cardinality: cardinality)))
            default:
                throw SerializationError.invalidContainer(index: index)
            }
            keys.append(key)
        }
        guard reader.isAtEnd else { throw SerializationError.trailingBytes }
    }
}

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    for shift in stride(from: 0, to: T.bitWidth, by: 8) {
        bytes.append(UInt8(truncatingIfNeeded: value >> shift))
    }
}

/// Reads little-endian integers from a byte array, throwing `.truncated` instead of reading past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func read(count: Int) throws -> [UInt8] {
        guard bytes.count - offset >= count else { throw RoaringBitmap.SerializationError.truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func read<T: FixedWidthInteger>() throws -> T {
        let size = T.bitWidth / 8
        guard bytes.count - offset >= size else { throw RoaringBitmap.SerializationError.truncated }
        var value: T = 0
        for index in 0..<size {
            value |= T(truncatingIfNeeded: bytes[offset + index]) << (index * 8)
        }
        offset += size
        return value
    }
}
