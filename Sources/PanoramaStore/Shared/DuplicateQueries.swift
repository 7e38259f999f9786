import PanoramaCore

/// The duplicate-detection queries, written once for both stores (see `SharedQueries.swift`).
extension SQLStore {
    // MARK: Settings

    public func duplicateSettings(workspaceID: Int64) async throws -> String? {
        var q = sql("SELECT settings FROM duplicate_settings WHERE workspace_id = ")
        q.bind(workspaceID)
        return try await fetch(q.query) { try $0.text(0) }.first
    }

    public func saveDuplicateSettings(workspaceID: Int64, json: String, now: Int64) async throws {
        var q = sql("INSERT INTO duplicate_settings(workspace_id, settings, updated_at) VALUES (")
        q.bind(workspaceID)
        q.append(", ")
        q.bind(json)
        q.append(", ")
        q.bind(now)
        q.append(
            ") ON CONFLICT(workspace_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at")
        try await run(q.query)
    }

    // MARK: Runs

    private static var runColumns: String {
        """
        id, workspace_id, status, triggered_by, started_at, heartbeat_at, finished_at, duration_ms, records,
        compared_pairs, proposed, auto_merged, skipped, refused, error, summary
        """
    }

    private static func runRow(_ r: any SQLRow) throws -> DuplicateRunRow {
        var run = DuplicateRunRow(
            id: try r.int(0), workspaceID: try r.int(1),
            status: DuplicateRunStatus(rawValue: try r.text(2)) ?? .failed, trigger: try r.text(3),
            startedAt: try r.int(4), heartbeatAt: try r.int(5), finishedAt: try r.optionalInt(6),
            durationMillis: try r.optionalInt(7))
        run.records = try r.int(8)
        run.comparedPairs = try r.int(9)
        run.proposed = try r.int(10)
        run.autoMerged = try r.int(11)
        run.skipped = try r.int(12)
        run.refused = try r.int(13)
        run.error = try r.optionalText(14)
        run.summary = try r.optionalText(15)
        return run
    }

    public func startDuplicateRun(
        workspaceID: Int64, trigger: String, now: Int64, staleBefore: Int64
    ) async throws -> DuplicateRunRow? {
        var abandon = sql("UPDATE duplicate_runs SET status = 'failed', finished_at = ")
        abandon.bind(now)
        abandon.append(", error = 'abandoned: the node running it stopped' WHERE workspace_id = ")
        abandon.bind(workspaceID)
        abandon.append(" AND status = 'running' AND heartbeat_at < ")
        abandon.bind(staleBefore)
        var insert = sql(
            """
            INSERT INTO duplicate_runs(workspace_id, status, triggered_by, started_at, heartbeat_at, records,
                compared_pairs, proposed, auto_merged, skipped, refused) VALUES (
            """)
        insert.bind(workspaceID)
        insert.append(", 'running', ")
        insert.bind(trigger)
        insert.append(", ")
        insert.bind(now)
        insert.append(", ")
        insert.bind(now)
        // The partial unique index on running runs turns a second start into no row.
        insert.append(", 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING RETURNING id")
        guard let ids = try await atomically([SQLStep(abandon.query), SQLStep(insert.query, required: true)]),
            let id = ids.last?.first
        else { return nil }
        return DuplicateRunRow(
            id: id, workspaceID: workspaceID, status: .running, trigger: trigger, startedAt: now, heartbeatAt: now)
    }

