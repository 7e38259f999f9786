import PanoramaCore

/// The tables that hold rows about a customer, each with the columns a privacy export shows and
/// how its rows are found from a set of raw profile ids (see `SharedQueries.swift` for how a query
/// is written once for both stores).
enum PrivacyTables {
    /// How a column is read and shown.
    enum Kind: Sendable {
        case int, text, bool
        /// Text holding JSON, embedded as JSON.
        case json
    }

    /// One table of customer data.
    struct Table: Sendable {
        var name: String
        var columns: [(name: String, kind: Kind)]
        /// Appends the condition (after `WHERE workspace_id = ? AND `) that selects the rows of
        /// the raw profiles, and the order.
        var rows: @Sendable (_ q: inout SQLBuilder, _ workspaceID: Int64, _ ids: [Int64]) -> Void
    }

    /// Rows whose `column` names one of the profiles, in `order`.
    static func owned(_ column: String = "customer_id", order: String)
        -> @Sendable (inout SQLBuilder, Int64, [Int64]) -> Void
    {
        { q, _, ids in
            q.inList(column, ids)
            q.append(" ORDER BY \(order)")
        }
    }

    /// Rows of the profiles' orders (order lines, refunds).
    static func ofOrders(order: String) -> @Sendable (inout SQLBuilder, Int64, [Int64]) -> Void {
        { q, workspaceID, ids in
            q.append("order_id IN (SELECT id FROM orders WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(") ORDER BY \(order)")
        }
    }

    /// Rows naming a profile in either of two columns.
    static func either(_ a: String, _ b: String, order: String) -> @Sendable (inout SQLBuilder, Int64, [Int64]) -> Void
    {
        { q, _, ids in
            q.append("(")
            q.inList(a, ids)
            q.append(" OR ")
            q.inList(b, ids)
            q.append(") ORDER BY \(order)")
        }
    }

    static let eventColumns: [(String, Kind)] = [
        ("id", .int), ("customer_id", .int), ("message_id", .text), ("type", .text), ("event", .text),
        ("name", .text), ("user_id", .text), ("anonymous_id", .text), ("group_id", .text), ("previous_id", .text),
        ("timestamp", .int), ("original_timestamp", .int), ("sent_at", .int), ("received_at", .int),
        ("properties", .json), ("traits", .json), ("context", .json),
    ]

