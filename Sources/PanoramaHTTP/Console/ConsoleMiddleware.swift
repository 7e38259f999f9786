import Foundation
import Hummingbird
import NIOCore
import PanoramaCore
import PanoramaServices

/// Guards every `/app` route: the route's requirement from `RoutePermissions` (open, signed in,
/// or a permission; a route not listed is refused), the principal from the session cookie (a
/// user) or the console key cookie (an admin key), the CSRF token on every state-changing request
/// (form field `_csrf` or header `X-CSRF-Token`), and the data scope. Errors become HTML pages in
/// the viewer's language; an unauthenticated page request goes to the sign-in page.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let services: Services
    let renderer: ConsoleRenderer

    /// The console's admin-key sign-in keeps the key in this cookie (HttpOnly, SameSite=Strict, /app only).
    static let keyCookie = "panorama_console_key"
    /// Largest form body the console reads (the import upload; larger files: `panorama import`).
    static let maxBody = 64 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let locale = ConsoleLocale.of(request)
        var context = context
        var request = request
        do {
            let route = context.endpointPath ?? request.uri.path
            guard let requirement = RoutePermissions.requirement(method: request.method.rawValue, path: route) else {
                throw PanoramaError(.forbidden, code: "permission_denied", message: locale.text("error_forbidden"))
            }
            if requirement == .open { return try await next(request, context) }
            let (principal, csrf, token) = try await authenticate(request)
            if ![.get, .head].contains(request.method) {
                var sent = request.headers[AuthMiddleware.csrfHeader]
                if sent == nil {
                    let buffer = try await request.body.collect(upTo: Self.maxBody)
                    sent = ConsoleForm.parse(contentType: request.headers[.contentType], body: buffer)["_csrf"]
                    request.body = .init(buffer: buffer)
                }
                guard let sent, AccessService.constantTimeEqual(sent, csrf) else {
                    throw PanoramaError(.forbidden, code: "csrf_failed", message: locale.text("error_csrf"))
                }
            }
            context.principal = principal
            context.sessionToken = token
            context.consoleCSRF = csrf
            if case .permission(let permission) = requirement { try principal.require(permission) }
            context.scope = try await services.access.scope(for: principal)
            if request.method == .get, !Self.withoutCustomerData.contains(route),
                // A third of the patience: while a million customers load, both cores are busy and
                // every other step of the answer takes longer too.
                let customers = await services.audiences.loadingProgress(
                    try context.workspaceID, patience: services.configuration.consolePatience / 3)
            {
                return loadingPage(customers: customers, request: request, context: context, locale: locale)
            }
            return try await next(request, context)
        } catch let error as PanoramaError {
            return errorPage(error, request: request, context: context, locale: locale)
        }
    }

    /// The pages that do not read the audience engine: they open while it loads after a start.
    static let withoutCustomerData: Set<String> = [
        "/app/settings", "/app/audit", "/app/imports", "/app/imports/{id}", "/app/imports/{id}/rejected",
    ]

    /// While the workspace's customers load after a start (most of a minute at a million), a page
    /// that needs them says so, with how many are in, and reloads itself (HTTP 202).
    func loadingPage(customers: Int, request: Request, context: Context, locale: ConsoleLocale) -> Response {
        let viewer = Self.viewer(request, context, locale)
        let heading = locale.text("engine_loading_title")
        return renderer.page(
            "loading", title: heading, model: ["heading": heading], viewer: viewer,
            notice: ConsoleNotice(text: locale.text("engine_loading", locale.number(Int64(customers))), pending: true))
    }

    /// The viewer of a page the middleware answers itself (before the controller's own viewer).
    static func viewer(_ request: Request, _ context: Context, _ locale: ConsoleLocale) -> ConsoleViewer {
        ConsoleViewer(
            locale: locale, principal: context.principal, csrf: context.consoleCSRF ?? "",
            path: request.uri.description, zone: TimeZone(identifier: "Asia/Shanghai")!)
    }

    /// The principal of the request's session or console key cookie, its CSRF token and the session token.
    func authenticate(_ request: Request) async throws -> (Principal, String, String?) {
        if let token = AuthMiddleware.cookie(AuthMiddleware.cookieName, in: request) {
            let (principal, session) = try await services.access.authenticate(sessionToken: token)
            return (principal, session.csrfToken, token)
        }
        if let secret = AuthMiddleware.cookie(Self.keyCookie, in: request) {
            let key = try await services.keys.authenticate(secret: secret, kind: .admin)
            return (try await services.access.principal(for: key), KeyService.consoleCSRF(forKey: secret), nil)
        }
        throw PanoramaError(.unauthorized, code: "sign_in_required", message: "sign in")
    }

    func errorPage(_ error: PanoramaError, request: Request, context: Context, locale: ConsoleLocale) -> Response {
        let path = request.uri.description
        if error.kind == .unauthorized {
            if request.method == .get {
                let next = path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return ConsoleRenderer.redirect("/app/sign-in?next=\(next)")
            }
        }
        let viewer = Self.viewer(request, context, locale)
        let status = JSONResponse.status(of: error.kind)
        let heading: String
        let message: String
        switch error.kind {
        case .unauthorized: (heading, message) = (locale.text("error_unauthorized"), locale.text("error_sign_in_again"))
        case .forbidden:
            heading = locale.text("error_forbidden")
            message = error.code == "csrf_failed" ? locale.text("error_csrf") : locale.text("error_forbidden_detail")
        case .notFound: (heading, message) = (locale.text("error_not_found"), Self.localized(error.message, locale))
        case .internal, .unavailable: (heading, message) = (locale.text("error_server"), locale.text("error_server_detail"))
        default: (heading, message) = (locale.text("error_bad_request"), Self.localized(error.message, locale))
        }
        return renderer.page(
            "error", title: heading, model: ["heading": heading, "message": message], viewer: viewer, status: status)
    }

    /// Error messages of the services are often "english / 中文": the half in the viewer's language.
    static func localized(_ message: String, _ locale: ConsoleLocale) -> String {
        let halves = message.components(separatedBy: " / ")
        guard halves.count == 2 else { return message }
        return locale == .zh ? halves[1] : halves[0]
    }
}
