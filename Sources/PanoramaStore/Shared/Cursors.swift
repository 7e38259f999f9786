import PanoramaCore

/// The position after the last event of a timeline page: `timestamp.id`.
struct EventCursor {
    var timestamp: Int64
    var id: Int64

    init(timestamp: Int64, id: Int64) {
        self.timestamp = timestamp
        self.id = id
    }

    /// Parses a cursor this API returned; nil for none.
    init?(_ text: String?) throws(PanoramaError) {
        guard let text else { return nil }
        let parts = text.split(separator: ".")
        guard parts.count == 2, let t = Int64(parts[0]), let i = Int64(parts[1]) else {
            throw PanoramaError.badRequest("invalid_cursor", "cursor is not one this API returned", field: "cursor")
        }
        self.init(timestamp: t, id: i)
    }

    var text: String { "\(timestamp).\(id)" }
}

/// The last profile id of a customer-list page.
enum CustomerCursor {
    static func parse(_ text: String?) throws(PanoramaError) -> Int64 {
        guard let text else { return 0 }
        guard let value = Int64(text), value >= 0 else {
            throw PanoramaError.badRequest("invalid_cursor", "cursor is not one this API returned", field: "cursor")
        }
        return value
    }
}
