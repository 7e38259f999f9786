/// Turns the JSON of one Segment-spec message into a validated `TrackingMessage`.
///
/// Pure and allocation-light: it is called for every ingested message. It validates types and
/// required fields, corrects the client's clock skew the way Segment does
/// (`timestamp = receivedAt - (sentAt - originalTimestamp)`), and extracts and normalizes identifiers.
public struct TrackingMessageDecoder: Sendable {
    public var settings: IdentitySettings

    public init(settings: IdentitySettings) {
        self.settings = settings
    }

    /// Decodes one message.
    /// - Parameters:
    ///   - value: the message object.
    ///   - impliedType: the type given by the endpoint (`/v1/track` …); nil inside `/v1/batch`, where `type` is required.
    ///   - receivedAt: server receive time, epoch ms.
    ///   - batchSentAt: `sentAt` of the enclosing batch, used when the message has none.
    ///   - field: path prefix for error fields, e.g. `batch[3]`.
    ///   - makeMessageID: supplies an id for messages that carry none.
    public func decode(
        _ value: JSONValue, impliedType: MessageType?, receivedAt: Int64, batchSentAt: Int64? = nil,
        field: String = "", makeMessageID: () -> String
    ) throws(PanoramaError) -> TrackingMessage {
        guard case .object(let object) = value else {
            throw .badRequest("invalid_message", "a message must be a JSON object", field: field.isEmpty ? nil : field)
        }
        func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

        if let size = object.sourceByteCount, size > TrackingLimits.maxMessageBytes {
            throw PanoramaError(
                .payloadTooLarge, code: "message_too_large",
                message: "message is \(size) bytes; the limit is \(TrackingLimits.maxMessageBytes) bytes (32 KB)",
                field: field.isEmpty ? nil : field)
        }

        let type: MessageType
        if let declared = object["type"], !declared.isNull {
            guard let text = declared.stringValue, let parsed = MessageType(rawValue: text) else {
                throw .badRequest(
                    "invalid_type", "type must be one of identify, track, page, screen, group, alias",
                    field: path("type"))
            }
            if let impliedType, impliedType != parsed {
                throw .badRequest(
                    "invalid_type", "type '\(text)' does not match the endpoint /v1/\(impliedType.rawValue)",
                    field: path("type"))
            }
            type = parsed
        } else if let impliedType {
            type = impliedType
        } else {
            throw .badRequest("missing_type", "every message in a batch needs a type", field: path("type"))
        }

        let userID = try idString(object["userId"], path("userId"))
        let anonymousID = try idString(object["anonymousId"], path("anonymousId"))
        var previousID: String?
        var groupID: String?
        var event: String?
        var name: String?
        switch type {
        case .alias:
            previousID = try idString(object["previousId"], path("previousId"))
            guard previousID != nil, userID != nil else {
                throw .badRequest(
                    "missing_id", "an alias call needs both userId and previousId", field: path("previousId"))
            }
        case .track:
            event = try text(object["event"], path("event"))
            guard let e = event, !e.isEmpty else {
                throw .badRequest("missing_event", "a track call needs a non-empty event name", field: path("event"))
            }
        case .group:
            groupID = try idString(object["groupId"], path("groupId"))
            guard groupID != nil else {
                throw .badRequest("missing_group_id", "a group call needs a groupId", field: path("groupId"))
            }
        case .page, .screen:
            name = try text(object["name"], path("name"))
        case .identify:
            break
        }
        if type != .alias && userID == nil && anonymousID == nil {
            throw .badRequest(
                "missing_id", "a message needs a userId or an anonymousId", field: path("userId"))
        }

        let properties = try objectText(object["properties"], path("properties"))
        let contextObject = try objectValue(object["context"], path("context"))
        var traits = try objectValue(object["traits"], path("traits"))
        if type != .identify && type != .group { traits = nil }
        // context.traits only contributes identifiers: Segment updates profile traits from identify calls alone.
        let contextTraits = try objectValue(contextObject?["traits"], path("context.traits"))

        var originalTimestamp = try time(object["originalTimestamp"], path("originalTimestamp"))
        if originalTimestamp == nil { originalTimestamp = try time(object["timestamp"], path("timestamp")) }
        var sentAt = try time(object["sentAt"], path("sentAt"))
        if sentAt == nil { sentAt = batchSentAt }
        let timestamp: Int64
        if let originalTimestamp, let sentAt {
            timestamp = receivedAt - (sentAt - originalTimestamp)
        } else {
            timestamp = originalTimestamp ?? receivedAt
        }
        guard TrackingLimits.eventTimeRange.contains(timestamp) else {
            throw .badRequest(
                "invalid_timestamp",
                "the event time (after clock-skew correction) must lie between 1900 and 9999; check timestamp and sentAt",
                field: path("timestamp"))
        }

        var messageID = try idString(object["messageId"], path("messageId"))
        if messageID == nil { messageID = makeMessageID() }

        var found: [Identifier] = []
        var invalid: [NormalizationError] = []
        func add(_ type: String, _ raw: String?) {
            guard let raw else { return }
            do throws(NormalizationError) {
                let value = try Normalizer.normalize(type: type, value: raw)
                let id = Identifier(type: type, value: value)
                if !found.contains(id) { found.append(id) }
            } catch {
                invalid.append(error)
            }
        }
        add("user_id", userID)
        add("anonymous_id", anonymousID)
        for source in [type == .identify ? traits : nil, contextTraits] {
            guard let source else { continue }
            for t in settings.types where t.name != "user_id" && t.name != "anonymous_id" {
                add(t.name, scalarText(source[t.name]))
            }
        }
        if let device = contextObject?["device"]?.objectValue {
            add("device_id", scalarText(device["id"]))
        }
        if let external = contextObject?["externalIds"]?.arrayValue {
            for item in external {
                guard let kind = item["type"]?.stringValue, settings.type(named: kind) != nil else { continue }
                add(kind, scalarText(item["id"]))
            }
        }

        if found.isEmpty, let first = invalid.first {
            throw .badRequest(first.code, first.message, field: path(userID != nil ? "userId" : "anonymousId"))
        }

        var message = TrackingMessage(
            type: type, messageID: messageID!, userID: userID, anonymousID: anonymousID, previousID: previousID,
            groupID: groupID, event: event, name: name, timestamp: timestamp, originalTimestamp: originalTimestamp,
            sentAt: sentAt, receivedAt: receivedAt, properties: properties,
            traits: traits,
            context: contextObject.map { $0.sourceText ?? JSONValue.object($0).jsonText },
            identifiers: found, invalidIdentifiers: invalid)
        // An ecommerce order event records the order too. Tracking never refuses an event for its
        // properties: one whose order does not decode is stored as a plain event.
        if type == .track, let event, let status = OrderDecoder.orderEvents[event],
            let props = object["properties"]?.objectValue
        {
            message.order = try? OrderDecoder.order(props, defaultTime: timestamp, defaultStatus: status)
            if event == "Order Cancelled" { message.order?.status = .cancelled }
            message.order?.source = "tracking"
        }
        return message
    }

