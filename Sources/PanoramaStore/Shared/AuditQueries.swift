import PanoramaCore

/// The audit log's statements, written once for both stores (see `SharedQueries.swift`).
///
/// Two things keep part of the work in each store (`SQLiteStore+Audit.swift`,
/// `PostgresStore+Audit.swift`): the `at` column is a double, which the shared `SQLValue` and
/// `SQLRow` do not carry, so each store binds and reads rows itself; and an append reads the head,
/// hashes in Swift and writes inside one locked transaction, which `atomically` cannot express.
/// Conditions on time are bound as integer milliseconds and divided in SQL, which both dialects
/// compute exactly as Swift does (`Double(ms) / 1000`).
enum AuditSQL {
    /// The columns of `audit_log`, in the order every statement here reads and writes them.
    static let columns =
        "sequence, at, workspace, actor, actor_kind, action, target, source_ip, detail, previous_hash, hash"

    /// The PostgreSQL advisory lock that serializes appends (and retention) across nodes: "PANOAUDT".
    static let lockKey: Int64 = 0x5041_4E4F_4155_4454

    /// The recorded head: sequence, hash, at (no row before the first append).
    static let readHead = "SELECT sequence, hash, at FROM audit_checkpoints WHERE kind = 'head'"

    /// Inserts one entry; the values are bound in `columns` order.
    static func insert(_ dialect: SQLDialect) -> String {
        "INSERT INTO audit_log(\(columns)) VALUES (\(marks(dialect, 11)))"
    }

    /// Records the head: sequence, hash, at.
    static func saveHead(_ dialect: SQLDialect) -> String {
        """
        INSERT INTO audit_checkpoints(kind, sequence, hash, at) VALUES ('head', \(marks(dialect, 3)))
        ON CONFLICT(kind) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash, at = excluded.at
        """
    }

    private static func marks(_ dialect: SQLDialect, _ count: Int) -> String {
        (1...count).map { dialect == .postgres ? "$\($0)" : "?" }.joined(separator: ", ")
    }

    /// The head, the retention checkpoint and the highest sequence, in one statement (one snapshot).
    static let state = """
        SELECT h.sequence, h.hash, h.at, r.sequence, r.hash, r.at, (SELECT max(sequence) FROM audit_log)
        FROM (SELECT 1 AS one) o
        LEFT JOIN audit_checkpoints h ON h.kind = 'head'
        LEFT JOIN audit_checkpoints r ON r.kind = 'retention'
        """

    /// A page of a search (see `AuditStore.auditEntries`).
    static func search(_ dialect: SQLDialect, _ query: AuditQuery, after: Int64?, descending: Bool, limit: Int)
        -> SQLQuery
    {
        var q = SQLBuilder(dialect, "SELECT \(columns) FROM audit_log WHERE 1 = 1")
        if let workspace = query.workspace {
            q.append(" AND workspace = ")
            q.bind(workspace)
        }
        if let action = query.action {
            // The action itself, or any below it: `export` matches `export.segment`. '/' is the
            // byte after '.', so the range is exactly the strings that start with "export." (the
            // column compares bytewise: SQLite's default, PostgreSQL's `COLLATE "C"`).
            q.append(" AND (action = ")
            q.bind(action)
            q.append(" OR (action >= ")
            q.bind(action + ".")
            q.append(" AND action < ")
            q.bind(action + "/")
            q.append("))")
        }
        if let actor = query.actor {
            q.append(" AND actor = ")
            q.bind(actor)
        }
        if let target = query.target {
            q.append(" AND target = ")
            q.bind(target)
        }
        if let since = query.since {
            q.append(" AND at >= CAST(")
            q.bind(since)
            q.append(" AS DOUBLE PRECISION) / 1000")
        }
        if let until = query.until {
            q.append(" AND at < CAST(")
            q.bind(until)
            q.append(" AS DOUBLE PRECISION) / 1000")
        }
        if let after {
            q.append(descending ? " AND sequence < " : " AND sequence > ")
            q.bind(after)
        }
        q.append(descending ? " ORDER BY sequence DESC LIMIT " : " ORDER BY sequence LIMIT ")
        q.bind(Int64(limit))
        return q.query
    }

    /// A page of the chain (see `AuditStore.auditChain`).
    static func chain(_ dialect: SQLDialect, after: Int64, through: Int64, limit: Int) -> SQLQuery {
        var q = SQLBuilder(dialect, "SELECT \(columns) FROM audit_log WHERE sequence > ")
        q.bind(after)
        q.append(" AND sequence <= ")
        q.bind(through)
        q.append(" ORDER BY sequence LIMIT ")
        q.bind(Int64(limit))
        return q.query
    }

    /// `detail` as stored: a JSON object of strings, keys sorted.
    static func encode(_ detail: [String: String]) -> String {
        let members = detail.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.string($0.value)) }
        return JSONValue.object(JSONObject(members)).jsonText
    }

    /// `detail` as read back. A value that is not a string (the row was edited by hand) keeps its
    /// JSON text, so the entry's hash no longer matches and verification reports it.
    static func decode(_ text: String) -> [String: String] {
        guard let object = (try? JSONParser.parse(text))?.objectValue else { return ["": text] }
        var detail: [String: String] = [:]
        for (key, value) in object.members { detail[key] = value.stringValue ?? value.jsonText }
        return detail
    }
}

extension SQLStore {
    /// Retention, in one transaction: the newest entry before the first one at or after `cut`
    /// becomes the `retention` checkpoint, then it and everything before it is deleted.
    public func deleteAuditEntries(before cut: Int64) async throws -> Int {
        var steps: [SQLStep] = []
        if dialect == .postgres {
            // The appends' lock: retention and appends never interleave.
            steps.append(SQLStep(SQLQuery(sql: "SELECT pg_advisory_xact_lock(\(AuditSQL.lockKey))", values: [])))
        }
        var mark = sql(
            """
            INSERT INTO audit_checkpoints(kind, sequence, hash, at)
            SELECT 'retention', sequence, hash, at FROM audit_log
            WHERE sequence < COALESCE(
                (SELECT min(sequence) FROM audit_log WHERE at >= CAST(
            """)
        mark.bind(cut)
        mark.append(
            """
             AS DOUBLE PRECISION) / 1000),
                (SELECT max(sequence) FROM audit_log) + 1)
            ORDER BY sequence DESC LIMIT 1
            ON CONFLICT(kind) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash, at = excluded.at
            RETURNING sequence
            """)
        steps.append(SQLStep(mark.query, required: true))
        steps.append(
            SQLStep(
                sql(
                    """
                    DELETE FROM audit_log
                    WHERE sequence <= (SELECT sequence FROM audit_checkpoints WHERE kind = 'retention')
                    RETURNING sequence
                    """
                ).query))
        guard let results = try await atomically(steps) else { return 0 }
        return results.last?.count ?? 0
    }
}
