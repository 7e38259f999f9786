// The reading and cleaning half of bulk import: reader → mapping → cleaning → typed values in batches.
//
// `ImportPreparer` never writes to a store. It hands batches of `PreparedCustomer`, `PreparedOrder` or
// `PreparedEvent` to a consumer, keeps the `ImportReport`, and writes every rejected row (with its line number,
// reason code, message and original text) to a `RejectedRowsWriter`. A bad row is rejected and the import goes
// on; only a source that cannot be read at all (a missing file, broken JSON or XML structure) stops it.

import Foundation
import PanoramaCore

// MARK: - Prepared values

/// A named trait or property value.
public struct ImportAttribute: Sendable, Equatable {
    public var name: String
    public var value: JSONValue

    public init(name: String, value: JSONValue) {
        self.name = name
        self.value = value
    }
}

/// A customer profile row: normalized identifiers and traits.
public struct PreparedCustomer: Sendable, Equatable {
    /// Source line of the row.
    public var line: Int
    /// Normalized identifiers (at least one).
    public var identifiers: [Identifier]
    /// Traits in mapping order: `name`, `gender` (`male`/`female`/`unknown`), `birthday` (`YYYY-MM-DD`),
    /// `province`, `city`, `district`, `address`, and `traits.<name>` fields.
    public var traits: [ImportAttribute]
    /// Event time of the traits (epoch ms), when mapped (`updated_at`).
    public var updatedAt: Int64?

    public init(line: Int, identifiers: [Identifier], traits: [ImportAttribute], updatedAt: Int64? = nil) {
        self.line = line
        self.identifiers = identifiers
        self.traits = traits
        self.updatedAt = updatedAt
    }
}

/// One line of an order.
public struct PreparedOrderLine: Sendable, Equatable {
    public var sku: String?
    public var name: String?
    public var category: String?
    public var quantity: Int
    public var unitPriceCents: Int64?
    public var discountCents: Int64

    public init(
        sku: String?, name: String?, category: String?, quantity: Int, unitPriceCents: Int64?, discountCents: Int64 = 0
    ) {
        self.sku = sku
        self.name = name
        self.category = category
        self.quantity = quantity
        self.unitPriceCents = unitPriceCents
        self.discountCents = discountCents
    }
}

/// An order, ready to store. Amounts are exact integer cents.
public struct PreparedOrder: Sendable, Equatable {
    /// Source line of the (first) row.
    public var line: Int
    /// Source rows it was built from (several for a multi-line order).
    public var rows: Int
    /// The source's order id, or one derived deterministically from the row (`<prefix>-<customer>-<YYYYMMDD>-<line>`)
    /// so that importing the same file again finds the same orders.
    public var externalID: String
    /// The customer's normalized identifiers (at least one).
    public var identifiers: [Identifier]
    /// When the order was placed, epoch ms.
    public var placedAt: Int64
    /// Order total in cents (negative for refunds).
    public var amountCents: Int64
    /// ISO 4217 code, upper-case (`CNY` unless the mapping, a column or a currency sign says otherwise).
    public var currency: String
    /// Items in the order, when known (the `quantity` column, or the sum over lines).
    public var quantity: Int?
    public var channel: String?
    public var storeID: String?
    /// `pending`, `paid`, `shipped`, `completed`, `cancelled`, `refunded`, or the source's value lower-cased.
    public var status: String?
    /// Order lines, when the mapping has line fields (`sku`, `product_name`, `category`, `unit_price`, `discount`).
    public var lines: [PreparedOrderLine]

    public init(
        line: Int, rows: Int = 1, externalID: String, identifiers: [Identifier], placedAt: Int64, amountCents: Int64,
        currency: String, quantity: Int? = nil, channel: String? = nil, storeID: String? = nil, status: String? = nil,
        lines: [PreparedOrderLine] = []
    ) {
        self.line = line
        self.rows = rows
        self.externalID = externalID
        self.identifiers = identifiers
        self.placedAt = placedAt
        self.amountCents = amountCents
        self.currency = currency
        self.quantity = quantity
        self.channel = channel
        self.storeID = storeID
        self.status = status
        self.lines = lines
    }
}

/// A behavioural event, ready to store.
public struct PreparedEvent: Sendable, Equatable {
    public var line: Int
    /// The source's id, or `<prefix>-<identifier>-<timestamp>-<line>` (deterministic, for idempotent re-imports).
    public var messageID: String
    public var event: String
    /// Epoch ms.
    public var timestamp: Int64
    public var identifiers: [Identifier]
    public var properties: [ImportAttribute]

    public init(
        line: Int, messageID: String, event: String, timestamp: Int64, identifiers: [Identifier],
        properties: [ImportAttribute]
    ) {
        self.line = line
        self.messageID = messageID
        self.event = event
        self.timestamp = timestamp
        self.identifiers = identifiers
        self.properties = properties
    }
}

