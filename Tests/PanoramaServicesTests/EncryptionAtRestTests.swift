import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import Testing

@testable import PanoramaStore

/// Personal data encrypted at rest: nothing personal is stored in clear, every read path and
/// look-up still works, keys are checked at start, and rotation re-encrypts without downtime.
@Suite struct EncryptionAtRestTests {
    static func ring(_ lines: String...) throws -> FieldProtection {
        FieldProtection(ring: try KeyRing.load(environment: [KeyRing.environmentVariable: lines.joined(separator: ",")]))
    }
    static let oldLine = "old:" + Data(repeating: 1, count: 32).base64EncodedString()
    static let newLine = "new:" + Data(repeating: 2, count: 32).base64EncodedString()

    /// The personal values the tests send, none of which may appear in the store in clear.
    static let secrets = [
        "alice.w@example.com", "13812348000", "王小丽", "上海市浦东新区世纪大道100号", "11010519491231002X", "wangxl@corp.cn",
        "北京市朝阳区建国路88号",
    ]

    static func sendPersonalData(_ h: Harness) async throws {
        // An anonymous visitor first, merged below into the customer by her email.
        try await h.send(#"{"type":"track","anonymousId":"anon-9","messageId":"m0","event":"Viewed"}"#, to: .track)
        try await h.send(
            """
            {"type":"identify","userId":"u-alice","messageId":"m1","traits":{"email":"Alice.W@example.com",
             "phone":"138 1234 8000","name":"王小丽","address":"上海市浦东新区世纪大道100号","id_number":"11010519491231002X",
             "plan":"gold","owner":"sales-1"},
             "context":{"traits":{"email":"wangxl@corp.cn"},"ip":"10.0.0.1"}}
            """, to: .identify)
        try await h.send(
            """
            {"type":"track","userId":"u-alice","messageId":"m2","event":"Order Completed",
             "properties":{"order_id":"o-1","total":99.5,"shipping_address":"北京市朝阳区建国路88号","name":"Checkout",
              "products":[{"sku":"s1","name":"茶具","price":99.5,"quantity":1}]}}
            """, to: .track)
        // A second identity merged into the first by its email: the merge's cause is personal too.
        try await h.send(
            #"{"type":"identify","anonymousId":"anon-9","messageId":"m3","traits":{"email":"alice.w@example.com"}}"#, to: .identify)
    }

    /// Every text cell of the tables that hold customer data.
    static func storedText(_ store: any PanoramaStore) async throws -> [String] {
        let sql = try #require(store as? any SQLStore)
        var cells: [String] = []
        for (table, columns) in [
            ("identifiers", ["value"]), ("customer_traits", ["value"]), ("events", ["properties", "traits", "context"]),
            ("orders", ["properties"]), ("merges", ["cause_value"]), ("identity_conflicts", ["value"]),
        ] {
            for column in columns {
                cells += try await sql.fetch(sql.sql("SELECT \(column) FROM \(table)").query) {
                    try $0.optionalText(0) ?? ""
                }
            }
        }
        return cells
    }

    static func expectNothingInClear(_ store: any PanoramaStore) async throws {
        let cells = try await storedText(store)
        #expect(!cells.isEmpty)
        for secret in secrets + ["+8613812348000", "alice.w@example.com"] {
            #expect(!cells.contains { $0.contains(secret) }, "\(secret) is stored in clear")
        }
    }

    func everyPersonalValueIsSealedAndEveryReadPathOpensIt() async throws {
        try await Harness.run { h in
            try await Self.sendPersonalData(h)
            try await Self.expectNothingInClear(h.services.store)
            // Look-ups by identifier: exact, after normalization, also through the merged identity.
            let byEmail = try await h.profile("email", "alice.w@example.com")
            let byPhone = try await h.profile("phone", "+8613812348000")
            #expect(byEmail.id == byPhone.id)
            #expect(try await h.profile("anonymous_id", "anon-9").id == byEmail.id)
            // The profile reads back in clear.
            #expect(h.trait(byEmail, "name") == #""王小丽""#)
            #expect(h.trait(byEmail, "address") == #""上海市浦东新区世纪大道100号""#)
            #expect(h.trait(byEmail, "plan") == #""gold""#)
            #expect(byEmail.identifiers.contains(Identifier(type: "email", value: "alice.w@example.com")))
            // The timeline, with the personal members of each document in clear and the rest as sent.
            let events = try await h.events(of: byEmail.id)
            let identify = try #require(events.first { $0.messageID == "m1" })
            let traits = try #require(identify.traits.flatMap { try? JSONParser.parse($0) })
            #expect(traits["email"]?.stringValue == "Alice.W@example.com")
            #expect(traits["plan"]?.stringValue == "gold")
            let context = try #require(identify.context.flatMap { try? JSONParser.parse($0) })
            #expect(context["traits"]?["email"]?.stringValue == "wangxl@corp.cn")
            let track = try #require(events.first { $0.messageID == "m2" })
            let properties = try #require(track.properties.flatMap { try? JSONParser.parse($0) })
            #expect(properties["shipping_address"]?.stringValue == "北京市朝阳区建国路88号")
            #expect(properties["name"]?.stringValue == "Checkout")
            // Customer search: whole email and phone (any way it is typed), an exact trait value.
            for (type, value) in [("email", "ALICE.W@example.com"), ("phone", "13812348000")] {
                let found = try await h.services.profiles.list(
                    workspaceID: h.workspaceID, query: CustomerQuery(identifierType: type, identifierPrefix: value),
                    cursor: nil, limit: 10)
                #expect(found.items.map(\.id) == [byEmail.id], "\(type) \(value)")
            }
            let anyType = try await h.services.profiles.list(
                workspaceID: h.workspaceID, query: CustomerQuery(identifierPrefix: "13812348000"), cursor: nil, limit: 10)
            #expect(anyType.items.map(\.id) == [byEmail.id])
            let byName = try await h.services.profiles.list(
                workspaceID: h.workspaceID, query: CustomerQuery(trait: ("name", #""王小丽""#)), cursor: nil, limit: 10)
            #expect(byName.items.map(\.id) == [byEmail.id])
            // Merge history reads in clear.
            let merges = try await h.services.profiles.merges(workspaceID: h.workspaceID, id: byEmail.id)
            #expect(!merges.isEmpty && merges.allSatisfy { !FieldProtection.isToken($0.cause.value) })
            // The privacy export holds everything in clear.
            let document = try await h.services.privacy.export(workspaceID: h.workspaceID, id: byEmail.id).jsonText
            for secret in ["alice.w@example.com", "王小丽", "北京市朝阳区建国路88号", "wangxl@corp.cn"] {
                #expect(document.contains(secret), "export lacks \(secret)")
            }
            #expect(!document.contains("pd1:") && !document.contains("pe1:"))
            // A restart loads the identity graph from tokens: the same person is found again.
            try await h.send(#"{"type":"identify","userId":"u-other","messageId":"m4","traits":{"email":"bob@example.com"}}"#, to: .identify)
        }
    }

    @Test func sqliteSealsEverythingPersonal() async throws {
        try await everyPersonalValueIsSealedAndEveryReadPathOpensIt()
    }

    @Test(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
    func postgresSealsEverythingPersonal() async throws {
        try await Backend.$current.withValue(.postgres) { try await everyPersonalValueIsSealedAndEveryReadPathOpensIt() }
    }

    @Test func theSQLiteFileHoldsNoPersonalValueInClear() async throws {
        let location = try await Backend.freshLocation()
        try await Harness.run(location: location) { h in
            try await Self.sendPersonalData(h)
        }
        // Reopened, with the WAL checkpointed into the file: the bytes on disk, every page.
        let store = try SQLiteStore(directory: location, synchronous: .normal, protection: Harness.protection)
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: store.path))
        if let wal = try? Data(contentsOf: URL(fileURLWithPath: store.path + "-wal")) { bytes.append(wal) }
        for secret in Self.secrets {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is in the database file")
        }
        // The identity graph loads from tokens: the same email finds the same person after a restart.
        try await Harness.run(location: location) { h in
            let before = try await h.profile("email", "alice.w@example.com")
            try await h.send(
                #"{"type":"identify","anonymousId":"anon-x","messageId":"m10","traits":{"email":"ALICE.W@example.com"}}"#,
                to: .identify)
            #expect(try await h.profile("anonymous_id", "anon-x").id == before.id)
        }
    }

    @Test func startingWithoutTheKeyOrWithAnotherKeyOfTheSameIdIsRefused() async throws {
        let location = try await Backend.freshLocation()
        try await Harness.run(location: location) { h in try await Self.sendPersonalData(h) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        func open(_ protection: FieldProtection) async throws {
            var configuration = Configuration(dataDirectory: location, synchronous: .normal)
            configuration.protection = protection
            _ = try await Services.open(configuration: configuration, logger: logger)
        }
        await #expect(throws: PanoramaError.self) { try await open(.off) }
        let wrong = try Self.ring("test:" + Data(repeating: 8, count: 32).base64EncodedString())
        do {
            try await open(wrong)
            Issue.record("a wrong key was accepted")
        } catch let error as PanoramaError {
            #expect(error.code == "encryption_key_invalid")
        }
        try await open(Harness.protection)
    }

    @Test func rotationReencryptsEverythingInTheBackgroundAndTheOldKeyCanGo() async throws {
        try await rotation()
    }

    @Test(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
    func rotationOnPostgres() async throws {
        try await Backend.$current.withValue(.postgres) { try await rotation() }
    }

    @Test(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
    func aPostgresStoreWrittenInClearIsSealedBySweep() async throws {
        try await Backend.$current.withValue(.postgres) { try await clearThenSealed() }
    }

    func rotation() async throws {
        let old = try Self.ring(Self.oldLine)
        let rotated = try Self.ring(Self.newLine, Self.oldLine)
        let location = try await Backend.freshLocation()
        try await Harness.run(location: location, protection: old) { h in
            try await Self.sendPersonalData(h)
        }
        try await Harness.run(location: location, protection: rotated) { h in
            // Values under the old key are still read and found, before any sweep.
            let profile = try await h.profile("email", "alice.w@example.com")
            #expect(h.trait(profile, "name") == #""王小丽""#)
            // New writes use the new key; the same person is still recognised.
            try await h.send(#"{"type":"identify","userId":"u-alice","messageId":"m5","traits":{"phone":"13900001111"}}"#, to: .identify)
            #expect(try await h.profile("phone", "+8613900001111").id == profile.id)
            let before = try await h.services.protectionSweep.run(apply: false)
            #expect(before.values.reduce(0) { $0 + $1.rewritten } > 0)
            // The sweep, concurrent with ingest.
            async let sweep = h.services.protectionSweep.run()
            for i in 0..<20 {
                try await h.send(
                    #"{"type":"identify","userId":"u-\#(i)","messageId":"r\#(i)","traits":{"email":"p\#(i)@example.com","name":"客户\#(i)"}}"#, to: .identify)
            }
            let swept = try await sweep
            #expect(swept[.identifiers]!.rewritten > 0 && swept[.events]!.rewritten > 0)
            let after = try await h.services.protectionSweep.run(apply: false)
            #expect(after.values.reduce(0) { $0 + $1.rewritten } == 0)
            // Every token is under the new key now.
            let cells = try await Self.storedText(h.services.store)
            #expect(!cells.contains { $0.contains("pd1:old:") || $0.contains("pe1:old:") })
            #expect(cells.contains { $0.contains("pd1:new:") })
        }
        // The old key removed: everything still reads, look-ups still find.
        try await Harness.run(location: location, protection: try Self.ring(Self.newLine)) { h in
            let profile = try await h.profile("email", "alice.w@example.com")
            #expect(h.trait(profile, "address") == #""上海市浦东新区世纪大道100号""#)
            #expect(try await h.profile("email", "p7@example.com").traits.contains { $0.json == #""客户7""# })
            let events = try await h.events(of: profile.id)
            #expect(events.contains { $0.properties?.contains("北京市朝阳区建国路88号") == true })
            try await Self.expectNothingInClear(h.services.store)
        }
    }

    @Test func aStoreWrittenInClearIsSealedBySweepAndReadMeanwhile() async throws {
        try await clearThenSealed()
    }

    func clearThenSealed() async throws {
        let location = try await Backend.freshLocation()
        try await Harness.run(location: location, protection: .off) { h in
            try await Self.sendPersonalData(h)
            let cells = try await Self.storedText(h.services.store)
            #expect(cells.contains { $0.contains("alice.w@example.com") })
        }
        try await Harness.run(location: location) { h in
            // Clear rows are found before the sweep; new rows are sealed.
            let profile = try await h.profile("email", "alice.w@example.com")
            try await h.send(#"{"type":"identify","userId":"u-alice","messageId":"m6","traits":{"email":"alice.w@example.com"}}"#, to: .identify)
            #expect(try await h.profile("user_id", "u-alice").id == profile.id)
            try await h.services.protectionSweep.run()
            try await Self.expectNothingInClear(h.services.store)
            #expect(try await h.profile("email", "alice.w@example.com").id == profile.id)
            #expect(try await h.profile("phone", "+8613812348000").id == profile.id)
        }
    }

    @Test func theStartPassIsSkippedOnlyWhileACompletePassHoldsUnderTheSamePrimaryKey() async throws {
        try await sweepMark()
    }

    @Test(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
    func theStartPassIsSkippedOnlyWhileACompletePassHoldsOnPostgres() async throws {
        try await Backend.$current.withValue(.postgres) { try await sweepMark() }
    }

    static func mark(_ h: Harness) async throws -> String? {
        try await #require(h.services.store as? any SQLStore).sweepMark().keyID
    }

    /// The sweep's mark: set by a complete pass, honoured by the first scheduled run, cleared by a
    /// start with another primary key or with encryption off.
    func sweepMark() async throws {
        let old = try Self.ring(Self.oldLine)
        let rotated = try Self.ring(Self.newLine, Self.oldLine)
        let location = try await Backend.freshLocation()
        // Given a new store under the old key: no pass has completed, so the start pass runs.
        try await Harness.run(location: location, protection: old) { h in
            try await Self.sendPersonalData(h)
            #expect(try await Self.mark(h) == nil)
            #expect(try await h.services.protectionSweep.runScheduled(first: true))
            #expect(try await Self.mark(h) == "old")
            // A dry run (`panorama encryption status`) neither sets nor clears it.
            try await h.services.protectionSweep.run(apply: false)
            #expect(try await Self.mark(h) == "old")
        }
        // Reopened with the same key: the start pass is skipped, the daily one still runs.
        try await Harness.run(location: location, protection: old) { h in
            #expect(try await Self.mark(h) == "old")
            let ran = try await h.services.protectionSweep.runScheduled(first: true)
            #expect(!ran)
            #expect(try await h.services.protectionSweep.runScheduled(first: false))
        }
        // A new primary key clears it at open: the start pass runs and re-encrypts under "new".
        try await Harness.run(location: location, protection: rotated) { h in
            #expect(try await Self.mark(h) == nil)
            #expect(try await h.services.protectionSweep.runScheduled(first: true))
            #expect(try await Self.mark(h) == "new")
            let cells = try await Self.storedText(h.services.store)
            #expect(!cells.contains { $0.contains("pd1:old:") || $0.contains("pe1:old:") })
        }
        // A node back on the old primary key (the new one still in its ring) clears it too: it
        // writes under "old", which a node on "new" must re-encrypt.
        try await Harness.run(location: location, protection: try Self.ring(Self.oldLine, Self.newLine)) { h in
            let before = try await Self.mark(h)
            #expect(before == nil)
            #expect(try await h.services.protectionSweep.runScheduled(first: true))
            #expect(try await Self.mark(h) == "old")
        }
    }

    @Test func aStoreWrittenWithEncryptionOffIsSweptAtTheNextStart() async throws {
        // Given a store opened with encryption off (no canary yet, so the start is allowed) after a
        // node with a key completed a pass on it…
        let location = try await Backend.freshLocation()
        let key = try Self.ring(Self.newLine)
        try await Harness.run(location: location, protection: key) { h in
            let ran = try await h.services.protectionSweep.runScheduled(first: true)
            #expect(ran)
            #expect(try await h.services.protectionSweep.isComplete())
        }
        let sql: any SQLStore = try SQLiteStore(directory: location, synchronous: .normal, protection: .off)
        try await sql.run(sql.sql("DELETE FROM protection_keys").query)
        try await Harness.run(location: location, protection: .off) { h in
            try await Self.sendPersonalData(h)
        }
        // …the mark is gone, and the next start with the key makes the pass and seals the values.
        try await Harness.run(location: location, protection: key) { h in
            let complete = try await h.services.protectionSweep.isComplete()
            #expect(!complete)
            #expect(try await h.services.protectionSweep.runScheduled(first: true))
            try await Self.expectNothingInClear(h.services.store)
            #expect(try await h.services.protectionSweep.isComplete())
        }
    }

    @Test func aPassOverlappedByAnInvalidationLeavesTheMarkUnset() async throws {
        try await Harness.run { h in
            let sql = try #require(h.services.store as? any SQLStore)
            let before = try await sql.sweepMark().generation
            // Another node opens the store with encryption off while this pass runs.
            let off = try SQLiteStore(directory: h.location, synchronous: .normal, protection: .off)
            try await off.invalidateSweepMark()
            let marked = try await sql.markSweepComplete(generation: before, now: 1)
            #expect(!marked)
            #expect(try await sql.sweepMark().keyID == nil)
            #expect(try await sql.markSweepComplete(generation: sql.sweepMark().generation, now: 1))
            #expect(try await sql.sweepMark().keyID == "test")
        }
    }

    @Test func erasureLeavesNothingFindableByIdentifier() async throws {
        try await Harness.run { h in
            try await Self.sendPersonalData(h)
            let profile = try await h.profile("email", "alice.w@example.com")
            _ = try await h.services.privacy.erase(workspaceID: h.workspaceID, id: profile.id, suppress: true)
            for (type, value) in [("email", "alice.w@example.com"), ("phone", "+8613812348000"), ("user_id", "u-alice")] {
                #expect(try await h.services.store.owners(workspaceID: h.workspaceID, identifier: Identifier(type: type, value: value)).isEmpty)
            }
            let cells = try await Self.storedText(h.services.store)
            #expect(!cells.contains { FieldProtection.isToken($0) || $0.contains("\"pe1:") })
        }
    }

    @Test func documentsWithoutPersonalMembersAreNotParsed() throws {
        typealias P = FieldProtection
        #expect(PersonalData.kind(ofName: "First Name") == .name && PersonalData.kind(ofName: "E-Mail") == .email)
        #expect(PersonalData.kind(ofName: "Phone_Number") == .phone && PersonalData.kind(ofName: "身份证号") == .chineseID)
        #expect(PersonalData.kind(ofName: "plan") == nil && PersonalData.kind(ofName: "Product Name") == nil)
        #expect(!P.mayHoldPersonalMembers(#"{"product_id":"p1","name":"Tea","price":1}"#, as: .properties))
        #expect(P.mayHoldPersonalMembers(#"{"order_id":"o1", "shipping_address" :"x"}"#, as: .properties))
        #expect(!P.mayHoldPersonalMembers(#"{"library":{"name":"x"},"ip":"10.0.0.1"}"#, as: .context))
        #expect(P.mayHoldPersonalMembers(#"{"library":{"name":"x"},"traits":{"email":"a@b.c"}}"#, as: .context))
        #expect(!P.mayHoldPersonalMembers(#"{"plan":"gold","note":"name: x"}"#, as: .traits))
        #expect(P.mayHoldPersonalMembers(#"{"E-Mail":"a@b.c"}"#, as: .traits))
        #expect(P.mayHoldPersonalMembers(#"{"a\"b":"c","手机":"1"}"#, as: .traits))
        // And a document the check lets through is sealed exactly as a parsed one would be.
        let protection = try Self.ring(Self.newLine)
        let plain = #"{"product_id":"p1","name":"Tea"}"#
        #expect(try protection.seal(json: plain, as: .properties, workspaceID: 1) == plain)
    }

    @Test func deterministicTokensAreStableWithinAFieldAndDifferAcross() throws {
        let protection = try Self.ring(Self.newLine, Self.oldLine)
        let cipher = try #require(protection.cipher)
        let a = try cipher.seal("13812348000", context: "w1/id/phone")
        #expect(a == (try cipher.seal("13812348000", context: "w1/id/phone")))
        #expect(a.hasPrefix("pd1:new:"))
        #expect(a != (try cipher.seal("13812348000", context: "w2/id/phone")))
        #expect(a != (try cipher.seal("13812348001", context: "w1/id/phone")))
        #expect(try cipher.decrypt(a, context: "w1/id/phone") == "13812348000")
        #expect(throws: PanoramaError.self) { try cipher.decrypt(a, context: "w2/id/phone") }
        // Under every key, primary first, for look-ups during a rotation.
        let candidates = try cipher.candidates("13812348000", context: "w1/id/phone")
        #expect(candidates.count == 2 && candidates[0] == a && candidates[1].hasPrefix("pd1:old:"))
        #expect(cipher.needsRotation(candidates[1]) && !cipher.needsRotation(a))
        #expect(try cipher.reencrypt(candidates[1], context: "w1/id/phone") == a)
        // A flipped byte of a token is refused.
        var bytes = Array(a.utf8)
        bytes[bytes.count - 3] = bytes[bytes.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: PanoramaError.self) { try cipher.decrypt(String(decoding: bytes, as: UTF8.self), context: "w1/id/phone") }
    }
}
