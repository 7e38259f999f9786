import Foundation
import Logging
import PanoramaCore
import PanoramaServices
import PanoramaStore
import Testing

/// Loyalty through the real service and store: earning, bonuses, redemption, expiry by lots,
/// refunds, tiers, stored value, idempotency, concurrency and merges. Every test runs on SQLite
/// here and on PostgreSQL in `PostgresLoyaltyTests`.
@Suite struct LoyaltyTests {
    static let day: Int64 = 86_400_000

    /// A program with every kind of rule: 1 point per yuan, 2 more per yuan of beauty lines,
    /// bonuses, and three tiers.
    static let program = """
        {"expiry_months": 12, "tier_period_days": 365,
         "earn_rules": [
           {"type": "spend", "points": 1, "per_amount": 100},
           {"type": "category", "category": "Beauty", "points": 2, "per_amount": 100},
           {"type": "event", "event": "signup", "points": 100},
           {"type": "event", "event": "birthday", "points": 200},
           {"type": "event", "event": "app_review", "points": 20, "limit": "unlimited"}],
         "tiers": [
           {"code": "member", "name": "Member"},
           {"code": "silver", "name": "Silver", "min_spend": 50000, "multiplier_percent": 150, "benefits": ["free shipping"]},
           {"code": "gold", "name": "Gold", "min_orders": 5, "multiplier_percent": 200}]}
        """

    // MARK: Helpers

