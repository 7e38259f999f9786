import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PanoramaCore
import PanoramaHTTP
import PanoramaServices
import PanoramaStore

/// The `panorama` command: server, keys and benchmarks.
@main
struct Panorama: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panorama",
        abstract: "Panorama — a self-hosted Customer Data Platform (客户数据平台).",
        subcommands: [
            Serve.self, Import.self, Export.self, Migrate.self, MigrateStore.self, Keys.self, Dedup.self, Bench.self,
            Backup.self, Restore.self, Users.self,
            AuditCommand.self, PrivacyCommand.self, EncryptionCommand.self, ReportCommand.self, Demo.self,
        ],
        defaultSubcommand: nil)
}

/// Options shared by every command that opens the data directory.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (env PANORAMA_DATA_DIR, default ./panorama-data).")
    var dataDir: String?

    @Option(
        help: "Commit durability: full (fsync, survives power loss) or normal (survives kill -9). Env PANORAMA_SYNC.")
    var sync: String?

    @Option(
        name: .customLong("database-url"),
        help: "Use PostgreSQL instead of SQLite: postgres://user:password@host:5432/db (env PANORAMA_DATABASE_URL).")
    var databaseURL: String?

    @Option(
        name: .customLong("encryption-key-file"),
        help: ArgumentHelp(
            "File of encryption key lines, primary first (env PANORAMA_ENCRYPTION_KEY_FILE; or the keys themselves in "
                + "PANORAMA_ENCRYPTION_KEYS). Default for SQLite: <data-dir>/encryption.key, made on first start."))
    var encryptionKeyFile: String?

    @Flag(name: .customLong("no-encryption"), help: "Store personal data in clear (not recommended).")
    var noEncryption = false

    /// Flags, then `PANORAMA_*` variables, then defaults.
    func configuration(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        var config = Configuration()
        config.dataDirectory = dataDir ?? env["PANORAMA_DATA_DIR"] ?? config.dataDirectory
        if let raw = sync ?? env["PANORAMA_SYNC"] {
            guard let value = SQLiteStore.Synchronous(rawValue: raw) else {
                throw ValidationError("--sync must be 'full' or 'normal', not '\(raw)'")
            }
            config.synchronous = value
        }
        config.databaseURL = (databaseURL ?? env["PANORAMA_DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        config.bootstrapWriteKey = env["PANORAMA_BOOTSTRAP_WRITE_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        config.bootstrapAdminKey = env["PANORAMA_BOOTSTRAP_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        config.bootstrapOwner = env["PANORAMA_BOOTSTRAP_OWNER"].flatMap { $0.contains(":") ? $0 : nil }
        if let raw = env["PANORAMA_BCRYPT_COST"] {
            guard let cost = Int(raw), (4...31).contains(cost) else {
                throw ValidationError("PANORAMA_BCRYPT_COST must be 4–31, not '\(raw)'")
            }
            config.bcryptCost = cost
        }
        if let level = env["PANORAMA_LOG_LEVEL"], let parsed = Logger.Level(rawValue: level) {
            config.logLevel = parsed
        }
        if let raw = env["PANORAMA_AUDIT_RETENTION_DAYS"], !raw.isEmpty {
            guard let days = Int(raw), days >= 1 else {
                throw ValidationError("PANORAMA_AUDIT_RETENTION_DAYS must be a whole number of days, at least 1")
            }
            config.auditRetentionDays = days
        }
        if let raw = env["PANORAMA_EVENT_RETENTION_DAYS"], !raw.isEmpty, raw.lowercased() != "off" {
            guard let days = Int(raw), days >= 1 else {
                throw ValidationError(
                    "PANORAMA_EVENT_RETENTION_DAYS must be a whole number of days (at least 1) or 'off', not '\(raw)'")
            }
            config.eventRetentionDays = days
        }
        if let raw = env["PANORAMA_CONSOLE_PATIENCE_MS"], !raw.isEmpty {
            guard let ms = Int(raw), (0...600_000).contains(ms) else {
                throw ValidationError("PANORAMA_CONSOLE_PATIENCE_MS must be 0–600000 milliseconds, not '\(raw)'")
            }
            config.consolePatience = .milliseconds(ms)
        }
        let (protection, note) = try FieldProtection.resolve(
            environment: env, keyFile: encryptionKeyFile,
            dataDirectory: config.databaseURL == nil ? config.dataDirectory : nil, disabled: noEncryption)
        config.protection = protection
        if let note { FileHandle.standardError.write(Data("panorama: \(note)\n".utf8)) }
        return config
    }
}

/// `panorama serve`: runs the HTTP server until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: tracking API (/v1), REST API (/api/v1), /openapi.json, /metrics.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on (env PANORAMA_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env PANORAMA_PORT, default 8080; 0 picks a free port).")
    var port: Int?

    @Option(
        name: .customLong("tls-cert"),
        help: "PEM certificate (chain) to serve HTTPS with, TLS 1.2 or newer (env PANORAMA_TLS_CERT; needs --tls-key).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (env PANORAMA_TLS_KEY).")
    var tlsKey: String?

    @Option(
        name: .customLong("rate-limits"),
        help: "on or off: the tracking and REST request limits (env PANORAMA_RATE_LIMITS, default on).")
    var rateLimits: String?

    @Option(
        name: .customLong("rate-limit-tracking"),
        help: ArgumentHelp(
            "Tracking API limit per write key or client address, RATE[:BURST] in requests per second "
                + "(env PANORAMA_RATE_LIMIT_TRACKING, default 5000:10000)."))
    var trackingLimit: String?

    @Option(
        name: .customLong("rate-limit-rest"),
        help: ArgumentHelp(
            "REST API limit per admin key or client address, RATE[:BURST] "
                + "(env PANORAMA_RATE_LIMIT_REST, default 200:400)."))
    var restLimit: String?

    /// The store options plus the listener, TLS and rate limits: flags, then `PANORAMA_*`, then defaults.
    func configuration(_ env: [String: String]) throws -> Configuration {
        var config = try store.configuration(env)
        config.host = host ?? env["PANORAMA_HOST"] ?? config.host
        if let p = port ?? env["PANORAMA_PORT"].flatMap(Int.init) {
            guard (0...65535).contains(p) else { throw ValidationError("--port must be 0–65535") }
            config.port = p
        }
        let cert = (tlsCert ?? env["PANORAMA_TLS_CERT"]).flatMap { $0.isEmpty ? nil : $0 }
        let key = (tlsKey ?? env["PANORAMA_TLS_KEY"]).flatMap { $0.isEmpty ? nil : $0 }
        switch (cert, key) {
        case (let cert?, let key?): config.tls = TLSFiles(certificatePath: cert, keyPath: key)
        case (nil, nil): config.tls = nil
        case (nil, _?): throw ValidationError("--tls-key needs --tls-cert (or PANORAMA_TLS_CERT), the certificate")
        case (_?, nil): throw ValidationError("--tls-cert needs --tls-key (or PANORAMA_TLS_KEY), the certificate's key")
        }
        if let raw = rateLimits ?? env["PANORAMA_RATE_LIMITS"] {
            switch raw.lowercased() {
            case "on": config.rateLimits.enabled = true
            case "off": config.rateLimits.enabled = false
            default: throw ValidationError("--rate-limits (PANORAMA_RATE_LIMITS) must be 'on' or 'off', not '\(raw)'")
            }
        }
        func limit(_ flag: String?, _ variable: String, _ option: String) throws -> RateLimitSettings.Limit? {
            guard let raw = flag ?? env[variable] else { return nil }
            guard let parsed = RateLimitSettings.Limit(parsing: raw) else {
                throw ValidationError(
                    "\(option) (\(variable)) must be RATE or RATE:BURST with a positive rate and burst, e.g. 5000:10000, "
                        + "not '\(raw)'")
            }
            return parsed
        }
        if let tracking = try limit(trackingLimit, "PANORAMA_RATE_LIMIT_TRACKING", "--rate-limit-tracking") {
            config.rateLimits.tracking = tracking
        }
        if let rest = try limit(restLimit, "PANORAMA_RATE_LIMIT_REST", "--rate-limit-rest") {
            config.rateLimits.rest = rest
        }
        return config
    }

    func run() async throws {
        let config = try configuration(ProcessInfo.processInfo.environment)
        let host = config.host
        let scheme = config.tls == nil ? "http" : "https"
        let built = try await buildApplication(config) { port in
            CLI.say("Panorama is listening on \(scheme)://\(host):\(port)  (API document: /openapi.json)")
        }
        if !built.issuedKeys.isEmpty {
            CLI.say("Created workspace 'default'. These keys are shown only once — keep them now:")
            for issued in built.issuedKeys {
                let use =
                    issued.key.kind == .write
                    ? "write key  (tracking /v1, HTTP Basic user)  "
                    : "admin key  (REST /api/v1, Authorization: Bearer)"
                CLI.say("  \(use): \(issued.secret)")
            }
        }
        try await built.application.runService()
    }
}

/// `panorama migrate`: applies pending schema migrations to the configured store.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (servers also apply them on start; a newer schema is refused).")

    @OptionGroup var store: StoreOptions
    @Flag(help: "Only report what is applied and pending.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let config = try store.configuration()
        var logger = Logger(label: "panorama")
        logger.logLevel = .warning
        let applied: [String]
        let pending: [String]
        let backend: String
        if let url = config.databaseURL {
            let postgres = PostgresStore(url: try PostgresURL(url), logger: logger)
            defer { postgres.close() }
            try await postgres.waitUntilReachable()
            (applied, pending) = try await postgres.migrate(apply: !dryRun, now: WallClock.system.now())
            backend = "postgresql \(postgres.description)"
        } else {
            // SQLite migrates when opened; opening reports what it found.
            let sqlite = try SQLiteStore(directory: config.dataDirectory, synchronous: config.synchronous)
            (applied, pending) = (try sqlite.appliedMigrations(), [])
            backend = "sqlite \(sqlite.path)"
        }
        let done = dryRun ? [] : pending
        if json {
            CLI.printJSON([
                "backend": .string(backend), "applied_before": .array(JSONArray(applied.map(JSONValue.string))),
                "applied_now": .array(JSONArray(done.map(JSONValue.string))),
                "pending": .array(JSONArray((dryRun ? pending : []).map(JSONValue.string))),
            ])
        } else {
            print("\(backend): \(applied.count) migration(s) were applied before.")
            if dryRun {
                print(pending.isEmpty ? "Nothing pending." : "Pending: \(pending.joined(separator: ", "))")
            } else {
                print(done.isEmpty ? "Schema is current." : "Applied now: \(done.joined(separator: ", "))")
            }
        }
    }
}

