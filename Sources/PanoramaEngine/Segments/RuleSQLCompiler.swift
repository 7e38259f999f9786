import Foundation
import PanoramaCore

/// Compiles a checked rule to a SQLite boolean expression with the semantics `RuleEvaluator`
/// documents, for tables that store values in the column encoding: integers and booleans (0/1)
/// as INTEGER, decimals as INTEGER × 10⁴, dates as INTEGER days, timestamps as INTEGER UTC
/// seconds, strings as TEXT.
///
/// Literals are inlined (strings quoted with `''` doubling, so rule text cannot inject SQL);
/// today and the UTC offset of `context` are inlined too, so the SQL is valid for that context
/// only. Arithmetic stays in integers: decimal products and quotients divide by 10⁴ with
/// SQLite's truncating integer division, and a zero divisor becomes NULL through `NULLIF`.
public struct RuleSQLCompiler {
    /// Today and the UTC offset the SQL is compiled for.
    public let context: EvaluationContext
    private let column: (String) -> String
    private let tag: (String) -> String
    private let segment: (String) -> String

    /// `column(name)` gives the SQL for an attribute or trait (such as a quoted column name);
    /// `tag(name)` and `segment(name)` give a SQL condition that is never NULL (such as
    /// `EXISTS (…)` or a 0/1 column).
    public init(
        context: EvaluationContext, column: @escaping (String) -> String, tag: @escaping (String) -> String,
        segment: @escaping (String) -> String
    ) {
        self.context = context
        self.column = column
        self.tag = tag
        self.segment = segment
    }

    /// A SQLite expression that is TRUE (1) exactly for the rows the rule selects, FALSE (0) or
    /// NULL otherwise.
    public func compile(_ rule: CheckedRule) throws(RuleEvaluationError) -> String {
        try sql(rule.expression)
    }

    // MARK: Expressions

    /// `e` in the storage encoding of its own type.
    private func sql(_ e: RuleExpression) throws(RuleEvaluationError) -> String {
        guard let type = e.type else { throw RuleEvaluationError.unchecked(e) }
        switch e.kind {
        case .literal(let literal):
            switch literal {
            case .integer(let text): return Self.number(try RuleSemantics.integer(literal: text, at: e.span))
            case .decimal(let text): return Self.number(try RuleSemantics.decimal(literal: text, at: e.span))
            case .string(let s): return Self.quote(s)
            case .boolean(let b): return b ? "1" : "0"
            case .date(let text): return Self.number(RuleSemantics.days(ofDateLiteral: text))
            case .null: return "NULL"
            }
        case .name(let parts):
            return "(\(column(RuleExpression.key(parts))))"
        case .tag(let name):
            return "(\(tag(name)))"
        case .segment(let name):
            return "(\(segment(name)))"
        case .call("days_since", let arguments) where arguments.count == 1:
            return "(\(Self.number(context.today)) - \(try localDay(arguments[0])))"
        case .call("birthday_within", let arguments) where arguments.count == 2:
            return try birthday(arguments[0], arguments[1])
        case .call(let name, let arguments) where (name == "lower" || name == "upper") && arguments.count == 1:
            return "\(name)(\(try sql(arguments[0], as: .string)))"
        case .call("coalesce", let arguments):
            return "coalesce(\(try list(arguments, as: type)))"
        case .unary(.not, let operand):
            return "(NOT \(try sql(operand)))"
        case .unary(.negate, let operand):
            return "(-\(try sql(operand, as: type)))"
        case .binary(.and, let l, let r):
            return "(\(try sql(l)) AND \(try sql(r)))"
        case .binary(.or, let l, let r):
            return "(\(try sql(l)) OR \(try sql(r)))"
        case .binary(let op, let l, let r) where op.isComparison:
            let common = try RuleSemantics.commonType([l, r])
            let symbol = op == .notEqual ? "<>" : op.rawValue
            return "(\(try sql(l, as: common)) \(symbol) \(try sql(r, as: common)))"
        case .binary(let op, let l, let r):
            let a = try sql(l, as: type)
            let b = try sql(r, as: type)
            let scale = Column.decimalScale
            switch (op, type) {
            case (.add, _): return "(\(a) + \(b))"
            case (.subtract, _): return "(\(a) - \(b))"
            case (.multiply, .integer): return "(\(a) * \(b))"
            case (.multiply, _): return "((\(a) * \(b)) / \(scale))"
            default: return "((\(a) * \(scale)) / NULLIF(\(b), 0))"
            }
        case .inList(let subject, let items, let negated):
            let common = try RuleSemantics.commonType([subject] + items)
            return "(\(try sql(subject, as: common))\(negated ? " NOT" : "") IN (\(try list(items, as: common))))"
        case .between(let subject, let low, let high, let negated):
            let common = try RuleSemantics.commonType([subject, low, high])
            let bounds = "\(try sql(low, as: common)) AND \(try sql(high, as: common))"
            return "(\(try sql(subject, as: common))\(negated ? " NOT" : "") BETWEEN \(bounds))"
        case .isNull(let subject, let negated):
            return "(\(try sql(subject)) IS\(negated ? " NOT" : "") NULL)"
        case .like(let subject, let pattern, let negated):
            let s = try sql(subject, as: .string)
            return "(\(s)\(negated ? " NOT" : "") LIKE \(try sql(pattern, as: .string)))"
        default:
            throw RuleEvaluationError.unchecked(e)
        }
    }

