import Hummingbird
import PanoramaServices
import Prometheus

/// Service counters recorded into the Prometheus registry served at `/metrics`.
struct PrometheusSink: MetricsSink {
    let registry: PrometheusCollectorRegistry

    /// Registers the service counters at zero, so that they are scraped before their first event.
    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        for name in ["panorama_ingested_messages_total", "panorama_merges_total", "panorama_merge_undos_total"] {
            _ = registry.makeCounter(name: name, labels: [])
        }
    }

    func increment(_ name: String, labels: [(String, String)], by: Int) {
        registry.makeCounter(name: name, labels: labels).increment(by: Int64(by))
    }
}

/// Records each request's latency in a histogram labelled by route pattern, method and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    static var buckets: [Duration] {
        [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5),
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        registry.makeDurationHistogram(
            name: "panorama_http_request_duration_seconds",
            labels: [
                ("route", context.endpointPath ?? "unmatched"), ("method", request.method.rawValue),
                ("status", String(response.status.code)),
            ],
            buckets: Self.buckets
        ).recordNanoseconds(
            Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}
