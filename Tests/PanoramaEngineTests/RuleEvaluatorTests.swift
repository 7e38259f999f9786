import Foundation
import PanoramaCore
import Testing

@testable import PanoramaEngine

// MARK: - Fixture

/// Days since 1970-01-01 of `YYYY-MM-DD`.
private func day(_ text: String) -> Int64 { RuleSemantics.days(ofDateLiteral: text) }

/// UTC seconds of `YYYY-MM-DD HH:MM:SS`.
private func seconds(_ text: String) -> Int64 {
    let parts = text.split(separator: " ")
    let time = parts[1].split(separator: ":").map { Int64($0)! }
    return day(String(parts[0])) * 86_400 + time[0] * 3600 + time[1] * 60 + time[2]
}

/// A small table built column by column. `select` checks a rule and returns the rows it
/// selects, after asserting that `evaluate`, `count`, `first`, `matches` on every row and
/// SQLite running the compiled SQL all agree.
private struct Fixture {
    var table = CustomerTable()
    var tags: [String: RoaringBitmap] = [:]
    var segments: [String: RoaringBitmap] = [:]
    var context = EvaluationContext(today: day("2024-05-01"), utcOffsetSeconds: 0)

    init(rows: Int) {
        table.resize(to: rows)
        table.live = RoaringBitmap(range: 0..<UInt32(rows))
    }

    mutating func column(_ name: String, _ type: RuleType, _ values: [Int64?]) {
        var column = Column(type: type, count: values.count)
        for (row, value) in values.enumerated() { column.set(row, value) }
        table.setColumn(name, column)
    }

    mutating func integers(_ name: String, _ values: [Int64?]) { column(name, .integer, values) }
    mutating func decimals(_ name: String, _ values: [String?]) {
        column(name, .decimal, values.map { $0.map { RuleLiteral.decimal($0).minorUnits(scale: 4)! } })
    }
    mutating func dates(_ name: String, _ values: [String?]) { column(name, .date, values.map { $0.map(day) }) }
    mutating func timestamps(_ name: String, _ values: [String?]) {
        column(name, .timestamp, values.map { $0.map(seconds) })
    }
    mutating func booleans(_ name: String, _ values: [Bool?]) {
        column(name, .boolean, values.map { $0.map { $0 ? 1 : 0 } })
    }
    mutating func strings(_ name: String, _ values: [String?]) {
        var column = Column(type: .string, count: values.count)
        for (row, value) in values.enumerated() { column.set(row, string: value) }
        table.setColumn(name, column)
    }

    var checker: RuleTypeChecker {
        RuleTypeChecker(
            schema: RuleSchema(attributes: table.types, tags: Set(tags.keys), segments: Set(segments.keys)))
    }

    var evaluator: RuleEvaluator { RuleEvaluator(table: table, context: context, tags: tags, segments: segments) }

