import Foundation

/// Where a token or node sits in the rule source.
///
/// `offset` and `length` count UTF-8 bytes (what an editor or a byte buffer needs); `line` and
/// `column` are 1-based and count `Character`s, so Chinese text before a mistake moves the
/// column by one per character, not by three bytes.
public struct SourceSpan: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 byte offset of the first byte.
    public var offset: Int
    /// Length in UTF-8 bytes; 0 for a position such as the end of input.
    public var length: Int
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Characters.
    public var column: Int

    /// Creates a span.
    public init(offset: Int, length: Int, line: Int, column: Int) {
        self.offset = offset
        self.length = length
        self.line = line
        self.column = column
    }

    /// The byte offset just past the span.
    public var end: Int { offset + length }

    /// The span from the start of `self` to the end of `other`.
    public func through(_ other: SourceSpan) -> SourceSpan {
        SourceSpan(offset: offset, length: max(other.end, end) - offset, line: line, column: column)
    }

    /// A placeholder used when spans are stripped for structural comparison.
    public static let none = SourceSpan(offset: 0, length: 0, line: 0, column: 0)

    public var description: String { "\(line):\(column)" }
}

/// The value types of the rule language.
public enum RuleType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case boolean, integer, decimal, string, date, timestamp, null

    public var description: String { rawValue }

    /// Whether arithmetic applies.
    public var isNumeric: Bool { self == .integer || self == .decimal }

    /// Whether `<`, `BETWEEN` and friends apply.
    public var isOrderable: Bool { self != .boolean }

    /// The type two operands share when compared or combined, or nil when they cannot meet.
    ///
    /// NULL meets anything; integer meets decimal as decimal (exact, never floating point);
    /// a date meets a timestamp as a timestamp (the day's start in the workspace time zone).
    public static func common(_ a: RuleType, _ b: RuleType) -> RuleType? {
        if a == b { return a }
        if a == .null { return b }
        if b == .null { return a }
        let pair: Set<RuleType> = [a, b]
        if pair == [.integer, .decimal] { return .decimal }
        if pair == [.date, .timestamp] { return .timestamp }
        return nil
    }
}

/// A literal as written. Numbers keep their source text so money stays exact.
public enum RuleLiteral: Sendable, Hashable {
    case integer(String)
    case decimal(String)
    case string(String)
    case boolean(Bool)
    case date(String)
    case null

    /// The number scaled to minor units (`scale` 2: "12.5" → 1250), or nil when the literal is
    /// not a number, has more fractional digits than `scale`, or overflows.
    public func minorUnits(scale: Int = 2) -> Int64? {
        let text: String
        switch self {
        case .integer(let t), .decimal(let t): text = t
        default: return nil
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard fraction.count <= scale else { return nil }
        let digits = whole + fraction + String(repeating: "0", count: scale - fraction.count)
        return Int64(digits)
    }
}

/// Operators taking one operand.
public enum RuleUnaryOperator: String, Sendable, Hashable {
    case not = "NOT"
    case negate = "-"
}

/// Operators taking two operands (logical, comparison, arithmetic).
public enum RuleBinaryOperator: String, Sendable, Hashable {
    case or = "OR"
    case and = "AND"
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"

    /// Binding strength: OR 1 < AND 2 < (NOT 3) < comparison 4 < additive 5 < multiplicative 6.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: 4
        case .add, .subtract: 5
        case .multiply, .divide: 6
        }
    }

    /// Whether the operator compares two values and yields a boolean.
    public var isComparison: Bool { precedence == 4 }
}

/// One node of a parsed rule: what it is, where it came from, and (after checking) its type.
public struct RuleExpression: Sendable, Hashable {
    /// The shape of a node.
    public indirect enum Kind: Sendable, Hashable {
        case literal(RuleLiteral)
        /// An attribute or trait: `city`, `traits.city`, `"trait with space"` (parts of a dotted name).
        case name([String])
        /// A function call; the name is stored lower-cased.
        case call(String, [RuleExpression])
        /// `tag('高价值')`: the customer carries the tag.
        case tag(String)
        /// `segment('churn_risk')`: the customer is in the segment.
        case segment(String)
        case unary(RuleUnaryOperator, RuleExpression)
        case binary(RuleBinaryOperator, RuleExpression, RuleExpression)
        /// `x [NOT] IN (a, b, …)`
        case inList(RuleExpression, [RuleExpression], negated: Bool)
        /// `x [NOT] BETWEEN low AND high`
        case between(RuleExpression, low: RuleExpression, high: RuleExpression, negated: Bool)
        /// `x IS [NOT] NULL`
        case isNull(RuleExpression, negated: Bool)
        /// `x [NOT] LIKE pattern`
        case like(RuleExpression, pattern: RuleExpression, negated: Bool)
    }

