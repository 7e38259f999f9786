// The XML reader: repeated record elements, parsed by Foundation's streaming XMLParser on a thread of its own.
//
// XMLParser pushes callbacks for the whole document from one `parse()` call, which cannot be paused; the parse
// therefore runs on a dedicated thread that hands batches over through a small bounded queue, so the import
// pulls records at its own pace and memory stays bounded.

import Foundation
import PanoramaCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads `<root><record>…</record>…</root>`: each record element is a row; its child elements (nested ones as
/// dotted paths, `address.city`) and attributes are the columns; a child repeated within one record becomes a
/// JSON array of its texts.
final class XMLRecordReader: ImportRecordReader {
    private let channel = XMLBatchChannel(capacity: 2)
    private let parser: XMLParser
    private let collector: XMLRecordCollector
    private var started = false
    private(set) var columns: [String] = []
    let info = ImportSourceInfo(format: .xml, encoding: .auto, delimiter: nil, hasHeader: nil)
    let totalBytes: Int64?
    private var finished = false

    init(source: ImportSource, recordElement: String?) throws {
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
                throw PanoramaError.badRequest("import_file_unreadable", "cannot open '\(path)' for reading")
            }
            parser = XMLParser(stream: stream)
            totalBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        case .bytes(let bytes, _):
            parser = XMLParser(data: Data(bytes))
            totalBytes = Int64(bytes.count)
        }
        parser.shouldResolveExternalEntities = false
        collector = XMLRecordCollector(recordElement: recordElement, channel: channel)
        parser.delegate = collector
    }

    deinit {
        channel.cancel()
    }

    /// XMLParser does not say how far it got; report the whole size once the document is read.
    var bytesRead: Int64 { finished ? (totalBytes ?? 0) : 0 }

    func nextBatch(maxRecords: Int) throws -> ImportRecordBatch? {
        if !started {
            started = true
            collector.batchSize = min(max(maxRecords, 1), 10_000)
            let work = XMLParseWork(parser: parser, collector: collector, channel: channel)
            let thread = Thread { work.run() }
            thread.name = "panorama-import-xml"
            thread.start()
        }
        guard let (batch, columns) = try channel.take() else {
            finished = true
            return nil
        }
        self.columns = columns
        return batch
    }
}

/// The parse, run on the XML thread. The parser and collector are only touched by that thread once it starts.
private final class XMLParseWork: @unchecked Sendable {
    let parser: XMLParser
    let collector: XMLRecordCollector
    let channel: XMLBatchChannel

    init(parser: XMLParser, collector: XMLRecordCollector, channel: XMLBatchChannel) {
        self.parser = parser
        self.collector = collector
        self.channel = channel
    }

    func run() {
        let ok = parser.parse()
        collector.flush()
        if !ok && !channel.isCancelled {
            let line = collector.errorLine ?? parser.lineNumber
            let reason = collector.errorMessage ?? parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown"
            channel.finish(
                error: PanoramaError.badRequest(
                    "invalid_xml",
                    "the XML is malformed at line \(line) (\(reason)); the records before that line were read, "
                        + "the rest of the file was not"))
        } else {
            channel.finish(error: nil)
        }
    }
}

/// A bounded hand-over queue between the XML thread (producer) and the importing task (consumer).
final class XMLBatchChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(ImportRecordBatch, [String])] = []
    private var done = false
    private var cancelled = false
    private var error: (any Error)?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Waits for room; false when the consumer went away (the parse should stop).
    func put(_ batch: ImportRecordBatch, columns: [String]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append((batch, columns))
        condition.broadcast()
        return true
    }

    /// Marks the end of the document (with the error that ended it early, if any).
    func finish(error: (any Error)?) {
        condition.lock()
        done = true
        self.error = error
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the producer.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch; nil at the end; throws the error that ended the document early.
    func take() throws -> (ImportRecordBatch, [String])? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !done { condition.wait() }
        if !queue.isEmpty {
            let item = queue.removeFirst()
            condition.broadcast()
            return item
        }
        if let error {
            self.error = nil
            throw error
        }
        return nil
    }
}

