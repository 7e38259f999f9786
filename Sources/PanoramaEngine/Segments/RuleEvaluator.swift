import PanoramaCore

/// Evaluates tag and segment rules over the customer table.
///
/// ## Semantics
/// `RuleSQLCompiler` compiles the same rules to SQLite with exactly these semantics; the
/// agreement tests hold both to them.
/// - **NULL.** SQL three-valued logic: a comparison, arithmetic or function with a NULL operand
///   is NULL (except `coalesce` and `IS [NOT] NULL`); AND, OR and NOT are Kleene's. A rule
///   selects the live rows where it is TRUE.
/// - **IN.** `x IN (a, b)` is TRUE when `x` equals an item, else NULL when `x` or an item is
///   NULL, else FALSE; `NOT IN` is its negation. `x BETWEEN lo AND hi` is
///   `x >= lo AND x <= hi`.
/// - **Numbers.** Integers are `Int64`; decimals are fixed point × 10⁴ (`Column.decimalScale`).
///   An integer meeting a decimal is scaled by 10⁴. `+`, `-` and negation are exact; the
///   product of decimals is `(a * b) / 10⁴` and `/` always gives a decimal
///   `(a * 10⁴) / b`, both truncated toward zero; division by zero is NULL. A decimal literal
///   with more than four fractional digits is an error (`decimal_too_precise`). A result
///   outside `Int64` is NULL (SQLite would turn to floating point: rules must stay far below
///   that).
/// - **Strings.** Compared byte-wise by UTF-8 (SQLite's BINARY collation). `lower` and `upper`
///   change ASCII letters only. `LIKE` knows `%` and `_`, has no escape character and ignores
///   case for ASCII letters only (SQLite's built-in LIKE).
/// - **Dates and timestamps.** Dates are days since 1970-01-01, timestamps UTC seconds. A date
///   meeting a timestamp becomes the timestamp of its local midnight,
///   `days × 86400 − utcOffsetSeconds`. `days_since(x)` is `today − localDay(x)` with
///   `localDay(timestamp) = floor((ts + offset) / 86400)`.
/// - **Birthdays.** `birthday_within(b, n)` is TRUE when the month and day of `b`'s local day
///   fall on one of the days `today … today + n`; a 29 February birthday counts on 28 February
///   in other years. NULL when `b` or `n` is NULL, `n` is negative, or `b` lies outside
///   1000-01-01…9999-12-31 (where SQLite's calendar is exact).
/// - **Tags and segments.** `tag('x')` and `segment('y')` are membership in the bitmaps given,
///   never NULL; a name with no bitmap is an error.
///
/// ## Speed
/// `evaluate` and `count` run a program lowered from the rule over chunks of 65,536 rows on all
/// cores (see `RuleProgramExecution`): column-versus-constant predicates produce bits straight
/// from the column, string predicates are decided once per distinct string, and tags and
/// segments are combined as words of their containers. `matches` interprets the rule for one
/// row and costs microseconds.
public struct RuleEvaluator: Sendable {
    /// The rows and columns rules read.
    public let table: CustomerTable
    /// Today and the UTC offset of the workspace.
    public let context: EvaluationContext
    /// Members of each tag rules may refer to.
    public let tags: [String: RoaringBitmap]
    /// Members of each segment rules may refer to.
    public let segments: [String: RoaringBitmap]

    /// An evaluator over `table` on the day and in the time zone of `context`.
    public init(
        table: CustomerTable, context: EvaluationContext, tags: [String: RoaringBitmap],
        segments: [String: RoaringBitmap]
    ) {
        self.table = table
        self.context = context
        self.tags = tags
        self.segments = segments
    }

    /// The live rows where the rule is TRUE.
    public func evaluate(_ rule: CheckedRule) throws(RuleEvaluationError) -> RoaringBitmap {
        try execution(rule).bitmap()
    }

    /// How many live rows the rule is TRUE for, counted without building the bitmap.
    public func count(_ rule: CheckedRule) throws(RuleEvaluationError) -> Int {
        try execution(rule).count()
    }

    /// The first `n` live rows (ascending) where the rule is TRUE, for previews: chunks are
    /// evaluated in order only until `n` rows are found.
    public func first(_ n: Int, of rule: CheckedRule) throws(RuleEvaluationError) -> [UInt32] {
        try execution(rule).first(n)
    }

    /// Whether `row` is live and the rule is TRUE for it; false for a row outside the table.
    ///
    /// Interprets the rule for this row alone (the real-time path after an ingested event).
    public func matches(_ rule: CheckedRule, row: Int) throws(RuleEvaluationError) -> Bool {
        guard row >= 0, row < table.rowCount, row <= Int(UInt32.max), table.live.contains(UInt32(row)) else {
            return false
        }
        let interpreter = RuleRowInterpreter(table: table, context: context, tags: tags, segments: segments, row: row)
        return try interpreter.truth(rule.expression) == .true
    }

    private func execution(_ rule: CheckedRule) throws(RuleEvaluationError) -> RuleProgramExecution {
        let program = try RuleProgramBuilder.program(
            for: rule, table: table, context: context, tags: tags, segments: segments)
        return RuleProgramExecution(program: program, rowCount: table.rowCount, live: table.live)
    }
}

/// Why a rule could not be evaluated or compiled, with a stable `code`.
public struct RuleEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable failure codes.
    public enum Code: String, Sendable, Hashable {
        /// A decimal literal has more than four fractional digits.
        case decimalTooPrecise = "decimal_too_precise"
        /// A number literal does not fit 64 bits.
        case numberOutOfRange = "number_out_of_range"
        /// The rule reads a name the customer table has no column for.
        case unknownColumn = "unknown_column"
        /// The column's type differs from the type the rule was checked with.
        case columnTypeMismatch = "column_type_mismatch"
        /// No bitmap was given for a tag the rule refers to.
        case unknownTag = "unknown_tag"
        /// No bitmap was given for a segment the rule refers to.
        case unknownSegment = "unknown_segment"
        /// The expression did not come from `RuleTypeChecker` (a node without a type).
        case uncheckedRule = "unchecked_rule"
    }

    /// What went wrong.
    public let code: Code
    /// An English explanation.
    public let message: String
    /// The rule text at fault.
    public let span: SourceSpan

    /// Creates an error.
    public init(_ code: Code, _ message: String, at span: SourceSpan) {
        self.code = code
        self.message = message
        self.span = span
    }

    public var description: String { "\(span): \(code.rawValue): \(message)" }

    /// The domain error for the HTTP layer: the rule's own mistakes are bad requests; a table
    /// or bitmap out of step with the rule is a conflict.
    public var panoramaError: PanoramaError {
        switch code {
        case .decimalTooPrecise, .numberOutOfRange, .uncheckedRule:
            .badRequest(code.rawValue, description, field: "rule")
        case .unknownColumn, .columnTypeMismatch, .unknownTag, .unknownSegment: .conflict(code.rawValue, message)
        }
    }

    static func unchecked(_ e: RuleExpression) -> RuleEvaluationError {
        RuleEvaluationError(.uncheckedRule, "the rule was not type-checked: '\(e)' has no usable type", at: e.span)
    }
}
