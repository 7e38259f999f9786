import Foundation

/// The signature of a function the rule language can call.
public struct RuleFunction: Sendable, Hashable {
    /// What an argument may be.
    public enum Parameter: Sendable, Hashable {
        /// Exactly this type (integer is accepted for decimal, date for timestamp, NULL anywhere).
        case type(RuleType)
        /// A date or a timestamp.
        case dateLike
        /// Any type.
        case any
    }

    /// What the call yields.
    public enum Result: Sendable, Hashable {
        case type(RuleType)
        /// The common type of all arguments (`coalesce`).
        case commonTypeOfArguments
    }

    /// Lower-case name.
    public var name: String
    /// Parameters in order; with `isVariadic` the last one repeats.
    public var parameters: [Parameter]
    /// Whether the last parameter may repeat (at least `parameters.count` arguments).
    public var isVariadic: Bool
    /// The result type.
    public var result: Result

    /// Creates a signature.
    public init(_ name: String, _ parameters: [Parameter], variadic: Bool = false, returns result: Result) {
        self.name = name.lowercased()
        self.parameters = parameters
        self.isVariadic = variadic
        self.result = result
    }

    /// The built-in functions.
    ///
    /// `days_since(ts)`: whole days from `ts` to today in the workspace time zone.
    /// `birthday_within(birthday, n)`: the birthday (month and day) falls within the next `n` days;
    /// the date is passed explicitly so the rule's reads name the attribute.
    public static let standard: [RuleFunction] = [
        RuleFunction("days_since", [.dateLike], returns: .type(.integer)),
        RuleFunction("birthday_within", [.dateLike, .type(.integer)], returns: .type(.boolean)),
        RuleFunction("lower", [.type(.string)], returns: .type(.string)),
        RuleFunction("upper", [.type(.string)], returns: .type(.string)),
        RuleFunction("coalesce", [.any, .any], variadic: true, returns: .commonTypeOfArguments),
    ]
}

/// The names a workspace's rules may use.
public struct RuleSchema: Sendable {
    /// Profile attributes and traits (`city`, `traits.city`) with their types.
    public var attributes: [String: RuleType]
    /// Computed traits (`spend_90d`) with their types; attributes win on a clash.
    public var computedTraits: [String: RuleType]
    /// Tag names usable in `tag('…')`.
    public var tags: Set<String>
    /// Segment names usable in `segment('…')`.
    public var segments: Set<String>
    /// Callable functions by lower-case name.
    public var functions: [String: RuleFunction]

