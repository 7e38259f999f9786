import Hummingbird
import NIOCore
import PanoramaCore
import PanoramaServices

/// Per-request data: who the request authenticated as, for which workspace, and the peer address.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the tracking routes' authentication (write keys).
    public var apiKey: APIKey?
    /// Set by the REST routes' authentication: an admin key or a signed-in user, with its role.
    public var principal: Principal?
    /// The console session the request came with (cookie or bearer session token).
    public var sessionToken: String?
    /// The web console's CSRF token for the signed-in viewer (set by `ConsoleMiddleware`).
    public var consoleCSRF: String?
    /// The customers the principal may see (set with the principal; nobody until then).
    public var scope: CustomerScope = .owners([])
    /// The connection's peer (a proxy, when there is one; see `ClientAddress`); nil in router tests.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
        self.principal = nil
        self.sessionToken = nil
        self.consoleCSRF = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated workspace; routes behind the auth middleware always have one.
    public var workspaceID: Int64 {
        get throws {
            if let principal { return principal.workspaceID }
            guard let apiKey else {
                throw PanoramaError(.unauthorized, code: "missing_key", message: "this endpoint needs an API key")
            }
            return apiKey.workspaceID
        }
    }

    /// Whether personal information is shown in clear (the role has `pii.view`); else masked.
    public var seesPII: Bool { principal?.can(.piiView) ?? false }

    /// The authenticated principal; routes behind the auth middleware always have one.
    public var requiredPrincipal: Principal {
        get throws {
            guard let principal else {
                throw PanoramaError(.unauthorized, code: "missing_key", message: "sign in or send an admin key")
            }
            return principal
        }
    }
}
