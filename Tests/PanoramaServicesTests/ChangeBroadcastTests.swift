import Foundation
import Logging
import PanoramaStore
import PostgresNIO
import Synchronization
import Testing

/// Changes between nodes: the payload format, and NOTIFY/LISTEN between two broadcasts on one
/// PostgreSQL database (needs `PANORAMA_TEST_POSTGRES_URL`).
@Suite("Change broadcast")
struct ChangeBroadcastTests {
    @Test("payloads round-trip, long id lists are split under the limit, malformed ones are refused")
    func payloads() {
        let ids = (1...5_000).map { Int64($0) * 1_000_003 }
        let payloads = ChangeMessage.payloads(.customers(workspaceID: 7, ids: ids), origin: "node-1")
        #expect(payloads.count > 1)
        #expect(payloads.allSatisfy { $0.utf8.count <= ChangeMessage.maxPayloadBytes })
        var decoded: [Int64] = []
        for payload in payloads {
            guard let (origin, message) = ChangeMessage.decode(payload),
                case .customers(let workspaceID, let part) = message
            else {
                Issue.record("undecodable \(payload.prefix(40))")
                return
            }
            #expect(origin == "node-1" && workspaceID == 7)
            decoded += part
        }
        #expect(decoded == ids)
        let audiences = ChangeMessage.payloads(.audiences(workspaceID: 3), origin: "n")
        #expect(audiences.map { ChangeMessage.decode($0)?.message } == [.audiences(workspaceID: 3)])
        #expect(ChangeMessage.payloads(.customers(workspaceID: 1, ids: []), origin: "n").isEmpty)
        for bad in ["", "n", "n c", "n c x 1", "n c 1 1,a", "n z 1", "n a 1 extra", "n c 1"] {
            #expect(ChangeMessage.decode(bad) == nil, "\(bad)")
        }
    }

    @Test(
        "a message published by one node reaches the other, not itself",
        .enabled(
            if: ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"] != nil,
            "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half"))
    func notifyReachesTheOtherNode() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"])
        let client = PostgresClient(configuration: try PostgresURL(url).configuration)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let heard = Mutex<[String: [ChangeMessage]]>([:])
        func node(_ name: String) -> PostgresChangeBroadcast {
            PostgresChangeBroadcast(
                client: client, nodeID: name, logger: logger,
                receive: { message in heard.withLock { $0[name, default: []].append(message) } }, lost: {})
        }
        let a = node("node-a-\(UInt32.random(in: 0...UInt32.max))")
        let b = node("node-b-\(UInt32.random(in: 0...UInt32.max))")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask { try await a.run() }
            group.addTask { try await b.run() }
            defer { group.cancelAll() }
            // Listening starts asynchronously: ping until both hear each other (at most 10 s).
            let started = ContinuousClock.now
            while heard.withLock({ $0.count < 2 }), ContinuousClock.now - started < .seconds(10) {
                await a.publish(.audiences(workspaceID: 1))
                await b.publish(.audiences(workspaceID: 1))
                try await Task.sleep(for: .milliseconds(50))
            }
            heard.withLock { $0 = [:] }
            let ids = (1...3_000).map(Int64.init)
            await a.publish(.customers(workspaceID: 42, ids: ids))
            try await Task.sleep(for: .milliseconds(300))
            let received = heard.withLock { $0 }
            #expect(received.keys.count == 1, "only the other node hears: \(received.keys)")
            let merged = (received.values.first ?? []).flatMap { message -> [Int64] in
                if case .customers(42, let part) = message { return part }
                return []
            }
            #expect(merged.count == ids.count && Set(merged) == Set(ids), "\(merged.count) of \(ids.count) ids heard")
        }
    }
}
