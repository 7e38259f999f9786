extension OpenAPIDocument {
    /// The audit log API: its paths and schemas, merged into the document.
    static let auditPart = #"""
        {
          "tags": [
            {
              "name": "audit",
              "description": "The tamper-evident audit log (审计日志): every admin write, configuration change, export, merge and undo, hash-chained; search and verification (admin key)."
            }
          ],
          "paths": {
            "/api/v1/audit": {
              "get": {
                "operationId": "searchAudit",
                "tags": [
                  "audit"
                ],
                "summary": "Search the audit log",
                "description": "Entries of the caller's workspace, newest first (order=asc: oldest first). Filters combine: action (an action such as export.segment, or an area such as export for every export.* action), actor (key:3 …), since (inclusive) and until (exclusive). Continue with after=<next_after>.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "name": "action",
                    "in": "query",
                    "required": false,
                    "description": "An action, or an area matching every action below it.",
                    "schema": {
                      "type": "string",
                      "maxLength": 200
                    },
                    "example": "export"
                  },
                  {
                    "name": "actor",
                    "in": "query",
                    "required": false,
                    "description": "Exactly this actor, such as key:3.",
                    "schema": {
                      "type": "string",
                      "maxLength": 200
                    }
                  },
                  {
                    "name": "since",
                    "in": "query",
                    "required": false,
                    "description": "Entries at or after this ISO-8601 date-time.",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "until",
                    "in": "query",
                    "required": false,
                    "description": "Entries before this ISO-8601 date-time (not before since).",
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  },
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "description": "Continue after this sequence (the previous page's next_after), in the page's order.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0
                    }
                  },
                  {
                    "name": "order",
                    "in": "query",
                    "required": false,
                    "description": "desc (newest first, the default) or asc.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "desc",
                        "asc"
                      ],
                      "default": "desc"
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
                ],
                "responses": {
                  "200": {
                    "description": "A page of entries.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data",
                            "next_after"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/AuditEntry"
                              }
                            },
                            "next_after": {
                              "type": "integer",
                              "format": "int64",
                              "nullable": true,
                              "description": "The after of the next page; null on the last page."
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
            "/api/v1/audit/verify": {
              "get": {
                "operationId": "verifyAudit",
                "tags": [
                  "audit"
                ],
                "summary": "Verify the audit log's hash chain",
                "description": "Walks the whole log of the installation, from the retention checkpoint to the recorded head: every entry's hash, every link, no gap, nothing missing at the end. 200 either way: intact true with the number of entries and the last hash, or intact false with the first problem (tampered, broken, gap, truncated, checkpoint_mismatch) and where it is.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The outcome.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AuditVerification"
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
              "AuditEntry": {
                "type": "object",
                "description": "One entry of the log. hash is the SHA-256 of every other field (format panorama-audit-v1), previous_hash the hash of the entry before.",
                "required": [
                  "sequence",
                  "at",
                  "at_unix",
                  "workspace",
                  "actor",
                  "actor_kind",
                  "action",
                  "target",
                  "source_ip",
                  "detail",
                  "previous_hash",
                  "hash"
                ],
                "properties": {
                  "sequence": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "at_unix": {
                    "type": "number",
                    "description": "The exact time the chain hashes, in Unix seconds."
                  },
                  "workspace": {
                    "type": "string",
                    "description": "The workspace id, or empty for the installation's own entries."
                  },
                  "actor": {
                    "type": "string",
                    "example": "key:3"
                  },
                  "actor_kind": {
                    "type": "string",
                    "enum": [
                      "user",
                      "api_key",
                      "system"
                    ]
                  },
                  "action": {
                    "type": "string",
                    "example": "export.segment"
                  },
                  "target": {
                    "type": "string",
                    "example": "segment:高价值"
                  },
                  "source_ip": {
                    "type": "string",
                    "nullable": true
                  },
                  "detail": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "previous_hash": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$"
                  },
                  "hash": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$"
                  }
                }
              },
              "AuditVerification": {
                "type": "object",
                "required": [
                  "intact",
                  "entries",
                  "head",
                  "head_sequence",
                  "problem",
                  "sequence",
                  "expected",
                  "found",
                  "message"
                ],
                "properties": {
                  "intact": {
                    "type": "boolean"
                  },
                  "entries": {
                    "type": "integer",
                    "nullable": true,
                    "description": "Entries verified (when intact)."
                  },
                  "head": {
                    "type": "string",
                    "nullable": true,
                    "description": "The last entry's hash (when intact), to record elsewhere."
                  },
                  "head_sequence": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true
                  },
                  "problem": {
                    "type": "string",
                    "nullable": true,
                    "enum": [
                      "tampered",
                      "broken",
                      "gap",
                      "truncated",
                      "checkpoint_mismatch",
                      null
                    ]
                  },
                  "sequence": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true,
                    "description": "The entry at fault (tampered, broken, checkpoint_mismatch), or the one found (gap)."
                  },
                  "expected": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true
                  },
                  "found": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true
                  },
                  "message": {
                    "type": "string"
                  }
                }
              }
            }
          }
        }
        """#
}
