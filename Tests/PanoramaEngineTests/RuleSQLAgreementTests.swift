import Foundation
import GRDB
import PanoramaCore
import Testing

@testable import PanoramaEngine

// MARK: - SQLite mirror of a customer table

/// A customer table copied into an in-memory SQLite database in the column encoding (decimals
/// as INTEGER × 10⁴, dates as INTEGER days, timestamps as INTEGER seconds, strings as TEXT,
/// booleans 0/1), tags and segments as 0/1 columns, so that SQL compiled from a rule can be run
/// against the same data the evaluator reads.
struct SQLiteMirror {
    let queue: DatabaseQueue

    init(table: CustomerTable, tags: [String: RoaringBitmap], segments: [String: RoaringBitmap]) throws {
        queue = try DatabaseQueue()
        let names = table.columns.keys.sorted()
        let memberships =
            tags.keys.sorted().map { (Self.tagColumn($0), tags[$0]!) }
            + segments.keys.sorted().map { (Self.segmentColumn($0), segments[$0]!) }
        let declarations =
            names.map { "\(Self.quoteName($0)) \(table.columns[$0]!.type == .string ? "TEXT" : "INTEGER")" }
            + memberships.map { "\(Self.quoteName($0.0)) INTEGER NOT NULL" }
        try queue.write { db in
            try db.execute(
                sql:
                    "CREATE TABLE t (row INTEGER PRIMARY KEY, live INTEGER NOT NULL\(declarations.map { ", " + $0 }.joined()))"
            )
            // Strings go in as UTF-8 blobs cast to TEXT: binding a String would cut it at a NUL.
            let placeholders =
                (["?", "?"] + names.map { table.columns[$0]!.type == .string ? "CAST(? AS TEXT)" : "?" }
                + memberships.map { _ in "?" }).joined(separator: ", ")
            let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (\(placeholders))")
            for row in 0..<table.rowCount {
                var values: [DatabaseValue] = [
                    Int64(row).databaseValue, (table.live.contains(UInt32(row)) ? 1 : 0).databaseValue,
                ]
                for name in names {
                    let column = table.columns[name]!
                    if column.type == .string {
                        values.append(column.string(row).map { Data($0.utf8).databaseValue } ?? .null)
                    } else {
                        values.append(column.value(row)?.databaseValue ?? .null)
                    }
                }
                for (_, members) in memberships { values.append((members.contains(UInt32(row)) ? 1 : 0).databaseValue) }
                try insert.execute(arguments: StatementArguments(values))
            }
        }
    }

    static func quoteName(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func tagColumn(_ name: String) -> String { "tag:" + name }
    static func segmentColumn(_ name: String) -> String { "segment:" + name }

    /// A compiler whose columns, tags and segments are this database's columns.
    static func compiler(_ context: EvaluationContext) -> RuleSQLCompiler {
        RuleSQLCompiler(
            context: context, column: { quoteName($0) }, tag: { "\(quoteName(tagColumn($0))) = 1" },
            segment: { "\(quoteName(segmentColumn($0))) = 1" })
    }

    /// The live rows where `condition` is TRUE, ascending.
    func rows(where condition: String) throws -> [Int] {
        try queue.read { db in
            try Int.fetchAll(db, sql: "SELECT row FROM t WHERE live = 1 AND (\(condition)) ORDER BY row")
        }
    }

    /// The stored values of one row, for failure messages.
    func describe(row: Int) throws -> String {
        try queue.read { db in
            let values = try Row.fetchOne(db, sql: "SELECT * FROM t WHERE row = ?", arguments: [row])
            return values.map { "\($0)" } ?? "no row \(row)"
        }
    }
}

// MARK: - Random tables and rules

/// Random customer tables over a fixed schema with every column type, and NULLs in every column.
enum RandomTable {
    static let integers = ["i1", "i2"]
    static let decimals = ["d1", "d2"]
    static let strings = ["s1", "traits.city"]
    static let dates = ["dt1", "dt2"]
    static let timestamps = ["ts1", "ts2"]
    static let booleans = ["b1"]
    static let tags = ["t1", "t2", "t3"]
    static let segments = ["g1"]

