import Hummingbird
import PanoramaCore

/// Per-request data: the workspace and key the request authenticated with.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware of the REST and tracking routes.
    public var apiKey: APIKey?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
    }

    /// The authenticated workspace; routes behind the auth middleware always have one.
    public var workspaceID: Int64 {
        get throws {
            guard let apiKey else {
                throw PanoramaError(.unauthorized, code: "missing_key", message: "this endpoint needs an API key")
            }
            return apiKey.workspaceID
        }
    }
}
