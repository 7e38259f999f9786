import Foundation
import PanoramaCore

/// SQL's three truth values. The raw values are the bits the vector kernels use: bit 0 TRUE,
/// bit 1 FALSE, neither UNKNOWN.
enum Truth: UInt8, Sendable {
    case unknown = 0
    case `true` = 1
    case `false` = 2

    /// TRUE or FALSE.
    init(_ value: Bool) { self = value ? .true : .false }

    /// Kleene NOT: UNKNOWN stays UNKNOWN.
    var negated: Truth {
        switch self {
        case .true: .false
        case .false: .true
        case .unknown: .unknown
        }
    }

    /// Kleene AND: FALSE wins, then UNKNOWN.
    func and(_ other: Truth) -> Truth {
        if self == .false || other == .false { return .false }
        if self == .unknown || other == .unknown { return .unknown }
        return .true
    }

    /// Kleene OR: TRUE wins, then UNKNOWN.
    func or(_ other: Truth) -> Truth {
        if self == .true || other == .true { return .true }
        if self == .unknown || other == .unknown { return .unknown }
        return .false
    }
}

/// The six comparison operators, applied to encoded values or to byte-wise string orderings.
enum Comparison: Sendable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    /// The comparison a binary operator stands for, nil for the others.
    init?(_ op: RuleBinaryOperator) {
        switch op {
        case .equal: self = .equal
        case .notEqual: self = .notEqual
        case .less: self = .less
        case .lessOrEqual: self = .lessOrEqual
        case .greater: self = .greater
        case .greaterOrEqual: self = .greaterOrEqual
        default: return nil
        }
    }

    /// The operator with its operands swapped: `c < x` is `x > c`.
    var flipped: Comparison {
        switch self {
        case .equal, .notEqual: self
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        }
    }

    /// Whether the operator holds for an ordering (negative: left is smaller, 0: equal).
    func holds(_ ordering: Int) -> Bool {
        switch self {
        case .equal: ordering == 0
        case .notEqual: ordering != 0
        case .less: ordering < 0
        case .lessOrEqual: ordering <= 0
        case .greater: ordering > 0
        case .greaterOrEqual: ordering >= 0
        }
    }

    /// Whether `a op b` holds for two encoded numbers.
    func holds(_ a: Int64, _ b: Int64) -> Bool { holds(a < b ? -1 : (a == b ? 0 : 1)) }
}

/// The value-level rules of the rule language, shared by the vector evaluator, the row
/// interpreter and the SQL compiler so that all three compute the same thing.
///
/// Values are `Int64` in the column encoding (see `Column`). Every arithmetic step that would
/// leave `Int64` yields NULL; SQLite would switch to floating point instead, so rules must keep
/// to magnitudes well below 9.2 × 10¹⁸ (money in ten-thousandths leaves room for 9 × 10¹⁴).
enum RuleSemantics {
    /// The type a comparison, IN list or BETWEEN evaluates its checked operands in.
    static func commonType(_ expressions: [RuleExpression]) throws(RuleEvaluationError) -> RuleType {
        var common = RuleType.null
        for e in expressions {
            guard let type = e.type, let next = RuleType.common(common, type) else {
                throw RuleEvaluationError.unchecked(e)
            }
            common = next
        }
        return common
    }

    /// Decimals are stored times 10⁴.
    static let decimalScale = Column.decimalScale
    /// Seconds in a day (no leap seconds, as in Unix time).
    static let secondsPerDay: Int64 = 86_400

    // MARK: Literals

    /// An integer literal, or a `numberOutOfRange` error when it does not fit `Int64`.
    static func integer(literal text: String, at span: SourceSpan) throws(RuleEvaluationError) -> Int64 {
        guard let value = Int64(text) else {
            throw RuleEvaluationError(.numberOutOfRange, "the number \(text) is too large", at: span)
        }
        return value
    }

