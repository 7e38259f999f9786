extension OpenAPIDocument {
    /// The loyalty API: its paths and schemas, merged into the document.
    static let loyaltyPart = #"""
        {
          "tags": [
            {
              "name": "loyalty",
              "description": "Points, tiers and stored value (admin key). Amounts are integers: points, or minor units (分) of money. Every write needs an idempotency key, unique per operation of the customer: the idempotency_key field, or instead an Idempotency-Key header (400 missing_idempotency_key without either; 400 invalid_idempotency_key when both are sent and differ). The same key with the same request answers as the first time without a second effect (the Idempotent-Replayed header says so); with a different request it is refused with 409 idempotency_key_reused."
            }
          ],
          "paths": {
            "/api/v1/loyalty/program": {
              "get": {
                "operationId": "getLoyaltyProgram",
                "tags": [
                  "loyalty"
                ],
                "summary": "The loyalty program",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Earn rules, tiers and point expiry of the workspace. Until one is saved, the empty program: nothing earns, no tiers.",
                "responses": {
                  "200": {
                    "description": "The program.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LoyaltyProgram"
                        }
                      }
                    }
                  }
                }
              },
              "put": {
                "operationId": "saveLoyaltyProgram",
                "tags": [
                  "loyalty"
                ],
                "summary": "Replace the loyalty program",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Validates and saves the whole program (400 invalid_program naming the field otherwise). It applies from now on: credited lots keep their expiry, orders the multiplier they first earned at, customers their tier until their next order (upgrade) or the next tier review. The body is a JSON object of at most 64 KB; updated_at is ignored.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/LoyaltyProgramInput"
                      },
                      "example": {
                        "expiry_months": 12,
                        "tier_period_days": 365,
                        "earn_rules": [
                          {
                            "type": "spend",
                            "points": 1,
                            "per_amount": 100
                          },
                          {
                            "type": "category",
                            "category": "beauty",
                            "points": 1,
                            "per_amount": 100
                          },
                          {
                            "type": "event",
                            "event": "signup",
                            "points": 100
                          },
                          {
                            "type": "event",
                            "event": "birthday",
                            "points": 200,
                            "limit": "yearly"
                          }
                        ],
                        "tiers": [
                          {
                            "code": "member",
                            "name": "Member"
                          },
                          {
                            "code": "silver",
                            "name": "Silver",
                            "min_spend": 100000,
                            "multiplier_percent": 120,
                            "benefits": [
                              "free shipping"
                            ]
                          },
                          {
                            "code": "gold",
                            "name": "Gold",
                            "min_spend": 500000,
                            "min_orders": 20,
                            "multiplier_percent": 150,
                            "benefits": [
                              "free shipping",
                              "birthday gift"
                            ]
                          }
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The saved program.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LoyaltyProgram"
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
            "/api/v1/loyalty/tier-review": {
              "post": {
                "operationId": "reviewLoyaltyTiers",
                "tags": [
                  "loyalty"
                ],
                "summary": "Review every customer's tier now",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Moves every customer with a loyalty account to the tier their activity over the program's period qualifies for, down as well as up, and writes off expired points. Tiers are otherwise raised at once by a qualifying order and lowered only by this review, which also runs daily on its own. Running it again changes nothing more.",
                "responses": {
                  "200": {
                    "description": "What the review did.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TierReview"
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
            "/api/v1/customers/{id}/loyalty": {
              "get": {
                "operationId": "getCustomerLoyalty",
                "tags": [
                  "loyalty"
                ],
                "summary": "A customer's points, tier and stored value",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Over every raw profile merged into the customer. Points past their expiry are written off first.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The customer's loyalty.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LoyaltySummary"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/loyalty/events": {
              "post": {
                "operationId": "grantLoyaltyBonus",
                "tags": [
                  "loyalty"
                ],
                "summary": "Grant an event bonus",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Grants the points of the program's rule for the event (signup, birthday or a named one; 400 unknown_event when the program has none), at most as often as the rule allows: 409 bonus_already_granted for a once rule granted before, or a yearly rule granted this calendar year. Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "event",
                          "idempotency_key"
                        ],
                        "properties": {
                          "event": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 64,
                            "example": "birthday"
                          },
                          "idempotency_key": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "description": "The idempotency key (may come as the Idempotency-Key header instead; both must agree when both are sent)."
                          }
                        }
                      },
                      "example": {
                        "event": "signup",
                        "idempotency_key": "signup-bonus-42"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/points": {
              "get": {
                "operationId": "listCustomerPoints",
                "tags": [
                  "loyalty"
                ],
                "summary": "A customer's points ledger, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Every movement of the customer's points; the balance is always the sum of all entries. Kinds: earn (an order), reverse (a refund, cancellation or lowered total of an order), bonus, redeem, adjust, expire.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  },
                  {
                    "$ref": "#/components/parameters/LoyaltyLimit"
                  },
                  {
                    "$ref": "#/components/parameters/LoyaltyCursor"
                  }
                ],
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/LoyaltyLedgerPage"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/points/adjustments": {
              "post": {
                "operationId": "adjustCustomerPoints",
                "tags": [
                  "loyalty"
                ],
                "summary": "Add or remove points by hand",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "A positive adjustment credits a lot that expires like earned points; a negative one takes points, soonest to expire first (409 insufficient_points when the customer has fewer). reason is required. Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "points",
                          "reason",
                          "idempotency_key"
                        ],
                        "properties": {
                          "points": {
                            "type": "integer",
                            "format": "int64",
                            "minimum": -1000000000,
                            "maximum": 1000000000,
                            "description": "Non-zero, from -1000000000 to 1000000000."
                          },
                          "reason": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 500
                          },
                          "idempotency_key": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "description": "The idempotency key (may come as the Idempotency-Key header instead; both must agree when both are sent)."
                          }
                        }
                      },
                      "example": {
                        "points": 50,
                        "reason": "goodwill for a late delivery",
                        "idempotency_key": "adj-2026-001"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/points/redemptions": {
              "post": {
                "operationId": "redeemCustomerPoints",
                "tags": [
                  "loyalty"
                ],
                "summary": "Spend points",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Takes the points from the lots that expire soonest (the oldest) first; expired points cannot be spent. 409 insufficient_points when the customer has fewer. Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "points",
                          "idempotency_key"
                        ],
                        "properties": {
                          "points": {
                            "type": "integer",
                            "format": "int64",
                            "minimum": 1,
                            "maximum": 1000000000,
                            "description": "From 1 to 1000000000."
                          },
                          "reason": {
                            "type": "string",
                            "nullable": true,
                            "maxLength": 500,
                            "description": "Why, shown in the ledger."
                          },
                          "idempotency_key": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "description": "The idempotency key (may come as the Idempotency-Key header instead; both must agree when both are sent)."
                          }
                        }
                      },
                      "example": {
                        "points": 100,
                        "reason": "coupon 10 CNY",
                        "idempotency_key": "redeem-7781"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/stored-value": {
              "get": {
                "operationId": "listCustomerStoredValue",
                "tags": [
                  "loyalty"
                ],
                "summary": "A customer's stored-value ledger, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Every movement of the customer's stored value (储值), minor units; the balance is the sum of all entries and never below 0. Kinds: top_up, spend, refund.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  },
                  {
                    "$ref": "#/components/parameters/LoyaltyLimit"
                  },
                  {
                    "$ref": "#/components/parameters/LoyaltyCursor"
                  }
                ],
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/LoyaltyLedgerPage"
                  },
                  "400": {
                    "$ref": "#/components/responses/BadRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/stored-value/top-ups": {
              "post": {
                "operationId": "topUpStoredValue",
                "tags": [
                  "loyalty"
                ],
                "summary": "Add stored value",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Adds money to the customer's stored value. Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/StoredValueAmount"
                      },
                      "example": {
                        "amount": 100000,
                        "reason": "top-up at store 12",
                        "idempotency_key": "topup-5521"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/stored-value/spends": {
              "post": {
                "operationId": "spendStoredValue",
                "tags": [
                  "loyalty"
                ],
                "summary": "Pay from stored value",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Takes money from the customer's stored value; 409 insufficient_balance when it is short. Concurrent spends never overdraw. Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/StoredValueAmount"
                      },
                      "example": {
                        "amount": 2999,
                        "reason": "POS ticket 0042",
                        "idempotency_key": "pos-0042"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/stored-value/refunds": {
              "post": {
                "operationId": "refundStoredValue",
                "tags": [
                  "loyalty"
                ],
                "summary": "Give back (part of) a spend",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Returns money of a spend, named by the id the spend answered with (404 spend_not_found otherwise), to the stored value it came from; never more than what is left of the spend (409 refund_exceeds_spend). Idempotent by its key (see the loyalty tag); the body is a JSON object of at most 64 KB.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/LoyaltyCustomerID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "spend_id",
                          "amount",
                          "idempotency_key"
                        ],
                        "properties": {
                          "spend_id": {
                            "type": "integer",
                            "format": "int64",
                            "minimum": 1,
                            "description": "The id of the spend operation."
                          },
                          "amount": {
                            "type": "integer",
                            "format": "int64",
                            "minimum": 1,
                            "maximum": 100000000000,
                            "description": "Minor units (分), from 1 to 100000000000."
                          },
                          "reason": {
                            "type": "string",
                            "nullable": true,
                            "maxLength": 500,
                            "description": "Why, shown in the ledger."
                          },
                          "idempotency_key": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 255,
                            "description": "The idempotency key (may come as the Idempotency-Key header instead; both must agree when both are sent)."
                          }
                        }
                      },
                      "example": {
                        "spend_id": 17,
                        "amount": 1000,
                        "reason": "returned item",
                        "idempotency_key": "refund-0042-1"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "$ref": "#/components/responses/LoyaltyOperationDone"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            }
          },
          "components": {
            "schemas": {
              "StoredValueAmount": {
                "type": "object",
                "required": [
                  "amount",
                  "idempotency_key"
                ],
                "properties": {
                  "amount": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": 100000000000,
                    "description": "Minor units (分), from 1 to 100000000000."
                  },
                  "reason": {
                    "type": "string",
                    "nullable": true,
                    "maxLength": 500,
                    "description": "Why, shown in the ledger."
                  },
                  "idempotency_key": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "description": "The idempotency key (may come as the Idempotency-Key header instead; both must agree when both are sent)."
                  }
                }
              },
              "LoyaltyProgram": {
                "type": "object",
                "required": [
                  "expiry_months",
                  "tier_period_days",
                  "earn_rules",
                  "tiers",
                  "updated_at"
                ],
                "properties": {
                  "expiry_months": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 120,
                    "nullable": true,
                    "description": "Points expire this many months after they are credited, at the end of that day in the workspace's time zone; null: never."
                  },
                  "tier_period_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 3660,
                    "description": "The rolling window tiers qualify on (default 365)."
                  },
                  "earn_rules": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {
                      "$ref": "#/components/schemas/EarnRule"
                    }
                  },
                  "tiers": {
                    "type": "array",
                    "maxItems": 20,
                    "items": {
                      "$ref": "#/components/schemas/Tier"
                    },
                    "description": "Lowest first; codes unique. A tier qualifies when any of its thresholds is met. Only the first may have none: every customer starts there."
                  },
                  "updated_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true,
                    "description": "When it was saved; null for the default program."
                  }
                },
                "description": "A workspace's loyalty program."
              },
              "LoyaltyProgramInput": {
                "type": "object",
                "additionalProperties": false,
                "description": "A loyalty program to save; absent fields take their defaults.",
                "properties": {
                  "expiry_months": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 120,
                    "nullable": true,
                    "description": "Points expire this many months after they are credited, at the end of that day in the workspace's time zone; null: never."
                  },
                  "tier_period_days": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 3660,
                    "description": "The rolling window tiers qualify on (default 365)."
                  },
                  "earn_rules": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {
                      "$ref": "#/components/schemas/EarnRule"
                    }
                  },
                  "tiers": {
                    "type": "array",
                    "maxItems": 20,
                    "items": {
                      "$ref": "#/components/schemas/Tier"
                    },
                    "description": "Lowest first; codes unique. A tier qualifies when any of its thresholds is met. Only the first may have none: every customer starts there."
                  },
                  "updated_at": {
                    "description": "Ignored."
                  }
                }
              },
              "EarnRule": {
                "type": "object",
                "required": [
                  "type",
                  "points"
                ],
                "description": "spend: points per per_amount minor units of the order total. category: points per per_amount of the lines of that category, on top of spend rules. Both are multiplied by the tier's multiplier and rounded down. event: a bonus for an event, granted once (default), yearly (default for birthday) or unlimited (once per idempotency key).",
                "properties": {
                  "type": {
                    "type": "string",
                    "enum": [
                      "spend",
                      "category",
                      "event"
                    ]
                  },
                  "points": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": 10000000
                  },
                  "per_amount": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "maximum": 100000000,
                    "description": "Minor units (spend and category rules)."
                  },
                  "category": {
                    "type": "string",
                    "description": "The order line category (category rules; matched ignoring case)."
                  },
                  "event": {
                    "type": "string",
                    "pattern": "^[a-z0-9_]{1,64}$",
                    "description": "The event (event rules): signup, birthday or a name of your own."
                  },
                  "limit": {
                    "type": "string",
                    "enum": [
                      "once",
                      "yearly",
                      "unlimited"
                    ],
                    "description": "How often an event bonus may be granted (event rules)."
                  }
                }
              },
              "Tier": {
                "type": "object",
                "required": [
                  "code",
                  "name",
                  "min_spend",
                  "min_orders",
                  "min_points",
                  "multiplier_percent",
                  "benefits"
                ],
                "properties": {
                  "code": {
                    "type": "string",
                    "pattern": "^[a-z0-9_]{1,32}$"
                  },
                  "name": {
                    "type": "string"
                  },
                  "min_spend": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "Net spend over the period, minor units, that qualifies (null: not a criterion).",
                    "nullable": true
                  },
                  "min_orders": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "Orders over the period that qualify (null: not a criterion).",
                    "nullable": true
                  },
                  "min_points": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "Points earned over the period (orders and bonuses, net of reversals) that qualify (null: not a criterion).",
                    "nullable": true
                  },
                  "multiplier_percent": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "maximum": 10000,
                    "description": "Points from orders are multiplied by this percentage (100 = x1)."
                  },
                  "benefits": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "PointLot": {
                "type": "object",
                "required": [
                  "id",
                  "profile_part",
                  "points",
                  "remaining",
                  "earned_at",
                  "expires_at",
                  "source"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "profile_part": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "points": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "Credited."
                  },
                  "remaining": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "Left to spend."
                  },
                  "earned_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "expires_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true,
                    "description": "The end of the last day the points can be spent; null: never."
                  },
                  "source": {
                    "type": "string",
                    "description": "What credited it: order:<id>, event:<name>[:<year>], adjustment."
                  }
                },
                "description": "Points credited together; spent and expired oldest first."
              },
              "LedgerEntry": {
                "type": "object",
                "required": [
                  "id",
                  "profile_part",
                  "kind",
                  "amount",
                  "balance_after",
                  "reason",
                  "reference",
                  "idempotency_key",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "profile_part": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "The raw profile (of those merged into the customer) whose balance moved."
                  },
                  "kind": {
                    "type": "string",
                    "description": "Points: earn, reverse, bonus, redeem, adjust, expire. Stored value: top_up, spend, refund."
                  },
                  "amount": {
                    "type": "integer",
                    "format": "int64",
                    "description": "Signed: credits positive, debits negative (points, or minor units)."
                  },
                  "balance_after": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "The customer's balance right after the entry."
                  },
                  "reason": {
                    "type": "string",
                    "nullable": true
                  },
                  "reference": {
                    "type": "string",
                    "nullable": true,
                    "description": "What the entry belongs to: order:<id>, refund:<id>, lot:<id>, spend:<id>, event:<name>[:<year>], adjustment."
                  },
                  "idempotency_key": {
                    "type": "string",
                    "nullable": true,
                    "description": "The key of the request that wrote it (none for orders, refunds and expiry)."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  }
                }
              },
              "LedgerPage": {
                "type": "object",
                "required": [
                  "balance",
                  "data",
                  "next_cursor"
                ],
                "properties": {
                  "balance": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "The sum of every entry of the ledger."
                  },
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/LedgerEntry"
                    }
                  },
                  "next_cursor": {
                    "type": "string",
                    "nullable": true,
                    "description": "Pass as cursor for the next page; null on the last page."
                  }
                }
              },
              "LoyaltyOperation": {
                "type": "object",
                "required": [
                  "id",
                  "idempotency_key",
                  "ledger",
                  "kind",
                  "amount",
                  "balance",
                  "created_at",
                  "entries"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "The id of its first entry (what a refund of a spend names)."
                  },
                  "idempotency_key": {
                    "type": "string"
                  },
                  "ledger": {
                    "type": "string",
                    "enum": [
                      "points",
                      "stored_value"
                    ]
                  },
                  "kind": {
                    "type": "string"
                  },
                  "amount": {
                    "type": "integer",
                    "format": "int64",
                    "description": "Signed sum of its entries."
                  },
                  "balance": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "description": "The customer's balance right after it."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "entries": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "$ref": "#/components/schemas/LedgerEntry"
                    },
                    "description": "One per raw profile whose balance moved (a merged customer's may be several)."
                  }
                },
                "description": "What a write did."
              },
              "LoyaltySummary": {
                "type": "object",
                "required": [
                  "customer_id",
                  "points",
                  "tier",
                  "tier_history",
                  "qualification",
                  "stored_value"
                ],
                "properties": {
                  "customer_id": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "The live profile."
                  },
                  "points": {
                    "type": "object",
                    "required": [
                      "balance",
                      "lots"
                    ],
                    "properties": {
                      "balance": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0
                      },
                      "lots": {
                        "type": "array",
                        "items": {
                          "$ref": "#/components/schemas/PointLot"
                        },
                        "description": "Lots with points left, in the order they are spent."
                      }
                    }
                  },
                  "tier": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Tier"
                      }
                    ],
                    "nullable": true,
                    "description": "The current tier (with since, when it was reached; null for the starting tier); null when the program has none for the customer.",
                    "properties": {
                      "since": {
                        "allOf": [
                          {
                            "$ref": "#/components/schemas/Instant"
                          }
                        ],
                        "nullable": true
                      }
                    }
                  },
                  "tier_history": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/TierChange"
                    },
                    "description": "Newest first."
                  },
                  "qualification": {
                    "type": "object",
                    "required": [
                      "since",
                      "spend",
                      "orders",
                      "points"
                    ],
                    "properties": {
                      "since": {
                        "$ref": "#/components/schemas/Instant"
                      },
                      "spend": {
                        "type": "integer",
                        "format": "int64",
                        "description": "Net spend, minor units."
                      },
                      "orders": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0
                      },
                      "points": {
                        "type": "integer",
                        "format": "int64",
                        "description": "Points earned from orders and bonuses, net of reversals."
                      }
                    },
                    "description": "What tiers qualify on now: activity from since until now."
                  },
                  "stored_value": {
                    "type": "object",
                    "required": [
                      "balance"
                    ],
                    "properties": {
                      "balance": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Minor units."
                      }
                    }
                  }
                }
              },
              "TierChange": {
                "type": "object",
                "required": [
                  "from",
                  "to",
                  "reason",
                  "at",
                  "profile_part"
                ],
                "properties": {
                  "from": {
                    "type": "string",
                    "nullable": true
                  },
                  "to": {
                    "type": "string",
                    "nullable": true
                  },
                  "reason": {
                    "type": "string",
                    "description": "order <id>, or review."
                  },
                  "at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "profile_part": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  }
                }
              },
              "TierReview": {
                "type": "object",
                "required": [
                  "profiles",
                  "upgraded",
                  "downgraded",
                  "expired_points",
                  "reviewed_at"
                ],
                "properties": {
                  "profiles": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "upgraded": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "downgraded": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "expired_points": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "reviewed_at": {
                    "$ref": "#/components/schemas/Instant"
                  }
                }
              }
            },
            "parameters": {
              "LoyaltyCustomerID": {
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
              },
              "LoyaltyLimit": {
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
              "LoyaltyCursor": {
                "name": "cursor",
                "in": "query",
                "required": false,
                "description": "The next_cursor of the previous page; an empty cursor is ignored, a malformed one is refused with 400 invalid_cursor.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "responses": {
              "LoyaltyLedgerPage": {
                "description": "A page of the ledger, newest first.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/LedgerPage"
                    }
                  }
                }
              },
              "LoyaltyOperationDone": {
                "description": "Done (or done before, with the same key and request).",
                "headers": {
                  "Idempotent-Replayed": {
                    "description": "true when the answer is that of an earlier request with the same key.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true"
                      ]
                    }
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/LoyaltyOperation"
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