/// One batch of prepared values.
public enum PreparedBatch: Sendable {
    case customers([PreparedCustomer])
    case orders([PreparedOrder])
    case events([PreparedEvent])

    public var count: Int {
        switch self {
        case .customers(let values): return values.count
        case .orders(let values): return values.count
        case .events(let values): return values.count
        }
    }
}

/// How far an import has got.
public struct ImportProgress: Sendable, Equatable {
    public var rowsRead: Int
    public var bytesRead: Int64
    /// The source size, when known.
    public var totalBytes: Int64?

    /// The part of the source read, from 0 to 1, when its size is known.
    public var share: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, Double(bytesRead) / Double(totalBytes))
    }
}

/// What to import and how.
public struct ImportOptions: Sendable {
    public var kind: ImportKind
    /// The mapping; nil: inferred from the header (or the first records' keys).
    public var mapping: ImportMapping?
    /// The workspace's time zone, for local times (the mapping's `time_zone` wins).
    public var timeZone: String
    /// Rows per batch handed to the consumer.
    public var batchSize: Int
    /// Rejections kept in the report (all of them go to the rejected-rows writer).
    public var sampleRejections: Int

    public init(
        kind: ImportKind, mapping: ImportMapping? = nil, timeZone: String = "Asia/Shanghai", batchSize: Int = 10_000,
        sampleRejections: Int = 20
    ) {
        self.kind = kind
        self.mapping = mapping
        self.timeZone = timeZone
        self.batchSize = batchSize
        self.sampleRejections = sampleRejections
    }
}

/// A preview of an import: what was detected, the mapping used, and the first rows as they would be imported.
public struct ImportPreview: Sendable {
    /// A preview row: the prepared fields as text, or why the row would be rejected.
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var fields: [(field: String, value: String)]
        public var rejection: ImportRowError?

        public static func == (lhs: Row, rhs: Row) -> Bool {
            lhs.line == rhs.line && lhs.rejection == rhs.rejection && lhs.fields.map(\.field) == rhs.fields.map(\.field)
                && lhs.fields.map(\.value) == rhs.fields.map(\.value)
        }
    }

    public var info: ImportSourceInfo
    public var columns: [String]
    public var mapping: ImportMapping
    /// Source columns no field reads.
    public var unmappedColumns: [String]
    public var rows: [Row]
}

// MARK: - The preparer

/// Reads a source, applies the mapping and the cleaners, and yields prepared values in batches.
///
/// Use `run(progress:consumer:)`, or pull batches with `nextBatch()`. One preparer serves one import, from one
/// task; it is not thread-safe.
public final class ImportPreparer {
    /// What the rows become.
    public let kind: ImportKind
    /// The mapping in effect (given, or inferred from the header).
    public private(set) var mapping: ImportMapping
    /// The report so far.
    public private(set) var report: ImportReport

    private let reader: any ImportRecordReader
    private let rejectedRows: RejectedRowsWriter?
    private let batchSize: Int
    private let zone: ImportTimeZone
    private let countryCode: String
    private let idPrefix: String
    private var fields: PreparerFields
    private var resolvedColumnCount = -1
    private var firstBatch: ImportRecordBatch?
    private var lastBatch: ImportRecordBatch?
    private var pendingOrder: PreparedOrder?
    private var readerDone = false
    private var rowFixes: [ImportFixSet] = []
    private var rowDropped: [String] = []

    /// Opens `source` and settles the mapping. Reads the first batch right away: to infer a mapping when none is
    /// given, and to tell day-first from month-first dates. Throws `PanoramaError` (`invalid_mapping`,
    /// `import_file_unreadable`, `invalid_json` …) when the import cannot start.
    public init(source: ImportSource, options: ImportOptions, rejectedRows: RejectedRowsWriter? = nil) throws {
        kind = options.kind
        batchSize = max(1, options.batchSize)
        self.rejectedRows = rejectedRows
        let given = options.mapping
        if let given, let mappedKind = given.kind, mappedKind != options.kind {
            throw PanoramaError.badRequest(
                "invalid_mapping",
                "the mapping is for \(mappedKind.rawValue), not \(options.kind.rawValue)", field: "kind")
        }
        try given?.validate(for: options.kind)
        reader = try ImportReader.open(source, options: given?.reader ?? ImportReaderOptions())
        firstBatch = try reader.nextBatch(maxRecords: batchSize)
        if firstBatch == nil { readerDone = true }

        var mapping = given ?? ImportMapping.infer(header: reader.columns, kind: options.kind)
        mapping.kind = options.kind
        if given == nil {
            mapping.reader.format = reader.info.format
            mapping.unmappedPrefix =
                options.kind == .customers ? "traits." : options.kind == .events ? "properties." : nil
        }
        self.mapping = mapping
        let zoneName = mapping.timeZone ?? options.timeZone
        guard let zone = ImportTimeZone(identifier: zoneName) else {
            throw PanoramaError.badRequest(
                "invalid_mapping", "time zone '\(zoneName)' is not an IANA zone such as Asia/Shanghai",
                field: "time_zone")
        }
        self.zone = zone
        countryCode = mapping.countryCode ?? "86"
        idPrefix = mapping.idPrefix ?? Self.prefix(fromName: source.name)
        fields = PreparerFields()
        report = ImportReport(kind: options.kind, source: source.name)
        report.sampleLimit = options.sampleRejections
        report.info = reader.info
        report.rejectedRowsPath = rejectedRows?.path
        try resolve()
        if let firstBatch { sniffDateOrders(firstBatch) }
    }

