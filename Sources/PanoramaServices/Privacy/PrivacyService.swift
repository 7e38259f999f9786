import Foundation
import Logging
import PanoramaCore
import PanoramaStore

/// What an erasure did.
public struct ErasureReport: Sendable, Equatable {
    /// The live customer erased.
    public var customerID: Int64
    /// Every raw profile erased with it.
    public var customerIDs: [Int64]
    /// Whether its identifiers are refused from now on.
    public var suppressed: Bool
    /// Tombstones recorded (distinct identifiers), 0 without suppression.
    public var tombstones: Int
    /// Rows removed or changed, per table (see `PrivacyService.erase`).
    public var rows: [String: Int]

    /// The audit entry's detail: ids, counts per table, the operator's reason; never a personal
    /// value of the customer.
    public func auditDetail(reason: String?, via: String) -> [String: String] {
        var detail = [
            "customers": customerIDs.map(String.init).joined(separator: ","), "suppressed": String(suppressed),
            "tombstones": String(tombstones), "via": via,
        ]
        if let reason { detail["reason"] = reason }
        for (table, count) in rows { detail["rows.\(table)"] = String(count) }
        return detail
    }
}

/// What a retention run did (or, dry, would do).
public struct RetentionReport: Sendable, Equatable {
    public var workspaceID: Int64
    public var days: Int
    /// Events older than this are deleted, epoch ms.
    public var before: Int64
    /// Events deleted, or found when `dryRun`.
    public var events: Int64
    public var dryRun: Bool
}

/// Data subject rights (PIPL / GDPR) and retention: consent per purpose, access to everything
/// held about a customer, erasure with optional suppression, and deleting old events.
///
/// - **Consent** is a history: every change is a row on the raw profile it came to; the current
///   state of a purpose is the latest change over every raw profile of the live customer, so it
///   follows merges. Changes come from the REST API and from tracking (`ConsentIntake`), and
///   reach the audience engine at once, where segments with a `consent_purpose` keep only
///   customers holding a grant.
/// - **Access** gathers every row of every table that holds something about the customer.
/// - **Erasure** runs with the identity pipeline paused for the workspace (`pausingIdentity`), in
///   one store transaction; see `erase` for what each table loses and what is kept.
/// - **Retention** deletes events older than a number of days, in small transactions.
public final class PrivacyService: Sendable {
    /// The scheduled retention job's name (logs, metrics, `GET /api/v1/cluster`).
    public static let retentionJobName = "event-retention"
    /// Events deleted per transaction by retention: small enough that the store is never held long.
    public static let retentionBatch = 2_000
    /// Raw profile ids walked per step of retention.
    static let retentionCustomers: Int64 = 500
    /// Audit entries an access export includes at most.
    static let auditLimit = 10_000

    let store: any PanoramaStore
    let profiles: ProfileService
    let audiences: AudienceService
    let loyalty: LoyaltyService
    let pipeline: IngestPipeline
    let audit: AuditService
    /// The salted hashes of suppressed erasures, which the ingest path checks.
    public let tombstones: ErasureTombstones
    let broadcast: (any ChangeBroadcast)?
    let clock: WallClock
    let logger: Logger
    /// Days events are kept (nil: forever), the server's configuration.
    public let eventRetentionDays: Int?

    public init(
        store: any PanoramaStore, profiles: ProfileService, audiences: AudienceService, loyalty: LoyaltyService,
        pipeline: IngestPipeline, audit: AuditService, tombstones: ErasureTombstones,
        broadcast: (any ChangeBroadcast)?, clock: WallClock, logger: Logger, eventRetentionDays: Int? = nil
    ) {
        self.store = store
        self.profiles = profiles
        self.audiences = audiences
        self.loyalty = loyalty
        self.pipeline = pipeline
        self.audit = audit
        self.tombstones = tombstones
        self.broadcast = broadcast
        self.clock = clock
        self.logger = logger
        self.eventRetentionDays = eventRetentionDays
    }

