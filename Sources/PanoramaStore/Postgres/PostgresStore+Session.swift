import Logging
import NIOCore
import PanoramaCore
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// One transaction holding the row locks of some workspaces (see `withIdentityLock`).
    final class Session: IdentitySession {
        let store: PostgresStore
        let connection: PostgresConnection
        /// Identity version per locked workspace, as this transaction leaves it.
        private let versions: Mutex<[Int64: Int64]>
        /// Workspaces whose version this transaction already bumped.
        private let bumped = Mutex<Set<Int64>>([])

        /// Per locked workspace, the identity version of its latest erasure (0: none).
        private let resets: [Int64: Int64]

        init(store: PostgresStore, connection: PostgresConnection, versions: [Int64: Int64], resets: [Int64: Int64]) {
            self.store = store
            self.connection = connection
            self.versions = Mutex(versions)
            self.resets = resets
        }

        var logger: Logger { store.logger }

        func version(workspaceID: Int64) -> Int64 {
            versions.withLock { $0[workspaceID] ?? 0 }
        }

        /// The version rows written by this transaction carry: one past the version it found,
        /// recorded on the workspace once.
        private func writeVersion(_ workspaceID: Int64) async throws -> Int64 {
            guard versions.withLock({ $0[workspaceID] }) != nil else {
                throw PanoramaError(
                    .internal, code: "identity_not_locked",
                    message: "workspace \(workspaceID) was written without its identity lock")
            }
            let first = bumped.withLock { $0.insert(workspaceID).inserted }
            let version = versions.withLock { v in
                if first { v[workspaceID]! += 1 }
                return v[workspaceID]!
            }
            if first {
                try await connection.query(
                    "UPDATE workspaces SET identity_version = \(version) WHERE id = \(workspaceID)", logger: logger)
            }
            return version
        }

        func snapshot(workspaceID: Int64) async throws -> IdentitySnapshot {
            let customers = try await store.all(
                "SELECT id, canonical_id FROM customers WHERE workspace_id = \(workspaceID)", on: connection,
                as: (Int64, Int64).self)
            let identifiers = try await store.all(
                "SELECT type, value, customer_id FROM identifiers WHERE workspace_id = \(workspaceID)",
                on: connection, as: (String, String, Int64).self)
            // Ids of erased profiles are never given out again.
            let erased = try await store.all(
                "SELECT erased_through FROM customer_id_watermarks WHERE workspace_id = \(workspaceID)",
                on: connection, as: Int64.self)
            return IdentitySnapshot(
                customers: customers.map { ($0.0, $0.1) },
                identifiers: try store.protection.open(
                    identifiers.map { (Identifier(type: $0.0, value: $0.1), $0.2) }, workspaceID: workspaceID),
                maxCustomerID: max(customers.map(\.0).max() ?? 0, erased.first ?? 0),
                version: version(workspaceID: workspaceID))
        }

        func changes(workspaceID: Int64, since version: Int64) async throws -> IdentityChanges {
            let current = self.version(workspaceID: workspaceID)
            guard current > version else { return IdentityChanges(customers: [], identifiers: [], version: current) }
            if (resets[workspaceID] ?? 0) > version {
                return IdentityChanges(customers: [], identifiers: [], version: current, reset: true)
            }
            let customers = try await store.all(
                """
                SELECT id, canonical_id FROM customers WHERE workspace_id = \(workspaceID) AND version > \(version)
                """, on: connection, as: (Int64, Int64).self)
            let identifiers = try await store.all(
                """
                SELECT type, value, customer_id FROM identifiers
                WHERE workspace_id = \(workspaceID) AND version > \(version)
                """, on: connection, as: (String, String, Int64).self)
            return IdentityChanges(
                customers: customers.map { ($0.0, $0.1) },
                identifiers: try store.protection.open(
                    identifiers.map { (Identifier(type: $0.0, value: $0.1), $0.2) }, workspaceID: workspaceID),
                version: current)
        }

        func commit(_ commit: IngestCommit) async throws -> Set<Int> {
            guard !commit.isEmpty else { return [] }
            let commit = try store.protection.seal(commit)
            try await writeCustomers(commit.customers)
            try await writeIdentifiers(commit.identifiers)
            for m in commit.merges {
                try await point(workspaceID: m.workspaceID, members: m.members, at: m.intoID)
                let members = m.members.map(String.init).joined(separator: ",")
                try await connection.query(
                    """
                    INSERT INTO merges(workspace_id, from_id, into_id, members, cause_type, cause_value, source,
                        message_id, created_at)
                    VALUES (\(m.workspaceID), \(m.fromID), \(m.intoID), \(members), \(m.cause.type.withoutNUL),
                        \(m.cause.value.withoutNUL), \(m.source), \(m.messageID?.withoutNUL),
                        \(m.createdAt))
                    """, logger: logger)
            }
            for (workspaceID, c) in commit.conflicts {
                try await connection.query(
                    """
                    INSERT INTO identity_conflicts(workspace_id, customer_id, type, value, owner_id, reason,
                        message_id, created_at)
                    VALUES (\(workspaceID), \(c.customerID), \(c.identifier.type.withoutNUL),
                        \(c.identifier.value.withoutNUL), \(c.ownerID), \(c.reason),
                        \(c.messageID?.withoutNUL), \(c.createdAt))
                    """, logger: logger)
            }
            let skipped = try await writeEvents(commit.events)
            try await writeTraits(commit.traits)
            try await writeOrders(commit.orders)
            return skipped
        }

        /// Orders and their lines (statements shared with SQLite: `OrderQueries.swift`). Orders
        /// without lines (most imports) go in multi-row statements of up to 1,000; a later write of
        /// the same order in the group wins, as it would one by one.
        private func writeOrders(_ orders: [(workspaceID: Int64, order: Order)]) async throws {
            guard !orders.isEmpty else { return }
            var plain: [(workspaceID: Int64, order: Order)] = []
            var position: [String: Int] = [:]
            for (workspaceID, order) in orders {
                guard order.items.isEmpty else {
                    try await writeOrder(workspaceID: workspaceID, order)
                    continue
                }
                let key = "\(workspaceID):\(order.externalID)"
                if let at = position[key] {
                    plain[at] = (workspaceID, order)
                } else {
                    position[key] = plain.count
                    plain.append((workspaceID, order))
                }
            }
            var start = 0
            while start < plain.count {
                let chunk = Array(plain[start..<min(start + 1_000, plain.count)])
                start += chunk.count
                let upsert = PostgresStore.upsertOrders(SQLBuilder(.postgres), chunk)
                let written = try await store.fetch(upsert, on: connection) {
                    (try $0.int(0), try $0.int(1), try $0.int(2))
                }
                // An update of an order that had lines drops them.
                for (id, version, workspaceID) in written where version > 1 {
                    for q in PostgresStore.saveItems(SQLBuilder(.postgres), workspaceID: workspaceID, orderID: id, []) {
                        _ = try await store.fetch(q, on: connection) { _ in 0 }
                    }
                }
            }
        }

        /// One order and its lines.
        private func writeOrder(workspaceID: Int64, _ order: Order) async throws {
            let upsert = PostgresStore.upsertOrder(SQLBuilder(.postgres), workspaceID: workspaceID, order)
            guard let (id, version) = try await store.fetch(upsert, on: connection, { (try $0.int(0), try $0.int(1)) }).first
            else { return }
            if order.items.isEmpty && version == 1 { return }
            for q in PostgresStore.saveItems(SQLBuilder(.postgres), workspaceID: workspaceID, orderID: id, order.items) {
                _ = try await store.fetch(q, on: connection) { _ in 0 }
            }
        }

        func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws {
            try await point(workspaceID: workspaceID, members: movedBack, at: from)
            try await connection.query(
                "UPDATE merges SET undone_at = \(now) WHERE workspace_id = \(workspaceID) AND id = \(mergeID)",
                logger: logger)
        }

        private func point(workspaceID: Int64, members: [Int64], at canonical: Int64) async throws {
            let version = try await writeVersion(workspaceID)
            try await connection.query(
                """
                UPDATE customers SET canonical_id = \(canonical), version = \(version)
                WHERE workspace_id = \(workspaceID) AND id = ANY(\(members))
                """, logger: logger)
        }

        private func writeCustomers(_ customers: [IngestCommit.NewCustomer]) async throws {
            guard !customers.isEmpty else { return }
            var workspaces: [Int64] = []
            var ids: [Int64] = []
            var created: [Int64] = []
            var versions: [Int64] = []
            for c in customers {
                workspaces.append(c.workspaceID)
                ids.append(c.id)
                created.append(c.createdAt)
                versions.append(try await writeVersion(c.workspaceID))
            }
            try await connection.query(
                """
                INSERT INTO customers(workspace_id, id, canonical_id, created_at, version)
                SELECT w, i, i, t, v FROM unnest(\(workspaces)::bigint[], \(ids)::bigint[], \(created)::bigint[],
                    \(versions)::bigint[]) AS x(w, i, t, v)
                """, logger: logger)
        }

        private func writeIdentifiers(_ identifiers: [IngestCommit.NewIdentifier]) async throws {
            guard !identifiers.isEmpty else { return }
            var workspaces: [Int64] = []
            var types: [String] = []
            var values: [String] = []
            var holders: [Int64] = []
            var customers: [Int64] = []
            var created: [Int64] = []
            var versions: [Int64] = []
            for i in identifiers {
                workspaces.append(i.workspaceID)
                types.append(i.identifier.type.withoutNUL)
                values.append(i.identifier.value.withoutNUL)
                holders.append(i.shared ? i.customerID : 0)
                customers.append(i.customerID)
                created.append(i.createdAt)
                versions.append(try await writeVersion(i.workspaceID))
            }
            // Rows already there: re-attaching a value to its holder is a no-op; a second holder of a
            // unique value means the graph went wrong, and the whole transaction fails.
            let clashes = try await store.all(
                """
                WITH x(w, ty, va, h, c, t, v) AS (
                    SELECT * FROM unnest(\(workspaces)::bigint[], \(types)::text[], \(values)::text[],
                        \(holders)::bigint[], \(customers)::bigint[], \(created)::bigint[], \(versions)::bigint[])),
                inserted AS (
                    INSERT INTO identifiers(workspace_id, type, value, holder, customer_id, created_at, version)
                    SELECT w, ty, va, h, c, t, v FROM x
                    ON CONFLICT (workspace_id, type, value, holder) DO NOTHING
                    RETURNING workspace_id, type, value, holder)
                SELECT x.ty, x.va, i.customer_id FROM x
                JOIN identifiers i ON i.workspace_id = x.w AND i.type = x.ty AND i.value = x.va AND i.holder = x.h
                WHERE x.h = 0 AND i.customer_id <> x.c
                    AND NOT EXISTS (SELECT 1 FROM inserted n
                        WHERE n.workspace_id = x.w AND n.type = x.ty AND n.value = x.va AND n.holder = x.h)
                """, on: connection, as: (String, String, Int64).self)
            if let clash = clashes.first {
                throw PanoramaError(
                    .internal, code: "identity_conflict",
                    message: "identifier \(clash.0) is already held by profile \(clash.2); nothing was stored")
            }
        }

        /// Claims the message ids, then COPYs the events whose id was new; returns the positions of
        /// the others (resends of messages already stored, possibly by another node).
        private func writeEvents(_ events: [IngestCommit.NewEvent]) async throws -> Set<Int> {
            guard !events.isEmpty else { return [] }
            let workspaces = events.map(\.workspaceID)
            let ids = events.map { $0.event.messageID.withoutNUL }
            let claimed = try await store.all(
                """
                INSERT INTO event_message_ids(workspace_id, message_id)
                SELECT * FROM unnest(\(workspaces)::bigint[], \(ids)::text[])
                ON CONFLICT DO NOTHING RETURNING workspace_id, message_id
                """, on: connection, as: (Int64, String).self)
            var skipped = Set<Int>()
            if claimed.count < events.count {
                var keys = Set<String>()
                for (w, m) in claimed { keys.insert("\(w)\u{1}\(m)") }
                skipped = Set(events.indices.filter { !keys.contains("\(workspaces[$0])\u{1}\(ids[$0])") })
            }
            var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
            try await connection.copyFrom(table: "events", columns: Self.eventColumns, logger: logger) { writer in
                for index in events.indices where !skipped.contains(index) {
                    Self.appendRow(events[index], to: &buffer)
                    if buffer.readableBytes >= 256 * 1024 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
            return skipped
        }

        static let eventColumns = [
            "workspace_id", "customer_id", "message_id", "type", "event", "name", "user_id", "anonymous_id",
            "group_id", "previous_id", "timestamp", "original_timestamp", "sent_at", "received_at", "properties",
            "traits", "context", "campaign",
        ]

        /// One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
        static func appendRow(_ e: IngestCommit.NewEvent, to buffer: inout ByteBuffer) {
            let v = e.event
            func number(_ n: Int64?) { CopyText.append(n, to: &buffer) }
            func text(_ value: String?) { CopyText.append(value, to: &buffer) }
            let tab: UInt8 = 0x09
            number(e.workspaceID)
            buffer.writeInteger(tab)
            number(v.customerID)
            buffer.writeInteger(tab)
            text(v.messageID)
            buffer.writeInteger(tab)
            text(v.type.rawValue)
            for field in [v.event, v.name, v.userID, v.anonymousID, v.groupID, v.previousID] {
                buffer.writeInteger(tab)
                text(field)
            }
            for n in [v.timestamp, v.originalTimestamp, v.sentAt, v.receivedAt] {
                buffer.writeInteger(tab)
                number(n)
            }
            for field in [v.properties, v.traits, v.context] {
                buffer.writeInteger(tab)
                text(field)
            }
            buffer.writeInteger(tab)
            text(EventCampaign.name(type: v.type, context: v.context, properties: v.properties))
            buffer.writeInteger(UInt8(0x0A))
        }

        /// Trait writes, last write by event time wins. One statement may not touch a row twice,
        /// so writes to the same trait are first reduced to the one a sequence of writes would keep.
        private func writeTraits(_ traits: [IngestCommit.TraitWrite]) async throws {
            guard !traits.isEmpty else { return }
            struct Key: Hashable {
                var workspace: Int64
                var customer: Int64
                var name: String
            }
            var latest: [Key: Int] = [:]
            for (index, t) in traits.enumerated() {
                let key = Key(workspace: t.workspaceID, customer: t.customerID, name: t.trait.name)
                if let previous = latest[key], traits[previous].trait.updatedAt > t.trait.updatedAt { continue }
                latest[key] = index
            }
            let kept = latest.values.sorted().map { traits[$0] }
            try await connection.query(
                """
                INSERT INTO customer_traits(workspace_id, customer_id, name, value, updated_at)
                SELECT * FROM unnest(\(kept.map(\.workspaceID))::bigint[], \(kept.map(\.customerID))::bigint[],
                    \(kept.map { $0.trait.name.withoutNUL })::text[],
                    \(kept.map { $0.trait.json.withoutNUL })::text[], \(kept.map(\.trait.updatedAt))::bigint[])
                ON CONFLICT (workspace_id, customer_id, name) DO UPDATE
                SET value = excluded.value, updated_at = excluded.updated_at
                WHERE excluded.updated_at > customer_traits.updated_at
                    OR (excluded.updated_at = customer_traits.updated_at AND excluded.value <> customer_traits.value)
                """, logger: logger)
        }
    }
}
