import Hummingbird
import PanoramaCore
import PanoramaServices

/// Refuses a caller over its token-bucket limit with 429, `Retry-After` and the `rate_limited` error
/// body (thrown, so that `ErrorMiddleware` writes it like every other error).
///
/// Who "the caller" is comes from `key`: a write key, an admin key, a client address. Placed before
/// authentication, so that a flood is turned away before it costs a key lookup or a body read.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter
    /// The bucket a request draws from.
    let key: @Sendable (Request, Context) -> String
    /// Monotonic seconds (`RateLimiters.now`); tests pass a clock they move by hand.
    let now: @Sendable () -> Double

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if case .limited(let wait) = limiter.acquire(key(request, context), now: now()) {
            throw PanoramaError.tooManyRequests(retryAfter: wait)
        }
        return try await next(request, context)
    }
}

extension RateLimitMiddleware where Context: RemoteAddressRequestContext {
    /// Limits each credential (the `Authorization` header: a write key as Basic user, an admin key as
    /// Bearer) and, for requests without one, each client address.
    init(limiter: RateLimiter, now: @escaping @Sendable () -> Double) {
        self.init(limiter: limiter, key: Self.credentialOrAddress, now: now)
    }

    /// `key:` and a hash of the `Authorization` header, else `ip:` and the client address.
    ///
    /// The header is hashed so that the limiter's table, which outlives requests, holds no secrets;
    /// `Hasher` is seeded per process, so nobody can pick two credentials that share a bucket.
    @Sendable static func credentialOrAddress(_ request: Request, _ context: Context) -> String {
        if let credential = request.headers[.authorization] {
            var hasher = Hasher()
            hasher.combine(credential)
            return "key:\(hasher.finalize())"
        }
        return "ip:\(ClientAddress.of(request, context))"
    }
}

extension RouterMethods where Context: RemoteAddressRequestContext {
    /// These routes drawing from `limiter` per credential or client address; unchanged when the
    /// limiter is nil (limits off).
    func limited(by limiter: RateLimiter?, now: @escaping @Sendable () -> Double) -> Self {
        guard let limiter else { return self }
        return add(middleware: RateLimitMiddleware<Context>(limiter: limiter, now: now))
    }
}
