import PanoramaCore

/// The loyalty queries, written once for both stores (`LoyaltyStore`).
///
/// Writes are planned by the loyalty service and applied by `applyLoyalty` as one atomic batch
/// whose guards (`WHERE version = …`, `WHERE remaining = …`, `ON CONFLICT DO NOTHING`) are
/// required steps: on PostgreSQL a concurrent writer of the same row waits for the first to
/// commit and then finds the guard false; on SQLite writers take turns. Either way a plan made
/// from stale reads writes nothing, and the service reads again.
extension SQLStore {
    // MARK: Program

    public func loyaltyProgram(workspaceID: Int64) async throws -> StoredLoyaltyProgram? {
        var q = sql("SELECT definition, updated_at, last_review_at FROM loyalty_programs WHERE workspace_id = ")
        q.bind(workspaceID)
        return try await fetch(q.query) {
            StoredLoyaltyProgram(
                definition: try $0.text(0), updatedAt: try $0.int(1), lastReviewAt: try $0.optionalInt(2))
        }.first
    }

    public func saveLoyaltyProgram(workspaceID: Int64, definition: String, now: Int64) async throws {
        var q = sql("INSERT INTO loyalty_programs(workspace_id, definition, updated_at) VALUES (")
        q.bindList([.int(workspaceID), .text(definition), .int(now)])
        q.append(
            ") ON CONFLICT(workspace_id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at"
        )
        try await run(q.query)
    }

    public func recordTierReview(workspaceID: Int64, at: Int64) async throws {
        var q = sql("UPDATE loyalty_programs SET last_review_at = ")
        q.bind(at)
        q.append(" WHERE workspace_id = ")
        q.bind(workspaceID)
        try await run(q.query)
    }

    // MARK: Accounts and lots

    public func ensureLoyaltyAccount(workspaceID: Int64, customerID: Int64, now: Int64) async throws {
        var q = sql(
            """
            INSERT INTO loyalty_accounts(workspace_id, customer_id, version, points, stored_value, created_at, updated_at)
            VALUES (
            """)
        q.bindList([.int(workspaceID), .int(customerID), .int(0), .int(0), .int(0), .int(now), .int(now)])
        q.append(") ON CONFLICT DO NOTHING")
        try await run(q.query)
    }

    public func loyaltyAccounts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [LoyaltyAccount] {
        guard !customerIDs.isEmpty else { return [] }
        var q = select(
            "customer_id, version, points, stored_value, tier, tier_since", from: "loyalty_accounts", workspaceID,
            customerIDs)
        q.append(" ORDER BY customer_id")
        return try await fetch(q.query) {
            LoyaltyAccount(
                customerID: try $0.int(0), version: try $0.int(1), points: try $0.int(2), storedValue: try $0.int(3),
                tier: try $0.optionalText(4), tierSince: try $0.optionalInt(5))
        }
    }

    public func openPointLots(workspaceID: Int64, customerIDs: [Int64]) async throws -> [PointLot] {
        guard !customerIDs.isEmpty else { return [] }
        var q = select(
            "id, customer_id, points, remaining, earned_at, expires_at, source", from: "loyalty_lots", workspaceID,
            customerIDs)
        q.append(" AND remaining > 0")
        return try await fetch(q.query) {
            PointLot(
                id: try $0.int(0), customerID: try $0.int(1), points: try $0.int(2), remaining: try $0.int(3),
                earnedAt: try $0.int(4), expiresAt: try $0.optionalInt(5), source: try $0.text(6))
        }
    }

    // MARK: Orders

    private static var orderColumns: String {
        """
        order_id, customer_id, external_id, placed_at, total, refunded, counts, multiplier_percent, earned, points,
            version
        """
    }

    public func loyaltyOrder(workspaceID: Int64, orderID: Int64) async throws -> LoyaltyOrderRecord? {
        var q = sql("SELECT \(Self.orderColumns) FROM loyalty_orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND order_id = ")
        q.bind(orderID)
        return try await fetch(q.query) {
            LoyaltyOrderRecord(
                orderID: try $0.int(0), customerID: try $0.int(1), externalID: try $0.text(2), placedAt: try $0.int(3),
                total: try $0.int(4), refunded: try $0.int(5), counts: try $0.bool(6),
                multiplierPercent: try $0.int(7), earned: try $0.int(8), points: try $0.int(9),
                version: try $0.int(10))
        }.first
    }

