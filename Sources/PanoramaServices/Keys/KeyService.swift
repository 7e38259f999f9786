import Crypto
import Foundation
import PanoramaCore
import PanoramaStore
import Synchronization

/// A key as shown once at creation: the secret is never retrievable again.
public struct IssuedKey: Sendable, Equatable {
    public var key: APIKey
    public var secret: String
}

/// Creates, lists, revokes and checks API keys. Secrets are stored as SHA-256 hashes.
///
/// Successful look-ups are cached for `cacheTTL` milliseconds so that the tracking hot path
/// does not query the store per request; a revoked key therefore stops working within that time.
public final class KeyService: Sendable {
    private let store: any PanoramaStore
    private let clock: WallClock
    private let cacheTTL: Int64
    private let cache = Mutex<[String: (key: APIKey, expires: Int64)]>([:])

    public init(store: any PanoramaStore, clock: WallClock, cacheTTL: Int64 = 2_000) {
        self.store = store
        self.clock = clock
        self.cacheTTL = cacheTTL
    }

    /// SHA-256 of a secret, hex.
    static func hash(_ secret: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// A new random secret: a kind prefix and 32 base62 characters (~190 bits).
    static func makeSecret(kind: APIKeyKind) -> String {
        AccessService.randomToken(prefix: kind == .write ? "wk_" : "ak_")
    }

    /// Creates a key; pass `secret` to choose it (bootstrap from the environment), else one is generated.
    public func create(workspaceID: Int64, kind: APIKeyKind, name: String, secret: String? = nil) async throws
        -> IssuedKey
    {
        let secret = secret ?? Self.makeSecret(kind: kind)
        guard secret.count >= 8 else {
            throw PanoramaError.badRequest("invalid_key", "a key must have at least 8 characters")
        }
        let hash = Self.hash(secret)
        if try await store.key(hash: hash) != nil {
            throw PanoramaError.conflict("key_exists", "that key is already registered")
        }
        let key = try await store.insertKey(
            workspaceID: workspaceID, kind: kind, name: name, prefix: String(secret.prefix(7)), hash: hash,
            now: clock.now())
        return IssuedKey(key: key, secret: secret)
    }

    /// The live key with this secret and kind, or an `unauthorized` error that says what to send.
    public func authenticate(secret: String, kind: APIKeyKind) async throws -> APIKey {
        let hash = Self.hash(secret)
        let now = clock.now()
        var key = cache.withLock { c -> APIKey? in
            guard let hit = c[hash], hit.expires > now else { return nil }
            return hit.key
        }
        if key == nil {
            key = try await store.key(hash: hash)
            if let key, key.revokedAt == nil {
                cache.withLock { c in
                    if c.count > 10_000 { c.removeAll() }
                    c[hash] = (key, now + cacheTTL)
                }
            }
        }
        guard let key, key.revokedAt == nil else {
            throw PanoramaError(
                .unauthorized, code: "invalid_key",
                message: kind == .write
                    ? "unknown or revoked write key; send it as the HTTP Basic user name"
                    : "unknown or revoked admin key; send it as 'Authorization: Bearer <key>'")
        }
        guard key.kind == kind else {
            throw PanoramaError(
                .forbidden, code: "wrong_key_kind",
                message: kind == .write
                    ? "this is an admin key; the tracking API needs a write key"
                    : "this is a write key; the REST API needs an admin key")
        }
        return key
    }

    /// Keys of a workspace (all workspaces when nil), without secrets.
    public func list(workspaceID: Int64?) async throws -> [APIKey] {
        try await store.keys(workspaceID: workspaceID)
    }

    /// Revokes a key. Cached look-ups of it end within the cache TTL on every node, immediately on this one.
    public func revoke(id: Int64) async throws {
        guard try await store.revokeKey(id: id, now: clock.now()) else {
            throw PanoramaError.notFound("key_not_found", "no live key with id \(id)")
        }
        cache.withLock { $0.removeAll() }
    }
}
