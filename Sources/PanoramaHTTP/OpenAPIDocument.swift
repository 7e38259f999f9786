/// The OpenAPI 3 description of the REST and tracking APIs, served at `/openapi.json`.
enum OpenAPIDocument {
    static let json = #"{"openapi":"3.0.3","info":{"title":"Panorama","version":"0.1.0"},"paths":{}}"#
}
