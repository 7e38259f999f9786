import Foundation
import PanoramaCore
import Testing

@testable import PanoramaServices
@testable import PanoramaStore

/// Shared fixtures for the data-protection suites: fixed keys so failures are reproducible.
enum DataProtectionFixtures {
    /// A key line with 32 bytes of 0x01.
    static let oldLine = "old:" + Data(repeating: 1, count: 32).base64EncodedString()
    /// A key line with 32 bytes of 0x02.
    static let newLine = "new:" + Data(repeating: 2, count: 32).base64EncodedString()

    /// A ring holding only the old key.
    static func oldRing() throws -> KeyRing {
        try KeyRing.load(environment: [KeyRing.environmentVariable: oldLine])
    }

    /// A ring after rotation: new primary, old kept for decryption.
    static func rotatedRing() throws -> KeyRing {
        try KeyRing.load(environment: [KeyRing.environmentVariable: newLine + "\n" + oldLine])
    }

    /// The code of the `PanoramaError` thrown by `body`, or nil when it does not throw.
    static func code(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as PanoramaError {
            return error.code
        } catch {
            return "unexpected \(error)"
        }
    }

    /// The error thrown by `body`, or nil.
    static func error(_ body: () throws -> Void) -> PanoramaError? {
        do {
            try body()
            return nil
        } catch {
            return error as? PanoramaError
        }
    }

    /// A fresh path in the temporary directory.
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("panorama-keys-\(UUID().uuidString)").path
    }
}

/// Key rings load from the environment or a key file, keep the first key as primary, and reject
/// malformed input with stable codes and bilingual messages that never echo key material.
@Suite struct DataProtectionKeyRingTests {
    typealias F = DataProtectionFixtures

    @Test func firstLineIsPrimaryAndCommentsAreIgnored() throws {
        let text = """
            # rotated 2025-06
            \(F.newLine)   # primary

            \(F.oldLine)
            """
        let ring = try KeyRing.parse(text, source: "test", allowCommas: false, looseFilePermissions: false)
        #expect(ring.primary.id == "new")
        #expect(ring.older.map(\.id) == ["old"])
        #expect(ring.keys.map(\.id) == ["new", "old"])
        #expect(ring.key(id: "old")?.id == "old")
        #expect(ring.key(id: "nope") == nil)
    }