    /// Throws 404 unless the customer exists (and is in `scope`).
    public func requireCustomer(workspaceID: Int64, id: Int64, scope: CustomerScope = .all) async throws {
        guard try await store.customer(workspaceID: workspaceID, id: id) != nil else {
            throw PanoramaError.customerNotFound(id)
        }
        try await profiles.requireVisible(workspaceID: workspaceID, id: id, scope: scope)
    }

    // MARK: Consent

    /// A live customer's consents: current state per purpose and the history of every raw profile.
    public func consents(workspaceID: Int64, id: Int64, scope: CustomerScope = .all) async throws
        -> CustomerConsents
    {
        try await profiles.requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        guard let live = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.customerNotFound(id)
        }
        let history = try await store.consents(workspaceID: workspaceID, customerIDs: live.members)
        let current = ConsentRecord.current(history).sorted { $0.key < $1.key }.map { purpose, record in
            ConsentState(purpose: purpose, granted: record.granted, source: record.source, at: record.at)
        }
        return CustomerConsents(customerID: live.canonical, current: current, history: history)
    }

    /// Records a consent change for a live customer (now, unless `at` says when it was given) and
    /// returns the consents after it. Segments gated by the purpose follow at once.
    public func setConsent(
        workspaceID: Int64, id: Int64, purpose: ConsentPurpose, granted: Bool, source: String, at: Int64? = nil,
        scope: CustomerScope = .all
    ) async throws -> CustomerConsents {
        let source = source.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty, source.count <= 100 else {
            throw PanoramaError.badRequest("invalid_source", "source must be 1–100 characters", field: "source")
        }
        try await profiles.requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        guard let live = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.customerNotFound(id)
        }
        let now = clock.now()
        try await store.recordConsents(
            workspaceID: workspaceID,
            [
                ConsentRecord(
                    customerID: live.canonical, purpose: purpose.rawValue, granted: granted, source: source,
                    at: at ?? now, createdAt: now)
            ])
        audiences.customersChanged(workspaceID: workspaceID, ids: [live.canonical])
        return try await consents(workspaceID: workspaceID, id: live.canonical)
    }

    /// Records the consent changes tracked messages carried, once they are stored: an identify
    /// with a `consents` trait, a `Consent Granted` / `Consent Revoked` event. `customerIDs` are
    /// the profiles the messages went to (0 for a resend, whose profile is looked up by its
    /// identifiers: a resend after a failure here records what the first attempt did not, and a
    /// change already recorded under its message id is not recorded twice).
    func trackedConsents(workspaceID: Int64, messages: [TrackingMessage], customerIDs: [Int64]) async throws {
        var records: [ConsentRecord] = []
        let now = clock.now()
        for (message, customer) in zip(messages, customerIDs) {
            let changes = TrackedConsent.changes(in: message)
            if changes.isEmpty { continue }
            var owner = customer
            if owner == 0 {
                for identifier in message.identifiers {
                    if let found = try await store.owners(workspaceID: workspaceID, identifier: identifier).first {
                        owner = found
                        break
                    }
                }
            }
            guard owner > 0 else { continue }
            for change in changes {
                records.append(
                    ConsentRecord(
                        customerID: owner, purpose: change.purpose.rawValue, granted: change.granted,
                        source: change.source, at: message.timestamp, messageID: message.messageID, createdAt: now))
            }
        }
        guard !records.isEmpty else { return }
        if try await store.recordConsents(workspaceID: workspaceID, records) > 0 {
            audiences.customersChanged(workspaceID: workspaceID, ids: records.map(\.customerID))
        }
    }

    // MARK: Access

    /// Everything held about a live customer, as one JSON document: the profile (identifiers,
    /// traits, raw profiles merged in), every event with every column, orders with their lines and
    /// refunds, loyalty (accounts, point lots, ledgers, tier changes), tags and segments with the
    /// membership history, computed traits, consents with their history, duplicate candidates,
    /// merges and identity conflicts naming it, and the audit entries whose target it is. Raw rows
    /// show times as epoch milliseconds (UTC); the summaries as ISO-8601.
    public func export(workspaceID: Int64, id: Int64, scope: CustomerScope = .all) async throws -> JSONValue {
        let profile = try await profiles.profile(workspaceID: workspaceID, id: id, scope: scope)
        guard let live = try await store.liveProfile(workspaceID: workspaceID, id: profile.id) else {
            throw PanoramaError.customerNotFound(id)
        }
        let rows = try await store.privacyRecords(workspaceID: workspaceID, customerIDs: live.members)
        func table(_ name: String) -> [JSONValue] { rows[name] ?? [] }
        let consents = try await consents(workspaceID: workspaceID, id: profile.id)
        let held = try await audiences.customer(workspaceID: workspaceID, liveID: profile.id)
        let summary = try await loyalty.summary(workspaceID: workspaceID, customerID: profile.id)
        let targets = Set(live.members + [profile.id]).sorted().map { "customer:\($0)" }
        let auditEntries = try await store.auditEntries(
            workspaceID: workspaceID, targets: targets, limit: Self.auditLimit)

        var traits = JSONObject()
        for t in profile.traits { traits.set(t.name, (try? JSONParser.parse(t.json)) ?? .string(t.json)) }
        var computed = JSONObject()
        for (name, value) in held.traits.sorted(by: { $0.key < $1.key }) { computed.set(name, .string(value)) }
        // Orders with their lines and refunds inside.
        var items: [Int64: [JSONValue]] = [:]
        for row in table("order_items") {
            if let order = row["order_id"]?.numberValue?.int64 { items[order, default: []].append(row) }
        }
        var refunds: [Int64: [JSONValue]] = [:]
        for row in table("refunds") {
            if let order = row["order_id"]?.numberValue?.int64 { refunds[order, default: []].append(row) }
        }
        let orders = table("orders").map { row -> JSONValue in
            guard var object = row.objectValue, let id = row["id"]?.numberValue?.int64 else { return row }
            object.set("items", .array(JSONArray(items[id] ?? [])))
            object.set("refunds", .array(JSONArray(refunds[id] ?? [])))
            return .object(object)
        }
        func array(_ values: [JSONValue]) -> JSONValue { .array(JSONArray(values)) }
        func strings(_ values: [String]) -> JSONValue { array(values.map(JSONValue.string)) }
        return .object([
            "customer_id": .number(JSONNumber(profile.id)),
            "generated_at": .string(Timestamp.format(millis: clock.now())),
            "profile": .object([
                "id": .number(JSONNumber(profile.id)),
                "merged_ids": array(profile.mergedIDs.map { .number(JSONNumber($0)) }),
                "created_at": .string(Timestamp.format(millis: profile.createdAt)),
                "identifiers": array(
                    profile.identifiers.map { .object(["type": .string($0.type), "value": .string($0.value)]) }),
                "traits": .object(traits),
                "raw_profiles": array(table("customers")),
                "identifier_rows": array(table("identifiers")),
                "trait_rows": array(table("customer_traits")),
            ]),
            "events": array(table("events")),
            "orders": array(orders),
            "loyalty": .object([
                "points": .number(JSONNumber(summary.points)),
                "stored_value": .number(JSONNumber(summary.storedValue)),
                "tier": summary.tier.map { .string($0.code) } ?? .null,
                "accounts": array(table("loyalty_accounts")),
                "point_lots": array(table("loyalty_lots")),
                "ledger": array(table("loyalty_entries")),
                "orders": array(table("loyalty_orders")),
                "refunds": array(table("loyalty_refunds")),
                "requests": array(table("loyalty_requests")),
                "tier_changes": array(table("loyalty_tier_changes")),
            ]),
            "memberships": .object([
                "tags": strings(held.tags),
                "segments": strings(held.segments),
                "rows": array(table("memberships")),
                "changes": array(table("membership_changes")),
            ]),
            "computed_traits": .object(computed),
            "consents": consents.json,
            "duplicate_candidates": array(table("duplicate_candidates")),
            "merges": array(table("merges")),
            "identity_conflicts": array(table("identity_conflicts")),
            "audit": array(auditEntries),
        ])
    }

    // MARK: Erasure

    /// Erases a live customer and every raw profile merged into it. With `suppress`, the salted
    /// hashes of its identifiers are kept as tombstones and the ingest path refuses messages
    /// naming any of them (`erased_subject`); without, the same person arriving again is a new
    /// profile. Afterwards nothing is found by any of its former identifiers.
    ///
    /// What each table loses (every customer-owned table of both schemas):
    /// - `customers`, `identifiers`, `customer_traits`: deleted (the profile itself).
    /// - `events` and their `event_message_ids` (and SQLite's `event_index`): deleted.
    /// - `consents`: deleted.
    /// - `memberships`: deleted; `membership_changes`: the customer's past rows deleted, and one
    ///   `exit` row per audience it was in is written, so that systems fed by the change feed
    ///   drop the (now meaningless) id. `audience_sizes` are aggregates and stay.
    /// - Computed trait values live only in the engine: its rows are retired at once.
    /// - `loyalty_accounts`, `loyalty_lots`, `loyalty_entries`, `loyalty_orders`,
    ///   `loyalty_refunds`, `loyalty_requests`, `loyalty_tier_changes`: deleted. The store needs
    ///   none of them for the integrity of anything else (no other table refers to them; orders
    ///   keep their own amounts), so no ledger is kept. An unspent stored-value balance is
    ///   forfeited with them: settle it before erasing.
    /// - `orders`: kept for revenue reporting, detached (`customer_id` = 0, the erased marker) and
    ///   without `properties` (free JSON that may hold names and addresses); `order_items` stay
    ///   (products and amounts); `refunds` stay without `reason` (free text).
    /// - `duplicate_candidates` naming it, `merges` from or into it, `identity_conflicts` of it or
    ///   owned by it: deleted (they hold identifier values and link it to other profiles).
    /// - `audit_log`: kept. It is hash-chained (a deleted entry breaks verification) and names
    ///   the customer by id only; the erasure itself is recorded with counts, never values.
    /// - `imports` (reports of past imports), `duplicate_runs`, `audience_sizes`, definitions,
    ///   keys, users, sessions and roles hold nothing about the customer row by row and stay.
    /// - `erasure_tombstones`: written with `suppress`; `workspace_secrets`: the salt, made once.
    public func erase(workspaceID: Int64, id: Int64, suppress: Bool, scope: CustomerScope = .all) async throws
        -> ErasureReport
    {
        try await profiles.requireVisible(workspaceID: workspaceID, id: id, scope: scope)
        let (store, tombstones, clock) = (self.store, self.tombstones, self.clock)
        let report = try await pipeline.pausingIdentity(workspaceID: workspaceID) { () -> ErasureReport in
            // Read and erase until the profile holds still (another node may merge or attach
            // meanwhile; the store refuses an erasure of a profile that changed since it was read).
            for _ in 0..<5 {
                guard let live = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
                    throw PanoramaError.customerNotFound(id)
                }
                let rows = try await store.identifiers(workspaceID: workspaceID, customerIDs: live.members)
                var distinct: [Identifier] = []
                var seen = Set<Identifier>()
                for row in rows where seen.insert(row.identifier).inserted { distinct.append(row.identifier) }
                let now = clock.now()
                let hashes =
                    suppress ? try await tombstones.tombstones(workspaceID: workspaceID, of: distinct, now: now) : []
                let erasure = Erasure(
                    workspaceID: workspaceID, liveID: live.canonical, customerIDs: live.members,
                    identifierRows: rows.count, tombstones: hashes, now: now)
                if let counts = try await store.erase(erasure) {
                    if suppress { await tombstones.added(workspaceID: workspaceID, tombstones: hashes, at: now) }
                    return ErasureReport(
                        customerID: live.canonical, customerIDs: live.members, suppressed: suppress,
                        tombstones: hashes.count, rows: counts)
                }
            }
            throw PanoramaError.conflict(
                "customer_changing", "customer \(id) kept changing while it was being erased; retry")
        }
        // The engines drop its rows: here at once, on the other nodes when they hear of it.
        audiences.customersChanged(workspaceID: workspaceID, ids: report.customerIDs)
        do {
            try await audiences.flush()
        } catch {
            logger.error(
                "the audience engine did not drop an erased customer at once; its next recompute will",
                metadata: ["error": "\(error)"])
        }
        await broadcast?.publish(.customers(workspaceID: workspaceID, ids: report.customerIDs))
        logger.info(
            "customer erased",
            metadata: [
                "workspace": "\(workspaceID)", "customer": "\(report.customerID)", "suppressed": "\(suppress)",
            ])
        return report
    }

    // MARK: Retention

    /// Deletes the events of a workspace older than `days` (default: the configured retention),
    /// walking raw profiles in ranges and deleting at most `retentionBatch` events per
    /// transaction, then records `privacy.retention` in the audit log. With `dryRun`, only counts.
    @discardableResult
    public func applyRetention(workspaceID: Int64, days: Int? = nil, dryRun: Bool = false, actor: String = "retention")
        async throws -> RetentionReport
    {
        guard let days = days ?? eventRetentionDays else {
            throw PanoramaError.badRequest(
                "retention_off", "no event retention is configured; pass a number of days", field: "days")
        }
        guard days >= 1 else {
            throw PanoramaError.badRequest("invalid_retention", "retention must be at least 1 day", field: "days")
        }
        let cut = clock.now() - Int64(days) * 86_400_000
        var report = RetentionReport(workspaceID: workspaceID, days: days, before: cut, events: 0, dryRun: dryRun)
        if dryRun {
            report.events = try await store.countEvents(workspaceID: workspaceID, before: cut)
            return report
        }
        let top = try await store.maxCustomerID(workspaceID: workspaceID)
        var low: Int64 = 1
        while low <= top {
            try Task.checkCancellation()
            let range = low...min(top, low + Self.retentionCustomers - 1)
            while true {
                let batch = try await store.events(
                    workspaceID: workspaceID, customerIDs: range, before: cut, limit: Self.retentionBatch)
                if batch.isEmpty { break }
                report.events += Int64(try await store.deleteEvents(workspaceID: workspaceID, batch))
                if batch.count < Self.retentionBatch { break }
            }
            low = range.upperBound + 1
        }
        try await audit.record(
            workspaceID: workspaceID, actor: actor, actorKind: actor == "retention" ? .system : .user,
            action: "privacy.retention", target: "events",
            detail: [
                "deleted": String(report.events), "days": String(days), "before": Timestamp.format(millis: cut),
            ])
        if report.events > 0 {
            logger.info(
                "event retention deleted old events",
                metadata: ["workspace": "\(workspaceID)", "deleted": "\(report.events)", "days": "\(days)"])
        }
        return report
    }

    /// The daily retention job over every workspace, run by the cluster's leader only; nil when no
    /// retention is configured (events are kept forever).
    public func makeScheduler(cluster: ClusterService, metrics: any MetricsSink) -> ClusterScheduler? {
        guard eventRetentionDays != nil else { return nil }
        let nodeID = cluster.nodeID
        let job = ClusterScheduler.Job(name: Self.retentionJobName, interval: .seconds(86_400)) { [self] in
            for workspace in try await store.workspaces() {
                try await applyRetention(workspaceID: workspace.id)
            }
            try await store.recordJobRun(name: Self.retentionJobName, nodeID: nodeID, at: clock.now())
        }
        return ClusterScheduler(leadership: cluster.leadership, jobs: [job], logger: logger, metrics: metrics)
    }
}

extension CustomerConsents {
    /// `{"customer_id", "current": [{purpose, granted, source, at}], "history": [...]}`, times in ISO-8601.
    public var json: JSONValue {
        .object([
            "customer_id": .number(JSONNumber(customerID)),
            "current": .array(
                JSONArray(
                    current.map {
                        .object([
                            "purpose": .string($0.purpose.rawValue), "granted": .bool($0.granted),
                            "source": .string($0.source), "at": .string(Timestamp.format(millis: $0.at)),
                        ])
                    })),
            "history": .array(
                JSONArray(
                    history.map {
                        .object([
                            "purpose": .string($0.purpose), "granted": .bool($0.granted), "source": .string($0.source),
                            "at": .string(Timestamp.format(millis: $0.at)),
                            "recorded_at": .string(Timestamp.format(millis: $0.createdAt)),
                            "customer_id": .number(JSONNumber($0.customerID)),
                            "message_id": $0.messageID.map(JSONValue.string) ?? .null,
                        ])
                    })),
        ])
    }
}
