import Crypto
import Foundation
import PanoramaCore
import Synchronization

/// Encrypts single field values (an email, a phone number, a name) with AES-256-GCM into
/// self-describing text tokens that fit any text column:
///
///     pe1:<keyid>:<base64url(nonce | ciphertext | tag)>     random nonce (`encrypt`)
///     pd1:<keyid>:<base64url(nonce | ciphertext | tag)>     synthetic nonce (`seal`)
///
/// `pe1`/`pd1` is the format version, `keyid` names the master key (so values written before a
/// rotation still decrypt), the nonce is 12 bytes and the tag 16 bytes. A `pe1` nonce is random, so
/// equal values give unrelated tokens. A `pd1` nonce is the keyed HMAC-SHA256 of context and value
/// (a synthetic IV, as in SIV mode): equal values in the same context give the same token, so the
/// token is its own blind index and an indexed column can be searched by equality — which reveals
/// only what a blind index reveals, that two stored values are equal. A nonce repeats only with the
/// same context and value, never for two different messages, so GCM's nonce rule holds. Each token is bound to a
/// caller-chosen `context` — typically workspace id and field name, such as `"w42/email"` — through
/// GCM's associated data, together with the version and key id: a token copied into another
/// workspace, customer or field fails to decrypt instead of revealing a value out of place.
public struct FieldCipher: Sendable {
    /// The prefix of every token this version writes.
    public static let prefix = "pe1:"
    /// The length of the random GCM nonce, in bytes.
    static let nonceCount = 12
    /// The length of the GCM tag, in bytes.
    static let tagCount = 16

    /// The keys: the primary encrypts, any of them decrypts.
    public let ring: KeyRing

    /// Recent deterministic tokens: the same email or name is sealed again with every message that
    /// repeats it, and a token depends only on key, context and value.
    private let recent = TokenCache(capacity: 65_536)

    /// Creates a cipher over a loaded key ring.
    public init(ring: KeyRing) {
        self.ring = ring
    }

