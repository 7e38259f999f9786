import Foundation

/// Parses the rule language of tags and segments into a `RuleExpression` with source spans.
///
/// ```
/// rule       = or EOF
/// or         = and { "OR" and }
/// and        = not { "AND" not }
/// not        = "NOT" not | predicate
/// predicate  = additive [ compare-op additive
///                       | ["NOT"] "IN" "(" or { "," or } ")"
///                       | ["NOT"] "BETWEEN" additive "AND" additive
///                       | ["NOT"] "LIKE" additive
///                       | "IS" ["NOT"] "NULL" ]
/// compare-op = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
/// additive   = multiply { ("+" | "-") multiply }
/// multiply   = unary { ("*" | "/") unary }
/// unary      = "-" unary | primary
/// primary    = integer | decimal | string | "TRUE" | "FALSE" | "NULL" | "DATE" string
///            | identifier "(" [ or { "," or } ] ")"          (function, tag('…'), segment('…'))
///            | name { "." name }                              (name = identifier | "quoted")
///            | "(" or ")"
/// ```
/// Keywords are case-insensitive; strings use single quotes with `''` for a quote.
public struct RuleParser {
    /// Deeper nesting than this is refused rather than risking the stack.
    public static let maximumDepth = 200

    private var tokens: [RuleToken]
    private var position = 0
    private var depth = 0

    private init(_ tokens: [RuleToken]) { self.tokens = tokens }

    /// Parses a whole rule, or throws the first error with its position.
    public static func parse(_ source: String) throws(RuleError) -> RuleExpression {
        var parser = RuleParser(try RuleLexer.tokenize(source))
        if parser.peek.kind == .end {
            throw RuleError(.unexpectedToken, "expected an expression but found end of input", at: parser.peek.span)
        }
        let expression = try parser.parseOr()
        let rest = parser.peek
        if rest.kind != .end {
            let message =
                rest.kind == .symbol(.rightParen)
                ? "unexpected ')': it has no matching '('"
                : "expected an operator or end of input but found \(rest.display)"
            throw RuleError(.unexpectedToken, message, at: rest.span)
        }
        return expression
    }

    // MARK: - Tokens

    private var peek: RuleToken { tokens[position] }

    private mutating func take() -> RuleToken {
        let token = tokens[position]
        if token.kind != .end { position += 1 }
        return token
    }

    private mutating func accept(_ kind: RuleToken.Kind) -> RuleToken? {
        peek.kind == kind ? take() : nil
    }

    private mutating func expect(_ kind: RuleToken.Kind, _ what: String) throws(RuleError) -> RuleToken {
        if let token = accept(kind) { return token }
        throw RuleError(.unexpectedToken, "expected \(what) but found \(peek.display)", at: peek.span)
    }