/// `panorama keys …`: API key management on the data directory.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is shown once.")
        @OptionGroup var store: StoreOptions
        @Option(help: "write (tracking) or admin (REST).") var kind: String
        @Option(help: "A name to recognise the key by.") var name: String?
        @Option(help: "Workspace name (default: the first workspace).") var workspace: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let kind = APIKeyKind(rawValue: kind) else {
                throw ValidationError("--kind must be 'write' or 'admin'")
            }
            let services = try await CLI.services(store)
            let ws = try await services.workspace(named: workspace)
            let issued = try await services.keys.create(
                workspaceID: ws.id, kind: kind, name: name ?? "\(kind.rawValue) key")
            if json {
                CLI.printJSON([
                    "id": .number(JSONNumber(issued.key.id)), "kind": .string(kind.rawValue),
                    "name": .string(issued.key.name), "workspace": .string(ws.name), "secret": .string(issued.secret),
                ])
            } else {
                print("Created \(kind.rawValue) key \(issued.key.id) in workspace '\(ws.name)'. Shown only once:")
                print(issued.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await CLI.services(store)
            let keys = try await services.keys.list(workspaceID: nil)
            if json {
                CLI.printJSON(
                    .array(
                        JSONArray(
                            keys.map { k in
                                .object([
                                    "id": .number(JSONNumber(k.id)), "workspace_id": .number(JSONNumber(k.workspaceID)),
                                    "kind": .string(k.kind.rawValue), "name": .string(k.name),
                                    "prefix": .string(k.prefix),
                                    "created_at": .string(Timestamp.format(millis: k.createdAt)),
                                    "revoked_at": k.revokedAt.map { .string(Timestamp.format(millis: $0)) } ?? .null,
                                ])
                            })))
            } else {
                print("ID  KIND   PREFIX   STATE    NAME")
                for k in keys {
                    let state = k.revokedAt == nil ? "live   " : "revoked"
                    print(
                        "\(String(k.id).padding(toLength: 3, withPad: " ", startingAt: 0)) \(k.kind.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(k.prefix)… \(state)  \(k.name)"
                    )
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by id; running servers stop accepting it within 2 seconds.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id (see `panorama keys list`).") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await CLI.services(store)
            try await services.keys.revoke(id: id)
            if json { CLI.printJSON(["revoked": .number(JSONNumber(id))]) } else { print("Revoked key \(id).") }
        }
    }
}

/// Helpers shared by the commands.
enum CLI {
    static func services(_ options: StoreOptions) async throws -> Services {
        var logger = Logger(label: "panorama")
        logger.logLevel = .warning
        return try await Services.open(configuration: options.configuration(), logger: logger)
    }

    /// Prints a line unbuffered, so that a supervising process sees it at once.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func printJSON(_ value: JSONValue) {
        print(value.jsonText)
    }
}
