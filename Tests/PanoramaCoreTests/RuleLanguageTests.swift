import Testing

@testable import PanoramaCore

// MARK: - Helpers

private func n(_ parts: String...) -> RuleExpression { RuleExpression(.name(parts)) }
private func int(_ t: String) -> RuleExpression { RuleExpression(.literal(.integer(t))) }
private func str(_ s: String) -> RuleExpression { RuleExpression(.literal(.string(s))) }
private func bin(_ op: RuleBinaryOperator, _ l: RuleExpression, _ r: RuleExpression) -> RuleExpression {
    RuleExpression(.binary(op, l, r))
}
private func not(_ e: RuleExpression) -> RuleExpression { RuleExpression(.unary(.not, e)) }

/// Parses `source` and returns its structure without spans, recording a failure on error.
private func shape(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> RuleExpression? {
    do {
        return try RuleParser.parse(source).withoutSpans()
    } catch {
        Issue.record("\(source): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` expecting a `RuleError`; returns it so positions can be checked.
private func failure(
    _ code: RuleError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(RuleError) -> Void
) -> RuleError? {
    do {
        try body()
        Issue.record("expected \(code.rawValue), but it succeeded", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        return error
    }
}

private func parseError(_ code: RuleError.Code, _ source: String, sourceLocation: SourceLocation = #_sourceLocation)
    -> RuleError?
{
    failure(code, sourceLocation: sourceLocation) { () throws(RuleError) in _ = try RuleParser.parse(source) }
}

private let schema = RuleSchema(
    attributes: [
        "city": .string, "traits.city": .string, "age": .integer, "birthday": .date, "last_order_at": .timestamp,
        "email": .string, "vip": .boolean, "会员等级": .string, "trait with space": .string,
    ],
    computedTraits: ["spend_90d": .decimal, "order_count": .integer],
    tags: ["高价值", "新客"],
    segments: ["churn_risk"]
)
private let checker = RuleTypeChecker(schema: schema)

private func checkError(_ code: RuleError.Code, _ source: String, sourceLocation: SourceLocation = #_sourceLocation)
    -> RuleError?
{
    failure(code, sourceLocation: sourceLocation) { () throws(RuleError) in _ = try checker.check(source) }
}

// MARK: - Parsing

@Suite("Rule language: parsing")
struct RuleLanguageParsingTests {
    @Test("OR binds loosest, then AND, then NOT: a OR b AND NOT c is a OR (b AND (NOT c))")
    func logicalPrecedence() {
        #expect(shape("a OR b AND NOT c") == bin(.or, n("a"), bin(.and, n("b"), not(n("c")))))
        #expect(shape("a and b or c") == bin(.or, bin(.and, n("a"), n("b")), n("c")))
        #expect(shape("NOT a = 1") == not(bin(.equal, n("a"), int("1"))))
        #expect(shape("(a OR b) AND c") == bin(.and, bin(.or, n("a"), n("b")), n("c")))
        #expect(shape("a OR b OR c") == bin(.or, bin(.or, n("a"), n("b")), n("c")))
    }

    @Test("Arithmetic: * / over + -, unary minus tightest, all below comparison")
    func arithmeticPrecedence() {
        let negC = RuleExpression(.unary(.negate, n("c")))
        #expect(shape("a + b * -c > 1") == bin(.greater, bin(.add, n("a"), bin(.multiply, n("b"), negC)), int("1")))
        #expect(shape("a - b - c = 0") == bin(.equal, bin(.subtract, bin(.subtract, n("a"), n("b")), n("c")), int("0")))
        #expect(
            shape("(a + b) / 2 <= 3") == bin(.lessOrEqual, bin(.divide, bin(.add, n("a"), n("b")), int("2")), int("3")))
    }

    @Test("Every predicate form, keywords in any case")
    func predicates() {
        #expect(shape("x <> 1") == bin(.notEqual, n("x"), int("1")))
        #expect(shape("x not in (1, 2)") == RuleExpression(.inList(n("x"), [int("1"), int("2")], negated: true)))
        #expect(shape("x In ('a')") == RuleExpression(.inList(n("x"), [str("a")], negated: false)))
        #expect(
            shape("x between 1 and 2 AND y")
                == bin(.and, RuleExpression(.between(n("x"), low: int("1"), high: int("2"), negated: false)), n("y")))
        #expect(
            shape("x NOT BETWEEN 1 AND 2")
                == RuleExpression(.between(n("x"), low: int("1"), high: int("2"), negated: true)))
        #expect(shape("x is null") == RuleExpression(.isNull(n("x"), negated: false)))
        #expect(shape("x IS NOT NULL") == RuleExpression(.isNull(n("x"), negated: true)))
        #expect(shape("x like 'a%'") == RuleExpression(.like(n("x"), pattern: str("a%"), negated: false)))
        #expect(shape("x NOT LIKE 'a%'") == RuleExpression(.like(n("x"), pattern: str("a%"), negated: true)))
    }

    @Test("Literals keep their text; money converts exactly to minor units")
    func literals() throws {
        #expect(shape("x = 300.50") == bin(.equal, n("x"), RuleExpression(.literal(.decimal("300.50")))))
        #expect(RuleLiteral.decimal("300.50").minorUnits(scale: 2) == 30050)
        #expect(RuleLiteral.integer("300").minorUnits(scale: 2) == 30000)
        #expect(RuleLiteral.decimal("0.125").minorUnits(scale: 2) == nil)
        #expect(shape("x = 'it''s 上海'") == bin(.equal, n("x"), str("it's 上海")))
        #expect(shape("x = TRUE OR y = false OR z IS NULL") != nil)
        #expect(shape("d = date '2024-02-29'") == bin(.equal, n("d"), RuleExpression(.literal(.date("2024-02-29")))))
    }

    @Test("Names: plain, dotted, quoted, Chinese; calls, tag() and segment()")
    func namesAndCalls() {
        #expect(shape("traits.city = 'x'") == bin(.equal, n("traits", "city"), str("x")))
        #expect(shape("\"trait with space\" = 'x'") == bin(.equal, n("trait with space"), str("x")))
        #expect(shape("会员等级 = '黄金'") == bin(.equal, n("会员等级"), str("黄金")))
        #expect(
            shape("Days_Since(last_order_at) > 30")
                == bin(.greater, RuleExpression(.call("days_since", [n("last_order_at")])), int("30")))
        #expect(
            shape("coalesce(a, b, 'x') = 'x'")
                == bin(.equal, RuleExpression(.call("coalesce", [n("a"), n("b"), str("x")])), str("x")))
        #expect(
            shape("TAG('高价值') and not Segment('churn_risk')")
                == bin(.and, RuleExpression(.tag("高价值")), not(RuleExpression(.segment("churn_risk")))))
    }

    @Test("Spans count UTF-8 bytes for offsets and Characters for columns")
    func spans() throws {
        let rule = try RuleParser.parse("city = '上海' AND\n  age > 18")
        guard case .binary(.and, let left, let right) = rule.kind, case .binary(_, let age, _) = right.kind else {
            Issue.record("unexpected shape \(rule)")
            return
        }
        #expect(rule.span == SourceSpan(offset: 0, length: 30, line: 1, column: 1))
        #expect(left.span == SourceSpan(offset: 0, length: 15, line: 1, column: 1))
        #expect(age.span == SourceSpan(offset: 22, length: 3, line: 2, column: 3))
        let grouped = try RuleParser.parse("(a)")
        #expect(grouped.span.length == 3)
    }
}

// MARK: - Syntax errors

@Suite("Rule language: syntax errors")
struct RuleLanguageSyntaxErrorTests {
    @Test("Unterminated string points at its opening quote, after Chinese text")
    func unterminatedString() {
        let e = parseError(.unterminatedString, "city = '上海")
        #expect(e?.span == SourceSpan(offset: 7, length: 7, line: 1, column: 8))
        #expect(e?.message.contains("closing '") == true)
        _ = parseError(.unterminatedIdentifier, "\"abc = 1")
    }

    @Test("Missing ')' at end of input is reported at the end, naming the open '('")
    func missingParenthesis() {
        let e = parseError(.unexpectedToken, "(city = 'x' OR age > 1")
        #expect(e?.span == SourceSpan(offset: 22, length: 0, line: 1, column: 23))
        #expect(e?.message == "expected ')' to close the '(' at line 1, column 1 but found end of input")
        let call = parseError(.unexpectedToken, "lower(city = 'x'")
        #expect(call?.column == 17)
    }

    @Test("Stray tokens and missing operands")
    func strayTokens() {
        #expect(
            parseError(.unexpectedToken, "city = 'x' )")?.span == SourceSpan(offset: 11, length: 1, line: 1, column: 12)
        )
        let extra = parseError(.unexpectedToken, "city = 'x' age > 1")
        #expect(extra?.column == 12)
        #expect(extra?.message == "expected an operator or end of input but found name 'age'")
        #expect(parseError(.unexpectedToken, "age > ")?.span == SourceSpan(offset: 6, length: 0, line: 1, column: 7))
        #expect(parseError(.unexpectedToken, "age >> 1")?.column == 6)
        #expect(parseError(.unexpectedToken, "age NOT 5")?.message.contains("IN, BETWEEN or LIKE") == true)
        #expect(parseError(.unexpectedToken, "")?.message == "expected an expression but found end of input")
        #expect(parseError(.unexpectedToken, "x BETWEEN 1 OR 2")?.column == 13)
        #expect(parseError(.unexpectedToken, "x IN 1")?.column == 6)
    }

    @Test("Line and column on a later line, after Chinese characters")
    func laterLine() {
        let e = parseError(.invalidCharacter, "tag('高价值')\n  AND 城市 = ?")
        #expect(e?.span == SourceSpan(offset: 32, length: 1, line: 2, column: 12))
        #expect(parseError(.invalidCharacter, "a ! b")?.message.contains("!=") == true)
        let fullWidth = parseError(.invalidCharacter, "城市 ＝ '上海'")
        #expect(fullWidth?.span == SourceSpan(offset: 7, length: 3, line: 1, column: 4))
        #expect(fullWidth?.message == "unexpected character '＝'; use the ASCII '=' instead")
    }

    @Test("Bad literals and arguments")
    func badLiterals() {
        #expect(parseError(.invalidDate, "x = DATE '2026-02-30'")?.column == 10)
        #expect(parseError(.unexpectedToken, "x = DATE 5")?.column == 10)
        #expect(parseError(.wrongArguments, "tag(1)")?.span.length == 6)
        _ = parseError(.wrongArguments, "segment('a', 'b')")
    }

    @Test("Deep nesting is refused, not a stack overflow")
    func deepNesting() {
        let source = String(repeating: "(", count: 500) + "a" + String(repeating: ")", count: 500)
        _ = parseError(.tooDeeplyNested, source)
        let nots = String(repeating: "NOT ", count: 500) + "a"
        _ = parseError(.tooDeeplyNested, nots)
    }

    @Test("The caret marks the span in display cells, Chinese counting two")
    func caret() {
        let source = "tag('高价值') AND citty = 'x'"
        let e = checkError(.unknownName, source)
        #expect(e?.caretDescription(source: source) == source + "\n" + String(repeating: " ", count: 18) + "^~~~~")
        let end = "(a = 1"
        #expect(parseError(.unexpectedToken, end)?.caretDescription(source: end) == "(a = 1\n      ^")
        #expect(e?.panoramaError.code == "unknown_name")
    }
}

