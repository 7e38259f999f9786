// The row-level account of an import: what was read, accepted, fixed and rejected, and why.

import Foundation
import PanoramaCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One row that did not make it, with its source line, a stable reason code and the original text.
public struct ImportRowRejection: Sendable, Equatable {
    /// 1-based source line where the row starts.
    public var line: Int
    /// Source rows the rejection covers (more than 1 for a multi-line order).
    public var rows: Int
    /// Stable reason (`bad_field_count`, `invalid_date`, `missing_identifier` …).
    public var code: String
    /// What is wrong, naming the field and column.
    public var message: String
    /// The row as it appears in the source; empty when it is no longer at hand.
    public var raw: String

    public init(line: Int, rows: Int = 1, code: String, message: String, raw: String = "") {
        self.line = line
        self.rows = rows
        self.code = code
        self.message = message
        self.raw = raw
    }

    /// A rejection of a prepared order the store could not take (covers all of its rows).
    public init(order: PreparedOrder, code: String, message: String) {
        self.init(line: order.line, rows: order.rows, code: code, message: message)
    }
}

/// Counters of one import, kept as it runs: rows read = accepted + rejected; accepted rows that needed any fix
/// are counted in `fixedRows`, and each fix by kind in `fixes`.
public struct ImportReport: Sendable, Equatable {
    public var kind: ImportKind
    /// The source name (file name).
    public var source: String
    /// Format, encoding, delimiter and header as detected.
    public var info: ImportSourceInfo?
    /// Data rows read (blank lines not included).
    public var rowsRead = 0
    /// Rows that became (part of) a prepared customer, order or event.
    public var accepted = 0
    /// Accepted rows with at least one fix or dropped field.
    public var fixedRows = 0
    /// Rows rejected (by reading, cleaning, or the consumer).
    public var rejected = 0
    /// Blank lines and rows of empty cells skipped.
    public var blankLines = 0
    /// Customers, orders or events handed to the consumer (several rows can make one multi-line order).
    public var prepared = 0
    /// Source bytes read.
    public var bytesRead: Int64 = 0
    /// Values dropped from accepted rows, by reason code (`invalid_email` …).
    public var dropped: [String: Int] = [:]
    /// Rejected rows by reason code.
    public var rejections: [String: Int] = [:]
    /// The first rejections, for summaries (all of them go to the rejected-rows file).
    public var sampleRejections: [ImportRowRejection] = []
    /// Where the rejected rows were written, if a file.
    public var rejectedRowsPath: String?
    /// Set by the caller: nothing was written (validation only).
    public var dryRun = false
    /// Wall-clock seconds, set by `ImportPreparer.run`.
    public var elapsedSeconds: Double?
    var fixCounts = [Int](repeating: 0, count: ImportFix.allCases.count)
    var sampleLimit = 20

    public init(kind: ImportKind, source: String) {
        self.kind = kind
        self.source = source
    }

    /// Fixes applied, by kind.
    public var fixes: [ImportFix: Int] {
        var result: [ImportFix: Int] = [:]
        for fix in ImportFix.allCases where fixCounts[fix.rawValue] > 0 { result[fix] = fixCounts[fix.rawValue] }
        return result
    }

    /// How often `fix` was applied.
    public func count(_ fix: ImportFix) -> Int { fixCounts[fix.rawValue] }

    /// Adds one occurrence of each fix in `set`.
    @inline(__always)
    mutating func add(_ set: ImportFixSet) {
        var bits = set.rawValue
        while bits != 0 {
            let index = bits.trailingZeroBitCount
            fixCounts[index] += 1
            bits &= bits - 1
        }
    }

    mutating func recordRejection(_ rejection: ImportRowRejection) {
        rejected += rejection.rows
        rejections[rejection.code, default: 0] += rejection.rows
        if sampleRejections.count < sampleLimit { sampleRejections.append(rejection) }
    }