    /// Encrypts `plaintext` under the primary key with a fresh random nonce, bound to `context`.
    /// Encrypting the same value twice gives different tokens; use `BlindIndex` for look-ups.
    public func encrypt(_ plaintext: String, context: String) throws(PanoramaError) -> String {
        let key = ring.primary
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(
                Array(plaintext.utf8), using: key.fieldKey, nonce: AES.GCM.Nonce(),
                authenticating: Self.associatedData(version: "pe1", keyID: key.id, context: context))
        } catch {
            // Sealing only fails on invalid key or nonce sizes, which the types above rule out.
            throw .dataProtection(.ciphertextInvalid, "加密失败。 / Encryption failed.")
        }
        var body = Array(sealed.nonce)
        body.reserveCapacity(Self.nonceCount + plaintext.utf8.count + Self.tagCount)
        body.append(contentsOf: sealed.ciphertext)
        body.append(contentsOf: sealed.tag)
        return Self.prefix + key.id + ":" + Base64URL.encode(body)
    }

    /// Encrypts `plaintext` deterministically under the primary key, bound to `context`: the same
    /// value and context always give the same `pd1` token (see the type's documentation), so stored
    /// tokens can be looked up by equality with `candidates`.
    public func seal(_ plaintext: String, context: String) throws(PanoramaError) -> String {
        try seal(plaintext, context: context, key: ring.primary)
    }

    /// The deterministic token of `plaintext` under every key of the ring, primary first: look a value
    /// up with all of them (`WHERE value IN (…)`), so rows not yet re-encrypted after a rotation match.
    public func candidates(_ plaintext: String, context: String) throws(PanoramaError) -> [String] {
        var tokens: [String] = []
        for key in ring.keys { tokens.append(try seal(plaintext, context: context, key: key)) }
        return tokens
    }

    private func seal(_ plaintext: String, context: String, key: MasterKey) throws(PanoramaError) -> String {
        let cacheKey = key.id + "\u{0}" + context + "\u{0}" + plaintext
        if let token = recent[cacheKey] { return token }
        let token = try sealAfresh(plaintext, context: context, key: key)
        recent[cacheKey] = token
        return token
    }

    private func sealAfresh(_ plaintext: String, context: String, key: MasterKey) throws(PanoramaError) -> String {
        let associated = Self.associatedData(version: "pd1", keyID: key.id, context: context)
        var message = associated
        message.append(0)
        message.append(contentsOf: plaintext.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key.nonceKey)
        let sealed: AES.GCM.SealedBox
        do {
            let nonce = try AES.GCM.Nonce(data: Array(mac.prefix(Self.nonceCount)))
            sealed = try AES.GCM.seal(
                Array(plaintext.utf8), using: key.fieldKey, nonce: nonce, authenticating: associated)
        } catch {
            throw .dataProtection(.ciphertextInvalid, "加密失败。 / Encryption failed.")
        }
        var body = Array(sealed.nonce)
        body.append(contentsOf: sealed.ciphertext)
        body.append(contentsOf: sealed.tag)
        return Self.deterministicPrefix + key.id + ":" + Base64URL.encode(body)
    }

    /// The prefix of deterministic tokens (`seal`).
    public static let deterministicPrefix = "pd1:"

    /// Decrypts a token written for the same `context`. Fails with `encryption_key_unknown` (naming
    /// the key id) when the ring lacks its key, and with `ciphertext_invalid` when the token is
    /// malformed, altered, or belongs to another context.
    public func decrypt(_ token: String, context: String) throws(PanoramaError) -> String {
        guard let parsed = Token(token) else { throw Self.invalidError }
        guard let key = ring.key(id: parsed.keyID) else {
            throw .dataProtection(
                .keyUnknown,
                "数据由密钥「\(parsed.keyID)」加密，但当前密钥环中没有它；请把该密钥行加回 \(KeyRing.environmentVariable)"
                    + " 或密钥文件（放在主密钥之后）。 / The value was encrypted with key \"\(parsed.keyID)\","
                    + " which the key ring does not hold; add its line back to \(KeyRing.environmentVariable)"
                    + " or the key file (after the primary key).")
        }
        let opened: Data
        do {
            let box = try AES.GCM.SealedBox(combined: parsed.body)
            opened = try AES.GCM.open(
                box, using: key.fieldKey,
                authenticating: Self.associatedData(version: parsed.version, keyID: key.id, context: context))
        } catch {
            throw Self.invalidError
        }
        guard let text = String(validating: opened, as: UTF8.self) else { throw Self.invalidError }
        return text
    }

    /// Whether `text` is a well-formed token (it may still fail to decrypt). Plain values return false,
    /// which lets a migration find the values it has not yet encrypted.
    public func isEncrypted(_ text: String) -> Bool {
        Token(text) != nil
    }

    /// Whether a token was written under a key other than the primary, so a rotation sweep should
    /// `reencrypt` it. False for plain values and malformed text (see `isEncrypted`).
    public func needsRotation(_ token: String) -> Bool {
        guard let parsed = Token(token) else { return false }
        return parsed.keyID != ring.primary.id
    }

    /// The token re-encrypted under the primary key, in its own mode (a fresh nonce for `pe1`, the
    /// synthetic one for `pd1`); a token already under the primary is returned unchanged, so a sweep
    /// writes only rows that change. Fails as `decrypt`.
    public func reencrypt(_ token: String, context: String) throws(PanoramaError) -> String {
        let plaintext = try decrypt(token, context: context)
        guard needsRotation(token) else { return token }
        return token.hasPrefix(Self.deterministicPrefix)
            ? try seal(plaintext, context: context) : try encrypt(plaintext, context: context)
    }

    /// GCM associated data: version, key id and context, NUL-separated (key ids hold no NUL, so the
    /// split is unambiguous).
    private static func associatedData(version: String, keyID: String, context: String) -> [UInt8] {
        Array(version.utf8) + [0] + Array(keyID.utf8) + [0] + Array(context.utf8)
    }

    /// The error for a token that is malformed, altered or out of context; it says nothing more, on purpose.
    private static let invalidError = PanoramaError.dataProtection(
        .ciphertextInvalid,
        "加密字段无法解密：数据已损坏、被篡改，或被移到了别的客户或字段；请从备份恢复该值或重新采集。"
            + " / An encrypted field cannot be decrypted: it is corrupt, was altered, or was moved to another"
            + " customer or field; restore the value from a backup or collect it again.")

    /// The parts of a syntactically valid token.
    private struct Token {
        /// `pe1` or `pd1`.
        let version: String
        /// The id of the key that wrote it.
        let keyID: String
        /// nonce | ciphertext | tag.
        let body: [UInt8]

        /// Parses `pe1:<keyid>:<base64url>`; nil when any part is malformed or the body is too short.
        init?(_ text: String) {
            if text.hasPrefix(FieldCipher.prefix) {
                version = "pe1"
            } else if text.hasPrefix(FieldCipher.deterministicPrefix) {
                version = "pd1"
            } else {
                return nil
            }
            let rest = text.utf8.dropFirst(FieldCipher.prefix.utf8.count)
            guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let id = String(decoding: rest[..<colon], as: UTF8.self)
            guard MasterKey.isValidID(id),
                let body = Base64URL.decode(rest[rest.index(after: colon)...]),
                body.count >= FieldCipher.nonceCount + FieldCipher.tagCount
            else { return nil }
            keyID = id
            self.body = body
        }
    }
}

/// A bounded map of recent deterministic tokens, shared by the copies of a cipher. When full it
/// starts afresh (the working set of a busy node refills it within moments).
final class TokenCache: Sendable {
    private let capacity: Int
    private let tokens = Mutex<[String: String]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(key: String) -> String? {
        get { tokens.withLock { $0[key] } }
        set {
            tokens.withLock { map in
                if map.count >= capacity { map.removeAll(keepingCapacity: true) }
                map[key] = newValue
            }
        }
    }
}

/// Unpadded base64url (RFC 4648 §5), the encoding of token bodies: safe in URLs, JSON and CSV.
/// Written directly over bytes (every token read or written goes through it).
package enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// The 6-bit value of each byte, 0xFF outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes bytes without `=` padding.
    package static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes unpadded base64url; nil on any character outside the alphabet, an impossible length, or
    /// a non-canonical form (unused trailing bits set), so each byte string has exactly one text form.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // The bits left over must be zero: otherwise two texts would decode to the same bytes.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