    @Test func environmentAcceptsCommasAndReportsMissingKeys() throws {
        let ring = try KeyRing.load(environment: [KeyRing.environmentVariable: F.newLine + "," + F.oldLine])
        #expect(ring.keys.map(\.id) == ["new", "old"])
        #expect(!ring.looseFilePermissions)
        #expect(F.code { _ = try KeyRing.load(environment: [:]) } == "encryption_keys_missing")
        #expect(
            F.code { _ = try KeyRing.load(environment: [KeyRing.environmentVariable: " # none\n"]) }
                == "encryption_keys_missing")
    }

    @Test func malformedLinesAreInvalidAndNeverEchoMaterial() throws {
        let secret = Data(repeating: 7, count: 31).base64EncodedString()
        let cases = [
            "no-colon-here",
            "UPPER:" + Data(repeating: 1, count: 32).base64EncodedString(),
            "waytoolongkeyid_xx:" + Data(repeating: 1, count: 32).base64EncodedString(),
            "short:" + secret,
            "bad:!!!not base64!!!",
            ":" + Data(repeating: 1, count: 32).base64EncodedString(),
        ]
        for line in cases {
            let error = F.error { _ = try KeyRing.load(environment: [KeyRing.environmentVariable: line]) }
            #expect(error?.code == "encryption_key_invalid", "\(line)")
            #expect(error?.message.contains(secret) == false)
            #expect(error?.message.contains("line 1") == true, "\(line)")
        }
    }

    @Test func duplicateIDsAreRefused() {
        let again = "new:" + Data(repeating: 3, count: 32).base64EncodedString()
        let error = F.error {
            _ = try KeyRing.load(environment: [KeyRing.environmentVariable: F.newLine + "\n" + again])
        }
        #expect(error?.code == "encryption_key_duplicate_id")
        #expect(error?.message.contains("new") == true)
    }

    @Test func messagesAreBilingualAndSayWhatToDo() {
        let error = F.error { _ = try KeyRing.load(environment: [KeyRing.environmentVariable: "x:abc"]) }
        let message = error?.message ?? ""
        #expect(message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
        #expect(message.contains("panorama keys generate"))
        #expect(message.contains(" / "))
    }

    @Test func keyFileLoadsAndFlagsLoosePermissions() throws {
        let path = F.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (F.newLine + "\n" + F.oldLine + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let loose = try KeyRing.load(fromFile: path)
        #expect(loose.looseFilePermissions)
        #expect(loose.keys.map(\.id) == ["new", "old"])

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try !KeyRing.load(fromFile: path).looseFilePermissions)
    }

    @Test func unreadableKeyFileHasItsOwnCode() {
        let path = F.temporaryPath()
        let error = F.error { _ = try KeyRing.load(fromFile: path) }
        #expect(error?.code == "encryption_key_file_unreadable")
        #expect(error?.message.contains(path) == true)
    }

    @Test func generatedLinesLoadAndDiffer() throws {
        let first = try KeyRing.generateKeyLine(id: "k2025")
        let second = try KeyRing.generateKeyLine(id: "k2026")
        #expect(first.hasPrefix("k2025:"))
        let ring = try KeyRing.load(environment: [KeyRing.environmentVariable: first + "\n" + second])
        #expect(ring.keys.map(\.id) == ["k2025", "k2026"])
        #expect(ring.primary.fieldKeyBytes != ring.older[0].fieldKeyBytes)
        #expect(F.code { _ = try KeyRing.generateKeyLine(id: "Bad Id") } == "encryption_key_invalid")
    }

    @Test func subkeysAreDistinctDeterministicAndHidden() throws {
        let a = try F.oldRing().primary
        let b = try F.oldRing().primary
        #expect(a.fieldKeyBytes == b.fieldKeyBytes && a.blindKeyBytes == b.blindKeyBytes)
        #expect(a.fieldKeyBytes != a.blindKeyBytes)
        #expect(a.fieldKeyBytes.count == 32 && a.blindKeyBytes.count == 32)
        #expect(a.fieldKeyBytes != [UInt8](repeating: 1, count: 32))
        #expect("\(a)" == "MasterKey(old)")
        var dumped = ""
        dump(a, to: &dumped)
        #expect(!dumped.contains("Bytes"))
    }
}

/// Field encryption round-trips any text, binds tokens to their context and key, and supports
/// rotation: older tokens decrypt, report `needsRotation`, and re-encrypt under the primary.
@Suite struct DataProtectionCipherTests {
    typealias F = DataProtectionFixtures

    @Test(arguments: ["alice@example.com", "张三 · 上海市浦东新区", "", "emoji 🙂 and \u{0}nul"])
    func roundTrips(_ value: String) throws {
        let cipher = FieldCipher(ring: try F.rotatedRing())
        let token = try cipher.encrypt(value, context: "w1/email")
        #expect(token.hasPrefix("pe1:new:"))
        #expect(!token.contains(value) || value.isEmpty)
        #expect(cipher.isEncrypted(token))
        #expect(try cipher.decrypt(token, context: "w1/email") == value)
    }

    @Test func nonceIsRandomSoEqualValuesGiveDifferentTokens() throws {
        let cipher = FieldCipher(ring: try F.oldRing())
        let a = try cipher.encrypt("same", context: "w1/email")
        let b = try cipher.encrypt("same", context: "w1/email")
        #expect(a != b)
    }

    @Test func wrongContextFails() throws {
        let cipher = FieldCipher(ring: try F.oldRing())
        let token = try cipher.encrypt("alice@example.com", context: "w1/email")
        #expect(F.code { _ = try cipher.decrypt(token, context: "w2/email") } == "ciphertext_invalid")
        #expect(F.code { _ = try cipher.decrypt(token, context: "w1/phone") } == "ciphertext_invalid")
    }

