import Synchronization

/// The answer of a `RateLimiter`.
public enum RateDecision: Sendable, Equatable {
    /// Go ahead; `remaining` whole tokens are left in the bucket.
    case allowed(remaining: Int)
    /// Refuse; enough tokens will be back after `retryAfter` seconds (the HTTP `Retry-After`). Infinite
    /// when the cost exceeds the burst, which no wait can satisfy.
    case limited(retryAfter: Double)

    /// Whether the request may proceed.
    public var isAllowed: Bool {
        if case .allowed = self { return true }
        return false
    }
}

/// An in-memory token-bucket rate limiter keyed by any string: a write key, a client IP, a user.
///
/// Each key has a bucket of at most `burst` tokens that refills at `rate` tokens per second; a request
/// takes `cost` tokens or is refused with the time until it could succeed. Over any interval of `t`
/// seconds a key is therefore allowed at most `burst + rate × t` tokens, however many tasks call at
/// once. The caller passes the time (`now`, in seconds on any monotonic scale), which keeps the
/// limiter deterministic under test; a `now` earlier than one already seen counts as no time passing.
///
/// Memory is bounded: at most `maxKeys` buckets are kept. Buckets that have refilled completely carry
/// no information (a new bucket is also full), so each call drops up to two such idle buckets from the
/// least-recently-used end; when the table is still full, the least recently used bucket is evicted,
/// which at worst grants that key a fresh burst. Every operation is O(1).
public final class RateLimiter: Sendable {
    /// Tokens added per second.
    public let rate: Double
    /// Bucket capacity: the most a key may spend at once after being idle.
    public let burst: Int
    /// The most buckets kept in memory.
    public let maxKeys: Int
    /// The buckets, behind one lock: each call does constant work, so contention stays short.
    private let table: Mutex<BucketTable>

    /// Creates a limiter. `rate` and `burst` must be positive and `maxKeys` at least 1; configuration
    /// is validated at the edge, so a bad value here is a programming error.
    public init(rate: Double, burst: Int, maxKeys: Int = 100_000) {
        precondition(rate > 0 && rate.isFinite, "RateLimiter rate must be positive")
        precondition(burst > 0, "RateLimiter burst must be positive")
        precondition(maxKeys > 0, "RateLimiter maxKeys must be positive")
        self.rate = rate
        self.burst = burst
        self.maxKeys = maxKeys
        table = Mutex(BucketTable())
    }

    /// Takes `cost` tokens from `key`'s bucket at time `now` (seconds), or says how long to wait.
    /// A cost of zero or less only reports the remaining tokens.
    public func acquire(_ key: String, cost: Int = 1, now: Double) -> RateDecision {
        let limits = BucketTable.Limits(rate: rate, burst: Double(burst), maxKeys: maxKeys)
        return table.withLock { $0.acquire(key, cost: max(cost, 0), now: now, limits: limits) }
    }

    /// How many buckets are held now (for tests and metrics).
    public var trackedKeys: Int {
        table.withLock { $0.count }
    }
}

/// Token buckets in a hash map plus an intrusive least-recently-used list over a slot array, so that
/// lookup, refresh and eviction are all O(1) without per-bucket allocations.
private struct BucketTable {
    /// The limiter's parameters, passed in so the table holds only state.
    struct Limits {
        /// Tokens per second.
        let rate: Double
        /// Capacity.
        let burst: Double
        /// The most buckets to keep.
        let maxKeys: Int
    }

    /// One key's bucket and its place in the recency list.
    struct Slot {
        /// The key, kept so that evicting a slot can remove it from `index`.
        var key: String
        /// Tokens left at `updated`.
        var tokens: Double
        /// The latest time seen for this bucket.
        var updated: Double
        /// The next more recently used slot, or -1.
        var newer: Int
        /// The next less recently used slot, or -1.
        var older: Int

        /// The tokens the bucket holds at `now`, capped at the burst.
        func tokens(at now: Double, _ limits: Limits) -> Double {
            min(limits.burst, tokens + max(0, now - updated) * limits.rate)
        }
    }

    /// Tolerance for floating-point refill arithmetic (a billionth of a token).
    static let epsilon = 1e-9

    /// Slot storage; freed slots are reused through `free`.
    private var slots: [Slot] = []
    /// Key to slot.
    private var index: [String: Int] = [:]
    /// Unused slot numbers.
    private var free: [Int] = []
    /// The most recently used slot, or -1.
    private var newest = -1
    /// The least recently used slot, or -1.
    private var oldest = -1

    /// How many buckets are held.
    var count: Int { index.count }

    /// The token-bucket decision for one request (see `RateLimiter.acquire`).
    mutating func acquire(_ key: String, cost: Int, now: Double, limits: Limits) -> RateDecision {
        dropIdle(now: now, sparing: key, limits: limits)
        let slot: Int
        if let existing = index[key] {
            slot = existing
            slots[slot].tokens = slots[slot].tokens(at: now, limits)
            slots[slot].updated = max(slots[slot].updated, now)
            unlink(slot)
        } else {
            if index.count >= limits.maxKeys, oldest >= 0 { remove(oldest) }
            slot = allocate(Slot(key: key, tokens: limits.burst, updated: now, newer: -1, older: -1))
            index[key] = slot
        }
        pushNewest(slot)

        let wanted = Double(cost)
        guard wanted <= limits.burst else { return .limited(retryAfter: .infinity) }
        let tokens = slots[slot].tokens
        guard tokens + Self.epsilon >= wanted else {
            return .limited(retryAfter: max(0, (wanted - tokens) / limits.rate))
        }
        let left = max(0, tokens - wanted)
        slots[slot].tokens = left
        return .allowed(remaining: Int((left + Self.epsilon).rounded(.down)))
    }

    /// Drops up to two least-recently-used buckets that have refilled completely by `now`.
    private mutating func dropIdle(now: Double, sparing key: String, limits: Limits) {
        for _ in 0..<2 {
            guard oldest >= 0, slots[oldest].key != key,
                slots[oldest].tokens(at: now, limits) >= limits.burst
            else { return }
            remove(oldest)
        }
    }

    /// Stores a slot, reusing a freed one when possible; returns its number.
    private mutating func allocate(_ slot: Slot) -> Int {
        if let reused = free.popLast() {
            slots[reused] = slot
            return reused
        }
        slots.append(slot)
        return slots.count - 1
    }

    /// Forgets a bucket entirely.
    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index.removeValue(forKey: slots[slot].key)
        slots[slot].key = ""
        free.append(slot)
    }

    /// Takes a slot out of the recency list.
    private mutating func unlink(_ slot: Int) {
        let newer = slots[slot].newer
        let older = slots[slot].older
        if newer >= 0 { slots[newer].older = older } else if newest == slot { newest = older }
        if older >= 0 { slots[older].newer = newer } else if oldest == slot { oldest = newer }
        slots[slot].newer = -1
        slots[slot].older = -1
    }

    /// Puts an unlinked slot at the most recently used end.
    private mutating func pushNewest(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = -1
        if newest >= 0 { slots[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
