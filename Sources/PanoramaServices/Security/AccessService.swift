import Foundation
import PanoramaCore
import PanoramaStore
import Synchronization

/// A successful sign-in: the session token (shown once, as a cookie or bearer token), the
/// CSRF token the console sends back on every form, and the user.
public struct SignIn: Sendable, Equatable {
    public var token: String
    public var csrfToken: String
    public var expiresAt: Int64
    public var user: StoredUser
}

/// Users, roles, sign-in and sessions of the console, and the principal behind each request.
///
/// Passwords are bcrypt hashes (`PasswordHasher`); sessions are random 190-bit tokens stored as
/// SHA-256 hashes, ending after `idleMillis` without use or `lifetimeMillis` in all. After
/// `lockoutThreshold` failed sign-ins in a row the account is locked, for one minute at the
/// threshold and twice as long with every further failure (at most an hour); a correct password
/// during the lock is refused too. A user with TOTP confirmed signs in with a code as well.
public final class AccessService: Sendable {
    private let store: any PanoramaStore
    private let clock: WallClock
    private let hasher: PasswordHasher
    private let policy = PasswordPolicy()
    public let idleMillis: Int64
    public let lifetimeMillis: Int64
    public static let lockoutThreshold: Int64 = 5
    /// A hash compared against when the user does not exist, so that both answers take as long
    /// (made on first need: hashing at the configured cost takes a noticeable fraction of a second).
    private let dummy = Mutex<String?>(nil)

    public init(
        store: any PanoramaStore, clock: WallClock, bcryptCost: Int = 12, idleMillis: Int64 = 12 * 3_600_000,
        lifetimeMillis: Int64 = 7 * 86_400_000
    ) {
        self.store = store
        self.clock = clock
        self.hasher = PasswordHasher(cost: bcryptCost)
        self.idleMillis = idleMillis
        self.lifetimeMillis = lifetimeMillis
    }

    // MARK: Roles

    /// Built-in roles followed by the workspace's own.
    public func roles(workspaceID: Int64) async throws -> [RoleDefinition] {
        let custom = try await store.roles(workspaceID: workspaceID).map { stored in
            RoleDefinition(
                name: stored.name, permissions: Set(stored.permissions.compactMap(Permission.init(rawValue:))),
                scope: DataScope(rawValue: stored.scope) ?? .own, builtIn: false)
        }
        return RoleDefinition.builtIn + custom
    }

    /// A role by name; 400 `unknown_role` listing the names there are.
    public func role(workspaceID: Int64, named name: String) async throws -> RoleDefinition {
        let all = try await roles(workspaceID: workspaceID)
        guard let found = all.first(where: { $0.name == name }) else {
            throw PanoramaError.badRequest(
                "unknown_role", "no role '\(name)'; roles: \(all.map(\.name).joined(separator: ", "))", field: "role")
        }
        return found
    }

