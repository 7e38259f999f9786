import Crypto
import Foundation
import Logging
import PanoramaCore
import PanoramaEngine
import PanoramaStore

/// An order as the API shows it: the order, its refunds and the live profile it belongs to.
public struct OrderView: Sendable, Equatable {
    public var order: Order
    public var refunds: [Refund]
    /// The live profile the order belongs to now.
    public var customerID: Int64
}

/// Consumption records: orders in (REST, tracking events, imports), refunds, reads and value figures.
///
/// An order goes through the ingest pipeline like a tracking message, so the customer it names is
/// resolved (created, attached, merged) by the same rules and the order is stored in the same
/// transaction as the profile changes. Refunds are checked against their order and recorded with
/// optimistic concurrency: two refunds of one order never take back more than it was worth.
public final class OrderService: Sendable {
    private let store: any PanoramaStore
    private let pipeline: IngestPipeline
    private let settings: WorkspaceSettingsCache
    private let clock: WallClock
    private let metrics: any MetricsSink
    private let logger: Logger
    private let observers: [any OrderObserver]
    /// Suppressed erasures: an order naming an erased person is refused (`erased_subject`).
    private let tombstones: ErasureTombstones?

    public init(
        store: any PanoramaStore, pipeline: IngestPipeline, settings: WorkspaceSettingsCache, clock: WallClock,
        metrics: any MetricsSink, logger: Logger, observers: [any OrderObserver] = [],
        tombstones: ErasureTombstones? = nil
    ) {
        self.tombstones = tombstones
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.observers = observers
    }

    // MARK: Orders in

    /// Creates or updates (by `order_id`) an order from a REST body; returns it and whether it is new.
    /// The body is the order (`OrderDecoder.order`) with a `customer` object naming the person by
    /// identifiers (`user_id`, `email`, `phone`, any identifier type of the workspace) or by
    /// profile `id`. Sending the same body again changes nothing.
    public func save(workspaceID: Int64, body: JSONValue) async throws -> (view: OrderView, created: Bool) {
        guard let object = body.objectValue else {
            throw PanoramaError.badRequest("invalid_order", "the body must be a JSON object (an order)")
        }
        let now = clock.now()
        var order = try OrderDecoder.order(object, defaultTime: now)
        order.source = "api"
        let identifiers = try await customerIdentifiers(workspaceID: workspaceID, object["customer"])
        if let checker = try await tombstones?.checker(workspaceID: workspaceID), checker.matchesAny(identifiers) {
            throw PanoramaError.conflict(
                "erased_subject",
                "this person's data was erased at their request and their identifiers are suppressed; the order is refused / 该客户已按本人要求删除并屏蔽，订单被拒绝")
        }
        let previous = try await store.order(workspaceID: workspaceID, externalID: order.externalID)
        // The message id is the order id and a digest of the body: a resend is a duplicate (nothing
        // changes), a changed order is a new message that updates it.
        let digest = SHA256.hash(data: Array(JSONValue.object(object).jsonText.utf8))
            .prefix(12).map { String(format: "%02x", $0) }.joined()
        var message = TrackingMessage(
            type: .track, messageID: "order:\(order.externalID):\(digest)",
            userID: identifiers.first { $0.type == "user_id" }?.value,
            anonymousID: identifiers.first { $0.type == "anonymous_id" }?.value,
            event: order.status == .cancelled ? "Order Cancelled" : previous == nil ? "Order Completed" : "Order Updated",
            timestamp: order.placedAt, receivedAt: now, properties: Self.properties(of: object),
            identifiers: identifiers)
        message.order = order
        _ = try await pipeline.submit(workspaceID: workspaceID, messages: [message])
        guard let saved = try await store.order(workspaceID: workspaceID, externalID: order.externalID) else {
            throw PanoramaError.unavailable("the order was stored but could not be read back; retry")
        }
        let view = try await self.view(workspaceID: workspaceID, saved)
        if previous?.version != saved.version {
            metrics.increment("panorama_orders_saved_total", labels: [("source", "api")], by: 1)
        }
        await notifySaved(workspaceID: workspaceID, view: view, previous: previous)
        return (view, previous == nil)
    }