    @Test func everyTamperedByteFails() throws {
        let cipher = FieldCipher(ring: try F.oldRing())
        let token = try cipher.encrypt("13800138000", context: "w1/phone")
        let prefix = "pe1:old:"
        let body = try #require(Base64URL.decode(Array(token.utf8.dropFirst(prefix.utf8.count))))
        for position in body.indices {
            var altered = body
            altered[position] ^= 0x01
            let forged = prefix + Base64URL.encode(altered)
            #expect(F.code { _ = try cipher.decrypt(forged, context: "w1/phone") } == "ciphertext_invalid")
        }
        #expect(
            F.code { _ = try cipher.decrypt(String(token.dropLast(4)), context: "w1/phone") } == "ciphertext_invalid")
        #expect(F.code { _ = try cipher.decrypt("13800138000", context: "w1/phone") } == "ciphertext_invalid")
    }

    @Test func tokenFromAnOlderKeyDecryptsAndNeedsRotation() throws {
        let oldToken = try FieldCipher(ring: try F.oldRing()).encrypt("王小明", context: "w1/name")
        let cipher = FieldCipher(ring: try F.rotatedRing())
        #expect(try cipher.decrypt(oldToken, context: "w1/name") == "王小明")
        #expect(cipher.needsRotation(oldToken))

        let moved = try cipher.reencrypt(oldToken, context: "w1/name")
        #expect(moved.hasPrefix("pe1:new:"))
        #expect(!cipher.needsRotation(moved))
        #expect(try cipher.decrypt(moved, context: "w1/name") == "王小明")
        #expect(try cipher.reencrypt(moved, context: "w1/name") == moved)
        #expect(!cipher.needsRotation("plain value"))
    }

    @Test func unknownKeyIDIsNamed() throws {
        let newOnly = try KeyRing.load(environment: [KeyRing.environmentVariable: F.newLine])
        let oldToken = try FieldCipher(ring: try F.oldRing()).encrypt("x", context: "c")
        let error = F.error { _ = try FieldCipher(ring: newOnly).decrypt(oldToken, context: "c") }
        #expect(error?.code == "encryption_key_unknown")
        #expect(error?.message.contains("\"old\"") == true)
    }

    @Test func isEncryptedRecognisesOnlyWellFormedTokens() throws {
        let cipher = FieldCipher(ring: try F.oldRing())
        #expect(!cipher.isEncrypted("alice@example.com"))
        #expect(!cipher.isEncrypted("pe1:old:"))
        #expect(!cipher.isEncrypted("pe1:BAD ID:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        #expect(!cipher.isEncrypted("pe1:old:not*base64"))
        #expect(cipher.isEncrypted(try cipher.encrypt("", context: "c")))
    }

    @Test func base64URLRejectsNonCanonicalText() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode(Array("-_8".utf8)) == [0xFB, 0xFF])
        #expect(Base64URL.decode(Array("-_9".utf8)) == nil)
        #expect(Base64URL.decode(Array("A".utf8)) == nil)
        #expect(Base64URL.decode(Array("AA==".utf8)) == nil)
    }

    @Test func base64URLAgreesWithFoundationOnEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            while expected.hasSuffix("=") { expected.removeLast() }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == expected)
            #expect(Base64URL.decode(Array(encoded.utf8)) == bytes)
        }
    }
}

/// Blind indexes are deterministic per key and kind, and look-ups during a rotation try every key.
@Suite struct DataProtectionBlindIndexTests {
    typealias F = DataProtectionFixtures

    @Test func deterministicAndShaped() throws {
        let index = BlindIndex(ring: try F.oldRing())
        let a = index.index("alice@example.com", kind: "email")
        #expect(a == index.index("alice@example.com", kind: "email"))
        #expect(a.hasPrefix("bi1:old:"))
        #expect(Base64URL.decode(Array(a.utf8.dropFirst("bi1:old:".utf8.count)))?.count == 16)
        #expect(a != index.index("bob@example.com", kind: "email"))
    }

    @Test func differsPerKind() throws {
        let index = BlindIndex(ring: try F.oldRing())
        #expect(index.index("13800138000", kind: "phone") != index.index("13800138000", kind: "user_id"))
        #expect(index.index("b", kind: "a") != index.index("", kind: "ab"))
    }

    @Test func differsPerKey() throws {
        let old = BlindIndex(ring: try F.oldRing()).index("x", kind: "email")
        let new = BlindIndex(ring: try F.rotatedRing()).index("x", kind: "email")
        #expect(old.dropFirst(8) != new.dropFirst(8))
    }

