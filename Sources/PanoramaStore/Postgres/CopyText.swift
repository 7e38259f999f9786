import NIOCore

/// Fields of PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for backslash,
/// newline, carriage return and tab. PostgreSQL text cannot hold U+0000: it is written as U+FFFD.
enum CopyText {
    static func append(_ value: String?, to buffer: inout ByteBuffer) {
        guard var value else {
            buffer.writeStaticString("\\N")
            return
        }
        value.withUTF8 { bytes in
            if !bytes.contains(where: needsEscape) {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0: buffer.writeStaticString("\u{FFFD}")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    static func append(_ value: Int64?, to buffer: inout ByteBuffer) {
        if let value { buffer.writeString(String(value)) } else { buffer.writeStaticString("\\N") }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x5C, 0x0A, 0x0D, 0x09, 0: true
        default: false
        }
    }
}
