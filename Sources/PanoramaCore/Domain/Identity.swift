/// One kind of identifier a workspace resolves profiles by (`email`, `phone`, `crm_id` …).
///
/// `priority` orders identifiers when a message conflicts with existing profiles: the message
/// follows its highest-priority identifier. `limit` caps how many values of this type one
/// profile may hold (nil: unbounded). A `unique` type's value belongs to exactly one profile
/// (every type is unique in this sense today; the flag is kept for types such as a shared
/// household phone that a workspace may declare non-unique later).
public struct IdentifierType: Sendable, Hashable, Codable {
    public var name: String
    public var priority: Int
    public var limit: Int?
    public var unique: Bool

    public init(name: String, priority: Int, limit: Int?, unique: Bool = true) {
        self.name = name
        self.priority = priority
        self.limit = limit
        self.unique = unique
    }
}

/// The identifier types of a workspace, in descending priority.
public struct IdentitySettings: Sendable, Equatable {
    public private(set) var types: [IdentifierType]
    private var index: [String: Int]

    /// Creates settings from types in any order; they are kept sorted by priority, highest first.
    public init(types: [IdentifierType]) {
        self.types = types.sorted { $0.priority > $1.priority || ($0.priority == $1.priority && $0.name < $1.name) }
        self.index = Dictionary(uniqueKeysWithValues: self.types.enumerated().map { ($1.name, $0) })
    }

    /// The defaults from ARCHITECTURE.md: user_id highest, anonymous_id lowest and unbounded.
    public static let defaults = IdentitySettings(types: [
        IdentifierType(name: "user_id", priority: 100, limit: 1),
        IdentifierType(name: "wechat_unionid", priority: 90, limit: 1),
        IdentifierType(name: "email", priority: 80, limit: 5),
        IdentifierType(name: "phone", priority: 70, limit: 5),
        IdentifierType(name: "wechat_openid", priority: 60, limit: 10),
        IdentifierType(name: "device_id", priority: 50, limit: 20),
        IdentifierType(name: "anonymous_id", priority: 10, limit: nil),
    ])

    /// The type with this name, if the workspace knows it.
    public func type(named name: String) -> IdentifierType? {
        index[name].map { types[$0] }
    }

    /// Rank of a type: 0 is the highest priority. Unknown types rank last.
    public func rank(of name: String) -> Int {
        index[name] ?? types.count
    }

    /// Adds or replaces a type (custom types such as `crm_id` or `pos_member_no`).
    public mutating func upsert(_ type: IdentifierType) {
        var all = types.filter { $0.name != type.name }
        all.append(type)
        self = IdentitySettings(types: all)
    }
}

/// A normalized identifier value of a given type.
public struct Identifier: Sendable, Hashable, Codable, CustomStringConvertible {
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { "\(type):\(value)" }
}
