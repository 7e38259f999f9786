import PanoramaCore

extension ImportPreview {
    /// The preview as the API and `--json` show it: detection, mapping (reusable as a mapping
    /// file), unmapped columns and the first rows as they would be imported.
    public var json: JSONValue {
        var detected = JSONObject()
        detected.set("format", .string(info.format.rawValue))
        detected.set("encoding", .string(info.encoding.rawValue))
        detected.set("delimiter", info.delimiter.map { .string($0.name) } ?? .null)
        detected.set("header", info.hasHeader.map { .bool($0) } ?? .null)
        return .object([
            "detected": .object(detected),
            "columns": .array(JSONArray(columns.map { .string($0) })),
            "mapping": mapping.jsonValue,
            "unmapped_columns": .array(JSONArray(unmappedColumns.map { .string($0) })),
            "rows": .array(
                JSONArray(
                    rows.map { row in
                        var fields = JSONObject()
                        for (field, value) in row.fields { fields.set(field, .string(value)) }
                        return .object([
                            "line": .number(JSONNumber(row.line)),
                            "fields": .object(fields),
                            "rejection": row.rejection.map {
                                .object(["code": .string($0.code), "message": .string($0.message)])
                            } ?? .null,
                        ])
                    })),
        ])
    }

    /// The preview for a terminal.
    public var summary: String {
        var lines = [
            "detected: \(info.format.rawValue), \(info.encoding.rawValue)"
                + (info.delimiter.map { ", delimiter \($0.name)" } ?? "")
                + (info.hasHeader.map { $0 ? ", with header" : ", no header" } ?? ""),
            "mapping (save it with --json and edit, then pass --mapping):",
            "  " + mapping.jsonValue.jsonText,
        ]
        if !unmappedColumns.isEmpty { lines.append("unmapped columns: " + unmappedColumns.joined(separator: ", ")) }
        lines.append("first rows as they would be imported:")
        for row in rows {
            if let rejection = row.rejection {
                lines.append("  line \(row.line): REJECTED \(rejection.code): \(rejection.message)")
            } else {
                lines.append("  line \(row.line): " + row.fields.map { "\($0.field)=\($0.value)" }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
