import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import Testing

@testable import PanoramaHTTP

/// Traits, tags and segments over REST, and the real-time path: an acknowledged event shows in
/// the customer's tags and segments through the API within a second.
@Suite struct AudiencesHTTPTests {
    let http = HTTPTests()

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil)
        async throws -> (HTTPResponse.Status, JSONValue, String)
    {
        let headers: HTTPFields = [.contentType: "application/json", .authorization: HTTPTests.bearer]
        let uri = path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) {
            let text = String(buffer: $0.body)
            return ($0.status, (try? JSONParser.parse(text)) ?? .null, text)
        }
    }

    @Test func definitionsCountsExportAndRealTimeMembership() async throws {
        try await http.withApp { client in
            var (status, body, _) = try await send(
                client, .post, "/api/v1/traits",
                #"{"name":"spend_30d","aggregation":"sum","field":"amount","window_days":30}"#)
            #expect(status == .created)
            #expect(body["type"]?.stringValue == "decimal")
            (status, body, _) = try await send(
                client, .post, "/api/v1/traits", #"{"name":"x","aggregation":"sum","field":"channel"}"#)
            #expect(status == .badRequest)

            (status, body, _) = try await send(
                client, .post, "/api/v1/tags",
                #"{"name":"大客户","rule":"spend_30d >= 100","category":"value","update_mode":"realtime"}"#)
            #expect(status == .created)
            #expect(body["size"]?.numberValue?.int64 == 0)
            // `city` becomes a name rules can use once a profile has it.
            _ = try await http.post(client, "/v1/identify", #"{"userId":"first","traits":{"city":"北京"}}"#)
            (status, body, _) = try await send(
                client, .post, "/api/v1/segments", #"{"name":"big_in_sh","rule":"tag('大客户') AND city = '上海'"}"#)
            #expect(status == .created, "\(body)")
            (status, body, _) = try await send(
                client, .post, "/api/v1/segments", #"{"name":"oops","rule":"tag('大客户') AND citty = '上海'"}"#)
            #expect(status == .badRequest && http.code(body) == "invalid_rule")
            (status, body, _) = try await send(
                client, .post, "/api/v1/rules/check", #"{"rule":"spend_30d >= 'a'"}"#)
            #expect(body["valid"]?.boolValue == false)
            #expect(body["error"]?["column"]?.numberValue?.int64 == 14)

            // Real time: each order is acknowledged, then the customer's profile is polled until
            // the tag and segment show.
            var latencies: [Double] = []
            for n in 0..<20 {
                _ = try await http.post(client, "/v1/identify", #"{"userId":"rt\#(n)","traits":{"city":"上海"}}"#)
                let started = ContinuousClock.now
                let (ack, _) = try await http.post(
                    client, "/v1/track",
                    #"{"userId":"rt\#(n)","event":"Order Completed","properties":{"order_id":"RT-\#(n)","total":150}}"#)
                #expect(ack == .ok)
                let (_, profile) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/rt\(n)")
                let id = try #require(profile["id"]?.numberValue?.int64)
                while true {
                    let (_, p) = try await http.get(client, "/api/v1/customers/\(id)")
                    let segments = p["segments"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    if segments.contains("big_in_sh") {
                        #expect(p["tags"]?.arrayValue?.compactMap(\.stringValue) == ["大客户"])
                        #expect(p["computed_traits"]?["spend_30d"]?.stringValue == "150.00")
                        // RFM scores follow in real time too (against the last full computation's quintiles).
                        #expect(p["computed_traits"]?["rfm_f"]?.stringValue != nil, "\(p)")
                        #expect(p["computed_traits"]?["rfm_segment"]?.stringValue != nil)
                        break
                    }
                    #expect(ContinuousClock.now - started < .seconds(30))
                    if ContinuousClock.now - started > .seconds(30) { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                latencies.append(Double((ContinuousClock.now - started) / .microseconds(1)) / 1000)
            }
            latencies.sort()
            print("event acknowledged → membership visible over the API: median \(latencies[10]) ms, max \(latencies.last!) ms")
            // The target (p99 < 1 s) is measured on an idle machine (`ci/two_nodes.py`, BENCHMARKS.md); here
            // the whole suite runs beside this test on two cores, CPU-bound engine tests included.
            #expect(latencies.last! < 30_000)

            (status, body, _) = try await send(client, .get, "/api/v1/segments/big_in_sh/count")
            #expect(body["count"]?.numberValue?.int64 == 20)
            (status, body, _) = try await send(client, .get, "/api/v1/segments/big_in_sh/preview?limit=3")
            #expect(body["size"]?.numberValue?.int64 == 20)
            #expect(body["members"]?.arrayValue?.count == 3)
            (status, body, _) = try await send(client, .get, "/api/v1/tags/大客户/changes?limit=5")
            #expect(body["data"]?.arrayValue?.count == 5)
            #expect(body["data"]?.arrayValue?.first?["change"]?.stringValue == "enter")
            (status, body, _) = try await send(client, .get, "/api/v1/segments/big_in_sh/members?limit=15")
            #expect(body["data"]?.arrayValue?.count == 15)
            let next = try #require(body["next_after"]?.numberValue?.int64)
            (status, body, _) = try await send(client, .get, "/api/v1/segments/big_in_sh/members?limit=15&after=\(next)")
            #expect(body["data"]?.arrayValue?.count == 5)
            var csv = ""
            (status, _, csv) = try await send(client, .get, "/api/v1/segments/big_in_sh/export?format=csv")
            #expect(status == .ok)
            let lines = csv.split(separator: "\n")
            #expect(lines.count == 21)
            #expect(lines.first?.hasPrefix("customer_id,") == true)
            #expect(csv.contains("rt7"))
            (status, _, csv) = try await send(client, .get, "/api/v1/segments/big_in_sh/export?format=ndjson")
            #expect(csv.split(separator: "\n").count == 20)
            (status, body, _) = try await send(
                client, .post, "/api/v1/rules/evaluate", #"{"rule":"spend_30d > 100 AND city = '上海'","limit":2}"#)
            #expect(body["size"]?.numberValue?.int64 == 20)
            (status, body, _) = try await send(client, .delete, "/api/v1/tags/大客户")
            #expect(status == .conflict)
            (status, body, _) = try await send(client, .delete, "/api/v1/segments/big_in_sh")
            #expect(status == .noContent)
            (status, body, _) = try await send(client, .get, "/api/v1/segments/big_in_sh")
            #expect(status == .notFound && http.code(body) == "segment_not_found")
        }
    }

    /// Posts a CSV file (raw bytes) to a tag's assign or unassign endpoint.
    func upload(_ client: some TestClientProtocol, _ path: String, _ bytes: [UInt8]) async throws -> (
        HTTPResponse.Status, JSONValue
    ) {
        let headers: HTTPFields = [.contentType: "text/csv", .authorization: HTTPTests.bearer]
        return try await client.execute(
            uri: path.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!, method: .post, headers: headers,
            body: ByteBuffer(bytes: bytes)
        ) { ($0.status, (try? JSONParser.parse(String(buffer: $0.body))) ?? .null) }
    }

    @Test func manualTagsAreAssignedInBulkFromCSVFiles() async throws {
        try await http.withApp { client in
            for n in 1...6 {
                let (status, _) = try await http.post(
                    client, "/v1/identify",
                    #"{"userId":"b\#(n)","traits":{"phone":"1380013800\#(n)","email":"b\#(n)@example.com"}}"#)
                #expect(status == .ok)
            }
            var ids: [Int64] = []
            for n in 1...6 {
                let (_, profile) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/b\(n)")
                ids.append(try #require(profile["id"]?.numberValue?.int64))
            }
            var (status, body, _) = try await send(
                client, .post, "/api/v1/tags", #"{"name":"门店VIP","type":"manual","category":"basic"}"#)
            #expect(status == .created, "\(body)")
            let path = "/api/v1/tags/门店VIP"

            // A column named after an identifier type; an unknown phone is reported.
            (status, body) = try await upload(client, path + "/assign", Array("phone\n13800138001\n 13800138002 \n\n19999999999\n".utf8))
            #expect(status == .ok, "\(body)")
            #expect(body["rows"]?.numberValue?.int64 == 3)
            #expect(body["changed"]?.numberValue?.int64 == 2)
            #expect(body["not_found"]?.arrayValue?.compactMap(\.stringValue) == ["phone:19999999999"])
            #expect(body["not_found_count"]?.numberValue?.int64 == 1)
            // customer_id, with other columns around it; an id already in the tag changes nothing.
            (status, body) = try await upload(
                client, path + "/assign", Array("name;customer_id\nx;\(ids[0])\ny;\(ids[2])\nz;99999999\n".utf8))
            #expect(body["changed"]?.numberValue?.int64 == 1, "\(body)")
            #expect(body["not_found"]?.arrayValue?.compactMap(\.stringValue) == ["99999999"])
            // type and value columns in GB18030 (备注 and 张三 as GB18030 bytes).
            let gb: [UInt8] =
                Array("type,value,".utf8) + [0xB1, 0xB8, 0xD7, 0xA2] + Array("\r\nemail,B4@Example.com,".utf8)
                + [0xD5, 0xC5, 0xC8, 0xFD] + Array("\r\nuser_id,b5,x\r\n".utf8)
            (status, body) = try await upload(client, path + "/assign", gb)
            #expect(body["changed"]?.numberValue?.int64 == 2, "\(body)")
            // No header: ids and type:value, one per row.
            (status, body) = try await upload(client, path + "/assign?header=false", Array("\(ids[5])\nphone:13800138001\n".utf8))
            #expect(body["changed"]?.numberValue?.int64 == 1, "\(body)")
            (status, body, _) = try await send(client, .get, path + "/count")
            #expect(body["count"]?.numberValue?.int64 == 6)

            // Unassign in bulk with an identifier column.
            (status, body) = try await upload(
                client, path + "/unassign", Array("identifier\nemail:b1@example.com\nuser_id:b2\nuser_id:nobody\n".utf8))
            #expect(body["changed"]?.numberValue?.int64 == 2, "\(body)")
            (status, body, _) = try await send(client, .get, path + "/count")
            #expect(body["count"]?.numberValue?.int64 == 4)
            (status, body) = try await upload(client, path + "/assign", Array("phone\n".utf8))
            #expect(status == .badRequest && http.code(body) == "empty_file", "\(body)")
            // A rule tag cannot be assigned.
            (status, body, _) = try await send(client, .post, "/api/v1/tags", #"{"name":"r","rule":"phone IS NOT NULL"}"#)
            #expect(status == .created, "\(body)")
            (status, body) = try await upload(client, "/api/v1/tags/r/assign", Array("phone\n13800138001\n".utf8))
            #expect(status == .conflict && http.code(body) == "not_manual")
        }
    }
}
