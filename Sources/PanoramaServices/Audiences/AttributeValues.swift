import PanoramaCore
import PanoramaEngine

/// Profile attributes (the traits sent with identify calls, stored as JSON) turned into typed
/// engine columns: each attribute gets the type its values share, and every value is encoded as
/// the customer table stores it.
enum AttributeValues {
    /// The type one JSON value suggests; nil for null, arrays and objects (not usable in rules).
    static func type(ofJSON json: String) -> RuleType? {
        guard let value = try? JSONParser.parse(json) else { return nil }
        switch value {
        case .bool: return .boolean
        case .number(let n): return n.int64 != nil && !n.text.contains(".") ? .integer : .decimal
        case .string(let s):
            if day(ofDate: s) != nil { return .date }
            if s.count >= 16, Timestamp.parseMillis(s) != nil { return .timestamp }
            return .string
        default: return nil
        }
    }

    /// The type a set of observed types settles on: one type as is; integers with decimals are
    /// decimals, dates with timestamps are timestamps; any other mix is text.
    static func common(_ types: Set<RuleType>) -> RuleType? {
        if types.isEmpty { return nil }
        if types.count == 1 { return types.first }
        if types == [.integer, .decimal] { return .decimal }
        if types == [.date, .timestamp] { return .timestamp }
        return .string
    }

    /// The encoded value of `json` in a column of `type` (nil: NULL, or a value that does not fit).
    static func encode(_ json: String, as type: RuleType, into column: inout Column) -> Int64? {
        guard let value = try? JSONParser.parse(json) else { return nil }
        switch (type, value) {
        case (.boolean, .bool(let b)): return b ? 1 : 0
        case (.integer, .number(let n)): return n.int64
        case (.decimal, .number(let n)): return decimal(n.text)
        case (.date, .string(let s)): return day(ofDate: s)
        case (.timestamp, .string(let s)):
            if let ms = Timestamp.parseMillis(s) { return EvaluationContext.floorDiv(ms, 1000) }
            return day(ofDate: s).map { $0 * 86_400 }
        case (.string, .string(let s)): return column.dictionary.code(for: s)
        case (.string, .number(let n)): return column.dictionary.code(for: n.text)
        case (.string, .bool(let b)): return column.dictionary.code(for: b ? "true" : "false")
        default: return nil
        }
    }

    /// A JSON number as ×10⁴ fixed point: exact up to four fractional digits, rounded half away
    /// from zero beyond (exponent forms go through Double).
    static func decimal(_ text: String) -> Int64? {
        if let exact = RuleLiteral.decimal(text).minorUnits(scale: 4) { return exact }
        guard let d = Double(text), d.isFinite, abs(d) < 9e14 else { return nil }
        return Int64((d * 10_000).rounded())
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date (strictly that shape, a real calendar date).
    static func day(ofDate s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func number(_ r: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for i in r {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                n = n * 10 + Int64(u[i] - 48)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), (1...12).contains(m), d >= 1
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let lengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= lengths[Int(m) - 1] else { return nil }
        return Timestamp.days(fromCivil: y, m, d)
    }
}
