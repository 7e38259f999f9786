import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import PanoramaServices
import Testing

@testable import PanoramaHTTP

/// Data subject rights over REST and tracking: consents, consent-gated segments and exports, the
/// privacy export (permission and audit) and erasure with suppression.
@Suite struct PrivacyHTTPTests {
    let http = HTTPTests()
    let access = AccessHTTPTests()

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil,
        auth: String = HTTPTests.bearer
    ) async throws -> (HTTPResponse.Status, JSONValue) {
        let (status, json, _) = try await access.send(client, method, path, body, auth: auth)
        return (status, json)
    }

    /// The raw text of a response (exports).
    func text(_ client: some TestClientProtocol, _ path: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: path, method: .get, headers: [.authorization: HTTPTests.bearer]) {
            ($0.status, String(buffer: $0.body))
        }
    }

    func customer(_ client: some TestClientProtocol, _ type: String, _ value: String) async throws -> Int64 {
        let (status, body) = try await send(client, .get, "/api/v1/customers/by-identifier/\(type)/\(value)")
        #expect(status == .ok, "\(body)")
        return try #require(body["id"]?.numberValue?.int64)
    }

    @Test func consentsAreRecordedAndReadOverRESTAndFromTracking() async throws {
        try await access.withApp { client in
            _ = try await http.post(client, "/v1/identify", #"{"userId": "u1", "traits": {"city": "上海"}}"#)
            let id = try await customer(client, "user_id", "u1")
            // Given a grant at the till and an email consent from the app's tracking
            var (status, body) = try await send(
                client, .put, "/api/v1/customers/\(id)/consents",
                #"{"purpose": "marketing_sms", "granted": true, "source": "store_pos"}"#)
            #expect(status == .ok, "\(body)")
            #expect(body["current"]?.arrayValue?.first?["source"]?.stringValue == "store_pos")
            (status, body) = try await http.post(
                client, "/v1/track",
                #"{"userId": "u1", "event": "Consent Granted", "properties": {"purpose": "marketing", "channel": "email"}}"#
            )
            #expect(status == .ok && body["stored"]?.numberValue?.int64 == 1)

            // Then both are current and the history lists them
            (status, body) = try await send(client, .get, "/api/v1/customers/\(id)/consents")
            #expect(status == .ok)
            let current = body["current"]?.arrayValue ?? []
            #expect(current.compactMap { $0["purpose"]?.stringValue } == ["marketing_sms", "marketing_email"])
            #expect(current.allSatisfy { $0["granted"]?.boolValue == true })
            #expect(body["history"]?.arrayValue?.count == 2)

            // Refusals: an unknown purpose, a missing flag, an unknown customer.
            (status, body) = try await send(
                client, .put, "/api/v1/customers/\(id)/consents", #"{"purpose": "telepathy", "granted": true}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_purpose")
            (status, body) = try await send(
                client, .put, "/api/v1/customers/\(id)/consents", #"{"purpose": "profiling"}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_granted")
            (status, body) = try await send(client, .get, "/api/v1/customers/999/consents")
            #expect(status == .notFound)
            // Consent writes are audited.
            (status, body) = try await send(client, .get, "/api/v1/audit?action=consent")
            #expect(body["data"]?.arrayValue?.first?["target"]?.stringValue == "customer:\(id)")
        }
    }

    @Test func aSegmentWithAConsentPurposeAndAnExportWithOneLeaveOutCustomersWithoutAGrant() async throws {
        try await access.withApp { client in
            for user in ["u1", "u2"] {
                _ = try await http.post(client, "/v1/identify", #"{"userId": "\#(user)", "traits": {"city": "上海"}}"#)
            }
            _ = try await http.post(
                client, "/v1/identify", #"{"userId": "u1", "traits": {"consents": {"marketing_sms": true}}}"#)
            var (status, body) = try await send(
                client, .post, "/api/v1/segments",
                #"{"name": "sms", "rule": "city = '上海'", "consent_purpose": "marketing_sms"}"#)
            #expect(status == .created, "\(body)")
            #expect(body["consent_purpose"]?.stringValue == "marketing_sms" && body["size"]?.numberValue?.int64 == 1)
            (status, body) = try await send(
                client, .post, "/api/v1/segments", #"{"name": "all", "rule": "city = '上海'"}"#)
            #expect(body["consent_purpose"]?.isNull == true && body["size"]?.numberValue?.int64 == 2)
            (status, body) = try await send(client, .get, "/api/v1/segments/sms/count")
            #expect(body["count"]?.numberValue?.int64 == 1)

            var (code, csv) = try await text(client, "/api/v1/segments/sms/export")
            #expect(code == .ok && csv.contains(",u1,") && !csv.contains("u2"))
            (code, csv) = try await text(client, "/api/v1/segments/all/export?purpose=marketing_sms")
            #expect(code == .ok && csv.contains(",u1,") && !csv.contains("u2"))
            (code, csv) = try await text(client, "/api/v1/segments/all/export")
            #expect(csv.contains("u2"))
            (status, body) = try await send(client, .get, "/api/v1/segments/all/export?purpose=fax")
            #expect(status == .badRequest && http.code(body) == "invalid_purpose")
            (status, body) = try await send(
                client, .post, "/api/v1/tags", #"{"name": "t", "rule": "city = '上海'", "consent_purpose": "profiling"}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_consent_purpose")
        }
    }

    @Test func thePrivacyExportNeedsPrivacyManageAndIsAudited() async throws {
        try await access.withApp { client in
            _ = try await http.post(
                client, "/v1/identify", #"{"userId": "u1", "traits": {"email": "a@example.com", "city": "上海"}}"#)
            _ = try await http.post(client, "/v1/track", #"{"userId": "u1", "event": "Viewed"}"#)
            let id = try await customer(client, "user_id", "u1")
            // A service agent sees personal data but has no privacy.manage; a marketer neither.
            for role in ["service", "marketer"] {
                let key = try await access.key(client, role: role)
                let (status, body) = try await send(client, .get, "/api/v1/customers/\(id)/privacy-export", auth: key)
                #expect(status == .forbidden && http.code(body) == "permission_denied", "\(role)")
                let (erase, _) = try await send(client, .post, "/api/v1/customers/\(id)/erasure", "{}", auth: key)
                #expect(erase == .forbidden, "\(role)")
            }
            let (status, body) = try await send(client, .get, "/api/v1/customers/\(id)/privacy-export")
            #expect(status == .ok, "\(body)")
            #expect(body["customer_id"]?.numberValue?.int64 == id)
            #expect(
                body["profile"]?["identifiers"]?.arrayValue?.contains { $0["value"]?.stringValue == "a@example.com" }
                    == true)
            #expect(body["events"]?.arrayValue?.count == 2)
            let (missing, _) = try await send(client, .get, "/api/v1/customers/999/privacy-export")
            #expect(missing == .notFound)
            let (_, audit) = try await send(client, .get, "/api/v1/audit?action=privacy.export")
            let entries = audit["data"]?.arrayValue ?? []
            #expect(entries.count == 1 && entries.first?["target"]?.stringValue == "customer:\(id)")
        }
    }

    @Test func anErasureLeavesNothingFindableAndSuppressionDropsTheSamePersonAgain() async throws {
        try await access.withApp { client in
            _ = try await http.post(
                client, "/v1/identify", #"{"userId": "u1", "traits": {"email": "gone@example.com", "city": "上海"}}"#)
            _ = try await http.post(client, "/v1/identify", #"{"userId": "u2", "traits": {"city": "上海"}}"#)
            _ = try await send(client, .post, "/api/v1/segments", #"{"name": "sh", "rule": "city = '上海'"}"#)
            let id = try await customer(client, "email", "gone%40example.com")

            // When the customer is erased with suppression
            var (status, body) = try await send(
                client, .post, "/api/v1/customers/\(id)/erasure", #"{"suppress": true, "reason": "ticket-42"}"#)
            #expect(status == .ok, "\(body)")
            #expect(body["suppressed"]?.boolValue == true && body["tombstones"]?.numberValue?.int64 == 2)
            #expect(body["rows"]?["customers"]?.numberValue?.int64 == 1)

            // Then nothing finds it
            (status, _) = try await send(client, .get, "/api/v1/customers/by-identifier/email/gone%40example.com")
            #expect(status == .notFound)
            (status, _) = try await send(client, .get, "/api/v1/customers/by-identifier/user_id/u1")
            #expect(status == .notFound)
            (status, _) = try await send(client, .get, "/api/v1/customers/\(id)")
            #expect(status == .notFound)
            (status, body) = try await send(client, .get, "/api/v1/customers?q=gone")
            #expect(status == .ok && body["data"]?.arrayValue?.isEmpty == true)
            let (_, csv) = try await text(client, "/api/v1/segments/sh/export")
            #expect(!csv.contains("u1") && csv.contains("u2"))
            (status, body) = try await send(client, .get, "/api/v1/segments/sh/count")
            #expect(body["count"]?.numberValue?.int64 == 1)

            // The erasure is audited with counts, never the personal values.
            (status, body) = try await send(client, .get, "/api/v1/audit?action=privacy.erase")
            let entry = try #require(body["data"]?.arrayValue?.first)
            #expect(entry["target"]?.stringValue == "customer:\(id)")
            #expect(entry["detail"]?["rows.events"]?.stringValue == "1")
            #expect(entry["detail"]?["reason"]?.stringValue == "ticket-42")
            #expect(!entry.jsonText.contains("gone@example.com") && !entry.jsonText.contains("\"u1\""))

            // The same person arriving again, their email written differently, is dropped.
            (status, body) = try await http.post(
                client, "/v1/identify", #"{"anonymousId": "x1", "traits": {"email": "GONE@Example.com"}}"#)
            #expect(status == .ok && body["stored"]?.numberValue?.int64 == 0)
            #expect(body["rejected"]?.arrayValue?.first?["code"]?.stringValue == "erased_subject")
            (status, body) = try await http.post(
                client, "/v1/batch",
                #"{"batch": [{"type": "track", "userId": "u1", "event": "Back"}, {"type": "track", "userId": "u2", "event": "Here"}]}"#
            )
            #expect(status == .ok && body["stored"]?.numberValue?.int64 == 1)
            #expect(body["rejected"]?.arrayValue?.first?["index"]?.numberValue?.int64 == 0)
            (status, _) = try await send(client, .get, "/api/v1/customers/by-identifier/anonymous_id/x1")
            #expect(status == .notFound)
            // An order over REST naming them is refused too; one for someone else is taken.
            (status, body) = try await send(
                client, .post, "/api/v1/orders",
                #"{"order_id": "E-1", "total": 10, "customer": {"email": "Gone@example.com"}}"#)
            #expect(status == .conflict && http.code(body) == "erased_subject", "\(body)")
            (status, body) = try await send(
                client, .post, "/api/v1/orders", #"{"order_id": "E-2", "total": 10, "customer": {"user_id": "u2"}}"#)
            #expect(status == .created, "\(body)")
            // Erasing it again: nothing left.
            (status, _) = try await send(client, .post, "/api/v1/customers/\(id)/erasure", "{}")
            #expect(status == .notFound)
            (status, body) = try await send(client, .post, "/api/v1/customers/1/erasure", #"{"suppress": "yes"}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_suppress")
        }
    }
}
