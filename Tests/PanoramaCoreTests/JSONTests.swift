import Testing

@testable import PanoramaCore

// MARK: - Helpers

/// Parses `text` and returns the error, or nil when it parsed.
private func parseError(_ text: String, maxDepth: Int = 64) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(text, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

/// Parses raw bytes and returns the error, or nil when they parsed.
private func parseError(bytes: [UInt8]) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes)
        return nil
    } catch {
        return error
    }
}

/// A bad input and the byte offset its error must report.
struct BadInput: Sendable, CustomTestStringConvertible {
    let text: String
    let offset: Int
    let reason: String

    init(_ text: String, _ offset: Int, _ reason: String) {
        self.text = text
        self.offset = offset
        self.reason = reason
    }

    var testDescription: String { "\(text.debugDescription) @\(offset)" }
}

/// Invalid UTF-8 (or other raw bytes) and the offset its error must report.
struct BadBytes: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let offset: Int
    let label: String

    init(_ label: String, _ bytes: [UInt8], _ offset: Int) {
        self.label = label
        self.bytes = bytes
        self.offset = offset
    }

    var testDescription: String { label }
}

/// Returns `value` with all remembered source text removed, recursively, so writers re-encode it.
private func stripped(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
        return .object(JSONObject(object.members.map { (key: $0.key, value: stripped($0.value)) }))
    case .array(let array):
        return .array(JSONArray(array.elements.map(stripped)))
    default:
        return value
    }
}

/// Serializes `value` without using any remembered source text.
private func encode(_ value: JSONValue) -> String {
    stripped(value).jsonText
}

// MARK: - Scalars

@Suite("JSON scalars")
struct JSONScalarTests {
    @Test func literals() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse(" \t\r\n true \n") == .bool(true))
        #expect(try JSONParser.parse("\"\"") == .string(""))
        #expect(try JSONParser.parse("\"hello\"") == .string("hello"))
    }

    @Test(arguments: [
        "0", "-0", "1", "-1", "123", "1.5", "-0.0", "0.000", "1e3", "1E3", "1e+3", "1e-3", "1.25e-10", "199.00",
        "12345678901234567890123456789", "-9223372036854775808", "9223372036854775807", "1E400", "0e0", "-0.5E-0",
    ])
    func validNumbersKeepTheirText(_ literal: String) throws {
        let value = try JSONParser.parse(literal)
        #expect(value == .number(JSONNumber(literal)))
        #expect(value.numberValue?.text == literal)
        #expect(value.jsonText == literal)
        let inArray = try JSONParser.parse("[\(literal),\(literal)]")
        #expect(inArray.arrayValue == [.number(JSONNumber(literal)), .number(JSONNumber(literal))])
    }

    @Test func numberConversions() {
        #expect(JSONNumber("42").int64 == 42)
        #expect(JSONNumber("-0").int64 == 0)
        #expect(JSONNumber("9223372036854775807").int64 == Int64.max)
        #expect(JSONNumber("-9223372036854775808").int64 == Int64.min)
        #expect(JSONNumber("9223372036854775808").int64 == nil)
        #expect(JSONNumber("1e3").int64 == 1000)
        #expect(JSONNumber("199.00").int64 == 199)
        #expect(JSONNumber("1.5").int64 == nil)
        #expect(JSONNumber("1e300").int64 == nil)
        #expect(JSONNumber("199.00").double == 199)
        #expect(JSONNumber("1.25e-10").double == 1.25e-10)
        #expect(JSONNumber("-0.5").double == -0.5)
        #expect(JSONNumber("1e400").double == nil)
        #expect(JSONNumber("42").double == 42)
    }

    @Test func numberInitialisers() {
        #expect(JSONNumber(Int64(-17)).text == "-17")
        #expect(JSONNumber(123).text == "123")
        #expect(JSONNumber(Int64.min).text == "-9223372036854775808")
        #expect(JSONNumber(0.1)?.text == "0.1")
        #expect(JSONNumber(100.0)?.text == "100.0")
        #expect(JSONNumber(1e20)?.text == "1e+20")
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        #expect(JSONNumber("1.0") != JSONNumber("1"))
        #expect(JSONNumber(5).description == "5")
        for value in [0.1, -2.5e-8, 1e20, 123456.789, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude] {
            let number = JSONNumber(value)!
            #expect(JSONNumber.isValidLiteral(number.text))
            #expect(number.double == value)
        }
    }

    @Test func literalValidator() {
        for good in ["0", "-0", "10", "1.0", "1e5", "1E-5", "-1.5e+10"] {
            #expect(JSONNumber.isValidLiteral(good), "\(good)")
        }
        for bad in ["", "-", "01", "1.", ".1", "1e", "+1", "1e+", "0x1", "NaN", "1 ", "--1"] {
            #expect(!JSONNumber.isValidLiteral(bad), "\(bad)")
        }
    }

    @Test(arguments: [
        BadInput("01", 1, "leading zeros are not allowed"),
        BadInput("-01", 2, "leading zeros are not allowed"),
        BadInput("00", 1, "leading zeros are not allowed"),
        BadInput("-", 1, "unexpected end of input"),
        BadInput("-a", 1, "expected a digit, found character 'a'"),
        BadInput("- 1", 1, "expected a digit, found byte 0x20"),
        BadInput("1.", 2, "expected a digit after '.'"),
        BadInput("1.e5", 2, "expected a digit after '.'"),
        BadInput(".5", 0, "expected a JSON value, found character '.'"),
        BadInput("+1", 0, "expected a JSON value, found character '+'"),
        BadInput("1e", 2, "expected a digit in the exponent"),
        BadInput("1e+", 3, "expected a digit in the exponent"),
        BadInput("1E-x", 3, "expected a digit in the exponent"),
        BadInput("NaN", 0, "expected a JSON value, found character 'N'"),
        BadInput("Infinity", 0, "expected a JSON value, found character 'I'"),
        BadInput("-Infinity", 1, "expected a digit, found character 'I'"),
        BadInput("0x10", 1, "unexpected character 'x' after JSON value"),
        BadInput("1.5.2", 3, "unexpected character '.' after JSON value"),
        BadInput("[1,01]", 4, "leading zeros are not allowed"),
    ])
    func invalidNumbers(_ input: BadInput) {
        let error = parseError(input.text)
        #expect(error == JSONParseError(offset: input.offset, reason: input.reason))
    }

    @Test(arguments: [
        BadInput("", 0, "unexpected end of input"),
        BadInput("   ", 3, "unexpected end of input"),
        BadInput("tru", 3, "invalid literal, expected 'true'"),
        BadInput("trux", 3, "invalid literal, expected 'true'"),
        BadInput("True", 0, "expected a JSON value, found character 'T'"),
        BadInput("nul", 3, "invalid literal, expected 'null'"),
        BadInput("fals", 4, "invalid literal, expected 'false'"),
        BadInput("nulll", 4, "unexpected character 'l' after JSON value"),
        BadInput("true false", 5, "unexpected character 'f' after JSON value"),
        BadInput("'a'", 0, "expected a JSON value, found character '''"),
        BadInput("/* c */ 1", 0, "expected a JSON value, found character '/'"),
        BadInput("1 // c", 2, "unexpected character '/' after JSON value"),
        BadInput("\u{0B}1", 0, "expected a JSON value, found byte 0x0B"),
        BadInput("\u{A0}1", 0, "expected a JSON value, found byte 0xC2"),
    ])
    func invalidDocuments(_ input: BadInput) {
        #expect(parseError(input.text) == JSONParseError(offset: input.offset, reason: input.reason))
    }

    @Test func errorDescription() {
        let error = parseError("{\"a\" 1}")
        #expect(error?.description == "invalid JSON at byte 5: expected ':'")
        #expect(error?.offset == 5)
        #expect(error?.reason == "expected ':'")
    }
}

