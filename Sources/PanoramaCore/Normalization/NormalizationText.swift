/// Scalar-level helpers shared by the normalizers. Everything here works on `unicodeScalars`
/// so that no `Character` (grapheme) segmentation, regex or Foundation formatter is involved.
enum NormalizationText {
    /// Whether a scalar is removed by trimming: Unicode `White_Space` (ASCII blanks, NBSP, U+3000
    /// ideographic space, U+2000–U+200A, …) plus the invisible characters that copy-paste commonly
    /// drags along (U+200B zero-width space, U+2060 word joiner, U+FEFF BOM, U+180E Mongolian vowel separator).
    @inline(__always)
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x20 || (value >= 0x09 && value <= 0x0D)
        }
        switch value {
        case 0x200B, 0x2060, 0xFEFF, 0x180E:
            return true
        default:
            return scalar.properties.isWhitespace
        }
    }

    /// Whether a scalar is a C0/C1 control character (general category Cc).
    @inline(__always)
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (value >= 0x7F && value <= 0x9F)
    }

    /// The scalars of `raw` without leading and trailing blanks (see `isBlank`).
    static func trim(_ raw: String) -> Substring.UnicodeScalarView {
        let scalars = raw.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isBlank(scalars[start]) {
            scalars.formIndex(after: &start)
        }
        while start < end {
            let last = scalars.index(before: end)
            guard isBlank(scalars[last]) else { break }
            end = last
        }
        return scalars[start..<end]
    }

    /// `raw` trimmed, returning `raw` itself (no copy) when nothing had to be removed.
    static func trimmedString(_ raw: String) -> String {
        let trimmed = trim(raw)
        let scalars = raw.unicodeScalars
        if trimmed.startIndex == scalars.startIndex && trimmed.endIndex == scalars.endIndex {
            return raw
        }
        return String(trimmed)
    }

    /// Maps full-width ASCII variants (U+FF01–U+FF5E, e.g. "１", "＠", "．", "＋") to ASCII;
    /// other scalars are returned unchanged.
    @inline(__always)
    static func foldWidth(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value >= 0xFF01 && value <= 0xFF5E, let ascii = Unicode.Scalar(value - 0xFEE0) {
            return ascii
        }
        return scalar
    }

    /// The decimal value of an ASCII or other Unicode decimal digit (full-width, Arabic-Indic, …), else `nil`.
    @inline(__always)
    static func decimalDigit(_ scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value >= 0x30 && value <= 0x39 {
            return UInt8(value - 0x30)
        }
        if value < 0x80 {
            return nil
        }
        let properties = scalar.properties
        guard properties.numericType == .decimal, let numeric = properties.numericValue,
            numeric >= 0, numeric <= 9
        else {
            return nil
        }
        return UInt8(numeric)
    }

    /// Number of bytes the scalar takes in UTF-8.
    @inline(__always)
    static func utf8Width(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x80 { return 1 }
        if value < 0x800 { return 2 }
        if value < 0x1_0000 { return 3 }
        return 4
    }

    /// Builds a `String` from ASCII bytes.
    @inline(__always)
    static func ascii(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A short, log-safe rendering of a user value for error messages: single-quoted, at most
    /// `limit` scalars (then "…"), control characters shown as `\u{XX}`.
    static func quoted(_ raw: String, limit: Int = 48) -> String {
        var out = String.UnicodeScalarView()
        out.append("'")
        var count = 0
        for scalar in raw.unicodeScalars {
            if count == limit {
                out.append("…")
                break
            }
            if isControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
            count += 1
        }
        out.append("'")
        return String(out)
    }

    /// A single scalar rendered for an error message, e.g. `'a'` or `'\u{7}'`.
    static func quoted(_ scalar: Unicode.Scalar) -> String {
        quoted(String(Character(scalar)))
    }
}
