import PanoramaCore

/// The parts of the store that hold sealed values, in the order the sweep visits them.
public enum SealedPart: String, Sendable, CaseIterable {
    case identifiers, traits = "customer_traits", merges, conflicts = "identity_conflicts", orders, events
    case duplicates = "duplicate_candidates"

    /// The integer column the sweep walks in ranges (per workspace for the first two).
    var rangeColumn: String {
        switch self {
        case .identifiers, .traits: "customer_id"
        case .merges, .conflicts, .orders, .events, .duplicates: "id"
        }
    }
}

/// What one pass of the sweep did to one part.
public struct SweepProgress: Sendable, Equatable {
    /// Rows read.
    public var scanned: Int = 0
    /// Rows rewritten: sealed for the first time or re-encrypted under the primary key.
    public var rewritten: Int = 0

    public init(scanned: Int = 0, rewritten: Int = 0) {
        self.scanned = scanned
        self.rewritten = rewritten
    }
}

/// Encryption at rest: the key check at start and the background sweep that seals values written in
/// clear (before encryption was turned on) and re-encrypts values under older keys after a rotation,
/// written once for both stores. Writers are never stopped: each batch is one short transaction,
/// and every rewrite is guarded by the value it read, so a concurrent change wins.
extension SQLStore {
    /// The canary's plaintext and context.
    private static var canary: (text: String, context: String) { ("panorama key check", "canary") }

    /// Checks the ring against the store's canaries and records a canary for keys new to it.
    /// Fails when a ring key has the id of a canary it cannot open (a wrong key), or when encryption
    /// is off but the store holds encrypted data. Returns the ids of keys that wrote to this store
    /// and are no longer in the ring (fine once a rotation sweep has finished).
    @discardableResult
    public func checkProtectionKeys(now: Int64) async throws -> [String] {
        let rows = try await fetch(sql("SELECT key_id, canary FROM protection_keys ORDER BY created_at, key_id").query) {
            (try $0.text(0), try $0.text(1))
        }
        guard let cipher = protection.cipher else {
            if let first = rows.first {
                throw PanoramaError.dataProtection(
                    .keysMissing,
                    "存储中的个人信息已用密钥「\(first.0)」加密，但没有加载任何密钥；请设置 \(KeyRing.environmentVariable) 或 --encryption-key-file。"
                        + " / The store holds personal data encrypted with key \"\(first.0)\", but no key is loaded;"
                        + " set \(KeyRing.environmentVariable) or --encryption-key-file.")
            }
            // This node writes personal values in clear: the next pass has work.
            try await invalidateSweepMark()
            return []
        }
        let known = Dictionary(rows, uniquingKeysWith: { first, _ in first })
        for key in cipher.ring.keys {
            if let token = known[key.id] {
                let opened = try? cipher.decrypt(token, context: Self.canary.context)
                guard opened == Self.canary.text else {
                    throw PanoramaError.dataProtection(
                        .keyInvalid,
                        "密钥「\(key.id)」与写入本存储时使用的同名密钥不同；请使用原来的密钥。"
                            + " / Key \"\(key.id)\" is not the key of that id this store was encrypted with;"
                            + " load the original key.")
                }
            } else {
                var q = sql("INSERT INTO protection_keys(key_id, canary, created_at) VALUES (")
                q.bind(key.id)
                q.append(", ")
                q.bind(try cipher.encrypt(Self.canary.text, context: Self.canary.context))
                q.append(", ")
                q.bind(now)
                q.append(") ON CONFLICT(key_id) DO NOTHING")
                try await run(q.query)
            }
        }
        try await invalidateSweepMark()
        return rows.map(\.0).filter { cipher.ring.key(id: $0) == nil }
    }

    // MARK: The sweep's mark

    /// The sweep's mark: the primary key id under which the last complete pass left every sealed
    /// value (nil when a pass may have work), and the count of invalidations, read before a pass
    /// so that ``markSweepComplete(generation:now:)`` can tell whether one happened meanwhile.
    public func sweepMark() async throws -> (keyID: String?, generation: Int64) {
        try await fetch(sql("SELECT key_id, generation FROM protection_sweep_mark WHERE id = 1").query) {
            (try $0.optionalText(0), try $0.int(1))
        }.first ?? (nil, 0)
    }

    /// Whether a complete pass already left every sealed value under the primary key this store
    /// writes with, and no node opened the store since with encryption off or another primary key.
    public func sweepIsComplete() async throws -> Bool {
        guard let primary = protection.primaryKeyID else { return false }
        return try await sweepMark().keyID == primary
    }

