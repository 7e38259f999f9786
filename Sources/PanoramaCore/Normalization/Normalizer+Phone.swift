extension Normalizer {
    /// Normalizes a phone number to E.164 (`"+<country code><number>"`, digits only).
    ///
    /// Accepted formatting: spaces (incl. U+3000/NBSP), `-`, `.`, `/`, parentheses, Unicode dashes, full-width
    /// characters (`１３８…`, `＋`, `（）`) and other Unicode decimal digits. A `+` may appear once, before the
    /// first digit (`"(+86)13800138000"` is fine).
    ///
    /// - `+<cc>…` or `00<cc>…`: international; kept as is after removing a `(0)` trunk marker
    ///   (`"+44 (0)20 7946 0958"`), and validated to 8–15 digits in total with a country code not starting with 0.
    ///   `+1` numbers (NANP) must have 10 digits after the country code with an area code starting 2–9.
    /// - `+86` / `0086` / a bare `86` prefix, or no prefix with the default country 86: Chinese numbers only —
    ///   an 11-digit mobile `1[3-9]…` (`"138 0013 8000"` → `"+8613800138000"`), or a landline written with
    ///   trunk `0` (omitted after `+86`), a 2–3 digit area code and a 7–8 digit subscriber number
    ///   (`"010-12345678"` → `"+861012345678"`, `"0755 8888 8888"` → `"+8675588888888"`).
    /// - Other `defaultCountryCode` values: a single leading trunk `0` is dropped (kept for Italy, San Marino,
    ///   Vatican) and the country code is prepended; for `"1"`, 10 digits or `1` + 10 digits.
    ///
    /// Extensions (`ext`, `x`, `转`, `#`, `,`), letters and any other character are rejected, as are numbers of
    /// the wrong length. Throws `invalid_phone`; an unusable `defaultCountryCode` (not 1–3 digits, optionally
    /// prefixed by `+`) also throws `invalid_phone`.
    public static func phone(_ raw: String, defaultCountryCode: String = "86") throws(NormalizationError) -> String {
        let country = try parseCountryCode(defaultCountryCode)
        let trimmed = NormalizationText.trim(raw)
        if trimmed.isEmpty {
            throw .invalidPhone("phone is empty; expected e.g. +8613800138000")
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var hasPlus = false
        var parenthesisStart: Int?
        var trunkZeroIndex: Int?
        for original in trimmed {
            let scalar = NormalizationText.foldWidth(original)
            if let digit = NormalizationText.decimalDigit(scalar) {
                digits.append(digit)
                if digits.count > 20 {
                    throw .invalidPhone(
                        "phone \(NormalizationText.quoted(raw)) has too many digits; "
                            + "expected at most 15 including the country code, e.g. +8613800138000")
                }
                continue
            }
            switch scalar.value {
            case 0x2B:  // +
                if hasPlus || !digits.isEmpty {
                    throw .invalidPhone(
                        "phone \(NormalizationText.quoted(raw)) has a '+' that is not at the start; "
                            + "expected a single leading '+' before the country code, e.g. +8613800138000")
                }
                hasPlus = true
            case 0x28:  // (
                parenthesisStart = digits.count
            case 0x29:  // )
                // "(0)" right after the country code is the trunk prefix, as in "+44 (0)20 7946 0958".
                if let start = parenthesisStart, start > 0, digits.count == start + 1, digits[start] == 0 {
                    trunkZeroIndex = start
                }
                parenthesisStart = nil
            case 0x2D, 0x2E, 0x2F, 0x2010...0x2015, 0x2212, 0x30FB:
                // - . / and Unicode hyphens, dashes, minus sign, katakana middle dot: separators.
                continue
            default:
                if NormalizationText.isBlank(scalar) {
                    continue
                }
                throw invalidPhoneCharacter(raw, scalar)
            }
        }
        if digits.isEmpty {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) has no digits; expected e.g. +8613800138000")
        }
        if hasPlus {
            return try internationalPhone(digits, trunkZeroIndex: trunkZeroIndex, raw: raw)
        }
        if digits.count > 2 && digits[0] == 0 && digits[1] == 0 {
            // "00" international call prefix.
            return try internationalPhone(
                Array(digits.dropFirst(2)), trunkZeroIndex: trunkZeroIndex.map { $0 - 2 }, raw: raw)
        }
        if country == [8, 6] {
            return try domesticChinesePhone(digits, raw: raw)
        }
        return try domesticPhone(digits, country: country, raw: raw)
    }

    /// The default country calling code as digits; accepts an optional leading "+".
    private static func parseCountryCode(_ code: String) throws(NormalizationError) -> [UInt8] {
        if code == "86" {
            return [8, 6]
        }
        var digits: [UInt8] = []
        for (offset, byte) in code.utf8.enumerated() {
            if offset == 0 && byte == 0x2B {
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else {
                digits = []
                break
            }
            digits.append(byte - 0x30)
        }
        guard (1...3).contains(digits.count), digits[0] != 0 else {
            throw .invalidPhone(
                "default country code \(NormalizationText.quoted(code)) is not valid; expected 1-3 digits such as 86")
        }
        return digits
    }

    private static func invalidPhoneCharacter(_ raw: String, _ scalar: Unicode.Scalar) -> NormalizationError {
        let expected = "expected digits with an optional leading +country code, e.g. +8613800138000"
        switch scalar.value {
        case 0x23, 0x2C, 0x3B, 0x2A, 0x78, 0x58, 0x65, 0x45, 0x8F6C, 0x8F49, 0x5206:
            // # , ; * x X e E 转 轉 分 (ext / 转 / 分机 / pause / DTMF markers)
            return .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) contains \(NormalizationText.quoted(scalar)), "
                    + "which looks like an extension; extensions are not supported; \(expected)")
        default:
            return .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) contains invalid character "
                    + "\(NormalizationText.quoted(scalar)); \(expected)")
        }
    }

    /// `digits` begin with a country code (the "+" or "00" has been removed).
    private static func internationalPhone(
        _ digits: [UInt8], trunkZeroIndex: Int?, raw: String
    ) throws(NormalizationError) -> String {
        var digits = digits
        if let index = trunkZeroIndex, index > 0, index < digits.count {
            digits.remove(at: index)
        }
        guard let first = digits.first, first != 0 else {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) has a country code starting with 0; "
                    + "expected e.g. +8613800138000 or 0044 20 7946 0958")
        }
        if digits.count >= 2 && digits[0] == 8 && digits[1] == 6 {
            var national = digits[2...]
            if national.first == 0 {
                national = national.dropFirst()
            }
            return try chinesePhone(national, raw: raw)
        }
        if first == 1 {
            // North American Numbering Plan: +1 NPA NXX XXXX.
            guard digits.count == 11, digits[1] >= 2 else {
                throw .invalidPhone(
                    "phone \(NormalizationText.quoted(raw)) is not a valid +1 number; "
                        + "expected 10 digits after +1 with an area code starting 2-9, e.g. +1 415 555 2671")
            }
            return e164(digits)
        }
        guard (8...15).contains(digits.count) else {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) has \(digits.count) digits; "
                    + "expected 8-15 digits including the country code, e.g. +442079460958")
        }
        return e164(digits)
    }

    /// No international prefix, default country China.
    private static func domesticChinesePhone(_ digits: [UInt8], raw: String) throws(NormalizationError) -> String {
        if isChineseMobile(digits[...]) {
            return e164(country: [8, 6], national: digits[...])
        }
        if digits[0] == 0 {
            return try chinesePhone(digits.dropFirst(), raw: raw)
        }
        if digits.count >= 11 && digits[0] == 8 && digits[1] == 6 {
            // "86" country code written without "+" or "00", e.g. "8613800138000".
            var national = digits[2...]
            if national.first == 0 {
                national = national.dropFirst()
            }
            return try chinesePhone(national, raw: raw)
        }
        return try chinesePhone(digits[...], raw: raw, hasTrunkPrefix: false)
    }

    /// No international prefix, a default country other than China.
    private static func domesticPhone(
        _ digits: [UInt8], country: [UInt8], raw: String
    ) throws(NormalizationError) -> String {
        if country == [1] {
            // NANP: 10-digit national number, optionally preceded by the trunk/country digit 1.
            let national = digits.count == 11 && digits[0] == 1 ? digits.dropFirst() : digits[...]
            return try internationalPhone([1] + national, trunkZeroIndex: nil, raw: raw)
        }
        var national = digits[...]
        // Italy, San Marino and Vatican keep the leading 0 after the country code.
        let keepsLeadingZero = country == [3, 9] || country == [3, 7, 8] || country == [3, 7, 9]
        if national.first == 0 && !keepsLeadingZero {
            national = national.dropFirst()
        }
        guard let first = national.first, first != 0 || keepsLeadingZero else {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) is not a valid number; "
                    + "expected a national number or +country code, e.g. +442079460958")
        }
        return try internationalPhone(country + national, trunkZeroIndex: nil, raw: raw)
    }

    /// An 11-digit Chinese mobile number: 1[3-9] followed by 9 digits.
    private static func isChineseMobile(_ national: ArraySlice<UInt8>) -> Bool {
        national.count == 11 && national.first == 1 && national[national.startIndex + 1] >= 3
    }

    /// Validates a Chinese national significant number (without the trunk 0) and returns its E.164 form.
    private static func chinesePhone(
        _ national: ArraySlice<UInt8>, raw: String, hasTrunkPrefix: Bool = true
    ) throws(NormalizationError) -> String {
        let expected =
            "expected an 11-digit mobile starting with 13-19 (e.g. 13800138000), a landline with area code "
            + "(e.g. 010-12345678), or +country code for other countries"
        if isChineseMobile(national) {
            return e164(country: [8, 6], national: national)
        }
        guard let first = national.first else {
            throw .invalidPhone("phone \(NormalizationText.quoted(raw)) is not a valid Chinese number; \(expected)")
        }
        let second = national.count > 1 ? national[national.startIndex + 1] : 0
        if first == 1 && second != 0 {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) is not a valid Chinese mobile number "
                    + "(\(national.count) digits); \(expected)")
        }
        if !hasTrunkPrefix {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) is not a valid Chinese number (landlines need the "
                    + "0 + area code prefix); \(expected)")
        }
        // Area codes: 10 and 20-29 have two digits, all others (3xx-9xx) three.
        let areaLength = first <= 2 ? 2 : 3
        let subscriber = national.dropFirst(areaLength)
        guard first != 0, (7...8).contains(subscriber.count), subscriber.first != 0 else {
            throw .invalidPhone(
                "phone \(NormalizationText.quoted(raw)) is not a valid Chinese landline number; \(expected)")
        }
        return e164(country: [8, 6], national: national)
    }

    private static func e164(country: [UInt8], national: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = [0x2B]
        bytes.reserveCapacity(1 + country.count + national.count)
        for digit in country {
            bytes.append(digit + 0x30)
        }
        for digit in national {
            bytes.append(digit + 0x30)
        }
        return NormalizationText.ascii(bytes)
    }

    private static func e164(_ digits: [UInt8]) -> String {
        e164(country: [], national: digits[...])
    }
}