// MARK: - Type checking

@Suite("Rule language: type checking")
struct RuleLanguageTypeTests {
    @Test("Well-typed rules pass and every node gets a type")
    func wellTyped() throws {
        let good = [
            "city = '上海' AND age >= 18",
            "spend_90d >= 300 AND age > 1.5",
            "traits.city IN ('北京', '上海') OR city NOT IN ('广州')",
            "birthday = DATE '2026-01-01' OR last_order_at >= DATE '2026-01-01'",
            "age BETWEEN 18 AND 35.5 AND email LIKE '%@example.com'",
            "days_since(last_order_at) > 30 AND birthday_within(birthday, 7)",
            "lower(email) NOT LIKE '%test%' AND coalesce(city, '未知') != '未知'",
            "vip AND \"trait with space\" IS NOT NULL AND 会员等级 = '黄金'",
            "tag('高价值') AND NOT segment('churn_risk')",
            "-age < order_count * 2 - 1",
            "vip = TRUE",
        ]
        for source in good {
            let rule = try checker.check(source)
            #expect(rule.expression.type == .boolean, "\(source)")
        }
        let typed = try checker.check("age / 2 > 1").expression
        guard case .binary(_, let quotient, _) = typed.kind else { return }
        #expect(quotient.type == .decimal)
        let sum = try checker.check("age + order_count > 1").expression
        guard case .binary(_, let total, _) = sum.kind else { return }
        #expect(total.type == .integer)
    }

