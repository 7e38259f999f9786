// Streaming readers for bulk import: CSV (any delimiter, header optional), JSON, NDJSON and XML.
//
// Every reader hands out records in batches. A record is a line number and one optional string per column; the
// columns are the CSV header (or `column_1`, `column_2`, … without one), or the union of the flattened keys seen so
// far in JSON and XML (`address.city`). A record that cannot be read (a CSV row with the wrong number of fields,
// an NDJSON line that is not JSON, bytes that are not valid text) comes out as a record with a `problem` instead
// of values, so the caller can reject that row and go on: a bad row never stops an import.
//
// Input is read in chunks of `chunkSize` bytes and decoded to UTF-8 on the way (UTF-8 with or without BOM,
// GB18030 as written by Chinese Excel, UTF-16 with BOM), so a file of any size is read in constant memory.

import Foundation
import PanoramaCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Public configuration

/// Where the data of one import comes from.
public enum ImportSource: Sendable {
    /// A file on disk, read in chunks (never loaded whole).
    case file(String)
    /// Bytes already in memory, e.g. an uploaded request body; `name` stands in for a file name in messages,
    /// format detection (by extension) and derived ids.
    case bytes([UInt8], name: String)

    /// The file name (last path component) or the given name.
    public var name: String {
        switch self {
        case .file(let path): return (path as NSString).lastPathComponent
        case .bytes(_, let name): return name
        }
    }
}

/// The syntax of an import file.
public enum ImportFormat: String, Sendable, CaseIterable, Codable {
    /// Delimited text (comma, semicolon, tab, pipe or whitespace-aligned columns).
    case csv
    /// One JSON array of objects, or an object holding such an array under a key.
    case json
    /// One JSON object per line (JSON Lines).
    case ndjson
    /// Repeated elements, e.g. `<customers><customer>…</customer></customers>`.
    case xml

    /// The format a file extension stands for (`.csv`, `.tsv`, `.txt` → CSV, `.jsonl` → NDJSON …), or nil.
    public static func fromExtension(of name: String) -> ImportFormat? {
        switch (name as NSString).pathExtension.lowercased() {
        case "csv", "tsv", "txt", "tab", "dat": return .csv
        case "json": return .json
        case "ndjson", "jsonl": return .ndjson
        case "xml": return .xml
        default: return nil
        }
    }
}

/// The character encoding of an import file.
public enum ImportEncoding: String, Sendable, CaseIterable {
    /// Detect: a BOM decides; otherwise UTF-8 unless the first non-ASCII bytes are not UTF-8, then GB18030.
    case auto
    /// UTF-8, with or without a BOM.
    case utf8 = "utf-8"
    /// GB18030 (a superset of GBK and GB2312), what Chinese Excel writes for "CSV".
    case gb18030
    /// UTF-16 little-endian, what Excel writes for "Unicode text".
    case utf16LE = "utf-16le"
    /// UTF-16 big-endian.
    case utf16BE = "utf-16be"

    /// Parses the names people write in mapping files: `utf8`, `UTF-8`, `gbk`, `gb2312`, `gb18030`, `utf-16le` …
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "auto", "": self = .auto
        case "utf-8", "utf8", "utf-8-sig": self = .utf8
        case "gb18030", "gbk", "gb2312", "cp936", "gb-18030": self = .gb18030
        case "utf-16le", "utf16le", "utf-16", "utf16", "unicode": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        default: return nil
        }
    }

    /// The name `iconv` knows the encoding by.
    var iconvName: String? {
        switch self {
        case .gb18030: return "GB18030"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        case .auto, .utf8: return nil
        }
    }
}

/// What separates the columns of a delimited file.
public enum CSVDelimiter: String, Sendable, CaseIterable {
    case comma = ","
    case semicolon = ";"
    case tab = "\t"
    case pipe = "|"
    /// Runs of spaces and tabs, as in space-aligned exports (CDNOW); leading and trailing blanks are ignored.
    case whitespace

    /// Parses `,` `;` `\t` `|`, their names (`comma`, `tab` …) and `whitespace` / `space`.
    public init?(name: String) {
        switch name.lowercased() {
        case ",", "comma": self = .comma
        case ";", "semicolon": self = .semicolon
        case "\t", "\\t", "tab", "tsv": self = .tab
        case "|", "pipe": self = .pipe
        case "whitespace", "space", "spaces", " ": self = .whitespace
        default: return nil
        }
    }

