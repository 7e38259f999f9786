import PanoramaStore
import ServiceLifecycle

/// Runs the store's background upkeep (SQLite WAL checkpoints) every `interval`, off the
/// ingest writer's path, until shutdown.
public struct StoreMaintenance: Service {
    let store: any PanoramaStore
    let interval: Duration

    public init(store: any PanoramaStore, interval: Duration = .milliseconds(250)) {
        self.store = store
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await store.maintain()
            try? await Task.sleep(for: interval)
        }
    }
}