    /// Tells the observers about orders that tracking events recorded (called after the events
    /// are durable; repeated calls are harmless, observers are idempotent).
    func trackedOrdersSaved(workspaceID: Int64, externalIDs: [String]) async {
        guard !observers.isEmpty else { return }
        for id in externalIDs {
            guard let order = try? await store.order(workspaceID: workspaceID, externalID: id),
                let view = try? await self.view(workspaceID: workspaceID, order)
            else { continue }
            await notifySaved(workspaceID: workspaceID, view: view, previous: nil)
        }
    }

    private func notifySaved(workspaceID: Int64, view: OrderView, previous: Order?) async {
        for observer in observers {
            await observer.orderSaved(
                workspaceID: workspaceID, order: view.order, previous: previous, customerID: view.customerID)
        }
    }

    /// The body without `customer`, as the event's properties.
    private static func properties(of object: JSONObject) -> String {
        var props = object
        _ = props.remove("customer")
        return JSONValue.object(props).jsonText
    }

    /// Normalized identifiers of the `customer` object of an order.
    private func customerIdentifiers(workspaceID: Int64, _ value: JSONValue?) async throws -> [Identifier] {
        guard let customer = value?.objectValue else {
            throw PanoramaError.badRequest(
                "missing_customer", "an order needs a customer object, e.g. {\"user_id\": \"u-1\"} or {\"id\": 42}",
                field: "customer")
        }
        let identity = try await settings.identity(workspaceID)
        var found: [Identifier] = []
        for (key, raw) in customer.members {
            if key == "id" {
                guard let id = raw.numberValue?.int64 else {
                    throw PanoramaError.badRequest("invalid_customer", "customer.id must be a profile id", field: "customer.id")
                }
                found.append(contentsOf: try await identifiers(ofProfile: id, workspaceID: workspaceID, identity))
                continue
            }
            guard identity.type(named: key) != nil else {
                throw PanoramaError.badRequest(
                    "unknown_identifier_type",
                    "customer.\(key) is not an identifier type of this workspace (types: "
                        + identity.types.map(\.name).joined(separator: ", ") + ")", field: "customer.\(key)")
            }
            let text = raw.stringValue ?? raw.numberValue?.text
            guard let text, !text.trimmingWhitespace.isEmpty else {
                throw PanoramaError.badRequest("invalid_identifier", "customer.\(key) must be a string", field: "customer.\(key)")
            }
            do {
                let id = Identifier(type: key, value: try Normalizer.normalize(type: key, value: text))
                if !found.contains(id) { found.append(id) }
            } catch {
                throw PanoramaError.badRequest(error.code, error.message, field: "customer.\(key)")
            }
        }
        guard !found.isEmpty else {
            throw PanoramaError.badRequest(
                "missing_customer", "customer names no identifier (user_id, email, phone …) nor profile id",
                field: "customer")
        }
        return found
    }

