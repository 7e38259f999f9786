import Foundation
import PanoramaCore
import PanoramaStore
import Synchronization

/// A figure of the dashboard for the current period and the one before it.
public struct KPI: Sendable, Equatable {
    public enum Unit: String, Sendable {
        case count
        /// Minor units (分).
        case money
        /// Basis points (1/100 of a percent).
        case ratio
    }

    /// Stable name, also the message key of its label (`kpi.customers`).
    public var id: String
    public var unit: Unit
    public var current: Int64
    /// Nil when the figure has no comparison (a total rather than a period's).
    public var previous: Int64?

    public init(id: String, unit: Unit, current: Int64, previous: Int64?) {
        self.id = id
        self.unit = unit
        self.current = current
        self.previous = previous
    }

    /// Change from the previous period in basis points; nil without a comparison or from zero.
    public var changeBasisPoints: Int64? {
        guard let previous, previous != 0 else { return nil }
        return (current - previous) * 10_000 / abs(previous)
    }
}

/// One bar of a breakdown with the rule whose customers it counts (drill-down), if any.
public struct BreakdownItem: Sendable, Equatable {
    public var key: String
    public var value: Int64
    public var rule: String?

    public init(key: String, value: Int64, rule: String? = nil) {
        self.key = key
        self.value = value
        self.rule = rule
    }
}

/// What the console's dashboard shows for a period of `days` days ending today.
public struct Dashboard: Sendable, Equatable {
    public var days: Int
    /// The first local day (days since epoch) of the current period.
    public var firstDay: Int64
    public var kpis: [KPI]
    /// Net revenue per day of the current and the previous period (minor units); empty when the
    /// principal's data scope hides order totals.
    public var revenue: [Int64]
    public var previousRevenue: [Int64]
    /// Net revenue by channel in the current period.
    public var channels: [BreakdownItem]
    /// Customers by RFM segment (drill-down by rule).
    public var rfm: [BreakdownItem]
    /// Customers by tag (drill-down by rule).
    public var tags: [BreakdownItem]
    /// Whether order figures were left out because the principal sees only some customers.
    public var ordersHiddenByScope: Bool
}

/// Where the dashboard's figures come from: `InsightsDashboardSource` (the console's), or
/// `StoreDashboardSource` (store aggregates and the audience engine).
public protocol DashboardSource: Sendable {
    func dashboard(workspaceID: Int64, scope: CustomerScope, days: Int) async throws -> Dashboard
}

/// The dashboard from what exists today: order aggregates of the store, customer and RFM counts
/// of the audience engine (which respects the data scope), tag sizes.
///
/// A dashboard is kept for `maxAge` (30 s by default) per workspace, period and data scope: the
/// order aggregates scan a period's orders, which at millions of customers costs more than a page
/// may take, while figures half a minute old serve a dashboard well.
public final class StoreDashboardSource: DashboardSource {
    private let store: any PanoramaStore
    private let audiences: AudienceService
    private let clock: WallClock
    private let maxAge: Int64
    private let cache = Mutex<[String: (at: Int64, dashboard: Dashboard)]>([:])

    public init(store: any PanoramaStore, audiences: AudienceService, clock: WallClock = .system, maxAgeMillis: Int64 = 30_000) {
        self.store = store
        self.audiences = audiences
        self.clock = clock
        self.maxAge = maxAgeMillis
    }

    public func dashboard(workspaceID: Int64, scope: CustomerScope, days: Int) async throws -> Dashboard {
        let key = "\(workspaceID)|\(days)|\(scope)"
        let now = clock.now()
        if let hit = cache.withLock({ $0[key] }), now - hit.at < maxAge { return hit.dashboard }
        let fresh = try await compute(workspaceID: workspaceID, scope: scope, days: days)
        cache.withLock { entries in
            entries = entries.filter { now - $0.value.at < maxAge }
            entries[key] = (now, fresh)
        }
        return fresh
    }

    /// The RFM segments in the order people read them (best first).
    public static let rfmSegments = [
        "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention", "About to Sleep", "At Risk",
        "Can't Lose", "Hibernating", "Lost",
    ]