    /// The source's columns (for JSON and XML: the keys seen so far).
    public var columns: [String] { reader.columns }

    /// Format, encoding, delimiter and header as detected.
    public var sourceInfo: ImportSourceInfo { reader.info }

    /// Rows and bytes read so far.
    public var progress: ImportProgress {
        ImportProgress(rowsRead: report.rowsRead, bytesRead: reader.bytesRead, totalBytes: reader.totalBytes)
    }

    /// Prepares everything, handing each batch to `consumer`, which stores it and returns the rows it could not
    /// take (they are moved from accepted to rejected and written to the rejected rows). `progress` is called after
    /// each batch. Returns the final report; the rejected-rows writer is flushed and closed.
    public func run(
        progress: ((ImportProgress) -> Void)? = nil,
        consumer: (PreparedBatch) async throws -> [ImportRowRejection]
    ) async throws -> ImportReport {
        let started = DispatchTime.now().uptimeNanoseconds
        while let batch = try nextBatch() {
            let failures = try await consumer(batch)
            for failure in failures { reject(failure) }
            progress?(self.progress)
        }
        try rejectedRows?.close()
        report.elapsedSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return report
    }

    /// Records a row the consumer could not store: moves it from accepted to rejected and writes it out.
    public func reject(_ failure: ImportRowRejection) {
        var failure = failure
        if failure.raw.isEmpty, let batch = lastBatch, let index = batch.lines.firstIndex(of: failure.line) {
            failure.raw = batch.raw(index)
        }
        report.accepted -= failure.rows
        record(failure)
    }

    /// The next batch of prepared values; nil when the source is exhausted. Rows that cannot be prepared are
    /// rejected on the way (see `report`).
    public func nextBatch() throws -> PreparedBatch? {
        while true {
            let batch: ImportRecordBatch
            if let first = firstBatch {
                batch = first
                firstBatch = nil
            } else if !readerDone, let next = try reader.nextBatch(maxRecords: batchSize) {
                batch = next
            } else {
                readerDone = true
                report.bytesRead = reader.bytesRead
                report.info = reader.info
                guard let order = pendingOrder else { return nil }
                pendingOrder = nil
                report.prepared += 1
                return .orders([order])
            }
            lastBatch = batch
            if reader.columns.count != resolvedColumnCount { try resolve() }
            let prepared = prepare(batch)
            report.bytesRead = reader.bytesRead
            if prepared.count > 0 {
                report.prepared += prepared.count
                return prepared
            }
        }
    }

    /// The detected source, the mapping and the first `rows` rows as they would be imported; nothing is stored.
    public static func preview(source: ImportSource, options: ImportOptions, rows: Int = 10) throws -> ImportPreview {
        var options = options
        options.batchSize = max(1, rows)
        let preparer = try ImportPreparer(source: source, options: options)
        var previewRows: [ImportPreview.Row] = []
        if let batch = try preparer.nextBatch() {
            switch batch {
            case .customers(let values): previewRows = values.map(Self.previewRow)
            case .orders(let values): previewRows = values.map(Self.previewRow)
            case .events(let values): previewRows = values.map(Self.previewRow)
            }
        }
        for rejection in preparer.report.sampleRejections {
            previewRows.append(
                ImportPreview.Row(
                    line: rejection.line, fields: [],
                    rejection: ImportRowError(code: rejection.code, message: rejection.message)))
        }
        previewRows.sort { $0.line < $1.line }
        let used = Set(preparer.fields.all.compactMap(\.column))
        let unmapped = preparer.columns.enumerated().filter { !used.contains($0.offset) }.map(\.element)
        return ImportPreview(
            info: preparer.sourceInfo, columns: preparer.columns, mapping: preparer.mapping, unmappedColumns: unmapped,
            rows: Array(previewRows.prefix(rows)))
    }

    // MARK: - Resolving the mapping against the columns

