import PanoramaCore

/// A checked rule lowered for vector evaluation: a flat list of nodes in which every node reads
/// only earlier ones, so a batch of rows is evaluated by running the list once, in order.
///
/// Value nodes give an `Int64` per row in the column encoding plus a validity bit (clear =
/// NULL); condition nodes give a TRUE bit and a FALSE bit per row (neither = UNKNOWN). Strings
/// travel as codes into a list of strings known when the rule is lowered, so string predicates
/// are decided once per distinct string and looked up per row (`codeTable`).
struct RuleProgram {
    /// Two-operand arithmetic on encoded values; every overflow gives NULL.
    enum Arithmetic: Sendable {
        case add, subtract, multiply
        /// `(a * b) / 10⁴` truncated toward zero.
        case multiplyDecimal
        /// `(a * 10⁴) / b` truncated toward zero; NULL when `b` is 0.
        case divideDecimal
    }

    /// One operation; operands are indexes of earlier nodes.
    enum Node {
        // Values.
        /// A column of the table (index into `columns`), read in place.
        case column(Int)
        case constant(Int64?)
        case arithmetic(Arithmetic, Int, Int)
        /// `x * factor` (an integer made decimal).
        case scale(Int, by: Int64)
        /// The timestamp at which a local day starts: `x * 86400 - offset`.
        case timestampOfDay(Int)
        /// The local day of a timestamp: `floor((x + offset) / 86400)`.
        case localDay(Int)
        /// The first operand that is not NULL, row by row.
        case coalesce([Int])
        /// String codes moved up by `by` into a concatenated list of strings (no overflow check).
        case shift(Int, by: Int64)
        /// String codes mapped through a table (to ranks); codes past the table map to its last entry.
        case lookup(Int, [Int64])
        /// A condition as a value: TRUE 1, FALSE 0, UNKNOWN NULL.
        case booleanValue(Int)

        // Conditions.
        case truth(Truth)
        /// A tag or segment (index into `bitmaps`): TRUE for members, FALSE otherwise, never UNKNOWN.
        case bitmap(Int)
        case not(Int)
        case and([Int])
        case or([Int])
        case compare(Comparison, Int, Int)
        case compareConstant(Comparison, Int, Int64)
        /// `low <= x AND x <= high` with constant bounds.
        case between(Int, Int64, Int64)
        /// `x IN (set)`; with `orUnknown` a row that matches nothing is UNKNOWN (the list held a NULL).
        case inSet(Int, [Int64], orUnknown: Bool)
        /// A predicate of string codes decided per code: entries are `Truth` raw values, one per
        /// code plus a last UNKNOWN entry that out-of-range codes map to.
        case codeTable(Int, [UInt8])
        case isNull(Int)
        /// A boolean value as a condition: 1 TRUE, 0 FALSE, NULL UNKNOWN.
        case isTrue(Int)
        /// `subjects[x] LIKE patterns[p]` where both sides vary by row.
        case like(Int, Int, subjects: [String], patterns: [LikePattern])
        /// `birthday_within` of a local day and a window, with the days until each
        /// `RuleSemantics.monthDayIndex` computed once.
        case birthday(Int, Int, offsets: [Int16])

        /// Whether the node gives TRUE/FALSE bits rather than values.
        var isCondition: Bool {
            switch self {
            case .column, .constant, .arithmetic, .scale, .timestampOfDay, .localDay, .coalesce, .shift, .lookup,
                .booleanValue:
                false
            default: true
            }
        }

        /// The nodes this one reads.
        var operands: [Int] {
            switch self {
            case .column, .constant, .truth, .bitmap: []
            case .arithmetic(_, let a, let b), .compare(_, let a, let b), .like(let a, let b, _, _),
                .birthday(let a, let b, _):
                [a, b]
            case .scale(let a, _), .timestampOfDay(let a), .localDay(let a), .shift(let a, _), .lookup(let a, _),
                .booleanValue(let a), .not(let a), .compareConstant(_, let a, _), .between(let a, _, _),
                .inSet(let a, _, _), .codeTable(let a, _), .isNull(let a), .isTrue(let a):
                [a]
            case .coalesce(let list), .and(let list), .or(let list): list
            }
        }
    }