    /// Creates or replaces a custom role; built-in names are refused.
    public func saveRole(workspaceID: Int64, name: String, permissions: [String], scope: String) async throws
        -> RoleDefinition
    {
        guard Self.isValidName(name) else {
            throw PanoramaError.badRequest(
                "invalid_role_name", "a role name has 2–64 characters: letters, digits, . _ -", field: "name")
        }
        guard RoleDefinition.builtIn(named: name) == nil else {
            throw PanoramaError.conflict("role_built_in", "'\(name)' is a built-in role and cannot be changed")
        }
        var granted: [Permission] = []
        for text in permissions {
            guard let permission = Permission(rawValue: text) else {
                throw PanoramaError.badRequest(
                    "unknown_permission",
                    "no permission '\(text)'; permissions: \(Permission.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "permissions")
            }
            granted.append(permission)
        }
        guard let dataScope = DataScope(rawValue: scope) else {
            throw PanoramaError.badRequest("invalid_scope", "scope is all, team or own", field: "scope")
        }
        try await store.saveRole(
            StoredRole(
                workspaceID: workspaceID, name: name, permissions: granted.map(\.rawValue).sorted(),
                scope: dataScope.rawValue, createdAt: clock.now()))
        return RoleDefinition(name: name, permissions: Set(granted), scope: dataScope, builtIn: false)
    }

    /// Deletes a custom role that no user holds.
    public func deleteRole(workspaceID: Int64, name: String) async throws {
        guard RoleDefinition.builtIn(named: name) == nil else {
            throw PanoramaError.conflict("role_built_in", "'\(name)' is a built-in role and cannot be deleted")
        }
        let holders = try await store.users(workspaceID: workspaceID).filter { $0.role == name }.map(\.username)
        guard holders.isEmpty else {
            throw PanoramaError.conflict(
                "role_in_use", "'\(name)' is held by \(holders.joined(separator: ", ")); give them another role first")
        }
        guard try await store.deleteRole(workspaceID: workspaceID, name: name) else {
            throw PanoramaError.notFound("role_not_found", "no custom role '\(name)'")
        }
    }

    // MARK: Principals

    /// The principal of an authenticated admin key: its role (admin unless one was given).
    public func principal(for key: APIKey) async throws -> Principal {
        let name = try await store.keyRole(keyID: key.id) ?? "admin"
        let role =
            (try? await self.role(workspaceID: key.workspaceID, named: name))
            ?? RoleDefinition(name: name, permissions: [], scope: .own, builtIn: false)
        return Principal(workspaceID: key.workspaceID, kind: .apiKey, id: key.id, name: key.name, role: role)
    }

    /// The customers a principal may see. Team scope: the customers owned by the users of the
    /// principal's team and of the teams below it (team names are paths: `east` holds `east/shanghai`).
    public func scope(for principal: Principal) async throws -> CustomerScope {
        switch principal.role.scope {
        case .all: return .all
        case .own: return .owners(principal.kind == .user ? [principal.name] : [])
        case .team:
            guard principal.kind == .user, let team = principal.team else {
                return .owners(principal.kind == .user ? [principal.name] : [])
            }
            let members = try await store.users(workspaceID: principal.workspaceID).filter { user in
                guard let t = user.team else { return false }
                return t == team || t.hasPrefix(team + "/")
            }
            return .owners(Set(members.map(\.username)).union([principal.name]))
        }
    }

    /// Gives an admin key a role.
    public func setRole(of key: APIKey, to role: String) async throws {
        _ = try await self.role(workspaceID: key.workspaceID, named: role)
        try await store.setKeyRole(keyID: key.id, role: role)
    }

    // MARK: Users

    /// Creates a user after checking the username, the role and the password policy.
    public func createUser(
        workspaceID: Int64, username: String, displayName: String?, password: String, role: String, team: String?
    ) async throws -> StoredUser {
        let username = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard Self.isValidName(username) || username.contains("@") && username.count <= 100 else {
            throw PanoramaError.badRequest(
                "invalid_username", "a username has 2–64 characters: letters, digits, . _ - (or an email address)",
                field: "username")
        }
        _ = try await self.role(workspaceID: workspaceID, named: role)
        let hash = try hashChecked(password)
        let now = clock.now()
        var user = StoredUser(
            workspaceID: workspaceID, username: username, displayName: displayName ?? username, passwordHash: hash,
            role: role, team: team, createdAt: now, updatedAt: now)
        guard let id = try await store.createUser(user) else {
            throw PanoramaError.conflict("user_exists", "a user named '\(username)' exists")
        }
        user.id = id
        return user
    }

    public func users(workspaceID: Int64) async throws -> [StoredUser] { try await store.users(workspaceID: workspaceID) }

    /// A user of the workspace; 404 otherwise.
    public func user(workspaceID: Int64, id: Int64) async throws -> StoredUser {
        guard let user = try await store.user(id: id), user.workspaceID == workspaceID else {
            throw PanoramaError.notFound("user_not_found", "no user \(id) in this workspace")
        }
        return user
    }

    /// Changes a user's role, team, display name, password or disabled state. A new password or
    /// disabling ends the user's sessions.
    public func updateUser(
        workspaceID: Int64, id: Int64, displayName: String? = nil, role: String? = nil, team: String?? = nil,
        password: String? = nil, disabled: Bool? = nil
    ) async throws -> StoredUser {
        var user = try await self.user(workspaceID: workspaceID, id: id)
        if let displayName { user.displayName = displayName }
        if let role {
            _ = try await self.role(workspaceID: workspaceID, named: role)
            user.role = role
        }
        if let team { user.team = team }
        var endSessions = false
        if let password {
            user.passwordHash = try hashChecked(password)
            user.failedLogins = 0
            user.lockedUntil = nil
            endSessions = true
        }
        if let disabled {
            user.disabledAt = disabled ? (user.disabledAt ?? clock.now()) : nil
            endSessions = endSessions || disabled
        }
        user.updatedAt = clock.now()
        try await store.updateUser(user)
        if endSessions { try await store.deleteSessions(userID: user.id) }
        return user
    }

    public func deleteUser(workspaceID: Int64, id: Int64) async throws {
        _ = try await user(workspaceID: workspaceID, id: id)
        _ = try await store.deleteUser(id: id)
    }

    private func hashChecked(_ password: String) throws -> String {
        do {
            try policy.validate(password)
            return try hasher.hash(password)
        } catch let error as PasswordError {
            throw error.panoramaError
        }
    }

    // MARK: Sign-in

    /// Checks username, password and (when enrolled) the TOTP code; opens a session.
    ///
    /// Unknown users and wrong passwords get the same answer (`invalid_credentials`) after the
    /// same work. A locked account answers `account_locked` with the time it opens again.
    public func signIn(
        workspaceID: Int64, username: String, password: String, totpCode: String?, sourceIP: String?
    ) async throws -> SignIn {
        let now = clock.now()
        let name = username.trimmingCharacters(in: .whitespaces).lowercased()
        guard var user = try await store.user(workspaceID: workspaceID, username: name), user.disabledAt == nil else {
            _ = hasher.verify(password, against: dummyHash())
            throw Self.invalidCredentials
        }
        if let until = user.lockedUntil, until > now {
            throw Self.locked(until: until, now: now)
        }
        guard hasher.verify(password, against: user.passwordHash) else {
            user.failedLogins += 1
            if user.failedLogins >= Self.lockoutThreshold {
                let minutes = Int64(1) << min(6, user.failedLogins - Self.lockoutThreshold)
                user.lockedUntil = now + minutes * 60_000
            }
            user.updatedAt = now
            try await store.updateUser(user)
            if let until = user.lockedUntil, until > now { throw Self.locked(until: until, now: now) }
            throw Self.invalidCredentials
        }
        if let confirmedStep = user.totpLastStep, let secret = user.totpSecret {
            guard let code = totpCode, !code.isEmpty else {
                throw PanoramaError(
                    .unauthorized, code: "totp_required",
                    message: "this account uses a second factor: send the 6-digit code as totp / 此账号启用了双重验证，请提供 6 位验证码")
            }
            let totp = TOTP(secret: (try? Base32.decode(secret)) ?? [])
            guard let step = totp.verify(code, at: Date(timeIntervalSince1970: Double(now) / 1000)), step > confirmedStep
            else {
                throw PanoramaError(
                    .unauthorized, code: "totp_invalid",
                    message: "the code is wrong or was used already; wait for the next one / 验证码错误或已使用，请等待下一个")
            }
            user.totpLastStep = Int64(step)
        }
        user.failedLogins = 0
        user.lockedUntil = nil
        user.updatedAt = now
        if hasher.needsRehash(user.passwordHash), let rehashed = try? hasher.hash(password) {
            user.passwordHash = rehashed
        }
        try await store.updateUser(user)
        let token = Self.randomToken(prefix: "ps_")
        let csrf = Self.randomToken(prefix: "")
        let expiresAt = now + lifetimeMillis
        try await store.createSession(
            StoredSession(
                tokenHash: KeyService.hash(token), workspaceID: workspaceID, userID: user.id, csrfToken: csrf,
                createdAt: now, expiresAt: expiresAt, lastSeenAt: now, sourceIP: sourceIP))
        return SignIn(token: token, csrfToken: csrf, expiresAt: expiresAt, user: user)
    }

    /// The principal and session of a session token; 401 when unknown, expired, idle too long or
    /// the user was disabled.
    public func authenticate(sessionToken: String) async throws -> (principal: Principal, session: StoredSession) {
        let now = clock.now()
        let hash = KeyService.hash(sessionToken)
        guard let session = try await store.session(tokenHash: hash) else { throw Self.sessionEnded }
        guard session.expiresAt > now, now - session.lastSeenAt < idleMillis else {
            try await store.deleteSession(tokenHash: hash)
            throw Self.sessionEnded
        }
        guard let user = try await store.user(id: session.userID), user.disabledAt == nil else {
            try await store.deleteSession(tokenHash: hash)
            throw Self.sessionEnded
        }
        if now - session.lastSeenAt > 60_000 { try await store.touchSession(tokenHash: hash, at: now) }
        let role =
            (try? await self.role(workspaceID: user.workspaceID, named: user.role))
            ?? RoleDefinition(name: user.role, permissions: [], scope: .own, builtIn: false)
        return (
            Principal(
                workspaceID: user.workspaceID, kind: .user, id: user.id, name: user.username, role: role,
                team: user.team), session
        )
    }

    /// Ends a session.
    public func signOut(sessionToken: String) async throws {
        try await store.deleteSession(tokenHash: KeyService.hash(sessionToken))
    }

    // MARK: Second factor

    /// Starts TOTP enrolment: a new secret (Base32) and its `otpauth://` URI for an authenticator
    /// app. Sign-in asks for codes only once `confirmTOTP` accepted one.
    public func beginTOTP(workspaceID: Int64, userID: Int64) async throws -> (secret: String, uri: String) {
        var user = try await user(workspaceID: workspaceID, id: userID)
        let secret = TOTP.generateSecret()
        user.totpSecret = Base32.encode(secret)
        user.totpLastStep = nil
        user.updatedAt = clock.now()
        try await store.updateUser(user)
        return (user.totpSecret ?? "", TOTP(secret: secret).provisioningURI(issuer: "Panorama", account: user.username))
    }

    /// Confirms enrolment with a code from the app; from now on sign-in needs a code.
    public func confirmTOTP(workspaceID: Int64, userID: Int64, code: String) async throws {
        var user = try await user(workspaceID: workspaceID, id: userID)
        guard let secret = user.totpSecret, let bytes = try? Base32.decode(secret) else {
            throw PanoramaError.conflict("totp_not_started", "start enrolment first (POST /api/v1/auth/totp/setup)")
        }
        guard let step = TOTP(secret: bytes).verify(code, at: Date(timeIntervalSince1970: Double(clock.now()) / 1000))
        else {
            throw PanoramaError.badRequest("totp_invalid", "the code does not match; check the app's clock", field: "code")
        }
        user.totpLastStep = Int64(step)
        user.updatedAt = clock.now()
        try await store.updateUser(user)
    }

    /// Turns the second factor off (an administrator, or the user with their password).
    public func disableTOTP(workspaceID: Int64, userID: Int64) async throws {
        var user = try await user(workspaceID: workspaceID, id: userID)
        user.totpSecret = nil
        user.totpLastStep = nil
        user.updatedAt = clock.now()
        try await store.updateUser(user)
    }

    // MARK: Helpers

    private func dummyHash() -> String {
        if let made = dummy.withLock({ $0 }) { return made }
        let made = (try? hasher.hash("panorama-dummy-password")) ?? ""
        dummy.withLock { $0 = made }
        return made
    }

    static let invalidCredentials = PanoramaError(
        .unauthorized, code: "invalid_credentials",
        message: "wrong username or password / 用户名或密码错误")

    static let sessionEnded = PanoramaError(
        .unauthorized, code: "session_expired", message: "the session has ended; sign in again / 会话已结束，请重新登录")

    static func locked(until: Int64, now: Int64) -> PanoramaError {
        let seconds = max(1, (until - now + 999) / 1000)
        return PanoramaError(
            .forbidden, code: "account_locked",
            message:
                "too many failed sign-ins: the account is locked for \(seconds) s / 登录失败次数过多，账号已锁定 \(seconds) 秒")
    }

    /// Compares two secrets in time that depends only on their lengths.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        PasswordHasher.constantTimeEqual(Array(a.utf8), Array(b.utf8))
    }

    static func isValidName(_ name: String) -> Bool {
        (2...64).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// 32 random base62 characters after `prefix`.
    static func randomToken(prefix: String) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