    /// Strings chosen to stress byte order, ASCII-only case mapping, LIKE wildcards and quoting.
    static let vocabulary = [
        "", "a", "A", "abc", "ABC", "Abc", "abd", "b", "z", "Z", "é", "É", "北京", "北京市", "上海", "O'Brien",
        "a%b", "a_b", "%", "_", "x'); DROP TABLE t; --", "Ä", "ä", "straße", "STRASSE", " space", "abc%", "zz",
        "a\\b", "ab", "Ab",
    ]

    static var schema: RuleSchema {
        var attributes: [String: RuleType] = [:]
        for name in integers { attributes[name] = .integer }
        for name in decimals { attributes[name] = .decimal }
        for name in strings { attributes[name] = .string }
        for name in dates { attributes[name] = .date }
        for name in timestamps { attributes[name] = .timestamp }
        for name in booleans { attributes[name] = .boolean }
        return RuleSchema(attributes: attributes, tags: Set(tags), segments: Set(segments))
    }

    static let firstDay = RuleSemantics.days(year: 2019, month: 1, day: 1)
    static let lastDay = RuleSemantics.days(year: 2026, month: 12, day: 31)

    /// A table of `rows` rows (about 90 % live) with its tag and segment bitmaps.
    static func make(rows: Int, seed: UInt64) -> (CustomerTable, [String: RoaringBitmap], [String: RoaringBitmap]) {
        var rng = SplitMix64(seed: seed)
        var table = CustomerTable()
        table.resize(to: rows)
        func fill(_ name: String, _ type: RuleType, _ draw: (inout SplitMix64) -> Int64) {
            var column = Column(type: type, count: rows)
            for row in 0..<rows where Int.random(in: 0..<100, using: &rng) >= 15 { column.set(row, draw(&rng)) }
            table.setColumn(name, column)
        }
        for name in integers {
            fill(name, .integer) { rng in
                Bool.random(using: &rng)
                    ? Int64.random(in: -5...5, using: &rng) : Int64.random(in: -1000...1000, using: &rng)
            }
        }
        for name in decimals {
            fill(name, .decimal) { rng in
                let whole = Int64.random(in: -10...10, using: &rng) * 10_000
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: return whole
                case 1: return whole + Int64.random(in: -9...9, using: &rng) * 1000
                default: return Int64.random(in: -10_000_000...10_000_000, using: &rng)
                }
            }
        }
        for name in dates { fill(name, .date) { randomDay(&$0) } }
        for name in timestamps {
            fill(name, .timestamp) { rng in
                let day = randomDay(&rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: return day * 86_400 + Int64.random(in: 0..<86_400, using: &rng)
                // Around midnight in Shanghai, New York and UTC.
                case 1:
                    return day * 86_400 - [28_800, -18_000, 0].randomElement(using: &rng)!
                        + Int64.random(in: -2...1, using: &rng)
                case 2: return Int64.random(in: -400_000_000...0, using: &rng)  // before 1970
                default: return day * 86_400
                }
            }
        }
        for name in booleans { fill(name, .boolean) { Int64.random(in: 0...1, using: &$0) } }
        for name in strings {
            var column = Column(type: .string, count: rows)
            // Each column meets the strings in its own order, so codes differ between columns.
            for row in 0..<rows where Int.random(in: 0..<100, using: &rng) >= 15 {
                column.set(row, string: vocabulary.randomElement(using: &rng)!)
            }
            table.setColumn(name, column)
        }
        table.live = RoaringBitmap((0..<UInt32(rows)).filter { _ in Int.random(in: 0..<10, using: &rng) > 0 })
        func members() -> RoaringBitmap {
            let density = Int.random(in: 5...60, using: &rng)
            return RoaringBitmap((0..<UInt32(rows)).filter { _ in Int.random(in: 0..<100, using: &rng) < density })
        }
        let tagBitmaps = Dictionary(uniqueKeysWithValues: tags.map { ($0, members()) })
        let segmentBitmaps = Dictionary(uniqueKeysWithValues: segments.map { ($0, members()) })
        return (table, tagBitmaps, segmentBitmaps)
    }