    /// All nodes; `order` lists the ones the root needs, in evaluation order.
    var nodes: [Node]
    /// Whether each condition node is never UNKNOWN (then its FALSE bits are the complement of
    /// its TRUE bits and are not stored).
    var definite: [Bool]
    /// The nodes reachable from the root, ascending.
    var order: [Int]
    /// The condition whose TRUE rows are the result.
    var root: Int
    /// The columns read, by `Node.column` index.
    var columns: [Column]
    /// The tag and segment bitmaps read, by `Node.bitmap` index.
    var bitmaps: [RoaringBitmap]
    /// Bitmaps the root cannot be TRUE outside of (it is an AND over them): chunks where one is
    /// empty are skipped.
    var required: [Int]
    /// Seconds east of UTC of the evaluation context.
    var utcOffsetSeconds: Int64

    /// Whether any reachable node computes values (then batches are small enough for values to
    /// stay in cache); column reads and constants cost nothing per batch.
    var computesValues: Bool {
        order.contains { id in
            switch nodes[id] {
            case .column, .constant: false
            case let node: !node.isCondition
            }
        }
    }
}

/// Lowers a checked rule into a `RuleProgram`: resolves names, applies the implicit conversions
/// (integer → decimal, date → timestamp), folds constants and picks the fused node for each
/// predicate whose other operands are constants.
struct RuleProgramBuilder {
    /// A lowered operand.
    enum Operand {
        /// A non-string value known now (booleans as 0/1); nil is NULL.
        case constant(Int64?)
        /// A string known now; nil is NULL.
        case string(String?)
        /// Per-row values of a node.
        case node(Int)
        /// Per-row codes of a node into `strings`.
        case codes(Int, [String])
    }

    let table: CustomerTable
    let context: EvaluationContext
    let tags: [String: RoaringBitmap]
    let segments: [String: RoaringBitmap]

    private var nodes: [RuleProgram.Node] = []
    private var definite: [Bool] = []
    private var columnNodes: [String: Int] = [:]
    private var columns: [Column] = []
    private var bitmapNodes: [String: Int] = [:]
    private var bitmaps: [RoaringBitmap] = []

    /// A builder resolving names against `table`, tags and segments, on the day of `context`.
    init(
        table: CustomerTable, context: EvaluationContext, tags: [String: RoaringBitmap],
        segments: [String: RoaringBitmap]
    ) {
        self.table = table
        self.context = context
        self.tags = tags
        self.segments = segments
    }

    /// The program for `rule`.
    static func program(
        for rule: CheckedRule, table: CustomerTable, context: EvaluationContext, tags: [String: RoaringBitmap],
        segments: [String: RoaringBitmap]
    ) throws(RuleEvaluationError) -> RuleProgram {
        var builder = RuleProgramBuilder(table: table, context: context, tags: tags, segments: segments)
        let root = try builder.condition(rule.expression)
        return builder.finish(root: root)
    }

    private func finish(root: Int) -> RuleProgram {
        var reachable = [Bool](repeating: false, count: nodes.count)
        reachable[root] = true
        for id in stride(from: root, through: 0, by: -1) where reachable[id] {
            for operand in nodes[id].operands { reachable[operand] = true }
        }
        return RuleProgram(
            nodes: nodes, definite: definite, order: (0..<nodes.count).filter { reachable[$0] }, root: root,
            columns: columns, bitmaps: bitmaps, required: required(root), utcOffsetSeconds: context.utcOffsetSeconds)
    }

    private func required(_ id: Int) -> [Int] {
        switch nodes[id] {
        case .bitmap(let index): [index]
        case .and(let children): children.flatMap(required)
        default: []
        }
    }

    // MARK: Nodes

    private mutating func add(_ node: RuleProgram.Node, definite isDefinite: Bool = false) -> Int {
        nodes.append(node)
        definite.append(isDefinite)
        return nodes.count - 1
    }

    private func truthConstant(_ id: Int) -> Truth? {
        if case .truth(let t) = nodes[id] { return t }
        return nil
    }

    private mutating func truth(_ t: Truth) -> Int { add(.truth(t), definite: t != .unknown) }

    /// A node for an operand known now, or the operand's own node.
    private mutating func node(_ operand: Operand) -> Int {
        switch operand {
        case .constant(let v): add(.constant(v))
        case .string(let s): add(.constant(s == nil ? nil : 0))  // code 0 of a one-string list
        case .node(let id), .codes(let id, _): id
        }
    }

