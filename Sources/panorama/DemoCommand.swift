import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import PanoramaStore

/// `panorama demo`: fills a workspace with believable, reproducible data through the real
/// services (imports for customers, orders and events; the order service for refunds; loyalty,
/// privacy, audiences and access services for the rest) so a new user sees a living console.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill a workspace with demo data (Chinese names and cities, channels, orders, refunds, loyalty, events, tags, segments) and a console user.",
        discussion: """
            The same --seed gives the same people, orders and events; dates are placed relative to \
            today so the dashboard's recent periods are alive. Runs through the real import, order, \
            loyalty, privacy and audience services. Run it on a new data directory with the server \
            stopped (SQLite), then `panorama serve` and open http://127.0.0.1:8080/app.

            Example: panorama demo --data-dir ./panorama-data && panorama serve
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "How many customers (default 2000).") var customers = 2000
    @Option(help: "Random seed (same seed, same data).") var seed: UInt64 = 20_260_101
    @Option(help: "Console user to create (owner role).") var user = "demo"
    @Option(help: "Its password.") var password = "panorama-demo"
    @Flag(help: "Print a JSON summary instead of text.") var json = false

    func run() async throws {
        guard (10...2_000_000).contains(customers) else { throw ValidationError("--customers must be 10 … 2,000,000") }
        let started = ContinuousClock.now
        let services = try await CLI.services(store)
        try (services.store as? SQLiteStore)?.claimWriter()
        let issued = try await services.bootstrap()
        let workspace = try await services.workspace(named: nil)
        var data = DemoData(seed: seed, customers: customers, now: services.clock.now(), timeZone: workspace.timeZone)
        let files = [(ImportKind.customers, data.customersCSV()), (.orders, data.ordersCSV()), (.events, data.eventsCSV())]
        let refundList = data.refunds()
        let importedOrders = data.orders.map(\.id)
        let people = data.people
        let demo = data
        // Each step line says when it started, so a long run shows where its time goes.
        func step(_ text: String) {
            let at = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
            if !json { CLI.say("· \(text)  (\(String(format: "%.1f", at)) s)") }
        }
        let bar = ProgressBar(enabled: !json && customers >= 20_000)

        var summary: [(String, JSONValue)] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.pipeline.run() }
            defer { group.cancelAll() }

            // Loyalty first, so that imported orders earn points and tiers.
            step("loyalty program (tiers 普通会员/银卡/金卡/钻石卡, 1 point per ¥1)")
            _ = try await services.loyalty.saveProgram(workspaceID: workspace.id, json: DemoData.loyaltyProgram)

            // Computed traits before the data: saving a trait recomputes every trait of every
            // customer (the CLV model fit too: minutes at a million customers), while traits that
            // exist when data arrives are kept current customer by customer as it is imported.
            step("computed traits")
            for trait in DemoData.traits {
                let definition = try JSONDecoder().decode(TraitDefinition.self, from: Data(trait.utf8))
                try await services.audiences.saveTrait(workspaceID: workspace.id, definition)
            }

            func importFile(_ kind: ImportKind, _ text: String) async throws {
                step("import \(kind.rawValue)")
                let report = try await services.imports.run(
                    workspaceID: workspace.id, source: .bytes(Array(text.utf8), name: "demo-\(kind.rawValue).csv"),
                    options: ImportOptions(kind: kind, mapping: try DemoData.mapping(kind), timeZone: workspace.timeZone)
                ) { progress in
                    bar.update(step: "import \(kind.rawValue)", rows: Int64(progress.rowsRead), share: progress.share)
                }
                bar.finish()
                guard report.rejected == 0 else {
                    throw ValidationError("demo \(kind.rawValue): \(report.rejected) rows were rejected\n\(report.summary)")
                }
                summary.append((kind == .orders ? "order_lines" : kind.rawValue, .number(JSONNumber(Int64(report.accepted)))))
            }
            try await importFile(.customers, files[0].1)
            try await importFile(.orders, files[1].1)

            // The import writes orders in bulk; the loyalty service settles them (points, tier
            // spend) as it settles orders sent over the API — for at most `settledOrders` orders. That is
            // one order at a time, waiting on the store more than computing, so it runs beside the
            // events import, which writes nothing it reads: the points are the same either way.
            step("loyalty points for the imported orders, beside the events import")
            let workspaceID = workspace.id
            let settled = Array(importedOrders.prefix(Self.settledOrders))
            async let settlement: Void = {
                for id in settled {
                    guard let view = try? await services.orders.order(workspaceID: workspaceID, externalID: id) else {
                        continue
                    }
                    await services.loyalty.orderSaved(
                        workspaceID: workspaceID, order: view.order, previous: nil, customerID: view.customerID)
                }
            }()
            try await importFile(.events, files[2].1)
            await settlement
            step("loyalty points settled for \(settled.count) orders")

            step("refunds")
            var refunds = 0
            // At most `refundLimit` refunds (each is a transaction of the order service).
            for refund in refundList.prefix(Self.refundLimit) {
                guard let order = try? await services.orders.order(workspaceID: workspace.id, externalID: refund.orderID)
                else { continue }
                _ = try await services.orders.refund(
                    workspaceID: workspace.id, orderID: order.order.id,
                    body: .object([
                        "refund_id": .string("R" + refund.orderID), "type": .string(refund.kind),
                        "amount": .string(Self.decimal(min(refund.amount, order.order.total))),
                        "reason": .string(refund.reason), "refunded_at": .string(Timestamp.format(millis: refund.at)),
                    ]))
                refunds += 1
            }
            summary.append(("refunds", .number(JSONNumber(Int64(refunds)))))

            step("consents, stored value, point redemptions")
            // Two of three customers answered a consent request (for at most `consentLimit` customers, so
            // that large demo sizes stay quick: each is a transaction of the privacy service);
            // every eleventh topped up stored value.
            let answering = people.filter { $0.index % 3 != 2 }.prefix(Self.consentLimit)
            let resolved = try await services.profiles.resolve(
                workspaceID: workspace.id, references: answering.map { "user_id:\($0.userID)" }).ids
            guard resolved.count == answering.count else {
                throw ValidationError("demo: \(answering.count - resolved.count) imported customers cannot be found")
            }
            for (person, id) in zip(answering, resolved) {
                _ = try await services.privacy.setConsent(
                    workspaceID: workspace.id, id: id, purpose: .marketingSMS, granted: person.index % 7 != 0,
                    source: person.channel, at: demo.signupAt(person))
                if person.index % 5 == 0 {
                    _ = try await services.privacy.setConsent(
                        workspaceID: workspace.id, id: id, purpose: .marketingWeChat, granted: true,
                        source: "mini_program", at: demo.signupAt(person))
                }
                if person.index % 11 == 0 {
                    _ = try await services.loyalty.topUp(
                        workspaceID: workspace.id, customerID: id, amount: Int64(500 + person.index % 4 * 500) * 100,
                        reason: "门店储值", key: "demo-topup-\(person.userID)")
                }
                if person.index % 13 == 0 {
                    // Only those with enough points redeem; the others are refused and skipped.
                    _ = try? await services.loyalty.redeemPoints(
                        workspaceID: workspace.id, customerID: id, points: 100, reason: "积分兑换优惠券",
                        key: "demo-redeem-\(person.userID)")
                }
            }
            _ = try await services.loyalty.reviewTiers(workspaceID: workspace.id)

            step("tags and segments")
            for definition in DemoData.audiences {
                _ = try await services.audiences.save(workspaceID: workspace.id, definition, create: true)
            }
            let vip = people.filter { $0.index % 97 == 0 }.map { "user_id:\($0.userID)" }
            _ = try await services.audiences.assign(
                workspaceID: workspace.id, tag: "VIP", customers: vip, remove: false, profiles: services.profiles)
            try await services.audiences.flush()

            step("console users")
            for (name, role, display, team) in [(user, "owner", "演示管理员", nil), ("xiaoli", "sales", "李晓丽（销售）", "华东"), ("marketing", "marketer", "市场部", nil)] as [(String, String, String, String?)] {
                if try await services.access.users(workspaceID: workspace.id).contains(where: { $0.username == name }) { continue }
                _ = try await services.access.createUser(
                    workspaceID: workspace.id, username: name, displayName: display,
                    password: name == user ? password : password + "-" + name, role: role, team: team)
            }
        }
        let elapsed = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        (services.store as? PostgresStore)?.close()
        if json {
            var object = JSONObject()
            for (k, v) in summary { object.set(k, v) }
            object.set("seconds", .number(JSONNumber(Int64((elapsed * 1000).rounded())))); object.set("unit", .string("ms"))
            object.set("user", .string(user))
            CLI.printJSON(.object(object))
            return
        }
        for key in issued { print("created workspace 'default'; \(key.key.kind.rawValue) key (shown once): \(key.secret)") }
        let counts = summary.map { "\($0.1.jsonText) \($0.0.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
        print("""
            Demo data ready in \(String(format: "%.1f", elapsed)) s (rows imported: \(counts)).
            Start the server and sign in to the console:
              panorama serve\(store.dataDir.map { " --data-dir \($0)" } ?? "")
              open http://127.0.0.1:8080/app  — user '\(user)', password '\(password)' (owner)
              also: 'xiaoli' (sales, sees only her customers) and 'marketing' (marketer), password '\(password)-<user>'
            """)
    }

    /// The steps that are one service call per order or customer stop at these counts, so that
    /// large demos stay quick (each is a transaction: about 10 ms on a loaded machine). The
    /// default demo (2,000 customers: about 8,000 orders, 500 refunds, 1,300 consents) is within
    /// all three.
    static let settledOrders = 20_000
    static let refundLimit = 2_000
    static let consentLimit = 2_000

    /// Minor units as a decimal string (`1234` → `12.34`).
    static func decimal(_ minor: Int64) -> String { "\(minor / 100).\(String(format: "%02d", Int(minor % 100)))" }
}
