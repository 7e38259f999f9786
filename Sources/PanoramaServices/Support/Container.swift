import Logging
import PanoramaCore
import PanoramaStore
import ServiceLifecycle

/// Settings read once at the edge (flags, then `PANORAMA_*` variables, then defaults) and passed down.
public struct Configuration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var synchronous: SQLiteStore.Synchronous
    /// Becomes the default workspace's write key on first start, if set.
    public var bootstrapWriteKey: String?
    /// Becomes the default workspace's admin key on first start, if set.
    public var bootstrapAdminKey: String?
    public var logLevel: Logger.Level
    /// A PostgreSQL URL: the store is PostgreSQL instead of SQLite in `dataDirectory`.
    public var databaseURL: String?
    /// Work factor of password hashes (bcrypt, 4–31; each step doubles the time).
    public var bcryptCost = 12
    /// `username:password` of an owner created in the default workspace on first start.
    public var bootstrapOwner: String?
    /// Request and sign-in rate limits.
    public var rateLimits: RateLimitSettings
    /// The certificate and key to serve HTTPS with; nil serves plain HTTP.
    public var tls: TLSFiles?
    /// Days audit log entries are kept (at least 1).
    public var auditRetentionDays: Int
    /// Days events are kept before the daily retention job deletes them; nil keeps them forever.
    public var eventRetentionDays: Int?
    /// Encryption at rest of personal information (`FieldProtection.resolve` picks the keys).
    public var protection: FieldProtection = .off
    /// How long a console page waits for figures being computed, or for the customers being
    /// loaded after a start, before it answers that they are on their way (and reloads itself).
    public var consolePatience: Duration = .milliseconds(150)

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./panorama-data",
        synchronous: SQLiteStore.Synchronous = .full, bootstrapWriteKey: String? = nil,
        bootstrapAdminKey: String? = nil, logLevel: Logger.Level = .info, databaseURL: String? = nil,
        rateLimits: RateLimitSettings = RateLimitSettings(), tls: TLSFiles? = nil,
        auditRetentionDays: Int = AuditService.defaultRetentionDays, eventRetentionDays: Int? = nil
    ) {
        self.eventRetentionDays = eventRetentionDays
        self.databaseURL = databaseURL
        self.rateLimits = rateLimits
        self.tls = tls
        self.auditRetentionDays = auditRetentionDays
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.synchronous = synchronous
        self.bootstrapWriteKey = bootstrapWriteKey
        self.bootstrapAdminKey = bootstrapAdminKey
        self.logLevel = logLevel
    }
}

/// Every service of one node, wired once. The HTTP server and the CLI both start from here.
public struct Services: Sendable {
    public let configuration: Configuration
    public let store: any PanoramaStore
    public let clock: WallClock
    public let metrics: any MetricsSink
    public let settings: WorkspaceSettingsCache
    public let keys: KeyService
    public let pipeline: IngestPipeline
    public let ingest: IngestService
    public let orders: OrderService
    public let imports: ImportService
    public let importJobs: ImportJobs
    public let profiles: ProfileService
    public let maintenance: StoreMaintenance
    public let cluster: ClusterService
    public let loyalty: LoyaltyService
    public let duplicates: DuplicateService
    public let audiences: AudienceService
    /// Customer insight: KPIs, RFM, cohorts, funnels, baskets, predictions.
    public let insights: InsightsService
    public let access: AccessService
    /// Request limits of the HTTP APIs and the sign-in limiter (`rateLimiters.allowLogin`).
    public let rateLimiters: RateLimiters
    public let audit: AuditService
    /// Consent, access, erasure and retention (PIPL / GDPR).
    public let privacy: PrivacyService
    /// The background pass that seals clear values and re-encrypts after a key rotation.
    public let protectionSweep: ProtectionSweep
    /// Changes between the nodes sharing a PostgreSQL store (nil on SQLite, where a node is alone).
    public let changeBroadcast: PostgresChangeBroadcast?
    public let logger: Logger