    @Test("Unknown names suggest the closest known one, with the right position after Chinese")
    func unknownNames() {
        let e = checkError(.unknownName, "tag('高价值') AND citty = 'x'")
        #expect(e?.span == SourceSpan(offset: 21, length: 5, line: 1, column: 16))
        #expect(e?.suggestion == "city")
        #expect(e?.message == "unknown name 'citty'; did you mean 'city'?")
        #expect(checkError(.unknownName, "zzzzzz = 1")?.suggestion == nil)
        #expect(checkError(.unknownTag, "tag('高价')")?.suggestion == "高价值")
        #expect(checkError(.unknownSegment, "segment('churn')")?.suggestion == nil)
        #expect(checkError(.unknownFunction, "lowr(city) = 'a'")?.suggestion == "lower")
    }

    @Test("Operand type mismatches point at the offending operand")
    func mismatches() {
        #expect(checkError(.typeMismatch, "city = 5")?.span == SourceSpan(offset: 7, length: 1, line: 1, column: 8))
        #expect(checkError(.typeMismatch, "age LIKE 'a%'")?.column == 1)
        #expect(checkError(.typeMismatch, "city IN ('a', 1)")?.column == 15)
        #expect(checkError(.typeMismatch, "birthday > 'x'")?.column == 12)
        #expect(checkError(.typeMismatch, "city = NULL")?.message.contains("IS NULL") == true)
        #expect(checkError(.typeMismatch, "days_since(city) > 3")?.column == 12)
        #expect(checkError(.typeMismatch, "NOT age")?.column == 5)
        #expect(checkError(.typeMismatch, "city = 'a' AND 1")?.column == 16)
        #expect(checkError(.typeMismatch, "city + 1 > 2")?.column == 1)
        #expect(checkError(.typeMismatch, "vip < TRUE") != nil)
        #expect(checkError(.typeMismatch, "age BETWEEN 'a' AND 'b'")?.column == 13)
        #expect(checkError(.wrongArguments, "lower(city, 1) = 'a'")?.column == 1)
        #expect(checkError(.wrongArguments, "birthday_within(7)") != nil)
    }

