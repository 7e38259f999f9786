import Foundation
import Hummingbird
import NIOCore
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// The web console under `/app`: server-rendered pages over the same services as the REST API
/// (so masking, data scopes and permissions are the API's), in Chinese and English.
struct ConsoleController: Sendable {
    let services: Services
    let renderer: ConsoleRenderer
    /// Where the dashboard's figures come from (the insights service; the store for the refund rate).
    let dashboard: any DashboardSource
    /// The repurchase and basket pages' results (they read order lines from the store), kept
    /// `analysisMaxAge` per workspace, scope, parameters and the store's activity counter.
    let repurchaseResults = ConsoleCache<RepurchaseResult>()
    let basketResults = ConsoleCache<BasketResult>()
    /// The dashboard and its breakdowns, kept `dashboardMaxAge` in the same way.
    let dashboards = ConsoleCache<Dashboard>()
    let breakdowns = ConsoleCache<KPIReport>()

    /// Who may open each console route (merged into `RoutePermissions`; a test walks every route).
    static let routePolicies: [String: RoutePermissions.Requirement] = {
        var t: [String: RoutePermissions.Requirement] = [:]
        func add(_ requirement: RoutePermissions.Requirement, _ routes: String...) {
            for r in routes { t[r] = requirement }
        }
        add(.open, "GET /app", "GET /app/sign-in", "POST /app/sign-in", "GET /app/lang", "GET /app/static/{file}")
        add(.authenticated, "POST /app/sign-out")
        add(.permission(.customersRead), "GET /app/dashboard", "GET /app/customers", "GET /app/customers/{id}")
        add(.permission(.insightsRead), "GET /app/dashboard/customers")
        add(.permission(.customersWrite), "POST /app/merges/{id}/undo")
        add(
            .permission(.audiencesRead), "GET /app/audiences", "GET /app/audiences/{kind}/{name}",
            "POST /app/rules/count")
        add(.permission(.audiencesExport), "GET /app/audiences/{kind}/{name}/export")
        add(.permission(.audiencesWrite), "GET /app/segments/new", "POST /app/segments")
        add(.permission(.settingsRead), "GET /app/settings")
        // Settings edits need what their REST routes need (RoutePermissions): identifier types and
        // the loyalty program settings.write, keys keys.manage; the time zone settings.write.
        add(
            .permission(.settingsWrite), "POST /app/settings/time-zone", "POST /app/settings/identifier-types",
            "POST /app/settings/loyalty")
        add(.permission(.keysManage), "POST /app/settings/keys", "POST /app/settings/keys/{id}/revoke")
        add(.permission(.insightsRead), "GET /app/insights/roi")
        // As PUT /api/v1/insights/campaigns/{name}/cost.
        add(.permission(.audiencesWrite), "POST /app/insights/roi/cost")
        add(
            .permission(.insightsRead), "GET /app/insights", "GET /app/insights/cohorts", "GET /app/insights/funnel",
            "GET /app/insights/funnel/drop-off", "GET /app/insights/repurchase", "GET /app/insights/basket",
            "GET /app/insights/predictions")
        add(.permission(.audiencesWrite), "POST /app/insights/funnel/drop-off")
        add(.permission(.auditRead), "GET /app/audit")
        add(
            .permission(.importsRun), "GET /app/imports", "POST /app/imports", "GET /app/imports/{id}",
            "POST /app/imports/{id}", "GET /app/imports/{id}/rejected")
        return t
    }()

