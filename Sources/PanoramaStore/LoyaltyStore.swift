import PanoramaCore

/// Which balance a ledger entry moves.
public enum LoyaltyLedger: String, Sendable, Codable {
    /// Points (积分): integers, credited in lots that expire.
    case points
    /// Stored value (储值): money in minor units (分).
    case storedValue = "stored_value"
}

/// A workspace's loyalty program as stored: its definition (JSON text, parsed by the loyalty
/// service) and when tiers were last reviewed.
public struct StoredLoyaltyProgram: Sendable, Equatable {
    public var definition: String
    public var updatedAt: Int64
    public var lastReviewAt: Int64?

    public init(definition: String, updatedAt: Int64, lastReviewAt: Int64?) {
        self.definition = definition
        self.updatedAt = updatedAt
        self.lastReviewAt = lastReviewAt
    }
}

/// One raw profile's loyalty account: the counters of its lots and stored value, its tier, and
/// the version every write of the account bumps (optimistic concurrency).
public struct LoyaltyAccount: Sendable, Equatable {
    public var customerID: Int64
    public var version: Int64
    /// The sum of the remaining points of its lots (= the sum of its points entries).
    public var points: Int64
    /// Stored value, minor units (= the sum of its stored-value entries).
    public var storedValue: Int64
    /// The tier code, nil before any.
    public var tier: String?
    public var tierSince: Int64?

    public init(
        customerID: Int64, version: Int64, points: Int64, storedValue: Int64, tier: String?, tierSince: Int64?
    ) {
        self.customerID = customerID
        self.version = version
        self.points = points
        self.storedValue = storedValue
        self.tier = tier
        self.tierSince = tierSince
    }
}

/// Points credited together, spent and expiring together (oldest first).
public struct PointLot: Sendable, Equatable {
    public var id: Int64
    public var customerID: Int64
    public var points: Int64
    public var remaining: Int64
    public var earnedAt: Int64
    /// End of the last day the points can be spent, epoch ms; nil when they never expire.
    public var expiresAt: Int64?
    /// What credited it (`order:12`, `event:signup`, `adjustment` …).
    public var source: String

    public init(
        id: Int64, customerID: Int64, points: Int64, remaining: Int64, earnedAt: Int64, expiresAt: Int64?,
        source: String
    ) {
        self.id = id
        self.customerID = customerID
        self.points = points
        self.remaining = remaining
        self.earnedAt = earnedAt
        self.expiresAt = expiresAt
        self.source = source
    }
}

/// One movement of a balance. Entries are never changed once written.
public struct LedgerEntry: Sendable, Equatable {
    public var id: Int64
    /// The raw profile whose balance moved.
    public var customerID: Int64
    public var ledger: LoyaltyLedger
    /// `earn`, `reverse`, `bonus`, `redeem`, `adjust`, `expire`; `top_up`, `spend`, `refund`.
    public var kind: String
    /// Signed: credits positive, debits negative.
    public var amount: Int64
    /// The profile's balance (over its merged raw profiles) right after this entry was written.
    public var balanceAfter: Int64
    public var reason: String?
    /// What the entry belongs to (`order:12`, `refund:3`, `lot:7`, `spend:41`, `event:birthday:2026` …).
    public var reference: String?
    /// The idempotency key of the request that wrote it.
    public var requestKey: String?
    public var createdAt: Int64

    public init(
        id: Int64 = 0, customerID: Int64, ledger: LoyaltyLedger, kind: String, amount: Int64, balanceAfter: Int64,
        reason: String? = nil, reference: String? = nil, requestKey: String? = nil, createdAt: Int64
    ) {
        self.id = id
        self.customerID = customerID
        self.ledger = ledger
        self.kind = kind
        self.amount = amount
        self.balanceAfter = balanceAfter
        self.reason = reason
        self.reference = reference
        self.requestKey = requestKey
        self.createdAt = createdAt
    }
}

