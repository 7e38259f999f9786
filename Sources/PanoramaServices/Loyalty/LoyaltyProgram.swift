import Foundation
import PanoramaCore
import PanoramaStore

/// A workspace's loyalty program (会员积分方案): how orders and events earn points, when points
/// expire, and the tiers (等级) customers qualify for.
///
/// - Orders earn `spend` rules (points per `per_amount` minor units of the order total) plus
///   `category` rules (points per `per_amount` of the lines of that category, on top), all times
///   the customer's tier multiplier, rounded down. Bonus `event` rules grant fixed points (no
///   multiplier), `once` per customer, `yearly` (once per calendar year in the workspace's time
///   zone) or `unlimited` (once per idempotency key).
/// - Points expire `expiry_months` after they were credited, at the end of that day in the
///   workspace's time zone (never when null).
/// - Tiers are listed lowest first. A tier qualifies when any of its thresholds is met by the
///   customer's activity over the last `tier_period_days`: net spend, orders, or points earned
///   (orders and bonuses, net of reversals). Only the first tier may have no threshold: it is
///   the tier every customer starts in.
public struct LoyaltyProgram: Sendable, Equatable {
    /// How often a bonus event may be granted to one customer.
    public enum EventLimit: String, Sendable, CaseIterable {
        case once, yearly, unlimited
    }

    /// One way to earn points.
    public enum EarnRule: Sendable, Equatable {
        /// `points` per `perAmount` minor units of the order total.
        case spend(points: Int64, perAmount: Int64)
        /// `points` per `perAmount` minor units of the lines of `category` (in addition to spend rules).
        case category(String, points: Int64, perAmount: Int64)
        /// A bonus of `points` for the event `name` (`signup`, `birthday` or any other).
        case event(String, points: Int64, limit: EventLimit)
    }

    /// A level of membership.
    public struct Tier: Sendable, Equatable {
        public var code: String
        public var name: String
        /// Net spend over the period, minor units.
        public var minSpend: Int64?
        public var minOrders: Int64?
        public var minPoints: Int64?
        /// Points earned from orders are multiplied by this percentage (100 = ×1).
        public var multiplierPercent: Int64
        /// Free-form descriptions of what the tier gives.
        public var benefits: [String]

        public init(
            code: String, name: String? = nil, minSpend: Int64? = nil, minOrders: Int64? = nil,
            minPoints: Int64? = nil, multiplierPercent: Int64 = 100, benefits: [String] = []
        ) {
            self.code = code
            self.name = name ?? code
            self.minSpend = minSpend
            self.minOrders = minOrders
            self.minPoints = minPoints
            self.multiplierPercent = multiplierPercent
            self.benefits = benefits
        }

        /// Whether the tier has no threshold (every customer qualifies).
        public var isOpen: Bool { minSpend == nil && minOrders == nil && minPoints == nil }

        /// Whether `activity` meets any of the tier's thresholds.
        public func qualifies(_ activity: LoyaltyActivity) -> Bool {
            if isOpen { return true }
            if let minSpend, activity.spend >= minSpend { return true }
            if let minOrders, activity.orders >= minOrders { return true }
            if let minPoints, activity.points >= minPoints { return true }
            return false
        }
    }

    /// Months until credited points expire; nil when they never do.
    public var expiryMonths: Int?
    /// The rolling window tiers qualify on, in days.
    public var tierPeriodDays: Int
    public var earnRules: [EarnRule]
    /// Lowest first.
    public var tiers: [Tier]
    /// When it was last saved, epoch ms (nil for the default, never saved).
    public var updatedAt: Int64?

    public init(
        expiryMonths: Int? = nil, tierPeriodDays: Int = 365, earnRules: [EarnRule] = [], tiers: [Tier] = [],
        updatedAt: Int64? = nil
    ) {
        self.expiryMonths = expiryMonths
        self.tierPeriodDays = tierPeriodDays
        self.earnRules = earnRules
        self.tiers = tiers
        self.updatedAt = updatedAt
    }

    /// The program of a workspace that has not set one: nothing earns, no tiers.
    public static let empty = LoyaltyProgram()

