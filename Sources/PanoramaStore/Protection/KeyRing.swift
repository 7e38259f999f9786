import Crypto
import Foundation
import PanoramaCore

/// The stable codes of data-protection errors, for callers (HTTP, CLI) that branch on them.
public enum DataProtectionErrorCode: String, Sendable, CaseIterable {
    /// Neither the environment variable nor the key file holds any key.
    case keysMissing = "encryption_keys_missing"
    /// The key file could not be read (missing, no permission, not UTF-8).
    case keyFileUnreadable = "encryption_key_file_unreadable"
    /// A key line is malformed: bad id, bad base64, or not 32 bytes.
    case keyInvalid = "encryption_key_invalid"
    /// Two keys in the ring share an id, so tokens could not name their key unambiguously.
    case duplicateKeyID = "encryption_key_duplicate_id"
    /// A token names a key the ring does not hold (it was removed too early, or never loaded).
    case keyUnknown = "encryption_key_unknown"
    /// A token is malformed, was altered, or was moved to another context.
    case ciphertextInvalid = "ciphertext_invalid"
}

extension PanoramaError {
    /// A data-protection failure. All are `internal`: they mean the server's keys or stored data
    /// are wrong, never that the client sent something bad. Messages never carry key material.
    package static func dataProtection(_ code: DataProtectionErrorCode, _ message: String) -> PanoramaError {
        PanoramaError(.internal, code: code.rawValue, message: message)
    }
}

/// One master key for PII encryption, reduced at once to its two HKDF-SHA256 subkeys.
///
/// The raw master key is not kept: only the AES-256-GCM subkey (info "panorama field encryption v1")
/// and the blind-index HMAC subkey (info "panorama blind index v1") are. Using distinct subkeys means
/// the blind index, which is deterministic by design, reveals nothing about the cipher key.
/// Subkeys are held as bytes because `SymmetricKey` is not `Sendable`; each use wraps them again.
public struct MasterKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The id written into every token made with this key (1–16 characters of `a-z 0-9 _ -`).
    public let id: String
    /// The AES-256-GCM subkey.
    let fieldKeyBytes: [UInt8]
    /// The HMAC-SHA256 blind-index subkey.
    let blindKeyBytes: [UInt8]
    /// The HMAC-SHA256 subkey that derives the nonces of deterministic tokens (`FieldCipher.seal`).
    let nonceKeyBytes: [UInt8]

    /// The HKDF info string of the field-encryption subkey.
    static let fieldInfo = "panorama field encryption v1"
    /// The HKDF info string of the blind-index subkey.
    static let blindInfo = "panorama blind index v1"
    /// The HKDF info string of the deterministic-nonce subkey.
    static let nonceInfo = "panorama synthetic nonce v1"
    /// The length of a master key, in bytes.
    public static let byteCount = 32

    /// Creates a key from its id and its 32 bytes of material; fails with `encryption_key_invalid`.
    public init(id: String, bytes: [UInt8]) throws(PanoramaError) {
        guard Self.isValidID(id) else { throw KeyRing.invalidIDError(id: id, location: nil) }
        guard bytes.count == Self.byteCount else {
            throw .dataProtection(
                .keyInvalid,
                "加密密钥 \(id) 的长度是 \(bytes.count) 字节，应为 32 字节；请用 `panorama keys generate` 生成新密钥。"
                    + " / Encryption key \(id) is \(bytes.count) bytes long, not 32;"
                    + " generate a new one with `panorama keys generate`.")
        }
        let material = SymmetricKey(data: bytes)
        self.id = id
        fieldKeyBytes = Self.derive(material, info: Self.fieldInfo)
        blindKeyBytes = Self.derive(material, info: Self.blindInfo)
        nonceKeyBytes = Self.derive(material, info: Self.nonceInfo)
        wrapped = WrappedKeys(
            field: SymmetricKey(data: fieldKeyBytes), blind: SymmetricKey(data: blindKeyBytes),
            nonce: SymmetricKey(data: nonceKeyBytes))
    }

    /// A fresh random key, for tests and for `KeyRing.generateKeyLine(id:)`.
    public static func random(id: String) throws(PanoramaError) -> MasterKey {
        try MasterKey(id: id, bytes: randomBytes())
    }

    /// The subkeys wrapped once for swift-crypto (every token sealed or opened uses them).
    private let wrapped: WrappedKeys

    /// The AES-256-GCM subkey, wrapped for swift-crypto.
    var fieldKey: SymmetricKey { wrapped.field }
    /// The HMAC-SHA256 blind-index subkey, wrapped for swift-crypto.
    var blindKey: SymmetricKey { wrapped.blind }
    /// The deterministic-nonce subkey, wrapped for swift-crypto.
    var nonceKey: SymmetricKey { wrapped.nonce }

    /// `SymmetricKey` is immutable but not declared `Sendable`; these are never changed after init.
    private struct WrappedKeys: @unchecked Sendable {
        let field: SymmetricKey
        let blind: SymmetricKey
        let nonce: SymmetricKey
    }

    /// Only the id, so that logging or dumping a key never prints its material.
    public var description: String { "MasterKey(\(id))" }
    /// Only the id, as `description`.
    public var debugDescription: String { description }
    /// Only the id, so that `dump` and mirrors never reach the subkeys.
    public var customMirror: Mirror { Mirror(self, children: ["id": id]) }

    /// Whether `id` is 1–16 characters of `a-z 0-9 _ -` (it becomes part of every token).
    public static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...16).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// 32 bytes from the cryptographic random source.
    static func randomBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// A 32-byte HKDF-SHA256 subkey of `material` for the purpose named by `info` (no salt: the
    /// material is already uniformly random).
    private static func derive(_ material: SymmetricKey, info: String) -> [UInt8] {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: material, info: Array(info.utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
    }
}

