extension OpenAPIDocument {
    /// The duplicates API: its paths and schemas, merged into the document.
    static let duplicatesPart = #"""
        {
          "tags": [
            {
              "name": "duplicates",
              "description": "Duplicate detection (去重): runs, proposed pairs and their review, settings (admin key)."
            }
          ],
          "paths": {
            "/api/v1/duplicates/runs": {
              "post": {
                "operationId": "startDuplicateRun",
                "tags": [
                  "duplicates"
                ],
                "summary": "Start a duplicate-detection run",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Starts a run in the background and answers at once with the run (status running); follow it with GET /api/v1/duplicates/runs/{id}. A run reads every live profile, merges the pairs at or above the auto-merge threshold (when auto_merge is on) and proposes the pairs between the thresholds for review. One run per workspace at a time: 409 duplicate_run_in_progress while one is running. No request body is read.",
                "responses": {
                  "202": {
                    "description": "The run, started.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DuplicateRun"
                        }
                      }
                    },
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        },
                        "description": "The run's address, /api/v1/duplicates/runs/{id}."
                      }
                    },
                    "links": {
                      "GetDuplicateRun": {
                        "operationId": "getDuplicateRun",
                        "parameters": {
                          "id": "$response.body#/id"
                        },
                        "description": "The run's progress and counts."
                      }
                    }
                  },
                  "409": {
                    "$ref": "#/components/responses/Conflict"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "get": {
                "operationId": "listDuplicateRuns",
                "tags": [
                  "duplicates"
                ],
                "summary": "Duplicate-detection runs, newest first",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/DuplicatesLimit"
                  },
                  {
                    "$ref": "#/components/parameters/DuplicatesCursor"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of runs.",
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
                                "$ref": "#/components/schemas/DuplicateRun"
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
            "/api/v1/duplicates/runs/{id}": {
              "get": {
                "operationId": "getDuplicateRun",
                "tags": [
                  "duplicates"
                ],
                "summary": "One duplicate-detection run",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/DuplicatesRunID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The run.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DuplicateRun"
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
            "/api/v1/duplicates/settings": {
              "get": {
                "operationId": "getDuplicateSettings",
                "tags": [
                  "duplicates"
                ],
                "summary": "The workspace's duplicate-detection settings",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The defaults until saved: auto-merge on, no schedule, the matching configuration measured on the FEBRL data sets (Fellegi-Sunter with m/u estimated by EM, auto-merge at probability >= 0.99, review at >= 0.5).",
                "responses": {
                  "200": {
                    "description": "The settings.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DuplicateSettings"
                        }
                      }
                    }
                  }
                }
              },
              "put": {
                "operationId": "saveDuplicateSettings",
                "tags": [
                  "duplicates"
                ],
                "summary": "Change duplicate-detection settings",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "The body is a JSON object of at most 64 KB; the keys it names are changed, the others keep their values. Invalid values are refused with 400 invalid_duplicate_settings or invalid_match_configuration naming the field.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/DuplicateSettingsUpdate"
                      },
                      "example": {
                        "auto_merge": false,
                        "review_threshold": 0.6,
                        "schedule_minutes": 1440
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The settings as saved.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/DuplicateSettings"
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
            "/api/v1/duplicates": {
              "get": {
                "operationId": "listDuplicates",
                "tags": [
                  "duplicates"
                ],
                "summary": "Proposed duplicate pairs, for review",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Pairs in ascending id order (within a run, by descending score), each with its score, the per-field explanation and both profiles as they are now.",
                "parameters": [
                  {
                    "name": "status",
                    "in": "query",
                    "required": false,
                    "description": "Which pairs: pending (the default: waiting for review), merged, rejected, refused or all. Anything else is refused with 400 invalid_status.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "pending",
                        "merged",
                        "rejected",
                        "refused",
                        "all"
                      ],
                      "default": "pending"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/DuplicatesLimit"
                  },
                  {
                    "$ref": "#/components/parameters/DuplicatesCursor"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of pairs.",
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
                                "$ref": "#/components/schemas/Duplicate"
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
            "/api/v1/duplicates/{id}": {
              "get": {
                "operationId": "getDuplicate",
                "tags": [
                  "duplicates"
                ],
                "summary": "One proposed duplicate pair",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/DuplicatesPairID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The pair.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Duplicate"
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
            "/api/v1/duplicates/{id}/merge": {
              "post": {
                "operationId": "mergeDuplicate",
                "tags": [
                  "duplicates"
                ],
                "summary": "Accept a pair: merge the two profiles",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Merges the younger profile (larger id) into the older one through the identity graph, logged with source duplicate and cause match:<pair id>, and undoable with POST /api/v1/merges/{id}/undo. 409 duplicate_already_decided for a merged or rejected pair; 409 already_merged when the two are already one profile, 409 merge_limit_exceeded when together they would pass an identifier type's limit (two different user_ids), which also decide the pair. No request body is read.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/DuplicatesPairID"
                  }
                ],
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/MergeMade"
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
            "/api/v1/duplicates/{id}/reject": {
              "post": {
                "operationId": "rejectDuplicate",
                "tags": [
                  "duplicates"
                ],
                "summary": "Reject a pair: two different people",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Marks the pair rejected; it is not proposed again. 409 duplicate_already_decided for a merged or rejected pair. No request body is read.",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/DuplicatesPairID"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The pair, rejected.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Duplicate"
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
            "/api/v1/customers/{id}/merge": {
              "post": {
                "operationId": "mergeCustomer",
                "tags": [
                  "customers"
                ],
                "summary": "Merge a customer into another",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Merges the live profile of customer id into the live profile of into, which survives; logged with source manual and undoable with POST /api/v1/merges/{id}/undo. The body is a JSON object of at most 64 KB. 404 customer_not_found for an unknown id; 409 already_merged when they are one profile, 409 merge_limit_exceeded when together they would pass an identifier type's limit (two different user_ids).",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "The customer that is merged away. Anything else is refused with 400 invalid_id.",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    },
                    "example": 2
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/CustomerMerge"
                      },
                      "example": {
                        "into": 1
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/MergeMade"
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
              "DuplicateRun": {
                "type": "object",
                "description": "A run of duplicate detection.",
                "required": [
                  "id",
                  "status",
                  "trigger",
                  "started_at",
                  "finished_at",
                  "duration_ms",
                  "counts",
                  "error",
                  "details"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "running",
                      "succeeded",
                      "failed"
                    ]
                  },
                  "trigger": {
                    "type": "string",
                    "enum": [
                      "api",
                      "cli",
                      "schedule"
                    ]
                  },
                  "started_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "finished_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  },
                  "duration_ms": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0,
                    "nullable": true
                  },
                  "counts": {
                    "type": "object",
                    "required": [
                      "records",
                      "compared_pairs",
                      "proposed",
                      "auto_merged",
                      "skipped",
                      "refused"
                    ],
                    "properties": {
                      "records": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Live profiles compared (those with at least one compared value)."
                      },
                      "compared_pairs": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Candidate pairs blocking proposed and the matcher scored."
                      },
                      "proposed": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Pairs left for review."
                      },
                      "auto_merged": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Pairs merged automatically."
                      },
                      "skipped": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Pairs decided before (merged, rejected) or already one profile."
                      },
                      "refused": {
                        "type": "integer",
                        "format": "int64",
                        "minimum": 0,
                        "description": "Pairs that cannot be merged without passing an identifier type's limit, e.g. two different user_ids."
                      }
                    }
                  },
                  "error": {
                    "type": "string",
                    "nullable": true,
                    "description": "Why a failed run failed."
                  },
                  "details": {
                    "type": "object",
                    "nullable": true,
                    "additionalProperties": true,
                    "description": "What the matching job did: profiles_read, estimation, em_iterations, match_prior, reduction_ratio, skipped_blocks, merge_decisions, review_decisions and the thresholds used."
                  }
                }
              },
              "Duplicate": {
                "type": "object",
                "description": "A pair of profiles that duplicate detection found alike, with why and what became of it.",
                "required": [
                  "id",
                  "run_id",
                  "status",
                  "probability",
                  "weight",
                  "decision",
                  "fields",
                  "profiles",
                  "decided_by",
                  "reason",
                  "merge_id",
                  "created_at",
                  "updated_at",
                  "decided_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "run_id": {
                    "type": "integer",
                    "format": "int64",
                    "description": "The run that last scored the pair."
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "pending",
                      "merged",
                      "rejected",
                      "refused"
                    ]
                  },
                  "probability": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "Posterior probability that the two are the same person."
                  },
                  "weight": {
                    "type": "number",
                    "description": "Match weight: log2 of the Bayes factor for the same person, the sum of the fields' weights."
                  },
                  "decision": {
                    "type": "string",
                    "enum": [
                      "merge",
                      "review"
                    ],
                    "description": "What the thresholds said when the pair was scored."
                  },
                  "fields": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/DuplicateFieldScore"
                    }
                  },
                  "profiles": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {
                      "$ref": "#/components/schemas/DuplicateProfile"
                    }
                  },
                  "decided_by": {
                    "type": "string",
                    "enum": [
                      "auto",
                      "reviewer",
                      "run"
                    ],
                    "nullable": true
                  },
                  "reason": {
                    "type": "string",
                    "nullable": true,
                    "description": "How a pair was decided without a merge of its own: already_merged or merge_limit_exceeded."
                  },
                  "merge_id": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true,
                    "description": "The merge that joined the pair."
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "updated_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "decided_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  }
                }
              },
              "DuplicateFieldScore": {
                "type": "object",
                "description": "One field's part in a pair's score.",
                "required": [
                  "field",
                  "label",
                  "level",
                  "weight",
                  "values",
                  "similarity"
                ],
                "properties": {
                  "field": {
                    "type": "string",
                    "enum": [
                      "given_name",
                      "surname",
                      "birth_date",
                      "street_number",
                      "address_line1",
                      "address_line2",
                      "city",
                      "postcode",
                      "state",
                      "phone",
                      "email",
                      "national_id"
                    ]
                  },
                  "label": {
                    "type": "string",
                    "example": "Jaro-Winkler >= 0.92"
                  },
                  "level": {
                    "type": "integer",
                    "minimum": 0,
                    "nullable": true,
                    "description": "The agreement level; null when either profile lacks the field."
                  },
                  "weight": {
                    "type": "number",
                    "description": "What the field added to the match weight (0 when missing)."
                  },
                  "values": {
                    "type": "array",
                    "items": {
                      "type": "string",
                      "nullable": true
                    },
                    "description": "Both profiles' normalized values."
                  },
                  "similarity": {
                    "type": "number",
                    "nullable": true,
                    "description": "The measured similarity (0-1), or minus the distance for distance comparators."
                  }
                }
              },
              "DuplicateProfile": {
                "type": "object",
                "description": "One side of a pair as it is now.",
                "required": [
                  "id",
                  "live_id",
                  "traits",
                  "identifiers"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64",
                    "description": "The profile the pair was proposed with."
                  },
                  "live_id": {
                    "type": "integer",
                    "format": "int64",
                    "nullable": true,
                    "description": "The live profile it belongs to now."
                  },
                  "traits": {
                    "type": "object",
                    "additionalProperties": true,
                    "description": "The traits duplicate detection reads, newest value per name."
                  },
                  "identifiers": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Identifier"
                    },
                    "description": "The live profile's identifiers, oldest first (at most 20)."
                  }
                }
              },
              "DuplicateSettings": {
                "description": "A workspace's duplicate-detection settings: every key of DuplicateSettingsUpdate, all present.",
                "allOf": [
                  {
                    "$ref": "#/components/schemas/DuplicateSettingsUpdate"
                  }
                ],
                "required": [
                  "auto_merge",
                  "auto_merge_threshold",
                  "review_threshold",
                  "estimation",
                  "schedule_minutes",
                  "fields",
                  "full_name_traits",
                  "comparisons"
                ]
              },
              "DuplicateSettingsUpdate": {
                "type": "object",
                "description": "The settings to change; absent keys keep their values.",
                "properties": {
                  "auto_merge": {
                    "type": "boolean",
                    "description": "Merge pairs at or above auto_merge_threshold without review."
                  },
                  "auto_merge_threshold": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMinimum": true,
                    "maximum": 1,
                    "description": "Match probability at or above which a pair is merged automatically (when auto_merge is on)."
                  },
                  "review_threshold": {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMinimum": true,
                    "maximum": 1,
                    "description": "Match probability at or above which a pair is proposed for review; at most auto_merge_threshold."
                  },
                  "estimation": {
                    "type": "string",
                    "enum": [
                      "expectation_maximisation",
                      "fixed"
                    ],
                    "description": "expectation_maximisation: m and u estimated from the workspace's profiles (used from 500 profiles on; below that the configured values apply); fixed: the configured m and u as they are."
                  },
                  "schedule_minutes": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 43200,
                    "nullable": true,
                    "description": "Minutes between scheduled runs on the leading node; null: on demand only."
                  },
                  "fields": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/DuplicateFieldSource"
                    },
                    "description": "Where each compared field comes from in a profile."
                  },
                  "full_name_traits": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Traits holding a whole name, split into given name and surname when no source gives either."
                  },
                  "comparisons": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/DuplicateComparison"
                    },
                    "description": "The compared fields with their comparators and Fellegi-Sunter m/u probabilities (weights log2(m/u))."
                  }
                }
              },
              "DuplicateFieldSource": {
                "type": "object",
                "required": [
                  "field",
                  "traits",
                  "identifiers"
                ],
                "properties": {
                  "field": {
                    "type": "string",
                    "enum": [
                      "given_name",
                      "surname",
                      "birth_date",
                      "street_number",
                      "address_line1",
                      "address_line2",
                      "city",
                      "postcode",
                      "state",
                      "phone",
                      "email",
                      "national_id"
                    ]
                  },
                  "traits": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Trait names in order of preference; name.member reads a member of an object trait (address.city)."
                  },
                  "identifiers": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Identifier types in order of preference (the oldest value of a type is taken)."
                  }
                }
              },
              "DuplicateComparison": {
                "type": "object",
                "required": [
                  "field",
                  "comparator",
                  "thresholds",
                  "m",
                  "u"
                ],
                "properties": {
                  "field": {
                    "type": "string",
                    "enum": [
                      "given_name",
                      "surname",
                      "birth_date",
                      "street_number",
                      "address_line1",
                      "address_line2",
                      "city",
                      "postcode",
                      "state",
                      "phone",
                      "email",
                      "national_id"
                    ]
                  },
                  "comparator": {
                    "type": "string",
                    "enum": [
                      "exact",
                      "jaro_winkler",
                      "jaro_winkler_or_token_set",
                      "damerau_levenshtein",
                      "date",
                      "numeric"
                    ]
                  },
                  "thresholds": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "description": "Level boundaries: similarities in descending order, or distances/days in ascending order."
                  },
                  "m": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "description": "P(level | same person), one per level (exact, the thresholds' levels, different), adding up to 1."
                  },
                  "u": {
                    "type": "array",
                    "items": {
                      "type": "number"
                    },
                    "description": "P(level | different people), one per level, adding up to 1."
                  }
                }
              },
              "CustomerMerge": {
                "type": "object",
                "required": [
                  "into"
                ],
                "properties": {
                  "into": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1,
                    "description": "The customer to merge into; it survives. Anything else is refused with 400 invalid_into."
                  }
                }
              }
            },
            "parameters": {
              "DuplicatesLimit": {
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
              "DuplicatesCursor": {
                "name": "cursor",
                "in": "query",
                "required": false,
                "description": "The next_cursor of the previous page; an empty cursor is ignored, a malformed one is refused with 400 invalid_cursor.",
                "schema": {
                  "type": "string"
                }
              },
              "DuplicatesRunID": {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A run id. Anything else is refused with 400 invalid_id.",
                "schema": {
                  "type": "integer",
                  "format": "int64",
                  "minimum": 1
                },
                "example": 1
              },
              "DuplicatesPairID": {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A pair id. Anything else is refused with 400 invalid_id.",
                "schema": {
                  "type": "integer",
                  "format": "int64",
                  "minimum": 1
                },
                "example": 1
              }
            },
            "responses": {
              "MergeMade": {
                "description": "The merge, logged in the customer's merge history.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Merge"
                    }
                  }
                },
                "links": {
                  "UndoMadeMerge": {
                    "operationId": "undoMerge",
                    "parameters": {
                      "id": "$response.body#/id"
                    },
                    "description": "The merge can be undone."
                  }
                }
              }
            }
          }
        }
        """#
}
