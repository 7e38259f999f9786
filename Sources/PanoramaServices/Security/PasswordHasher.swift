import CCrypt
import PanoramaCore

/// Why a password was refused or could not be hashed, with a stable code and a message in
/// English and in Chinese, since the console is used in both.
public struct PasswordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable failure codes.
    public enum Code: String, Sendable, Hashable {
        case tooShort = "password_too_short"
        case tooLong = "password_too_long"
        case tooCommon = "password_too_common"
        case invalidCharacter = "password_invalid_character"
        case hashingFailed = "password_hashing_failed"
    }

    /// What went wrong.
    public let code: Code
    /// An English explanation that says what to do instead.
    public let message: String
    /// The same explanation in Chinese.
    public let chineseMessage: String

    /// Creates an error; prefer the static constructors, which keep the wording consistent.
    public init(_ code: Code, message: String, chineseMessage: String) {
        self.code = code
        self.message = message
        self.chineseMessage = chineseMessage
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The error as the HTTP layer reports it: 400 on the `password` field with both messages,
    /// except a hashing failure, which is the server's fault and says nothing about the input.
    public var panoramaError: PanoramaError {
        switch code {
        case .hashingFailed:
            PanoramaError(.internal, code: code.rawValue, message: "\(message) / \(chineseMessage)")
        default:
            .badRequest(code.rawValue, "\(message) / \(chineseMessage)", field: "password")
        }
    }

    /// The password has fewer characters than the policy asks for.
    public static func tooShort(minimum: Int) -> PasswordError {
        PasswordError(
            .tooShort, message: "a password needs at least \(minimum) characters",
            chineseMessage: "密码至少需要 \(minimum) 个字符")
    }

    /// The password is longer than bcrypt reads; everything after the limit would be ignored.
    public static func tooLong(maximumBytes: Int) -> PasswordError {
        PasswordError(
            .tooLong,
            message: "a password can have at most \(maximumBytes) bytes in UTF-8 (about \(maximumBytes / 3) "
                + "Chinese characters), because bcrypt ignores everything after that",
            chineseMessage: "密码最多 \(maximumBytes) 字节（UTF-8，约 \(maximumBytes / 3) 个汉字），bcrypt 会忽略超出的部分")
    }

    /// The password is one character repeated; it is guessed in the first seconds of an attack.
    public static let repeatedCharacter = PasswordError(
        .tooCommon, message: "a password made of one repeated character is too easy to guess",
        chineseMessage: "由同一个字符重复组成的密码太容易被猜到")

    /// The password is on the list of the most common passwords.
    public static let common = PasswordError(
        .tooCommon, message: "this password is among the most common ones; choose a less predictable one",
        chineseMessage: "该密码属于最常见的密码，请选择更难猜的密码")

    /// The password contains a NUL character, which the C library would silently cut at.
    public static let invalidCharacter = PasswordError(
        .invalidCharacter, message: "a password cannot contain the NUL character",
        chineseMessage: "密码不能包含 NUL 字符")

    /// The system's crypt library refused to produce a hash.
    public static let hashingFailed = PasswordError(
        .hashingFailed, message: "the password could not be hashed; try again later",
        chineseMessage: "无法计算密码哈希，请稍后重试")
}

/// The rules a new password must meet before it is hashed.
///
/// Length counts Characters, so a Chinese password needs as many characters as a Latin one;
/// the upper limit counts UTF-8 bytes, because that is what bcrypt reads.
public struct PasswordPolicy: Sendable {
    /// bcrypt reads at most this many bytes of a password and ignores the rest.
    public static let maximumBytes = 72

    /// The fewest Characters a password may have.
    public let minimumLength: Int

    /// Creates a policy; the default minimum is 10 characters.
    public init(minimumLength: Int = 10) {
        self.minimumLength = minimumLength
    }

    /// Throws the first rule the password breaks: length, then guessability.
    public func validate(_ password: String) throws(PasswordError) {
        if password.utf8.contains(0) { throw .invalidCharacter }
        if password.count < minimumLength { throw .tooShort(minimum: minimumLength) }
        if password.utf8.count > Self.maximumBytes { throw .tooLong(maximumBytes: Self.maximumBytes) }
        if let first = password.first, password.allSatisfy({ $0 == first }) { throw .repeatedCharacter }
        if Self.commonPasswords.contains(password.lowercased()) { throw .common }
    }

    /// The most common passwords of at least 8 characters in public breach lists (lower case),
    /// including the ones popular in China. Short on purpose: it stops the first guesses of an
    /// attack, not a dictionary.
    static let commonPasswords: Set<String> = [
        "password123", "password1234", "passw0rd123", "p@ssw0rd123", "1234567890", "12345678910",
        "0123456789", "9876543210", "1234567890a", "a123456789", "qwertyuiop", "qwerty12345",
        "qwer123456", "1q2w3e4r5t", "1qaz2wsx3edc", "zxcvbnm123", "asdfghjkl1", "abcdefghij",
        "abc1234567", "admin12345", "admin123456", "administrator", "welcome123", "letmein123",
        "iloveyou123", "woaini1314", "5201314520", "aa12345678", "12345678",
    ]
}

