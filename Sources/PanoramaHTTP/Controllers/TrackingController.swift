import CompressNIO
import Foundation
import Hummingbird
import NIOCore
import PanoramaCore
import PanoramaServices

/// The Segment-compatible tracking API: `/v1/identify|track|page|screen|group|alias|batch`.
///
/// Authentication is the write key as HTTP Basic user name (or `writeKey` in the body).
/// Bodies may be gzip-compressed. A 200 means every stored message is durable.
struct TrackingController {
    let ingest: IngestService
    let keys: KeyService
    let clock: WallClock

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let group = router.group("v1")
        for type in MessageType.allCases {
            group.post(RouterPath(stringLiteral: type.rawValue)) { request, context in
                try await self.handle(request, endpoint: type)
            }
        }
        group.post("batch") { request, _ in try await self.handle(request, endpoint: nil) }
        // Segment documents /v1/import as the historical-import twin of /v1/batch.
        group.post("import") { request, _ in try await self.handle(request, endpoint: nil) }
    }

    func handle(_ request: Request, endpoint: MessageType?) async throws -> Response {
        let receivedAt = clock.now()
        let (workspaceID, json) = try await authenticatedBody(request, endpoint: endpoint)
        let result = try await ingest.ingest(
            workspaceID: workspaceID, body: json, endpoint: endpoint, receivedAt: receivedAt)
        var body: JSONObject = [
            "success": true, "stored": .number(JSONNumber(result.stored)),
            "duplicates": .number(JSONNumber(result.duplicates)),
        ]
        if !result.rejected.isEmpty {
            body.set(
                "rejected",
                .array(
                    JSONArray(
                        result.rejected.map { item in
                            var e: JSONObject = [
                                "index": .number(JSONNumber(item.index)), "code": .string(item.error.code),
                                "message": .string(item.error.message),
                            ]
                            if let field = item.error.field { e.set("field", .string(field)) }
                            return .object(e)
                        })))
        }
        return JSONResponse.make(.object(body))
    }

    /// Reads, inflates and parses the body and checks the write key (Basic user, else `writeKey`
    /// in the body). Failures here are counted as rejected requests; message-level rejections are
    /// counted by the ingest service.
    private func authenticatedBody(_ request: Request, endpoint: MessageType?) async throws -> (Int64, JSONValue) {
        do {
            var key: APIKey?
            if let secret = Self.basicUser(request) {
                key = try await keys.authenticate(secret: secret, kind: .write)
            }
            let limit = endpoint == nil ? TrackingLimits.maxBatchBytes : TrackingLimits.maxMessageBytes
            let bytes = try await Self.readBody(
                request, limit: limit, tooLargeCode: endpoint == nil ? "batch_too_large" : "message_too_large")
            let json = try IngestService.parse(bytes)
            if key == nil {
                guard let secret = IngestService.writeKey(in: json) else {
                    throw PanoramaError(
                        .unauthorized, code: "missing_key",
                        message: "send the write key as the HTTP Basic user name (or as writeKey in the body)")
                }
                key = try await keys.authenticate(secret: secret, kind: .write)
            }
            return (key!.workspaceID, json)
        } catch let error as PanoramaError {
            ingest.countRejectedRequest(code: error.code)
            throw error
        }
    }

    /// The user name of an HTTP Basic `Authorization` header.
    static func basicUser(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        let user = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        return user?.isEmpty == false ? user : nil
    }

    /// Reads the body, inflating gzip, refusing more than `limit` bytes of JSON.
    static func readBody(_ request: Request, limit: Int, tooLargeCode: String) async throws -> [UInt8] {
        let tooLarge = PanoramaError(
            .payloadTooLarge, code: tooLargeCode,
            message: tooLargeCode == "batch_too_large"
                ? "batch is larger than \(limit / 1024) KB; send smaller batches"
                : "message is larger than \(limit / 1024) KB; trim its properties, traits or context")
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces)
        var buffer: ByteBuffer
        do {
            let cap = encoding == nil || encoding == "identity" ? limit : TrackingLimits.maxCompressedBytes
            buffer = try await request.body.collect(upTo: cap)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        }
        switch encoding {
        case nil, "identity":
            break
        case "gzip", "x-gzip", "deflate":
            do {
                buffer = try buffer.decompress(with: encoding == "deflate" ? .zlib() : .gzip(), maxSize: limit)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw tooLarge
            } catch {
                throw PanoramaError.badRequest("invalid_gzip", "the body is not valid \(encoding!) data")
            }
            // The inflater's cap is approximate (it grows in rounded buffers): check exactly.
            if buffer.readableBytes > limit { throw tooLarge }
        default:
            throw PanoramaError(
                .unsupportedMediaType, code: "unsupported_encoding",
                message: "Content-Encoding '\(encoding!)' is not supported; use gzip or none")
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