    @Test func candidatesCoverEveryKeyDuringRotation() throws {
        let stored = BlindIndex(ring: try F.oldRing()).index("alice@example.com", kind: "email")
        let rotated = BlindIndex(ring: try F.rotatedRing())
        let candidates = rotated.candidates("alice@example.com", kind: "email")
        #expect(candidates.count == 2)
        #expect(candidates.first == rotated.index("alice@example.com", kind: "email"))
        #expect(candidates.contains(stored))
        #expect(rotated.needsRotation(stored))
        #expect(!rotated.needsRotation(candidates[0]))
    }
}

/// The audit chain detects edits, re-hashed edits, deletions in the middle and at the tail, and
/// survives retention when anchored by a checkpoint.
@Suite struct DataProtectionAuditTests {
    /// A sealed chain of `count` entries with varied content.
    static func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            let draft = AuditDraft(
                at: 1_750_000_000 + Double(i) * 1.5, workspace: "w\(i % 3)", actor: "user-\(i % 7)",
                actorKind: i % 5 == 0 ? "api_key" : "user", action: i % 2 == 0 ? "auth.sign_in" : "export.segment",
                target: "segment-\(i)", sourceIP: i % 4 == 0 ? nil : "10.0.0.\(i % 250)",
                detail: ["rows": "\(i * 10)", "format": "csv"])
            entries.append(AuditChain.seal(draft, after: entries.last))
        }
        return entries
    }

    /// The fields an attacker might edit.
    enum Field: CaseIterable, Sendable {
        case actor, action, detail, at, workspace, target, sourceIP, actorKind, previousHash
    }

    @Test func aThousandEntriesVerify() {
        let entries = Self.chain(1_000)
        #expect(entries.first?.previousHash == AuditChain.genesisHash)
        #expect(entries.map(\.sequence) == Array(1...1_000))
        #expect(AuditChain.verify(entries) == .intact(count: 1_000, lastHash: entries[999].hash))
        #expect(AuditChain.verify([AuditEntry]()) == .intact(count: 0, lastHash: AuditChain.genesisHash))
    }

    @Test(arguments: Field.allCases)
    func editingAnyFieldIsTamperingAtThatEntry(_ field: Field) {
        var entries = Self.chain(1_000)
        switch field {
        case .actor: entries[499].actor = "someone-else"
        case .action: entries[499].action = "auth.sign_out"
        case .detail: entries[499].detail["rows"] = "1"
        case .at: entries[499].at += 0.001
        case .workspace: entries[499].workspace = "w9"
        case .target: entries[499].target = "segment-x"
        case .sourceIP: entries[499].sourceIP = entries[499].sourceIP == nil ? "" : nil
        case .actorKind: entries[499].actorKind = "system"
        case .previousHash: entries[499].previousHash = AuditChain.genesisHash
        }
        #expect(AuditChain.verify(entries) == .tampered(sequence: 500))
    }

    @Test func deletingAnEntryInTheMiddleIsAGap() {
        var entries = Self.chain(1_000)
        entries.remove(at: 299)
        #expect(AuditChain.verify(entries) == .gap(expected: 300, found: 301))
    }

    @Test func rehashingAnEditedEntryBreaksTheNextLink() {
        var entries = Self.chain(1_000)
        entries[499].actor = "cover-up"
        entries[499].hash = AuditChain.hash(of: entries[499])
        #expect(AuditChain.verify(entries) == .broken(sequence: 501))
    }

    @Test func renumberingAfterADeletionIsStillDetected() {
        var entries = Self.chain(10)
        entries.remove(at: 4)
        for i in 4..<entries.count {
            entries[i].sequence -= 1
            entries[i].hash = AuditChain.hash(of: entries[i])
        }
        #expect(AuditChain.verify(entries) == .broken(sequence: 5))
    }

    @Test func truncatedTailNeedsTheRecordedHead() {
        let full = Self.chain(1_000)
        let head = AuditCheckpoint(full[999])
        let truncated = Array(full.dropLast())
        #expect(AuditChain.verify(truncated).isIntact)
        #expect(AuditChain.verify(truncated, expectedHead: head) == .truncated(expected: 1_000, found: 999))
        #expect(AuditChain.verify(full, expectedHead: head) == .intact(count: 1_000, lastHash: head.hash))
        #expect(AuditChain.verify(full, expectedHead: AuditCheckpoint(full[499])).isIntact)
        #expect(AuditChain.verify([AuditEntry](), expectedHead: head) == .truncated(expected: 1_000, found: 0))
    }

    @Test func rebuiltChainIsCaughtByTheRecordedHead() {
        let full = Self.chain(100)
        var forged = Array(full.prefix(49))
        for entry in full.dropFirst(49) {
            var draft = AuditDraft(
                at: entry.at, workspace: entry.workspace, actor: entry.actor, actorKind: entry.actorKind,
                action: entry.action, target: entry.target, sourceIP: entry.sourceIP, detail: entry.detail)
            if entry.sequence == 50 { draft.actor = "innocent" }
            forged.append(AuditChain.seal(draft, after: forged.last))
        }
        #expect(AuditChain.verify(forged).isIntact)
        #expect(
            AuditChain.verify(forged, expectedHead: AuditCheckpoint(full[99])) == .checkpointMismatch(sequence: 100))
    }

    @Test func retentionVerifiesFromTheCheckpoint() {
        let full = Self.chain(1_000)
        let checkpoint = AuditCheckpoint(full[99])
        let kept = Array(full.dropFirst(100))
        #expect(AuditChain.verify(kept, checkpoint: checkpoint) == .intact(count: 900, lastHash: full[999].hash))
        #expect(AuditChain.verify(kept) == .gap(expected: 1, found: 101))
        let wrong = AuditCheckpoint(sequence: 100, hash: full[98].hash)
        #expect(AuditChain.verify(kept, checkpoint: wrong) == .broken(sequence: 101))
        #expect(AuditChain.verify(Array(kept.dropFirst()), checkpoint: checkpoint) == .gap(expected: 101, found: 102))
        #expect(
            AuditChain.verify(kept, checkpoint: checkpoint, expectedHead: AuditCheckpoint(full[999])).isIntact)
        // Rows not yet deleted: verified from the genesis, and the checkpoint must be on the chain.
        #expect(AuditChain.verify(full, checkpoint: checkpoint).isIntact)
        #expect(AuditChain.verify(full, checkpoint: wrong) == .checkpointMismatch(sequence: 100))
        #expect(
            AuditChain.verify([AuditEntry](), checkpoint: checkpoint) == .intact(count: 0, lastHash: checkpoint.hash))
    }

    @Test func verificationCanContinueFromAVerifiedEntry() {
        let full = Self.chain(20)
        #expect(
            AuditChain.verify(full.dropFirst(10), startingAfter: full[9]) == .intact(count: 10, lastHash: full[19].hash)
        )
        #expect(AuditChain.verify(full.dropFirst(11), startingAfter: full[9]) == .gap(expected: 11, found: 12))
    }

    @Test func canonicalBytesAreUnambiguous() {
        let base = AuditChain.seal(
            AuditDraft(at: 1, workspace: "w", actor: "ab", actorKind: "user", action: "a", target: "c"), after: nil)
        var shifted = base
        shifted.actor = "a"
        shifted.actorKind = "buser"
        #expect(AuditChain.hash(of: base) != AuditChain.hash(of: shifted))
        var d1 = base
        d1.detail = ["a": "b=c"]
        var d2 = base
        d2.detail = ["a=b": "c"]
        #expect(AuditChain.hash(of: d1) != AuditChain.hash(of: d2))
        var noIP = base
        noIP.sourceIP = nil
        var emptyIP = base
        emptyIP.sourceIP = ""
        #expect(AuditChain.hash(of: noIP) != AuditChain.hash(of: emptyIP))
        var many = base
        many.detail = Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", "v\($0)") })
        let again = many
        #expect(AuditChain.canonicalBytes(of: many) == AuditChain.canonicalBytes(of: again))
        #expect(AuditChain.hash(of: base).count == 64)
    }

    @Test func entriesSurviveAJSONRoundTrip() throws {
        let entries = Self.chain(50)
        let decoded = try JSONDecoder().decode([AuditEntry].self, from: JSONEncoder().encode(entries))
        #expect(decoded == entries)
        #expect(AuditChain.verify(decoded).isIntact)
    }

    @Test func reportsNameTheSequence() {
        #expect(AuditVerification.tampered(sequence: 42).description.contains("42"))
        #expect(AuditVerification.gap(expected: 7, found: 9).description.contains("Expected entry 7"))
    }
}

