import Foundation

/// A mistake in a tag or segment rule, with a stable code and the exact source span.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable failure codes.
    public enum Code: String, Sendable, Hashable {
        case invalidCharacter = "invalid_character"
        case unterminatedString = "unterminated_string"
        case unterminatedIdentifier = "unterminated_identifier"
        case invalidDate = "invalid_date"
        case unexpectedToken = "unexpected_token"
        case tooDeeplyNested = "too_deeply_nested"
        case unknownName = "unknown_name"
        case unknownTag = "unknown_tag"
        case unknownSegment = "unknown_segment"
        case unknownFunction = "unknown_function"
        case wrongArguments = "wrong_arguments"
        case typeMismatch = "type_mismatch"
        case notBoolean = "not_boolean"
    }

    /// What went wrong.
    public let code: Code
    /// An English explanation saying what was expected.
    public let message: String
    /// The offending source text.
    public let span: SourceSpan
    /// The closest known name, when the mistake looks like a typo.
    public let suggestion: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at span: SourceSpan, suggestion: String? = nil) {
        self.code = code
        self.message = message
        self.span = span
        self.suggestion = suggestion
    }

    /// 1-based line of the offending span.
    public var line: Int { span.line }
    /// 1-based column (in Characters) of the offending span.
    public var column: Int { span.column }
    /// UTF-8 byte offset of the offending span.
    public var offset: Int { span.offset }
    /// UTF-8 byte length of the offending span.
    public var length: Int { span.length }

    public var description: String { "line \(line), column \(column): \(code.rawValue): \(message)" }

    /// The error as the domain error the HTTP layer maps (400, same code, positioned message).
    public var panoramaError: PanoramaError { .badRequest(code.rawValue, description, field: "rule") }

    /// The source line holding the error and, under it, `^~~~` marking the span.
    ///
    /// Wide (East Asian) characters take two cells in a terminal, so they are padded with two
    /// spaces and marked with two symbols; tabs are copied so the caret lines up.
    public func caretDescription(source: String) -> String {
        let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard line >= 1, line <= lines.count else { return "" }
        let text = lines[line - 1]
        var pad = ""
        var column = 1
        var index = text.startIndex
        while column < self.column, index < text.endIndex {
            let c = text[index]
            pad += c == "\t" ? "\t" : String(repeating: " ", count: Self.cells(c))
            column += 1
            index = text.index(after: index)
        }
        // Mark the characters the span covers on this line, at least one cell.
        var cells = 0
        var bytes = 0
        while bytes < length, index < text.endIndex {
            let c = text[index]
            cells += Self.cells(c)
            bytes += c.utf8.count
            index = text.index(after: index)
        }
        return "\(text)\n\(pad)^" + String(repeating: "~", count: max(0, cells - 1))
    }

    /// Terminal cells a character takes: 2 for CJK and full-width forms, else 1.
    static func cells(_ c: Character) -> Int {
        guard let v = c.unicodeScalars.first?.value else { return 1 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD,
        ]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}

/// Reserved words, matched case-insensitively. Quote a name (`"date"`) to use one as a name.
enum RuleKeyword: String, Sendable, CaseIterable {
    case and = "AND", or = "OR", not = "NOT", `in` = "IN", between = "BETWEEN", `is` = "IS"
    case null = "NULL", like = "LIKE", `true` = "TRUE", `false` = "FALSE", date = "DATE"
}

/// Punctuation and operators.
enum RuleSymbol: String, Sendable {
    case leftParen = "(", rightParen = ")", comma = ",", dot = "."
    case plus = "+", minus = "-", star = "*", slash = "/"
    case equal = "=", notEqual = "!=", lessGreater = "<>"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// One lexical token with its span.
struct RuleToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case integer(String)
        case decimal(String)
        case string(String)
        case keyword(RuleKeyword)
        case symbol(RuleSymbol)
        case end
    }

    var kind: Kind
    var span: SourceSpan

    /// How the token is named in "expected … but found …" messages.
    var display: String {
        switch kind {
        case .identifier(let s): "name '\(s)'"
        case .quotedIdentifier(let s): "name \"\(s)\""
        case .integer(let s), .decimal(let s): "number \(s)"
        case .string(let s): "string '\(s)'"
        case .keyword(let k): "'\(k.rawValue)'"
        case .symbol(let s): "'\(s.rawValue)'"
        case .end: "end of input"
        }
    }
}