    private func resolve() throws {
        let columns = reader.columns
        let fixedColumns = reader.info.format == .csv
        var resolved: [ResolvedField] = []
        var used: Set<Int> = []
        for field in mapping.fields {
            guard let role = ImportFieldCatalog.role(of: field.field, kind: kind) else { continue }
            var index: Int?
            switch field.column {
            case .position(let position)?:
                if position > columns.count && fixedColumns {
                    throw PanoramaError.badRequest(
                        "invalid_mapping",
                        "'\(field.field)' reads column #\(position), but the file has \(columns.count) columns",
                        field: "fields.\(field.field)")
                }
                index = position <= columns.count ? position - 1 : nil
            case .name(let name)?:
                index =
                    columns.firstIndex(of: name)
                    ?? columns.firstIndex { ImportMapping.headerKey($0) == ImportMapping.headerKey(name) }
                if index == nil && fixedColumns {
                    throw PanoramaError.badRequest(
                        "invalid_mapping",
                        "'\(field.field)' reads column '\(name)', which is not in the header ("
                            + columns.prefix(30).joined(separator: ", ") + ")",
                        field: "fields.\(field.field)")
                }
            case nil:
                index = nil
            }
            if let index { used.insert(index) }
            resolved.append(ResolvedField(mapping: field, role: role, column: index))
        }
        if let prefix = mapping.unmappedPrefix {
            let taken = Set(mapping.fields.map(\.field))
            for (index, name) in columns.enumerated() where !used.contains(index) {
                let field = prefix + ImportMapping.traitName(name)
                guard !taken.contains(field), let role = ImportFieldCatalog.role(of: field, kind: kind) else {
                    continue
                }
                resolved.append(
                    ResolvedField(
                        mapping: ImportFieldMapping(field: field, column: .name(name)), role: role, column: index))
            }
        }
        var dayFirst: [String: Bool] = [:]
        for field in fields.all { if let order = field.dayFirst { dayFirst[field.mapping.field] = order } }
        fields = PreparerFields(resolved, dayFirst: dayFirst, mappingDayFirst: mapping.dayFirst)
        resolvedColumnCount = columns.count
    }

    /// Decides day-first vs month-first for date columns that do not say, from the first batch: a value such as
    /// `15/07/2024` can only be day-first. Columns whose values never tell stay undecided (ambiguous values are
    /// then rejected with `ambiguous_date`).
    private func sniffDateOrders(_ batch: ImportRecordBatch) {
        guard mapping.dayFirst == nil else { return }
        for index in fields.all.indices {
            let field = fields.all[index]
            guard field.isDate, field.dayFirst == nil,
                field.mapping.dateFormat == nil || field.mapping.dateFormat == .auto,
                let column = field.column
            else { continue }
            var evidence: Bool?
            for row in 0..<batch.count {
                guard let value = batch.value(row, column) else { continue }
                if let order = ImportCleaner.dateOrderEvidence(value) {
                    if evidence == nil { evidence = order } else if evidence != order { evidence = nil; break }
                }
            }
            if let evidence { fields.setDayFirst(evidence, at: index) }
        }
    }

    // MARK: - Preparing rows

    private func prepare(_ batch: ImportRecordBatch) -> PreparedBatch {
        report.blankLines += batch.blankLines
        switch kind {
        case .customers:
            var output: [PreparedCustomer] = []
            output.reserveCapacity(batch.count)
            forEachRow(batch) { (index) throws(ImportRowError) in output.append(try customer(batch, index)) }
            return .customers(output)
        case .orders:
            var output: [PreparedOrder] = []
            output.reserveCapacity(batch.count)
            forEachRow(batch) { (index) throws(ImportRowError) in
                let order = try self.order(batch, index)
                if let grouped = group(order) { output.append(grouped) }
            }
            if readerDone, let order = pendingOrder {
                pendingOrder = nil
                output.append(order)
            }
            return .orders(output)
        case .events:
            var output: [PreparedEvent] = []
            output.reserveCapacity(batch.count)
            forEachRow(batch) { (index) throws(ImportRowError) in output.append(try event(batch, index)) }
            return .events(output)
        }
    }

    /// Runs `body` for each readable row, accounting for accepted, fixed and rejected rows.
    @inline(__always)
    private func forEachRow(_ batch: ImportRecordBatch, _ body: (Int) throws(ImportRowError) -> Void) {
        for index in 0..<batch.count {
            report.rowsRead += 1
            if let problem = batch.problem(index) {
                record(
                    ImportRowRejection(
                        line: batch.lines[index], code: problem.code, message: problem.message, raw: batch.raw(index)))
                continue
            }
            rowFixes.removeAll(keepingCapacity: true)
            rowDropped.removeAll(keepingCapacity: true)
            do throws(ImportRowError) {
                try body(index)
            } catch {
                record(
                    ImportRowRejection(
                        line: batch.lines[index], code: error.code, message: error.message, raw: batch.raw(index)))
                continue
            }
            report.accepted += 1
            if !rowFixes.isEmpty || !rowDropped.isEmpty {
                report.fixedRows += 1
                for fixes in rowFixes { report.add(fixes) }
                for code in rowDropped { report.dropped[code, default: 0] += 1 }
            }
        }
    }

    private func record(_ rejection: ImportRowRejection) {
        report.recordRejection(rejection)
        rejectedRows?.write(rejection)
    }

    @inline(__always)
    private func noteFixes(_ fixes: ImportFixSet) {
        if fixes.rawValue != 0 { rowFixes.append(fixes) }
    }

