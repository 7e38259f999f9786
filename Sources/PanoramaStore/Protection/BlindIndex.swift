import Crypto
import Foundation

/// A keyed, deterministic fingerprint of an identifier, so look-ups by email or phone still work
/// when the stored value itself is encrypted with a random nonce:
///
///     bi1:<keyid>:<base64url(HMAC-SHA256(blindKey, kind | 0x00 | value)[0..<16])>
///
/// Store the index next to the `FieldCipher` token and query by it. Unlike a plain hash, the index
/// cannot be reversed by hashing every phone number without the blind-index key, which lives only in
/// the key ring. The `kind` (`"email"`, `"phone"` …) separates identifier types, so equal strings of
/// different kinds do not collide. Kinds are code constants and must not contain NUL. Values must be
/// normalized by the caller first (the index matches bytes exactly). 16 bytes (22 characters) keep
/// accidental collisions negligible even across billions of values.
public struct BlindIndex: Sendable {
    /// The prefix of every index this version writes.
    public static let prefix = "bi1:"
    /// How many bytes of the HMAC are kept.
    static let byteCount = 16

    /// The keys: the primary writes, every key is tried on look-up.
    public let ring: KeyRing

    /// Creates an index over a loaded key ring.
    public init(ring: KeyRing) {
        self.ring = ring
    }

    /// The index of a normalized value under the primary key: store this.
    public func index(_ normalizedValue: String, kind: String) -> String {
        Self.index(normalizedValue, kind: kind, key: ring.primary)
    }

    /// The index under every key in the ring, primary first: query with all of them
    /// (`WHERE email_index IN (...)`), so rows not yet re-indexed after a rotation are still found.
    public func candidates(_ normalizedValue: String, kind: String) -> [String] {
        ring.keys.map { Self.index(normalizedValue, kind: kind, key: $0) }
    }

    /// Whether an index was written under a key other than the primary and should be recomputed.
    public func needsRotation(_ index: String) -> Bool {
        guard index.hasPrefix(Self.prefix) else { return false }
        let id = index.dropFirst(Self.prefix.count).prefix { $0 != ":" }
        return id != ring.primary.id
    }

    /// The index under one given key.
    static func index(_ value: String, kind: String, key: MasterKey) -> String {
        var message = Array(kind.utf8)
        message.append(0)
        message.append(contentsOf: value.utf8)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: key.blindKey)
        return prefix + key.id + ":" + Base64URL.encode(Array(code.prefix(byteCount)))
    }
}
