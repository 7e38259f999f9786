import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Synchronization

/// A fresh data directory with the services wired over a real SQLite store and the ingest
/// pipeline running, as a server runs them.
struct Harness {
    let directory: String
    let services: Services
    let workspaceID: Int64
    let clock: TestClock

    /// Runs `body` with a running pipeline; `directory` lets a test reopen the same store (a restart).
    static func run<T: Sendable>(
        directory: String? = nil, _ body: @Sendable (Harness) async throws -> T
    ) async throws -> T {
        let dir =
            directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("panorama-test-\(UUID())").path
        let clock = TestClock(start: 1_790_000_000_000)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let services = try Services(
            configuration: Configuration(dataDirectory: dir, synchronous: .normal),
            clock: WallClock { clock.now() }, logger: logger)
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        let harness = Harness(directory: dir, services: services, workspaceID: workspace.id, clock: clock)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.pipeline.run() }
            defer { group.cancelAll() }
            return try await body(harness)
        }
    }

    /// Sends one JSON request body as the endpoint would receive it.
    @discardableResult
    func send(_ json: String, to endpoint: MessageType? = nil) async throws -> IngestResult {
        let body = try IngestService.parse(Array(json.utf8))
        return try await services.ingest.ingest(
            workspaceID: workspaceID, body: body, endpoint: endpoint, receivedAt: clock.now())
    }

    func profile(_ type: String, _ value: String) async throws -> Profile {
        try await services.profiles.profile(workspaceID: workspaceID, identifierType: type, value: value)
    }

    func events(of id: Int64) async throws -> [StoredEvent] {
        try await services.profiles.events(workspaceID: workspaceID, id: id, cursor: nil, limit: 100).items
    }

    func trait(_ profile: Profile, _ name: String) -> String? {
        profile.traits.first { $0.name == name }?.json
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(start: Int64) { value = Mutex(start) }
    func now() -> Int64 { value.withLock { $0 } }
    func advance(ms: Int64) { value.withLock { $0 += ms } }
}