    /// Creates a schema; functions default to `RuleFunction.standard`.
    public init(
        attributes: [String: RuleType] = [:], computedTraits: [String: RuleType] = [:],
        tags: Set<String> = [], segments: Set<String> = [], functions: [RuleFunction] = RuleFunction.standard
    ) {
        self.attributes = attributes
        self.computedTraits = computedTraits
        self.tags = tags
        self.segments = segments
        self.functions = Dictionary(functions.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The type of an attribute or computed trait.
    public func type(of name: String) -> RuleType? { attributes[name] ?? computedTraits[name] }
}

/// A rule that passed the checker: its typed tree and what it depends on.
public struct CheckedRule: Sendable, Equatable {
    /// The tree with `type` set on every node.
    public var expression: RuleExpression
    /// Attribute and computed-trait names the rule reads (re-evaluate when one changes).
    public var reads: Set<String>
    /// Tags the rule refers to.
    public var tags: Set<String>
    /// Segments the rule refers to (edges for segment dependency cycles).
    public var segments: Set<String>
}

/// Resolves names and checks types of a parsed rule against a workspace schema.
public struct RuleTypeChecker: Sendable {
    /// The names the rule may use.
    public let schema: RuleSchema

    /// Creates a checker for `schema`.
    public init(schema: RuleSchema) { self.schema = schema }

    /// Parses and checks `source`.
    public func check(_ source: String) throws(RuleError) -> CheckedRule {
        try check(RuleParser.parse(source))
    }

    /// Checks a parsed rule; the whole rule must be boolean. Throws the first error found.
    public func check(_ expression: RuleExpression) throws(RuleError) -> CheckedRule {
        var rule = CheckedRule(expression: expression, reads: [], tags: [], segments: [])
        let typed = try annotate(expression, &rule)
        guard typed.type == .boolean else {
            throw RuleError(
                .notBoolean, "a rule must be a condition (boolean) but this is \(typed.type ?? .null)",
                at: expression.span)
        }
        rule.expression = typed
        return rule
    }

    private func annotate(_ e: RuleExpression, _ rule: inout CheckedRule) throws(RuleError) -> RuleExpression {
        var out = e
        switch e.kind {
        case .literal(let literal):
            out.type =
                switch literal {
                case .integer: .integer
                case .decimal: .decimal
                case .string: .string
                case .boolean: .boolean
                case .date: .date
                case .null: .null
                }
        case .name(let parts):
            let key = RuleExpression.key(parts)
            guard let type = schema.type(of: key) else {
                let known = Array(schema.attributes.keys) + Array(schema.computedTraits.keys)
                throw Self.unknown(.unknownName, "name", key, among: known, at: e.span)
            }
            rule.reads.insert(key)
            out.type = type
        case .tag(let name):
            guard schema.tags.contains(name) else {
                throw Self.unknown(.unknownTag, "tag", name, among: Array(schema.tags), at: e.span)
            }
            rule.tags.insert(name)
            out.type = .boolean
        case .segment(let name):
            guard schema.segments.contains(name) else {
                throw Self.unknown(.unknownSegment, "segment", name, among: Array(schema.segments), at: e.span)
            }
            rule.segments.insert(name)
            out.type = .boolean
        case .call(let name, let arguments):
            guard let function = schema.functions[name] else {
                throw Self.unknown(.unknownFunction, "function", name, among: Array(schema.functions.keys), at: e.span)
            }
            var typed: [RuleExpression] = []
            for argument in arguments { typed.append(try annotate(argument, &rule)) }
            out.kind = .call(name, typed)
            out.type = try Self.apply(function, typed, at: e.span)
        case .unary(.not, let operand):
            let o = try annotate(operand, &rule)
            try Self.requireBoolean(o, "NOT")
            out.kind = .unary(.not, o)
            out.type = .boolean
        case .unary(.negate, let operand):
            let o = try annotate(operand, &rule)
            try Self.requireNumeric(o, "'-'")
            out.kind = .unary(.negate, o)
            out.type = o.type
        case .binary(let op, let left, let right):
            let l = try annotate(left, &rule)
            let r = try annotate(right, &rule)
            out.kind = .binary(op, l, r)
            out.type = try Self.binaryType(op, l, r)
        case .inList(let subject, let items, let negated):
            let s = try annotate(subject, &rule)
            try Self.rejectNullLiteral(s, "IN")
            var typed: [RuleExpression] = []
            var common = s.type ?? .null
            for item in items {
                let t = try annotate(item, &rule)
                try Self.rejectNullLiteral(t, "IN")
                guard let next = RuleType.common(common, t.type ?? .null) else {
                    throw RuleError(
                        .typeMismatch,
                        "IN list items must all be \(common) like the value tested, found \(t.type ?? .null)",
                        at: t.span)
                }
                common = next
                typed.append(t)
            }
            out.kind = .inList(s, typed, negated: negated)
            out.type = .boolean
        case .between(let subject, let low, let high, let negated):
            let s = try annotate(subject, &rule)
            let lo = try annotate(low, &rule)
            let hi = try annotate(high, &rule)
            var common = s.type ?? .null
            for bound in [lo, hi] {
                try Self.rejectNullLiteral(bound, "BETWEEN")
                guard let next = RuleType.common(common, bound.type ?? .null), next.isOrderable else {
                    throw RuleError(
                        .typeMismatch,
                        "BETWEEN bounds must be \(common) like the value tested, found \(bound.type ?? .null)",
                        at: bound.span)
                }
                common = next
            }
            out.kind = .between(s, low: lo, high: hi, negated: negated)
            out.type = .boolean
        case .isNull(let subject, let negated):
            let s = try annotate(subject, &rule)
            out.kind = .isNull(s, negated: negated)
            out.type = .boolean
        case .like(let subject, let pattern, let negated):
            let s = try annotate(subject, &rule)
            let p = try annotate(pattern, &rule)
            for side in [s, p] where side.type != .string {
                throw RuleError(.typeMismatch, "LIKE works on strings only, found \(side.type ?? .null)", at: side.span)
            }
            out.kind = .like(s, pattern: p, negated: negated)
            out.type = .boolean
        }
        return out
    }

    private static func binaryType(_ op: RuleBinaryOperator, _ l: RuleExpression, _ r: RuleExpression) throws(RuleError)
        -> RuleType
    {
        let lt = l.type ?? .null
        let rt = r.type ?? .null
        switch op {
        case .and, .or:
            try requireBoolean(l, op.rawValue)
            try requireBoolean(r, op.rawValue)
            return .boolean
        case .add, .subtract, .multiply, .divide:
            try requireNumeric(l, "'\(op.rawValue)'")
            try requireNumeric(r, "'\(op.rawValue)'")
            // Division yields decimal: integer division would silently truncate.
            return lt == .integer && rt == .integer && op != .divide ? .integer : .decimal
        default:
            try rejectNullLiteral(l, op.rawValue)
            try rejectNullLiteral(r, op.rawValue)
            guard let common = RuleType.common(lt, rt) else {
                throw RuleError(
                    .typeMismatch, "cannot compare \(lt) with \(rt): expected a \(lt) on the right of '\(op.rawValue)'",
                    at: r.span)
            }
            if op != .equal && op != .notEqual && !common.isOrderable {
                throw RuleError(
                    .typeMismatch, "'\(op.rawValue)' needs ordered values, found \(common)", at: l.span.through(r.span))
            }
            return .boolean
        }
    }

    private static func apply(_ f: RuleFunction, _ args: [RuleExpression], at span: SourceSpan) throws(RuleError)
        -> RuleType
    {
        let count = f.parameters.count
        guard f.isVariadic ? args.count >= count : args.count == count else {
            let expected = f.isVariadic ? "at least \(count)" : "\(count)"
            throw RuleError(
                .wrongArguments, "\(f.name)() takes \(expected) argument\(count == 1 ? "" : "s"), found \(args.count)",
                at: span)
        }
        for (i, arg) in args.enumerated() {
            let parameter = f.parameters[min(i, count - 1)]
            let t = arg.type ?? .null
            let ok: Bool =
                switch parameter {
                case .any: true
                case .dateLike: t == .date || t == .timestamp || t == .null
                case .type(let want):
                    t == want || t == .null || (want == .decimal && t == .integer) || (want == .timestamp && t == .date)
                }
            if !ok {
                let want: String =
                    switch parameter {
                    case .any: "any"
                    case .dateLike: "a date or timestamp"
                    case .type(let w): "\(w)"
                    }
                throw RuleError(
                    .typeMismatch, "argument \(i + 1) of \(f.name)() must be \(want), found \(t)", at: arg.span)
            }
        }
        switch f.result {
        case .type(let t): return t
        case .commonTypeOfArguments:
            var common = RuleType.null
            for arg in args {
                guard let next = RuleType.common(common, arg.type ?? .null) else {
                    throw RuleError(
                        .typeMismatch,
                        "\(f.name)() arguments must share one type: found \(common) and \(arg.type ?? .null)",
                        at: arg.span)
                }
                common = next
            }
            return common
        }
    }

    private static func requireBoolean(_ e: RuleExpression, _ op: String) throws(RuleError) {
        guard e.type == .boolean else {
            throw RuleError(.typeMismatch, "\(op) expects a condition (boolean), found \(e.type ?? .null)", at: e.span)
        }
    }

    private static func requireNumeric(_ e: RuleExpression, _ op: String) throws(RuleError) {
        guard e.type?.isNumeric == true else {
            throw RuleError(.typeMismatch, "\(op) expects a number, found \(e.type ?? .null)", at: e.span)
        }
    }

    /// `x = NULL` is never true in SQL; point the author to IS NULL instead.
    private static func rejectNullLiteral(_ e: RuleExpression, _ op: String) throws(RuleError) {
        if case .literal(.null) = e.kind {
            throw RuleError(.typeMismatch, "\(op) with NULL never matches; use IS NULL or IS NOT NULL", at: e.span)
        }
    }

    private static func unknown(
        _ code: RuleError.Code, _ what: String, _ name: String, among known: [String], at span: SourceSpan
    ) -> RuleError {
        let suggestion = closest(to: name, among: known)
        let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
        return RuleError(code, "unknown \(what) '\(name)'\(hint)", at: span, suggestion: suggestion)
    }

    /// The known name nearest by edit distance (case-insensitive), if it is close enough to be a typo.
    static func closest(to name: String, among known: [String]) -> String? {
        let target = Array(name.lowercased())
        let limit = max(2, target.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in known.sorted() {
            let d = editDistance(target, Array(candidate.lowercased()))
            if d <= limit, d < max(target.count, 1), d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Levenshtein distance over Characters.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var row = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                row[j + 1] = min(previous[j + 1] + 1, row[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