    /// Clears the mark unless it names the primary key this store writes with (run when a node opens
    /// the store, before it writes): a node with encryption off writes values in clear, one with
    /// another primary key writes tokens the others must re-encrypt. The generation moves even when
    /// the mark is clear already, so a pass running elsewhere meanwhile does not set it.
    func invalidateSweepMark() async throws {
        var q = sql("UPDATE protection_sweep_mark SET key_id = NULL, generation = generation + 1 WHERE id = 1")
        if let primary = protection.primaryKeyID {
            q.append(" AND (key_id IS NULL OR key_id <> ")
            q.bind(primary)
            q.append(")")
        }
        try await run(q.query)
    }

    /// Records that a complete pass, begun when the mark's generation was `generation`, left every
    /// sealed value under the primary key; does nothing (and returns false) when the mark was
    /// invalidated meanwhile or encryption is off.
    @discardableResult
    public func markSweepComplete(generation: Int64, now: Int64) async throws -> Bool {
        guard let primary = protection.primaryKeyID else { return false }
        var q = sql("UPDATE protection_sweep_mark SET key_id = ")
        q.bind(primary)
        q.append(", completed_at = ")
        q.bind(now)
        q.append(" WHERE id = 1 AND generation = ")
        q.bind(generation)
        q.append(" RETURNING id")
        return try await !fetch(q.query) { try $0.int(0) }.isEmpty
    }

    /// The upper end of the ranges the sweep walks in a part: the highest value of its range column
    /// (in any workspace).
    public func sweepBound(_ part: SealedPart) async throws -> Int64 {
        try await fetch(
            sql("SELECT CAST(coalesce(max(\(part.rangeColumn)), 0) AS BIGINT) FROM \(part.rawValue)").query
        ) { try $0.int(0) }.first ?? 0
    }

    /// Seals or re-encrypts the rows of `part` whose range column lies in `range`; with `apply`
    /// false only counts the rows that need it.
    public func sweep(_ part: SealedPart, range: ClosedRange<Int64>, apply: Bool = true) async throws -> SweepProgress {
        guard protection.isOn else { return SweepProgress() }
        var q = sql()
        switch part {
        case .identifiers:
            q.append("SELECT workspace_id, customer_id, type, value, holder FROM identifiers WHERE ")
        case .traits:
            q.append("SELECT workspace_id, customer_id, name, value FROM customer_traits WHERE ")
        case .merges:
            q.append("SELECT workspace_id, id, cause_type, cause_value FROM merges WHERE ")
        case .conflicts:
            q.append("SELECT workspace_id, id, type, value FROM identity_conflicts WHERE ")
        case .orders:
            q.append("SELECT workspace_id, id, properties FROM orders WHERE ")
        case .duplicates:
            q.append("SELECT workspace_id, id, score FROM duplicate_candidates WHERE ")
        case .events:
            q.append("SELECT workspace_id, id, properties, traits, context FROM events WHERE ")
        }
        q.append("\(part.rangeColumn) >= ")
        q.bind(range.lowerBound)
        q.append(" AND \(part.rangeColumn) <= ")
        q.bind(range.upperBound)
        let rows = try await fetch(q.query) { row -> [String?] in
            var values: [String?] = [String(try row.int(0)), String(try row.int(1))]
            let columns = part == .events || part == .identifiers ? 3 : part == .orders || part == .duplicates ? 1 : 2
            for index in 2..<(2 + columns) {
                if part == .identifiers && index == 4 {
                    values.append(String(try row.int(index)))
                } else {
                    values.append(try row.optionalText(index))
                }
            }
            return values
        }
        var steps: [SQLStep] = []
        for row in rows {
            let workspaceID = Int64(row[0]!)!
            let id = Int64(row[1]!)!
            switch part {
            case .identifiers, .merges, .conflicts:
                guard let type = row[2], let value = row[3], FieldProtection.protects(identifierType: type),
                    protection.needsWork(storedValue: value)
                else { continue }
                let clear = try protection.open(Identifier(type: type, value: value), workspaceID: workspaceID)
                let sealed = try protection.seal(clear, workspaceID: workspaceID).value
                steps += rewriteIdentifier(part, workspaceID: workspaceID, id: id, type: type, old: value, new: sealed,
                    holder: row.count > 4 ? row[4].flatMap { Int64($0) } : nil)
            case .traits:
                guard let name = row[2], let json = row[3], FieldProtection.protects(trait: name),
                    protection.needsWork(storedValue: FieldProtection.token(inTraitJSON: json) ?? json)
                else { continue }
                let clear = try protection.openTrait(name: name, json: json, workspaceID: workspaceID)
                var u = sql("UPDATE customer_traits SET value = ")
                u.bind(try protection.sealTrait(name: name, json: clear, workspaceID: workspaceID))
                u.append(" WHERE workspace_id = ")
                u.bind(workspaceID)
                u.append(" AND customer_id = ")
                u.bind(id)
                u.append(" AND name = ")
                u.bind(name)
                u.append(" AND value = ")
                u.bind(json)
                steps.append(SQLStep(u.query))
            case .orders, .events, .duplicates:
                let documents: [FieldProtection.Document] =
                    part == .orders ? [.properties] : part == .duplicates ? [.whole] : [.properties, .traits, .context]
                let columns =
                    part == .orders ? ["properties"] : part == .duplicates ? ["score"] : ["properties", "traits", "context"]
                var resealed: [String?] = []
                var changed = false
                for (offset, document) in documents.enumerated() {
                    let text = row[2 + offset]
                    let next = try reseal(text, as: document, workspaceID: workspaceID)
                    changed = changed || next != text
                    resealed.append(next)
                }
                guard changed else { continue }
                var u = sql("UPDATE \(part.rawValue) SET ")
                for (offset, column) in columns.enumerated() {
                    if offset > 0 { u.append(", ") }
                    u.append("\(column) = ")
                    u.bind(resealed[offset])
                }
                u.append(" WHERE id = ")
                u.bind(id)
                for (offset, column) in columns.enumerated() {
                    if let old = row[2 + offset] {
                        u.append(" AND \(column) = ")
                        u.bind(old)
                    } else {
                        u.append(" AND \(column) IS NULL")
                    }
                }
                steps.append(SQLStep(u.query))
            }
        }
        if apply && !steps.isEmpty { _ = try await atomically(steps) }
        return SweepProgress(scanned: rows.count, rewritten: steps.count(where: { $0.query.sql.hasPrefix("UPDATE") }))
    }

