// JSON data model shared by the ingestion path, the engine and the HTTP layer.
//
// Objects and arrays produced by `JSONParser` remember where they came from, so an event can be stored or
// forwarded byte-for-byte without being re-encoded. The source bytes live in one shared, immutable buffer per
// parse; the `sourceText` string of a container is only materialised when someone asks for it.

/// A JSON value.
///
/// Objects and arrays parsed from text remember their exact source text so that they can be stored and
/// re-emitted without re-encoding. Equality is structural: it compares keys, values and number literals and
/// ignores `sourceText` (so `{"a":1}` and `{ "a" : 1 }` are equal, while `1.0` and `1` are not, because
/// numbers keep their literal text).
public enum JSONValue: Sendable, Equatable {
    /// The JSON `null` literal.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its literal text (e.g. `"199.00"`, `"1e3"`) so no precision is lost in transit.
    case number(JSONNumber)
    /// A string, already unescaped.
    case string(String)
    /// An array; remembers its source text when parsed.
    case array(JSONArray)
    /// An object; remembers its source text when parsed.
    case object(JSONObject)
    /// Pre-encoded JSON text that writers splice verbatim. Never produced by the parser; the caller is
    /// responsible for it being valid JSON.
    case raw(String)
}

// MARK: - Source text storage

/// The bytes of one parsed document, shared by every container parsed from it.
///
/// Keeping a single buffer (instead of one `String` per object and array) makes parsing cheap; the cost is that
/// a parsed container keeps the whole document alive for as long as the container itself lives.
final class JSONSourceBuffer: Sendable {
    /// The complete document (or a caller-assigned source text), always valid UTF-8.
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// The byte range of one container inside a `JSONSourceBuffer`.
struct JSONSourceSlice: Sendable {
    let buffer: JSONSourceBuffer
    let start: Int
    let end: Int

    init(buffer: JSONSourceBuffer, start: Int, end: Int) {
        self.buffer = buffer
        self.start = start
        self.end = end
    }

    /// Wraps a caller-provided text (used by the `sourceText` setters).
    init(text: String) {
        let buffer = JSONSourceBuffer(Array(text.utf8))
        self.init(buffer: buffer, start: 0, end: buffer.bytes.count)
    }

    /// The slice as a `String`, created on demand.
    var string: String {
        String(decoding: buffer.bytes[start..<end], as: UTF8.self)
    }

    /// Calls `body` with the raw UTF-8 bytes of the slice, without copying them.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        buffer.bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[start..<end]))
        }
    }
}

// MARK: - JSONNumber

/// A JSON number kept as its literal text.
///
/// Segment payloads carry prices such as `199.00` and very large ids; converting them to `Double` on ingestion
/// would lose digits and formatting, so the literal travels unchanged and callers convert on demand. Equality and
/// hashing compare the text, so `1.0` and `1` are different numbers.
public struct JSONNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The literal exactly as it appeared in the source (or as produced by one of the initialisers).
    public let text: String

    /// Wraps an existing JSON number literal. The caller guarantees `text` is a valid RFC 8259 number
    /// (checked with an assertion in debug builds), because the writer emits it verbatim.
    public init(_ text: String) {
        assert(JSONNumber.isValidLiteral(text), "not a JSON number literal: \(text)")
        self.text = text
    }

    /// Creates a number from an integer, e.g. a count or epoch milliseconds.
    public init(_ value: Int64) {
        self.text = String(value)
    }

    /// Creates a number from an integer.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// Creates a number from a `Double` using Swift's shortest round-tripping representation
    /// (`0.1` -> `"0.1"`, `1e20` -> `"1e+20"`). Returns nil for NaN and infinities, which JSON cannot express.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.text = value.description
    }

    /// Used by the parser, which has already validated the literal.
    init(validatedText: String) {
        self.text = validatedText
    }

    /// The value as an exact integer: integer literals in `Int64` range, and literals such as `1.0` or `1e3`
    /// whose value is integral and exactly representable (|value| <= 2^53). Nil otherwise (e.g. `1.5`).
    public var int64: Int64? {
        if let value = Int64(text) {
            return value
        }
        guard let value = double, value.magnitude <= 9_007_199_254_740_992 else {
            return nil
        }
        // Truncating conversion plus a round-trip check (avoids libm's rounding functions, which the stdlib's
        // `Int64(exactly:)` needs and PanoramaCore does not link on its own).
        let truncated = Int64(value)
        return Double(truncated) == value ? truncated : nil
    }

    /// The value as the nearest `Double`; nil if the literal overflows to infinity (e.g. `1e400`).
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The literal text.
    public var description: String { text }

    /// Whether `text` matches the RFC 8259 number grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isValidLiteral(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] &- 0x30 < 10 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}

// MARK: - JSONArray

/// A JSON array. When parsed it remembers its exact source text, so it can be re-emitted verbatim.
///
/// Any mutation of `elements` clears the remembered source text, so a modified array is never re-emitted
/// from stale text.
public struct JSONArray: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The elements in source order.
    public var elements: [JSONValue] {
        didSet { source = nil }
    }

    /// Where this array came from in the parsed document; nil when built in code.
    var source: JSONSourceSlice?

    /// Creates an array built in code (no source text).
    public init(_ elements: [JSONValue]) {
        self.elements = elements
        self.source = nil
    }

    /// Creates an array from an array literal, e.g. `let tags: JSONArray = ["a", 1, true]`.
    public init(arrayLiteral elements: JSONValue...) {
        self.init(elements)
    }

    init(elements: [JSONValue], source: JSONSourceSlice?) {
        self.elements = elements
        self.source = source
    }

    /// The exact source text of this array when it was parsed (including inner whitespace), nil when built in
    /// code or after a mutation. Assigning a value makes writers emit that text verbatim; the caller guarantees
    /// it is valid JSON describing the same elements.
    public var sourceText: String? {
        get { source?.string }
        set { source = newValue.map { JSONSourceSlice(text: $0) } }
    }

    /// The UTF-8 length of `sourceText` without materialising the string (e.g. for size limits); nil when
    /// `sourceText` is nil.
    public var sourceByteCount: Int? {
        source.map { $0.end - $0.start }
    }

    /// Structural equality: compares elements, ignores source text.
    public static func == (lhs: JSONArray, rhs: JSONArray) -> Bool {
        lhs.elements == rhs.elements
    }
}

