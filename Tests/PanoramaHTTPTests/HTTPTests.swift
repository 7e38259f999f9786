import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Prometheus
import Testing

@testable import PanoramaHTTP

/// The HTTP contracts: Segment tracking endpoints, the REST API, errors, limits, health and the API document.
@Suite struct HTTPTests {
    static let writeKey = "wk_http_test_key_1"
    static let adminKey = "ak_http_test_key_1"
    static var basic: String { "Basic " + Data("\(writeKey):".utf8).base64EncodedString() }
    static var bearer: String { "Bearer \(adminKey)" }

    func withApp(
        configure: (inout Configuration) -> Void = { _ in },
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-http-\(UUID())").path
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var config = Configuration(
            port: 0, dataDirectory: dir, synchronous: .normal, bootstrapWriteKey: Self.writeKey,
            bootstrapAdminKey: Self.adminKey)
        // Personal data encrypted at rest, as `panorama serve` does by default.
        config.protection = FieldProtection(
            ring: try KeyRing.load(environment: [
                KeyRing.environmentVariable: "http:" + Data(repeating: 9, count: 32).base64EncodedString()
            ]))
        // Console pages wait for their figures (a loaded CI machine can take seconds); the tests
        // of the "still computing" answers set a short patience.
        config.consolePatience = .seconds(60)
        configure(&config)
        let built = try await buildApplication(config, logger: logger)
        #expect(built.issuedKeys.map(\.secret) == [Self.writeKey, Self.adminKey])
        try await built.application.test(.router, test)
    }