/// Splits rule source into tokens, tracking byte offsets and Character columns.
struct RuleLexer {
    private let characters: [Character]
    private var index = 0
    private var offset = 0
    private var line = 1
    private var column = 1

    private init(_ source: String) { characters = Array(source) }

    /// All tokens of `source`, ending with `.end`.
    static func tokenize(_ source: String) throws(RuleError) -> [RuleToken] {
        var lexer = RuleLexer(source)
        var tokens: [RuleToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    static func isIdentifierStart(_ c: Character) -> Bool { c == "_" || c.isLetter }
    static func isIdentifierContinue(_ c: Character) -> Bool { c == "_" || c.isLetter || c.isNumber }
    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isWholeNumber }

    private var current: Character? { index < characters.count ? characters[index] : nil }
    private var following: Character? { index + 1 < characters.count ? characters[index + 1] : nil }

    private mutating func advance() {
        let c = characters[index]
        index += 1
        offset += c.utf8.count
        if c.isNewline {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }

    private typealias Mark = (offset: Int, line: Int, column: Int)
    private var mark: Mark { (offset, line, column) }
    private func span(from start: Mark) -> SourceSpan {
        SourceSpan(offset: start.offset, length: offset - start.offset, line: start.line, column: start.column)
    }

    private mutating func next() throws(RuleError) -> RuleToken {
        while let c = current, c.isWhitespace { advance() }
        let start = mark
        guard let c = current else { return RuleToken(kind: .end, span: span(from: start)) }

        if Self.isIdentifierStart(c) {
            var text = ""
            while let c = current, Self.isIdentifierContinue(c) {
                text.append(c)
                advance()
            }
            let kind: RuleToken.Kind =
                if let keyword = RuleKeyword(rawValue: text.uppercased()) { .keyword(keyword) } else {
                    .identifier(text)
                }
            return RuleToken(kind: kind, span: span(from: start))
        }
        if Self.isDigit(c) {
            var text = ""
            while let c = current, Self.isDigit(c) {
                text.append(c)
                advance()
            }
            if current == ".", let f = following, Self.isDigit(f) {
                text.append(".")
                advance()
                while let c = current, Self.isDigit(c) {
                    text.append(c)
                    advance()
                }
                return RuleToken(kind: .decimal(text), span: span(from: start))
            }
            return RuleToken(kind: .integer(text), span: span(from: start))
        }
        if c == "'" || c == "\"" {
            let text = try quoted(by: c, from: start)
            return RuleToken(kind: c == "'" ? .string(text) : .quotedIdentifier(text), span: span(from: start))
        }
        advance()
        let pair = String(c) + (current.map { String($0) } ?? "")
        if let symbol = RuleSymbol(rawValue: pair), pair.count == 2 {
            advance()
            return RuleToken(kind: .symbol(symbol), span: span(from: start))
        }
        if let symbol = RuleSymbol(rawValue: String(c)) {
            return RuleToken(kind: .symbol(symbol), span: span(from: start))
        }
        var hint = ""
        if c == "!" {
            hint = "; write != for 'not equal'"
        } else if let v = c.unicodeScalars.first?.value, (0xFF01...0xFF5E).contains(v), c.unicodeScalars.count == 1,
            let ascii = Unicode.Scalar(v - 0xFEE0)
        {
            // Full-width punctuation typed with a Chinese input method.
            hint = "; use the ASCII '\(Character(ascii))' instead"
        } else if "\u{2018}\u{2019}\u{201C}\u{201D}".contains(c) {
            hint = "; strings use ASCII quotes '…' and quoted names \"…\""
        }
        throw RuleError(.invalidCharacter, "unexpected character '\(c)'\(hint)", at: span(from: start))
    }

    /// Reads a quoted string or name; a doubled quote stands for one quote.
    private mutating func quoted(by quote: Character, from start: Mark) throws(RuleError) -> String {
        advance()
        var text = ""
        while let c = current {
            advance()
            if c == quote {
                if current == quote {
                    text.append(quote)
                    advance()
                } else {
                    return text
                }
            } else {
                text.append(c)
            }
        }
        let isString = quote == "'"
        throw RuleError(
            isString ? .unterminatedString : .unterminatedIdentifier,
            isString
                ? "unterminated string: expected a closing ' (write '' for a quote inside the string)"
                : "unterminated quoted name: expected a closing \"",
            at: span(from: start))
    }
}