    /// The trimmed, width-folded text of `field` in row `index`, or its default; nil when both are empty.
    @inline(__always)
    private func text(_ field: ResolvedField, _ batch: ImportRecordBatch, _ index: Int) -> String? {
        if let column = field.column, let raw = batch.value(index, column), !raw.isEmpty {
            let (cleaned, fixes) = ImportCleaner.text(raw)
            if !cleaned.isEmpty {
                noteFixes(fixes)
                return cleaned
            }
        }
        if let value = field.mapping.defaultValue, !value.isEmpty { return value }
        return nil
    }

    /// Runs a cleaner on a field's value; on failure drops the value (counted) or rejects the row, per the field's
    /// policy (`policy` is the field kind's default).
    @inline(__always)
    private func clean<T>(
        _ field: ResolvedField, _ value: String, policy: ImportInvalidPolicy,
        _ cleaner: (String) throws(ImportRowError) -> (T, ImportFixSet)
    ) throws(ImportRowError) -> T? {
        do throws(ImportRowError) {
            let (result, fixes) = try cleaner(value)
            noteFixes(fixes)
            return result
        } catch {
            if (field.mapping.onInvalid ?? policy) == .drop {
                rowDropped.append(error.code)
                return nil
            }
            throw ImportRowError(code: error.code, message: field.label + ": " + error.message)
        }
    }

    private func identifiers(_ batch: ImportRecordBatch, _ index: Int) throws(ImportRowError) -> [Identifier] {
        var result: [Identifier] = []
        var firstError: ImportRowError?
        for field in fields.identifiers {
            guard let type = field.identifierType, let value = text(field, batch, index) else { continue }
            do throws(ImportRowError) {
                let (normalized, fixes) = try ImportCleaner.identifier(
                    kind: field.identifierKind, type: type, value, countryCode: countryCode)
                noteFixes(fixes)
                if !result.contains(where: { $0.type == type && $0.value == normalized }) {
                    result.append(Identifier(type: type, value: normalized))
                }
            } catch {
                let labeled = ImportRowError(code: error.code, message: field.label + ": " + error.message)
                if field.mapping.onInvalid == .reject { throw labeled }
                rowDropped.append(error.code)
                if firstError == nil { firstError = labeled }
            }
        }
        if result.isEmpty {
            if let firstError { throw firstError }
            throw ImportRowError(
                code: "missing_identifier",
                message: fields.identifiers.isEmpty
                    ? "no identifier is mapped; map at least one of user_id, email, phone, id_number …"
                    : "row has no identifier (" + fields.identifiers.map(\.label).joined(separator: ", ") + " empty)")
        }
        return result
    }

    private func instant(_ field: ResolvedField, _ value: String, policy: ImportInvalidPolicy) throws(ImportRowError)
        -> Int64?
    {
        let format = field.mapping.dateFormat ?? .auto
        let dayFirst = field.dayFirst
        let zone = self.zone
        return try clean(field, value, policy: policy) { (text) throws(ImportRowError) in
            let (date, fixes) = try ImportCleaner.date(text, format: format, dayFirst: dayFirst)
            return (date.instant(in: zone), fixes)
        }
    }

    // MARK: Customers

    private func customer(_ batch: ImportRecordBatch, _ index: Int) throws(ImportRowError) -> PreparedCustomer {
        let identifiers = try identifiers(batch, index)
        var traits: [ImportAttribute] = []
        var updatedAt: Int64?
        var provinceIndex: Int?
        var cityProvince: String?
        for field in fields.attributes {
            guard let value = text(field, batch, index) else { continue }
            switch field.role {
            case .customer("gender"):
                if let gender = try clean(field, value, policy: .drop, ImportCleaner.gender) {
                    traits.append(ImportAttribute(name: "gender", value: .string(gender.rawValue)))
                }
            case .customer("birthday"):
                let format = field.mapping.dateFormat ?? .auto
                let dayFirst = field.dayFirst
                if let date = try clean(
                    field, value, policy: .drop,
                    { (text) throws(ImportRowError) in
                        try ImportCleaner.calendarDate(text, format: format, dayFirst: dayFirst)
                    })
                {
                    traits.append(ImportAttribute(name: "birthday", value: .string(date)))
                }
            case .customer("province"):
                let canonical = ImportCleaner.province(value)
                if let canonical { noteFixes(canonical.1) }
                provinceIndex = traits.count
                traits.append(ImportAttribute(name: "province", value: .string(canonical?.0 ?? value)))
            case .customer("city"):
                if let city = ImportCleaner.city(value) {
                    noteFixes(city.fixes)
                    cityProvince = city.province
                    traits.append(ImportAttribute(name: "city", value: .string(city.city)))
                } else {
                    traits.append(ImportAttribute(name: "city", value: .string(value)))
                }
            case .customer("updated_at"):
                updatedAt = try instant(field, value, policy: .drop)
            case .customer(let name):
                traits.append(ImportAttribute(name: name, value: .string(value)))
            case .trait(let name):
                if let attribute = try typedValue(field, value) {
                    traits.append(ImportAttribute(name: name, value: attribute))
                }
            default:
                continue
            }
        }
        if provinceIndex == nil, let cityProvince {
            traits.append(ImportAttribute(name: "province", value: .string(cityProvince)))
            noteFixes(ImportFixSet(.provinceFromCity))
        }
        return PreparedCustomer(
            line: batch.lines[index], identifiers: identifiers, traits: traits, updatedAt: updatedAt)
    }