// MARK: - JSONObject

/// A JSON object with members in source order.
///
/// Members are kept as an ordered list rather than a dictionary: event objects are small, order matters for
/// re-emitting, and RFC 8259 leaves duplicate keys to the implementation. Duplicates are kept; lookups return
/// the last occurrence (the behaviour of JavaScript's `JSON.parse`, which most Segment clients assume).
/// Any mutation of `members` clears the remembered source text.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The members in source order; duplicate keys are kept.
    public var members: [(key: String, value: JSONValue)] {
        didSet { source = nil }
    }

    /// Where this object came from in the parsed document; nil when built in code.
    var source: JSONSourceSlice?

    /// Creates an object built in code (no source text).
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
        self.source = nil
    }

    /// Creates an object from a dictionary literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.members = elements.map { (key: $0.0, value: $0.1) }
        self.source = nil
    }

    init(members: [(key: String, value: JSONValue)], source: JSONSourceSlice?) {
        self.members = members
        self.source = source
    }

    /// The exact source text of this object when it was parsed (including inner whitespace), nil when built in
    /// code or after a mutation. Assigning a value makes writers emit that text verbatim; the caller guarantees
    /// it is valid JSON describing the same members.
    public var sourceText: String? {
        get { source?.string }
        set { source = newValue.map { JSONSourceSlice(text: $0) } }
    }

    /// The UTF-8 length of `sourceText` without materialising the string (e.g. for size limits); nil when
    /// `sourceText` is nil.
    public var sourceByteCount: Int? {
        source.map { $0.end - $0.start }
    }

    /// The value of the last member named `key`, or nil. A linear scan: event objects are small.
    public subscript(key: String) -> JSONValue? {
        var index = members.count
        while index > 0 {
            index -= 1
            if members[index].key == key {
                return members[index].value
            }
        }
        return nil
    }

    /// Sets `key` to `value`: replaces the last member with that key (dropping earlier duplicates, so the result
    /// is unambiguous for first-wins and last-wins readers alike) or appends a new member. Clears `sourceText`.
    public mutating func set(_ key: String, _ value: JSONValue) {
        guard let last = members.lastIndex(where: { $0.key == key }) else {
            members.append((key: key, value: value))
            return
        }
        guard members[..<last].contains(where: { $0.key == key }) else {
            members[last].value = value
            return
        }
        var kept: [(key: String, value: JSONValue)] = []
        kept.reserveCapacity(members.count)
        for (index, member) in members.enumerated() where member.key != key || index == last {
            kept.append(index == last ? (key: key, value: value) : member)
        }
        members = kept
    }

    /// Removes every member named `key` and returns the value the subscript would have returned.
    /// Clears `sourceText` when something was removed.
    @discardableResult
    public mutating func remove(_ key: String) -> JSONValue? {
        guard let value = self[key] else { return nil }
        members.removeAll(where: { $0.key == key })
        return value
    }

    /// Structural equality: compares keys and values in order, ignores source text.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for index in lhs.members.indices {
            let left = lhs.members[index]
            let right = rhs.members[index]
            if left.key != right.key || left.value != right.value {
                return false
            }
        }
        return true
    }
}

// MARK: - Convenience accessors

extension JSONValue {
    /// The string payload, or nil if this is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object payload, or nil if this is not an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The array elements, or nil if this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value.elements }
        return nil
    }

    /// The boolean payload, or nil if this is not a boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number payload, or nil if this is not a number.
    public var numberValue: JSONNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// Whether this is the `null` literal (a missing member is `nil`, not `.null`).
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The last member named `key` when this is an object; nil for every other kind of value.
    /// Lets callers chain lookups: `event["context"]?["ip"]?.stringValue`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The value serialized as compact JSON. Parsed objects and arrays return their source text verbatim.
    public var jsonText: String {
        switch self {
        case .object(let object):
            if let source = object.source { return source.string }
        case .array(let array):
            if let source = array.source { return source.string }
        case .raw(let text):
            return text
        case .number(let number):
            return number.text
        case .null:
            return "null"
        case .bool(let value):
            return value ? "true" : "false"
        case .string:
            break
        }
        var writer = JSONWriter(capacity: 64)
        writer.write(self)
        return writer.string
    }
}

// MARK: - Literal conformances

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// `let v: JSONValue = "track"` creates `.string("track")`.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// `let v: JSONValue = 42` creates a number with text `"42"`.
    public init(integerLiteral value: Int64) {
        self = .number(JSONNumber(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// `let v: JSONValue = 1.5` creates a number using Swift's shortest representation (`"1.5"`).
    public init(floatLiteral value: Double) {
        self = JSONNumber(value).map { .number($0) } ?? .null
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// `let v: JSONValue = true` creates `.bool(true)`.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// `let v: JSONValue = nil` creates `.null`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// `let v: JSONValue = [1, "a"]` creates an array built in code.
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(JSONArray(elements))
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// `let v: JSONValue = ["type": "track", "event": "Signed Up"]` creates an object in literal order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text (same as `jsonText`), so values print readably in logs and test failures.
    public var description: String { jsonText }
}
