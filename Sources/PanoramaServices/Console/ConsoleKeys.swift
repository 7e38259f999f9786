extension KeyService {
    /// The web console's CSRF token for a session signed in with an admin key: derived from the
    /// key (one-way), so it needs no storage and nobody without the key can compute it.
    public static func consoleCSRF(forKey secret: String) -> String {
        String(hash("console-csrf:" + secret).prefix(40))
    }
}
