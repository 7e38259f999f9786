// JSON and NDJSON readers. Nested objects flatten to dotted keys (`address.city`); arrays keep their JSON text.

import PanoramaCore

/// Flattens one JSON object into a row of column values.
enum JSONFlattener {
    /// Writes the scalar members of `object` (recursively, keys joined by dots) into `row` by column index.
    static func flatten(_ object: JSONObject, prefix: String, columns: ImportColumnSet, into row: inout [String?]) {
        for (key, value) in object.members {
            let name = prefix.isEmpty ? key : prefix + "." + key
            let text: String?
            switch value {
            case .object(let nested):
                flatten(nested, prefix: name, columns: columns, into: &row)
                continue
            case .string(let string): text = string
            case .number(let number): text = number.text
            case .bool(let flag): text = flag ? "true" : "false"
            case .null: continue
            case .array, .raw: text = value.jsonText
            }
            let index = columns.index(of: name)
            if index >= row.count { row.append(contentsOf: repeatElement(nil, count: index - row.count + 1)) }
            row[index] = text
        }
    }

    /// A record from one parsed JSON value: an object becomes a row; anything else a `not_an_object` problem.
    static func append(
        _ parsed: Result<JSONValue, JSONParseError>, line: Int, raw: Range<Int>, columns: ImportColumnSet,
        row: inout [String?], to batch: inout ImportRecordBatch
    ) {
        switch parsed {
        case .failure(let error):
            batch.appendProblem(
                line: line, raw: raw,
                ImportRowError(code: "invalid_json", message: "record is not valid JSON: \(error)"))
        case .success(let value):
            guard let object = value.objectValue else {
                batch.appendProblem(
                    line: line, raw: raw,
                    ImportRowError(code: "not_an_object", message: "record is JSON but not an object ({…})"))
                return
            }
            row.removeAll(keepingCapacity: true)
            row.append(contentsOf: repeatElement(nil, count: columns.names.count))
            flatten(object, prefix: "", columns: columns, into: &row)
            batch.values.append(contentsOf: row)
            batch.appendRecord(line: line, raw: raw)
        }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        do throws(JSONParseError) {
            return .success(try JSONParser.parse(UnsafeRawBufferPointer(bytes)))
        } catch {
            return .failure(error)
        }
    }
}

/// One JSON object per line; blank lines are skipped, a line that is not an object is a rejected row.
final class NDJSONRecordReader: ImportRecordReader {
    private let text: DecodedText
    private let columnSet = ImportColumnSet()
    private var line = 1
    private var row: [String?] = []

    init(text: DecodedText) {
        self.text = text
    }

    var columns: [String] { columnSet.names }
    var info: ImportSourceInfo {
        ImportSourceInfo(format: .ndjson, encoding: text.decoder.detectedEncoding, delimiter: nil, hasHeader: nil)
    }
    var bytesRead: Int64 { text.bytesRead }
    var totalBytes: Int64? { text.totalBytes }

    func nextBatch(maxRecords: Int) throws -> ImportRecordBatch? {
        var batch = ImportRecordBatch()
        reading: while batch.count < maxRecords {
            let bytes = text.bytes
            var position = text.position
            var line = self.line
            let atEnd = text.atEnd
            var needMore = false
            bytes.withUnsafeBufferPointer { buffer in
                while batch.count < maxRecords && position < buffer.count {
                    var end = position
                    while end < buffer.count && buffer[end] != 0x0A { end += 1 }
                    if end == buffer.count && !atEnd {
                        needMore = true
                        return
                    }
                    var start = position
                    var stop = end
                    while start < stop && isBlank(buffer[start]) { start += 1 }
                    while stop > start && isBlank(buffer[stop - 1]) { stop -= 1 }
                    if start == stop {
                        batch.blankLines += 1
                    } else {
                        let parsed = JSONFlattener.parse(UnsafeBufferPointer(rebasing: buffer[start..<stop]))
                        JSONFlattener.append(
                            parsed, line: line, raw: start..<stop, columns: columnSet, row: &row, to: &batch)
                    }
                    position = min(end + 1, buffer.count)
                    line += 1
                }
            }
            text.position = position
            self.line = line
            if position >= text.bytes.count || needMore {
                if text.atEnd { break reading }
                if batch.count > 0 { break reading }
                try text.refill()
            }
        }
        if batch.count == 0 && batch.blankLines == 0 { return nil }
        batch.rawText = text.bytes
        return batch
    }

