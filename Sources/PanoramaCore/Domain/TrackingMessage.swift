/// The six message types of the Segment tracking spec.
public enum MessageType: String, Sendable, CaseIterable, Codable {
    case identify, track, page, screen, group, alias

    /// The name a timeline shows for a message: its event, else its page or screen name, else its type.
    public static func displayName(type: MessageType, event: String?, name: String?) -> String {
        event ?? name ?? type.rawValue
    }
}

/// One validated tracking message, ready for identity resolution and storage.
///
/// `properties` and `context` stay as the JSON text the client sent: they are stored and served
/// back verbatim, never decoded into models and re-encoded.
public struct TrackingMessage: Sendable {
    public var type: MessageType
    /// The client's `messageId`, or one generated here when the client sent none (then no de-duplication is possible).
    public var messageID: String
    public var userID: String?
    public var anonymousID: String?
    /// `previousId` of an alias call.
    public var previousID: String?
    public var groupID: String?
    /// `event` of a track call.
    public var event: String?
    /// `name` of a page or screen call.
    public var name: String?
    /// Event time after clock-skew correction, epoch milliseconds UTC.
    public var timestamp: Int64
    /// The client's own timestamp, before correction.
    public var originalTimestamp: Int64?
    public var sentAt: Int64?
    public var receivedAt: Int64
    /// Raw JSON object text of `properties` (track/page/screen), nil when absent.
    public var properties: String?
    /// Traits of an identify call (the person's) or a group call (the group's), parsed.
    public var traits: JSONObject?
    /// Raw JSON object text of `context`, nil when absent.
    public var context: String?
    /// Normalized identifiers found in the message, without duplicates, in the order found.
    public var identifiers: [Identifier]
    /// Identifier candidates that failed normalization; the message is kept, the value is not used to resolve.
    public var invalidIdentifiers: [NormalizationError]
    /// The order the message records: an `Order Completed` / `Updated` / `Cancelled` event, a REST
    /// order, an imported order row. Stored (by external id) with the profile the message resolves to.
    public var order: Order?
    /// False for imported records that update a profile (identifiers, traits, orders) without
    /// adding an event to its timeline; such messages are not de-duplicated by message id (what
    /// they write is idempotent by itself).
    public var recordsEvent = true

    public init(
        type: MessageType, messageID: String, userID: String? = nil, anonymousID: String? = nil,
        previousID: String? = nil, groupID: String? = nil, event: String? = nil, name: String? = nil,
        timestamp: Int64, originalTimestamp: Int64? = nil, sentAt: Int64? = nil, receivedAt: Int64,
        properties: String? = nil, traits: JSONObject? = nil, context: String? = nil,
        identifiers: [Identifier] = [], invalidIdentifiers: [NormalizationError] = []
    ) {
        self.type = type
        self.messageID = messageID
        self.userID = userID
        self.anonymousID = anonymousID
        self.previousID = previousID
        self.groupID = groupID
        self.event = event
        self.name = name
        self.timestamp = timestamp
        self.originalTimestamp = originalTimestamp
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.properties = properties
        self.traits = traits
        self.context = context
        self.identifiers = identifiers
        self.invalidIdentifiers = invalidIdentifiers
    }

    /// The name shown in a timeline: the event of a track call, the page or screen name, else the type.
    public var displayName: String {
        MessageType.displayName(type: type, event: event, name: name)
    }
}
