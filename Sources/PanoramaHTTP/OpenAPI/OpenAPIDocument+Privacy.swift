extension OpenAPIDocument {
    /// Data subject rights: consents, the privacy export and erasure, and the consent purpose of
    /// segment exports and definitions, merged into the document.
    static let privacyPart = #"""
        {
          "tags": [
            {
              "name": "privacy",
              "description": "Data subject rights (PIPL / GDPR): consent per purpose, export of everything held about a customer, erasure (admin key)."
            }
          ],
          "paths": {
            "/api/v1/customers/{id}/consents": {
              "get": {
                "operationId": "getCustomerConsents",
                "tags": [
                  "privacy"
                ],
                "summary": "Consents: current state per purpose and history",
                "description": "The current state of each purpose ever recorded (the latest change over every raw profile merged into the customer: consent follows merges) and every change, oldest first. A purpose never recorded is not granted. Needs customers.read.",
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
                    "description": "A customer id (a merged-away id names the profile it was merged into). Anything else is refused with 400 invalid_id.",
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
                    "description": "The customer's consents.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CustomerConsents"
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
                "operationId": "setCustomerConsent",
                "tags": [
                  "privacy"
                ],
                "summary": "Record a consent change",
                "description": "Appends a change to the customer's consent history (it becomes the current state unless a later change is recorded). Segments with this consent_purpose follow at once. Needs customers.write. Tracking records changes too: an identify with traits.consents {\"marketing_sms\": true, …}, or a track event Consent Granted / Consent Revoked with properties purpose (and optional channel, source).",
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
                    "description": "A customer id (a merged-away id names the profile it was merged into). Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ConsentChange"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The customer's consents after the change.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CustomerConsents"
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
            "/api/v1/customers/{id}/privacy-export": {
              "get": {
                "operationId": "exportCustomerData",
                "tags": [
                  "privacy"
                ],
                "summary": "Everything held about a customer (access request)",
                "description": "One JSON document: the profile (identifiers, traits, raw profiles merged in), every event with every column, orders with their lines and refunds, loyalty (accounts, point lots, ledgers, tier changes), tags and segments with the membership history, computed traits, consents with history, duplicate candidates, merges and identity conflicts naming the customer, and the audit entries whose target it is. Raw rows show times as epoch milliseconds (UTC). Needs privacy.manage, customers.read and pii.view; recorded in the audit log (privacy.export) before it is read. Also: panorama privacy export --customer ID.",
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
                    "description": "A customer id (a merged-away id names the profile it was merged into). Anything else is refused with 400 invalid_id.",
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
                    "description": "The customer's data.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PrivacyExport"
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
            "/api/v1/customers/{id}/erasure": {
              "post": {
                "operationId": "eraseCustomer",
                "tags": [
                  "privacy"
                ],
                "summary": "Erase a customer (erasure request)",
                "description": "Deletes the profile and every raw profile merged into it: identifiers, traits, events, consents, memberships (an exit is announced in each change feed), loyalty records, duplicate candidates, merges and conflicts. Orders stay for revenue reporting, detached (customer_id 0) and without their free-form properties. Afterwards no identifier finds the customer (404), searches and exports leave it out. With suppress, salted hashes of its identifiers are kept and tracking messages naming any of them are dropped (rejected with erased_subject); without, the same person arriving again is a new profile. Needs privacy.manage; recorded in the audit log (privacy.erase) with the rows removed per table. Also: panorama privacy erase --customer ID [--suppress].",
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
                    "description": "A customer id (a merged-away id names the profile it was merged into). Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 1
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ErasureRequest"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What was erased.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ErasureResult"
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
            "/api/v1/tags/{name}/export": {
              "get": {
                "parameters": [
                  {
                    "name": "purpose",
                    "in": "query",
                    "required": false,
                    "description": "Only members holding a current grant of this consent purpose (for marketing exports).",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "marketing_sms",
                        "marketing_email",
                        "marketing_wechat",
                        "marketing_push",
                        "profiling"
                      ]
                    }
                  }
                ]
              }
            },
            "/api/v1/segments/{name}/export": {
              "get": {
                "parameters": [
                  {
                    "name": "purpose",
                    "in": "query",
                    "required": false,
                    "description": "Only members holding a current grant of this consent purpose (for marketing exports). A segment with a consent_purpose always applies its own as well.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "marketing_sms",
                        "marketing_email",
                        "marketing_wechat",
                        "marketing_push",
                        "profiling"
                      ]
                    }
                  }
                ]
              }
            }
          },
          "components": {
            "schemas": {
              "ConsentPurpose": {
                "type": "string",
                "enum": [
                  "marketing_sms",
                  "marketing_email",
                  "marketing_wechat",
                  "marketing_push",
                  "profiling"
                ],
                "description": "What a customer consents to: marketing on one channel, or profiling."
              },
              "ConsentChange": {
                "type": "object",
                "required": [
                  "purpose",
                  "granted"
                ],
                "properties": {
                  "purpose": {
                    "$ref": "#/components/schemas/ConsentPurpose"
                  },
                  "granted": {
                    "type": "boolean"
                  },
                  "source": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "Where it was given or withdrawn (default api).",
                    "example": "store_pos"
                  },
                  "at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the customer gave or withdrew it (default now)."
                  }
                }
              },
              "CustomerConsents": {
                "type": "object",
                "required": [
                  "customer_id",
                  "current",
                  "history"
                ],
                "properties": {
                  "customer_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "current": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "purpose",
                        "granted",
                        "source",
                        "at"
                      ],
                      "properties": {
                        "purpose": {
                          "$ref": "#/components/schemas/ConsentPurpose"
                        },
                        "granted": {
                          "type": "boolean"
                        },
                        "source": {
                          "type": "string"
                        },
                        "at": {
                          "$ref": "#/components/schemas/EventTime"
                        }
                      }
                    }
                  },
                  "history": {
                    "type": "array",
                    "description": "Every change, oldest first.",
                    "items": {
                      "type": "object",
                      "required": [
                        "purpose",
                        "granted",
                        "source",
                        "at",
                        "recorded_at",
                        "customer_id",
                        "message_id"
                      ],
                      "properties": {
                        "purpose": {
                          "type": "string"
                        },
                        "granted": {
                          "type": "boolean"
                        },
                        "source": {
                          "type": "string"
                        },
                        "at": {
                          "$ref": "#/components/schemas/EventTime"
                        },
                        "recorded_at": {
                          "$ref": "#/components/schemas/Instant"
                        },
                        "customer_id": {
                          "type": "integer",
                          "format": "int64",
                          "description": "The raw profile the change was recorded on."
                        },
                        "message_id": {
                          "type": "string",
                          "nullable": true,
                          "description": "The tracking message that carried it."
                        }
                      }
                    }
                  }
                }
              },
              "ErasureRequest": {
                "type": "object",
                "properties": {
                  "suppress": {
                    "type": "boolean",
                    "default": false,
                    "description": "Refuse the customer's identifiers from now on."
                  },
                  "reason": {
                    "type": "string",
                    "maxLength": 500,
                    "nullable": true,
                    "description": "Why (a ticket number); recorded in the audit log, so no personal data."
                  }
                }
              },
              "ErasureResult": {
                "type": "object",
                "required": [
                  "customer_id",
                  "erased_ids",
                  "suppressed",
                  "tombstones",
                  "rows"
                ],
                "properties": {
                  "customer_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "erased_ids": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "description": "Every raw profile erased."
                  },
                  "suppressed": {
                    "type": "boolean"
                  },
                  "tombstones": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Identifiers suppressed (salted hashes kept)."
                  },
                  "rows": {
                    "type": "object",
                    "description": "Rows deleted or changed per table (orders_detached: orders kept without the person).",
                    "additionalProperties": {
                      "type": "integer",
                      "minimum": 0
                    }
                  }
                }
              },
              "PrivacyExport": {
                "type": "object",
                "required": [
                  "customer_id",
                  "generated_at",
                  "profile",
                  "events",
                  "orders",
                  "loyalty",
                  "memberships",
                  "computed_traits",
                  "consents",
                  "duplicate_candidates",
                  "merges",
                  "identity_conflicts",
                  "audit"
                ],
                "properties": {
                  "customer_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "generated_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "profile": {
                    "type": "object",
                    "required": [
                      "id",
                      "merged_ids",
                      "created_at",
                      "identifiers",
                      "traits",
                      "raw_profiles",
                      "identifier_rows",
                      "trait_rows"
                    ],
                    "properties": {
                      "id": {
                        "type": "integer",
                        "format": "int64"
                      },
                      "merged_ids": {
                        "type": "array",
                        "items": {
                          "type": "integer",
                          "format": "int64"
                        }
                      },
                      "created_at": {
                        "$ref": "#/components/schemas/Instant"
                      },
                      "identifiers": {
                        "type": "array",
                        "items": {
                          "type": "object",
                          "required": [
                            "type",
                            "value"
                          ],
                          "properties": {
                            "type": {
                              "type": "string"
                            },
                            "value": {
                              "type": "string"
                            }
                          }
                        }
                      },
                      "traits": {
                        "type": "object",
                        "description": "The latest value of each trait."
                      },
                      "raw_profiles": {
                        "type": "array",
                        "description": "Rows of customers: id, canonical_id, created_at.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "identifier_rows": {
                        "type": "array",
                        "description": "Rows of identifiers.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "trait_rows": {
                        "type": "array",
                        "description": "Rows of customer_traits, per raw profile.",
                        "items": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "events": {
                    "type": "array",
                    "description": "Every event, every column, oldest first.",
                    "items": {
                      "type": "object"
                    }
                  },
                  "orders": {
                    "type": "array",
                    "description": "Every order with its items and refunds.",
                    "items": {
                      "type": "object"
                    }
                  },
                  "loyalty": {
                    "type": "object",
                    "required": [
                      "points",
                      "stored_value",
                      "tier",
                      "accounts",
                      "point_lots",
                      "ledger",
                      "orders",
                      "refunds",
                      "requests",
                      "tier_changes"
                    ],
                    "properties": {
                      "points": {
                        "type": "integer"
                      },
                      "stored_value": {
                        "type": "integer",
                        "description": "Minor units."
                      },
                      "tier": {
                        "type": "string",
                        "nullable": true
                      },
                      "accounts": {
                        "type": "array",
                        "description": "Loyalty accounts.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "point_lots": {
                        "type": "array",
                        "description": "Point lots.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "ledger": {
                        "type": "array",
                        "description": "Points and stored-value ledger entries.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "orders": {
                        "type": "array",
                        "description": "Orders points were earned on.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "refunds": {
                        "type": "array",
                        "description": "Refunds that took points back.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "requests": {
                        "type": "array",
                        "description": "Idempotency keys of loyalty operations.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "tier_changes": {
                        "type": "array",
                        "description": "Tier changes.",
                        "items": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "memberships": {
                    "type": "object",
                    "required": [
                      "tags",
                      "segments",
                      "rows",
                      "changes"
                    ],
                    "properties": {
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
                      "rows": {
                        "type": "array",
                        "description": "Stored memberships.",
                        "items": {
                          "type": "object"
                        }
                      },
                      "changes": {
                        "type": "array",
                        "description": "Entries and exits (the change feed).",
                        "items": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "computed_traits": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "consents": {
                    "$ref": "#/components/schemas/CustomerConsents"
                  },
                  "duplicate_candidates": {
                    "type": "array",
                    "description": "Duplicate candidates naming the customer.",
                    "items": {
                      "type": "object"
                    }
                  },
                  "merges": {
                    "type": "array",
                    "description": "Merges from or into its raw profiles.",
                    "items": {
                      "type": "object"
                    }
                  },
                  "identity_conflicts": {
                    "type": "array",
                    "description": "Identifier conflicts of or against it.",
                    "items": {
                      "type": "object"
                    }
                  },
                  "audit": {
                    "type": "array",
                    "description": "Audit entries whose target is the customer: sequence, at (epoch ms), actor, actor_kind, action, target, source_ip, detail.",
                    "items": {
                      "type": "object"
                    }
                  }
                }
              },
              "AudienceInput": {
                "properties": {
                  "consent_purpose": {
                    "type": "string",
                    "enum": [
                      "marketing_sms",
                      "marketing_email",
                      "marketing_wechat",
                      "marketing_push",
                      "profiling",
                      null
                    ],
                    "nullable": true,
                    "description": "Segments only: members must hold a current grant of this consent purpose; others are left out of the count, preview, members, export and change feed."
                  }
                }
              },
              "Audience": {
                "properties": {
                  "consent_purpose": {
                    "type": "string",
                    "enum": [
                      "marketing_sms",
                      "marketing_email",
                      "marketing_wechat",
                      "marketing_push",
                      "profiling",
                      null
                    ],
                    "nullable": true,
                    "description": "Segments: the consent purpose members must hold (null: none). Absent for tags."
                  }
                }
              },
              "TrackingResult": {
                "properties": {
                  "rejected": {
                    "description": "Messages of a batch refused and not stored; absent when none. A message naming a customer erased with suppression is rejected with erased_subject (on the single-message endpoints too, with stored 0 and status 200)."
                  }
                }
              }
            }
          }
        }
        """#
}
