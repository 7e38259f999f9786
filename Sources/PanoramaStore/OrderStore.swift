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

/// A bulk import as recorded: what, from where, how far, and its report once done.
public struct ImportRun: Sendable, Equatable {
    public var id: Int64
    public var workspaceID: Int64
    public var kind: String
    /// The uploaded file's name.
    public var source: String
    /// `uploaded`, `running`, `completed` or `failed`.
    public var status: String
    public var dryRun: Bool
    /// The node that holds the file and runs the import.
    public var nodeID: String
    /// Progress as a JSON object text (rows and bytes read).
    public var progress: String?
    /// The report as a JSON object text, once completed.
    public var report: String?
    public var error: String?
    public var createdAt: Int64
    public var finishedAt: Int64?

    public init(
        id: Int64 = 0, workspaceID: Int64, kind: String, source: String, status: String, dryRun: Bool, nodeID: String,
        progress: String? = nil, report: String? = nil, error: String? = nil, createdAt: Int64, finishedAt: Int64? = nil
    ) {
        self.id = id
        self.workspaceID = workspaceID
        self.kind = kind
        self.source = source
        self.status = status
        self.dryRun = dryRun
        self.nodeID = nodeID
        self.progress = progress
        self.report = report
        self.error = error
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// Import records (queries in `Shared/ImportQueries.swift`).
public protocol ImportStore: Sendable {
    /// Records a new import; returns it with its id.
    func insertImport(_ record: ImportRun) async throws -> ImportRun
    /// Saves an import's status, mode, progress, report, error and end.
    func updateImport(_ record: ImportRun) async throws
    func importRun(workspaceID: Int64, id: Int64) async throws -> ImportRun?
    /// The workspace's imports, newest first.
    func importRuns(workspaceID: Int64, limit: Int) async throws -> [ImportRun]
}
