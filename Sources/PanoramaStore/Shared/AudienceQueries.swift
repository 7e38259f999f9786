import PanoramaCore

/// The tag and segment queries, written once for both stores (see `SharedQueries.swift`).
extension SQLStore {
    // MARK: Computed traits

    public func computedTraits(workspaceID: Int64) async throws -> [(
        name: String, definition: String, updatedAt: Int64
    )] {
        var q = sql("SELECT name, definition, updated_at FROM computed_traits WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY name")
        return try await fetch(q.query) { (try $0.text(0), try $0.text(1), try $0.int(2)) }
    }

    public func saveComputedTrait(workspaceID: Int64, name: String, definition: String, now: Int64) async throws {
        var q = sql("INSERT INTO computed_traits(workspace_id, name, definition, created_at, updated_at) VALUES (")
        q.bindList([.int(workspaceID), .text(name), .text(definition), .int(now), .int(now)])
        q.append(
            ") ON CONFLICT(workspace_id, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at"
        )
        try await run(q.query)
    }

    public func deleteComputedTrait(workspaceID: Int64, name: String) async throws -> Bool {
        var q = sql("DELETE FROM computed_traits WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND name = ")
        q.bind(name)
        q.append(" RETURNING 1")
        return try await atomically([SQLStep(q.query, required: true)]) != nil
    }

    // MARK: Definitions