    private func typedValue(_ field: ResolvedField, _ value: String) throws(ImportRowError) -> JSONValue? {
        let type = field.mapping.type ?? .auto
        let zone = self.zone
        let dayFirst = field.dayFirst
        return try clean(field, value, policy: .drop) { (text) throws(ImportRowError) in
            try ImportCleaner.value(text, type: type, zone: zone, dayFirst: dayFirst)
        }
    }

    // MARK: Orders

    private func order(_ batch: ImportRecordBatch, _ index: Int) throws(ImportRowError) -> PreparedOrder {
        let line = batch.lines[index]
        let identifiers = try identifiers(batch, index)
        let slots = fields.order

        guard let placedField = slots.placedAt, let placedText = text(placedField, batch, index) else {
            throw ImportRowError(
                code: "missing_placed_at", message: "placed_at is empty or not mapped; an order needs its time")
        }
        var placedDate = ImportDate(year: 1970, month: 1, day: 1)
        let format = placedField.mapping.dateFormat ?? .auto
        let dayFirst = placedField.dayFirst
        guard
            let placedAt = try clean(
                placedField, placedText, policy: .reject,
                { (text) throws(ImportRowError) in
                    let (date, fixes) = try ImportCleaner.date(text, format: format, dayFirst: dayFirst)
                    placedDate = date
                    return (date.instant(in: zone), fixes)
                })
        else {
            throw ImportRowError(code: "missing_placed_at", message: placedField.label + ": not a usable date")
        }

        var currency: String?
        var amount: Int64?
        if let field = slots.amount, let value = text(field, batch, index) {
            if let parsed = try clean(
                field, value, policy: .reject,
                { (text) throws(ImportRowError) in
                    let parsed = try ImportCleaner.amount(text)
                    return ((parsed.cents, parsed.currency), parsed.fixes)
                })
            {
                amount = parsed.0
                currency = parsed.1
            }
        }
        if let field = slots.currency, let value = text(field, batch, index) {
            let code =
                value.utf8.count == 3 && value.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A })
                ? value : value.uppercased()
            guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                throw ImportRowError(
                    code: "invalid_currency", message: field.label + ": '\(value)' is not an ISO 4217 code such as CNY")
            }
            currency = code
        }
        var quantity: Int?
        if let field = slots.quantity, let value = text(field, batch, index) {
            quantity = try clean(field, value, policy: .reject, ImportCleaner.quantity)
        }
        var orderLines: [PreparedOrderLine] = []
        if slots.hasLine {
            var unitPrice: Int64?
            if let field = slots.unitPrice, let value = text(field, batch, index) {
                unitPrice = try clean(field, value, policy: .reject) { (text) throws(ImportRowError) in
                    let parsed = try ImportCleaner.amount(text)
                    return (parsed.cents, parsed.fixes)
                }
            }
            var discount: Int64 = 0
            if let field = slots.discount, let value = text(field, batch, index) {
                discount =
                    try clean(field, value, policy: .reject) { (text) throws(ImportRowError) in
                        let parsed = try ImportCleaner.amount(text)
                        return (parsed.cents, parsed.fixes)
                    } ?? 0
            }
            orderLines.append(
                PreparedOrderLine(
                    sku: slots.sku.flatMap { text($0, batch, index) },
                    name: slots.productName.flatMap { text($0, batch, index) },
                    category: slots.category.flatMap { text($0, batch, index) }, quantity: quantity ?? 1,
                    unitPriceCents: unitPrice, discountCents: discount))
            if amount == nil, let unitPrice {
                amount = unitPrice * Int64(quantity ?? 1) - discount
            }
        }
        guard let amountCents = amount else {
            throw ImportRowError(
                code: "missing_amount",
                message: slots.amount == nil && slots.unitPrice == nil
                    ? "no amount is mapped; map amount (or unit_price)" : "amount is empty")
        }
        let externalID: String
        if let field = slots.orderID, let value = text(field, batch, index) {
            externalID = value
        } else {
            externalID = derivedID(identifier: identifiers[0].value, date: placedDate, line: line)
        }
        var status: String?
        if let field = slots.status, let value = text(field, batch, index) {
            let (canonical, fixes) = ImportCleaner.orderStatus(value)
            noteFixes(fixes)
            status = canonical
        }
        return PreparedOrder(
            line: line, externalID: externalID, identifiers: identifiers, placedAt: placedAt, amountCents: amountCents,
            currency: currency ?? "CNY", quantity: quantity,
            channel: slots.channel.flatMap { text($0, batch, index) },
            storeID: slots.storeID.flatMap { text($0, batch, index) }, status: status, lines: orderLines)
    }

    /// Consecutive rows with the same order id become one order (when the mapping has an order id and line
    /// fields); returns the order that is complete, if any.
    private func group(_ order: PreparedOrder) -> PreparedOrder? {
        guard mapping.groupOrderLines, fields.order.orderID != nil, fields.order.hasLine else { return order }
        guard var pending = pendingOrder else {
            pendingOrder = order
            return nil
        }
        if pending.externalID == order.externalID {
            pending.rows += 1
            pending.lines.append(contentsOf: order.lines)
            if fields.order.amount == nil { pending.amountCents += order.amountCents }
            if let quantity = order.quantity { pending.quantity = (pending.quantity ?? 0) + quantity }
            pendingOrder = pending
            return nil
        }
        pendingOrder = order
        return pending
    }

    /// `<prefix>-<identifier>-<YYYYMMDD>-<line>`.
    private func derivedID(identifier: String, date: ImportDate, line: Int) -> String {
        var id = idPrefix
        id.reserveCapacity(idPrefix.utf8.count + identifier.utf8.count + 24)
        id += "-"
        id += identifier
        id += "-"
        var digits: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        var year = date.year
        for position in stride(from: 3, through: 0, by: -1) {
            digits[position] = UInt8(0x30 + year % 10)
            year /= 10
        }
        digits[4] = UInt8(0x30 + date.month / 10)
        digits[5] = UInt8(0x30 + date.month % 10)
        digits[6] = UInt8(0x30 + date.day / 10)
        digits[7] = UInt8(0x30 + date.day % 10)
        id += String(decoding: digits, as: UTF8.self)
        id += "-"
        id += String(line)
        return id
    }

    // MARK: Events

    private func event(_ batch: ImportRecordBatch, _ index: Int) throws(ImportRowError) -> PreparedEvent {
        let line = batch.lines[index]
        let identifiers = try identifiers(batch, index)
        let slots = fields.event
        guard let eventField = slots.event, let name = text(eventField, batch, index) else {
            throw ImportRowError(code: "missing_event", message: "event is empty or not mapped; an event needs a name")
        }
        guard let timeField = slots.timestamp, let timeText = text(timeField, batch, index) else {
            throw ImportRowError(code: "missing_timestamp", message: "timestamp is empty or not mapped")
        }
        guard let timestamp = try instant(timeField, timeText, policy: .reject) else {
            throw ImportRowError(code: "missing_timestamp", message: timeField.label + ": not a usable time")
        }
        var properties: [ImportAttribute] = []
        for field in fields.attributes {
            guard case .property(let property) = field.role, let value = text(field, batch, index) else { continue }
            if let typed = try typedValue(field, value) {
                properties.append(ImportAttribute(name: property, value: typed))
            }
        }
        let messageID =
            slots.messageID.flatMap { text($0, batch, index) }
            ?? "\(idPrefix)-\(identifiers[0].value)-\(timestamp)-\(line)"
        return PreparedEvent(
            line: line, messageID: messageID, event: name, timestamp: timestamp, identifiers: identifiers,
            properties: properties)
    }

    // MARK: Preview rendering

    private static func previewRow(_ customer: PreparedCustomer) -> ImportPreview.Row {
        var cells = customer.identifiers.map { (field: $0.type, value: $0.value) }
        cells += customer.traits.map { (field: $0.name, value: $0.value.stringValue ?? $0.value.jsonText) }
        if let updatedAt = customer.updatedAt { cells.append(("updated_at", Timestamp.format(millis: updatedAt))) }
        return ImportPreview.Row(line: customer.line, fields: cells, rejection: nil)
    }

    private static func previewRow(_ order: PreparedOrder) -> ImportPreview.Row {
        var cells: [(field: String, value: String)] = [("order_id", order.externalID)]
        cells += order.identifiers.map { (field: $0.type, value: $0.value) }
        cells.append(("placed_at", Timestamp.format(millis: order.placedAt)))
        cells.append(("amount", formatCents(order.amountCents)))
        cells.append(("currency", order.currency))
        if let quantity = order.quantity { cells.append(("quantity", String(quantity))) }
        if let channel = order.channel { cells.append(("channel", channel)) }
        if let storeID = order.storeID { cells.append(("store_id", storeID)) }
        if let status = order.status { cells.append(("status", status)) }
        for (position, line) in order.lines.enumerated() {
            let prefix = "lines[\(position)]."
            if let sku = line.sku { cells.append((prefix + "sku", sku)) }
            if let name = line.name { cells.append((prefix + "product_name", name)) }
            if let category = line.category { cells.append((prefix + "category", category)) }
            cells.append((prefix + "quantity", String(line.quantity)))
            if let price = line.unitPriceCents { cells.append((prefix + "unit_price", formatCents(price))) }
            if line.discountCents != 0 { cells.append((prefix + "discount", formatCents(line.discountCents))) }
        }
        return ImportPreview.Row(line: order.line, fields: cells, rejection: nil)
    }

    private static func previewRow(_ event: PreparedEvent) -> ImportPreview.Row {
        var cells: [(field: String, value: String)] = [("message_id", event.messageID), ("event", event.event)]
        cells.append(("timestamp", Timestamp.format(millis: event.timestamp)))
        cells += event.identifiers.map { (field: $0.type, value: $0.value) }
        cells += event.properties.map {
            (field: "properties." + $0.name, value: $0.value.stringValue ?? $0.value.jsonText)
        }
        return ImportPreview.Row(line: event.line, fields: cells, rejection: nil)
    }

    /// `1234.50` for 123450 cents.
    public static func formatCents(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return sign + String(magnitude / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// A derived-id prefix from a file name: `CDNOW_master.txt` → `cdnow_master`.
    static func prefix(fromName name: String) -> String {
        let stem = (name as NSString).deletingPathExtension.lowercased()
        let cleaned = String(
            String.UnicodeScalarView(
                stem.unicodeScalars.map { scalar in
                    scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
                        ? scalar : "-"
                }))
        return cleaned.isEmpty ? "import" : cleaned
    }
}

// MARK: - Resolved fields

/// A mapped field with its column index in the current source. A class: the row loop reads fields many times
/// per row, and a reference costs one retain where a struct of strings costs one per member.
final class ResolvedField {
    let mapping: ImportFieldMapping
    let role: ImportFieldCatalog.Role
    let column: Int?
    var dayFirst: Bool?
    /// `placed_at (column 'date')`, for messages.
    let label: String

    /// For identifier fields: the identifier type, and which normalizer it takes.
    let identifierType: String?
    let identifierKind: ImportCleaner.IdentifierKind

    init(mapping: ImportFieldMapping, role: ImportFieldCatalog.Role, column: Int?) {
        self.mapping = mapping
        self.role = role
        self.column = column
        label = mapping.column.map { "\(mapping.field) (column \($0))" } ?? mapping.field
        if case .identifier(let type) = role {
            identifierType = type
            identifierKind = ImportCleaner.IdentifierKind(type: type)
        } else {
            identifierType = nil
            identifierKind = .generic
        }
    }

    var isDate: Bool {
        switch role {
        case .order("placed_at"), .event("timestamp"), .customer("birthday"), .customer("updated_at"): return true
        case .trait, .property: return mapping.type == .date || mapping.type == .datetime
        default: return false
        }
    }
}

/// Resolved fields sorted into the slots each kind reads.
struct PreparerFields {
    struct OrderSlots {
        var orderID, placedAt, amount, currency, quantity, channel, storeID, status: ResolvedField?
        var sku, productName, category, unitPrice, discount: ResolvedField?
        var hasLine: Bool { sku != nil || productName != nil || category != nil || unitPrice != nil || discount != nil }
    }

    struct EventSlots {
        var event, timestamp, messageID: ResolvedField?
    }

    private(set) var all: [ResolvedField] = []
    private(set) var identifiers: [ResolvedField] = []
    /// Customer fields, traits and properties, in mapping order.
    private(set) var attributes: [ResolvedField] = []
    private(set) var order = OrderSlots()
    private(set) var event = EventSlots()

    init() {}

    init(_ fields: [ResolvedField], dayFirst: [String: Bool], mappingDayFirst: Bool?) {
        all = fields.map { field in
            field.dayFirst = mappingDayFirst ?? dayFirst[field.mapping.field]
            switch field.mapping.dateFormat {
            case .dmy?: field.dayFirst = true
            case .mdy?: field.dayFirst = false
            default: break
            }
            return field
        }
        rebuild()
    }

    mutating func setDayFirst(_ value: Bool, at index: Int) {
        all[index].dayFirst = value
        rebuild()
    }

    private mutating func rebuild() {
        identifiers = []
        attributes = []
        order = OrderSlots()
        event = EventSlots()
        for field in all {
            switch field.role {
            case .identifier: identifiers.append(field)
            case .customer, .trait, .property: attributes.append(field)
            case .order(let name):
                switch name {
                case "order_id": order.orderID = field
                case "placed_at": order.placedAt = field
                case "amount": order.amount = field
                case "currency": order.currency = field
                case "quantity": order.quantity = field
                case "channel": order.channel = field
                case "store_id": order.storeID = field
                case "status": order.status = field
                case "sku": order.sku = field
                case "product_name": order.productName = field
                case "category": order.category = field
                case "unit_price": order.unitPrice = field
                case "discount": order.discount = field
                default: break
                }
            case .event(let name):
                switch name {
                case "event": event.event = field
                case "timestamp": event.timestamp = field
                case "message_id": event.messageID = field
                default: break
                }
            }
        }
    }
}