/// What loyalty remembers of an order: enough to settle its points again on any later call, and
/// the spend that tiers qualify on.
public struct LoyaltyOrderRecord: Sendable, Equatable {
    public var orderID: Int64
    /// The raw profile the order was recorded against.
    public var customerID: Int64
    public var externalID: String
    public var placedAt: Int64
    public var total: Int64
    /// Refunded so far, as loyalty knows it (never more than `total`).
    public var refunded: Int64
    /// Whether the order's status counts (not pending or cancelled).
    public var counts: Bool
    /// The tier multiplier (percent) of the customer when the order first earned.
    public var multiplierPercent: Int64
    /// Points the whole order earns before refunds.
    public var earned: Int64
    /// Points credited for it net of reversals so far.
    public var points: Int64
    public var version: Int64

    public init(
        orderID: Int64, customerID: Int64, externalID: String, placedAt: Int64, total: Int64, refunded: Int64,
        counts: Bool, multiplierPercent: Int64, earned: Int64, points: Int64, version: Int64 = 0
    ) {
        self.orderID = orderID
        self.customerID = customerID
        self.externalID = externalID
        self.placedAt = placedAt
        self.total = total
        self.refunded = refunded
        self.counts = counts
        self.multiplierPercent = multiplierPercent
        self.earned = earned
        self.points = points
        self.version = version
    }
}

/// A change of tier.
public struct TierChange: Sendable, Equatable {
    public var customerID: Int64
    public var from: String?
    public var to: String?
    /// `order <external id>`, `review`, `merge` …
    public var reason: String
    public var at: Int64

    public init(customerID: Int64, from: String?, to: String?, reason: String, at: Int64) {
        self.customerID = customerID
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}

/// A recorded idempotency key: the operation it was used for and the request it carried.
public struct LoyaltyRequest: Sendable, Equatable {
    public var customerID: Int64
    public var key: String
    public var operation: String
    /// The request's parameters in a canonical form; a replay must carry the same.
    public var fingerprint: String

    public init(customerID: Int64, key: String, operation: String, fingerprint: String) {
        self.customerID = customerID
        self.key = key
        self.operation = operation
        self.fingerprint = fingerprint
    }
}

/// What tiers qualify on over a window, summed over a profile's raw profiles.
public struct LoyaltyActivity: Sendable, Equatable {
    /// Orders that count, net of refunds, minor units.
    public var spend: Int64
    /// Orders that count and are not wholly refunded.
    public var orders: Int64
    /// Points earned from orders and bonuses, net of reversals.
    public var points: Int64

    public init(spend: Int64 = 0, orders: Int64 = 0, points: Int64 = 0) {
        self.spend = spend
        self.orders = orders
        self.points = points
    }
}

/// Every write of one loyalty operation, applied in one transaction or not at all.
///
/// The loyalty service plans a write from what it read (accounts at a version, lots with their
/// remaining points); `LoyaltyStore.applyLoyalty` applies it only if nothing it read has changed
/// since: each account still has its version, each lot its remaining points, the order record
/// its version, and the idempotency key and refund id are new. Otherwise nothing is written and
/// the service reads again.
public struct LoyaltyWrite: Sendable {
    /// A lot's new remaining points, written only if it still has `expected`.
    public struct LotUpdate: Sendable {
        public var customerID: Int64
        public var lotID: Int64
        public var expected: Int64
        public var remaining: Int64
        public init(customerID: Int64, lotID: Int64, expected: Int64, remaining: Int64) {
            self.customerID = customerID
            self.lotID = lotID
            self.expected = expected
            self.remaining = remaining
        }
    }
    /// A refund seen for the first time.
    public struct RefundSeen: Sendable {
        public var customerID: Int64
        public var refundID: Int64
        public var orderID: Int64
        public var amount: Int64
        public var at: Int64
        public init(customerID: Int64, refundID: Int64, orderID: Int64, amount: Int64, at: Int64) {
            self.customerID = customerID
            self.refundID = refundID
            self.orderID = orderID
            self.amount = amount
            self.at = at
        }
    }