/// Hashes and checks passwords with bcrypt (`$2b$`) through the system's libxcrypt.
///
/// Hashing takes about 0.25 s at cost 12 on purpose; call it from a task, not from an event-loop
/// thread. `crypt_rn` is reentrant: every call owns its 32 KiB `struct crypt_data`, allocated on
/// the heap because it is too large for a thread's stack.
public struct PasswordHasher: Sendable {
    /// The work factors libxcrypt accepts for bcrypt (2^cost rounds).
    public static let costRange = 4...31

    /// The work factor of new hashes.
    public let cost: Int

    /// Creates a hasher; `cost` is configuration and must lie in `costRange`.
    public init(cost: Int = 12) {
        precondition(Self.costRange.contains(cost), "bcrypt cost must be within \(Self.costRange)")
        self.cost = cost
    }

    /// A new `$2b$` hash of the password with a fresh random salt.
    ///
    /// Refuses passwords bcrypt would truncate (longer than 72 UTF-8 bytes or containing NUL)
    /// instead of hashing less than the user typed. It does not apply `PasswordPolicy`.
    public func hash(_ password: String) throws(PasswordError) -> String {
        try Self.checkHashable(password)
        guard let setting = makeSetting(), let hash = Self.crypt(password, setting: setting),
            let parsed = BcryptHash(hash), parsed.variant == "2b"
        else { throw .hashingFailed }
        return hash
    }

    /// Whether the password matches a stored hash.
    ///
    /// The crypt output is compared in constant time. A stored hash that is not a well-formed
    /// bcrypt hash is a mismatch, so a damaged row or a legacy DES hash never lets anyone in.
    public func verify(_ password: String, against hash: String) -> Bool {
        guard (try? Self.checkHashable(password)) != nil, BcryptHash(hash) != nil,
            let computed = Self.crypt(password, setting: hash)
        else { return false }
        return Self.constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    /// Whether a stored hash should be replaced after the next successful login: it is not
    /// `$2b$` bcrypt or it was made with a lower cost than this hasher's.
    public func needsRehash(_ hash: String) -> Bool {
        guard let parsed = BcryptHash(hash) else { return true }
        return parsed.variant != "2b" || parsed.cost < cost
    }

    // MARK: libxcrypt

    /// Throws when bcrypt could not hash the whole password.
    private static func checkHashable(_ password: String) throws(PasswordError) {
        if password.utf8.contains(0) { throw .invalidCharacter }
        if password.utf8.count > PasswordPolicy.maximumBytes {
            throw .tooLong(maximumBytes: PasswordPolicy.maximumBytes)
        }
    }

    /// A `$2b$` setting string with this cost and 16 bytes from the system's secure generator.
    private func makeSetting() -> String? {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in CChar(bitPattern: generator.next()) }
        var output = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = random.withUnsafeBufferPointer { random in
            output.withUnsafeMutableBufferPointer { output in
                crypt_gensalt_rn(
                    "$2b$", UInt(cost), random.baseAddress, Int32(random.count), output.baseAddress,
                    Int32(output.count)) != nil
            }
        }
        guard made else { return nil }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `crypt_rn(password, setting)`, or nil when libxcrypt refuses the setting.
    private static func crypt(_ password: String, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        // libxcrypt asks for a zeroed area before the first use; zeroing it again afterwards
        // leaves no password-derived state in freed memory.
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            data.deallocate()
        }
        guard let output = crypt_rn(password, setting, data, Int32(size)) else { return nil }
        let result = String(cString: output)
        // Failures are reported as a null pointer, but a "*0" / "*1" marker is never a hash.
        return result.hasPrefix("*") ? nil : result
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// The parts of a well-formed bcrypt hash: `$2b$12$` followed by 22 characters of salt and 31
/// of hash in bcrypt's base64 alphabet, 60 characters in all.
struct BcryptHash: Equatable {
    /// `2a`, `2b` or `2y`.
    let variant: String
    /// The work factor, 4 ... 31.
    let cost: Int

    /// Parses a stored hash; nil when it is anything else.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]),
            bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
            let tens = Self.digit(bytes[4]), let ones = Self.digit(bytes[5]),
            PasswordHasher.costRange.contains(tens * 10 + ones),
            bytes[7...].allSatisfy(Self.isBase64)
        else { return nil }
        self.variant = "2" + String(decoding: [bytes[2]], as: UTF8.self)
        self.cost = tens * 10 + ones
    }

    /// The value of an ASCII digit.
    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Whether a byte belongs to bcrypt's base64 alphabet (`./A-Za-z0-9`).
    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }
}
