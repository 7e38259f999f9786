import Crypto
import Foundation
import PanoramaStore

/// One row of the append-only audit log, chained to the row before it by `previousHash` — the
/// store's row type (`StoredAuditEntry`), so the chain logic and the store share one definition.
///
/// `hash` is the SHA-256 of `AuditChain.canonicalBytes(of:)`, which covers every other field,
/// including `previousHash`; so altering, removing or reordering any row breaks the chain at that
/// row. Storage must return every field exactly as sealed: in particular `at` must be stored as an
/// IEEE double (SQLite `REAL`, PostgreSQL `double precision`), not as a timestamp type that rounds.
public typealias AuditEntry = StoredAuditEntry

/// The content of an audit entry before it takes its place in the chain.
public struct AuditDraft: Sendable, Equatable {
    /// When the action happened, in Unix seconds.
    public var at: Double
    /// The workspace the action concerns.
    public var workspace: String
    /// Who acted.
    public var actor: String
    /// `user`, `api_key` or `system`.
    public var actorKind: String
    /// What happened, as `area.verb`.
    public var action: String
    /// What it happened to.
    public var target: String
    /// The client address, when there is one.
    public var sourceIP: String?
    /// Further facts.
    public var detail: [String: String]

    /// Creates a draft.
    public init(
        at: Double, workspace: String, actor: String, actorKind: String, action: String, target: String,
        sourceIP: String? = nil, detail: [String: String] = [:]
    ) {
        self.at = at
        self.workspace = workspace
        self.actor = actor
        self.actorKind = actorKind
        self.action = action
        self.target = target
        self.sourceIP = sourceIP
        self.detail = detail
    }
}

/// A trusted record of the chain at one point: the sequence and hash of one entry, kept outside the
/// audit table (in the retention job's own record, a log shipped elsewhere, or printed for the operator).
///
/// Two uses: after retention deletes old entries from the head, the checkpoint of the last deleted
/// entry anchors the first remaining one; and a recorded *head* (the latest entry) proves that no
/// entry was removed from the tail, which the chain alone cannot show.
public struct AuditCheckpoint: Codable, Sendable, Equatable {
    /// The sequence of the recorded entry.
    public var sequence: Int64
    /// Its hash.
    public var hash: String

    /// Creates a checkpoint from recorded values.
    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The checkpoint of an entry.
    public init(_ entry: AuditEntry) {
        self.init(sequence: entry.sequence, hash: entry.hash)
    }
}

/// The outcome of verifying an audit log: intact, or the first problem and where it is.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// Every entry checked out; `lastHash` is the hash of the last one (or of the starting anchor when
    /// there were none), to record as the next expected head.
    case intact(count: Int, lastHash: String)
    /// The entry's content no longer matches its hash: it was edited.
    case tampered(sequence: Int64)
    /// The entry's `previousHash` does not match the entry before it: that one (or this link) was
    /// rewritten with a recomputed hash, or entries were swapped.
    case broken(sequence: Int64)
    /// The entry expected next is missing (deleted), or an entry is out of order or repeated.
    case gap(expected: Int64, found: Int64)
    /// The log ends before the recorded head: entries were removed from the tail.
    case truncated(expected: Int64, found: Int64)
    /// The entry at a recorded checkpoint or head has another hash: the chain was rebuilt from there
    /// or earlier.
    case checkpointMismatch(sequence: Int64)

    /// Whether the log verified.
    public var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }

    /// A one-line report for `panorama audit verify`, in Chinese and English.
    public var description: String {
        switch self {
        case .intact(let count, let lastHash):
            return "审计日志完整：\(count) 条，最后哈希 \(lastHash)。 / Audit log intact: \(count) entries, last hash \(lastHash)."
        case .tampered(let sequence):
            return "第 \(sequence) 条的内容与其哈希不符：已被修改。 / Entry \(sequence) does not match its hash: it was edited."
        case .broken(let sequence):
            return "第 \(sequence) 条与前一条的链接断开：前一条被改写或条目被调换。"
                + " / Entry \(sequence) does not link to the entry before it: that entry was rewritten or entries"
                + " were swapped."
        case .gap(let expected, let found):
            return "应为第 \(expected) 条，却是第 \(found) 条：有条目被删除或顺序错乱。"
                + " / Expected entry \(expected) but found \(found): entries were deleted or are out of order."
        case .truncated(let expected, let found):
            return "日志应至少到第 \(expected) 条，但只到第 \(found) 条：末尾的条目被删除。"
                + " / The log should reach entry \(expected) but ends at \(found): entries were removed from the end."
        case .checkpointMismatch(let sequence):
            return "第 \(sequence) 条与记录的检查点不符：日志从此处或更早被重建。"
                + " / Entry \(sequence) differs from the recorded checkpoint: the log was rebuilt from there or earlier."
        }
    }
}