    /// The name used in reports and mapping files (`,` `;` `tab` `|` `whitespace`).
    public var name: String {
        switch self {
        case .tab: return "tab"
        case .whitespace: return "whitespace"
        default: return rawValue
        }
    }

    /// The delimiter byte; 0 for whitespace.
    var byte: UInt8 {
        switch self {
        case .comma: return UInt8(ascii: ",")
        case .semicolon: return UInt8(ascii: ";")
        case .tab: return 0x09
        case .pipe: return UInt8(ascii: "|")
        case .whitespace: return 0
        }
    }
}

/// How to read a source. Every `nil` means "detect it".
public struct ImportReaderOptions: Sendable, Equatable {
    /// The syntax; nil: from the file extension, else from the first bytes.
    public var format: ImportFormat?
    /// The character encoding (CSV, JSON, NDJSON; XML declares its own).
    public var encoding: ImportEncoding
    /// CSV column separator; nil: sniffed from the first lines among `,` `;` tab `|` and whitespace.
    public var delimiter: CSVDelimiter?
    /// Whether the first CSV row names the columns; nil: yes when it has no numbers or dates in it and the rows
    /// after it do, or when its cells are recognised column names.
    public var hasHeader: Bool?
    /// JSON: dotted key path of the records array in a top-level object (`data.items`); nil: the top-level
    /// array, or the first array-valued member of a top-level object.
    public var jsonRecordsPath: String?
    /// XML: the name of the repeated record element; nil: the children of the root element.
    public var xmlRecordElement: String?
    /// A CSV record (quoted newlines included) longer than this is rejected as an unterminated quote.
    public var maxRecordBytes: Int
    /// Bytes read from the source at a time.
    public var chunkSize: Int

    public init(
        format: ImportFormat? = nil, encoding: ImportEncoding = .auto, delimiter: CSVDelimiter? = nil,
        hasHeader: Bool? = nil, jsonRecordsPath: String? = nil, xmlRecordElement: String? = nil,
        maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20
    ) {
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.jsonRecordsPath = jsonRecordsPath
        self.xmlRecordElement = xmlRecordElement
        self.maxRecordBytes = maxRecordBytes
        self.chunkSize = chunkSize
    }
}

/// What a reader found out about its source (shown in previews and reports).
public struct ImportSourceInfo: Sendable, Equatable {
    public var format: ImportFormat
    /// The encoding the text was decoded from (for XML: as the document declares it, reported as `auto`).
    public var encoding: ImportEncoding
    /// CSV only.
    public var delimiter: CSVDelimiter?
    /// CSV only: whether the first row was taken as the header.
    public var hasHeader: Bool?

    public init(format: ImportFormat, encoding: ImportEncoding, delimiter: CSVDelimiter?, hasHeader: Bool?) {
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.hasHeader = hasHeader
    }
}

// MARK: - Records

/// Why one row could not be read or cleaned. `code` is stable (`bad_field_count`, `invalid_json`,
/// `invalid_date` …) and goes to the report and the rejected-rows file; `message` says what is wrong.
public struct ImportRowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// One record, materialised (tests, previews). The hot path reads `ImportRecordBatch` directly.
public struct ImportRecord: Sendable, Equatable {
    /// 1-based line of the source where the record starts.
    public var line: Int
    /// One value per column (see the reader's `columns`); nil where a JSON/XML record lacks the key.
    public var values: [String?]
    /// Set when the row could not be read; `values` is then empty.
    public var problem: ImportRowError?
    /// The record as it appears in the source (without its line terminator).
    public var raw: String

    public init(line: Int, values: [String?], problem: ImportRowError? = nil, raw: String) {
        self.line = line
        self.values = values
        self.problem = problem
        self.raw = raw
    }

    /// The values by column name, without the missing ones.
    public func fields(columns: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for (index, value) in values.enumerated() where index < columns.count {
            if let value { result[columns[index]] = value }
        }
        return result
    }
}

/// Up to a batch of records in flat arrays (one allocation per batch, not per row).
///
/// `rawText` shares the reader's buffer; it stays valid as long as the batch lives.
public struct ImportRecordBatch: Sendable {
    /// 1-based source line of each record.
    public internal(set) var lines: [Int] = []
    var valueStarts: [Int] = [0]
    var values: [String?] = []
    var problems: [ImportRowError?] = []
    var hasProblems = false
    var rawRanges: [Range<Int>] = []
    var rawText: [UInt8] = []
    /// Blank lines (or rows of empty cells) skipped while reading this batch.
    public internal(set) var blankLines = 0

    init() {}

