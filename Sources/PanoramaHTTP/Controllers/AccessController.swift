import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// REST: sign-in and sessions, the second factor, users and roles.
struct AccessController {
    let access: AccessService
    let store: any PanoramaStore
    let limiters: RateLimiters
    let audit: AuditService

    /// `POST /api/v1/auth/login`, open to everyone (outside the authenticated group).
    static func addSignIn(
        to router: some RouterMethods<AppRequestContext>, access: AccessService, store: any PanoramaStore,
        limiters: RateLimiters, audit: AuditService
    ) {
        router.post("api/v1/auth/login") { request, context in
            try await AccessController(access: access, store: store, limiters: limiters, audit: audit)
                .signIn(request, context: context)
        }
    }

    func addRoutes(to group: some RouterMethods<AppRequestContext>) {
        group.post("auth/logout", use: signOut)
        group.get("auth/me", use: me)
        group.post("auth/totp/setup", use: totpSetup)
        group.post("auth/totp/confirm", use: totpConfirm)
        group.delete("auth/totp", use: totpDisable)
        group.get("users", use: listUsers)
        group.post("users", use: createUser)
        group.get("users/:id", use: getUser)
        group.patch("users/:id", use: updateUser)
        group.delete("users/:id", use: deleteUser)
        group.get("roles", use: listRoles)
        group.post("roles", use: saveRole)
        group.delete("roles/:name", use: deleteRole)
    }

    // MARK: Sessions