/// The tamper-evident logic of the audit log: sealing new entries onto the chain and verifying a
/// stored chain. Pure functions; storage is elsewhere.
///
/// **Canonical bytes** (format `panorama-audit-v1`): length-prefixed binary, so no value can be
/// confused with a separator whatever characters it holds. A *string* is its UTF-8 byte count as an
/// 8-byte big-endian integer followed by the bytes (no Unicode normalization: bytes are what is
/// stored). In order: the string `panorama-audit-v1`; `sequence` as 8 bytes big-endian two's
/// complement; `at` as the 8-byte big-endian IEEE-754 bit pattern (−0 written as +0); `workspace`,
/// `actor`, `actorKind`, `action`, `target` as strings; `sourceIP` as one byte 0 when absent, or 1
/// followed by the string; `detail` as its pair count (8 bytes big-endian) and then each key and value
/// as strings, keys sorted by their UTF-8 bytes; `previousHash` as a string. `hash` is not included.
///
/// **Retention.** Old entries may be deleted from the head only. In the same transaction, record an
/// `AuditCheckpoint` of the last deleted entry; verification then starts at the first remaining entry,
/// whose `previousHash` is trusted only because it equals that checkpoint. Without the checkpoint, a
/// log missing its head reports `.gap(expected: 1, …)`.
///
/// **Truncation.** Deleting the newest entries leaves a valid shorter chain. To detect it, record the
/// head (`AuditCheckpoint` of the latest entry, or `lastHash` of a verification) somewhere the database
/// owner cannot rewrite, and pass it as `expectedHead`.
public enum AuditChain {
    /// The `previousHash` of the first entry: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)
    /// The version tag at the start of the canonical bytes.
    static let formatTag = "panorama-audit-v1"

    /// The canonical serialization of every field but `hash` (the format is described on the type).
    public static func canonicalBytes(of entry: AuditEntry) -> [UInt8] {
        var out = CanonicalWriter()
        out.string(formatTag)
        out.integer(UInt64(bitPattern: entry.sequence))
        out.integer((entry.at == 0 ? 0 : entry.at).bitPattern)
        out.string(entry.workspace)
        out.string(entry.actor)
        out.string(entry.actorKind)
        out.string(entry.action)
        out.string(entry.target)
        if let sourceIP = entry.sourceIP {
            out.bytes.append(1)
            out.string(sourceIP)
        } else {
            out.bytes.append(0)
        }
        out.integer(UInt64(entry.detail.count))
        let pairs = entry.detail.map { (key: Array($0.key.utf8), value: Array($0.value.utf8)) }
        for pair in pairs.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            out.raw(pair.key)
            out.raw(pair.value)
        }
        out.string(entry.previousHash)
        return out.bytes
    }

    /// Lower-case hex SHA-256 of the entry's canonical bytes.
    public static func hash(of entry: AuditEntry) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: canonicalBytes(of: entry)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The entry that follows `previous` (or starts the log when it is nil), with its sequence,
    /// `previousHash` and `hash` set. The caller must append it in the same transaction that read
    /// `previous`, so two writers cannot both extend the same entry.
    public static func seal(_ draft: AuditDraft, after previous: AuditEntry?) -> AuditEntry {
        var entry = AuditEntry(
            sequence: (previous?.sequence ?? 0) + 1, at: draft.at, workspace: draft.workspace, actor: draft.actor,
            actorKind: draft.actorKind, action: draft.action, target: draft.target, sourceIP: draft.sourceIP,
            detail: draft.detail, previousHash: previous?.hash ?? genesisHash, hash: "")
        entry.hash = hash(of: entry)
        return entry
    }

    /// Verifies entries given in ascending sequence order (as read with `ORDER BY sequence`; they are
    /// streamed, not sorted). With `startingAfter`, the entries continue from that already-verified
    /// entry (as with a checkpoint: entries that start at or before it are verified from the genesis
    /// and must pass through it); without it they start the log. Reports the first problem.
    public static func verify<S: Sequence>(_ entries: S, startingAfter previous: AuditEntry? = nil)
        -> AuditVerification where S.Element == AuditEntry
    {
        verify(entries, checkpoint: previous.map(AuditCheckpoint.init), expectedHead: nil)
    }

    /// Verifies a log that must reach at least `expectedHead`, the recorded latest entry; the entry at
    /// that sequence must carry its hash. Detects entries removed from the tail (`.truncated`).
    public static func verify<S: Sequence>(_ entries: S, expectedHead: AuditCheckpoint?) -> AuditVerification
    where S.Element == AuditEntry {
        verify(entries, checkpoint: nil, expectedHead: expectedHead)
    }

    /// Verifies a log whose head may have been removed by retention up to `checkpoint` (the last
    /// deleted entry) and that must reach `expectedHead` when given. When the entries still start at
    /// or before the checkpoint, they are verified from the genesis and the entry at the checkpoint
    /// must carry its hash.
    public static func verify<S: Sequence>(
        _ entries: S, checkpoint: AuditCheckpoint?, expectedHead: AuditCheckpoint? = nil
    ) -> AuditVerification where S.Element == AuditEntry {
        let genesis = AuditCheckpoint(sequence: 0, hash: genesisHash)
        var iterator = entries.makeIterator()
        let first = iterator.next()
        var anchor = genesis
        if let checkpoint, first.map({ $0.sequence > checkpoint.sequence }) ?? true {
            anchor = checkpoint
        }
        var walker = ChainWalker(anchor: anchor, pins: [checkpoint, expectedHead].compactMap { $0 })
        if let problem = walker.checkAnchor() { return problem }
        var next = first
        while let entry = next {
            if let problem = walker.accept(entry) { return problem }
            next = iterator.next()
        }
        if let expectedHead, walker.lastSequence < expectedHead.sequence {
            return .truncated(expected: expectedHead.sequence, found: walker.lastSequence)
        }
        return .intact(count: walker.count, lastHash: walker.lastHash)
    }
}