    /// Number of records.
    public var count: Int { lines.count }

    /// The value of `column` in record `index`; nil when absent.
    @inline(__always)
    public func value(_ index: Int, _ column: Int) -> String? {
        let start = valueStarts[index]
        let position = start + column
        return position < valueStarts[index + 1] ? values[position] : nil
    }

    /// Number of values record `index` carries.
    public func valueCount(_ index: Int) -> Int { valueStarts[index + 1] - valueStarts[index] }

    /// The reason record `index` could not be read, if it could not.
    @inline(__always)
    public func problem(_ index: Int) -> ImportRowError? { hasProblems ? problems[index] : nil }

    /// The source text of record `index`.
    public func raw(_ index: Int) -> String {
        let range = rawRanges[index]
        return rawText.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
        }
    }

    /// Record `index` as a value.
    public func record(_ index: Int) -> ImportRecord {
        let values = Array(self.values[valueStarts[index]..<valueStarts[index + 1]])
        return ImportRecord(line: lines[index], values: values, problem: problem(index), raw: raw(index))
    }

    mutating func appendRecord(line: Int, raw: Range<Int>) {
        lines.append(line)
        valueStarts.append(values.count)
        problems.append(nil)
        rawRanges.append(raw)
    }

    mutating func appendProblem(line: Int, raw: Range<Int>, _ error: ImportRowError) {
        lines.append(line)
        valueStarts.append(values.count)
        problems.append(error)
        hasProblems = true
        rawRanges.append(raw)
    }

    /// Appends a record whose raw text is given (readers that do not keep a text buffer).
    mutating func appendRecord(line: Int, rawString: String, problem: ImportRowError?) {
        let start = rawText.count
        rawText.append(contentsOf: rawString.utf8)
        if let problem {
            appendProblem(line: line, raw: start..<rawText.count, problem)
        } else {
            appendRecord(line: line, raw: start..<rawText.count)
        }
    }
}

/// A streaming reader of one source. Not thread-safe: one task reads it.
public protocol ImportRecordReader: AnyObject {
    /// Column names. Stable for CSV; JSON and XML readers append keys the first time they see them.
    var columns: [String] { get }
    /// Format, encoding, delimiter and header as read.
    var info: ImportSourceInfo { get }
    /// Source bytes consumed so far (for progress).
    var bytesRead: Int64 { get }
    /// Size of the source, when known.
    var totalBytes: Int64? { get }
    /// The next records, at most `maxRecords`; nil at the end of the source. Throws only for failures that
    /// make the rest of the source unreadable (I/O errors, broken JSON or XML structure).
    func nextBatch(maxRecords: Int) throws -> ImportRecordBatch?
}

/// Opens readers for import sources.
public enum ImportReader {
    /// Opens `source` with the reader its format calls for (detected unless `options.format` is set).
    /// Throws `PanoramaError` `import_file_unreadable`, `invalid_json` … when the source cannot be read at all.
    public static func open(_ source: ImportSource, options: ImportReaderOptions = ImportReaderOptions()) throws
        -> any ImportRecordReader
    {
        let input = try ImportByteInput(source, chunkSize: options.chunkSize)
        let text = DecodedText(decoder: try ImportTextDecoder(input: input, encoding: options.encoding))
        try text.fill(atLeast: 64 * 1024)
        let format = options.format ?? ImportFormat.fromExtension(of: source.name) ?? detectFormat(text)
        switch format {
        case .csv:
            return try CSVRecordReader(text: text, options: options)
        case .json:
            if options.format == nil, options.jsonRecordsPath == nil, looksLikeNDJSON(text) {
                return NDJSONRecordReader(text: text)
            }
            return try JSONArrayRecordReader(text: text, recordsPath: options.jsonRecordsPath)
        case .ndjson:
            return NDJSONRecordReader(text: text)
        case .xml:
            return try XMLRecordReader(source: source, recordElement: options.xmlRecordElement)
        }
    }

    /// Reads a whole source into memory; for tests, previews and small uploads.
    public static func readAll(_ source: ImportSource, options: ImportReaderOptions = ImportReaderOptions()) throws
        -> (columns: [String], records: [ImportRecord], info: ImportSourceInfo)
    {
        let reader = try open(source, options: options)
        var records: [ImportRecord] = []
        while let batch = try reader.nextBatch(maxRecords: 10_000) {
            for index in 0..<batch.count { records.append(batch.record(index)) }
        }
        return (reader.columns, records, reader.info)
    }

