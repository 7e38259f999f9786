// A strict RFC 8259 parser tuned for the ingestion hot path.
//
// It works directly on UTF-8 bytes through unsafe pointers: strings without escapes are located with a
// word-at-a-time scan, validated once and turned into a `String` in one step; containers collect their children
// on shared scratch stacks so each object or array allocates exactly one array of the right size.

/// Why a document was rejected, and where.
///
/// `offset` is the zero-based byte offset into the UTF-8 input of the byte that made the input invalid, so API
/// error messages can point clients at the exact spot.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero-based byte offset of the offending byte (equal to the input length for unexpected end of input).
    public let offset: Int
    /// A short human-readable reason, e.g. `expected ':'`.
    public let reason: String

    /// Creates an error; normally only the parser does this.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// For example `invalid JSON at byte 17: expected ':'`.
    public var description: String {
        "invalid JSON at byte \(offset): \(reason)"
    }
}

/// Entry points for parsing JSON text into `JSONValue`s.
///
/// Strict RFC 8259: exactly one value surrounded by optional whitespace; no trailing commas, comments, leading
/// zeros, NaN/Infinity, unescaped control characters, invalid escapes, unpaired surrogates or invalid UTF-8.
/// Parsed objects and arrays remember their source text (see `JSONObject.sourceText`); they share one copy of
/// the input, which therefore stays alive as long as any parsed container does.
public enum JSONParser {
    /// Parses exactly one JSON value from raw UTF-8 bytes (e.g. an HTTP request body). Surrounding whitespace is
    /// allowed, anything else is an error. `maxDepth` bounds the nesting of objects and arrays (the top-level
    /// container is depth 1) so hostile input cannot exhaust the stack; keep it modest.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = 64
    ) throws(JSONParseError) -> JSONValue {
        guard bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: "unexpected end of input")
        }
        return try bytes.withMemoryRebound(to: UInt8.self) { (buffer) throws(JSONParseError) -> JSONValue in
            var core = JSONParserCore(buffer: buffer, maxDepth: maxDepth, source: nil)
            return try core.parseDocument()
        }
    }

    /// Parses exactly one JSON value from a byte array. The array itself (not a copy) backs the source text of
    /// parsed containers.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        let source = JSONSourceBuffer(bytes)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var core = JSONParserCore(buffer: buffer, maxDepth: maxDepth, source: source)
            return try core.parseDocument()
        }
    }

    /// Parses exactly one JSON value from a string; offsets in errors count UTF-8 bytes.
    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var text = text
        // `withUTF8` is not typed-throws, so carry the outcome out as a `Result`.
        let result = text.withUTF8 { buffer -> Result<JSONValue, JSONParseError> in
            var core = JSONParserCore(buffer: buffer, maxDepth: maxDepth, source: nil)
            do throws(JSONParseError) {
                return .success(try core.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

// MARK: - Byte constants

extension UInt8 {
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let openBrace = UInt8(ascii: "{")
    fileprivate static let closeBrace = UInt8(ascii: "}")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let closeBracket = UInt8(ascii: "]")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let plus = UInt8(ascii: "+")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let zero = UInt8(ascii: "0")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
}

// MARK: - Parser core

/// The parsing state for one document. Internal: use `JSONParser`.
struct JSONParserCore: ~Copyable {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var pos = 0
    private let maxDepth: Int
    private var depth = 0
    /// Backing store for container source text; created lazily (copying the input) when the caller's bytes
    /// are not already owned by an array.
    private var source: JSONSourceBuffer?
    /// Reused buffer for unescaping strings that contain backslashes.
    private var scratch: [UInt8] = []
    /// Shared stacks that collect container children before they are moved into an exactly-sized array.
    private var memberStack = MoveStack<(key: String, value: JSONValue)>()
    private var elementStack = MoveStack<JSONValue>()

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, source: JSONSourceBuffer?) {
        // An empty buffer may have a nil base address; a dangling non-nil pointer is fine since count is 0.
        self.base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        self.count = buffer.count
        self.maxDepth = maxDepth
        self.source = source
    }

    /// Parses one value and checks that only whitespace follows it.
    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos < count {
            throw JSONParseError(offset: pos, reason: "unexpected \(describe(base[pos])) after JSON value")
        }
        return value
    }

    // MARK: Helpers

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < count {
            let byte = base[pos]
            guard byte <= .space,
                byte == .space || byte == .newline || byte == .carriageReturn || byte == .tab
            else { return }
            pos += 1
        }
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "character '\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(byte < 16 ? "0" : "")\(hex)"
    }

    private func endOfInput() -> JSONParseError {
        JSONParseError(offset: count, reason: "unexpected end of input")
    }

    private mutating func sourceSlice(from start: Int) -> JSONSourceSlice {
        let buffer: JSONSourceBuffer
        if let existing = source {
            buffer = existing
        } else {
            buffer = JSONSourceBuffer(Array(UnsafeBufferPointer(start: base, count: count)))
            source = buffer
        }
        return JSONSourceSlice(buffer: buffer, start: start, end: pos)
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard pos < count else { throw endOfInput() }
        switch base[pos] {
        case .quote:
            return .string(try parseString())
        case .openBrace:
            return try parseObject()
        case .openBracket:
            return try parseArray()
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        case .minus, .zero...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case let byte:
            throw JSONParseError(offset: pos, reason: "expected a JSON value, found \(describe(byte))")
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for index in 0..<length {
            let at = pos + index
            guard at < count, base[at] == expected[index] else {
                throw JSONParseError(offset: at, reason: "invalid literal, expected '\(literal)'")
            }
        }
        pos += length
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth {
            throw JSONParseError(offset: pos, reason: "nesting deeper than \(maxDepth) levels")
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        let open = pos
        try enterContainer()
        pos += 1
        skipWhitespace()
        let stackBase = memberStack.count
        if pos < count && base[pos] == .closeBrace {
            pos += 1
        } else {
            while true {
                guard pos < count else { throw endOfInput() }
                guard base[pos] == .quote else {
                    throw JSONParseError(offset: pos, reason: "expected '\"' to start an object key")
                }
                let key = try parseString()
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                guard base[pos] == .colon else {
                    throw JSONParseError(offset: pos, reason: "expected ':'")
                }
                pos += 1
                skipWhitespace()
                let value = try parseValue()
                memberStack.push((key: consume key, value: consume value))
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                let byte = base[pos]
                pos += 1
                if byte == .comma {
                    skipWhitespace()
                    if pos < count && base[pos] == .closeBrace {
                        throw JSONParseError(offset: pos, reason: "trailing comma before '}'")
                    }
                } else if byte == .closeBrace {
                    break
                } else {
                    throw JSONParseError(offset: pos - 1, reason: "expected ',' or '}'")
                }
            }
        }
        depth -= 1
        let members = memberStack.popArray(from: stackBase)
        return .object(JSONObject(members: members, source: sourceSlice(from: open)))
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        let open = pos
        try enterContainer()
        pos += 1
        skipWhitespace()
        let stackBase = elementStack.count
        if pos < count && base[pos] == .closeBracket {
            pos += 1
        } else {
            while true {
                let value = try parseValue()
                elementStack.push(consume value)
                skipWhitespace()
                guard pos < count else { throw endOfInput() }
                let byte = base[pos]
                pos += 1
                if byte == .comma {
                    skipWhitespace()
                    if pos < count && base[pos] == .closeBracket {
                        throw JSONParseError(offset: pos, reason: "trailing comma before ']'")
                    }
                } else if byte == .closeBracket {
                    break
                } else {
                    throw JSONParseError(offset: pos - 1, reason: "expected ',' or ']'")
                }
            }
        }
        depth -= 1
        let elements = elementStack.popArray(from: stackBase)
        return .array(JSONArray(elements: elements, source: sourceSlice(from: open)))
    }

    // MARK: Numbers

    @inline(__always)
    private func isDigit(_ index: Int) -> Bool {
        index < count && base[index] &- .zero < 10
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        var index = pos
        if base[index] == .minus {
            index += 1
        }
        guard index < count else { throw endOfInput() }
        let first = base[index]
        if first == .zero {
            index += 1
            if isDigit(index) {
                throw JSONParseError(offset: index, reason: "leading zeros are not allowed")
            }
        } else if first &- .zero < 10 {
            index += 1
            while isDigit(index) { index += 1 }
        } else {
            throw JSONParseError(offset: index, reason: "expected a digit, found \(describe(first))")
        }
        if index < count && base[index] == .dot {
            index += 1
            guard isDigit(index) else {
                throw JSONParseError(offset: index, reason: "expected a digit after '.'")
            }
            while isDigit(index) { index += 1 }
        }
        if index < count && base[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count && (base[index] == .plus || base[index] == .minus) {
                index += 1
            }
            guard isDigit(index) else {
                throw JSONParseError(offset: index, reason: "expected a digit in the exponent")
            }
            while isDigit(index) { index += 1 }
        }
        pos = index
        let literal = UnsafeBufferPointer(start: base + start, count: index - start)
        return JSONNumber(validatedText: String(decoding: literal, as: UTF8.self))
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote and leaves `pos` after the closing quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        let start = pos + 1
        var index = start
        var hasEscape = false
        var highBits: UInt64 = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        scan: while true {
            // Skip eight bytes at a time while they contain no quote, backslash or control character.
            while index &+ 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quotes = word ^ (ones &* UInt64(UInt8.quote))
                let slashes = word ^ (ones &* UInt64(UInt8.backslash))
                let special =
                    ((quotes &- ones) & ~quotes)
                    | ((slashes &- ones) & ~slashes)
                    | ((word &- ones &* 0x20) & ~word)
                if special & highs != 0 { break }
                highBits |= word
                index &+= 8
            }
            guard index < count else {
                throw JSONParseError(offset: start - 1, reason: "unterminated string")
            }
            let byte = base[index]
            if byte == .quote {
                break scan
            } else if byte == .backslash {
                hasEscape = true
                index &+= 2
            } else if byte < 0x20 {
                throw JSONParseError(
                    offset: index, reason: "unescaped control character \(describe(byte)) in string")
            } else {
                highBits |= UInt64(byte)
                index &+= 1
            }
        }
        let end = index
        pos = end + 1
        if highBits & highs != 0 {
            try validateUTF8(from: start, to: end)
        }
        if !hasEscape {
            // Measured slightly faster than `String(decoding:as:)` for the short strings typical of events.
            let length = end - start
            guard length > 0 else { return "" }
            let source = base + start
            return String(unsafeUninitializedCapacity: length) { buffer in
                buffer.baseAddress!.initialize(from: source, count: length)
                return length
            }
        }
        return try unescape(from: start, to: end)
    }

    /// Checks `base[from..<to]` against the well-formed UTF-8 table (Unicode 15, table 3-7): no overlong
    /// forms, no surrogates, nothing above U+10FFFF, no truncated sequences.
    private func validateUTF8(from: Int, to end: Int) throws(JSONParseError) {
        var index = from
        while index < end {
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var length = 0
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: throw JSONParseError(offset: index, reason: "invalid UTF-8 in string")
            }
            guard index + length <= end else {
                throw JSONParseError(offset: index, reason: "invalid UTF-8 in string")
            }
            let second = base[index + 1]
            guard second >= lower && second <= upper else {
                throw JSONParseError(offset: index, reason: "invalid UTF-8 in string")
            }
            if length > 2 {
                for next in (index + 2)..<(index + length) where base[next] & 0xC0 != 0x80 {
                    throw JSONParseError(offset: index, reason: "invalid UTF-8 in string")
                }
            }
            index += length
        }
    }

    @inline(__always)
    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    /// Reads the four hex digits of a `\uXXXX` escape whose backslash is at `at`.
    private func readHex4(at escape: Int, end: Int) throws(JSONParseError) -> UInt32 {
        guard escape + 6 <= end else {
            throw JSONParseError(offset: escape, reason: "truncated \\u escape")
        }
        var value: UInt32 = 0
        for index in (escape + 2)..<(escape + 6) {
            guard let digit = hexValue(base[index]) else {
                throw JSONParseError(offset: index, reason: "invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Slow path for strings containing backslashes: decodes into `scratch`, then builds the `String`.
    private mutating func unescape(from start: Int, to end: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var index = start
        var runStart = start
        while index < end {
            guard base[index] == .backslash else {
                index += 1
                continue
            }
            if runStart < index {
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
            }
            let escape = index
            let kind = base[index + 1]  // in bounds: the scan never lets a backslash precede the closing quote
            index += 2
            switch kind {
            case .quote: scratch.append(.quote)
            case .backslash: scratch.append(.backslash)
            case .slash: scratch.append(.slash)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4(at: escape, end: end)
                index = escape + 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard index + 1 < end, base[index] == .backslash, base[index + 1] == UInt8(ascii: "u") else {
                        throw JSONParseError(offset: escape, reason: "unpaired surrogate in \\u escape")
                    }
                    let low = try readHex4(at: index, end: end)
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw JSONParseError(offset: escape, reason: "unpaired surrogate in \\u escape")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw JSONParseError(offset: escape, reason: "unpaired surrogate in \\u escape")
                }
                appendUTF8(scalar)
            default:
                throw JSONParseError(offset: escape, reason: "invalid escape sequence")
            }
            runStart = index
        }
        if runStart < end {
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: end - runStart))
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

// MARK: - Move stack

/// A growable stack that hands its top elements over by moving them (no retain/release per element), used to
/// gather the children of the container being parsed. Nested containers push above their parent's children.
struct MoveStack<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 32) {
        self.capacity = capacity
        self.storage = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity {
            grow()
        }
        (storage + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newStorage.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    mutating func popArray(from start: Int) -> [Element] {
        let moved = count - start
        guard moved > 0 else { return [] }
        let source = storage + start
        let result = [Element](unsafeUninitializedCapacity: moved) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: moved)
            initialized = moved
        }
        count = start
        return result
    }
}