    /// A new profile with a user id; returns its id.
    func customer(_ h: Harness, _ userID: String) async throws -> Int64 {
        try await h.send(#"{"userId":"\#(userID)","traits":{"name":"\#(userID)"}}"#, to: .identify)
        return try await h.profile("user_id", userID).id
    }

    @discardableResult
    func setProgram(_ h: Harness, _ text: String = program) async throws -> LoyaltyProgram {
        try await h.services.loyalty.saveProgram(workspaceID: h.workspaceID, json: try JSONParser.parse(text))
    }

    func order(
        _ id: Int64, customer: Int64, total: Int64, items: [OrderItem] = [], status: OrderStatus = .paid,
        refunded: Int64 = 0, placedAt: Int64
    ) -> Order {
        Order(
            id: id, externalID: "o-\(id)", customerID: customer, status: status, placedAt: placedAt, items: items,
            total: total, refunded: refunded)
    }

    func save(_ h: Harness, _ order: Order) async {
        await h.services.loyalty.orderSaved(
            workspaceID: h.workspaceID, order: order, previous: nil, customerID: order.customerID)
    }

    func summary(_ h: Harness, _ id: Int64) async throws -> LoyaltySummary {
        try await h.services.loyalty.summary(workspaceID: h.workspaceID, customerID: id)
    }

    func entries(_ h: Harness, _ id: Int64, _ ledger: LoyaltyLedger) async throws -> [LedgerEntry] {
        var all: [LedgerEntry] = []
        var cursor: String?
        repeat {
            let (_, page) = try await h.services.loyalty.ledger(
                workspaceID: h.workspaceID, customerID: id, ledger, cursor: cursor, limit: 7)
            all += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }

    /// The ledger invariants, for each raw profile and the whole profile: points = the sum of the
    /// entries = what the open lots hold, stored value = the sum of its entries, nothing negative.
    /// `running`: the newest entry shows the balance (not so after an undone merge, when entries
    /// show the merged profile's balance of their time).
    func expectBalanced(
        _ h: Harness, _ id: Int64, running: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let store = h.services.store
        let members = try await store.members(
            workspaceID: h.workspaceID,
            canonicalID: try #require(await store.customer(workspaceID: h.workspaceID, id: id)).canonicalID
        ).map(\.id)
        let accounts = try await store.loyaltyAccounts(workspaceID: h.workspaceID, customerIDs: members)
        let lots = try await store.openPointLots(workspaceID: h.workspaceID, customerIDs: members)
        let points = try await entries(h, id, .points)
        let value = try await entries(h, id, .storedValue)
        for account in accounts {
            let mine = account.customerID
            #expect(account.points >= 0 && account.storedValue >= 0, sourceLocation: sourceLocation)
            #expect(
                account.points == points.filter { $0.customerID == mine }.reduce(0) { $0 + $1.amount },
                "points of raw profile \(mine)", sourceLocation: sourceLocation)
            #expect(
                account.points == lots.filter { $0.customerID == mine }.reduce(0) { $0 + $1.remaining },
                "lots of raw profile \(mine)", sourceLocation: sourceLocation)
            #expect(
                account.storedValue == value.filter { $0.customerID == mine }.reduce(0) { $0 + $1.amount },
                "stored value of raw profile \(mine)", sourceLocation: sourceLocation)
        }
        let s = try await summary(h, id)
        #expect(s.points == points.reduce(0) { $0 + $1.amount }, sourceLocation: sourceLocation)
        #expect(s.storedValue == value.reduce(0) { $0 + $1.amount }, sourceLocation: sourceLocation)
        #expect(points.allSatisfy { $0.balanceAfter >= 0 }, sourceLocation: sourceLocation)
        if running {
            #expect(points.first.map { $0.balanceAfter == s.points } ?? true, sourceLocation: sourceLocation)
        }
    }

    func code(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as PanoramaError {
            return error.code
        } catch {
            return "\(error)"
        }
    }

    // MARK: Program

    @Test func theProgramIsValidatedAndRoundTrips() async throws {
        try await Harness.run { h in
            #expect(try await h.services.loyalty.program(workspaceID: h.workspaceID) == .empty)
            let saved = try await setProgram(h)
            let read = try await h.services.loyalty.program(workspaceID: h.workspaceID)
            #expect(read == saved)
            #expect(read.tiers.map(\.code) == ["member", "silver", "gold"])
            #expect(read.eventRule("birthday")?.limit == .yearly)
            #expect(read.eventRule("signup")?.limit == .once)
            // What GET shows can be PUT back.
            #expect(try LoyaltyProgram(json: read.json).tiers == read.tiers)
            for (bad, field) in [
                (#"{"earn_rules":[{"type":"spend","points":0,"per_amount":100}]}"#, "earn_rules[0].points"),
                (#"{"tiers":[{"code":"a"},{"code":"b"}]}"#, "tiers[1]"),
                (#"{"tiers":[{"code":"a"},{"code":"a","min_orders":1}]}"#, "tiers[1].code"),
                (#"{"expiry_months":0}"#, "expiry_months"),
                (#"{"bonus":1}"#, "bonus"),
            ] {
                do {
                    try await setProgram(h, bad)
                    Issue.record("accepted \(bad)")
                } catch let error as PanoramaError {
                    #expect(error.code == "invalid_program")
                    #expect(error.field == field)
                }
            }
        }
    }

    // MARK: Earning

    @Test func ordersEarnPerAmountAndCategoryTimesTheTierMultiplier() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            let c = try await customer(h, "earner")
            let now = h.clock.now()
            // 300 yuan, 100 of them beauty: 300 + 2 × 100 = 500 points at ×1.
            let first = order(
                1, customer: c, total: 30000,
                items: [
                    OrderItem(line: 1, category: "beauty", quantity: 1, unitPrice: 10000),
                    OrderItem(line: 2, category: "food", quantity: 2, unitPrice: 10000),
                ], placedAt: now)
            await save(h, first)
            var s = try await summary(h, c)
            #expect(s.points == 500)
            #expect(s.tier?.code == "member")
            // A second order of 300 earns at ×1 (the tier it was placed in) and qualifies silver at once.
            await save(h, order(2, customer: c, total: 30000, placedAt: now))
            s = try await summary(h, c)
            #expect(s.points == 800)
            #expect(s.tier?.code == "silver")
            #expect(s.tierHistory.map(\.reason) == ["order o-2"])
            #expect(s.tierHistory.first?.from == "member" && s.tierHistory.first?.to == "silver")
            // Silver multiplies by 1.5: 100 yuan earns 150.
            await save(h, order(3, customer: c, total: 10000, placedAt: now))
            #expect(try await summary(h, c).points == 950)
            // Resending an order changes nothing; a lower total takes back the difference (at the
            // multiplier it first earned at).
            await save(h, first)
            #expect(try await summary(h, c).points == 950)
            var cheaper = first
            cheaper.total = 20000
            cheaper.items[1].quantity = 1
            await save(h, cheaper)
            #expect(try await summary(h, c).points == 850)
            let kinds = try await entries(h, c, .points).map(\.kind)
            #expect(kinds == ["reverse", "earn", "earn", "earn"])
            try await expectBalanced(h, c)
        }
    }

    @Test func pendingOrdersEarnNothingAndCancellingTakesThePointsBack() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            let c = try await customer(h, "canceller")
            var o = order(10, customer: c, total: 12345, status: .pending, placedAt: h.clock.now())
            await save(h, o)
            #expect(try await summary(h, c).points == 0)
            o.status = .paid
            await save(h, o)
            #expect(try await summary(h, c).points == 123)
            o.status = .cancelled
            await save(h, o)
            #expect(try await summary(h, c).points == 0)
            #expect(try await summary(h, c).activity.orders == 0)
            try await expectBalanced(h, c)
        }
    }

    @Test func bonusEventsAreGrantedAsOftenAsTheirRuleAllows() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            let c = try await customer(h, "bonus")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            let signup = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "signup", key: "s1")
            #expect(signup.operation.amount == 100 && signup.operation.kind == "bonus")
            #expect(
                await code {
                    _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "signup", key: "s2")
                }
                    == "bonus_already_granted")
            _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "birthday", key: "b1")
            #expect(
                await code {
                    _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "birthday", key: "b2")
                }
                    == "bonus_already_granted")
            h.clock.advance(ms: 366 * Self.day)
            _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "birthday", key: "b3")
            _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "app_review", key: "r1")
            _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "app_review", key: "r2")
            #expect(
                await code { _ = try await loyalty.grantBonus(workspaceID: ws, customerID: c, event: "nope", key: "n") }
                    == "unknown_event")
            // The signup points were credited a year ago, with a 12-month expiry: gone.
            let s = try await summary(h, c)
            #expect(s.points == 200 + 20 + 20)
            #expect(
                try await entries(h, c, .points).filter { $0.kind == "expire" }.map(\.amount).sorted() == [-200, -100])
            try await expectBalanced(h, c)
        }
    }

    // MARK: Redemption and expiry

    @Test func redemptionsTakeTheOldestLotsAndExpiredPointsCannotBeSpent() async throws {
        try await Harness.run { h in
            try await setProgram(h, #"{"expiry_months": 1}"#)
            let c = try await customer(h, "redeemer")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            _ = try await loyalty.adjustPoints(workspaceID: ws, customerID: c, points: 100, reason: "first", key: "a1")
            h.clock.advance(ms: 10 * Self.day)
            _ = try await loyalty.adjustPoints(workspaceID: ws, customerID: c, points: 50, reason: "second", key: "a2")
            let redeemed = try await loyalty.redeemPoints(
                workspaceID: ws, customerID: c, points: 30, reason: nil, key: "r1")
            #expect(redeemed.operation.amount == -30 && redeemed.operation.balance == 120)
            var s = try await summary(h, c)
            #expect(s.lots.map(\.remaining) == [70, 50])
            #expect(s.lots[0].expiresAt! < s.lots[1].expiresAt!)
            // Past the first lot's expiry (a month after it was credited, end of that day): its 70 are gone.
            h.clock.advance(ms: 25 * Self.day)
            s = try await summary(h, c)
            #expect(s.points == 50)
            #expect(s.lots.map(\.remaining) == [50])
            #expect(
                await code {
                    _ = try await loyalty.redeemPoints(
                        workspaceID: ws, customerID: c, points: 60, reason: nil, key: "r2")
                }
                    == "insufficient_points")
            _ = try await loyalty.redeemPoints(workspaceID: ws, customerID: c, points: 50, reason: "all", key: "r3")
            #expect(try await summary(h, c).points == 0)
            #expect(
                await code {
                    _ = try await loyalty.adjustPoints(
                        workspaceID: ws, customerID: c, points: -1, reason: "x", key: "a3")
                } == "insufficient_points")
            let ledger = try await entries(h, c, .points)
            #expect(ledger.map(\.kind) == ["redeem", "expire", "redeem", "adjust", "adjust"])
            #expect(ledger.map(\.balanceAfter) == [0, 50, 120, 150, 100])
            try await expectBalanced(h, c)
        }
    }

    @Test(arguments: [7, 8]) func randomOperationsKeepTheLedgerBalanced(seed: UInt64) async throws {
        try await Harness.run { h in
            try await setProgram(
                h, #"{"expiry_months": 2, "earn_rules": [{"type":"spend","points":3,"per_amount":100}]}"#)
            let c = try await customer(h, "random")
            var random = SplitMix64(seed: seed)
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            for step in 0..<60 {
                let amount = Int64(random.next() % 300) + 1
                switch random.next() % 6 {
                case 0:
                    _ = try? await loyalty.adjustPoints(
                        workspaceID: ws, customerID: c, points: random.next() % 2 == 0 ? amount : -amount,
                        reason: "random", key: "k\(step)")
                case 1, 2:
                    _ = try? await loyalty.redeemPoints(
                        workspaceID: ws, customerID: c, points: amount, reason: nil, key: "k\(step)")
                case 3:
                    await save(h, order(Int64(step), customer: c, total: amount * 100, placedAt: h.clock.now()))
                case 4:
                    let target = Int64(random.next() % UInt64(max(step, 1)))
                    if let o = try await h.services.store.loyaltyOrder(workspaceID: ws, orderID: target) {
                        let refund = Refund(
                            id: Int64(1000 + step), externalID: "r\(step)", orderID: target, amount: o.total / 2,
                            refundedAt: h.clock.now())
                        var after = order(target, customer: c, total: o.total, placedAt: o.placedAt)
                        after.refunded = o.refunded + refund.amount
                        await loyalty.refundSaved(workspaceID: ws, refund: refund, order: after, customerID: c)
                    }
                default:
                    h.clock.advance(ms: Int64(random.next() % 20) * Self.day)
                }
                if step % 10 == 9 { try await expectBalanced(h, c) }
            }
        }
    }

    // MARK: Refunds and tiers

    @Test func refundsTakeBackTheirShareAndLowerQualificationButNotTheTier() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            let c = try await customer(h, "refunder")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            var o = order(20, customer: c, total: 60000, placedAt: h.clock.now())
            await save(h, o)
            var s = try await summary(h, c)
            #expect(s.points == 600 && s.tier?.code == "silver")
            #expect(s.activity.spend == 60000)
            // A quarter refunded: a quarter of the points back; a resend changes nothing.
            o.refunded = 15000
            let first = Refund(id: 1, externalID: "r-1", orderID: 20, amount: 15000, refundedAt: h.clock.now())
            await loyalty.refundSaved(workspaceID: ws, refund: first, order: o, customerID: c)
            await loyalty.refundSaved(workspaceID: ws, refund: first, order: o, customerID: c)
            s = try await summary(h, c)
            #expect(s.points == 450)
            #expect(s.activity.spend == 45000)
            #expect(try await entries(h, c, .points).first?.reference == "refund:1")
            // The rest: nothing is left, the order no longer counts, but the tier stays until the review.
            o.refunded = 60000
            let rest = Refund(id: 2, externalID: "r-2", orderID: 20, amount: 45000, refundedAt: h.clock.now())
            await loyalty.refundSaved(workspaceID: ws, refund: rest, order: o, customerID: c)
            s = try await summary(h, c)
            #expect(s.points == 0)
            #expect(s.activity == LoyaltyActivity(spend: 0, orders: 0, points: 0))
            #expect(s.tier?.code == "silver")
            let review = try await loyalty.reviewTiers(workspaceID: ws)
            #expect(review.downgraded == 1 && review.upgraded == 0)
            s = try await summary(h, c)
            #expect(s.tier?.code == "member")
            #expect(s.tierHistory.map(\.reason) == ["review", "order o-20"])
            // A second review changes nothing.
            #expect(try await loyalty.reviewTiers(workspaceID: ws).downgraded == 0)
            try await expectBalanced(h, c)
        }
    }

    @Test func partialRefundsTakeBackExactlyWhatTheOrderEarned() async throws {
        try await Harness.run { h in
            try await setProgram(h, #"{"earn_rules": [{"type":"spend","points":7,"per_amount":1000}]}"#)
            let c = try await customer(h, "thirds")
            var o = order(30, customer: c, total: 1000, placedAt: h.clock.now())
            await save(h, o)
            #expect(try await summary(h, c).points == 7)
            var taken: [Int64] = []
            for (i, amount) in [333, 333, 334].enumerated() {
                o.refunded += Int64(amount)
                let refund = Refund(
                    id: Int64(i + 1), externalID: "t\(i)", orderID: 30, amount: Int64(amount), refundedAt: h.clock.now()
                )
                await h.services.loyalty.refundSaved(
                    workspaceID: h.workspaceID, refund: refund, order: o, customerID: c)
                taken.append(7 - (try await summary(h, c).points) - taken.reduce(0, +))
            }
            #expect(taken == [2, 3, 2])
            #expect(try await summary(h, c).points == 0)
            try await expectBalanced(h, c)
        }
    }

    @Test func tiersRiseWithAnOrderAndFallOnlyAtTheReview() async throws {
        try await Harness.run { h in
            try await setProgram(
                h,
                #"{"tier_period_days": 30, "tiers": [{"code":"member"},{"code":"regular","min_orders":2,"benefits":["coffee"]}]}"#
            )
            let c = try await customer(h, "regular")
            await save(h, order(40, customer: c, total: 100, placedAt: h.clock.now()))
            #expect(try await summary(h, c).tier?.code == "member")
            await save(h, order(41, customer: c, total: 100, placedAt: h.clock.now()))
            var s = try await summary(h, c)
            #expect(s.tier?.code == "regular" && s.tier?.benefits == ["coffee"])
            #expect(s.tierSince == h.clock.now())
            // A month later the orders are out of the window: still regular until the review.
            h.clock.advance(ms: 31 * Self.day)
            #expect(try await summary(h, c).tier?.code == "regular")
            #expect(try await summary(h, c).activity.orders == 0)
            _ = try await h.services.loyalty.reviewTiers(workspaceID: h.workspaceID)
            s = try await summary(h, c)
            #expect(s.tier?.code == "member")
            #expect(s.tierHistory.map { "\($0.from ?? "-")>\($0.to ?? "-")" } == ["regular>member", "member>regular"])
            // The scheduled review runs once a day.
            h.clock.advance(ms: Self.day)
            try await h.services.loyalty.runDueReviews()
            let reviewed = h.clock.now()
            h.clock.advance(ms: 1000)
            try await h.services.loyalty.runDueReviews()
            let stored = try await h.services.store.loyaltyProgram(workspaceID: h.workspaceID)
            #expect(stored?.lastReviewAt == reviewed)
        }
    }

    // MARK: Idempotency

    @Test func aKeyAnswersTheSameAndIsRefusedForAnotherRequest() async throws {
        try await Harness.run { h in
            let c = try await customer(h, "keys")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            let first = try await loyalty.adjustPoints(
                workspaceID: ws, customerID: c, points: 10, reason: "gift", key: "k")
            h.clock.advance(ms: 1000)
            let again = try await loyalty.adjustPoints(
                workspaceID: ws, customerID: c, points: 10, reason: "gift", key: "k")
            #expect(!first.replayed && again.replayed)
            #expect(again.operation == first.operation)
            #expect(try await summary(h, c).points == 10)
            #expect(
                await code {
                    _ = try await loyalty.adjustPoints(
                        workspaceID: ws, customerID: c, points: 11, reason: "gift", key: "k")
                }
                    == "idempotency_key_reused")
            #expect(
                await code {
                    _ = try await loyalty.redeemPoints(
                        workspaceID: ws, customerID: c, points: 10, reason: "gift", key: "k")
                }
                    == "idempotency_key_reused")
            #expect(
                await code {
                    _ = try await loyalty.topUp(workspaceID: ws, customerID: c, amount: 10, reason: "gift", key: "")
                }
                    == "invalid_idempotency_key")
            #expect(
                await code {
                    _ = try await loyalty.topUp(workspaceID: ws, customerID: 999_999, amount: 10, reason: nil, key: "x")
                }
                    == "customer_not_found")
            // Concurrent requests with one key: one effect, the same answer for all.
            let answers = try await withThrowingTaskGroup(of: LoyaltyOperation.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await loyalty.topUp(workspaceID: ws, customerID: c, amount: 500, reason: nil, key: "once")
                            .operation
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.id)).count == 1)
            #expect(try await summary(h, c).storedValue == 500)
            try await expectBalanced(h, c)
        }
    }

    // MARK: Stored value

    @Test func storedValueTopUpsSpendsAndRefundsOfSpends() async throws {
        try await Harness.run { h in
            let c = try await customer(h, "wallet")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            _ = try await loyalty.topUp(workspaceID: ws, customerID: c, amount: 1000, reason: "cash", key: "t1")
            let spend = try await loyalty.spend(workspaceID: ws, customerID: c, amount: 300, reason: "POS 1", key: "s1")
            #expect(spend.operation.balance == 700 && spend.operation.amount == -300)
            #expect(
                await code {
                    _ = try await loyalty.spend(workspaceID: ws, customerID: c, amount: 800, reason: nil, key: "s2")
                }
                    == "insufficient_balance")
            let refund = try await loyalty.refundSpend(
                workspaceID: ws, customerID: c, spendID: spend.operation.id, amount: 100, reason: "return", key: "f1")
            #expect(
                refund.operation.balance == 800
                    && refund.operation.entries.first?.reference == "spend:\(spend.operation.id)")
            #expect(
                await code {
                    _ = try await loyalty.refundSpend(
                        workspaceID: ws, customerID: c, spendID: spend.operation.id, amount: 250, reason: nil, key: "f2"
                    )
                } == "refund_exceeds_spend")
            _ = try await loyalty.refundSpend(
                workspaceID: ws, customerID: c, spendID: spend.operation.id, amount: 200, reason: nil, key: "f3")
            #expect(
                await code {
                    _ = try await loyalty.refundSpend(
                        workspaceID: ws, customerID: c, spendID: 424242, amount: 1, reason: nil, key: "f4")
                } == "spend_not_found")
            let (balance, page) = try await loyalty.ledger(
                workspaceID: ws, customerID: c, .storedValue, cursor: nil, limit: 10)
            #expect(balance == 1000)
            #expect(page.items.map(\.kind) == ["refund", "refund", "spend", "top_up"])
            try await expectBalanced(h, c)
        }
    }

    /// Tracked events that name a bonus rule grant it: `Signed Up` is `signup` (once), an
    /// `App Review` each time (unlimited); a resent message grants nothing more.
    @Test func trackedEventsGrantTheirBonus() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            let c = try await customer(h, "tracked")
            try await h.send(#"{"userId":"tracked","event":"Signed Up","messageId":"su-1"}"#, to: .track)
            #expect(try await summary(h, c).points == 100)
            try await h.send(#"{"userId":"tracked","event":"Signed Up","messageId":"su-2"}"#, to: .track)
            try await h.send(#"{"userId":"tracked","event":"Signed Up","messageId":"su-1"}"#, to: .track)
            #expect(try await summary(h, c).points == 100)
            try await h.send(#"{"userId":"tracked","event":"App Review","messageId":"ar-1"}"#, to: .track)
            try await h.send(#"{"userId":"tracked","event":"App Review","messageId":"ar-2"}"#, to: .track)
            try await h.send(#"{"userId":"tracked","event":"Viewed Product","messageId":"vp-1"}"#, to: .track)
            #expect(try await summary(h, c).points == 140)
            try await expectBalanced(h, c)
        }
    }

    /// The daily run grants the birthday bonus to the profiles born on today's date (in the
    /// workspace's time zone), once a year.
    @Test func birthdaysAreGrantedOnTheDay() async throws {
        try await Harness.run { h in
            try await setProgram(h)
            // The harness clock: 2026-09-21 22:13 in Shanghai.
            try await h.send(#"{"userId":"bday","traits":{"birthday":"1990-09-21"}}"#, to: .identify)
            try await h.send(#"{"userId":"other","traits":{"birthday":"1990-09-22"}}"#, to: .identify)
            try await h.send(#"{"userId":"nobody","traits":{"birthday":"unknown"}}"#, to: .identify)
            let bday = try await h.profile("user_id", "bday").id
            let other = try await h.profile("user_id", "other").id
            #expect(try await h.services.loyalty.grantBirthdayBonuses(workspaceID: h.workspaceID) == 1)
            #expect(try await h.services.loyalty.grantBirthdayBonuses(workspaceID: h.workspaceID) == 0)
            #expect(try await summary(h, bday).points == 200)
            #expect(try await summary(h, other).points == 0)
            h.clock.advance(ms: Self.day)
            #expect(try await h.services.loyalty.grantBirthdayBonuses(workspaceID: h.workspaceID) == 1)
            #expect(try await summary(h, other).points == 200)
            try await expectBalanced(h, bday)
        }
    }

    /// 50 spends of 30 at once on a balance of 1000: exactly 33 go through, 10 is left.
    @Test func concurrentSpendsNeverOverdraw() async throws {
        try await Harness.run { h in
            let c = try await customer(h, "rush")
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            _ = try await loyalty.topUp(workspaceID: ws, customerID: c, amount: 1000, reason: nil, key: "top")
            _ = try await loyalty.adjustPoints(workspaceID: ws, customerID: c, points: 1000, reason: "seed", key: "pts")
            let outcomes = await withTaskGroup(of: (String?, String?).self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let spent = await code {
                            _ = try await loyalty.spend(
                                workspaceID: ws, customerID: c, amount: 30, reason: nil, key: "s\(i)")
                        }
                        let redeemed = await code {
                            _ = try await loyalty.redeemPoints(
                                workspaceID: ws, customerID: c, points: 30, reason: nil, key: "r\(i)")
                        }
                        return (spent, redeemed)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.0 == nil }.count == 33)
            #expect(outcomes.filter { $0.1 == nil }.count == 33)
            #expect(Set(outcomes.compactMap(\.0)) == ["insufficient_balance"])
            #expect(Set(outcomes.compactMap(\.1)) == ["insufficient_points"])
            let s = try await summary(h, c)
            #expect(s.storedValue == 10 && s.points == 10)
            try await expectBalanced(h, c)
        }
    }

    // MARK: Merges

    @Test func aMergedProfileSpendsFromBothSidesAndAnUndoLeavesEachWhole() async throws {
        try await Harness.run { h in
            let loyalty = h.services.loyalty
            let ws = h.workspaceID
            try await h.send(#"{"userId":"m1","anonymousId":"ma","traits":{"name":"A"}}"#, to: .identify)
            try await h.send(#"{"anonymousId":"mb","traits":{"name":"B"}}"#, to: .identify)
            let a = try await h.profile("user_id", "m1").id
            let b = try await h.profile("anonymous_id", "mb").id
            _ = try await loyalty.adjustPoints(workspaceID: ws, customerID: a, points: 100, reason: "a", key: "a")
            h.clock.advance(ms: 1000)
            _ = try await loyalty.adjustPoints(workspaceID: ws, customerID: b, points: 100, reason: "b", key: "b")
            _ = try await loyalty.topUp(workspaceID: ws, customerID: a, amount: 100, reason: nil, key: "ta")
            _ = try await loyalty.topUp(workspaceID: ws, customerID: b, amount: 100, reason: nil, key: "tb")
            try await h.send(#"{"userId":"m1","anonymousId":"mb","event":"Linked"}"#, to: .track)
            #expect(try await h.profile("anonymous_id", "mb").id == a)
            // Through either id, one profile with both balances; a key used by b before still answers.
            #expect(try await summary(h, b).points == 200)
            #expect(
                try await loyalty.adjustPoints(workspaceID: ws, customerID: a, points: 100, reason: "b", key: "b")
                    .replayed)
            let redeemed = try await loyalty.redeemPoints(
                workspaceID: ws, customerID: b, points: 150, reason: nil, key: "m")
            #expect(Set(redeemed.operation.entries.map(\.customerID)) == [a, b])
            #expect(redeemed.operation.balance == 50)
            let spent = try await loyalty.spend(workspaceID: ws, customerID: a, amount: 150, reason: nil, key: "ms")
            #expect(spent.operation.entries.map(\.customerID) == [a, b])
            try await expectBalanced(h, a)
            let merge = try #require(try await h.services.profiles.merges(workspaceID: ws, id: a).first)
            _ = try await h.services.pipeline.undoMerge(workspaceID: ws, mergeID: merge.id)
            // Each side keeps what its own entries sum to: a's oldest lot went first.
            #expect(try await summary(h, a).points == 0)
            #expect(try await summary(h, b).points == 50)
            #expect(try await summary(h, a).storedValue == 0)
            #expect(try await summary(h, b).storedValue == 50)
            try await expectBalanced(h, a, running: false)
            try await expectBalanced(h, b, running: false)
        }
    }
}

/// The loyalty tests on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresLoyaltyTests {
    func on<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Backend.$current.withValue(.postgres) { try await body() }
    }

    let tests = LoyaltyTests()

    @Test func trackedEventsGrantTheirBonus() async throws {
        try await on { try await tests.trackedEventsGrantTheirBonus() }
    }
    @Test func birthdaysAreGrantedOnTheDay() async throws {
        try await on { try await tests.birthdaysAreGrantedOnTheDay() }
    }

    @Test func theProgramIsValidatedAndRoundTrips() async throws {
        try await on { try await tests.theProgramIsValidatedAndRoundTrips() }
    }
    @Test func ordersEarnPerAmountAndCategoryTimesTheTierMultiplier() async throws {
        try await on { try await tests.ordersEarnPerAmountAndCategoryTimesTheTierMultiplier() }
    }
    @Test func pendingOrdersEarnNothingAndCancellingTakesThePointsBack() async throws {
        try await on { try await tests.pendingOrdersEarnNothingAndCancellingTakesThePointsBack() }
    }
    @Test func bonusEventsAreGrantedAsOftenAsTheirRuleAllows() async throws {
        try await on { try await tests.bonusEventsAreGrantedAsOftenAsTheirRuleAllows() }
    }
    @Test func redemptionsTakeTheOldestLotsAndExpiredPointsCannotBeSpent() async throws {
        try await on { try await tests.redemptionsTakeTheOldestLotsAndExpiredPointsCannotBeSpent() }
    }
    @Test(arguments: [7, 8]) func randomOperationsKeepTheLedgerBalanced(seed: UInt64) async throws {
        try await on { try await tests.randomOperationsKeepTheLedgerBalanced(seed: seed) }
    }
    @Test func refundsTakeBackTheirShareAndLowerQualificationButNotTheTier() async throws {
        try await on { try await tests.refundsTakeBackTheirShareAndLowerQualificationButNotTheTier() }
    }
    @Test func partialRefundsTakeBackExactlyWhatTheOrderEarned() async throws {
        try await on { try await tests.partialRefundsTakeBackExactlyWhatTheOrderEarned() }
    }
    @Test func tiersRiseWithAnOrderAndFallOnlyAtTheReview() async throws {
        try await on { try await tests.tiersRiseWithAnOrderAndFallOnlyAtTheReview() }
    }
    @Test func aKeyAnswersTheSameAndIsRefusedForAnotherRequest() async throws {
        try await on { try await tests.aKeyAnswersTheSameAndIsRefusedForAnotherRequest() }
    }
    @Test func storedValueTopUpsSpendsAndRefundsOfSpends() async throws {
        try await on { try await tests.storedValueTopUpsSpendsAndRefundsOfSpends() }
    }
    @Test func concurrentSpendsNeverOverdraw() async throws {
        try await on { try await tests.concurrentSpendsNeverOverdraw() }
    }
    @Test func aMergedProfileSpendsFromBothSidesAndAnUndoLeavesEachWhole() async throws {
        try await on { try await tests.aMergedProfileSpendsFromBothSidesAndAnUndoLeavesEachWhole() }
    }

    /// `panorama migrate-store` copies every loyalty table: PostgreSQL then shows the same
    /// balances, lots, ledgers and tiers, and new lots and entries get ids past the copied ones.
    @Test func loyaltyMovesToPostgreSQLWhole() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("panorama-loyalty-\(UUID())").path
        let (id, before) = try await Harness.run(location: dir) { h in
            try await tests.setProgram(h)
            let c = try await tests.customer(h, "mover")
            await tests.save(h, tests.order(1, customer: c, total: 60000, placedAt: h.clock.now()))
            let loyalty = h.services.loyalty
            _ = try await loyalty.grantBonus(workspaceID: h.workspaceID, customerID: c, event: "signup", key: "k1")
            _ = try await loyalty.redeemPoints(
                workspaceID: h.workspaceID, customerID: c, points: 50, reason: nil, key: "k2")
            _ = try await loyalty.topUp(
                workspaceID: h.workspaceID, customerID: c, amount: 900, reason: "tab\there", key: "k3")
            return (c, try await tests.summary(h, c))
        }
        let url = try await Backend.freshPostgresDatabase()
        let target = PostgresStore(url: try PostgresURL(url), logger: Logger(label: "test"))
        try await target.waitUntilReachable()
        let report = try await StoreMigration.run(
            from: try SQLiteStore(directory: dir, synchronous: .normal, protection: Harness.protection), to: target
        ) { _, _, _ in }
        target.close()
        #expect(report.verified, "\(report.tables.filter { !$0.verified })")
        let copied = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.name, $0.copiedRows) })
        #expect(copied["loyalty_entries"] == 4 && copied["loyalty_lots"] == 2 && copied["loyalty_orders"] == 1)
        try await on {
            try await Harness.run(location: url) { h in
                var after = try await tests.summary(h, id)
                #expect(after == before)
                _ = try await h.services.loyalty.adjustPoints(
                    workspaceID: h.workspaceID, customerID: id, points: 5, reason: "after the move", key: "k4")
                after = try await tests.summary(h, id)
                #expect(after.points == before.points + 5)
                #expect(after.lots.map(\.id).max()! > before.lots.map(\.id).max()!)
                try await tests.expectBalanced(h, id)
            }
        }
    }
}
