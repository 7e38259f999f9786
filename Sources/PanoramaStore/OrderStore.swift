import PanoramaCore

/// The order tables' reads and writes (queries written once, in `Shared/OrderQueries.swift`).
/// SQLite and PostgreSQL both implement it (they are `PanoramaStore`s).
public protocol OrderStore: Sendable {}
