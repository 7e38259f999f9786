// The CSV reader: RFC 4180 quoting, CRLF/LF/CR line ends, a sniffed delimiter, an optional header row.

import Foundation
import PanoramaCore

/// Reads delimited text. Records are parsed straight from the decoded buffer; a field becomes a `String` only
/// once, and quoted fields are unescaped through one reused scratch buffer.
final class CSVRecordReader: ImportRecordReader {
    private let text: DecodedText
    private(set) var columns: [String]
    let info: ImportSourceInfo
    private let delimiter: CSVDelimiter
    private let expectedFields: Int
    private let maxRecordBytes: Int
    /// Source line of the byte at `text.position`.
    private var line = 1
    private var scratch: [UInt8] = []

    var bytesRead: Int64 { text.bytesRead }
    var totalBytes: Int64? { text.totalBytes }

    init(text: DecodedText, options: ImportReaderOptions) throws {
        self.text = text
        maxRecordBytes = max(options.maxRecordBytes, 1024)
        let sampleEnd = min(text.bytes.count, text.position + 64 * 1024)
        let delimiter =
            options.delimiter
            ?? CSVSniffer.delimiter(text.bytes[text.position..<sampleEnd], complete: text.atEnd)
        self.delimiter = delimiter

        // Look at the first two records (without consuming them) to decide about the header.
        var peeked: [(values: [String], next: Int, newlines: Int)] = []
        var position = text.position
        var values: [String?] = []
        var scratch: [UInt8] = []
        peek: while peeked.count < 2 {
            let result = text.bytes.withUnsafeBufferPointer { bytes in
                CSVParser.parseRecord(
                    bytes, from: position, atEnd: text.atEnd, delimiter: delimiter.byte, values: &values,
                    scratch: &scratch)
            }
            switch result {
            case .end:
                break peek
            case .blank(let next, _):
                position = next
            case .record(let next, _, let newlines, _, _, _):
                peeked.append((values.map { $0 ?? "" }, next, newlines))
                values.removeAll(keepingCapacity: true)
                position = next
            case .incomplete:
                if text.atEnd || text.bytes.count - text.position > maxRecordBytes { break peek }
                try text.refill()
            }
        }

        let header: Bool
        if let given = options.hasHeader {
            header = given
        } else if let first = peeked.first?.values {
            header = CSVSniffer.looksLikeHeader(first, next: peeked.count > 1 ? peeked[1].values : nil)
        } else {
            header = false
        }
        if header, let first = peeked.first {
            columns = CSVSniffer.columnNames(first.values)
            // Skip blank lines before the header, then the header itself.
            var skip = text.position
            var lines = 0
            while skip < text.bytes.count {
                let byte = text.bytes[skip]
                if byte == 0x0A {
                    lines += 1
                } else if byte != 0x0D && byte != 0x20 && byte != 0x09 {
                    break
                }
                skip += 1
            }
            line = 1 + lines + first.newlines
            text.position = first.next
        } else {
            let width = peeked.first?.values.count ?? 1
            columns = (1...max(width, 1)).map { "column_\($0)" }
        }
        expectedFields = columns.count
        info = ImportSourceInfo(
            format: .csv, encoding: text.decoder.detectedEncoding, delimiter: delimiter, hasHeader: header)
    }

