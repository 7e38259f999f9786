import Hummingbird
import Logging
import PanoramaCore

/// Turns every error into the JSON error body with a stable code. Domain errors pass their
/// code and message through (a `rate_limited` one with its `Retry-After`, see `JSONResponse.error`);
/// framework errors get codes of their own; anything else becomes `internal_error` with a generic
/// message (details go to the log, never to the client).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as PanoramaError {
            var response = JSONResponse.error(error)
            if error.kind == .unauthorized {
                // The tracking API takes the write key as Basic user; the REST API a Bearer admin key.
                response.headers[.wwwAuthenticate] =
                    request.uri.path.hasPrefix("/api/") ? "Bearer realm=\"panorama\"" : "Basic realm=\"panorama\""
            }
            return response
        } catch let error as any HTTPResponseError {
            let status = error.status
            let code: String
            let message: String
            switch status {
            case .notFound:
                (code, message) = ("route_not_found", "no such endpoint: \(request.method) \(request.uri.path)")
            case .methodNotAllowed: (code, message) = ("method_not_allowed", "\(request.method) is not allowed here")
            case .contentTooLarge: (code, message) = ("payload_too_large", "request body is too large")
            case .tooManyRequests: (code, message) = ("rate_limited", "too many requests; retry later")
            default: (code, message) = ("http_\(status.code)", status.reasonPhrase)
            }
            let kind: PanoramaError.Kind = status.code >= 500 ? .internal : .badRequest
            var response = JSONResponse.error(PanoramaError(kind, code: code, message: message))
            response.status = status
            return response
        } catch {
            logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return JSONResponse.error(
                PanoramaError(
                    .internal, code: "internal_error", message: "something went wrong on the server; it has been logged"
                ))
        }
    }
}