    private static func randomDay(_ rng: inout SplitMix64) -> Int64 {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            // Leap days, year ends and far dates.
            return [
                RuleSemantics.days(year: 2020, month: 2, day: 29), RuleSemantics.days(year: 2024, month: 2, day: 29),
                RuleSemantics.days(year: 2024, month: 12, day: 31), RuleSemantics.days(year: 2025, month: 1, day: 1),
                RuleSemantics.days(year: 2025, month: 2, day: 28), RuleSemantics.days(year: 1900, month: 3, day: 1),
                RuleSemantics.days(year: 2100, month: 2, day: 28), RuleSemantics.days(year: 999, month: 12, day: 31),
            ].randomElement(using: &rng)!
        default:
            return Int64.random(in: firstDay...lastDay, using: &rng)
        }
    }
}

/// A seeded generator of type-correct rule text over `RandomTable.schema`, using every
/// operator and function, nested up to a given depth. Numeric expressions carry a bound on
/// their magnitude (in stored units) so that no result can leave `Int64`, where SQLite would
/// switch to floating point.
struct RuleGenerator {
    var rng: SplitMix64
    let maxDepth: Int

    init(seed: UInt64, maxDepth: Int = 5) {
        rng = SplitMix64(seed: seed)
        self.maxDepth = maxDepth
    }

    private static let limit: Double = 1e14

    private mutating func pick(_ n: Int) -> Int { Int.random(in: 0..<n, using: &rng) }
    private mutating func chance(_ percent: Int) -> Bool { pick(100) < percent }
    private mutating func element<T>(_ list: [T]) -> T { list[pick(list.count)] }

    mutating func rule() -> String { condition(maxDepth) }

    mutating func condition(_ depth: Int) -> String {
        if depth > 0 && chance(45) {
            switch pick(7) {
            case 0, 1: return "(\(condition(depth - 1)) AND \(condition(depth - 1)))"
            case 2, 3: return "(\(condition(depth - 1)) OR \(condition(depth - 1)))"
            case 4: return "NOT (\(condition(depth - 1)))"
            case 5: return "((\(condition(depth - 1))) \(element(["=", "!="])) (\(condition(depth - 1))))"
            default: return "coalesce(\(condition(depth - 1)), \(condition(depth - 1)))"
            }
        }
        let d = max(0, depth - 1)
        switch pick(16) {
        case 0, 1:
            let (l, r) = numbers(d)
            return "\(l) \(comparison()) \(r)"
        case 2: return "\(string(d)) \(comparison()) \(string(d))"
        case 3: return "\(dateLike(d)) \(comparison()) \(dateLike(d))"
        case 4: return element(RandomTable.booleans)
        case 5: return "tag('\(element(RandomTable.tags))')"
        case 6: return "segment('\(element(RandomTable.segments))')"
        case 7: return "\(anyValue(d)) IS \(chance(50) ? "NOT " : "")NULL"
        case 8: return element(["TRUE", "FALSE", "NULL IS NULL"])
        case 9:
            let window = chance(60) ? String(pick(400) - 10) : integer(d).text
            return "birthday_within(\(dateLike(d)), \(window))"
        case 10: return "\(string(d)) \(chance(30) ? "NOT " : "")LIKE \(chance(80) ? pattern() : string(d))"
        case 11:
            let (x, _) = numbers(d)
            let items = (0...pick(4)).map { _ in
                chance(10) ? "coalesce(NULL, NULL)" : chance(70) ? numberLiteral() : number(d).text
            }
            return "\(x) \(chance(30) ? "NOT " : "")IN (\(items.joined(separator: ", ")))"
        case 12:
            let items = (0...pick(4)).map { _ in chance(10) ? "lower(NULL)" : chance(70) ? stringLiteral() : string(d) }
            return "\(string(d)) \(chance(30) ? "NOT " : "")IN (\(items.joined(separator: ", ")))"
        case 13:
            let low = chance(70) ? numberLiteral() : number(d).text
            let high = chance(70) ? numberLiteral() : number(d).text
            return "\(number(d).text) \(chance(30) ? "NOT " : "")BETWEEN \(low) AND \(high)"
        case 14:
            let (low, high) = chance(50) ? (stringLiteral(), stringLiteral()) : (string(d), string(d))
            return "\(string(d)) \(chance(30) ? "NOT " : "")BETWEEN \(low) AND \(high)"
        default:
            let (low, high) = (dateLike(d), dateLike(d))
            return "\(dateLike(d)) \(chance(30) ? "NOT " : "")BETWEEN \(low) AND \(high)"
        }
    }

