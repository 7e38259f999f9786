extension OpenAPIDocument {
    /// The loyalty API: its paths and schemas, merged into the document.
    static let loyaltyPart = #"""
        {}
        """#
}
