import Foundation

/// The PEM files that turn the server's listener into HTTPS (`--tls-cert`, `--tls-key`).
///
/// Only the paths are configuration; the HTTP layer reads and checks the files when it builds the
/// server, so that a missing or unreadable file stops `panorama serve` before it listens.
public struct TLSFiles: Sendable, Equatable {
    /// The certificate chain in PEM, the server's own certificate first.
    public var certificatePath: String
    /// The certificate's private key in PEM (PKCS#8 or traditional RSA/EC, not encrypted).
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// How fast each caller may go: the token-bucket limits of the tracking API, the REST API and
/// sign-in attempts, read once at the edge like the rest of `Configuration`.
///
/// The request defaults are far above what a well-behaved client or the benchmarks send, so they
/// only stop runaway scripts and floods; `enabled = false` (`PANORAMA_RATE_LIMITS=off`) removes the
/// request limits altogether. The sign-in limit stays on regardless: it guards passwords, not
/// throughput, and five attempts a minute never slow a person down.
public struct RateLimitSettings: Sendable, Equatable {
    /// One token bucket: `rate` requests per second sustained, up to `burst` at once after a pause.
    public struct Limit: Sendable, Equatable, CustomStringConvertible {
        /// Requests per second, positive.
        public var rate: Double
        /// Bucket capacity, at least 1.
        public var burst: Int

        /// A limit; `rate` must be positive and finite and `burst` at least 1 (see `init?(parsing:)`
        /// for text from flags).
        public init(rate: Double, burst: Int) {
            self.rate = rate
            self.burst = burst
        }

        /// Parses `RATE` or `RATE:BURST` in requests per second (`5000:10000`, `0.5:2`); without a
        /// burst the bucket holds two seconds' worth (at least 1). Nil when either number is not
        /// positive or not a number.
        public init?(parsing text: String) {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rate = Double(parts[0].trimmingCharacters(in: .whitespaces)), rate > 0, rate.isFinite else {
                return nil
            }
            var burst = max(1, Int((rate * 2).rounded(.up)))
            if parts.count == 2 {
                guard let given = Int(parts[1].trimmingCharacters(in: .whitespaces)), given > 0 else { return nil }
                burst = given
            }
            self.init(rate: rate, burst: burst)
        }

        /// `5000/s, burst 10000`.
        public var description: String {
            let rate = rate == rate.rounded() && rate < 1e15 ? String(Int(rate)) : String(rate)
            return "\(rate)/s, burst \(burst)"
        }
    }

    /// Whether the tracking and REST limits apply (`PANORAMA_RATE_LIMITS=on|off`).
    public var enabled: Bool
    /// Per write key (`Authorization` header), or per client address without one, on `/v1/*`.
    public var tracking: Limit
    /// Per admin key (`Authorization` header), or per client address without one, on `/api/v1/*`.
    public var rest: Limit
    /// Per user name and client address, for sign-in attempts: 5 a minute, 5 at once.
    public var login: Limit

    public init(
        enabled: Bool = true, tracking: Limit = Limit(rate: 5_000, burst: 10_000),
        rest: Limit = Limit(rate: 200, burst: 400), login: Limit = Limit(rate: 5.0 / 60, burst: 5)
    ) {
        self.enabled = enabled
        self.tracking = tracking
        self.rest = rest
        self.login = login
    }
}

/// The node's rate limiters, built once from `RateLimitSettings` and shared by every request.
///
/// Limits are per node: nodes behind a load balancer each count their own requests.
public struct RateLimiters: Sendable {
    /// The tracking API's limiter; nil when request limits are off.
    public let tracking: RateLimiter?
    /// The REST API's limiter; nil when request limits are off.
    public let rest: RateLimiter?
    /// Sign-in attempts per user name and client address (see `allowLogin`); always on.
    public let login: RateLimiter
    /// The origin of `now()`, so that limiter time is monotonic and immune to wall-clock changes.
    private let epoch: ContinuousClock.Instant

    /// Builds the limiters `settings` asks for.
    public init(_ settings: RateLimitSettings) {
        func limiter(_ limit: RateLimitSettings.Limit) -> RateLimiter {
            RateLimiter(rate: limit.rate, burst: limit.burst)
        }
        tracking = settings.enabled ? limiter(settings.tracking) : nil
        rest = settings.enabled ? limiter(settings.rest) : nil
        login = limiter(settings.login)
        epoch = .now
    }

    /// Seconds since these limiters were built, on the monotonic clock the limiters are fed with.
    public func now() -> Double {
        let elapsed = ContinuousClock.now - epoch
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Spends one sign-in attempt of `username` from `clientAddress`; `.limited` says how long the
    /// caller must wait. Call it before checking the password, so that guesses are limited too.
    public func allowLogin(username: String, clientAddress: String) -> RateDecision {
        login.acquire(Self.loginKey(username: username, clientAddress: clientAddress), now: now())
    }

    /// The bucket of one user name at one address: case-folded, so `Admin` and `admin` share it.
    public static func loginKey(username: String, clientAddress: String) -> String {
        "\(username.lowercased())\u{0}\(clientAddress)"
    }
}
