/// A tenant: its own keys, identifier types, profiles and time zone.
public struct Workspace: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    /// IANA time zone for day boundaries and reports (default Asia/Shanghai).
    public var timeZone: String
    public var createdAt: Int64

    public init(id: Int64, name: String, timeZone: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.createdAt = createdAt
    }
}

/// What an API key may do: send tracking data, or administer a workspace over REST.
public enum APIKeyKind: String, Sendable, Codable, CaseIterable {
    case write, admin
}

/// A stored API key. The secret itself is never stored, only its SHA-256 hash.
public struct APIKey: Sendable, Equatable, Codable {
    public var id: Int64
    public var workspaceID: Int64
    public var kind: APIKeyKind
    public var name: String
    /// The first characters of the secret, to recognise a key in lists.
    public var prefix: String
    public var hash: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(
        id: Int64, workspaceID: Int64, kind: APIKeyKind, name: String, prefix: String, hash: String,
        createdAt: Int64, revokedAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.kind = kind
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A raw profile row and the live profile it belongs to.
public struct CustomerRow: Sendable, Equatable {
    public var id: Int64
    public var canonicalID: Int64
    public var createdAt: Int64

    public init(id: Int64, canonicalID: Int64, createdAt: Int64) {
        self.id = id
        self.canonicalID = canonicalID
        self.createdAt = createdAt
    }
}

/// One trait value with the event time of the write that set it.
public struct TraitValue: Sendable, Equatable {
    public var name: String
    /// The value as JSON text.
    public var json: String
    /// Event time of the message that set it, epoch ms; later event times win.
    public var updatedAt: Int64

    public init(name: String, json: String, updatedAt: Int64) {
        self.name = name
        self.json = json
        self.updatedAt = updatedAt
    }
}

extension Dictionary where Key == String, Value == TraitValue {
    /// Keeps `trait` unless the value held under its name is newer (last write wins by event
    /// time across the raw profiles of one customer).
    public mutating func keepLatest(_ trait: TraitValue) {
        if let held = self[trait.name], held.updatedAt > trait.updatedAt { return }
        self[trait.name] = trait
    }
}

/// A stored event, as the timeline shows it.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var customerID: Int64
    public var messageID: String
    public var type: MessageType
    public var event: String?
    public var name: String?
    public var userID: String?
    public var anonymousID: String?
    public var groupID: String?
    public var previousID: String?
    public var timestamp: Int64
    public var originalTimestamp: Int64?
    public var sentAt: Int64?
    public var receivedAt: Int64
    public var properties: String?
    public var traits: String?
    public var context: String?

    public init(
        id: Int64, customerID: Int64, messageID: String, type: MessageType, event: String?, name: String?,
        userID: String?, anonymousID: String?, groupID: String?, previousID: String?, timestamp: Int64,
        originalTimestamp: Int64?, sentAt: Int64?, receivedAt: Int64, properties: String?, traits: String?,
        context: String?
    ) {
        self.id = id
        self.customerID = customerID
        self.messageID = messageID
        self.type = type
        self.event = event
        self.name = name
        self.userID = userID
        self.anonymousID = anonymousID
        self.groupID = groupID
        self.previousID = previousID
        self.timestamp = timestamp
        self.originalTimestamp = originalTimestamp
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.properties = properties
        self.traits = traits
        self.context = context
    }
}

extension StoredEvent {
    /// The name shown in a timeline: the event of a track call, the page or screen name, else the type.
    public var displayName: String { MessageType.displayName(type: type, event: event, name: name) }
}

/// A logged merge of one profile into another.
public struct MergeRecord: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64
    public var fromID: Int64
    public var intoID: Int64
    /// The raw profiles that moved with `fromID`.
    public var members: [Int64]
    /// The identifier that linked the two profiles.
    public var cause: Identifier
    /// `identity` for merges by shared identifier; other causes (fuzzy matching, manual) come later.
    public var source: String
    public var messageID: String?
    public var createdAt: Int64
    public var undoneAt: Int64?

    public init(
        id: Int64, workspaceID: Int64, fromID: Int64, intoID: Int64, members: [Int64], cause: Identifier,
        source: String, messageID: String?, createdAt: Int64, undoneAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.fromID = fromID
        self.intoID = intoID
        self.members = members
        self.cause = cause
        self.source = source
        self.messageID = messageID
        self.createdAt = createdAt
        self.undoneAt = undoneAt
    }
}

/// An identifier that could not join a profile because of a limit.
public struct IdentityConflict: Sendable, Equatable {
    public var customerID: Int64
    public var identifier: Identifier
    public var ownerID: Int64?
    public var reason: String
    public var messageID: String?
    public var createdAt: Int64

    public init(
        customerID: Int64, identifier: Identifier, ownerID: Int64?, reason: String, messageID: String?, createdAt: Int64
    ) {
        self.customerID = customerID
        self.identifier = identifier
        self.ownerID = ownerID
        self.reason = reason
        self.messageID = messageID
        self.createdAt = createdAt
    }
}