    /// Content sniffing for sources without a telling extension.
    static func detectFormat(_ text: DecodedText) -> ImportFormat {
        let bytes = text.bytes
        var index = text.position
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A
                || bytes[index] == 0x0D
        {
            index += 1
        }
        guard index < bytes.count else { return .csv }
        switch bytes[index] {
        case UInt8(ascii: "["): return .json
        case UInt8(ascii: "{"): return looksLikeNDJSON(text) ? .ndjson : .json
        case UInt8(ascii: "<"): return .xml
        default: return .csv
        }
    }

    /// Whether the text starts with a line that is a complete JSON object of its own, followed by more content or
    /// holding no array (a one-line `{"customers":[…]}` document is JSON, not a one-record NDJSON file).
    static func looksLikeNDJSON(_ text: DecodedText) -> Bool {
        let bytes = text.bytes
        var start = text.position
        while start < bytes.count,
            bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0A
                || bytes[start] == 0x0D
        {
            start += 1
        }
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return false }
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        let parsed = bytes.withUnsafeBytes { raw in
            try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
        guard let object = parsed?.objectValue else { return false }
        var rest = end
        while rest < bytes.count,
            bytes[rest] == 0x20 || bytes[rest] == 0x09 || bytes[rest] == 0x0A
                || bytes[rest] == 0x0D
        {
            rest += 1
        }
        if rest < bytes.count || !text.atEnd { return true }
        return !object.members.contains { $0.value.arrayValue != nil }
    }
}

// MARK: - Byte input

/// Raw bytes of a source, read chunk by chunk from a file descriptor or served from memory.
final class ImportByteInput {
    private var descriptor: Int32 = -1
    private let memory: [UInt8]?
    private var memoryOffset = 0
    private var scratch: [UInt8]
    let chunkSize: Int
    let totalBytes: Int64?
    private(set) var bytesRead: Int64 = 0

    init(_ source: ImportSource, chunkSize: Int) throws {
        self.chunkSize = max(chunkSize, 4096)
        switch source {
        case .bytes(let bytes, _):
            memory = bytes
            totalBytes = Int64(bytes.count)
            scratch = []
        case .file(let path):
            memory = nil
            descriptor = posixOpen(path)
            guard descriptor >= 0 else {
                throw PanoramaError.badRequest(
                    "import_file_unreadable", "cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
            var status = stat()
            totalBytes = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : nil
            scratch = [UInt8](repeating: 0, count: self.chunkSize)
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends up to one chunk to `buffer`; returns the number of bytes appended, 0 at the end of the source.
    func read(appendingTo buffer: inout [UInt8]) throws -> Int {
        if let memory {
            let count = min(chunkSize, memory.count - memoryOffset)
            guard count > 0 else { return 0 }
            buffer.append(contentsOf: memory[memoryOffset..<(memoryOffset + count)])
            memoryOffset += count
            bytesRead += Int64(count)
            return count
        }
        while true {
            let count = scratch.withUnsafeMutableBytes { posixRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PanoramaError.badRequest(
                    "import_file_unreadable", "reading the import file failed: \(String(cString: strerror(errno)))")
            }
            buffer.append(contentsOf: scratch[0..<count])
            bytesRead += Int64(count)
            return count
        }
    }
}

@inline(__always)
private func posixOpen(_ path: String) -> Int32 {
    #if canImport(Glibc)
        return Glibc.open(path, O_RDONLY | O_CLOEXEC)
    #else
        return Darwin.open(path, O_RDONLY | O_CLOEXEC)
    #endif
}

@inline(__always)
private func posixRead(_ descriptor: Int32, _ pointer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.read(descriptor, pointer, count)
    #else
        return Darwin.read(descriptor, pointer, count)
    #endif
}

// MARK: - Decoding

/// UTF-8 validation on byte buffers (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF).
enum ImportUTF8 {
    /// Counts of a scan: invalid sequences, valid multi-byte sequences, and the length of an incomplete but so far
    /// valid sequence at the very end (which the next chunk may complete).
    struct Scan {
        var invalid = 0
        var multibyte = 0
        var incompleteTail = 0
    }

    /// Scans `bytes`; with `complete` false an unfinished sequence at the end is reported as `incompleteTail`.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> Scan {
        var result = Scan()
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var need = 0
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default:
                result.invalid += 1
                index += 1
                continue
            }
            var valid = true
            var offset = 1
            while offset <= need {
                if index + offset >= count {
                    if !complete {
                        result.incompleteTail = count - index
                        return result
                    }
                    valid = false
                    break
                }
                let byte = bytes[index + offset]
                let ok = offset == 1 ? (byte >= low && byte <= high) : (byte & 0xC0 == 0x80)
                if !ok {
                    valid = false
                    break
                }
                offset += 1
            }
            if valid {
                result.multibyte += 1
                index += need + 1
            } else {
                result.invalid += 1
                index += 1
            }
        }
        return result
    }

    /// Whether `bytes` is entirely valid UTF-8.
    @inline(__always)
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        scan(bytes, complete: true).invalid == 0
    }

