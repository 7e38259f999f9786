import Foundation
import PanoramaCore
import Testing

@testable import PanoramaServices

/// bcrypt through libxcrypt: round trips, the OpenBSD test vector, malformed stored hashes,
/// rehash decisions and the password policy. Costs 4–5 keep the suite fast.
@Suite struct SecurityPrimitivesPasswordTests {
    let hasher = PasswordHasher(cost: 4)

    @Test func aHashVerifiesItsPasswordAndNoOther() throws {
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2b$04$") && hash.count == 60)
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!hasher.verify("", against: hash))
    }

    @Test func eachHashHasItsOwnSalt() throws {
        let first = try hasher.hash("same password")
        let second = try hasher.hash("same password")
        #expect(first != second)
        #expect(hasher.verify("same password", against: first) && hasher.verify("same password", against: second))
    }

    @Test func chinesePasswordsRoundTrip() throws {
        let hash = try hasher.hash("我的密码是一二三四五六")
        #expect(hasher.verify("我的密码是一二三四五六", against: hash))
        #expect(!hasher.verify("我的密码是一二三四五", against: hash))
    }

    @Test func theDefaultCostIsTwelve() {
        #expect(PasswordHasher().cost == 12)
    }

    /// The OpenBSD/John the Ripper vector for "U*U" at cost 5, as libxcrypt and Python's bcrypt agree.
    @Test func knownVectorVerifies() {
        let known = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
        #expect(hasher.verify("U*U", against: known))
        #expect(!hasher.verify("U*V", against: known))
        // The same salt with another cost is another hash.
        #expect(!hasher.verify("U*U", against: "$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
    }

    @Test(arguments: [
        "", "garbage", "ga3B1/aPyo5qQ",  // a DES hash of "x", which libxcrypt would accept
        "$2b$05$", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",  // one short
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",  // one long
        "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",  // cost below 4
        "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",  // cost above 31
        "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",  // unknown variant
        "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",  // not bcrypt base64
        "$2b$0a$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
    ])
    func malformedStoredHashesNeverMatch(_ stored: String) {
        #expect(!hasher.verify("x", against: stored))
        #expect(!hasher.verify("U*U", against: stored))
        #expect(hasher.needsRehash(stored))
    }

    @Test func passwordsBcryptWouldTruncateAreRefused() throws {
        let limit = String(repeating: "a", count: 72)
        let hash = try hasher.hash(limit)
        #expect(hasher.verify(limit, against: hash))
        // 73 bytes share the 72 bcrypt reads, so they must not be accepted as the same password.
        #expect(!hasher.verify(limit + "b", against: hash))
        let error = #expect(throws: PasswordError.self) { try hasher.hash(limit + "b") }
        #expect(error?.code == .tooLong)
        #expect(#expect(throws: PasswordError.self) { try hasher.hash("abc\0def") }?.code == .invalidCharacter)
        #expect(!hasher.verify("abc\0", against: try hasher.hash("abc")))
    }

    @Test func lowerCostsAndOtherVariantsNeedRehashing() throws {
        let current = PasswordHasher(cost: 5)
        #expect(current.needsRehash(try hasher.hash("a long password")))  // cost 4 < 5
        #expect(!current.needsRehash("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        #expect(!hasher.needsRehash("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))  // higher is fine
        #expect(current.needsRehash("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
        #expect(current.needsRehash("$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
    }

    /// `$2a$` and `$2y$` hashes from other systems still verify, so users can log in and be rehashed.
    @Test func legacyBcryptVariantsStillVerify() {
        #expect(hasher.verify("U*U", against: "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"))
    }

    @Test func comparisonIsExact() {
        #expect(PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2]))
    }

    // MARK: Policy

    let policy = PasswordPolicy()

    @Test(arguments: ["a sensible passphrase", "Tr0ub4dor&3x", "我的密码是一二三四五六", "aaaaaaaaab"])
    func reasonablePasswordsPass(_ password: String) throws {
        try policy.validate(password)
    }

    @Test func shortPasswordsAreRefusedByCharacterCount() throws {
        let error = #expect(throws: PasswordError.self) { try policy.validate("short1234") }
        #expect(error?.code == .tooShort)
        #expect(error?.code.rawValue == "password_too_short")
        // Ten Chinese characters are long enough although ten bytes would not be.
        try policy.validate("一二三四五六七八九十")
        #expect(throws: PasswordError.tooShort(minimum: 10)) { try policy.validate("一二三四五六七八九") }
    }

    @Test func passwordsOverSeventyTwoBytesAreRefused() throws {
        try policy.validate(String(repeating: "ab", count: 36))
        let error = #expect(throws: PasswordError.self) {
            try policy.validate(String(repeating: "ab", count: 36) + "c")
        }
        #expect(error?.code.rawValue == "password_too_long")
        #expect(error?.message.contains("bcrypt") == true)
        // 25 Chinese characters are 75 bytes.
        #expect(throws: PasswordError.self) { try policy.validate(String(repeating: "密", count: 25)) }
    }

    @Test(arguments: [
        "password123", "1234567890", "qwertyuiop", "admin12345", "PASSWORD123", "QwertyUiop", "aaaaaaaaaa",
        "1111111111111", "密密密密密密密密密密",
    ])
    func guessablePasswordsAreTooCommon(_ password: String) {
        let error = #expect(throws: PasswordError.self) { try policy.validate(password) }
        #expect(error?.code.rawValue == "password_too_common")
    }

    @Test func errorsCarryBothLanguagesIntoPanoramaError() {
        let error = PasswordError.tooShort(minimum: 10).panoramaError
        #expect(error.kind == .badRequest)
        #expect(error.code == "password_too_short")
        #expect(error.field == "password")
        #expect(error.message.contains("at least 10 characters") && error.message.contains("密码至少需要 10 个字符"))
        #expect(PasswordError.hashingFailed.panoramaError.kind == .internal)
        #expect(PasswordError.common.chineseMessage.contains("常见"))
    }
}

