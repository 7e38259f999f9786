import Crypto
import Foundation
import Logging
import PanoramaCore
import PanoramaStore
import Synchronization

/// The identifiers of suppressed erasures, as the ingest path checks them: per workspace, the set
/// of `HMAC-SHA256(salt, type + ":" + normalized value)` of every identifier an erased customer
/// held. The salt is a random secret of the workspace kept in the store (`workspace_secrets`), so a
/// tombstone cannot be reversed by hashing a dictionary of phone numbers without it.
///
/// The hashes live in memory: loaded on a workspace's first message, added to by this node's
/// erasures at once, and, on a store several nodes share, topped up with other nodes' tombstones
/// when a message arrives more than `ttl` after the last look. A workspace without tombstones costs
/// one dictionary look-up per request; one with tombstones one HMAC per identifier of a message
/// (see `BENCHMARKS.md`).
public final class ErasureTombstones: Sendable {
    /// The name of the salt in `workspace_secrets`.
    static let saltName = "erasure_salt"
    /// How far before the newest tombstone seen a top-up reads again: tombstones are stamped by
    /// the erasing node's clock and committed a moment later, so a read may see them late.
    static let overlapMillis: Int64 = 300_000

    /// A 256-bit hash held as four words (cheap to hash and compare).
    struct Digest: Hashable, Sendable {
        var a: UInt64, b: UInt64, c: UInt64, d: UInt64

        init(_ bytes: UnsafeRawBufferPointer) {
            a = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            c = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            d = bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        }

        /// From the 64 hex digits the store keeps; nil for anything else.
        init?(hex: String) {
            guard let bytes = ErasureTombstones.bytes(hex: hex), bytes.count == 32 else { return nil }
            self = bytes.withUnsafeBytes { Digest($0) }
        }
    }

    /// Identifiers of a workspace found not to be tombstoned, since its tombstones last changed:
    /// checking one again is a set look-up instead of an HMAC (people send many messages). Valid
    /// for one `generation` (the number of tombstones it was checked against); emptied when the
    /// workspace gains tombstones, and when it grows past `capacity`.
    final class CleanIdentifiers: Sendable {
        static let capacity = 250_000
        private let state = Mutex<(generation: Int, known: Set<Identifier>)>((0, []))

        /// Which of `identifiers` are known clean under `generation`.
        func known(_ identifiers: [Identifier], generation: Int) -> [Bool] {
            state.withLock { state in
                guard state.generation == generation else { return Array(repeating: false, count: identifiers.count) }
                return identifiers.map { state.known.contains($0) }
            }
        }

        /// Remembers identifiers found clean under `generation` (ignored if it has passed).
        func remember(_ identifiers: [Identifier], generation: Int) {
            guard !identifiers.isEmpty else { return }
            state.withLock { state in
                guard state.generation == generation else { return }
                if state.known.count + identifiers.count > Self.capacity { state.known = [] }
                state.known.formUnion(identifiers)
            }
        }

        /// Forgets everything: the tombstones changed.
        func reset(generation: Int) {
            state.withLock { $0 = (generation, []) }
        }
    }

    /// What is known of one workspace.
    private struct Entry: Sendable {
        /// The salt's bytes (`SymmetricKey` is not `Sendable`); nil while the workspace has none.
        var salt: [UInt8]?
        var hashes: Set<Digest> = []
        let clean = CleanIdentifiers()
        /// The newest tombstone time seen (epoch ms).
        var newest: Int64 = 0
        var checkedAt: ContinuousClock.Instant
    }

    private let store: any PanoramaStore
    private let ttl: Duration?
    private let logger: Logger
    private let entries = Mutex<[Int64: Entry]>([:])

    /// - Parameter ttl: how old a workspace's set may be before another node's tombstones are
    ///   looked for (only on a store several nodes share; alone, this node's own are all there is).
    public init(store: any PanoramaStore, logger: Logger, ttl: Duration = .seconds(5)) {
        self.store = store
        self.ttl = store.isShared ? ttl : nil
        self.logger = logger
    }

    /// Checks the identifiers of one request's messages: made per request, used synchronously.
    public struct Checker {
        private let base: HMAC<SHA256>
        private let hashes: Set<Digest>
        private let clean: CleanIdentifiers

        fileprivate init(salt: [UInt8], hashes: Set<Digest>, clean: CleanIdentifiers) {
            self.base = HMAC<SHA256>(key: SymmetricKey(data: salt))
            self.hashes = hashes
            self.clean = clean
        }

        /// For each message's identifiers, whether any belonged to a suppressed erased customer.
        /// Identifiers checked before are looked up; the others are hashed once and remembered.
        public func erased(_ messages: [[Identifier]]) -> [Bool] {
            let all = messages.flatMap { $0 }
            let known = clean.known(all, generation: hashes.count)
            var verdicts: [Bool] = []
            verdicts.reserveCapacity(messages.count)
            var fresh: [Identifier] = []
            var position = 0
            for identifiers in messages {
                var erased = false
                for identifier in identifiers {
                    defer { position += 1 }
                    if known[position] { continue }
                    if hashes.contains(ErasureTombstones.digest(identifier, base)) {
                        erased = true
                    } else {
                        fresh.append(identifier)
                    }
                }
                verdicts.append(erased)
            }
            clean.remember(fresh, generation: hashes.count)
            return verdicts
        }