    private func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
}

/// An array of objects, at the top level or under a key of a top-level object, read element by element: the
/// array is never parsed whole, each element is located by bracket matching and parsed on its own.
final class JSONArrayRecordReader: ImportRecordReader {
    private let text: DecodedText
    private let columnSet = ImportColumnSet()
    private var line = 1
    private var row: [String?] = []
    private var expectingComma = false
    private var done = false

    var columns: [String] { columnSet.names }
    var info: ImportSourceInfo {
        ImportSourceInfo(format: .json, encoding: text.decoder.detectedEncoding, delimiter: nil, hasHeader: nil)
    }
    var bytesRead: Int64 { text.bytesRead }
    var totalBytes: Int64? { text.totalBytes }

    init(text: DecodedText, recordsPath: String?) throws {
        self.text = text
        let path = recordsPath.map { $0.split(separator: ".").map(String.init) } ?? []
        while true {
            let found = try text.bytes.withUnsafeBufferPointer { buffer in
                try JSONScanner.locateArray(buffer, path: path, atEnd: text.atEnd)
            }
            if let found {
                for index in 0..<found where text.bytes[index] == 0x0A { line += 1 }
                text.position = found
                return
            }
            if text.atEnd {
                throw PanoramaError.badRequest("invalid_json", "the JSON document ends before its records array")
            }
            try text.refill()
        }
    }

