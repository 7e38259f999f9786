/// Why a value could not be normalized.
///
/// `code` is a stable, machine-readable string that API layers can return to clients verbatim;
/// `message` is an English explanation of what is wrong and what is expected.
public struct NormalizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine-readable reason: `"invalid_email"`, `"invalid_phone"`, `"invalid_identifier"`
    /// or `"invalid_id_number"`.
    public let code: String
    /// English, human-readable explanation saying what is wrong and what is expected,
    /// e.g. `"phone '12ab' contains invalid character 'a'; expected e.g. +8613800138000"`.
    public let message: String

    /// Creates an error with the given machine-readable `code` and human-readable `message`.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`, suitable for logs.
    public var description: String { "\(code): \(message)" }
}

extension NormalizationError {
    static func invalidEmail(_ message: String) -> NormalizationError {
        NormalizationError(code: "invalid_email", message: message)
    }

    static func invalidPhone(_ message: String) -> NormalizationError {
        NormalizationError(code: "invalid_phone", message: message)
    }

    static func invalidIdentifier(_ message: String) -> NormalizationError {
        NormalizationError(code: "invalid_identifier", message: message)
    }

    static func invalidIDNumber(_ message: String) -> NormalizationError {
        NormalizationError(code: "invalid_id_number", message: message)
    }
}