    func nextBatch(maxRecords: Int) throws -> ImportRecordBatch? {
        var batch = ImportRecordBatch()
        batch.values.reserveCapacity(min(maxRecords, 4096) * expectedFields)
        let delimiterByte = delimiter.byte
        reading: while batch.count < maxRecords {
            if text.position >= text.bytes.count {
                if text.atEnd { break }
                if batch.count > 0 { break }
                try text.refill()
                continue
            }
            // Parse as many complete records as the buffer holds.
            let bytes = text.bytes
            var position = text.position
            var line = self.line
            let atEnd = text.atEnd
            var needMore = false
            var reachedEnd = false
            bytes.withUnsafeBufferPointer { buffer in
                while batch.count < maxRecords {
                    let valuesBefore = batch.values.count
                    let result = CSVParser.parseRecord(
                        buffer, from: position, atEnd: atEnd, delimiter: delimiterByte, values: &batch.values,
                        scratch: &scratch)
                    switch result {
                    case .end:
                        reachedEnd = true
                        return
                    case .blank(let next, let newlines):
                        position = next
                        line += newlines
                        batch.blankLines += 1
                    case .record(let next, let contentEnd, let newlines, let fields, let validText, let empty):
                        if fields != expectedFields {
                            batch.values.removeSubrange(valuesBefore...)
                            batch.appendProblem(
                                line: line, raw: position..<contentEnd,
                                ImportRowError(
                                    code: "bad_field_count",
                                    message:
                                        "row has \(fields) field\(fields == 1 ? "" : "s"); expected \(expectedFields)"
                                        + " (\(info.hasHeader == true ? "as in the header" : "as in the first row"),"
                                        + " delimiter '\(delimiter.name)')"))
                        } else if !validText {
                            batch.values.removeSubrange(valuesBefore...)
                            batch.appendProblem(
                                line: line, raw: position..<contentEnd,
                                ImportRowError(
                                    code: "invalid_encoding",
                                    message:
                                        "row contains bytes that are not valid \(info.encoding == .gb18030 ? "GB18030" : "UTF-8")"
                                        + " text; re-export the file as UTF-8 or set the encoding in the mapping"))
                        } else if empty {
                            batch.values.removeSubrange(valuesBefore...)
                            batch.blankLines += 1
                        } else {
                            batch.appendRecord(line: line, raw: position..<contentEnd)
                        }
                        position = next
                        line += newlines
                    case .incomplete:
                        if !atEnd && buffer.count - position <= maxRecordBytes {
                            needMore = true
                            return
                        }
                        // An unterminated quote (or an absurdly long record): reject its first physical line
                        // and carry on after it, so the rest of the file is still read.
                        var lineEnd = position
                        while lineEnd < buffer.count, buffer[lineEnd] != 0x0A { lineEnd += 1 }
                        if lineEnd == buffer.count && !atEnd {
                            needMore = true
                            return
                        }
                        let contentEnd = lineEnd > position && buffer[lineEnd - 1] == 0x0D ? lineEnd - 1 : lineEnd
                        batch.appendProblem(
                            line: line, raw: position..<contentEnd,
                            ImportRowError(
                                code: atEnd ? "unterminated_quote" : "record_too_long",
                                message: atEnd
                                    ? "a quoted field opened on this line is never closed; the line was skipped"
                                    : "record is longer than \(maxRecordBytes) bytes, most likely a quote that is"
                                        + " never closed; the line was skipped"))
                        position = min(lineEnd + 1, buffer.count)
                        line += 1
                    }
                }
            }
            text.position = position
            self.line = line
            if reachedEnd { break reading }
            if needMore {
                if batch.count > 0 { break reading }
                try text.refill()
            }
        }
        if batch.count == 0 && batch.blankLines == 0 { return nil }
        batch.rawText = text.bytes
        return batch
    }
}

/// The byte-level RFC 4180 record parser.
enum CSVParser {
    enum Result {
        /// A record: the next record starts at `next`; its text ends at `contentEnd` (before the line break);
        /// `newlines` counts the line breaks consumed (quoted ones included).
        case record(next: Int, contentEnd: Int, newlines: Int, fields: Int, validText: Bool, empty: Bool)
        /// A line with nothing on it.
        case blank(next: Int, newlines: Int)
        /// The buffer ends inside the record; at the end of input this means an unterminated quote.
        case incomplete
        /// Nothing left.
        case end
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09

