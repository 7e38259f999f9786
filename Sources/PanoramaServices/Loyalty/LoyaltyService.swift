import Foundation
import Logging
import PanoramaCore
import PanoramaStore
import Synchronization

/// A keyed operation's effect: its entries (one per raw profile whose balance moved) and the
/// profile's balance after it. Built from the stored entries, so a replay returns the same.
public struct LoyaltyOperation: Sendable, Equatable {
    /// The id of its first entry (a spend's id is what a refund names).
    public var id: Int64
    public var key: String
    public var ledger: LoyaltyLedger
    public var kind: String
    /// Signed sum of its entries.
    public var amount: Int64
    /// The profile's balance right after it.
    public var balance: Int64
    public var createdAt: Int64
    public var entries: [LedgerEntry]
}

/// A live profile's loyalty at a glance.
public struct LoyaltySummary: Sendable, Equatable {
    public var customerID: Int64
    public var points: Int64
    /// Lots with points left, in the order they are spent (soonest expiry first).
    public var lots: [PointLot]
    public var tier: LoyaltyProgram.Tier?
    public var tierSince: Int64?
    /// Newest first.
    public var tierHistory: [TierChange]
    /// What tiers qualify on now, over `activitySince` until now.
    public var activity: LoyaltyActivity
    public var activitySince: Int64
    public var storedValue: Int64
}

/// What a tier review did.
public struct TierReviewReport: Sendable, Equatable {
    public var profiles: Int
    public var upgraded: Int
    public var downgraded: Int
    public var expiredPoints: Int64
    public var reviewedAt: Int64
}

/// Loyalty and membership (会员与积分): points, tiers and stored value (储值).
///
/// - **Points** are credited in lots (orders, bonus events, positive adjustments) that expire
///   per the program; redemptions, negative adjustments and reversals take the lots that expire
///   soonest (the oldest) first, and a lot past its expiry is written off before anything is
///   read or spent. The ledger of a profile always sums to its balance, which never goes below 0.
///   A refund or cancellation takes back the order's points in proportion to the money
///   refunded; points already redeemed cannot be taken back, and the reversal entry says so.
/// - **Tiers** are upgraded as soon as an order qualifies the customer, and lowered only by the
///   tier review (`reviewTiers`, run daily by the scheduler and on request).
/// - **Stored value** is money: top-ups, spends and refunds of spends, never below 0.
/// - **Idempotency**: every client write carries a key, scoped to the profile. The same key with
///   the same request returns the first answer without a second effect; with another request it
///   is refused with `idempotency_key_reused`. Orders and refunds are idempotent by their ids.
/// - **Concurrency**: each write is planned from one read of the profile's accounts and lots and
///   applied only if none of them changed meanwhile (`LoyaltyWrite`); otherwise it is planned
///   again. So concurrent spends cannot overdraw, on SQLite and PostgreSQL alike.
/// - **Merges**: a live profile's loyalty is that of all its raw profiles together. Accounts,
///   lots and entries stay keyed by the raw profile they were written for: credits go to the
///   live (canonical) profile's own account, debits to whichever raw profile's lots or stored
///   value they take (the live profile's stored value first). The tier of a merged profile is
///   its own, or else the highest of its raw profiles'. Undoing a merge therefore gives each
///   side back exactly what its own entries sum to — what was spent from a side stays spent.
public final class LoyaltyService: OrderObserver, Sendable {
    private let store: any PanoramaStore
    private let clock: WallClock
    private let logger: Logger

    /// How often a write is planned again when concurrent writes keep changing what it read.
    static let maxAttempts = 500
    /// The most points one redemption or adjustment moves.
    static let maxPoints: Int64 = 1_000_000_000
    /// The most minor units one stored-value operation moves (1 billion yuan).
    static let maxAmount: Int64 = 100_000_000_000

    public init(store: any PanoramaStore, clock: WallClock, logger: Logger) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    // MARK: Bonus events from tracking

    /// Each workspace's bonus rules by normalized event name, read at most every 2 s: tracking
    /// asks on every batch, which must not cost a store read.
    private let bonusRules = Mutex<[Int64: (rules: [String: String], readAt: ContinuousClock.Instant)]>([:])

