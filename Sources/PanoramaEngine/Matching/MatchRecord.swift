/// An attribute that duplicate detection compares. Records without a shared identifier are
/// matched on these; each is optional, and a missing value neither counts for nor against a match.
public enum MatchField: String, Codable, CaseIterable, Sendable, Hashable {
    case givenName
    case surname
    case birthDate
    case streetNumber
    case addressLine1
    case addressLine2
    /// Suburb, city or district.
    case city
    case postcode
    /// State or province.
    case state
    case phone
    case email
    /// National identity number (social security number, 身份证号 …).
    case nationalID

    /// Position of the field in `MatchRecord`'s value storage.
    var index: Int {
        switch self {
        case .givenName: 0
        case .surname: 1
        case .birthDate: 2
        case .streetNumber: 3
        case .addressLine1: 4
        case .addressLine2: 5
        case .city: 6
        case .postcode: 7
        case .state: 8
        case .phone: 9
        case .email: 10
        case .nationalID: 11
        }
    }

    /// How values of the field are normalized before they are compared.
    public var form: MatchNormalizer.Form {
        switch self {
        case .givenName, .surname, .addressLine1, .addressLine2, .city, .state: .text
        case .birthDate: .date
        case .streetNumber, .postcode, .nationalID: .alphanumeric
        case .phone: .digits
        case .email: .email
        }
    }
}

/// A customer record as the matching engine sees it: an id and normalized attributes.
///
/// Values are normalized when they are set (see `MatchNormalizer`); an empty result is stored as
/// nil, i.e. missing.
public struct MatchRecord: Sendable, Hashable {
    /// The customer (profile) id the record stands for.
    public var id: Int64
    private var values: [String?]

    /// A record with the given raw attributes, each normalized for comparison.
    public init(
        id: Int64, givenName: String? = nil, surname: String? = nil, birthDate: String? = nil,
        streetNumber: String? = nil, addressLine1: String? = nil, addressLine2: String? = nil, city: String? = nil,
        postcode: String? = nil, state: String? = nil, phone: String? = nil, email: String? = nil,
        nationalID: String? = nil
    ) {
        self.id = id
        self.values = Array(repeating: nil, count: MatchField.allCases.count)
        self[.givenName] = givenName
        self[.surname] = surname
        self[.birthDate] = birthDate
        self[.streetNumber] = streetNumber
        self[.addressLine1] = addressLine1
        self[.addressLine2] = addressLine2
        self[.city] = city
        self[.postcode] = postcode
        self[.state] = state
        self[.phone] = phone
        self[.email] = email
        self[.nationalID] = nationalID
    }

    /// The normalized value of `field`, nil when missing. Setting normalizes the new value.
    public subscript(field: MatchField) -> String? {
        get { values[field.index] }
        set { values[field.index] = newValue.flatMap { MatchNormalizer.normalize($0, as: field.form) } }
    }
}

/// Normalization for comparison: lower case, full-width ASCII folded, punctuation removed,
/// runs of blanks collapsed to one space, trimmed. Works scalar by scalar (no Foundation).
public enum MatchNormalizer {
    /// The kind of value, which decides what is kept.
    public enum Form: String, Codable, Sendable {
        /// Names and addresses: letters and digits of any script, words separated by one space.
        /// Apostrophes are dropped ("O'Brien" → "obrien"); other punctuation separates words.
        case text
        /// Identifiers: letters and digits only, lower case ("SW1A 1AA" → "sw1a1aa").
        case alphanumeric
        /// Phone numbers: the digits only.
        case digits
        /// E-mail addresses: trimmed and lower-cased, otherwise kept.
        case email
        /// Dates as `yyyymmdd` when they can be read as year, month, day ("1990-2-3" → "19900203");
        /// otherwise their digits.
        case date
    }

    /// `raw` normalized as `form`; nil when nothing remains.
    public static func normalize(_ raw: String, as form: Form) -> String? {
        var out = String.UnicodeScalarView()
        switch form {
        case .text:
            var pendingSpace = false
            for scalar in raw.unicodeScalars {
                let folded = fold(scalar)
                if isApostrophe(folded) { continue }
                if isWordScalar(folded) {
                    if pendingSpace && !out.isEmpty { out.append(" ") }
                    pendingSpace = false
                    appendLowercased(folded, to: &out)
                } else {
                    pendingSpace = true
                }
            }
        case .alphanumeric:
            for scalar in raw.unicodeScalars {
                let folded = fold(scalar)
                if isWordScalar(folded) { appendLowercased(folded, to: &out) }
            }
        case .digits:
            for scalar in raw.unicodeScalars {
                let folded = fold(scalar)
                if folded.value >= 0x30 && folded.value <= 0x39 { out.append(folded) }
            }
        case .email:
            var started = false
            var pendingBlank = String.UnicodeScalarView()
            for scalar in raw.unicodeScalars {
                let folded = fold(scalar)
                if folded.properties.isWhitespace {
                    if started { pendingBlank.append(folded) }
                    continue
                }
                out.append(contentsOf: pendingBlank)
                pendingBlank.removeAll()
                started = true
                appendLowercased(folded, to: &out)
            }
        case .date:
            return normalizeDate(raw)
        }
        return out.isEmpty ? nil : String(out)
    }

    /// Year, month and day read from digit groups ("1990-02-19", "1990/2/19", "19900219").
    private static func normalizeDate(_ raw: String) -> String? {
        var groups: [[UInt32]] = []
        var current: [UInt32] = []
        for scalar in raw.unicodeScalars {
            let folded = fold(scalar).value
            if folded >= 0x30 && folded <= 0x39 {
                current.append(folded)
            } else if !current.isEmpty {
                groups.append(current)
                current = []
            }
        }
        if !current.isEmpty { groups.append(current) }
        guard !groups.isEmpty else { return nil }
        var digits: [UInt32]
        if groups.count == 3 && groups[0].count == 4 && groups[1].count <= 2 && groups[2].count <= 2 {
            digits = groups[0]
            for group in groups[1...] {
                if group.count == 1 { digits.append(0x30) }
                digits.append(contentsOf: group)
            }
        } else {
            digits = groups.flatMap { $0 }
        }
        return String(String.UnicodeScalarView(digits.compactMap(Unicode.Scalar.init)))
    }

    /// Full-width ASCII variants (U+FF01–U+FF5E) mapped to ASCII, U+3000 to a space.
    private static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value >= 0xFF01 && value <= 0xFF5E, let ascii = Unicode.Scalar(value - 0xFEE0) { return ascii }
        if value == 0x3000 { return " " }
        return scalar
    }

    private static func isApostrophe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x27, 0x60, 0x2018, 0x2019, 0x02BC: true
        default: false
        }
    }

    /// Letters, marks and digits of any script.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark,
            .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    private static func appendLowercased(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let value = scalar.value
        if value < 0x80 {
            if value >= 0x41 && value <= 0x5A, let lower = Unicode.Scalar(value + 0x20) {
                out.append(lower)
            } else {
                out.append(scalar)
            }
        } else {
            out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
    }
}