    /// The largest number of points one computation yields, so that sums never overflow.
    static let maxPoints: Int64 = 1_000_000_000_000

    // MARK: Earning

    /// Points `order` earns at `multiplierPercent` (0 for an order that does not count).
    public func points(for order: Order, multiplierPercent: Int64) -> Int64 {
        guard order.status.counts, order.total > 0 else { return 0 }
        var points: Int64 = 0
        for rule in earnRules {
            switch rule {
            case .spend(let per, let amount):
                points += Self.mulDiv(order.total, per, amount)
            case .category(let category, let per, let amount):
                let key = Self.categoryKey(category)
                for item in order.items where item.category.map(Self.categoryKey) == key && item.amount > 0 {
                    points += Self.mulDiv(item.amount, per, amount)
                }
            case .event:
                continue
            }
            points = min(points, Self.maxPoints)
        }
        return Self.mulDiv(points, multiplierPercent, 100)
    }

    /// The points of `earned` that a refund of `refunded` out of `total` takes back, rounded half
    /// up: successive partial refunds take back exactly `earned` once they reach `total`.
    static func share(of earned: Int64, refunded: Int64, total: Int64) -> Int64 {
        guard total > 0, refunded > 0 else { return 0 }
        if refunded >= total { return earned }
        return mulDiv(earned, refunded, total, roundingHalfUp: true)
    }

    /// The event rule named `name`.
    public func eventRule(_ name: String) -> (points: Int64, limit: EventLimit)? {
        for case .event(let event, let points, let limit) in earnRules where event == name {
            return (points, limit)
        }
        return nil
    }

    /// ⌊a × b ÷ c⌋ (or rounded half up) for non-negative operands without overflow, capped at
    /// `maxPoints`.
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64, roundingHalfUp: Bool = false) -> Int64 {
        guard a > 0, b > 0, c > 0 else { return 0 }
        var (high, low) = UInt64(a).multipliedFullWidth(by: UInt64(b))
        if roundingHalfUp {
            let (sum, carry) = low.addingReportingOverflow(UInt64(c) / 2)
            low = sum
            if carry { high += 1 }
        }
        guard high < UInt64(c) else { return maxPoints }
        let quotient = UInt64(c).dividingFullWidth((high, low)).quotient
        return quotient > UInt64(maxPoints) ? maxPoints : Int64(quotient)
    }

    private static func categoryKey(_ category: String) -> String {
        category.trimmingCharacters(in: .whitespaces).lowercased()
    }

    // MARK: Tiers

    /// The position of the tier `code`, nil when the program has no such tier.
    public func tierIndex(_ code: String?) -> Int? {
        guard let code else { return nil }
        return tiers.firstIndex { $0.code == code }
    }

    /// The highest tier `activity` qualifies for (nil when none, e.g. no tiers).
    public func qualifyingTier(_ activity: LoyaltyActivity) -> Int? {
        tiers.indices.last { tiers[$0].qualifies(activity) }
    }

    /// The tier a customer with no tier yet is in: the first when it has no threshold.
    public var baseTier: Int? { tiers.first?.isOpen == true ? 0 : nil }

    // MARK: Time

    /// When points credited at `earnedAt` expire: `expiryMonths` later, at the end of that day in
    /// `zone`; nil when points never expire.
    func expiry(earnedAt: Int64, zone: TimeZone) -> Int64? {
        guard let months = expiryMonths else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let earned = Date(timeIntervalSince1970: Double(earnedAt) / 1000)
        guard let later = calendar.date(byAdding: .month, value: months, to: earned),
            let nextDay = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: later))
        else { return nil }
        return Int64((nextDay.timeIntervalSince1970 * 1000).rounded()) - 1
    }
}

// MARK: - JSON

