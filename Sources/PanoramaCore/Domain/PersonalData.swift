/// The kind of personal information a field holds, which decides how it is masked for principals
/// without `pii.view` and whether it is encrypted at rest.
public enum PIIKind: String, Codable, Sendable, Hashable, CaseIterable {
    case phone
    case email
    /// A resident identity card number (居民身份证号), 18 or the old 15 characters.
    case chineseID = "chinese_id"
    case name
    case address
    case other
}

/// Which identifier types and attribute names hold personal information.
///
/// Names are matched case-insensitively, with `-` and spaces read as `_`, against the names
/// Panorama and the Segment/RudderStack specs use (`phone`, `email`, `id_number`, `name`,
/// `first_name`, `address` …).
public enum PersonalData {
    /// The kind of a field name, nil when it is not personal information (`user_id`, `plan`).
    public static func kind(ofName name: String) -> PIIKind? {
        if let kind = kinds[name] { return kind }
        // ASCII letters folded, `-` and space read as `_`, in one pass over the bytes (this runs for
        // every key of every document the store writes, so no Foundation string calls).
        var folded = [UInt8]()
        folded.reserveCapacity(name.utf8.count)
        var changed = false
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                folded.append(byte + 32)
                changed = true
            case UInt8(ascii: "-"), UInt8(ascii: " "):
                folded.append(UInt8(ascii: "_"))
                changed = true
            default:
                folded.append(byte)
            }
        }
        return changed ? kinds[String(decoding: folded, as: UTF8.self)] : nil
    }

    private static let kinds: [String: PIIKind] = {
        var map: [String: PIIKind] = [:]
        for n in ["phone", "mobile", "phone_number", "mobile_phone", "tel", "telephone", "手机", "手机号", "电话"] {
            map[n] = .phone
        }
        for n in ["email", "e_mail", "mail", "email_address", "邮箱"] { map[n] = .email }
        for n in ["id_number", "id_card", "chinese_id", "national_id", "identity_card", "身份证", "身份证号"] {
            map[n] = .chineseID
        }
        for n in ["name", "first_name", "last_name", "full_name", "firstname", "lastname", "real_name", "姓名"] {
            map[n] = .name
        }
        for n in ["address", "street", "address_line1", "address_line2", "shipping_address", "billing_address", "地址"]
        {
            map[n] = .address
        }
        return map
    }()
}
