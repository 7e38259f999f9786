import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Synchronization
import Testing

/// The store backend a test runs on. The store and ingest tests run once per backend: on SQLite
/// always, on PostgreSQL when `PANORAMA_TEST_POSTGRES_URL` names a server (else those suites are
/// reported as skipped). Each PostgreSQL test gets a database of its own.
enum Backend: Sendable {
    case sqlite, postgres

    /// The backend `Harness.run` uses in the current task.
    @TaskLocal static var current: Backend = .sqlite

    static let postgresURL = ProcessInfo.processInfo.environment["PANORAMA_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }
    static var postgresAvailable: Bool { postgresURL != nil }
    static let skipReason: Comment =
        "set PANORAMA_TEST_POSTGRES_URL to run the PostgreSQL half (ci/postgres.sh starts one)"

    /// A new, empty database on the test server; returns its URL.
    static func freshPostgresDatabase() async throws -> String {
        guard let base = postgresURL, var components = URLComponents(string: base) else {
            throw PanoramaError.unavailable("PANORAMA_TEST_POSTGRES_URL is not set")
        }
        let name = "pt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = PostgresStore(url: try PostgresURL(base), logger: Logger(label: "test"))
        defer { admin.close() }
        try await admin.waitUntilReachable()
        try await admin.execute("CREATE DATABASE \(name)")
        components.path = "/" + name
        return components.string!
    }

    /// A new, empty, migrated store of the current backend.
    static func openStore() async throws -> any PanoramaStore {
        let place = try await freshLocation()
        switch current {
        case .sqlite:
            return try SQLiteStore(directory: place, synchronous: .normal)
        case .postgres:
            let store = PostgresStore(url: try PostgresURL(place), logger: Logger(label: "test"))
            try await store.waitUntilReachable()
            _ = try await store.migrate(now: 0)
            return store
        }
    }

    /// A fresh location for a store: a directory for SQLite, a database URL for PostgreSQL.
    static func freshLocation() async throws -> String {
        switch current {
        case .sqlite:
            FileManager.default.temporaryDirectory.appendingPathComponent("panorama-test-\(UUID())").path
        case .postgres:
            try await freshPostgresDatabase()
        }
    }
}

/// A fresh store with the services wired over it and the ingest pipeline running, as a server
/// runs them.
struct Harness {
    /// The data directory (SQLite) or database URL (PostgreSQL).
    let location: String
    let services: Services
    let workspaceID: Int64
    let clock: TestClock

    /// Runs `body` with a running pipeline; `location` lets a test reopen the same store (a restart).
    static func run<T: Sendable>(
        location: String? = nil, protection: FieldProtection = Harness.protection,
        _ body: @Sendable (Harness) async throws -> T
    ) async throws -> T {
        let backend = Backend.current
        let place: String
        if let location { place = location } else { place = try await Backend.freshLocation() }
        let clock = TestClock(start: 1_790_000_000_000)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var configuration = Configuration(dataDirectory: place, synchronous: .normal)
        // Every service test runs with personal data encrypted at rest, as a server does by default.
        configuration.protection = protection
        if backend == .postgres {
            configuration.databaseURL = place
        }
        let services = try await Services.open(
            configuration: configuration, clock: WallClock { clock.now() }, logger: logger)
        defer { (services.store as? PostgresStore)?.close() }
        _ = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        let harness = Harness(location: place, services: services, workspaceID: workspace.id, clock: clock)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.pipeline.run() }
            defer { group.cancelAll() }
            return try await body(harness)
        }
    }

    /// The key every harness store encrypts with (fixed, so a test can reopen its store).
    static let protection = FieldProtection(
        ring: try! KeyRing.load(environment: [
            KeyRing.environmentVariable: "test:" + Data(repeating: 7, count: 32).base64EncodedString()
        ]))

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