    /// The report as JSON (`--json`): counts, fixes and rejections by code, and the first rejections.
    public var json: JSONValue {
        var object = JSONObject()
        object.set("kind", .string(kind.rawValue))
        object.set("source", .string(source))
        if let info {
            object.set("format", .string(info.format.rawValue))
            object.set("encoding", .string(info.encoding.rawValue))
            if let delimiter = info.delimiter { object.set("delimiter", .string(delimiter.name)) }
            if let header = info.hasHeader { object.set("header", .bool(header)) }
        }
        object.set("dry_run", .bool(dryRun))
        object.set("rows_read", .number(JSONNumber(rowsRead)))
        object.set("accepted", .number(JSONNumber(accepted)))
        object.set("fixed", .number(JSONNumber(fixedRows)))
        object.set("rejected", .number(JSONNumber(rejected)))
        object.set("blank_lines", .number(JSONNumber(blankLines)))
        object.set("prepared", .number(JSONNumber(prepared)))
        object.set("bytes_read", .number(JSONNumber(bytesRead)))
        var fixObject = JSONObject()
        for fix in ImportFix.allCases where fixCounts[fix.rawValue] > 0 {
            fixObject.set(fix.code, .number(JSONNumber(fixCounts[fix.rawValue])))
        }
        object.set("fixes", .object(fixObject))
        var droppedObject = JSONObject()
        for (code, count) in dropped.sorted(by: { $0.key < $1.key }) {
            droppedObject.set(code, .number(JSONNumber(count)))
        }
        object.set("dropped", .object(droppedObject))
        var rejectionObject = JSONObject()
        for (code, count) in rejections.sorted(by: { $0.key < $1.key }) {
            rejectionObject.set(code, .number(JSONNumber(count)))
        }
        object.set("rejections", .object(rejectionObject))
        object.set(
            "sample_rejections",
            .array(
                JSONArray(
                    sampleRejections.map { rejection in
                        .object([
                            "line": .number(JSONNumber(rejection.line)), "code": .string(rejection.code),
                            "message": .string(rejection.message),
                        ])
                    })))
        if let rejectedRowsPath { object.set("rejected_rows_file", .string(rejectedRowsPath)) }
        if let elapsedSeconds, let seconds = JSONNumber((elapsedSeconds * 1000).rounded() / 1000) {
            object.set("elapsed_seconds", .number(seconds))
        }
        return .object(object)
    }

    /// A few lines for people: counts, then fixes and rejections by kind.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            "\(dryRun ? "Checked" : "Imported") \(source): \(rowsRead) rows read, \(accepted) accepted "
                + "(\(fixedRows) fixed), \(rejected) rejected → \(prepared) \(kind.rawValue)")
        let fixList = ImportFix.allCases.filter { fixCounts[$0.rawValue] > 0 }
        if !fixList.isEmpty {
            lines.append("  fixes: " + fixList.map { "\($0.code) \(fixCounts[$0.rawValue])" }.joined(separator: ", "))
        }
        if !dropped.isEmpty {
            lines.append(
                "  dropped values: "
                    + dropped.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !rejections.isEmpty {
            lines.append(
                "  rejected: "
                    + rejections.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            )
        }
        if let rejectedRowsPath, rejected > 0 { lines.append("  rejected rows: \(rejectedRowsPath)") }
        return lines.joined(separator: "\n")
    }
}

/// Writes rejected rows as CSV: `line,reason,message,raw` (UTF-8 with a BOM, so Excel shows Chinese text), to a
/// file or into memory (for an API response). Buffered; call `close()` at the end.
public final class RejectedRowsWriter {
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    /// Where the rows go, when a file.
    public let path: String?
    /// Rows written.
    public private(set) var count = 0

    /// Creates (or truncates) `path` and writes the header.
    public init(path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw PanoramaError.badRequest(
                "rejected_rows_unwritable",
                "cannot write the rejected rows to '\(path)': \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
        writeHeader()
    }

    /// A writer that keeps the CSV in memory (`bytes`).
    public init() {
        file = nil
        path = nil
        writeHeader()
    }

    deinit {
        if let file {
            flush()
            fclose(file)
        }
    }

    /// The CSV written so far (in-memory writers; a file writer holds only what is not flushed yet).
    public var bytes: [UInt8] { buffer }

    private func writeHeader() {
        buffer.append(contentsOf: [0xEF, 0xBB, 0xBF])
        buffer.append(contentsOf: "line,reason,message,raw\r\n".utf8)
    }

    /// Appends one rejected row.
    public func write(_ rejection: ImportRowRejection) {
        buffer.append(contentsOf: String(rejection.line).utf8)
        buffer.append(UInt8(ascii: ","))
        appendField(rejection.code)
        buffer.append(UInt8(ascii: ","))
        appendField(rejection.message)
        buffer.append(UInt8(ascii: ","))
        appendField(rejection.raw)
        buffer.append(contentsOf: [0x0D, 0x0A])
        count += 1
        if file != nil && buffer.count >= 64 * 1024 { flush() }
    }

    /// Writes buffered rows to the file and closes it.
    public func close() throws {
        guard let file else { return }
        flush()
        let failed = ferror(file) != 0
        fclose(file)
        self.file = nil
        if failed {
            throw PanoramaError.badRequest(
                "rejected_rows_unwritable", "writing the rejected rows to '\(path ?? "")' failed")
        }
    }

    private func flush() {
        guard let file, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
    private func appendField(_ text: String) {
        let utf8 = text.utf8
        let needsQuotes = utf8.contains { (byte: UInt8) -> Bool in
            byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D
        }
        guard needsQuotes else {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in utf8 {
            buffer.append(byte)
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