    /// Every table of customer data but `events` (read apart: SQLite reaches a customer's events
    /// through `event_index`).
    static let tables: [Table] = [
        Table(
            name: "customers", columns: [("id", .int), ("canonical_id", .int), ("created_at", .int)],
            rows: owned("id", order: "id")),
        Table(
            name: "identifiers",
            columns: [("customer_id", .int), ("type", .text), ("value", .text), ("created_at", .int)],
            rows: owned(order: "created_at, customer_id")),
        Table(
            name: "customer_traits",
            columns: [("customer_id", .int), ("name", .text), ("value", .json), ("updated_at", .int)],
            rows: owned(order: "customer_id, updated_at")),
        Table(
            name: "orders",
            columns: [
                ("id", .int), ("customer_id", .int), ("external_id", .text), ("status", .text), ("channel", .text),
                ("store_id", .text), ("payment_method", .text), ("currency", .text), ("coupons", .json),
                ("placed_at", .int), ("discount", .int), ("shipping", .int), ("tax", .int), ("total", .int),
                ("refunded", .int), ("properties", .json), ("source", .text), ("created_at", .int),
                ("updated_at", .int), ("version", .int),
            ], rows: owned(order: "placed_at, id")),
        Table(
            name: "order_items",
            columns: [
                ("order_id", .int), ("line", .int), ("product_id", .text), ("sku", .text), ("name", .text),
                ("category", .text), ("brand", .text), ("quantity", .int), ("unit_price", .int), ("discount", .int),
                ("refunded_quantity", .int),
            ], rows: ofOrders(order: "order_id, line")),
        Table(
            name: "refunds",
            columns: [
                ("id", .int), ("order_id", .int), ("external_id", .text), ("kind", .text), ("amount", .int),
                ("lines", .json), ("reason", .text), ("refunded_at", .int), ("created_at", .int),
            ], rows: ofOrders(order: "refunded_at, id")),
        Table(
            name: "loyalty_accounts",
            columns: [
                ("customer_id", .int), ("version", .int), ("points", .int), ("stored_value", .int), ("tier", .text),
                ("tier_since", .int), ("created_at", .int), ("updated_at", .int),
            ], rows: owned(order: "customer_id")),
        Table(
            name: "loyalty_lots",
            columns: [
                ("id", .int), ("customer_id", .int), ("points", .int), ("remaining", .int), ("earned_at", .int),
                ("expires_at", .int), ("source", .text),
            ], rows: owned(order: "earned_at, id")),
        Table(
            name: "loyalty_entries",
            columns: [
                ("id", .int), ("customer_id", .int), ("ledger", .text), ("kind", .text), ("amount", .int),
                ("balance_after", .int), ("reason", .text), ("reference", .text), ("request_key", .text),
                ("created_at", .int),
            ], rows: owned(order: "created_at, id")),
        Table(
            name: "loyalty_orders",
            columns: [
                ("customer_id", .int), ("order_id", .int), ("external_id", .text), ("placed_at", .int), ("total", .int),
                ("refunded", .int), ("counts", .bool), ("multiplier_percent", .int), ("earned", .int),
                ("points", .int), ("version", .int), ("updated_at", .int),
            ], rows: owned(order: "placed_at, order_id")),
        Table(
            name: "loyalty_refunds",
            columns: [
                ("customer_id", .int), ("refund_id", .int), ("order_id", .int), ("amount", .int), ("refunded_at", .int),
            ], rows: owned(order: "refunded_at, refund_id")),
        Table(
            name: "loyalty_requests",
            columns: [
                ("customer_id", .int), ("idempotency_key", .text), ("operation", .text), ("fingerprint", .text),
                ("created_at", .int),
            ], rows: owned(order: "created_at")),
        Table(
            name: "loyalty_tier_changes",
            columns: [
                ("id", .int), ("customer_id", .int), ("from_tier", .text), ("to_tier", .text), ("reason", .text),
                ("changed_at", .int),
            ], rows: owned(order: "changed_at, id")),
        Table(
            name: "memberships",
            columns: [("customer_id", .int), ("kind", .text), ("name", .text), ("since", .int)],
            rows: owned(order: "kind, since")),
        Table(
            name: "membership_changes",
            columns: [
                ("id", .int), ("customer_id", .int), ("kind", .text), ("name", .text), ("change", .text), ("at", .int),
            ], rows: owned(order: "id")),
        Table(
            name: "consents",
            columns: [
                ("id", .int), ("customer_id", .int), ("purpose", .text), ("granted", .bool), ("source", .text),
                ("at", .int), ("message_id", .text), ("created_at", .int),
            ], rows: owned(order: "at, id")),
        Table(
            name: "duplicate_candidates",
            columns: [
                ("id", .int), ("first_id", .int), ("second_id", .int), ("run_id", .int), ("status", .text),
                ("score", .json), ("decided_by", .text), ("reason", .text), ("merge_id", .int), ("created_at", .int),
                ("updated_at", .int), ("decided_at", .int),
            ], rows: either("first_id", "second_id", order: "id")),
        Table(
            name: "merges",
            columns: [
                ("id", .int), ("from_id", .int), ("into_id", .int), ("members", .text), ("cause_type", .text),
                ("cause_value", .text), ("source", .text), ("message_id", .text), ("created_at", .int),
                ("undone_at", .int),
            ], rows: either("from_id", "into_id", order: "id")),
        Table(
            name: "identity_conflicts",
            columns: [
                ("id", .int), ("customer_id", .int), ("type", .text), ("value", .text), ("owner_id", .int),
                ("reason", .text), ("message_id", .text), ("created_at", .int),
            ], rows: either("customer_id", "owner_id", order: "id")),
    ]

    /// A row as a JSON object of its columns.
    static func json(_ row: any SQLRow, _ columns: [(name: String, kind: Kind)]) throws -> JSONValue {
        var object = JSONObject()
        for (index, column) in columns.enumerated() {
            let value: JSONValue
            switch column.kind {
            case .int: value = try row.optionalInt(index).map { .number(JSONNumber($0)) } ?? .null
            case .text: value = try row.optionalText(index).map(JSONValue.string) ?? .null
            case .bool: value = .bool(try row.bool(index))
            case .json:
                value =
                    try row.optionalText(index).map { text in (try? JSONParser.parse(text)) ?? .string(text) } ?? .null
            }
            object.set(column.name, value)
        }
        return .object(object)
    }
}

