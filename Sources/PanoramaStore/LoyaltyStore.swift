import PanoramaCore

/// The loyalty tables' reads and writes (queries written once, in `Shared/LoyaltyQueries.swift`).
/// SQLite and PostgreSQL both implement it (they are `PanoramaStore`s).
public protocol LoyaltyStore: Sendable {}
