/// String similarity measures used by the matching engine.
///
/// Every function works on buffers of Unicode scalar values (`UInt32`), so the inner loop of a
/// matching job neither allocates a `String` nor segments graphemes. Short inputs (the usual
/// case: names, street names, postcodes) use 64-bit masks or stack buffers instead of arrays.
///
/// All measures are symmetric: arguments are put in a canonical order (shorter first, then
/// lexicographically smaller first) before anything order-dependent happens, so that comparing
/// A with B and B with A gives the same value bit for bit. Pairwise decisions rely on that.
public enum StringSimilarity {
    /// Jaro–Winkler similarity of two strings, in 0…1 (Winkler's prefix scale 0.1, at most 4
    /// prefix characters, boost applied above a Jaro similarity of 0.7).
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        let x = a.unicodeScalars.map(\.value)
        let y = b.unicodeScalars.map(\.value)
        return x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in jaroWinkler(xs, ys) } }
    }

    /// Jaro similarity of two strings, in 0…1.
    public static func jaro(_ a: String, _ b: String) -> Double {
        let x = a.unicodeScalars.map(\.value)
        let y = b.unicodeScalars.map(\.value)
        return x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in jaro(xs, ys) } }
    }

    /// Optimal-string-alignment (restricted Damerau–Levenshtein) distance: insertions, deletions,
    /// substitutions and transpositions of adjacent characters each cost 1.
    public static func damerauLevenshtein(_ a: String, _ b: String) -> Int {
        let x = a.unicodeScalars.map(\.value)
        let y = b.unicodeScalars.map(\.value)
        return x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in damerauLevenshtein(xs, ys) } }
    }

    /// Jaccard similarity of the sets of space-separated words (1 when both have the same words,
    /// in any order).
    public static func tokenSet(_ a: String, _ b: String) -> Double {
        let x = a.unicodeScalars.map(\.value)
        let y = b.unicodeScalars.map(\.value)
        return x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in tokenSet(xs, ys) } }
    }

    /// American Soundex code (a letter and three digits) of the ASCII letters of `value`; nil
    /// when it does not start with an ASCII letter.
    public static func soundex(_ value: String) -> String? {
        let scalars = value.unicodeScalars.map(\.value)
        var code: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        let ok = scalars.withUnsafeBufferPointer { soundex($0, into: &code) }
        guard ok else { return nil }
        return String(String.UnicodeScalarView([code.0, code.1, code.2, code.3].compactMap(Unicode.Scalar.init)))
    }

    // MARK: - Buffer versions (the hot path)

    /// Jaro–Winkler similarity of two scalar buffers.
    public static func jaroWinkler(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Double {
        let j = jaro(a, b)
        guard j > 0.7 else { return j }
        var prefix = 0
        let limit = min(4, a.count, b.count)
        while prefix < limit && a[prefix] == b[prefix] { prefix += 1 }
        return j + Double(prefix) * 0.1 * (1 - j)
    }

    /// Jaro similarity of two scalar buffers.
    public static func jaro(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Double {
        let (s, t) = canonicalOrder(a, b)
        if s.count == 0 { return t.count == 0 ? 1 : 0 }
        if s.count == t.count && memcmpEqual(s, t) { return 1 }
        let window = max(0, t.count / 2 - 1)
        let matches: Int
        let transpositions: Int
        if t.count <= 64 {
            (matches, transpositions) = jaroCountsMasked(s, t, window: window)
        } else {
            (matches, transpositions) = jaroCountsLong(s, t, window: window)
        }
        guard matches > 0 else { return 0 }
        let m = Double(matches)
        return (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions)) / m) / 3
    }

    /// Matches and half-transpositions for strings of at most 64 scalars: matched flags in two words.
    static func jaroCountsMasked(
        _ s: UnsafeBufferPointer<UInt32>, _ t: UnsafeBufferPointer<UInt32>, window: Int
    ) -> (Int, Int) {
        var sMatched: UInt64 = 0
        var tMatched: UInt64 = 0
        var matches = 0
        for i in 0..<s.count {
            let low = max(0, i - window)
            let high = min(t.count, i + window + 1)
            guard low < high else { continue }
            let c = s[i]
            for j in low..<high where tMatched & (1 << UInt64(j)) == 0 && t[j] == c {
                tMatched |= 1 << UInt64(j)
                sMatched |= 1 << UInt64(i)
                matches += 1
                break
            }
        }
        guard matches > 0 else { return (0, 0) }
        var mismatched = 0
        var sBits = sMatched
        var tBits = tMatched
        while sBits != 0 {
            let i = sBits.trailingZeroBitCount
            let j = tBits.trailingZeroBitCount
            if s[i] != t[j] { mismatched += 1 }
            sBits &= sBits - 1
            tBits &= tBits - 1
        }
        return (matches, mismatched / 2)
    }

    /// The same counts for longer strings, with matched flags in a temporary (stack) buffer.
    static func jaroCountsLong(
        _ s: UnsafeBufferPointer<UInt32>, _ t: UnsafeBufferPointer<UInt32>, window: Int
    ) -> (Int, Int) {
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: s.count + t.count) { flags in
            flags.initialize(repeating: false)
            let sOffset = 0
            let tOffset = s.count
            var matches = 0
            for i in 0..<s.count {
                let low = max(0, i - window)
                let high = min(t.count, i + window + 1)
                guard low < high else { continue }
                for j in low..<high where !flags[tOffset + j] && t[j] == s[i] {
                    flags[tOffset + j] = true
                    flags[sOffset + i] = true
                    matches += 1
                    break
                }
            }
            var mismatched = 0
            var k = 0
            for i in 0..<s.count where flags[sOffset + i] {
                while !flags[tOffset + k] { k += 1 }
                if s[i] != t[k] { mismatched += 1 }
                k += 1
            }
            return (matches, mismatched / 2)
        }
    }

    /// Restricted Damerau–Levenshtein (optimal string alignment) distance of two scalar buffers.
    public static func damerauLevenshtein(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Int {
        let (s, t) = canonicalOrder(a, b)
        if s.count == 0 { return t.count }
        let width = t.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { rows in
            // rows: [previous-previous | previous | current], each `width` long.
            for j in 0..<width { rows[width + j] = j }
            var twoBack = 0
            var back = width
            var current = 2 * width
            for i in 1...s.count {
                rows[current] = i
                for j in 1..<width {
                    let cost = s[i - 1] == t[j - 1] ? 0 : 1
                    var best = min(rows[back + j] + 1, rows[current + j - 1] + 1, rows[back + j - 1] + cost)
                    if i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1] {
                        best = min(best, rows[twoBack + j - 2] + 1)
                    }
                    rows[current + j] = best
                }
                (twoBack, back, current) = (back, current, twoBack)
            }
            return rows[back + t.count]
        }
    }

    /// Jaccard similarity of the word sets of two scalar buffers (words separated by U+0020).
    public static func tokenSet(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Double {
        let (s, t) = canonicalOrder(a, b)
        var sWords = 0
        var shared = 0
        var start = 0
        while start < s.count {
            var end = start
            while end < s.count && s[end] != 0x20 { end += 1 }
            if end > start {
                sWords += 1
                if containsWord(t, UnsafeBufferPointer(rebasing: s[start..<end])) { shared += 1 }
            }
            start = end + 1
        }
        let tWords = wordCount(t)
        let union = sWords + tWords - shared
        return union > 0 ? Double(shared) / Double(union) : 0
    }

    /// Number of space-separated words.
    static func wordCount(_ s: UnsafeBufferPointer<UInt32>) -> Int {
        var count = 0
        var inWord = false
        for c in s {
            if c == 0x20 {
                inWord = false
            } else if !inWord {
                inWord = true
                count += 1
            }
        }
        return count
    }

    /// Whether `word` is one of the space-separated words of `haystack`.
    static func containsWord(_ haystack: UnsafeBufferPointer<UInt32>, _ word: UnsafeBufferPointer<UInt32>) -> Bool {
        var start = 0
        while start < haystack.count {
            var end = start
            while end < haystack.count && haystack[end] != 0x20 { end += 1 }
            if end - start == word.count && memcmpEqual(UnsafeBufferPointer(rebasing: haystack[start..<end]), word) {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// Writes the Soundex code of the ASCII letters of `s` into `code`; false when `s` does not
    /// start with an ASCII letter (Soundex is meaningless for other scripts).
    public static func soundex(
        _ s: UnsafeBufferPointer<UInt32>, into code: inout (UInt32, UInt32, UInt32, UInt32)
    ) -> Bool {
        guard let first = s.first, first >= 0x61 && first <= 0x7A else { return false }
        var out: (UInt32, UInt32, UInt32, UInt32) = (first, 0x30, 0x30, 0x30)
        var written = 1
        var last = soundexDigit(first)
        for c in s.dropFirst() where written < 4 {
            let digit = soundexDigit(c)
            if digit != 0 && digit != last {
                switch written {
                case 1: out.1 = digit
                case 2: out.2 = digit
                default: out.3 = digit
                }
                written += 1
            }
            // h and w do not separate letters with the same code; vowels do.
            if c != 0x68 && c != 0x77 { last = digit }
        }
        code = out
        return true
    }

    /// The Soundex digit (as an ASCII scalar) of a lower-case ASCII letter, 0 for vowels and others.
    static func soundexDigit(_ c: UInt32) -> UInt32 {
        switch c {
        case 0x62, 0x66, 0x70, 0x76: return 0x31  // b f p v
        case 0x63, 0x67, 0x6A, 0x6B, 0x71, 0x73, 0x78, 0x7A: return 0x32  // c g j k q s x z
        case 0x64, 0x74: return 0x33  // d t
        case 0x6C: return 0x34  // l
        case 0x6D, 0x6E: return 0x35  // m n
        case 0x72: return 0x36  // r
        default: return 0
        }
    }

    // MARK: - Helpers

    /// Shorter buffer first; equal lengths in lexicographic order. Makes every measure symmetric.
    static func canonicalOrder(
        _ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>
    ) -> (UnsafeBufferPointer<UInt32>, UnsafeBufferPointer<UInt32>) {
        if a.count != b.count { return a.count < b.count ? (a, b) : (b, a) }
        for i in 0..<a.count where a[i] != b[i] {
            return a[i] < b[i] ? (a, b) : (b, a)
        }
        return (a, b)
    }

    /// Element-wise equality of two buffers.
    static func memcmpEqual(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }
}
