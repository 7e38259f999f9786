// Cleaning and standardisation of imported values.
//
// Each cleaner returns the cleaned value and the fixes it applied (counted per kind in the import report), or
// throws an `ImportRowError` with a stable code when the value cannot be used. The common cases (plain ASCII
// identifiers, `20240715` dates, `12.50` amounts) take byte-level fast paths, since every cell of every row of a
// file goes through here. Money never goes through binary floating point: amounts are integer cents.

import Foundation
import PanoramaCore

/// A standardisation applied to a value; the report counts each by its `code`.
public enum ImportFix: Int, Sendable, CaseIterable {
    case trimmed
    case whitespaceCollapsed
    case fullWidth
    case emailNormalized
    case phoneNormalized
    case idNumberNormalized
    case dateStandardized
    case excelSerialDate
    case genderStandardized
    case provinceStandardized
    case cityStandardized
    case provinceFromCity
    case amountStandardized
    case amountRounded
    case quantityStandardized
    case statusStandardized
    case booleanStandardized

    /// Stable name used in reports.
    public var code: String {
        switch self {
        case .trimmed: return "trimmed"
        case .whitespaceCollapsed: return "whitespace_collapsed"
        case .fullWidth: return "full_width"
        case .emailNormalized: return "email_normalized"
        case .phoneNormalized: return "phone_normalized"
        case .idNumberNormalized: return "id_number_normalized"
        case .dateStandardized: return "date_standardized"
        case .excelSerialDate: return "excel_serial_date"
        case .genderStandardized: return "gender_standardized"
        case .provinceStandardized: return "province_standardized"
        case .cityStandardized: return "city_standardized"
        case .provinceFromCity: return "province_from_city"
        case .amountStandardized: return "amount_standardized"
        case .amountRounded: return "amount_rounded"
        case .quantityStandardized: return "quantity_standardized"
        case .statusStandardized: return "status_standardized"
        case .booleanStandardized: return "boolean_standardized"
        }
    }
}

/// A set of fixes, cheap to accumulate per row.
public struct ImportFixSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ fix: ImportFix) {
        rawValue = 1 << UInt32(fix.rawValue)
    }

    public func contains(_ fix: ImportFix) -> Bool { rawValue & (1 << UInt32(fix.rawValue)) != 0 }

    /// Adds `fix`.
    public mutating func insert(_ fix: ImportFix) { self.formUnion(ImportFixSet(fix)) }

    /// The fixes in the set.
    public var fixes: [ImportFix] { ImportFix.allCases.filter { contains($0) } }
}

/// Canonical gender values.
public enum ImportGender: String, Sendable, CaseIterable {
    case male, female, unknown
}

/// A date or date-time as written in a source, before a time zone makes it an instant.
public struct ImportDate: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    /// Milliseconds since local midnight (0 for a date alone).
    public var millisOfDay: Int
    /// Whether the value carried a time of day.
    public var hasTime: Bool
    /// The UTC offset written in the value (`Z`, `+08:00`), if any.
    public var offsetSeconds: Int?
    /// Set for epoch numbers: the instant itself.
    public var epochMillis: Int64?

    public init(
        year: Int, month: Int, day: Int, millisOfDay: Int = 0, hasTime: Bool = false, offsetSeconds: Int? = nil,
        epochMillis: Int64? = nil
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.millisOfDay = millisOfDay
        self.hasTime = hasTime
        self.offsetSeconds = offsetSeconds
        self.epochMillis = epochMillis
    }

    /// `YYYY-MM-DD` (the calendar date as written; an epoch value is taken in UTC).
    public var dateString: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// Days since 1970-01-01 of the written date.
    var epochDay: Int64 { Timestamp.days(fromCivil: Int64(year), Int64(month), Int64(day)) }

    /// Milliseconds since the epoch at local midnight-plus-time, as if the value were UTC.
    var localMillis: Int64 { epochDay * 86_400_000 + Int64(millisOfDay) }

    /// The instant: epoch values as they are, values with an offset by it, others in `zone`.
    public func instant(in zone: ImportTimeZone) -> Int64 {
        if let epochMillis { return epochMillis }
        if let offsetSeconds { return localMillis - Int64(offsetSeconds) * 1000 }
        return zone.utcMillis(localMillis: localMillis)
    }
}

/// A time zone for reading local times, with the UTC offset cached per local day. Not thread-safe: one per
/// import.
public final class ImportTimeZone {
    public let identifier: String
    private let zone: TimeZone
    /// Offset (seconds) valid for the whole local day, or nil when the day has a transition.
    private var cache: [Int64: Int?] = [:]

    /// Nil when `identifier` is not an IANA zone.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.zone = zone
    }

    /// The instant of a local wall-clock time given as milliseconds since the epoch "as if UTC". A time that
    /// does not exist (skipped by a DST change) or exists twice resolves to the earlier offset's reading.
    public func utcMillis(localMillis: Int64) -> Int64 {
        let day = localMillis >= 0 ? localMillis / 86_400_000 : (localMillis - 86_399_999) / 86_400_000
        let cached: Int?
        if let entry = cache[day] {
            cached = entry
        } else {
            let start = day * 86_400
            let first = offset(localSeconds: start)
            let last = offset(localSeconds: start + 86_399)
            cached = first == last ? first : nil
            if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[day] = cached
        }
        if let cached { return localMillis - Int64(cached) * 1000 }
        let seconds = localMillis >= 0 ? localMillis / 1000 : (localMillis - 999) / 1000
        return localMillis - Int64(offset(localSeconds: seconds)) * 1000
    }

    private func offset(localSeconds: Int64) -> Int {
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds)))
        let second = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds - Int64(first))))
        if first == second { return first }
        let third = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(localSeconds - Int64(second))))
        return third == second ? second : max(first, second)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms).