    func post(
        _ client: some TestClientProtocol, _ path: String, _ body: String, auth: String? = basic,
        headers extra: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let auth { headers[.authorization] = auth }
        headers.append(contentsOf: extra)
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null)
        }
    }

    func get(_ client: some TestClientProtocol, _ path: String, auth: String? = bearer) async throws -> (
        HTTPResponse.Status, JSONValue
    ) {
        var headers: HTTPFields = [:]
        if let auth { headers[.authorization] = auth }
        return try await client.execute(uri: path, method: .get, headers: headers) {
            ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null)
        }
    }

    func code(_ body: JSONValue) -> String? { body["error"]?["code"]?.stringValue }

    @Test func identifyThenReadTheProfileByIdentifier() async throws {
        try await withApp { client in
            let (status, body) = try await post(
                client, "/v1/identify", #"{"userId":"u1","traits":{"email":"A@B.com","city":"上海"}}"#)
            #expect(status == .ok)
            #expect(body["success"]?.boolValue == true)
            let (s, profile) = try await get(client, "/api/v1/customers/by-identifier/email/a%40b.com")
            #expect(s == .ok)
            #expect(profile["traits"]?["city"]?.stringValue == "上海")
            #expect(profile["trait_updated_at"]?["city"]?.stringValue != nil)
            let id = try #require(profile["id"]?.numberValue?.int64)
            let (_, same) = try await get(client, "/api/v1/customers/\(id)")
            #expect(same["id"]?.numberValue?.int64 == id)
            let (_, events) = try await get(client, "/api/v1/customers/\(id)/events?limit=10")
            #expect(events["data"]?.arrayValue?.count == 1)
            let (_, list) = try await get(
                client,
                "/api/v1/customers?trait=city:上海".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)
            #expect(list["data"]?.arrayValue?.count == 1)
            // Identifiers of types stored in clear are found by prefix; emails, stored encrypted, only whole.
            let (_, byPrefix) = try await get(client, "/api/v1/customers?identifier_type=user_id&identifier_prefix=u")
            #expect(byPrefix["data"]?.arrayValue?.count == 1)
            let (_, byEmail) = try await get(client, "/api/v1/customers?identifier_prefix=a%40b.com")
            #expect(byEmail["data"]?.arrayValue?.count == 1)
            let (_, byEmailPrefix) = try await get(
                client, "/api/v1/customers?identifier_type=email&identifier_prefix=a%40")
            #expect(byEmailPrefix["data"]?.arrayValue?.count == 0)
        }
    }

    @Test func aliasGroupPageAndScreenCallsLandOnTheProfile() async throws {
        try await withApp { client in
            var (s, _) = try await post(client, "/v1/page", #"{"anonymousId":"old-anon","name":"Home"}"#)
            #expect(s == .ok)
            (s, _) = try await post(client, "/v1/screen", #"{"anonymousId":"old-anon","name":"Cart"}"#)
            #expect(s == .ok)
            (s, _) = try await post(client, "/v1/alias", #"{"previousId":"old-anon","userId":"member-9"}"#)
            #expect(s == .ok)
            (s, _) = try await post(
                client, "/v1/group", #"{"userId":"member-9","groupId":"acme","traits":{"plan":"b2b"}}"#)
            #expect(s == .ok)
            let (_, p) = try await get(client, "/api/v1/customers/by-identifier/user_id/member-9")
            let (_, anonymous) = try await get(client, "/api/v1/customers/by-identifier/anonymous_id/old-anon")
            #expect(p["id"] != nil && p["id"] == anonymous["id"])
            let id = try #require(p["id"]?.numberValue?.int64)
            let (_, events) = try await get(client, "/api/v1/customers/\(id)/events")
            let types = Set(events["data"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [])
            #expect(types == ["page", "screen", "alias", "group"])
            // Group traits describe the group, not the person.
            #expect(p["traits"]?["plan"] == nil)
        }
    }

    @Test func aTypeThatIsNotUniqueKeepsPeopleApart() async throws {
        try await withApp { client in
            let save = try await client.execute(
                uri: "/api/v1/identifier-types/household_phone", method: .put,
                headers: [.authorization: Self.bearer, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"priority":20,"limit":3,"unique":false}"#)
            ) { ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null) }
            #expect(save.0 == .ok && save.1["unique"]?.boolValue == false)
            _ = try await post(client, "/v1/identify", #"{"userId":"dad","traits":{"household_phone":"bj-8888"}}"#)
            _ = try await post(client, "/v1/identify", #"{"userId":"kid","traits":{"household_phone":"bj-8888"}}"#)
            let (_, dad) = try await get(client, "/api/v1/customers/by-identifier/user_id/dad")
            let (_, kid) = try await get(client, "/api/v1/customers/by-identifier/user_id/kid")
            #expect(dad["id"] != nil && dad["id"] != kid["id"])
            let (status, body) = try await get(client, "/api/v1/customers/by-identifier/household_phone/bj-8888")
            #expect(status == .conflict && code(body) == "ambiguous_identifier")
            let (_, list) = try await get(
                client, "/api/v1/customers?identifier_type=household_phone&identifier_prefix=bj-")
            #expect(list["data"]?.arrayValue?.count == 2)
        }
    }

    @Test func gzipBatchesAreAccepted() async throws {
        try await withApp { client in
            var raw = ByteBuffer(
                string:
                    #"{"batch":[{"type":"track","anonymousId":"g1","event":"Zipped"},{"type":"page","anonymousId":"g1","name":"Home"}]}"#
            )
            let zipped = try raw.compress(with: .gzip())
            let status = try await client.execute(
                uri: "/v1/batch", method: .post,
                headers: [.authorization: Self.basic, .contentType: "application/json", .contentEncoding: "gzip"],
                body: zipped
            ) { $0.status }
            #expect(status == .ok)
            let (_, p) = try await get(client, "/api/v1/customers/by-identifier/anonymous_id/g1")
            #expect(p["counts"]?["events"]?.numberValue?.int64 == 2)
            // A gzip body that inflates past 500 KB is refused, although it is small on the wire.
            let item =
                #"{"type":"track","anonymousId":"z","event":"E","properties":{"p":"\#(String(repeating: "z", count: 30_000))"}}"#
            var big = ByteBuffer(string: #"{"batch":[\#(Array(repeating: item, count: 20).joined(separator: ","))]}"#)
            let bigZipped = try big.compress(with: .gzip())
            let (tooLarge, body) = try await client.execute(
                uri: "/v1/batch", method: .post,
                headers: [.authorization: Self.basic, .contentType: "application/json", .contentEncoding: "gzip"],
                body: bigZipped
            ) { ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null) }
            #expect(tooLarge == .contentTooLarge && code(body) == "batch_too_large")
        }
    }

    @Test func theWriteKeyMayTravelInTheBody() async throws {
        try await withApp { client in
            let (status, _) = try await post(
                client, "/v1/track", #"{"writeKey":"\#(Self.writeKey)","anonymousId":"w1","event":"E"}"#, auth: nil)
            #expect(status == .ok)
        }
    }

    @Test func badInputGetsAClearErrorWithAStableCode() async throws {
        try await withApp { client in
            var (s, b) = try await post(client, "/v1/track", #"{"anonymousId":"a","event":"E""#)
            #expect(s == .badRequest && code(b) == "invalid_json")
            (s, b) = try await post(client, "/v1/track", #"{"anonymousId":"a","event":"E"}"#, auth: nil)
            #expect(s == .unauthorized && code(b) == "missing_key")
            (s, b) = try await post(
                client, "/v1/track", #"{"anonymousId":"a","event":"E"}"#,
                auth: "Basic " + Data("nope-nope-nope:".utf8).base64EncodedString())
            #expect(s == .unauthorized && code(b) == "invalid_key")
            (s, b) = try await post(
                client, "/v1/track", #"{"anonymousId":"a","event":"E"}"#,
                auth: "Basic " + Data("\(Self.adminKey):".utf8).base64EncodedString())
            #expect(s == .forbidden && code(b) == "wrong_key_kind")
            (s, b) = try await post(client, "/v1/track", #"{"anonymousId":"a"}"#)
            #expect(s == .badRequest && code(b) == "missing_event")
            (s, b) = try await post(client, "/v1/identify", #"{"userId":{"x":1}}"#)
            #expect(
                s == .badRequest && code(b) == "invalid_field_type" && b["error"]?["field"]?.stringValue == "userId")
            (s, b) = try await post(
                client, "/v1/track", #"{"anonymousId":"a","event":"E"}"#, headers: [.contentEncoding: "br"])
            #expect(s == .unsupportedMediaType && code(b) == "unsupported_encoding")
            (s, b) = try await post(client, "/v1/batch", "{}", headers: [.contentEncoding: "gzip"])
            #expect(s == .badRequest && code(b) == "invalid_gzip")
            let big = String(repeating: "x", count: 33 * 1024)
            (s, b) = try await post(
                client, "/v1/track", #"{"anonymousId":"a","event":"E","properties":{"p":"\#(big)"}}"#)
            #expect(s == .contentTooLarge && code(b) == "message_too_large")
            let item =
                #"{"type":"track","anonymousId":"a","event":"E","properties":{"p":"\#(String(repeating: "y", count: 20_000))"}}"#
            let batch = #"{"batch":[\#(Array(repeating: item, count: 30).joined(separator: ","))]}"#
            (s, b) = try await post(client, "/v1/batch", batch)
            #expect(s == .contentTooLarge && code(b) == "batch_too_large")
            // An oversize message inside a batch is refused alone; the rest is stored.
            (s, b) = try await post(
                client, "/v1/batch",
                #"{"batch":[{"type":"track","anonymousId":"ok","event":"E"},{"type":"track","anonymousId":"a","event":"E","properties":{"p":"\#(big)"}}]}"#
            )
            #expect(s == .ok && b["stored"]?.numberValue?.int64 == 1)
            #expect(b["rejected"]?.arrayValue?.first?["code"]?.stringValue == "message_too_large")
            let challenge = try await client.execute(uri: "/api/v1/customers/1", method: .get) {
                ($0.status, $0.headers[.wwwAuthenticate])
            }
            #expect(challenge.0 == .unauthorized && challenge.1?.hasPrefix("Bearer") == true)
            (s, b) = try await get(client, "/api/v1/customers/abc")
            #expect(s == .badRequest && code(b) == "invalid_id")
            (s, b) = try await get(client, "/api/v1/customers/999999")
            #expect(s == .notFound && code(b) == "customer_not_found")
            (s, b) = try await get(client, "/api/v1/customers?limit=0")
            #expect(s == .badRequest && code(b) == "invalid_limit")
            (s, b) = try await get(client, "/api/v1/customers?cursor=zz")
            #expect(s == .badRequest && code(b) == "invalid_cursor")
            (s, b) = try await get(client, "/nowhere")
            #expect(s == .notFound && code(b) == "route_not_found")
        }
    }

    @Test func keysCanBeCreatedUsedAndRevoked() async throws {
        try await withApp { client in
            let (s, created) = try await post(
                client, "/api/v1/keys", #"{"kind":"write","name":"pos"}"#, auth: Self.bearer)
            #expect(s == .created)
            let secret = try #require(created["secret"]?.stringValue)
            let id = try #require(created["id"]?.numberValue?.int64)
            let auth = "Basic " + Data("\(secret):".utf8).base64EncodedString()
            var (status, _) = try await post(client, "/v1/track", #"{"anonymousId":"k","event":"E"}"#, auth: auth)
            #expect(status == .ok)
            let revoked = try await client.execute(
                uri: "/api/v1/keys/\(id)", method: .delete, headers: [.authorization: Self.bearer]
            ) { $0.status }
            #expect(revoked == .noContent)
            (status, _) = try await post(client, "/v1/track", #"{"anonymousId":"k","event":"E"}"#, auth: auth)
            #expect(status == .unauthorized)
        }
    }

    @Test func mergeUndoOverREST() async throws {
        try await withApp { client in
            _ = try await post(client, "/v1/identify", #"{"userId":"u1","anonymousId":"a1"}"#)
            _ = try await post(client, "/v1/track", #"{"anonymousId":"b1","event":"E"}"#)
            _ = try await post(client, "/v1/identify", #"{"userId":"u1","anonymousId":"b1"}"#)
            let (_, p) = try await get(client, "/api/v1/customers/by-identifier/user_id/u1")
            let id = try #require(p["id"]?.numberValue?.int64)
            let (_, merges) = try await get(client, "/api/v1/customers/\(id)/merges")
            let mergeID = try #require(merges["data"]?.arrayValue?.first?["id"]?.numberValue?.int64)
            var (s, undone) = try await post(client, "/api/v1/merges/\(mergeID)/undo", "", auth: Self.bearer)
            #expect(s == .ok && undone["undone_at"]?.stringValue != nil)
            let (_, b) = try await get(client, "/api/v1/customers/by-identifier/anonymous_id/b1")
            #expect(b["id"]?.numberValue?.int64 != id)
            (s, undone) = try await post(client, "/api/v1/merges/\(mergeID)/undo", "", auth: Self.bearer)
            #expect(s == .conflict && code(undone) == "merge_already_undone")
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withApp { client in
            #expect(try await get(client, "/health", auth: nil).0 == .ok)
            #expect(try await get(client, "/ready", auth: nil).1["status"]?.stringValue == "ready")
            _ = try await post(client, "/v1/track", #"{"anonymousId":"m","event":"E"}"#)
            _ = try await post(client, "/v1/track", #"{"anonymousId":"m"}"#)
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains("panorama_ingested_messages_total 1"))
            #expect(text.contains(#"panorama_rejected_messages_total{code="missing_event"} 1"#))
            #expect(text.contains("panorama_merges_total 0"))
            #expect(text.contains("panorama_http_request_duration_seconds_bucket"))
        }
    }

    /// The served OpenAPI document describes exactly the routes the router has.
    @Test func theAPIDocumentListsEveryRouteAndNoOther() async throws {
        let document = try JSONParser.parse(OpenAPIDocument.json)
        var documented = Set<String>()
        for (path, item) in document["paths"]?.objectValue?.members ?? [] {
            for (method, _) in item.objectValue?.members ?? []
            where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let recorder = RouteRecorder<AppRequestContext>()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-doc-\(UUID())").path
        let services = try Services(configuration: Configuration(dataDirectory: dir), logger: logger)
        registerRoutes(on: recorder, services: services, registry: PrometheusCollectorRegistry())
        // The web console's pages (/app) are HTML for people, not part of the API document.
        let routed = Set(
            recorder.routes.map { r -> String in
                let path = r.path.hasPrefix("/") ? r.path : "/" + r.path
                return "\(r.method) \(path)"
            }.filter { !$0.contains(" /app") })
        #expect(
            routed.subtracting(documented).isEmpty,
            "routes missing from /openapi.json: \(routed.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(routed).isEmpty,
            "documented but not routed: \(documented.subtracting(routed).sorted())")
    }
}