    /// An identifier that resolves to a profile: its highest-priority unique one.
    private func identifiers(ofProfile id: Int64, workspaceID: Int64, _ identity: IdentitySettings) async throws
        -> [Identifier]
    {
        guard let (_, members) = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.customerNotFound(id)
        }
        let held = try await store.identifiers(workspaceID: workspaceID, customerIDs: members).map(\.identifier)
        let unique = held.filter { identity.type(named: $0.type)?.unique == true }
        guard
            let best = unique.min(by: {
                (identity.type(named: $0.type)?.priority ?? .max) < (identity.type(named: $1.type)?.priority ?? .max)
            })
        else {
            throw PanoramaError.conflict(
                "customer_not_addressable", "customer \(id) holds no unique identifier to attach an order to")
        }
        return [best]
    }

    // MARK: Refunds

    /// Records a refund, return or exchange of an order from a REST body (`OrderDecoder.refund`;
    /// `refund_id` required). Resending a refund id with the same request returns the recorded
    /// refund; with another request it is refused (`refund_id_reused`).
    public func refund(workspaceID: Int64, orderID: Int64, body: JSONValue) async throws -> (
        view: OrderView, refund: Refund, created: Bool
    ) {
        guard let object = body.objectValue else {
            throw PanoramaError.badRequest("invalid_refund", "the body must be a JSON object (a refund)")
        }
        let request = try OrderDecoder.refund(object, defaultTime: clock.now())
        guard let externalID = request.externalID else {
            throw PanoramaError.badRequest(
                "missing_refund_id", "a refund needs a refund_id: resending it must not refund twice",
                field: "refund_id")
        }
        return try await refund(workspaceID: workspaceID, orderID: orderID, externalID: externalID, request)
    }

    /// Records a refund request against an order (by store id).
    func refund(
        workspaceID: Int64, orderID: Int64, externalID: String, _ request: OrderDecoder.RefundRequest
    ) async throws -> (view: OrderView, refund: Refund, created: Bool) {
        for _ in 0..<20 {
            guard let order = try await store.order(workspaceID: workspaceID, id: orderID) else {
                throw PanoramaError.notFound("order_not_found", "no order \(orderID) in this workspace")
            }
            if let existing = try await store.refund(workspaceID: workspaceID, externalID: externalID) {
                let same =
                    existing.orderID == orderID && existing.kind == request.kind
                    && (request.amount == nil || request.amount == existing.amount)
                guard same else {
                    throw PanoramaError.conflict(
                        "refund_id_reused", "refund_id '\(externalID)' was already used for another refund")
                }
                return (try await view(workspaceID: workspaceID, order), existing, false)
            }
            let refund = try Self.check(request, externalID: externalID, against: order)
            let now = clock.now()
            if let id = try await store.recordRefund(
                workspaceID: workspaceID, refund, orderVersion: order.version, now: now)
            {
                var recorded = refund
                recorded.id = id
                recorded.createdAt = now
                guard let updated = try await store.order(workspaceID: workspaceID, id: orderID) else {
                    throw PanoramaError.unavailable("the refund was stored but its order could not be read back")
                }
                let view = try await view(workspaceID: workspaceID, updated)
                metrics.increment("panorama_refunds_total", labels: [("kind", refund.kind.rawValue)], by: 1)
                for observer in observers {
                    await observer.refundSaved(
                        workspaceID: workspaceID, refund: recorded, order: updated, customerID: view.customerID)
                }
                return (view, recorded, true)
            }
            // The order changed (another refund, an update) or the refund id was taken meanwhile:
            // read again and decide again.
        }
        throw PanoramaError.unavailable("the order kept changing while the refund was recorded; retry")
    }

    /// Turns a request into a refund of this order, or says why it cannot be.
    static func check(_ request: OrderDecoder.RefundRequest, externalID: String, against order: Order) throws -> Refund {
        guard order.status.counts else {
            throw PanoramaError.conflict(
                "order_not_refundable", "order \(order.externalID) is \(order.status.rawValue); only paid orders are refunded")
        }
        var lines: [Refund.Line] = []
        for (i, wanted) in request.lines.enumerated() {
            let field = "lines[\(i)]"
            let item = order.items.first { item in
                if let n = wanted.line { return item.line == n }
                if let sku = wanted.sku { return item.sku == sku }
                return wanted.productID != nil && item.productID == wanted.productID
            }
            guard let item else {
                throw PanoramaError.badRequest(
                    "unknown_line", "order \(order.externalID) has no such line", field: field)
            }
            let already = lines.filter { $0.line == item.line }.reduce(0) { $0 + $1.quantity }
            let left = item.quantity - item.refundedQuantity - already
            let quantity = wanted.quantity ?? left
            guard quantity > 0, quantity <= left else {
                throw PanoramaError.conflict(
                    "refund_exceeds_order",
                    "line \(item.line) has \(max(left, 0)) unit(s) left to refund, not \(quantity)")
            }
            let amount = wanted.amount ?? item.amount(ofUnits: quantity)
            lines.append(Refund.Line(line: item.line, quantity: quantity, amount: amount))
        }
        let left = order.total - order.refunded
        let amount: Int64
        if let given = request.amount {
            amount = given
        } else if !lines.isEmpty {
            amount = request.kind == .exchange ? 0 : min(lines.reduce(0) { $0 + $1.amount }, left)
        } else {
            amount = request.kind == .exchange ? 0 : left
        }
        guard amount <= left else {
            throw PanoramaError.conflict(
                "refund_exceeds_order",
                "order \(order.externalID) has \(left) (minor units) left to refund, not \(amount)")
        }
        guard amount > 0 || !lines.isEmpty else {
            throw PanoramaError.conflict(
                "refund_exceeds_order", "order \(order.externalID) has nothing left to refund")
        }
        return Refund(
            externalID: externalID, orderID: order.id, kind: request.kind, amount: amount, lines: lines,
            reason: request.reason, refundedAt: request.refundedAt)
    }

    /// Refunds what is left of an order (an imported order whose source status was `refunded`);
    /// idempotent: the refund id is derived from the order's.
    func refundInFull(workspaceID: Int64, externalID: String) async throws {
        guard let order = try await store.order(workspaceID: workspaceID, externalID: externalID),
            order.refunded < order.total
        else { return }
        let request = OrderDecoder.RefundRequest(
            externalID: nil, kind: .refund, amount: nil, lines: [], reason: "refunded in the imported source",
            refundedAt: order.placedAt)
        _ = try await refund(
            workspaceID: workspaceID, orderID: order.id, externalID: "import:\(externalID)", request)
    }

    /// Records the refund of an `Order Refunded` tracking event (after the event is durable).
    /// Tracking is never refused for its content: a refund that does not fit its order is logged
    /// and counted, not applied.
    func trackedRefund(workspaceID: Int64, message: TrackingMessage) async {
        guard let text = message.properties, let object = try? JSONParser.parse(text).objectValue else { return }
        do {
            let request = try OrderDecoder.refund(object, defaultTime: message.timestamp)
            guard let orderKey = object["order_id"].flatMap({ $0.stringValue ?? $0.numberValue?.text }),
                let order = try await store.order(workspaceID: workspaceID, externalID: orderKey)
            else {
                throw PanoramaError.notFound("order_not_found", "the refunded order is unknown")
            }
            _ = try await refund(
                workspaceID: workspaceID, orderID: order.id,
                externalID: request.externalID ?? "event:\(message.messageID)", request)
        } catch {
            metrics.increment("panorama_tracked_refunds_ignored_total", labels: [], by: 1)
            logger.info(
                "Order Refunded event not applied",
                metadata: ["message_id": "\(message.messageID)", "reason": "\(error)"])
        }
    }

    // MARK: Reads

    /// An order by store id with its refunds.
    public func order(workspaceID: Int64, id: Int64) async throws -> OrderView {
        guard let order = try await store.order(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.notFound("order_not_found", "no order \(id) in this workspace")
        }
        return try await view(workspaceID: workspaceID, order)
    }

    /// An order by its external id.
    public func order(workspaceID: Int64, externalID: String) async throws -> OrderView {
        guard let order = try await store.order(workspaceID: workspaceID, externalID: externalID) else {
            throw PanoramaError.notFound("order_not_found", "no order '\(externalID)' in this workspace")
        }
        return try await view(workspaceID: workspaceID, order)
    }

    /// A live profile's orders (every raw profile merged in), newest first, with refunds.
    public func orders(workspaceID: Int64, customerID: Int64, cursor: String?, limit: Int) async throws -> Page<
        OrderView
    > {
        let (canonical, members) = try await members(workspaceID: workspaceID, customerID)
        let page = try await store.orders(workspaceID: workspaceID, customerIDs: members, cursor: cursor, limit: limit)
        let refunds = try await store.refunds(workspaceID: workspaceID, orderIDs: page.items.map(\.id))
        let byOrder = Dictionary(grouping: refunds, by: \.orderID)
        return Page(
            items: page.items.map { OrderView(order: $0, refunds: byOrder[$0.id] ?? [], customerID: canonical) },
            nextCursor: page.nextCursor)
    }

    /// A live profile's value figures, net of refunds.
    public func value(workspaceID: Int64, customerID: Int64) async throws -> CustomerValue {
        let (_, members) = try await members(workspaceID: workspaceID, customerID)
        return CustomerValue(orders: try await store.allOrders(workspaceID: workspaceID, customerIDs: members))
    }

    private func view(workspaceID: Int64, _ order: Order) async throws -> OrderView {
        let refunds = try await store.refunds(workspaceID: workspaceID, orderIDs: [order.id])
        let canonical = try await store.customer(workspaceID: workspaceID, id: order.customerID)?.canonicalID
        return OrderView(order: order, refunds: refunds, customerID: canonical ?? order.customerID)
    }

    private func members(workspaceID: Int64, _ id: Int64) async throws -> (Int64, [Int64]) {
        guard let live = try await store.liveProfile(workspaceID: workspaceID, id: id) else {
            throw PanoramaError.customerNotFound(id)
        }
        return live
    }
}