    /// `{"username", "password", "totp"?, "workspace"?}` → the session token (also as an HttpOnly,
    /// SameSite=Strict cookie) and the CSRF token for forms.
    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
            throw PanoramaError.badRequest(
                "invalid_credentials_body", "send username and password as strings", field: "username")
        }
        let client = ClientAddress.of(request, context)
        if case .limited(let wait) = limiters.allowLogin(username: username.lowercased(), clientAddress: client) {
            throw PanoramaError.tooManyRequests(retryAfter: wait)
        }
        let workspaces = try await store.workspaces()
        let workspace: Workspace?
        if let name = body["workspace"]?.stringValue {
            workspace = workspaces.first { $0.name == name }
        } else {
            workspace = workspaces.first
        }
        guard let workspace else {
            throw PanoramaError(.unauthorized, code: "invalid_credentials", message: "wrong username or password / 用户名或密码错误")
        }
        let signIn: SignIn
        do {
            signIn = try await access.signIn(
                workspaceID: workspace.id, username: username, password: password,
                totpCode: body["totp"]?.stringValue, sourceIP: client)
        } catch let error as PanoramaError {
            try? await audit.record(
                workspaceID: workspace.id, actor: "user:\(username.lowercased().prefix(100))", actorKind: .user,
                action: "auth.sign_in_failed", target: "user:\(username.lowercased().prefix(100))", sourceIP: client,
                detail: ["reason": error.code])
            throw error
        }
        try? await audit.record(
            workspaceID: workspace.id, actor: "user:\(signIn.user.username)", actorKind: .user, action: "auth.sign_in",
            target: "user:\(signIn.user.id)", sourceIP: client,
            detail: ["role": signIn.user.role, "second_factor": signIn.user.totpLastStep != nil ? "totp" : "none"])
        var response = JSONResponse.make(
            .object([
                "token": .string(signIn.token), "csrf_token": .string(signIn.csrfToken),
                "expires_at": signIn.expiresAt.isoTime, "user": Self.json(signIn.user),
            ]))
        let maxAge = (signIn.expiresAt - Int64(Date().timeIntervalSince1970 * 1000)) / 1000
        response.headers[values: .setCookie].append(
            "\(AuthMiddleware.cookieName)=\(signIn.token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(max(0, maxAge))")
        return response
    }

    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token = context.sessionToken { try await access.signOut(sessionToken: token) }
        var response = Response(status: .noContent)
        response.headers[values: .setCookie].append(
            "\(AuthMiddleware.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
        return response
    }

    /// Who the caller is: kind, name, role, permissions and data scope.
    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requiredPrincipal
        return JSONResponse.make(
            .object([
                "kind": .string(principal.kind.rawValue), "id": .number(JSONNumber(principal.id)),
                "name": .string(principal.name), "role": Self.json(principal.role),
                "team": principal.team.map(JSONValue.string) ?? .null,
            ]))
    }

    // MARK: Second factor

    private func signedInUser(_ context: AppRequestContext) throws -> Principal {
        let principal = try context.requiredPrincipal
        guard principal.kind == .user else {
            throw PanoramaError.badRequest(
                "not_a_user", "the second factor belongs to users; sign in as one (an API key has none)")
        }
        return principal
    }

    @Sendable func totpSetup(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try signedInUser(context)
        let (secret, uri) = try await access.beginTOTP(workspaceID: user.workspaceID, userID: user.id)
        return JSONResponse.make(.object(["secret": .string(secret), "uri": .string(uri)]))
    }

    @Sendable func totpConfirm(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try signedInUser(context)
        guard let code = try await AdminController.jsonBody(request)["code"]?.stringValue else {
            throw PanoramaError.badRequest("invalid_code", "send the 6-digit code as code", field: "code")
        }
        try await access.confirmTOTP(workspaceID: user.workspaceID, userID: user.id, code: code)
        return Response(status: .noContent)
    }

    @Sendable func totpDisable(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try signedInUser(context)
        try await access.disableTOTP(workspaceID: user.workspaceID, userID: user.id)
        return Response(status: .noContent)
    }

    // MARK: Users

    static func json(_ user: StoredUser) -> JSONValue {
        .object([
            "id": .number(JSONNumber(user.id)), "username": .string(user.username),
            "display_name": .string(user.displayName), "role": .string(user.role),
            "team": user.team.map(JSONValue.string) ?? .null, "totp": .bool(user.totpLastStep != nil),
            "locked_until": user.lockedUntil.isoTime, "created_at": user.createdAt.isoTime,
            "disabled_at": user.disabledAt.isoTime,
        ])
    }

    static func json(_ role: RoleDefinition) -> JSONValue {
        .object([
            "name": .string(role.name),
            "permissions": .array(JSONArray(role.permissions.sorted().map { .string($0.rawValue) })),
            "scope": .string(role.scope.rawValue), "built_in": .bool(role.builtIn),
        ])
    }

    @Sendable func listUsers(_ request: Request, context: AppRequestContext) async throws -> Response {
        let users = try await access.users(workspaceID: try context.workspaceID)
        return JSONResponse.make(.object(["data": .array(JSONArray(users.map(Self.json)))]))
    }

    @Sendable func getUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONResponse.make(Self.json(try await access.user(workspaceID: try context.workspaceID, id: try Params.id(context))))
    }

    /// `{"username", "password", "role", "display_name"?, "team"?}`.
    @Sendable func createUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue,
            let role = body["role"]?.stringValue
        else {
            throw PanoramaError.badRequest(
                "invalid_user", "send username, password and role as strings", field: "username")
        }
        let user = try await access.createUser(
            workspaceID: try context.workspaceID, username: username, displayName: body["display_name"]?.stringValue,
            password: password, role: role, team: body["team"]?.stringValue)
        return JSONResponse.make(Self.json(user), status: .created)
    }

    /// Any of `display_name`, `role`, `team` (null clears), `password`, `disabled`.
    @Sendable func updateUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        let team: String?? =
            switch body["team"] {
            case nil: .none
            case let value?: .some(value.isNull ? nil : value.stringValue)
            }
        if let disabled = body["disabled"], disabled.boolValue == nil {
            throw PanoramaError.badRequest("invalid_disabled", "disabled must be true or false", field: "disabled")
        }
        let user = try await access.updateUser(
            workspaceID: try context.workspaceID, id: try Params.id(context),
            displayName: body["display_name"]?.stringValue, role: body["role"]?.stringValue, team: team,
            password: body["password"]?.stringValue, disabled: body["disabled"]?.boolValue)
        return JSONResponse.make(Self.json(user))
    }

    @Sendable func deleteUser(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await access.deleteUser(workspaceID: try context.workspaceID, id: try Params.id(context))
        return Response(status: .noContent)
    }

    // MARK: Roles

    @Sendable func listRoles(_ request: Request, context: AppRequestContext) async throws -> Response {
        let roles = try await access.roles(workspaceID: try context.workspaceID)
        return JSONResponse.make(.object(["data": .array(JSONArray(roles.map(Self.json)))]))
    }

    /// `{"name", "permissions": [...], "scope": "all|team|own"}` creates or replaces a custom role.
    @Sendable func saveRole(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await AdminController.jsonBody(request)
        guard let name = body["name"]?.stringValue, let permissions = body["permissions"]?.arrayValue else {
            throw PanoramaError.badRequest("invalid_role", "send name and a permissions list", field: "name")
        }
        let role = try await access.saveRole(
            workspaceID: try context.workspaceID, name: name, permissions: permissions.compactMap(\.stringValue),
            scope: body["scope"]?.stringValue ?? "all")
        return JSONResponse.make(Self.json(role), status: .created)
    }

    @Sendable func deleteRole(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await access.deleteRole(workspaceID: try context.workspaceID, name: try Params.string(context, "name"))
        return Response(status: .noContent)
    }
}