/// Date validity for the cleaners, on Core's calendar.
enum CivilCalendar {
    static func isValid(year: Int, month: Int, day: Int) -> Bool {
        year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1
            && day <= Timestamp.daysIn(month: Int64(month), year: Int64(year))
    }

    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let civil = Timestamp.civil(fromDays: days)
        return (Int(civil.year), Int(civil.month), Int(civil.day))
    }
}

/// The per-field cleaners.
public enum ImportCleaner {
    // MARK: - Text

    /// Trims blanks (Unicode white space, NBSP, U+3000, zero-width space, BOM), collapses inner runs of blanks
    /// to one space, and turns full-width digits and letters (`１２３`, `ＡＢＣ`) into ASCII. Chinese
    /// punctuation is left alone. Returns `""` for a blank value.
    public static func text(_ raw: String) -> (String, ImportFixSet) {
        // Fast path: printable ASCII with single inner spaces needs nothing.
        var clean = true
        var previousSpace = true
        for byte in raw.utf8 {
            if byte == 0x20 {
                if previousSpace {
                    clean = false
                    break
                }
                previousSpace = true
            } else if byte > 0x20 && byte < 0x7F {
                previousSpace = false
            } else {
                clean = false
                break
            }
        }
        if clean && !previousSpace { return (raw, []) }
        if clean && raw.isEmpty { return (raw, []) }

        var fixes: ImportFixSet = []
        var out = String.UnicodeScalarView()
        var pendingBlanks = 0
        var pendingPlain = true
        var sawContent = false
        for original in raw.unicodeScalars {
            if isBlank(original) {
                if sawContent {
                    pendingBlanks += 1
                    if original != " " { pendingPlain = false }
                } else {
                    fixes.insert(.trimmed)
                }
                continue
            }
            if pendingBlanks > 0 {
                out.append(" ")
                if pendingBlanks > 1 || !pendingPlain { fixes.insert(.whitespaceCollapsed) }
                pendingBlanks = 0
                pendingPlain = true
            }
            sawContent = true
            let value = original.value
            if (value >= 0xFF10 && value <= 0xFF19) || (value >= 0xFF21 && value <= 0xFF3A)
                || (value >= 0xFF41 && value <= 0xFF5A), let ascii = Unicode.Scalar(value - 0xFEE0)
            {
                out.append(ascii)
                fixes.insert(.fullWidth)
            } else {
                out.append(original)
            }
        }
        if pendingBlanks > 0 { fixes.insert(.trimmed) }
        return (String(out), fixes)
    }

