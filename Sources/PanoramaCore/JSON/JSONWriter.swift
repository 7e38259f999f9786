// Compact JSON serialization straight into a byte buffer.

/// Appends compact JSON to a byte buffer; used to build HTTP responses fast.
///
/// Values are written without whitespace. Parsed objects and arrays that still carry their source text, and
/// `.raw` values, are spliced verbatim, so stored events are echoed back exactly as clients sent them. Strings
/// are escaped minimally: `"` `\` and control characters (`\n \r \t \b \f`, `\u00XX` for the rest) plus
/// U+2028/U+2029 (so the output is also safe inside JavaScript); all other non-ASCII text stays as readable UTF-8.
public struct JSONWriter {
    /// The UTF-8 output produced so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer; `capacity` pre-sizes the buffer to avoid regrowth for typical payloads.
    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The output as a `String` (the writer only ever produces valid UTF-8).
    public var string: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Serializes any value. `.raw` text and the source text of parsed containers are spliced verbatim.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            appendStatic("null")
        case .bool(let flag):
            if flag { appendStatic("true") } else { appendStatic("false") }
        case .number(let number):
            writeRaw(number.text)
        case .string(let text):
            writeString(text)
        case .array(let array):
            if let source = array.source {
                source.withBytes { bytes.append(contentsOf: $0) }
                return
            }
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in array.elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            if let source = object.source {
                source.withBytes { bytes.append(contentsOf: $0) }
                return
            }
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        case .raw(let text):
            writeRaw(text)
        }
    }

    /// Writes `s` as a quoted, escaped JSON string.
    public mutating func writeString(_ s: String) {
        var text = s
        text.withUTF8 { appendEscaped($0) }
    }

    /// Appends `text` verbatim; the caller guarantees it is valid JSON in this position.
    public mutating func writeRaw(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    private mutating func appendStatic(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        let count = utf8.count
        var index = 0
        var runStart = 0
        while index < count {
            let byte = utf8[index]
            // Bytes that never need escaping: printable ASCII except '"' and '\', and non-ASCII other than the
            // lead byte 0xE2 (which starts U+2028/U+2029).
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0xE2 {
                index += 1
                continue
            }
            if byte == 0xE2 {
                guard index + 2 < count, utf8[index + 1] == 0x80, utf8[index + 2] | 1 == 0xA9 else {
                    index += 1
                    continue
                }
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            switch byte {
            case UInt8(ascii: "\""): appendStatic("\\\"")
            case UInt8(ascii: "\\"): appendStatic("\\\\")
            case 0x0A: appendStatic("\\n")
            case 0x0D: appendStatic("\\r")
            case 0x09: appendStatic("\\t")
            case 0x08: appendStatic("\\b")
            case 0x0C: appendStatic("\\f")
            case 0xE2:
                // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR
                appendStatic(utf8[index + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                index += 2
            default:
                appendStatic("\\u00")
                // Control characters are < 0x20: the high nibble is 0 or 1, the low nibble a hex digit.
                let low = byte & 0x0F
                bytes.append(UInt8(ascii: "0") + (byte >> 4))
                bytes.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            }
            index += 1
            runStart = index
        }
        if runStart < count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension String {
    /// The string as a quoted, escaped JSON string literal, e.g. `"a\"b"` for `a"b`.
    /// Handy for building small JSON snippets by hand.
    public var jsonQuoted: String {
        var writer = JSONWriter(capacity: utf8.count + 2)
        writer.writeString(self)
        return writer.string
    }
}
