// Field mapping for bulk import: which source column feeds which Panorama field, how to read the source, and
// the options cleaning needs. Loaded from a small JSON or YAML file, or inferred from the header.

import Foundation
import PanoramaCore
import Yams

/// What an import creates.
public enum ImportKind: String, Sendable, CaseIterable, Codable {
    case customers, orders, events
}

/// A source column: by name (CSV header cell, or dotted JSON/XML key path such as `address.city`) or by 1-based
/// position (files without a header).
public enum ImportColumn: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case position(Int)

    /// `'手机号'` or `#2`.
    public var description: String {
        switch self {
        case .name(let name): return "'\(name)'"
        case .position(let position): return "#\(position)"
        }
    }
}

/// What happens to a row whose value in a field cannot be cleaned.
public enum ImportInvalidPolicy: String, Sendable, CaseIterable {
    /// The row goes to the rejected rows with the reason.
    case reject
    /// The field is left out of the row (counted under `dropped` in the report); the row is kept.
    case drop
}

/// How a date column is written, for columns that should not be guessed value by value.
public enum ImportDateFormat: String, Sendable, CaseIterable {
    /// Any supported form (see `ImportCleaner.date`); DD/MM vs MM/DD decided by the values or `day_first`.
    case auto
    /// Year first: `2024-07-15`, `2024/7/15 13:05`, `2024年7月15日`, ISO-8601.
    case ymd
    /// Day first: `15/07/2024`, `15.07.2024 13:05`.
    case dmy
    /// Month first: `07/15/2024`.
    case mdy
    /// Eight digits `20240715` (as in CDNOW).
    case yyyymmdd
    /// Excel serial day numbers (`45488`, `45488.5`).
    case excel
    /// Unix epoch seconds.
    case unixSeconds = "unix_s"
    /// Unix epoch milliseconds.
    case unixMillis = "unix_ms"
}

/// The JSON type a trait or property value gets.
public enum ImportValueType: String, Sendable, CaseIterable {
    /// Numbers written plainly (`30`, `12.5`, no leading zeros) and `true`/`false` get those types; else text.
    case auto
    case string, number, integer, boolean
    /// A calendar date, stored as `YYYY-MM-DD`.
    case date
    /// An instant, stored as ISO-8601 UTC.
    case datetime
    /// The value is JSON text (e.g. an array from a JSON source).
    case json
}

/// One target field and where its value comes from.
public struct ImportFieldMapping: Sendable, Equatable {
    /// The Panorama field (`phone`, `placed_at`, `traits.vip_level` …; see `ImportMapping`).
    public var field: String
    /// The source column; nil when the field only has a `defaultValue`.
    public var column: ImportColumn?
    /// Used when the column is missing or empty (a constant when there is no column).
    public var defaultValue: String?
    /// For date fields: how the column is written.
    public var dateFormat: ImportDateFormat?
    /// For traits and properties: the value type.
    public var type: ImportValueType?
    /// Overrides the field's default policy for values that cannot be cleaned.
    public var onInvalid: ImportInvalidPolicy?

    public init(
        field: String, column: ImportColumn?, defaultValue: String? = nil, dateFormat: ImportDateFormat? = nil,
        type: ImportValueType? = nil, onInvalid: ImportInvalidPolicy? = nil
    ) {
        self.field = field
        self.column = column
        self.defaultValue = defaultValue
        self.dateFormat = dateFormat
        self.type = type
        self.onInvalid = onInvalid
    }
}

