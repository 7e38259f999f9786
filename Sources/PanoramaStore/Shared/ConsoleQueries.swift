import PanoramaCore

/// One day's paid orders: how many, their gross total and refunds (minor units), distinct buyers.
public struct DailyOrderTotals: Sendable, Equatable {
    /// Days since 1970-01-01 in the time zone whose offset the query was given.
    public var day: Int64
    public var orders: Int64
    public var gross: Int64
    public var refunded: Int64
    public var buyers: Int64

    public init(day: Int64, orders: Int64, gross: Int64, refunded: Int64, buyers: Int64) {
        self.day = day
        self.orders = orders
        self.gross = gross
        self.refunded = refunded
        self.buyers = buyers
    }
}

/// Order figures grouped by one column (channel), for the console's breakdown charts.
public struct GroupedOrderTotals: Sendable, Equatable {
    public var key: String
    public var orders: Int64
    public var net: Int64

    public init(key: String, orders: Int64, net: Int64) {
        self.key = key
        self.orders = orders
        self.net = net
    }
}

/// The aggregate reads of the console's dashboard (both stores, written once).
public protocol ConsoleStore: Sendable {
    /// Paid, shipped and completed orders placed in `[from, until)`, by local day (`offsetMillis`
    /// east of UTC).
    func dailyOrderTotals(workspaceID: Int64, from: Int64, until: Int64, offsetMillis: Int64) async throws
        -> [DailyOrderTotals]
    /// The same orders by channel (empty string: no channel), largest net first.
    func orderTotalsByChannel(workspaceID: Int64, from: Int64, until: Int64) async throws -> [GroupedOrderTotals]
}

extension SQLStore {
    private static var countedStatuses: String { "('paid', 'shipped', 'completed')" }

    public func dailyOrderTotals(workspaceID: Int64, from: Int64, until: Int64, offsetMillis: Int64) async throws
        -> [DailyOrderTotals]
    {
        var q = sql("SELECT (placed_at + ")
        q.bind(offsetMillis)
        q.append(
            ") / 86400000 AS day, COUNT(*), CAST(COALESCE(SUM(total), 0) AS BIGINT), "
                + "CAST(COALESCE(SUM(refunded), 0) AS BIGINT), COUNT(DISTINCT customer_id) FROM orders WHERE workspace_id = "
        )
        q.bind(workspaceID)
        q.append(" AND placed_at >= ")
        q.bind(from)
        q.append(" AND placed_at < ")
        q.bind(until)
        q.append(" AND status IN \(Self.countedStatuses) GROUP BY 1 ORDER BY 1")
        return try await fetch(q.query) {
            DailyOrderTotals(
                day: try $0.int(0), orders: try $0.int(1), gross: try $0.int(2), refunded: try $0.int(3),
                buyers: try $0.int(4))
        }
    }

    public func orderTotalsByChannel(workspaceID: Int64, from: Int64, until: Int64) async throws
        -> [GroupedOrderTotals]
    {
        // PostgreSQL sums BIGINT into NUMERIC: cast back so both stores answer integers.
        var q = sql(
            "SELECT COALESCE(channel, '') AS c, COUNT(*), CAST(COALESCE(SUM(total - refunded), 0) AS BIGINT) AS net "
                + "FROM orders WHERE workspace_id = ")
        q.bind(workspaceID)
        q.append(" AND placed_at >= ")
        q.bind(from)
        q.append(" AND placed_at < ")
        q.bind(until)
        q.append(" AND status IN \(Self.countedStatuses) GROUP BY 1 ORDER BY 3 DESC")
        return try await fetch(q.query) {
            GroupedOrderTotals(key: try $0.text(0), orders: try $0.int(1), net: try $0.int(2))
        }
    }
}

extension SQLiteStore: ConsoleStore {}
extension PostgresStore: ConsoleStore {}
