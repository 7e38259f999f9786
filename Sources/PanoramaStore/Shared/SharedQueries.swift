import PanoramaCore

/// The queries both stores run, each written once. What differs between SQLite and PostgreSQL
/// (placeholders, collation) is spelled by `SQLBuilder`; the write paths that really differ
/// (group commits, event timelines) stay in each store.
extension SQLStore {
    // MARK: Workspaces and keys

    public func workspaces() async throws -> [Workspace] {
        try await fetch(sql("SELECT id, name, time_zone, created_at FROM workspaces ORDER BY id").query) {
            Workspace(id: try $0.int(0), name: try $0.text(1), timeZone: try $0.text(2), createdAt: try $0.int(3))
        }
    }

    public func setWorkspaceTimeZone(workspaceID: Int64, timeZone: String) async throws {
        var q = sql("UPDATE workspaces SET time_zone = ")
        q.bind(timeZone)
        q.append(" WHERE id = ")
        q.bind(workspaceID)
        try await run(q.query)
    }

    public func identitySettings(workspaceID: Int64) async throws -> IdentitySettings {
        var q = sql("SELECT name, priority, max_per_profile, is_unique FROM identifier_types WHERE workspace_id = ")
        q.bind(workspaceID)
        let types = try await fetch(q.query) {
            IdentifierType(
                name: try $0.text(0), priority: Int(try $0.int(1)), limit: try $0.optionalInt(2).map(Int.init),
                unique: try $0.bool(3))
        }
        return types.isEmpty ? .defaults : IdentitySettings(types: types)
    }

    public func saveIdentifierType(workspaceID: Int64, _ type: IdentifierType) async throws {
        try await run(Self.saveType(sql(), workspaceID: workspaceID, type))
    }

    static func saveType(_ builder: SQLBuilder, workspaceID: Int64, _ type: IdentifierType) -> SQLQuery {
        var q = builder
        q.append("INSERT INTO identifier_types(workspace_id, name, priority, max_per_profile, is_unique) VALUES (")
        q.bind(workspaceID)
        q.append(", ")
        q.bind(type.name)
        q.append(", ")
        q.bind(Int64(type.priority))
        q.append(", ")
        q.bind(type.limit.map(Int64.init))
        q.append(", ")
        q.bind(type.unique)
        q.append(
            """
            ) ON CONFLICT(workspace_id, name) DO UPDATE SET priority = excluded.priority,
                max_per_profile = excluded.max_per_profile, is_unique = excluded.is_unique
            """)
        return q.query
    }

    private static var keyColumns: String { "id, workspace_id, kind, name, prefix, hash, created_at, revoked_at" }

    private static func key(_ r: any SQLRow) throws -> APIKey {
        APIKey(
            id: try r.int(0), workspaceID: try r.int(1), kind: APIKeyKind(rawValue: try r.text(2)) ?? .write,
            name: try r.text(3), prefix: try r.text(4), hash: try r.text(5), createdAt: try r.int(6),
            revokedAt: try r.optionalInt(7))
    }

    public func key(hash: String) async throws -> APIKey? {
        var q = sql("SELECT \(Self.keyColumns) FROM api_keys WHERE hash = ")
        q.bind(hash)
        return try await fetch(q.query, Self.key).first
    }

    public func keys(workspaceID: Int64?) async throws -> [APIKey] {
        var q = sql("SELECT \(Self.keyColumns) FROM api_keys")
        if let workspaceID {
            q.append(" WHERE workspace_id = ")
            q.bind(workspaceID)
        }
        q.append(" ORDER BY id")
        return try await fetch(q.query, Self.key)
    }

    public func insertKey(
        workspaceID: Int64, kind: APIKeyKind, name: String, prefix: String, hash: String, now: Int64
    ) async throws -> APIKey {
        var q = sql("INSERT INTO api_keys(workspace_id, kind, name, prefix, hash, created_at) VALUES (")
        for (i, value) in [SQLValue.int(workspaceID), .text(kind.rawValue), .text(name), .text(prefix), .text(hash)]
            .enumerated()
        {
            if i > 0 { q.append(", ") }
            q.bind(value)
        }
        q.append(", ")
        q.bind(now)
        q.append(") RETURNING id")
        let id = try await fetch(q.query) { try $0.int(0) }[0]
        return APIKey(
            id: id, workspaceID: workspaceID, kind: kind, name: name, prefix: prefix, hash: hash, createdAt: now)
    }

