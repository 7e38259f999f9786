// ISO-8601 / RFC 3339 timestamps <-> epoch milliseconds, without Foundation formatters.
//
// Every ingested event carries several timestamps, so parsing is done by hand on UTF-8 bytes, and dates are
// converted with Howard Hinnant's days-from-civil / civil-from-days algorithms
// (https://howardhinnant.github.io/date_algorithms.html), which are exact for the proleptic Gregorian calendar.

/// Conversions between ISO-8601 date-time strings and epoch milliseconds (UTC).
///
/// Panorama stores every instant as `Int64` milliseconds since 1970-01-01T00:00:00Z; this type is the single
/// place where client-supplied text is turned into that representation and back.
public enum Timestamp {
    private static let millisPerSecond: Int64 = 1_000
    private static let millisPerMinute: Int64 = 60_000
    private static let millisPerHour: Int64 = 3_600_000
    private static let millisPerDay: Int64 = 86_400_000

    /// Parses ISO-8601 / RFC 3339 date-times as Segment clients send them and returns epoch milliseconds.
    ///
    /// Accepted: `2026-11-25T11:38:18Z`, `2026-11-25T11:38:18.123Z`, fractional seconds of any length (truncated to
    /// milliseconds), offsets `+08:00`, `+0800`, `+08`, `-05:00`, lowercase `t`/`z`, a space instead of `T`, no
    /// zone designator at all (read as UTC, as Segment does), and a date alone `2026-11-25` (midnight UTC).
    /// Years must have exactly four digits and seconds are required.
    ///
    /// Returns nil for anything invalid: impossible dates (month 13, Feb 30, Feb 29 outside leap years), hour 24,
    /// minute or second 60 (leap seconds are not representable), offsets beyond 23:59, garbage or trailing text.
    public static func parseMillis(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parseMillis(utf8: $0) }
    }

    /// Formats epoch milliseconds as `2026-11-25T11:38:18.123Z` (always three fractional digits, UTC), the
    /// canonical form used in API responses and exports.
    ///
    /// Years outside 0000...9999 use the ISO-8601 expanded form (`+10000-...`, `-0001-...`), which
    /// `parseMillis` does not accept.
    public static func format(millis: Int64) -> String {
        var days = millis / millisPerDay
        var rest = millis % millisPerDay
        if rest < 0 {
            rest += millisPerDay
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        let hour = rest / millisPerHour
        let minute = rest % millisPerHour / millisPerMinute
        let second = rest % millisPerMinute / millisPerSecond
        let milli = rest % millisPerSecond

        guard year >= 0 && year <= 9999 else {
            let yearText = year < 0 ? "-" + padded(-year, width: 4) : "+" + String(year)
            return yearText + "-" + padded(month, width: 2) + "-" + padded(day, width: 2) + "T"
                + padded(hour, width: 2) + ":" + padded(minute, width: 2) + ":" + padded(second, width: 2)
                + "." + padded(milli, width: 3) + "Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int64, at offset: Int, width: Int) {
                var value = value
                var index = offset + width - 1
                while index >= offset {
                    buffer[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                    index -= 1
                }
            }
            put(year, at: 0, width: 4)
            buffer[4] = UInt8(ascii: "-")
            put(month, at: 5, width: 2)
            buffer[7] = UInt8(ascii: "-")
            put(day, at: 8, width: 2)
            buffer[10] = UInt8(ascii: "T")
            put(hour, at: 11, width: 2)
            buffer[13] = UInt8(ascii: ":")
            put(minute, at: 14, width: 2)
            buffer[16] = UInt8(ascii: ":")
            put(second, at: 17, width: 2)
            buffer[19] = UInt8(ascii: ".")
            put(milli, at: 20, width: 3)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    // MARK: - Parsing

    /// Byte-level parser behind `parseMillis(_:)`.
    static func parseMillis(utf8 text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let count = text.count

        /// The decimal value of `width` ASCII digits starting at `offset`, or nil.
        func number(at offset: Int, width: Int) -> Int64? {
            guard offset + width <= count else { return nil }
            var value: Int64 = 0
            for index in offset..<(offset + width) {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }

        guard count >= 10,
            let year = number(at: 0, width: 4), text[4] == UInt8(ascii: "-"),
            let month = number(at: 5, width: 2), text[7] == UInt8(ascii: "-"),
            let day = number(at: 8, width: 2),
            month >= 1 && month <= 12,
            day >= 1 && day <= daysIn(month: month, year: year)
        else { return nil }
        let midnight = days(fromCivil: year, month, day) * millisPerDay
        if count == 10 {
            return midnight
        }

        let separator = text[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
            count >= 19,
            let hour = number(at: 11, width: 2), text[13] == UInt8(ascii: ":"),
            let minute = number(at: 14, width: 2), text[16] == UInt8(ascii: ":"),
            let second = number(at: 17, width: 2),
            hour <= 23 && minute <= 59 && second <= 59
        else { return nil }

        var index = 19
        var milli: Int64 = 0
        if index < count && text[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count, text[index] &- UInt8(ascii: "0") < 10 {
                if index - fractionStart < 3 {
                    milli = milli * 10 + Int64(text[index] &- UInt8(ascii: "0"))
                }
                index += 1
            }
            let digits = index - fractionStart
            guard digits > 0 else { return nil }
            if digits == 1 { milli *= 100 } else if digits == 2 { milli *= 10 }
        }

        var offsetMillis: Int64 = 0
        if index < count {
            let zone = text[index]
            if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
                index += 1
            } else if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
                guard let offsetHour = number(at: index + 1, width: 2), offsetHour <= 23 else { return nil }
                index += 3
                var offsetMinute: Int64 = 0
                if index < count {
                    if text[index] == UInt8(ascii: ":") {
                        index += 1
                    }
                    guard let value = number(at: index, width: 2), value <= 59 else { return nil }
                    offsetMinute = value
                    index += 2
                }
                offsetMillis = offsetHour * millisPerHour + offsetMinute * millisPerMinute
                if zone == UInt8(ascii: "-") {
                    offsetMillis = -offsetMillis
                }
            } else {
                return nil
            }
        }
        guard index == count else { return nil }

        return midnight + hour * millisPerHour + minute * millisPerMinute + second * millisPerSecond + milli
            - offsetMillis
    }

    // MARK: - Calendar arithmetic

    public static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Days in `month` (1–12) of `year` (proleptic Gregorian).
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Hinnant's `days_from_civil`).
    public static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date for a count of days since 1970-01-01 (Hinnant's `civil_from_days`).
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int64, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
