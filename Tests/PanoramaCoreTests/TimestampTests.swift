import Testing

@testable import PanoramaCore

/// An independent, deliberately naive epoch-millisecond computation (walks years and months) used as an
/// oracle for the Hinnant arithmetic in `Timestamp`.
private func naiveMillis(
    _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0,
    _ second: Int = 0, _ milli: Int = 0
) -> Int64 {
    func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
    let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    var days = 0
    if year >= 1970 {
        for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
    } else {
        for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
    }
    for m in 1..<month { days += monthLengths[m - 1] + (m == 2 && isLeap(year) ? 1 : 0) }
    days += day - 1
    let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    return seconds * 1000 + Int64(milli)
}

@Suite("Timestamp")
struct TimestampTests {
    @Test func knownInstants() {
        #expect(Timestamp.parseMillis("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18Z") == 1_795_606_698_000)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.123Z") == 1_795_606_698_123)
        #expect(Timestamp.parseMillis("2000-01-01T00:00:00Z") == 946_684_800_000)
        #expect(Timestamp.parseMillis("2024-02-29T12:00:00Z") == 1_709_208_000_000)
        #expect(Timestamp.parseMillis("1969-07-20T20:17:40Z") == -14_182_940_000)
        #expect(Timestamp.parseMillis("1900-01-01T00:00:00Z") == -2_208_988_800_000)
        #expect(Timestamp.parseMillis("0001-01-01T00:00:00Z") == -62_135_596_800_000)
        #expect(Timestamp.parseMillis("0000-01-01T00:00:00Z") == -62_167_219_200_000)
        #expect(Timestamp.parseMillis("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
    }

    @Test func preEpochIsNegative() {
        #expect(Timestamp.parseMillis("1969-12-31T23:59:59.999Z") == -1)
        #expect(Timestamp.parseMillis("1969-12-31T23:59:59Z") == -1000)
        #expect(Timestamp.parseMillis("1969-12-31") == -86_400_000)
    }

    @Test func offsets() {
        let utc = Timestamp.parseMillis("2026-11-25T11:38:18Z")
        #expect(utc != nil)
        #expect(Timestamp.parseMillis("2026-11-25T19:38:18+08:00") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T19:38:18+0800") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T19:38:18+08") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T06:38:18-05:00") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T06:38:18-0500") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T17:08:18+05:30") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18+00:00") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18-00:00") == utc)
        #expect(Timestamp.parseMillis("2026-11-26T00:38:18+13:00") == utc)
        // Offsets can move the instant across a day, month and year boundary.
        let newYear = Timestamp.parseMillis("2027-01-01T07:59:59.999+08:00")
        #expect(newYear != nil && newYear == Timestamp.parseMillis("2026-12-31T23:59:59.999Z"))
        #expect(Timestamp.parseMillis("1970-01-01T00:00:00+01:00") == -3_600_000)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.5+23:59") == utc! + 500 - (23 * 60 + 59) * 60_000)
    }