/// Builds records from parser callbacks.
final class XMLRecordCollector: NSObject, XMLParserDelegate {
    private let recordElement: String?
    private let channel: XMLBatchChannel
    var batchSize = 1000
    private let columns = ImportColumnSet()
    private var batch = ImportRecordBatch()
    private var row: [String?] = []

    private var depth = 0
    private var recordDepth: Int?
    private var recordName = ""
    private var recordLine = 0
    private var path: [String] = []
    private var texts: [String] = []
    private var hasChildren: [Bool] = []
    private var fields: [(String, String)] = []
    private var raw = ""
    private(set) var errorLine: Int?
    private(set) var errorMessage: String?

    init(recordElement: String?, channel: XMLBatchChannel) {
        self.recordElement = recordElement
        self.channel = channel
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        depth += 1
        let attributes = attributeDict.sorted { $0.key < $1.key }
        guard recordDepth != nil else {
            let isRecord = recordElement.map { $0 == elementName } ?? (depth == 2)
            guard isRecord else { return }
            recordDepth = depth
            recordName = elementName
            recordLine = parser.lineNumber
            path = []
            texts = [""]
            hasChildren = [false]
            fields = attributes.map { ($0.key, $0.value) }
            raw = "<" + elementName + Self.attributeText(attributes) + ">"
            return
        }
        hasChildren[hasChildren.count - 1] = true
        path.append(elementName)
        let prefix = path.joined(separator: ".")
        for (name, value) in attributes { fields.append((prefix + "." + name, value)) }
        texts.append("")
        hasChildren.append(false)
        raw += "<" + elementName + Self.attributeText(attributes) + ">"
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard recordDepth != nil else { return }
        texts[texts.count - 1] += string
        raw += Self.escape(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard recordDepth != nil else { return }
        let string = String(decoding: CDATABlock, as: UTF8.self)
        texts[texts.count - 1] += string
        raw += "<![CDATA[" + string + "]]>"
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        defer { depth -= 1 }
        guard let recordDepth else { return }
        raw += "</" + elementName + ">"
        let text = texts.removeLast()
        let hadChildren = hasChildren.removeLast()
        if depth == recordDepth {
            // After a syntax error nothing more is trusted: the record being read is not emitted.
            if errorLine != nil { return }
            if !hadChildren {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { fields.append((recordName, trimmed)) }
            }
            emit()
            self.recordDepth = nil
            if batch.count >= batchSize {
                if !channel.put(batch, columns: columns.names) { parser.abortParsing() }
                batch = ImportRecordBatch()
            }
            return
        }
        if !hadChildren {
            fields.append((path.joined(separator: "."), text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        path.removeLast()
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if errorLine == nil {
            errorLine = parser.lineNumber
            errorMessage = (parseError as NSError).localizedDescription
        }
        parser.abortParsing()
    }

    /// Hands over what is left.
    func flush() {
        if batch.count > 0 || batch.blankLines > 0 {
            _ = channel.put(batch, columns: columns.names)
            batch = ImportRecordBatch()
        }
    }

    private func emit() {
        var grouped: [(String, [String])] = []
        var positions: [String: Int] = [:]
        for (name, value) in fields {
            if let position = positions[name] {
                grouped[position].1.append(value)
            } else {
                positions[name] = grouped.count
                grouped.append((name, [value]))
            }
        }
        row.removeAll(keepingCapacity: true)
        for (name, values) in grouped {
            let index = columns.index(of: name)
            if index >= row.count { row.append(contentsOf: repeatElement(nil, count: index - row.count + 1)) }
            row[index] =
                values.count == 1 ? values[0] : JSONValue.array(JSONArray(values.map { .string($0) })).jsonText
        }
        if row.count < columns.names.count {
            row.append(contentsOf: repeatElement(nil, count: columns.names.count - row.count))
        }
        batch.values.append(contentsOf: row)
        batch.appendRecord(line: recordLine, rawString: raw, problem: nil)
    }

    private static func attributeText(_ attributes: [(key: String, value: String)]) -> String {
        var text = ""
        for (name, value) in attributes {
            text += " " + name + "=\"" + escape(value).replacingOccurrences(of: "\"", with: "&quot;") + "\""
        }
        return text
    }

    private static func escape(_ text: String) -> String {
        guard text.contains(where: { $0 == "<" || $0 == "&" || $0 == ">" }) else { return text }
        return text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