/// A mapping from source columns to Panorama fields, plus how to read the source.
///
/// Target fields, by kind:
/// - every kind — identifiers: `user_id`, `email`, `phone`, `id_number` (Chinese resident ID, checksum-validated),
///   `wechat_unionid`, `wechat_openid`, `device_id`, `anonymous_id`, and `identifiers.<type>` for custom types
///   (`identifiers.crm_id`). A row needs at least one valid identifier.
/// - `customers`: `name`, `gender` (→ `male`/`female`/`unknown`), `birthday` (→ `YYYY-MM-DD`), `province`, `city`
///   (canonical names, e.g. `北京市`), `district`, `address`, `updated_at` (event time of the traits), and any
///   `traits.<name>`.
/// - `orders`: `order_id` (external id; derived from the row when absent), `placed_at` (required), `amount`
///   (order total; required unless line prices give it), `currency`, `quantity`, `channel`, `store_id`, `status`,
///   and for one order line per row `sku`, `product_name`, `category`, `unit_price`, `discount`. Consecutive rows
///   with the same `order_id` become one order with several lines (`group_order_lines`).
/// - `events`: `event` (name, required), `timestamp` (required), `message_id` (derived when absent), and any
///   `properties.<name>`.
///
/// The file format (YAML shown; the same keys in JSON work too), here for CDNOW's `CDNOW_master.txt`, whose
/// columns are whitespace-aligned `customer_id date number_of_cds dollar_value`:
///
/// ```yaml
/// kind: orders
/// format: csv
/// delimiter: whitespace      # , ; tab | whitespace — sniffed when left out
/// header: true               # the shipped file has a header line; positions work either way
/// id_prefix: cdnow           # derived order ids: cdnow-<customer>-<YYYYMMDD>-<line>
/// fields:
///   user_id: 1               # a number is a 1-based column position ...
///   placed_at: { column: 2, format: yyyymmdd }
///   quantity: 3
///   amount: 4                # ... a string is a header name: `amount: dollar_value` is the same here
///   currency: { value: USD } # a constant
///   channel: { value: cdnow }
/// ```
///
/// Other top-level keys: `encoding` (`auto`, `utf-8`, `gb18030`, `utf-16le`), `json_records` (key path of the
/// records array), `xml_record` (record element name), `time_zone` (for times without a zone; default the
/// workspace's, Asia/Shanghai), `day_first` (`15/07/2024` vs `07/15/2024`), `country_code` (for phones without one;
/// default 86), `group_order_lines` (default true), `earn_points` (default false: imported orders are history; true
/// settles each with loyalty, points and tiers, like an order of the API: per order, so slower), `unmapped` (`ignore`, or `traits`/`properties` to keep the
/// other columns), and `defaults` (a map of field → constant used when a column is empty). A field's long form
/// takes `column`, `value` (default/constant), `format` (dates), `type` (traits and properties: `auto`,
/// `string`, `number`, `integer`, `boolean`, `date`, `datetime`, `json`) and `on_invalid` (`reject` or `drop`).
public struct ImportMapping: Sendable, Equatable {
    /// What the rows become; the CLI and API may give it instead.
    public var kind: ImportKind?
    /// How to read the source; unset parts are detected.
    public var reader: ImportReaderOptions
    /// Field mappings in file order.
    public var fields: [ImportFieldMapping]
    /// IANA zone for local times; nil: the workspace's.
    public var timeZone: String?
    /// Day-first (`true`) or month-first (`false`) for ambiguous slash dates; nil: decided from the values.
    public var dayFirst: Bool?
    /// Country calling code for phones written without one; nil: 86.
    public var countryCode: String?
    /// Prefix of derived order ids and event message ids; nil: the file name without extension.
    public var idPrefix: String?
    /// Whether consecutive rows with the same `order_id` form one multi-line order.
    public var groupOrderLines: Bool
    /// Whether imported orders are settled by loyalty (points, tiers) like orders from the API
    /// (one by one: a bulk import without it is about 50 times faster).
    public var earnPoints: Bool
    /// Where columns without a mapping go: nowhere (`nil`), or `traits.` / `properties.` (customers / events).
    public var unmappedPrefix: String?

