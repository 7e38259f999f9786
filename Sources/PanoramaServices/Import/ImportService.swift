import Foundation
import Logging
import PanoramaCore
import PanoramaStore

/// The writing half of bulk import: prepared customers, orders and events go through the ingest
/// pipeline, so imported people are resolved (created, attached, merged) by the same identity
/// rules as tracked ones, and each batch is one transaction.
///
/// - Customers update profiles (identifiers and traits, last write by `updated_at` wins) without a
///   timeline event; orders are stored by external id (re-importing a file updates, never
///   duplicates); events are de-duplicated by their (derived) message id. Importing the same
///   file twice therefore changes nothing the second time.
/// - Reading and cleaning the next batch overlaps with storing the previous one.
/// - A source order whose status is `refunded` is stored as completed with a full refund.
public final class ImportService: Sendable {
    private let store: any PanoramaStore
    private let pipeline: IngestPipeline
    private let orders: OrderService
    private let clock: WallClock
    private let metrics: any MetricsSink
    private let logger: Logger
    /// Rows naming a customer erased with suppression are rejected (`erased_subject`).
    private let tombstones: ErasureTombstones?

    public init(
        store: any PanoramaStore, pipeline: IngestPipeline, orders: OrderService, clock: WallClock,
        metrics: any MetricsSink, logger: Logger, tombstones: ErasureTombstones? = nil
    ) {
        self.tombstones = tombstones
        self.store = store
        self.pipeline = pipeline
        self.orders = orders
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    /// Batches submitted to the pipeline and not yet answered, at most: one committing, one
    /// resolving, while the preparer reads the next.
    static let inFlight = 4

    /// Imports a source into a workspace and returns the report. With `dryRun` every row is read,
    /// cleaned and counted but nothing is written. Rejected rows go to `rejectedRows`.
    public func run(
        workspaceID: Int64, source: ImportSource, options: ImportOptions, dryRun: Bool = false,
        rejectedRows: RejectedRowsWriter? = nil, progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws -> ImportReport {
        let started = ContinuousClock.now
        let preparer = try ImportPreparer(source: source, options: options, rejectedRows: rejectedRows)
        let earnPoints = options.mapping?.earnPoints ?? false
        let receivedAt = clock.now()
        var pending: [Task<Void, any Error>] = []
        var report = try await preparer.run(progress: progress) { batch in
            if dryRun { return [] }
            var rejections: [ImportRowRejection] = []
            var messages = Self.messages(batch, receivedAt: receivedAt, rejections: &rejections)
            if let checker = try await self.tombstones?.checker(workspaceID: workspaceID) {
                var kept: [TrackingMessage] = []
                let verdicts = checker.erased(messages.map(\.identifiers))
                for (message, (place, erased)) in zip(messages, zip(Self.places(batch), verdicts)) {
                    guard erased else {
                        kept.append(message)
                        continue
                    }
                    rejections.append(
                        ImportRowRejection(
                            line: place.line, rows: place.rows, code: "erased_subject",
                            message: "the row names a person who was erased and asked not to be recorded again"))
                }
                messages = kept
            }
            let refundedIDs: [String]
            if case .orders(let list) = batch {
                refundedIDs = list.filter { $0.status == "refunded" && $0.amountCents > 0 }.map(\.externalID)
            } else {
                refundedIDs = []
            }
            // Settled by loyalty (points, tiers) like an order of the API when the mapping asks
            // (`earn_points: true`); otherwise the file is history.
            let settled = earnPoints ? messages.compactMap { $0.order?.externalID } : []
            if !messages.isEmpty {
                let pipeline = self.pipeline
                let orders = self.orders
                pending.append(
                    Task {
                        _ = try await pipeline.submit(workspaceID: workspaceID, messages: messages)
                        if !settled.isEmpty { await orders.trackedOrdersSaved(workspaceID: workspaceID, externalIDs: settled) }
                        for id in refundedIDs {
                            try await orders.refundInFull(workspaceID: workspaceID, externalID: id)
                        }
                    })
            }
            if pending.count >= Self.inFlight {
                try await pending.removeFirst().value
            }
            return rejections
        }
        for task in pending { try await task.value }
        let elapsed = ContinuousClock.now - started
        report.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report.dryRun = dryRun
        let stored = dryRun ? 0 : report.accepted
        metrics.increment("panorama_imported_rows_total", labels: [("kind", options.kind.rawValue)], by: stored)
        return report
    }

    /// The source line and row count of each message `messages` makes from a batch, in its order.
    static func places(_ batch: PreparedBatch) -> [(line: Int, rows: Int)] {
        switch batch {
        case .customers(let customers): customers.map { ($0.line, 1) }
        case .orders(let prepared): prepared.filter { $0.amountCents >= 0 }.map { ($0.line, $0.rows) }
        case .events(let events): events.map { ($0.line, 1) }
        }
    }

    /// Messages for the pipeline: one per prepared value; what cannot be stored is rejected here.
    static func messages(
        _ batch: PreparedBatch, receivedAt: Int64, rejections: inout [ImportRowRejection]
    ) -> [TrackingMessage] {
        switch batch {
        case .customers(let customers):
            return customers.map { c in
                var traits = JSONObject()
                for t in c.traits { traits.set(t.name, t.value) }
                var m = message(
                    .identify, id: "import:customer:\(c.line)", identifiers: c.identifiers,
                    at: c.updatedAt ?? receivedAt, receivedAt: receivedAt)
                m.traits = traits
                m.recordsEvent = false
                return m
            }
        case .orders(let prepared):
            var result: [TrackingMessage] = []
            result.reserveCapacity(prepared.count)
            for p in prepared {
                guard p.amountCents >= 0 else {
                    rejections.append(
                        ImportRowRejection(
                            order: p, code: "negative_amount",
                            message:
                                "a negative amount is a refund, not an order; record refunds with POST /api/v1/orders/{id}/refunds"
                        ))
                    continue
                }
                var m = message(
                    .track, id: "import:order:\(p.externalID)", identifiers: p.identifiers, at: p.placedAt,
                    receivedAt: receivedAt)
                m.event = "Order Completed"
                m.order = order(p)
                m.recordsEvent = false
                result.append(m)
            }
            return result
        case .events(let events):
            return events.map { e in
                var props = JSONObject()
                for p in e.properties { props.set(p.name, p.value) }
                var m = message(
                    .track, id: e.messageID, identifiers: e.identifiers, at: e.timestamp, receivedAt: receivedAt)
                m.event = e.event
                m.properties = JSONValue.object(props).jsonText
                return m
            }
        }
    }

    private static func message(
        _ type: MessageType, id: String, identifiers: [Identifier], at time: Int64, receivedAt: Int64
    ) -> TrackingMessage {
        TrackingMessage(
            type: type, messageID: id, userID: identifiers.first { $0.type == "user_id" }?.value,
            anonymousID: identifiers.first { $0.type == "anonymous_id" }?.value, timestamp: time,
            receivedAt: receivedAt, identifiers: identifiers)
    }

    /// An order from a prepared row. Without line prices, a one-line order's line is priced from
    /// the total so that category figures still add up.
    static func order(_ p: PreparedOrder) -> Order {
        let status: OrderStatus =
            p.status == "refunded" ? .completed : p.status.flatMap(OrderStatus.init(lenient:)) ?? .completed
        var items: [OrderItem] = []
        for (i, line) in p.lines.enumerated() {
            let quantity = Int64(max(line.quantity, 1))
            var price = line.unitPriceCents ?? 0
            if line.unitPriceCents == nil && p.lines.count == 1 { price = (p.amountCents + line.discountCents) / quantity }
            items.append(
                OrderItem(
                    line: i + 1, sku: line.sku, name: line.name, category: line.category, quantity: quantity,
                    unitPrice: price, discount: line.discountCents))
        }
        var properties: String?
        if let quantity = p.quantity, p.lines.isEmpty { properties = "{\"quantity\":\(quantity)}" }
        return Order(
            externalID: p.externalID, status: status, channel: p.channel.map(OrderChannel.canonical),
            storeID: p.storeID, currency: p.currency, placedAt: p.placedAt, items: items, total: p.amountCents,
            properties: properties, source: "import")
    }
}