    private mutating func not(_ c: Int) -> Int {
        if let t = truthConstant(c) { return truth(t.negated) }
        if case .not(let inner) = nodes[c] { return inner }
        return add(.not(c), definite: definite[c])
    }

    /// AND (`isAnd`) or OR of conditions, flattened, with constants folded.
    private mutating func junction(_ isAnd: Bool, _ operands: [Int]) -> Int {
        let absorbing: Truth = isAnd ? .false : .true
        var children: [Int] = []
        var sawUnknown = false
        for c in operands {
            switch (truthConstant(c), nodes[c]) {
            case (absorbing?, _): return truth(absorbing)
            case (.unknown?, _):
                if !sawUnknown { children.append(c) }
                sawUnknown = true
            case (_?, _): continue  // the neutral constant
            case (nil, .and(let inner)) where isAnd: children += inner
            case (nil, .or(let inner)) where !isAnd: children += inner
            default: children.append(c)
            }
        }
        if children.isEmpty { return truth(absorbing.negated) }
        if children.count == 1 { return children[0] }
        return add(isAnd ? .and(children) : .or(children), definite: children.allSatisfy { definite[$0] })
    }

    private mutating func column(_ name: String, type: RuleType, at span: SourceSpan) throws(RuleEvaluationError)
        -> Operand
    {
        guard let column = table.columns[name] else {
            throw RuleEvaluationError(.unknownColumn, "the customer table has no column '\(name)'", at: span)
        }
        guard column.type == type else {
            throw RuleEvaluationError(
                .columnTypeMismatch, "column '\(name)' is \(column.type) but the rule was checked as \(type)",
                at: span)
        }
        if type == .null { return .constant(nil) }
        let id: Int
        if let existing = columnNodes[name] {
            id = existing
        } else {
            columns.append(column)
            id = add(.column(columns.count - 1))
            columnNodes[name] = id
        }
        return type == .string ? .codes(id, column.dictionary.strings) : .node(id)
    }

    private mutating func bitmap(_ kind: String, _ name: String, at span: SourceSpan) throws(RuleEvaluationError)
        -> Int
    {
        let key = kind + ":" + name
        if let id = bitmapNodes[key] { return id }
        guard let members = kind == "tag" ? tags[name] : segments[name] else {
            throw RuleEvaluationError(
                kind == "tag" ? .unknownTag : .unknownSegment, "no members were given for \(kind) '\(name)'", at: span)
        }
        bitmaps.append(members)
        let id = add(.bitmap(bitmaps.count - 1), definite: true)
        bitmapNodes[key] = id
        return id
    }

    // MARK: Conditions

    /// The node of a boolean expression as a condition.
    mutating func condition(_ e: RuleExpression) throws(RuleEvaluationError) -> Int {
        switch e.kind {
        case .tag(let name):
            return try bitmap("tag", name, at: e.span)
        case .segment(let name):
            return try bitmap("segment", name, at: e.span)
        case .unary(.not, let operand):
            return not(try condition(operand))
        case .binary(let op, let l, let r) where op == .and || op == .or:
            return junction(op == .and, [try condition(l), try condition(r)])
        case .binary(let op, let l, let r) where op.isComparison:
            let common = try RuleSemantics.commonType([l, r])
            return compare(Comparison(op)!, try operand(l, as: common), try operand(r, as: common))
        case .inList(let subject, let items, let negated):
            let common = try RuleSemantics.commonType([subject] + items)
            var operands: [Operand] = []
            for item in items { operands.append(try operand(item, as: common)) }
            let found = inList(try operand(subject, as: common), operands)
            return negated ? not(found) : found
        case .between(let subject, let low, let high, let negated):
            let common = try RuleSemantics.commonType([subject, low, high])
            let within = between(
                try operand(subject, as: common), try operand(low, as: common), try operand(high, as: common))
            return negated ? not(within) : within
        case .isNull(let subject, let negated):
            let null: Int
            switch try operand(subject) {
            case .constant(let v): null = truth(Truth(v == nil))
            case .string(let s): null = truth(Truth(s == nil))
            case .node(let id), .codes(let id, _): null = add(.isNull(id), definite: true)
            }
            return negated ? not(null) : null
        case .like(let subject, let pattern, let negated):
            let matched = like(try operand(subject, as: .string), try operand(pattern, as: .string))
            return negated ? not(matched) : matched
        case .call("birthday_within", let arguments) where arguments.count == 2:
            return try birthday(arguments[0], arguments[1])
        default:
            // A boolean value: literal, column, coalesce(…).
            switch try operand(e) {
            case .constant(let v): return truth(v.map { Truth($0 != 0) } ?? .unknown)
            case .node(let id): return add(.isTrue(id))
            case .string, .codes: throw RuleEvaluationError.unchecked(e)
            }
        }
    }

