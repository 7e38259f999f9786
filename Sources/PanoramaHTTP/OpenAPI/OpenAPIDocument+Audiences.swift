extension OpenAPIDocument {
    /// The traits, tags and segments API: its paths and schemas, merged into the document.
    static let audiencesPart = #"""
        {
          "tags": [
            {
              "name": "audiences",
              "description": "Computed traits, tags (标签) and segments (人群): definitions, counts, previews, members, export, change feed, size history; rule checking (admin key)."
            }
          ],
          "paths": {
            "/api/v1/traits": {
              "get": {
                "operationId": "listTraits",
                "tags": [
                  "audiences"
                ],
                "summary": "List computed traits",
                "description": "Every computed trait of the workspace, by name.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The traits.",
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
                                "$ref": "#/components/schemas/Trait"
                              }
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
              },
              "post": {
                "operationId": "createTrait",
                "tags": [
                  "audiences"
                ],
                "summary": "Create a computed trait",
                "description": "A named aggregation over a customer's orders or events, with an optional window (days, inclusive: an order exactly N local days ago counts) and filter. Computed for everyone at once and kept current as data arrives. 409 trait_exists for a name in use, name_taken for an attribute's or built-in's name.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The trait.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Trait"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TraitInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/traits/{name}": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "getTrait",
                "tags": [
                  "audiences"
                ],
                "summary": "Get a computed trait",
                "description": "One computed trait.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The trait.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Trait"
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
              },
              "put": {
                "operationId": "replaceTrait",
                "tags": [
                  "audiences"
                ],
                "summary": "Replace a computed trait",
                "description": "Replaces the definition (the path's name wins); refused with 400 invalid_rule when a rule reading it would no longer check.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The trait.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Trait"
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
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/TraitInput"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "deleteTrait",
                "tags": [
                  "audiences"
                ],
                "summary": "Delete a computed trait",
                "description": "Refused with 409 trait_in_use while a rule reads it.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted."
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
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
            "/api/v1/tags": {
              "get": {
                "operationId": "listTags",
                "tags": [
                  "audiences"
                ],
                "summary": "List tags (标签)",
                "description": "Every tag with its current size.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The tags.",
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
                                "$ref": "#/components/schemas/Audience"
                              }
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
              },
              "post": {
                "operationId": "createTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Create a tag (标签)",
                "description": "A tag is manual (members assigned), rule or computed; a segment is dynamic (kept current) or static (a snapshot). The rule is type-checked against the workspace's attributes, traits, tags and segments; a mistake is answered with 400 invalid_rule whose message gives line:column. The new definition is evaluated for everyone before the answer.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The tag, evaluated.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AudienceInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tags/{name}": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "getTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Get a tag",
                "description": "The tag with its size.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The definition and size.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
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
              },
              "put": {
                "operationId": "replaceTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Replace a tag",
                "description": "Replaces the definition (the path's name wins) and re-evaluates it and what depends on it.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The definition and size.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
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
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AudienceInput"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "deleteTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Delete a tag",
                "description": "Deletes the definition, its members and size history (the change feed stays). 409 when another rule refers to it.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted."
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
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
            "/api/v1/tags/{name}/count": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "countTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Count members",
                "description": "The number of members now (from the in-memory engine).",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The count.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "count"
                          ],
                          "properties": {
                            "count": {
                              "type": "integer",
                              "minimum": 0
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
            "/api/v1/tags/{name}/preview": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "previewTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Preview members",
                "description": "The size and the first members with their identifiers.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Size and sample.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemberSample"
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
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/tags/{name}/members": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listTagMembers",
                "tags": [
                  "audiences"
                ],
                "summary": "List members",
                "description": "Member customer ids in ascending order, a page at a time.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of ids.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/IdPage"
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
                },
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "description": "Continue after this id (the previous page's next_after).",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/tags/{name}/export": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "exportTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Export members",
                "description": "Every member with its identifiers: CSV (customer_id and one column per identifier type, several values joined by ';') or NDJSON, streamed. Also: panorama export tag NAME.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The members.",
                    "content": {
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      },
                      "application/x-ndjson": {
                        "schema": {
                          "type": "string"
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
                },
                "parameters": [
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "description": "csv (default) or ndjson.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "csv",
                        "ndjson"
                      ],
                      "default": "csv"
                    }
                  }
                ]
              }
            },
            "/api/v1/tags/{name}/changes": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listTagChanges",
                "tags": [
                  "audiences"
                ],
                "summary": "Change feed",
                "description": "Entries and exits in the order they happened; poll with after = the previous next_after.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of changes.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ChangePage"
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
                },
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "description": "Continue after this id (the previous page's next_after).",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/tags/{name}/sizes": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listTagSizes",
                "tags": [
                  "audiences"
                ],
                "summary": "Size over time",
                "description": "The size per hour (the last value of each hour).",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Sizes.",
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
                                "type": "object",
                                "required": [
                                  "at",
                                  "size"
                                ],
                                "properties": {
                                  "at": {
                                    "$ref": "#/components/schemas/Instant"
                                  },
                                  "size": {
                                    "type": "integer",
                                    "minimum": 0
                                  }
                                }
                              }
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
                },
                "parameters": [
                  {
                    "name": "since",
                    "in": "query",
                    "required": false,
                    "description": "ISO-8601 date-time; default 30 days ago.",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                ]
              }
            },
            "/api/v1/segments": {
              "get": {
                "operationId": "listSegments",
                "tags": [
                  "audiences"
                ],
                "summary": "List segments (人群)",
                "description": "Every segment with its current size.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The segments.",
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
                                "$ref": "#/components/schemas/Audience"
                              }
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
              },
              "post": {
                "operationId": "createSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Create a segment (人群)",
                "description": "A tag is manual (members assigned), rule or computed; a segment is dynamic (kept current) or static (a snapshot). The rule is type-checked against the workspace's attributes, traits, tags and segments; a mistake is answered with 400 invalid_rule whose message gives line:column. The new definition is evaluated for everyone before the answer.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The segment, evaluated.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AudienceInput"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/segments/{name}": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "getSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Get a segment",
                "description": "The segment with its size.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The definition and size.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
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
              },
              "put": {
                "operationId": "replaceSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Replace a segment",
                "description": "Replaces the definition (the path's name wins) and re-evaluates it and what depends on it.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The definition and size.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
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
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AudienceInput"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "deleteSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Delete a segment",
                "description": "Deletes the definition, its members and size history (the change feed stays). 409 when another rule refers to it.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted."
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
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
            "/api/v1/segments/{name}/count": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "countSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Count members",
                "description": "The number of members now (from the in-memory engine).",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The count.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "count"
                          ],
                          "properties": {
                            "count": {
                              "type": "integer",
                              "minimum": 0
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
            "/api/v1/segments/{name}/preview": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "previewSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Preview members",
                "description": "The size and the first members with their identifiers.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Size and sample.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemberSample"
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
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/segments/{name}/members": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listSegmentMembers",
                "tags": [
                  "audiences"
                ],
                "summary": "List members",
                "description": "Member customer ids in ascending order, a page at a time.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of ids.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/IdPage"
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
                },
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "description": "Continue after this id (the previous page's next_after).",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/segments/{name}/export": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "exportSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Export members",
                "description": "Every member with its identifiers: CSV (customer_id and one column per identifier type, several values joined by ';') or NDJSON, streamed. Also: panorama export segment NAME.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The members.",
                    "content": {
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      },
                      "application/x-ndjson": {
                        "schema": {
                          "type": "string"
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
                },
                "parameters": [
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "description": "csv (default) or ndjson.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "csv",
                        "ndjson"
                      ],
                      "default": "csv"
                    }
                  }
                ]
              }
            },
            "/api/v1/segments/{name}/changes": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listSegmentChanges",
                "tags": [
                  "audiences"
                ],
                "summary": "Change feed",
                "description": "Entries and exits in the order they happened; poll with after = the previous next_after.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of changes.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ChangePage"
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
                },
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "description": "Continue after this id (the previous page's next_after).",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "At most this many (1–1000, default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    }
                  }
                ]
              }
            },
            "/api/v1/segments/{name}/sizes": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "get": {
                "operationId": "listSegmentSizes",
                "tags": [
                  "audiences"
                ],
                "summary": "Size over time",
                "description": "The size per hour (the last value of each hour).",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Sizes.",
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
                                "type": "object",
                                "required": [
                                  "at",
                                  "size"
                                ],
                                "properties": {
                                  "at": {
                                    "$ref": "#/components/schemas/Instant"
                                  },
                                  "size": {
                                    "type": "integer",
                                    "minimum": 0
                                  }
                                }
                              }
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
                },
                "parameters": [
                  {
                    "name": "since",
                    "in": "query",
                    "required": false,
                    "description": "ISO-8601 date-time; default 30 days ago.",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                ]
              }
            },
            "/api/v1/tags/{name}/assign": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                },
                {
                  "name": "header",
                  "in": "query",
                  "required": false,
                  "description": "CSV upload only: whether the first row names the columns (default: sniffed).",
                  "schema": {
                    "type": "boolean"
                  }
                }
              ],
              "post": {
                "operationId": "assignTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Assign a manual tag",
                "description": "Adds customers to a manual tag. Customers are named by id or by identifier as type:value (e.g. email:a@example.com); those not found are listed (the first 1,000, and their count). In bulk, send a CSV file as the body with Content-Type text/csv (UTF-8 or GB18030): a customer_id column, type and value columns, an identifier column of type:value, or a column named after an identifier type (phone, email, …); without a header the first field of each row is an id or type:value. 409 not_manual for a rule tag.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "What changed.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "rows",
                            "changed",
                            "not_found_count",
                            "not_found"
                          ],
                          "properties": {
                            "rows": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "not_found_count": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "changed": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "not_found": {
                              "type": "array",
                              "items": {
                                "type": "string"
                              }
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
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "customers"
                        ],
                        "properties": {
                          "customers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 100000,
                            "items": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    },
                    "text/csv": {
                      "schema": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tags/{name}/unassign": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                },
                {
                  "name": "header",
                  "in": "query",
                  "required": false,
                  "description": "CSV upload only: whether the first row names the columns (default: sniffed).",
                  "schema": {
                    "type": "boolean"
                  }
                }
              ],
              "post": {
                "operationId": "unassignTag",
                "tags": [
                  "audiences"
                ],
                "summary": "Unassign a manual tag",
                "description": "Removes customers from a manual tag. Customers are named by id or by identifier as type:value (e.g. email:a@example.com); those not found are listed (the first 1,000, and their count). In bulk, send a CSV file as the body with Content-Type text/csv (UTF-8 or GB18030): a customer_id column, type and value columns, an identifier column of type:value, or a column named after an identifier type (phone, email, …); without a header the first field of each row is an id or type:value. 409 not_manual for a rule tag.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "What changed.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "rows",
                            "changed",
                            "not_found_count",
                            "not_found"
                          ],
                          "properties": {
                            "rows": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "not_found_count": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "changed": {
                              "type": "integer",
                              "minimum": 0
                            },
                            "not_found": {
                              "type": "array",
                              "items": {
                                "type": "string"
                              }
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
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "415": {
                    "$ref": "#/components/responses/UnsupportedMediaType"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "customers"
                        ],
                        "properties": {
                          "customers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 100000,
                            "items": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    },
                    "text/csv": {
                      "schema": {
                        "type": "string"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/segments/{name}/refresh": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "description": "The name (URL-encoded; Chinese names work).",
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100
                  },
                  "example": "高价值"
                }
              ],
              "post": {
                "operationId": "refreshSegment",
                "tags": [
                  "audiences"
                ],
                "summary": "Re-take a static snapshot",
                "description": "Evaluates a static segment's rule again and stores the new snapshot. 409 not_static for a dynamic segment.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The segment.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Audience"
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
                  }
                }
              }
            },
            "/api/v1/rules/check": {
              "post": {
                "operationId": "checkRule",
                "tags": [
                  "audiences"
                ],
                "summary": "Check a rule",
                "description": "Parses and type-checks a rule against the workspace without saving anything: valid with its canonical text and what it reads, or the first mistake with its position (UTF-8 offset and length, line, column) and a suggestion for a misspelt name. Always 200 for a rule given.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The check.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RuleCheck"
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
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "rule"
                        ],
                        "properties": {
                          "rule": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 20000,
                            "example": "spend_90d >= 300 AND city IN ('上海', '北京') AND NOT tag('vip')"
                          },
                          "limit": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 1000,
                            "default": 10
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/rules/evaluate": {
              "post": {
                "operationId": "evaluateRule",
                "tags": [
                  "audiences"
                ],
                "summary": "Evaluate a rule",
                "description": "Evaluates an unsaved rule: the size and the first members (the segment builder's live count). 400 invalid_rule for a mistake.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Size and sample.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemberSample"
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
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "rule"
                        ],
                        "properties": {
                          "rule": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 20000,
                            "example": "spend_90d >= 300 AND city IN ('上海', '北京') AND NOT tag('vip')"
                          },
                          "limit": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 1000,
                            "default": 10
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "TraitInput": {
                "type": "object",
                "required": [
                  "name",
                  "aggregation"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "example": "spend_90d"
                  },
                  "source": {
                    "type": "string",
                    "enum": [
                      "orders",
                      "events"
                    ],
                    "default": "orders"
                  },
                  "aggregation": {
                    "type": "string",
                    "enum": [
                      "count",
                      "sum",
                      "avg",
                      "min",
                      "max",
                      "distinct_count",
                      "first",
                      "last",
                      "days_since_first",
                      "days_since_last"
                    ]
                  },
                  "field": {
                    "type": "string",
                    "enum": [
                      "amount",
                      "items",
                      "channel",
                      "store",
                      "event",
                      "placed_at",
                      "timestamp"
                    ]
                  },
                  "window_days": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 36500,
                    "description": "Only records whose local day is at least today − N."
                  },
                  "filter": {
                    "type": "object",
                    "properties": {
                      "status": {
                        "type": "string",
                        "enum": [
                          "paid",
                          "refunded",
                          "cancelled",
                          "any"
                        ]
                      },
                      "channel": {
                        "type": "string"
                      },
                      "store": {
                        "type": "string"
                      },
                      "event": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "Trait": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/TraitInput"
                  },
                  {
                    "type": "object",
                    "required": [
                      "type"
                    ],
                    "properties": {
                      "type": {
                        "type": "string",
                        "enum": [
                          "boolean",
                          "integer",
                          "decimal",
                          "string",
                          "date",
                          "timestamp"
                        ],
                        "description": "The value type rules see."
                      }
                    }
                  }
                ]
              },
              "AudienceInput": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "Required on POST; the path's on PUT."
                  },
                  "description": {
                    "type": "string",
                    "nullable": true
                  },
                  "type": {
                    "type": "string",
                    "enum": [
                      "manual",
                      "rule",
                      "computed",
                      "dynamic",
                      "static"
                    ],
                    "description": "Tags: manual, rule, computed (default rule with a rule, else manual). Segments: dynamic (default) or static."
                  },
                  "rule": {
                    "type": "string",
                    "nullable": true,
                    "example": "spend_90d >= 300 AND city = '上海'"
                  },
                  "category": {
                    "type": "string",
                    "enum": [
                      "basic",
                      "behavior",
                      "interest",
                      "value",
                      "prediction"
                    ],
                    "description": "Tags only (default behavior)."
                  },
                  "update_mode": {
                    "type": "string",
                    "enum": [
                      "realtime",
                      "hourly",
                      "daily"
                    ],
                    "default": "realtime"
                  }
                }
              },
              "Audience": {
                "type": "object",
                "required": [
                  "kind",
                  "name",
                  "type",
                  "update_mode",
                  "size",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "kind": {
                    "type": "string",
                    "enum": [
                      "tag",
                      "segment"
                    ]
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string",
                    "nullable": true
                  },
                  "type": {
                    "type": "string",
                    "enum": [
                      "manual",
                      "rule",
                      "computed",
                      "dynamic",
                      "static"
                    ]
                  },
                  "rule": {
                    "type": "string",
                    "nullable": true
                  },
                  "category": {
                    "type": "string",
                    "nullable": true,
                    "enum": [
                      "basic",
                      "behavior",
                      "interest",
                      "value",
                      "prediction",
                      null
                    ]
                  },
                  "update_mode": {
                    "type": "string",
                    "enum": [
                      "realtime",
                      "hourly",
                      "daily"
                    ]
                  },
                  "size": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "problem": {
                    "type": "string",
                    "nullable": true,
                    "description": "Why the rule is not evaluated now (it stopped checking after an attribute changed type)."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "updated_at": {
                    "$ref": "#/components/schemas/Instant"
                  }
                }
              },
              "MemberSample": {
                "type": "object",
                "required": [
                  "size",
                  "members"
                ],
                "properties": {
                  "size": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "members": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "id",
                        "identifiers"
                      ],
                      "properties": {
                        "id": {
                          "type": "integer",
                          "format": "int64"
                        },
                        "identifiers": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/Identifier"
                          }
                        }
                      }
                    }
                  }
                }
              },
              "IdPage": {
                "type": "object",
                "required": [
                  "data",
                  "next_after"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    }
                  },
                  "next_after": {
                    "type": "integer",
                    "nullable": true,
                    "format": "int64"
                  }
                }
              },
              "ChangePage": {
                "type": "object",
                "required": [
                  "data",
                  "next_after"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "id",
                        "customer_id",
                        "change",
                        "at"
                      ],
                      "properties": {
                        "id": {
                          "type": "integer",
                          "format": "int64"
                        },
                        "customer_id": {
                          "type": "integer",
                          "format": "int64"
                        },
                        "change": {
                          "type": "string",
                          "enum": [
                            "enter",
                            "exit"
                          ]
                        },
                        "at": {
                          "$ref": "#/components/schemas/Instant"
                        }
                      }
                    }
                  },
                  "next_after": {
                    "type": "integer",
                    "format": "int64"
                  }
                }
              },
              "RuleCheck": {
                "type": "object",
                "required": [
                  "valid"
                ],
                "properties": {
                  "valid": {
                    "type": "boolean"
                  },
                  "canonical": {
                    "type": "string",
                    "nullable": true
                  },
                  "reads": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "tags": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "segments": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message",
                      "offset",
                      "length",
                      "line",
                      "column"
                    ],
                    "properties": {
                      "code": {
                        "type": "string"
                      },
                      "message": {
                        "type": "string"
                      },
                      "offset": {
                        "type": "integer"
                      },
                      "length": {
                        "type": "integer"
                      },
                      "line": {
                        "type": "integer"
                      },
                      "column": {
                        "type": "integer"
                      },
                      "suggestion": {
                        "type": "string",
                        "nullable": true
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
