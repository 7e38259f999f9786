import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PanoramaCore
import PanoramaServices
import Synchronization
import Testing

@testable import PanoramaHTTP

/// Rate limits (429 with `Retry-After` and `rate_limited`), the client address they key on, and the
/// security headers every response carries.
@Suite struct RateLimitHTTPTests {
    let http = HTTPTests()

    /// The test app of `HTTPTests` with its configuration adjusted first.
    func withApp(
        _ setup: TestingSetup = .router, configure: (inout Configuration) -> Void,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-limits-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var config = Configuration(
            port: 0, dataDirectory: dir, synchronous: .normal, bootstrapWriteKey: HTTPTests.writeKey,
            bootstrapAdminKey: HTTPTests.adminKey)
        configure(&config)
        let built = try await buildApplication(config, logger: logger)
        try await built.application.test(setup, test)
    }

    /// Status, `Retry-After` and JSON body of one request.
    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, retryAfter: Int?, body: JSONValue) {
        try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) {
            (
                $0.status, $0.headers[.retryAfter].flatMap { Int($0) },
                (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null
            )
        }
    }

    /// Seconds that only move when the test says so.
    final class ManualClock: Sendable {
        private let seconds = Mutex(0.0)
        var now: Double { seconds.withLock { $0 } }
        func advance(by delta: Double) { seconds.withLock { $0 += delta } }
    }

    /// A router with the error and rate-limit middleware in front of one route, on a hand-moved clock.
    func limitedRouter(_ limiter: RateLimiter, clock: ManualClock) -> Router<AppRequestContext> {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ErrorMiddleware(logger: logger))
        router.add(middleware: RateLimitMiddleware<AppRequestContext>(limiter: limiter, now: { clock.now }))
        router.get("ping") { _, _ in JSONResponse.make(["pong": true]) }
        return router
    }

    @Test func theRequestAfterTheBurstGets429UntilTheBucketRefills() async throws {
        // Given a limit of 1 request a second with a burst of 3, and a clock that stands still
        let clock = ManualClock()
        let app = Application(router: limitedRouter(RateLimiter(rate: 1, burst: 3), clock: clock))
        try await app.test(.router) { client in
            let alice: HTTPFields = [.authorization: "Bearer alice"]
            // When one key sends 4 requests at once
            for _ in 0..<3 { #expect(try await send(client, .get, "/ping", headers: alice).status == .ok) }
            let refused = try await send(client, .get, "/ping", headers: alice)
            // Then the 4th is refused with the wait and the stable code, in both languages
            #expect(refused.status == .tooManyRequests)
            #expect(refused.retryAfter == 1)
            #expect(http.code(refused.body) == "rate_limited")
            let message = refused.body["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("retry after 1 s") && message.contains("1 秒后重试"))
            // and another key has a bucket of its own
            #expect(try await send(client, .get, "/ping", headers: [.authorization: "Bearer bob"]).status == .ok)
            // and after the wait Retry-After gave, the first key may go on.
            clock.advance(by: Double(refused.retryAfter ?? 0))
            #expect(try await send(client, .get, "/ping", headers: alice).status == .ok)
            #expect(try await send(client, .get, "/ping", headers: alice).status == .tooManyRequests)
        }
    }

    @Test func requestsWithoutAKeyAreLimitedPerClientAddress() async throws {
        let clock = ManualClock()
        let app = Application(router: limitedRouter(RateLimiter(rate: 0.1, burst: 2), clock: clock))
        try await app.test(.router) { client in
            let first: HTTPFields = [ClientAddress.forwardedFor: "203.0.113.7, 10.0.0.1"]
            let second: HTTPFields = [ClientAddress.forwardedFor: "198.51.100.2"]
            for _ in 0..<2 { #expect(try await send(client, .get, "/ping", headers: first).status == .ok) }
            let refused = try await send(client, .get, "/ping", headers: first)
            // 1 token at 0.1 per second: 10 s.
            #expect(refused.status == .tooManyRequests && refused.retryAfter == 10)
            #expect(try await send(client, .get, "/ping", headers: second).status == .ok)
        }
    }

    @Test func trackingAndRESTAreLimitedPerKeyThroughTheServer() async throws {
        // Given tiny limits: 2 at once, then one every 100 seconds, on each API (so that a loaded
        // machine running the whole suite never refills a token between two requests; waiting for
        // the refill is tested with a hand-moved clock above)
        try await withApp(configure: {
            $0.rateLimits.tracking = .init(rate: 0.01, burst: 2)
            $0.rateLimits.rest = .init(rate: 0.01, burst: 2)
        }) { client in
            let track = #"{"anonymousId":"rl","event":"E"}"#
            let write: HTTPFields = [.authorization: HTTPTests.basic, .contentType: "application/json"]
            let admin: HTTPFields = [.authorization: HTTPTests.bearer]

            // REST: the admin key's two requests pass (one creates a second write key), the third does not.
            let created = try await send(
                client, .post, "/api/v1/keys", body: #"{"kind":"write","name":"second"}"#,
                headers: admin.merging([.contentType: "application/json"]))
            #expect(created.status == .created)
            let secret = try #require(created.body["secret"]?.stringValue)
            #expect(try await send(client, .get, "/api/v1/customers", headers: admin).status == .ok)
            let restRefused = try await send(client, .get, "/api/v1/customers", headers: admin)
            #expect(restRefused.status == .tooManyRequests && http.code(restRefused.body) == "rate_limited")
            #expect((1...100).contains(restRefused.retryAfter ?? 0))
            // Without a key the caller is its address, with a bucket of its own: 401, not 429.
            #expect(try await send(client, .get, "/api/v1/customers").status == .unauthorized)

            // Tracking: the write key's third message in a row is refused …
            for _ in 0..<2 {
                #expect(try await send(client, .post, "/v1/track", body: track, headers: write).status == .ok)
            }
            let refused = try await send(client, .post, "/v1/track", body: track, headers: write)
            #expect(refused.status == .tooManyRequests && http.code(refused.body) == "rate_limited")
            let wait = try #require(refused.retryAfter)
            #expect((90...100).contains(wait))
            // … while the other write key is not …
            let other: HTTPFields = [
                .authorization: "Basic " + Data("\(secret):".utf8).base64EncodedString(),
                .contentType: "application/json",
            ]
            #expect(try await send(client, .post, "/v1/track", body: track, headers: other).status == .ok)
        }
    }

    @Test func limitsSwitchedOffNeverRefuse() async throws {
        try await withApp(configure: {
            $0.rateLimits.tracking = .init(rate: 0.01, burst: 1)
            $0.rateLimits.rest = .init(rate: 0.01, burst: 1)
            $0.rateLimits.enabled = false
        }) { client in
            for _ in 0..<5 {
                let rest = try await send(
                    client, .get, "/api/v1/customers", headers: [.authorization: HTTPTests.bearer])
                #expect(rest.status == .ok)
                let track = try await send(
                    client, .post, "/v1/track", body: #"{"anonymousId":"off","event":"E"}"#,
                    headers: [.authorization: HTTPTests.basic, .contentType: "application/json"])
                #expect(track.status == .ok)
            }
        }
    }

    @Test func theDefaultsAreGenerousAndParsedFromText() {
        let defaults = RateLimitSettings()
        #expect(defaults.enabled)
        #expect(defaults.tracking == .init(rate: 5_000, burst: 10_000))
        #expect(defaults.rest == .init(rate: 200, burst: 400))
        #expect(defaults.login.burst == 5 && abs(defaults.login.rate * 60 - 5) < 1e-9)
        #expect(RateLimitSettings.Limit(parsing: "5000:10000") == .init(rate: 5_000, burst: 10_000))
        #expect(RateLimitSettings.Limit(parsing: " 0.5 : 3 ") == .init(rate: 0.5, burst: 3))
        #expect(RateLimitSettings.Limit(parsing: "200") == .init(rate: 200, burst: 400))
        #expect(RateLimitSettings.Limit(parsing: "0.1") == .init(rate: 0.1, burst: 1))
        for bad in ["", "0", "-5", "abc", "5:0", "5:-1", "5:x", "inf", "nan", "5:2.5"] {
            #expect(RateLimitSettings.Limit(parsing: bad) == nil, "'\(bad)' should be refused")
        }
        #expect(RateLimitSettings.Limit(rate: 5_000, burst: 10_000).description == "5000/s, burst 10000")
        let off = RateLimiters(RateLimitSettings(enabled: false))
        #expect(off.tracking == nil && off.rest == nil)
    }

    @Test func signInAttemptsAreLimitedPerUserAndAddress() {
        // Given the default sign-in limit (5 a minute, 5 at once)
        let limiters = RateLimiters(RateLimitSettings())
        // When one address tries one user 6 times (the name's case does not matter)
        for attempt in 0..<5 {
            let name = attempt.isMultiple(of: 2) ? "Admin" : "admin"
            #expect(limiters.allowLogin(username: name, clientAddress: "203.0.113.7").isAllowed)
        }
        let sixth = limiters.allowLogin(username: "admin", clientAddress: "203.0.113.7")
        // Then the 6th waits about 12 s, the next token of 5 a minute
        guard case .limited(let wait) = sixth else {
            Issue.record("the sixth attempt should be limited, got \(sixth)")
            return
        }
        #expect(wait > 11 && wait <= 12)
        // while another user, or the same user from elsewhere, is not held up.
        #expect(limiters.allowLogin(username: "alice", clientAddress: "203.0.113.7").isAllowed)
        #expect(limiters.allowLogin(username: "admin", clientAddress: "198.51.100.2").isAllowed)
    }

    @Test func theClientAddressIsTheFirstForwardedHopElseThePeer() async throws {
        let router = Router(context: AppRequestContext.self)
        router.get("ip") { request, context in ClientAddress.of(request, context) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = Application(router: router, logger: logger)
        try await app.test(.router) { client in
            let forwarded = try await client.execute(
                uri: "/ip", method: .get, headers: [ClientAddress.forwardedFor: " 203.0.113.7 , 10.0.0.1"]
            ) { String(buffer: $0.body) }
            #expect(forwarded == "203.0.113.7")
            let direct = try await client.execute(uri: "/ip", method: .get) { String(buffer: $0.body) }
            #expect(direct == "unknown", "router tests have no connection")
        }
        try await app.test(.live) { client in
            let peer = try await client.execute(uri: "/ip", method: .get) { String(buffer: $0.body) }
            #expect(peer == "127.0.0.1" || peer == "::1", "the test server listens on localhost")
        }
        #expect(ClientAddress.firstHop("") == nil)
        #expect(ClientAddress.firstHop(" , 10.0.0.1") == nil)
        #expect(ClientAddress.firstHop(String(repeating: "9", count: 65)) == nil)
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await withApp(configure: { _ in }) { client in
            for path in ["/health", "/api/v1/customers", "/nowhere"] {
                let headers = try await client.execute(uri: path, method: .get) { $0.headers }
                #expect(headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(headers[.init("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(headers[.init("Referrer-Policy")!] == "no-referrer", "\(path)")
                #expect(
                    headers[.contentSecurityPolicy]
                        == "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                        + "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
                    "\(path)")
                #expect(
                    headers[.init("Permissions-Policy")!] == "camera=(), microphone=(), geolocation=()",
                    "\(path)")
                // HSTS only over TLS (see TLSHTTPTests).
                #expect(headers[.strictTransportSecurity] == nil, "\(path)")
            }
        }
    }

    @Test func theAPIDocumentDescribesThe429() throws {
        let document = try JSONParser.parse(OpenAPIDocument.json)
        #expect(document["components"]?["responses"]?["TooManyRequests"]?["headers"]?["Retry-After"] != nil)
        let track = document["paths"]?["/v1/track"]?["post"]?["responses"]?["429"]
        #expect(track?["$ref"]?.stringValue == "#/components/responses/TooManyRequests")
        #expect(document["paths"]?["/health"]?["get"]?["responses"]?["429"] == nil)
    }
}

extension HTTPFields {
    /// These fields with `other`'s added.
    fileprivate func merging(_ other: HTTPFields) -> HTTPFields {
        var merged = self
        merged.append(contentsOf: other)
        return merged
    }
}