    /// Opens the configured store (PostgreSQL when `databaseURL` is set, else SQLite in the data
    /// directory), applies pending schema migrations (refusing a schema newer than this build),
    /// and wires the services.
    public static func open(
        configuration: Configuration, clock: WallClock = .system, metrics: any MetricsSink = NoMetrics(),
        logger: Logger
    ) async throws -> Services {
        guard let url = configuration.databaseURL else {
            let services = try Services(configuration: configuration, clock: clock, metrics: metrics, logger: logger)
            try await services.checkProtectionKeys()
            return services
        }
        let store = PostgresStore(url: try PostgresURL(url), logger: logger, protection: configuration.protection)
        do {
            try await store.waitUntilReachable()
            _ = try await store.migrate(apply: true, now: clock.now())
        } catch {
            store.close()
            throw error
        }
        let services = Services(
            configuration: configuration, store: store, clock: clock, metrics: metrics, logger: logger)
        do {
            try await services.checkProtectionKeys()
        } catch {
            store.close()
            throw error
        }
        return services
    }

    /// Checks the encryption keys against the store (a wrong key or a missing one stops the start)
    /// and warns about keys that wrote to the store but are no longer loaded.
    public func checkProtectionKeys() async throws {
        guard let sql = store as? any SQLStore else { return }
        let retired = try await sql.checkProtectionKeys(now: clock.now())
        if !retired.isEmpty {
            logger.notice(
                """
                encryption keys that wrote to this store are not loaded; values under them cannot be read \
                unless the rotation sweep finished (panorama encryption status)
                """,
                metadata: ["keys": "\(retired.joined(separator: ","))"])
        }
    }

    /// Opens the SQLite store in the configured data directory and wires the services.
    public init(
        configuration: Configuration, clock: WallClock = .system, metrics: any MetricsSink = NoMetrics(),
        logger: Logger
    ) throws {
        let store = try SQLiteStore(
            directory: configuration.dataDirectory, synchronous: configuration.synchronous,
            protection: configuration.protection)
        self.init(configuration: configuration, store: store, clock: clock, metrics: metrics, logger: logger)
    }

    /// Wires the services over an already open store.
    public init(
        configuration: Configuration, store: any PanoramaStore, clock: WallClock, metrics: any MetricsSink,
        logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.protectionSweep = ProtectionSweep(store: store, logger: logger, clock: clock)
        self.rateLimiters = RateLimiters(configuration.rateLimits)
        self.settings = WorkspaceSettingsCache(store: store)
        self.keys = KeyService(store: store, clock: clock)
        self.access = AccessService(store: store, clock: clock, bcryptCost: configuration.bcryptCost)
        self.audit = AuditService(
            store: store, clock: clock, logger: logger, retentionDays: max(1, configuration.auditRetentionDays))
        let audiences = AudienceService(store: store, clock: clock, logger: logger)
        self.audiences = audiences
        self.insights = InsightsService(store: store, audiences: audiences, clock: clock)
        self.pipeline = IngestPipeline(
            store: store, settings: settings, clock: clock, metrics: metrics, logger: logger,
            onChange: { changed in
                for (workspaceID, ids) in changed { audiences.customersChanged(workspaceID: workspaceID, ids: ids) }
            })
        self.loyalty = LoyaltyService(store: store, clock: clock, logger: logger)
        let tombstones = ErasureTombstones(store: store, logger: logger)
        self.orders = OrderService(
            store: store, pipeline: pipeline, settings: settings, clock: clock, metrics: metrics, logger: logger,
            observers: [loyalty, audiences], tombstones: tombstones)
        self.imports = ImportService(
            store: store, pipeline: pipeline, orders: orders, clock: clock, metrics: metrics, logger: logger,
            tombstones: tombstones)
        self.profiles = ProfileService(store: store, settings: settings)
        self.maintenance = StoreMaintenance(store: store)
        self.cluster = ClusterService(
            store: store, address: "\(configuration.host):\(configuration.port)", clock: clock, metrics: metrics,
            logger: logger)
        self.importJobs = ImportJobs(
            store: store, imports: imports, clock: clock, logger: logger, dataDirectory: configuration.dataDirectory,
            nodeID: cluster.nodeID)
        self.duplicates = DuplicateService(
            store: store, pipeline: pipeline, identity: settings, clock: clock, metrics: metrics, logger: logger,
            leadership: cluster.leadership, nodeID: cluster.nodeID)
        self.changeBroadcast = (store as? PostgresStore)?.changeBroadcast(
            nodeID: cluster.nodeID, logger: logger, receive: { audiences.received($0) },
            lost: { audiences.missedMessages() })
        if let changeBroadcast { audiences.connect(changeBroadcast) }
        self.privacy = PrivacyService(
            store: store, profiles: profiles, audiences: audiences, loyalty: loyalty, pipeline: pipeline, audit: audit,
            tombstones: tombstones, broadcast: changeBroadcast, clock: clock,
            logger: logger, eventRetentionDays: configuration.eventRetentionDays)
        self.ingest = IngestService(
            pipeline: pipeline, settings: settings, metrics: metrics, orders: orders, loyalty: loyalty,
            privacy: privacy)
    }