/// Walks a chain one entry at a time from a trusted anchor, checking sequence, content and link,
/// and that entries at pinned sequences carry the recorded hash.
private struct ChainWalker {
    /// The sequence of the last accepted entry (or of the anchor).
    private(set) var lastSequence: Int64
    /// The hash of the last accepted entry (or of the anchor).
    private(set) var lastHash: String
    /// How many entries were accepted.
    private(set) var count = 0
    /// Recorded checkpoints the chain must pass through.
    let pins: [AuditCheckpoint]

    /// Starts after `anchor`.
    init(anchor: AuditCheckpoint, pins: [AuditCheckpoint]) {
        lastSequence = anchor.sequence
        lastHash = anchor.hash
        self.pins = pins
    }

    /// A pin at the anchor itself must agree with it (a head recorded at the checkpoint, say).
    func checkAnchor() -> AuditVerification? {
        if let pin = pins.first(where: { $0.sequence == lastSequence }), pin.hash != lastHash {
            return .checkpointMismatch(sequence: lastSequence)
        }
        return nil
    }

    /// Checks the next entry and moves past it; returns the problem when there is one.
    mutating func accept(_ entry: AuditEntry) -> AuditVerification? {
        let expected = lastSequence &+ 1
        guard entry.sequence == expected else { return .gap(expected: expected, found: entry.sequence) }
        guard AuditChain.hash(of: entry) == entry.hash else { return .tampered(sequence: entry.sequence) }
        guard entry.previousHash == lastHash else { return .broken(sequence: entry.sequence) }
        if let pin = pins.first(where: { $0.sequence == entry.sequence }), pin.hash != entry.hash {
            return .checkpointMismatch(sequence: entry.sequence)
        }
        lastSequence = entry.sequence
        lastHash = entry.hash
        count += 1
        return nil
    }
}

/// Builds canonical bytes: fixed-width big-endian integers and length-prefixed byte strings.
private struct CanonicalWriter {
    /// The output so far.
    var bytes: [UInt8] = []

    /// Appends 8 bytes, big-endian.
    mutating func integer(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Appends a byte string with its 8-byte length.
    mutating func raw(_ value: [UInt8]) {
        integer(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a string's UTF-8 bytes with their 8-byte length.
    mutating func string(_ value: String) {
        raw(Array(value.utf8))
    }
}
