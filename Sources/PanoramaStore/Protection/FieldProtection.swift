import Foundation
import PanoramaCore

/// Encryption at rest of personal information: what the stores apply to every value they write
/// and read, so that the database file (and every backup or dump of it) holds PII only as
/// AES-256-GCM tokens, while the services above see clear values.
///
/// - Identifiers of personal types (email, phone, ID number …) and traits with personal names
///   (name, email, address …) become deterministic `pd1` tokens (`FieldCipher.seal`): equal
///   values give equal tokens within a workspace and field, so unique keys, look-ups by
///   identifier and exact trait filters keep working in SQL (`candidates` gives a value's token
///   under every key of the ring, for rows not yet rotated). Prefix search of such identifiers
///   becomes exact search.
/// - Personal members of event and order JSON (`traits.email`, `context.traits.phone`,
///   `properties.shipping_address` …) become random-nonce `pe1` tokens in place: nothing looks
///   them up, so equal values stay unlinkable.
///
/// Contexts bind each token to its workspace and field (`w42/id/email`, `w42/trait/name`,
/// `w42/json`), so a token copied elsewhere fails to open. With encryption off (`off`), values
/// are written in clear and a token met on read fails with `encryption_keys_missing`.
public struct FieldProtection: Sendable {
    /// The cipher; nil when encryption at rest is off.
    public let cipher: FieldCipher?

    /// Encryption at rest with the keys of `ring` (its primary encrypts).
    public init(ring: KeyRing) {
        cipher = FieldCipher(ring: ring)
    }

    private init() {
        cipher = nil
    }

    /// No encryption: values are stored in clear.
    public static let off = FieldProtection()

    /// Whether values are encrypted on write.
    public var isOn: Bool { cipher != nil }

    /// The id of the key new values are written with (nil when off).
    public var primaryKeyID: String? { cipher?.ring.primary.id }

    // MARK: Which fields

    /// Whether values of this identifier type are personal information, stored as tokens.
    public static func protects(identifierType type: String) -> Bool {
        PersonalData.kind(ofName: type) != nil
    }

    /// Whether values of this trait are personal information, stored as tokens.
    public static func protects(trait name: String) -> Bool {
        PersonalData.kind(ofName: name) != nil
    }

    /// Whether a top-level member of an event's `properties` (or an order's) is personal: a personal
    /// name other than a bare `name`, which in properties names a page, a product or a screen.
    static func protects(property name: String) -> Bool {
        name != "name" && PersonalData.kind(ofName: name) != nil
    }

    static func identifierContext(_ workspaceID: Int64, _ type: String) -> String { "w\(workspaceID)/id/\(type)" }
    static func traitContext(_ workspaceID: Int64, _ name: String) -> String { "w\(workspaceID)/trait/\(name)" }
    static func jsonContext(_ workspaceID: Int64) -> String { "w\(workspaceID)/json" }

    /// Whether stored text is a token (of either mode).
    public static func isToken(_ text: String) -> Bool {
        text.hasPrefix(FieldCipher.prefix) || text.hasPrefix(FieldCipher.deterministicPrefix)
    }

    // MARK: Identifiers

    /// The identifier as stored: its value sealed when the type is personal.
    public func seal(_ identifier: Identifier, workspaceID: Int64) throws -> Identifier {
        guard let cipher, Self.protects(identifierType: identifier.type), !Self.isToken(identifier.value) else {
            return identifier
        }
        return Identifier(
            type: identifier.type,
            value: try cipher.seal(identifier.value, context: Self.identifierContext(workspaceID, identifier.type)))
    }

    /// The stored values an identifier may have: its token under every key (or the clear value when
    /// off or not personal). With encryption on, the clear value is included too, so rows written
    /// before encryption was turned on are found until the sweep seals them.
    public func candidates(_ identifier: Identifier, workspaceID: Int64) throws -> [String] {
        guard let cipher, Self.protects(identifierType: identifier.type) else { return [identifier.value] }
        return try cipher.candidates(identifier.value, context: Self.identifierContext(workspaceID, identifier.type))
            + [identifier.value]
    }