    /// Parses one record starting at `start`, appending its fields to `values`. `delimiter` 0 means runs of
    /// blanks. On `.incomplete` nothing is appended.
    static func parseRecord(
        _ p: UnsafeBufferPointer<UInt8>, from start: Int, atEnd: Bool, delimiter: UInt8,
        values: inout [String?], scratch: inout [UInt8]
    ) -> Result {
        let n = p.count
        let whitespace = delimiter == 0
        var i = start
        if whitespace {
            while i < n && (p[i] == space || p[i] == tab) { i += 1 }
        }
        if i == n {
            if !atEnd { return .incomplete }
            return start == n ? .end : .blank(next: n, newlines: 0)
        }
        if p[i] == lf { return .blank(next: i + 1, newlines: 1) }
        if p[i] == cr {
            if i + 1 < n { return .blank(next: p[i + 1] == lf ? i + 2 : i + 1, newlines: 1) }
            return atEnd ? .blank(next: n, newlines: 1) : .incomplete
        }
        let valuesBefore = values.count
        var newlines = 0
        var fields = 0
        var validText = true
        var empty = true

        while true {
            if i < n && p[i] == quote {
                // Quoted field: "" is an escaped quote; anything up to the closing quote, newlines included.
                let contentStart = i + 1
                var j = contentStart
                var escaped = false
                var accumulated: UInt8 = 0
                while true {
                    while j < n {
                        let byte = p[j]
                        if byte == quote { break }
                        if byte == lf { newlines += 1 }
                        accumulated |= byte
                        j += 1
                    }
                    if j == n || (j + 1 == n && !atEnd) {
                        values.removeSubrange(valuesBefore...)
                        return .incomplete
                    }
                    if j + 1 < n && p[j + 1] == quote {
                        escaped = true
                        j += 2
                        continue
                    }
                    break
                }
                let contentEnd = j
                j += 1
                // Lenient: text after the closing quote (`"a"b`) is kept as part of the field.
                let junkStart = j
                while j < n {
                    let byte = p[j]
                    if byte == lf || byte == cr { break }
                    if whitespace ? (byte == space || byte == tab) : byte == delimiter { break }
                    accumulated |= byte
                    j += 1
                }
                if j == n && !atEnd {
                    values.removeSubrange(valuesBefore...)
                    return .incomplete
                }
                if !escaped && junkStart == j {
                    let field = UnsafeBufferPointer(rebasing: p[contentStart..<contentEnd])
                    let (string, valid) = ImportUTF8.string(field, asciiOnly: accumulated < 0x80)
                    validText = validText && valid
                    if !field.isEmpty { empty = false }
                    values.append(string)
                } else {
                    scratch.removeAll(keepingCapacity: true)
                    var k = contentStart
                    while k < contentEnd {
                        scratch.append(p[k])
                        k += p[k] == quote ? 2 : 1
                    }
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[junkStart..<j]))
                    let (string, valid) = scratch.withUnsafeBufferPointer {
                        ImportUTF8.string($0, asciiOnly: accumulated < 0x80)
                    }
                    validText = validText && valid
                    if !scratch.isEmpty { empty = false }
                    values.append(string)
                }
                i = j
            } else {
                let fieldStart = i
                var accumulated: UInt8 = 0
                if whitespace {
                    while i < n {
                        let byte = p[i]
                        if byte == space || byte == tab || byte == lf || byte == cr { break }
                        accumulated |= byte
                        i += 1
                    }
                } else {
                    while i < n {
                        let byte = p[i]
                        if byte == delimiter || byte == lf || byte == cr { break }
                        accumulated |= byte
                        i += 1
                    }
                }
                if i == n && !atEnd {
                    values.removeSubrange(valuesBefore...)
                    return .incomplete
                }
                if i > fieldStart {
                    let field = UnsafeBufferPointer(rebasing: p[fieldStart..<i])
                    if accumulated < 0x80 {
                        values.append(String(decoding: field, as: UTF8.self))
                    } else {
                        let (string, valid) = ImportUTF8.string(field, asciiOnly: false)
                        validText = validText && valid
                        values.append(string)
                    }
                    empty = false
                } else {
                    values.append("")
                }
            }
            fields += 1

            if i == n {
                return .record(
                    next: n, contentEnd: n, newlines: newlines, fields: fields, validText: validText, empty: empty)
            }
            var byte = p[i]
            if whitespace {
                if byte == space || byte == tab {
                    while i < n && (p[i] == space || p[i] == tab) { i += 1 }
                    if i == n {
                        if !atEnd {
                            values.removeSubrange(valuesBefore...)
                            return .incomplete
                        }
                        return .record(
                            next: n, contentEnd: n, newlines: newlines, fields: fields, validText: validText,
                            empty: empty)
                    }
                    byte = p[i]
                    if byte != lf && byte != cr { continue }
                }
            } else if byte == delimiter {
                i += 1
                continue
            }
            // End of line.
            var contentEnd = i
            if whitespace {
                while contentEnd > start && (p[contentEnd - 1] == space || p[contentEnd - 1] == tab) {
                    contentEnd -= 1
                }
            }
            if byte == lf {
                return .record(
                    next: i + 1, contentEnd: contentEnd, newlines: newlines + 1, fields: fields,
                    validText: validText, empty: empty)
            }
            if i + 1 < n {
                return .record(
                    next: p[i + 1] == lf ? i + 2 : i + 1, contentEnd: contentEnd, newlines: newlines + 1,
                    fields: fields, validText: validText, empty: empty)
            }
            if atEnd {
                return .record(
                    next: n, contentEnd: contentEnd, newlines: newlines + 1, fields: fields, validText: validText,
                    empty: empty)
            }
            values.removeSubrange(valuesBefore...)
            return .incomplete
        }
    }
}

/// Guesses the delimiter and the header from the first lines.
enum CSVSniffer {
    private static let candidates: [CSVDelimiter] = [.comma, .tab, .semicolon, .pipe]

