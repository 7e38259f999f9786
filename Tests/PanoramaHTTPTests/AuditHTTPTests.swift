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

/// The audit log over REST: admin writes leave one entry each with actor, action, target and
/// client address; reads and rule checks leave none; exports and merges are recorded; searches
/// filter and page; the chain verifies; every write route has an action.
@Suite struct AuditHTTPTests {
    let http = HTTPTests()

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (HTTPResponse.Status, JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json", .authorization: HTTPTests.bearer]
        headers.append(contentsOf: extra)
        let uri = path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null) }
    }

    /// The entries a search returns.
    func entries(_ client: some TestClientProtocol, _ query: String = "") async throws -> [JSONValue] {
        let (status, body) = try await send(client, .get, "/api/v1/audit\(query)")
        #expect(status == .ok, "\(body)")
        return body["data"]?.arrayValue ?? []
    }

    /// The id of the bootstrap admin key, as the audit log names it.
    func adminActor(_ client: some TestClientProtocol) async throws -> String {
        let (_, keys) = try await send(client, .get, "/api/v1/keys")
        let admin = keys["data"]?.arrayValue?.first { $0["kind"]?.stringValue == "admin" }
        return "key:\(try #require(admin?["id"]?.numberValue?.int64))"
    }

    @Test func anAdminWriteIsRecordedWithActorActionTargetAndClientAddress() async throws {
        try await http.withApp { client in
            let actor = try await adminActor(client)
            // Given an admin write through a proxy.
            let (status, _) = try await send(
                client, .put, "/api/v1/identifier-types/crm_id", #"{"priority":30,"limit":1}"#,
                headers: [HTTPField.Name("X-Forwarded-For")!: "203.0.113.7, 10.0.0.1"])
            #expect(status == .ok)

            // Then one entry says who did what to what, from where.
            let found = try await entries(client, "?action=identifier_type")
            #expect(found.count == 1)
            let entry = try #require(found.first)
            #expect(entry["actor"]?.stringValue == actor)
            #expect(entry["actor_kind"]?.stringValue == "api_key")
            #expect(entry["action"]?.stringValue == "identifier_type.save")
            #expect(entry["target"]?.stringValue == "identifier_type:crm_id")
            #expect(entry["source_ip"]?.stringValue == "203.0.113.7")
            #expect(entry["workspace"]?.stringValue == "1")
            #expect(entry["detail"]?["method"]?.stringValue == "PUT")
            #expect(entry["detail"]?["path"]?.stringValue == "/api/v1/identifier-types/crm_id")
            #expect(entry["detail"]?["status"]?.stringValue == "200")
            #expect(entry["detail"]?["key_name"]?.stringValue == "bootstrap admin key")
            #expect(entry["hash"]?.stringValue?.count == 64)
            let at = try #require(entry["at_unix"]?.numberValue?.double)
            #expect(abs(at - Date().timeIntervalSince1970) < 60)
            #expect(entry["at"]?.stringValue.flatMap(Timestamp.parseMillis) == Int64((at * 1000).rounded()))

            // A junk X-Forwarded-For is not taken as an address.
            _ = try await send(
                client, .put, "/api/v1/identifier-types/pos_no", #"{"priority":31}"#,
                headers: [HTTPField.Name("X-Forwarded-For")!: "<script>"])
            let junk = try #require(try await entries(client, "?action=identifier_type.save&limit=1").first)
            #expect(junk["target"]?.stringValue == "identifier_type:pos_no")
            #expect(junk["source_ip"] == .null)
        }
    }

    @Test func eachWriteLeavesOneEntryAndReadsLeaveNone() async throws {
        try await http.withApp { client in
            // Reads, a rule check and a failed authentication leave nothing.
            _ = try await send(client, .get, "/api/v1/keys")
            _ = try await send(client, .post, "/api/v1/rules/check", #"{"rule":"1 = 1"}"#)
            _ = try await http.post(client, "/api/v1/keys", #"{"kind":"write"}"#, auth: "Bearer nope")
            #expect(try await entries(client).isEmpty)

            // A key created through its handler: one entry, with the new key's id and kind.
            let (created, key) = try await send(client, .post, "/api/v1/keys", #"{"kind":"write","name":"pos"}"#)
            #expect(created == .created)
            let id = try #require(key["id"]?.numberValue?.int64)
            var found = try await entries(client, "?action=key")
            #expect(found.count == 1)
            #expect(found.first?["target"]?.stringValue == "key:\(id)")
            #expect(found.first?["detail"]?["kind"]?.stringValue == "write")
            #expect(found.first?["detail"]?["prefix"]?.stringValue == key["prefix"]?.stringValue)

            // A refused write on the same route is recorded once, by the middleware, with its status.
            let (refused, _) = try await send(client, .post, "/api/v1/keys", #"{"kind":"root"}"#)
            #expect(refused == .badRequest)
            found = try await entries(client, "?action=key.create")
            #expect(found.count == 2)
            #expect(found.first?["detail"]?["status"]?.stringValue == "400")

            // A revocation, recorded generically with the id from the path.
            #expect(try await send(client, .delete, "/api/v1/keys/\(id)").0 == .noContent)
            found = try await entries(client, "?action=key.revoke")
            #expect(found.map { $0["target"]?.stringValue } == ["key:\(id)"])

            // A tag created and an export of it.
            #expect(try await send(client, .post, "/api/v1/tags", #"{"name":"贵宾"}"#).0 == .created)
            #expect(try await send(client, .put, "/api/v1/tags/贵宾", #"{"description":"x"}"#).0 == .ok)
            let exported = try await client.execute(
                uri: "/api/v1/tags/%E8%B4%B5%E5%AE%BE/export?format=ndjson", method: .get,
                headers: [.authorization: HTTPTests.bearer]
            ) { $0.status }
            #expect(exported == .ok)
            #expect(
                try await entries(client, "?action=tag&order=asc").map { $0["action"]?.stringValue }
                    == ["tag.create", "tag.update"])
            let export = try #require(try await entries(client, "?action=export").first)
            #expect(export["action"]?.stringValue == "export.tag")
            #expect(export["target"]?.stringValue == "tag:贵宾")
            #expect(export["detail"]?["format"]?.stringValue == "ndjson")
            #expect(export["detail"]?["members"]?.stringValue == "0")

            // Everything so far is one entry per write (and the export), in one intact chain.
            let all = try await entries(client, "?order=asc")
            #expect(all.map { $0["sequence"]?.numberValue?.int64 } == (1...6).map { Int64($0) })
            let (status, verify) = try await send(client, .get, "/api/v1/audit/verify")
            #expect(status == .ok)
            #expect(verify["intact"]?.boolValue == true)
            #expect(verify["entries"]?.numberValue?.int64 == 6)
            #expect(verify["head"]?.stringValue == all.last?["hash"]?.stringValue)
            #expect(verify["head_sequence"]?.numberValue?.int64 == 6)
            #expect(verify["problem"] == .null)
        }
    }

    @Test func mergesAndUndosAreRecordedWithTheirProfiles() async throws {
        try await http.withApp { client in
            _ = try await http.post(client, "/v1/identify", #"{"anonymousId":"m1","traits":{"city":"上海"}}"#)
            _ = try await http.post(client, "/v1/identify", #"{"anonymousId":"m2"}"#)
            let (_, one) = try await send(client, .get, "/api/v1/customers/by-identifier/anonymous_id/m1")
            let (_, two) = try await send(client, .get, "/api/v1/customers/by-identifier/anonymous_id/m2")
            let from = try #require(two["id"]?.numberValue?.int64)
            let into = try #require(one["id"]?.numberValue?.int64)
            let (status, merge) = try await send(
                client, .post, "/api/v1/customers/\(from)/merge", #"{"into":\#(into)}"#)
            #expect(status == .ok, "\(merge)")
            let mergeID = try #require(merge["id"]?.numberValue?.int64)
            #expect(try await send(client, .post, "/api/v1/merges/\(mergeID)/undo").0 == .ok)

            let found = try await entries(client, "?action=merge&order=asc")
            #expect(found.map { $0["action"]?.stringValue } == ["merge.manual", "merge.undo"])
            #expect(found.first?["target"]?.stringValue == "customer:\(from)")
            #expect(found.first?["detail"]?["into_id"]?.stringValue == String(into))
            #expect(found.last?["target"]?.stringValue == "merge:\(mergeID)")
        }
    }

    @Test func searchesFilterAndPage() async throws {
        try await http.withApp { client in
            let actor = try await adminActor(client)
            for n in 0..<5 {
                _ = try await send(client, .put, "/api/v1/identifier-types/t\(n)", #"{"priority":\#(n)}"#)
            }
            // Newest first, two at a time, following next_after.
            var seen: [Int64] = []
            var query = "?limit=2"
            while true {
                let (_, page) = try await send(client, .get, "/api/v1/audit\(query)")
                seen += page["data"]?.arrayValue?.compactMap { $0["sequence"]?.numberValue?.int64 } ?? []
                guard let next = page["next_after"]?.numberValue?.int64 else { break }
                query = "?limit=2&after=\(next)"
            }
            #expect(seen == [5, 4, 3, 2, 1])
            #expect(try await entries(client, "?actor=\(actor)").count == 5)
            #expect(try await entries(client, "?actor=key:999").isEmpty)
            #expect(try await entries(client, "?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z").isEmpty)
            #expect(try await entries(client, "?since=2000-01-01T00:00:00Z").count == 5)
            #expect(try await send(client, .get, "/api/v1/audit?since=yesterday").0 == .badRequest)
            #expect(try await send(client, .get, "/api/v1/audit?order=sideways").0 == .badRequest)
            #expect(try await send(client, .get, "/api/v1/audit?limit=0").0 == .badRequest)
            // Without a key, nothing.
            #expect(try await http.get(client, "/api/v1/audit", auth: nil).0 == .unauthorized)
        }
    }

    /// Every write route of the router has an entry in the middleware's table.
    @Test func everyWriteRouteHasAnAuditAction() async throws {
        let recorder = RouteRecorder<AppRequestContext>()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-audit-\(UUID())").path
        let services = try Services(configuration: Configuration(dataDirectory: dir), logger: logger)
        registerRoutes(on: recorder, services: services, registry: PrometheusCollectorRegistry())
        let writes = recorder.routes.filter { ["POST", "PUT", "PATCH", "DELETE"].contains($0.method) }.map {
            "\($0.method) \($0.path.hasPrefix("/") ? $0.path : "/" + $0.path)"
        }.filter { $0.contains(" /api/v1/") }
        #expect(!writes.isEmpty)
        let missing = Set(writes).subtracting(AuditMiddleware.routes.keys)
        #expect(missing.isEmpty, "write routes without an audit action: \(missing.sorted())")
        let stale = Set(AuditMiddleware.routes.keys).subtracting(writes)
        #expect(stale.isEmpty, "audit actions of routes that do not exist: \(stale.sorted())")
    }

    @Test func forwardedForTakesTheFirstHopWhenItLooksLikeAnAddress() {
        #expect(ClientAddress.firstHop("203.0.113.7, 10.0.0.1") == "203.0.113.7")
        #expect(ClientAddress.firstHop("[2001:db8::1]:443, 10.0.0.1") == "2001:db8::1")
        #expect(ClientAddress.firstHop(" 2001:db8::2 ") == "2001:db8::2")
        #expect(ClientAddress.firstHop("unknown") == nil)
        #expect(ClientAddress.firstHop("") == nil)
        #expect(ClientAddress.firstHop(String(repeating: "1", count: 65)) == nil)
    }
}
