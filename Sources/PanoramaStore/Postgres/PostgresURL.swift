import Foundation
import PanoramaCore
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL, turned into a client configuration.
///
/// Accepted: scheme `postgres` or `postgresql`; host, or a socket directory as `?host=/path` (libpq
/// style); `sslmode=disable|prefer|require` (default `prefer`); `pool_max` (connections, default 20).
public struct PostgresURL: Sendable, CustomStringConvertible {
    public var configuration: PostgresClient.Configuration
    /// The URL without its password, for logs and messages.
    public var redacted: String

    public init(_ text: String) throws(PanoramaError) {
        func invalid(_ why: String) -> PanoramaError {
            PanoramaError.badRequest(
                "invalid_database_url",
                "database URL is not usable: \(why); expected postgres://user:password@host:5432/database")
        }
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else { throw invalid("it must start with postgres://") }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") }, uniquingKeysWith: { $1 })
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        var database = String(components.path.drop(while: { $0 == "/" }))
        if database.isEmpty { database = user }
        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? Int(query["port"] ?? "") ?? 5432
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw invalid("it names no host") }
            let tls: PostgresClient.Configuration.TLS
            switch query["sslmode"] ?? "prefer" {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
            case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
            case let other: throw invalid("sslmode '\(other)' is not one of disable, prefer, require")
            }
            configuration = .init(
                host: host, port: components.port ?? 5432, username: user, password: password, database: database,
                tls: tls)
        }
        if let max = query["pool_max"] {
            guard let n = Int(max), n >= 2 else { throw invalid("pool_max must be a number ≥ 2") }
            configuration.options.maximumConnections = n
        }
        self.configuration = configuration
        var shown = components
        if shown.password != nil { shown.password = "***" }
        self.redacted = shown.string ?? "postgres://…"
    }

    public var description: String { redacted }
}
