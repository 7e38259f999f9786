import PanoramaCore

/// The duplicate tables' reads and writes (queries written once, in `Shared/DuplicateQueries.swift`).
/// SQLite and PostgreSQL both implement it (they are `PanoramaStore`s).
public protocol DuplicateStore: Sendable {}