    private mutating func comparison() -> String { element(["=", "!=", "<>", "<", "<=", ">", ">="]) }

    private mutating func anyValue(_ depth: Int) -> String {
        switch pick(6) {
        case 0: return number(depth).text
        case 1: return string(depth)
        case 2: return dateLike(depth)
        case 3: return "coalesce(NULL, \(integer(depth).text))"
        case 4: return "(\(condition(depth)))"
        default: return element(["NULL", "coalesce(NULL, NULL)"])
        }
    }

    /// Two numbers to compare, sometimes of mixed integer and decimal type.
    private mutating func numbers(_ depth: Int) -> (String, String) { (number(depth).text, number(depth).text) }

    private mutating func number(_ depth: Int) -> (text: String, bound: Double) {
        chance(50) ? integer(depth) : decimal(depth)
    }

    /// An integer expression and a bound on its magnitude.
    mutating func integer(_ depth: Int) -> (text: String, bound: Double) {
        if depth > 0 && chance(50) {
            let a = integer(depth - 1)
            let b = integer(depth - 1)
            let candidate: (String, Double)
            switch pick(6) {
            case 0: candidate = ("(\(a.text) + \(b.text))", a.bound + b.bound)
            case 1: candidate = ("(\(a.text) - \(b.text))", a.bound + b.bound)
            case 2: candidate = ("(\(a.text) * \(b.text))", a.bound * b.bound)
            case 3: candidate = ("-\(a.text)", a.bound)
            case 4: candidate = ("coalesce(\(a.text), \(b.text))", max(a.bound, b.bound))
            default: candidate = ("days_since(\(dateLike(depth - 1)))", 1e6)
            }
            if candidate.1 < Self.limit { return candidate }
        }
        switch pick(4) {
        case 0, 1: return (element(RandomTable.integers), 1000)
        case 2:
            let v = pick(1001)
            return (String(v), Double(v))
        default: return ("days_since(\(element(RandomTable.dates + RandomTable.timestamps)))", 1e6)
        }
    }

    /// A decimal expression (possibly mixing in integers) and a bound on its magnitude × 10⁴.
    mutating func decimal(_ depth: Int) -> (text: String, bound: Double) {
        if depth > 0 && chance(55) {
            let a = number(depth - 1)
            let b = number(depth - 1)
            // Integers are scaled by 10⁴ when they meet a decimal; bound them as if they were.
            let (sa, sb) = (a.bound * 1e4, b.bound * 1e4)
            let candidate: (String, Double, Double)
            switch pick(6) {
            case 0: candidate = ("(\(a.text) + \(b.text))", sa + sb, 0)
            case 1: candidate = ("(\(a.text) - \(b.text))", sa + sb, 0)
            case 2: candidate = ("(\(a.text) * \(b.text))", sa * sb / 1e4, sa * sb)
            case 3: candidate = ("(\(a.text) / \(b.text))", sa * 1e4, sa * 1e4)
            case 4: candidate = ("-\(a.text)", sa, 0)
            default:
                let c = decimal(depth - 1)
                candidate = ("coalesce(\(a.text), \(c.text))", max(sa, c.bound * 1e4), 0)
            }
            if candidate.1 < Self.limit && candidate.2 < 1e18 { return (candidate.0, candidate.1 / 1e4) }
        }
        if chance(60) { return (element(RandomTable.decimals), 1000) }
        let whole = pick(1000)
        let digits = pick(5)
        let fraction = digits == 0 ? "" : "." + String((0..<digits).map { _ in Character(String(pick(10))) })
        return ("\(whole)\(fraction)", 1000)
    }

    private mutating func numberLiteral() -> String {
        chance(50) ? String(pick(11) - 5) : "\(pick(11) - 5).\(element(["0", "5", "25", "0001"]))"
    }

    private mutating func stringLiteral() -> String {
        "'" + element(RandomTable.vocabulary).replacingOccurrences(of: "'", with: "''") + "'"
    }

