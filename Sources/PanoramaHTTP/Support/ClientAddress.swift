import Foundation
import Hummingbird
import NIOCore

/// The address of the client behind a request, for rate limits, sign-in throttling and audit records.
///
/// A reverse proxy (nginx, a load balancer) is the connection's peer, and names the real client as
/// the first hop of `X-Forwarded-For`; that hop wins when present. The header is the client's word,
/// so a server reachable without the proxy should not rely on it for anything but throttling.
public enum ClientAddress {
    /// The forwarding header proxies set.
    static let forwardedFor = HTTPFields.Element.Name("X-Forwarded-For")!
    /// Longer than any IPv6 text with a zone: anything longer is not an address.
    static let maxLength = 64

    /// The first `X-Forwarded-For` hop, else the peer's IP address, else `unknown` (router tests
    /// have no connection).
    public static func of(_ request: Request, _ context: some RemoteAddressRequestContext) -> String {
        if let header = request.headers[forwardedFor], let hop = firstHop(header) { return hop }
        return context.remoteAddress.map(text) ?? "unknown"
    }

    /// The first comma-separated entry when it looks like an address (hex digits, dots and
    /// colons; `[v6]:port` unwrapped); nil otherwise, so a junk header cannot fill logs or buckets.
    static func firstHop(_ header: String) -> String? {
        var hop = header.prefix { $0 != "," }.trimmingCharacters(in: .whitespaces)
        if hop.hasPrefix("["), let end = hop.firstIndex(of: "]") {
            hop = String(hop[hop.index(after: hop.startIndex)..<end])  // "[2001:db8::1]:443"
        }
        guard !hop.isEmpty, hop.utf8.count <= maxLength,
            hop.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":" })
        else { return nil }
        return hop
    }

    /// The IP of an internet address (no port), or the socket path of a Unix one.
    static func text(_ address: SocketAddress) -> String {
        address.ipAddress ?? address.pathname ?? "\(address)"
    }
}