    public func loyaltyRefunds(workspaceID: Int64, orderID: Int64) async throws -> [(refundID: Int64, amount: Int64)] {
        var q = sql("SELECT refund_id, amount FROM loyalty_refunds WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND order_id = ")
        q.bind(orderID)
        q.append(" ORDER BY refund_id")
        return try await fetch(q.query) { (try $0.int(0), try $0.int(1)) }
    }

    public func loyaltyActivity(workspaceID: Int64, customerIDs: [Int64], since: Int64) async throws -> LoyaltyActivity
    {
        guard !customerIDs.isEmpty else { return LoyaltyActivity() }
        var q = select(
            """
            CAST(COALESCE(SUM(total - refunded), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN refunded < total THEN 1 ELSE 0 END), 0) AS BIGINT)
            """, from: "loyalty_orders", workspaceID, customerIDs)
        q.append(" AND counts = ")
        q.bind(true)
        q.append(" AND placed_at >= ")
        q.bind(since)
        var activity =
            try await fetch(q.query) { LoyaltyActivity(spend: try $0.int(0), orders: try $0.int(1)) }.first
            ?? LoyaltyActivity()
        var p = select("CAST(COALESCE(SUM(amount), 0) AS BIGINT)", from: "loyalty_entries", workspaceID, customerIDs)
        p.append(" AND ledger = 'points' AND kind IN ('earn', 'reverse', 'bonus') AND created_at >= ")
        p.bind(since)
        activity.points = try await fetch(p.query) { try $0.int(0) }.first ?? 0
        return activity
    }

    // MARK: Ledger

    private static var entryColumns: String {
        "id, customer_id, ledger, kind, amount, balance_after, reason, reference, request_key, created_at"
    }

    private static func entry(_ r: any SQLRow) throws -> LedgerEntry {
        LedgerEntry(
            id: try r.int(0), customerID: try r.int(1), ledger: LoyaltyLedger(rawValue: try r.text(2)) ?? .points,
            kind: try r.text(3), amount: try r.int(4), balanceAfter: try r.int(5), reason: try r.optionalText(6),
            reference: try r.optionalText(7), requestKey: try r.optionalText(8), createdAt: try r.int(9))
    }

    /// `SELECT … FROM loyalty_entries WHERE …` of these raw profiles, to be narrowed.
    private func entries(workspaceID: Int64, customerIDs: [Int64]) -> SQLBuilder {
        select(Self.entryColumns, from: "loyalty_entries", workspaceID, customerIDs)
    }

    /// `SELECT columns FROM table WHERE workspace_id = ? AND customer_id IN (…)`, to be narrowed.
    private func select(_ columns: String, from table: String, _ workspaceID: Int64, _ customerIDs: [Int64])
        -> SQLBuilder
    {
        var q = sql("SELECT \(columns) FROM \(table) WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        return q
    }

    public func ledgerEntries(
        workspaceID: Int64, customerIDs: [Int64], ledger: LoyaltyLedger, cursor: String?, limit: Int
    ) async throws -> Page<LedgerEntry> {
        let before = try CustomerCursor.parse(cursor)
        guard !customerIDs.isEmpty else { return Page(items: [], nextCursor: nil) }
        var q = entries(workspaceID: workspaceID, customerIDs: customerIDs)
        q.append(" AND ledger = ")
        q.bind(ledger.rawValue)
        if before > 0 {
            q.append(" AND id < ")
            q.bind(before)
        }
        q.append(" ORDER BY id DESC LIMIT ")
        q.bind(Int64(limit + 1))
        let rows = try await fetch(q.query, Self.entry)
        let page = Array(rows.prefix(limit))
        return Page(items: page, nextCursor: rows.count > limit ? page.last.map { String($0.id) } : nil)
    }

    public func ledgerEntries(workspaceID: Int64, customerIDs: [Int64], requestKey: String) async throws
        -> [LedgerEntry]
    {
        guard !customerIDs.isEmpty else { return [] }
        var q = entries(workspaceID: workspaceID, customerIDs: customerIDs)
        q.append(" AND request_key = ")
        q.bind(requestKey)
        q.append(" ORDER BY id")
        return try await fetch(q.query, Self.entry)
    }

    public func ledgerEntries(
        workspaceID: Int64, customerIDs: [Int64], ledger: LoyaltyLedger, references: [String]
    ) async throws -> [LedgerEntry] {
        guard !customerIDs.isEmpty, !references.isEmpty else { return [] }
        var q = entries(workspaceID: workspaceID, customerIDs: customerIDs)
        q.append(" AND ledger = ")
        q.bind(ledger.rawValue)
        q.append(" AND reference IN (")
        q.bindList(references.map { .nullable($0) })
        q.append(") ORDER BY id")
        return try await fetch(q.query, Self.entry)
    }

    public func ledgerEntry(workspaceID: Int64, customerIDs: [Int64], id: Int64) async throws -> LedgerEntry? {
        guard !customerIDs.isEmpty else { return nil }
        var q = entries(workspaceID: workspaceID, customerIDs: customerIDs)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.entry).first
    }

