extension Normalizer {
    /// Normalizes an email address.
    ///
    /// Trims Unicode whitespace (including U+3000 and NBSP), converts full-width ASCII (`＠`, `．`, `Ａ`…)
    /// and ideographic full stops (`。`, `｡`) to ASCII, and lower-cases the whole address
    /// (`"Alice.X@Example.COM "` → `"alice.x@example.com"`).
    ///
    /// The result must contain exactly one `@`; a local part of 1–64 bytes made of letters, digits,
    /// ``!#$%&'*+/=?^_`{|}~-`` and non-leading, non-trailing, non-consecutive dots; a domain of at least two
    /// dot-separated labels of `[a-z0-9-]` (Unicode letters and digits allowed for IDN), each 1–63 bytes and not
    /// starting or ending with `-`, with a top-level label that is not all digits; no whitespace or control
    /// characters; at most 254 bytes overall. Unicode letters are also accepted in the local part
    /// (internationalized addresses). Throws `invalid_email` otherwise.
    public static func email(_ raw: String) throws(NormalizationError) -> String {
        let trimmed = NormalizationText.trim(raw)
        if trimmed.isEmpty {
            throw .invalidEmail("email is empty; expected e.g. alice@example.com")
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(raw.utf8.count)
        var atIndex: Int?
        var isASCII = true
        for original in trimmed {
            var scalar = NormalizationText.foldWidth(original)
            if scalar.value == 0x3002 || scalar.value == 0xFF61 {
                scalar = "."
            }
            let value = scalar.value
            if value < 0x80 {
                if value <= 0x20 || value == 0x7F {
                    throw whitespaceOrControl(raw, scalar)
                }
                if value == 0x40 {
                    if atIndex != nil {
                        throw .invalidEmail(
                            "email \(NormalizationText.quoted(raw)) contains more than one '@'; "
                                + "expected exactly one, e.g. alice@example.com")
                    }
                    atIndex = out.count
                }
                out.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
                continue
            }
            isASCII = false
            if NormalizationText.isBlank(scalar) || NormalizationText.isControl(scalar) {
                throw whitespaceOrControl(raw, scalar)
            }
            let properties = scalar.properties
            if properties.changesWhenLowercased {
                out.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        guard let at = atIndex else {
            throw .invalidEmail("email \(NormalizationText.quoted(raw)) has no '@'; expected e.g. alice@example.com")
        }
        let localBytes = try validateEmailLocalPart(out[..<at], raw: raw)
        let domainBytes = try validateEmailDomain(out[(at + 1)...], raw: raw)
        let total = localBytes + 1 + domainBytes
        if total > 254 {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) is \(total) bytes long; expected at most 254 bytes")
        }
        if isASCII {
            return NormalizationText.ascii(out.map { UInt8($0.value) })
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: out)
        return String(view)
    }

    private static func whitespaceOrControl(_ raw: String, _ scalar: Unicode.Scalar) -> NormalizationError {
        let what = NormalizationText.isControl(scalar) ? "a control character" : "whitespace"
        return .invalidEmail(
            "email \(NormalizationText.quoted(raw)) contains \(what) (\(NormalizationText.quoted(scalar))); "
                + "expected an address without spaces, e.g. alice@example.com")
    }

    /// Validates the part before `@`; returns its UTF-8 length.
    private static func validateEmailLocalPart(
        _ local: ArraySlice<Unicode.Scalar>, raw: String
    ) throws(NormalizationError) -> Int {
        if local.isEmpty {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) has nothing before '@'; expected e.g. alice@example.com")
        }
        var bytes = 0
        var previousWasDot = false
        for scalar in local {
            bytes += NormalizationText.utf8Width(scalar)
            if scalar == "." {
                if previousWasDot {
                    throw .invalidEmail(
                        "email \(NormalizationText.quoted(raw)) has consecutive dots before '@'; "
                            + "expected e.g. alice.x@example.com")
                }
                previousWasDot = true
                continue
            }
            previousWasDot = false
            if !isEmailLocalCharacter(scalar) {
                throw .invalidEmail(
                    "email \(NormalizationText.quoted(raw)) contains invalid character "
                        + "\(NormalizationText.quoted(scalar)) before '@'; expected letters, digits and . _ + - etc.")
            }
        }
        if local.first == "." || local.last == "." {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) has a dot at the start or end of the part before '@'; "
                    + "expected e.g. alice.x@example.com")
        }
        if bytes > 64 {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) has a \(bytes)-byte part before '@'; expected at most 64")
        }
        return bytes
    }

    /// Validates the part after `@`; returns its UTF-8 length.
    private static func validateEmailDomain(
        _ domain: ArraySlice<Unicode.Scalar>, raw: String
    ) throws(NormalizationError) -> Int {
        let expected = "expected a domain such as example.com"
        if domain.isEmpty {
            throw .invalidEmail("email \(NormalizationText.quoted(raw)) has nothing after '@'; \(expected)")
        }
        var bytes = 0
        var labels = 0
        var labelBytes = 0
        var labelAllDigits = true
        var previous: Unicode.Scalar = "."
        for scalar in domain {
            bytes += NormalizationText.utf8Width(scalar)
            if scalar == "." {
                if previous == "." {
                    throw .invalidEmail(
                        "email \(NormalizationText.quoted(raw)) has an empty label in its domain; \(expected)")
                }
                if previous == "-" {
                    throw hyphenAtLabelEdge(raw)
                }
                labels += 1
                labelBytes = 0
                labelAllDigits = true
                previous = scalar
                continue
            }
            if scalar == "-" {
                if previous == "." {
                    throw hyphenAtLabelEdge(raw)
                }
                labelAllDigits = false
            } else if scalar.value >= 0x30 && scalar.value <= 0x39 {
                // digit: keeps labelAllDigits as is
            } else if (scalar.value >= 0x61 && scalar.value <= 0x7A) || isUnicodeWordCharacter(scalar) {
                labelAllDigits = false
            } else {
                throw .invalidEmail(
                    "email \(NormalizationText.quoted(raw)) contains invalid character "
                        + "\(NormalizationText.quoted(scalar)) in its domain; \(expected)")
            }
            labelBytes += NormalizationText.utf8Width(scalar)
            if labelBytes > 63 {
                throw .invalidEmail(
                    "email \(NormalizationText.quoted(raw)) has a domain label longer than 63 bytes; \(expected)")
            }
            previous = scalar
        }
        if previous == "." {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) has an empty label in its domain; \(expected)")
        }
        if previous == "-" {
            throw hyphenAtLabelEdge(raw)
        }
        if labels == 0 {
            throw .invalidEmail("email \(NormalizationText.quoted(raw)) has no dot in its domain; \(expected)")
        }
        if labelAllDigits {
            throw .invalidEmail(
                "email \(NormalizationText.quoted(raw)) has a numeric top-level domain; \(expected)")
        }
        return bytes
    }

    private static func hyphenAtLabelEdge(_ raw: String) -> NormalizationError {
        .invalidEmail(
            "email \(NormalizationText.quoted(raw)) has a domain label starting or ending with '-'; "
                + "expected a domain such as example.com")
    }

    /// ASCII atext of RFC 5322 (lower-case only, since input is already lower-cased) or a Unicode letter/digit.
    private static func isEmailLocalCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value >= 0x80 {
            return isUnicodeWordCharacter(scalar)
        }
        if (value >= 0x61 && value <= 0x7A) || (value >= 0x30 && value <= 0x39) {
            return true
        }
        switch value {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60,
            0x7B, 0x7C, 0x7D, 0x7E:
            // ! # $ % & ' * + - / = ? ^ _ ` { | } ~
            return true
        default:
            return false
        }
    }

    /// A non-ASCII letter, combining mark or decimal digit (as allowed in IDN labels and EAI local parts).
    private static func isUnicodeWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x80 else { return false }
        let properties = scalar.properties
        if properties.isAlphabetic {
            return true
        }
        switch properties.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark:
            return true
        default:
            return false
        }
    }
}