    private mutating func compare(_ op: Comparison, _ l: Operand, _ r: Operand) -> Int {
        switch (l, r) {
        case (.constant(nil), _), (_, .constant(nil)), (.string(nil), _), (_, .string(nil)):
            return truth(.unknown)
        case (.constant(let a?), .constant(let b?)):
            return truth(Truth(op.holds(a, b)))
        case (.node(let a), .constant(let b?)):
            return add(.compareConstant(op, a, b))
        case (.constant(let a?), .node(let b)):
            return add(.compareConstant(op.flipped, b, a))
        case (.string(let a?), .string(let b?)):
            return truth(Truth(op.holds(RuleSemantics.compare(a, b))))
        case (.codes(let id, let strings), .string(let b?)):
            return codeTable(id, strings) { Truth(op.holds(RuleSemantics.compare($0, b))) }
        case (.string(let a?), .codes(let id, let strings)):
            return codeTable(id, strings) { Truth(op.holds(RuleSemantics.compare(a, $0))) }
        case (.codes(let a, let left), .codes(let b, let right)):
            let (leftRanks, rightRanks) = Self.ranks(left, right)
            return add(.compare(op, add(.lookup(a, leftRanks)), add(.lookup(b, rightRanks))))
        default:
            return add(.compare(op, node(l), node(r)))
        }
    }

    /// Ranks in the byte-wise order of the union of two string lists (equal strings share a
    /// rank), so that comparing ranks compares the strings; each table ends with an entry for
    /// out-of-range codes.
    static func ranks(_ left: [String], _ right: [String]) -> ([Int64], [Int64]) {
        let all = (left + right).enumerated().sorted { RuleSemantics.compare($0.element, $1.element) < 0 }
        var ranks = [Int64](repeating: 0, count: all.count)
        var rank: Int64 = 0
        for (position, entry) in all.enumerated() {
            if position > 0 && RuleSemantics.compare(all[position - 1].element, entry.element) != 0 { rank += 1 }
            ranks[entry.offset] = rank
        }
        return (Array(ranks[..<left.count]) + [-1], Array(ranks[left.count...]) + [-1])
    }

    /// A per-code table of `predicate` over `strings`, looked up by the codes of node `id`.
    private mutating func codeTable(_ id: Int, _ strings: [String], _ predicate: (String) -> Truth) -> Int {
        var table = strings.map { predicate($0).rawValue }
        table.append(Truth.unknown.rawValue)
        return add(.codeTable(id, table))
    }

    private mutating func inList(_ subject: Operand, _ items: [Operand]) -> Int {
        // x IN (a, b) is TRUE when x equals one item, else UNKNOWN when x or an item is NULL.
        var numbers: [Int64] = []
        var strings: [String] = []
        var sawNull = false
        var allConstant = true
        for item in items {
            switch item {
            case .constant(let v?): numbers.append(v)
            case .string(let s?): strings.append(s)
            case .constant(nil), .string(nil): sawNull = true
            case .node, .codes: allConstant = false
            }
        }
        if allConstant {
            let unmatched: Truth = sawNull ? .unknown : .false
            switch subject {
            case .constant(nil), .string(nil):
                return truth(.unknown)
            case .constant(let v?):
                return truth(numbers.contains(v) ? .true : unmatched)
            case .string(let s?):
                return truth(strings.contains { RuleSemantics.compare($0, s) == 0 } ? .true : unmatched)
            case .node(let id):
                if numbers.isEmpty { return truth(.unknown) }
                return add(.inSet(id, Array(Set(numbers)).sorted(), orUnknown: sawNull))
            case .codes(let id, let domain):
                return codeTable(id, domain) { value in
                    strings.contains { RuleSemantics.compare($0, value) == 0 } ? .true : unmatched
                }
            }
        }
        var equalities: [Int] = []
        for item in items { equalities.append(compare(.equal, subject, item)) }
        return junction(false, equalities)
    }