    private mutating func pattern() -> String {
        let patterns = [
            "%", "_", "a%", "%c", "%b%", "A_C", "_b_", "北%", "%京", "__", "é%", "É%", "%'%", "a\\%", "%\\%", "a%b", "",
            "%a%b%", "abc", "ABC", "%é", "x%", "%_%", "_%_", "%%", "s%", "%E", "straSSE",
        ]
        return "'" + element(patterns).replacingOccurrences(of: "'", with: "''") + "'"
    }

    mutating func string(_ depth: Int) -> String {
        if depth > 0 && chance(40) {
            switch pick(3) {
            case 0: return "lower(\(string(depth - 1)))"
            case 1: return "upper(\(string(depth - 1)))"
            default: return "coalesce(\(string(depth - 1)), \(chance(50) ? stringLiteral() : string(depth - 1)))"
            }
        }
        return chance(65) ? element(RandomTable.strings) : stringLiteral()
    }

    /// A date or timestamp expression.
    mutating func dateLike(_ depth: Int) -> String {
        if depth > 0 && chance(25) {
            return "coalesce(\(dateLike(depth - 1)), \(dateLike(depth - 1)))"
        }
        switch pick(5) {
        case 0, 1: return element(RandomTable.dates)
        case 2, 3: return element(RandomTable.timestamps)
        default:
            let day = Int64.random(in: RandomTable.firstDay...RandomTable.lastDay, using: &rng)
            let date = RuleSemantics.civil(fromDays: day)
            let text = String(format: "%04d-%02d-%02d", Int(date.year), date.month, date.day)
            return "DATE '\(text)'"
        }
    }
}

/// Contexts the random rules run in: year end in Shanghai, a non-leap February in UTC, a leap
/// February west of UTC.
let agreementContexts = [
    EvaluationContext(today: RuleSemantics.days(year: 2024, month: 12, day: 30), utcOffsetSeconds: 28_800),
    EvaluationContext(today: RuleSemantics.days(year: 2025, month: 2, day: 27), utcOffsetSeconds: 0),
    EvaluationContext(today: RuleSemantics.days(year: 2024, month: 2, day: 27), utcOffsetSeconds: -18_000),
]

// MARK: - Tests