    public func revokeKey(id: Int64, now: Int64) async throws -> Bool {
        var q = sql("UPDATE api_keys SET revoked_at = ")
        q.bind(now)
        q.append(" WHERE id = ")
        q.bind(id)
        q.append(" AND revoked_at IS NULL RETURNING id")
        return try await !fetch(q.query) { try $0.int(0) }.isEmpty
    }

    // MARK: Merges

    static var mergeColumns: String {
        "id, workspace_id, from_id, into_id, members, cause_type, cause_value, source, message_id, created_at, undone_at"
    }

    static func mergeRecord(_ r: any SQLRow) throws -> MergeRecord {
        MergeRecord(
            id: try r.int(0), workspaceID: try r.int(1), fromID: try r.int(2), intoID: try r.int(3),
            members: try r.text(4).split(separator: ",").compactMap { Int64($0) },
            cause: Identifier(type: try r.text(5), value: try r.text(6)), source: try r.text(7),
            messageID: try r.optionalText(8), createdAt: try r.int(9), undoneAt: try r.optionalInt(10))
    }

    public func merge(workspaceID: Int64, id: Int64) async throws -> MergeRecord? {
        var q = sql("SELECT \(Self.mergeColumns) FROM merges WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.mergeRecord).first.map(protection.open)
    }

    public func merges(workspaceID: Int64, customerIDs: [Int64]) async throws -> [MergeRecord] {
        guard !customerIDs.isEmpty else { return [] }
        // Two index look-ups: an OR of the two columns makes SQLite scan every merge of the workspace.
        var q = sql("SELECT \(Self.mergeColumns) FROM merges WHERE id IN (SELECT id FROM merges WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("from_id", customerIDs)
        q.append(" UNION SELECT id FROM merges WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("into_id", customerIDs)
        q.append(") ORDER BY id DESC")
        return try await fetch(q.query, Self.mergeRecord).map(protection.open)
    }

    public func conflicts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [IdentityConflict] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql(
            "SELECT customer_id, type, value, owner_id, reason, message_id, created_at FROM identity_conflicts WHERE workspace_id = "
        )
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        q.append(" ORDER BY id DESC LIMIT 100")
        let protection = protection
        return try await fetch(q.query) {
            IdentityConflict(
                customerID: try $0.int(0),
                identifier: try protection.open(
                    Identifier(type: try $0.text(1), value: try $0.text(2)), workspaceID: workspaceID),
                ownerID: try $0.optionalInt(3), reason: try $0.text(4), messageID: try $0.optionalText(5),
                createdAt: try $0.int(6))
        }
    }

    // MARK: Profiles

    private static func customerRow(_ r: any SQLRow) throws -> CustomerRow {
        CustomerRow(id: try r.int(0), canonicalID: try r.int(1), createdAt: try r.int(2))
    }

    public func customer(workspaceID: Int64, id: Int64) async throws -> CustomerRow? {
        var q = sql("SELECT id, canonical_id, created_at FROM customers WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND id = ")
        q.bind(id)
        return try await fetch(q.query, Self.customerRow).first
    }

    public func members(workspaceID: Int64, canonicalID: Int64) async throws -> [CustomerRow] {
        var q = sql("SELECT id, canonical_id, created_at FROM customers WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND canonical_id = ")
        q.bind(canonicalID)
        q.append(" ORDER BY id")
        return try await fetch(q.query, Self.customerRow)
    }

    public func identifiers(
        workspaceID: Int64, customerIDs: [Int64]
    ) async throws -> [(identifier: Identifier, customerID: Int64, createdAt: Int64)] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql()
        q.append(
            "SELECT type, value, customer_id, created_at FROM \(q.table("identifiers", indexedBy: "identifiers_customer")) WHERE workspace_id = "
        )
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        q.append(" ORDER BY created_at, \(q.bytewise("type")), \(q.bytewise("value"))")
        let protection = protection
        return try await fetch(q.query) {
            (
                try protection.open(Identifier(type: try $0.text(0), value: try $0.text(1)), workspaceID: workspaceID),
                try $0.int(2), try $0.int(3)
            )
        }
    }

    public func traits(workspaceID: Int64, customerIDs: [Int64]) async throws -> [TraitValue] {
        guard !customerIDs.isEmpty else { return [] }
        var q = sql("SELECT name, value, updated_at FROM customer_traits WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND ")
        q.inList("customer_id", customerIDs)
        let protection = protection
        return try await fetch(q.query) {
            try protection.open(
                TraitValue(name: try $0.text(0), json: try $0.text(1), updatedAt: try $0.int(2)),
                workspaceID: workspaceID)
        }
    }

    /// The join from identifiers or traits (matched by value first) to their customers. SQLite
    /// without statistics plans these joins the wrong way round, scanning every customer of the
    /// workspace by `customers_canonical` and probing the matches per customer (620 ms per look-up
    /// at 1,000,000 customers, against 0.1 ms matched first); its `CROSS JOIN` keeps the order as
    /// written. PostgreSQL plans from its statistics and has no `CROSS JOIN … ON`.
    var customersJoin: String { dialect == .sqlite ? "CROSS JOIN" : "JOIN" }

    public func owners(workspaceID: Int64, identifier: Identifier) async throws -> [Int64] {
        try await fetch(try ownersQuery(workspaceID: workspaceID, identifier: identifier)) { try $0.int(0) }
    }

    /// The live profiles holding `identifier` (its stored forms under every key), by id.
    func ownersQuery(workspaceID: Int64, identifier: Identifier) throws -> SQLQuery {
        var q = sql(
            """
            SELECT DISTINCT c.canonical_id FROM identifiers i
            \(customersJoin) customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
            WHERE i.workspace_id = 
            """)
        q.bind(workspaceID)
        q.append(" AND i.type = ")
        q.bind(identifier.type)
        q.append(" AND ")
        q.inList("i.value", texts: try protection.candidates(identifier, workspaceID: workspaceID))
        q.append(" ORDER BY 1")
        return q.query
    }

    public func customerIDs(
        workspaceID: Int64, query: CustomerQuery, cursor: String?, limit: Int
    ) async throws -> Page<Int64> {
        let after = try CustomerCursor.parse(cursor)
        var q = sql()
        if let prefix = query.identifierPrefix {
            // A value range per type on the primary key (workspace_id, type, value), by code point.
            q.append(
                """
                SELECT DISTINCT c.canonical_id FROM identifiers i
                \(customersJoin) customers c ON c.workspace_id = i.workspace_id AND c.id = i.customer_id
                WHERE i.workspace_id = 
                """)
            q.bind(workspaceID)
            try await appendIdentifierMatch(&q, workspaceID: workspaceID, type: query.identifierType, prefix: prefix)
            if let trait = query.trait {
                q.append(
                    """
                     AND EXISTS (SELECT 1 FROM customer_traits t JOIN customers m
                        ON m.workspace_id = t.workspace_id AND m.id = t.customer_id
                        WHERE t.workspace_id = c.workspace_id AND m.canonical_id = c.canonical_id AND t.name = 
                    """)
                q.bind(trait.name)
                q.append(" AND ")
                q.inList(
                    "t.value",
                    texts: try protection.traitCandidates(name: trait.name, json: trait.json, workspaceID: workspaceID))
                q.append(")")
            }
            Self.appendScope(&q, query)
            q.append(" AND c.canonical_id > ")
        } else if let trait = query.trait {
            q.append(
                """
                SELECT DISTINCT c.canonical_id FROM customer_traits t
                \(customersJoin) customers c ON c.workspace_id = t.workspace_id AND c.id = t.customer_id
                WHERE t.workspace_id = 
                """)
            q.bind(workspaceID)
            q.append(" AND t.name = ")
            q.bind(trait.name)
            q.append(" AND ")
            q.inList(
                "t.value",
                texts: try protection.traitCandidates(name: trait.name, json: trait.json, workspaceID: workspaceID))
            Self.appendScope(&q, query)
            q.append(" AND c.canonical_id > ")
        } else {
            q.append("SELECT id FROM customers c WHERE workspace_id = ")
            q.bind(workspaceID)
            q.append(" AND canonical_id = id")
            Self.appendScope(&q, query)
            q.append(" AND id > ")
        }
        q.bind(after)
        q.append(" ORDER BY 1 LIMIT ")
        q.bind(Int64(limit + 1))
        let ids = try await fetch(q.query) { try $0.int(0) }
        let page = Array(ids.prefix(limit))
        return Page(items: page, nextCursor: ids.count > limit ? page.last.map(String.init) : nil)
    }

    /// ` AND` identifier `i` matches: values of a type stored in clear by prefix (a value range on
    /// the primary key, by code point); values of a personal type, stored as tokens, only exactly,
    /// after the type's normalization (a phone number as typed matches its E.164 form).
    private func appendIdentifierMatch(
        _ q: inout SQLBuilder, workspaceID: Int64, type: String?, prefix: String
    ) async throws {
        var types = type.map { [$0] } ?? []
        if type == nil { types = try await identitySettings(workspaceID: workspaceID).types.map(\.name) }
        let sealed = protection.isOn ? types.filter(FieldProtection.protects(identifierType:)) : []
        let clear = types.filter { !sealed.contains($0) }
        q.append(" AND (")
        if clear.isEmpty {
            q.append("FALSE")
        } else {
            q.append("(\(q.bytewise("i.value")) >= ")
            q.bind(prefix)
            q.append(" AND \(q.bytewise("i.value")) < ")
            q.bind(prefix + "\u{10FFFF}")
            q.append(" AND ")
            q.inList("i.type", texts: clear)
            q.append(")")
        }
        for type in sealed {
            q.append(" OR (i.type = ")
            q.bind(type)
            q.append(" AND ")
            q.inList(
                "i.value",
                texts: try protection.candidates(
                    Identifier(type: type, value: (try? Normalizer.normalize(type: type, value: prefix)) ?? prefix),
                    workspaceID: workspaceID))
            q.append(")")
        }
        q.append(")")
    }

    /// ` AND` the live customer `c` has the scope trait set to one of its values (no values: none).
    private static func appendScope(_ q: inout SQLBuilder, _ query: CustomerQuery) {
        guard let scope = query.scope else { return }
        guard !scope.jsonValues.isEmpty else {
            q.append(" AND 1 = 0")
            return
        }
        q.append(
            """
             AND EXISTS (SELECT 1 FROM customer_traits st JOIN customers sm
                ON sm.workspace_id = st.workspace_id AND sm.id = st.customer_id
                WHERE st.workspace_id = c.workspace_id AND sm.canonical_id = c.canonical_id AND st.name = 
            """)
        q.bind(scope.name)
        q.append(" AND st.value IN (")
        q.bindList(scope.jsonValues.map(SQLValue.text))
        q.append("))")
    }

    public func eventCount(workspaceID: Int64) async throws -> Int64 {
        var q = sql("SELECT count(*) FROM events WHERE workspace_id = ")
        q.bind(workspaceID)
        return try await fetch(q.query) { try $0.int(0) }.first ?? 0
    }

    // MARK: Cluster

    public func heartbeat(_ node: ClusterNode) async throws {
        var q = sql("INSERT INTO cluster_nodes(node_id, address, started_at, heartbeat_at, is_leader) VALUES (")
        q.bind(node.nodeID)
        q.append(", ")
        q.bind(node.address)
        q.append(", ")
        q.bind(node.startedAt)
        q.append(", ")
        q.bind(node.heartbeatAt)
        q.append(", ")
        q.bind(node.leader)
        q.append(
            """
            ) ON CONFLICT(node_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at,
                is_leader = excluded.is_leader
            """)
        try await run(q.query)
    }

    public func clusterNodes() async throws -> [ClusterNode] {
        let q = sql(
            "SELECT node_id, address, started_at, heartbeat_at, is_leader FROM cluster_nodes ORDER BY started_at, "
        )
        var ordered = q
        ordered.append(q.bytewise("node_id"))
        return try await fetch(ordered.query) {
            ClusterNode(
                nodeID: try $0.text(0), address: try $0.text(1), startedAt: try $0.int(2), heartbeatAt: try $0.int(3),
                leader: try $0.bool(4))
        }
    }

    public func pruneClusterNodes(before: Int64) async throws -> Int {
        var q = sql("DELETE FROM cluster_nodes WHERE heartbeat_at < ")
        q.bind(before)
        q.append(" RETURNING node_id")
        return try await fetch(q.query) { try $0.text(0) }.count
    }

    public func recordJobRun(name: String, nodeID: String, at: Int64) async throws {
        var q = sql("INSERT INTO cluster_jobs(name, node_id, last_run_at, runs) VALUES (")
        q.bind(name)
        q.append(", ")
        q.bind(nodeID)
        q.append(", ")
        q.bind(at)
        q.append(
            """
            , 1) ON CONFLICT(name) DO UPDATE SET node_id = excluded.node_id, last_run_at = excluded.last_run_at,
                runs = cluster_jobs.runs + 1
            """)
        try await run(q.query)
    }

    public func jobRuns() async throws -> [JobRun] {
        var q = sql("SELECT name, node_id, last_run_at, runs FROM cluster_jobs ORDER BY ")
        q.append(q.bytewise("name"))
        return try await fetch(q.query) {
            JobRun(name: try $0.text(0), nodeID: try $0.text(1), lastRunAt: try $0.int(2), runs: try $0.int(3))
        }
    }
}
