import PanoramaCore

/// A condition on a property of an event, as a funnel step filters on it:
/// `{"property": "product.category", "op": "eq", "value": "书籍"}`.
///
/// Semantics: `property` is a path of member names separated by dots, read from the event's
/// `properties` object. `eq`, `neq` and `in` compare a string with a string, a boolean with a
/// boolean and numbers by value (`1` equals `1.0`); `neq` also matches when the property is
/// absent. `gt`, `gte`, `lt`, `lte` compare numbers only (a property that is not a number does not
/// match). `contains` matches a string holding the value as a substring, or an array with an
/// element equal to it. `exists` (value `true`, the default, or `false`) asks whether the property is
/// present and not `null`.
public struct PropertyCondition: Sendable, Equatable {
    /// The comparison.
    public enum Op: String, Sendable, CaseIterable {
        case eq, neq, `in`, gt, gte, lt, lte, contains, exists
    }

    /// The dotted path as written (`product.category`).
    public var property: String
    public var op: Op
    /// The operand: a scalar, a list of scalars for `in`, a number for `gt` … `lte`, a string for
    /// `contains` (also a number or boolean, matched against array elements), a boolean for `exists`.
    public var value: JSONValue

    /// The most conditions one step has, the most values of an `in` list, the longest path.
    public static let maximumConditions = 10
    public static let maximumValues = 100
    public static let maximumPathLength = 200

    /// A validated condition; throws `bad_condition_property`, `bad_condition_op` or
    /// `bad_condition_value` (field `field`).
    public init(property: String, op: Op, value: JSONValue = .bool(true), field: String = "steps") throws(PanoramaError)
    {
        let segments = property.split(separator: ".", omittingEmptySubsequences: false)
        guard !property.isEmpty, property.count <= Self.maximumPathLength, !segments.contains(where: \.isEmpty) else {
            throw .badRequest(
                "bad_condition_property",
                "a condition's property is a dotted path of 1 … \(Self.maximumPathLength) characters (product.category) / 条件属性须为以点分隔的路径",
                field: field)
        }
        func scalar(_ v: JSONValue) -> Bool {
            switch v {
            case .string, .bool: true
            case .number(let n): n.double != nil
            default: false
            }
        }
        let valid: Bool =
            switch op {
            case .eq, .neq: scalar(value)
            case .in:
                value.arrayValue.map { !$0.isEmpty && $0.count <= Self.maximumValues && $0.allSatisfy(scalar) } ?? false
            case .gt, .gte, .lt, .lte: value.numberValue?.double?.isFinite ?? false
            case .contains: scalar(value) && value.stringValue != ""
            case .exists: value.boolValue != nil
            }
        guard valid else {
            let expected =
                switch op {
                case .eq, .neq: "a string, number or boolean / 字符串、数字或布尔值"
                case .in:
                    "a list of 1 … \(Self.maximumValues) strings, numbers or booleans / 1 … \(Self.maximumValues) 个值的列表"
                case .gt, .gte, .lt, .lte: "a number / 数字"
                case .contains: "a non-empty string, a number or a boolean / 非空字符串、数字或布尔值"
                case .exists: "true or false / true 或 false"
                }
            throw .badRequest(
                "bad_condition_value", "the value of \(op.rawValue) on \(property) must be \(expected)", field: field)
        }
        self.property = property
        self.op = op
        self.value = value
        path = segments.map(String.init)
    }

    /// The member names of `property`.
    public private(set) var path: [String] = []

    /// The condition from its JSON form `{"property", "op", "value"}`.
    public init(json: JSONValue, field: String = "steps") throws(PanoramaError) {
        guard case .object(let object) = json else {
            throw .badRequest(
                "bad_condition", "a condition is an object {property, op, value} / 条件须为 {property, op, value} 对象",
                field: field)
        }
        for (key, _) in object.members where !["property", "op", "value"].contains(key) {
            throw .badRequest(
                "bad_condition", "a condition has no member \(key) (property, op, value) / 条件不支持成员 \(key)", field: field
            )
        }
        guard let property = object["property"]?.stringValue else {
            throw .badRequest(
                "bad_condition_property", "a condition needs a property (a string) / 条件须有属性名", field: field)
        }
        guard let opText = object["op"]?.stringValue, let op = Op(rawValue: opText) else {
            throw .badRequest(
                "bad_condition_op",
                "op must be one of \(Op.allCases.map(\.rawValue).joined(separator: ", ")) / 不支持的运算符", field: field)
        }
        let value = object["value"]
        if value == nil, op != .exists {
            throw .badRequest(
                "bad_condition_value", "\(op.rawValue) needs a value / \(op.rawValue) 须有 value", field: field)
        }
        try self.init(property: property, op: op, value: value ?? .bool(true), field: field)
    }

    /// The JSON form.
    public var json: JSONValue {
        .object(["property": .string(property), "op": .string(op.rawValue), "value": value])
    }

