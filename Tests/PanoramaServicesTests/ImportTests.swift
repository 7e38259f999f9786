import Foundation
import PanoramaCore
import Testing

@testable import PanoramaServices

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Helpers

/// Reads `text` (UTF-8) as an import source named `name`.
private func read(
    _ text: String, name: String = "test.csv", options: ImportReaderOptions = ImportReaderOptions()
) throws -> (columns: [String], records: [ImportRecord], info: ImportSourceInfo) {
    try ImportReader.readAll(.bytes(Array(text.utf8), name: name), options: options)
}

/// Encodes `text` with glibc's iconv, independently of the reader's decoder.
private func encode(_ text: String, as encoding: String) -> [UInt8] {
    let descriptor = iconv_open(encoding, "UTF-8")!
    defer { iconv_close(descriptor) }
    var input = Array(text.utf8)
    var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
    let inputCount = input.count
    let outputCount = output.count
    var left = inputCount
    var room = outputCount
    input.withUnsafeMutableBytes { inBuffer in
        output.withUnsafeMutableBytes { outBuffer in
            var inPointer = inBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
            var outPointer = outBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
            _ = iconv(descriptor, &inPointer, &left, &outPointer, &room)
        }
    }
    return Array(output[0..<(outputCount - room)])
}

/// The instant of a wall-clock time in Asia/Shanghai, computed with Foundation's calendar.
private func shanghai(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0)
    -> Int64
{
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
    let date = calendar.date(
        from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    return Int64((date.timeIntervalSince1970 * 1000).rounded())
}

private var shanghaiZone: ImportTimeZone { ImportTimeZone(identifier: "Asia/Shanghai")! }

/// Prepares `text` and collects every batch.
private func prepare(
    _ text: String, name: String = "test.csv", kind: ImportKind, mapping: ImportMapping? = nil,
    rejected: RejectedRowsWriter? = nil
) async throws -> (batches: [PreparedBatch], report: ImportReport) {
    try await prepare(bytes: Array(text.utf8), name: name, kind: kind, mapping: mapping, rejected: rejected)
}

private func prepare(
    bytes: [UInt8], name: String, kind: ImportKind, mapping: ImportMapping? = nil, rejected: RejectedRowsWriter? = nil
) async throws -> (batches: [PreparedBatch], report: ImportReport) {
    let preparer = try ImportPreparer(
        source: .bytes(bytes, name: name), options: ImportOptions(kind: kind, mapping: mapping),
        rejectedRows: rejected)
    var batches: [PreparedBatch] = []
    let report = try await preparer.run { batch in
        batches.append(batch)
        return []
    }
    return (batches, report)
}

private func customers(_ batches: [PreparedBatch]) -> [PreparedCustomer] {
    batches.flatMap { batch -> [PreparedCustomer] in
        if case .customers(let values) = batch { return values }
        return []
    }
}

private func orders(_ batches: [PreparedBatch]) -> [PreparedOrder] {
    batches.flatMap { batch -> [PreparedOrder] in
        if case .orders(let values) = batch { return values }
        return []
    }
}

private func events(_ batches: [PreparedBatch]) -> [PreparedEvent] {
    batches.flatMap { batch -> [PreparedEvent] in
        if case .events(let values) = batch { return values }
        return []
    }
}

private func trait(_ customer: PreparedCustomer, _ name: String) -> JSONValue? {
    customer.traits.first { $0.name == name }?.value
}

// MARK: - Readers

/// CSV, JSON, NDJSON and XML readers: records, line numbers, encodings, and bad rows as problems.
@Suite struct ImportReaderTests {
    @Test func csvQuotingCRLFAndLineNumbers() throws {
        // Given a CSV with quoted commas, escaped quotes, a quoted line break and CRLF line ends
        let text =
            "name,note,city\r\n\"Li, Lei\",\"said \"\"hi\"\"\",上海\r\nAnna,\"two\r\nlines\",Berlin\r\nBo,plain,\"\"\r\n"
        // When it is read
        let (columns, records, info) = try read(text)
        // Then fields are unquoted, and each record carries the line it starts on
        #expect(info.delimiter == .comma && info.hasHeader == true)
        #expect(columns == ["name", "note", "city"])
        #expect(
            records.map(\.values) == [
                ["Li, Lei", #"said "hi""#, "上海"], ["Anna", "two\r\nlines", "Berlin"], ["Bo", "plain", ""],
            ])
        #expect(records.map(\.line) == [2, 3, 5])
        #expect(records[1].raw == "Anna,\"two\r\nlines\",Berlin")
    }

    @Test(arguments: [
        ("a;b;c\n1;2;3\n4;5;6\n", CSVDelimiter.semicolon),
        ("a\tb c\td\n1\t2 2\t3\n", .tab),
        ("a|b\n1|2\n", .pipe),
        ("a,b;c\n1,2;3\n", .comma),
        (
            " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  5   77.00\r\n",
            .whitespace
        ),
    ])
    func delimiterIsSniffed(text: String, expected: CSVDelimiter) throws {
        let (_, records, info) = try read(text)
        #expect(info.delimiter == expected)
        #expect(records.allSatisfy { $0.problem == nil })
    }

    @Test func whitespaceAlignedColumnsLikeCDNOW() throws {
        let text =
            " customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n\r\n 00002 19970112  5   77.00  \r\n"
        let (columns, records, _) = try read(text, name: "CDNOW_master.txt")
        #expect(columns == ["customer_id", "date", "number_of_cds", "dollar_value"])
        #expect(records.map(\.values) == [["00001", "19970101", "1", "11.77"], ["00002", "19970112", "5", "77.00"]])
        #expect(records.map(\.line) == [2, 4])
    }

    @Test func headerIsOptional() throws {
        // Data in the first row: no header, columns are named by position.
        let (columns, records, info) = try read("1001,13800138000,12.50\n1002,13900139000,8\n")
        #expect(info.hasHeader == false)
        #expect(columns == ["column_1", "column_2", "column_3"])
        #expect(records.count == 2)
        // A header can also be declared absent explicitly.
        let (_, explicit, _) = try read("name,city\n张三,北京\n", options: ImportReaderOptions(hasHeader: false))
        #expect(explicit.count == 2)
    }

    @Test func badFieldCountIsARejectedRowNotAnAbort() throws {
        let (_, records, _) = try read("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
        #expect(records.map(\.line) == [2, 3, 4, 5])
        #expect(records.map { $0.problem?.code } == [nil, "bad_field_count", "bad_field_count", nil])
        #expect(records[1].raw == "4,5")
        #expect(records[3].values == ["10", "11", "12"])
    }

    @Test func unterminatedQuoteRejectsItsLineAndReadingGoesOn() throws {
        let (_, records, _) = try read("a,b\n1,2\n3,\"oops\n5,6\n")
        #expect(records.first?.values == ["1", "2"])
        #expect(records[1].problem?.code == "unterminated_quote")
        #expect(records[1].line == 3)
        #expect(records.last?.values == ["5", "6"])
    }

    @Test func utf8BOMIsRemoved() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("姓名,手机\n张三,13800138000\n".utf8)
        let (columns, records, info) = try ImportReader.readAll(.bytes(bytes, name: "x.csv"))
        #expect(columns == ["姓名", "手机"])
        #expect(records.first?.values == ["张三", "13800138000"])
        #expect(info.encoding == .utf8)
    }

    @Test func gb18030IsDetectedAndDecoded() throws {
        // Known bytes: "张三" is D5 C5 C8 FD in GB18030 (and GBK).
        let known: [UInt8] = Array("name\n".utf8) + [0xD5, 0xC5, 0xC8, 0xFD, 0x0A]
        let (_, records, info) = try ImportReader.readAll(.bytes(known, name: "x.csv"))
        #expect(info.encoding == .gb18030)
        #expect(records.first?.values == ["张三"])

        // A whole Excel-style export, encoded by iconv, with a four-byte GB18030 character (𠀀) too.
        let text = "姓名,手机号,城市\r\n张三,13800138000,北京\r\n李四,13900139000,广州\r\n王𠀀,13700137000,上海\r\n"
        let bytes = encode(text, as: "GB18030")
        #expect(bytes != Array(text.utf8))
        let (columns, decoded, _) = try ImportReader.readAll(.bytes(bytes, name: "export.csv"))
        #expect(columns == ["姓名", "手机号", "城市"])
        #expect(decoded.map { $0.values[0] } == ["张三", "李四", "王𠀀"])
    }

    @Test func gb18030AfterManyASCIIChunksIsStillDetected() throws {
        // The first chunks are pure ASCII; the encoding is only decided when Chinese text appears.
        var text = "id,name\n"
        for index in 0..<500 { text += "\(index),customer number \(index)\n" }
        text += "9999,张三\n"
        let bytes = encode(text, as: "GB18030")
        let (_, records, info) = try ImportReader.readAll(
            .bytes(bytes, name: "x.csv"), options: ImportReaderOptions(chunkSize: 4096))
        #expect(info.encoding == .gb18030 || records.count == 501)
        #expect(records.last?.values == ["9999", "张三"])
        #expect(records.allSatisfy { $0.problem == nil })
    }

    @Test func utf16WithBOMIsDecoded() throws {
        let bytes: [UInt8] = [0xFF, 0xFE] + encode("姓名\t邮箱\r\n张三\tzs@example.com\r\n", as: "UTF-16LE")
        let (columns, records, info) = try ImportReader.readAll(.bytes(bytes, name: "unicode.txt"))
        #expect(info.encoding == .utf16LE && info.delimiter == .tab)
        #expect(columns == ["姓名", "邮箱"])
        #expect(records.first?.values == ["张三", "zs@example.com"])
    }

    @Test func invalidUTF8InAUTF8FileRejectsOnlyThatRow() throws {
        var bytes = Array("名字,城市\n张三,北京\n李四,上海\n王五,广州\n赵六,深圳\n".utf8)
        bytes += Array("bad,".utf8) + [0xC3, 0x28] + [0x0A]
        bytes += Array("钱七,杭州\n".utf8)
        let (_, records, info) = try ImportReader.readAll(.bytes(bytes, name: "x.csv"))
        #expect(info.encoding == .utf8)
        #expect(records.map { $0.problem?.code } == [nil, nil, nil, nil, "invalid_encoding", nil])
        #expect(records[4].line == 6)
    }

    /// Property: any table written with RFC 4180 quoting reads back field for field, whatever the chunk size.
    @Test(arguments: [1, 2, 3, 4, 5])
    func csvRoundTripsRandomTables(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let alphabet: [String] = ["a", "Z", "0", " ", ",", "\"", "\n", "\r\n", "张", "😀", ";", "\t", "é"]
        let width = Int(random.next() % 4) + 2
        var rows: [[String]] = []
        for _ in 0..<300 {
            rows.append(
                (0..<width).map { _ in
                    let length = Int(random.next() % 8)
                    return (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
                })
        }
        // Rows of empty cells are skipped as blank, so give each row one non-empty cell.
        for index in rows.indices where rows[index].allSatisfy(\.isEmpty) { rows[index][0] = "x" }
        let newline = random.next() % 2 == 0 ? "\n" : "\r\n"
        func quoted(_ field: String) -> String {
            let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
            return needs || field.first == " "
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
        let header = (1...width).map { "h\($0)" }
        let text = ([header] + rows).map { $0.map(quoted).joined(separator: ",") }.joined(separator: newline) + newline
        let (columns, records, _) = try read(
            text, options: ImportReaderOptions(delimiter: .comma, hasHeader: true, chunkSize: 4096))
        #expect(columns == header)
        #expect(records.map { $0.values.map { $0 ?? "" } } == rows)
    }

    @Test func jsonArrayFlattensNestedObjects() throws {
        let text = """
            [
              {"id": 1, "name": "张三", "address": {"city": "北京", "geo": {"lat": 39.9}}, "tags": ["a", "b"], "vip": true},
              "not an object",
              {"id": 2, "email": "li@example.com", "address": null}
            ]
            """
        let (columns, records, info) = try read(text, name: "c.json")
        #expect(info.format == .json)
        #expect(columns == ["id", "name", "address.city", "address.geo.lat", "tags", "vip", "email"])
        #expect(records[0].fields(columns: columns)["address.city"] == "北京")
        #expect(records[0].fields(columns: columns)["tags"] == #"["a", "b"]"#)  // the source text of the array
        #expect(records[0].fields(columns: columns)["vip"] == "true")
        #expect(records[1].problem?.code == "not_an_object")
        #expect(records[1].line == 3)
        #expect(records[2].fields(columns: columns) == ["id": "2", "email": "li@example.com"])
        #expect(records[2].line == 4)
    }

    @Test func jsonRecordsUnderAKey() throws {
        let text = #"{"meta": {"page": 1, "note": "[not this]"}, "data": {"items": [{"a": 1}, {"a": 2}]}}"#
        let (_, records, _) = try read(
            text, name: "x.json", options: ImportReaderOptions(jsonRecordsPath: "data.items"))
        #expect(records.map(\.values) == [["1"], ["2"]])
        // Without a path: the first array-valued member.
        let (_, first, _) = try read(#"{"total": 2, "customers": [{"a": 1}, {"a": 2}]}"#, name: "x.json")
        #expect(first.count == 2)
    }

    @Test func jsonArrayIsReadInChunks() throws {
        let objects = (0..<2000).map { #"{"id": \#($0), "note": "row \#($0), with [brackets] and \"quotes\""}"# }
        let text = "[\n" + objects.joined(separator: ",\n") + "\n]"
        let (_, records, _) = try read(text, name: "x.json", options: ImportReaderOptions(chunkSize: 4096))
        #expect(records.count == 2000)
        #expect(records.allSatisfy { $0.problem == nil })
        #expect(records.last?.values.first == "1999")
        #expect(records.last?.line == 2001)
    }

    @Test func ndjsonRejectsBadLinesWithTheirLineNumber() throws {
        let text =
            "{\"user_id\":\"u1\",\"event\":\"A\"}\n\n{broken\n[1,2]\n{\"user_id\":\"u2\",\"props\":{\"sku\":\"S1\"}}\n"
        let (columns, records, info) = try read(text, name: "events.ndjson")
        #expect(info.format == .ndjson)
        #expect(records.map(\.line) == [1, 3, 4, 5])
        #expect(records.map { $0.problem?.code } == [nil, "invalid_json", "not_an_object", nil])
        #expect(records[3].fields(columns: columns) == ["user_id": "u2", "props.sku": "S1"])
        // Sniffed as NDJSON even with a .json name.
        let (_, sniffed, sniffedInfo) = try read("{\"a\":1}\n{\"a\":2}\n", name: "x.json")
        #expect(sniffedInfo.format == .ndjson && sniffed.count == 2)
    }

    @Test func xmlRecordsWithNestedElementsAndAttributes() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <customers>
              <customer id="7">
                <name>张三</name>
                <address><city>北京</city><street>长安街 &amp; 1号</street></address>
                <tag>vip</tag><tag>new</tag>
              </customer>
              <customer id="8"><name><![CDATA[Li <Lei>]]></name></customer>
            </customers>
            """
        let (columns, records, info) = try read(text, name: "c.xml")
        #expect(info.format == .xml)
        let first = records[0].fields(columns: columns)
        #expect(first["id"] == "7")
        #expect(first["name"] == "张三")
        #expect(first["address.city"] == "北京")
        #expect(first["address.street"] == "长安街 & 1号")
        #expect(first["tag"] == #"["vip","new"]"#)
        #expect(records[0].line == 3)
        #expect(records[1].fields(columns: columns) == ["id": "8", "name": "Li <Lei>"])
        #expect(records[1].raw.contains("customer"))
    }

    @Test func xmlWithANamedRecordElementAndAMalformedTail() throws {
        let text =
            "<export><meta><count>2</count></meta><rows><row><a>1</a></row><row><a>2</a></row><row><a>3</b></row></rows></export>"
        let reader = try ImportReader.open(
            .bytes(Array(text.utf8), name: "x.xml"), options: ImportReaderOptions(xmlRecordElement: "row"))
        var values: [String?] = []
        var failure: PanoramaError?
        do {
            while let batch = try reader.nextBatch(maxRecords: 100) {
                for index in 0..<batch.count { values.append(batch.value(index, 0)) }
            }
        } catch let error as PanoramaError {
            failure = error
        }
        #expect(values == ["1", "2"])
        #expect(failure?.code == "invalid_xml")
    }
}

// MARK: - Mapping

/// Mapping files (JSON, YAML) and inference from headers.
@Suite struct ImportMappingTests {
    @Test func infersChineseCustomerHeaders() {
        let header = ["姓名", "手机号", "邮箱", "性别", "出生日期", "身份证号", "省份", "城市", "详细地址", "会员等级"]
        let mapping = ImportMapping.infer(header: header, kind: .customers)
        #expect(
            mapping.fields.map(\.field) == [
                "name", "phone", "email", "gender", "birthday", "id_number", "province", "city", "address",
                "traits.会员等级",
            ])
        #expect(mapping.fields.map(\.column) == header.map { .name($0) })
        // Synonyms: 电话 and 手机 are both phone; the first one wins, the other becomes a trait.
        let phones = ImportMapping.infer(header: ["手机", "电话", "生日"], kind: .customers)
        #expect(phones.fields.map(\.field) == ["phone", "traits.电话", "birthday"])
    }

    @Test func infersOrderHeadersInEnglishAndChinese() {
        let english = ImportMapping.infer(
            header: ["Order ID", "Customer ID", "Order Date", "Total Amount", "Qty", "SKU", "Unit Price", "Notes"],
            kind: .orders)
        #expect(
            english.fields.map(\.field) == [
                "order_id", "user_id", "placed_at", "amount", "quantity", "sku", "unit_price",
            ])
        let chinese = ImportMapping.infer(
            header: ["订单号", "手机号", "下单时间", "实付金额", "商品名称", "数量", "门店", "订单状态"], kind: .orders)
        #expect(
            chinese.fields.map(\.field) == [
                "order_id", "phone", "placed_at", "amount", "product_name", "quantity", "store_id", "status",
            ])
        let cdnow = ImportMapping.infer(
            header: ["customer_id", "date", "number_of_cds", "dollar_value"], kind: .orders)
        #expect(cdnow.fields.map(\.field) == ["user_id", "placed_at", "quantity", "amount"])
    }

    @Test func yamlAndJSONMappingsLoad() throws {
        // The example of docs/IMPORT.md and ImportMapping's documentation.
        let yaml = """
            kind: orders
            format: csv
            delimiter: whitespace      # , ; tab | whitespace — sniffed when left out
            header: true
            id_prefix: cdnow
            fields:
              user_id: 1
              placed_at: { column: 2, format: yyyymmdd }
              quantity: 3
              amount: 4
              currency: { value: USD }
              channel: { value: cdnow }
            """
        let fromYAML = try ImportMapping.parse(yaml: yaml)
        #expect(fromYAML == ImportMapping.cdnowOrders)
        let json = """
            {"kind": "orders", "format": "csv", "delimiter": "whitespace", "header": true, "id_prefix": "cdnow",
             "fields": {"user_id": 1, "placed_at": {"column": 2, "format": "yyyymmdd"}, "quantity": 3, "amount": 4},
             "defaults": {"currency": "USD", "channel": "cdnow"}}
            """
        #expect(try ImportMapping.parse(json: json) == ImportMapping.cdnowOrders)
        // A mapping saved as JSON reads back the same.
        let saved = ImportMapping.cdnowOrders.jsonValue
        #expect(try ImportMapping(document: saved) == ImportMapping.cdnowOrders)
    }

    @Test func yamlFieldOptions() throws {
        let mapping = try ImportMapping.parse(
            yaml: """
                kind: customers
                encoding: gbk
                delimiter: ","
                day_first: true
                unmapped: traits
                fields:
                  phone: 手机号
                  id_number: { column: 身份证, on_invalid: reject }
                  traits.vip: { column: "VIP", type: boolean }
                  traits.since: { column: 3, type: date }
                """)
        #expect(mapping.reader.encoding == .gb18030)
        #expect(mapping.reader.delimiter == .comma)
        #expect(mapping.dayFirst == true)
        #expect(mapping.unmappedPrefix == "traits.")
        #expect(mapping.mapping(for: "id_number")?.onInvalid == .reject)
        #expect(mapping.mapping(for: "traits.vip")?.type == .boolean)
        #expect(mapping.mapping(for: "traits.since")?.column == .position(3))
    }

    @Test func invalidMappingsSayWhatIsWrong() {
        func code(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as PanoramaError {
                return error.field ?? error.code
            } catch {
                return "other"
            }
        }
        #expect(code { _ = try ImportMapping.parse(yaml: "kind: orders\nfields:\n  colour: 1\n") } == "fields.colour")
        #expect(code { _ = try ImportMapping.parse(yaml: "kind: planets\nfields:\n  phone: 1\n") } == "kind")
        #expect(code { _ = try ImportMapping.parse(yaml: "fields:\n  phone: 0\n") } == "fields.phone")
        #expect(code { _ = try ImportMapping.parse(yaml: "kind: orders\nfields:\n  amount: 1\n  amount: 2\n") } != nil)
        #expect(code { _ = try ImportMapping.parse(json: "{\"fields\": {}}") } == "fields")
    }
}

// MARK: - Cleaning

/// Every cleaner: what it accepts, what it turns values into, and which fix it reports.
@Suite struct ImportCleaningTests {
    @Test func textIsTrimmedCollapsedAndFolded() {
        #expect(ImportCleaner.text("plain text") == ("plain text", []))
        #expect(ImportCleaner.text("  张三 ").0 == "张三")
        #expect(ImportCleaner.text("  张三 ").1 == ImportFixSet(.trimmed))
        #expect(ImportCleaner.text("张\u{3000}\u{3000}三").0 == "张 三")
        #expect(ImportCleaner.text("张\u{3000}\u{3000}三").1 == ImportFixSet(.whitespaceCollapsed))
        #expect(ImportCleaner.text("ＡＢＣ１２３，好").0 == "ABC123，好")
        #expect(ImportCleaner.text("ＡＢＣ１２３，好").1 == ImportFixSet(.fullWidth))
        #expect(ImportCleaner.text(" \u{200B}\t ").0 == "")
    }

    @Test(arguments: [
        ("2024-07-15", shanghai(2024, 7, 15), false),
        ("2024/7/15", shanghai(2024, 7, 15), true),
        ("2024.07.15", shanghai(2024, 7, 15), true),
        ("20240715", shanghai(2024, 7, 15), true),
        ("2024年7月15日", shanghai(2024, 7, 15), true),
        ("２０２４年７月１５日", shanghai(2024, 7, 15), true),
        ("2024年7月15日 13时05分09秒", shanghai(2024, 7, 15, 13, 5, 9), true),
        ("2024-07-15 13:05:09", shanghai(2024, 7, 15, 13, 5, 9), false),
        ("2024-07-15T13:05:09.250Z", Int64(1_721_048_709_250), false),
        ("2024-07-15T13:05:09+02:00", Int64(1_721_041_509_000), false),
        ("2024/07/15 1:05 PM", shanghai(2024, 7, 15, 13, 5), true),
        ("2024/07/15 下午1:05", shanghai(2024, 7, 15, 13, 5), true),
        ("15/07/2024", shanghai(2024, 7, 15), true),
        ("07/15/2024 08:30", shanghai(2024, 7, 15, 8, 30), true),
        ("15-Jul-2024", shanghai(2024, 7, 15), true),
        ("Jul 15, 2024", shanghai(2024, 7, 15), true),
        ("20240715133000", shanghai(2024, 7, 15, 13, 30), true),
        ("1721048709", Int64(1_721_048_709_000), true),
        ("1721048709250", Int64(1_721_048_709_250), true),
    ])
    func datesInCommonForms(text: String, expected: Int64, fixed: Bool) throws {
        let (date, fixes) = try ImportCleaner.date(text)
        #expect(date.instant(in: shanghaiZone) == expected)
        #expect(fixes.contains(.dateStandardized) == fixed)
    }

    @Test func excelSerialDates() throws {
        // 45123 is 2023-07-16 in Excel (day 1 = 1900-01-01, with the fictitious 1900-02-29).
        let (day, fixes) = try ImportCleaner.date("45123")
        #expect(day.dateString == "2023-07-16")
        #expect(day.instant(in: shanghaiZone) == shanghai(2023, 7, 16))
        #expect(fixes == ImportFixSet(.excelSerialDate))
        let (noon, _) = try ImportCleaner.date("45123.5")
        #expect(noon.instant(in: shanghaiZone) == shanghai(2023, 7, 16, 12))
        // Excel stores times as binary fractions: 0.999999 of a day rounds to the next second boundary.
        let (late, _) = try ImportCleaner.date("45123.604166666")
        #expect(late.instant(in: shanghaiZone) == shanghai(2023, 7, 16, 14, 30))
        #expect(try ImportCleaner.date("1", format: .excel).0.dateString == "1900-01-01")
        #expect(try ImportCleaner.date("61", format: .excel).0.dateString == "1900-03-01")
        #expect(try ImportCleaner.date("45123", format: .excel).1 == [])
    }

    @Test func dateOrderAndInvalidDates() throws {
        #expect(try ImportCleaner.date("03/04/2024", dayFirst: true).0.dateString == "2024-04-03")
        #expect(try ImportCleaner.date("03/04/2024", dayFirst: false).0.dateString == "2024-03-04")
        #expect(try ImportCleaner.date("03/04/2024", format: .dmy).0.dateString == "2024-04-03")
        #expect(ImportCleaner.dateOrderEvidence("15/07/2024") == true)
        #expect(ImportCleaner.dateOrderEvidence("07/15/2024") == false)
        #expect(ImportCleaner.dateOrderEvidence("2024/07/15") == nil)
        #expect(throws: ImportRowError.self) { try ImportCleaner.date("03/04/2024") }
        do {
            _ = try ImportCleaner.date("03/04/2024")
        } catch {
            #expect(error.code == "ambiguous_date")
        }
        for bad in ["2024-02-30", "2023-02-29", "20241301", "yesterday", "2024-07-15 25:00", "15/07/24", ""] {
            #expect(throws: ImportRowError.self, "\(bad)") { try ImportCleaner.date(bad) }
        }
        #expect(try ImportCleaner.calendarDate("1990年3月5日").0 == "1990-03-05")
        #expect(try ImportCleaner.calendarDate("1990-03-05 00:00:00").0 == "1990-03-05")
    }

    @Test func genders() throws {
        for male in ["男", "M", "male", "Male", "1", "先生", "男性"] {
            #expect(try ImportCleaner.gender(male).0 == .male, "\(male)")
        }
        for female in ["女", "F", "female", "2", "女士", "小姐"] {
            #expect(try ImportCleaner.gender(female).0 == .female, "\(female)")
        }
        for unknown in ["未知", "保密", "0", "U", "unknown"] {
            #expect(try ImportCleaner.gender(unknown).0 == .unknown, "\(unknown)")
        }
        #expect(try ImportCleaner.gender("male").1 == [])
        #expect(try ImportCleaner.gender("男").1 == ImportFixSet(.genderStandardized))
        #expect(throws: ImportRowError.self) { try ImportCleaner.gender("robot") }
    }

    @Test func provincesHaveOneCanonicalName() {
        let cases: [(String, String)] = [
            ("北京", "北京市"), ("北京市", "北京市"), ("beijing", "北京市"), ("Beijing Shi", "北京市"), ("京", "北京市"),
            ("广东", "广东省"), ("粤", "广东省"), ("Guangdong Province", "广东省"), ("廣東省", "广东省"),
            ("广西", "广西壮族自治区"), ("广西自治区", "广西壮族自治区"), ("guangxi", "广西壮族自治区"),
            ("内蒙古", "内蒙古自治区"), ("Inner Mongolia", "内蒙古自治区"), ("新疆", "新疆维吾尔自治区"),
            ("宁夏", "宁夏回族自治区"), ("西藏", "西藏自治区"), ("Tibet", "西藏自治区"),
            ("香港", "香港特别行政区"), ("Hong Kong", "香港特别行政区"), ("澳門", "澳门特别行政区"), ("Macau", "澳门特别行政区"),
            ("陕西", "陕西省"), ("shaanxi", "陕西省"), ("shanxi", "山西省"), ("臺灣", "台湾省"), ("黑龙江", "黑龙江省"),
        ]
        for (input, canonical) in cases {
            #expect(ImportCleaner.province(input)?.0 == canonical, "\(input)")
        }
        // All 34 provincial-level divisions, each canonical name maps to itself without a fix.
        #expect(ChinaRegions.provinces.count == 34)
        for (name, _, _) in ChinaRegions.provinces {
            #expect(ImportCleaner.province(name)?.0 == name)
            #expect(ImportCleaner.province(name)?.1 == [])
        }
        #expect(ImportCleaner.province("Atlantis") == nil)
    }

    @Test func citiesAndTheirProvinces() {
        #expect(ImportCleaner.city("广州")?.city == "广州市")
        #expect(ImportCleaner.city("广州市")?.fixes == [])
        #expect(ImportCleaner.city("guangzhou")?.province == "广东省")
        #expect(ImportCleaner.city("广东省广州市")?.city == "广州市")
        #expect(ImportCleaner.city("上海")?.city == "上海市")
        #expect(ImportCleaner.city("吉林")?.city == "吉林市")
        #expect(ImportCleaner.city("Xi'an")?.city == "西安市")
        #expect(ImportCleaner.city("深圳")?.province == "广东省")
        #expect(ImportCleaner.city("烏魯木齊")?.city == "乌鲁木齐市")
        // Every provincial capital is known.
        for capital in [
            "石家庄", "太原", "呼和浩特", "沈阳", "长春", "哈尔滨", "南京", "杭州", "合肥", "福州", "南昌", "济南", "郑州", "武汉",
            "长沙", "广州", "南宁", "海口", "成都", "贵阳", "昆明", "拉萨", "西安", "兰州", "西宁", "银川", "乌鲁木齐", "台北",
        ] {
            #expect(ImportCleaner.city(capital) != nil, "\(capital)")
        }
        #expect(ImportCleaner.city("Springfield") == nil)
    }

    @Test func chineseIDNumbersAreChecked() throws {
        #expect(try ImportCleaner.idNumber("11010519491231002X").0 == "11010519491231002X")
        #expect(try ImportCleaner.idNumber("11010519491231002x").1 == ImportFixSet(.idNumberNormalized))
        // A 15-digit legacy number is upgraded to 18 characters with its check character.
        #expect(try ImportCleaner.idNumber("110105491231002").0 == "11010519491231002X")
        do {
            _ = try ImportCleaner.idNumber("110105194912310021")
            Issue.record("a wrong check character must be rejected")
        } catch {
            #expect(error.code == "invalid_id_number")
            #expect(!error.message.contains("110105"))
        }
    }

    @Test func phonesAndEmails() throws {
        #expect(try ImportCleaner.phone("138 0013 8000") == ("+8613800138000", ImportFixSet(.phoneNormalized)))
        #expect(try ImportCleaner.phone("+8613800138000").1 == [])
        #expect(try ImportCleaner.phone("(415) 555-2671", countryCode: "1").0 == "+14155552671")
        #expect(try ImportCleaner.email("Li.Lei@Example.COM") == ("li.lei@example.com", ImportFixSet(.emailNormalized)))
        #expect(throws: ImportRowError.self) { try ImportCleaner.email("not-an-email") }
        #expect(throws: ImportRowError.self) { try ImportCleaner.phone("12ab") }
    }

    @Test(arguments: [
        ("11.77", Int64(1177), String?.none, false),
        ("12", 1200, nil, false),
        ("-3.5", -350, nil, false),
        ("12.500", 1250, nil, false),
        ("¥1,234.50", 123_450, "CNY", true),
        ("￥１２３４．５", 123_450, "CNY", true),
        ("1234.5元", 123_450, "CNY", true),
        ("RMB 1 234.50", 123_450, "CNY", true),
        ("$12", 1200, "USD", true),
        ("-¥12.30", -1230, "CNY", true),
        ("(12.30)", -1230, nil, true),
        ("1.234,50", 123_450, nil, true),
        ("12,5", 1250, nil, true),
        ("1,234", 123_400, nil, true),
        ("€ 9.99", 999, "EUR", true),
        ("99999999999999.99", 9_999_999_999_999_999, nil, false),
    ])
    func moneyIsExactCents(text: String, cents: Int64, currency: String?, fixed: Bool) throws {
        let parsed = try ImportCleaner.amount(text)
        #expect(parsed.cents == cents)
        #expect(parsed.currency == currency)
        #expect(parsed.fixes.contains(.amountStandardized) == fixed)
    }

    @Test func moneyRoundsHalfToEvenAndRejectsGarbage() throws {
        #expect(try ImportCleaner.amount("12.345").cents == 1234)
        #expect(try ImportCleaner.amount("12.355").cents == 1236)
        #expect(try ImportCleaner.amount("12.3451").cents == 1235)
        #expect(try ImportCleaner.amount("12.345").fixes.contains(.amountRounded))
        for bad in ["abc", "1.2.3,4,5x", "¥", "12 apples", "1e5"] {
            #expect(throws: ImportRowError.self, "\(bad)") { try ImportCleaner.amount(bad) }
        }
    }

    @Test func quantitiesAndStatuses() throws {
        #expect(try ImportCleaner.quantity("3") == (3, []))
        #expect(try ImportCleaner.quantity("３件").0 == 3)
        #expect(try ImportCleaner.quantity("3.0").0 == 3)
        #expect(throws: ImportRowError.self) { try ImportCleaner.quantity("2.5") }
        #expect(ImportCleaner.orderStatus("已支付").0 == "paid")
        #expect(ImportCleaner.orderStatus("交易成功").0 == "completed")
        #expect(ImportCleaner.orderStatus("已退款").0 == "refunded")
        #expect(ImportCleaner.orderStatus("completed") == ("completed", []))
    }

    @Test func traitValueTypes() throws {
        #expect(try ImportCleaner.value("30", type: .auto).0 == .number(JSONNumber("30")))
        #expect(try ImportCleaner.value("00123", type: .auto).0 == .string("00123"))
        #expect(try ImportCleaner.value("13800138000", type: .auto).0 == .number(JSONNumber("13800138000")))
        #expect(try ImportCleaner.value("true", type: .auto).0 == .bool(true))
        #expect(try ImportCleaner.value("是", type: .boolean).0 == .bool(true))
        #expect(try ImportCleaner.value("1,234.5", type: .number).0 == .number(JSONNumber("1234.5")))
        #expect(try ImportCleaner.value("2024/7/15", type: .date).0 == .string("2024-07-15"))
        #expect(try ImportCleaner.value(#"["a"]"#, type: .json).0 == .array(["a"]))
        #expect(throws: ImportRowError.self) { try ImportCleaner.value("x", type: .integer) }
    }
}

// MARK: - Preparing

/// The pipeline: reader → mapping → cleaning → prepared values, with the report and rejected rows.
@Suite struct ImportPreparerTests {
    @Test func chineseCustomerExportInGB18030() async throws {
        // Given an Excel export in GB18030 with messy values and two bad rows
        let text = """
            姓名,手机号,邮箱,性别,出生日期,身份证号,省份,城市,会员等级\r
             张三 ,138 0013 8000,ZS@Example.com,男,1990/3/5,11010519491231002X,北京,北京,3\r
            李四,１３９００１３９０００,,女士,33000,110105194912310021,,广州,5\r
            王五,,,未知,,,,,\r
            赵六,12ab,,男,,,上海市,上海,1\r
            """
        let rejected = RejectedRowsWriter()
        let (batches, report) = try await prepare(
            bytes: encode(text, as: "GB18030"), name: "会员.csv", kind: .customers, rejected: rejected)
        let people = customers(batches)

        // Then the good rows are cleaned and standardised
        #expect(report.info?.encoding == .gb18030)
        #expect(people.count == 2)
        let zhang = people[0]
        #expect(zhang.line == 2)
        #expect(zhang.identifiers.contains(Identifier(type: "phone", value: "+8613800138000")))
        #expect(zhang.identifiers.contains(Identifier(type: "email", value: "zs@example.com")))
        #expect(zhang.identifiers.contains(Identifier(type: "id_number", value: "11010519491231002X")))
        #expect(trait(zhang, "name") == .string("张三"))
        #expect(trait(zhang, "gender") == .string("male"))
        #expect(trait(zhang, "birthday") == .string("1990-03-05"))
        #expect(trait(zhang, "province") == .string("北京市"))
        #expect(trait(zhang, "city") == .string("北京市"))
        #expect(trait(zhang, "会员等级") == .number(JSONNumber("3")))
        let li = people[1]
        #expect(li.identifiers == [Identifier(type: "phone", value: "+8613900139000")])  // bad ID number dropped
        #expect(trait(li, "gender") == .string("female"))
        #expect(trait(li, "birthday") == .string("1990-05-07"))  // Excel serial 33000
        #expect(trait(li, "province") == .string("广东省"))  // from the city

        // And the report counts every fix, drop and rejection
        #expect(report.rowsRead == 4 && report.accepted == 2 && report.rejected == 2 && report.fixedRows == 2)
        #expect(report.count(.trimmed) >= 1)
        #expect(report.count(.fullWidth) == 1)
        #expect(report.count(.phoneNormalized) == 2)
        #expect(report.count(.emailNormalized) == 1)
        #expect(report.count(.excelSerialDate) == 1)
        #expect(report.count(.provinceStandardized) == 1)
        #expect(report.count(.cityStandardized) == 2)
        #expect(report.count(.provinceFromCity) == 1)
        #expect(report.count(.genderStandardized) == 2)
        #expect(report.dropped == ["invalid_id_number": 1])
        #expect(report.rejections == ["missing_identifier": 1, "invalid_phone": 1])

        // And the rejected rows are written with line, reason, message and the original text
        let csv = String(decoding: rejected.bytes.dropFirst(3), as: UTF8.self)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first == "line,reason,message,raw")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("4,missing_identifier,"))
        #expect(lines[1].hasSuffix(",\"王五,,,未知,,,,,\""))
        #expect(lines[2].hasPrefix("5,invalid_phone,"))
        #expect(lines[2].contains("phone (column '手机号')"))
        let reread = try read(csv, name: "rejected.csv")
        #expect(reread.records.map { $0.values[0] } == ["4", "5"])

        // And the JSON summary carries the same counts
        let json = report.json
        #expect(json["accepted"]?.numberValue?.int64 == 2)
        #expect(json["fixes"]?["phone_normalized"]?.numberValue?.int64 == 2)
        #expect(json["rejections"]?["invalid_phone"]?.numberValue?.int64 == 1)
    }

    @Test func rejectingPolicyForIDNumbers() async throws {
        let mapping = try ImportMapping.parse(
            yaml: "fields:\n  phone: 1\n  id_number: { column: 2, on_invalid: reject }\n")
        let (batches, report) = try await prepare(
            "13800138000,110105194912310021\n13900139000,11010519491231002X\n", kind: .customers, mapping: mapping)
        #expect(customers(batches).count == 1)
        #expect(report.rejections == ["invalid_id_number": 1])
        #expect(report.sampleRejections.first?.line == 1)
    }

    @Test func ordersWithLinesAreGroupedByOrderID() async throws {
        let text = """
            订单号,手机号,下单时间,实付金额,商品编码,商品名称,数量,单价,订单状态
            A1,13800138000,2024-07-15 10:00:00,¥300.00,S1,T恤,2,100,已支付
            A1,13800138000,2024-07-15 10:00:00,¥300.00,S2,帽子,1,100,已支付
            A2,13900139000,2024/7/16,88.5,S3,袜子,3,29.5,交易成功
            A3,13900139000,not a date,1,S4,x,1,1,已支付
            """
        let (batches, report) = try await prepare(text, kind: .orders)
        let prepared = orders(batches)
        #expect(prepared.count == 2)
        let first = prepared[0]
        #expect(first.externalID == "A1" && first.rows == 2 && first.lines.count == 2)
        #expect(first.amountCents == 30_000 && first.currency == "CNY" && first.status == "paid")
        #expect(first.placedAt == shanghai(2024, 7, 15, 10))
        #expect(first.lines.map(\.sku) == ["S1", "S2"])
        #expect(first.lines.map(\.unitPriceCents) == [10_000, 10_000])
        #expect(first.quantity == 3)
        #expect(prepared[1].amountCents == 8850 && prepared[1].status == "completed")
        #expect(report.accepted == 3 && report.rejected == 1 && report.prepared == 2)
        #expect(report.rejections == ["invalid_date": 1])
        #expect(report.sampleRejections.first?.message.contains("placed_at (column '下单时间')") == true)
    }

    @Test func dayFirstIsLearnedFromTheFirstBatch() async throws {
        // 25/12/2024 can only be day-first, so 03/04/2024 in the same column is 3 April.
        let text = "user_id,date,amount\nu1,25/12/2024,1\nu2,03/04/2024,2\n"
        let (batches, report) = try await prepare(text, kind: .orders)
        #expect(report.rejected == 0)
        #expect(orders(batches).map(\.placedAt) == [shanghai(2024, 12, 25), shanghai(2024, 4, 3)])
    }

    @Test func eventsFromNDJSONWithProperties() async throws {
        let text = """
            {"userId": "u1", "event": "Order Completed", "time": "2024-07-15T10:00:00Z", "props": {"sku": "S1", "price": 99.5}}
            {"userId": "u2", "event": "Product Viewed", "time": "2024-07-15 18:00:00"}
            {"event": "Orphan", "time": "2024-07-15T10:00:00Z"}
            """
        let mapping = try ImportMapping.parse(
            yaml: """
                fields:
                  user_id: userId
                  event: event
                  timestamp: time
                  properties.sku: props.sku
                  properties.price: { column: props.price, type: number }
                """)
        let (batches, report) = try await prepare(text, name: "events.ndjson", kind: .events, mapping: mapping)
        let prepared = events(batches)
        #expect(prepared.count == 2)
        #expect(prepared[0].timestamp == 1_721_037_600_000)
        #expect(
            prepared[0].properties == [
                ImportAttribute(name: "sku", value: .string("S1")),
                ImportAttribute(name: "price", value: .number(JSONNumber("99.5"))),
            ])
        #expect(prepared[1].timestamp == shanghai(2024, 7, 15, 18))
        #expect(prepared[1].messageID == "events-u2-\(shanghai(2024, 7, 15, 18))-2")
        #expect(report.rejections == ["missing_identifier": 1])
    }

    @Test func inferredMappingAndPreview() throws {
        let text = "姓名,手机,城市,备注\n张三,13800138000,杭州,老客户\nbad,,,\n"
        let preview = try ImportPreparer.preview(
            source: .bytes(Array(text.utf8), name: "c.csv"), options: ImportOptions(kind: .customers), rows: 5)
        #expect(preview.mapping.fields.map(\.field) == ["name", "phone", "city", "traits.备注"])
        #expect(preview.unmappedColumns.isEmpty)
        #expect(preview.rows.count == 2)
        #expect(preview.rows[0].fields.contains { $0.field == "city" && $0.value == "杭州市" })
        #expect(preview.rows[0].fields.contains { $0.field == "province" && $0.value == "浙江省" })
        #expect(preview.rows[1].rejection?.code == "missing_identifier")
    }

    @Test func xmlAndJSONCustomersWithInferredMappings() async throws {
        // Given XML with Chinese element names and a key that only appears in a later record
        let xml = """
            <会员列表>
              <会员><姓名>张三</姓名><手机>13800138000</手机><地址><城市>深圳</城市></地址></会员>
              <会员><姓名>李四</姓名><邮箱>LS@example.com</邮箱><积分>120</积分></会员>
            </会员列表>
            """
        let (xmlBatches, xmlReport) = try await prepare(xml, name: "members.xml", kind: .customers)
        let fromXML = customers(xmlBatches)
        // Then the known names are mapped, the rest kept as traits, keys seen late included
        #expect(xmlReport.accepted == 2)
        #expect(fromXML[0].identifiers == [Identifier(type: "phone", value: "+8613800138000")])
        #expect(trait(fromXML[0], "city") == .string("深圳市"))  // 地址.城市: a key path, known by its last part
        #expect(trait(fromXML[0], "province") == .string("广东省"))
        #expect(fromXML[1].identifiers == [Identifier(type: "email", value: "ls@example.com")])
        #expect(trait(fromXML[1], "积分") == .number(JSONNumber("120")))

        let json = #"{"data": [{"mobile": "13900139000", "profile": {"gender": "F", "city": "Chengdu"}}]}"#
        let preview = try ImportPreparer.preview(
            source: .bytes(Array(json.utf8), name: "c.json"), options: ImportOptions(kind: .customers))
        #expect(preview.info.format == .json)
        #expect(preview.rows.first?.fields.contains { $0.field == "phone" && $0.value == "+8613900139000" } == true)
        #expect(preview.rows.first?.fields.contains { $0.field == "city" && $0.value == "成都市" } == true)
        #expect(preview.rows.first?.fields.contains { $0.field == "gender" && $0.value == "female" } == true)
    }

    @Test func consumerRejectionsMoveRowsToRejected() async throws {
        let preparer = try ImportPreparer(
            source: .bytes(Array("user_id,date,amount\nu1,2024-01-01,1\nu2,2024-01-02,2\n".utf8), name: "o.csv"),
            options: ImportOptions(kind: .orders))
        let report = try await preparer.run { batch in
            guard case .orders(let orders) = batch else { return [] }
            return [ImportRowRejection(order: orders[1], code: "conflict", message: "store said no")]
        }
        #expect(report.accepted == 1 && report.rejected == 1)
        #expect(report.sampleRejections.first?.raw == "u2,2024-01-02,2")
    }

    @Test func mappingErrorsStopBeforeAnyRow() {
        let mapping = try? ImportMapping.parse(yaml: "fields:\n  user_id: customer\n  placed_at: 9\n  amount: 2\n")
        #expect(throws: PanoramaError.self) {
            _ = try ImportPreparer(
                source: .bytes(Array("id,amount\n1,2\n".utf8), name: "o.csv"),
                options: ImportOptions(kind: .orders, mapping: mapping))
        }
    }

    /// The real CDNOW file: every purchase becomes an order, nothing is lost, and money adds up to the cent.
    @Test func cdnowImportsAsOrders() async throws {
        let path = CDNOWFile.path
        let (expectedRows, expectedCustomers, expectedCents) = try CDNOWFile.totals()
        #expect(expectedRows == 69_659)

        let preparer = try ImportPreparer(
            source: .file(path), options: ImportOptions(kind: .orders, mapping: .cdnowOrders))
        var count = 0
        var cents: Int64 = 0
        var customers: Set<String> = []
        var ids: Set<String> = []
        var first: PreparedOrder?
        let report = try await preparer.run { batch in
            guard case .orders(let orders) = batch else { return [] }
            for order in orders {
                count += 1
                cents += order.amountCents
                customers.insert(order.identifiers[0].value)
                ids.insert(order.externalID)
                if first == nil { first = order }
            }
            return []
        }
        #expect(count == 69_659)
        #expect(customers.count == expectedCustomers && expectedCustomers == 23_570)
        #expect(cents == expectedCents)
        #expect(ids.count == 69_659)
        #expect(report.rowsRead == 69_659 && report.accepted == 69_659 && report.rejected == 0)
        #expect(report.info?.delimiter == .whitespace && report.info?.hasHeader == true)
        #expect(
            first
                == PreparedOrder(
                    line: 2, externalID: "cdnow-00001-19970101-2",
                    identifiers: [Identifier(type: "user_id", value: "00001")], placedAt: shanghai(1997, 1, 1),
                    amountCents: 1177, currency: "USD", quantity: 1, channel: "cdnow"))
    }
}
