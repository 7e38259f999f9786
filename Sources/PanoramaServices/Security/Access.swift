import PanoramaCore

/// What a role may do. Every REST route requires one (see `RoutePermissions` in the HTTP layer).
public enum Permission: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Profiles, timelines, search (identifiers masked without `pii.view`).
    case customersRead = "customers.read"
    /// Merges, undo, profile changes.
    case customersWrite = "customers.write"
    /// Phone, email, ID number, name and address in clear (each view is audited).
    case piiView = "pii.view"
    case audiencesRead = "audiences.read"
    case audiencesWrite = "audiences.write"
    /// Export of segment and tag members.
    case audiencesExport = "audiences.export"
    case ordersRead = "orders.read"
    case ordersWrite = "orders.write"
    case loyaltyRead = "loyalty.read"
    case loyaltyWrite = "loyalty.write"
    /// Uploading and running imports.
    case importsRun = "imports.run"
    /// Reviewing duplicate candidates and running detection.
    case duplicatesReview = "duplicates.review"
    case settingsRead = "settings.read"
    /// Identifier types, workspace settings, loyalty programs.
    case settingsWrite = "settings.write"
    /// API keys.
    case keysManage = "keys.manage"
    /// Users and custom roles.
    case usersManage = "users.manage"
    case auditRead = "audit.read"
    case clusterRead = "cluster.read"
    case insightsRead = "insights.read"
    /// Data subject rights: a customer's privacy export and erasure (owner and admin only).
    case privacyManage = "privacy.manage"

    public static func < (a: Permission, b: Permission) -> Bool { a.rawValue < b.rawValue }
}

/// Which customers a role sees.
public enum DataScope: String, Sendable, Codable, CaseIterable {
    /// Every customer of the workspace.
    case all
    /// Customers owned by the user's team (and the teams below it).
    case team
    /// Customers the user owns.
    case own
}

/// A role: a name, its permissions and its data scope.
public struct RoleDefinition: Sendable, Equatable {
    public var name: String
    public var permissions: Set<Permission>
    public var scope: DataScope
    public var builtIn: Bool

    public init(name: String, permissions: Set<Permission>, scope: DataScope, builtIn: Bool) {
        self.name = name
        self.permissions = permissions
        self.scope = scope
        self.builtIn = builtIn
    }

    /// The roles every workspace has.
    public static let builtIn: [RoleDefinition] = {
        let all = Set(Permission.allCases)
        func role(_ name: String, _ permissions: [Permission], _ scope: DataScope = .all) -> RoleDefinition {
            RoleDefinition(name: name, permissions: Set(permissions), scope: scope, builtIn: true)
        }
        return [
            role("owner", Array(all)),
            role("admin", Array(all)),
            role(
                "analyst",
                [
                    .customersRead, .audiencesRead, .audiencesWrite, .audiencesExport, .ordersRead, .loyaltyRead,
                    .insightsRead, .settingsRead,
                ]),
            role(
                "marketer",
                [.customersRead, .audiencesRead, .audiencesWrite, .audiencesExport, .loyaltyRead, .insightsRead]),
            role("sales", [.customersRead, .ordersRead, .loyaltyRead, .audiencesRead], .own),
            role(
                "service",
                [
                    .customersRead, .customersWrite, .piiView, .ordersRead, .ordersWrite, .loyaltyRead,
                    .loyaltyWrite,
                ]),
            role("auditor", [.auditRead, .clusterRead, .settingsRead]),
        ]
    }()

    /// A built-in role by name.
    public static func builtIn(named name: String) -> RoleDefinition? { builtIn.first { $0.name == name } }
}

/// Who is asking: an admin key or a signed-in user, with what their role allows.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case apiKey = "api_key"
        case user
    }

    public var workspaceID: Int64
    public var kind: Kind
    /// The key's or the user's id.
    public var id: Int64
    /// The key's name or the username.
    public var name: String
    public var role: RoleDefinition
    /// The user's team (data scope `team`).
    public var team: String?

    public init(workspaceID: Int64, kind: Kind, id: Int64, name: String, role: RoleDefinition, team: String? = nil) {
        self.workspaceID = workspaceID
        self.kind = kind
        self.id = id
        self.name = name
        self.role = role
        self.team = team
    }

    /// Whether the role grants `permission`.
    public func can(_ permission: Permission) -> Bool { role.permissions.contains(permission) }

    /// Throws 403 `permission_denied` unless the role grants `permission`.
    public func require(_ permission: Permission) throws(PanoramaError) {
        guard can(permission) else {
            throw PanoramaError(
                .forbidden, code: "permission_denied",
                message:
                    "the role '\(role.name)' lacks the permission '\(permission.rawValue)'; ask an administrator / 角色 '\(role.name)' 没有权限 '\(permission.rawValue)'，请联系管理员"
            )
        }
    }

    /// How the audit log names this actor.
    public var auditName: String { "\(kind.rawValue):\(name)" }
}

/// The customers a principal may see: everyone, or those whose `owner` attribute (a trait set
/// by identify, import or the CRM: the username of the salesperson) names one of a set of users.
public enum CustomerScope: Sendable, Equatable {
    case all
    case owners(Set<String>)

    /// The attribute naming a customer's owner.
    public static let ownerAttribute = "owner"

    /// Whether a profile is in scope.
    public func allows(_ profile: Profile) -> Bool {
        guard case .owners(let owners) = self else { return true }
        guard let trait = profile.traits.first(where: { $0.name == Self.ownerAttribute }),
            case .string(let owner)? = try? JSONParser.parse(trait.json)
        else { return false }
        return owners.contains(owner)
    }

    /// The store filter of a customer list.
    public var query: (name: String, jsonValues: [String])? {
        guard case .owners(let owners) = self else { return nil }
        return (Self.ownerAttribute, owners.sorted().map(\.jsonQuoted))
    }

    /// 404 for a customer out of scope, as for one that does not exist (no existence leaks).
    public func require(_ profile: Profile) throws -> Profile {
        guard allows(profile) else { throw PanoramaError.customerNotFound(profile.id) }
        return profile
    }
}
