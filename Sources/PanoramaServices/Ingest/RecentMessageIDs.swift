/// The message ids stored most recently, as 64-bit hashes in a bounded FIFO set.
///
/// Resends (SDK retries after a timeout) arrive soon after the original, so a hit here is the
/// only case worth a store look-up before resolving identity. A hash hit is confirmed against
/// the store, so a collision never drops a message; an id that fell out of the window is still
/// caught by the store's unique index.
struct RecentMessageIDs {
    private var set: Set<Int>
    private var ring: [Int]
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        self.set = Set(minimumCapacity: capacity)
        self.ring = []
        self.ring.reserveCapacity(capacity)
    }

    private static func key(_ workspaceID: Int64, _ messageID: String) -> Int {
        var hasher = Hasher()
        hasher.combine(workspaceID)
        hasher.combine(messageID)
        return hasher.finalize()
    }

    func contains(_ workspaceID: Int64, _ messageID: String) -> Bool {
        set.contains(Self.key(workspaceID, messageID))
    }

    mutating func insert(_ workspaceID: Int64, _ messageID: String) {
        let key = Self.key(workspaceID, messageID)
        guard set.insert(key).inserted else { return }
        if ring.count < capacity {
            ring.append(key)
        } else {
            set.remove(ring[next])
            ring[next] = key
            next = (next + 1) % capacity
        }
    }
}