    public func loyaltyRequests(workspaceID: Int64, customerIDs: [Int64], key: String) async throws
        -> [LoyaltyRequest]
    {
        guard !customerIDs.isEmpty else { return [] }
        var q = select(
            "customer_id, idempotency_key, operation, fingerprint", from: "loyalty_requests", workspaceID, customerIDs)
        q.append(" AND idempotency_key = ")
        q.bind(key)
        q.append(" ORDER BY created_at")
        return try await fetch(q.query) {
            LoyaltyRequest(
                customerID: try $0.int(0), key: try $0.text(1), operation: try $0.text(2), fingerprint: try $0.text(3))
        }
    }

    // MARK: Tiers

    public func tierChanges(workspaceID: Int64, customerIDs: [Int64]) async throws -> [TierChange] {
        guard !customerIDs.isEmpty else { return [] }
        var q = select(
            "customer_id, from_tier, to_tier, reason, changed_at", from: "loyalty_tier_changes", workspaceID,
            customerIDs)
        q.append(" ORDER BY changed_at DESC, id DESC")
        return try await fetch(q.query) {
            TierChange(
                customerID: try $0.int(0), from: try $0.optionalText(1), to: try $0.optionalText(2),
                reason: try $0.text(3), at: try $0.int(4))
        }
    }

