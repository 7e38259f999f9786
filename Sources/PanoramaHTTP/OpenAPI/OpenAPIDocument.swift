import PanoramaCore

/// The OpenAPI 3 description of the REST and tracking APIs, served at `/openapi.json`.
///
/// Keep it in step with the router: a test checks that it lists exactly the routes the router has.
enum OpenAPIDocument {
    /// The document as JSON text: the base below with every capability's part merged in.
    static let json: String = {
        var document = (try? JSONParser.parse(base).objectValue) ?? JSONObject()
        for part in parts {
            guard let fragment = try? JSONParser.parse(part).objectValue else {
                preconditionFailure("an OpenAPI part is not a JSON object")
            }
            merge(fragment, into: &document)
        }
        addCommonResponses(to: &document)
        return JSONValue.object(document).jsonText
    }()

    /// Parts of the document kept beside the capability they describe (each a JSON object with
    /// any of `tags`, `paths` and `components`), merged into the base.
    static let parts: [String] = [
        ordersPart, importsPart, loyaltyPart, duplicatesPart, audiencesPart, accessPart, auditPart, rateLimitsPart,
        privacyPart, insightsPart,
    ]

    /// Merges objects key by key (a part adds paths and schemas) and appends arrays (tags).
    static func merge(_ part: JSONObject, into document: inout JSONObject) {
        for (key, value) in part.members {
            switch (document[key], value) {
            case (.object(var existing)?, .object(let added)):
                merge(added, into: &existing)
                document.set(key, .object(existing))
            case (.array(let existing)?, .array(let added)):
                document.set(key, .array(JSONArray(existing.elements + added.elements)))
            default:
                document.set(key, value)
            }
        }
    }

