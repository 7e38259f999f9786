import Crypto
import Foundation

/// RFC 6238 time-based one-time passwords with HMAC-SHA1, the variant every authenticator app
/// supports, used as the optional second factor of a console login.
///
/// `verify` returns the time step it matched so that the caller can store it and refuse the
/// same step again: a code is then good for one login, not for its whole 30 s.
public struct TOTP: Sendable {
    /// The shared secret, as shown to the user once (Base32 in the provisioning URI).
    public let secret: [UInt8]
    /// Digits per code, 6 ... 8.
    public let digits: Int
    /// Seconds per time step.
    public let period: Int
    /// The widest window `verify` looks at, in steps either side.
    public static let maximumWindow = 10

    /// Creates a generator; `digits` (6 ... 8) and `period` (> 0) are configuration, not input.
    public init(secret: [UInt8], digits: Int = 6, period: Int = 30) {
        precondition((6...8).contains(digits), "a TOTP code has 6 to 8 digits")
        precondition(period > 0, "a TOTP period is at least one second")
        self.secret = secret
        self.digits = digits
        self.period = period
    }

    /// A new random secret of 20 bytes (160 bits, the HMAC-SHA1 block RFC 4226 recommends).
    public static func generateSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in generator.next() }
    }

    /// The time step a moment falls in: whole periods since 1970; 0 before then.
    public func timeStep(at date: Date) -> Int {
        let steps = (date.timeIntervalSince1970 / Double(period)).rounded(.down)
        guard steps.isFinite, steps > 0 else { return 0 }
        return steps < Double(Int64.max) ? Int(steps) : Int(Int64.max)
    }

    /// The code for a moment.
    public func code(at date: Date) -> String {
        code(forStep: timeStep(at: date))
    }

    /// The code for a time step (RFC 4226 HOTP with the step as counter), zero-padded.
    public func code(forStep step: Int) -> String {
        let counter = UInt64(max(step, 0)).bigEndian
        let message = withUnsafeBytes(of: counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        // Dynamic truncation: the low nibble of the last byte picks four bytes, top bit cleared.
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary =
            UInt32(mac[offset] & 0x7f) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The time step whose code this is, looking `window` steps either side of `date` to allow
    /// for clock drift and typing time, or nil when it matches none.
    ///
    /// Spaces in the code are ignored ("123 456"); anything but `digits` ASCII digits fails.
    /// Every candidate is compared in constant time, and the nearest step wins (the earlier one
    /// on a tie). `window` is clamped to `0 ... maximumWindow`: wider windows let a stolen code
    /// live for minutes.
    public func verify(_ code: String, at date: Date, window: Int = 1) -> Int? {
        let typed = Array(code.utf8.filter { $0 != UInt8(ascii: " ") })
        guard typed.count == digits, typed.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let now = timeStep(at: date)
        var matched: Int?
        for distance in 0...min(max(window, 0), Self.maximumWindow) {
            var steps = [now - distance]
            let (later, overflow) = now.addingReportingOverflow(distance)
            if distance > 0, !overflow { steps.append(later) }
            for step in steps where step >= 0 {
                let expected = Array(self.code(forStep: step).utf8)
                if PasswordHasher.constantTimeEqual(typed, expected), matched == nil { matched = step }
            }
        }
        return matched
    }

    /// The `otpauth://` URI an authenticator app reads from a QR code.
    ///
    /// Issuer and account are percent-encoded, so `alice@example.com` becomes
    /// `alice%40example.com` and a colon in either cannot split the label.
    public func provisioningURI(issuer: String = "Panorama", account: String) -> String {
        let issuer = Self.percentEncoded(issuer)
        return "otpauth://totp/\(issuer):\(Self.percentEncoded(account))?secret=\(Base32.encode(secret))"
            + "&issuer=\(issuer)&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }

    /// The text with every byte outside RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`)
    /// written as `%XX` of its UTF-8.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