    public var workspaceID: Int64
    public var now: Int64
    /// The idempotency key to record (it must be new).
    public var request: LoyaltyRequest?
    public var refund: RefundSeen?
    /// Every account the plan read with its new counters, changed or not: each is written only if
    /// it is still at `version` (which the write bumps).
    public var accounts: [LoyaltyAccount] = []
    /// The order record: inserted when `version` is 0 and none exists, else updated from `version`.
    public var order: LoyaltyOrderRecord?
    public var lots: [LotUpdate] = []
    /// New lots; `id` is ignored.
    public var newLots: [PointLot] = []
    /// New entries; `id` is ignored.
    public var entries: [LedgerEntry] = []
    public var tierChanges: [TierChange] = []

    public init(workspaceID: Int64, now: Int64) {
        self.workspaceID = workspaceID
        self.now = now
    }
}

/// The loyalty tables' reads and writes (queries written once, in `Shared/LoyaltyQueries.swift`).
/// SQLite and PostgreSQL both implement it (they are `PanoramaStore`s).
///
/// Accounts, lots, entries, order records and idempotency keys belong to raw profiles; every read
/// takes the raw profiles of one live profile (`ProfileStore.members`) and sums over them.
public protocol LoyaltyStore: Sendable {
    func loyaltyProgram(workspaceID: Int64) async throws -> StoredLoyaltyProgram?
    func saveLoyaltyProgram(workspaceID: Int64, definition: String, now: Int64) async throws
    func recordTierReview(workspaceID: Int64, at: Int64) async throws
    /// Creates the raw profile's account (empty, version 0) unless it has one.
    func ensureLoyaltyAccount(workspaceID: Int64, customerID: Int64, now: Int64) async throws
    func loyaltyAccounts(workspaceID: Int64, customerIDs: [Int64]) async throws -> [LoyaltyAccount]
    /// Lots with points left, in no particular order.
    func openPointLots(workspaceID: Int64, customerIDs: [Int64]) async throws -> [PointLot]
    func loyaltyOrder(workspaceID: Int64, orderID: Int64) async throws -> LoyaltyOrderRecord?
    /// The refunds of an order loyalty has seen: id and amount.
    func loyaltyRefunds(workspaceID: Int64, orderID: Int64) async throws -> [(refundID: Int64, amount: Int64)]
    /// Orders placed and points earned since `since`, over these raw profiles.
    func loyaltyActivity(workspaceID: Int64, customerIDs: [Int64], since: Int64) async throws -> LoyaltyActivity
    /// One ledger of these raw profiles, newest first; the cursor is opaque.
    func ledgerEntries(
        workspaceID: Int64, customerIDs: [Int64], ledger: LoyaltyLedger, cursor: String?, limit: Int
    ) async throws -> Page<LedgerEntry>
    /// Entries written by the request with this idempotency key, oldest first.
    func ledgerEntries(workspaceID: Int64, customerIDs: [Int64], requestKey: String) async throws -> [LedgerEntry]
    /// Entries of one ledger with any of these references, oldest first.
    func ledgerEntries(
        workspaceID: Int64, customerIDs: [Int64], ledger: LoyaltyLedger, references: [String]
    ) async throws -> [LedgerEntry]
    func ledgerEntry(workspaceID: Int64, customerIDs: [Int64], id: Int64) async throws -> LedgerEntry?
    /// The recorded idempotency keys equal to `key` among these raw profiles.
    func loyaltyRequests(workspaceID: Int64, customerIDs: [Int64], key: String) async throws -> [LoyaltyRequest]
    /// Tier changes, newest first.
    func tierChanges(workspaceID: Int64, customerIDs: [Int64]) async throws -> [TierChange]
    /// Live profiles of the workspace whose raw profiles hold a loyalty account, ascending.
    func loyaltyProfiles(workspaceID: Int64) async throws -> [Int64]
    /// Live profiles with a `birthday` trait (an ISO date, `"YYYY-MM-DD…"`) on this month and day
    /// (`monthDay` as `MM-DD`), ascending.
    func birthdayProfiles(workspaceID: Int64, monthDay: String) async throws -> [Int64]
    /// Applies a planned write in one transaction; false (and nothing written) when something it
    /// was planned from has changed, or its idempotency key or refund id is already recorded.
    func applyLoyalty(_ write: LoyaltyWrite) async throws -> Bool
}
