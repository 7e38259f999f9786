/// A paid order as attribution reads it (the store reads it with the profile it was recorded on;
/// the insight service maps that to the live customer).
public struct AttributedOrder: Sendable, Equatable {
    /// The customer id.
    public var customerID: Int64
    /// Epoch ms.
    public var placedAt: Int64
    /// Net of refunds, minor units.
    public var amount: Int64
    public var channel: String?

    public init(customerID: Int64, placedAt: Int64, amount: Int64, channel: String?) {
        self.customerID = customerID
        self.placedAt = placedAt
        self.amount = amount
        self.channel = channel
    }
}