/// The master keys for PII encryption: one primary key that encrypts, and older keys kept only to
/// decrypt (and re-encrypt) values written before a rotation.
///
/// Keys never come from the database, so a stolen database dump is not enough to read PII. They come
/// from the `PANORAMA_ENCRYPTION_KEYS` environment variable or from a key file, in this format:
///
///     # comments and blank lines are ignored; text after `#` on a line is a comment
///     k2025b:Q2hhbmdlIG1lIQ...base64 of 32 bytes...=   # the first key is the primary
///     k2025a:b2xkZXIga2V5IGtl...=                      # older keys follow
///
/// In the environment variable, keys may also be separated by commas, since multi-line variables are
/// awkward in many deployment tools. To rotate: generate a key, put its line first, restart, run the
/// re-encryption sweep (see `FieldCipher.needsRotation`), then remove the old line.
public struct KeyRing: Sendable {
    /// The name of the environment variable that holds the key lines.
    public static let environmentVariable = "PANORAMA_ENCRYPTION_KEYS"

    /// The key that encrypts new values.
    public let primary: MasterKey
    /// Keys kept for decryption during a rotation, in the order they were listed.
    public let older: [MasterKey]
    /// True when the key file was readable by its group or by others: the ring still loads, but the
    /// caller should warn the operator (`chmod 600`).
    public let looseFilePermissions: Bool

    /// Creates a ring from keys already in memory; fails with `encryption_key_duplicate_id`.
    public init(primary: MasterKey, older: [MasterKey] = []) throws(PanoramaError) {
        try self.init(primary: primary, older: older, looseFilePermissions: false, source: "key ring")
    }

    /// Creates a ring, naming `source` in errors.
    private init(primary: MasterKey, older: [MasterKey], looseFilePermissions: Bool, source: String)
        throws(PanoramaError)
    {
        var seen: Set<String> = []
        for key in [primary] + older where !seen.insert(key.id).inserted {
            throw .dataProtection(
                .duplicateKeyID,
                "\(source) 中有两个密钥使用了同一个 id「\(key.id)」；每个密钥的 id 必须唯一，请给新密钥换一个 id。"
                    + " / Two keys in \(source) share the id \"\(key.id)\"; key ids must be unique,"
                    + " so give the newer key another id.")
        }
        self.primary = primary
        self.older = older
        self.looseFilePermissions = looseFilePermissions
    }

    /// Every key, primary first.
    public var keys: [MasterKey] { [primary] + older }

    /// The key with this id, if the ring holds it.
    public func key(id: String) -> MasterKey? {
        if primary.id == id { return primary }
        return older.first { $0.id == id }
    }

    /// Loads the ring from `PANORAMA_ENCRYPTION_KEYS` in `environment` (the caller passes the process
    /// environment, read once at the edge). Fails with `encryption_keys_missing` when it is unset or
    /// empty, and with `encryption_key_invalid` / `encryption_key_duplicate_id` on bad lines.
    public static func load(environment: [String: String]) throws(PanoramaError) -> KeyRing {
        let source = environmentVariable
        guard let text = environment[source] else { throw missingError(source: source) }
        return try parse(text, source: source, allowCommas: true, looseFilePermissions: false)
    }

