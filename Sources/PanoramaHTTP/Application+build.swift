import HTTPTypes
import Hummingbird
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Prometheus

/// Builds the router: tracking API, REST API behind admin keys, health, metrics and the API document.
public func buildRouter(_ services: Services, registry: PrometheusCollectorRegistry) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    registerRoutes(on: router, services: services, registry: registry)
    return router
}

/// Registers every route on `router`; tests pass a `RouteRecorder` to list them.
func registerRoutes<R: RouterMethods<AppRequestContext>>(
    on router: R, services: Services, registry: PrometheusCollectorRegistry
) {
    let limiters = services.rateLimiters
    let now: @Sendable () -> Double = { limiters.now() }
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: services.configuration.tls != nil))
    router.add(middleware: RequestMetricsMiddleware(registry: registry))
    router.add(middleware: ErrorMiddleware(logger: services.logger))

    router.get("health") { _, _ in JSONResponse.make(["status": "ok"]) }
    router.get("ready") { _, _ in
        await services.store.ping()
            ? JSONResponse.make(["status": "ready"])
            : JSONResponse.error(.unavailable("the store does not answer"))
    }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
    router.get("openapi.json") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
    }

    TrackingController(ingest: services.ingest, keys: services.keys, clock: services.clock)
        .addRoutes(to: router.group().limited(by: limiters.tracking, now: now))

    AccessController.addSignIn(
        to: router, access: services.access, store: services.store, limiters: services.rateLimiters,
        audit: services.audit)
    let api = router.group("api/v1").limited(by: limiters.rest, now: now)
        .add(middleware: AuthMiddleware(keys: services.keys, access: services.access, profiles: services.profiles))
        .add(middleware: AuditMiddleware(audit: services.audit))
    AccessController(
        access: services.access, store: services.store, limiters: services.rateLimiters, audit: services.audit
    ).addRoutes(to: api)
    CustomerController(
        profiles: services.profiles, loyalty: services.loyalty, audiences: services.audiences, audit: services.audit
    ).addRoutes(to: api)
    DuplicatesController(duplicates: services.duplicates, audit: services.audit).addRoutes(to: api)
    PrivacyController(privacy: services.privacy, audit: services.audit).addRoutes(to: api)
    OrdersController(orders: services.orders, profiles: services.profiles).addRoutes(to: api)
    ImportsController(jobs: services.importJobs, audit: services.audit).addRoutes(to: api)
    LoyaltyController(loyalty: services.loyalty).addRoutes(to: api)
    AudiencesController(
        audiences: services.audiences, profiles: services.profiles, settings: services.settings, audit: services.audit
    ).addRoutes(to: api)
    AdminController(
        pipeline: services.pipeline, keys: services.keys, settings: services.settings, cluster: services.cluster,
        access: services.access, audit: services.audit, audiences: services.audiences
    ).addRoutes(to: api)
    AuditController(audit: services.audit).addRoutes(to: api)
    InsightsController(insights: services.insights, audiences: services.audiences, audit: services.audit).addRoutes(to: api)
    ConsoleController.register(on: router, services: services)
}

/// Forwards registrations to a router and remembers each route's method and path.
final class RouteRecorder<Context: RequestContext>: RouterMethods, @unchecked Sendable {
    let router = Router(context: Context.self)
    private(set) var routes: [(method: String, path: String)] = []