/// TOTP against the RFC 6238 SHA-1 vectors, its window, and the provisioning URI; Base32
/// against RFC 4648.
@Suite struct SecurityPrimitivesTOTPTests {
    let rfcSecret = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func rfc6238Vectors(_ seconds: Int, _ expected: String) {
        let totp = TOTP(secret: rfcSecret, digits: 8, period: 30)
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        #expect(totp.code(at: date) == expected)
        #expect(totp.verify(expected, at: date, window: 0) == seconds / 30)
    }

    @Test func sixDigitCodesAreTheLastSixOfTheTruncation() {
        let totp = TOTP(secret: rfcSecret)
        #expect(totp.code(at: Date(timeIntervalSince1970: 59)) == "287082")
        #expect(totp.code(at: Date(timeIntervalSince1970: 1_111_111_109)) == "081804")
    }

    @Test func theWindowAcceptsNeighbouringStepsOnly() throws {
        // Given the codes of five consecutive steps around a fixed moment (all distinct)
        let totp = TOTP(secret: rfcSecret)
        let now = Date(timeIntervalSince1970: 1_111_111_109)
        let step = 37_037_036
        #expect(totp.timeStep(at: now) == step)
        let codes = ((step - 2)...(step + 2)).map { totp.code(forStep: $0) }
        try #require(Set(codes).count == 5)

        // Then the default window of one step accepts the neighbours and says which step matched
        #expect(totp.verify(codes[2], at: now) == step)
        #expect(totp.verify(codes[1], at: now) == step - 1)
        #expect(totp.verify(codes[3], at: now) == step + 1)
        #expect(totp.verify(codes[0], at: now) == nil)
        #expect(totp.verify(codes[4], at: now) == nil)
        // A window of two reaches one step further; zero (or less) only the current step
        #expect(totp.verify(codes[0], at: now, window: 2) == step - 2)
        #expect(totp.verify(codes[4], at: now, window: 2) == step + 2)
        #expect(totp.verify(codes[1], at: now, window: 0) == nil)
        #expect(totp.verify(codes[2], at: now, window: -3) == step)
        #expect(totp.verify(codes[3], at: now, window: -3) == nil)
    }

    @Test func theSameCodeMatchesTheSameStepThroughoutItsPeriod() {
        let totp = TOTP(secret: rfcSecret)
        let start = Date(timeIntervalSince1970: 1_111_111_080)
        let code = totp.code(at: start)
        #expect(totp.verify(code, at: start) == 37_037_036)
        #expect(totp.verify(code, at: start.addingTimeInterval(29)) == 37_037_036)
        #expect(totp.verify(code, at: start.addingTimeInterval(59)) == 37_037_036)  // one step late
    }