extension LoyaltyProgram {
    /// The program as the API shows and stores it.
    public var json: JSONValue {
        let rules = earnRules.map { rule -> JSONValue in
            switch rule {
            case .spend(let points, let per):
                return .object([
                    "type": "spend", "points": .number(JSONNumber(points)), "per_amount": .number(JSONNumber(per)),
                ])
            case .category(let category, let points, let per):
                return .object([
                    "type": "category", "category": .string(category), "points": .number(JSONNumber(points)),
                    "per_amount": .number(JSONNumber(per)),
                ])
            case .event(let event, let points, let limit):
                return .object([
                    "type": "event", "event": .string(event), "points": .number(JSONNumber(points)),
                    "limit": .string(limit.rawValue),
                ])
            }
        }
        return .object([
            "expiry_months": expiryMonths.map { .number(JSONNumber($0)) } ?? .null,
            "tier_period_days": .number(JSONNumber(tierPeriodDays)),
            "earn_rules": .array(JSONArray(rules)),
            "tiers": .array(JSONArray(tiers.map(\.json))),
            "updated_at": updatedAt.map { .string(Timestamp.format(millis: $0)) } ?? .null,
        ])
    }

    /// Reads a program sent by a client (or stored), refusing anything invalid with
    /// `invalid_program` and the offending field. `updated_at` is ignored.
    public init(json: JSONValue) throws(PanoramaError) {
        var reader = ProgramReader()
        self = try reader.program(json)
    }
}

extension LoyaltyProgram.Tier {
    /// The tier as the API shows it.
    public var json: JSONValue {
        func number(_ value: Int64?) -> JSONValue { value.map { .number(JSONNumber($0)) } ?? .null }
        return .object([
            "code": .string(code), "name": .string(name), "min_spend": number(minSpend),
            "min_orders": number(minOrders), "min_points": number(minPoints),
            "multiplier_percent": .number(JSONNumber(multiplierPercent)),
            "benefits": .array(JSONArray(benefits.map(JSONValue.string))),
        ])
    }
}

/// Validates a program document field by field.
private struct ProgramReader {
    func invalid(_ field: String, _ message: String) -> PanoramaError {
        .badRequest("invalid_program", message, field: field)
    }

    func object(_ value: JSONValue, _ field: String, keys: Set<String>) throws(PanoramaError) -> JSONObject {
        guard case .object(let object) = value else { throw invalid(field, "\(field) must be a JSON object") }
        for (key, _) in object.members where !keys.contains(key) {
            let path = field == "program" ? key : "\(field).\(key)"
            throw invalid(path, "unknown field \(path)")
        }
        return object
    }