    @discardableResult func on<Responder: HTTPResponder>(
        _ path: RouterPath, method: HTTPRequest.Method, responder: Responder
    ) -> Self where Responder.Context == Context {
        routes.append((method.rawValue, path.description))
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}

/// A running node's application and the keys its first start created (to print once).
public struct BuiltApplication<App: ApplicationProtocol> {
    public let application: App
    public let issuedKeys: [IssuedKey]
    public let services: Services
}

/// Opens the store, bootstraps the default workspace on first start, and builds the application
/// (HTTPS when the configuration names a certificate) with the ingest pipeline in its service group.
public func buildApplication(
    _ configuration: Configuration, logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> BuiltApplication<some ApplicationProtocol> {
    var logger = logger ?? Logger(label: "panorama")
    logger.logLevel = configuration.logLevel
    // Certificate problems stop the start before the store is opened or keys are created.
    let tls = try configuration.tls.map(ServerTLS.configuration)
    let registry = PrometheusCollectorRegistry()
    let services = try await Services.open(
        configuration: configuration, metrics: PrometheusSink(registry: registry), logger: logger)
    // One process resolves identities over an SQLite store (a second would allocate the same ids).
    try (services.store as? SQLiteStore)?.claimWriter()
    let issued = try await services.bootstrap()
    let router = buildRouter(services, registry: registry)
    let app = Application(
        router: router,
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Panorama"),
        services: services.backgroundServices,
        onServerRunning: { channel in
            // Every workspace's engine loads now rather than on the first request that needs it.
            await services.audiences.warmUpAll()
            await onServerRunning(channel.localAddress?.port ?? 0)
        },
        logger: logger)
    return BuiltApplication(application: app, issuedKeys: issued, services: services)
}

/// Checks `Authorization: Bearer <admin key>` and puts the key in the request context.
/// Authenticates REST requests and checks the route's permission.
///
/// Accepted: `Authorization: Bearer <admin key>` (the key's role), `Authorization: Bearer
/// ps_<session token>`, or the `panorama_session` cookie of the console, for which every
/// state-changing request must repeat the session's CSRF token in `X-CSRF-Token`. The route's
/// requirement comes from `RoutePermissions`; a route not listed there is refused.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let keys: KeyService
    let access: AccessService
    let profiles: ProfileService

    /// Routes that act across customers (duplicate review, merges): for principals who see all.
    static let needsWholeScope = ["/api/v1/duplicates", "/api/v1/merges/", "/api/v1/customers/{id}/merge"]

    static let cookieName = "panorama_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            if secret.hasPrefix("ps_") {
                context.principal = try await access.authenticate(sessionToken: secret).principal
                context.sessionToken = secret
            } else {
                let key = try await keys.authenticate(secret: secret, kind: .admin)
                context.apiKey = key
                context.principal = try await access.principal(for: key)
            }
        } else if let token = Self.cookie(Self.cookieName, in: request) {
            let (principal, session) = try await access.authenticate(sessionToken: token)
            if ![.get, .head, .options].contains(request.method) {
                guard let sent = request.headers[Self.csrfHeader],
                    AccessService.constantTimeEqual(sent, session.csrfToken)
                else {
                    throw PanoramaError(
                        .forbidden, code: "csrf_failed",
                        message: "send the session's CSRF token in X-CSRF-Token / 请在 X-CSRF-Token 中提供会话的 CSRF 令牌")
                }
            }
            context.principal = principal
            context.sessionToken = token
        } else {
            throw PanoramaError(
                .unauthorized, code: "missing_key",
                message: "send an admin key or a session token as 'Authorization: Bearer <key>', or sign in")
        }
        let principal = try context.requiredPrincipal
        switch RoutePermissions.requirement(method: request.method.rawValue, path: context.endpointPath ?? "") {
        case .permission(let permission)?: try principal.require(permission)
        case .authenticated?: break
        case nil, .open?:
            throw PanoramaError(
                .forbidden, code: "permission_denied", message: "this route is not open to any role")
        }
        // Data scope: a customer out of scope does not exist for this principal.
        context.scope = try await access.scope(for: principal)
        if context.scope != .all {
            let route = context.endpointPath.map { $0.hasPrefix("/") ? $0 : "/" + $0 } ?? ""
            if Self.needsWholeScope.contains(where: { route.hasPrefix($0) }) {
                throw PanoramaError(
                    .forbidden, code: "scope_too_narrow",
                    message:
                        "this works across customers and needs a role that sees all of them / 此操作涉及全部客户，需要全量数据范围的角色")
            }
            if route.hasPrefix("/api/v1/customers/{id}") {
                try await profiles.requireVisible(
                    workspaceID: principal.workspaceID, id: try Params.id(context), scope: context.scope)
            }
        }
        return try await next(request, context)
    }

    /// The value of a cookie of the request.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}
