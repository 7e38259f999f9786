extension Normalizer {
    /// GB 11643-1999 weights for the first 17 characters of a resident ID number.
    static let idNumberWeights: [Int] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// Check character for each `(weighted sum) mod 11`.
    static let idNumberCheckCharacters: [UInt8] = Array("10X98765432".utf8)

    /// Normalizes a Chinese mainland resident identity card number (居民身份证号码).
    ///
    /// Trims surrounding whitespace, accepts full-width digits and `Ｘ`, ignores inner spaces
    /// (`"110105 19491231 002x"`), and upper-cases the check character `x` → `X`. An 18-character number must
    /// have 17 digits (the first not 0), a valid birth date `YYYYMMDD` in positions 7–14 (years 1800–2099,
    /// Gregorian leap years), and the GB 11643 check character (weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2,
    /// check characters `"10X98765432"`). A 15-digit legacy number (birth date `YYMMDD` in 19xx) is converted
    /// to 18 characters by inserting `"19"` before the year and appending the computed check character.
    /// Throws `invalid_id_number`; messages never repeat the number itself since it is sensitive personal data.
    public static func chineseIDNumber(_ raw: String) throws(NormalizationError) -> String {
        var chars: [UInt8] = []
        chars.reserveCapacity(18)
        for original in NormalizationText.trim(raw) {
            let scalar = NormalizationText.foldWidth(original)
            let value = scalar.value
            if value >= 0x30 && value <= 0x39 {
                chars.append(UInt8(value))
            } else if value == 0x58 || value == 0x78 {
                chars.append(0x58)
            } else if NormalizationText.isBlank(scalar) {
                continue
            } else {
                throw .invalidIDNumber(
                    "ID number contains invalid character \(NormalizationText.quoted(scalar)); "
                        + "expected 18 characters: 17 digits and a final digit or X")
            }
            if chars.count > 18 {
                throw idNumberLength(chars.count)
            }
        }
        if let xIndex = chars.firstIndex(of: 0x58), xIndex != 17 {
            throw .invalidIDNumber(
                "ID number has 'X' at position \(xIndex + 1); 'X' is only allowed as the 18th (check) character")
        }
        switch chars.count {
        case 18:
            try validateIDNumberBody(chars[..<17])
            let expected = idNumberCheckCharacter(chars[..<17])
            if chars[17] != expected {
                throw .invalidIDNumber(
                    "ID number fails the GB 11643 checksum (the 18th character does not match the first 17); "
                        + "check for a mistyped digit")
            }
            return NormalizationText.ascii(chars)
        case 15:
            var converted: [UInt8] = Array(chars[..<6])
            converted.reserveCapacity(18)
            converted.append(contentsOf: [0x31, 0x39])  // "19"
            converted.append(contentsOf: chars[6...])
            try validateIDNumberBody(converted[...])
            converted.append(idNumberCheckCharacter(converted[...]))
            return NormalizationText.ascii(converted)
        default:
            throw idNumberLength(chars.count)
        }
    }

    private static func idNumberLength(_ count: Int) -> NormalizationError {
        .invalidIDNumber(
            "ID number has \(count) characters; expected 18 (17 digits and a digit or X) or a 15-digit legacy number")
    }

    /// Validates the 17 leading ASCII digits: region code not starting with 0 and a real birth date.
    private static func validateIDNumberBody(_ body: ArraySlice<UInt8>) throws(NormalizationError) {
        let start = body.startIndex
        if body[start] == 0x30 {
            throw .invalidIDNumber("ID number starts with 0; expected a 6-digit region code such as 110105")
        }
        func number(_ offset: Int, _ length: Int) -> Int {
            var result = 0
            for index in (start + offset)..<(start + offset + length) {
                result = result * 10 + Int(body[index] - 0x30)
            }
            return result
        }
        let year = number(6, 4)
        let month = number(10, 2)
        let day = number(12, 2)
        guard (1800...2099).contains(year), (1...12).contains(month),
            (1...daysInMonth(month, year: year)).contains(day)
        else {
            throw .invalidIDNumber(
                "ID number has an invalid birth date in positions 7-14; expected a real date YYYYMMDD such as 19491231")
        }
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    /// The GB 11643 check character for 17 ASCII digits.
    static func idNumberCheckCharacter(_ body: ArraySlice<UInt8>) -> UInt8 {
        var sum = 0
        for (offset, digit) in body.enumerated() {
            sum += Int(digit - 0x30) * idNumberWeights[offset]
        }
        return idNumberCheckCharacters[sum % 11]
    }
}