    /// The delimiter that splits the first (up to 20) lines into the same number of fields: `,` tab `;` `|`
    /// (more fields wins), else runs of whitespace when they split every line into at least two fields, else
    /// the candidate that occurs on most lines, else comma.
    static func delimiter(_ sample: ArraySlice<UInt8>, complete: Bool) -> CSVDelimiter {
        var counts: [[Int]] = Array(repeating: [], count: candidates.count)
        var whitespaceFields: [Int] = []
        var lineCounts = [Int](repeating: 0, count: candidates.count)
        var inQuotes = false
        var inField = false
        var fieldsInLine = 0
        var lineHasContent = false
        var index = sample.startIndex
        var linesSeen = 0

        func endLine() {
            if lineHasContent {
                for c in candidates.indices { counts[c].append(lineCounts[c]) }
                whitespaceFields.append(fieldsInLine)
                linesSeen += 1
            }
            lineCounts = [Int](repeating: 0, count: candidates.count)
            fieldsInLine = 0
            inField = false
            lineHasContent = false
        }

        while index < sample.endIndex && linesSeen < 20 {
            let byte = sample[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
                if !inField {
                    inField = true
                    fieldsInLine += 1
                }
                lineHasContent = true
                continue
            }
            if inQuotes { continue }
            if byte == 0x0A || byte == 0x0D {
                endLine()
                continue
            }
            if byte == 0x20 || byte == 0x09 {
                inField = false
            } else if !inField {
                inField = true
                fieldsInLine += 1
            }
            if byte != 0x20 && byte != 0x09 { lineHasContent = true }
            for (c, candidate) in candidates.enumerated() where byte == candidate.byte {
                lineCounts[c] += 1
            }
        }
        if index == sample.endIndex && complete { endLine() }
        guard linesSeen > 0 else { return .comma }

        var best: (CSVDelimiter, Int)?
        for (c, candidate) in candidates.enumerated() {
            let first = counts[c][0]
            if first >= 1 && counts[c].allSatisfy({ $0 == first }) && first > (best?.1 ?? 0) {
                best = (candidate, first)
            }
        }
        if let best { return best.0 }
        if let first = whitespaceFields.first, first >= 2, whitespaceFields.allSatisfy({ $0 == first }) {
            return .whitespace
        }
        var mostLines: (CSVDelimiter, Int)?
        for (c, candidate) in candidates.enumerated() {
            let lines = counts[c].filter { $0 > 0 }.count
            if lines > (mostLines?.1 ?? 0) { mostLines = (candidate, lines) }
        }
        return mostLines?.0 ?? .comma
    }

    /// A first row is a header when none of its cells is empty or looks like data (numbers, dates, phone
    /// numbers, amounts), and either some cell is a column name Panorama knows or the next row has data in it.
    static func looksLikeHeader(_ first: [String], next: [String]?) -> Bool {
        let cells = first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !cells.isEmpty, cells.allSatisfy({ !$0.isEmpty && !looksLikeData($0) }) else { return false }
        if cells.contains(where: { ImportMapping.isKnownHeader($0) }) { return true }
        guard let next else { return true }
        return next.contains { looksLikeData($0) }
    }

    /// Numbers, dates, times, phone numbers and amounts: digits mixed only with separators and currency marks.
    static func looksLikeData(_ text: String) -> Bool {
        var digits = 0
        for scalar in text.unicodeScalars {
            if let _ = NormalizationDigits.value(scalar) {
                digits += 1
                continue
            }
            switch scalar {
            case ".", ",", "-", "+", ":", "/", "(", ")", " ", "¥", "￥", "$", "%", "年", "月", "日", "T", "Z", "元":
                continue
            default:
                return false
            }
        }
        return digits > 0
    }

    /// Header cells as column names: trimmed (BOM and blanks), empty ones named `column_N`, duplicates numbered.
    static func columnNames(_ cells: [String]) -> [String] {
        var seen: [String: Int] = [:]
        var names: [String] = []
        for (index, cell) in cells.enumerated() {
            var name = cell.trimmingCharacters(
                in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if name.isEmpty { name = "column_\(index + 1)" }
            if let count = seen[name] {
                seen[name] = count + 1
                name = "\(name)_\(count + 1)"
            } else {
                seen[name] = 1
            }
            names.append(name)
        }
        return names
    }
}

/// Decimal digit values, full-width included (for sniffing only; cleaning has its own).
enum NormalizationDigits {
    @inline(__always)
    static func value(_ scalar: Unicode.Scalar) -> Int? {
        let v = scalar.value
        if v >= 0x30 && v <= 0x39 { return Int(v - 0x30) }
        if v >= 0xFF10 && v <= 0xFF19 { return Int(v - 0xFF10) }
        return nil
    }
}