    /// The document without the capability parts.
    static let base = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Panorama",
            "version": "0.1.0",
            "description": "Panorama, a Customer Data Platform: a Segment-compatible tracking API under /v1 and a REST API of unified customer profiles under /api/v1. Every error is a JSON body {\"error\": {\"code\", \"message\", \"field\"?}}; an unknown route is 404 route_not_found; a caller over its rate limit gets 429 rate_limited with Retry-After."
          },
          "tags": [
            {
              "name": "tracking",
              "description": "Segment-compatible tracking API (write key)."
            },
            {
              "name": "customers",
              "description": "Unified customer profiles (admin key)."
            },
            {
              "name": "admin",
              "description": "Keys, identifier types and merges (admin key)."
            },
            {
              "name": "operations",
              "description": "Health, readiness, metrics and this document."
            }
          ],
          "security": [],
          "paths": {
            "/health": {
              "get": {
                "operationId": "health",
                "tags": [
                  "operations"
                ],
                "summary": "Liveness",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The process is up.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "status"
                          ],
                          "properties": {
                            "status": {
                              "type": "string",
                              "enum": [
                                "ok"
                              ]
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/ready": {
              "get": {
                "operationId": "ready",
                "tags": [
                  "operations"
                ],
                "summary": "Readiness: the store answers",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Ready to serve.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "status"
                          ],
                          "properties": {
                            "status": {
                              "type": "string",
                              "enum": [
                                "ready"
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "tags": [
                  "operations"
                ],
                "summary": "Prometheus metrics",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Metrics in the Prometheus text exposition format 0.0.4.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "tags": [
                  "operations"
                ],
                "summary": "This document",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.0 document of this API.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/v1/identify": {
              "post": {
                "operationId": "identify",
                "tags": [
                  "tracking"
                ],
                "summary": "Identify a user",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One identify message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/IdentifyMessage"
                      },
                      "example": {
                        "messageId": "example-identify-1",
                        "userId": "user-42",
                        "anonymousId": "anon-7",
                        "traits": {
                          "email": "Alice@Example.com",
                          "phone": "138 0013 8000",
                          "name": "Alice",
                          "city": "Shanghai"
                        },
                        "timestamp": "2026-11-25T11:38:18.123Z"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/track": {
              "post": {
                "operationId": "track",
                "tags": [
                  "tracking"
                ],
                "summary": "Record an event",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One track message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TrackMessage"
                      },
                      "example": {
                        "messageId": "example-track-1",
                        "userId": "user-42",
                        "event": "Order Completed",
                        "properties": {
                          "order_id": "o-1001",
                          "total": 99.5,
                          "currency": "CNY"
                        },
                        "originalTimestamp": "2026-11-25T11:38:18.123Z",
                        "sentAt": "2026-11-25T11:38:20.000Z"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/page": {
              "post": {
                "operationId": "page",
                "tags": [
                  "tracking"
                ],
                "summary": "Record a page view",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One page message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/PageMessage"
                      },
                      "example": {
                        "messageId": "example-page-1",
                        "anonymousId": "anon-7",
                        "name": "Pricing",
                        "properties": {
                          "url": "https://example.com/pricing"
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/screen": {
              "post": {
                "operationId": "screen",
                "tags": [
                  "tracking"
                ],
                "summary": "Record a screen view",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One screen message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ScreenMessage"
                      },
                      "example": {
                        "messageId": "example-screen-1",
                        "userId": "user-42",
                        "name": "Cart",
                        "context": {
                          "device": {
                            "id": "6f1c3a52-8d2e-4b8e-9a39-0d4f5e6a7b8c"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/group": {
              "post": {
                "operationId": "group",
                "tags": [
                  "tracking"
                ],
                "summary": "Associate a user with a group",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One group message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/GroupMessage"
                      },
                      "example": {
                        "messageId": "example-group-1",
                        "userId": "user-42",
                        "groupId": "company-9",
                        "traits": {
                          "name": "Example Ltd",
                          "employees": 120
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/alias": {
              "post": {
                "operationId": "alias",
                "tags": [
                  "tracking"
                ],
                "summary": "Join two user ids",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "One alias message of the Segment tracking spec, at most 32 KB of JSON (413 message_too_large). Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding. An invalid message is refused with 400 and not stored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AliasMessage"
                      },
                      "example": {
                        "messageId": "example-alias-1",
                        "userId": "user-42",
                        "previousId": "anon-7"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The message is stored (or was already stored).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/batch": {
              "post": {
                "operationId": "batch",
                "tags": [
                  "tracking"
                ],
                "summary": "Send many messages at once",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "A batch of messages, at most 500 KB of JSON after decompression (413 batch_too_large) and 32 KB per message. Valid messages are stored together and acknowledged; invalid ones are listed in rejected with their index. When no message is valid the request is refused with 400 and nothing is stored. Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Batch"
                      },
                      "example": {
                        "batch": [
                          {
                            "messageId": "example-batch-1",
                            "userId": "user-42",
                            "anonymousId": "anon-7",
                            "traits": {
                              "email": "Alice@Example.com",
                              "phone": "138 0013 8000",
                              "name": "Alice",
                              "city": "Shanghai"
                            },
                            "timestamp": "2026-11-25T11:38:18.123Z",
                            "type": "identify"
                          },
                          {
                            "messageId": "example-batch-2",
                            "userId": "user-42",
                            "event": "Order Completed",
                            "properties": {
                              "order_id": "o-1001",
                              "total": 99.5,
                              "currency": "CNY"
                            },
                            "originalTimestamp": "2026-11-25T11:38:18.123Z",
                            "sentAt": "2026-11-25T11:38:20.000Z",
                            "type": "track"
                          }
                        ],
                        "sentAt": "2026-11-25T11:38:20.000Z"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The valid messages are stored.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/import": {
              "post": {
                "operationId": "import",
                "tags": [
                  "tracking"
                ],
                "summary": "Import historical messages",
                "security": [
                  {
                    "WriteKey": []
                  }
                ],
                "description": "A batch of messages, at most 500 KB of JSON after decompression (413 batch_too_large) and 32 KB per message. Valid messages are stored together and acknowledged; invalid ones are listed in rejected with their index. When no message is valid the request is refused with 400 and nothing is stored. The historical-import twin of /v1/batch; it behaves the same. Authenticate with the write key as the HTTP Basic user name (empty password), or put it in the body as writeKey (the header wins when both are sent). The body may be compressed: send Content-Encoding: gzip (or x-gzip, or deflate for zlib data); a body that does not inflate is refused with 400 invalid_gzip, any other Content-Encoding but identity with 415 unsupported_encoding.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Batch"
                      },
                      "example": {
                        "batch": [
                          {
                            "messageId": "example-batch-1",
                            "userId": "user-42",
                            "anonymousId": "anon-7",
                            "traits": {
                              "email": "Alice@Example.com",
                              "phone": "138 0013 8000",
                              "name": "Alice",
                              "city": "Shanghai"
                            },
                            "timestamp": "2026-11-25T11:38:18.123Z",
                            "type": "identify"
                          },
                          {
                            "messageId": "example-batch-2",
                            "userId": "user-42",
                            "event": "Order Completed",
                            "properties": {
                              "order_id": "o-1001",
                              "total": 99.5,
                              "currency": "CNY"
                            },
                            "originalTimestamp": "2026-11-25T11:38:18.123Z",
                            "sentAt": "2026-11-25T11:38:20.000Z",
                            "type": "track"
                          }
                        ],
                        "sentAt": "2026-11-25T11:38:20.000Z"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The valid messages are stored.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TrackingResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers": {
              "get": {
                "operationId": "listCustomers",
                "tags": [
                  "customers"
                ],
                "summary": "Search live profiles, ascending by id",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Without filters, every live profile. identifier_prefix (or q) matches identifier values by prefix, of any type or of identifier_type; trait matches an exact trait value.",
                "parameters": [
                  {
                    "name": "q",
                    "in": "query",
                    "required": false,
                    "description": "Identifier value prefix of any type (ignored when identifier_prefix is given); must not be empty.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    }
                  },
                  {
                    "name": "identifier_type",
                    "in": "query",
                    "required": false,
                    "description": "Restricts the prefix search to one identifier type; needs identifier_prefix or q.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "identifier_prefix",
                    "in": "query",
                    "required": false,
                    "description": "Identifier value prefix; normalized like the type's values (except phone); must not be empty.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    }
                  },
                  {
                    "name": "trait",
                    "in": "query",
                    "required": false,
                    "description": "name:value, e.g. city:Shanghai. Numbers, true, false and null in value match as JSON literals, anything else as a string.",
                    "schema": {
                      "type": "string",
                      "pattern": "^[^:]+:"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Page size, 1-100 (default 20); anything else is refused with 400 invalid_limit.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100,
                      "default": 20
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "description": "The next_cursor of the previous page; an empty cursor is ignored, a malformed one is refused with 400 invalid_cursor.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of profiles.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data",
                            "next_cursor"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Profile"
                              }
                            },
                            "next_cursor": {
                              "type": "string",
                              "nullable": true,
                              "description": "Pass as cursor for the next page; null on the last page."
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  }
                }
              }
            },
            "/api/v1/customers/{id}": {
              "get": {
                "operationId": "getCustomer",
                "tags": [
                  "customers"
                ],
                "summary": "A profile",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The live profile that id is, or was merged into.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "A customer id; ids of merged raw profiles resolve to the live profile. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The profile.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Profile"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/customers/by-identifier/{type}/{value}": {
              "get": {
                "operationId": "getCustomerByIdentifier",
                "tags": [
                  "customers"
                ],
                "summary": "The profile holding an identifier",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The value is normalized first, so Alice@Example.com finds alice@example.com. An unknown identifier type is 404 unknown_identifier_type. A value of a type that is not unique held by several customers is 409 ambiguous_identifier.",
                "parameters": [
                  {
                    "name": "type",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "user_id"
                  },
                  {
                    "name": "value",
                    "in": "path",
                    "required": true,
                    "description": "Percent-encoded identifier value.",
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "schema-user-1"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The profile.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Profile"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/events": {
              "get": {
                "operationId": "listCustomerEvents",
                "tags": [
                  "customers"
                ],
                "summary": "A profile's timeline, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "A customer id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Page size, 1-100 (default 20); anything else is refused with 400 invalid_limit.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100,
                      "default": 20
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "description": "The next_cursor of the previous page; an empty cursor is ignored, a malformed one is refused with 400 invalid_cursor.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of events.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data",
                            "next_cursor"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Event"
                              }
                            },
                            "next_cursor": {
                              "type": "string",
                              "nullable": true,
                              "description": "Pass as cursor for the next page; null on the last page."
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/merges": {
              "get": {
                "operationId": "listCustomerMerges",
                "tags": [
                  "customers"
                ],
                "summary": "Merge history and identifier conflicts, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "A customer id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Merges and conflicts.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data",
                            "conflicts"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Merge"
                              }
                            },
                            "conflicts": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Conflict"
                              }
                            }
                          }
                        }
                      }
                    },
                    "links": {
                      "UndoLatestMerge": {
                        "operationId": "undoMerge",
                        "parameters": {
                          "id": "$response.body#/data/0/id"
                        },
                        "description": "The newest merge of the profile can be undone."
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/merges/{id}/undo": {
              "post": {
                "operationId": "undoMerge",
                "tags": [
                  "admin"
                ],
                "summary": "Split a merge",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Moves the raw profiles of a merge back apart. 409 merge_already_undone or merge_not_undoable when there is nothing to split.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "A merge id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The merge, with undone_at set.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Merge"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/keys": {
              "get": {
                "operationId": "listKeys",
                "tags": [
                  "admin"
                ],
                "summary": "The workspace's API keys, without secrets",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The keys.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Key"
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              },
              "post": {
                "operationId": "createKey",
                "tags": [
                  "admin"
                ],
                "summary": "Create an API key",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The body is a JSON object of at most 64 KB. The response is the only time the secret is shown.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/KeyCreate"
                      },
                      "example": {
                        "kind": "write",
                        "name": "web shop"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new key with its secret.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CreatedKey"
                        }
                      }
                    },
                    "links": {
                      "RevokeKey": {
                        "operationId": "revokeKey",
                        "parameters": {
                          "id": "$response.body#/id"
                        },
                        "description": "The new key can be revoked by its id."
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  }
                }
              }
            },
            "/api/v1/keys/{id}": {
              "delete": {
                "operationId": "revokeKey",
                "tags": [
                  "admin"
                ],
                "summary": "Revoke an API key",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "A revoked key stops working at once on this node and within seconds on others.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "A key id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Revoked."
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  }
                }
              }
            },
            "/api/v1/cluster": {
              "get": {
                "operationId": "getCluster",
                "tags": [
                  "admin"
                ],
                "summary": "The nodes sharing the store, the leader, and where scheduled work last ran",
                "description": "On SQLite the node is alone and always leads. On PostgreSQL the nodes elect a leader with an advisory lock; scheduled jobs run on the leader only.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The cluster as the store records it.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "node",
                            "leader",
                            "nodes",
                            "jobs"
                          ],
                          "properties": {
                            "node": {
                              "type": "object",
                              "required": [
                                "id",
                                "leader"
                              ],
                              "properties": {
                                "id": {
                                  "type": "string"
                                },
                                "leader": {
                                  "type": "boolean"
                                }
                              }
                            },
                            "leader": {
                              "type": "string",
                              "nullable": true,
                              "description": "The node that last reported leading."
                            },
                            "nodes": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "id",
                                  "address",
                                  "started_at",
                                  "heartbeat_at",
                                  "leader"
                                ],
                                "properties": {
                                  "id": {
                                    "type": "string"
                                  },
                                  "address": {
                                    "type": "string"
                                  },
                                  "started_at": {
                                    "type": "string",
                                    "format": "date-time"
                                  },
                                  "heartbeat_at": {
                                    "type": "string",
                                    "format": "date-time"
                                  },
                                  "leader": {
                                    "type": "boolean"
                                  }
                                }
                              }
                            },
                            "jobs": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "name",
                                  "node_id",
                                  "last_run_at",
                                  "runs"
                                ],
                                "properties": {
                                  "name": {
                                    "type": "string"
                                  },
                                  "node_id": {
                                    "type": "string"
                                  },
                                  "last_run_at": {
                                    "type": "string",
                                    "format": "date-time"
                                  },
                                  "runs": {
                                    "type": "integer"
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/identifier-types": {
              "get": {
                "operationId": "listIdentifierTypes",
                "tags": [
                  "admin"
                ],
                "summary": "Identifier types, highest priority first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The identifier types.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/IdentifierType"
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/identifier-types/{name}": {
              "put": {
                "operationId": "saveIdentifierType",
                "tags": [
                  "admin"
                ],
                "summary": "Add or change an identifier type",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "description": "a-z, 0-9 and _, up to 64 characters (400 invalid_name otherwise).",
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9_]{1,64}$"
                    },
                    "example": "crm_id"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/IdentifierTypeUpdate"
                      },
                      "example": {
                        "priority": 85,
                        "limit": 1
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The saved type.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/IdentifierType"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  }
                }
              }
            },
            "/api/v1/workspace": {
              "get": {
                "operationId": "getWorkspace",
                "tags": [
                  "admin"
                ],
                "summary": "The caller's workspace: id, name and time zone",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The workspace.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Workspace"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/workspace/time-zone": {
              "put": {
                "operationId": "setWorkspaceTimeZone",
                "tags": [
                  "admin"
                ],
                "summary": "Set the time zone days, windows and reports are counted in",
                "description": "An IANA time zone name (abbreviations such as CST are refused: 400 invalid_time_zone). The audiences are re-evaluated with the new day boundaries. The body is a JSON object of at most 64 KB.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "time_zone"
                        ],
                        "properties": {
                          "time_zone": {
                            "type": "string",
                            "maxLength": 64
                          }
                        }
                      },
                      "example": {
                        "time_zone": "Asia/Shanghai"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The workspace with its new time zone.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Workspace"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "WriteKey": {
                "type": "http",
                "scheme": "basic",
                "description": "The write key as the HTTP Basic user name with an empty password (or writeKey in the body)."
              },
              "AdminKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "Authorization: Bearer <admin key>."
              }
            },
            "schemas": {
              "Workspace": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "time_zone"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "name": {
                    "type": "string"
                  },
                  "time_zone": {
                    "type": "string",
                    "description": "IANA time zone name, e.g. Asia/Shanghai."
                  }
                }
              },
              "Error": {
                "type": "object",
                "description": "The error body of every failed request.",
                "required": [
                  "error"
                ],
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "properties": {
                      "code": {
                        "type": "string",
                        "description": "A stable machine-readable code such as invalid_json, missing_key, customer_not_found or route_not_found.",
                        "example": "invalid_json"
                      },
                      "message": {
                        "type": "string",
                        "description": "A human-readable explanation that says what to do next."
                      },
                      "field": {
                        "type": "string",
                        "description": "The offending field or parameter as a JSON path, e.g. batch[3].userId, when there is one."
                      }
                    }
                  }
                }
              },
              "Instant": {
                "type": "string",
                "format": "date-time",
                "description": "An RFC 3339 instant in UTC with milliseconds, e.g. 2026-11-25T11:38:18.123Z."
              },
              "EventTime": {
                "type": "string",
                "pattern": "^[+-]?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$",
                "description": "An event time in UTC with milliseconds, e.g. 2026-11-25T11:38:18.123Z. Event times are corrected for client clock skew (timestamp = receivedAt - (sentAt - originalTimestamp)), so a client with a wildly wrong clock can produce a time outside the years 0000-9999; such times use the ISO 8601 expanded year form (+10000-01-01T00:00:00.000Z, -0001-12-31T00:00:00.000Z).",
                "example": "2026-11-25T11:38:18.123Z"
              },
              "Identifier": {
                "type": "object",
                "required": [
                  "type",
                  "value"
                ],
                "description": "A normalized identifier value of an identifier type.",
                "properties": {
                  "type": {
                    "type": "string",
                    "example": "email"
                  },
                  "value": {
                    "type": "string",
                    "example": "alice@example.com"
                  }
                }
              },
              "Profile": {
                "type": "object",
                "description": "The unified view of one live customer profile, including every raw profile merged into it.",
                "required": [
                  "id",
                  "identifiers",
                  "traits",
                  "trait_updated_at",
                  "created_at",
                  "first_seen",
                  "last_seen",
                  "counts",
                  "merged_ids",
                  "value",
                  "loyalty"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "identifiers": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Identifier"
                    }
                  },
                  "traits": {
                    "type": "object",
                    "additionalProperties": true,
                    "description": "Traits from identify calls, last write (by event time) wins; values are any JSON."
                  },
                  "trait_updated_at": {
                    "type": "object",
                    "additionalProperties": {
                      "$ref": "#/components/schemas/EventTime"
                    },
                    "description": "For each trait, the event time of the value shown."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "first_seen": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/EventTime"
                      }
                    ],
                    "nullable": true,
                    "description": "Event time of the earliest event; null before any."
                  },
                  "last_seen": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/EventTime"
                      }
                    ],
                    "nullable": true,
                    "description": "Event time of the latest event; null before any."
                  },
                  "counts": {
                    "type": "object",
                    "required": [
                      "events",
                      "identifiers"
                    ],
                    "properties": {
                      "events": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0
                      },
                      "identifiers": {
                        "type": "integer",
                        "minimum": 0
                      }
                    }
                  },
                  "merged_ids": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "description": "Ids of raw profiles merged into this one; they still resolve here."
                  },
                  "value": {
                    "$ref": "#/components/schemas/CustomerValue"
                  },
                  "tags": {
                    "type": "array",
                    "description": "Tags (标签) the customer carries now (single profile only).",
                    "items": {
                      "type": "string"
                    }
                  },
                  "segments": {
                    "type": "array",
                    "description": "Segments (人群) the customer is in now (single profile only).",
                    "items": {
                      "type": "string"
                    }
                  },
                  "computed_traits": {
                    "type": "object",
                    "description": "Computed trait values (and RFM scores) as text: decimals with their digits, times in ISO-8601 (single profile only).",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "loyalty": {
                    "type": "object",
                    "nullable": true,
                    "description": "Points, tier and stored-value balance (minor units) of a single profile; null in lists (GET /api/v1/customers/{id}/loyalty has the detail).",
                    "required": [
                      "points",
                      "tier",
                      "stored_value"
                    ],
                    "properties": {
                      "points": {
                        "type": "integer"
                      },
                      "tier": {
                        "type": "object",
                        "nullable": true,
                        "required": [
                          "code",
                          "name"
                        ],
                        "properties": {
                          "code": {
                            "type": "string"
                          },
                          "name": {
                            "type": "string"
                          }
                        }
                      },
                      "stored_value": {
                        "type": "object",
                        "required": [
                          "balance"
                        ],
                        "properties": {
                          "balance": {
                            "type": "integer"
                          }
                        }
                      }
                    }
                  }
                }
              },
              "Event": {
                "type": "object",
                "description": "One stored tracking message in a profile's timeline.",
                "required": [
                  "id",
                  "message_id",
                  "type",
                  "event",
                  "name",
                  "timestamp",
                  "original_timestamp",
                  "sent_at",
                  "received_at",
                  "user_id",
                  "anonymous_id",
                  "group_id",
                  "previous_id",
                  "properties",
                  "traits",
                  "context",
                  "profile_part"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "message_id": {
                    "type": "string",
                    "description": "The client's messageId, or one generated by the server (srv-...)."
                  },
                  "type": {
                    "type": "string",
                    "enum": [
                      "identify",
                      "track",
                      "page",
                      "screen",
                      "group",
                      "alias"
                    ]
                  },
                  "event": {
                    "type": "string",
                    "nullable": true,
                    "description": "The event name of a track call."
                  },
                  "name": {
                    "type": "string",
                    "nullable": true,
                    "description": "The name of a page or screen call."
                  },
                  "timestamp": {
                    "$ref": "#/components/schemas/EventTime"
                  },
                  "original_timestamp": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true,
                    "description": "The client's own timestamp, before skew correction."
                  },
                  "sent_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  },
                  "received_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "user_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "anonymous_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "group_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "previous_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "properties": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "The properties object as sent."
                  },
                  "traits": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "Traits of an identify or group call, as sent."
                  },
                  "context": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "The context object as sent."
                  },
                  "profile_part": {
                    "type": "integer",
                    "format": "int64",
                    "description": "The raw profile the event was attributed to."
                  }
                }
              },
              "Merge": {
                "type": "object",
                "description": "A merge of raw profiles caused by an identifier they share.",
                "required": [
                  "id",
                  "from_id",
                  "into_id",
                  "members",
                  "cause",
                  "source",
                  "message_id",
                  "created_at",
                  "undone_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "from_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "into_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "members": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    }
                  },
                  "cause": {
                    "$ref": "#/components/schemas/Identifier"
                  },
                  "source": {
                    "type": "string",
                    "example": "identity",
                    "description": "What decided the merge: identity (resolution of a message), duplicate (the duplicate-detection job or a reviewer accepting its pair) or manual (POST /api/v1/customers/{id}/merge)."
                  },
                  "message_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "undone_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  }
                }
              },
              "Conflict": {
                "type": "object",
                "description": "An identifier that could not be attached to a profile (held by another, or over its type's limit).",
                "required": [
                  "customer_id",
                  "identifier",
                  "owner_id",
                  "reason",
                  "message_id",
                  "created_at"
                ],
                "properties": {
                  "customer_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "identifier": {
                    "$ref": "#/components/schemas/Identifier"
                  },
                  "owner_id": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true,
                    "description": "The profile holding the identifier, if any."
                  },
                  "reason": {
                    "type": "string",
                    "example": "limit_exceeded:user_id",
                    "description": "Why the identifier was not attached, e.g. limit_exceeded:<type> when the profile already holds as many values of the type as its limit allows."
                  },
                  "message_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  }
                }
              },
              "Key": {
                "type": "object",
                "description": "An API key; the secret is shown only once, in the response that creates it.",
                "required": [
                  "id",
                  "kind",
                  "name",
                  "prefix",
                  "created_at",
                  "revoked_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "kind": {
                    "type": "string",
                    "enum": [
                      "write",
                      "admin"
                    ]
                  },
                  "name": {
                    "type": "string"
                  },
                  "prefix": {
                    "type": "string",
                    "description": "The first characters of the secret, to recognise the key."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "revoked_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  },
                  "secret": {
                    "type": "string",
                    "description": "The full secret; present only when the key is created."
                  },
                  "role": {
                    "type": "string",
                    "description": "Admin keys: the role the key carries (present when the key is created)."
                  }
                }
              },
              "CreatedKey": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/Key"
                  },
                  {
                    "type": "object",
                    "required": [
                      "secret"
                    ]
                  }
                ]
              },
              "KeyCreate": {
                "type": "object",
                "required": [
                  "kind"
                ],
                "properties": {
                  "kind": {
                    "type": "string",
                    "enum": [
                      "write",
                      "admin"
                    ]
                  },
                  "name": {
                    "type": "string",
                    "description": "A label; defaults to \"<kind> key\"."
                  },
                  "role": {
                    "type": "string",
                    "description": "Admin keys only: the role whose permissions the key carries (default admin); see GET /api/v1/roles."
                  }
                }
              },
              "IdentifierType": {
                "type": "object",
                "required": [
                  "name",
                  "priority",
                  "limit",
                  "unique"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "example": "crm_id"
                  },
                  "priority": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 1000,
                    "description": "Higher wins when a message conflicts with existing profiles."
                  },
                  "limit": {
                    "type": "integer",
                    "nullable": true,
                    "minimum": 1,
                    "description": "How many values of this type one profile may hold; null is unbounded."
                  },
                  "unique": {
                    "type": "boolean"
                  }
                }
              },
              "IdentifierTypeUpdate": {
                "type": "object",
                "required": [
                  "priority"
                ],
                "properties": {
                  "priority": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 1000
                  },
                  "limit": {
                    "type": "integer",
                    "nullable": true,
                    "minimum": 1,
                    "maximum": 10000
                  },
                  "unique": {
                    "type": "boolean",
                    "default": true,
                    "description": "Whether a value belongs to one profile. Values of a type that is not unique (a household phone) never link profiles."
                  }
                }
              },
              "MessageCommon": {
                "type": "object",
                "properties": {
                  "messageId": {
                    "anyOf": [
                      {
                        "type": "string"
                      },
                      {
                        "type": "number"
                      }
                    ],
                    "nullable": true,
                    "description": "De-duplication key (any text; a server id srv-... is generated when absent): a resent messageId is acknowledged as a duplicate and not stored twice."
                  },
                  "userId": {
                    "anyOf": [
                      {
                        "type": "string",
                        "pattern": "\\S"
                      },
                      {
                        "type": "number"
                      }
                    ],
                    "nullable": true,
                    "description": "A string (numbers are accepted too, as their text); null or a blank string means absent. As an identifier it is trimmed and must be at most 255 UTF-8 bytes without control characters."
                  },
                  "anonymousId": {
                    "anyOf": [
                      {
                        "type": "string",
                        "pattern": "\\S"
                      },
                      {
                        "type": "number"
                      }
                    ],
                    "nullable": true,
                    "description": "A string (numbers are accepted too, as their text); null or a blank string means absent. As an identifier it is trimmed and must be at most 255 UTF-8 bytes without control characters."
                  },
                  "timestamp": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true,
                    "description": "When the event happened, used when originalTimestamp is absent."
                  },
                  "originalTimestamp": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true,
                    "description": "When the event happened by the client's clock."
                  },
                  "sentAt": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true,
                    "description": "When the client sent the message; with originalTimestamp it corrects clock skew."
                  },
                  "context": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "Context; context.traits, context.device.id and context.externalIds contribute identifiers."
                  },
                  "integrations": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "Accepted and ignored."
                  },
                  "writeKey": {
                    "type": "string",
                    "description": "The write key, when it is not sent as the HTTP Basic user name."
                  }
                },
                "description": "Fields every message may carry. A message needs a userId or an anonymousId (an alias needs userId and previousId)."
              },
              "IdentifyMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "identify",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be identify."
                      },
                      "traits": {
                        "type": "object",
                        "nullable": true,
                        "additionalProperties": true,
                        "description": "Traits of the person (identify) or group (group); identifier-type traits such as email and phone resolve the profile."
                      }
                    },
                    "anyOf": [
                      {
                        "required": [
                          "userId"
                        ],
                        "properties": {
                          "userId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      },
                      {
                        "required": [
                          "anonymousId"
                        ],
                        "properties": {
                          "anonymousId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      }
                    ]
                  }
                ],
                "description": "An identify call: who the user is and their traits."
              },
              "TrackMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "track",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be track."
                      },
                      "event": {
                        "type": "string",
                        "minLength": 1,
                        "description": "The event name."
                      },
                      "properties": {
                        "type": "object",
                        "nullable": true,
                        "additionalProperties": true,
                        "description": "Event properties, stored verbatim."
                      }
                    },
                    "required": [
                      "event"
                    ],
                    "anyOf": [
                      {
                        "required": [
                          "userId"
                        ],
                        "properties": {
                          "userId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      },
                      {
                        "required": [
                          "anonymousId"
                        ],
                        "properties": {
                          "anonymousId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      }
                    ]
                  }
                ],
                "description": "A track call: an action the user performed."
              },
              "PageMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "page",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be page."
                      },
                      "name": {
                        "type": "string",
                        "nullable": true
                      },
                      "properties": {
                        "type": "object",
                        "nullable": true,
                        "additionalProperties": true,
                        "description": "Event properties, stored verbatim."
                      }
                    },
                    "anyOf": [
                      {
                        "required": [
                          "userId"
                        ],
                        "properties": {
                          "userId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      },
                      {
                        "required": [
                          "anonymousId"
                        ],
                        "properties": {
                          "anonymousId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      }
                    ]
                  }
                ],
                "description": "A page view."
              },
              "ScreenMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "screen",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be screen."
                      },
                      "name": {
                        "type": "string",
                        "nullable": true
                      },
                      "properties": {
                        "type": "object",
                        "nullable": true,
                        "additionalProperties": true,
                        "description": "Event properties, stored verbatim."
                      }
                    },
                    "anyOf": [
                      {
                        "required": [
                          "userId"
                        ],
                        "properties": {
                          "userId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      },
                      {
                        "required": [
                          "anonymousId"
                        ],
                        "properties": {
                          "anonymousId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      }
                    ]
                  }
                ],
                "description": "A mobile screen view."
              },
              "GroupMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "group",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be group."
                      },
                      "groupId": {
                        "anyOf": [
                          {
                            "type": "string",
                            "pattern": "\\S"
                          },
                          {
                            "type": "number"
                          }
                        ],
                        "description": "The group (company, household) the user belongs to."
                      },
                      "traits": {
                        "type": "object",
                        "nullable": true,
                        "additionalProperties": true,
                        "description": "Traits of the person (identify) or group (group); identifier-type traits such as email and phone resolve the profile."
                      }
                    },
                    "required": [
                      "groupId"
                    ],
                    "anyOf": [
                      {
                        "required": [
                          "userId"
                        ],
                        "properties": {
                          "userId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      },
                      {
                        "required": [
                          "anonymousId"
                        ],
                        "properties": {
                          "anonymousId": {
                            "anyOf": [
                              {
                                "type": "string",
                                "pattern": "\\S"
                              },
                              {
                                "type": "number"
                              }
                            ],
                            "description": "A non-blank string (numbers are accepted too, as their text)."
                          }
                        }
                      }
                    ]
                  }
                ],
                "description": "A group call: associates the user with a group."
              },
              "AliasMessage": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/MessageCommon"
                  },
                  {
                    "type": "object",
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "alias",
                          null
                        ],
                        "nullable": true,
                        "description": "Optional on this endpoint; when present it must be alias."
                      },
                      "previousId": {
                        "anyOf": [
                          {
                            "type": "string",
                            "pattern": "\\S"
                          },
                          {
                            "type": "number"
                          }
                        ],
                        "description": "The earlier id to join to userId."
                      },
                      "userId": {
                        "anyOf": [
                          {
                            "type": "string",
                            "pattern": "\\S"
                          },
                          {
                            "type": "number"
                          }
                        ],
                        "description": "The id to join previousId to."
                      }
                    },
                    "required": [
                      "userId",
                      "previousId"
                    ]
                  }
                ],
                "description": "An alias call: joins previousId to userId."
              },
              "BatchMessage": {
                "allOf": [
                  {
                    "type": "object",
                    "required": [
                      "type"
                    ],
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "identify",
                          "track",
                          "page",
                          "screen",
                          "group",
                          "alias"
                        ]
                      }
                    }
                  },
                  {
                    "oneOf": [
                      {
                        "$ref": "#/components/schemas/IdentifyMessage"
                      },
                      {
                        "$ref": "#/components/schemas/TrackMessage"
                      },
                      {
                        "$ref": "#/components/schemas/PageMessage"
                      },
                      {
                        "$ref": "#/components/schemas/ScreenMessage"
                      },
                      {
                        "$ref": "#/components/schemas/GroupMessage"
                      },
                      {
                        "$ref": "#/components/schemas/AliasMessage"
                      }
                    ]
                  }
                ],
                "description": "One message of a batch: type is required and decides the other required fields, as on the single-message endpoints. An invalid message is listed in rejected and the others are still stored."
              },
              "Batch": {
                "type": "object",
                "required": [
                  "batch"
                ],
                "properties": {
                  "batch": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "$ref": "#/components/schemas/BatchMessage"
                    }
                  },
                  "sentAt": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the batch was sent; the default sentAt of its messages."
                  },
                  "writeKey": {
                    "type": "string",
                    "description": "The write key, when it is not sent as the HTTP Basic user name."
                  },
                  "context": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "Accepted and ignored."
                  },
                  "integrations": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "Accepted and ignored."
                  }
                }
              },
              "TrackingResult": {
                "type": "object",
                "description": "Every stored message is durable when this is returned.",
                "required": [
                  "success",
                  "stored",
                  "duplicates"
                ],
                "properties": {
                  "success": {
                    "type": "boolean",
                    "enum": [
                      true
                    ]
                  },
                  "stored": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Messages stored by this request."
                  },
                  "duplicates": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Messages acknowledged as already stored (a resent messageId)."
                  },
                  "rejected": {
                    "type": "array",
                    "description": "Messages of a batch refused and not stored; absent when none.",
                    "items": {
                      "type": "object",
                      "required": [
                        "index",
                        "code",
                        "message"
                      ],
                      "properties": {
                        "index": {
                          "type": "integer",
                          "minimum": 0,
                          "description": "Index in the batch."
                        },
                        "code": {
                          "type": "string"
                        },
                        "message": {
                          "type": "string"
                        },
                        "field": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "BadRequest": {
                "description": "The request is invalid (invalid_json, invalid_id, invalid_limit, invalid_cursor, invalid_query, ...).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unauthorized": {
                "description": "No key, or an unknown or revoked key (missing_key, invalid_key).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "headers": {
                  "WWW-Authenticate": {
                    "schema": {
                      "type": "string"
                    },
                    "description": "Basic realm=\"panorama\""
                  }
                }
              },
              "Forbidden": {
                "description": "The key is of the wrong kind for this endpoint (wrong_key_kind).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "NotFound": {
                "description": "No such resource (customer_not_found, key_not_found, ...), or no such route (route_not_found).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Conflict": {
                "description": "The request conflicts with the current state.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "PayloadTooLarge": {
                "description": "The request body is too large (message_too_large, batch_too_large, payload_too_large).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "UnsupportedMediaType": {
                "description": "The Content-Encoding is not supported (unsupported_encoding).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Unavailable": {
                "description": "The store is unavailable or the server is shutting down; nothing was stored, retry.",
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
}