    /// Registers the console's routes behind `ConsoleMiddleware`.
    static func register(on router: some RouterMethods<AppRequestContext>, services: Services) {
        let renderer = ConsoleRenderer()
        let controller = ConsoleController(
            services: services, renderer: renderer,
            dashboard: InsightsDashboardSource(
                insights: services.insights,
                store: StoreDashboardSource(store: services.store, audiences: services.audiences, clock: services.clock),
                audiences: services.audiences))
        let app = router.group("app").add(middleware: ConsoleMiddleware(services: services, renderer: renderer))
        app.get { request, context in
            let signedIn = (try? await ConsoleMiddleware(services: services, renderer: renderer).authenticate(request))
            return ConsoleRenderer.redirect(signedIn.map { ConsoleRenderer.home(for: $0.0) } ?? "/app/sign-in")
        }
        app.get("sign-in", use: controller.signInPage)
        app.post("sign-in", use: controller.signIn)
        app.post("sign-out", use: controller.signOut)
        app.get("lang", use: controller.switchLanguage)
        app.get("static/:file", use: controller.staticFile)
        app.get("dashboard", use: controller.dashboardPage)
        app.get("dashboard/customers", use: controller.dashboardCustomers)
        app.get("customers", use: controller.customersPage)
        app.get("customers/:id", use: controller.customerPage)
        app.post("merges/:id/undo", use: controller.undoMerge)
        app.get("audiences", use: controller.audiencesPage)
        app.get("audiences/:kind/:name", use: controller.audiencePage)
        app.get("audiences/:kind/:name/export", use: controller.exportAudience)
        app.get("segments/new", use: controller.builderPage)
        app.post("segments", use: controller.saveSegment)
        app.post("rules/count", use: controller.countRule)
        app.get("settings", use: controller.settingsPage)
        app.post("settings/time-zone", use: controller.saveTimeZone)
        app.post("settings/identifier-types", use: controller.saveIdentifierTypeForm)
        app.post("settings/keys", use: controller.createKeyForm)
        app.post("settings/keys/:id/revoke", use: controller.revokeKeyForm)
        app.post("settings/loyalty", use: controller.saveLoyaltyForm)
        app.get("insights/roi", use: controller.roiPage)
        app.post("insights/roi/cost", use: controller.saveCampaignCost)
        app.get("insights", use: controller.rfmPage)
        app.get("insights/cohorts", use: controller.cohortsPage)
        app.get("insights/funnel", use: controller.funnelPage)
        app.get("insights/funnel/drop-off", use: controller.funnelDropOffPage)
        app.post("insights/funnel/drop-off", use: controller.saveDropOff)
        app.get("insights/repurchase", use: controller.repurchasePage)
        app.get("insights/basket", use: controller.basketPage)
        app.get("insights/predictions", use: controller.predictionsPage)
        app.get("audit", use: controller.auditPage)
        app.get("imports", use: controller.importsPage)
        app.post("imports", use: controller.uploadImport)
        app.get("imports/:id", use: controller.importPage)
        app.post("imports/:id", use: controller.importAction)
        app.get("imports/:id/rejected", use: controller.rejectedRows)
    }

    // MARK: Shared

    /// The viewer of a request (after `ConsoleMiddleware`: principal, CSRF token, scope).
    func viewer(_ request: Request, _ context: AppRequestContext) async -> ConsoleViewer {
        var zone = TimeZone(identifier: "Asia/Shanghai")!
        if let workspaceID = context.principal?.workspaceID,
            let name = try? await services.store.workspaces().first(where: { $0.id == workspaceID })?.timeZone,
            let z = TimeZone(identifier: name)
        {
            zone = z
        }
        return ConsoleViewer(
            locale: ConsoleLocale.of(request), principal: context.principal, csrf: context.consoleCSRF ?? "",
            path: request.uri.description, zone: zone)
    }

    /// The form of a POST (the middleware has already checked its CSRF token).
    func form(_ request: Request) async throws -> ConsoleForm {
        let buffer = try await request.body.collect(upTo: ConsoleMiddleware.maxBody)
        return ConsoleForm.parse(contentType: request.headers[.contentType], body: buffer)
    }

    /// A local path to go back to (never another host).
    static func safeLocal(_ path: String?, default fallback: String) -> String {
        guard let path, path.hasPrefix("/app"), !path.hasPrefix("//"), !path.contains("\\") else { return fallback }
        return path
    }