    @Test func malformedCodesAreRejected() {
        let totp = TOTP(secret: rfcSecret)
        let now = Date(timeIntervalSince1970: 59)
        #expect(totp.verify("287082", at: now) == 1)
        #expect(totp.verify("287 082", at: now) == 1)
        for code in ["", "28708", "2870820", "28708a", "２８７０８２", "-87082", "287082\n"] {
            #expect(totp.verify(code, at: now) == nil, "\(code)")
        }
    }

    @Test func timesBeforeTheEpochUseStepZero() {
        let totp = TOTP(secret: rfcSecret)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: -100)) == 0)
        #expect(totp.code(at: Date(timeIntervalSince1970: -100)) == totp.code(at: Date(timeIntervalSince1970: 0)))
    }

    @Test func secretsAreTwentyRandomBytes() {
        let a = TOTP.generateSecret()
        #expect(a.count == 20)
        #expect(a != TOTP.generateSecret())
    }

    @Test func provisioningURIPercentEncodesTheLabel() {
        let totp = TOTP(secret: rfcSecret)
        #expect(
            totp.provisioningURI(account: "alice@example.com")
                == "otpauth://totp/Panorama:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                + "&issuer=Panorama&algorithm=SHA1&digits=6&period=30")
        let uri = TOTP(secret: [1, 2, 3], digits: 8, period: 60)
            .provisioningURI(issuer: "Acme Corp", account: "张三:admin")
        #expect(
            uri == "otpauth://totp/Acme%20Corp:%E5%BC%A0%E4%B8%89%3Aadmin?secret=AEBAG"
                + "&issuer=Acme%20Corp&algorithm=SHA1&digits=8&period=60")
    }

    // MARK: Base32

    @Test(arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ])
    func rfc4648Vectors(_ plain: String, _ encoded: String) throws {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(try Base32.decode(encoded) == Array(plain.utf8))
    }

    @Test func decodingAcceptsLowerCaseSpacesAndPadding() throws {
        #expect(try Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
        #expect(try Base32.decode("MZXW 6YTB OI") == Array("foobar".utf8))
        #expect(try Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(try Base32.decode("my======") == Array("f".utf8))
    }

    @Test func secretsRoundTrip() throws {
        for _ in 0..<20 {
            let secret = TOTP.generateSecret()
            #expect(try Base32.decode(Base32.encode(secret)) == secret)
        }
    }

    @Test(arguments: ["MZXW1", "MZXW8", "MZ=XW", "MZXW6YTBOI!", "MZXW6YTBÖI", "MY-"])
    func invalidCharactersThrow(_ text: String) {
        let error = #expect(throws: Base32Error.self) { try Base32.decode(text) }
        #expect(error?.code.rawValue == "invalid_base32_character")
    }

    @Test(arguments: ["M", "MZX", "MZXW6Y", "MZXW6YTBO"])
    func impossibleLengthsThrow(_ text: String) {
        let error = #expect(throws: Base32Error.self) { try Base32.decode(text) }
        #expect(error?.code == .invalidLength)
        #expect(error?.panoramaError.kind == .badRequest)
    }
}

