import Foundation
import PanoramaCore
import PanoramaStore

/// The result of one tracking request.
public struct IngestResult: Sendable, Equatable {
    /// Messages stored by this request.
    public var stored: Int
    /// Messages acknowledged as already stored (a resent `messageId`).
    public var duplicates: Int
    /// Messages refused, with their index in the batch (0 for single calls).
    public var rejected: [(index: Int, error: PanoramaError)]

    public static func == (l: IngestResult, r: IngestResult) -> Bool {
        l.stored == r.stored && l.duplicates == r.duplicates
            && l.rejected.map(\.index) == r.rejected.map(\.index) && l.rejected.map(\.error) == r.rejected.map(\.error)
    }
}

/// Validates tracking requests and hands them to the pipeline.
///
/// A batch is validated message by message: valid messages are stored together in one
/// transaction and acknowledged; invalid ones are reported with their index and never stored.
/// A request whose messages are all invalid is refused as a whole (nothing is stored).
public final class IngestService: Sendable {
    private let pipeline: IngestPipeline
    private let settings: WorkspaceSettingsCache
    private let metrics: any MetricsSink
    private let orders: OrderService?
    private let loyalty: LoyaltyService?
    private let privacy: PrivacyService?

    public init(
        pipeline: IngestPipeline, settings: WorkspaceSettingsCache, metrics: any MetricsSink,
        orders: OrderService? = nil, loyalty: LoyaltyService? = nil, privacy: PrivacyService? = nil
    ) {
        self.pipeline = pipeline
        self.settings = settings
        self.metrics = metrics
        self.orders = orders
        self.loyalty = loyalty
        self.privacy = privacy
    }

    /// The refusal of a message naming a customer erased with suppression.
    static let erasedSubject = PanoramaError(
        .badRequest, code: "erased_subject",
        message: "the message names a person who was erased and asked not to be recorded again; it was dropped")

    /// Parses a request body as JSON, with an error that says where it broke.
    public static func parse(_ body: [UInt8]) throws(PanoramaError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .badRequest("invalid_json", "request body is not valid JSON: \(error)")
        }
    }

    /// The `writeKey` carried in a body (Segment allows it instead of the Basic header).
    public static func writeKey(in body: JSONValue) -> String? {
        body["writeKey"]?.stringValue
    }

    /// Validates and stores a request.
    /// - Parameter endpoint: the message type of a single-message endpoint, nil for `/v1/batch`.
    public func ingest(
        workspaceID: Int64, body: JSONValue, endpoint: MessageType?, receivedAt: Int64
    ) async throws -> IngestResult {
        let decoder = TrackingMessageDecoder(settings: try await settings.identity(workspaceID))
        var messages: [TrackingMessage] = []
        /// The batch index of each message in `messages`.
        var positions: [Int] = []
        var rejected: [(index: Int, error: PanoramaError)] = []
        let makeID: () -> String = { "srv-" + UUID().uuidString.lowercased() }
        if let endpoint {
            do throws(PanoramaError) {
                messages.append(
                    try decoder.decode(body, impliedType: endpoint, receivedAt: receivedAt, makeMessageID: makeID))
                positions.append(0)
            } catch {
                count([error])
                throw error
            }
        } else {
            guard case .object(let envelope) = body else {
                throw PanoramaError.badRequest("invalid_batch", "a batch must be a JSON object with a 'batch' array")
            }
            guard let items = envelope["batch"]?.arrayValue else {
                throw PanoramaError.badRequest(
                    "invalid_batch", "a batch needs a 'batch' array of messages", field: "batch")
            }
            guard !items.isEmpty else {
                throw PanoramaError.badRequest("empty_batch", "the 'batch' array is empty", field: "batch")
            }
            var batchSentAt: Int64?
            if let sent = envelope["sentAt"]?.stringValue {
                guard let ms = Timestamp.parseMillis(sent) else {
                    throw PanoramaError.badRequest(
                        "invalid_timestamp", "sentAt '\(sent.prefix(40))' is not an ISO-8601 date-time", field: "sentAt"
                    )
                }
                batchSentAt = ms
            }
            messages.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                do throws(PanoramaError) {
                    messages.append(
                        try decoder.decode(
                            item, impliedType: nil, receivedAt: receivedAt, batchSentAt: batchSentAt,
                            field: "batch[\(index)]", makeMessageID: makeID))
                    positions.append(index)
                } catch {
                    rejected.append((index, error))
                }
            }
            count(rejected.map(\.error))
            if messages.isEmpty {
                let first = rejected[0].error
                throw PanoramaError(
                    first.kind, code: first.code,
                    message: "no message of the batch is valid; first problem: \(first.message)", field: first.field)
            }
        }
        // Suppressed erasures: messages naming an erased person are dropped and reported.
        if let checker = try await privacy?.tombstones.checker(workspaceID: workspaceID) {
            var kept: [TrackingMessage] = []
            var erased = 0
            let verdicts = checker.erased(messages.map(\.identifiers))
            for (message, (position, isErased)) in zip(messages, zip(positions, verdicts)) {
                if isErased {
                    rejected.append((position, Self.erasedSubject))
                    erased += 1
                } else {
                    kept.append(message)
                }
            }
            if erased > 0 {
                messages = kept
                rejected.sort { $0.index < $1.index }
                count(Array(repeating: Self.erasedSubject, count: erased))
                if messages.isEmpty { return IngestResult(stored: 0, duplicates: 0, rejected: rejected) }
            }
        }
        let outcome = try await pipeline.submit(workspaceID: workspaceID, messages: messages)
        // Consent changes the messages carried (identify traits, Consent Granted / Revoked).
        try await privacy?.trackedConsents(
            workspaceID: workspaceID, messages: messages, customerIDs: outcome.customerIDs)
        if let orders {
            // Orders and refunds that came as ecommerce events, once the events are durable. Resends
            // (duplicates) go through again: what a crash interrupted here is finished by the
            // client's retry, and applying twice changes nothing.
            let saved = messages.compactMap { $0.order?.externalID }
            if !saved.isEmpty { await orders.trackedOrdersSaved(workspaceID: workspaceID, externalIDs: saved) }
            for message in messages where message.type == .track && message.event == OrderDecoder.refundEvent {
                await orders.trackedRefund(workspaceID: workspaceID, message: message)
            }
        }
        if let loyalty {
            // Bonus events (`Signed Up`, `Birthday` …) of the messages stored now.
            var tracked: [(event: String, customerID: Int64, messageID: String)] = []
            for (message, customer) in zip(messages, outcome.customerIDs) where message.type == .track {
                if let event = message.event { tracked.append((event, customer, message.messageID)) }
            }
            await loyalty.trackedEvents(workspaceID: workspaceID, tracked)
        }
        return IngestResult(stored: outcome.stored, duplicates: outcome.duplicates, rejected: rejected)
    }

    private func count(_ errors: [PanoramaError]) {
        var byCode: [String: Int] = [:]
        for e in errors { byCode[e.code, default: 0] += 1 }
        for (code, n) in byCode {
            metrics.increment("panorama_rejected_messages_total", labels: [("code", code)], by: n)
        }
    }

    /// Counts a request refused before any message was looked at (bad JSON, bad key, too large).
    public func countRejectedRequest(code: String) {
        metrics.increment("panorama_rejected_messages_total", labels: [("code", code)], by: 1)
    }
}
