import PanoramaCore

/// Which touch of a customer's journey an order's revenue is credited to.
public enum AttributionModel: String, Sendable, CaseIterable {
    case firstTouch = "first_touch"
    case lastTouch = "last_touch"
}

/// A campaign touch: a page, screen or track event carrying a campaign (Segment
/// `context.campaign` or `utm_*` properties).
public struct CampaignTouch: Sendable, Equatable {
    /// The live customer id.
    public var customerID: Int64
    /// Epoch ms.
    public var at: Int64
    public var campaign: String
    public var source: String?
    public var medium: String?

    public init(customerID: Int64, at: Int64, campaign: String, source: String? = nil, medium: String? = nil) {
        self.customerID = customerID
        self.at = at
        self.campaign = campaign
        self.source = source
        self.medium = medium
    }

    /// The campaign of an event's context and properties: `context.campaign.name` (else
    /// `properties.utm_campaign`), with its source and medium; nil without a campaign name or
    /// source.
    public static func campaign(context: JSONValue?, properties: JSONValue?) -> (
        name: String, source: String?, medium: String?
    )? {
        EventCampaign.campaign(context: context, properties: properties)
    }
}

/// One row of the ROI report: a campaign, or the direct orders of one channel.
public struct CampaignROI: Sendable, Equatable {
    /// The campaign name, or `(direct)` for orders without a touch in the window.
    public var campaign: String
    /// The campaign's source and medium as first seen; for `(direct)`, the orders' channel.
    public var source: String?
    public var medium: String?
    /// Touch events of the campaign in the period.
    public var touches: Int
    /// Customers with an order credited to the row, and those orders.
    public var buyers: Int
    public var orders: Int
    /// Net revenue credited, minor units.
    public var revenue: Int64
    /// The cost entered for the campaign, minor units (nil: none entered).
    public var cost: Int64?

    /// (revenue − cost) ÷ cost; nil without a positive cost.
    public var roi: Double? {
        guard let cost, cost > 0 else { return nil }
        return Double(revenue - cost) / Double(cost)
    }

    public static let direct = "(direct)"
}

/// First- and last-touch attribution of paid orders to campaigns.
public enum Attribution {
    /// The longest attribution window, days.
    public static let maximumWindowDays = 365

    /// Credits each order placed in `from ..< to` (epoch ms) to the first or last campaign touch of
    /// its customer in the `windowDays` before it (a touch at the order's time counts); orders
    /// without one go to `(direct)` rows, one per order channel. Touches count in `from ..< to`.
    /// Rows: campaigns by revenue then name, then the direct rows; a campaign with a cost and no
    /// order or touch still has a row.
    public static func report(
        touches: [CampaignTouch], orders: [AttributedOrder], from: Int64, to: Int64, windowDays: Int,
        model: AttributionModel, costs: [String: Int64]
    ) -> [CampaignROI] {
        let window = Int64(windowDays) * 86_400_000
        let sorted = touches.sorted { ($0.at, $0.campaign) < ($1.at, $1.campaign) }
        let byCustomer = Dictionary(grouping: sorted) { $0.customerID }
        var rows: [String: CampaignROI] = [:]
        var direct: [String: CampaignROI] = [:]
        var buyers: [String: Set<Int64>] = [:]
        func row(_ touch: CampaignTouch) -> CampaignROI {
            rows[touch.campaign]
                ?? CampaignROI(
                    campaign: touch.campaign, source: touch.source, medium: touch.medium, touches: 0, buyers: 0,
                    orders: 0, revenue: 0, cost: costs[touch.campaign])
        }
        for touch in sorted where touch.at >= from && touch.at < to {
            var r = row(touch)
            r.touches += 1
            rows[touch.campaign] = r
        }
        for order in orders where order.placedAt >= from && order.placedAt < to {
            let eligible = (byCustomer[order.customerID] ?? []).filter {
                $0.at <= order.placedAt && $0.at >= order.placedAt - window
            }
            let credited = model == .firstTouch ? eligible.first : eligible.last
            if let touch = credited {
                var r = row(touch)
                r.orders += 1
                r.revenue += order.amount
                rows[touch.campaign] = r
                buyers[touch.campaign, default: []].insert(order.customerID)
            } else {
                let channel = order.channel ?? ""
                var r =
                    direct[channel]
                    ?? CampaignROI(
                        campaign: CampaignROI.direct, source: order.channel, medium: nil, touches: 0, buyers: 0,
                        orders: 0, revenue: 0, cost: nil)
                r.orders += 1
                r.revenue += order.amount
                direct[channel] = r
                buyers["\u{0}" + channel, default: []].insert(order.customerID)
            }
        }
        for (name, cost) in costs where rows[name] == nil {
            rows[name] = CampaignROI(
                campaign: name, source: nil, medium: nil, touches: 0, buyers: 0, orders: 0, revenue: 0, cost: cost)
        }
        var campaigns = rows.values.map { r -> CampaignROI in
            var r = r
            r.buyers = buyers[r.campaign]?.count ?? 0
            return r
        }
        campaigns.sort { ($1.revenue, $0.campaign) < ($0.revenue, $1.campaign) }
        let directRows = direct.map { channel, r -> CampaignROI in
            var r = r
            r.buyers = buyers["\u{0}" + channel]?.count ?? 0
            return r
        }.sorted { ($1.revenue, $0.source ?? "") < ($0.revenue, $1.source ?? "") }
        return campaigns + directRows
    }
}
