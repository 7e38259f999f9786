import PanoramaCore

/// A computed trait (计算属性): a named aggregation over one customer's orders or events, within
/// an optional window of days and under a filter, e.g. "net spend of paid orders in the last 90
/// days". The service layer stores it as JSON with snake_case keys:
///
/// ```json
/// {"name": "spend_90d", "source": "orders", "aggregation": "sum", "field": "amount",
///  "window_days": 90, "filter": {"status": "paid"}}
/// ```
///
/// Semantics, shared by the engine and the SQL a rule may be compiled to:
/// - A record is in the window when its local day (in the workspace time zone) is ≥ today − N:
///   an order exactly N days ago counts, one N + 1 days ago does not. Records dated after today
///   count too (clocks of sources drift); `window_days: 0` means today only.
/// - Aggregations follow SQL: over no matching record, `count` and `distinct_count` are 0 and
///   everything else is NULL. `min`, `max` and `distinct_count` skip NULL values; `first` and
///   `last` take the value of the earliest or latest matching record (records are ordered by
///   time), NULL if that record has none.
/// - `avg` is exact: the sum × 10⁴ / count, truncated toward zero, as a decimal.
/// - Strings order by their UTF-8 bytes (as SQL's binary collation does).
public struct TraitDefinition: Codable, Sendable, Hashable {
    /// What the trait aggregates.
    public enum Source: String, Codable, Sendable, Hashable, CaseIterable {
        case orders, events
    }

    /// How the matching records are combined into one value.
    public enum Aggregation: String, Codable, Sendable, Hashable, CaseIterable {
        case count, sum, avg, min, max
        case distinctCount = "distinct_count"
        case first, last
        case daysSinceFirst = "days_since_first"
        case daysSinceLast = "days_since_last"
    }

    /// A property of a record.
    ///
    /// Orders: `amount` (net paid after partial refunds, a decimal in the currency's major
    /// unit), `items` (units, net of units returned), `channel`, `store`. Events: `event` (its
    /// name). Both: `placed_at` (or its synonym `timestamp`), the time of the record.
    public enum Field: String, Codable, Sendable, Hashable, CaseIterable {
        case amount, items, channel, store, event
        case placedAt = "placed_at"
        case timestamp

        /// The rule-language type of the field's values.
        public var type: RuleType {
            switch self {
            case .amount: .decimal
            case .items: .integer
            case .channel, .store, .event: .string
            case .placedAt, .timestamp: .timestamp
            }
        }

        /// Whether records of `source` have the field.
        public func belongs(to source: Source) -> Bool {
            switch self {
            case .amount, .items, .channel, .store: source == .orders
            case .event: source == .events
            case .placedAt, .timestamp: true
            }
        }

        /// The record's time (the two spellings are one field).
        var isTime: Bool { self == .placedAt || self == .timestamp }
    }

    /// Which orders count, by their state.
    public enum OrderStatusFilter: String, Codable, Sendable, Hashable, CaseIterable {
        /// Completed (paid, shipped or delivered) orders not refunded in full; amounts net of
        /// partial refunds. The default.
        case paid
        /// Orders refunded in full.
        case refunded
        /// Cancelled orders.
        case cancelled
        /// Every order, pending ones included.
        case any
    }

    /// Which records the aggregation sees.
    public struct Filter: Codable, Sendable, Hashable {
        /// Orders only: by state (absent = `paid`).
        public var status: OrderStatusFilter?
        /// Orders only: this channel (as stored, `OrderChannel.canonical`).
        public var channel: String?
        /// Orders only: this store id.
        public var store: String?
        /// Events only: this event name.
        public var event: String?

        /// A filter; everything absent means paid orders, or every event.
        public init(
            status: OrderStatusFilter? = nil, channel: String? = nil, store: String? = nil, event: String? = nil
        ) {
            self.status = status
            self.channel = channel
            self.store = store
            self.event = event
        }
    }

    /// The column name rules use (`spend_90d`).
    public var name: String
    public var source: Source
    public var aggregation: Aggregation
    /// The aggregated property; `count` and `days_since_*` take none.
    public var field: Field?
    /// Only records of the last N days (today − N … ), nil for all of them.
    public var windowDays: Int?
    /// Absent means paid orders, or every event.
    public var filter: Filter?

    /// A definition; call `validate()` before using one that came from outside.
    public init(
        name: String, source: Source = .orders, aggregation: Aggregation, field: Field? = nil, windowDays: Int? = nil,
        filter: Filter? = nil
    ) {
        self.name = name
        self.source = source
        self.aggregation = aggregation
        self.field = field
        self.windowDays = windowDays
        self.filter = filter
    }

    private enum CodingKeys: String, CodingKey {
        case name, source, aggregation, field
        case windowDays = "window_days"
        case filter
    }

