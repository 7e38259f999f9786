import PanoramaCore
import PanoramaStore

/// One live profile's loyalty state as read at one moment, changed in memory by an operation and
/// turned into a `LoyaltyWrite` that the store applies only if nothing read has changed since.
///
/// The profile may be several raw profiles merged: each has its own account (points counter,
/// stored value, tier), lots and entries. Credits go to the live profile's own (canonical)
/// account; debits take points from the lots of any raw profile, oldest first, and stored value
/// from the canonical account first, then the others; each entry is written against the raw
/// profile whose balance it moves, so each raw profile's entries always sum to its balance and an
/// undone merge leaves both sides whole.
struct LoyaltyBook {
    let workspaceID: Int64
    let now: Int64
    let canonicalID: Int64
    /// The raw profiles' accounts with their counters as changed so far (versions as read).
    private(set) var accounts: [LoyaltyAccount]
    /// Open lots in the order they are spent and expire: soonest expiry, then oldest.
    private(set) var lots: [PointLot]
    private var lotsRead: [Int64: Int64]
    private(set) var newLots: [PointLot] = []
    private(set) var entries: [LedgerEntry] = []
    private(set) var tierChanges: [TierChange] = []

    init(workspaceID: Int64, now: Int64, canonicalID: Int64, accounts: [LoyaltyAccount], lots: [PointLot]) {
        self.workspaceID = workspaceID
        self.now = now
        self.canonicalID = canonicalID
        self.accounts = accounts
        self.lots = Self.spendingOrder(lots)
        self.lotsRead = Dictionary(uniqueKeysWithValues: lots.map { ($0.id, $0.remaining) })
    }

    /// Lots in the order they are spent: soonest expiry first (lots that never expire last), then
    /// oldest.
    static func spendingOrder(_ lots: [PointLot]) -> [PointLot] {
        lots.sorted { ($0.expiresAt ?? .max, $0.earnedAt, $0.id) < ($1.expiresAt ?? .max, $1.earnedAt, $1.id) }
    }

    /// Points over every raw profile.
    var points: Int64 { accounts.reduce(0) { $0 + $1.points } }
    /// Stored value over every raw profile, minor units.
    var storedValue: Int64 { accounts.reduce(0) { $0 + $1.storedValue } }

    /// Whether the operation changed anything.
    var changed: Bool { !entries.isEmpty || !newLots.isEmpty || !tierChanges.isEmpty || tierWritten }
    private var tierWritten = false

    private var canonicalIndex: Int { accounts.firstIndex { $0.customerID == canonicalID }! }

    // MARK: Points

    /// Writes off the points of lots whose expiry has passed; returns how many.
    @discardableResult
    mutating func expireLots() -> Int64 {
        var expired: Int64 = 0
        for i in lots.indices {
            guard let expiresAt = lots[i].expiresAt, expiresAt < now, lots[i].remaining > 0 else { continue }
            let points = lots[i].remaining
            take(points, fromLot: i)
            expired += points
            record(
                .points, customer: lots[i].customerID, kind: "expire", amount: -points, reason: "points expired",
                reference: "lot:\(lots[i].id)", key: nil)
        }
        return expired
    }

    /// Credits a new lot to the live profile.
    mutating func credit(
        points: Int64, kind: String, reason: String?, reference: String, key: String?, expiresAt: Int64?
    ) {
        guard points > 0 else { return }
        accounts[canonicalIndex].points += points
        newLots.append(
            PointLot(
                id: 0, customerID: canonicalID, points: points, remaining: points, earnedAt: now, expiresAt: expiresAt,
                source: reference))
        record(
            .points, customer: canonicalID, kind: kind, amount: points, reason: reason, reference: reference, key: key)
    }

