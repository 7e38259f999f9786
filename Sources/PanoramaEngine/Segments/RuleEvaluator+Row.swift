import PanoramaCore

/// Evaluates a checked rule for one row straight from its typed tree: the real-time path after
/// an ingested event, and an implementation independent of the vector one for tests to compare.
struct RuleRowInterpreter {
    /// A value in the column encoding; booleans are numbers 0 and 1.
    enum Value {
        case null
        case number(Int64)
        case string(String)
    }

    let table: CustomerTable
    let context: EvaluationContext
    let tags: [String: RoaringBitmap]
    let segments: [String: RoaringBitmap]
    let row: Int

    // MARK: Conditions

    /// The truth of a boolean expression for the row.
    func truth(_ e: RuleExpression) throws(RuleEvaluationError) -> Truth {
        switch e.kind {
        case .tag(let name):
            guard let members = tags[name] else {
                throw RuleEvaluationError(.unknownTag, "no members were given for tag '\(name)'", at: e.span)
            }
            return Truth(members.contains(UInt32(row)))
        case .segment(let name):
            guard let members = segments[name] else {
                throw RuleEvaluationError(.unknownSegment, "no members were given for segment '\(name)'", at: e.span)
            }
            return Truth(members.contains(UInt32(row)))
        case .unary(.not, let operand):
            return try truth(operand).negated
        case .binary(.and, let l, let r):
            return try truth(l).and(try truth(r))
        case .binary(.or, let l, let r):
            return try truth(l).or(try truth(r))
        case .binary(let op, let l, let r) where op.isComparison:
            let common = try RuleSemantics.commonType([l, r])
            return Self.compare(Comparison(op)!, try value(l, as: common), try value(r, as: common))
        case .inList(let subject, let items, let negated):
            let common = try RuleSemantics.commonType([subject] + items)
            let x = try value(subject, as: common)
            var found = Truth.false
            for item in items { found = found.or(Self.compare(.equal, x, try value(item, as: common))) }
            return negated ? found.negated : found
        case .between(let subject, let low, let high, let negated):
            let common = try RuleSemantics.commonType([subject, low, high])
            let x = try value(subject, as: common)
            let within = Self.compare(.greaterOrEqual, x, try value(low, as: common))
                .and(Self.compare(.lessOrEqual, x, try value(high, as: common)))
            return negated ? within.negated : within
        case .isNull(let subject, let negated):
            let null: Bool = if case .null = try value(subject) { true } else { false }
            return Truth(null != negated)
        case .like(let subject, let pattern, let negated):
            guard case .string(let s) = try value(subject), case .string(let p) = try value(pattern) else {
                return .unknown
            }
            let matched = LikePattern(p).matches(s)
            return Truth(matched != negated)
        case .call("birthday_within", let arguments) where arguments.count == 2:
            let window: Int64? = if case .number(let n) = try value(arguments[1], as: .integer) { n } else { nil }
            return RuleSemantics.birthdayWithin(try localDay(arguments[0]), window, today: context.today)
        default:
            guard case .number(let v) = try value(e) else { return .unknown }
            return Truth(v != 0)
        }
    }

    private static func compare(_ op: Comparison, _ l: Value, _ r: Value) -> Truth {
        switch (l, r) {
        case (.number(let a), .number(let b)): Truth(op.holds(a, b))
        case (.string(let a), .string(let b)): Truth(op.holds(RuleSemantics.compare(a, b)))
        default: .unknown
        }
    }

    // MARK: Values

    /// `e` in the encoding of `type` (its own type or one it converts to implicitly).
    func value(_ e: RuleExpression, as type: RuleType) throws(RuleEvaluationError) -> Value {
        let v = try value(e)
        guard case .number(let n) = v, let from = e.type, from != type else { return v }
        return RuleSemantics.convert(n, from: from, to: type, offset: context.utcOffsetSeconds).map(Value.number)
            ?? .null
    }

    /// `e` in the encoding of its own type.
    func value(_ e: RuleExpression) throws(RuleEvaluationError) -> Value {
        guard let type = e.type else { throw RuleEvaluationError.unchecked(e) }
        switch e.kind {
        case .literal(let literal):
            switch literal {
            case .integer(let text): return .number(try RuleSemantics.integer(literal: text, at: e.span))
            case .decimal(let text): return .number(try RuleSemantics.decimal(literal: text, at: e.span))
            case .string(let s): return .string(s)
            case .boolean(let b): return .number(b ? 1 : 0)
            case .date(let text): return .number(RuleSemantics.days(ofDateLiteral: text))
            case .null: return .null
            }
        case .name(let parts):
            let name = RuleExpression.key(parts)
            guard let column = table.columns[name] else {
                throw RuleEvaluationError(.unknownColumn, "the customer table has no column '\(name)'", at: e.span)
            }
            guard column.type == type else {
                throw RuleEvaluationError(
                    .columnTypeMismatch, "column '\(name)' is \(column.type) but the rule was checked as \(type)",
                    at: e.span)
            }
            guard row < column.count, row < column.present.count, column.present[row] else { return .null }
            let v = column.values[row]
            guard type == .string else { return .number(v) }
            let strings = column.dictionary.strings
            return v >= 0 && v < Int64(strings.count) ? .string(strings[Int(v)]) : .null
        case .call("days_since", let arguments) where arguments.count == 1:
            guard let day = try localDay(arguments[0]) else { return .null }
            return RuleSemantics.subtract(context.today, day).map(Value.number) ?? .null
        case .call(let name, let arguments) where (name == "lower" || name == "upper") && arguments.count == 1:
            guard case .string(let s) = try value(arguments[0]) else { return .null }
            return .string(RuleSemantics.mapCase(s, upper: name == "upper"))
        case .call("coalesce", let arguments):
            for argument in arguments {
                let v = try value(argument, as: type)
                if case .null = v { continue }
                return v
            }
            return .null
        case .unary(.negate, let operand):
            guard case .number(let x) = try value(operand, as: type) else { return .null }
            return RuleSemantics.subtract(0, x).map(Value.number) ?? .null
        case .binary(let op, let l, let r) where !op.isComparison && op != .and && op != .or:
            guard case .number(let a) = try value(l, as: type), case .number(let b) = try value(r, as: type) else {
                return .null
            }
            let result: Int64? =
                switch (op, type) {
                case (.add, _): RuleSemantics.add(a, b)
                case (.subtract, _): RuleSemantics.subtract(a, b)
                case (.multiply, .integer): RuleSemantics.multiply(a, b)
                case (.multiply, _): RuleSemantics.multiplyDecimal(a, b)
                default: RuleSemantics.divideDecimal(a, b)
                }
            return result.map(Value.number) ?? .null
        default:
            guard type == .boolean else { throw RuleEvaluationError.unchecked(e) }
            switch try truth(e) {
            case .true: return .number(1)
            case .false: return .number(0)
            case .unknown: return .null
            }
        }
    }

    /// The local day of a date or timestamp expression, nil when NULL.
    private func localDay(_ e: RuleExpression) throws(RuleEvaluationError) -> Int64? {
        guard case .number(let v) = try value(e) else { return nil }
        guard e.type == .timestamp else { return v }
        return RuleSemantics.localDay(ofTimestamp: v, offset: context.utcOffsetSeconds)
    }
}