    /// Whether a scalar is a blank for trimming: Unicode white space plus zero-width space, word joiner and BOM.
    @inline(__always)
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        switch value {
        case 0x200B, 0x2060, 0xFEFF, 0x180E: return true
        default: return scalar.properties.isWhitespace
        }
    }

    /// Full-width ASCII variants (U+FF01–U+FF5E) and the full-width yen sign to ASCII / `¥`, for values whose
    /// punctuation matters (dates, amounts, numbers).
    static func foldWidth(_ text: String) -> (String, changed: Bool) {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return (text, false) }
        var out = String.UnicodeScalarView()
        var changed = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0xFF01 && value <= 0xFF5E, let ascii = Unicode.Scalar(value - 0xFEE0) {
                out.append(ascii)
                changed = true
            } else if value == 0xFFE5 {
                out.append("¥")
                changed = true
            } else if value == 0x3000 {
                out.append(" ")
                changed = true
            } else {
                out.append(scalar)
            }
        }
        return (String(out), changed)
    }

    // MARK: - Identifiers

    /// Which normalizer an identifier type takes (decided once per column, not per row).
    enum IdentifierKind {
        case email, phone, idNumber, wechat, device, generic

        init(type: String) {
            switch type {
            case "email": self = .email
            case "phone": self = .phone
            case "id_number": self = .idNumber
            case "wechat_unionid", "wechat_openid": self = .wechat
            case "device_id": self = .device
            default: self = .generic
            }
        }
    }

    /// Normalizes an identifier of `type` with PanoramaCore's `Normalizer` (emails lower-cased, phones to E.164
    /// with `countryCode` as default, ID numbers checksum-validated …). Throws its code (`invalid_email` …).
    public static func identifier(type: String, _ text: String, countryCode: String = "86") throws(ImportRowError)
        -> (String, ImportFixSet)
    {
        try identifier(kind: IdentifierKind(type: type), type: type, text, countryCode: countryCode)
    }

    static func identifier(kind: IdentifierKind, type: String, _ text: String, countryCode: String)
        throws(ImportRowError) -> (String, ImportFixSet)
    {
        let value: String
        do {
            switch kind {
            case .email: value = try Normalizer.email(text)
            case .phone: value = try Normalizer.phone(text, defaultCountryCode: countryCode)
            case .idNumber: value = try Normalizer.chineseIDNumber(text)
            case .wechat: value = try Normalizer.wechatID(text)
            case .device: value = try Normalizer.deviceID(text)
            case .generic: value = try Normalizer.identifier(text)
            }
        } catch {
            throw ImportRowError(code: error.code, message: error.message)
        }
        guard value != text else { return (value, []) }
        switch kind {
        case .email: return (value, ImportFixSet(.emailNormalized))
        case .phone: return (value, ImportFixSet(.phoneNormalized))
        case .idNumber: return (value, ImportFixSet(.idNumberNormalized))
        default: return (value, ImportFixSet(.trimmed))
        }
    }

    /// An email address, normalized (`invalid_email` otherwise).
    public static func email(_ text: String) throws(ImportRowError) -> (String, ImportFixSet) {
        try identifier(type: "email", text)
    }

    /// A phone number in E.164 (`invalid_phone` otherwise); numbers without a country code get `countryCode`.
    public static func phone(_ text: String, countryCode: String = "86") throws(ImportRowError) -> (
        String, ImportFixSet
    ) {
        try identifier(type: "phone", text, countryCode: countryCode)
    }

    /// A Chinese mainland resident ID number: 18 characters with a valid GB 11643 checksum and birth date; a
    /// 15-digit legacy number is upgraded (`invalid_id_number` otherwise; the message never repeats the number).
    public static func idNumber(_ text: String) throws(ImportRowError) -> (String, ImportFixSet) {
        try identifier(type: "id_number", text)
    }

    // MARK: - Dates

    /// Reads a date or date-time in any of the common forms:
    /// `2024-07-15`, `2024/7/15`, `2024.07.15`, `20240715`, `2024年7月15日`, each optionally with a time
    /// (`13:05`, `13:05:09.250`, `1:05 PM`, `下午1:05`, `13时5分9秒`) and a zone (`Z`, `+08:00`, `+0800`, `UTC`);
    /// ISO-8601 (`2024-07-15T13:05:09Z`); day or month first with a four-digit year (`15/07/2024`, `07/15/2024`,
    /// decided by `dayFirst`, or by the values when one part is over 12; `ambiguous_date` otherwise);
    /// `15-Jul-2024`, `Jul 15, 2024`; Excel serial day numbers (`45488`, `45488.5` = noon; five-digit numbers in
    /// `auto`); epoch seconds (10 digits) and milliseconds (13 digits).
    ///
    /// Values in another form than ISO-8601 count as `date_standardized` (Excel numbers as `excel_serial_date`)
    /// unless `format` declares the column's form. Throws `invalid_date` or `ambiguous_date`.
    public static func date(_ raw: String, format: ImportDateFormat = .auto, dayFirst: Bool? = nil)
        throws(ImportRowError) -> (ImportDate, ImportFixSet)
    {
        if let fast = fastDate(raw, format: format) { return fast }
        let (text, _) = foldWidth(raw)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw ImportRowError(code: "invalid_date", message: "date is empty") }
        if let numeric = try numericDate(trimmed, format: format) { return numeric }
        var order = dayFirst
        if format == .dmy { order = true } else if format == .mdy { order = false }
        var scanner = DateScanner(trimmed, dayFirst: order)
        guard let parsed = try scanner.parse() else {
            throw ImportRowError(
                code: "invalid_date",
                message:
                    "\(quoted(raw)) is not a date; expected e.g. 2024-07-15, 2024/7/15 13:05, 20240715, 2024年7月15日, "
                    + "15/07/2024, an ISO-8601 time or an Excel date number")
        }
        let fixes: ImportFixSet = format != .auto || parsed.isISO ? [] : ImportFixSet(.dateStandardized)
        return (parsed.value, fixes)
    }

    /// A calendar date as `YYYY-MM-DD` (birthdays): any form `date` reads; a time of day is ignored.
    public static func calendarDate(_ raw: String, format: ImportDateFormat = .auto, dayFirst: Bool? = nil)
        throws(ImportRowError) -> (String, ImportFixSet)
    {
        let (date, fixes) = try date(raw, format: format, dayFirst: dayFirst)
        if let epoch = date.epochMillis {
            let days = epoch >= 0 ? epoch / 86_400_000 : (epoch - 86_399_999) / 86_400_000
            let civil = CivilCalendar.civil(days: days)
            return (ImportDate(year: civil.year, month: civil.month, day: civil.day).dateString, fixes)
        }
        return (date.dateString, fixes)
    }

    /// Whether a slash/dot date such as `15/07/2024` can only be day-first (`true`) or only month-first
    /// (`false`); nil when it says nothing (year first, equal parts, not such a date).
    public static func dateOrderEvidence(_ raw: String) -> Bool? {
        let dayFirst = try? date(raw, format: .auto, dayFirst: true)
        let monthFirst = try? date(raw, format: .auto, dayFirst: false)
        switch (dayFirst, monthFirst) {
        case (_?, nil): return true
        case (nil, _?): return false
        default: return nil
        }
    }

    /// `YYYYMMDD`, `YYYY-MM-DD`, and `YYYY-MM-DD HH:MM:SS` in plain ASCII, without allocating.
    private static func fastDate(_ raw: String, format: ImportDateFormat) -> (ImportDate, ImportFixSet)? {
        guard format == .auto || format == .yyyymmdd || format == .ymd else { return nil }
        let count = raw.utf8.count
        guard count == 8 || count == 10 || count == 19 else { return nil }
        let result = raw.utf8.withContiguousStorageIfAvailable { p -> (ImportDate, ImportFixSet)? in
            func digits(_ offset: Int, _ width: Int) -> Int? {
                var value = 0
                for index in offset..<(offset + width) {
                    let digit = p[index] &- 0x30
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            let year: Int
            let month: Int
            let day: Int
            var millis = 0
            if count == 8 {
                guard format != .ymd, let y = digits(0, 4), let m = digits(4, 2), let d = digits(6, 2) else {
                    return nil
                }
                (year, month, day) = (y, m, d)
            } else {
                guard format != .yyyymmdd, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
                    let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2)
                else { return nil }
                (year, month, day) = (y, m, d)
                if count == 19 {
                    guard p[10] == UInt8(ascii: " ") || p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"),
                        p[16] == UInt8(ascii: ":"), let hour = digits(11, 2), let minute = digits(14, 2),
                        let second = digits(17, 2), hour < 24, minute < 60, second < 60
                    else { return nil }
                    millis = (hour * 3600 + minute * 60 + second) * 1000
                }
            }
            guard CivilCalendar.isValid(year: year, month: month, day: day) else { return nil }
            let date = ImportDate(year: year, month: month, day: day, millisOfDay: millis, hasTime: count == 19)
            return (date, count == 8 && format == .auto ? ImportFixSet(.dateStandardized) : [])
        }
        return result ?? nil
    }

    /// Numbers: `YYYYMMDD[HHMM[SS]]`, Excel serials, epoch seconds and milliseconds.
    private static func numericDate(_ text: String, format: ImportDateFormat) throws(ImportRowError) -> (
        ImportDate, ImportFixSet
    )? {
        var integerDigits: [Int] = []
        var fractionDigits: [Int] = []
        var seenDot = false
        for byte in text.utf8 {
            if byte >= 0x30 && byte <= 0x39 {
                if seenDot { fractionDigits.append(Int(byte - 0x30)) } else { integerDigits.append(Int(byte - 0x30)) }
            } else if byte == UInt8(ascii: "."), !seenDot {
                seenDot = true
            } else {
                return nil
            }
        }
        guard !integerDigits.isEmpty else { return nil }
        if seenDot && fractionDigits.isEmpty { return nil }
        func value(_ digits: ArraySlice<Int>) -> Int64 { digits.reduce(0) { $0 * 10 + Int64($1) } }
        func invalid(_ why: String) -> ImportRowError {
            ImportRowError(code: "invalid_date", message: "\(quoted(text)) \(why)")
        }
        let declared = format != .auto

        switch format {
        case .unixSeconds, .unixMillis:
            guard integerDigits.count <= 15 else { throw invalid("is too large for an epoch time") }
            var millis = value(integerDigits[...])
            if format == .unixSeconds {
                millis *= 1000
                let fraction = fractionDigits.prefix(3) + Array(repeating: 0, count: max(0, 3 - fractionDigits.count))
                millis += value(fraction[...])
            }
            return (epochDate(millis), [])
        case .excel:
            return try excelDate(
                integer: value(integerDigits[...]), fraction: fractionDigits, text: text, declared: true)
        default:
            break
        }
        if seenDot {
            // Only Excel serials have fractions.
            guard integerDigits.count == 5 else { return nil }
            return try excelDate(
                integer: value(integerDigits[...]), fraction: fractionDigits, text: text, declared: false)
        }
        switch integerDigits.count {
        case 5 where format == .auto:
            return try excelDate(integer: value(integerDigits[...]), fraction: [], text: text, declared: false)
        case 8, 12, 14:
            let d = integerDigits
            let year = Int(value(d[0..<4]))
            let month = Int(value(d[4..<6]))
            let day = Int(value(d[6..<8]))
            guard CivilCalendar.isValid(year: year, month: month, day: day) else {
                throw invalid("is not a valid YYYYMMDD date")
            }
            var millis = 0
            if d.count >= 12 {
                let hour = Int(value(d[8..<10]))
                let minute = Int(value(d[10..<12]))
                let second = d.count == 14 ? Int(value(d[12..<14])) : 0
                guard hour < 24, minute < 60, second < 60 else { throw invalid("has an invalid time of day") }
                millis = (hour * 3600 + minute * 60 + second) * 1000
            }
            let date = ImportDate(year: year, month: month, day: day, millisOfDay: millis, hasTime: d.count >= 12)
            return (date, declared ? [] : ImportFixSet(.dateStandardized))
        case 10 where format == .auto:
            return (epochDate(value(integerDigits[...]) * 1000), ImportFixSet(.dateStandardized))
        case 13 where format == .auto:
            return (epochDate(value(integerDigits[...])), ImportFixSet(.dateStandardized))
        default:
            return nil
        }
    }

    private static func epochDate(_ millis: Int64) -> ImportDate {
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let civil = CivilCalendar.civil(days: days)
        return ImportDate(
            year: civil.year, month: civil.month, day: civil.day, millisOfDay: Int(millis - days * 86_400_000),
            hasTime: true, epochMillis: millis)
    }

    /// Excel's day numbers count from 1899-12-30 (serial 1 = 1900-01-01 and the fictitious 1900-02-29 = 60, a
    /// Lotus 1-2-3 leap-year bug Excel kept); the fraction is the time of day, rounded to the second.
    private static func excelDate(integer: Int64, fraction: [Int], text: String, declared: Bool)
        throws(ImportRowError) -> (ImportDate, ImportFixSet)
    {
        guard integer >= 1 && integer <= 2_958_465, integer != 60 else {
            throw ImportRowError(
                code: "invalid_date", message: "\(quoted(text)) is not an Excel date number (1–2958465, not 60)")
        }
        let base: Int64 = integer < 60 ? -25568 : -25569
        var days = integer + base
        var fractionValue: Int64 = 0
        var scale: Int64 = 1
        for digit in fraction.prefix(10) {
            fractionValue = fractionValue * 10 + Int64(digit)
            scale *= 10
        }
        var seconds = (fractionValue * 86_400 + scale / 2) / scale
        if seconds >= 86_400 {
            seconds -= 86_400
            days += 1
        }
        let civil = CivilCalendar.civil(days: days)
        let date = ImportDate(
            year: civil.year, month: civil.month, day: civil.day, millisOfDay: Int(seconds) * 1000,
            hasTime: !fraction.isEmpty)
        return (date, declared ? [] : ImportFixSet(.excelSerialDate))
    }

    // MARK: - Gender

    private static let genders: [String: ImportGender] = {
        var table: [String: ImportGender] = [:]
        for word in ["男", "男性", "男士", "先生", "m", "male", "man", "men", "boy", "1", "mr", "mr.", "公"] {
            table[word] = .male
        }
        for word in [
            "女", "女性", "女士", "小姐", "太太", "f", "female", "woman", "women", "girl", "2", "ms", "ms.", "mrs",
            "mrs.", "miss", "母",
        ] {
            table[word] = .female
        }
        for word in [
            "未知", "保密", "不详", "其他", "其它", "u", "unknown", "0", "n/a", "na", "none", "other", "-", "x",
        ] {
            table[word] = .unknown
        }
        return table
    }()

    /// `男`/`女`/`M`/`F`/`male`/`female`/`1`/`2`/`先生`/`女士` … → `male`/`female`; `未知`/`保密`/`0`/`U` →
    /// `unknown`. Throws `invalid_gender` for anything else.
    public static func gender(_ text: String) throws(ImportRowError) -> (ImportGender, ImportFixSet) {
        let key = text.lowercased()
        guard let gender = genders[key] else {
            throw ImportRowError(
                code: "invalid_gender",
                message: "\(quoted(text)) is not a gender; expected 男/女, M/F, male/female, 1/2 or 未知")
        }
        return (gender, gender.rawValue == text ? [] : ImportFixSet(.genderStandardized))
    }

    // MARK: - Regions

    /// The canonical name of a provincial-level division: `北京`/`北京市`/`京`/`beijing` → `北京市`, `广东`/`粤`/
    /// `Guangdong Province` → `广东省`, `内蒙古` → `内蒙古自治区`, `香港`/`Hong Kong` → `香港特别行政区`; traditional
    /// characters are understood. Nil when the value is not recognised.
    public static func province(_ text: String) -> (String, ImportFixSet)? {
        guard let canonical = ChinaRegions.province(text) else { return nil }
        return (canonical, canonical == text ? [] : ImportFixSet(.provinceStandardized))
    }

    /// The canonical name of a city (capitals and major cities, and the four municipalities) and its province:
    /// `广州`/`广州市`/`guangzhou`/`广东省广州市` → (`广州市`, `广东省`). Nil when the value is not recognised.
    public static func city(_ text: String) -> (city: String, province: String, fixes: ImportFixSet)? {
        guard let (city, province) = ChinaRegions.city(text) else { return nil }
        return (city, province, city == text ? [] : ImportFixSet(.cityStandardized))
    }

    // MARK: - Money

    /// An amount in exact cents: `¥1,234.50`, `￥1234.5`, `1234.5元`, `RMB 1 234.50`, `$12`, `-12.30`, `(12.30)`
    /// (negative), `12,5` (decimal comma), `1.234,50`. More than two decimals are rounded half-to-even (counted as
    /// `amount_rounded`). The currency is returned when a symbol or code names it (`¥`/`元`/`RMB` → CNY, `$` → USD,
    /// `€` → EUR, `£` → GBP, `HK$` → HKD, ISO codes). Throws `invalid_amount`.
    public static func amount(_ raw: String) throws(ImportRowError) -> (
        cents: Int64, currency: String?, fixes: ImportFixSet
    ) {
        if let cents = fastAmount(raw) { return (cents, nil, []) }
        return try MoneyParser.parse(raw)
    }

    /// `[-]digits[.d[d[0…]]]` in plain ASCII, the form of nearly every exported amount.
    private static func fastAmount(_ raw: String) -> Int64? {
        var cents: Int64 = 0
        var negative = false
        var integerDigits = 0
        var fractionDigits = 0
        var seenDot = false
        var index = 0
        for byte in raw.utf8 {
            defer { index += 1 }
            if byte >= 0x30 && byte <= 0x39 {
                let digit = Int64(byte - 0x30)
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits <= 2 {
                        cents = cents * 10 + digit
                    } else if digit != 0 {
                        return nil
                    }
                } else {
                    integerDigits += 1
                    if integerDigits > 16 { return nil }
                    cents = cents * 10 + digit
                }
            } else if byte == UInt8(ascii: "."), !seenDot, integerDigits > 0 {
                seenDot = true
            } else if byte == UInt8(ascii: "-"), index == 0 {
                negative = true
            } else {
                return nil
            }
        }
        guard integerDigits > 0, !(seenDot && fractionDigits == 0) else { return nil }
        for _ in min(fractionDigits, 2)..<2 { cents *= 10 }
        return negative ? -cents : cents
    }

    /// A whole quantity: `3`, `3.0`, `３`, `3件`, `3 pcs`; throws `invalid_quantity`.
    public static func quantity(_ raw: String) throws(ImportRowError) -> (Int, ImportFixSet) {
        // Fast path: up to 12 plain digits.
        let utf8 = raw.utf8
        if utf8.count <= 12, !utf8.isEmpty, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return (utf8.reduce(0) { $0 * 10 + Int($1 - 0x30) }, [])
        }
        var value = 0
        var digits = 0
        var plain = true
        var negative = false
        var fractionNonZero = false
        var inFraction = false
        let (text, folded) = foldWidth(raw)
        var scalars = Substring(text).unicodeScalars
        // Units after the number.
        for unit in ["件", "个", "份", "只", "支", "瓶", "盒", "张", "pcs", "pc", "x"] where text.hasSuffix(unit) {
            scalars = scalars.dropLast(unit.unicodeScalars.count)
            plain = false
            break
        }
        for (offset, scalar) in scalars.enumerated() {
            let v = scalar.value
            if v >= 0x30 && v <= 0x39 {
                if inFraction {
                    if v != 0x30 { fractionNonZero = true }
                    plain = false
                } else {
                    value = value * 10 + Int(v - 0x30)
                    digits += 1
                    if digits > 12 { break }
                }
            } else if scalar == ".", !inFraction, digits > 0 {
                inFraction = true
            } else if scalar == "-", offset == 0 {
                negative = true
            } else if scalar == " " {
                plain = false
            } else {
                digits = 0
                break
            }
        }
        guard digits > 0 && digits <= 12 && !fractionNonZero else {
            throw ImportRowError(
                code: "invalid_quantity", message: "\(quoted(raw)) is not a whole quantity; expected e.g. 3")
        }
        return (negative ? -value : value, plain && !folded ? [] : ImportFixSet(.quantityStandardized))
    }

    // MARK: - Order status

    private static let statuses: [String: String] = {
        var table: [String: String] = [:]
        let groups: [(String, [String])] = [
            ("pending", ["pending", "unpaid", "created", "new", "待付款", "待支付", "未支付", "未付款", "等待付款"]),
            ("paid", ["paid", "已支付", "已付款", "付款成功", "支付成功", "已付", "待发货", "processing"]),
            ("shipped", ["shipped", "已发货", "待收货", "配送中", "运输中"]),
            (
                "completed",
                [
                    "completed", "complete", "success", "succeeded", "delivered", "fulfilled", "已完成", "完成",
                    "交易成功", "成功", "已收货", "确认收货", "已签收",
                ]
            ),
            ("cancelled", ["cancelled", "canceled", "closed", "void", "已取消", "取消", "交易关闭", "已关闭", "关闭"]),
            ("refunded", ["refunded", "refund", "returned", "已退款", "退款", "退款成功", "退货退款", "已退货"]),
        ]
        for (status, words) in groups {
            for word in words { table[word] = status }
        }
        return table
    }()

    /// Order statuses to `pending`, `paid`, `shipped`, `completed`, `cancelled`, `refunded` (`已支付` → `paid`,
    /// `交易成功` → `completed`, `已退款` → `refunded` …); other values are kept, lower-cased.
    public static func orderStatus(_ text: String) -> (String, ImportFixSet) {
        let key = text.lowercased()
        let status = statuses[key] ?? key
        return (status, status == text ? [] : ImportFixSet(.statusStandardized))
    }

    // MARK: - Traits and properties

    /// A trait or property value of `type` as JSON (see `ImportValueType`). Throws `invalid_number`,
    /// `invalid_boolean`, `invalid_date` or `invalid_json_value`.
    public static func value(_ text: String, type: ImportValueType, zone: ImportTimeZone? = nil, dayFirst: Bool? = nil)
        throws(ImportRowError) -> (JSONValue, ImportFixSet)
    {
        switch type {
        case .string:
            return (.string(text), [])
        case .auto:
            if isPlainNumber(text) { return (.number(JSONNumber(text)), []) }
            switch text {
            case "true", "TRUE", "True": return (.bool(true), [])
            case "false", "FALSE", "False": return (.bool(false), [])
            default: return (.string(text), [])
            }
        case .number, .integer:
            let (folded, changed) = foldWidth(text)
            let compact = folded.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: " ", with: "")
            let canonical = compact.hasPrefix("+") ? String(compact.dropFirst()) : compact
            guard isDecimalLiteral(canonical) else {
                throw ImportRowError(code: "invalid_number", message: "\(quoted(text)) is not a number")
            }
            let number = JSONNumber(canonical)
            if type == .integer && number.int64 == nil {
                throw ImportRowError(code: "invalid_number", message: "\(quoted(text)) is not a whole number")
            }
            let value: JSONValue =
                type == .integer ? .number(JSONNumber(number.int64!)) : .number(number)
            return (value, changed || canonical != text ? ImportFixSet(.amountStandardized) : [])
        case .boolean:
            switch text.lowercased() {
            case "true": return (.bool(true), [])
            case "false": return (.bool(false), [])
            case "yes", "y", "1", "是", "对", "√", "t": return (.bool(true), ImportFixSet(.booleanStandardized))
            case "no", "n", "0", "否", "不", "×", "f": return (.bool(false), ImportFixSet(.booleanStandardized))
            default:
                throw ImportRowError(
                    code: "invalid_boolean",
                    message: "\(quoted(text)) is not a yes/no value; expected true/false, 是/否, 1/0")
            }
        case .date:
            let (date, fixes) = try calendarDate(text, dayFirst: dayFirst)
            return (.string(date), fixes)
        case .datetime:
            let (date, fixes) = try self.date(text, dayFirst: dayFirst)
            let zone = zone ?? ImportTimeZone(identifier: "Asia/Shanghai")!
            return (.string(Timestamp.format(millis: date.instant(in: zone))), fixes)
        case .json:
            do {
                return (try JSONParser.parse(text), [])
            } catch {
                throw ImportRowError(code: "invalid_json_value", message: "\(quoted(text)) is not JSON: \(error)")
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: a JSON number without exponent.
    static func isDecimalLiteral(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = bytes.first == UInt8(ascii: "-") ? 1 : 0
        let integerStart = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != 0x30 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > fractionStart else { return false }
        }
        return index == bytes.count
    }

    /// A number as plainly written: optional minus, no leading zeros, at most 15 significant digits, no
    /// exponent (so ids such as `00123` and phone-length digit strings stay text).
    static func isPlainNumber(_ text: String) -> Bool {
        var digits = 0
        var index = 0
        var seenDot = false
        var first: UInt8 = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            defer {
                previous = byte
                index += 1
            }
            if index == 0 && byte == UInt8(ascii: "-") { continue }
            if byte >= 0x30 && byte <= 0x39 {
                if digits == 0 { first = byte }
                if digits == 1 && first == 0x30 && !seenDot { return false }
                digits += 1
            } else if byte == UInt8(ascii: "."), !seenDot, digits > 0 {
                seenDot = true
            } else {
                return false
            }
        }
        return digits > 0 && digits <= 15 && previous != UInt8(ascii: ".")
    }

    /// A short quoted rendering of a value for messages.
    static func quoted(_ text: String) -> String {
        let limited = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "'" + limited + "'"
    }
}

