extension OpenAPIDocument {
    /// The imports API (ImportsController): its paths and schemas, merged into the document.
    static let importsPart = #"""
        {
          "tags": [
            {
              "name": "imports",
              "description": "Bulk import of customers, orders and events from CSV, JSON, NDJSON or XML (admin key)."
            }
          ],
          "paths": {
            "/api/v1/imports": {
              "post": {
                "operationId": "uploadImport",
                "tags": [
                  "imports"
                ],
                "summary": "Upload a file to import",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The request body is the file (CSV in UTF-8 or GB18030, JSON, NDJSON or XML). The answer carries a preview with the detected format and the inferred mapping; start the import with POST /api/v1/imports/{id}/start, or at once with start=true.",
                "parameters": [
                  {
                    "name": "kind",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "customers",
                        "orders",
                        "events"
                      ]
                    }
                  },
                  {
                    "name": "name",
                    "in": "query",
                    "required": false,
                    "description": "The file's name, for reports.",
                    "schema": {
                      "type": "string",
                      "maxLength": 200
                    }
                  },
                  {
                    "name": "start",
                    "in": "query",
                    "required": false,
                    "description": "Start at once with the inferred mapping.",
                    "schema": {
                      "type": "boolean",
                      "default": false
                    }
                  },
                  {
                    "name": "dry_run",
                    "in": "query",
                    "required": false,
                    "description": "With start=true: read, clean and count, write nothing.",
                    "schema": {
                      "type": "boolean",
                      "default": false
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "text/csv": {
                      "schema": {
                        "type": "string"
                      }
                    },
                    "application/json": {
                      "schema": {}
                    },
                    "application/x-ndjson": {
                      "schema": {
                        "type": "string"
                      }
                    },
                    "application/xml": {
                      "schema": {
                        "type": "string"
                      }
                    },
                    "application/octet-stream": {
                      "schema": {
                        "type": "string",
                        "format": "binary"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Uploaded; not started.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ImportUploaded"
                        }
                      }
                    }
                  },
                  "202": {
                    "description": "Uploaded and started.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ImportUploaded"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "get": {
                "operationId": "listImports",
                "tags": [
                  "imports"
                ],
                "summary": "The workspace's imports, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "How many, 1-100 (default 20).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100,
                      "default": 20
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Imports.",
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
                                "$ref": "#/components/schemas/Import"
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
              }
            },
            "/api/v1/imports/{id}": {
              "get": {
                "operationId": "getImport",
                "tags": [
                  "imports"
                ],
                "summary": "An import: status, progress and, once completed, its report",
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
                    "description": "An import id. Anything else is refused with 400 invalid_id.",
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
                    "description": "The import.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Import"
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
            "/api/v1/imports/{id}/preview": {
              "post": {
                "operationId": "previewImport",
                "tags": [
                  "imports"
                ],
                "summary": "The first rows as they would be imported with a mapping",
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
                    "description": "An import id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "mapping": {
                            "type": "object",
                            "nullable": true,
                            "description": "A mapping in the mapping file's format (see docs/IMPORT.md); omitted or null: inferred from the header."
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The preview.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ImportPreview"
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
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  }
                }
              }
            },
            "/api/v1/imports/{id}/start": {
              "post": {
                "operationId": "startImport",
                "tags": [
                  "imports"
                ],
                "summary": "Start an uploaded import",
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
                    "description": "An import id. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "properties": {
                          "mapping": {
                            "type": "object",
                            "nullable": true,
                            "description": "A mapping in the mapping file's format (see docs/IMPORT.md); omitted or null: inferred from the header."
                          },
                          "dry_run": {
                            "type": "boolean",
                            "default": false
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Started; follow it with GET /api/v1/imports/{id}.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Import"
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
                  }
                }
              }
            },
            "/api/v1/imports/{id}/rejected": {
              "get": {
                "operationId": "getImportRejectedRows",
                "tags": [
                  "imports"
                ],
                "summary": "The rows an import rejected, with line number and reason (CSV)",
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
                    "description": "An import id. Anything else is refused with 400 invalid_id.",
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
                    "description": "The rejected rows.",
                    "content": {
                      "text/csv": {
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
                }
              }
            }
          },
          "components": {
            "schemas": {
              "Import": {
                "type": "object",
                "required": [
                  "id",
                  "kind",
                  "source",
                  "status",
                  "dry_run",
                  "node_id",
                  "progress",
                  "report",
                  "error",
                  "created_at",
                  "finished_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "kind": {
                    "type": "string",
                    "enum": [
                      "customers",
                      "orders",
                      "events"
                    ]
                  },
                  "source": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "uploaded",
                      "running",
                      "completed",
                      "failed"
                    ]
                  },
                  "dry_run": {
                    "type": "boolean"
                  },
                  "node_id": {
                    "type": "string",
                    "description": "The node holding the file."
                  },
                  "progress": {
                    "type": "object",
                    "nullable": true,
                    "properties": {
                      "rows_read": {
                        "type": "integer"
                      },
                      "bytes_read": {
                        "type": "integer"
                      },
                      "total_bytes": {
                        "type": "integer",
                        "nullable": true
                      },
                      "rows_per_second": {
                        "type": "integer"
                      },
                      "seconds": {
                        "type": "number"
                      }
                    }
                  },
                  "report": {
                    "type": "object",
                    "nullable": true,
                    "description": "Accepted, fixed and rejected rows, fixes and rejections by kind."
                  },
                  "error": {
                    "type": "string",
                    "nullable": true
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "finished_at": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true
                  }
                }
              },
              "ImportPreview": {
                "type": "object",
                "required": [
                  "detected",
                  "columns",
                  "mapping",
                  "unmapped_columns",
                  "rows"
                ],
                "properties": {
                  "detected": {
                    "type": "object"
                  },
                  "columns": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "mapping": {
                    "type": "object"
                  },
                  "unmapped_columns": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "rows": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "line",
                        "fields",
                        "rejection"
                      ],
                      "properties": {
                        "line": {
                          "type": "integer"
                        },
                        "fields": {
                          "type": "object",
                          "additionalProperties": {
                            "type": "string"
                          }
                        },
                        "rejection": {
                          "type": "object",
                          "nullable": true
                        }
                      }
                    }
                  }
                }
              },
              "ImportUploaded": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/Import"
                  },
                  {
                    "type": "object",
                    "required": [
                      "preview"
                    ],
                    "properties": {
                      "preview": {
                        "type": "object",
                        "nullable": true,
                        "description": "Null when the file cannot be read as the kind (the start will say why)."
                      }
                    }
                  }
                ]
              }
            }
          }
        }
        """#
}