    @Test("The whole rule must be a condition")
    func notBoolean() {
        #expect(checkError(.notBoolean, "age + 1")?.span == SourceSpan(offset: 0, length: 7, line: 1, column: 1))
        _ = checkError(.notBoolean, "city")
    }

    @Test("reads, tags and segments list what the rule depends on")
    func reads() throws {
        let rule = try checker.check(
            "city = '上海' AND spend_90d >= 300 AND tag('高价值') AND NOT segment('churn_risk') OR days_since(last_order_at) > 30 OR traits.city IS NULL"
        )
        #expect(rule.reads == ["city", "spend_90d", "last_order_at", "traits.city"])
        #expect(rule.tags == ["高价值"])
        #expect(rule.segments == ["churn_risk"])
        let none = try checker.check("tag('新客')")
        #expect(none.reads.isEmpty && none.segments.isEmpty)
    }
}

// MARK: - Printing

@Suite("Rule language: printing")
struct RuleLanguagePrintingTests {
    @Test(
        "Canonical text",
        arguments: [
            ("a or b and not c", "a OR b AND NOT c"),
            ("(a OR b) AND c", "(a OR b) AND c"),
            ("x <> 1", "x != 1"),
            ("x not in (1,2)", "x NOT IN (1, 2)"),
            ("d between date '2026-01-01' and DATE '2026-01-31'", "d BETWEEN DATE '2026-01-01' AND DATE '2026-01-31'"),
            ("s = 'it''s'", "s = 'it''s'"),
            ("\"trait with space\" is not null", "\"trait with space\" IS NOT NULL"),
            ("\"date\" = 1", "\"date\" = 1"),
            ("TAG('高价值') and Segment('churn_risk')", "tag('高价值') AND segment('churn_risk')"),
            ("a - (b - c) = 0", "a - (b - c) = 0"),
            ("(a = 1) = TRUE", "(a = 1) = TRUE"),
            ("NOT NOT a", "NOT NOT a"),
            ("- -5 < x", "-(-5) < x"),
            ("(-a) * ((b))  >  c", "-a * b > c"),
            ("a AND (b AND c)", "a AND (b AND c)"),
            ("(a + b) IS NULL", "a + b IS NULL"),
            ("(NOT a) IS NULL", "(NOT a) IS NULL"),
        ])
    func canonical(source: String, printed: String) throws {
        #expect(try RuleParser.parse(source).description == printed)
    }

