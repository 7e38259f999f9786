/// A domain error with a stable machine-readable code.
///
/// Core and services throw these; the HTTP layer maps `kind` to a status and passes `code`,
/// `message` and `field` to the client unchanged. Messages are safe to show: they never carry
/// database text or internal details.
public struct PanoramaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, which decides the HTTP status.
    public enum Kind: String, Sendable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
        case payloadTooLarge
        case unsupportedMediaType
        /// The caller sent more requests than its rate limit allows (HTTP 429 with `Retry-After`).
        case tooManyRequests
        case unavailable
        case `internal`
    }

    /// What went wrong, in a form clients can branch on (`invalid_json`, `message_too_large` …).
    public let code: String
    /// A human-readable explanation that says what to do next.
    public let message: String
    /// The offending field, as a JSON path such as `batch[3].userId`, when there is one.
    public let field: String?
    /// The class of failure.
    public let kind: Kind
    /// Whole seconds after which a retry can succeed; set on `.tooManyRequests`, sent as `Retry-After`.
    public let retryAfter: Int?

    /// Creates an error; prefer the static constructors, which keep codes consistent.
    public init(_ kind: Kind, code: String, message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code): \(message)" }

    /// A client error on the request's content.
    public static func badRequest(_ code: String, _ message: String, field: String? = nil) -> PanoramaError {
        PanoramaError(.badRequest, code: code, message: message, field: field)
    }

    /// The addressed thing does not exist (or is not visible to the caller).
    public static func notFound(_ code: String, _ message: String) -> PanoramaError {
        PanoramaError(.notFound, code: code, message: message)
    }

    /// No profile has this id in the workspace (`customer_not_found`).
    public static func customerNotFound(_ id: Int64) -> PanoramaError {
        .notFound("customer_not_found", "no customer \(id) in this workspace")
    }

    /// The request is valid but conflicts with the current state.
    public static func conflict(_ code: String, _ message: String) -> PanoramaError {
        PanoramaError(.conflict, code: code, message: message)
    }

    /// Over a rate limit (`rate_limited`): a retry after `seconds` (rounded up, at least 1) can succeed.
    /// The message says so in English and in Chinese, since both audiences call the API.
    public static func tooManyRequests(retryAfter seconds: Double) -> PanoramaError {
        // An infinite wait (a cost beyond the burst) still needs a finite header; a day is "not soon".
        let whole = seconds.isFinite ? max(1, Int(min(seconds, 86_400).rounded(.up))) : 86_400
        return PanoramaError(
            .tooManyRequests, code: "rate_limited",
            message: "too many requests; retry after \(whole) s (请求过于频繁，请在 \(whole) 秒后重试)",
            retryAfter: whole)
    }

    /// The store could not be reached or refused the write; nothing was acknowledged.
    public static func unavailable(_ message: String) -> PanoramaError {
        PanoramaError(.unavailable, code: "store_unavailable", message: message)
    }
}
