import Hummingbird

/// Adds the browser hardening headers to every response, errors included: no MIME sniffing, no
/// framing, no referrer, a same-origin content policy, no camera/microphone/location, and, when the
/// server speaks TLS, HSTS. A header a handler set itself (a page with its own policy) is kept.
///
/// The API answers JSON, which a browser does not render; the headers matter for the HTML pages and
/// cost nothing on the rest, and one rule for every response leaves no route forgotten.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The content policy: own-origin scripts, styles (inline too), images (and `data:` ones),
    /// forms and base URLs; never framed.
    static var contentSecurityPolicy: String {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    }

    /// The headers to add, built once.
    let fields: HTTPFields

    /// The headers for a plain-HTTP server, plus `Strict-Transport-Security` (one year) for a TLS one;
    /// HSTS on plain HTTP would be ignored by browsers and could lock out a later HTTP-only setup.
    init(strictTransportSecurity: Bool) {
        var fields: HTTPFields = [
            .xContentTypeOptions: "nosniff",
            .init("X-Frame-Options")!: "DENY",
            .init("Referrer-Policy")!: "no-referrer",
            .contentSecurityPolicy: Self.contentSecurityPolicy,
            .init("Permissions-Policy")!: "camera=(), microphone=(), geolocation=()",
        ]
        if strictTransportSecurity { fields[.strictTransportSecurity] = "max-age=31536000" }
        self.fields = fields
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        for field in fields where !response.headers.contains(field.name) {
            response.headers.append(field)
        }
        return response
    }
}
