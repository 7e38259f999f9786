import Foundation
import PanoramaCore

/// Field-level masking of personal information for roles without the permission to see it in
/// clear: `13812348000` → `138****8000`, `张三` → `张*`, `alice@example.com` → `a***@example.com`.
///
/// The result keeps just enough to recognise a record (a prefix, the last digits, the city).
/// Mobile numbers follow the display every Chinese app uses (7 of 11 digits shown); any other
/// number shows at most half of its digits. Values are handled as Characters,
/// so no multi-byte character or emoji is ever split; surrounding whitespace is dropped and an
/// empty or blank value masks to "". Full-width digits (`１３８…`) count as digits.
public enum Masking {
    /// The masked form of a value of the given kind.
    public static func mask(_ value: String, as kind: PIIKind) -> String {
        let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return "" }
        switch kind {
        case .phone: return phone(value)
        case .email: return email(value)
        case .chineseID: return chineseID(value)
        case .name: return name(value)
        case .address: return address(value)
        case .other: return other(value)
        }
    }

    // MARK: Phone

    /// Country codes under which a mainland mobile number is recognised, longest first.
    private static let chinaCallingCodes = ["0086", "86"]

    /// A mainland mobile (11 digits) as `138****8000`, after `+86 ` / `86 ` when it had one;
    /// any other number keeps at most its first 3 and last 2 digits and never more than half.
    ///
    /// Separators are dropped; a leading `+` is kept. Without any digit it is masked as `other`.
    static func phone(_ value: String) -> String {
        let characters = value.map(halfWidth)
        let digits = String(characters.filter(isASCIIDigit))
        guard !digits.isEmpty else { return other(value) }
        let plus = characters.first == "+"
        if isMainlandMobile(digits[...]) { return maskedMobile(digits[...]) }
        for code in chinaCallingCodes where digits.hasPrefix(code) {
            let national = digits.dropFirst(code.count)
            if isMainlandMobile(national) { return (plus ? "+" : "") + code + " " + maskedMobile(national) }
        }
        let revealed = digits.count / 2
        let tail = min(2, revealed / 2)
        let head = min(3, revealed - tail)
        let masked = String(digits.prefix(head)) + stars(digits.count - head - tail) + String(digits.suffix(tail))
        return (plus ? "+" : "") + masked
    }

    /// Whether the digits are a mainland mobile number: 11 digits, `1` then `3`–`9`.
    private static func isMainlandMobile(_ digits: Substring) -> Bool {
        guard digits.count == 11, digits.first == "1", let second = digits.dropFirst().first else { return false }
        return ("3"..."9").contains(second)
    }

    /// The common display of a masked mobile number: first 3, four stars, last 4.
    private static func maskedMobile(_ digits: Substring) -> String {
        String(digits.prefix(3)) + "****" + String(digits.suffix(4))
    }

    // MARK: Identity card

    /// An 18-character ID as the first 3, 11 stars and the last 4 (`110***********1234`); a
    /// 15-digit one as the first 3, 9 stars and the last 3. Anything else is masked as `other`.
    static func chineseID(_ value: String) -> String {
        let characters = value.map(halfWidth).filter { !$0.isWhitespace }
        let checkIsValid = characters.last.map { isASCIIDigit($0) || $0 == "X" || $0 == "x" } ?? false
        if characters.count == 18, characters.dropLast().allSatisfy(isASCIIDigit), checkIsValid {
            return String(characters.prefix(3)) + stars(11) + String(characters.suffix(4)).uppercased()
        }
        if characters.count == 15, characters.allSatisfy(isASCIIDigit) {
            return String(characters.prefix(3)) + stars(9) + String(characters.suffix(3))
        }
        return other(value)
    }

    // MARK: Email

    /// The first character of the local part, `***`, and the domain: `a***@example.com`.
    /// Without an `@` followed by a domain it is masked as `other`.
    static func email(_ value: String) -> String {
        guard let at = value.lastIndex(of: "@") ?? value.lastIndex(of: "＠") else { return other(value) }
        let domain = value[value.index(after: at)...]
        guard !domain.isEmpty else { return other(value) }
        return (value[..<at].first.map { String($0) } ?? "") + "***@" + String(domain)
    }

    // MARK: Name

    /// Two-character surnames common enough that hiding their second character would misstate
    /// the family name.
    private static let compoundSurnames: Set<String> = [
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
    ]

    /// Separators inside transliterated names (`阿卜杜·热合曼`) that carry no information.
    private static let nameSeparators: Set<Character> = ["·", "•", "・"]

    /// A Chinese name keeps its surname (`张*`, `欧阳**`); a Latin name keeps each word's
    /// initial (`A**** S****`). A single character becomes `*`.
    static func name(_ value: String) -> String {
        guard value.count > 1 else { return "*" }
        if let first = value.first, isHan(first) {
            let characters = Array(value.filter { !$0.isWhitespace })
            let surname =
                characters.count > 2 && compoundSurnames.contains(String(characters.prefix(2))) ? 2 : 1
            let given = characters.dropFirst(surname).map { nameSeparators.contains($0) ? $0 : "*" }
            return String(characters.prefix(surname)) + String(given)
        }
        return value.split(whereSeparator: \.isWhitespace)
            .map { word in String(word.prefix(1)) + stars(word.count - 1) }
            .joined(separator: " ")
    }

    // MARK: Address

    /// Suffixes that end a province-level name (省, 自治区, 特别行政区).
    private static let provinceSuffixes: [[Character]] = [["省"], ["自", "治", "区"], ["特", "别", "行", "政", "区"]]
    /// Suffixes that end a city-level name (市, 区, 县, 盟, 自治州).
    private static let citySuffixes: [[Character]] = [["市"], ["区"], ["县"], ["盟"], ["自", "治", "州"]]
    /// The longest province-level prefix looked for (`新疆维吾尔自治区`, with room for `中国`).
    private static let provinceSpan = 10
    /// The longest city-level name looked for after the province (`克孜勒苏柯尔克孜自治州`).
    private static let citySpan = 12

    /// A Chinese address keeps its province and city (`浙江省杭州市****`, `北京市****`); a Latin
    /// one keeps its last comma-separated part (`****, Berlin`). Without either, `****`.
    static func address(_ value: String) -> String {
        value.contains(where: isHan) ? chineseAddress(value) : latinAddress(value)
    }

    /// The text up to the first city-level suffix (after an optional province), then `****`.
    ///
    /// Both are searched only near the start, so a `市` in a street name further on (`文三路市场`)
    /// cannot reveal the street.
    private static func chineseAddress(_ value: String) -> String {
        let characters = Array(value)
        var kept = 0
        if let end = firstEnd(of: provinceSuffixes, in: characters, from: 0, within: provinceSpan),
            firstEnd(of: citySuffixes, in: characters, from: 0, within: provinceSpan).map({ $0 >= end }) ?? true
        {
            kept = end
        }
        if let end = firstEnd(of: citySuffixes, in: characters, from: kept, within: citySpan) {
            kept = end
        }
        guard kept < characters.count else { return value }
        return String(characters.prefix(kept)) + "****"
    }

    /// The position just after the first of the suffixes that ends within `span` characters
    /// from `start`, or nil.
    private static func firstEnd(
        of suffixes: [[Character]], in characters: [Character], from start: Int, within span: Int
    ) -> Int? {
        let limit = min(characters.count, start + span)
        for end in stride(from: start + 1, through: limit, by: 1) {
            for suffix in suffixes where end - start >= suffix.count {
                if characters[(end - suffix.count)..<end].elementsEqual(suffix) { return end }
            }
        }
        return nil
    }

    /// `****, ` and the last non-empty comma-separated part.
    private static func latinAddress(_ value: String) -> String {
        let parts = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard parts.count > 1, let last = parts.last else { return "****" }
        return "****, " + last
    }

    // MARK: Other

    /// The first and last character with a star for each one between; two or fewer characters
    /// are all stars.
    static func other(_ value: String) -> String {
        guard value.count > 2, let first = value.first, let last = value.last else { return stars(value.count) }
        return String(first) + stars(value.count - 2) + String(last)
    }

    // MARK: Characters

    /// `count` stars.
    private static func stars(_ count: Int) -> String {
        String(repeating: "*", count: max(count, 0))
    }

    /// The ASCII form of a full-width form (`１` → `1`, `＋` → `+`), other characters unchanged.
    private static func halfWidth(_ character: Character) -> Character {
        guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
            (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0)
        else { return character }
        return Character(ascii)
    }

    /// Whether a character is one of `0`–`9`.
    private static func isASCIIDigit(_ character: Character) -> Bool {
        character.isASCII && character.isWholeNumber
    }

    /// Whether a character is a Han ideograph (CJK unified, extensions A–H, compatibility).
    private static func isHan(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x323AF: return true
        default: return false
        }
    }
}