    /// A path segment percent-encoded (tag and segment names are often Chinese).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
            ?? text
    }

    /// A query value percent-encoded.
    static func query(_ text: String) -> String { segment(text) }

    // MARK: Sign-in, sign-out, language, static files

    @Sendable func signInPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        var model: [String: Any] = [
            "next": Self.safeLocal(request.uri.queryParameters.get("next"), default: "")
        ]
        if let error = request.uri.queryParameters.get("error") { model["error"] = viewer.t("sign_in_" + error) }
        return renderer.page("sign-in", title: viewer.t("sign_in_title"), model: model, viewer: viewer)
    }

    /// Signs in with username, password (and TOTP code when enrolled) or with an admin key.
    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await form(request)
        let viewer = await viewer(request, context)
        let next = form["next"].flatMap { $0.isEmpty ? nil : $0 }
        func failed(_ code: String, username: String? = nil) -> Response {
            var model: [String: Any] = ["error": viewer.t("sign_in_" + code), "next": next ?? ""]
            if let username { model["username"] = username }
            return renderer.page(
                "sign-in", title: viewer.t("sign_in_title"), model: model, viewer: viewer, status: .unauthorized)
        }
        let client = ClientAddress.of(request, context)
        if let secret = form["admin_key"]?.trimmingCharacters(in: .whitespaces), !secret.isEmpty {
            if case .limited = services.rateLimiters.allowLogin(username: "admin-key", clientAddress: client) {
                return failed("rate_limited")
            }
            guard let key = try? await services.keys.authenticate(secret: secret, kind: .admin),
                let principal = try? await services.access.principal(for: key)
            else { return failed("invalid_key") }
            try? await services.audit.record(
                workspaceID: key.workspaceID, actor: principal.auditName, actorKind: .apiKey, action: "auth.sign_in",
                target: "key:\(key.id)", sourceIP: client, detail: ["via": "console"])
            return ConsoleRenderer.redirect(
                Self.safeLocal(next, default: ConsoleRenderer.home(for: principal)),
                cookies: [
                    "\(ConsoleMiddleware.keyCookie)=\(secret); Path=/app; HttpOnly; SameSite=Strict; Max-Age=43200"
                        + (services.configuration.tls != nil ? "; Secure" : "")
                ])
        }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty else { return failed("invalid_credentials", username: username) }
        if case .limited = services.rateLimiters.allowLogin(username: username.lowercased(), clientAddress: client) {
            return failed("rate_limited", username: username)
        }
        let workspaces = try await services.store.workspaces()
        guard let workspace = workspaces.first else { return failed("invalid_credentials", username: username) }
        let signIn: SignIn
        do {
            signIn = try await services.access.signIn(
                workspaceID: workspace.id, username: username, password: password,
                totpCode: form["totp"].flatMap { $0.isEmpty ? nil : $0.replacingOccurrences(of: " ", with: "") },
                sourceIP: client)
        } catch let error as PanoramaError {
            try? await services.audit.record(
                workspaceID: workspace.id, actor: "user:\(username.lowercased().prefix(100))", actorKind: .user,
                action: "auth.sign_in_failed", target: "user:\(username.lowercased().prefix(100))", sourceIP: client,
                detail: ["reason": error.code, "via": "console"])
            switch error.code {
            case "totp_required", "totp_invalid", "account_locked": return failed(error.code, username: username)
            default: return failed("invalid_credentials", username: username)
            }
        }
        try? await services.audit.record(
            workspaceID: workspace.id, actor: "user:\(signIn.user.username)", actorKind: .user, action: "auth.sign_in",
            target: "user:\(signIn.user.id)", sourceIP: client,
            detail: [
                "role": signIn.user.role, "second_factor": signIn.user.totpLastStep != nil ? "totp" : "none",
                "via": "console",
            ])
        let maxAge = max(0, (signIn.expiresAt - services.clock.now()) / 1000)
        let role = (try? await services.access.role(workspaceID: workspace.id, named: signIn.user.role))
        let home =
            role.map {
                ConsoleRenderer.home(
                    for: Principal(
                        workspaceID: workspace.id, kind: .user, id: signIn.user.id, name: signIn.user.username, role: $0))
            } ?? "/app/dashboard"
        return ConsoleRenderer.redirect(
            Self.safeLocal(next, default: home),
            cookies: [
                "\(AuthMiddleware.cookieName)=\(signIn.token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)"
                    + (services.configuration.tls != nil ? "; Secure" : "")
            ])
    }

    @Sendable func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token = context.sessionToken { try? await services.access.signOut(sessionToken: token) }
        return ConsoleRenderer.redirect(
            "/app/sign-in",
            cookies: [
                "\(AuthMiddleware.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                "\(ConsoleMiddleware.keyCookie)=; Path=/app; HttpOnly; SameSite=Strict; Max-Age=0",
            ])
    }

    /// `?set=en|zh-CN&back=/app/…`: remembers the choice for a year and goes back.
    @Sendable func switchLanguage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let chosen = request.uri.queryParameters.get("set").flatMap { ConsoleLocale.parse($0) } ?? .zh
        let back = Self.safeLocal(request.uri.queryParameters.get("back"), default: "/app")
        return ConsoleRenderer.redirect(
            back, cookies: ["\(ConsoleLocale.cookieName)=\(chosen.rawValue); Path=/app; SameSite=Lax; Max-Age=31536000"])
    }

    @Sendable func staticFile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (body, type): (String, String)
        switch context.parameters.get("file") {
        case "console.css": (body, type) = (ConsoleStatic.css, "text/css; charset=utf-8")
        case "console.js": (body, type) = (ConsoleStatic.js, "text/javascript; charset=utf-8")
        default: throw PanoramaError.notFound("static_not_found", "no such file")
        }
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