    public func loyaltyProfiles(workspaceID: Int64) async throws -> [Int64] {
        var q = sql(
            """
            SELECT DISTINCT c.canonical_id FROM loyalty_accounts a
            JOIN customers c ON c.workspace_id = a.workspace_id AND c.id = a.customer_id
            WHERE a.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" ORDER BY 1")
        return try await fetch(q.query) { try $0.int(0) }
    }

    public func birthdayProfiles(workspaceID: Int64, monthDay: String) async throws -> [Int64] {
        // The trait is stored as JSON text: `"1990-05-17"` (or a date-time), so the month and day
        // are characters 6–11 after the opening quote and the year.
        var q = sql(
            """
            SELECT DISTINCT c.canonical_id FROM customer_traits t
            \(customersJoin) customers c ON c.workspace_id = t.workspace_id AND c.id = t.customer_id
            WHERE t.name = 'birthday' AND substr(t.value, 1, 1) = '"' AND substr(t.value, 6, 6) = 
            """)
        q.bind("-" + monthDay)
        q.append(" AND t.workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY 1")
        return try await fetch(q.query) { try $0.int(0) }
    }

    // MARK: The atomic write

    public func applyLoyalty(_ write: LoyaltyWrite) async throws -> Bool {
        let ws = SQLValue.int(write.workspaceID)
        var steps: [SQLStep] = []
        if let request = write.request {
            var q = sql(
                "INSERT INTO loyalty_requests(workspace_id, customer_id, idempotency_key, operation, fingerprint, created_at) VALUES ("
            )
            q.bindList([
                ws, .int(request.customerID), .nullable(request.key), .text(request.operation),
                .nullable(request.fingerprint), .int(write.now),
            ])
            q.append(") ON CONFLICT DO NOTHING RETURNING 1")
            steps.append(SQLStep(q.query, required: true))
        }
        if let refund = write.refund {
            var q = sql(
                "INSERT INTO loyalty_refunds(workspace_id, customer_id, refund_id, order_id, amount, refunded_at) VALUES ("
            )
            q.bindList([
                ws, .int(refund.customerID), .int(refund.refundID), .int(refund.orderID), .int(refund.amount),
                .int(refund.at),
            ])
            q.append(") ON CONFLICT DO NOTHING RETURNING 1")
            steps.append(SQLStep(q.query, required: true))
        }
        for account in write.accounts {
            var q = sql("UPDATE loyalty_accounts SET version = version + 1, points = ")
            q.bind(account.points)
            q.append(", stored_value = ")
            q.bind(account.storedValue)
            q.append(", tier = ")
            q.bind(account.tier)
            q.append(", tier_since = ")
            q.bind(account.tierSince)
            q.append(", updated_at = ")
            q.bind(write.now)
            q.append(" WHERE workspace_id = ")
            q.bind(write.workspaceID)
            q.append(" AND customer_id = ")
            q.bind(account.customerID)
            q.append(" AND version = ")
            q.bind(account.version)
            q.append(" RETURNING version")
            steps.append(SQLStep(q.query, required: true))
        }
        if let order = write.order {
            steps.append(SQLStep(orderWrite(order, workspaceID: write.workspaceID, now: write.now), required: true))
        }
        for lot in write.lots {
            var q = sql("UPDATE loyalty_lots SET remaining = ")
            q.bind(lot.remaining)
            q.append(" WHERE workspace_id = ")
            q.bind(write.workspaceID)
            q.append(" AND customer_id = ")
            q.bind(lot.customerID)
            q.append(" AND id = ")
            q.bind(lot.lotID)
            q.append(" AND remaining = ")
            q.bind(lot.expected)
            q.append(" RETURNING id")
            steps.append(SQLStep(q.query, required: true))
        }
        for lot in write.newLots {
            var q = sql(
                "INSERT INTO loyalty_lots(workspace_id, customer_id, points, remaining, earned_at, expires_at, source) VALUES ("
            )
            q.bindList([
                ws, .int(lot.customerID), .int(lot.points), .int(lot.remaining), .int(lot.earnedAt),
                .nullable(lot.expiresAt), .nullable(lot.source),
            ])
            q.append(")")
            steps.append(SQLStep(q.query))
        }
        for entry in write.entries {
            var q = sql(
                """
                INSERT INTO loyalty_entries(workspace_id, customer_id, ledger, kind, amount, balance_after, reason, reference,
                    request_key, created_at) VALUES (
                """)
            q.bindList([
                ws, .int(entry.customerID), .text(entry.ledger.rawValue), .text(entry.kind), .int(entry.amount),
                .int(entry.balanceAfter), .nullable(entry.reason), .nullable(entry.reference),
                .nullable(entry.requestKey), .int(entry.createdAt),
            ])
            q.append(")")
            steps.append(SQLStep(q.query))
        }
        for change in write.tierChanges {
            var q = sql(
                "INSERT INTO loyalty_tier_changes(workspace_id, customer_id, from_tier, to_tier, reason, changed_at) VALUES ("
            )
            q.bindList([
                ws, .int(change.customerID), .nullable(change.from), .nullable(change.to), .nullable(change.reason),
                .int(change.at),
            ])
            q.append(")")
            steps.append(SQLStep(q.query))
        }
        return try await atomically(steps) != nil
    }

    /// Inserts a new order record (version 0: none may exist) or updates it from its version.
    private func orderWrite(_ order: LoyaltyOrderRecord, workspaceID: Int64, now: Int64) -> SQLQuery {
        let fields: [SQLValue] = [
            .int(order.customerID), .nullable(order.externalID), .int(order.placedAt), .int(order.total),
            .int(order.refunded), .bool(order.counts), .int(order.multiplierPercent), .int(order.earned),
            .int(order.points),
        ]
        if order.version == 0 {
            var q = sql(
                """
                INSERT INTO loyalty_orders(workspace_id, order_id, customer_id, external_id, placed_at, total, refunded, counts,
                    multiplier_percent, earned, points, version, updated_at) VALUES (
                """)
            q.bindList([.int(workspaceID), .int(order.orderID)] + fields + [.int(1), .int(now)])
            q.append(") ON CONFLICT DO NOTHING RETURNING order_id")
            return q.query
        }
        let columns = [
            "customer_id", "external_id", "placed_at", "total", "refunded", "counts", "multiplier_percent", "earned",
            "points",
        ]
        var q = sql("UPDATE loyalty_orders SET version = version + 1, updated_at = ")
        q.bind(now)
        for (column, value) in zip(columns, fields) {
            q.append(", \(column) = ")
            q.bind(value)
        }
        q.append(" WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND order_id = ")
        q.bind(order.orderID)
        q.append(" AND version = ")
        q.bind(order.version)
        q.append(" RETURNING order_id")
        return q.query
    }
}