    /// The statements that move one sealed identifier value to its new form: an update guarded by
    /// the old value (and, for the identifier table, by the new value not being stored already, which
    /// happens when the same identifier arrived under the new key meanwhile: the old row then goes).
    private func rewriteIdentifier(
        _ part: SealedPart, workspaceID: Int64, id: Int64, type: String, old: String, new: String, holder: Int64?
    ) -> [SQLStep] {
        switch part {
        case .identifiers:
            var u = sql("UPDATE identifiers SET value = ")
            u.bind(new)
            func key(_ q: inout SQLBuilder, value: String) {
                q.append(" WHERE workspace_id = ")
                q.bind(workspaceID)
                q.append(" AND type = ")
                q.bind(type)
                q.append(" AND value = ")
                q.bind(value)
                q.append(" AND holder = ")
                q.bind(holder ?? 0)
            }
            key(&u, value: old)
            u.append(" AND NOT EXISTS (SELECT 1 FROM identifiers n")
            key(&u, value: new)
            u.append(")")
            // `n`'s conditions are written unqualified; inside the subquery they name `n`'s columns.
            var d = sql("DELETE FROM identifiers")
            key(&d, value: old)
            return [SQLStep(u.query), SQLStep(d.query)]
        case .merges, .conflicts:
            let column = part == .merges ? "cause_value" : "value"
            var u = sql("UPDATE \(part.rawValue) SET \(column) = ")
            u.bind(new)
            u.append(" WHERE id = ")
            u.bind(id)
            u.append(" AND \(column) = ")
            u.bind(old)
            return [SQLStep(u.query)]
        default:
            return []
        }
    }

    /// A JSON document sealed afresh under the primary key when it holds personal members in clear
    /// or tokens of older keys; unchanged otherwise.
    private func reseal(_ text: String?, as document: FieldProtection.Document, workspaceID: Int64) throws -> String? {
        guard let text, !text.isEmpty else { return text }
        // Tokens of older keys are opened first; members in clear (beside current tokens or not) are
        // sealed in place.
        let stale = protection.primaryKeyID.map { Self.hasTokensOtherThan($0, in: text) } ?? false
        let clear = stale ? try protection.open(json: text, workspaceID: workspaceID) : text
        return try protection.seal(json: clear, as: document, workspaceID: workspaceID)
    }

    /// Whether `text` holds a token whose key id is not `keyID`.
    private static func hasTokensOtherThan(_ keyID: String, in text: String) -> Bool {
        for prefix in ["\"pe1:", "\"pd1:"] {
            var rest = text[...]
            while let found = rest.range(of: prefix) {
                let after = rest[found.upperBound...]
                if !after.hasPrefix(keyID + ":") { return true }
                rest = after
            }
        }
        return false
    }
}
