import PanoramaCore
import PanoramaStore

/// What a tag describes (标签分类).
public enum TagCategory: String, Codable, Sendable, CaseIterable {
    /// 基础属性: gender, city, age band.
    case basic
    /// 行为: bought, visited, added to cart.
    case behavior
    /// 兴趣偏好: favourite category, channel.
    case interest
    /// 价值: RFM, spend, tier.
    case value
    /// 预测: churn risk, CLV (filled by models).
    case prediction
}

/// How a tag's or segment's members are decided.
public enum AudienceType: String, Codable, Sendable, CaseIterable {
    /// Tags assigned by people (one customer, or in bulk from a list of identifiers).
    case manual
    /// A rule over attributes, traits, tags and segments.
    case rule
    /// A rule over built-in computed values (RFM segment, tier) — evaluated like a rule.
    case computed
    /// Kept current as data changes (segments).
    case dynamic
    /// A snapshot taken when saved (or refreshed on request), never re-evaluated (segments).
    case `static`
}

/// When a rule is re-evaluated for a customer.
public enum UpdateMode: String, Codable, Sendable, CaseIterable {
    /// After every ingested event or order of the customer, and on the schedule for sliding windows.
    case realtime
    /// Every hour, for everyone.
    case hourly
    /// Once a day after midnight in the workspace time zone, for everyone.
    case daily
}

/// A tag (标签) or segment (人群) as users define it; stored as JSON in `audiences.definition`.
public struct AudienceDefinition: Codable, Sendable, Equatable {
    public var kind: AudienceKind
    public var name: String
    public var description: String?
    /// Tags: manual, rule or computed. Segments: dynamic or static.
    public var type: AudienceType
    /// The rule text (rule/computed tags, segments).
    public var rule: String?
    /// Tags only.
    public var category: TagCategory?
    public var updateMode: UpdateMode
    /// Segments only: members must hold a current grant of this consent purpose. Customers
    /// without one are left out of the segment itself (its count, preview, members, export and
    /// change feed), so a segment with a purpose only ever exports consenting customers.
    public var consentPurpose: ConsentPurpose?

    public init(
        kind: AudienceKind, name: String, description: String? = nil, type: AudienceType, rule: String? = nil,
        category: TagCategory? = nil, updateMode: UpdateMode = .realtime, consentPurpose: ConsentPurpose? = nil
    ) {
        self.consentPurpose = consentPurpose
        self.kind = kind
        self.name = name
        self.description = description
        self.type = type
        self.rule = rule
        self.category = category
        self.updateMode = updateMode
    }

    enum CodingKeys: String, CodingKey {
        case kind, name, description, type, rule, category
        case updateMode = "update_mode"
        case consentPurpose = "consent_purpose"
    }

    /// Whether members come from a rule (as opposed to people or a frozen snapshot).
    public var isRuleBased: Bool { type == .rule || type == .computed || type == .dynamic }

    /// Checks the shape (not the rule itself, which needs the workspace schema).
    public func validate() throws(PanoramaError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed == name, name.count <= 100 else {
            throw .badRequest(
                "invalid_name", "a \(kind.rawValue) name must be 1–100 characters without leading or trailing spaces",
                field: "name")
        }
        guard !name.contains(where: { $0.isNewline || $0 == "/" }) else {
            throw .badRequest("invalid_name", "a \(kind.rawValue) name cannot contain '/' or line breaks", field: "name")
        }
        let allowed: [AudienceType] = kind == .tag ? [.manual, .rule, .computed] : [.dynamic, .static]
        guard allowed.contains(type) else {
            throw .badRequest(
                "invalid_type",
                "a \(kind.rawValue)'s type is one of \(allowed.map(\.rawValue).joined(separator: ", ")), not '\(type.rawValue)'",
                field: "type")
        }
        if type == .manual {
            guard rule == nil else {
                throw .badRequest("invalid_rule", "a manual tag has no rule; members are assigned", field: "rule")
            }
        } else if (rule ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw .badRequest("missing_rule", "a \(type.rawValue) \(kind.rawValue) needs a rule", field: "rule")
        }
        if kind == .segment, category != nil {
            throw .badRequest("invalid_category", "segments have no category; tags do", field: "category")
        }
        if kind == .tag, consentPurpose != nil {
            throw .badRequest(
                "invalid_consent_purpose", "tags have no consent purpose; segments do", field: "consent_purpose")
        }
    }
}

extension AudienceDefinition {
    /// A rule error as the API reports it: code, message with the position (and the audience
    /// whose rule it is, when not the one being saved), and where.
    static func ruleProblem(_ error: RuleError, of key: AudienceKey? = nil, field: String = "rule") -> PanoramaError {
        let text = "\(error.code.rawValue) at \(error.span): \(error.message)"
        return PanoramaError.badRequest("invalid_rule", key.map { "\($0): \(text)" } ?? text, field: field)
    }
}
