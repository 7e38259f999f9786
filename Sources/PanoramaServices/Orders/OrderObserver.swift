import PanoramaCore

/// Told about every order and refund once it is durable: loyalty earns and reverses points and
/// re-checks tiers from these calls. Calls may repeat (a client resends, a node restarts and
/// replays), so an observer must be idempotent, keyed by the order's and refund's ids.
public protocol OrderObserver: Sendable {
    /// An order was created or updated (same `order.id`; `previous` is what was stored before, nil when new).
    /// `customerID` is the live profile the order belongs to now.
    func orderSaved(workspaceID: Int64, order: Order, previous: Order?, customerID: Int64) async
    /// A refund, return or exchange of `order` (as it is after the refund) was recorded.
    func refundSaved(workspaceID: Int64, refund: Refund, order: Order, customerID: Int64) async
}
