import PanoramaCore

/// A console user as stored. The password only as its bcrypt hash; the TOTP secret as Base32
/// (set once the user confirmed it).
public struct StoredUser: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64
    public var username: String
    public var displayName: String
    public var passwordHash: String
    /// A built-in or custom role name.
    public var role: String
    /// The team the user belongs to (data scopes), nil for none.
    public var team: String?
    public var totpSecret: String?
    /// The last TOTP time step accepted (a code is never accepted twice).
    public var totpLastStep: Int64?
    /// Consecutive failed sign-ins; reset by a successful one.
    public var failedLogins: Int64
    /// Epoch ms until which sign-in is refused.
    public var lockedUntil: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var disabledAt: Int64?

    public init(
        id: Int64 = 0, workspaceID: Int64, username: String, displayName: String, passwordHash: String, role: String,
        team: String? = nil, totpSecret: String? = nil, totpLastStep: Int64? = nil, failedLogins: Int64 = 0,
        lockedUntil: Int64? = nil, createdAt: Int64, updatedAt: Int64, disabledAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.team = team
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.disabledAt = disabledAt
    }
}

/// A console session: the token itself is never stored, only its SHA-256.
public struct StoredSession: Sendable, Equatable {
    public var tokenHash: String
    public var workspaceID: Int64
    public var userID: Int64
    /// Sent back in `X-CSRF-Token` with every state-changing request made with the cookie.
    public var csrfToken: String
    public var createdAt: Int64
    public var expiresAt: Int64
    public var lastSeenAt: Int64
    public var sourceIP: String?

    public init(
        tokenHash: String, workspaceID: Int64, userID: Int64, csrfToken: String, createdAt: Int64, expiresAt: Int64,
        lastSeenAt: Int64, sourceIP: String?
    ) {
        self.tokenHash = tokenHash
        self.workspaceID = workspaceID
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
        self.sourceIP = sourceIP
    }
}

/// A workspace's own role: a set of permission names and a data scope.
public struct StoredRole: Sendable, Equatable {
    public var workspaceID: Int64
    public var name: String
    public var permissions: [String]
    public var scope: String
    public var createdAt: Int64

    public init(workspaceID: Int64, name: String, permissions: [String], scope: String, createdAt: Int64) {
        self.workspaceID = workspaceID
        self.name = name
        self.permissions = permissions
        self.scope = scope
        self.createdAt = createdAt
    }
}

/// Users, sessions, custom roles and the roles of admin keys.
public protocol AccessStore: Sendable {
    /// Inserts a user; nil when the workspace already has one of that username.
    func createUser(_ user: StoredUser) async throws -> Int64?
    func user(workspaceID: Int64, username: String) async throws -> StoredUser?
    func user(id: Int64) async throws -> StoredUser?
    func users(workspaceID: Int64) async throws -> [StoredUser]
    /// Replaces every field but the id, workspace and creation time.
    func updateUser(_ user: StoredUser) async throws
    /// Deletes a user and their sessions; false when there was none.
    func deleteUser(id: Int64) async throws -> Bool

    func createSession(_ session: StoredSession) async throws
    func session(tokenHash: String) async throws -> StoredSession?
    func touchSession(tokenHash: String, at: Int64) async throws
    func deleteSession(tokenHash: String) async throws
    /// Ends every session of a user (password change, disabling, deletion); returns how many.
    @discardableResult func deleteSessions(userID: Int64) async throws -> Int
    /// Removes sessions expired before `before`.
    @discardableResult func deleteExpiredSessions(before: Int64) async throws -> Int

    func roles(workspaceID: Int64) async throws -> [StoredRole]
    func saveRole(_ role: StoredRole) async throws
    func deleteRole(workspaceID: Int64, name: String) async throws -> Bool

    /// The role given to an admin key (nil: the default, admin).
    func keyRole(keyID: Int64) async throws -> String?
    func setKeyRole(keyID: Int64, role: String) async throws
}
