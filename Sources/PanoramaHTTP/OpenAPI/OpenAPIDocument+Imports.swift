extension OpenAPIDocument {
    /// The imports API: its paths and schemas, merged into the document.
    static let importsPart = #"""
        {}
        """#
}