    private mutating func between(_ subject: Operand, _ low: Operand, _ high: Operand) -> Int {
        switch (subject, low, high) {
        case (.node(let id), .constant(let lo?), .constant(let hi?)):
            return add(.between(id, lo, hi))
        case (.codes(let id, let strings), .string(let lo?), .string(let hi?)):
            return codeTable(id, strings) {
                Truth(RuleSemantics.compare($0, lo) >= 0 && RuleSemantics.compare($0, hi) <= 0)
            }
        default:
            return junction(true, [compare(.greaterOrEqual, subject, low), compare(.lessOrEqual, subject, high)])
        }
    }

    private mutating func like(_ subject: Operand, _ pattern: Operand) -> Int {
        switch (subject, pattern) {
        case (.string(let s?), .string(let p?)):
            return truth(Truth(LikePattern(p).matches(s)))
        case (.codes(let id, let strings), .string(let p?)):
            let compiled = LikePattern(p)
            return codeTable(id, strings) { Truth(compiled.matches($0)) }
        case (.string(let s?), .codes(let id, let patterns)):
            return codeTable(id, patterns) { Truth(LikePattern($0).matches(s)) }
        case (.codes(let s, let subjects), .codes(let p, let patterns)):
            return add(.like(s, p, subjects: subjects, patterns: patterns.map(LikePattern.init)))
        default:
            return truth(.unknown)  // a NULL side
        }
    }

    private mutating func birthday(_ date: RuleExpression, _ window: RuleExpression) throws(RuleEvaluationError)
        -> Int
    {
        let day = try localDay(date)
        let days = try operand(window, as: .integer)
        switch (day, days) {
        case (.constant(nil), _), (_, .constant(nil)):
            return truth(.unknown)
        case (_, .constant(let n?)) where n < 0:
            return truth(.unknown)
        case (.constant(let d?), .constant(let n?)):
            return truth(RuleSemantics.birthdayWithin(d, n, today: context.today))
        default:
            return add(.birthday(node(day), node(days), offsets: RuleSemantics.birthdayOffsets(today: context.today)))
        }
    }

    /// The local day of a date or timestamp expression.
    private mutating func localDay(_ e: RuleExpression) throws(RuleEvaluationError) -> Operand {
        let value = try operand(e)
        guard e.type == .timestamp else { return value }
        switch value {
        case .constant(let ts):
            return .constant(ts.flatMap { RuleSemantics.localDay(ofTimestamp: $0, offset: context.utcOffsetSeconds) })
        default: return .node(add(.localDay(node(value))))
        }
    }

    // MARK: Values

    /// `e` lowered in the encoding of `type` (its own type or one it converts to implicitly).
    mutating func operand(_ e: RuleExpression, as type: RuleType) throws(RuleEvaluationError) -> Operand {
        let value = try operand(e)
        let from = e.type ?? .null
        if from == type { return value }
        switch (from, type, value) {
        case (.null, .string, _): return .string(nil)
        case (.null, _, _): return .constant(nil)
        case (.integer, .decimal, .constant(let v)):
            return .constant(v.flatMap { RuleSemantics.multiply($0, RuleSemantics.decimalScale) })
        case (.integer, .decimal, _):
            return .node(add(.scale(node(value), by: RuleSemantics.decimalScale)))
        case (.date, .timestamp, .constant(let v)):
            return .constant(v.flatMap { RuleSemantics.timestamp(ofDay: $0, offset: context.utcOffsetSeconds) })
        case (.date, .timestamp, _):
            return .node(add(.timestampOfDay(node(value))))
        default:
            throw RuleEvaluationError.unchecked(e)
        }
    }