    func select(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Int]? {
        do {
            let rule = try checker.check(source)
            let evaluator = self.evaluator
            let rows = try evaluator.evaluate(rule).map(Int.init)
            #expect(try evaluator.count(rule) == rows.count, "count of \(source)", sourceLocation: sourceLocation)
            #expect(
                try evaluator.first(rows.count + 1, of: rule).map(Int.init) == rows, "first of \(source)",
                sourceLocation: sourceLocation)
            let matched = try (0..<table.rowCount).filter { try evaluator.matches(rule, row: $0) }
            #expect(matched == rows, "matches(row:) of \(source)", sourceLocation: sourceLocation)
            let sql = try SQLiteMirror.compiler(context).compile(rule)
            let database = try SQLiteMirror(table: table, tags: tags, segments: segments).rows(where: sql)
            #expect(database == rows, "SQLite for \(source): \(sql)", sourceLocation: sourceLocation)
            return rows
        } catch {
            Issue.record("\(source): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The error evaluating `source` throws (also checking that `matches` and the SQL compiler agree).
    func failure(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> RuleEvaluationError.Code? {
        do {
            let rule = try checker.check(source)
            let evaluateCode: RuleEvaluationError.Code?
            do {
                _ = try evaluator.evaluate(rule)
                evaluateCode = nil
            } catch { evaluateCode = error.code }
            do {
                _ = try evaluator.matches(rule, row: 0)
                Issue.record("matches(row:) of \(source) did not throw", sourceLocation: sourceLocation)
            } catch {
                #expect(error.code == evaluateCode, sourceLocation: sourceLocation)
            }
            return evaluateCode
        } catch {
            Issue.record("\(source): \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

// MARK: - Operators

@Suite("Rule evaluator: operators")
struct RuleEvaluatorOperatorTests {
    @Test("Comparisons include equal values at their bounds and never select NULL, even under NOT")
    func comparisons() {
        var f = Fixture(rows: 5)
        f.integers("n", [1, 2, 3, nil, -1])
        #expect(f.select("n >= 2") == [1, 2])
        #expect(f.select("n > 2") == [2])
        #expect(f.select("n <= 1") == [0, 4])
        #expect(f.select("n < 1") == [4])
        #expect(f.select("n = 2") == [1])
        #expect(f.select("n != 2") == [0, 2, 4])
        #expect(f.select("n <> 2") == [0, 2, 4])
        #expect(f.select("2 < n") == [2])
        #expect(f.select("NOT n = 2") == [0, 2, 4])
        #expect(f.select("n = n") == [0, 1, 2, 4])
        #expect(f.select("n IS NULL") == [3])
        #expect(f.select("n IS NOT NULL") == [0, 1, 2, 4])
    }

    @Test("AND, OR and NOT follow Kleene's logic over TRUE, FALSE and NULL")
    func kleene() {
        // Given every pair of a, b in {TRUE, FALSE, NULL}
        var f = Fixture(rows: 9)
        f.booleans("a", [true, true, true, false, false, false, nil, nil, nil])
        f.booleans("b", [true, false, nil, true, false, nil, true, false, nil])
        #expect(f.select("a AND b") == [0])
        #expect(f.select("NOT (a AND b)") == [1, 3, 4, 5, 7])
        #expect(f.select("a OR b") == [0, 1, 2, 3, 6])
        #expect(f.select("NOT (a OR b)") == [4])
        #expect(f.select("NOT a") == [3, 4, 5])
        #expect(f.select("(a AND b) IS NULL") == [2, 6, 8])
        #expect(f.select("(a OR b) IS NULL") == [5, 7, 8])
        #expect(f.select("a = b") == [0, 4])
        #expect(f.select("a = TRUE") == [0, 1, 2])
        #expect(f.select("a != FALSE") == [0, 1, 2])
        #expect(f.select("coalesce(a, b)") == [0, 1, 2, 6])
        #expect(f.select("a AND TRUE") == [0, 1, 2])
        #expect(f.select("a OR FALSE") == [0, 1, 2])
        #expect(f.select("NOT (a AND NULL IS NOT NULL)") == Array(0..<9))
    }

    @Test("Integer and decimal arithmetic: exact sums, truncated products and quotients, NULL on division by zero")
    func arithmetic() {
        var f = Fixture(rows: 5)
        f.integers("i", [7, -7, 5, nil, 0])
        f.integers("z", [0, 2, nil, 1, 3])
        f.decimals("d", ["1.5", "-1.5", "0.0001", "2", nil])
        #expect(f.select("i + 1 = 8") == [0])
        #expect(f.select("i - 10 = -17") == [1])
        #expect(f.select("i * 2 = 10") == [2])
        #expect(f.select("-i = 7") == [1])
        // `/` always gives a decimal, truncated toward zero.
        #expect(f.select("i / 2 = 3.5") == [0])
        #expect(f.select("i / 2 = -3.5") == [1])
        #expect(f.select("i / 3 = 2.3333") == [0])
        #expect(f.select("i / 3 = -2.3333") == [1])
        #expect(f.select("i / z IS NULL") == [0, 2, 3])
        #expect(f.select("i / z = 0") == [4])
        // Decimal products drop digits past the fourth, toward zero.
        #expect(f.select("d * d = 2.25") == [0, 1])
        #expect(f.select("d * 3 = 4.5") == [0])
        #expect(f.select("d * d = 0") == [2])
        #expect(f.select("d * -0.5 = 0") == [2])
        #expect(f.select("d / 3 = 0.5") == [0])
        #expect(f.select("d / 0.0003 = 0.3333") == [2])
        // Integers meet decimals scaled by 10⁴.
        #expect(f.select("i = 7.0") == [0])
        #expect(f.select("i > 6.9999") == [0])
        #expect(f.select("d > 1") == [0, 3])
        #expect(f.select("i + d = 8.5") == [0])
        #expect(f.select("d IN (2, 1.5)") == [0, 3])
    }

    @Test("A decimal literal with more than four fractional digits is an error in every path")
    func decimalPrecision() throws {
        var f = Fixture(rows: 1)
        f.decimals("d", ["1"])
        #expect(f.failure("d > 1.00001") == .decimalTooPrecise)
        #expect(f.failure("d > 99999999999999999999") == .numberOutOfRange)
        let rule = try f.checker.check("d > 1.00001")
        #expect(throws: RuleEvaluationError.self) { try SQLiteMirror.compiler(f.context).compile(rule) }
        #expect(f.select("d > 1.0000") == [])
    }

    @Test("IN is TRUE on a match, else NULL when the value or an item is NULL; NOT IN is its negation")
    func inList() {
        var f = Fixture(rows: 4)
        f.integers("x", [1, 2, 3, nil])
        f.integers("y", [5, nil, 5, 5])
        #expect(f.select("x IN (1, 2)") == [0, 1])
        #expect(f.select("x NOT IN (1, 2)") == [2])
        #expect(f.select("x IN (1, y)") == [0])
        #expect(f.select("x NOT IN (1, y)") == [2])
        #expect(f.select("(x IN (1, y)) IS NULL") == [1, 3])
        #expect(f.select("x IN (1.0, 2.5)") == [0])
        #expect(f.select("x IN (y, 3, 9, 11, 13, 15, 17, 19, 21, 23)") == [2])
        #expect(f.select("x IN (coalesce(NULL, NULL), 1)") == [0])
        #expect(f.select("x NOT IN (coalesce(NULL, NULL), 1)") == [])
    }

    @Test("BETWEEN is x >= low AND x <= high, bounds included, NULL bounds per Kleene")
    func between() {
        var f = Fixture(rows: 5)
        f.integers("x", [1, 2, 3, 4, nil])
        f.integers("lo", [nil, 1, nil, 1, 1])
        #expect(f.select("x BETWEEN 2 AND 3") == [1, 2])
        #expect(f.select("x NOT BETWEEN 2 AND 3") == [0, 3])
        #expect(f.select("x BETWEEN 3 AND 2") == [])
        #expect(f.select("x NOT BETWEEN 3 AND 2") == [0, 1, 2, 3])
        #expect(f.select("x BETWEEN lo AND 3") == [1])
        #expect(f.select("x NOT BETWEEN lo AND 3") == [3])
        #expect(f.select("x BETWEEN 1.5 AND 2.5") == [1])
        #expect(f.select("x BETWEEN -9223372036854775807 AND 9223372036854775807") == [0, 1, 2, 3])
    }
}

// MARK: - Strings

@Suite("Rule evaluator: strings")
struct RuleEvaluatorStringTests {
    private var fixture: Fixture {
        var f = Fixture(rows: 11)
        f.strings("s", ["Apple", "apple pie", "APPLE", "北京", "北京市", "Äpfel", "äpfel", "a%b", "a\\b", nil, "ab"])
        return f
    }

    @Test("LIKE: % and _, ASCII letters without case, other characters exactly, no escape character")
    func like() {
        let f = fixture
        #expect(f.select("s LIKE 'apple'") == [0, 2])
        #expect(f.select("s LIKE 'app%'") == [0, 1, 2])
        #expect(f.select("s LIKE '%PIE'") == [1])
        #expect(f.select("s LIKE '北_'") == [3])
        #expect(f.select("s LIKE '北__'") == [4])
        #expect(f.select("s LIKE '_%_'") == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
        #expect(f.select("s LIKE 'ä%'") == [6])
        #expect(f.select("s LIKE 'a\\%'") == [8])
        #expect(f.select("s LIKE 'a_b'") == [7, 8])
        #expect(f.select("s NOT LIKE '%e%'") == [3, 4, 7, 8, 10])
        #expect(f.select("'apple' LIKE s") == [0, 2])
        #expect(f.select("s LIKE s") == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
    }

    @Test("lower and upper change ASCII letters only")
    func caseMapping() {
        let f = fixture
        #expect(f.select("lower(s) = 'apple'") == [0, 2])
        #expect(f.select("upper(s) = 'ÄPFEL'") == [5])
        #expect(f.select("lower(s) = 'äpfel'") == [6])
        #expect(f.select("upper(lower(s)) = 'APPLE PIE'") == [1])
    }

    @Test("Strings order byte-wise by UTF-8, also between two columns with different dictionaries")
    func order() {
        var f = Fixture(rows: 6)
        f.strings("t", ["Z", "a", "é", "z", "", nil])
        f.strings("u", ["a", "a", "z", "é", nil, "x"])
        #expect(f.select("t < 'a'") == [0, 4])
        #expect(f.select("t > 'z'") == [2])
        #expect(f.select("t = u") == [1])
        #expect(f.select("t < u") == [0, 3])
        #expect(f.select("t BETWEEN 'a' AND 'z'") == [1, 3])
        #expect(f.select("t IN ('a', u)") == [1])
        #expect(f.select("coalesce(t, u) = 'x'") == [5])
        #expect(f.select("coalesce(u, t, 'none') IN ('', 'x')") == [4, 5])
        #expect(f.select("lower(coalesce(t, 'Q')) = 'q'") == [5])
    }
}

// MARK: - Dates

@Suite("Rule evaluator: dates, timestamps and birthdays")
struct RuleEvaluatorDateTests {
    private func fixture(offset: Int64) -> Fixture {
        var f = Fixture(rows: 6)
        f.context = EvaluationContext(today: day("2024-05-01"), utcOffsetSeconds: offset)
        f.timestamps(
            "ts",
            [
                "2024-04-30 15:59:59", "2024-04-30 16:00:00", "2024-05-01 00:00:00", "2024-04-30 20:00:00",
                "1969-12-31 23:59:59", nil,
            ])
        f.dates("d", ["2024-05-01", "2024-04-01", nil, "2024-04-30", "1969-12-31", "2024-05-01"])
        return f
    }

    @Test("A date meets a timestamp as its local midnight: Asia/Shanghai and UTC differ")
    func dateMeetsTimestamp() {
        let shanghai = fixture(offset: 28_800)
        let utc = fixture(offset: 0)
        #expect(shanghai.select("ts >= DATE '2024-05-01'") == [1, 2, 3])
        #expect(utc.select("ts >= DATE '2024-05-01'") == [2])
        #expect(shanghai.select("ts >= d") == [1, 3, 4])
        #expect(utc.select("ts < d") == [0])
        #expect(utc.select("coalesce(ts, d) = DATE '2024-05-01'") == [2, 5])
        #expect(utc.select("d IN (DATE '2024-04-01', DATE '2024-04-30')") == [1, 3])
    }

    @Test("days_since counts local days: the offset decides the day of a timestamp, floors before 1970")
    func daysSince() {
        let shanghai = fixture(offset: 28_800)
        let utc = fixture(offset: 0)
        #expect(shanghai.select("days_since(ts) = 0") == [1, 2, 3])
        #expect(utc.select("days_since(ts) = 0") == [2])
        #expect(utc.select("days_since(ts) = 1") == [0, 1, 3])
        // 1969-12-31 23:59:59 UTC is day −1 in UTC but day 0 in Shanghai.
        let today = day("2024-05-01")
        #expect(utc.select("days_since(ts) = \(today + 1)") == [4])
        #expect(shanghai.select("days_since(ts) = \(today)") == [4])
        #expect(utc.select("days_since(d) = 30") == [1])
        #expect(utc.select("days_since(d) <= 0") == [0, 5])
        #expect(utc.select("days_since(d) = days_since(ts)") == [3, 4])
        #expect(shanghai.select("days_since(d) = days_since(ts)") == [])
    }

    @Test("birthday_within spans the year end; negative or NULL windows and far years are NULL")
    func birthdayYearEnd() {
        var f = Fixture(rows: 10)
        f.context = EvaluationContext(today: day("2024-12-30"), utcOffsetSeconds: 28_800)
        f.column(
            "b", .date,
            [
                day("2000-12-30"), day("1999-12-31"), day("1990-01-01"), day("1985-01-02"), day("1980-01-03"),
                day("1975-12-29"), nil, RuleSemantics.days(year: 999, month: 12, day: 31),
                RuleSemantics.days(year: 10_000, month: 1, day: 1), day("2000-02-29"),
            ])
        f.integers("w", [0, 1, 2, nil, -1, 400, 3, 3, 3, 3])
        #expect(f.select("birthday_within(b, 3)") == [0, 1, 2, 3])
        #expect(f.select("birthday_within(b, 0)") == [0])
        #expect(f.select("NOT birthday_within(b, 3)") == [4, 5, 9])
        #expect(f.select("birthday_within(b, -1) IS NULL") == Array(0..<10))
        #expect(f.select("birthday_within(b, w)") == [0, 1, 2, 5])
        #expect(f.select("birthday_within(b, w) IS NULL") == [3, 4, 6, 7, 8])
        #expect(f.select("birthday_within(b, 365)") == [0, 1, 2, 3, 4, 5, 9])
        #expect(f.select("birthday_within(b, 1 + 2)") == [0, 1, 2, 3])
    }

    @Test("A 29 February birthday counts on 28 February in years without a 29th")
    func leapDay() {
        var f = Fixture(rows: 3)
        f.dates("b", ["2000-02-29", "2001-02-28", "2001-03-01"])
        f.context = EvaluationContext(today: day("2025-02-27"), utcOffsetSeconds: 0)
        #expect(f.select("birthday_within(b, 0)") == [])
        #expect(f.select("birthday_within(b, 1)") == [0, 1])
        #expect(f.select("birthday_within(b, 2)") == [0, 1, 2])
        f.context = EvaluationContext(today: day("2024-02-27"), utcOffsetSeconds: 0)
        #expect(f.select("birthday_within(b, 1)") == [1])
        #expect(f.select("birthday_within(b, 2)") == [0, 1])
        #expect(f.select("birthday_within(b, 3)") == [0, 1, 2])
        f.context = EvaluationContext(today: day("2025-02-28"), utcOffsetSeconds: 0)
        #expect(f.select("birthday_within(b, 0)") == [0, 1])
    }

    @Test("birthday_within of a timestamp uses its local day")
    func birthdayOfTimestamp() {
        var f = Fixture(rows: 2)
        f.timestamps("born", ["1990-05-01 16:30:00", "1990-05-02 03:00:00"])
        f.context = EvaluationContext(today: day("2024-05-02"), utcOffsetSeconds: 28_800)
        #expect(f.select("birthday_within(born, 0)") == [0, 1])
        f.context.utcOffsetSeconds = 0
        #expect(f.select("birthday_within(born, 0)") == [1])
    }

    @Test("The days until a birthday equal a day-by-day walk of the window, for four years of todays")
    func birthdayOffsetsMatchWalk() {
        let start = day("2023-01-01")
        for today in stride(from: start, to: start + 1_461, by: 3) {
            let offsets = RuleSemantics.birthdayOffsets(today: today)
            var walked = [Int16](repeating: .max, count: 416)
            for k in 0...400 {
                let date = RuleSemantics.civil(fromDays: today + Int64(k))
                let index = date.month << 5 | date.day
                if walked[index] == .max { walked[index] = Int16(k) }
                if date.month == 2 && date.day == 28 && !RuleSemantics.isLeap(date.year) && walked[2 << 5 | 29] == .max
                {
                    walked[2 << 5 | 29] = Int16(k)
                }
            }
            #expect(offsets == walked, "today \(today)")
        }
    }

    @Test("Civil dates round-trip through day numbers")
    func civilRoundTrip() {
        #expect(RuleSemantics.days(year: 1970, month: 1, day: 1) == 0)
        #expect(day("2024-02-29") == 19_782)
        for d in stride(from: Int64(-800_000), to: 3_000_000, by: 997) {
            let date = RuleSemantics.civil(fromDays: d)
            #expect(RuleSemantics.days(year: date.year, month: Int64(date.month), day: Int64(date.day)) == d)
        }
    }
}

// MARK: - Tags, errors and chunks

@Suite("Rule evaluator: tags, segments, errors and chunks")
struct RuleEvaluatorBitmapTests {
    private var fixture: Fixture {
        var f = Fixture(rows: 6)
        f.integers("n", [1, 2, 3, 4, 5, 6])
        f.table.live.remove(5)
        f.tags = ["a": RoaringBitmap([0, 1, 2, 5]), "b": RoaringBitmap([1, 3])]
        f.segments = ["s": RoaringBitmap([2, 3])]
        return f
    }

    @Test("Tags and segments combine as sets; NOT means live rows outside")
    func tagAlgebra() {
        let f = fixture
        #expect(f.select("tag('a')") == [0, 1, 2])
        #expect(f.select("NOT tag('a')") == [3, 4])
        #expect(f.select("tag('a') AND NOT tag('b')") == [0, 2])
        #expect(f.select("tag('a') OR segment('s')") == [0, 1, 2, 3])
        #expect(f.select("NOT (tag('a') OR tag('b'))") == [4])
        #expect(f.select("NOT NOT tag('b')") == [1, 3])
        #expect(f.select("tag('a') AND n > 1") == [1, 2])
        #expect(f.select("tag('b') OR n IS NULL") == [1, 3])
        #expect(f.select("tag('a') = segment('s')") == [2, 4])
        #expect(f.select("coalesce(tag('a'), FALSE) AND NOT segment('s')") == [0, 1])
    }

    @Test("Missing tags, segments and columns, and columns of another type, are errors with stable codes")
    func errors() {
        var f = fixture
        f.tags["c"] = RoaringBitmap()
        f.segments["t"] = RoaringBitmap()
        let checker = f.checker
        f.tags["c"] = nil
        f.segments["t"] = nil
        let evaluator = f.evaluator
        func code(_ source: String, _ checker: RuleTypeChecker = checker) -> RuleEvaluationError.Code? {
            do {
                _ = try evaluator.evaluate(try checker.check(source))
                return nil
            } catch let error as RuleEvaluationError {
                return error.code
            } catch {
                return nil
            }
        }
        #expect(code("tag('c')") == .unknownTag)
        #expect(code("segment('t')") == .unknownSegment)
        #expect(throws: RuleEvaluationError.self) { try evaluator.matches(checker.check("tag('c')"), row: 0) }
        let ghost = RuleTypeChecker(schema: RuleSchema(attributes: ["ghost": .integer, "n": .decimal]))
        #expect(code("ghost > 1", ghost) == .unknownColumn)
        #expect(code("n > 1", ghost) == .columnTypeMismatch)
        #expect(RuleEvaluationError(.unknownTag, "x", at: .none).panoramaError.kind == .conflict)
        #expect(RuleEvaluationError(.decimalTooPrecise, "x", at: .none).panoramaError.kind == .badRequest)
    }

    @Test("Across chunks: results, counts, first rows and single rows agree with a direct computation")
    func chunks() throws {
        // Given 200,000 rows (four chunks, the last partial) whose second chunk is mostly dead
        let rows = 200_000
        var table = CustomerTable()
        table.resize(to: rows)
        var n = Column(type: .integer, count: rows)
        var spend = Column(type: .decimal, count: rows)
        for row in 0..<rows {
            n.set(row, row % 7 == 0 ? nil : Int64(row % 100))
            spend.set(row, Int64(row % 13) * 5_000)
        }
        table.setColumn("n", n)
        table.setColumn("spend", spend)
        table.live = RoaringBitmap(range: 0..<UInt32(rows)).subtracting(RoaringBitmap(range: 65_600..<131_000))
        let a = RoaringBitmap((0..<UInt32(rows)).filter { $0 % 3 == 0 })
        let b = RoaringBitmap((0..<UInt32(rows)).filter { $0 % 1000 == 1 })
        let schema = RuleSchema(attributes: table.types, tags: ["a", "b"])
        let evaluator = RuleEvaluator(
            table: table, context: EvaluationContext(today: 0, utcOffsetSeconds: 0), tags: ["a": a, "b": b],
            segments: [:])
        let cases: [(String, (Int) -> Bool)] = [
            ("n >= 50 AND tag('a')", { $0 % 7 != 0 && $0 % 100 >= 50 && $0 % 3 == 0 }),
            (
                "spend / n > 1 OR NOT tag('a')",
                { r in
                    let q =
                        r % 7 == 0 || r % 100 == 0 ? nil : (Int64(r % 13) * 5_000 * 10_000) / Int64(r % 100 * 10_000)
                    return (q.map { $0 > 10_000 } ?? false) || r % 3 != 0
                }
            ),
            ("tag('b') AND n > 0", { $0 % 1000 == 1 && $0 % 7 != 0 }),
            ("NOT tag('a') AND NOT tag('b')", { $0 % 3 != 0 && $0 % 1000 != 1 }),
        ]
        for (source, expectation) in cases {
            let rule = try RuleTypeChecker(schema: schema).check(source)
            let expected = (0..<rows).filter { table.live.contains(UInt32($0)) && expectation($0) }
            // When evaluated in chunks on all cores
            let result = try evaluator.evaluate(rule)
            // Then every path gives the directly computed rows
            #expect(result.map(Int.init) == expected, "\(source)")
            #expect(try evaluator.count(rule) == expected.count, "\(source)")
            #expect(try evaluator.first(100, of: rule).map(Int.init) == Array(expected.prefix(100)), "\(source)")
            for row in stride(from: 0, to: rows, by: 997) {
                #expect(try evaluator.matches(rule, row: row) == expected.contains(row), "\(source) row \(row)")
            }
        }
        #expect(try !evaluator.matches(RuleTypeChecker(schema: schema).check("n IS NULL"), row: rows))
    }
}

// MARK: - Bitmap helpers

@Suite("Roaring chunk helpers")
struct RoaringChunkTests {
    @Test("Words become an array container up to 4096 members and a bitmap above, and copy back")
    func wordsRoundTrip() {
        for count in [1, 4096, 4097, 65_536] {
            var words = [UInt64](repeating: 0, count: 1024)
            var set = Set<Int>()
            var rng = SplitMix64(seed: UInt64(count))
            while set.count < count { set.insert(Int.random(in: 0..<65_536, using: &rng)) }
            for value in set { words[value >> 6] |= 1 << UInt64(value & 63) }
            let container = words.withUnsafeBufferPointer {
                RoaringContainer.make(words: $0.baseAddress!, cardinality: count)
            }!
            switch container {
            case .array(let values): #expect(count <= 4096 && values == set.sorted().map { UInt16($0) })
            case .bitmap(let bits): #expect(count > 4096 && bits.words == words)
            }
            var copied = [UInt64](repeating: ~0, count: 1024)
            copied.withUnsafeMutableBufferPointer { container.copyWords(into: $0.baseAddress!) }
            #expect(copied == words)
            var scratch = [UInt64](repeating: 0, count: 1024)
            let borrowed = scratch.withUnsafeMutableBufferPointer { buffer in
                container.withWords(scratch: buffer.baseAddress!) { Array(UnsafeBufferPointer(start: $0, count: 1024)) }
            }
            #expect(borrowed == words)
        }
        #expect(
            [UInt64](repeating: 0, count: 1024).withUnsafeBufferPointer {
                RoaringContainer.make(words: $0.baseAddress!, cardinality: 0)
            } == nil)
    }

    @Test("Chunk indexes point at each present chunk; chunks assemble into the same bitmap")
    func chunkIndexes() {
        let bitmap = RoaringBitmap([1, 70_000, 200_000, 200_001])
        #expect(bitmap.chunkIndexes(chunkCount: 4) == [0, 1, -1, 2])
        #expect(bitmap.chunkIndexes(chunkCount: 2) == [0, 1])
        #expect(bitmap.chunkIndex(3) == 2)
        #expect(bitmap.chunkIndex(2) == nil)
        let rebuilt = RoaringBitmap(sortedChunks: zip(bitmap.keys, bitmap.containers).map { ($0, $1) })
        #expect(rebuilt == bitmap)
    }
}

// MARK: - Speed

/// Prints evaluation timings; asserts nothing about time (the machine is shared). Run it in
/// release for meaningful figures (10,000,000 rows; 200,000 in debug):
/// `swift test -c release --filter RuleEvaluatorSpeed`.
@Suite("RuleEvaluatorSpeed")
struct RuleEvaluatorSpeedTests {
    #if DEBUG
        static let rows = 200_000
    #else
        static let rows = 10_000_000
    #endif

    static let tagNames = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]

    /// A synthetic customer table: order counts, spend, cities, genders, dates and eight tags of
    /// densities from 70 % down to 0.1 %.
    static func workload() -> (CustomerTable, [String: RoaringBitmap]) {
        let rows = Self.rows
        var rng = SplitMix64(seed: 42)
        var table = CustomerTable()
        table.resize(to: rows)
        var c30 = Column(type: .integer, count: rows)
        var gender = Column(type: .integer, count: rows)
        var s90 = Column(type: .decimal, count: rows)
        var city = Column(type: .integer, count: rows)
        var spend = Column(type: .decimal, count: rows)
        var cnt = Column(type: .integer, count: rows)
        var lastOrder = Column(type: .timestamp, count: rows)
        var signup = Column(type: .date, count: rows)
        var birthday = Column(type: .date, count: rows)
        var cityName = Column(type: .string, count: rows)
        let codes = (1...300).map { cityName.dictionary.code(for: "City_\($0)") }
        let today = day("2026-06-30")
        for row in 0..<rows {
            let r = rng.next()
            let orders = Int64(r & 31) % 21
            cnt.set(row, orders)
            c30.set(row, Int64((r >> 5) & 7))
            gender.set(row, (r >> 8) & 15 == 0 ? nil : Int64((r >> 12) % 3))
            s90.set(row, Int64((r >> 14) % 20_000_000))
            city.set(row, Int64((r >> 20) % 100) + 1)
            spend.set(row, orders == 0 ? 0 : Int64((r >> 27) % 100_000_000))
            lastOrder.set(
                row, orders == 0 ? nil : (today - Int64((r >> 40) % 730)) * 86_400 + Int64((r >> 50) % 86_400))
            signup.set(row, today - Int64((r >> 30) % 3_000))
            birthday.set(row, (r >> 62) == 0 ? nil : day("1950-01-01") + Int64((r >> 37) % 20_000))
            cityName.set(row, codes[Int((r >> 44) % 300)])
        }
        for (name, column) in [
            ("c30", c30), ("gender", gender), ("s90", s90), ("city", city), ("spend", spend), ("cnt", cnt),
            ("last_order", lastOrder), ("signup", signup), ("birthday", birthday), ("city_name", cityName),
        ] {
            table.setColumn(name, column)
        }
        table.live = RoaringBitmap(range: 0..<UInt32(rows)).subtracting(RoaringBitmap(range: 1_000..<1_100))
        var tags: [String: RoaringBitmap] = [:]
        for (name, perMille) in zip(tagNames, [700, 500, 300, 200, 100, 50, 10, 1]) {
            var members: [UInt32] = []
            members.reserveCapacity(rows * perMille / 900)
            for row in 0..<UInt32(rows) where rng.next() % 1000 < perMille { members.append(row) }
            tags[name] = RoaringBitmap(members)
        }
        return (table, tags)
    }

    static let rules = [
        "c30 >= 3", "gender = 1 AND s90 > 500", "city BETWEEN 11 AND 50", "spend / cnt > 300",
        "days_since(last_order) > 180", "city <= 10", "cnt = 0", "cnt >= 10", "s90 > 1000",
        "signup >= DATE '2020-01-01'", "days_since(signup) <= 30",
        "city_name IN ('City_1', 'City_2', 'City_3', 'City_4', 'City_5', 'City_6', 'City_7', 'City_8')",
        "city_name LIKE 'city_1%'", "lower(city_name) = 'city_7'", "birthday_within(birthday, 7)",
        "cnt = 0 AND c30 > 0", "gender = 2 AND cnt >= 2", "spend > 3000", "s90 * 2 > spend",
        "coalesce(last_order, signup) >= DATE '2026-01-01'",
    ]

    private static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private static func summary(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        let median = sorted[sorted.count / 2]
        let p95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
        return String(
            format: "median %.3f ms, p95 %.3f ms, worst %.3f ms (%d runs)", median, p95, sorted.last!, sorted.count)
    }

    @Test("Prints timings of rule tags, tag combinations, previews and single rows")
    func speed() throws {
        let built = Date()
        let (table, tags) = Self.workload()
        print(String(format: "[speed] %d rows built in %.1f s", Self.rows, Date().timeIntervalSince(built)))
        let context = EvaluationContext(today: day("2026-06-30"), utcOffsetSeconds: 28_800)
        let evaluator = RuleEvaluator(table: table, context: context, tags: tags, segments: [:])
        let checker = RuleTypeChecker(schema: RuleSchema(attributes: table.types, tags: Set(Self.tagNames)))
        _ = try evaluator.count(checker.check("c30 >= 3"))  // start the worker threads

        // Rule tags: evaluate (a bitmap) and count, median of 3.
        var total = 0.0
        for source in Self.rules {
            let rule = try checker.check(source)
            var bitmap = RoaringBitmap()
            let evaluations = try (0..<3).map { _ in try Self.milliseconds { bitmap = try evaluator.evaluate(rule) } }
            var count = 0
            let counts = try (0..<3).map { _ in try Self.milliseconds { count = try evaluator.count(rule) } }
            #expect(count == bitmap.count, "\(source)")
            let median = evaluations.sorted()[1]
            total += median
            print(
                String(
                    format: "[speed] %8.2f ms evaluate, %8.2f ms count  %9d rows  %@", median, counts.sorted()[1],
                    count, source))
        }
        print(String(format: "[speed] 20 rule tags: %.1f ms in total (evaluate)", total))

        // Segments: 3–5 tags under AND, OR and NOT.
        var rng = SplitMix64(seed: 5)
        var combinations: [String] = []
        for _ in 0..<60 {
            let names = Self.tagNames.shuffled(using: &rng).prefix(Int.random(in: 3...5, using: &rng))
            var text = "tag('\(names.first!)')"
            for name in names.dropFirst() {
                let term =
                    Bool.random(using: &rng) && Int.random(in: 0..<3, using: &rng) == 0
                    ? "NOT tag('\(name)')" : "tag('\(name)')"
                text = Bool.random(using: &rng) ? "\(text) AND \(term)" : "(\(text)) OR \(term)"
            }
            combinations.append(text)
        }
        var countTimes: [Double] = []
        var previewTimes: [Double] = []
        var evaluateTimes: [Double] = []
        for source in combinations {
            let rule = try checker.check(source)
            for _ in 0..<3 {
                countTimes.append(try Self.milliseconds { _ = try evaluator.count(rule) })
                previewTimes.append(try Self.milliseconds { _ = try evaluator.first(100, of: rule) })
            }
            evaluateTimes.append(try Self.milliseconds { _ = try evaluator.evaluate(rule) })
        }
        print("[speed] segment count (3–5 tags):      \(Self.summary(countTimes))")
        print("[speed] segment first 100 (3–5 tags):  \(Self.summary(previewTimes))")
        print("[speed] segment bitmap (3–5 tags):     \(Self.summary(evaluateTimes))")
        print("[speed] e.g. \(combinations[0]) → \(try evaluator.count(checker.check(combinations[0]))) rows")

        var rulePreviews: [Double] = []
        for source in Self.rules {
            let rule = try checker.check(source)
            rulePreviews.append(try Self.milliseconds { _ = try evaluator.first(100, of: rule) })
        }
        print("[speed] rule first 100:                \(Self.summary(rulePreviews))")

        // The real-time path: one row at a time.
        for source in [
            "gender = 1 AND s90 > 500", "city_name IN ('City_1', 'City_2') AND tag('t3')",
            "birthday_within(birthday, 7)",
        ] {
            let rule = try checker.check(source)
            let calls = 20_000
            let elapsed = try Self.milliseconds {
                for i in 0..<calls { _ = try evaluator.matches(rule, row: (i &* 7919) % Self.rows) }
            }
            print(String(format: "[speed] matches(row:) %.2f µs per call  %@", elapsed * 1000 / Double(calls), source))
        }
    }
}