    public func audiences(workspaceID: Int64) async throws -> [StoredAudience] {
        var q = sql("SELECT kind, name, definition, created_at, updated_at FROM audiences WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" ORDER BY kind, name")
        return try await fetch(q.query) {
            StoredAudience(
                workspaceID: workspaceID, kind: AudienceKind(rawValue: try $0.text(0)) ?? .tag, name: try $0.text(1),
                definition: try $0.text(2), createdAt: try $0.int(3), updatedAt: try $0.int(4))
        }
    }

    public func saveAudience(_ a: StoredAudience) async throws {
        var q = sql("INSERT INTO audiences(workspace_id, kind, name, definition, created_at, updated_at) VALUES (")
        q.bindList([
            .int(a.workspaceID), .text(a.kind.rawValue), .text(a.name), .text(a.definition), .int(a.createdAt),
            .int(a.updatedAt),
        ])
        q.append(
            """
            ) ON CONFLICT(workspace_id, kind, name) DO UPDATE SET definition = excluded.definition,
                updated_at = excluded.updated_at
            """)
        try await run(q.query)
    }

    public func deleteAudience(workspaceID: Int64, kind: AudienceKind, name: String) async throws -> Bool {
        let steps = ["audiences", "memberships", "audience_sizes"].map { table in
            var q = sql("DELETE FROM \(table) WHERE ")
            q.append(Self.audienceKey(&q, workspaceID, kind, name))
            if table == "audiences" { q.append(" RETURNING 1") }
            return SQLStep(q.query, required: table == "audiences")
        }
        return try await atomically(steps) != nil
    }

    /// Binds the `(workspace_id, kind, name)` condition; returns "" so it reads inline.
    private static func audienceKey(
        _ q: inout SQLBuilder, _ workspaceID: Int64, _ kind: AudienceKind, _ name: String, alias: String = ""
    ) -> String {
        q.append("\(alias)workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND \(alias)kind = ")
        q.bind(kind.rawValue)
        q.append(" AND \(alias)name = ")
        q.bind(name)
        return ""
    }

    // MARK: Members

    public func audienceMembers(workspaceID: Int64, kind: AudienceKind, name: String) async throws -> [Int64] {
        try await audienceMembers(workspaceID: workspaceID, kind: kind, name: name, after: Int64.min, limit: Int.max)
    }

    public func audienceMembers(
        workspaceID: Int64, kind: AudienceKind, name: String, after: Int64, limit: Int
    ) async throws -> [Int64] {
        var q = sql("SELECT customer_id FROM \(sql().table("memberships", indexedBy: "memberships_audience")) WHERE ")
        q.append(Self.audienceKey(&q, workspaceID, kind, name))
        q.append(" AND customer_id > ")
        q.bind(after)
        q.append(" ORDER BY customer_id")
        if limit < Int.max {
            q.append(" LIMIT ")
            q.bind(Int64(limit))
        }
        return try await fetch(q.query) { try $0.int(0) }
    }

    public func memberships(workspaceID: Int64, customerID: Int64) async throws -> [(
        kind: AudienceKind, name: String, since: Int64
    )] {
        var q = sql("SELECT kind, name, since FROM memberships WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND customer_id = ")
        q.bind(customerID)
        q.append(" ORDER BY kind, name")
        return try await fetch(q.query) {
            (AudienceKind(rawValue: try $0.text(0)) ?? .tag, try $0.text(1), try $0.int(2))
        }
    }

    public func applyMembership(
        workspaceID: Int64, kind: AudienceKind, name: String, enter: [Int64], exit: [Int64], now: Int64,
        feed: Bool
    ) async throws {
        for (ids, entering) in [(enter, true), (exit, false)] {
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                start += chunk.count
                var steps: [SQLStep] = []
                if feed {
                    // The feed row is written only for a real change: an id already in (or out) adds none.
                    var f = sql("INSERT INTO membership_changes(workspace_id, kind, name, customer_id, change, at) ")
                    if entering {
                        f.append("WITH c(id) AS (VALUES \(chunk.map { "(\($0))" }.joined(separator: ","))) SELECT ")
                        f.append("CAST(")
                        f.bind(workspaceID)
                        f.append(" AS BIGINT), CAST(")
                        f.bind(kind.rawValue)
                        f.append(" AS TEXT), CAST(")
                        f.bind(name)
                        f.append(" AS TEXT), c.id, 'enter', CAST(")
                        f.bind(now)
                        f.append(" AS BIGINT) FROM c WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE ")
                        f.append(Self.audienceKey(&f, workspaceID, kind, name, alias: "m."))
                        f.append(" AND m.customer_id = c.id)")
                    } else {
                        f.append("SELECT workspace_id, kind, name, customer_id, 'exit', CAST(")
                        f.bind(now)
                        f.append(" AS BIGINT) FROM memberships WHERE ")
                        f.append(Self.audienceKey(&f, workspaceID, kind, name))
                        f.append(" AND ")
                        f.inList("customer_id", chunk)
                    }
                    steps.append(SQLStep(f.query))
                }
                var w = sql()
                if entering {
                    w.append("INSERT INTO memberships(workspace_id, customer_id, kind, name, since) VALUES ")
                    for (i, id) in chunk.enumerated() {
                        w.append(i == 0 ? "(" : ", (")
                        w.bindList([.int(workspaceID), .int(id), .text(kind.rawValue), .text(name), .int(now)])
                        w.append(")")
                    }
                    w.append(" ON CONFLICT DO NOTHING")
                } else {
                    w.append("DELETE FROM memberships WHERE ")
                    w.append(Self.audienceKey(&w, workspaceID, kind, name))
                    w.append(" AND ")
                    w.inList("customer_id", chunk)
                }
                steps.append(SQLStep(w.query))
                _ = try await atomically(steps)
            }
        }
    }

    public func membershipChanges(
        workspaceID: Int64, kind: AudienceKind, name: String, after: Int64, limit: Int
    ) async throws -> [MembershipChange] {
        var q = sql("SELECT id, customer_id, change, at FROM membership_changes WHERE ")
        q.append(Self.audienceKey(&q, workspaceID, kind, name))
        q.append(" AND id > ")
        q.bind(after)
        q.append(" ORDER BY id LIMIT ")
        q.bind(Int64(limit))
        return try await fetch(q.query) {
            MembershipChange(
                id: try $0.int(0), customerID: try $0.int(1),
                change: MembershipChange.Direction(rawValue: try $0.text(2)) ?? .enter, at: try $0.int(3))
        }
    }