    @Test("parse(print(ast)) == ast on a list of rules")
    func roundTripList() throws {
        let rules = [
            "city = '上海' AND (age >= 18 OR vip) AND NOT tag('高价值')",
            "days_since(last_order_at) BETWEEN 7 AND 30 OR spend_90d * 1.1 > 300.00",
            "traits.city NOT IN ('北京', 'it''s') AND email NOT LIKE '%@qq.com'",
            "coalesce(会员等级, \"trait with space\", '无') != '无' AND birthday_within(birthday, 7)",
            "(a OR b) AND (c OR NOT (d AND e)) OR segment('churn_risk')",
            "x / (y * z) - -w <= 0 AND x IS NOT NULL",
        ]
        for source in rules {
            let ast = try RuleParser.parse(source)
            let again = try RuleParser.parse(ast.description)
            #expect(again.withoutSpans() == ast.withoutSpans(), "\(source) → \(ast)")
        }
    }

    @Test("Round trip on random trees (property)")
    func roundTripRandom() throws {
        var random = SplitMix64(seed: 20_260_131)
        for _ in 0..<500 {
            let ast = RandomRule.boolean(depth: 4, &random)
            let printed = ast.description
            let parsed = try RuleParser.parse(printed)
            #expect(parsed.withoutSpans() == ast, "\(printed)")
            #expect(parsed.description == printed)
        }
    }
}

/// Builds random, parser-shaped trees (no spans) for the round-trip property.
private enum RandomRule {
    static let names: [[String]] = [["city"], ["traits", "city"], ["trait with space"], ["城市"], ["date"], ["a_1"]]
    static let strings = ["", "上海", "it's", "100%"]

    static func pick<T>(_ items: [T], _ r: inout SplitMix64) -> T { items[Int(r.next() % UInt64(items.count))] }

    static func boolean(depth: Int, _ r: inout SplitMix64) -> RuleExpression {
        let choice = depth <= 0 ? r.next() % 3 : r.next() % 11
        switch choice {
        case 0: return RuleExpression(.tag(pick(strings, &r)))
        case 1: return RuleExpression(.segment(pick(strings, &r)))
        case 2: return RuleExpression(.literal(.boolean(r.next() % 2 == 0)))
        case 3: return RuleExpression(.unary(.not, boolean(depth: depth - 1, &r)))
        case 4, 5:
            let op: RuleBinaryOperator = r.next() % 2 == 0 ? .and : .or
            return RuleExpression(.binary(op, boolean(depth: depth - 1, &r), boolean(depth: depth - 1, &r)))
        case 6:
            let op = pick([RuleBinaryOperator.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual], &r)
            return RuleExpression(.binary(op, value(depth: depth - 1, &r), value(depth: depth - 1, &r)))
        case 7:
            let items = (0...(r.next() % 3)).map { _ in value(depth: depth - 1, &r) }
            return RuleExpression(.inList(value(depth: depth - 1, &r), items, negated: r.next() % 2 == 0))
        case 8:
            return RuleExpression(
                .between(
                    value(depth: depth - 1, &r), low: value(depth: depth - 1, &r), high: value(depth: depth - 1, &r),
                    negated: r.next() % 2 == 0))
        case 9: return RuleExpression(.isNull(value(depth: depth - 1, &r), negated: r.next() % 2 == 0))
        default:
            return RuleExpression(
                .like(value(depth: depth - 1, &r), pattern: value(depth: depth - 1, &r), negated: r.next() % 2 == 0))
        }
    }

    static func value(depth: Int, _ r: inout SplitMix64) -> RuleExpression {
        let choice = depth <= 0 ? r.next() % 5 : r.next() % 9
        switch choice {
        case 0: return RuleExpression(.name(pick(names, &r)))
        case 1: return RuleExpression(.literal(.integer(String(r.next() % 1000))))
        case 2: return RuleExpression(.literal(.decimal("\(r.next() % 100).\(r.next() % 100)")))
        case 3: return RuleExpression(.literal(.string(pick(strings, &r))))
        case 4: return RuleExpression(.literal(pick([.null, .date("2026-01-31")], &r)))
        case 5: return RuleExpression(.unary(.negate, value(depth: depth - 1, &r)))
        case 6:
            let op = pick([RuleBinaryOperator.add, .subtract, .multiply, .divide], &r)
            return RuleExpression(.binary(op, value(depth: depth - 1, &r), value(depth: depth - 1, &r)))
        case 7: return RuleExpression(.call("lower", [value(depth: depth - 1, &r)]))
        default: return boolean(depth: depth - 1, &r)
        }
    }
}
