/// Whether this node is the one that runs cluster-wide scheduled work right now.
///
/// Readers poll ``isLeader`` before starting each piece of work; it may turn false at any
/// moment, so work that must not overlap across nodes checks it again before it starts.
public protocol Leadership: Sendable {
    /// True while this node leads; safe to read from any thread.
    var isLeader: Bool { get }
}

/// The leadership of a node that is alone by construction: the embedded SQLite store belongs
/// to one process, so that process always leads.
public struct SoleLeadership: Leadership {
    public init() {}

    public var isLeader: Bool { true }
}