    @Test func fractionalSecondsAreTruncatedToMilliseconds() {
        let base = Timestamp.parseMillis("2026-11-25T11:38:18Z")!
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.1Z") == base + 100)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.12Z") == base + 120)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.123Z") == base + 123)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.1239Z") == base + 123)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.123456789Z") == base + 123)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.999999999999999999999Z") == base + 999)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.000Z") == base)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.5+01:00") == base + 500 - 3_600_000)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18.5") == base + 500)
        #expect(Timestamp.parseMillis("1969-12-31T23:59:59.9999Z") == -1)
    }

    @Test func lenientForms() {
        let utc = Timestamp.parseMillis("2026-11-25T11:38:18Z")
        #expect(Timestamp.parseMillis("2026-11-25t11:38:18z") == utc)
        #expect(Timestamp.parseMillis("2026-11-25 11:38:18Z") == utc)
        #expect(Timestamp.parseMillis("2026-11-25 11:38:18") == utc)
        #expect(Timestamp.parseMillis("2026-11-25T11:38:18") == utc)
        #expect(Timestamp.parseMillis("2026-11-25") == 1_795_564_800_000)
    }

    @Test func leapDays() {
        #expect(Timestamp.parseMillis("2024-02-29") == naiveMillis(2024, 2, 29))
        #expect(Timestamp.parseMillis("2024-02-29T23:59:59Z") == naiveMillis(2024, 2, 29, 23, 59, 59))
        #expect(Timestamp.parseMillis("2023-02-29") == nil)
        #expect(Timestamp.parseMillis("2023-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parseMillis("2000-02-29T00:00:00Z") == naiveMillis(2000, 2, 29))
        #expect(Timestamp.parseMillis("1900-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parseMillis("2100-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parseMillis("2024-02-30T00:00:00Z") == nil)
        #expect(Timestamp.format(millis: naiveMillis(2024, 2, 29, 12, 0, 0, 7)) == "2024-02-29T12:00:00.007Z")
        #expect(Timestamp.format(millis: naiveMillis(2024, 2, 29) + 86_400_000) == "2024-03-01T00:00:00.000Z")
        #expect(Timestamp.format(millis: naiveMillis(2023, 3, 1) - 1) == "2023-02-28T23:59:59.999Z")
    }

    @Test(arguments: [
        "", "garbage", "2026", "2026-11", "2026-11-2", "26-11-25", "2026-1-25", "2026/11/25", "2026-11-25T",
        "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "2026-04-31", "2026-02-30", "2026-01-32",
        "2026-11-25T24:00:00Z", "2026-11-25T24:00:00", "2026-11-25T23:60:00Z", "2026-11-25T23:59:60Z",
        "2026-11-25T11:38Z", "2026-11-25T11:38", "2026-11-25T1:38:18Z", "2026-11-25T11:38:18ZZ",
        "2026-11-25T11:38:18Z ", " 2026-11-25T11:38:18Z", "2026-11-25X11:38:18Z", "2026-11-25T11-38-18Z",
        "2026-11-25T11:38:18.Z", "2026-11-25T11:38:18.", "2026-11-25T11:38:18,123Z", "2026-11-25T11:38:18.12a",
        "2026-11-25T11:38:18+8:00", "2026-11-25T11:38:18+08:0", "2026-11-25T11:38:18+08:", "2026-11-25T11:38:18+",
        "2026-11-25T11:38:18+0860", "2026-11-25T11:38:18+24:00", "2026-11-25T11:38:18+08:00:00",
        "2026-11-25T11:38:18+08:00Z", "2026-11-25T11:38:18 +08:00", "2026-11-25T11:38:18UTC",
        "2026-11-25Z", "2026-11-25 ", "+2026-11-25", "-2026-11-25", "２０２６-11-25", "2026-11-25T11:38:18.1.2Z",
        "2026-11-25TT11:38:18Z", "2026-11-25T11:38:18\u{0}",
    ])
    func invalidTexts(_ text: String) {
        #expect(Timestamp.parseMillis(text) == nil)
    }

    @Test func formatting() {
        #expect(Timestamp.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(millis: 1_795_606_698_123) == "2026-11-25T11:38:18.123Z")
        #expect(Timestamp.format(millis: 1_795_606_698_000) == "2026-11-25T11:38:18.000Z")
        #expect(Timestamp.format(millis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.format(millis: -86_400_000) == "1969-12-31T00:00:00.000Z")
        #expect(Timestamp.format(millis: -86_400_001) == "1969-12-30T23:59:59.999Z")
        #expect(Timestamp.format(millis: -2_208_988_800_000) == "1900-01-01T00:00:00.000Z")
        #expect(Timestamp.format(millis: -62_167_219_200_000) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.format(millis: 253_402_300_799_999) == "9999-12-31T23:59:59.999Z")
    }

    @Test func formattingOutsideFourDigitYears() {
        #expect(Timestamp.format(millis: 253_402_300_800_000) == "+10000-01-01T00:00:00.000Z")
        #expect(Timestamp.format(millis: -62_167_219_200_001) == "-0001-12-31T23:59:59.999Z")
        // The extremes must not trap.
        #expect(Timestamp.format(millis: Int64.max).hasSuffix(".807Z"))
        #expect(Timestamp.format(millis: Int64.min).hasPrefix("-"))
    }

    @Test func civilArithmeticMatchesNaiveOracle() {
        var days = Timestamp.days(fromCivil: 1899, 1, 1)
        for year in 1899...2101 {
            for month in 1...12 {
                let length = [
                    31, (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28, 31, 30, 31, 30,
                    31, 31, 30, 31, 30, 31,
                ][month - 1]
                for day in 1...length {
                    #expect(Timestamp.days(fromCivil: Int64(year), Int64(month), Int64(day)) == days)
                    let civil = Timestamp.civil(fromDays: days)
                    #expect(civil.year == Int64(year) && civil.month == Int64(month) && civil.day == Int64(day))
                    days += 1
                }
            }
        }
        #expect(Timestamp.days(fromCivil: 1970, 1, 1) == 0)
        #expect(naiveMillis(1899, 1, 1) == Timestamp.days(fromCivil: 1899, 1, 1) * 86_400_000)
    }

    @Test func formatThenParseRoundTrips() {
        var rng = SplitMix64(seed: 0x7143)
        let lower = Timestamp.parseMillis("0000-01-01T00:00:00Z")!
        let upper = Timestamp.parseMillis("9999-12-31T23:59:59.999Z")!
        for _ in 0..<5000 {
            let millis = Int64.random(in: lower...upper, using: &rng)
            let text = Timestamp.format(millis: millis)
            #expect(text.utf8.count == 24)
            #expect(Timestamp.parseMillis(text) == millis, "\(text)")
        }
        for millis: Int64 in [lower, upper, 0, -1, 1, 951_782_400_000, 1_709_164_800_000] {
            #expect(Timestamp.parseMillis(Timestamp.format(millis: millis)) == millis)
        }
    }

    @Test func parseAgreesWithNaiveOracle() {
        var rng = SplitMix64(seed: 0x0AC1E)
        for _ in 0..<2000 {
            let year = Int.random(in: 1900...2100, using: &rng)
            let month = Int.random(in: 1...12, using: &rng)
            let day = Int.random(in: 1...28, using: &rng)
            let hour = Int.random(in: 0...23, using: &rng)
            let minute = Int.random(in: 0...59, using: &rng)
            let second = Int.random(in: 0...59, using: &rng)
            let milli = Int.random(in: 0...999, using: &rng)
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: width - digits.count) + digits
            }
            let text =
                "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):"
                + "\(pad(second, 2)).\(pad(milli, 3))Z"
            let expected = naiveMillis(year, month, day, hour, minute, second, milli)
            #expect(Timestamp.parseMillis(text) == expected, "\(text)")
            #expect(Timestamp.format(millis: expected) == text)
        }
    }
}