    /// An integer in `range`, nil when absent or null and `optional`.
    func integer(
        _ object: JSONObject, _ key: String, _ field: String, _ range: ClosedRange<Int64>, optional: Bool = false
    ) throws(PanoramaError) -> Int64? {
        let path = field == "program" ? key : "\(field).\(key)"
        guard let value = object[key], !value.isNull else {
            if optional { return nil }
            throw invalid(path, "\(path) is required")
        }
        guard let n = value.numberValue?.int64, range.contains(n) else {
            throw invalid(path, "\(path) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func string(_ object: JSONObject, _ key: String, _ field: String, maxLength: Int, pattern: Bool = false)
        throws(PanoramaError) -> String?
    {
        let path = "\(field).\(key)"
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty,
            text.count <= maxLength
        else {
            throw invalid(path, "\(path) must be a non-empty string of at most \(maxLength) characters")
        }
        if pattern && !Self.isCode(text) {
            throw invalid(path, "\(path) uses a-z, 0-9 and _ only, e.g. gold or birthday")
        }
        return text
    }

    static func isCode(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    mutating func program(_ value: JSONValue) throws(PanoramaError) -> LoyaltyProgram {
        let top = try object(
            value, "program", keys: ["expiry_months", "tier_period_days", "earn_rules", "tiers", "updated_at"])
        var program = LoyaltyProgram()
        program.expiryMonths = try integer(top, "expiry_months", "program", 1...120, optional: true).map(Int.init)
        program.tierPeriodDays = Int(try integer(top, "tier_period_days", "program", 1...3660, optional: true) ?? 365)
        if let rules = top["earn_rules"], !rules.isNull {
            guard let list = rules.arrayValue, list.count <= 100 else {
                throw invalid("earn_rules", "earn_rules must be an array of at most 100 rules")
            }
            for (i, rule) in list.enumerated() {
                program.earnRules.append(try earnRule(rule, "earn_rules[\(i)]"))
            }
            var events = Set<String>()
            for (i, rule) in program.earnRules.enumerated() {
                if case .event(let name, _, _) = rule, !events.insert(name).inserted {
                    throw invalid("earn_rules[\(i)].event", "event \(name) has more than one rule")
                }
            }
        }
        if let tiers = top["tiers"], !tiers.isNull {
            guard let list = tiers.arrayValue, list.count <= 20 else {
                throw invalid("tiers", "tiers must be an array of at most 20 tiers, lowest first")
            }
            for (i, tier) in list.enumerated() {
                let parsed = try self.tier(tier, "tiers[\(i)]")
                if program.tiers.contains(where: { $0.code == parsed.code }) {
                    throw invalid("tiers[\(i)].code", "tier code \(parsed.code) is used twice")
                }
                if i > 0 && parsed.isOpen {
                    throw invalid(
                        "tiers[\(i)]", "only the first tier may have no threshold (min_spend, min_orders or min_points)"
                    )
                }
                program.tiers.append(parsed)
            }
        }
        return program
    }

    func earnRule(_ value: JSONValue, _ field: String) throws(PanoramaError) -> LoyaltyProgram.EarnRule {
        let rule = try object(value, field, keys: ["type", "points", "per_amount", "category", "event", "limit"])
        let type = rule["type"]?.stringValue
        switch type {
        case "spend", "category":
            let points = try integer(rule, "points", field, 1...10_000)!
            let per = try integer(rule, "per_amount", field, 1...100_000_000)!
            guard type == "category" else {
                if rule["category"] != nil { throw invalid("\(field).category", "a spend rule has no category") }
                return .spend(points: points, perAmount: per)
            }
            guard let category = try string(rule, "category", field, maxLength: 100) else {
                throw invalid("\(field).category", "\(field).category is required")
            }
            return .category(category, points: points, perAmount: per)
        case "event":
            guard let event = try string(rule, "event", field, maxLength: 64, pattern: true) else {
                throw invalid("\(field).event", "\(field).event is required (signup, birthday or a name of your own)")
            }
            let points = try integer(rule, "points", field, 1...10_000_000)!
            var limit: LoyaltyProgram.EventLimit = event == "birthday" ? .yearly : .once
            if let raw = rule["limit"], !raw.isNull {
                guard let text = raw.stringValue, let parsed = LoyaltyProgram.EventLimit(rawValue: text) else {
                    throw invalid("\(field).limit", "\(field).limit must be once, yearly or unlimited")
                }
                limit = parsed
            }
            return .event(event, points: points, limit: limit)
        default:
            throw invalid("\(field).type", "\(field).type must be spend, category or event")
        }
    }

    func tier(_ value: JSONValue, _ field: String) throws(PanoramaError) -> LoyaltyProgram.Tier {
        let tier = try object(
            value, field,
            keys: ["code", "name", "min_spend", "min_orders", "min_points", "multiplier_percent", "benefits"])
        guard let code = try string(tier, "code", field, maxLength: 32, pattern: true) else {
            throw invalid("\(field).code", "\(field).code is required")
        }
        var benefits: [String] = []
        if let raw = tier["benefits"], !raw.isNull {
            guard let list = raw.arrayValue, list.count <= 50 else {
                throw invalid("\(field).benefits", "\(field).benefits must be an array of at most 50 strings")
            }
            for (i, item) in list.enumerated() {
                guard let text = item.stringValue, !text.isEmpty, text.count <= 200 else {
                    throw invalid(
                        "\(field).benefits[\(i)]", "a benefit is a non-empty string of at most 200 characters")
                }
                benefits.append(text)
            }
        }
        let limit: Int64 = 1_000_000_000_000_000
        return LoyaltyProgram.Tier(
            code: code, name: try string(tier, "name", field, maxLength: 100),
            minSpend: try integer(tier, "min_spend", field, 0...limit, optional: true),
            minOrders: try integer(tier, "min_orders", field, 0...limit, optional: true),
            minPoints: try integer(tier, "min_points", field, 0...limit, optional: true),
            multiplierPercent: try integer(tier, "multiplier_percent", field, 0...10_000, optional: true) ?? 100,
            benefits: benefits)
    }
}
