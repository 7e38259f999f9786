import PanoramaCore

extension CustomerValue {
    /// The value figures of one customer from all of their orders (with lines and refunded
    /// quantities), net of refunds:
    /// - an order counts when its status does (`OrderStatus.counts`) and refunds have not taken
    ///   all of it back;
    /// - total spend is what counting-status orders were paid, refunded what went back, net the
    ///   difference; AOV is net over counted orders (rounded down);
    /// - the repurchase interval is the mean gap between consecutive counted orders, in days;
    /// - the favourite category is the one with the largest line amount still kept (refunded
    ///   units taken off), the favourite channel the one with the most counted orders; ties go
    ///   to the name first in order.
    public init(orders: [Order]) {
        self.init()
        var currencies: [String: Int] = [:]
        var categories: [String: Int64] = [:]
        var channels: [String: Int] = [:]
        var times: [Int64] = []
        for order in orders where order.status.counts {
            totalSpend += order.total
            refunded += order.refunded
            currencies[order.currency, default: 0] += 1
            if order.fullyRefunded { continue }
            self.orders += 1
            times.append(order.placedAt)
            if let channel = order.channel { channels[channel, default: 0] += 1 }
            for item in order.items {
                guard let category = item.category else { continue }
                categories[category, default: 0] += item.amount(ofUnits: item.quantity - item.refundedQuantity)
            }
        }
        netSpend = totalSpend - refunded
        averageOrderValue = self.orders > 0 ? netSpend / self.orders : 0
        times.sort()
        firstPurchaseAt = times.first
        lastPurchaseAt = times.last
        if times.count >= 2, let first = times.first, let last = times.last {
            averageRepurchaseDays = Double(last - first) / 86_400_000 / Double(times.count - 1)
        }
        favouriteCategory = Self.top(categories)
        favouriteChannel = Self.top(channels)
        currency = Self.top(currencies)
    }

    private static func top<N: Comparable>(_ counts: [String: N]) -> String? {
        counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
    }
}