    /// The identifier in clear.
    public func open(_ identifier: Identifier, workspaceID: Int64) throws -> Identifier {
        guard Self.isToken(identifier.value) else { return identifier }
        return Identifier(
            type: identifier.type,
            value: try decrypt(identifier.value, context: Self.identifierContext(workspaceID, identifier.type)))
    }

    // MARK: Traits

    /// The trait JSON as stored: the whole JSON text sealed into a JSON string when the name is personal.
    public func sealTrait(name: String, json: String, workspaceID: Int64) throws -> String {
        guard let cipher, Self.protects(trait: name), Self.token(inTraitJSON: json) == nil else { return json }
        let token = try cipher.seal(json, context: Self.traitContext(workspaceID, name))
        return "\"" + token + "\""
    }

    /// The stored JSON values a trait value may have (see `candidates(_:workspaceID:)`).
    public func traitCandidates(name: String, json: String, workspaceID: Int64) throws -> [String] {
        guard let cipher, Self.protects(trait: name) else { return [json] }
        return try cipher.candidates(json, context: Self.traitContext(workspaceID, name)).map { "\"" + $0 + "\"" }
            + [json]
    }

    /// The trait JSON in clear.
    public func openTrait(name: String, json: String, workspaceID: Int64) throws -> String {
        guard let token = Self.token(inTraitJSON: json) else { return json }
        return try decrypt(token, context: Self.traitContext(workspaceID, name))
    }

    /// The trait value as stored.
    public func seal(_ trait: TraitValue, workspaceID: Int64) throws -> TraitValue {
        var sealed = trait
        sealed.json = try sealTrait(name: trait.name, json: trait.json, workspaceID: workspaceID)
        return sealed
    }

    /// The trait value in clear.
    public func open(_ trait: TraitValue, workspaceID: Int64) throws -> TraitValue {
        var opened = trait
        opened.json = try openTrait(name: trait.name, json: trait.json, workspaceID: workspaceID)
        return opened
    }

    /// The token of stored trait JSON `"pd1:…"` (or `"pe1:…"`); nil when the JSON is not a token string.
    static func token(inTraitJSON json: String) -> String? {
        guard json.count > 2, json.hasPrefix("\""), json.hasSuffix("\"") else { return nil }
        let inner = String(json.dropFirst().dropLast())
        return isToken(inner) ? inner : nil
    }

    // MARK: JSON documents

    /// Which members of a JSON document are personal.
    public enum Document: Sendable {
        /// Identify or group traits: every personal top-level member.
        case traits
        /// Event or order properties: personal top-level members except a bare `name`.
        case properties
        /// An event's context: the personal members of `context.traits`.
        case context
        /// A document about personal values as a whole (a duplicate pair's score, which holds
        /// both profiles' compared values): sealed into one token.
        case whole
    }

    /// The JSON text as stored, its personal members replaced by `pe1` tokens of their JSON text.
    /// Text that is not a JSON object, or holds nothing personal, is returned unchanged.
    public func seal(json text: String?, as document: Document, workspaceID: Int64) throws -> String? {
        guard let cipher, let text, !text.isEmpty else { return text }
        let context = Self.jsonContext(workspaceID)
        if case .whole = document {
            if text.hasPrefix("\"pe1:") { return text }
            return JSONValue.string(try cipher.encrypt(text, context: context)).jsonText
        }
        guard Self.mayHoldPersonalMembers(text, as: document),
            case .object(var object)? = try? JSONParser.parse(text)
        else { return text }
        var changed = false
        func sealMembers(_ object: inout JSONObject, keep: (String) -> Bool) throws {
            for (name, member) in object.members where keep(name) {
                if case .null = member { continue }
                if case .string(let s) = member, Self.isToken(s) { continue }
                object.set(name, .string(try cipher.encrypt(member.jsonText, context: context)))
                changed = true
            }
        }
        switch document {
        case .traits:
            try sealMembers(&object) { Self.protects(trait: $0) }
        case .properties:
            try sealMembers(&object, keep: Self.protects(property:))
        case .whole:
            break
        case .context:
            if case .object(var traits)? = object["traits"] {
                try sealMembers(&traits) { Self.protects(trait: $0) }
                if changed { object.set("traits", .object(traits)) }
            }
        }
        return changed ? JSONValue.object(object).jsonText : text
    }