// MARK: - Strings

@Suite("JSON strings")
struct JSONStringTests {
    @Test func everyEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u0041\u00e9\u00E9\u4e2d\u6587""#) == .string("Aéé中文"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONParser.parse(#""\u001f\u007F""#) == .string("\u{1F}\u{7F}"))
        #expect(try JSONParser.parse(#""\uFFFF""#) == .string("\u{FFFF}"))
        #expect(try JSONParser.parse(#""\u2028\u2029""#) == .string("\u{2028}\u{2029}"))
    }

    @Test func surrogatePairs() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""a\uD834\uDD1Eb""#) == .string("a𝄞b"))
        #expect(try JSONParser.parse(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
        #expect(try JSONParser.parse(#""\uD800\uDC00""#) == .string("\u{10000}"))
    }

    @Test func rawUTF8() throws {
        #expect(try JSONParser.parse("\"中文测试\"") == .string("中文测试"))
        #expect(try JSONParser.parse("\"羊毛围巾 — wool scarf 😀 é\"") == .string("羊毛围巾 — wool scarf 😀 é"))
        let object = try JSONParser.parse("{\"名字\":\"张伟\",\"城市\":\"上海\"}")
        #expect(object["名字"] == .string("张伟"))
        #expect(object["城市"]?.stringValue == "上海")
        #expect(object.jsonText == "{\"名字\":\"张伟\",\"城市\":\"上海\"}")
        // Offsets count UTF-8 bytes, also for String input: "中" is three bytes.
        #expect(parseError("[\"中\" x]") == JSONParseError(offset: 7, reason: "expected ',' or ']'"))
    }

    /// Puts a special character at every position of strings of many lengths, to exercise the word-at-a-time
    /// scan around its 8-byte boundaries.
    @Test func specialCharactersAtEveryPosition() throws {
        let specials: [(escaped: String, decoded: String)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u00e9"#, "é"), ("é", "é"), ("中", "中"),
            ("😀", "😀"), (#"\uD83D\uDE00"#, "😀"), ("~", "~"), ("\u{7F}", "\u{7F}"),
        ]
        for length in 0..<40 {
            for position in 0...length {
                for special in specials {
                    let prefix = String(repeating: "a", count: position)
                    let suffix = String(repeating: "b", count: length - position)
                    let text = "\"\(prefix)\(special.escaped)\(suffix)\""
                    let value = try JSONParser.parse(text)
                    #expect(value == .string(prefix + special.decoded + suffix), "\(text)")
                }
                let control =
                    "\"" + String(repeating: "a", count: position) + "\u{01}"
                    + String(repeating: "b", count: length - position) + "\""
                #expect(parseError(control)?.offset == position + 1)
            }
        }
    }

    @Test(arguments: [
        BadInput(#""\x""#, 1, "invalid escape sequence"),
        BadInput(#""abc\'""#, 4, "invalid escape sequence"),
        BadInput(#""\U0041""#, 1, "invalid escape sequence"),
        BadInput(#""\u12""#, 1, #"truncated \u escape"#),
        BadInput(#""\u""#, 1, #"truncated \u escape"#),
        BadInput(#""\u12G4""#, 5, #"invalid hex digit in \u escape"#),
        BadInput(#""\u-123""#, 3, #"invalid hex digit in \u escape"#),
        BadInput(#""\uD800""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""ab\uD83Dxy""#, 3, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uD800\u0041""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uD800\uD800""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uD800\n""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uDC00""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uDFFF\uD800""#, 1, #"unpaired surrogate in \u escape"#),
        BadInput(#""\uD800\uDC0""#, 7, #"truncated \u escape"#),
        BadInput("\"a\nb\"", 2, "unescaped control character byte 0x0A in string"),
        BadInput("\"a\tb\"", 2, "unescaped control character byte 0x09 in string"),
        BadInput("\"\u{0}\"", 1, "unescaped control character byte 0x00 in string"),
        BadInput("\"\u{1F}\"", 1, "unescaped control character byte 0x1F in string"),
        BadInput("\"abc", 0, "unterminated string"),
        BadInput("\"abc\\", 0, "unterminated string"),
        BadInput("\"abc\\\"", 0, "unterminated string"),
        BadInput("[\"abcdefghijklmnopqrstuvwxyz", 1, "unterminated string"),
        BadInput("\"", 0, "unterminated string"),
    ])
    func invalidStrings(_ input: BadInput) {
        #expect(parseError(input.text) == JSONParseError(offset: input.offset, reason: input.reason))
    }

    @Test(arguments: [
        BadBytes("lone continuation", [0x22, 0x80, 0x22], 1),
        BadBytes("overlong 2-byte C0", [0x22, 0xC0, 0x80, 0x22], 1),
        BadBytes("overlong 2-byte C1", [0x22, 0xC1, 0xBF, 0x22], 1),
        BadBytes("overlong 3-byte", [0x22, 0xE0, 0x80, 0x80, 0x22], 1),
        BadBytes("overlong 3-byte high", [0x22, 0xE0, 0x9F, 0xBF, 0x22], 1),
        BadBytes("overlong 4-byte", [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], 1),
        BadBytes("UTF-16 surrogate D800", [0x22, 0xED, 0xA0, 0x80, 0x22], 1),
        BadBytes("UTF-16 surrogate DFFF", [0x22, 0xED, 0xBF, 0xBF, 0x22], 1),
        BadBytes("above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),
        BadBytes("F5 lead", [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
        BadBytes("FF byte", [0x22, 0x61, 0xFF, 0x22], 2),
        BadBytes("truncated 2-byte", [0x22, 0x61, 0xC3, 0x22], 2),
        BadBytes("truncated 3-byte", [0x22, 0xE4, 0xB8, 0x22], 1),
        BadBytes("truncated 4-byte", [0x22, 0xF0, 0x9F, 0x98, 0x22], 1),
        BadBytes("bad second continuation", [0x22, 0xE4, 0xB8, 0x41, 0x22], 1),
        BadBytes("bad third continuation", [0x22, 0xF0, 0x9F, 0x98, 0x41, 0x22], 1),
        BadBytes("after long ASCII run", Array("\"abcdefghijklmnop".utf8) + [0xC3, 0x28, 0x22], 17),
        BadBytes("in object key", Array("{\"a".utf8) + [0xE2, 0x82] + Array("\":1}".utf8), 3),
        BadBytes("non-ASCII outside a string", [0x5B, 0xC3, 0xA9, 0x5D], 1),
        BadBytes("byte order mark", [0xEF, 0xBB, 0xBF, 0x5B, 0x5D], 0),
    ])
    func invalidUTF8(_ input: BadBytes) {
        #expect(parseError(bytes: input.bytes)?.offset == input.offset)
    }

    @Test func validUTF8Boundaries() throws {
        let cases: [(bytes: [UInt8], scalar: UInt32)] = [
            ([0xC2, 0x80], 0x80), ([0xDF, 0xBF], 0x7FF), ([0xE0, 0xA0, 0x80], 0x800), ([0xED, 0x9F, 0xBF], 0xD7FF),
            ([0xEE, 0x80, 0x80], 0xE000), ([0xEF, 0xBF, 0xBF], 0xFFFF), ([0xF0, 0x90, 0x80, 0x80], 0x10000),
            ([0xF4, 0x8F, 0xBF, 0xBF], 0x10FFFF),
        ]
        for (bytes, scalar) in cases {
            let value = try JSONParser.parse([0x22] + bytes + [0x22])
            #expect(value == .string(String(Unicode.Scalar(scalar)!)))
        }
    }
}

// MARK: - Containers

@Suite("JSON objects and arrays")
struct JSONContainerTests {
    @Test func emptyAndNested() throws {
        #expect(try JSONParser.parse("{}") == .object(JSONObject()))
        #expect(try JSONParser.parse("[]") == .array(JSONArray([])))
        #expect(try JSONParser.parse("[ ]").arrayValue == [])
        #expect(try JSONParser.parse("{ \n }").objectValue?.members.isEmpty == true)
        let value = try JSONParser.parse(#"{"a":[1,{"b":null},[]],"c":{"d":{"e":"f"}},"g":true}"#)
        let expected: JSONValue = ["a": [1, ["b": nil], []], "c": ["d": ["e": "f"]], "g": true]
        #expect(value == expected)
        #expect(value["c"]?["d"]?["e"]?.stringValue == "f")
        #expect(value["a"]?.arrayValue?.count == 3)
        #expect(value["missing"] == nil)
        #expect(value["a"]?["b"] == nil)
    }

    @Test func memberOrderIsKept() throws {
        let object = try #require(try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#).objectValue)
        #expect(object.members.map(\.key) == ["z", "a", "m"])
    }

    @Test func duplicateKeysAreKeptAndTheLastWins() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        let object = try #require(value.objectValue)
        #expect(object.members.count == 3)
        #expect(object.members.map(\.key) == ["a", "b", "a"])
        #expect(object["a"] == 3)
        #expect(value["a"] == 3)
        #expect(value.jsonText == #"{"a":1,"b":2,"a":3}"#)
        #expect(encode(value) == #"{"a":1,"b":2,"a":3}"#)
    }

    @Test func sourceTextIsExact() throws {
        let text = "{ \"a\" : [ 1 , 2.50 ] ,\n\t\"b\" : { \"c\" : null } , \"d\":\"\\u00e9\" }"
        let value = try JSONParser.parse("  \r\n" + text + " \n ")
        let object = try #require(value.objectValue)
        #expect(object.sourceText == text)
        #expect(value.jsonText == text)
        guard case .array(let array) = object["a"] else {
            Issue.record("a is not an array")
            return
        }
        #expect(array.sourceText == "[ 1 , 2.50 ]")
        #expect(object["b"]?.objectValue?.sourceText == "{ \"c\" : null }")
        #expect(object["b"]?.jsonText == "{ \"c\" : null }")
        #expect(object.sourceByteCount == text.utf8.count)
        #expect(array.sourceByteCount == 12)
        #expect(JSONObject().sourceByteCount == nil)
        guard case .array(let chinese) = try JSONParser.parse("[\"中\"]") else {
            Issue.record("not an array")
            return
        }
        #expect(chinese.sourceByteCount == 7)
        #expect(JSONArray(chinese.elements).sourceByteCount == nil)
        #expect(encode(value) == #"{"a":[1,2.50],"b":{"c":null},"d":"é"}"#)

        var writer = JSONWriter()
        writer.write(["wrapped": value])
        #expect(writer.string == "{\"wrapped\":\(text)}")
    }

    @Test func sourceTextSurvivesTheInputBuffer() throws {
        let text = #"{"event":"Signed Up","properties":{"plan":"pro"}}"#
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        buffer.copyBytes(from: bytes)
        let value = try JSONParser.parse(UnsafeRawBufferPointer(buffer))
        // Scribble over and free the caller's buffer: the parsed value must not depend on it.
        buffer.initializeMemory(as: UInt8.self, repeating: 0x20)
        buffer.deallocate()
        #expect(value.jsonText == text)
        #expect(value["properties"]?.jsonText == #"{"plan":"pro"}"#)
        #expect(value["event"] == "Signed Up")
    }

    @Test func allInputKindsAgree() throws {
        let text = #"{"a":[1,"x",{"b":false}],"中":"文"}"#
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(Array(text.utf8))
        let fromPointer = try Array(text.utf8).withUnsafeBytes { raw throws(JSONParseError) in
            try JSONParser.parse(raw)
        }
        #expect(fromString == fromArray)
        #expect(fromString == fromPointer)
        #expect(fromArray.jsonText == text)
        #expect(fromPointer.jsonText == text)
        let empty = [UInt8]()
        #expect(parseError(bytes: empty) == JSONParseError(offset: 0, reason: "unexpected end of input"))
        let emptyPointer = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: JSONParseError(offset: 0, reason: "unexpected end of input")) {
            try JSONParser.parse(emptyPointer)
        }
    }

    @Test(arguments: [
        BadInput("[1,]", 3, "trailing comma before ']'"),
        BadInput("[1 , \n ]", 7, "trailing comma before ']'"),
        BadInput(#"{"a":1,}"#, 7, "trailing comma before '}'"),
        BadInput("[,1]", 1, "expected a JSON value, found character ','"),
        BadInput("[1,,2]", 3, "expected a JSON value, found character ','"),
        BadInput("{,}", 1, "expected '\"' to start an object key"),
        BadInput("[1 2]", 3, "expected ',' or ']'"),
        BadInput("[1:2]", 2, "expected ',' or ']'"),
        BadInput(#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        BadInput(#"{"a":1]"#, 6, "expected ',' or '}'"),
        BadInput(#"{"a" 1}"#, 5, "expected ':'"),
        BadInput(#"{"a"}"#, 4, "expected ':'"),
        BadInput("{a:1}", 1, "expected '\"' to start an object key"),
        BadInput("{1:1}", 1, "expected '\"' to start an object key"),
        BadInput(#"{"a":}"#, 5, "expected a JSON value, found character '}'"),
        BadInput("[", 1, "unexpected end of input"),
        BadInput("{", 1, "unexpected end of input"),
        BadInput("[1", 2, "unexpected end of input"),
        BadInput("[1,", 3, "unexpected end of input"),
        BadInput(#"{"a""#, 4, "unexpected end of input"),
        BadInput(#"{"a":"#, 5, "unexpected end of input"),
        BadInput(#"{"a":1"#, 6, "unexpected end of input"),
        BadInput("]", 0, "expected a JSON value, found character ']'"),
        BadInput("}", 0, "expected a JSON value, found character '}'"),
        BadInput("[1]]", 3, "unexpected character ']' after JSON value"),
        BadInput("{} {}", 3, "unexpected character '{' after JSON value"),
        BadInput("[1] x", 4, "unexpected character 'x' after JSON value"),
        BadInput("[1]\u{0}", 3, "unexpected byte 0x00 after JSON value"),
    ])
    func invalidContainers(_ input: BadInput) {
        #expect(parseError(input.text) == JSONParseError(offset: input.offset, reason: input.reason))
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(parseError(ok) == nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(tooDeep) == JSONParseError(offset: 64, reason: "nesting deeper than 64 levels"))
        let objects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(parseError(objects)?.offset == 5 * 64)
        #expect(parseError(objects, maxDepth: 65) == nil)
        #expect(parseError("[[[]]]", maxDepth: 2) == JSONParseError(offset: 2, reason: "nesting deeper than 2 levels"))
        #expect(parseError("[[],[[]]]", maxDepth: 2)?.offset == 5)
        #expect(parseError("[[],[]]", maxDepth: 2) == nil)
        #expect(parseError("1", maxDepth: 0) == nil)
        #expect(parseError("[]", maxDepth: 0)?.offset == 0)
        // A hostile document far deeper than the limit is rejected without recursing into it.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(parseError(hostile)?.offset == 64)
    }
}

// MARK: - Model API

@Suite("JSON value model")
struct JSONModelTests {
    @Test func literalsBuildValuesInOrder() {
        let value: JSONValue = [
            "type": "track", "n": 1, "ok": true, "none": nil, "list": [1, "a", false], "f": 1.5, "neg": -3,
            "id": "user-\(42)",
        ]
        let expected =
            #"{"type":"track","n":1,"ok":true,"none":null,"list":[1,"a",false],"f":1.5,"neg":-3,"#
            + #""id":"user-42"}"#
        #expect(value.jsonText == expected)
        let object: JSONObject = ["b": 1, "a": 2]
        #expect(object.members.map(\.key) == ["b", "a"])
        let array: JSONArray = [1, "x"]
        #expect(array.elements == [1, "x"])
        #expect(array.sourceText == nil)
    }

    @Test func convenienceAccessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","n":1.5,"b":true,"z":null,"a":[1],"o":{}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.numberValue == JSONNumber("1.5"))
        #expect(value["n"]?.numberValue?.double == 1.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?.objectValue?.members.isEmpty == true)
        #expect(value["s"]?.numberValue == nil)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["b"]?.isNull == false)
        #expect(value["a"]?.objectValue == nil)
        #expect(value["o"]?.arrayValue == nil)
        #expect(value["z"]?.boolValue == nil)
        #expect(value["s"]?["x"] == nil)
        #expect(JSONValue.raw("{}")["x"] == nil)
        #expect(JSONValue.raw("1").numberValue == nil)
    }

    @Test func equalityIgnoresSourceTextButNotNumberText() throws {
        #expect(try JSONParser.parse(#"{"a":[1, 2]}"#) == JSONParser.parse(#"{ "a" : [ 1,2 ] }"#))
        #expect(try JSONParser.parse(#"{"a":1}"#) == ["a": 1])
        #expect(try JSONParser.parse("1.0") != JSONParser.parse("1"))
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) != JSONParser.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONParser.parse(#"{"a":1}"#) != JSONParser.parse(#"{"a":1,"a":1}"#))
        #expect(JSONValue.raw("1") != .number(JSONNumber("1")))
        #expect(JSONValue.string("1") != .number(JSONNumber("1")))
    }

    @Test func setReplacesOrAppendsAndClearsSourceText() throws {
        var object = try #require(try JSONParser.parse(#"{ "a" : 1, "b" : { "x" : 1 } }"#).objectValue)
        #expect(object.sourceText != nil)
        object.set("c", true)
        #expect(object.sourceText == nil)
        object.set("a", "one")
        #expect(object.members.map(\.key) == ["a", "b", "c"])
        #expect(object["a"] == "one")
        // Untouched parsed children are still spliced verbatim.
        #expect(JSONValue.object(object).jsonText == #"{"a":"one","b":{ "x" : 1 },"c":true}"#)
    }

    @Test func setCollapsesDuplicates() throws {
        var object = try #require(try JSONParser.parse(#"{"a":1,"b":2,"a":3,"c":4}"#).objectValue)
        object.set("a", 5)
        #expect(object.members.map(\.key) == ["b", "a", "c"])
        #expect(object["a"] == 5)
        #expect(JSONValue.object(object).jsonText == #"{"b":2,"a":5,"c":4}"#)
    }

    @Test func removeDropsEveryOccurrence() throws {
        var object = try #require(try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#).objectValue)
        #expect(object.remove("zzz") == nil)
        #expect(object.sourceText != nil)
        #expect(object.remove("a") == 3)
        #expect(object.members.map(\.key) == ["b"])
        #expect(object.sourceText == nil)
    }

    @Test func directMutationClearsSourceText() throws {
        var object = try #require(try JSONParser.parse(#"{ "a" : 1 }"#).objectValue)
        object.members.append((key: "b", value: 2))
        #expect(object.sourceText == nil)
        #expect(JSONValue.object(object).jsonText == #"{"a":1,"b":2}"#)

        guard case .array(var array) = try JSONParser.parse("[ 1 , 2 ]") else {
            Issue.record("not an array")
            return
        }
        #expect(array.sourceText == "[ 1 , 2 ]")
        array.elements[0] = "x"
        #expect(array.sourceText == nil)
        #expect(JSONValue.array(array).jsonText == #"["x",2]"#)
    }

    @Test func assignedSourceTextIsEmittedVerbatim() {
        var object: JSONObject = ["a": 1]
        object.sourceText = #"{ "a": 1 }"#
        #expect(JSONValue.object(object).jsonText == #"{ "a": 1 }"#)
        var array: JSONArray = [1]
        array.sourceText = "[1 ]"
        var writer = JSONWriter()
        writer.write(.array(array))
        #expect(writer.string == "[1 ]")
        object.sourceText = nil
        #expect(JSONValue.object(object).jsonText == #"{"a":1}"#)
    }

    @Test func descriptionIsCompactJSON() {
        let value: JSONValue = ["a": [true, nil]]
        #expect(value.description == #"{"a":[true,null]}"#)
        #expect("\(value)" == #"{"a":[true,null]}"#)
    }
}

// MARK: - Writer

@Suite("JSON writer")
struct JSONWriterTests {
    @Test func escapesOnlyWhatItMust() {
        let input = "a\"b\\c/\n\r\t\u{08}\u{0C}\u{0}\u{1F}\u{7F}é中文😀\u{2028}x\u{2029}"
        let expected = #""a\"b\\c/\n\r\t\b\f\u0000\u001f"# + "\u{7F}é中文😀" + #"\u2028x\u2029""#
        #expect(input.jsonQuoted == expected)
        var writer = JSONWriter(capacity: 4)
        writer.writeString(input)
        #expect(writer.string == expected)
        #expect(writer.bytes == Array(expected.utf8))
    }

    @Test func everyControlCharacter() throws {
        for scalar in 0..<0x20 {
            let text = String(Unicode.Scalar(UInt8(scalar)))
            let quoted = text.jsonQuoted
            switch scalar {
            case 0x08: #expect(quoted == #""\b""#)
            case 0x09: #expect(quoted == #""\t""#)
            case 0x0A: #expect(quoted == #""\n""#)
            case 0x0C: #expect(quoted == #""\f""#)
            case 0x0D: #expect(quoted == #""\r""#)
            default:
                let hex = String(scalar, radix: 16)
                #expect(quoted == "\"\\u00" + (hex.count == 1 ? "0" : "") + hex + "\"")
            }
            #expect(try JSONParser.parse(quoted) == .string(text))
        }
    }

    @Test func nearMissesOfLineSeparatorsStayRaw() {
        // Other characters that share the lead byte 0xE2 must not be escaped.
        for text in ["—", "€", "\u{2027}", "\u{202A}", "→", "\u{E2}"] {
            #expect(text.jsonQuoted == "\"\(text)\"")
        }
        #expect("\u{2028}".jsonQuoted == #""\u2028""#)
        #expect("ab\u{2029}".jsonQuoted == #""ab\u2029""#)
    }

    @Test func writesEveryKindOfValue() {
        var object = JSONObject()
        object.set("null", nil)
        object.set("bool", false)
        object.set("int", 42)
        object.set("number", .number(JSONNumber("199.00")))
        object.set("string", "x\"y")
        object.set("array", [1, [], [:]])
        object.set("raw", .raw(#"{"pre":"encoded"}"#))
        object.set("key\nwith\"escapes", "v")
        var writer = JSONWriter()
        writer.write(.object(object))
        let expected =
            #"{"null":null,"bool":false,"int":42,"number":199.00,"string":"x\"y","array":[1,[],{}],"#
            + #""raw":{"pre":"encoded"},"key\nwith\"escapes":"v"}"#
        #expect(writer.string == expected)
        writer.writeRaw(" ")
        writer.writeString("中")
        #expect(writer.string == expected + " \"中\"")
    }

    @Test func jsonTextOfScalars() {
        #expect(JSONValue.null.jsonText == "null")
        #expect(JSONValue.bool(true).jsonText == "true")
        #expect(JSONValue.bool(false).jsonText == "false")
        #expect(JSONValue.number(JSONNumber("1e3")).jsonText == "1e3")
        #expect(JSONValue.string("a\"").jsonText == #""a\"""#)
        #expect(JSONValue.raw("[1, 2]").jsonText == "[1, 2]")
        #expect("".jsonQuoted == #""""#)
    }

    @Test(arguments: [
        #"{"type":"track","event":"Order Completed","properties":{"revenue":199.00,"tags":["a","b"]}}"#,
        #"[null,true,false,0,-0,1e-7,"",{},[],[[]],{"":{"":""}}]"#,
        #"{ "spaced" : [ 1 , 2 ] , "nested" : { "k" : "v" } }"#,
        #""\u00e9\n\uD83D\uDE00\/""#,
        #"{"名字":"张伟","emoji":"😀","sep":"\u2028"}"#,
        "-12.5E+3",
    ])
    func roundTrips(_ text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.jsonText) == value)
        let reencoded = encode(value)
        #expect(try JSONParser.parse(reencoded) == value)
        #expect(encode(try JSONParser.parse(reencoded)) == reencoded)
    }
}

// MARK: - Property tests

/// Builds random JSON values and alternative textual encodings of them.
private struct RandomJSON {
    var rng: SplitMix64

    private static let keyPool = ["a", "b", "type", "event", "userId", "", "名字", "k\"q", "x\\y"]
    private static let scalarPool: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "~", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}",
        "\u{1F}", "\u{7F}", "\u{80}", "é", "ß", "\u{7FF}", "\u{800}", "中", "文", "—", "\u{2028}", "\u{2029}",
        "\u{FFFD}", "\u{FFFF}", "😀", "𝄞", "\u{10000}", "\u{10FFFF}",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &rng)
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        let length = int(0...4) == 0 ? int(0...64) : int(0...12)
        for _ in 0..<length {
            if int(0...2) == 0 {
                scalars.append(RandomJSON.scalarPool[int(0...RandomJSON.scalarPool.count - 1)])
            } else {
                scalars.append(Unicode.Scalar(UInt8(int(0x20...0x7E))))
            }
        }
        return String(scalars)
    }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(0...9))) })
    }

    mutating func number() -> JSONNumber {
        switch int(0...4) {
        case 0: return JSONNumber(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 1: return JSONNumber(int(-1000...1000))
        case 2: return JSONNumber(Double.random(in: -1e6...1e6, using: &rng))!
        default:
            var text = int(0...1) == 0 ? "-" : ""
            text += int(0...3) == 0 ? "0" : String(int(1...9)) + digits(int(0...20))
            if int(0...1) == 0 { text += "." + digits(int(1...6)) }
            if int(0...2) == 0 {
                text += ["e", "E"][int(0...1)] + ["", "+", "-"][int(0...2)] + digits(int(1...3))
            }
            return JSONNumber(text)
        }
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        let kinds = depth >= 4 ? 4 : 6
        switch int(0...kinds) {
        case 0: return .null
        case 1: return .bool(int(0...1) == 1)
        case 2: return .number(number())
        case 3, 4: return .string(string())
        case 5:
            return .array(JSONArray((0..<int(0...6)).map { _ in value(depth: depth + 1) }))
        default:
            var members: [(key: String, value: JSONValue)] = []
            for _ in 0..<int(0...6) {
                let key = int(0...1) == 0 ? RandomJSON.keyPool[int(0...RandomJSON.keyPool.count - 1)] : string()
                members.append((key: key, value: value(depth: depth + 1)))
            }
            return .object(JSONObject(members))
        }
    }

    mutating func whitespace() -> String {
        ["", "", "", " ", "\n", "\t", "\r\n", "  \n\t "][int(0...7)]
    }

    /// A string literal using a random mix of raw characters, short escapes and \u escapes (with surrogate
    /// pairs for astral characters, upper- or lowercase hex).
    mutating func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            let choice = int(0...3)
            if !mustEscape && choice < 2 {
                out.unicodeScalars.append(scalar)
            } else if choice == 2, let short = Self.shortEscape(scalar) {
                out += short
            } else {
                let units = Array(String(scalar).utf16)
                for unit in units {
                    var hex = String(unit, radix: 16, uppercase: int(0...1) == 0)
                    hex = String(repeating: "0", count: 4 - hex.count) + hex
                    out += "\\u" + hex
                }
            }
        }
        return out + "\""
    }

    static func shortEscape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\"": return #"\""#
        case "\\": return #"\\"#
        case "/": return #"\/"#
        case "\u{8}": return #"\b"#
        case "\u{C}": return #"\f"#
        case "\n": return #"\n"#
        case "\r": return #"\r"#
        case "\t": return #"\t"#
        default: return nil
        }
    }

    /// Serializes `value` with random whitespace between tokens and random string encodings.
    mutating func looseText(_ value: JSONValue) -> String {
        switch value {
        case .array(let array):
            var out = "[" + whitespace()
            for (index, element) in array.elements.enumerated() {
                if index > 0 { out += "," + whitespace() }
                out += looseText(element) + whitespace()
            }
            return out + "]"
        case .object(let object):
            var out = "{" + whitespace()
            for (index, member) in object.members.enumerated() {
                if index > 0 { out += "," + whitespace() }
                out += quoted(member.key) + whitespace() + ":" + whitespace() + looseText(member.value) + whitespace()
            }
            return out + "}"
        case .string(let text):
            return quoted(text)
        default:
            return value.jsonText
        }
    }
}

/// Checks that every container inside `value` remembers source text that parses back to itself.
private func checkSourceTexts(_ value: JSONValue) throws {
    switch value {
    case .object(let object):
        let source = try #require(object.sourceText)
        #expect(source.first == "{" && source.last == "}")
        #expect(try JSONParser.parse(source) == value)
        for member in object.members { try checkSourceTexts(member.value) }
    case .array(let array):
        let source = try #require(array.sourceText)
        #expect(source.first == "[" && source.last == "]")
        #expect(try JSONParser.parse(source) == value)
        for element in array.elements { try checkSourceTexts(element) }
    default:
        break
    }
}

@Suite("JSON property tests")
struct JSONPropertyTests {
    @Test func serializeThenParseGivesTheSameValue() throws {
        var random = RandomJSON(rng: SplitMix64(seed: 0x5EED_0001))
        for _ in 0..<3000 {
            let value = random.value()
            let text = value.jsonText
            let parsed = try JSONParser.parse(text)
            #expect(parsed == value, "\(text)")
            #expect(parsed.jsonText == text)
            #expect(encode(parsed) == text)
            let bytes = try JSONParser.parse(Array(text.utf8))
            #expect(bytes == value)
        }
    }

    @Test func looseTextParsesToTheSameValueAndKeepsItsSource() throws {
        var random = RandomJSON(rng: SplitMix64(seed: 0x5EED_0002))
        for _ in 0..<3000 {
            let value = random.value()
            let text = random.looseText(value)
            let parsed = try JSONParser.parse(random.whitespace() + text + random.whitespace())
            #expect(parsed == value, "\(text)")
            if parsed.objectValue != nil || parsed.arrayValue != nil {
                // Containers re-emit their source verbatim (scalars are re-encoded).
                #expect(parsed.jsonText == text)
            }
            try checkSourceTexts(parsed)
        }
    }

    /// Random edits of valid documents must never crash the parser; whatever it accepts must round-trip, and
    /// whatever it rejects must point inside the input.
    @Test func mutatedDocumentsNeverCrash() throws {
        var random = RandomJSON(rng: SplitMix64(seed: 0x5EED_0003))
        let alphabet = Array("{}[],:\"\\/ 0123456789.-+eEtrufalsnu\n\u{0}".utf8) + [0x80, 0xC3, 0xE4, 0xED, 0xF0, 0xFF]
        var accepted = 0
        for _ in 0..<5000 {
            var bytes = Array(random.looseText(random.value()).utf8)
            for _ in 0..<random.int(1...3) {
                let position = random.int(0...bytes.count)
                let byte = alphabet[random.int(0...alphabet.count - 1)]
                switch random.int(0...2) {
                case 0: bytes.insert(byte, at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default: if position < bytes.count { bytes[position] = byte }
                }
            }
            switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
            case .success(let value):
                accepted += 1
                #expect(try JSONParser.parse(value.jsonText) == value)
                #expect(try JSONParser.parse(encode(value)) == value)
            case .failure(let error):
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        #expect(accepted > 0)
    }
}
