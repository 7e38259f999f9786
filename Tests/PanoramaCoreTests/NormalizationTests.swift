import Testing

@testable import PanoramaCore

// MARK: - Helpers

/// Runs `body`, expecting it to throw a `NormalizationError` with `code` and a non-empty message.
@discardableResult
private func expectFailure(
    _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> String
) -> NormalizationError? {
    do {
        let value = try body()
        Issue.record("expected \(code), got '\(value)'", sourceLocation: sourceLocation)
        return nil
    } catch let error as NormalizationError {
        #expect(error.code == code, "message: \(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected NormalizationError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// GB 11643 check character computed independently of the implementation: the weight of the
/// character at 0-based position i is 2^(17-i) mod 11, and the check value c satisfies
/// (sum + c) ≡ 1 (mod 11), with 10 written as "X".
private func idCheckCharacter(_ body17: String) -> String {
    precondition(body17.count == 17)
    var sum = 0
    for (index, character) in body17.enumerated() {
        var weight = 1
        for _ in 0..<(17 - index) {
            weight = weight * 2 % 11
        }
        sum += character.wholeNumberValue! * weight
    }
    let check = (12 - sum % 11) % 11
    return check == 10 ? "X" : String(check)
}

/// A check character that is guaranteed to be wrong for `body17`.
private func wrongIDCheckCharacter(_ body17: String) -> String {
    idCheckCharacter(body17) == "1" ? "2" : "1"
}

// MARK: - NormalizationError

@Suite("NormalizationError")
struct NormalizationErrorTests {
    @Test func descriptionCombinesCodeAndMessage() {
        let error = NormalizationError(code: "invalid_phone", message: "phone 'x' is bad")
        #expect(error.description == "invalid_phone: phone 'x' is bad")
        #expect(error == NormalizationError(code: "invalid_phone", message: "phone 'x' is bad"))
        #expect(error != NormalizationError(code: "invalid_email", message: "phone 'x' is bad"))
    }

    @Test func messagesQuoteTheValueAndSayWhatIsExpected() throws {
        let error = try #require(expectFailure("invalid_phone") { try Normalizer.phone("12ab") })
        #expect(error.message.contains("'12ab'"))
        #expect(error.message.contains("expected"))
        #expect(error.message.contains("'a'"))
    }

    @Test func messagesTruncateLongValuesAndEscapeControlCharacters() throws {
        let long = String(repeating: "x", count: 300) + "\u{1}"
        let error = try #require(expectFailure("invalid_identifier") { try Normalizer.identifier(long) })
        #expect(error.message.contains("…"))
        #expect(error.message.count < 250)

        let control = try #require(expectFailure("invalid_identifier") { try Normalizer.identifier("a\u{7}b") })
        #expect(control.message.contains("\\u{7}"))
        #expect(!control.message.unicodeScalars.contains("\u{7}"))
    }
}

// MARK: - Email

@Suite("Normalizer.email")
struct EmailNormalizationTests {
    static let local64 = String(repeating: "a", count: 64)
    static let label63 = String(repeating: "b", count: 63)

    @Test(arguments: [
        ("Alice.X@Example.COM ", "alice.x@example.com"),
        ("alice.x@example.com", "alice.x@example.com"),
        ("  bob@example.com\u{3000}", "bob@example.com"),
        ("\u{00A0}Carol@Example.org\u{00A0}", "carol@example.org"),
        ("\t\r\ndan@example.net\n", "dan@example.net"),
        ("\u{FEFF}zoe@example.com\u{200B}", "zoe@example.com"),
        ("ｄａｖｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "dave@example.com"),
        ("ＤＡＶＥ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "dave@example.com"),
        ("eve＠example。cn", "eve@example.cn"),
        ("frank@example｡com", "frank@example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("USER_name-1@EXAMPLE-mail.com", "user_name-1@example-mail.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("a!#$%&'*+/=?^_`{|}~-z@example.com", "a!#$%&'*+/=?^_`{|}~-z@example.com"),
        ("12345@qq.com", "12345@qq.com"),
        ("Wang.Wei@163.COM", "wang.wei@163.com"),
        ("x@xn--fiqs8s.cn", "x@xn--fiqs8s.cn"),
        ("x@1.example.com", "x@1.example.com"),
        ("张三@例子.中国", "张三@例子.中国"),
        ("Jörg@Bücher.DE", "jörg@bücher.de"),
        ("ΣΩΚΡΆΤΗΣ@παράδειγμα.ελ", "σωκράτησ@παράδειγμα.ελ"),
        ("\(local64)@example.com", "\(local64)@example.com"),
        ("a@\(label63).com", "a@\(label63).com"),
    ])
    func normalizes(raw: String, expected: String) throws {
        #expect(try Normalizer.email(raw) == expected)
    }

    @Test(arguments: [
        "",
        "   ",
        "\u{3000}",
        "alice",
        "alice.example.com",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "a@b@example.com",
        "alice@example",
        "alice @example.com",
        "alice@exam ple.com",
        "alice@exam\u{3000}ple.com",
        "alice\u{00A0}x@example.com",
        "alice@example..com",
        "alice@.example.com",
        "alice@example.com.",
        ".alice@example.com",
        "alice.@example.com",
        "al..ice@example.com",
        "alice@-example.com",
        "alice@example-.com",
        "alice@example.-com",
        "alice@example.123",
        "alice@192.168.1.1",
        "alice@[127.0.0.1]",
        "alice<x>@example.com",
        "\"alice\"@example.com",
        "alice(comment)@example.com",
        "alice,bob@example.com",
        "alice@exa_mple.com",
        "alice@example.com\u{7}",
        "ali\u{0}ce@example.com",
        "ali\u{85}ce@example.com",
        "mailto:alice@example.com",
        "Alice <alice@example.com>",
        "alice@😀.com",
        String(repeating: "a", count: 65) + "@example.com",
        "a@" + String(repeating: "b", count: 64) + ".com",
        "a@" + Array(repeating: String(repeating: "c", count: 60), count: 5).joined(separator: ".") + ".com",
    ])
    func rejects(raw: String) {
        expectFailure("invalid_email") { try Normalizer.email(raw) }
    }

    @Test func totalLengthLimitIs254Bytes() {
        let label = String(repeating: "d", count: 60)
        // 64 + 1 + (60 + 1) * 3 + 3 = 251 bytes.
        let ok = "\(Self.local64)@\(label).\(label).\(label).com"
        #expect(ok.utf8.count == 251)
        #expect((try? Normalizer.email(ok)) == ok)
        // 64 + 1 + 61 * 3 + 6 = 254 bytes.
        let limit = "\(Self.local64)@\(label).\(label).\(label).abcdef"
        #expect(limit.utf8.count == 254)
        #expect((try? Normalizer.email(limit)) == limit)
        let over = "\(Self.local64)@\(label).\(label).\(label).abcdefg"
        #expect(over.utf8.count == 255)
        expectFailure("invalid_email") { try Normalizer.email(over) }
    }

    @Test(arguments: ["alice.x@example.com", "张三@例子.中国", "jörg@bücher.de"])
    func isIdempotent(value: String) throws {
        let once = try Normalizer.email(value)
        #expect(try Normalizer.email(once) == once)
    }
}

// MARK: - Phone

@Suite("Normalizer.phone")
struct PhoneNormalizationTests {
    @Test(arguments: [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "138 - 0013 - 8000",
        " 13800138000 ",
        "\u{3000}13800138000\u{3000}",
        "138\u{00A0}0013\u{00A0}8000",
        "138–0013–8000",
        "138—0013—8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "+8613800138000",
        "+86 (0)138 0013 8000",
        "0086 13800138000",
        "0086-138-0013-8000",
        "8613800138000",
        "86 138 0013 8000",
        "(+86)13800138000",
        "(+86) 138-0013-8000",
        "（+86）13800138000",
        "１３８００１３８０００",
        "＋８６ １３８ ００１３ ８０００",
        "１３８－００１３－８０００",
        "013800138000",
    ])
    func chineseMobileForms(raw: String) throws {
        #expect(try Normalizer.phone(raw) == "+8613800138000")
    }

    @Test(arguments: [
        ("13012345678", "+8613012345678"),
        ("145 1234 5678", "+8614512345678"),
        ("166-1234-5678", "+8616612345678"),
        ("17712345678", "+8617712345678"),
        ("19912345678", "+8619912345678"),
        ("+86 199 1234 5678", "+8619912345678"),
    ])
    func chineseMobilePrefixes(raw: String, expected: String) throws {
        #expect(try Normalizer.phone(raw) == expected)
    }

    @Test(arguments: [
        ("010-12345678", "+861012345678"),
        ("01012345678", "+861012345678"),
        ("(010) 1234 5678", "+861012345678"),
        ("010 1234 5678", "+861012345678"),
        ("+86 10 1234 5678", "+861012345678"),
        ("+86 (0)10 1234 5678", "+861012345678"),
        ("+86 010 12345678", "+861012345678"),
        ("0086 10 12345678", "+861012345678"),
        ("86 10 12345678", "+861012345678"),
        ("０１０－１２３４５６７８", "+861012345678"),
        ("0755 8888 8888", "+8675588888888"),
        ("0755-88888888", "+8675588888888"),
        ("(0755)88888888", "+8675588888888"),
        ("+86 755 8888 8888", "+8675588888888"),
        ("020-87654321", "+862087654321"),
        ("021 6123 4567", "+862161234567"),
        ("0571-8765432", "+865718765432"),
        ("0898-6512345", "+868986512345"),
    ])
    func chineseLandlines(raw: String, expected: String) throws {
        #expect(try Normalizer.phone(raw) == expected)
    }

    @Test(arguments: [
        ("+1 (415) 555-2671", "+14155552671"),
        ("+1-415-555-2671", "+14155552671"),
        ("+1.415.555.2671", "+14155552671"),
        ("001 415 555 2671", "+14155552671"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+44 (0) 20 7946 0958", "+442079460958"),
        ("0044 (0)20 7946 0958", "+442079460958"),
        ("+81 3-1234-5678", "+81312345678"),
        ("+852 2345 6789", "+85223456789"),
        ("+853 6612 3456", "+85366123456"),
        ("+886 912 345 678", "+886912345678"),
        ("+65 6123 4567", "+6561234567"),
        ("+49 30 123456", "+4930123456"),
        ("+49 (30) 123456", "+4930123456"),
        ("+39 06 1234 5678", "+390612345678"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("+7 495 123-45-67", "+74951234567"),
        ("+971 ٥٠ ١٢٣ ٤٥٦٧", "+971501234567"),
        ("+61 2 1234 5678", "+61212345678"),
        ("+41 44 668 18 00", "+41446681800"),
        ("＋４４ ２０ ７９４６ ０９５８", "+442079460958"),
    ])
    func internationalNumbers(raw: String, expected: String) throws {
        #expect(try Normalizer.phone(raw) == expected)
    }

    @Test(arguments: [
        ("(415) 555-2671", "1", "+14155552671"),
        ("415.555.2671", "1", "+14155552671"),
        ("1 415 555 2671", "1", "+14155552671"),
        ("+44 20 7946 0958", "1", "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
        ("020 7946 0958", "+44", "+442079460958"),
        ("030 123456", "49", "+4930123456"),
        ("06 1234 5678", "39", "+390612345678"),
        ("0612 345 678", "31", "+31612345678"),
        ("13800138000", "+86", "+8613800138000"),
        ("+86 138 0013 8000", "44", "+8613800138000"),
        ("0086 13800138000", "1", "+8613800138000"),
    ])
    func otherDefaultCountries(raw: String, country: String, expected: String) throws {
        #expect(try Normalizer.phone(raw, defaultCountryCode: country) == expected)
    }

    @Test(arguments: [
        "",
        "   ",
        "12ab",
        "abc",
        "+",
        "()",
        "-",
        "+-",
        "1380013800",
        "138001380001",
        "12800138000",
        "11800138000",
        "10086",
        "95588",
        "12345678",
        "1012345678",
        "75588888888",
        "010-1234",
        "010-123456",
        "010-123456789",
        "0755-888888888",
        "0755-123456",
        "010-02345678",
        "00",
        "0",
        "+86 12345",
        "+86 138 0013 800",
        "+86 128 0013 8000",
        "+86 10 1234",
        "+86 0",
        "8612345",
        "+1 415 555 267",
        "+1 415 555 26711",
        "+1 015 555 2671",
        "+44 1234",
        "+1234567890123456",
        "+44 2079 4609 5812 34",
        "+0 123 4567 8901",
        "000 44 20 7946 0958",
        "138+00138000",
        "++8613800138000",
        "+86+13800138000",
        "tel:+8613800138000",
        "😀13800138000",
        "138 0013 8000 ☎",
        "1380013800０a",
        String(repeating: "1", count: 40),
    ])
    func rejects(raw: String) {
        expectFailure("invalid_phone") { try Normalizer.phone(raw) }
    }

    @Test(arguments: [
        "13800138000 ext 12",
        "13800138000 ext. 12",
        "010-12345678 x12",
        "010-12345678 X 12",
        "010-12345678转123",
        "010-12345678 轉 123",
        "010-12345678分机123",
        "010-12345678#123",
        "010-12345678,123",
        "010-12345678;123",
        "+1 415 555 2671 ext 7",
    ])
    func rejectsExtensions(raw: String) throws {
        let error = try #require(expectFailure("invalid_phone") { try Normalizer.phone(raw) })
        #expect(error.message.contains("extension"))
    }

    @Test(arguments: [
        ("020 7946 0958", "1"),
        ("415 555 2671 1", "1"),
        ("0 0", "44"),
        ("1234", "44"),
        ("13800138000", "abc"),
        ("13800138000", "0"),
        ("13800138000", "1234"),
        ("13800138000", ""),
        ("13800138000", "+"),
    ])
    func rejectsWithOtherDefaultCountries(raw: String, country: String) {
        expectFailure("invalid_phone") { try Normalizer.phone(raw, defaultCountryCode: country) }
    }

    @Test(arguments: ["+8613800138000", "+861012345678", "+8675588888888", "+14155552671", "+442079460958"])
    func isIdempotent(value: String) throws {
        #expect(try Normalizer.phone(value) == value)
        #expect(try Normalizer.phone(value, defaultCountryCode: "44") == value)
    }
}

// MARK: - Generic identifiers

@Suite("Normalizer.identifier")
struct IdentifierNormalizationTests {
    @Test(arguments: [
        ("user-42", "user-42"),
        ("  User-42  ", "User-42"),
        ("\u{3000}ABC\u{00A0}", "ABC"),
        ("\t42\r\n", "42"),
        ("\u{FEFF}anon_7f3a\u{200B}", "anon_7f3a"),
        ("CRM:0001", "CRM:0001"),
        ("客户 007", "客户 007"),
        ("a  b", "a  b"),
        ("e\u{301}", "e\u{301}"),
        (" \u{301}x", "\u{301}x"),
        ("😀", "😀"),
        ("a", "a"),
        (String(repeating: "a", count: 255), String(repeating: "a", count: 255)),
        (String(repeating: "中", count: 85), String(repeating: "中", count: 85)),
        (" " + String(repeating: "a", count: 255) + " ", String(repeating: "a", count: 255)),
    ])
    func normalizes(raw: String, expected: String) throws {
        let result = try Normalizer.identifier(raw)
        #expect(result == expected)
        #expect(Array(result.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test(arguments: [
        "",
        " ",
        "\u{3000}\u{00A0}\t\n",
        "\u{200B}",
        "a\u{0}b",
        "a\nb",
        "a\tb",
        "a\u{7F}b",
        "a\u{85}b",
        "a\u{9F}b",
        String(repeating: "a", count: 256),
        String(repeating: "中", count: 86),
        String(repeating: "😀", count: 64),
    ])
    func rejects(raw: String) {
        expectFailure("invalid_identifier") { try Normalizer.identifier(raw) }
    }
}

// MARK: - WeChat ids

@Suite("Normalizer.wechatID")
struct WeChatIDNormalizationTests {
    @Test(arguments: [
        ("oWx1a5Gd8hZ7xYz-Q_3kLm9Pq2Rs", "oWx1a5Gd8hZ7xYz-Q_3kLm9Pq2Rs"),
        (" o6_bmjrPTlm6_2sgVt7hMZOPfL2M ", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
        ("\u{3000}oAbCdEf123\u{3000}", "oAbCdEf123"),
        ("ABCdef", "ABCdef"),
        (String(repeating: "x", count: 64), String(repeating: "x", count: 64)),
    ])
    func normalizes(raw: String, expected: String) throws {
        #expect(try Normalizer.wechatID(raw) == expected)
    }

    @Test(arguments: [
        "",
        "   ",
        "abc12",
        String(repeating: "x", count: 65),
        "o6_bmj rPTlm6",
        "o6_bmj.rPTlm6",
        "oWx1a5Gd8hZ7xYz+Q",
        "oWx1a5Gd8hZ7xYz=",
        "微信用户123456",
        "ｏＷｘ１ａ５Ｇｄ８",
        "oWx1a5\u{0}Gd8",
    ])
    func rejects(raw: String) {
        expectFailure("invalid_identifier") { try Normalizer.wechatID(raw) }
    }
}

// MARK: - Device ids

@Suite("Normalizer.deviceID")
struct DeviceIDNormalizationTests {
    @Test(arguments: [
        ("6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc"),
        (" 6d92078a-8246-4ba4-ae5b-76104861e7dc ", "6d92078a-8246-4ba4-ae5b-76104861e7dc"),
        ("6d92078A-8246-4bA4-AE5B-76104861e7Dc", "6d92078a-8246-4ba4-ae5b-76104861e7dc"),
        ("9774D56D682E549C", "9774D56D682E549C"),
        ("356938035643809", "356938035643809"),
        ("6D92078A82464BA4AE5B76104861E7DC", "6D92078A82464BA4AE5B76104861E7DC"),
        ("{6D92078A-8246-4BA4-AE5B-76104861E7DC}", "{6D92078A-8246-4BA4-AE5B-76104861E7DC}"),
        ("6D92078A-8246-4BA4-AE5B-76104861E7DG", "6D92078A-8246-4BA4-AE5B-76104861E7DG"),
        ("6D92078A-82464-BA4-AE5B-76104861E7DC", "6D92078A-82464-BA4-AE5B-76104861E7DC"),
        ("OAID-Abc-123", "OAID-Abc-123"),
        ("00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000001"),
    ])
    func normalizes(raw: String, expected: String) throws {
        #expect(try Normalizer.deviceID(raw) == expected)
    }

    @Test(arguments: [
        "",
        "\u{3000}",
        "00000000-0000-0000-0000-000000000000",
        " 00000000-0000-0000-0000-000000000000 ",
        "000000000000000",
        "0",
        "abc\u{1}def",
        String(repeating: "f", count: 256),
    ])
    func rejects(raw: String) {
        expectFailure("invalid_identifier") { try Normalizer.deviceID(raw) }
    }

    @Test func uuidDetection() {
        #expect(Normalizer.isUUID(Array("6d92078a-8246-4ba4-ae5b-76104861e7dc".utf8)))
        #expect(Normalizer.isUUID(Array("6D92078A-8246-4BA4-AE5B-76104861E7DC".utf8)))
        #expect(!Normalizer.isUUID(Array("6d92078a-8246-4ba4-ae5b-76104861e7d".utf8)))
        #expect(!Normalizer.isUUID(Array("6d92078a_8246-4ba4-ae5b-76104861e7dc".utf8)))
        #expect(!Normalizer.isUUID(Array("6d92078a-8246-4ba4-ae5b-76104861e7dz".utf8)))
    }
}

// MARK: - Chinese resident ID numbers

@Suite("Normalizer.chineseIDNumber")
struct ChineseIDNumberNormalizationTests {
    /// 17-digit bodies with valid region codes and birth dates (incl. leap days).
    static let validBodies = [
        "11010519491231002",
        "44030419900101123",
        "11010119800229001",
        "31011520000229123",
        "44030319800101001",
        "11010520000101001",
        "11010419911231001",
        "51010519800115123",
        "65010220231130987",
        "91000019850704000",
    ]

    @Test func helperMatchesKnownExample() {
        #expect(idCheckCharacter("11010519491231002") == "X")
        #expect(idCheckCharacter("44030419900101123") == "3")
    }

    @Test(arguments: validBodies)
    func acceptsValidNumbers(body: String) throws {
        let number = body + idCheckCharacter(body)
        #expect(try Normalizer.chineseIDNumber(number) == number)
        #expect(try Normalizer.chineseIDNumber(" \(number.lowercased())\u{3000}") == number)
    }

    @Test(arguments: validBodies)
    func rejectsWrongCheckCharacter(body: String) throws {
        let wrong = body + wrongIDCheckCharacter(body)
        let error = try #require(expectFailure("invalid_id_number") { try Normalizer.chineseIDNumber(wrong) })
        #expect(error.message.contains("checksum"))
        #expect(!error.message.contains(body))
    }

    @Test(arguments: [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 11010519491231002X\u{3000}", "11010519491231002X"),
        ("\u{00A0}11010519491231002x\t", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("440304199001011233", "440304199001011233"),
    ])
    func normalizesForms(raw: String, expected: String) throws {
        #expect(try Normalizer.chineseIDNumber(raw) == expected)
    }

    @Test(arguments: [
        ("110105491231002", "11010519491231002"),
        ("440304900101123", "44030419900101123"),
        ("110101800229001", "11010119800229001"),
        (" 510105800115123 ", "51010519800115123"),
    ])
    func convertsLegacy15DigitNumbers(raw: String, body: String) throws {
        #expect(try Normalizer.chineseIDNumber(raw) == body + idCheckCharacter(body))
    }

    @Test func legacyExampleConvertsToKnownNumber() throws {
        #expect(try Normalizer.chineseIDNumber("110105491231002") == "11010519491231002X")
    }

    @Test(arguments: [
        "11010519490230002",  // Feb 30
        "11010519490229002",  // Feb 29 in a non-leap year
        "11010519000229002",  // 1900 is not a leap year
        "11010519491301002",  // month 13
        "11010519490001002",  // month 00
        "11010519490100002",  // day 00
        "11010519490431002",  // Apr 31
        "11010517991231002",  // year 1799
        "11010521000101002",  // year 2100
        "01010519491231002",  // region code starting with 0
    ])
    func rejectsInvalidBodiesEvenWithCorrectCheckCharacter(body: String) {
        expectFailure("invalid_id_number") { try Normalizer.chineseIDNumber(body + idCheckCharacter(body)) }
    }

    @Test(arguments: [
        "",
        "   ",
        "11010519491231002",
        "1101051949123100211",
        "110105194912310021",
        "11010519491231002Y",
        "X1010519491231002X",
        "1101051949123100X2",
        "11010519491231002XX",
        "110105-19491231-002X",
        "11010519491231002X\u{0}",
        "11010549123100X",
        "110105490230002",
        "11010549123100",
        "1101054912310021",
        "abc",
        String(repeating: "1", count: 40),
    ])
    func rejects(raw: String) {
        expectFailure("invalid_id_number") { try Normalizer.chineseIDNumber(raw) }
    }
}

// MARK: - Dispatch

@Suite("Normalizer.normalize(type:value:)")
struct NormalizeDispatchTests {
    @Test(arguments: [
        ("email", " Alice@Example.COM ", "alice@example.com"),
        ("phone", "138 0013 8000", "+8613800138000"),
        ("phone", "010-12345678", "+861012345678"),
        ("wechat_unionid", " o6_bmjrPTlm6_2sgVt7hMZOPfL2M ", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
        ("wechat_openid", "oWx1a5Gd8hZ7xYz-Q_3kLm9Pq2Rs", "oWx1a5Gd8hZ7xYz-Q_3kLm9Pq2Rs"),
        ("device_id", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc"),
        ("id_number", "11010519491231002x", "11010519491231002X"),
        ("user_id", "  U-1 ", "U-1"),
        ("anonymous_id", "Anon-ABC", "Anon-ABC"),
        ("crm_id", "CRM-0001", "CRM-0001"),
        ("Email", "Alice@Example.COM", "Alice@Example.COM"),
        ("device_idfa", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6D92078A-8246-4BA4-AE5B-76104861E7DC"),
    ])
    func dispatchesByType(type: String, value: String, expected: String) throws {
        #expect(try Normalizer.normalize(type: type, value: value) == expected)
    }

    @Test(arguments: [
        ("email", "not-an-email", "invalid_email"),
        ("phone", "12ab", "invalid_phone"),
        ("wechat_unionid", "bad id", "invalid_identifier"),
        ("wechat_openid", "abc", "invalid_identifier"),
        ("device_id", "", "invalid_identifier"),
        ("device_id", "00000000-0000-0000-0000-000000000000", "invalid_identifier"),
        ("id_number", "123", "invalid_id_number"),
        ("user_id", "  ", "invalid_identifier"),
        ("crm_id", "a\u{0}b", "invalid_identifier"),
    ])
    func reportsTheTypeSpecificCode(type: String, value: String, code: String) {
        expectFailure(code) { try Normalizer.normalize(type: type, value: value) }
    }
}