/// The token bucket allows a burst, refills at the rate, says when to retry, keeps keys apart,
/// bounds its memory, and never over-grants under concurrency.
@Suite struct DataProtectionRateLimiterTests {
    @Test func burstIsAllowedThenLimited() {
        let limiter = RateLimiter(rate: 1, burst: 3)
        #expect(limiter.acquire("k", now: 0) == .allowed(remaining: 2))
        #expect(limiter.acquire("k", now: 0) == .allowed(remaining: 1))
        #expect(limiter.acquire("k", now: 0) == .allowed(remaining: 0))
        #expect(!limiter.acquire("k", now: 0).isAllowed)
    }

    @Test func refillsOverTimeUpToTheBurst() {
        let limiter = RateLimiter(rate: 2, burst: 4)
        for _ in 0..<4 { _ = limiter.acquire("k", now: 10) }
        #expect(limiter.acquire("k", now: 10.5) == .allowed(remaining: 0))
        #expect(!limiter.acquire("k", now: 10.5).isAllowed)
        #expect(limiter.acquire("k", now: 11.5) == .allowed(remaining: 1))
        #expect(limiter.acquire("k", now: 1_000) == .allowed(remaining: 3))
    }

    @Test func retryAfterIsTheTimeUntilEnoughTokens() throws {
        let limiter = RateLimiter(rate: 0.5, burst: 2)
        _ = limiter.acquire("k", cost: 2, now: 0)
        guard case .limited(let wait) = limiter.acquire("k", now: 0.5) else {
            Issue.record("expected a limit")
            return
        }
        #expect(abs(wait - 1.5) < 1e-6)
        #expect(!limiter.acquire("k", now: 0.5 + wait - 0.01).isAllowed)
        #expect(limiter.acquire("k", now: 0.5 + wait).isAllowed)
        #expect(limiter.acquire("k", cost: 3, now: 100) == .limited(retryAfter: .infinity))
    }