    /// Short text for labels: `category = 书籍`, `price >= 100`, `coupon exists`.
    public var label: String {
        let symbol =
            switch op {
            case .eq: "="
            case .neq: "≠"
            case .in: "in"
            case .gt: ">"
            case .gte: "≥"
            case .lt: "<"
            case .lte: "≤"
            case .contains: "contains"
            case .exists: value.boolValue == false ? "not exists" : "exists"
            }
        if op == .exists { return "\(property) \(symbol)" }
        let operand = value.stringValue ?? value.jsonText
        return "\(property) \(symbol) \(operand)"
    }

    /// Whether an event with `properties` (its parsed object, nil when none) satisfies this.
    public func matches(_ properties: JSONValue?) -> Bool {
        var current = properties
        for name in path { current = current?[name] }
        // `null` counts as absent (an explicit Optional: JSONValue takes `nil` as its `null`).
        let present: JSONValue? = current?.isNull == false ? current : Optional.none
        switch op {
        case .exists: return (present != nil) == (value.boolValue ?? true)
        case .neq:
            guard let present else { return true }
            return !Self.equal(present, value)
        case .eq:
            guard let present else { return false }
            return Self.equal(present, value)
        case .in:
            guard let present else { return false }
            return (value.arrayValue ?? []).contains { Self.equal(present, $0) }
        case .gt, .gte, .lt, .lte:
            guard let x = present?.numberValue?.double, let y = value.numberValue?.double else { return false }
            switch op {
            case .gt: return x > y
            case .gte: return x >= y
            case .lt: return x < y
            default: return x <= y
            }
        case .contains:
            guard let present else { return false }
            if let text = present.stringValue, let part = value.stringValue { return text.contains(part) }
            if let items = present.arrayValue { return items.contains { Self.equal($0, value) } }
            return false
        }
    }

    /// Scalar equality: strings and booleans as they are, numbers by value.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x.text == y.text || (x.double != nil && x.double == y.double)
        default: false
        }
    }
}

/// One step of a funnel: an event name and optional conditions on the event's properties, all of
/// which must hold.
public struct FunnelStep: Sendable, Equatable {
    public var event: String
    public var conditions: [PropertyCondition]

    public init(_ event: String, where conditions: [PropertyCondition] = []) {
        self.event = event
        self.conditions = conditions
    }

    /// The longest event name.
    public static let maximumNameLength = 200

    /// A step from its JSON form: an event name, or `{"event": "…", "where": [condition, …]}`.
    /// Throws `invalid_steps`, `too_many_conditions` or a condition's code.
    public init(json: JSONValue, field: String = "steps") throws(PanoramaError) {
        switch json {
        case .string(let name):
            try self.init(validating: name, conditions: [], field: field)
        case .object(let object):
            for (key, _) in object.members where key != "event" && key != "where" {
                throw .badRequest(
                    "invalid_steps", "a step has no member \(key) (event, where) / 步骤不支持成员 \(key)", field: field)
            }
            guard let name = object["event"]?.stringValue else {
                throw .badRequest("invalid_steps", "a step needs an event name / 步骤须有事件名 event", field: field)
            }
            var conditions: [PropertyCondition] = []
            switch object["where"] {
            case nil, .null?: break
            case .array(let list)?:
                guard list.elements.count <= PropertyCondition.maximumConditions else {
                    throw .badRequest(
                        "too_many_conditions",
                        "a step has at most \(PropertyCondition.maximumConditions) conditions / 每个步骤最多 \(PropertyCondition.maximumConditions) 个条件",
                        field: field)
                }
                for item in list.elements { conditions.append(try PropertyCondition(json: item, field: field)) }
            default:
                throw .badRequest("bad_condition", "where must be a list of conditions / where 须为条件列表", field: field)
            }
            try self.init(validating: name, conditions: conditions, field: field)
        default:
            throw .badRequest(
                "invalid_steps", "each step is an event name or {event, where} / 每个步骤须为事件名或 {event, where}",
                field: field)
        }
    }

    private init(validating name: String, conditions: [PropertyCondition], field: String) throws(PanoramaError) {
        guard !name.isEmpty, name.count <= Self.maximumNameLength else {
            throw .badRequest(
                "invalid_steps",
                "an event name is 1 … \(Self.maximumNameLength) characters / 事件名须为 1 … \(Self.maximumNameLength) 个字符",
                field: field)
        }
        self.init(name, where: conditions)
    }

    /// The JSON form: the name alone without conditions.
    public var json: JSONValue {
        conditions.isEmpty
            ? .string(event)
            : .object(["event": .string(event), "where": .array(JSONArray(conditions.map(\.json)))])
    }

    /// `Order Completed [category = 书籍]`.
    public var label: String {
        conditions.isEmpty ? event : "\(event) [\(conditions.map(\.label).joined(separator: ", "))]"
    }

    /// Whether an event of this step's name with `properties` satisfies every condition.
    public func matches(_ properties: JSONValue?) -> Bool { conditions.allSatisfy { $0.matches(properties) } }
}