    /// Loads the ring from a key file. Fails with `encryption_key_file_unreadable` when the file cannot
    /// be read, and as `load(environment:)` on its content. A file readable by group or others still
    /// loads, with `looseFilePermissions` set.
    public static func load(fromFile path: String) throws(PanoramaError) -> KeyRing {
        let source = "key file \(path)"
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .dataProtection(
                .keyFileUnreadable,
                "无法读取加密密钥文件 \(path)；请确认路径正确，且运行 Panorama 的用户可以读取它（建议 chmod 600）。"
                    + " / Cannot read the encryption key file \(path); check the path and that the user running"
                    + " Panorama can read it (chmod 600 is recommended).")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .dataProtection(
                .keyFileUnreadable,
                "加密密钥文件 \(path) 不是 UTF-8 文本；每行应为 `keyid:base64`。"
                    + " / The encryption key file \(path) is not UTF-8 text; each line should read `keyid:base64`.")
        }
        return try parse(text, source: source, allowCommas: false, looseFilePermissions: isLoose(path))
    }

    /// A new key line `id:base64-of-32-random-bytes`, for `panorama keys generate`. Fails with
    /// `encryption_key_invalid` when `id` is not a valid key id.
    public static func generateKeyLine(id: String) throws(PanoramaError) -> String {
        guard MasterKey.isValidID(id) else { throw invalidIDError(id: id, location: nil) }
        return id + ":" + Data(MasterKey.randomBytes()).base64EncodedString()
    }

    /// Parses key lines; `allowCommas` also splits on commas (for the environment variable).
    static func parse(_ text: String, source: String, allowCommas: Bool, looseFilePermissions: Bool)
        throws(PanoramaError) -> KeyRing
    {
        var keys: [MasterKey] = []
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (offset, line) in lines.enumerated() {
            let content = line.prefix { $0 != "#" }
            let entries = allowCommas ? content.split(separator: ",") : [content]
            for entry in entries {
                let trimmed = entry.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                keys.append(try parseLine(trimmed, location: "\(source), line \(offset + 1)"))
            }
        }
        guard let primary = keys.first else { throw missingError(source: source) }
        return try KeyRing(
            primary: primary, older: Array(keys.dropFirst()), looseFilePermissions: looseFilePermissions,
            source: source)
    }

    /// One `keyid:base64` entry; `location` names it in errors (never its material).
    private static func parseLine(_ line: String, location: String) throws(PanoramaError) -> MasterKey {
        guard let colon = line.firstIndex(of: ":") else {
            throw .dataProtection(
                .keyInvalid,
                "\(location) 的格式不对：应为 `keyid:base64`；请用 `panorama keys generate` 生成密钥行。"
                    + " / \(location) is malformed: expected `keyid:base64`;"
                    + " generate key lines with `panorama keys generate`.")
        }
        let id = line[..<colon].trimmingCharacters(in: .whitespaces)
        let encoded = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard MasterKey.isValidID(id) else { throw invalidIDError(id: id, location: location) }
        guard let bytes = Data(base64Encoded: encoded), bytes.count == MasterKey.byteCount else {
            throw .dataProtection(
                .keyInvalid,
                "\(location)：密钥 \(id) 不是 32 字节的 base64 值；请用 `panorama keys generate` 重新生成。"
                    + " / \(location): key \(id) is not base64 of exactly 32 bytes;"
                    + " generate a new one with `panorama keys generate`.")
        }
        return try MasterKey(id: id, bytes: Array(bytes))
    }

    /// The error for a key id outside 1–16 characters of `a-z 0-9 _ -`.
    static func invalidIDError(id: String, location: String?) -> PanoramaError {
        let shown = String(id.prefix(32))
        let zh = location.map { "\($0)：" } ?? ""
        let en = location.map { "\($0): " } ?? ""
        return .dataProtection(
            .keyInvalid,
            "\(zh)密钥 id「\(shown)」无效：只能用 1–16 个小写字母、数字、_ 或 -。"
                + " / \(en)The key id \"\(shown)\" is invalid: use 1–16 characters of a-z, 0-9, _ or -.")
    }

    /// The error for a source that holds no key at all.
    private static func missingError(source: String) -> PanoramaError {
        .dataProtection(
            .keysMissing,
            "\(source) 中没有加密密钥；请用 `panorama keys generate` 生成一行并写入 \(environmentVariable) 或密钥文件。"
                + " / \(source) holds no encryption key; generate a line with `panorama keys generate` and put it"
                + " in \(environmentVariable) or in the key file.")
    }

    /// Whether the file (after following symbolic links, as mounted secrets usually are) grants any
    /// permission to its group or to others.
    private static func isLoose(_ path: String) -> Bool {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
        else { return false }
        return mode & 0o077 != 0
    }
}