    /// A decimal literal times 10⁴; more than four fractional digits is an error rather than a
    /// silent rounding, because the value could not be stored exactly.
    static func decimal(literal text: String, at span: SourceSpan) throws(RuleEvaluationError) -> Int64 {
        let fraction = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first ?? ""
        guard fraction.count <= 4 else {
            throw RuleEvaluationError(
                .decimalTooPrecise, "the number \(text) has more than 4 digits after the decimal point", at: span)
        }
        guard let value = RuleLiteral.decimal(text).minorUnits(scale: 4) else {
            throw RuleEvaluationError(.numberOutOfRange, "the number \(text) is too large", at: span)
        }
        return value
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` text (already validated by the parser).
    static func days(ofDateLiteral text: String) -> Int64 {
        let parts = text.split(separator: "-").map { Int64($0) ?? 0 }
        return days(year: parts[0], month: parts[1], day: parts[2])
    }

    // MARK: Arithmetic (nil = NULL)

    /// `a + b`, nil on overflow.
    static func add(_ a: Int64, _ b: Int64) -> Int64? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }

    /// `a - b`, nil on overflow.
    static func subtract(_ a: Int64, _ b: Int64) -> Int64? {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? nil : r
    }

    /// `a * b`, nil on overflow.
    static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    /// The product of two decimals: `(a * b) / 10⁴`, truncated toward zero.
    static func multiplyDecimal(_ a: Int64, _ b: Int64) -> Int64? {
        multiply(a, b).map { $0 / decimalScale }
    }

    /// The quotient of two decimals as a decimal: `(a * 10⁴) / b`, truncated toward zero;
    /// NULL when `b` is zero.
    static func divideDecimal(_ a: Int64, _ b: Int64) -> Int64? {
        guard b != 0, let scaled = multiply(a, decimalScale) else { return nil }
        let (q, o) = scaled.dividedReportingOverflow(by: b)
        return o ? nil : q
    }

    /// A value of type `from` in the encoding of `to`: integers gain four decimal places, a date
    /// becomes the timestamp of its local midnight (`days × 86400 − offset`).
    static func convert(_ value: Int64, from: RuleType, to: RuleType, offset: Int64) -> Int64? {
        switch (from, to) {
        case (.integer, .decimal): multiply(value, decimalScale)
        case (.date, .timestamp): timestamp(ofDay: value, offset: offset)
        default: value
        }
    }

    /// The UTC timestamp at which local day `day` starts.
    static func timestamp(ofDay day: Int64, offset: Int64) -> Int64? {
        multiply(day, secondsPerDay).flatMap { subtract($0, offset) }
    }

    /// The local day of a UTC timestamp: `floor((ts + offset) / 86400)`.
    static func localDay(ofTimestamp seconds: Int64, offset: Int64) -> Int64? {
        add(seconds, offset).map { EvaluationContext.floorDiv($0, secondsPerDay) }
    }

    // MARK: Calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        Timestamp.days(fromCivil: year, month, day)
    }

    /// The proleptic Gregorian date of a day number (H. Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let date = Timestamp.civil(fromDays: days)
        return (date.year, Int(date.month), Int(date.day))
    }

    /// Whether `year` has a 29 February.
    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The days whose month and day `birthday_within` can tell: 1000-01-01 through 9999-12-31.
    ///
    /// SQLite's `strftime` gives NULL after year 9999 and a calendar that drifts from the
    /// proleptic Gregorian one before year 300, so both sides treat days outside as NULL.
    static let birthdayDays: ClosedRange<Int64> =
        days(year: 1000, month: 1, day: 1)...days(year: 9999, month: 12, day: 31)

    /// `month × 32 + day` of a day number within `birthdayDays`, else nil; indexes 0..<416.
    static func monthDayIndex(ofDay day: Int64) -> Int? {
        guard birthdayDays.contains(day) else { return nil }
        let date = civil(fromDays: day)
        return date.month << 5 | date.day
    }

    /// How many days after `today` the next birthday of `month`/`day` falls (0 = today).
    ///
    /// A 29 February birthday falls on 28 February in years without a 29th.
    static func daysUntilBirthday(month: Int, day: Int, today: Int64) -> Int64 {
        let year = civil(fromDays: today).year
        for candidate in [year, year + 1] {
            let d = month == 2 && day == 29 && !isLeap(candidate) ? 28 : day
            let date = days(year: candidate, month: Int64(month), day: Int64(d))
            if date >= today { return date - today }
        }
        return 366  // unreachable: every birthday comes round within a year
    }

    /// Whether the birthday on local day `birthday` falls within `[today, today + window]`;
    /// UNKNOWN when either is NULL, the window is negative or the day is outside `birthdayDays`.
    static func birthdayWithin(_ birthday: Int64?, _ window: Int64?, today: Int64) -> Truth {
        guard let birthday, let window, window >= 0, let index = monthDayIndex(ofDay: birthday) else {
            return .unknown
        }
        return Truth(daysUntilBirthday(month: index >> 5, day: index & 31, today: today) <= window)
    }

    /// For each `monthDayIndex`, the days until that birthday from `today` (`Int16.max` for
    /// indexes that are no date): the whole window computation done once per evaluation.
    static func birthdayOffsets(today: Int64) -> [Int16] {
        var offsets = [Int16](repeating: .max, count: 416)
        for month in 1...12 {
            for day in 1...31 where day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] {
                offsets[month << 5 | day] = Int16(daysUntilBirthday(month: month, day: day, today: today))
            }
        }
        return offsets
    }

    // MARK: Strings

    /// Byte-wise order of the UTF-8 forms (SQLite's BINARY collation): negative, 0 or positive.
    static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = Swift.min(x.count, y.count)
                if n > 0 {
                    let c = memcmp(x.baseAddress!, y.baseAddress!, n)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
                return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
            }
        }
    }

    /// ASCII-only case mapping, as SQLite's `lower` and `upper` without ICU.
    static func mapCase(_ s: String, upper: Bool) -> String {
        let range: ClosedRange<UInt8> = upper ? 0x61...0x7A : 0x41...0x5A
        guard s.utf8.contains(where: { range.contains($0) }) else { return s }
        return String(decoding: s.utf8.map { range.contains($0) ? $0 ^ 0x20 : $0 }, as: UTF8.self)
    }
}

/// A compiled LIKE pattern: `%` any run of characters, `_` one character, no escape character,
/// ASCII letters matched without regard to case and every other character exactly (SQLite's
/// built-in LIKE, which also ends both strings at a NUL).
///
/// Matching works on UTF-8 bytes; `_` and the backtracking of `%` step over whole characters,
/// and a literal character can only match at a character start, so this equals matching
/// character by character.
struct LikePattern: Sendable {
    private let bytes: [UInt8]

    /// Compiles `pattern` (ASCII letters folded to lower case once here).
    init(_ pattern: String) { bytes = pattern.utf8.prefix { $0 != 0 }.map(Self.fold) }

    @inline(__always)
    private static func fold(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// The length of the UTF-8 character whose lead byte is `b` (1 for a stray continuation byte).
    @inline(__always)
    private static func width(_ b: UInt8) -> Int { b < 0xC0 ? 1 : (b < 0xE0 ? 2 : (b < 0xF0 ? 3 : 4)) }

    /// Whether `subject` matches the whole pattern.
    func matches(_ subject: String) -> Bool {
        var subject = subject
        return subject.withUTF8 { s in
            // SQLite reads both strings as C strings: a NUL ends them.
            let end = s.firstIndex(of: 0) ?? s.count
            return bytes.withUnsafeBufferPointer { p in Self.match(UnsafeBufferPointer(rebasing: s[..<end]), p) }
        }
    }

    private static func match(_ s: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let percent = UInt8(ascii: "%")
        let underscore = UInt8(ascii: "_")
        var si = 0
        var pi = 0
        var starPattern = -1
        var starSubject = 0
        while si < s.count {
            if pi < p.count && p[pi] == percent {
                starPattern = pi
                starSubject = si
                pi += 1
            } else if pi < p.count && p[pi] == underscore {
                si = Swift.min(s.count, si + width(s[si]))
                pi += 1
            } else if pi < p.count && p[pi] == fold(s[si]) {
                si += 1
                pi += 1
            } else if starPattern >= 0 {
                starSubject = Swift.min(s.count, starSubject + width(s[starSubject]))
                si = starSubject
                pi = starPattern + 1
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == percent { pi += 1 }
        return pi == p.count
    }
}