    /// Whether a JSON document may hold a member to seal: one pass over its bytes for keys (a quoted
    /// string followed by `:`) with a personal name, at any depth — so most events, which hold
    /// none, are written without being parsed. A false positive only costs the parse.
    static func mayHoldPersonalMembers(_ text: String, as document: Document) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let count = bytes.count
            var i = 0
            while i < count {
                guard bytes[i] == UInt8(ascii: "\"") else {
                    i += 1
                    continue
                }
                var end = i + 1
                while end < count && bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard end < count else { return false }
                var next = end + 1
                while next < count && (bytes[next] == 0x20 || bytes[next] == 0x0A || bytes[next] == 0x0D || bytes[next] == 0x09) {
                    next += 1
                }
                if next < count && bytes[next] == UInt8(ascii: ":") {
                    let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<end]), as: UTF8.self)
                    switch document {
                    case .traits: if protects(trait: key) { return true }
                    case .properties: if protects(property: key) { return true }
                    case .context: if key == "traits" { return true }
                    case .whole: return true
                    }
                }
                i = end + 1
            }
            return false
        }
    }

    /// The JSON text in clear: every `pe1`/`pd1` string member (at any depth) decrypted back into the
    /// JSON it stood for. Text without tokens is returned as it is, without parsing.
    public func open(json text: String?, workspaceID: Int64) throws -> String? {
        guard let text, text.contains("\"pe1:") || text.contains("\"pd1:"),
            let value = try? JSONParser.parse(text)
        else { return text }
        let context = Self.jsonContext(workspaceID)
        func opened(_ value: JSONValue) throws -> JSONValue {
            switch value {
            case .string(let s) where Self.isToken(s):
                let clear = try decrypt(s, context: context)
                return (try? JSONParser.parse(clear)) ?? .string(clear)
            case .object(let object):
                var out = JSONObject()
                for (name, member) in object.members { out.set(name, try opened(member)) }
                return .object(out)
            case .array(let items):
                return .array(JSONArray(try items.elements.map(opened)))
            default:
                return value
            }
        }
        return try opened(value).jsonText
    }

    // MARK: Records

    /// An event as stored.
    public func seal(_ event: StoredEvent, workspaceID: Int64) throws -> StoredEvent {
        guard isOn else { return event }
        var sealed = event
        sealed.properties = try seal(json: event.properties, as: .properties, workspaceID: workspaceID)
        sealed.traits = try seal(json: event.traits, as: .traits, workspaceID: workspaceID)
        sealed.context = try seal(json: event.context, as: .context, workspaceID: workspaceID)
        return sealed
    }

    /// An event in clear.
    public func open(_ event: StoredEvent, workspaceID: Int64) throws -> StoredEvent {
        var opened = event
        opened.properties = try open(json: event.properties, workspaceID: workspaceID)
        opened.traits = try open(json: event.traits, workspaceID: workspaceID)
        opened.context = try open(json: event.context, workspaceID: workspaceID)
        return opened
    }

    /// An order as stored: the personal members of its properties sealed.
    public func seal(_ order: Order, workspaceID: Int64) throws -> Order {
        guard isOn else { return order }
        var sealed = order
        sealed.properties = try seal(json: order.properties, as: .properties, workspaceID: workspaceID)
        return sealed
    }

    /// An order in clear.
    public func open(_ order: Order, workspaceID: Int64) throws -> Order {
        var opened = order
        opened.properties = try open(json: order.properties, workspaceID: workspaceID)
        return opened
    }

    /// A merge as stored: its cause sealed like an identifier.
    public func seal(_ merge: MergeRecord) throws -> MergeRecord {
        var sealed = merge
        sealed.cause = try seal(merge.cause, workspaceID: merge.workspaceID)
        return sealed
    }

    /// A merge in clear.
    public func open(_ merge: MergeRecord) throws -> MergeRecord {
        var opened = merge
        opened.cause = try open(merge.cause, workspaceID: merge.workspaceID)
        return opened
    }

    /// Everything personal in an ingest group sealed, ready to write.
    public func seal(_ commit: IngestCommit) throws -> IngestCommit {
        guard isOn else { return commit }
        var sealed = commit
        for i in sealed.identifiers.indices {
            sealed.identifiers[i].identifier = try seal(
                commit.identifiers[i].identifier, workspaceID: commit.identifiers[i].workspaceID)
        }
        sealed.merges = try commit.merges.map(seal)
        for i in sealed.conflicts.indices {
            sealed.conflicts[i].conflict.identifier = try seal(
                commit.conflicts[i].conflict.identifier, workspaceID: commit.conflicts[i].workspaceID)
        }
        for i in sealed.events.indices {
            sealed.events[i].event = try seal(commit.events[i].event, workspaceID: commit.events[i].workspaceID)
        }
        for i in sealed.traits.indices {
            sealed.traits[i].trait = try seal(commit.traits[i].trait, workspaceID: commit.traits[i].workspaceID)
        }
        for i in sealed.orders.indices {
            sealed.orders[i].order = try seal(commit.orders[i].order, workspaceID: commit.orders[i].workspaceID)
        }
        return sealed
    }

    /// A snapshot or change list of the identity graph in clear.
    public func open(
        _ identifiers: [(identifier: Identifier, owner: Int64)], workspaceID: Int64
    ) throws -> [(identifier: Identifier, owner: Int64)] {
        guard identifiers.contains(where: { Self.isToken($0.identifier.value) }) else { return identifiers }
        let chunk = 16_384
        guard identifiers.count > 2 * chunk else {
            return try identifiers.map { (try open($0.identifier, workspaceID: workspaceID), $0.owner) }
        }
        // A start loads every identifier of the workspace: open them on every core.
        let parts = (identifiers.count + chunk - 1) / chunk
        let opened = OpenedParts(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * chunk)..<min(identifiers.count, (part + 1) * chunk)
            opened.set(
                part,
                Result { try identifiers[range].map { (try open($0.identifier, workspaceID: workspaceID), $0.owner) } })
        }
        return try opened.joined()
    }

    /// The chunks of a parallel open, each written once by its own iteration.
    private final class OpenedParts: @unchecked Sendable {
        private var parts: [Result<[(identifier: Identifier, owner: Int64)], any Error>?]
        private let lock = NSLock()

        init(count: Int) { parts = Array(repeating: nil, count: count) }

        func set(_ index: Int, _ result: Result<[(identifier: Identifier, owner: Int64)], any Error>) {
            lock.withLock { parts[index] = result }
        }

        func joined() throws -> [(identifier: Identifier, owner: Int64)] {
            var all: [(identifier: Identifier, owner: Int64)] = []
            for part in parts { all += try part!.get() }
            return all
        }
    }

    // MARK: Rotation

    /// Whether a stored value must be rewritten by the sweep: a token under another key than the
    /// primary, or (with encryption on) a personal value still in clear.
    public func needsWork(storedValue value: String) -> Bool {
        guard let cipher else { return false }
        if Self.isToken(value) { return cipher.needsRotation(value) }
        return true
    }

    private func decrypt(_ token: String, context: String) throws -> String {
        guard let cipher else {
            throw PanoramaError.dataProtection(
                .keysMissing,
                "数据库中的个人信息已加密，但本进程没有加载密钥；请设置 \(KeyRing.environmentVariable) 或 --encryption-key-file。"
                    + " / The store holds encrypted personal data but this process has no encryption key; set"
                    + " \(KeyRing.environmentVariable) or --encryption-key-file.")
        }
        return try cipher.decrypt(token, context: context)
    }
}