@Suite("Rule engine and SQL agree")
struct RuleSQLAgreementTests {
    /// Checks one rule: the evaluator, its count and SQLite running the compiled SQL select the
    /// same rows. Returns false (after recording the rule, the SQL and a differing row) on a mismatch.
    static func agree(
        _ source: String, checker: RuleTypeChecker, evaluator: RuleEvaluator, mirror: SQLiteMirror,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Bool {
        let rule = try checker.check(source)
        let engine = try evaluator.evaluate(rule).map(Int.init)
        let sql = try SQLiteMirror.compiler(evaluator.context).compile(rule)
        let database = try mirror.rows(where: sql)
        let count = try evaluator.count(rule)
        guard engine != database || count != engine.count else { return true }
        let row = Set(engine).symmetricDifference(database).min()
        Issue.record(
            """
            rule:    \(source)
            sql:     \(sql)
            engine:  \(engine.count) rows, count \(count); SQLite: \(database.count) rows
            differs: row \(row.map(String.init) ?? "-"), engine \(row.map { engine.contains($0) } ?? false), \
            values \(try row.map { try mirror.describe(row: $0) } ?? "")
            """, sourceLocation: sourceLocation)
        return false
    }

    @Test("1,500 random rules select the same rows in the evaluator and in SQLite (5,000 rows)")
    func randomRules() throws {
        // Given a random table (two 4096-row batches, the second partial) mirrored in SQLite
        let (table, tags, segments) = RandomTable.make(rows: 5_000, seed: 7)
        let mirror = try SQLiteMirror(table: table, tags: tags, segments: segments)
        let checker = RuleTypeChecker(schema: RandomTable.schema)
        var generator = RuleGenerator(seed: 2024)
        var failures = 0
        var informative = 0
        // When 1,500 random rules run in three contexts
        for index in 0..<1_500 {
            let context = agreementContexts[index % agreementContexts.count]
            let evaluator = RuleEvaluator(table: table, context: context, tags: tags, segments: segments)
            let source = generator.rule()
            // Then each selects the same rows both ways
            if try !Self.agree(source, checker: checker, evaluator: evaluator, mirror: mirror) { failures += 1 }
            if failures >= 5 { break }
            let selected = try evaluator.count(checker.check(source))
            if selected > 0 && selected < table.live.count { informative += 1 }
            if ProcessInfo.processInfo.environment["RULE_SAMPLES"] != nil && index % 50 == 0 { print(selected, source) }
        }
        #expect(failures == 0)
        // And most rules select some but not all rows, so agreement says something
        #expect(informative > 900, "\(informative) of 1,500 rules select some but not all rows")
    }

    @Test("Random rules agree across several chunks, with a dead chunk and a partial last chunk")
    func randomRulesOverChunks() throws {
        // Given 140,000 rows (chunks of 65,536, 65,536 and 8,928) with the middle chunk mostly dead
        var (table, tags, segments) = RandomTable.make(rows: 140_000, seed: 11)
        table.live.subtract(RoaringBitmap(range: 65_536..<131_000))
        let mirror = try SQLiteMirror(table: table, tags: tags, segments: segments)
        let checker = RuleTypeChecker(schema: RandomTable.schema)
        var generator = RuleGenerator(seed: 99, maxDepth: 3)
        var failures = 0
        for index in 0..<40 {
            let evaluator = RuleEvaluator(
                table: table, context: agreementContexts[index % 3], tags: tags, segments: segments)
            if try !Self.agree(generator.rule(), checker: checker, evaluator: evaluator, mirror: mirror) {
                failures += 1
            }
        }
        #expect(failures == 0)
    }

    @Test("matches(row:) agrees with evaluate on every row for 250 random rules")
    func rowPathAgrees() throws {
        // Given a random table of 1,200 rows
        let (table, tags, segments) = RandomTable.make(rows: 1_200, seed: 3)
        let checker = RuleTypeChecker(schema: RandomTable.schema)
        var generator = RuleGenerator(seed: 77)
        var mismatches = 0
        for index in 0..<250 where mismatches < 5 {
            let evaluator = RuleEvaluator(
                table: table, context: agreementContexts[index % 3], tags: tags, segments: segments)
            let source = generator.rule()
            let rule = try checker.check(source)
            // When the rule is evaluated for the table and for each row alone
            let selected = try evaluator.evaluate(rule)
            for row in 0..<table.rowCount {
                // Then both say the same for every row
                let matched = try evaluator.matches(rule, row: row)
                if matched != selected.contains(UInt32(row)) {
                    Issue.record("\(source): row \(row) matches \(matched), evaluate says \(!matched)")
                    mismatches += 1
                    break
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test(
        "A string literal cannot escape its quotes; NUL is compared in full, but ends a string for LIKE (as in SQLite)")
    func quoting() throws {
        // Given strings with a quote, an injection attempt and a NUL
        var table = CustomerTable()
        table.resize(to: 3)
        var column = Column(type: .string, count: 3)
        column.set(0, string: "O'Brien")
        column.set(1, string: "a\u{0}b")
        column.set(2, string: "a")
        table.setColumn("name", column)
        table.live = RoaringBitmap(range: 0..<3)
        let mirror = try SQLiteMirror(table: table, tags: [:], segments: [:])
        let checker = RuleTypeChecker(schema: RuleSchema(attributes: ["name": .string]))
        let evaluator = RuleEvaluator(
            table: table, context: EvaluationContext(today: 0, utcOffsetSeconds: 0), tags: [:], segments: [:])
        // Then each rule selects the same rows in SQLite as in the engine, which are the expected ones
        let cases: [(String, [Int])] = [
            ("name = 'O''Brien'", [0]),
            ("name = 'x'' OR 1 = 1 --'", []),
            ("name = 'a\u{0}b'", [1]),
            ("name > 'a'", [1]),
            ("name LIKE 'a%'", [1, 2]),
            ("name LIKE 'a'", [1, 2]),
        ]
        for (source, expected) in cases {
            #expect(try Self.agree(source, checker: checker, evaluator: evaluator, mirror: mirror))
            #expect(try evaluator.evaluate(checker.check(source)).map(Int.init) == expected, "\(source)")
        }
        #expect(RuleSQLCompiler.quote("a'b") == "'a''b'")
    }
}
