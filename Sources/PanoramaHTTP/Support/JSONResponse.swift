import Hummingbird
import NIOCore
import PanoramaCore

/// Builds JSON responses from `JSONValue` trees; raw JSON fragments (stored properties,
/// traits) are spliced in verbatim, never decoded and re-encoded.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var writer = JSONWriter(capacity: 512)
        writer.write(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }

    /// The error body of ARCHITECTURE.md: `{"error": {"code", "message", "field"?}}`, with
    /// `Retry-After` when the error says when to retry.
    static func error(_ error: PanoramaError, extra: [(String, JSONValue)] = []) -> Response {
        var body: JSONObject = ["code": .string(error.code), "message": .string(error.message)]
        if let field = error.field { body.set("field", .string(field)) }
        var top = JSONObject([("error", .object(body))])
        for (k, v) in extra { top.set(k, v) }
        var response = make(.object(top), status: status(of: error.kind))
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    static func status(of kind: PanoramaError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

extension Int64 {
    /// Epoch milliseconds as an ISO-8601 JSON string.
    var isoTime: JSONValue { .string(Timestamp.format(millis: self)) }
}

extension Optional where Wrapped == Int64 {
    /// Epoch milliseconds as an ISO-8601 JSON string, or null.
    var isoTime: JSONValue { self.map { .string(Timestamp.format(millis: $0)) } ?? .null }
}

extension Optional where Wrapped == String {
    /// A string or null.
    var json: JSONValue { self.map { .string($0) } ?? .null }
    /// Stored JSON text spliced raw, or null.
    var rawJSON: JSONValue { self.map { .raw($0) } ?? .null }
}