    @Test func keysAreIndependent() {
        let limiter = RateLimiter(rate: 1, burst: 1)
        #expect(limiter.acquire("write-key-a", now: 0).isAllowed)
        #expect(!limiter.acquire("write-key-a", now: 0).isAllowed)
        #expect(limiter.acquire("write-key-b", now: 0).isAllowed)
        #expect(limiter.acquire("10.0.0.1", now: 0).isAllowed)
    }

    @Test func memoryIsBoundedAndEvictsTheLeastRecentlyUsed() {
        let limiter = RateLimiter(rate: 0.001, burst: 1, maxKeys: 3)
        for key in ["a", "b", "c"] { _ = limiter.acquire(key, now: 0) }
        _ = limiter.acquire("a", now: 1)
        _ = limiter.acquire("d", now: 1)
        #expect(limiter.trackedKeys == 3)
        #expect(!limiter.acquire("a", now: 1).isAllowed)
        #expect(limiter.acquire("b", now: 1).isAllowed)

        let wide = RateLimiter(rate: 0.001, burst: 5, maxKeys: 1_000)
        for i in 0..<10_000 { _ = wide.acquire("ip-\(i)", now: Double(i) / 1_000) }
        #expect(wide.trackedKeys == 1_000)
    }

    @Test func idleBucketsAreDropped() {
        let limiter = RateLimiter(rate: 10, burst: 5)
        for i in 0..<100 { _ = limiter.acquire("k\(i)", now: 0) }
        #expect(limiter.trackedKeys == 100)
        for i in 0..<60 { _ = limiter.acquire("busy", now: 100 + Double(i)) }
        #expect(limiter.trackedKeys == 1)
    }

    @Test func concurrentAcquireNeverOvergrants() async {
        let limiter = RateLimiter(rate: 100, burst: 10)
        let allowed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var granted = 0
                    for step in 0..<500 where limiter.acquire("k", now: Double(step) / 1_000).isAllowed {
                        granted += 1
                    }
                    return granted
                }
            }
            return await group.reduce(0, +)
        }
        // Time spans 0…0.499 s: at most 10 + 100 × 0.499 = 59.9 tokens.
        #expect(allowed <= 59)
        #expect(allowed >= 10)

        let sameInstant = RateLimiter(rate: 1, burst: 25)
        let atOnce = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { sameInstant.acquire("k", now: 5).isAllowed } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(atOnce == 25)
    }
}
