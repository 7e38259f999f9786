import PanoramaCore

extension OpenAPIDocument {
    /// The 429 answer of the rate limits (see docs/SECURITY-TRANSPORT.md).
    static let rateLimitsPart = #"""
        {
          "components": {
            "responses": {
              "TooManyRequests": {
                "description": "Over the rate limit of this write key, admin key or client address (rate_limited). Retry after the seconds of Retry-After.",
                "headers": {
                  "Retry-After": {
                    "description": "Whole seconds to wait before a retry can succeed (at least 1).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        }
        """#

    /// Adds the answers every authenticated operation (under `/v1/` and `/api/v1/`) can give, so
    /// that the document cannot forget one and the parts do not repeat them: 401 (no or a wrong
    /// key), 403 (a key without the permission) and 429 (over the rate limit).
    static func addCommonResponses(to document: inout JSONObject) {
        guard var paths = document["paths"]?.objectValue else { return }
        for (path, item) in paths.members where path.hasPrefix("/v1/") || path.hasPrefix("/api/v1/") {
            guard var operations = item.objectValue else { continue }
            for (method, operation) in operations.members {
                guard var operation = operation.objectValue, var responses = operation["responses"]?.objectValue
                else { continue }
                for (status, name) in [("401", "Unauthorized"), ("403", "Forbidden"), ("429", "TooManyRequests")]
                where responses[status] == nil {
                    responses.set(status, .object(["$ref": .string("#/components/responses/\(name)")]))
                }
                operation.set("responses", .object(responses))
                operations.set(method, .object(operation))
            }
            paths.set(path, .object(operations))
        }
        document.set("paths", .object(paths))
    }
}
