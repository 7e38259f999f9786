import Foundation
import PanoramaCore

/// A growable array of bits, one per row (bit `i` of word `i / 64`).
public struct BitVector: Sendable, Equatable {
    /// The bits, 64 rows a word; bits past `count` are zero.
    public private(set) var words: [UInt64]
    /// Number of rows.
    public private(set) var count: Int

    /// `count` bits, all set to `value`.
    public init(count: Int, value: Bool = false) {
        self.count = count
        words = Array(repeating: value ? ~0 : 0, count: (count + 63) / 64)
        if value { clearTail() }
    }

    public subscript(index: Int) -> Bool {
        get { words[index >> 6] & (1 << UInt64(index & 63)) != 0 }
        set {
            if newValue {
                words[index >> 6] |= 1 << UInt64(index & 63)
            } else {
                words[index >> 6] &= ~(1 << UInt64(index & 63))
            }
        }
    }

    /// Grows (new bits `value`) or shrinks to `newCount` rows.
    public mutating func resize(to newCount: Int, value: Bool = false) {
        guard newCount != count else { return }
        let old = count
        words.removeLast(max(0, words.count - (newCount + 63) / 64))
        while words.count < (newCount + 63) / 64 { words.append(0) }
        count = newCount
        if value, newCount > old { for i in old..<newCount { self[i] = true } }
        clearTail()
    }

    private mutating func clearTail() {
        let extra = count & 63
        if extra != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(extra)) - 1 }
    }
}

/// Strings of one column, each stored once; rows hold its code (position in `strings`).
public struct StringDictionary: Sendable {
    /// The distinct strings, by code. Codes are never reused or reordered.
    public private(set) var strings: [String] = []
    private var codes: [String: Int64] = [:]

    public init() {}

    /// The code of `string`, added when new.
    public mutating func code(for string: String) -> Int64 {
        if let code = codes[string] { return code }
        let code = Int64(strings.count)
        strings.append(string)
        codes[string] = code
        return code
    }

    /// The code of `string` if present.
    public func existingCode(for string: String) -> Int64? { codes[string] }
}

/// One typed column of the customer table: a value per row, with NULLs.
///
/// All types share `[Int64]` storage so the evaluator has one kind of vector:
/// - integer: the number; boolean: 0 or 1;
/// - decimal: the number times `Column.decimalScale` (10⁴), exact (money in cents fits with room);
/// - date: days since 1970-01-01 (a calendar date, no time zone);
/// - timestamp: seconds since 1970-01-01 UTC;
/// - string: a code into `dictionary`.
public struct Column: Sendable {
    /// Decimals are fixed-point with four fractional digits.
    public static let decimalScale: Int64 = 10_000

    /// The rule-language type of the values.
    public let type: RuleType
    /// One value per row; meaningless where `present` is false.
    public var values: [Int64]
    /// Set where the row has a value (clear = NULL).
    public var present: BitVector
    /// The strings of a string column.
    public var dictionary: StringDictionary

    /// A column of `count` NULLs.
    public init(type: RuleType, count: Int) {
        self.type = type
        values = Array(repeating: 0, count: count)
        present = BitVector(count: count)
        dictionary = StringDictionary()
    }

    /// Number of rows.
    public var count: Int { values.count }

    /// Grows with NULLs (or shrinks) to `count` rows; at the same length nothing is written, so
    /// shared storage is not copied.
    public mutating func resize(to count: Int) {
        guard count != values.count || count != present.count else { return }
        if count < values.count {
            values.removeLast(values.count - count)
        } else {
            values.append(contentsOf: repeatElement(0, count: count - values.count))
        }
        present.resize(to: count)
    }

    /// Sets row `row` to `value` (nil = NULL), already encoded as described on the type.
    public mutating func set(_ row: Int, _ value: Int64?) {
        if let value {
            values[row] = value
            present[row] = true
        } else {
            values[row] = 0
            present[row] = false
        }
    }

    /// Sets a string value (nil = NULL) of a string column.
    public mutating func set(_ row: Int, string: String?) {
        set(row, string.map { dictionary.code(for: $0) })
    }

    /// The encoded value at `row`, nil when NULL.
    public func value(_ row: Int) -> Int64? { present[row] ? values[row] : nil }

    /// The string at `row` of a string column, nil when NULL.
    public func string(_ row: Int) -> String? { value(row).map { dictionary.strings[Int($0)] } }
}

/// The derived, in-memory customer table: one row per customer (dense row numbers from 0), one
/// typed column per attribute or computed trait, addressed by the names rules use.
public struct CustomerTable: Sendable {
    /// Number of rows (live or not).
    public private(set) var rowCount: Int
    /// Columns by name (`city`, `spend_90d`).
    public private(set) var columns: [String: Column]
    /// The rows that are customers today (merged-away or erased rows are cleared).
    public var live: RoaringBitmap

    /// An empty table.
    public init() {
        rowCount = 0
        columns = [:]
        live = RoaringBitmap()
    }

    /// Grows every column with NULLs to `count` rows; new rows are not live until marked.
    public mutating func resize(to count: Int) {
        rowCount = count
        for name in Array(columns.keys) { columns[name]!.resize(to: count) }
    }

    /// Adds (or replaces) a column; it is resized to the table's row count.
    public mutating func setColumn(_ name: String, _ column: Column) {
        var column = column
        column.resize(to: rowCount)
        columns[name] = column
    }

    /// Adds an all-NULL column of `type` if the name is new; returns whether it was added.
    @discardableResult
    public mutating func addColumn(_ name: String, type: RuleType) -> Bool {
        guard columns[name] == nil else { return false }
        columns[name] = Column(type: type, count: rowCount)
        return true
    }

    /// Removes a column.
    public mutating func removeColumn(_ name: String) { columns[name] = nil }

    /// Mutates one column in place (no copy of its storage).
    public mutating func update<R>(_ name: String, _ body: (inout Column) throws -> R) rethrows -> R? {
        guard columns[name] != nil else { return nil }
        return try body(&columns[name]!)
    }

    /// The schema of the table's columns, for the rule type checker.
    public var types: [String: RuleType] { columns.mapValues(\.type) }
}

/// What "today" means while evaluating: the workspace's calendar day and its offset from UTC.
///
/// The offset is fixed for one evaluation so that the engine and the SQL compiled from the same
/// rule turn a timestamp into the same local day.
public struct EvaluationContext: Sendable, Equatable {
    /// Today in the workspace time zone, as days since 1970-01-01.
    public var today: Int64
    /// Seconds east of UTC of the workspace time zone (Asia/Shanghai: 28 800).
    public var utcOffsetSeconds: Int64

    public init(today: Int64, utcOffsetSeconds: Int64) {
        self.today = today
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The context for `now` in `timeZone`.
    public init(now: Double, timeZone: TimeZone) {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: now)))
        utcOffsetSeconds = offset
        today = Self.floorDiv(Int64(now.rounded(.down)) + offset, 86_400)
    }

    /// The local day of a UTC timestamp in seconds.
    public func day(ofTimestamp seconds: Int64) -> Int64 { Self.floorDiv(seconds + utcOffsetSeconds, 86_400) }

    /// Integer division rounding toward negative infinity.
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