    public init(
        kind: ImportKind? = nil, reader: ImportReaderOptions = ImportReaderOptions(), fields: [ImportFieldMapping] = [],
        timeZone: String? = nil, dayFirst: Bool? = nil, countryCode: String? = nil, idPrefix: String? = nil,
        groupOrderLines: Bool = true, earnPoints: Bool = false, unmappedPrefix: String? = nil
    ) {
        self.kind = kind
        self.reader = reader
        self.fields = fields
        self.timeZone = timeZone
        self.dayFirst = dayFirst
        self.countryCode = countryCode
        self.idPrefix = idPrefix
        self.groupOrderLines = groupOrderLines
        self.earnPoints = earnPoints
        self.unmappedPrefix = unmappedPrefix
    }

    /// The mapping for CDNOW's `CDNOW_master.txt` (see the type's documentation): one order per row, in US
    /// dollars, with ids derived as `cdnow-<customer_id>-<YYYYMMDD>-<line>`.
    public static let cdnowOrders = ImportMapping(
        kind: .orders, reader: ImportReaderOptions(format: .csv, delimiter: .whitespace, hasHeader: true),
        fields: [
            ImportFieldMapping(field: "user_id", column: .position(1)),
            ImportFieldMapping(field: "placed_at", column: .position(2), dateFormat: .yyyymmdd),
            ImportFieldMapping(field: "quantity", column: .position(3)),
            ImportFieldMapping(field: "amount", column: .position(4)),
            ImportFieldMapping(field: "currency", column: nil, defaultValue: "USD"),
            ImportFieldMapping(field: "channel", column: nil, defaultValue: "cdnow"),
        ], idPrefix: "cdnow")

    /// The mapping of `field`, if any.
    public func mapping(for field: String) -> ImportFieldMapping? {
        fields.first { $0.field == field }
    }

    // MARK: - Loading

