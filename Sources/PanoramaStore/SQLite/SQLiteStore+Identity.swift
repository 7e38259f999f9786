/// One process owns an SQLite store, so its identity lock is the ingest pipeline's single writer
/// itself; a session simply forwards to the store (each call its own transaction).
extension SQLiteStore {
    public var isShared: Bool { false }

    public func withIdentityLock<T: Sendable>(
        workspaceIDs: [Int64], _ body: (any IdentitySession) async throws -> T
    ) async throws -> T {
        try await body(Session(store: self))
    }

    private struct Session: IdentitySession {
        let store: SQLiteStore

        func snapshot(workspaceID: Int64) async throws -> IdentitySnapshot {
            try await store.identitySnapshot(workspaceID: workspaceID)
        }

        func changes(workspaceID: Int64, since version: Int64) async throws -> IdentityChanges {
            IdentityChanges(customers: [], identifiers: [], version: version)
        }

        func commit(_ commit: IngestCommit) async throws -> Set<Int> {
            try await store.commit(commit)
        }

        func commitUndo(workspaceID: Int64, mergeID: Int64, from: Int64, movedBack: [Int64], now: Int64) async throws {
            try await store.commitUndo(
                workspaceID: workspaceID, mergeID: mergeID, from: from, movedBack: movedBack, now: now)
        }

        func version(workspaceID: Int64) -> Int64 { 0 }
    }
}