    /// `e` in the encoding of `type`: integers scaled to decimals, dates turned into the
    /// timestamp of their local midnight. Literals are converted here rather than in SQL.
    private func sql(_ e: RuleExpression, as type: RuleType) throws(RuleEvaluationError) -> String {
        let from = e.type ?? .null
        let text = try sql(e)
        guard from != type, from != .null else { return text }
        let offset = context.utcOffsetSeconds
        switch e.kind {
        case .literal(.integer(let t)) where type == .decimal:
            let v = try RuleSemantics.integer(literal: t, at: e.span)
            return RuleSemantics.convert(v, from: from, to: type, offset: offset).map(Self.number) ?? "NULL"
        case .literal(.date(let t)) where type == .timestamp:
            let v = RuleSemantics.days(ofDateLiteral: t)
            return RuleSemantics.convert(v, from: from, to: type, offset: offset).map(Self.number) ?? "NULL"
        default:
            switch (from, type) {
            case (.integer, .decimal): return "(\(text) * \(Column.decimalScale))"
            case (.date, .timestamp): return "(\(text) * \(RuleSemantics.secondsPerDay) - \(Self.number(offset)))"
            default: throw RuleEvaluationError.unchecked(e)
            }
        }
    }

    private func list(_ expressions: [RuleExpression], as type: RuleType) throws(RuleEvaluationError) -> String {
        var parts: [String] = []
        for e in expressions { parts.append(try sql(e, as: type)) }
        return parts.joined(separator: ", ")
    }

    // MARK: Dates

    /// The local day of a date or timestamp: `floor((ts + offset) / 86400)` written with
    /// SQLite's truncating `/` and `%` (the remainder made non-negative first).
    private func localDay(_ e: RuleExpression) throws(RuleEvaluationError) -> String {
        let text = try sql(e)
        guard e.type == .timestamp else { return text }
        let s = "(\(text) + \(Self.number(context.utcOffsetSeconds)))"
        let day = RuleSemantics.secondsPerDay
        return "((\(s) - ((\(s) % \(day)) + \(day)) % \(day)) / \(day))"
    }

    /// `birthday_within(b, n)`: the month-day of `b` (NULL outside the years SQLite's calendar
    /// gets right) in the set of month-days of the window, computed here once. A window that
    /// is not a constant looks up the days until each month-day instead.
    private func birthday(_ date: RuleExpression, _ window: RuleExpression) throws(RuleEvaluationError) -> String {
        guard date.type != .null, window.type != .null else { return "NULL" }
        let text = try sql(date)
        let day = RuleSemantics.secondsPerDay
        let seconds =
            date.type == .timestamp ? "(\(text) + \(Self.number(context.utcOffsetSeconds)))" : "(\(text) * \(day))"
        let range = RuleSemantics.birthdayDays
        let low = Self.number(range.lowerBound * day)
        let high = Self.number(range.upperBound * day + day - 1)
        let monthDay =
            "(CASE WHEN \(seconds) BETWEEN \(low) AND \(high) THEN strftime('%m-%d', \(seconds), 'unixepoch') END)"
        let offsets = RuleSemantics.birthdayOffsets(today: context.today).enumerated().filter { $0.element != .max }
        func label(_ index: Int) -> String {
            let month = index >> 5
            let day = index & 31
            return "'\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)'"
        }
        if Self.isConstant(window) {
            let interpreter = RuleRowInterpreter(
                table: CustomerTable(), context: context, tags: [:], segments: [:], row: 0)
            guard case .number(let n) = try interpreter.value(window, as: .integer), n >= 0 else { return "NULL" }
            let labels = offsets.filter { Int64($0.element) <= n }.map { label($0.offset) }
            return "(\(monthDay) IN (\(labels.joined(separator: ", "))))"
        }
        let n = try sql(window, as: .integer)
        let cases = offsets.map { "WHEN \(label($0.offset)) THEN \($0.element)" }.joined(separator: " ")
        return "(CASE WHEN \(n) >= 0 THEN (CASE \(monthDay) \(cases) END) <= \(n) END)"
    }

    /// Whether `e` reads no column, tag or segment.
    private static func isConstant(_ e: RuleExpression) -> Bool {
        switch e.kind {
        case .literal: true
        case .name, .tag, .segment: false
        case .call(_, let arguments): arguments.allSatisfy(isConstant)
        case .unary(_, let x), .isNull(let x, _): isConstant(x)
        case .binary(_, let l, let r), .like(let l, let r, _): isConstant(l) && isConstant(r)
        case .inList(let x, let items, _): isConstant(x) && items.allSatisfy(isConstant)
        case .between(let x, let lo, let hi, _): isConstant(x) && isConstant(lo) && isConstant(hi)
        }
    }

    // MARK: Literals

    /// An integer literal; negative numbers in parentheses so they never merge with an operator.
    static func number(_ v: Int64) -> String {
        if v >= 0 { return String(v) }
        if v == .min { return "(-9223372036854775807 - 1)" }
        return "(\(v))"
    }

    /// A string literal: single quotes, quotes doubled. A string holding NUL is written as a
    /// hex blob cast to TEXT, because SQL text ends at the first NUL.
    static func quote(_ s: String) -> String {
        if s.utf8.contains(0) {
            let hex = s.utf8.map { byte in
                let digits = Array("0123456789ABCDEF")
                return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
            }
            return "CAST(X'\(hex.joined())' AS TEXT)"
        }
        return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