    public func touchDuplicateRun(workspaceID: Int64, id: Int64, now: Int64) async throws {
        var q = sql("UPDATE duplicate_runs SET heartbeat_at = ")
        q.bind(now)
        q.append(" WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        q.append(" AND status = 'running'")
        try await run(q.query)
    }

    public func finishDuplicateRun(_ r: DuplicateRunRow) async throws {
        var q = sql("UPDATE duplicate_runs SET status = ")
        q.bind(r.status.rawValue)
        for (column, value) in [
            ("heartbeat_at", r.heartbeatAt), ("records", r.records), ("compared_pairs", r.comparedPairs),
            ("proposed", r.proposed), ("auto_merged", r.autoMerged), ("skipped", r.skipped), ("refused", r.refused),
        ] {
            q.append(", \(column) = ")
            q.bind(value)
        }
        q.append(", finished_at = ")
        q.bind(r.finishedAt)
        q.append(", duration_ms = ")
        q.bind(r.durationMillis)
        q.append(", error = ")
        q.bind(r.error)
        q.append(", summary = ")
        q.bind(r.summary)
        q.append(" WHERE workspace_id = ")
        q.bind(r.workspaceID)
        q.append(" AND id = ")
        q.bind(r.id)
        try await run(q.query)
    }

    public func duplicateRun(workspaceID: Int64, id: Int64) async throws -> DuplicateRunRow? {
        var q = sql("SELECT \(Self.runColumns) FROM duplicate_runs WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.runRow).first
    }

    public func duplicateRuns(workspaceID: Int64, cursor: String?, limit: Int) async throws -> Page<DuplicateRunRow> {
        let before = try CustomerCursor.parse(cursor)
        var q = sql("SELECT \(Self.runColumns) FROM duplicate_runs WHERE workspace_id = ")
        q.bind(workspaceID)
        if cursor != nil {
            q.append(" AND id < ")
            q.bind(before)
        }
        q.append(" ORDER BY id DESC LIMIT ")
        q.bind(Int64(limit + 1))
        return Self.page(try await fetch(q.query, Self.runRow), limit: limit, id: \.id)
    }

    /// The first `limit` rows, and a cursor after the last when there are more.
    private static func page<Row>(_ rows: [Row], limit: Int, id: (Row) -> Int64) -> Page<Row> {
        let items = Array(rows.prefix(limit))
        return Page(items: items, nextCursor: rows.count > limit ? items.last.map { String(id($0)) } : nil)
    }

    // MARK: Candidates

    private static var candidateColumns: String {
        """
        id, workspace_id, first_id, second_id, run_id, status, score, decided_by, reason, merge_id, created_at,
        updated_at, decided_at
        """
    }

    private static func candidateRow(_ r: any SQLRow) throws -> DuplicateCandidateRow {
        DuplicateCandidateRow(
            id: try r.int(0), workspaceID: try r.int(1), firstID: try r.int(2), secondID: try r.int(3),
            runID: try r.int(4), status: DuplicateCandidateStatus(rawValue: try r.text(5)) ?? .pending,
            score: try r.text(6), decidedBy: try r.optionalText(7), reason: try r.optionalText(8),
            mergeID: try r.optionalInt(9), createdAt: try r.int(10), updatedAt: try r.int(11),
            decidedAt: try r.optionalInt(12))
    }

    /// A pair with its score in clear (it holds both profiles' compared values, stored sealed).
    private func openScore(_ row: DuplicateCandidateRow) throws -> DuplicateCandidateRow {
        var opened = row
        opened.score = try protection.open(json: row.score, workspaceID: row.workspaceID) ?? row.score
        return opened
    }

    public func duplicatePairs(workspaceID: Int64) async throws -> [(
        firstID: Int64, secondID: Int64, id: Int64, status: DuplicateCandidateStatus
    )] {
        var q = sql("SELECT first_id, second_id, id, status FROM duplicate_candidates WHERE workspace_id = ")
        q.bind(workspaceID)
        return try await fetch(q.query) {
            (
                try $0.int(0), try $0.int(1), try $0.int(2),
                DuplicateCandidateStatus(rawValue: try $0.text(3)) ?? .pending
            )
        }
    }

    public func saveDuplicateCandidates(_ candidates: [DuplicateCandidateRow]) async throws {
        guard !candidates.isEmpty else { return }
        // A few hundred rows per statement keeps under both drivers' parameter limits.
        var steps: [SQLStep] = []
        var start = 0
        while start < candidates.count {
            let chunk = candidates[start..<min(candidates.count, start + 200)]
            start += chunk.count
            var q = sql(
                """
                INSERT INTO duplicate_candidates(workspace_id, first_id, second_id, run_id, status, score, decided_by,
                    reason, merge_id, created_at, updated_at, decided_at) VALUES 
                """)
            for (index, c) in chunk.enumerated() {
                q.append(index == 0 ? "(" : ", (")
                q.bind(c.workspaceID)
                for value in [c.firstID, c.secondID, c.runID] {
                    q.append(", ")
                    q.bind(value)
                }
                let score = try protection.seal(json: c.score, as: .whole, workspaceID: c.workspaceID) ?? c.score
                for text in [c.status.rawValue, score] as [String] {
                    q.append(", ")
                    q.bind(text)
                }
                for text in [c.decidedBy, c.reason] {
                    q.append(", ")
                    q.bind(text)
                }
                for value in [c.mergeID, c.createdAt, c.updatedAt, c.decidedAt] {
                    q.append(", ")
                    q.bind(value)
                }
                q.append(")")
            }
            q.append(
                """
                 ON CONFLICT(workspace_id, first_id, second_id) DO UPDATE SET run_id = excluded.run_id,
                    status = excluded.status, score = excluded.score, decided_by = excluded.decided_by,
                    reason = excluded.reason, merge_id = excluded.merge_id, updated_at = excluded.updated_at,
                    decided_at = excluded.decided_at
                WHERE duplicate_candidates.status = 'pending'
                """)
            steps.append(SQLStep(q.query))
        }
        _ = try await atomically(steps)
    }

    public func decideDuplicateCandidates(
        workspaceID: Int64, _ decisions: [DuplicateDecision], from: [DuplicateCandidateStatus], now: Int64
    ) async throws -> [Int64] {
        guard !decisions.isEmpty else { return [] }
        let steps = decisions.map { d -> SQLStep in
            var q = sql("UPDATE duplicate_candidates SET status = ")
            q.bind(d.status.rawValue)
            q.append(", decided_by = ")
            q.bind(d.decidedBy)
            q.append(", reason = ")
            q.bind(d.reason)
            q.append(", merge_id = ")
            q.bind(d.mergeID)
            q.append(", decided_at = ")
            q.bind(now)
            q.append(", updated_at = ")
            q.bind(now)
            q.append(" WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND id = ")
            q.bind(d.candidateID)
            q.append(" AND status IN (")
            for (index, status) in from.enumerated() {
                if index > 0 { q.append(", ") }
                q.bind(status.rawValue)
            }
            q.append(") RETURNING id")
            return SQLStep(q.query)
        }
        return (try await atomically(steps) ?? []).flatMap { $0 }
    }

    public func duplicateCandidate(workspaceID: Int64, id: Int64) async throws -> DuplicateCandidateRow? {
        var q = sql("SELECT \(Self.candidateColumns) FROM duplicate_candidates WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.candidateRow).first.map(openScore)
    }

    public func duplicateCandidates(
        workspaceID: Int64, status: DuplicateCandidateStatus?, cursor: String?, limit: Int
    ) async throws -> Page<DuplicateCandidateRow> {
        let after = try CustomerCursor.parse(cursor)
        var q = sql("SELECT \(Self.candidateColumns) FROM duplicate_candidates WHERE workspace_id = ")
        q.bind(workspaceID)
        if let status {
            q.append(" AND status = ")
            q.bind(status.rawValue)
        }
        q.append(" AND id > ")
        q.bind(after)
        q.append(" ORDER BY id LIMIT ")
        q.bind(Int64(limit + 1))
        return Self.page(try await fetch(q.query, Self.candidateRow).map(openScore), limit: limit, id: \.id)
    }

    // MARK: Profiles as matching reads them

    public func liveIDs(workspaceID: Int64, customerIDs: [Int64]) async throws -> [Int64: Int64] {
        guard !customerIDs.isEmpty else { return [:] }
        var q = sql("SELECT id, canonical_id FROM customers WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("id", customerIDs)
        let rows = try await fetch(q.query) { (try $0.int(0), try $0.int(1)) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// `CROSS JOIN` (conditions in `WHERE`) fixes SQLite's join order: from the page's customers
    /// to their traits by key. Left free, SQLite scans every trait of the names through the
    /// `(workspace_id, name, value)` index for each page, which made a run over 100,000 profiles
    /// quadratic. PostgreSQL plans a `CROSS JOIN` with join conditions like any join.
    public func liveTraits(workspaceID: Int64, liveIDs: [Int64], names: [String]) async throws -> [(
        liveID: Int64, trait: TraitValue
    )] {
        guard !liveIDs.isEmpty, !names.isEmpty else { return [] }
        var q = sql(
            """
            SELECT c.canonical_id, t.name, t.value, t.updated_at FROM customers c
            CROSS JOIN customer_traits t
            WHERE t.workspace_id = c.workspace_id AND t.customer_id = c.id AND c.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("c.canonical_id", liveIDs)
        q.append(" AND t.name IN (")
        for (index, name) in names.enumerated() {
            if index > 0 { q.append(", ") }
            q.bind(name)
        }
        q.append(")")
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

    public func liveIdentifiers(workspaceID: Int64, liveIDs: [Int64]) async throws -> [(
        liveID: Int64, identifier: Identifier
    )] {
        guard !liveIDs.isEmpty else { return [] }
        var q = sql()
        q.append(
            """
            SELECT c.canonical_id, i.type, i.value FROM customers c
            CROSS JOIN \(q.table("identifiers", alias: "i", indexedBy: "identifiers_customer"))
            WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND c.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("c.canonical_id", liveIDs)
        q.append(" ORDER BY i.created_at, \(q.bytewise("i.type")), \(q.bytewise("i.value"))")
        let protection = protection
        return try await fetch(q.query) {
            (
                try $0.int(0),
                try protection.open(Identifier(type: try $0.text(1), value: try $0.text(2)), workspaceID: workspaceID)
            )
        }
    }
}
