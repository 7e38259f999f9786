import Foundation
import PanoramaCore

/// The customers of a bulk manual-tag assignment, read from an uploaded CSV file (UTF-8 or
/// GB18030, any common delimiter):
///
/// - a `customer_id` (or `id`) column: customer ids;
/// - `type` and `value` columns: identifiers (`phone`, `13800138000`);
/// - an `identifier` column: `type:value` references;
/// - a column named after an identifier type (`phone`, `email`, `member_no`): values of that type;
/// - no header: the first field of each row, an id or `type:value`.
public enum AudienceAssignmentFile {
    /// Most rows one upload may hold.
    public static let maxRows = 1_000_000

    /// The references (`123`, `phone:13800138000`) in the file, in file order; blank rows skipped.
    public static func references(csv bytes: [UInt8], hasHeader: Bool? = nil) throws -> [String] {
        let (columns, records, info) = try ImportReader.readAll(
            .bytes(bytes, name: "assignment.csv"), options: ImportReaderOptions(format: .csv, hasHeader: hasHeader))
        guard records.count <= maxRows else {
            throw PanoramaError.badRequest(
                "too_many_rows", "the file has \(records.count) rows; upload at most \(maxRows) at a time", field: "file")
        }
        let names = info.hasHeader == true ? columns.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } : []
        func column(_ candidates: String...) -> Int? { names.firstIndex { candidates.contains($0) } }
        let reference: (ImportRecord) -> String?
        if let id = column("customer_id", "id", "客户id", "客户编号") {
            reference = { $0.value(id) }
        } else if let type = column("type", "identifier_type"), let value = column("value", "identifier_value") {
            reference = { record in
                guard let t = record.value(type), let v = record.value(value) else { return nil }
                return "\(t):\(v)"
            }
        } else if let identifier = column("identifier", "reference") {
            reference = { $0.value(identifier) }
        } else if let first = names.first, !first.isEmpty {
            reference = { record in record.value(0).map { "\(first):\($0)" } }
        } else {
            reference = { $0.value(0) }
        }
        if let problem = records.lazy.compactMap(\.problem).first {
            throw PanoramaError.badRequest("invalid_csv", "the file is not valid CSV: \(problem.message)", field: "file")
        }
        return records.compactMap(reference)
    }
}

extension ImportRecord {
    /// The trimmed, non-empty value of column `index`.
    fileprivate func value(_ index: Int) -> String? {
        guard index < values.count, let text = values[index]?.trimmingCharacters(in: .whitespaces), !text.isEmpty
        else { return nil }
        return text
    }
}