    /// A period of `days` days ending today in the workspace's zone: the zone's offset (ms),
    /// today, and the first days of the period and of the one before.
    func period(workspaceID: Int64, days: Int) async throws -> (
        offset: Int64, today: Int64, firstDay: Int64, previousFirst: Int64
    ) {
        let zoneName = try await store.workspaces().first { $0.id == workspaceID }?.timeZone ?? "Asia/Shanghai"
        let zone = TimeZone(identifier: zoneName) ?? TimeZone(identifier: "Asia/Shanghai")!
        let now = clock.now()
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(now) / 1000))) * 1000
        let today = (now + offset) / 86_400_000
        let firstDay = today - Int64(days) + 1
        return (offset, today, firstDay, firstDay - Int64(days))
    }

    /// The refund rate (refunded / gross, basis points) of the period and the one before, from
    /// the store's daily totals (all customers); nil when the store keeps no such totals.
    public func refundRate(workspaceID: Int64, days: Int) async throws -> KPI? {
        guard let console = store as? any ConsoleStore else { return nil }
        let (offset, today, firstDay, previousFirst) = try await period(workspaceID: workspaceID, days: days)
        let rows = try await console.dailyOrderTotals(
            workspaceID: workspaceID, from: previousFirst * 86_400_000 - offset,
            until: (today + 1) * 86_400_000 - offset, offsetMillis: offset)
        func rate(_ range: Range<Int64>) -> Int64 {
            let inRange = rows.filter { range.contains($0.day) }
            let gross = inRange.reduce(0) { $0 + $1.gross }
            return gross > 0 ? inRange.reduce(0) { $0 + $1.refunded } * 10_000 / gross : 0
        }
        return KPI(
            id: "refund_rate", unit: .ratio, current: rate(firstDay..<(today + 1)), previous: rate(previousFirst..<firstDay))
    }

    /// The largest tags (at most 12) by members within the scope, each with its drill-down rule.
    public func tags(workspaceID: Int64, scope: CustomerScope) async throws -> [BreakdownItem] {
        var tags: [BreakdownItem] = []
        for tag in try await audiences.audiences(workspaceID: workspaceID, kind: .tag) {
            let name = tag.definition.name
            let size = scope == .all ? tag.size : try await audiences.count(workspaceID: workspaceID, .init(.tag, name), scope: scope)
            tags.append(BreakdownItem(key: name, value: Int64(size), rule: "tag(\(name.ruleLiteral))"))
        }
        tags.sort { $0.value > $1.value }
        return Array(tags.prefix(12))
    }

    /// The dashboard computed now.
    public func compute(workspaceID: Int64, scope: CustomerScope, days: Int) async throws -> Dashboard {
        let days = max(1, min(days, 366))
        let (offset, today, firstDay, previousFirst) = try await period(workspaceID: workspaceID, days: days)
        // Midnight of a local day in UTC milliseconds.
        func start(_ day: Int64) -> Int64 { day * 86_400_000 - offset }

        var kpis: [KPI] = []
        let customers = try await audiences.evaluate(workspaceID: workspaceID, rule: "TRUE", limit: 0, scope: scope).size
        kpis.append(KPI(id: "customers", unit: .count, current: Int64(customers), previous: nil))

        var revenue: [Int64] = []
        var previousRevenue: [Int64] = []
        var channels: [BreakdownItem] = []
        let hidden = scope != .all
        if !hidden, let console = store as? any ConsoleStore {
            let rows = try await console.dailyOrderTotals(
                workspaceID: workspaceID, from: start(previousFirst), until: start(today + 1), offsetMillis: offset)
            var byDay: [Int64: DailyOrderTotals] = [:]
            for r in rows { byDay[r.day] = r }
            func sum(_ range: ClosedRange<Int64>, _ f: (DailyOrderTotals) -> Int64) -> Int64 {
                range.reduce(0) { $0 + (byDay[$1].map(f) ?? 0) }
            }
            let cur = firstDay...today
            let prev = previousFirst...(firstDay - 1)
            revenue = cur.map { byDay[$0].map { $0.gross - $0.refunded } ?? 0 }
            previousRevenue = prev.map { byDay[$0].map { $0.gross - $0.refunded } ?? 0 }
            let orders = (sum(cur, \.orders), sum(prev, \.orders))
            let net = (revenue.reduce(0, +), previousRevenue.reduce(0, +))
            let gross = (sum(cur, \.gross), sum(prev, \.gross))
            let refunded = (sum(cur, \.refunded), sum(prev, \.refunded))
            kpis.append(KPI(id: "orders", unit: .count, current: orders.0, previous: orders.1))
            kpis.append(KPI(id: "revenue", unit: .money, current: net.0, previous: net.1))
            kpis.append(
                KPI(
                    id: "aov", unit: .money, current: orders.0 > 0 ? net.0 / orders.0 : 0,
                    previous: orders.1 > 0 ? net.1 / orders.1 : 0))
            kpis.append(
                KPI(
                    id: "refund_rate", unit: .ratio, current: gross.0 > 0 ? refunded.0 * 10_000 / gross.0 : 0,
                    previous: gross.1 > 0 ? refunded.1 * 10_000 / gross.1 : 0))
            channels = try await console.orderTotalsByChannel(
                workspaceID: workspaceID, from: start(firstDay), until: start(today + 1)
            ).map { BreakdownItem(key: $0.key, value: $0.net) }
        }

        var rfm: [BreakdownItem] = []
        for segment in Self.rfmSegments {
            let rule = "rfm_segment = \(segment.ruleLiteral)"
            let size = try await audiences.evaluate(workspaceID: workspaceID, rule: rule, limit: 0, scope: scope).size
            if size > 0 { rfm.append(BreakdownItem(key: segment, value: Int64(size), rule: rule)) }
        }
        return Dashboard(
            days: days, firstDay: firstDay, kpis: kpis, revenue: revenue, previousRevenue: previousRevenue,
            channels: channels, rfm: rfm, tags: try await tags(workspaceID: workspaceID, scope: scope),
            ordersHiddenByScope: hidden)
    }
}

extension String {
    /// The text as a rule-language string literal (`'it''s'`).
    public var ruleLiteral: String { "'" + replacingOccurrences(of: "'", with: "''") + "'" }
}