        /// Whether any of the identifiers belonged to a suppressed erased customer.
        public func matchesAny(_ identifiers: [Identifier]) -> Bool {
            erased([identifiers])[0]
        }
    }

    /// The checker of a workspace now, or nil when it has no tombstones (nothing to check).
    public func checker(workspaceID: Int64) async throws -> Checker? {
        let now = ContinuousClock.now
        var entry = entries.withLock { $0[workspaceID] }
        if entry == nil || ttl.map({ now - entry!.checkedAt > $0 }) == true {
            do {
                entry = try await load(workspaceID, from: entry)
            } catch  where entry != nil {
                // Keep checking against what is known; the next request looks again.
                logger.warning(
                    "could not read new erasure tombstones", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        guard let entry, let salt = entry.salt, !entry.hashes.isEmpty else { return nil }
        return Checker(salt: salt, hashes: entry.hashes, clean: entry.clean)
    }

    /// Reads the salt (until there is one) and the tombstones recorded since the newest seen.
    private func load(_ workspaceID: Int64, from known: Entry?) async throws -> Entry {
        var entry = known ?? Entry(salt: nil, checkedAt: .now)
        if entry.salt == nil {
            entry.salt = try await store.existingWorkspaceSecret(workspaceID: workspaceID, name: Self.saltName)
                .flatMap(Self.bytes(hex:))
        }
        let since = known == nil ? Int64.min : entry.newest - Self.overlapMillis
        var added: [Digest] = []
        for (hash, createdAt) in try await store.erasureTombstones(workspaceID: workspaceID, since: since) {
            if let digest = Digest(hex: hash) { added.append(digest) }
            entry.newest = max(entry.newest, createdAt)
        }
        entry.hashes.formUnion(added)
        entry.checkedAt = .now
        let final = entry
        return entries.withLock { entries in
            // Another request may have loaded meanwhile: keep the union.
            var merged = final
            if let other = entries[workspaceID] {
                merged.hashes.formUnion(other.hashes)
                merged.newest = max(merged.newest, other.newest)
                merged.salt = merged.salt ?? other.salt
            }
            if merged.hashes.count != known?.hashes.count { merged.clean.reset(generation: merged.hashes.count) }
            entries[workspaceID] = merged
            return merged
        }
    }

    /// The tombstones of identifiers (64 hex digits each), creating the workspace's salt on first need.
    public func tombstones(workspaceID: Int64, of identifiers: [Identifier], now: Int64) async throws -> [String] {
        guard !identifiers.isEmpty else { return [] }
        var fresh = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in fresh.indices { fresh[i] = generator.next() }
        let stored = try await store.workspaceSecret(
            workspaceID: workspaceID, name: Self.saltName, proposed: Self.hex(fresh), now: now)
        guard let salt = Self.bytes(hex: stored) else {
            throw PanoramaError(
                .internal, code: "invalid_secret",
                message: "the workspace's erasure salt is unreadable; nothing was erased")
        }
        let base = HMAC<SHA256>(key: SymmetricKey(data: salt))
        return identifiers.map { identifier in
            var h = base
            Self.update(&h, identifier)
            return Self.hex(Array(h.finalize()))
        }
    }

    /// Adds this node's new tombstones at once (after their erasure committed).
    func added(workspaceID: Int64, tombstones: [String], at: Int64) async {
        let digests = tombstones.compactMap(Digest.init(hex:))
        guard !digests.isEmpty else { return }
        let salt = try? await store.existingWorkspaceSecret(workspaceID: workspaceID, name: Self.saltName)
            .flatMap(Self.bytes(hex:))
        entries.withLock { entries in
            var entry = entries[workspaceID] ?? Entry(salt: nil, checkedAt: .now)
            entry.salt = entry.salt ?? salt
            entry.hashes.formUnion(digests)
            entry.newest = max(entry.newest, at)
            entry.clean.reset(generation: entry.hashes.count)
            entries[workspaceID] = entry
        }
    }

    /// How many tombstones a workspace has in memory (tests, diagnostics).
    func count(workspaceID: Int64) -> Int { entries.withLock { $0[workspaceID]?.hashes.count ?? 0 } }

    // MARK: Hashing

    /// HMAC-SHA256 of `type:value` under a prepared key.
    static func digest(_ identifier: Identifier, _ base: HMAC<SHA256>) -> Digest {
        var h = base
        update(&h, identifier)
        return h.finalize().withUnsafeBytes { Digest($0) }
    }

    private static func update(_ h: inout HMAC<SHA256>, _ identifier: Identifier) {
        var type = identifier.type
        var value = identifier.value
        type.withUTF8 { h.update(data: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(ascii: ":")) { h.update(data: $0) }
        value.withUTF8 { h.update(data: UnsafeRawBufferPointer($0)) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of lower-case hex text; nil for anything else.
    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }
}
