extension OpenAPIDocument {
    /// The duplicates API: its paths and schemas, merged into the document.
    static let duplicatesPart = #"""
        {}
        """#
}