    /// `e` lowered in the encoding of its own type.
    mutating func operand(_ e: RuleExpression) throws(RuleEvaluationError) -> Operand {
        guard let type = e.type else { throw RuleEvaluationError.unchecked(e) }
        switch e.kind {
        case .literal(let literal):
            switch literal {
            case .integer(let text): return .constant(try RuleSemantics.integer(literal: text, at: e.span))
            case .decimal(let text): return .constant(try RuleSemantics.decimal(literal: text, at: e.span))
            case .string(let s): return .string(s)
            case .boolean(let b): return .constant(b ? 1 : 0)
            case .date(let text): return .constant(RuleSemantics.days(ofDateLiteral: text))
            case .null: return type == .string ? .string(nil) : .constant(nil)
            }
        case .name(let parts):
            return try column(RuleExpression.key(parts), type: type, at: e.span)
        case .call("days_since", let arguments) where arguments.count == 1:
            return arithmetic(.subtract, .constant(context.today), try localDay(arguments[0]))
        case .call(let name, let arguments) where (name == "lower" || name == "upper") && arguments.count == 1:
            let upper = name == "upper"
            switch try operand(arguments[0], as: .string) {
            case .string(let s): return .string(s.map { RuleSemantics.mapCase($0, upper: upper) })
            case .codes(let id, let strings):
                return .codes(id, strings.map { RuleSemantics.mapCase($0, upper: upper) })
            default: throw RuleEvaluationError.unchecked(e)
            }
        case .call("coalesce", let arguments):
            var operands: [Operand] = []
            for argument in arguments { operands.append(try operand(argument, as: type)) }
            return coalesce(operands, type: type)
        case .unary(.negate, let operand):
            return arithmetic(.subtract, .constant(0), try self.operand(operand, as: type))
        case .binary(let op, let l, let r) where !op.isComparison && op != .and && op != .or:
            let left = try operand(l, as: type)
            let right = try operand(r, as: type)
            switch (op, type) {
            case (.add, _): return arithmetic(.add, left, right)
            case (.subtract, _): return arithmetic(.subtract, left, right)
            case (.multiply, .integer): return arithmetic(.multiply, left, right)
            case (.multiply, _): return arithmetic(.multiplyDecimal, left, right)
            default: return arithmetic(.divideDecimal, left, right)
            }
        default:
            guard type == .boolean else { throw RuleEvaluationError.unchecked(e) }
            let c = try condition(e)
            if let t = truthConstant(c) { return .constant(t == .unknown ? nil : (t == .true ? 1 : 0)) }
            return .node(add(.booleanValue(c)))
        }
    }

    private mutating func arithmetic(_ op: RuleProgram.Arithmetic, _ l: Operand, _ r: Operand) -> Operand {
        switch (l, r) {
        case (.constant(nil), _), (_, .constant(nil)):
            return .constant(nil)
        case (.constant(let a?), .constant(let b?)):
            switch op {
            case .add: return .constant(RuleSemantics.add(a, b))
            case .subtract: return .constant(RuleSemantics.subtract(a, b))
            case .multiply: return .constant(RuleSemantics.multiply(a, b))
            case .multiplyDecimal: return .constant(RuleSemantics.multiplyDecimal(a, b))
            case .divideDecimal: return .constant(RuleSemantics.divideDecimal(a, b))
            }
        default:
            return .node(add(.arithmetic(op, node(l), node(r))))
        }
    }

    private mutating func coalesce(_ operands: [Operand], type: RuleType) -> Operand {
        var kept: [Operand] = []
        scan: for operand in operands {
            switch operand {
            case .constant(nil), .string(nil): continue
            case .constant, .string:
                kept.append(operand)  // known and not NULL: the operands after it never matter
                break scan
            case .node, .codes: kept.append(operand)
            }
        }
        if kept.isEmpty { return type == .string ? .string(nil) : .constant(nil) }
        if kept.count == 1 { return kept[0] }
        guard type == .string else { return .node(add(.coalesce(kept.map { node($0) }))) }
        // Strings: concatenate the lists and move each operand's codes to its part.
        var strings: [String] = []
        var parts: [Int] = []
        for operand in kept {
            let base = Int64(strings.count)
            switch operand {
            case .codes(let id, let list):
                strings += list
                parts.append(base == 0 ? id : add(.shift(id, by: base)))
            case .string(let s?):
                strings.append(s)
                parts.append(add(.constant(base)))
            default: continue
            }
        }
        return .codes(add(.coalesce(parts)), strings)
    }
}