    /// The long-running services a node runs beside its HTTP server.
    /// The store (PostgreSQL) comes first and leadership second, so that a service group, which
    /// stops in reverse order, stops the scheduler before giving leadership up, and closes the
    /// store's connections last.
    public var backgroundServices: [any Service] {
        let cluster = cluster.services
        let store: [any Service] = (self.store as? PostgresStore).map { [$0] } ?? []
        let broadcast: [any Service] = changeBroadcast.map { [$0] } ?? []
        let retention: [any Service] = privacy.makeScheduler(cluster: self.cluster, metrics: metrics).map { [$0] } ?? []
        return store + [cluster[0]] + broadcast + [pipeline, maintenance, audiences] + cluster.dropFirst()
            + [duplicates.scheduler]
            + [loyalty.makeScheduler(cluster: self.cluster, metrics: metrics)]
            + [audit.makeScheduler(cluster: self.cluster, metrics: metrics)] + retention
            + (protectionSweep.makeScheduler(cluster: self.cluster, metrics: metrics).map { [$0] } ?? [])
    }

    /// On first start (no workspace yet) creates the `default` workspace with a write and an admin
    /// key, taken from the configuration when set; returns the keys created, to be shown once.
    public func bootstrap() async throws -> [IssuedKey] {
        guard try await store.workspaces().isEmpty else { return [] }
        let workspace = try await store.createWorkspace(name: "default", timeZone: "Asia/Shanghai", now: clock.now())
        let write = try await keys.create(
            workspaceID: workspace.id, kind: .write, name: "bootstrap write key",
            secret: configuration.bootstrapWriteKey)
        let admin = try await keys.create(
            workspaceID: workspace.id, kind: .admin, name: "bootstrap admin key",
            secret: configuration.bootstrapAdminKey)
        if let owner = configuration.bootstrapOwner, let colon = owner.firstIndex(of: ":") {
            _ = try await access.createUser(
                workspaceID: workspace.id, username: String(owner[..<colon]), displayName: nil,
                password: String(owner[owner.index(after: colon)...]), role: "owner", team: nil)
        }
        return [write, admin]
    }

    /// The workspace a CLI command acts on: by name, or the only/first one.
    public func workspace(named name: String?) async throws -> Workspace {
        let all = try await store.workspaces()
        if let name {
            guard let found = all.first(where: { $0.name == name }) else {
                throw PanoramaError.notFound("workspace_not_found", "no workspace named '\(name)'")
            }
            return found
        }
        guard let first = all.first else {
            throw PanoramaError.notFound(
                "workspace_not_found", "no workspace yet; start the server once (panorama serve) to create one")
        }
        return first
    }
}