/// Masking of every PII kind, on Characters, including short, blank and full-width values.
@Suite struct SecurityPrimitivesMaskingTests {
    @Test(arguments: [
        ("13812348000", "138****8000"),
        ("138 1234 8000", "138****8000"),
        ("138-1234-8000", "138****8000"),
        ("+86 138 1234 8000", "+86 138****8000"),
        ("+8613812348000", "+86 138****8000"),
        ("8613812348000", "86 138****8000"),
        ("0086 13812348000", "0086 138****8000"),
        ("１３８１２３４８０００", "138****8000"),
        ("010-12345678", "010******78"),  // 11 digits, not a mobile: first 3, last 2
        ("400 800 8888", "400*****88"),  // 10 digits
        ("12345678", "12****78"),  // 8 digits: at most 4 shown
        ("123456", "12***6"),
        ("1234", "1**4"),
        ("123", "1**"),
        ("12", "1*"),
        ("1", "*"),
        ("+44 20 7946 0958", "+442*******58"),
        ("N/A", "N*A"),
    ])
    func phones(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .phone) == masked)
    }

    @Test func otherPhoneNumbersNeverShowMoreThanHalfTheirDigits() {
        for length in 1...20 {
            let digits = String(repeating: "9", count: length)
            let shown = Masking.mask(digits, as: .phone).filter(\.isNumber).count
            #expect(shown <= length / 2, "length \(length)")
        }
    }

    @Test(arguments: [
        ("110101199003071234", "110***********1234"),
        ("11010119900307123x", "110***********123X"),
        ("11010119900307123X", "110***********123X"),
        ("110101 19900307 1234", "110***********1234"),
        ("１１０１０１１９９００３０７１２３４", "110***********1234"),
        ("110101900307123", "110*********123"),
        ("12345", "1***5"),  // not an ID: masked as other
        ("11010119900307123Y", "1****************Y"),
    ])
    func chineseIDs(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .chineseID) == masked)
    }

    @Test(arguments: [
        ("alice@example.com", "a***@example.com"),
        ("a@example.com", "a***@example.com"),
        ("张三@例子.中国", "张***@例子.中国"),
        ("@example.com", "***@example.com"),
        ("alice@", "a****@"),
        ("alice", "a***e"),
        ("\"a@b\"@example.com", "\"***@example.com"),
    ])
    func emails(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .email) == masked)
    }

    @Test(arguments: [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),
        ("张", "*"),
        ("张 三", "张*"),
        ("阿卜杜·热合曼", "阿**·***"),
        ("Alice Smith", "A**** S****"),
        ("Alice  Mary   Smith", "A**** M*** S****"),
        ("Alice", "A****"),
        ("Zoë Ångström", "Z** Å*******"),
        ("A", "*"),
    ])
    func names(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .name) == masked)
    }

    @Test(arguments: [
        ("北京市朝阳区建国路88号", "北京市****"),
        ("浙江省杭州市西湖区文三路1号", "浙江省杭州市****"),
        ("广东省广州市天河区体育西路", "广东省广州市****"),
        ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市****"),
        ("湖北省恩施土家族苗族自治州恩施市", "湖北省恩施土家族苗族自治州****"),
        ("杭州市西湖区省府路8号", "杭州市****"),
        ("浙江省文三路1号", "浙江省****"),
        ("文三路1号", "****"),
        ("北京市", "北京市"),
        ("1 Infinite Loop, Cupertino, CA 95014, USA", "****, USA"),
        ("10 Downing Street, London", "****, London"),
        ("10 Downing Street", "****"),
        ("Unter den Linden 5, , Berlin ", "****, Berlin"),
    ])
    func addresses(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .address) == masked)
    }

    @Test(arguments: [
        ("secret", "s****t"), ("abc", "a*c"), ("ab", "**"), ("a", "*"), ("密码很长", "密**长"),
        ("👨‍👩‍👧‍👦家庭🇨🇳", "👨‍👩‍👧‍👦**🇨🇳"),
    ])
    func others(_ value: String, _ masked: String) {
        #expect(Masking.mask(value, as: .other) == masked)
    }

    @Test func emptyAndBlankValuesStayEmpty() {
        for kind in PIIKind.allCases {
            #expect(Masking.mask("", as: kind) == "")
            #expect(Masking.mask("  \n\u{3000}", as: kind) == "")
        }
        #expect(Masking.mask("  13812348000 ", as: .phone) == "138****8000")
    }

    @Test func maskingNeverSplitsACharacter() {
        let value = "é́👍🏽中文"
        for kind in PIIKind.allCases {
            let masked = Masking.mask(value, as: kind)
            #expect(masked.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
            #expect(masked.allSatisfy { $0 == "*" || value.contains($0) })
        }
    }

    @Test func kindsAreCodableAsSnakeCaseStrings() throws {
        let data = try JSONEncoder().encode([PIIKind.chineseID, .phone])
        #expect(String(decoding: data, as: UTF8.self) == #"["chinese_id","phone"]"#)
        #expect(
            try JSONDecoder().decode([PIIKind].self, from: Data(#"["email","address","name","other"]"#.utf8))
                == [.email, .address, .name, .other])
    }
}