    private mutating func nest() throws(RuleError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw RuleError(.tooDeeplyNested, "the rule nests deeper than \(Self.maximumDepth) levels", at: peek.span)
        }
    }

    // MARK: - Grammar

    private mutating func parseOr() throws(RuleError) -> RuleExpression {
        try nest()
        defer { depth -= 1 }
        var left = try parseAnd()
        while accept(.keyword(.or)) != nil {
            let right = try parseAnd()
            left = RuleExpression(.binary(.or, left, right), span: left.span.through(right.span))
        }
        return left
    }

    private mutating func parseAnd() throws(RuleError) -> RuleExpression {
        var left = try parseNot()
        while accept(.keyword(.and)) != nil {
            let right = try parseNot()
            left = RuleExpression(.binary(.and, left, right), span: left.span.through(right.span))
        }
        return left
    }

    private mutating func parseNot() throws(RuleError) -> RuleExpression {
        if let not = accept(.keyword(.not)) {
            try nest()
            defer { depth -= 1 }
            let operand = try parseNot()
            return RuleExpression(.unary(.not, operand), span: not.span.through(operand.span))
        }
        return try parsePredicate()
    }

    private static let comparisons: [RuleSymbol: RuleBinaryOperator] = [
        .equal: .equal, .notEqual: .notEqual, .lessGreater: .notEqual, .less: .less,
        .lessOrEqual: .lessOrEqual, .greater: .greater, .greaterOrEqual: .greaterOrEqual,
    ]

    private mutating func parsePredicate() throws(RuleError) -> RuleExpression {
        let left = try parseAdditive()
        if case .symbol(let symbol) = peek.kind, let op = Self.comparisons[symbol] {
            _ = take()
            let right = try parseAdditive()
            return RuleExpression(.binary(op, left, right), span: left.span.through(right.span))
        }
        if accept(.keyword(.is)) != nil {
            let negated = accept(.keyword(.not)) != nil
            let null = try expect(.keyword(.null), negated ? "NULL" : "NULL or NOT NULL after IS")
            return RuleExpression(.isNull(left, negated: negated), span: left.span.through(null.span))
        }
        let negated = accept(.keyword(.not)) != nil
        if accept(.keyword(.in)) != nil {
            _ = try expect(.symbol(.leftParen), "'(' to start the IN list")
            var items = [try parseOr()]
            while accept(.symbol(.comma)) != nil { items.append(try parseOr()) }
            let close = try expect(.symbol(.rightParen), "',' or ')' to close the IN list")
            return RuleExpression(.inList(left, items, negated: negated), span: left.span.through(close.span))
        }
        if accept(.keyword(.between)) != nil {
            let low = try parseAdditive()
            _ = try expect(.keyword(.and), "AND between the BETWEEN bounds")
            let high = try parseAdditive()
            return RuleExpression(
                .between(left, low: low, high: high, negated: negated), span: left.span.through(high.span))
        }
        if accept(.keyword(.like)) != nil {
            let pattern = try parseAdditive()
            return RuleExpression(
                .like(left, pattern: pattern, negated: negated), span: left.span.through(pattern.span))
        }
        if negated {
            throw RuleError(
                .unexpectedToken, "expected IN, BETWEEN or LIKE after NOT but found \(peek.display)", at: peek.span)
        }
        return left
    }

    private mutating func parseAdditive() throws(RuleError) -> RuleExpression {
        var left = try parseMultiplicative()
        while true {
            let op: RuleBinaryOperator
            if accept(.symbol(.plus)) != nil {
                op = .add
            } else if accept(.symbol(.minus)) != nil {
                op = .subtract
            } else {
                return left
            }
            let right = try parseMultiplicative()
            left = RuleExpression(.binary(op, left, right), span: left.span.through(right.span))
        }
    }

    private mutating func parseMultiplicative() throws(RuleError) -> RuleExpression {
        var left = try parseUnary()
        while true {
            let op: RuleBinaryOperator
            if accept(.symbol(.star)) != nil {
                op = .multiply
            } else if accept(.symbol(.slash)) != nil {
                op = .divide
            } else {
                return left
            }
            let right = try parseUnary()
            left = RuleExpression(.binary(op, left, right), span: left.span.through(right.span))
        }
    }

    private mutating func parseUnary() throws(RuleError) -> RuleExpression {
        if let minus = accept(.symbol(.minus)) {
            try nest()
            defer { depth -= 1 }
            let operand = try parseUnary()
            return RuleExpression(.unary(.negate, operand), span: minus.span.through(operand.span))
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(RuleError) -> RuleExpression {
        let token = take()
        switch token.kind {
        case .integer(let t): return RuleExpression(.literal(.integer(t)), span: token.span)
        case .decimal(let t): return RuleExpression(.literal(.decimal(t)), span: token.span)
        case .string(let s): return RuleExpression(.literal(.string(s)), span: token.span)
        case .keyword(.true): return RuleExpression(.literal(.boolean(true)), span: token.span)
        case .keyword(.false): return RuleExpression(.literal(.boolean(false)), span: token.span)
        case .keyword(.null): return RuleExpression(.literal(.null), span: token.span)
        case .keyword(.date):
            let text = take()
            guard case .string(let day) = text.kind else {
                throw RuleError(
                    .unexpectedToken, "expected a date string such as DATE '2026-01-31' but found \(text.display)",
                    at: text.span)
            }
            guard Self.isValidDay(day) else {
                throw RuleError(
                    .invalidDate, "invalid date '\(day)': expected a real day written YYYY-MM-DD", at: text.span)
            }
            return RuleExpression(.literal(.date(day)), span: token.span.through(text.span))
        case .symbol(.leftParen):
            let inner = try parseOr()
            guard let close = accept(.symbol(.rightParen)) else {
                throw RuleError(
                    .unexpectedToken,
                    "expected ')' to close the '(' at line \(token.span.line), column \(token.span.column) but found \(peek.display)",
                    at: peek.span)
            }
            var grouped = inner
            grouped.span = token.span.through(close.span)
            return grouped
        case .identifier(let name) where peek.kind == .symbol(.leftParen):
            return try parseCall(name, at: token)
        case .identifier(let name), .quotedIdentifier(let name):
            var parts = [name]
            var span = token.span
            while accept(.symbol(.dot)) != nil {
                let part = take()
                switch part.kind {
                case .identifier(let p), .quotedIdentifier(let p): parts.append(p)
                case .keyword(let k): parts.append(k.rawValue.lowercased())
                default:
                    throw RuleError(
                        .unexpectedToken, "expected a name after '.' but found \(part.display)", at: part.span)
                }
                span = span.through(part.span)
            }
            return RuleExpression(.name(parts), span: span)
        default:
            throw RuleError(
                .unexpectedToken, "expected a value, name or '(' but found \(token.display)", at: token.span)
        }
    }

    private mutating func parseCall(_ name: String, at nameToken: RuleToken) throws(RuleError) -> RuleExpression {
        _ = take()  // "("
        try nest()
        defer { depth -= 1 }
        var arguments: [RuleExpression] = []
        if peek.kind != .symbol(.rightParen) {
            arguments.append(try parseOr())
            while accept(.symbol(.comma)) != nil { arguments.append(try parseOr()) }
        }
        let close = try expect(.symbol(.rightParen), "',' or ')' to close the call of \(name)()")
        let span = nameToken.span.through(close.span)
        let function = name.lowercased()
        if function == "tag" || function == "segment" {
            guard arguments.count == 1, case .literal(.string(let target)) = arguments[0].kind else {
                throw RuleError(
                    .wrongArguments, "\(function)() takes one string, the \(function) name, e.g. \(function)('高价值')",
                    at: span)
            }
            return RuleExpression(function == "tag" ? .tag(target) : .segment(target), span: span)
        }
        return RuleExpression(.call(function, arguments), span: span)
    }

    /// Whether `text` is `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar.
    static func isValidDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(RuleLexer.isDigit) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m)
        else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }
}
