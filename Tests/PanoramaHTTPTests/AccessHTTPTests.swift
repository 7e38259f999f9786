import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PanoramaCore
import PanoramaServices
import Prometheus
import Testing

@testable import PanoramaHTTP

/// Roles and permissions on every route, admin keys with roles, users, sign-in with lockout and
/// a second factor, sessions by bearer token and by cookie with CSRF protection.
@Suite struct AccessHTTPTests {
    let http = HTTPTests()

    /// The app with cheap password hashes (bcrypt cost 4) and, unless `loginLimit`, a sign-in
    /// limit wide enough for the lockout tests.
    func withApp(
        loginLimit: Bool = false, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await http.withApp(
            configure: { config in
                config.bcryptCost = 4
                if !loginLimit { config.rateLimits.login = .init(rate: 100, burst: 100) }
            }, test)
    }

    /// Every route the server registers.
    static func routes() throws -> RouteRecorder<AppRequestContext> {
        let recorder = RouteRecorder<AppRequestContext>()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-routes-\(UUID())").path
        registerRoutes(
            on: recorder, services: try Services(configuration: Configuration(dataDirectory: dir), logger: logger),
            registry: PrometheusCollectorRegistry())
        return recorder
    }

    /// A request with any method, JSON body and headers; returns status, JSON and headers.
    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil,
        auth: String? = HTTPTests.bearer, headers extra: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, JSONValue, HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let auth { headers[.authorization] = auth }
        headers.append(contentsOf: extra)
        return try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null, $0.headers) }
    }

    /// Creates an admin key with `role` and returns its bearer header.
    func key(_ client: some TestClientProtocol, role: String) async throws -> String {
        let (status, body, _) = try await send(client, .post, "/api/v1/keys", #"{"kind":"admin","role":"\#(role)"}"#)
        #expect(status == .created, "\(body)")
        #expect(body["role"]?.stringValue == role)
        return "Bearer " + (body["secret"]?.stringValue ?? "")
    }

    @Test func everyRESTRouteRequiresAPermissionOrASignedInPrincipal() throws {
        let recorder = try Self.routes()
        let rest = recorder.routes.filter { $0.path.contains("api/v1") && !$0.path.hasSuffix("auth/login") }
        #expect(rest.count > 80)
        let unlisted = rest.filter { RoutePermissions.requirement(method: $0.method, path: $0.path) == nil }
        #expect(unlisted.isEmpty, "routes without a permission: \(unlisted.map { "\($0.method) \($0.path)" })")
        // Only sign-out, who-am-I and one's own second factor are open to any signed-in principal.
        let open = rest.filter { RoutePermissions.requirement(method: $0.method, path: $0.path) == .authenticated }
        #expect(open.allSatisfy { $0.path.contains("auth/") }, "\(open.map(\.path))")
    }

    @Test func rolesLimitWhatAKeyMayDoOnEveryRoute() async throws {
        try await withApp { client in
            let auditor = try await key(client, role: "auditor")
            let marketer = try await key(client, role: "marketer")
            let sales = try await key(client, role: "sales")
            var (status, body, _) = try await send(client, .get, "/api/v1/cluster", auth: auditor)
            #expect(status == .ok)
            (status, body, _) = try await send(client, .get, "/api/v1/tags", auth: auditor)
            #expect(status == .forbidden && http.code(body) == "permission_denied")
            #expect(body["error"]?["message"]?.stringValue?.contains("audiences.read") == true)
            (status, body, _) = try await send(client, .post, "/api/v1/keys", #"{"kind":"admin"}"#, auth: marketer)
            #expect(status == .forbidden)
            (status, body, _) = try await send(
                client, .post, "/api/v1/tags", #"{"name":"vip","category":"basic"}"#, auth: marketer)
            #expect(status == .created, "\(body)")
            (status, body, _) = try await send(client, .get, "/api/v1/tags/vip/export", auth: marketer)
            #expect(status == .ok)
            (status, body, _) = try await send(client, .get, "/api/v1/tags/vip/export", auth: sales)
            #expect(status == .forbidden)
            (status, body, _) = try await send(client, .get, "/api/v1/auth/me", auth: sales)
            #expect(body["role"]?["name"]?.stringValue == "sales" && body["role"]?["scope"]?.stringValue == "own")
            (status, body, _) = try await send(client, .post, "/api/v1/keys", #"{"kind":"admin","role":"nobody"}"#)
            #expect(status == .badRequest && http.code(body) == "unknown_role")

            // Every REST route answers a key without the permission 403 before doing anything.
            let recorder = try Self.routes()
            let nothing = try await key(client, role: "auditor")
            var checked = 0
            for route in recorder.routes where route.path.contains("api/v1") {
                guard case .permission(let permission)? = RoutePermissions.requirement(method: route.method, path: route.path),
                    !RoleDefinition.builtIn(named: "auditor")!.permissions.contains(permission)
                else { continue }
                let path =
                    "/" + route.path.split(separator: "/").map { $0.hasPrefix("{") ? "1" : String($0) }.joined(separator: "/")
                let (status, body, _) = try await send(
                    client, HTTPRequest.Method(route.method)!, path, route.method == "GET" ? nil : "{}", auth: nothing)
                #expect(status == .forbidden, "\(route.method) \(path): \(status) \(body)")
                checked += 1
            }
            #expect(checked > 70)
        }
    }

    @Test func usersSignInWithLockoutSessionsAndCSRF() async throws {
        try await withApp { client in
            var (status, body, headers) = try await send(
                client, .post, "/api/v1/users",
                #"{"username":"Li.Lei","password":"correct horse battery","role":"analyst","display_name":"李雷"}"#)
            #expect(status == .created, "\(body)")
            #expect(body["username"]?.stringValue == "li.lei")
            let userID = try #require(body["id"]?.numberValue?.int64)
            (status, body, _) = try await send(
                client, .post, "/api/v1/users", #"{"username":"x1","password":"password123","role":"analyst"}"#)
            #expect(status == .badRequest && http.code(body) == "password_too_common")
            (status, body, _) = try await send(
                client, .post, "/api/v1/users", #"{"username":"li.lei","password":"another long one","role":"analyst"}"#)
            #expect(status == .conflict)

            // Wrong password and unknown user answer the same.
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"nobody","password":"whatever12345"}"#, auth: nil)
            #expect(status == .unauthorized && http.code(body) == "invalid_credentials")
            (status, body, headers) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"li.lei","password":"correct horse battery"}"#,
                auth: nil)
            #expect(status == .ok, "\(body)")
            let token = try #require(body["token"]?.stringValue)
            let (_, log, _) = try await send(client, .get, "/api/v1/audit?action=auth&limit=100")
            let actions = log["data"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions.contains("auth.sign_in") && actions.contains("auth.sign_in_failed"), "\(actions)")
            let csrf = try #require(body["csrf_token"]?.stringValue)
            let cookie = try #require(headers[values: .setCookie].first)
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.hasPrefix("panorama_session=ps_"))

            // Bearer session token: the user's role applies.
            (status, body, _) = try await send(client, .get, "/api/v1/auth/me", auth: "Bearer \(token)")
            #expect(body["kind"]?.stringValue == "user" && body["name"]?.stringValue == "li.lei")
            (status, body, _) = try await send(client, .get, "/api/v1/keys", auth: "Bearer \(token)")
            #expect(status == .forbidden)
            // Cookie: reads work; writes need the CSRF token.
            let cookieHeader: HTTPFields = [.cookie: "panorama_session=\(token)"]
            (status, body, _) = try await send(client, .get, "/api/v1/tags", auth: nil, headers: cookieHeader)
            #expect(status == .ok)
            (status, body, _) = try await send(
                client, .post, "/api/v1/tags", #"{"name":"t1"}"#, auth: nil, headers: cookieHeader)
            #expect(status == .forbidden && http.code(body) == "csrf_failed")
            var withCSRF = cookieHeader
            withCSRF[HTTPField.Name("X-CSRF-Token")!] = csrf
            (status, body, _) = try await send(client, .post, "/api/v1/tags", #"{"name":"t1"}"#, auth: nil, headers: withCSRF)
            #expect(status == .created, "\(body)")
            (status, body, _) = try await send(client, .post, "/api/v1/auth/logout", auth: nil, headers: withCSRF)
            #expect(status == .noContent)
            (status, body, _) = try await send(client, .get, "/api/v1/auth/me", auth: "Bearer \(token)")
            #expect(status == .unauthorized && http.code(body) == "session_expired")

            // Five wrong passwords lock the account; the right one is then refused too.
            for attempt in 1...5 {
                (status, body, _) = try await send(
                    client, .post, "/api/v1/auth/login", #"{"username":"li.lei","password":"wrong password \#(attempt)"}"#,
                    auth: nil)
            }
            #expect(status == .forbidden && http.code(body) == "account_locked", "\(body)")
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"li.lei","password":"correct horse battery"}"#,
                auth: nil)
            #expect(status == .forbidden && http.code(body) == "account_locked")
            // An administrator resets the password: the lock is lifted.
            (status, body, _) = try await send(
                client, .patch, "/api/v1/users/\(userID)", #"{"password":"a brand new secret"}"#)
            #expect(status == .ok && body["locked_until"]?.isNull == true, "\(body)")
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"li.lei","password":"a brand new secret"}"#, auth: nil)
            #expect(status == .ok)
            // Disabling ends sessions.
            let second = try #require(body["token"]?.stringValue)
            (status, body, _) = try await send(client, .patch, "/api/v1/users/\(userID)", #"{"disabled":true}"#)
            #expect(body["disabled_at"]?.isNull == false)
            (status, body, _) = try await send(client, .get, "/api/v1/auth/me", auth: "Bearer \(second)")
            #expect(status == .unauthorized)
        }
    }

    @Test func aSecondFactorIsAskedForOnceConfirmed() async throws {
        try await withApp { client in
            _ = try await send(
                client, .post, "/api/v1/users", #"{"username":"han","password":"meimei is here 2026","role":"service"}"#)
            let login = #"{"username":"han","password":"meimei is here 2026"}"#
            var (status, body, _) = try await send(client, .post, "/api/v1/auth/login", login, auth: nil)
            let token = try #require(body["token"]?.stringValue)
            (status, body, _) = try await send(client, .post, "/api/v1/auth/totp/setup", auth: "Bearer \(token)")
            let secret = try #require(body["secret"]?.stringValue)
            #expect(body["uri"]?.stringValue?.hasPrefix("otpauth://totp/Panorama:han?secret=\(secret)") == true)
            let totp = TOTP(secret: try Base32.decode(secret))
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/totp/confirm", #"{"code":"000000x"}"#, auth: "Bearer \(token)")
            #expect(status == .badRequest)
            // Confirm with the previous step's code, so that the current one is still unused; early in a
            // step, so that a slow machine does not cross into the next one before the server checks it.
            let into = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 30)
            if into > 10 { try await Task.sleep(for: .seconds(30 - into + 0.2)) }
            let previous = totp.code(at: Date().addingTimeInterval(-30))
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/totp/confirm", #"{"code":"\#(previous)"}"#, auth: "Bearer \(token)")
            #expect(status == .noContent, "\(body)")
            (status, body, _) = try await send(client, .post, "/api/v1/auth/login", login, auth: nil)
            #expect(status == .unauthorized && http.code(body) == "totp_required")
            let withCode = #"{"username":"han","password":"meimei is here 2026","totp":"\#(totp.code(at: Date()))"}"#
            (status, body, _) = try await send(client, .post, "/api/v1/auth/login", withCode, auth: nil)
            #expect(status == .ok, "\(body)")
            // The same code is not accepted twice.
            (status, body, _) = try await send(client, .post, "/api/v1/auth/login", withCode, auth: nil)
            #expect(status == .unauthorized && http.code(body) == "totp_invalid")
            (status, body, _) = try await send(client, .get, "/api/v1/users")
            #expect(body["data"]?.arrayValue?.first?["totp"]?.boolValue == true)
        }
    }

    @Test func customRolesAreCheckedAndUsed() async throws {
        try await withApp { client in
            var (status, body, _) = try await send(
                client, .post, "/api/v1/roles", #"{"name":"store-manager","permissions":["customers.read","orders.read"],"scope":"team"}"#)
            #expect(status == .created, "\(body)")
            (status, body, _) = try await send(
                client, .post, "/api/v1/roles", #"{"name":"bad","permissions":["everything"]}"#)
            #expect(status == .badRequest && http.code(body) == "unknown_permission")
            (status, body, _) = try await send(client, .post, "/api/v1/roles", #"{"name":"admin","permissions":[]}"#)
            #expect(status == .conflict)
            let manager = try await key(client, role: "store-manager")
            (status, body, _) = try await send(client, .get, "/api/v1/customers", auth: manager)
            #expect(status == .ok)
            (status, body, _) = try await send(client, .get, "/api/v1/tags", auth: manager)
            #expect(status == .forbidden)
            (status, body, _) = try await send(
                client, .post, "/api/v1/users", #"{"username":"wang","password":"store manager pw","role":"store-manager"}"#)
            (status, body, _) = try await send(client, .delete, "/api/v1/roles/store-manager")
            #expect(status == .conflict && http.code(body) == "role_in_use")
            (status, body, _) = try await send(client, .get, "/api/v1/roles")
            #expect(body["data"]?.arrayValue?.count == 8)
        }
    }

    @Test func personalInformationIsMaskedWithoutPIIView() async throws {
        try await withApp { client in
            let (status, _) = try await http.post(
                client, "/v1/identify",
                #"{"userId":"m1","traits":{"phone":"13812348000","email":"alice@example.com","name":"张三","address":{"street":"浙江省杭州市西湖区文三路1号","city":"杭州"},"city":"杭州"}}"#)
            #expect(status == .ok)
            _ = try await http.post(
                client, "/v1/track", #"{"userId":"m1","event":"Signed Up","properties":{"email":"alice@example.com","plan":"pro"}}"#)
            let marketer = try await key(client, role: "marketer")
            let service = try await key(client, role: "service")
            var (_, profile, _) = try await send(
                client, .get, "/api/v1/customers/by-identifier/user_id/m1", auth: marketer)
            let id = try #require(profile["id"]?.numberValue?.int64)
            let identifiers = profile["identifiers"]?.arrayValue?.compactMap { i -> String? in
                guard let t = i["type"]?.stringValue, let v = i["value"]?.stringValue else { return nil }
                return "\(t)=\(v)"
            } ?? []
            #expect(identifiers.contains("phone=+86 138****8000") || identifiers.contains("phone=+86138****8000"), "\(identifiers)")
            #expect(identifiers.contains("email=a***@example.com"), "\(identifiers)")
            #expect(identifiers.contains("user_id=m1"))
            #expect(profile["traits"]?["name"]?.stringValue == "张*")
            #expect(profile["traits"]?["city"]?.stringValue == "杭州")
            #expect(profile["traits"]?["address"]?["street"]?.stringValue == "浙江省杭州市****", "\(profile)")
            #expect(!"\(profile)".contains("13812348000") && !"\(profile)".contains("alice@"))
            (_, profile, _) = try await send(client, .get, "/api/v1/customers/\(id)", auth: service)
            #expect(profile["traits"]?["name"]?.stringValue == "张三")
            #expect("\(profile)".contains("alice@example.com"))
            // The timeline, segment previews and exports too.
            var (_, events, _) = try await send(client, .get, "/api/v1/customers/\(id)/events", auth: marketer)
            #expect(!"\(events)".contains("alice@example.com") && "\(events)".contains("a***@example.com"))
            (_, events, _) = try await send(client, .get, "/api/v1/customers/\(id)/events", auth: service)
            #expect("\(events)".contains("alice@example.com"))
            _ = try await send(client, .post, "/api/v1/segments", #"{"name":"hz","rule":"city = '杭州'"}"#)
            var (_, preview, _) = try await send(client, .get, "/api/v1/segments/hz/preview", auth: marketer)
            #expect("\(preview)".contains("a***@example.com") && !"\(preview)".contains("alice@"))
            (_, preview, _) = try await send(client, .get, "/api/v1/segments/hz/preview")
            #expect("\(preview)".contains("alice@example.com"))
            let csv = try await client.execute(
                uri: "/api/v1/segments/hz/export?format=csv", method: .get, headers: [.authorization: marketer]
            ) { String(buffer: $0.body) }
            #expect(csv.contains("a***@example.com") && !csv.contains("alice@"), "\(csv)")
            // Views in clear are audited; masked ones are not.
            let (_, log, _) = try await send(client, .get, "/api/v1/audit?action=pii.view&limit=100")
            let views = log["data"]?.arrayValue ?? []
            #expect(views.count == 3, "\(views)")  // profile, timeline and preview in clear
            #expect(views.allSatisfy { $0["detail"]?["role"]?.stringValue != "marketer" }, "\(views)")
        }
    }

    /// Signs a user in and returns the bearer header of the session.
    func signIn(_ client: some TestClientProtocol, _ username: String, _ password: String) async throws -> String {
        let (status, body, _) = try await send(
            client, .post, "/api/v1/auth/login", #"{"username":"\#(username)","password":"\#(password)"}"#, auth: nil)
        #expect(status == .ok, "\(body)")
        return "Bearer " + (body["token"]?.stringValue ?? "")
    }

    @Test func dataScopesHideOtherCustomersOnEveryRoute() async throws {
        try await withApp { client in
            _ = try await send(
                client, .post, "/api/v1/roles", #"{"name":"manager","permissions":["customers.read","orders.read","loyalty.read","audiences.read","audiences.export"],"scope":"team"}"#)
            for (name, role, team) in [("li", "sales", "east/sh"), ("wang", "sales", "east/bj"), ("zhao", "manager", "east")] {
                let (status, body, _) = try await send(
                    client, .post, "/api/v1/users",
                    #"{"username":"\#(name)","password":"long password \#(name)","role":"\#(role)","team":"\#(team)"}"#)
                #expect(status == .created, "\(body)")
            }
            // c1 is li's, c2 wang's, c3 nobody's; each bought something.
            var ids: [String: Int64] = [:]
            for (user, owner) in [("c1", "li"), ("c2", "wang"), ("c3", "")] {
                let traits = owner.isEmpty ? #"{"city":"上海"}"# : #"{"city":"上海","owner":"\#(owner)"}"#
                _ = try await http.post(client, "/v1/identify", #"{"userId":"\#(user)","traits":\#(traits)}"#)
                _ = try await http.post(
                    client, "/v1/track",
                    #"{"userId":"\#(user)","event":"Order Completed","properties":{"order_id":"O-\#(user)","total":10}}"#)
                let (_, p, _) = try await send(client, .get, "/api/v1/customers/by-identifier/user_id/\(user)")
                ids[user] = p["id"]?.numberValue?.int64
            }
            let (_, orders, _) = try await send(client, .get, "/api/v1/customers/\(ids["c2"]!)/orders")
            let c2Order = try #require(orders["data"]?.arrayValue?.first?["id"]?.numberValue?.int64)
            _ = try await send(client, .post, "/api/v1/segments", #"{"name":"everyone","rule":"city = '上海'"}"#)
            _ = try await send(client, .post, "/api/v1/tags", #"{"name":"shanghai","rule":"city = '上海'"}"#)

            let li = try await signIn(client, "li", "long password li")
            let zhao = try await signIn(client, "zhao", "long password zhao")

            // Lists and audiences show only what is in scope.
            func listed(_ auth: String) async throws -> Set<Int64> {
                let (_, list, _) = try await send(client, .get, "/api/v1/customers?limit=100", auth: auth)
                return Set(list["data"]?.arrayValue?.compactMap { $0["id"]?.numberValue?.int64 } ?? [])
            }
            #expect(try await listed(li) == [ids["c1"]!])
            #expect(try await listed(zhao) == [ids["c1"]!, ids["c2"]!])
            #expect(try await listed(HTTPTests.bearer) == Set(ids.values))
            var (status, body, _) = try await send(client, .get, "/api/v1/segments/everyone/count", auth: li)
            #expect(body["count"]?.numberValue?.int64 == 1)
            (status, body, _) = try await send(client, .get, "/api/v1/segments/everyone/count", auth: zhao)
            #expect(body["count"]?.numberValue?.int64 == 2)
            (status, body, _) = try await send(client, .post, "/api/v1/rules/evaluate", #"{"rule":"city = '上海'"}"#, auth: li)
            #expect(status == .ok && body["size"]?.numberValue?.int64 == 1, "\(body)")

            // Every route that names a customer or an order, with wang's customer or order: never
            // a 2xx for li; nothing of c2 in any answer.
            let recorder = try Self.routes()
            var probed = 0
            for route in recorder.routes where route.path.contains("api/v1") {
                let path = "/" + route.path
                var concrete: String
                if path.contains("/customers/{id}") {
                    concrete = path.replacingOccurrences(of: "{id}", with: "\(ids["c2"]!)")
                } else if path.hasPrefix("/api/v1/orders/{id}") {
                    concrete = path.replacingOccurrences(of: "{id}", with: "\(c2Order)")
                } else if path.contains("by-external-id") {
                    concrete = path.replacingOccurrences(of: "{external_id}", with: "O-c2")
                } else if path.contains("by-identifier") {
                    concrete = "/api/v1/customers/by-identifier/user_id/c2"
                } else if path.contains("{name}") && (path.contains("/segments/") || path.contains("/tags/")) {
                    concrete = path.replacingOccurrences(
                        of: "{name}", with: path.contains("/segments/") ? "everyone" : "shanghai")
                } else {
                    continue
                }
                let method = HTTPRequest.Method(route.method)!
                let (status, body, _) = try await send(client, method, concrete, method == .get ? nil : "{}", auth: li)
                let text = "\(body)"
                if concrete.contains("/customers/") || concrete.contains("/orders/") {
                    #expect(!(200..<300).contains(status.code), "\(route.method) \(concrete) answered \(status)")
                }
                #expect(!text.contains("\"c2\"") && !text.contains("O-c2"), "\(route.method) \(concrete) leaked c2: \(text)")
                probed += 1
            }
            #expect(probed > 30)
            // The change feed names only customers in scope.
            (status, body, _) = try await send(client, .get, "/api/v1/segments/everyone/changes", auth: li)
            let named = Set(body["data"]?.arrayValue?.compactMap { $0["customer_id"]?.numberValue?.int64 } ?? [])
            #expect(named == [ids["c1"]!], "\(body)")
            // The manager's export holds the team's customers only.
            let csv = try await client.execute(
                uri: "/api/v1/segments/everyone/export", method: .get, headers: [.authorization: zhao]
            ) { String(buffer: $0.body) }
            #expect(csv.contains("c1") && csv.contains("c2") && !csv.contains("c3"), "\(csv)")
            // The same routes answer for li's own customer.
            (status, body, _) = try await send(client, .get, "/api/v1/customers/\(ids["c1"]!)", auth: li)
            #expect(status == .ok)
            (status, body, _) = try await send(client, .get, "/api/v1/customers/\(ids["c2"]!)", auth: zhao)
            #expect(status == .ok)
            (status, body, _) = try await send(client, .get, "/api/v1/customers/\(ids["c3"]!)", auth: zhao)
            #expect(status == .notFound)
        }
    }

    @Test func signInAttemptsAreRateLimitedPerUsernameAndAddress() async throws {
        try await withApp(loginLimit: true) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for attempt in 1...7 {
                let (status, _, headers) = try await send(
                    client, .post, "/api/v1/auth/login", #"{"username":"guess","password":"try \#(attempt) password"}"#,
                    auth: nil)
                statuses.append(status)
                if status == .tooManyRequests { retryAfter = headers[.retryAfter] }
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .unauthorized }, "\(statuses)")
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
            #expect((Int(retryAfter ?? "") ?? 0) >= 1)
            // Another username is not held back.
            let (status, _, _) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"other","password":"some password"}"#, auth: nil)
            #expect(status == .unauthorized)
        }
    }

    @Test func workspacesAreIsolated() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-ws-\(UUID())").path
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var config = Configuration(
            port: 0, dataDirectory: dir, synchronous: .normal, bootstrapWriteKey: HTTPTests.writeKey,
            bootstrapAdminKey: HTTPTests.adminKey)
        config.bcryptCost = 4
        let built = try await buildApplication(config, logger: logger)
        let services = built.services
        let other = try await services.store.createWorkspace(name: "other", timeZone: "Asia/Shanghai", now: 0)
        let otherWrite = try await services.keys.create(workspaceID: other.id, kind: .write, name: "w2")
        let otherAdmin = "Bearer " + (try await services.keys.create(workspaceID: other.id, kind: .admin, name: "a2")).secret
        _ = try await services.access.createUser(
            workspaceID: other.id, username: "li.lei", displayName: nil, password: "other workspace pw", role: "owner",
            team: nil)
        try await built.application.test(.router) { client in
            // One person in each workspace, with the same user id.
            _ = try await http.post(client, "/v1/identify", #"{"userId":"same","traits":{"city":"北京"}}"#)
            let otherBasic = "Basic " + Data("\(otherWrite.secret):".utf8).base64EncodedString()
            _ = try await http.post(
                client, "/v1/identify", #"{"userId":"same","traits":{"city":"深圳"}}"#, auth: otherBasic)
            var (_, mine, _) = try await send(client, .get, "/api/v1/customers/by-identifier/user_id/same")
            let (_, theirs, _) = try await send(
                client, .get, "/api/v1/customers/by-identifier/user_id/same", auth: otherAdmin)
            #expect(mine["traits"]?["city"]?.stringValue == "北京")
            #expect(theirs["traits"]?["city"]?.stringValue == "深圳")
            let theirID = try #require(theirs["id"]?.numberValue?.int64)
            // The first workspace's key cannot read the other's customer, its lists or its keys.
            // (customer ids are numbered per workspace: the same number may be a customer here too)
            var (status, body, _) = try await send(client, .get, "/api/v1/customers/\(theirID)")
            #expect(status == .notFound || !"\(body)".contains("深圳"), "\(body)")
            (status, body, _) = try await send(client, .get, "/api/v1/customers?limit=100")
            #expect(!"\(body)".contains("深圳"))
            (status, body, _) = try await send(client, .get, "/api/v1/keys", auth: otherAdmin)
            #expect(!"\(body)".contains("bootstrap"))
            (status, body, _) = try await send(client, .get, "/api/v1/audit?limit=1000", auth: otherAdmin)
            #expect(!"\(body)".contains("key:2\""), "\(body)")  // no entry of the first workspace's admin key
            // A user signs in to their own workspace only.
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/login", #"{"username":"li.lei","password":"other workspace pw"}"#, auth: nil)
            #expect(status == .unauthorized)
            (status, body, _) = try await send(
                client, .post, "/api/v1/auth/login",
                #"{"username":"li.lei","password":"other workspace pw","workspace":"other"}"#, auth: nil)
            #expect(status == .ok)
            let session = "Bearer " + (body["token"]?.stringValue ?? "")
            (status, mine, _) = try await send(client, .get, "/api/v1/customers?limit=100", auth: session)
            #expect("\(mine)".contains("深圳") && !"\(mine)".contains("北京"))
        }
    }
}