    /// Decodes a definition; `source` defaults to orders, the other optional keys to none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        source = try c.decodeIfPresent(Source.self, forKey: .source) ?? .orders
        aggregation = try c.decode(Aggregation.self, forKey: .aggregation)
        field = try c.decodeIfPresent(Field.self, forKey: .field)
        windowDays = try c.decodeIfPresent(Int.self, forKey: .windowDays)
        filter = try c.decodeIfPresent(Filter.self, forKey: .filter)
    }

    /// The order status filter in force (`paid` unless another is given).
    public var statusFilter: OrderStatusFilter { filter?.status ?? .paid }

    /// Longest accepted name, in characters.
    public static let maximumNameLength = 64
    /// Longest accepted window: 100 years.
    public static let maximumWindowDays = 36_500

    /// The type of the trait's values, for the rule type checker.
    ///
    /// `count`, `distinct_count` and `days_since_*` are integers; `avg` is a decimal; `sum`,
    /// `min`, `max`, `first` and `last` have the field's type (amount: decimal, items: integer,
    /// names: string, placed_at: timestamp).
    public var resultType: RuleType {
        switch aggregation {
        case .count, .distinctCount, .daysSinceFirst, .daysSinceLast: .integer
        case .avg: .decimal
        case .sum, .min, .max, .first, .last: field?.type ?? .integer
        }
    }

    /// Checks that the definition can be computed; throws the first problem found.
    public func validate() throws(TraitDefinitionError) {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, !first.properties.isWhitespace,
            !last.properties.isWhitespace, name.count <= Self.maximumNameLength,
            !scalars.contains(where: { $0.properties.generalCategory == .control || $0 == "'" || $0 == "\"" })
        else {
            throw TraitDefinitionError(
                .invalidName,
                "a trait needs a name of 1–\(Self.maximumNameLength) characters without surrounding spaces, quotes or control characters",
                field: "name")
        }
        if let windowDays, !(0...Self.maximumWindowDays).contains(windowDays) {
            throw TraitDefinitionError(
                .invalidWindow, "window_days must be between 0 and \(Self.maximumWindowDays), not \(windowDays)",
                field: "window_days")
        }
        switch aggregation {
        case .count:
            if let field {
                throw TraitDefinitionError(
                    .fieldNotAllowed, "count takes no field (it counts records); remove '\(field.rawValue)'",
                    field: "field")
            }
        case .daysSinceFirst, .daysSinceLast:
            if let field, !field.isTime {
                throw TraitDefinitionError(
                    .fieldNotAllowed,
                    "\(aggregation.rawValue) is measured from the record's time; remove '\(field.rawValue)'",
                    field: "field")
            }
        case .sum, .avg, .min, .max, .distinctCount, .first, .last:
            guard let field else {
                throw TraitDefinitionError(
                    .fieldRequired, "\(aggregation.rawValue) needs a field to aggregate", field: "field")
            }
            if aggregation == .sum || aggregation == .avg, !field.type.isNumeric {
                throw TraitDefinitionError(
                    .aggregationTypeMismatch,
                    "\(aggregation.rawValue) needs a numeric field (amount or items), not '\(field.rawValue)'",
                    field: "field")
            }
        }
        if let field, !field.belongs(to: source) {
            // Only on failure: the fields the source has.
            let fields = Field.allCases.filter { $0.belongs(to: source) }.map(\.rawValue).joined(separator: ", ")
            throw TraitDefinitionError(
                .fieldNotInSource, "\(source.rawValue) have no field '\(field.rawValue)'; use one of \(fields)",
                field: "field")
        }
        if let filter {
            switch source {
            case .orders where filter.event != nil:
                throw TraitDefinitionError(
                    .filterNotInSource, "orders cannot be filtered by event name", field: "filter.event")
            case .events where filter.status != nil || filter.channel != nil || filter.store != nil:
                throw TraitDefinitionError(
                    .filterNotInSource, "events can only be filtered by event name", field: "filter")
            default: break
            }
        }
    }

    /// Checks a set of definitions: each valid, names unique.
    public static func validate(_ definitions: [TraitDefinition]) throws(TraitDefinitionError) {
        var names: Set<String> = []
        for (index, definition) in definitions.enumerated() {
            do {
                try definition.validate()
            } catch {
                throw TraitDefinitionError(
                    error.code, "trait \(index) ('\(definition.name)'): \(error.message)",
                    field: "traits[\(index)].\(error.field ?? "")")
            }
            guard names.insert(definition.name).inserted else {
                throw TraitDefinitionError(
                    .duplicateName, "two traits are named '\(definition.name)'", field: "traits[\(index)].name")
            }
        }
    }
}

/// Why a trait definition cannot be computed, with a stable code.
public struct TraitDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable failure codes.
    public enum Code: String, Sendable, Hashable {
        case invalidName = "trait_invalid_name"
        case duplicateName = "trait_duplicate_name"
        case invalidWindow = "trait_invalid_window"
        case fieldRequired = "trait_field_required"
        case fieldNotAllowed = "trait_field_not_allowed"
        case fieldNotInSource = "trait_field_not_in_source"
        case aggregationTypeMismatch = "trait_aggregation_type_mismatch"
        case filterNotInSource = "trait_filter_not_in_source"
    }

    public let code: Code
    /// What is wrong and what to do instead.
    public let message: String
    /// The offending key of the definition (`field`, `window_days`).
    public let field: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The error as the HTTP layer reports it (400).
    public var panoramaError: PanoramaError { .badRequest(code.rawValue, message, field: field) }
}
