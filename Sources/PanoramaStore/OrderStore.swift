import PanoramaCore

/// Orders, their lines and refunds (queries written once, in `Shared/OrderQueries.swift`; orders
/// are written by the ingest commit, `IngestCommit.orders`). SQLite and PostgreSQL both implement
/// it (they are `PanoramaStore`s).
public protocol OrderStore: Sendable {
    func order(workspaceID: Int64, id: Int64) async throws -> Order?
    func order(workspaceID: Int64, externalID: String) async throws -> Order?
    /// Orders of these raw profiles, newest first; the cursor is opaque.
    func orders(workspaceID: Int64, customerIDs: [Int64], cursor: String?, limit: Int) async throws -> Page<Order>
    /// Every order of these raw profiles, oldest first, with lines.
    func allOrders(workspaceID: Int64, customerIDs: [Int64]) async throws -> [Order]
    func orderTotals(workspaceID: Int64) async throws -> OrderTotals
    func refunds(workspaceID: Int64, orderIDs: [Int64]) async throws -> [Refund]
    func refund(workspaceID: Int64, externalID: String) async throws -> Refund?
    /// Records a refund if the order is still at `orderVersion`; nil when it changed meanwhile or
    /// the refund's external id is taken.
    func recordRefund(workspaceID: Int64, _ refund: Refund, orderVersion: Int64, now: Int64) async throws -> Int64?
    func refundedQuantities(workspaceID: Int64, orderID: Int64) async throws -> [Int: Int64]
}