    func nextBatch(maxRecords: Int) throws -> ImportRecordBatch? {
        if done { return nil }
        var batch = ImportRecordBatch()
        reading: while batch.count < maxRecords {
            let bytes = text.bytes
            var position = text.position
            var line = self.line
            let atEnd = text.atEnd
            var needMore = false
            var failure: PanoramaError?
            bytes.withUnsafeBufferPointer { buffer in
                while batch.count < maxRecords {
                    while position < buffer.count, JSONScanner.isWhitespace(buffer[position]) {
                        if buffer[position] == 0x0A { line += 1 }
                        position += 1
                    }
                    guard position < buffer.count else {
                        if atEnd {
                            failure = .badRequest(
                                "invalid_json", "the records array is never closed (the file ends at line \(line))")
                        }
                        needMore = true
                        return
                    }
                    let byte = buffer[position]
                    if byte == UInt8(ascii: "]") {
                        done = true
                        return
                    }
                    if byte == UInt8(ascii: ",") {
                        guard expectingComma else {
                            failure = .badRequest("invalid_json", "unexpected ',' in the records array at line \(line)")
                            return
                        }
                        expectingComma = false
                        position += 1
                        continue
                    }
                    if expectingComma {
                        failure = .badRequest(
                            "invalid_json", "expected ',' or ']' between records at line \(line)")
                        return
                    }
                    guard let end = JSONScanner.skipValue(buffer, from: position, atEnd: atEnd) else {
                        if atEnd {
                            failure = .badRequest(
                                "invalid_json", "the record starting at line \(line) is never closed")
                        }
                        needMore = true
                        return
                    }
                    let parsed = JSONFlattener.parse(UnsafeBufferPointer(rebasing: buffer[position..<end]))
                    JSONFlattener.append(
                        parsed, line: line, raw: position..<end, columns: columnSet, row: &row, to: &batch)
                    for index in position..<end where buffer[index] == 0x0A { line += 1 }
                    position = end
                    expectingComma = true
                }
            }
            text.position = position
            self.line = line
            if let failure { throw failure }
            if done { break reading }
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

/// Structural scanning of JSON text without building values.
enum JSONScanner {
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// The index just past the value starting at `start`, or nil when the buffer ends first. Only brackets and
    /// strings are tracked; the element is validated when it is parsed.
    static func skipValue(_ p: UnsafeBufferPointer<UInt8>, from start: Int, atEnd: Bool) -> Int? {
        let n = p.count
        var i = start
        guard i < n else { return nil }
        let first = p[i]
        if first == UInt8(ascii: "\"") {
            return skipString(p, from: i)
        }
        if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") {
            while i < n {
                let byte = p[i]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
                    || isWhitespace(byte)
                {
                    return i
                }
                i += 1
            }
            return atEnd ? n : nil
        }
        var depth = 0
        while i < n {
            let byte = p[i]
            if byte == UInt8(ascii: "\"") {
                guard let end = skipString(p, from: i) else { return nil }
                i = end
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// The index just past the string starting at `start` (which is a quote), or nil when the buffer ends first.
    static func skipString(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start + 1
        while i < p.count {
            let byte = p[i]
            if byte == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if byte == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        return nil
    }

    /// The index just past the `[` that opens the records array, nil when more input is needed. `path` names the
    /// key path inside a top-level object; empty: the top-level array or the first array-valued member.
    static func locateArray(_ p: UnsafeBufferPointer<UInt8>, path: [String], atEnd: Bool) throws -> Int? {
        var i = 0
        while i < p.count, isWhitespace(p[i]) { i += 1 }
        guard i < p.count else {
            if atEnd { throw PanoramaError.badRequest("invalid_json", "the JSON file is empty") }
            return nil
        }
        if p[i] == UInt8(ascii: "[") { return i + 1 }
        guard p[i] == UInt8(ascii: "{") else {
            throw PanoramaError.badRequest(
                "invalid_json", "expected a JSON array of records or an object holding one; the file starts otherwise")
        }
        return try findArray(p, objectStart: i, path: path[...], fullPath: path)
    }

    private static func findArray(
        _ p: UnsafeBufferPointer<UInt8>, objectStart: Int, path: ArraySlice<String>, fullPath: [String]
    ) throws -> Int? {
        let n = p.count
        var i = objectStart + 1
        while true {
            while i < n, isWhitespace(p[i]) || p[i] == UInt8(ascii: ",") { i += 1 }
            guard i < n else { return nil }
            if p[i] == UInt8(ascii: "}") {
                let what =
                    fullPath.isEmpty
                    ? "no array of records in the top-level object; name it with the mapping's json records path"
                    : "no array at '\(fullPath.joined(separator: "."))' in the JSON document"
                throw PanoramaError.badRequest("invalid_json", what)
            }
            guard p[i] == UInt8(ascii: "\"") else {
                throw PanoramaError.badRequest("invalid_json", "expected a member name in the top-level JSON object")
            }
            guard let keyEnd = skipString(p, from: i) else { return nil }
            let key = (try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[i..<keyEnd])))?
                .stringValue
            i = keyEnd
            while i < n, isWhitespace(p[i]) { i += 1 }
            guard i < n else { return nil }
            guard p[i] == UInt8(ascii: ":") else {
                throw PanoramaError.badRequest("invalid_json", "expected ':' after a member name in the JSON object")
            }
            i += 1
            while i < n, isWhitespace(p[i]) { i += 1 }
            guard i < n else { return nil }
            if let component = path.first {
                if key == component {
                    if path.count == 1 {
                        guard p[i] == UInt8(ascii: "[") else {
                            throw PanoramaError.badRequest(
                                "invalid_json", "'\(fullPath.joined(separator: "."))' is not an array of records")
                        }
                        return i + 1
                    }
                    guard p[i] == UInt8(ascii: "{") else {
                        throw PanoramaError.badRequest(
                            "invalid_json", "'\(component)' on the records path is not an object")
                    }
                    return try findArray(p, objectStart: i, path: path.dropFirst(), fullPath: fullPath)
                }
            } else if p[i] == UInt8(ascii: "[") {
                return i + 1
            }
            guard let end = skipValue(p, from: i, atEnd: false) else { return nil }
            i = end
        }
    }
}
