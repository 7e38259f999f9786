/// Canonicalizes identifier and contact values before they are stored or matched, so that
/// e.g. `"Alice@Example.COM "` and `"alice@example.com"`, or `"138 0013 8000"` and `"+86 13800138000"`,
/// resolve to the same profile.
///
/// All functions are pure (no I/O, no shared state), safe to call from any thread, and avoid regexes
/// and Foundation formatters because they run for every ingested message. Failures throw a
/// `NormalizationError` whose `code` is one of `invalid_email`, `invalid_phone`, `invalid_identifier`
/// or `invalid_id_number`.
public enum Normalizer {
    /// Maximum UTF-8 length of a generic identifier value.
    static let maxIdentifierBytes = 255

    /// Normalizes an identifier value according to its identifier type name.
    ///
    /// `"email"` → `email(_:)`, `"phone"` → `phone(_:defaultCountryCode:)` (China default),
    /// `"wechat_unionid"` / `"wechat_openid"` → `wechatID(_:)`, `"device_id"` → `deviceID(_:)`,
    /// `"id_number"` → `chineseIDNumber(_:)`; any other type (`user_id`, `anonymous_id`, `crm_id`, …)
    /// → `identifier(_:)`. Type names are matched exactly.
    public static func normalize(type: String, value: String) throws(NormalizationError) -> String {
        switch type {
        case "email":
            return try email(value)
        case "phone":
            return try phone(value)
        case "wechat_unionid", "wechat_openid":
            return try wechatID(value)
        case "device_id":
            return try deviceID(value)
        case "id_number":
            return try chineseIDNumber(value)
        default:
            return try identifier(value)
        }
    }

    // MARK: - Generic identifiers

    /// Normalizes a generic identifier value (`user_id`, `anonymous_id`, custom types such as `crm_id`).
    ///
    /// Trims Unicode whitespace (including U+3000 and NBSP) at both ends and preserves case and inner
    /// content. Throws `invalid_identifier` when the result is empty, contains control characters,
    /// or is longer than 255 UTF-8 bytes.
    public static func identifier(_ raw: String) throws(NormalizationError) -> String {
        let trimmed = NormalizationText.trim(raw)
        if trimmed.isEmpty {
            throw .invalidIdentifier("identifier is empty; expected a non-blank value such as 'user-42'")
        }
        var bytes = 0
        for scalar in trimmed {
            if NormalizationText.isControl(scalar) {
                throw .invalidIdentifier(
                    "identifier \(NormalizationText.quoted(raw)) contains control character "
                        + "\(NormalizationText.quoted(scalar)); expected printable text")
            }
            bytes += NormalizationText.utf8Width(scalar)
        }
        if bytes > maxIdentifierBytes {
            throw .invalidIdentifier(
                "identifier \(NormalizationText.quoted(raw)) is \(bytes) bytes long; "
                    + "expected at most \(maxIdentifierBytes) UTF-8 bytes")
        }
        return NormalizationText.trimmedString(raw)
    }

    /// Normalizes a WeChat `unionid` or `openid`.
    ///
    /// Trims surrounding whitespace; the value must then be 6–64 characters of `[A-Za-z0-9_-]`
    /// (e.g. `"oWx1a5Gd8hZ7xYz-Q_3kLm9Pq2Rs"`). Case is preserved because WeChat ids are case-sensitive.
    /// Throws `invalid_identifier` otherwise.
    public static func wechatID(_ raw: String) throws(NormalizationError) -> String {
        let trimmed = NormalizationText.trim(raw)
        var count = 0
        for scalar in trimmed {
            let value = scalar.value
            let allowed =
                (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x30 && value <= 0x39) || value == 0x5F || value == 0x2D
            if !allowed {
                throw .invalidIdentifier(
                    "WeChat id \(NormalizationText.quoted(raw)) contains invalid character "
                        + "\(NormalizationText.quoted(scalar)); expected 6-64 characters of A-Z, a-z, 0-9, '_' or '-'")
            }
            count += 1
        }
        if count < 6 || count > 64 {
            throw .invalidIdentifier(
                "WeChat id \(NormalizationText.quoted(raw)) has \(count) characters; "
                    + "expected 6-64 characters of A-Z, a-z, 0-9, '_' or '-'")
        }
        return NormalizationText.trimmedString(raw)
    }

    /// Normalizes a device identifier (IDFA, IDFV, Android id, IMEI, OAID, …).
    ///
    /// Applies the `identifier(_:)` rules; a UUID (8-4-4-4-12 hex digits, as IDFA/IDFV) is lower-cased
    /// because UUIDs are case-insensitive. Values made only of zeros and dashes (the all-zero IDFA that iOS
    /// reports when tracking is limited, a zeroed IMEI) are rejected with `invalid_identifier`: they are
    /// shared placeholders, and accepting them would merge unrelated people into one profile.
    public static func deviceID(_ raw: String) throws(NormalizationError) -> String {
        let value = try identifier(raw)
        var utf8 = Array(value.utf8)
        var onlyZeros = true
        for byte in utf8 where byte != 0x30 && byte != 0x2D {
            onlyZeros = false
            break
        }
        if onlyZeros && utf8.contains(0x30) {
            throw .invalidIdentifier(
                "device id \(NormalizationText.quoted(raw)) is an all-zero placeholder (e.g. the IDFA of a device "
                    + "with limited ad tracking) and cannot identify a device; omit it instead")
        }
        guard isUUID(utf8) else { return value }
        var changed = false
        for index in utf8.indices where utf8[index] >= 0x41 && utf8[index] <= 0x46 {
            utf8[index] += 0x20
            changed = true
        }
        return changed ? NormalizationText.ascii(utf8) : value
    }

    /// Whether `bytes` is a textual UUID: 8-4-4-4-12 hexadecimal digits separated by dashes.
    static func isUUID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == 0x2D else { return false }
            } else {
                let isHex =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
                guard isHex else { return false }
            }
        }
        return true
    }
}