    /// What the node is.
    public var kind: Kind
    /// The source text the node covers (parentheses included).
    public var span: SourceSpan
    /// The type the checker assigned; nil straight out of the parser.
    public var type: RuleType?

    /// Creates a node.
    public init(_ kind: Kind, span: SourceSpan = .none, type: RuleType? = nil) {
        self.kind = kind
        self.span = span
        self.type = type
    }

    /// The dotted name of a `.name` node (`traits.city`), the key looked up in the schema.
    public static func key(_ parts: [String]) -> String { parts.joined(separator: ".") }

    /// The same tree with spans and types cleared, for comparing structure only.
    public func withoutSpans() -> RuleExpression {
        func strip(_ e: RuleExpression) -> RuleExpression { e.withoutSpans() }
        let kind: Kind =
            switch self.kind {
            case .literal, .name, .tag, .segment: self.kind
            case .call(let f, let args): .call(f, args.map(strip))
            case .unary(let op, let e): .unary(op, strip(e))
            case .binary(let op, let l, let r): .binary(op, strip(l), strip(r))
            case .inList(let e, let items, let n): .inList(strip(e), items.map(strip), negated: n)
            case .between(let e, let lo, let hi, let n): .between(strip(e), low: strip(lo), high: strip(hi), negated: n)
            case .isNull(let e, let n): .isNull(strip(e), negated: n)
            case .like(let e, let p, let n): .like(strip(e), pattern: strip(p), negated: n)
            }
        return RuleExpression(kind)
    }

    /// Binding strength of this node when printed, used to decide parentheses.
    var precedence: Int {
        switch kind {
        case .binary(let op, _, _): op.precedence
        case .unary(.not, _): 3
        case .inList, .between, .isNull, .like: 4
        case .unary(.negate, _): 7
        default: 8
        }
    }
}

extension RuleExpression: CustomStringConvertible {
    /// The canonical text: keywords upper-case, `!=` for inequality, minimal parentheses.
    /// `RuleParser.parse(e.description)` gives back `e` (ignoring spans).
    public var description: String {
        func wrap(_ e: RuleExpression, atLeast level: Int) -> String {
            e.precedence < level ? "(\(e.description))" : e.description
        }
        let not = { (negated: Bool) in negated ? " NOT" : "" }
        switch kind {
        case .literal(let literal):
            switch literal {
            case .integer(let t), .decimal(let t): return t
            case .string(let s): return RuleExpression.quote(s, with: "'")
            case .boolean(let b): return b ? "TRUE" : "FALSE"
            case .date(let d): return "DATE " + RuleExpression.quote(d, with: "'")
            case .null: return "NULL"
            }
        case .name(let parts):
            return parts.map(RuleExpression.printName).joined(separator: ".")
        case .call(let f, let args):
            return "\(f)(\(args.map(\.description).joined(separator: ", ")))"
        case .tag(let t):
            return "tag(\(RuleExpression.quote(t, with: "'")))"
        case .segment(let s):
            return "segment(\(RuleExpression.quote(s, with: "'")))"
        case .unary(.not, let e):
            return "NOT " + wrap(e, atLeast: 3)
        case .unary(.negate, let e):
            return "-" + wrap(e, atLeast: 8)
        case .binary(let op, let l, let r):
            let p = op.precedence
            let left = wrap(l, atLeast: op.isComparison ? p + 1 : p)
            return "\(left) \(op.rawValue) \(wrap(r, atLeast: p + 1))"
        case .inList(let e, let items, let n):
            return "\(wrap(e, atLeast: 5))\(not(n)) IN (\(items.map(\.description).joined(separator: ", ")))"
        case .between(let e, let lo, let hi, let n):
            return "\(wrap(e, atLeast: 5))\(not(n)) BETWEEN \(wrap(lo, atLeast: 5)) AND \(wrap(hi, atLeast: 5))"
        case .isNull(let e, let n):
            return "\(wrap(e, atLeast: 5)) IS\(not(n)) NULL"
        case .like(let e, let p, let n):
            return "\(wrap(e, atLeast: 5))\(not(n)) LIKE \(wrap(p, atLeast: 5))"
        }
    }

    static func quote(_ text: String, with mark: Character) -> String {
        let doubled = text.replacingOccurrences(of: String(mark), with: String(mark) + String(mark))
        return "\(mark)\(doubled)\(mark)"
    }

    /// A name part bare when the lexer would read it back as the same identifier, else quoted.
    static func printName(_ part: String) -> String {
        guard let first = part.first, RuleLexer.isIdentifierStart(first),
            part.allSatisfy(RuleLexer.isIdentifierContinue),
            RuleKeyword(rawValue: part.uppercased()) == nil
        else { return quote(part, with: "\"") }
        return part
    }
}