    /// An id field: a non-empty string, or a number (some SDKs send numeric user ids). Null and "" mean absent.
    private func idString(_ value: JSONValue?, _ fieldPath: @autoclosure () -> String) throws(PanoramaError) -> String?
    {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?:
            let trimmed = s.trimmingWhitespace.withoutNUL
            return trimmed.isEmpty ? nil : trimmed
        case .number(let n)?: return n.text
        default:
            throw .badRequest("invalid_field_type", "\(fieldPath()) must be a string", field: fieldPath())
        }
    }

    private func text(_ value: JSONValue?, _ fieldPath: @autoclosure () -> String) throws(PanoramaError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s.withoutNUL
        default: throw .badRequest("invalid_field_type", "\(fieldPath()) must be a string", field: fieldPath())
        }
    }

    private func objectValue(_ value: JSONValue?, _ fieldPath: @autoclosure () -> String) throws(PanoramaError)
        -> JSONObject?
    {
        switch value {
        case nil, .null?: return nil
        case .object(let o)?: return o
        default: throw .badRequest("invalid_field_type", "\(fieldPath()) must be a JSON object", field: fieldPath())
        }
    }

    private func objectText(_ value: JSONValue?, _ fieldPath: @autoclosure () -> String) throws(PanoramaError)
        -> String?
    {
        guard let object = try objectValue(value, fieldPath()) else { return nil }
        return object.sourceText ?? JSONValue.object(object).jsonText
    }

    private func time(_ value: JSONValue?, _ fieldPath: @autoclosure () -> String) throws(PanoramaError) -> Int64? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?:
            guard let ms = Timestamp.parseMillis(s) else {
                throw .badRequest(
                    "invalid_timestamp", "\(fieldPath()) '\(s.prefix(40))' is not an ISO-8601 date-time",
                    field: fieldPath())
            }
            return ms
        default:
            throw .badRequest("invalid_timestamp", "\(fieldPath()) must be an ISO-8601 string", field: fieldPath())
        }
    }

    /// A scalar trait value as text for identifier extraction; objects, arrays and booleans are not identifiers.
    private func scalarText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s.withoutNUL
        case .number(let n)?: return n.text
        default: return nil
        }
    }
}

extension String {
    /// The string with every U+0000 replaced by U+FFFD. Both stores keep text C-string-safe:
    /// SQLite's text functions and PostgreSQL's text type stop at (or refuse) U+0000.
    public var withoutNUL: String {
        guard utf8.contains(0) else { return self }
        var out = ""
        out.unicodeScalars.append(contentsOf: unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 })
        return out
    }

    /// The string without leading and trailing Unicode whitespace.
    public var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}
