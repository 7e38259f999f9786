import Foundation
import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// The dashboard from the insights service: orders, net revenue, average order value, the daily
/// series of both periods, net revenue by channel and the RFM segments all come from the audience
/// engine's in-memory columns (no order scan in the store), within the viewer's data scope, so a
/// salesperson sees the figures of her own customers. The refund rate, which the insights
/// service does not answer (its amounts are already net of refunds), still comes from the
/// store's daily totals, and only for roles that see all customers.
///
/// Definitions are the insights service's (`KPIValues`): orders and net revenue count the paid
/// orders placed in the period, net of refunds; a fully refunded order is no longer a paid order.
public final class InsightsDashboardSource: DashboardSource {
    private let insights: InsightsService
    private let store: StoreDashboardSource
    private let audiences: AudienceService

    public init(insights: InsightsService, store: StoreDashboardSource, audiences: AudienceService) {
        self.insights = insights
        self.store = store
        self.audiences = audiences
    }

    public func dashboard(workspaceID: Int64, scope: CustomerScope, days: Int) async throws -> Dashboard {
        let days = max(1, min(days, 366))
        let today = try await insights.today(workspaceID: workspaceID)
        let firstDay = today - Int64(days) + 1
        let current = try await insights.kpis(
            workspaceID: workspaceID, from: firstDay, to: today + 1, grain: .day, breakdown: .channel, scope: scope)
        let before = try await insights.kpis(
            workspaceID: workspaceID, from: firstDay - Int64(days), to: firstDay, grain: .day, breakdown: nil,
            scope: scope)
        func daily(_ report: KPIReport, from: Int64) -> [Int64] {
            var values = [Int64](repeating: 0, count: days)
            for (start, v) in report.series where start >= from && start < from + Int64(days) {
                values[Int(start - from)] = v.netRevenue
            }
            return values
        }
        let customers = try await audiences.evaluate(workspaceID: workspaceID, rule: "TRUE", limit: 0, scope: scope)
            .size
        let (now, then) = (current.total, current.previous)
        var kpis = [
            KPI(id: "customers", unit: .count, current: Int64(customers), previous: nil),
            KPI(id: "orders", unit: .count, current: Int64(now.orders), previous: Int64(then.orders)),
            KPI(id: "revenue", unit: .money, current: now.netRevenue, previous: then.netRevenue),
            KPI(id: "aov", unit: .money, current: now.averageOrderValue, previous: then.averageOrderValue),
        ]
        if scope == .all, let refund = try await store.refundRate(workspaceID: workspaceID, days: days) {
            kpis.append(refund)
        }
        let rfm = try await insights.rfm(workspaceID: workspaceID, asOf: nil, scope: scope)
        let segments = rfm.segments.filter { $0.customers > 0 }.map {
            BreakdownItem(
                key: $0.segment.name, value: Int64($0.customers), rule: "rfm_segment = \($0.segment.name.ruleLiteral)")
        }
        return Dashboard(
            days: days, firstDay: firstDay, kpis: kpis, revenue: daily(current, from: firstDay),
            previousRevenue: daily(before, from: firstDay - Int64(days)),
            channels: current.breakdown.map { BreakdownItem(key: $0.label, value: $0.values.netRevenue) }
                .sorted { $0.value > $1.value },
            rfm: segments, tags: try await store.tags(workspaceID: workspaceID, scope: scope),
            ordersHiddenByScope: false)
    }
}
