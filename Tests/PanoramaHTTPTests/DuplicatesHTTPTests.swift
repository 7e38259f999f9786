import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// The duplicate-detection REST API: a run started in the background, review of its proposals,
/// merges that the merge undo route splits, the manual merge, settings and error codes.
@Suite struct DuplicatesHTTPTests {
    let http = HTTPTests()

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String = ""
    ) async throws -> (HTTPResponse.Status, JSONValue, location: String?) {
        let headers: HTTPFields = [.contentType: "application/json", .authorization: HTTPTests.bearer]
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, (try? JSONParser.parse(Array($0.body.readableBytesView))) ?? .null, $0.headers[.location])
        }
    }

    @Test func aRunProposesAPairThatIsMergedThenUndone() async throws {
        try await http.withApp { client in
            for (id, traits) in [
                ("cat-1", #"{"first_name":"Catherine","last_name":"Nguyen","city":"Sydney"}"#),
                ("cat-2", #"{"name":"Katherine Nguyen","city":"Melbourne"}"#),
            ] {
                _ = try await http.post(client, "/v1/identify", #"{"anonymousId":"\#(id)","traits":\#(traits)}"#)
            }
            // Started in the background: 202, the run, and where to follow it.
            var (status, body, location) = try await send(client, .post, "/api/v1/duplicates/runs")
            #expect(status == .accepted && body["status"]?.stringValue == "running")
            let runID = try #require(body["id"]?.numberValue?.int64)
            #expect(location == "/api/v1/duplicates/runs/\(runID)")
            for _ in 0..<100 where body["status"]?.stringValue == "running" {
                try await Task.sleep(for: .milliseconds(50))
                (status, body, _) = try await send(client, .get, "/api/v1/duplicates/runs/\(runID)")
            }
            #expect(body["status"]?.stringValue == "succeeded" && body["counts"]?["proposed"]?.numberValue?.int64 == 1)

            // The proposal, explained, with both profiles.
            (status, body, _) = try await send(client, .get, "/api/v1/duplicates?limit=10")
            let pair = try #require(body["data"]?.arrayValue?.first)
            let pairID = try #require(pair["id"]?.numberValue?.int64)
            #expect(pair["decision"]?.stringValue == "review")
            #expect(pair["fields"]?.arrayValue?.first?["field"]?.stringValue == "given_name")
            #expect(pair["profiles"]?.arrayValue?[1]["traits"]?["name"]?.stringValue == "Katherine Nguyen")

            // Accepted: a merge the undo route splits; the pair stays decided.
            (status, body, _) = try await send(client, .post, "/api/v1/duplicates/\(pairID)/merge")
            #expect(status == .ok && body["source"]?.stringValue == "duplicate")
            let mergeID = try #require(body["id"]?.numberValue?.int64)
            (status, body, _) = try await send(client, .post, "/api/v1/merges/\(mergeID)/undo")
            #expect(status == .ok && body["undone_at"]?.stringValue != nil)
            (status, body, _) = try await send(client, .post, "/api/v1/duplicates/\(pairID)/reject")
            #expect(status == .conflict && http.code(body) == "duplicate_already_decided")
            (status, body, _) = try await send(client, .get, "/api/v1/duplicates?status=merged")
            #expect(body["data"]?.arrayValue?.first?["merge_id"]?.numberValue?.int64 == mergeID)

            // The manual merge, and its refusals.
            let first = try #require(pair["profiles"]?.arrayValue?[0]["id"]?.numberValue?.int64)
            let second = try #require(pair["profiles"]?.arrayValue?[1]["id"]?.numberValue?.int64)
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(second)/merge", #"{"into":\#(first)}"#)
            #expect(
                status == .ok && body["source"]?.stringValue == "manual" && body["into_id"]?.numberValue?.int64 == first
            )
            (status, body, _) = try await send(
                client, .post, "/api/v1/customers/\(second)/merge", #"{"into":\#(first)}"#)
            #expect(status == .conflict && http.code(body) == "already_merged")
            (status, body, _) = try await send(client, .post, "/api/v1/customers/\(second)/merge", #"{"into":"x"}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_into")
            (status, body, _) = try await send(client, .get, "/api/v1/duplicates?status=maybe")
            #expect(status == .badRequest && http.code(body) == "invalid_status")
            (status, body, _) = try await send(client, .post, "/api/v1/duplicates/999/merge")
            #expect(status == .notFound && http.code(body) == "duplicate_not_found")
        }
    }

    @Test func settingsChangeWhatTheyNameAndRefuseBadValues() async throws {
        try await http.withApp { client in
            var (status, body, _) = try await send(client, .get, "/api/v1/duplicates/settings")
            #expect(status == .ok && body["auto_merge"]?.boolValue == true)
            #expect(body["estimation"]?.stringValue == "expectation_maximisation")
            (status, body, _) = try await send(
                client, .put, "/api/v1/duplicates/settings", #"{"auto_merge":false,"schedule_minutes":60}"#)
            #expect(status == .ok && body["auto_merge"]?.boolValue == false)
            #expect(body["schedule_minutes"]?.numberValue?.int64 == 60 && body["review_threshold"] != nil)
            (status, body, _) = try await send(
                client, .put, "/api/v1/duplicates/settings", #"{"review_threshold":0.999,"auto_merge_threshold":0.9}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_match_configuration")
            #expect(body["error"]?["field"]?.stringValue == "auto_merge_threshold")
            (status, body, _) = try await send(
                client, .put, "/api/v1/duplicates/settings", #"{"fields":[{"field":"shoe_size"}]}"#)
            #expect(status == .badRequest && body["error"]?["field"]?.stringValue == "fields[0].field")
            (status, body, _) = try await send(client, .get, "/api/v1/duplicates/settings")
            #expect(body["auto_merge"]?.boolValue == false && body["review_threshold"]?.numberValue?.double == 0.5)
        }
    }
}