    /// A `String` from bytes that may be invalid; `valid` is false when some had to be replaced by U+FFFD.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, asciiOnly: Bool) -> (String, valid: Bool) {
        if asciiOnly || isValid(bytes) {
            return (String(decoding: bytes, as: UTF8.self), true)
        }
        return (String(decoding: bytes, as: UTF8.self), false)
    }
}

/// Wraps an `iconv` conversion descriptor (glibc's iconv knows GB18030 and UTF-16).
final class IconvConverter {
    private let descriptor: iconv_t

    init(from encoding: String) throws {
        let descriptor = iconv_open("UTF-8", encoding)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else {
            throw PanoramaError.badRequest(
                "unsupported_encoding", "this system cannot convert \(encoding) to UTF-8 (iconv_open failed)")
        }
        self.descriptor = descriptor
    }

    deinit { iconv_close(descriptor) }

    /// Converts `input` (consumed from the front) and appends UTF-8 to `output`. An incomplete sequence at the end
    /// stays in `input` unless `final`; a byte that is not valid in the source encoding becomes the byte 0xFF in
    /// the output (never valid UTF-8), so the row holding it is rejected as `invalid_encoding` rather than
    /// silently changed.
    func convert(_ input: inout [UInt8], appendingTo output: inout [UInt8], final: Bool, unitSize: Int) {
        var consumed = 0
        let inputCount = input.count
        while consumed < inputCount {
            let outputStart = output.count
            let room = (inputCount - consumed) * 2 + 16
            output.append(contentsOf: repeatElement(0, count: room))
            var produced = 0
            var stop = false
            input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(
                        inBuffer.baseAddress! + consumed
                    ).assumingMemoryBound(to: CChar.self)
                    var inLeft = inputCount - consumed
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(
                        outBuffer.baseAddress! + outputStart
                    ).assumingMemoryBound(to: CChar.self)
                    var outLeft = room
                    let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let failure = result == -1 ? errno : 0
                    consumed = inputCount - inLeft
                    produced = room - outLeft
                    if failure == EILSEQ {
                        outBuffer[outputStart + produced] = 0xFF
                        produced += 1
                        consumed = min(inputCount, consumed + unitSize)
                    } else if failure == EINVAL {
                        if final {
                            outBuffer[outputStart + produced] = 0xFF
                            produced += 1
                            consumed = inputCount
                        }
                        stop = true
                    } else if failure != 0 && failure != E2BIG {
                        // Anything else cannot make progress: mark the rest invalid rather than loop.
                        outBuffer[outputStart + produced] = 0xFF
                        produced += 1
                        consumed = inputCount
                    }
                }
            }
            output.removeLast(room - produced)
            if stop { break }
        }
        input.removeFirst(consumed)
    }
}

/// Turns raw chunks into UTF-8, detecting the encoding from a BOM or the first non-ASCII bytes.
final class ImportTextDecoder {
    private enum Mode {
        /// Only ASCII seen so far: passes through; decides at the first non-ASCII chunk.
        case undecided
        case utf8
        case iconv(IconvConverter, unitSize: Int)
    }

    let input: ImportByteInput
    private var mode: Mode
    private(set) var encoding: ImportEncoding
    private var pending: [UInt8] = []
    private var started = false
    private var finished = false

    init(input: ImportByteInput, encoding: ImportEncoding) throws {
        self.input = input
        self.encoding = encoding
        switch encoding {
        case .auto: mode = .undecided
        case .utf8: mode = .utf8
        case .gb18030, .utf16LE, .utf16BE:
            mode = .iconv(try IconvConverter(from: encoding.iconvName!), unitSize: encoding == .gb18030 ? 1 : 2)
        }
    }

    /// The encoding as decided so far (`utf-8` while only ASCII has been seen).
    var detectedEncoding: ImportEncoding {
        if case .undecided = mode { return .utf8 }
        return encoding
    }