    public func recordAudienceSize(
        workspaceID: Int64, kind: AudienceKind, name: String, at: Int64, size: Int64
    ) async throws {
        var q = sql("INSERT INTO audience_sizes(workspace_id, kind, name, at, size) VALUES (")
        q.bindList([.int(workspaceID), .text(kind.rawValue), .text(name), .int(at), .int(size)])
        q.append(") ON CONFLICT(workspace_id, kind, name, at) DO UPDATE SET size = excluded.size")
        try await run(q.query)
    }

    public func audienceSizes(
        workspaceID: Int64, kind: AudienceKind, name: String, since: Int64
    ) async throws -> [(at: Int64, size: Int64)] {
        var q = sql("SELECT at, size FROM audience_sizes WHERE ")
        q.append(Self.audienceKey(&q, workspaceID, kind, name))
        q.append(" AND at >= ")
        q.bind(since)
        q.append(" ORDER BY at")
        return try await fetch(q.query) { (try $0.int(0), try $0.int(1)) }
    }

    // MARK: What the trait engine reads

    public func liveCustomerIDs(workspaceID: Int64, after: Int64, limit: Int) async throws -> [Int64] {
        var q = sql("SELECT id FROM customers WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND canonical_id = id AND id > ")
        q.bind(after)
        q.append(" ORDER BY id LIMIT ")
        q.bind(Int64(limit))
        return try await fetch(q.query) { try $0.int(0) }
    }

    public func rawProfiles(workspaceID: Int64, liveIDs: [Int64]) async throws -> [(raw: Int64, live: Int64)] {
        guard !liveIDs.isEmpty else { return [] }
        var q = sql("SELECT id, canonical_id FROM \(sql().table("customers", indexedBy: "customers_canonical"))")
        q.append(" WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("canonical_id", liveIDs)
        return try await fetch(q.query) { (try $0.int(0), try $0.int(1)) }
    }

    public func rawTraits(workspaceID: Int64, customerIDs: [Int64]) async throws -> [(
        customerID: Int64, trait: TraitValue
    )] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql("SELECT customer_id, name, value, updated_at FROM customer_traits WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        let protection = protection
        return try await fetch(q.query) {
            (
                try $0.int(0),
                try protection.open(
                    TraitValue(name: try $0.text(1), json: try $0.text(2), updatedAt: try $0.int(3)),
                    workspaceID: workspaceID)
            )
        }
    }

    public func orderFacts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [OrderFact] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql(
            """
            SELECT o.customer_id, o.placed_at, o.status, o.total - o.refunded, o.refunded >= o.total AND o.total > 0,
                CAST((SELECT COALESCE(SUM(i.quantity - i.refunded_quantity), 0) FROM order_items i
                 WHERE i.workspace_id = o.workspace_id AND i.order_id = o.id) AS BIGINT),
                o.channel, o.store_id
            FROM orders o WHERE o.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("o.customer_id", customerIDs)
        return try await fetch(q.query) {
            OrderFact(
                customerID: try $0.int(0), placedAt: try $0.int(1), status: try $0.text(2), netAmount: try $0.int(3),
                fullyRefunded: try $0.bool(4), items: try $0.int(5), channel: try $0.optionalText(6),
                store: try $0.optionalText(7))
        }
    }

    public func trackFacts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [(
        customerID: Int64, timestamp: Int64, event: String
    )] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql()
        func part(_ where: String) {
            q.append("SELECT customer_id, timestamp, event FROM events WHERE \(`where`) workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND type = 'track' AND event IS NOT NULL AND ")
            q.inList("customer_id", customerIDs)
        }
        switch dialect {
        case .postgres:
            part("")
        case .sqlite:
            // Events reach `event_index` (by customer) a little after they are stored: read the
            // indexed part through it and the tail past its watermark directly, as the timeline does.
            part(
                """
                id IN (SELECT event_id FROM event_index WHERE workspace_id = \(workspaceID) AND \
                customer_id IN (\(customerIDs.map(String.init).joined(separator: ",")))) AND
                """)
            q.append(" UNION ALL ")
            part("id > (SELECT indexed_through FROM event_index_state WHERE id = 1) AND")
        }
        return try await fetch(q.query) { (try $0.int(0), try $0.int(1), try $0.text(2)) }
    }
}