// MARK: - Date scanner

/// The general date parser behind `ImportCleaner.date` (the numeric and ISO fast paths come first).
struct DateScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private let dayFirst: Bool?
    private let text: String

    /// The parsed value and whether it was written in ISO-8601 form.
    struct Parsed {
        var value: ImportDate
        var isISO: Bool
    }

    init(_ text: String, dayFirst: Bool?) {
        self.text = text
        scalars = Array(text.unicodeScalars)
        self.dayFirst = dayFirst
    }

    private static let monthNames: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
        "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
        "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func skipBlanks() {
        while let scalar = current, scalar == " " || scalar == "\t" { index += 1 }
    }

    /// Reads a run of ASCII digits: (value, count).
    private mutating func number(maxDigits: Int = 9) -> (Int, Int)? {
        var value = 0
        var count = 0
        while let scalar = current, scalar.value >= 0x30, scalar.value <= 0x39, count < maxDigits {
            value = value * 10 + Int(scalar.value - 0x30)
            count += 1
            index += 1
        }
        return count > 0 ? (value, count) : nil
    }

    private mutating func word() -> String {
        var out = ""
        while let scalar = current, scalar.properties.isAlphabetic, scalar.value < 0x80 {
            out.unicodeScalars.append(scalar)
            index += 1
        }
        return out.lowercased()
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        if current == scalar {
            index += 1
            return true
        }
        return false
    }

    private mutating func consume(oneOf set: String) -> Unicode.Scalar? {
        if let scalar = current, set.unicodeScalars.contains(scalar) {
            index += 1
            return scalar
        }
        return nil
    }

    mutating func parse() throws(ImportRowError) -> Parsed? {
        var year = 0
        var month = 0
        var day = 0
        var iso = false
        skipBlanks()

        if let scalar = current, scalar.properties.isAlphabetic, scalar.value < 0x80 {
            // "Jul 15, 2024"
            guard let named = Self.monthNames[word()] else { return nil }
            skipBlanks()
            guard let (d, _) = number(maxDigits: 2) else { return nil }
            _ = consume(",")
            skipBlanks()
            guard let (y, yearDigits) = number(maxDigits: 4), yearDigits == 4 else { return nil }
            (year, month, day) = (y, named, d)
        } else {
            guard let (first, firstDigits) = number(maxDigits: 4) else { return nil }
            if consume("年") {
                guard firstDigits == 4 else { return nil }
                skipBlanks()
                guard let (m, _) = number(maxDigits: 2), consume("月") else { return nil }
                skipBlanks()
                guard let (d, _) = number(maxDigits: 2) else { return nil }
                _ = consume(oneOf: "日号")
                (year, month, day) = (first, m, d)
            } else {
                guard let separator = consume(oneOf: "-/. ") else { return nil }
                if let scalar = current, scalar.properties.isAlphabetic, scalar.value < 0x80 {
                    // "15-Jul-2024", "15 Jul 2024"
                    guard let named = Self.monthNames[word()] else { return nil }
                    guard consume(separator) || separator == " " else { return nil }
                    skipBlanks()
                    guard let (y, yearDigits) = number(maxDigits: 4), yearDigits == 4 else { return nil }
                    (year, month, day) = (y, named, first)
                } else {
                    guard let (second, _) = number(maxDigits: 2) else { return nil }
                    guard consume(separator) else { return nil }
                    guard let (third, thirdDigits) = number(maxDigits: 4) else { return nil }
                    if firstDigits == 4 {
                        (year, month, day) = (first, second, third)
                        iso = separator == "-" && thirdDigits == 2
                    } else if thirdDigits == 4 {
                        year = third
                        let dayFirstOrder: Bool
                        if let dayFirst {
                            dayFirstOrder = dayFirst
                        } else if first > 12 && second <= 12 {
                            dayFirstOrder = true
                        } else if second > 12 && first <= 12 {
                            dayFirstOrder = false
                        } else if first == second {
                            dayFirstOrder = true
                        } else {
                            throw ImportRowError(
                                code: "ambiguous_date",
                                message:
                                    "'\(text)' could be day/month or month/day; set day_first (or the column's format "
                                    + "dmy/mdy) in the mapping")
                        }
                        (day, month) = dayFirstOrder ? (first, second) : (second, first)
                    } else {
                        return nil
                    }
                }
            }
        }
        guard CivilCalendar.isValid(year: year, month: month, day: day) else { return nil }
        var date = ImportDate(year: year, month: month, day: day)

        // Optional time.
        if !consume("T") && !consume("t") {
            skipBlanks()
        }
        if index < scalars.count {
            var meridiem: Int?  // 0 = AM, 12 = PM
            if consume("上") {
                guard consume("午") else { return nil }
                meridiem = 0
            } else if consume("下") {
                guard consume("午") else { return nil }
                meridiem = 12
            } else if consume("晚") {
                guard consume("上") else { return nil }
                meridiem = 12
            }
            skipBlanks()
            guard let (hour, _) = number(maxDigits: 2) else { return nil }
            var minute = 0
            var second = 0
            var millis = 0
            var chineseTime = false
            if consume(":") {
                guard let (m, _) = number(maxDigits: 2) else { return nil }
                minute = m
                if consume(":") {
                    guard let (s, _) = number(maxDigits: 2) else { return nil }
                    second = s
                    if consume(".") || consume(",") {
                        var scale = 100
                        var digits = 0
                        while let scalar = current, scalar.value >= 0x30, scalar.value <= 0x39 {
                            if digits < 3 { millis += Int(scalar.value - 0x30) * scale }
                            scale /= 10
                            digits += 1
                            index += 1
                        }
                        guard digits > 0 else { return nil }
                    }
                }
            } else if consume("时") || consume("点") {
                chineseTime = true
                if let (m, _) = number(maxDigits: 2) {
                    minute = m
                    guard consume("分") else { return nil }
                    if let (s, _) = number(maxDigits: 2) {
                        second = s
                        guard consume("秒") else { return nil }
                    }
                }
            } else {
                return nil
            }
            skipBlanks()
            if meridiem == nil {
                let position = index
                switch word() {
                case "am", "a": meridiem = 0
                case "pm", "p": meridiem = 12
                case "": break
                default: index = position
                }
                _ = consume(".")
                skipBlanks()
            }
            var hour24 = hour
            if let meridiem {
                guard hour >= 1 && hour <= 12 else { return nil }
                hour24 = hour % 12 + meridiem
            }
            guard hour24 < 24, minute < 60, second < 60 else { return nil }
            date.millisOfDay = ((hour24 * 60 + minute) * 60 + second) * 1000 + millis
            date.hasTime = true

            // Optional zone.
            skipBlanks()
            if consume("Z") || consume("z") {
                date.offsetSeconds = 0
            } else {
                let position = index
                let name = word()
                if name == "utc" || name == "gmt" {
                    date.offsetSeconds = 0
                } else if !name.isEmpty {
                    index = position
                    return nil
                }
                if let sign = consume(oneOf: "+-") {
                    guard let (h, hDigits) = number(maxDigits: 2) else { return nil }
                    var m = 0
                    if consume(":") {
                        guard let (mm, _) = number(maxDigits: 2) else { return nil }
                        m = mm
                    } else if hDigits == 2, let (mm, mDigits) = number(maxDigits: 2) {
                        guard mDigits == 2 else { return nil }
                        m = mm
                    }
                    guard h <= 23, m <= 59 else { return nil }
                    date.offsetSeconds = (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
                }
            }
            if meridiem != nil || chineseTime { iso = false }
        }
        skipBlanks()
        guard index == scalars.count else { return nil }
        return Parsed(value: date, isISO: iso)
    }
}