    /// Takes up to `points` from the open lots (those credited by `preferring` first, then
    /// soonest to expire), one entry per raw profile; returns how many were taken.
    @discardableResult
    mutating func debit(
        points: Int64, kind: String, reason: String?, reference: String?, key: String?, preferring source: String? = nil
    ) -> Int64 {
        var order = Array(lots.indices)
        if let source {
            order = order.filter { lots[$0].source == source } + order.filter { lots[$0].source != source }
        }
        var left = points
        var taken: [(customer: Int64, points: Int64)] = []
        for i in order where left > 0 && lots[i].remaining > 0 && !isExpired(lots[i]) {
            let part = min(left, lots[i].remaining)
            take(part, fromLot: i)
            left -= part
            if let j = taken.firstIndex(where: { $0.customer == lots[i].customerID }) {
                taken[j].points += part
            } else {
                taken.append((lots[i].customerID, part))
            }
        }
        // Each entry shows the balance after it, as if the parts had been taken one after another.
        var after = self.points + (points - left)
        for part in taken {
            after -= part.points
            record(
                .points, customer: part.customer, kind: kind, amount: -part.points, reason: reason,
                reference: reference, key: key, balanceAfter: after)
        }
        return points - left
    }

    private func isExpired(_ lot: PointLot) -> Bool {
        lot.expiresAt.map { $0 < now } ?? false
    }

    /// Lots are only ever credited to accounts, so every lot's owner has one.
    private mutating func take(_ points: Int64, fromLot i: Int) {
        lots[i].remaining -= points
        if let owner = accounts.firstIndex(where: { $0.customerID == lots[i].customerID }) {
            accounts[owner].points -= points
        }
    }

    // MARK: Stored value

    /// Adds stored value to one raw profile's account (the live profile's unless told).
    mutating func credit(
        storedValue amount: Int64, to customer: Int64? = nil, kind: String, reason: String?, reference: String?,
        key: String?
    ) {
        let target = customer ?? canonicalID
        guard amount > 0, let i = accounts.firstIndex(where: { $0.customerID == target }) else { return }
        accounts[i].storedValue += amount
        record(
            .storedValue, customer: target, kind: kind, amount: amount, reason: reason, reference: reference, key: key)
    }

    /// Takes stored value, the live profile's account first; the caller checks the balance.
    mutating func debit(storedValue amount: Int64, kind: String, reason: String?, key: String?) {
        var order = Array(accounts.indices)
        order =
            order.filter { accounts[$0].customerID == canonicalID }
            + order.filter { accounts[$0].customerID != canonicalID }
        var left = amount
        for i in order where left > 0 && accounts[i].storedValue > 0 {
            let part = min(left, accounts[i].storedValue)
            accounts[i].storedValue -= part
            left -= part
            record(
                .storedValue, customer: accounts[i].customerID, kind: kind, amount: -part, reason: reason,
                reference: nil, key: key)
        }
    }

    // MARK: Tiers

    /// Sets the live profile's tier, recording the change from `from` (the tier it was in).
    mutating func setTier(_ code: String?, from: String?, reason: String) {
        let i = canonicalIndex
        guard accounts[i].tier != code || from != code else { return }
        accounts[i].tier = code
        accounts[i].tierSince = now
        tierWritten = true
        if from != code {
            tierChanges.append(TierChange(customerID: canonicalID, from: from, to: code, reason: reason, at: now))
        }
    }

    // MARK: Writing

    private mutating func record(
        _ ledger: LoyaltyLedger, customer: Int64, kind: String, amount: Int64, reason: String?, reference: String?,
        key: String?, balanceAfter: Int64? = nil
    ) {
        entries.append(
            LedgerEntry(
                customerID: customer, ledger: ledger, kind: kind, amount: amount,
                balanceAfter: balanceAfter ?? (ledger == .points ? points : storedValue), reason: reason,
                reference: reference,
                requestKey: key, createdAt: now))
    }

    /// The write that applies this book's changes if nothing it was read from has changed.
    func write(request: LoyaltyRequest? = nil, order: LoyaltyOrderRecord? = nil, refund: LoyaltyWrite.RefundSeen? = nil)
        -> LoyaltyWrite
    {
        var write = LoyaltyWrite(workspaceID: workspaceID, now: now)
        write.request = request
        write.refund = refund
        write.accounts = accounts
        write.order = order
        write.lots = lots.compactMap { lot in
            guard let read = lotsRead[lot.id], read != lot.remaining else { return nil }
            return LoyaltyWrite.LotUpdate(
                customerID: lot.customerID, lotID: lot.id, expected: read, remaining: lot.remaining)
        }
        write.newLots = newLots
        write.entries = entries
        write.tierChanges = tierChanges
        return write
    }
}