    /// Appends the next decoded bytes to `output`; false once the source is exhausted and everything was flushed.
    func decodeNext(into output: inout [UInt8]) throws -> Bool {
        if finished { return false }
        let count = try input.read(appendingTo: &pending)
        if !started {
            started = true
            try handleByteOrderMark()
        }
        let final = count == 0
        switch mode {
        case .undecided:
            try decideIfNeeded(final: final)
            if case .undecided = mode {
                output.append(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            } else {
                appendDecoded(into: &output, final: final)
            }
        default:
            appendDecoded(into: &output, final: final)
        }
        if final {
            finished = true
            return false
        }
        return true
    }

    private func appendDecoded(into output: inout [UInt8], final: Bool) {
        switch mode {
        case .undecided, .utf8:
            output.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        case .iconv(let converter, let unitSize):
            let start = output.count
            converter.convert(&pending, appendingTo: &output, final: final, unitSize: unitSize)
            // A GB18030 BOM decodes to U+FEFF; drop it like a UTF-8 BOM.
            if start == 0, output.count >= 3, output[0] == 0xEF, output[1] == 0xBB, output[2] == 0xBF {
                output.removeFirst(3)
            }
        }
    }

    /// A BOM fixes the encoding (unless one was given) and is removed.
    private func handleByteOrderMark() throws {
        if pending.starts(with: [0xEF, 0xBB, 0xBF]) {
            pending.removeFirst(3)
            if encoding == .auto {
                encoding = .utf8
                mode = .utf8
            }
        } else if pending.starts(with: [0xFF, 0xFE]) || pending.starts(with: [0xFE, 0xFF]) {
            let little = pending[0] == 0xFF
            pending.removeFirst(2)
            if encoding == .auto || encoding == .utf16LE || encoding == .utf16BE {
                encoding = little ? .utf16LE : .utf16BE
                mode = .iconv(try IconvConverter(from: encoding.iconvName!), unitSize: 2)
            }
        } else if pending.starts(with: [0x84, 0x31, 0x95, 0x33]), encoding == .auto {
            encoding = .gb18030
            mode = .iconv(try IconvConverter(from: "GB18030"), unitSize: 1)
        }
    }

    /// In `auto` mode, the first chunk with non-ASCII bytes decides: UTF-8 if they are (nearly all) valid UTF-8,
    /// GB18030 otherwise. Chinese text in GB18030 is invalid UTF-8 most of the time, while a UTF-8 file with a
    /// stray bad byte still has far more valid multi-byte sequences than invalid ones.
    private func decideIfNeeded(final: Bool) throws {
        guard pending.contains(where: { $0 >= 0x80 }) else { return }
        let scan = pending.withUnsafeBufferPointer { ImportUTF8.scan($0, complete: final) }
        if scan.invalid == 0 || scan.multibyte >= 10 * scan.invalid {
            encoding = .utf8
            mode = .utf8
        } else {
            encoding = .gb18030
            mode = .iconv(try IconvConverter(from: "GB18030"), unitSize: 1)
        }
    }
}

/// Decoded UTF-8 text with a read position: the shared buffer of the text readers.
///
/// Bytes before `position` are consumed; `refill()` drops them and appends the next decoded chunk, so a record
/// that spans chunks is re-parsed from its start once more bytes are there.
final class DecodedText {
    let decoder: ImportTextDecoder
    var bytes: [UInt8] = []
    var position = 0
    private(set) var atEnd = false

    init(decoder: ImportTextDecoder) {
        self.decoder = decoder
    }

    /// Compacts and reads more; false when the source was already exhausted.
    @discardableResult
    func refill() throws -> Bool {
        if atEnd { return false }
        if position > 0 {
            bytes.removeSubrange(0..<position)
            position = 0
        }
        let before = bytes.count
        while bytes.count == before {
            if try !decoder.decodeNext(into: &bytes) {
                atEnd = true
                break
            }
        }
        return true
    }

    /// Reads until at least `count` unconsumed bytes are buffered or the source ends.
    func fill(atLeast count: Int) throws {
        while bytes.count - position < count, !atEnd {
            try refill()
        }
    }

    var bytesRead: Int64 { decoder.input.bytesRead }
    var totalBytes: Int64? { decoder.input.totalBytes }
}

/// Column names that grow as JSON and XML records bring new keys.
final class ImportColumnSet {
    private(set) var names: [String] = []
    private var indexes: [String: Int] = [:]

    /// The index of `name`, appending it when new.
    func index(of name: String) -> Int {
        if let index = indexes[name] { return index }
        let index = names.count
        names.append(name)
        indexes[name] = index
        return index
    }
}
