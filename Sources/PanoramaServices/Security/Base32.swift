import PanoramaCore

/// Why a text is not Base32, with a stable code.
public struct Base32Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable failure codes.
    public enum Code: String, Sendable, Hashable {
        case invalidCharacter = "invalid_base32_character"
        case invalidLength = "invalid_base32_length"
    }

    /// What went wrong.
    public let code: Code
    /// What is wrong and what the text may contain instead.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The error as the HTTP layer reports it (400).
    public var panoramaError: PanoramaError { .badRequest(code.rawValue, message) }
}

/// RFC 4648 Base32 (`A–Z`, `2–7`), the encoding authenticator apps use for TOTP secrets.
///
/// Output has no `=` padding, as `otpauth://` URIs expect. Input is read the way people copy
/// secrets: lower case, spaces and trailing padding are accepted; anything else is an error.
public enum Base32 {
    /// The 32 symbols, in value order.
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// The Base32 text of the bytes, without padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1f)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of a Base32 text.
    ///
    /// Throws on a character outside the alphabet (also on one after the padding) and on a
    /// length no encoder produces (1, 3 or 6 symbols past a multiple of 8).
    public static func decode(_ text: String) throws(Base32Error) -> [UInt8] {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var symbols = 0
        var padded = false
        for (position, scalar) in text.unicodeScalars.enumerated() {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" { continue }
            if scalar == "=" {
                padded = true
                continue
            }
            guard !padded, let value = value(of: scalar) else {
                throw Base32Error(
                    .invalidCharacter,
                    "'\(scalar.escaped(asASCII: true))' at position \(position + 1) is not Base32 "
                        + "(letters A–Z, digits 2–7, then optional '=' padding)")
            }
            buffer = (buffer << 5) | value
            bits += 5
            symbols += 1
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        guard ![1, 3, 6].contains(symbols % 8) else {
            throw Base32Error(
                .invalidLength, "\(symbols) Base32 symbols cannot encode whole bytes; the text looks cut short")
        }
        return output
    }

    /// The 5-bit value of a symbol, upper or lower case.
    private static func value(of scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x41...0x5A: scalar.value - 0x41  // A–Z
        case 0x61...0x7A: scalar.value - 0x61  // a–z
        case 0x32...0x37: scalar.value - 0x32 + 26  // 2–7
        default: nil
        }
    }
}