    /// A tracked event name as bonus rules are matched: lower-case letters and digits only, and
    /// the Segment spec's `Signed Up` is `signup` (`Birthday`, `birthday` and `BIRTHDAY` are one).
    static func bonusKey(_ event: String) -> String {
        let key = String(event.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) })
        return key == "signedup" ? "signup" : key
    }

    /// Grants the bonus of tracked events that name a bonus rule of the program (`Signed Up` →
    /// `signup`, `Birthday` → `birthday`, or the rule's own name), once per message (its id is the
    /// idempotency key) and within the rule's limit. Tracking is never refused for loyalty: a bonus
    /// already granted or a failed grant is logged, not thrown.
    public func trackedEvents(workspaceID: Int64, _ events: [(event: String, customerID: Int64, messageID: String)]) async {
        guard !events.isEmpty else { return }
        let rules: [String: String]
        if let cached = bonusRules.withLock({ $0[workspaceID] }), ContinuousClock.now - cached.readAt < .seconds(2) {
            rules = cached.rules
        } else {
            guard let program = try? await program(workspaceID: workspaceID) else { return }
            var map: [String: String] = [:]
            for case .event(let name, _, _) in program.earnRules { map[Self.bonusKey(name)] = name }
            let read = map
            bonusRules.withLock { $0[workspaceID] = (read, .now) }
            rules = map
        }
        guard !rules.isEmpty else { return }
        for (event, customerID, messageID) in events where customerID > 0 {
            guard let rule = rules[Self.bonusKey(event)] else { continue }
            do {
                _ = try await grantBonus(
                    workspaceID: workspaceID, customerID: customerID, event: rule, key: "event:\(messageID)")
            } catch {
                logger.info(
                    "bonus event not granted",
                    metadata: ["event": "\(event)", "customer": "\(customerID)", "reason": "\(error)"])
            }
        }
    }

    // MARK: Program

    /// The workspace's program (the empty program until one is saved).
    public func program(workspaceID: Int64) async throws -> LoyaltyProgram {
        guard let stored = try await store.loyaltyProgram(workspaceID: workspaceID) else { return .empty }
        do {
            var program = try LoyaltyProgram(json: try JSONParser.parse(stored.definition))
            program.updatedAt = stored.updatedAt
            return program
        } catch {
            throw PanoramaError(
                .internal, code: "invalid_stored_program", message: "the stored loyalty program cannot be read")
        }
    }

    /// Validates and saves a program; it applies to what happens from now on (lots keep their
    /// expiry, orders their multiplier, customers their tier until the next order or review).
    public func saveProgram(workspaceID: Int64, json: JSONValue) async throws -> LoyaltyProgram {
        var program = try LoyaltyProgram(json: json)
        let now = clock.now()
        try await store.saveLoyaltyProgram(workspaceID: workspaceID, definition: program.json.jsonText, now: now)
        program.updatedAt = now
        return program
    }

    /// The program and time zone an operation works with.
    private struct Setting {
        var program: LoyaltyProgram
        var zone: TimeZone

        func expiry(_ now: Int64) -> Int64? { program.expiry(earnedAt: now, zone: zone) }
        /// The start of the window tiers qualify on.
        func since(_ now: Int64) -> Int64 { now - Int64(program.tierPeriodDays) * 86_400_000 }
    }

    private func setting(_ workspaceID: Int64) async throws -> Setting {
        let program = try await program(workspaceID: workspaceID)
        let name = try await store.workspaces().first { $0.id == workspaceID }?.timeZone ?? "Asia/Shanghai"
        return Setting(
            program: program,
            zone: TimeZone(identifier: name) ?? TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 0)!)
    }

    // MARK: Reading

    /// A live profile and its raw profiles.
    private struct Members {
        var canonical: Int64
        var ids: [Int64]
    }

    /// The live profile `id` is or was merged into; `customer_not_found` when `required` and
    /// there is none (an observer call then keeps to the id it was given).
    private func members(_ workspaceID: Int64, _ id: Int64, required: Bool = true) async throws -> Members {
        guard let (canonical, members) = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            if required { throw PanoramaError.customerNotFound(id) }
            return Members(canonical: id, ids: [id])
        }
        return Members(canonical: canonical, ids: members.contains(canonical) ? members : members + [canonical])
    }

    /// Balances, lots, tier and its history, qualifying activity and stored value of a profile.
    public func summary(workspaceID: Int64, customerID: Int64) async throws -> LoyaltySummary {
        let setting = try await setting(workspaceID)
        let profile = try await members(workspaceID, customerID)
        try await expireLots(workspaceID, profile)
        let now = clock.now()
        let accounts = try await store.loyaltyAccounts(workspaceID: workspaceID, customerIDs: profile.ids)
        let lots = try await store.openPointLots(workspaceID: workspaceID, customerIDs: profile.ids)
        let since = setting.since(now)
        let activity = try await store.loyaltyActivity(workspaceID: workspaceID, customerIDs: profile.ids, since: since)
        let tier = Self.tier(of: accounts, canonical: profile.canonical, in: setting.program)
        // Since when the profile holds its tier: its own account's date, else the earliest of the
        // raw profiles holding it (none for the base tier, which is never set).
        let holders = accounts.filter { $0.tier != nil && $0.tier == tier.code }
        let tierSince =
            holders.first { $0.customerID == profile.canonical }?.tierSince ?? holders.compactMap(\.tierSince).min()
        return LoyaltySummary(
            customerID: profile.canonical, points: accounts.reduce(0) { $0 + $1.points },
            lots: LoyaltyBook.spendingOrder(lots), tier: tier.index.map { setting.program.tiers[$0] },
            tierSince: tierSince,
            tierHistory: try await store.tierChanges(workspaceID: workspaceID, customerIDs: profile.ids),
            activity: activity, activitySince: since, storedValue: accounts.reduce(0) { $0 + $1.storedValue })
    }

    /// One ledger of a profile, newest first, with the balance it sums to.
    public func ledger(
        workspaceID: Int64, customerID: Int64, _ ledger: LoyaltyLedger, cursor: String?, limit: Int
    ) async throws -> (balance: Int64, page: Page<LedgerEntry>) {
        let profile = try await members(workspaceID, customerID)
        try await expireLots(workspaceID, profile)
        let page = try await store.ledgerEntries(
            workspaceID: workspaceID, customerIDs: profile.ids, ledger: ledger, cursor: cursor, limit: limit)
        let accounts = try await store.loyaltyAccounts(workspaceID: workspaceID, customerIDs: profile.ids)
        let balance = accounts.reduce(0) { $0 + (ledger == .points ? $1.points : $1.storedValue) }
        return (balance, page)
    }

    /// Writes off lots past their expiry (nothing is written when none is).
    private func expireLots(_ workspaceID: Int64, _ profile: Members) async throws {
        try await transact(workspaceID, profile, needsAccount: false) { _ in Outcome(value: ()) }
    }

    /// The profile's tier: its own account's, or else the highest of its raw profiles', or else
    /// the program's base tier. A code the program no longer has does not count.
    private static func tier(of accounts: [LoyaltyAccount], canonical: Int64, in program: LoyaltyProgram) -> (
        code: String?, index: Int?
    ) {
        let own = accounts.first { $0.customerID == canonical }.flatMap { program.tierIndex($0.tier) }
        let index = own ?? accounts.compactMap { program.tierIndex($0.tier) }.max() ?? program.baseTier
        return (index.map { program.tiers[$0].code }, index)
    }

    // MARK: Keyed operations

    /// Adds (positive) or removes (negative) points by hand; `reason` is required.
    public func adjustPoints(workspaceID: Int64, customerID: Int64, points: Int64, reason: String, key: String)
        async throws -> (operation: LoyaltyOperation, replayed: Bool)
    {
        guard points != 0, points.magnitude <= Self.maxPoints else {
            throw PanoramaError.badRequest(
                "invalid_points", "points must be a non-zero integer from -\(Self.maxPoints) to \(Self.maxPoints)",
                field: "points")
        }
        let reason = try Self.reason(reason, required: true)
        let setting = try await setting(workspaceID)
        return try await keyed(
            workspaceID, customerID, key: key, operation: "points.adjustment",
            [.number(JSONNumber(points)), reason.json],
            ledger: .points
        ) { book, key in
            if points > 0 {
                book.credit(
                    points: points, kind: "adjust", reason: reason, reference: "adjustment", key: key,
                    expiresAt: setting.expiry(book.now))
            } else {
                try Self.requirePoints(-points, in: book)
                book.debit(points: -points, kind: "adjust", reason: reason, reference: "adjustment", key: key)
            }
        }
    }

    /// Spends points, the lots that expire soonest first.
    public func redeemPoints(workspaceID: Int64, customerID: Int64, points: Int64, reason: String?, key: String)
        async throws -> (operation: LoyaltyOperation, replayed: Bool)
    {
        guard points > 0, points <= Self.maxPoints else {
            throw PanoramaError.badRequest(
                "invalid_points", "points must be an integer from 1 to \(Self.maxPoints)", field: "points")
        }
        let reason = try Self.reason(reason)
        return try await keyed(
            workspaceID, customerID, key: key, operation: "points.redemption",
            [.number(JSONNumber(points)), reason.json],
            ledger: .points
        ) { book, key in
            try Self.requirePoints(points, in: book)
            book.debit(points: points, kind: "redeem", reason: reason, reference: nil, key: key)
        }
    }

    /// Grants the bonus of an event rule (`signup`, `birthday` or a named one), at most as often
    /// as the rule's limit allows (`bonus_already_granted`).
    public func grantBonus(workspaceID: Int64, customerID: Int64, event: String, key: String) async throws -> (
        operation: LoyaltyOperation, replayed: Bool
    ) {
        let setting = try await setting(workspaceID)
        guard let rule = setting.program.eventRule(event) else {
            let known = setting.program.earnRules.compactMap { rule -> String? in
                if case .event(let name, _, _) = rule { return name }
                return nil
            }
            throw PanoramaError.badRequest(
                "unknown_event",
                "the loyalty program has no bonus rule for event '\(event)'"
                    + (known.isEmpty ? "" : " (it has: \(known.joined(separator: ", ")))"), field: "event")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = setting.zone
        let year = calendar.component(.year, from: Date(timeIntervalSince1970: Double(clock.now()) / 1000))
        let reference = rule.limit == .yearly ? "event:\(event):\(year)" : "event:\(event)"
        return try await keyed(
            workspaceID, customerID, key: key, operation: "points.bonus", [.string(event)], ledger: .points
        ) { book, key in
            if rule.limit != .unlimited {
                let granted = try await self.store.ledgerEntries(
                    workspaceID: workspaceID, customerIDs: book.accounts.map(\.customerID), ledger: .points,
                    references: [reference])
                guard granted.isEmpty else {
                    throw PanoramaError.conflict(
                        "bonus_already_granted",
                        rule.limit == .yearly
                            ? "the \(event) bonus was already granted to this customer in \(year)"
                            : "the \(event) bonus was already granted to this customer")
                }
            }
            book.credit(
                points: rule.points, kind: "bonus", reason: event, reference: reference, key: key,
                expiresAt: setting.expiry(book.now))
        }
    }

    /// Adds money to the profile's stored value.
    public func topUp(workspaceID: Int64, customerID: Int64, amount: Int64, reason: String?, key: String)
        async throws -> (operation: LoyaltyOperation, replayed: Bool)
    {
        try await storedValue(workspaceID, customerID, "top_up", amount: amount, reason: reason, key: key) {
            book, reason, key in
            book.credit(storedValue: amount, kind: "top_up", reason: reason, reference: nil, key: key)
        }
    }

    /// Pays from the profile's stored value (`insufficient_balance` when it is short).
    public func spend(workspaceID: Int64, customerID: Int64, amount: Int64, reason: String?, key: String)
        async throws -> (operation: LoyaltyOperation, replayed: Bool)
    {
        try await storedValue(workspaceID, customerID, "spend", amount: amount, reason: reason, key: key) {
            book, reason, key in
            guard book.storedValue >= amount else {
                throw PanoramaError.conflict(
                    "insufficient_balance",
                    "the customer's stored value is \(book.storedValue), less than the \(amount) to spend")
            }
            book.debit(storedValue: amount, kind: "spend", reason: reason, key: key)
        }
    }

    /// Gives back (part of) a spend, named by the id the spend returned, to the accounts it was
    /// taken from; never more than what is left of it (`refund_exceeds_spend`).
    public func refundSpend(
        workspaceID: Int64, customerID: Int64, spendID: Int64, amount: Int64, reason: String?, key: String
    ) async throws -> (operation: LoyaltyOperation, replayed: Bool) {
        try await storedValue(
            workspaceID, customerID, "refund", amount: amount, reason: reason, key: key,
            also: [.number(JSONNumber(spendID))]
        ) { book, reason, key in
            let ids = book.accounts.map(\.customerID)
            guard let spend = try await self.store.ledgerEntry(workspaceID: workspaceID, customerIDs: ids, id: spendID),
                spend.ledger == .storedValue, spend.kind == "spend", let spendKey = spend.requestKey
            else {
                throw PanoramaError.notFound("spend_not_found", "this customer has no stored-value spend \(spendID)")
            }
            let parts = try await self.store.ledgerEntries(
                workspaceID: workspaceID, customerIDs: ids, requestKey: spendKey
            )
            .filter { $0.ledger == .storedValue && $0.kind == "spend" }
            let refunds = try await self.store.ledgerEntries(
                workspaceID: workspaceID, customerIDs: ids, ledger: .storedValue,
                references: parts.map { "spend:\($0.id)" })
            let left = parts.map { part in
                -part.amount - refunds.filter { $0.reference == "spend:\(part.id)" }.reduce(0) { $0 + $1.amount }
            }
            let refundable = left.reduce(0, +)
            guard amount <= refundable else {
                throw PanoramaError.conflict(
                    "refund_exceeds_spend", "at most \(refundable) of spend \(spendID) can still be refunded")
            }
            var remaining = amount
            for (part, open) in zip(parts, left) where remaining > 0 && open > 0 {
                let portion = min(remaining, open)
                book.credit(
                    storedValue: portion, to: part.customerID, kind: "refund", reason: reason,
                    reference: "spend:\(part.id)", key: key)
                remaining -= portion
            }
        }
    }

    /// A keyed stored-value operation of `amount` minor units with an optional reason.
    private func storedValue(
        _ workspaceID: Int64, _ customerID: Int64, _ kind: String, amount: Int64, reason: String?, key: String,
        also parameters: [JSONValue] = [], _ plan: (inout LoyaltyBook, String?, String) async throws -> Void
    ) async throws -> (operation: LoyaltyOperation, replayed: Bool) {
        guard amount > 0, amount <= Self.maxAmount else {
            throw PanoramaError.badRequest(
                "invalid_amount", "amount must be an integer number of minor units (分) from 1 to \(Self.maxAmount)",
                field: "amount")
        }
        let reason = try Self.reason(reason)
        return try await keyed(
            workspaceID, customerID, key: key, operation: "stored_value.\(kind)",
            parameters + [.number(JSONNumber(amount)), reason.json], ledger: .storedValue
        ) { book, key in try await plan(&book, reason, key) }
    }

    private static func requirePoints(_ points: Int64, in book: LoyaltyBook) throws(PanoramaError) {
        guard book.points >= points else {
            throw PanoramaError.conflict(
                "insufficient_points", "the customer has \(book.points) points, fewer than the \(points) requested")
        }
    }

    private static func reason(_ reason: String?, required: Bool = false) throws(PanoramaError) -> String? {
        let text = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && (text ?? "").isEmpty {
            throw PanoramaError.badRequest("invalid_reason", "reason is required: say why", field: "reason")
        }
        guard (text?.count ?? 0) <= 500 else {
            throw PanoramaError.badRequest("invalid_reason", "reason is at most 500 characters", field: "reason")
        }
        return text.flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func key(_ key: String) throws(PanoramaError) -> String {
        guard !key.isEmpty, key.count <= 255, !key.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw PanoramaError.badRequest(
                "invalid_idempotency_key", "the idempotency key must be 1 to 255 printable characters",
                field: "idempotency_key")
        }
        return key
    }

    /// Runs a keyed operation once: a key already recorded for this profile answers with what
    /// its operation wrote (or `idempotency_key_reused` when it carried another request).
    private func keyed(
        _ workspaceID: Int64, _ customerID: Int64, key: String, operation: String, _ parameters: [JSONValue],
        ledger: LoyaltyLedger, _ plan: (inout LoyaltyBook, String) async throws -> Void
    ) async throws -> (operation: LoyaltyOperation, replayed: Bool) {
        let key = try Self.key(key)
        let profile = try await members(workspaceID, customerID)
        let request = LoyaltyRequest(
            customerID: profile.canonical, key: key, operation: operation,
            fingerprint: JSONValue.array(JSONArray(parameters)).jsonText)
        if let replay = try await replay(workspaceID, profile, request, ledger) { return (replay, true) }
        do {
            try await transact(workspaceID, profile, request: request) { book in
                try await plan(&book, key)
                return Outcome(value: ())
            }
        } catch is KeyTaken {
            guard let replay = try await replay(workspaceID, profile, request, ledger) else {
                throw PanoramaError.unavailable("the request with this idempotency key is still being processed; retry")
            }
            return (replay, true)
        }
        guard let done = try await recordedOperation(workspaceID, profile, key: key, ledger: ledger) else {
            throw PanoramaError(.internal, code: "internal_error", message: "the operation left no ledger entry")
        }
        return (done, false)
    }

    /// What the request with this key did, if it was recorded; throws when the key carried
    /// another request.
    private func replay(_ workspaceID: Int64, _ profile: Members, _ request: LoyaltyRequest, _ ledger: LoyaltyLedger)
        async throws -> LoyaltyOperation?
    {
        let recorded = try await store.loyaltyRequests(
            workspaceID: workspaceID, customerIDs: profile.ids, key: request.key)
        guard !recorded.isEmpty else { return nil }
        guard recorded.contains(where: { $0.operation == request.operation && $0.fingerprint == request.fingerprint })
        else {
            throw PanoramaError.conflict(
                "idempotency_key_reused",
                "this idempotency key was already used for a different request (\(recorded[0].operation)); use a new key for a new request"
            )
        }
        return try await recordedOperation(workspaceID, profile, key: request.key, ledger: ledger)
    }

    private func recordedOperation(_ workspaceID: Int64, _ profile: Members, key: String, ledger: LoyaltyLedger)
        async throws
        -> LoyaltyOperation?
    {
        let entries = try await store.ledgerEntries(workspaceID: workspaceID, customerIDs: profile.ids, requestKey: key)
            .filter { $0.ledger == ledger }
        guard let first = entries.first, let last = entries.last else { return nil }
        return LoyaltyOperation(
            id: first.id, key: key, ledger: ledger, kind: first.kind, amount: entries.reduce(0) { $0 + $1.amount },
            balance: last.balanceAfter, createdAt: first.createdAt, entries: entries)
    }

    // MARK: Writing

    /// What a plan decided besides the book's changes.
    private struct Outcome<T> {
        var value: T
        var order: LoyaltyOrderRecord? = nil
        var refund: LoyaltyWrite.RefundSeen? = nil
    }

    /// The idempotency key of a write was recorded by a concurrent request.
    private struct KeyTaken: Error {}

    /// Reads the profile's accounts and lots into a book (writing off expired lots), lets `plan`
    /// change it and writes the result if nothing read has changed meanwhile, else starts over.
    /// `plan` must do its own further reads: they come after the accounts' versions were read,
    /// so a concurrent change to what they show makes the write fail and the plan run again.
    @discardableResult
    private func transact<T>(
        _ workspaceID: Int64, _ profile: Members, request: LoyaltyRequest? = nil, needsAccount: Bool = true,
        _ plan: (inout LoyaltyBook) async throws -> Outcome<T>
    ) async throws -> T {
        for attempt in 0..<Self.maxAttempts {
            if attempt > 0 {
                // Jitter, so that writers who lost the same race do not meet again at once.
                try await Task.sleep(for: .microseconds(Int.random(in: 0...(min(attempt, 20) * 500))))
            }
            var accounts = try await store.loyaltyAccounts(workspaceID: workspaceID, customerIDs: profile.ids)
            if needsAccount && !accounts.contains(where: { $0.customerID == profile.canonical }) {
                try await store.ensureLoyaltyAccount(
                    workspaceID: workspaceID, customerID: profile.canonical, now: clock.now())
                accounts = try await store.loyaltyAccounts(workspaceID: workspaceID, customerIDs: profile.ids)
            }
            var book = LoyaltyBook(
                workspaceID: workspaceID, now: clock.now(), canonicalID: profile.canonical, accounts: accounts,
                lots: try await store.openPointLots(workspaceID: workspaceID, customerIDs: profile.ids))
            book.expireLots()
            let outcome = try await plan(&book)
            guard book.changed || outcome.order != nil || outcome.refund != nil || request != nil else {
                return outcome.value
            }
            if try await store.applyLoyalty(book.write(request: request, order: outcome.order, refund: outcome.refund))
            {
                return outcome.value
            }
            if let request,
                !(try await store.loyaltyRequests(workspaceID: workspaceID, customerIDs: profile.ids, key: request.key))
                    .isEmpty
            {
                throw KeyTaken()
            }
        }
        throw PanoramaError.unavailable("the customer's loyalty account is busy with other writes; retry")
    }

    // MARK: Orders

    public func orderSaved(workspaceID: Int64, order: Order, previous: Order?, customerID: Int64) async {
        await settleLogged(workspaceID, order, refund: nil, customerID: customerID)
    }

    public func refundSaved(workspaceID: Int64, refund: Refund, order: Order, customerID: Int64) async {
        await settleLogged(workspaceID, order, refund: refund, customerID: customerID)
    }

    private func settleLogged(_ workspaceID: Int64, _ order: Order, refund: Refund?, customerID: Int64) async {
        do {
            try await settle(workspaceID: workspaceID, order: order, refund: refund, customerID: customerID)
        } catch {
            logger.error(
                "loyalty could not settle an order",
                metadata: [
                    "workspace": "\(workspaceID)", "order": "\(order.externalID)",
                    "refund": "\(refund?.externalID ?? "-")", "error": "\(error)",
                ])
        }
    }

    /// Brings an order's points in line with the order as it is now: what it earns (at the
    /// multiplier of its first earning), less the share of it refunded, nothing when it does not
    /// count. Only the difference to what was credited before is written, so repeated calls change
    /// nothing. A refund is recorded by id; its reversal references it. Then the customer is
    /// upgraded if the order qualifies them for a higher tier.
    func settle(workspaceID: Int64, order: Order, refund: Refund?, customerID: Int64) async throws {
        let setting = try await setting(workspaceID)
        let profile = try await members(workspaceID, customerID, required: false)
        let owner = profile.ids.contains(order.customerID) ? order.customerID : profile.canonical
        try await transact(workspaceID, profile) { book in
            let record = try await self.store.loyaltyOrder(workspaceID: workspaceID, orderID: order.id)
            var refunds = try await self.store.loyaltyRefunds(workspaceID: workspaceID, orderID: order.id)
            var seen: LoyaltyWrite.RefundSeen?
            if let refund {
                guard !refunds.contains(where: { $0.refundID == refund.id }) else { return Outcome(value: ()) }
                seen = LoyaltyWrite.RefundSeen(
                    customerID: record?.customerID ?? owner, refundID: refund.id, orderID: order.id,
                    amount: max(refund.amount, 0), at: refund.refundedAt)
                refunds.append((refund.id, max(refund.amount, 0)))
            }
            let multiplier =
                record?.multiplierPercent
                ?? Self.tier(of: book.accounts, canonical: profile.canonical, in: setting.program).index.map {
                    setting.program.tiers[$0].multiplierPercent
                } ?? 100
            let earned = setting.program.points(for: order, multiplierPercent: multiplier)
            let total = max(order.total, 0)
            // Each of these is a lower bound of what was refunded (a resent, older call may
            // carry less), so the largest is taken: no refund is counted twice.
            let refunded = min(total, max(record?.refunded ?? 0, order.refunded, refunds.reduce(0) { $0 + $1.amount }))
            let due = earned - LoyaltyProgram.share(of: earned, refunded: refunded, total: total)
            let delta = due - (record?.points ?? 0)
            let source = "order:\(order.id)"
            if delta > 0 {
                book.credit(
                    points: delta, kind: "earn", reason: "order \(order.externalID)", reference: source, key: nil,
                    expiresAt: setting.expiry(book.now))
            } else if delta < 0 {
                let cause =
                    refund.map { "refund \($0.externalID) of order \(order.externalID)" }
                    ?? (order.status.counts
                        ? "order \(order.externalID) changed" : "order \(order.externalID) \(order.status.rawValue)")
                let short = -delta - min(-delta, book.points)
                book.debit(
                    points: -delta, kind: "reverse",
                    reason: short > 0 ? "\(cause); \(short) points already spent could not be taken back" : cause,
                    reference: refund.map { "refund:\($0.id)" } ?? source, key: nil, preferring: source)
            }
            let updated = LoyaltyOrderRecord(
                orderID: order.id, customerID: record?.customerID ?? owner, externalID: order.externalID,
                placedAt: order.placedAt, total: total, refunded: refunded, counts: order.status.counts,
                multiplierPercent: multiplier, earned: earned, points: due, version: record?.version ?? 0)
            if order.status.counts {
                try await self.upgrade(
                    &book, setting, profile, replacing: record, with: updated, reason: "order \(order.externalID)")
            }
            return Outcome(value: (), order: updated == record ? nil : updated, refund: seen)
        }
    }

    /// Raises the profile's tier to the highest its activity qualifies for, counting the order
    /// record as `updated` instead of `previous`.
    private func upgrade(
        _ book: inout LoyaltyBook, _ setting: Setting, _ profile: Members, replacing previous: LoyaltyOrderRecord?,
        with updated: LoyaltyOrderRecord, reason: String
    ) async throws {
        guard !setting.program.tiers.isEmpty else { return }
        let since = setting.since(book.now)
        var activity = try await store.loyaltyActivity(
            workspaceID: book.workspaceID, customerIDs: profile.ids, since: since)
        for (record, sign) in [(previous, Int64(-1)), (updated, 1)] {
            guard let record, record.counts, record.placedAt >= since else { continue }
            activity.spend += sign * (record.total - record.refunded)
            activity.orders += record.refunded < record.total ? sign : 0
        }
        activity.points += book.entries.filter {
            ["earn", "reverse", "bonus"].contains($0.kind) && $0.ledger == .points
        }
        .reduce(0) { $0 + $1.amount }
        let current = Self.tier(of: book.accounts, canonical: profile.canonical, in: setting.program)
        guard let target = setting.program.qualifyingTier(activity), target > (current.index ?? -1) else { return }
        book.setTier(setting.program.tiers[target].code, from: current.code, reason: reason)
    }

    // MARK: Tier review

    /// Reviews every profile of the workspace that has a loyalty account: writes off expired
    /// points and moves each to the tier its activity over the period qualifies for, down as
    /// well as up.
    public func reviewTiers(workspaceID: Int64) async throws -> TierReviewReport {
        let setting = try await setting(workspaceID)
        var report = TierReviewReport(
            profiles: 0, upgraded: 0, downgraded: 0, expiredPoints: 0, reviewedAt: clock.now())
        for id in try await store.loyaltyProfiles(workspaceID: workspaceID) {
            try Task.checkCancellation()
            let profile = try await members(workspaceID, id, required: false)
            let (change, expired) = try await transact(workspaceID, profile) { book in
                let expired = -book.entries.filter { $0.kind == "expire" }.reduce(0) { $0 + $1.amount }
                let activity = try await self.store.loyaltyActivity(
                    workspaceID: workspaceID, customerIDs: profile.ids, since: setting.since(book.now))
                let target = setting.program.qualifyingTier(activity)
                let current = Self.tier(of: book.accounts, canonical: profile.canonical, in: setting.program)
                book.setTier(target.map { setting.program.tiers[$0].code }, from: current.code, reason: "review")
                let change = (target ?? -1) - (current.index ?? -1)
                return Outcome(value: (change, expired))
            }
            report.profiles += 1
            report.upgraded += change > 0 ? 1 : 0
            report.downgraded += change < 0 ? 1 : 0
            report.expiredPoints += expired
        }
        try await store.recordTierReview(workspaceID: workspaceID, at: report.reviewedAt)
        return report
    }

    /// The name of the scheduled tier review.
    static let reviewJobName = "loyalty-tier-review"

    /// A scheduler (a background service of the node) that runs `runDueReviews` hourly on the
    /// leading node. Make one per node: it holds this service, which does not hold it.
    public func makeScheduler(cluster: ClusterService, metrics: any MetricsSink) -> ClusterScheduler {
        let nodeID = cluster.nodeID
        let job = ClusterScheduler.Job(name: Self.reviewJobName, interval: .seconds(3600)) { [self] in
            try await runDueReviews()
            try await store.recordJobRun(name: Self.reviewJobName, nodeID: nodeID, at: clock.now())
        }
        return ClusterScheduler(leadership: cluster.leadership, jobs: [job], logger: logger, metrics: metrics)
    }

    /// Reviews each workspace with a program whose last review was before today (in its time
    /// zone): the scheduled job, run hourly on the leader, so a review happens once a day.
    /// Grants the `birthday` bonus (when the program has one) to every profile whose `birthday`
    /// trait falls on today in the workspace's time zone, once per profile and year (the rule's
    /// limit); runs with the daily review. Returns how many were granted now.
    @discardableResult
    public func grantBirthdayBonuses(workspaceID: Int64) async throws -> Int {
        let setting = try await setting(workspaceID)
        guard setting.program.eventRule("birthday") != nil else { return 0 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = setting.zone
        let today = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(clock.now()) / 1000))
        guard let year = today.year, let month = today.month, let day = today.day else { return 0 }
        let monthDay = String(format: "%02d-%02d", month, day)
        var granted = 0
        for profile in try await store.birthdayProfiles(workspaceID: workspaceID, monthDay: monthDay) {
            do {
                let (_, replayed) = try await grantBonus(
                    workspaceID: workspaceID, customerID: profile, event: "birthday", key: "birthday:\(year):\(profile)")
                if !replayed { granted += 1 }
            } catch let error as PanoramaError where error.code == "bonus_already_granted" {
                continue
            }
        }
        return granted
    }

    public func runDueReviews() async throws {
        for workspace in try await store.workspaces() {
            guard let stored = try await store.loyaltyProgram(workspaceID: workspace.id) else { continue }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: workspace.timeZone) ?? TimeZone(secondsFromGMT: 8 * 3600)!
            let today = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(clock.now()) / 1000))
            if let last = stored.lastReviewAt, Double(last) / 1000 >= today.timeIntervalSince1970 { continue }
            let report = try await reviewTiers(workspaceID: workspace.id)
            let birthdays = try await grantBirthdayBonuses(workspaceID: workspace.id)
            if birthdays > 0 {
                logger.info("loyalty birthday bonuses", metadata: ["workspace": "\(workspace.id)", "granted": "\(birthdays)"])
            }
            logger.info(
                "loyalty tier review",
                metadata: [
                    "workspace": "\(workspace.id)", "profiles": "\(report.profiles)", "upgraded": "\(report.upgraded)",
                    "downgraded": "\(report.downgraded)", "expired_points": "\(report.expiredPoints)",
                ])
        }
    }
}

extension Optional where Wrapped == String {
    /// The string as JSON, or null.
    fileprivate var json: JSONValue { self.map(JSONValue.string) ?? .null }
}