/// Consent history, secrets, tombstones, access, erasure and retention, written once for both stores.
extension SQLStore {
    // MARK: Consents

    private static var consentColumns: String {
        "id, customer_id, purpose, granted, source, at, message_id, created_at"
    }

    @discardableResult
    public func recordConsents(workspaceID: Int64, _ records: [ConsentRecord]) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        var steps: [SQLStep] = []
        for r in records {
            var q = sql(
                "INSERT INTO consents(workspace_id, customer_id, purpose, granted, source, at, message_id, created_at) VALUES ("
            )
            q.bindList([
                .int(workspaceID), .int(r.customerID), .text(r.purpose), .bool(r.granted), .text(r.source),
                .int(r.at), .nullable(r.messageID), .int(r.createdAt),
            ])
            // A resent tracking message: its purpose is already recorded under its message id.
            q.append(") ON CONFLICT DO NOTHING RETURNING id")
            steps.append(SQLStep(q.query))
        }
        return try await atomically(steps)?.reduce(0) { $0 + $1.count } ?? 0
    }

    public func consents(workspaceID: Int64, customerIDs: [Int64]) async throws -> [ConsentRecord] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql("SELECT \(Self.consentColumns) FROM consents WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        q.append(" ORDER BY at, id")
        return try await fetch(q.query) {
            ConsentRecord(
                id: try $0.int(0), customerID: try $0.int(1), purpose: try $0.text(2), granted: try $0.bool(3),
                source: try $0.text(4), at: try $0.int(5), messageID: try $0.optionalText(6), createdAt: try $0.int(7))
        }
    }

    // MARK: Secrets and tombstones

    public func workspaceSecret(workspaceID: Int64, name: String, proposed: String, now: Int64) async throws
        -> String
    {
        var insert = sql("INSERT INTO workspace_secrets(workspace_id, name, secret, created_at) VALUES (")
        insert.bindList([.int(workspaceID), .text(name), .text(proposed), .int(now)])
        insert.append(") ON CONFLICT(workspace_id, name) DO NOTHING")
        try await run(insert.query)
        guard let stored = try await existingWorkspaceSecret(workspaceID: workspaceID, name: name) else {
            throw PanoramaError.unavailable("the workspace secret was stored but could not be read back; retry")
        }
        return stored
    }

    public func existingWorkspaceSecret(workspaceID: Int64, name: String) async throws -> String? {
        var q = sql("SELECT secret FROM workspace_secrets WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND name = ")
        q.bind(name)
        return try await fetch(q.query) { try $0.text(0) }.first
    }

    @discardableResult
    public func recordErasureTombstones(workspaceID: Int64, _ hashes: [String], at: Int64) async throws -> Int {
        var recorded = 0
        var start = 0
        while start < hashes.count {
            let chunk = hashes[start..<min(hashes.count, start + 500)]
            start += chunk.count
            var q = sql("INSERT INTO erasure_tombstones(workspace_id, identifier_hash, created_at) VALUES ")
            for (i, hash) in chunk.enumerated() {
                q.append(i == 0 ? "(" : ", (")
                q.bindList([.int(workspaceID), .text(hash), .int(at)])
                q.append(")")
            }
            q.append(" ON CONFLICT(workspace_id, identifier_hash) DO NOTHING RETURNING 1")
            recorded += try await fetch(q.query) { try $0.int(0) }.count
        }
        return recorded
    }

    public func erasureTombstones(workspaceID: Int64, since: Int64) async throws -> [(hash: String, createdAt: Int64)] {
        var q = sql("SELECT identifier_hash, created_at FROM erasure_tombstones WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND created_at >= ")
        q.bind(since)
        q.append(" ORDER BY created_at")
        return try await fetch(q.query) { (try $0.text(0), try $0.int(1)) }
    }

    // MARK: Access

    public func privacyRecords(workspaceID: Int64, customerIDs: [Int64]) async throws -> [String: [JSONValue]] {
        var records: [String: [JSONValue]] = [:]
        for table in PrivacyTables.tables {
            var q = sql(
                "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name) WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND ")
            table.rows(&q, workspaceID, customerIDs)
            let columns = table.columns
            records[table.name] = try await fetch(q.query) { try PrivacyTables.json($0, columns) }.map {
                try openRecord(table.name, $0, workspaceID: workspaceID)
            }
        }
        var events = sql("SELECT \(PrivacyTables.eventColumns.map(\.0).joined(separator: ", ")) FROM events WHERE ")
        appendEvents(&events, workspaceID: workspaceID, customerIDs)
        events.append(" ORDER BY timestamp, id")
        let columns = PrivacyTables.eventColumns.map { (name: $0.0, kind: $0.1) }
        records["events"] = try await fetch(events.query) { try PrivacyTables.json($0, columns) }.map {
            try openRecord("events", $0, workspaceID: workspaceID)
        }
        return records
    }

    /// A row of `privacyRecords` with its sealed values in clear: identifiers and trait values by
    /// their field, tokens inside JSON documents (properties, traits, context) in place.
    private func openRecord(_ table: String, _ row: JSONValue, workspaceID: Int64) throws -> JSONValue {
        guard case .object(var object) = row else { return row }
        func text(_ name: String) -> String? { object[name]?.stringValue }
        switch table {
        case "identifiers", "identity_conflicts", "merges":
            let (typeColumn, valueColumn) = table == "merges" ? ("cause_type", "cause_value") : ("type", "value")
            if let type = text(typeColumn), let value = text(valueColumn) {
                object.set(
                    valueColumn,
                    .string(try protection.open(Identifier(type: type, value: value), workspaceID: workspaceID).value))
            }
        case "customer_traits":
            if let name = text("name"), let token = text("value"), FieldProtection.isToken(token) {
                let json = try protection.openTrait(name: name, json: "\"" + token + "\"", workspaceID: workspaceID)
                object.set("value", (try? JSONParser.parse(json)) ?? .string(json))
            }
        default:
            for (name, member) in object.members {
                guard case .object = member else { continue }
                if let opened = try protection.open(json: member.jsonText, workspaceID: workspaceID),
                    let parsed = try? JSONParser.parse(opened)
                {
                    object.set(name, parsed)
                }
            }
        }
        return .object(object)
    }

    /// The condition selecting the events of raw profiles. SQLite reaches them through
    /// `event_index` plus the short tail not indexed yet (`events` has no index by customer);
    /// PostgreSQL's key leads with the customer.
    func appendEvents(_ q: inout SQLBuilder, workspaceID: Int64, _ ids: [Int64]) {
        switch dialect {
        case .postgres:
            q.append("workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND ")
            q.inList("customer_id", ids)
        case .sqlite:
            q.append("(id IN (SELECT event_id FROM event_index WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(") OR (id > (SELECT indexed_through FROM event_index_state WHERE id = 1) AND workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append("))")
        }
    }

    public func auditEntries(workspaceID: Int64, targets: [String], limit: Int) async throws -> [JSONValue] {
        guard !targets.isEmpty else { return [] }
        var q = sql(
            """
            SELECT sequence, CAST(round(at * 1000) AS BIGINT), actor, actor_kind, action, target, source_ip, detail
            FROM audit_log WHERE workspace = 
            """)
        q.bind(String(workspaceID))
        q.append(" AND target IN (")
        q.bindList(targets.map(SQLValue.text))
        q.append(") ORDER BY sequence LIMIT ")
        q.bind(Int64(limit))
        let columns: [(name: String, kind: PrivacyTables.Kind)] = [
            ("sequence", .int), ("at", .int), ("actor", .text), ("actor_kind", .text), ("action", .text),
            ("target", .text), ("source_ip", .text), ("detail", .json),
        ]
        return try await fetch(q.query) { try PrivacyTables.json($0, columns) }
    }

    // MARK: Erasure

    public func erase(_ e: Erasure) async throws -> [String: Int]? {
        let w = e.workspaceID
        let ids = e.customerIDs
        guard !ids.isEmpty else { return nil }
        var steps: [(label: String?, step: SQLStep)] = []
        func add(_ label: String?, required: Bool = false, _ build: (inout SQLBuilder) -> Void) {
            var q = sql()
            build(&q)
            steps.append((label, SQLStep(q.query, required: required)))
        }
        /// `DELETE FROM table WHERE workspace_id = ? AND <column> IN ids RETURNING 1`.
        func delete(_ table: String, _ column: String = "customer_id", label: String? = nil) {
            add(label ?? table) { q in
                q.append("DELETE FROM \(table) WHERE workspace_id = ")
                q.bind(w)
                q.append(" AND ")
                q.inList(column, ids)
                q.append(" RETURNING 1")
            }
        }
        if dialect == .postgres {
            // The identity lock of the workspace (the row lock every node's ingest takes), and a
            // new identity version marked as a reset: other nodes reload their graph before they
            // resolve again, so no node keeps resolving to the erased profiles.
            add(nil, required: true) { q in
                q.append(
                    "UPDATE workspaces SET identity_version = identity_version + 1, identity_reset_version = identity_version + 1 WHERE id = "
                )
                q.bind(w)
                q.append(" RETURNING identity_version")
            }
        }
        // The profile is still what was read: the same raw profiles, holding as many identifiers.
        add(nil, required: true) { q in
            q.append("SELECT 1 WHERE (SELECT count(*) FROM customers WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND canonical_id = ")
            q.bind(e.liveID)
            q.append(") = ")
            q.bind(Int64(ids.count))
            q.append(" AND (SELECT count(*) FROM customers WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND canonical_id = ")
            q.bind(e.liveID)
            q.append(" AND ")
            q.inList("id", ids)
            q.append(") = ")
            q.bind(Int64(ids.count))
            q.append(" AND (SELECT count(*) FROM identifiers WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(") = ")
            q.bind(Int64(e.identifierRows))
        }
        // Events: their message ids first (found through the events), then the events.
        add("event_message_ids") { q in
            q.append("DELETE FROM event_message_ids WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND message_id IN (SELECT message_id FROM events WHERE ")
            self.appendEvents(&q, workspaceID: w, ids)
            q.append(") RETURNING 1")
        }
        add("events") { q in
            q.append("DELETE FROM events WHERE ")
            self.appendEvents(&q, workspaceID: w, ids)
            q.append(" RETURNING 1")
        }
        if dialect == .sqlite { delete("event_index") }
        delete("customer_traits")
        delete("identifiers")
        delete("consents")
        // The change feed: the customer's past entries and exits go; an exit from everything it
        // is in now is announced (a numeric id that no longer leads anywhere), so that systems fed
        // by the feed drop it too; then its memberships go.
        delete("membership_changes")
        add("membership_exits_announced") { q in
            q.append(
                "INSERT INTO membership_changes(workspace_id, kind, name, customer_id, change, at) SELECT workspace_id, kind, name, customer_id, 'exit', "
            )
            q.bind(e.now)
            q.append(" FROM memberships WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(" RETURNING 1")
        }
        delete("memberships")
        for table in [
            "loyalty_accounts", "loyalty_lots", "loyalty_entries", "loyalty_orders", "loyalty_refunds",
            "loyalty_requests", "loyalty_tier_changes",
        ] {
            delete(table)
        }
        delete("duplicate_candidates", "first_id")
        delete("duplicate_candidates", "second_id")
        delete("merges", "from_id")
        delete("merges", "into_id")
        delete("identity_conflicts", "customer_id")
        delete("identity_conflicts", "owner_id")
        // Orders stay for revenue (amounts, lines, refunds), detached from the person: the free
        // text that may name them goes (order properties, refund reasons).
        add("refunds_detached") { q in
            q.append("UPDATE refunds SET reason = NULL WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND order_id IN (SELECT id FROM orders WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(") RETURNING 1")
        }
        add("orders_detached") { q in
            q.append("UPDATE orders SET customer_id = ")
            q.bind(Int64(0))
            q.append(", properties = NULL, updated_at = ")
            q.bind(e.now)
            q.append(", version = version + 1 WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND ")
            q.inList("customer_id", ids)
            q.append(" RETURNING 1")
        }
        // Ids are never given out again: the audit log and change feeds still name this one.
        add(nil) { q in
            q.append("INSERT INTO customer_id_watermarks(workspace_id, erased_through) VALUES (")
            q.bindList([.int(w), .int(ids.max() ?? 0)])
            q.append(
                """
                ) ON CONFLICT(workspace_id) DO UPDATE SET erased_through = CASE
                    WHEN excluded.erased_through > customer_id_watermarks.erased_through THEN excluded.erased_through
                    ELSE customer_id_watermarks.erased_through END
                """)
        }
        // Last, and required: when the profiles are already gone, everything is rolled back.
        add("customers", required: true) { q in
            q.append("DELETE FROM customers WHERE workspace_id = ")
            q.bind(w)
            q.append(" AND ")
            q.inList("id", ids)
            q.append(" RETURNING 1")
        }
        if !e.tombstones.isEmpty {
            add("erasure_tombstones") { q in
                q.append("INSERT INTO erasure_tombstones(workspace_id, identifier_hash, created_at) VALUES ")
                for (i, hash) in e.tombstones.enumerated() {
                    q.append(i == 0 ? "(" : ", (")
                    q.bindList([.int(w), .text(hash), .int(e.now)])
                    q.append(")")
                }
                q.append(" ON CONFLICT(workspace_id, identifier_hash) DO NOTHING RETURNING 1")
            }
        }
        guard let results = try await atomically(steps.map(\.step)) else { return nil }
        var counts: [String: Int] = [:]
        for ((label, _), rows) in zip(steps, results) {
            guard let label else { continue }
            counts[label, default: 0] += rows.count
        }
        return counts
    }

    // MARK: Retention

    public func maxCustomerID(workspaceID: Int64) async throws -> Int64 {
        var q = sql("SELECT CAST(coalesce(max(id), 0) AS BIGINT) FROM customers WHERE workspace_id = ")
        q.bind(workspaceID)
        return try await fetch(q.query) { try $0.int(0) }.first ?? 0
    }

    public func events(workspaceID: Int64, customerIDs: ClosedRange<Int64>, before: Int64, limit: Int) async throws
        -> [EventKey]
    {
        var q = sql()
        func range(_ prefix: String) {
            q.bind(workspaceID)
            q.append(" AND \(prefix)customer_id >= ")
            q.bind(customerIDs.lowerBound)
            q.append(" AND \(prefix)customer_id <= ")
            q.bind(customerIDs.upperBound)
            q.append(" AND \(prefix)timestamp < ")
            q.bind(before)
        }
        switch dialect {
        case .postgres:
            q.append("SELECT id, customer_id, timestamp, message_id FROM events WHERE workspace_id = ")
            range("")
        case .sqlite:
            // Through the index by customer (events themselves have none), and the short tail of
            // events not indexed yet (an import of old events, say).
            q.append(
                """
                SELECT e.id, e.customer_id, e.timestamp, e.message_id FROM event_index x
                JOIN events e ON e.id = x.event_id WHERE x.workspace_id = 
                """)
            range("x.")
            q.append(
                """
                 UNION ALL SELECT id, customer_id, timestamp, message_id FROM events
                WHERE id > (SELECT indexed_through FROM event_index_state WHERE id = 1) AND workspace_id = 
                """)
            range("")
        }
        q.append(" LIMIT ")
        q.bind(Int64(limit))
        return try await fetch(q.query) {
            EventKey(id: try $0.int(0), customerID: try $0.int(1), timestamp: try $0.int(2), messageID: try $0.text(3))
        }
    }

    public func deleteEvents(workspaceID: Int64, _ keys: [EventKey]) async throws -> Int {
        guard let low = keys.map(\.customerID).min(), let high = keys.map(\.customerID).max() else { return 0 }
        let ids = keys.map(\.id)
        /// `WHERE` the customer range (the leading key of `events` in PostgreSQL, of `event_index`
        /// in SQLite) and the ids.
        func within(_ q: inout SQLBuilder, id column: String) {
            q.bind(workspaceID)
            q.append(" AND customer_id >= ")
            q.bind(low)
            q.append(" AND customer_id <= ")
            q.bind(high)
            q.append(" AND ")
            q.inList(column, ids)
        }
        var steps: [SQLStep] = []
        var messages = sql("DELETE FROM event_message_ids WHERE workspace_id = ")
        messages.bind(workspaceID)
        messages.append(" AND message_id IN (")
        messages.bindList(keys.map { .text($0.messageID) })
        messages.append(")")
        steps.append(SQLStep(messages.query))
        if dialect == .sqlite {
            var index = sql("DELETE FROM event_index WHERE workspace_id = ")
            within(&index, id: "event_id")
            steps.append(SQLStep(index.query))
        }
        var events = sql("DELETE FROM events WHERE workspace_id = ")
        within(&events, id: "id")
        events.append(" RETURNING 1")
        steps.append(SQLStep(events.query))
        return try await atomically(steps)?.last?.count ?? 0
    }

    public func countEvents(workspaceID: Int64, before: Int64) async throws -> Int64 {
        var q = sql("SELECT count(*) FROM events WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND timestamp < ")
        q.bind(before)
        return try await fetch(q.query) { try $0.int(0) }.first ?? 0
    }
}