    /// Loads a mapping file: `.json` as JSON, anything else as YAML (which also reads JSON).
    /// Throws `PanoramaError` `invalid_mapping` with the offending key.
    public static func load(path: String) throws -> ImportMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PanoramaError.badRequest("invalid_mapping", "cannot read the mapping file '\(path)'")
        }
        let text = String(decoding: data, as: UTF8.self)
        if (path as NSString).pathExtension.lowercased() == "json" {
            return try parse(json: text)
        }
        return try parse(yaml: text)
    }

    /// Parses a JSON mapping document.
    public static func parse(json text: String) throws -> ImportMapping {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text)
        } catch {
            throw PanoramaError.badRequest("invalid_mapping", "the mapping is not valid JSON: \(error)")
        }
        return try ImportMapping(document: document)
    }

    /// Parses a YAML mapping document.
    public static func parse(yaml text: String) throws -> ImportMapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw PanoramaError.badRequest("invalid_mapping", "the mapping is not valid YAML: \(error)")
        }
        guard let node else { throw PanoramaError.badRequest("invalid_mapping", "the mapping file is empty") }
        return try ImportMapping(document: jsonValue(of: node))
    }

    /// YAML nodes as JSON values, keeping the order of mapping keys; plain scalars get their YAML type.
    private static func jsonValue(of node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { (key: $0.key.string ?? "", value: jsonValue(of: $0.value)) }))
        case .sequence(let sequence):
            return .array(JSONArray(sequence.map { jsonValue(of: $0) }))
        case .scalar(let scalar):
            guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
            if node.null != nil { return .null }
            if let int = node.int { return .number(JSONNumber(int)) }
            if let bool = node.bool, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(scalar.string) {
                return .bool(bool)
            }
            return .string(scalar.string)
        case .alias:
            return .null
        }
    }

    /// Builds a mapping from a parsed document (see the type's documentation for the keys).
    public init(document: JSONValue) throws {
        guard let object = document.objectValue else {
            throw PanoramaError.badRequest("invalid_mapping", "the mapping must be an object with a 'fields' key")
        }
        self.init()
        func invalid(_ key: String, _ message: String) -> PanoramaError {
            PanoramaError.badRequest("invalid_mapping", message, field: key)
        }
        func string(_ key: String, _ value: JSONValue) throws -> String {
            if let text = value.stringValue { return text }
            if let number = value.numberValue { return number.text }
            if let bool = value.boolValue { return bool ? "true" : "false" }
            throw invalid(key, "'\(key)' must be a string")
        }
        func bool(_ key: String, _ value: JSONValue) throws -> Bool? {
            if value.isNull { return nil }
            if let flag = value.boolValue { return flag }
            switch try string(key, value).lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            case "auto": return nil
            default: throw invalid(key, "'\(key)' must be true, false or auto")
            }
        }
        var defaults: [(String, String)] = []
        for (key, value) in object.members {
            switch key {
            case "kind":
                let text = try string(key, value)
                guard let kind = ImportKind(rawValue: text) else {
                    throw invalid(key, "kind '\(text)' is not one of customers, orders, events")
                }
                self.kind = kind
            case "format":
                let text = try string(key, value).lowercased()
                guard let format = text == "jsonl" ? .ndjson : ImportFormat(rawValue: text) else {
                    throw invalid(key, "format '\(text)' is not one of csv, json, ndjson, xml")
                }
                reader.format = format
            case "encoding":
                let text = try string(key, value)
                guard let encoding = ImportEncoding(name: text) else {
                    throw invalid(key, "encoding '\(text)' is not one of auto, utf-8, gb18030, utf-16le, utf-16be")
                }
                reader.encoding = encoding
            case "delimiter":
                let text = try string(key, value)
                if text.lowercased() == "auto" { continue }
                guard let delimiter = CSVDelimiter(name: text) else {
                    throw invalid(key, "delimiter '\(text)' is not one of , ; tab | whitespace auto")
                }
                reader.delimiter = delimiter
            case "header", "has_header":
                reader.hasHeader = try bool(key, value)
            case "json_records", "records":
                reader.jsonRecordsPath = try string(key, value)
            case "xml_record", "record_element":
                reader.xmlRecordElement = try string(key, value)
            case "time_zone", "timezone":
                let text = try string(key, value)
                guard TimeZone(identifier: text) != nil else {
                    throw invalid(key, "time zone '\(text)' is not an IANA zone such as Asia/Shanghai")
                }
                timeZone = text
            case "day_first":
                dayFirst = try bool(key, value)
            case "country_code":
                countryCode = try string(key, value)
            case "id_prefix":
                idPrefix = try string(key, value)
            case "group_order_lines":
                groupOrderLines = try bool(key, value) ?? true
            case "earn_points":
                earnPoints = try bool(key, value) ?? false
            case "unmapped":
                switch try string(key, value).lowercased() {
                case "ignore", "none": unmappedPrefix = nil
                case "traits": unmappedPrefix = "traits."
                case "properties": unmappedPrefix = "properties."
                default: throw invalid(key, "'unmapped' must be ignore, traits or properties")
                }
            case "defaults":
                guard let members = value.objectValue?.members else {
                    throw invalid(key, "'defaults' must be a map of field to value")
                }
                for (field, constant) in members { defaults.append((field, try string("defaults.\(field)", constant))) }
            case "fields", "columns":
                if let members = value.objectValue?.members {
                    for (field, spec) in members {
                        fields.append(try Self.fieldMapping(field: field, spec: spec))
                    }
                } else if let list = value.arrayValue {
                    for (index, item) in list.enumerated() {
                        guard let field = item["field"]?.stringValue, let spec = item.objectValue else {
                            throw invalid("fields[\(index)]", "each item of 'fields' needs a 'field' name")
                        }
                        var rest = spec
                        _ = rest.remove("field")
                        fields.append(try Self.fieldMapping(field: field, spec: .object(rest)))
                    }
                } else {
                    throw invalid(key, "'fields' must be a map of field to column")
                }
            default:
                throw invalid(key, "unknown mapping key '\(key)'")
            }
        }
        for (field, constant) in defaults {
            if let index = fields.firstIndex(where: { $0.field == field }) {
                fields[index].defaultValue = constant
            } else {
                fields.append(ImportFieldMapping(field: field, column: nil, defaultValue: constant))
            }
        }
        if fields.isEmpty {
            throw PanoramaError.badRequest("invalid_mapping", "the mapping has no fields", field: "fields")
        }
        if let kind {
            try validate(for: kind)
        }
    }

    private static func fieldMapping(field: String, spec: JSONValue) throws -> ImportFieldMapping {
        let key = "fields.\(field)"
        func invalid(_ message: String) -> PanoramaError {
            PanoramaError.badRequest("invalid_mapping", message, field: key)
        }
        func column(_ value: JSONValue) throws -> ImportColumn {
            if let number = value.numberValue {
                guard let position = number.int64, position >= 1 else {
                    throw invalid("column positions start at 1; '\(number.text)' is not one")
                }
                return .position(Int(position))
            }
            guard let name = value.stringValue, !name.isEmpty else {
                throw invalid("a column is a header name or a 1-based position")
            }
            return .name(name)
        }
        switch spec {
        case .string, .number:
            return ImportFieldMapping(field: field, column: try column(spec))
        case .object(let object):
            var mapping = ImportFieldMapping(field: field, column: nil)
            for (name, value) in object.members {
                switch name {
                case "column", "source":
                    mapping.column = try column(value)
                case "value", "default", "constant":
                    guard let text = value.stringValue ?? value.numberValue?.text else {
                        throw invalid("'\(name)' must be a string or a number")
                    }
                    mapping.defaultValue = text
                case "format":
                    let text = value.stringValue?.lowercased() ?? ""
                    guard let format = ImportDateFormat(rawValue: text) else {
                        throw invalid(
                            "date format '\(text)' is not one of "
                                + ImportDateFormat.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    mapping.dateFormat = format
                case "type":
                    let text = value.stringValue?.lowercased() ?? ""
                    guard let type = ImportValueType(rawValue: text) else {
                        throw invalid(
                            "type '\(text)' is not one of "
                                + ImportValueType.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    mapping.type = type
                case "on_invalid":
                    let text = value.stringValue?.lowercased() ?? ""
                    guard let policy = ImportInvalidPolicy(rawValue: text) else {
                        throw invalid("on_invalid must be reject or drop")
                    }
                    mapping.onInvalid = policy
                default:
                    throw invalid("unknown key '\(name)'; expected column, value, format, type or on_invalid")
                }
            }
            if mapping.column == nil && mapping.defaultValue == nil {
                throw invalid("give a column or a value")
            }
            return mapping
        default:
            throw invalid("a field maps to a column name, a position, or {column:, value:, format:, …}")
        }
    }

    /// Checks that every field exists for `kind` and is mapped once. Throws `invalid_mapping`.
    public func validate(for kind: ImportKind) throws {
        var seen: Set<String> = []
        for mapping in fields {
            guard ImportFieldCatalog.role(of: mapping.field, kind: kind) != nil else {
                throw PanoramaError.badRequest(
                    "invalid_mapping",
                    "'\(mapping.field)' is not a field of \(kind.rawValue) imports; known fields: "
                        + ImportFieldCatalog.fieldNames(kind: kind).joined(separator: ", "),
                    field: "fields.\(mapping.field)")
            }
            guard seen.insert(mapping.field).inserted else {
                throw PanoramaError.badRequest(
                    "invalid_mapping", "'\(mapping.field)' is mapped twice", field: "fields.\(mapping.field)")
            }
        }
    }

    // MARK: - Saving

    /// The mapping as a JSON document in the file format (so an inferred mapping can be saved, edited, reused).
    public var jsonValue: JSONValue {
        var object = JSONObject()
        if let kind { object.set("kind", .string(kind.rawValue)) }
        if let format = reader.format { object.set("format", .string(format.rawValue)) }
        if reader.encoding != .auto { object.set("encoding", .string(reader.encoding.rawValue)) }
        if let delimiter = reader.delimiter { object.set("delimiter", .string(delimiter.name)) }
        if let header = reader.hasHeader { object.set("header", .bool(header)) }
        if let path = reader.jsonRecordsPath { object.set("json_records", .string(path)) }
        if let element = reader.xmlRecordElement { object.set("xml_record", .string(element)) }
        if let timeZone { object.set("time_zone", .string(timeZone)) }
        if let dayFirst { object.set("day_first", .bool(dayFirst)) }
        if let countryCode { object.set("country_code", .string(countryCode)) }
        if let idPrefix { object.set("id_prefix", .string(idPrefix)) }
        if !groupOrderLines { object.set("group_order_lines", .bool(false)) }
        if earnPoints { object.set("earn_points", .bool(true)) }
        if let unmappedPrefix { object.set("unmapped", .string(String(unmappedPrefix.dropLast()))) }
        var fieldsObject = JSONObject()
        for mapping in fields {
            var spec = JSONObject()
            switch mapping.column {
            case .name(let name)?: spec.set("column", .string(name))
            case .position(let position)?: spec.set("column", .number(JSONNumber(position)))
            case nil: break
            }
            if let value = mapping.defaultValue { spec.set("value", .string(value)) }
            if let format = mapping.dateFormat { spec.set("format", .string(format.rawValue)) }
            if let type = mapping.type { spec.set("type", .string(type.rawValue)) }
            if let policy = mapping.onInvalid { spec.set("on_invalid", .string(policy.rawValue)) }
            if spec.members.count == 1, let column = spec["column"] {
                fieldsObject.set(mapping.field, column)
            } else {
                fieldsObject.set(mapping.field, .object(spec))
            }
        }
        object.set("fields", .object(fieldsObject))
        return .object(object)
    }

    // MARK: - Inference

    /// A mapping guessed from header names, English or Chinese (`手机号` → `phone`, `下单时间` → `placed_at`,
    /// `dollar_value` → `amount` …). Columns it does not recognise become `traits.<header>` for customers and
    /// `properties.<header>` for events, and are left out for orders; a field claimed by an earlier column is
    /// not claimed again.
    public static func infer(header: [String], kind: ImportKind) -> ImportMapping {
        var mapping = ImportMapping(kind: kind)
        var claimed: Set<String> = []
        for name in header {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            if let field = inferField(header: trimmed, kind: kind), !claimed.contains(field) {
                claimed.insert(field)
                mapping.fields.append(ImportFieldMapping(field: field, column: .name(name)))
            } else if kind != .orders {
                let field = (kind == .customers ? "traits." : "properties.") + traitName(trimmed)
                if !claimed.contains(field) {
                    claimed.insert(field)
                    mapping.fields.append(ImportFieldMapping(field: field, column: .name(name)))
                }
            }
        }
        return mapping
    }

    /// The field a header names for `kind`, or nil. A dotted JSON/XML key path (`profile.mobile`) that is not
    /// known as a whole is tried by its last part.
    public static func inferField(header: String, kind: ImportKind) -> String? {
        if let field = inferField(key: headerKey(header), kind: kind) { return field }
        if let dot = header.lastIndex(of: "."), header.index(after: dot) < header.endIndex {
            return inferField(key: headerKey(String(header[header.index(after: dot)...])), kind: kind)
        }
        return nil
    }

    private static func inferField(key: String, kind: ImportKind) -> String? {
        if let field = HeaderSynonyms.common[key] { return field }
        switch kind {
        case .customers:
            return HeaderSynonyms.customers[key]
        case .orders:
            if let field = HeaderSynonyms.orders[key] { return field }
            if key.hasPrefix("numberof") || key.hasPrefix("numof") { return "quantity" }
            return nil
        case .events:
            return HeaderSynonyms.events[key]
        }
    }

    /// Whether some kind of import knows the header (used to recognise a header row).
    static func isKnownHeader(_ header: String) -> Bool {
        let key = headerKey(header)
        return HeaderSynonyms.common[key] != nil || HeaderSynonyms.customers[key] != nil
            || HeaderSynonyms.orders[key] != nil || HeaderSynonyms.events[key] != nil
    }

    /// Lower-cased, full-width folded, without spaces and punctuation: `"User ID"`, `"user_id"`, `"userId"` →
    /// `"userid"`; `"手机号码（必填）"` → `"手机号码"`.
    static func headerKey(_ header: String) -> String {
        var scalars = String.UnicodeScalarView()
        var depth = 0
        for original in header.unicodeScalars {
            var scalar = original
            if scalar.value >= 0xFF01 && scalar.value <= 0xFF5E, let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                scalar = ascii
            }
            switch scalar {
            case "(", "[":
                depth += 1
                continue
            case ")", "]":
                depth = max(0, depth - 1)
                continue
            default:
                break
            }
            if depth > 0 { continue }
            if scalar.properties.isWhitespace || "_-.:/*'\"#\u{FEFF}".unicodeScalars.contains(scalar) { continue }
            if scalar.value >= 0x41 && scalar.value <= 0x5A {
                scalars.append(Unicode.Scalar(UInt8(scalar.value + 0x20)))
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// A trait or property name for an unrecognised header: trimmed, inner blanks as `_`.
    static func traitName(_ header: String) -> String {
        header.split(whereSeparator: { $0.isWhitespace }).joined(separator: "_")
    }
}

/// Header names (normalised by `ImportMapping.headerKey`) and the fields they stand for.
enum HeaderSynonyms {
    private static func table(_ entries: [String: [String]]) -> [String: String] {
        var result: [String: String] = [:]
        for (field, names) in entries {
            for name in names { result[ImportMapping.headerKey(name)] = field }
        }
        return result
    }

    static let common: [String: String] = table([
        "user_id": [
            "user_id", "userid", "uid", "customer_id", "cust_id", "member_id", "member_no", "member_number",
            "client_id", "account_id", "用户id", "用户编号", "会员id", "会员号", "会员编号", "会员卡号", "客户id",
            "客户编号", "客户号", "顾客id", "顾客编号", "买家id",
        ],
        "email": ["email", "e-mail", "mail", "email_address", "邮箱", "电子邮箱", "邮件", "电子邮件", "邮箱地址"],
        "phone": [
            "phone", "phone_number", "phone_no", "mobile", "mobile_phone", "mobile_number", "cellphone", "cell",
            "tel", "telephone", "contact_number", "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话",
            "联系方式", "移动电话", "收货人手机", "收货人电话", "手机号码/电话",
        ],
        "id_number": [
            "id_number", "id_card", "id_card_number", "id_no", "identity_card", "身份证", "身份证号", "身份证号码",
            "证件号", "证件号码",
        ],
        "wechat_unionid": ["unionid", "wechat_unionid", "微信unionid"],
        "wechat_openid": ["openid", "wechat_openid", "微信openid"],
        "device_id": ["device_id", "设备id", "设备号", "idfa", "oaid", "imei"],
        "anonymous_id": ["anonymous_id", "匿名id"],
    ])

    static let customers: [String: String] = table([
        "name": [
            "name", "full_name", "customer_name", "member_name", "姓名", "名字", "客户姓名", "会员姓名", "顾客姓名",
            "真实姓名",
        ],
        "gender": ["gender", "sex", "性别"],
        "birthday": ["birthday", "birth_date", "date_of_birth", "dob", "生日", "出生日期", "出生年月日"],
        "province": ["province", "state", "省", "省份", "所在省", "所在省份"],
        "city": ["city", "城市", "市", "所在城市", "所在市"],
        "district": ["district", "county", "区", "区县", "县区", "所在区"],
        "address": ["address", "addr", "street_address", "地址", "详细地址", "联系地址", "收货地址", "住址"],
        "updated_at": ["updated_at", "update_time", "更新时间"],
    ])

    static let orders: [String: String] = table([
        "order_id": [
            "order_id", "order_no", "order_number", "order_code", "trade_id", "订单号", "订单编号", "订单id",
            "交易号", "交易编号",
        ],
        "placed_at": [
            "placed_at", "order_date", "order_time", "ordered_at", "created_at", "date", "time", "datetime",
            "purchase_date", "purchase_time", "transaction_date", "下单时间", "下单日期", "订单时间", "订单日期",
            "创建时间", "交易时间", "购买时间", "购买日期", "支付时间", "付款时间", "日期", "时间",
        ],
        "amount": [
            "amount", "total", "total_amount", "order_amount", "order_total", "paid_amount", "payment",
            "payment_amount", "revenue", "value", "dollar_value", "sales", "金额", "实付金额", "订单金额", "支付金额",
            "实付款", "实付", "总金额", "付款金额", "应付金额", "成交金额", "消费金额",
        ],
        "currency": ["currency", "币种", "货币"],
        "quantity": ["quantity", "qty", "count", "items", "数量", "购买数量", "件数", "商品数量"],
        "channel": ["channel", "source", "sales_channel", "渠道", "销售渠道", "来源", "订单来源"],
        "store_id": [
            "store_id", "store", "shop", "shop_id", "store_code", "门店", "门店编号", "门店id", "门店编码", "店铺",
            "店铺id",
        ],
        "status": ["status", "order_status", "订单状态", "状态", "交易状态"],
        "sku": ["sku", "sku_id", "product_id", "item_id", "product_code", "商品编码", "商品编号", "商品id", "货号"],
        "product_name": ["product_name", "item_name", "product", "item", "title", "商品名称", "商品名", "品名", "商品"],
        "category": ["category", "product_category", "类目", "品类", "商品类目", "分类", "商品分类"],
        "unit_price": ["unit_price", "price", "单价", "商品单价", "价格", "售价"],
        "discount": ["discount", "discount_amount", "折扣", "优惠", "优惠金额", "折扣金额"],
    ])

    static let events: [String: String] = table([
        "event": ["event", "event_name", "event_type", "action", "事件", "事件名", "事件名称", "行为"],
        "timestamp": [
            "timestamp", "time", "event_time", "datetime", "date", "occurred_at", "created_at", "时间", "发生时间",
            "事件时间", "日期", "行为时间",
        ],
        "message_id": ["message_id", "event_id", "消息id", "事件id"],
    ])
}

/// The target fields of each kind and what role they play in preparation.
enum ImportFieldCatalog {
    enum Role: Equatable {
        case identifier(String)
        case customer(String)
        case order(String)
        case event(String)
        case trait(String)
        case property(String)
    }

    static let identifierTypes = [
        "user_id", "email", "phone", "id_number", "wechat_unionid", "wechat_openid", "device_id", "anonymous_id",
    ]
    static let customerFields = ["name", "gender", "birthday", "province", "city", "district", "address", "updated_at"]
    static let orderFields = [
        "order_id", "placed_at", "amount", "currency", "quantity", "channel", "store_id", "status", "sku",
        "product_name", "category", "unit_price", "discount",
    ]
    static let eventFields = ["event", "timestamp", "message_id"]

    static func role(of field: String, kind: ImportKind) -> Role? {
        if identifierTypes.contains(field) { return .identifier(field) }
        if field.hasPrefix("identifiers."), field.count > 12 { return .identifier(String(field.dropFirst(12))) }
        switch kind {
        case .customers:
            if customerFields.contains(field) { return .customer(field) }
            if field.hasPrefix("traits."), field.count > 7 { return .trait(String(field.dropFirst(7))) }
        case .orders:
            if orderFields.contains(field) { return .order(field) }
        case .events:
            if eventFields.contains(field) { return .event(field) }
            if field.hasPrefix("properties."), field.count > 11 { return .property(String(field.dropFirst(11))) }
        }
        return nil
    }

    static func fieldNames(kind: ImportKind) -> [String] {
        let specific: [String]
        switch kind {
        case .customers: specific = customerFields + ["traits.<name>"]
        case .orders: specific = orderFields
        case .events: specific = eventFields + ["properties.<name>"]
        }
        return identifierTypes + ["identifiers.<type>"] + specific
    }
}