// MARK: - Money parser

/// The general amount parser behind `ImportCleaner.amount`.
enum MoneyParser {
    private static let prefixes: [(String, String?)] = [
        ("US$", "USD"), ("HK$", "HKD"), ("人民币", "CNY"), ("RMB", "CNY"), ("CNY", "CNY"), ("USD", "USD"),
        ("EUR", "EUR"), ("GBP", "GBP"), ("HKD", "HKD"), ("JPY", "JPY"), ("¥", "CNY"), ("$", "USD"), ("€", "EUR"),
        ("£", "GBP"),
    ]
    private static let suffixes: [(String, String?)] = [
        ("人民币", "CNY"), ("RMB", "CNY"), ("CNY", "CNY"), ("USD", "USD"), ("EUR", "EUR"), ("GBP", "GBP"),
        ("HKD", "HKD"), ("JPY", "JPY"), ("元", "CNY"), ("圆", "CNY"), ("块", "CNY"), ("美元", "USD"), ("欧元", "EUR"),
        ("港币", "HKD"), ("港元", "HKD"), ("英镑", "GBP"), ("日元", "JPY"),
    ]

    static func parse(_ raw: String) throws(ImportRowError) -> (cents: Int64, currency: String?, fixes: ImportFixSet) {
        func invalid() -> ImportRowError {
            ImportRowError(
                code: "invalid_amount",
                message: "\(ImportCleaner.quoted(raw)) is not an amount; expected e.g. 1234.50, ¥1,234.50 or 1234.5元")
        }
        var (text, _) = ImportCleaner.foldWidth(raw)
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var negative = false
        var currency: String?
        if text.hasPrefix("(") && text.hasSuffix(")") && text.count > 2 {
            negative = true
            text = String(text.dropFirst().dropLast())
        }
        // Signs and currency marks may come in either order: "-¥12", "¥-12", "12元".
        var changed = true
        while changed {
            changed = false
            text = text.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("-") || text.hasPrefix("+") || text.hasPrefix("−") {
                if !text.hasPrefix("+") { negative.toggle() }
                text.removeFirst()
                changed = true
            }
            for (prefix, code) in prefixes where text.hasPrefix(prefix) {
                text.removeFirst(prefix.count)
                currency = currency ?? code
                changed = true
                break
            }
            for (suffix, code) in suffixes where text.hasSuffix(suffix) {
                text.removeLast(suffix.count)
                currency = currency ?? code
                changed = true
                break
            }
        }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw invalid() }
        let dots = bytes.filter { $0 == UInt8(ascii: ".") }.count
        let commas = bytes.filter { $0 == UInt8(ascii: ",") }.count
        var decimal: UInt8?
        if dots > 0 && commas > 0 {
            decimal = bytes.lastIndex(of: UInt8(ascii: "."))! > bytes.lastIndex(of: UInt8(ascii: ","))! ? 0x2E : 0x2C
        } else if commas == 1 {
            let after = bytes.count - bytes.lastIndex(of: UInt8(ascii: ","))! - 1
            decimal = after == 3 ? nil : 0x2C
        } else if dots == 1 {
            decimal = 0x2E
        }
        var integer: Int64 = 0
        var integerDigits = 0
        var fraction: [UInt8] = []
        var inFraction = false
        for byte in bytes {
            if byte >= 0x30 && byte <= 0x39 {
                if inFraction {
                    fraction.append(byte - 0x30)
                } else {
                    integerDigits += 1
                    guard integerDigits <= 16 else { throw invalid() }
                    integer = integer * 10 + Int64(byte - 0x30)
                }
            } else if let decimal, byte == decimal, !inFraction {
                inFraction = true
            } else if !inFraction && (byte == 0x2C || byte == 0x2E || byte == 0x20 || byte == 0x27) {
                continue  // grouping: , . space '
            } else {
                throw invalid()
            }
        }
        guard integerDigits > 0 || !fraction.isEmpty else { throw invalid() }
        var cents = integer * 100
        if fraction.count > 0 { cents += Int64(fraction[0]) * 10 }
        if fraction.count > 1 { cents += Int64(fraction[1]) }
        var fixes = ImportFixSet(.amountStandardized)
        if fraction.count > 2 {
            let rest = fraction[2...]
            if rest.contains(where: { $0 != 0 }) {
                fixes.insert(.amountRounded)
                let first = rest.first!
                let beyondHalf = rest.dropFirst().contains { $0 != 0 }
                if first > 5 || (first == 5 && (beyondHalf || cents % 2 == 1)) { cents += 1 }
            }
        }
        return (negative ? -cents : cents, currency, fixes)
    }
}
