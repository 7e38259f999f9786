extension OpenAPIDocument {
    /// Sign-in, sessions, the second factor, users and roles: paths and schemas, merged into the document.
    static let accessPart = #"""
        {
          "tags": [
            {
              "name": "access",
              "description": "Sign-in, sessions, the second factor, users and roles (统一身份与权限)."
            }
          ],
          "paths": {
            "/api/v1/auth/login": {
              "post": {
                "operationId": "signIn",
                "tags": [
                  "access"
                ],
                "summary": "Sign in",
                "description": "Checks username and password (and the TOTP code of users who enrolled one); answers the session token, also set as the HttpOnly, SameSite=Strict cookie panorama_session, and the CSRF token to send in X-CSRF-Token with every state-changing request made with the cookie. After 5 failed sign-ins in a row the account is locked (403 account_locked), for 1 minute and twice as long with each further failure. Open to everyone.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Signed in.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "token",
                            "csrf_token",
                            "expires_at",
                            "user"
                          ],
                          "properties": {
                            "token": {
                              "type": "string"
                            },
                            "csrf_token": {
                              "type": "string"
                            },
                            "expires_at": {
                              "$ref": "#/components/schemas/Instant"
                            },
                            "user": {
                              "$ref": "#/components/schemas/User"
                            }
                          }
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
                          "username",
                          "password"
                        ],
                        "properties": {
                          "username": {
                            "type": "string"
                          },
                          "password": {
                            "type": "string"
                          },
                          "totp": {
                            "type": "string"
                          },
                          "workspace": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/auth/logout": {
              "post": {
                "operationId": "signOut",
                "tags": [
                  "access"
                ],
                "summary": "Sign out",
                "description": "Ends the session the request came with and clears the cookie.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Signed out."
                  }
                }
              }
            },
            "/api/v1/auth/me": {
              "get": {
                "operationId": "whoAmI",
                "tags": [
                  "access"
                ],
                "summary": "Who am I",
                "description": "The caller: an admin key or a user, with role, permissions and data scope.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The caller.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "kind",
                            "id",
                            "name",
                            "role",
                            "team"
                          ],
                          "properties": {
                            "kind": {
                              "type": "string",
                              "enum": [
                                "api_key",
                                "user"
                              ]
                            },
                            "id": {
                              "type": "integer",
                              "format": "int64"
                            },
                            "name": {
                              "type": "string"
                            },
                            "role": {
                              "$ref": "#/components/schemas/Role"
                            },
                            "team": {
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
            },
            "/api/v1/auth/totp/setup": {
              "post": {
                "operationId": "beginTOTP",
                "tags": [
                  "access"
                ],
                "summary": "Start TOTP enrolment",
                "description": "A new secret and its otpauth:// URI for an authenticator app; sign-in asks for codes once one is confirmed. Users only.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The secret.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "secret",
                            "uri"
                          ],
                          "properties": {
                            "secret": {
                              "type": "string"
                            },
                            "uri": {
                              "type": "string"
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
            "/api/v1/auth/totp/confirm": {
              "post": {
                "operationId": "confirmTOTP",
                "tags": [
                  "access"
                ],
                "summary": "Confirm TOTP",
                "description": "Confirms enrolment with a code from the app.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Enrolled."
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
                          "code"
                        ],
                        "properties": {
                          "code": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/auth/totp": {
              "delete": {
                "operationId": "disableTOTP",
                "tags": [
                  "access"
                ],
                "summary": "Turn TOTP off",
                "description": "Removes the caller's second factor.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Removed."
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
            "/api/v1/users": {
              "get": {
                "operationId": "listUsers",
                "tags": [
                  "access"
                ],
                "summary": "List users",
                "description": "The workspace's console users.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Users.",
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
                                "$ref": "#/components/schemas/User"
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
                "operationId": "createUser",
                "tags": [
                  "access"
                ],
                "summary": "Create a user",
                "description": "A console user with a role (built-in: owner, admin, analyst, marketer, sales, service, auditor; or a custom one). The password must have 10–72 bytes and not be a common one.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The user.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
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
                        "type": "object",
                        "required": [
                          "username",
                          "password",
                          "role"
                        ],
                        "properties": {
                          "username": {
                            "type": "string"
                          },
                          "password": {
                            "type": "string"
                          },
                          "role": {
                            "type": "string"
                          },
                          "display_name": {
                            "type": "string"
                          },
                          "team": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/users/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  }
                }
              ],
              "get": {
                "operationId": "getUser",
                "tags": [
                  "access"
                ],
                "summary": "Get a user",
                "description": "One user.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The user.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
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
              "patch": {
                "operationId": "updateUser",
                "tags": [
                  "access"
                ],
                "summary": "Change a user",
                "description": "Changes display name, role, team (null clears), password or disabled; a new password or disabling ends the user's sessions.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The user.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
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
                        "properties": {
                          "display_name": {
                            "type": "string"
                          },
                          "role": {
                            "type": "string"
                          },
                          "team": {
                            "type": "string",
                            "nullable": true
                          },
                          "password": {
                            "type": "string"
                          },
                          "disabled": {
                            "type": "boolean"
                          }
                        }
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "deleteUser",
                "tags": [
                  "access"
                ],
                "summary": "Delete a user",
                "description": "Deletes the user and ends their sessions.",
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
                  }
                }
              }
            },
            "/api/v1/roles": {
              "get": {
                "operationId": "listRoles",
                "tags": [
                  "access"
                ],
                "summary": "List roles",
                "description": "Built-in roles, then the workspace's own, with permissions and data scope.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Roles.",
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
                                "$ref": "#/components/schemas/Role"
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
                "operationId": "saveRole",
                "tags": [
                  "access"
                ],
                "summary": "Create or replace a custom role",
                "description": "Permissions by name (see GET /api/v1/roles for the built-in ones) and a data scope: all, team or own.",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The role.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Role"
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
                        "type": "object",
                        "required": [
                          "name",
                          "permissions"
                        ],
                        "properties": {
                          "name": {
                            "type": "string"
                          },
                          "permissions": {
                            "type": "array",
                            "items": {
                              "type": "string"
                            }
                          },
                          "scope": {
                            "type": "string",
                            "enum": [
                              "all",
                              "team",
                              "own"
                            ]
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/roles/{name}": {
              "parameters": [
                {
                  "name": "name",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64
                  }
                }
              ],
              "delete": {
                "operationId": "deleteRole",
                "tags": [
                  "access"
                ],
                "summary": "Delete a custom role",
                "description": "Refused for built-in roles and roles a user holds.",
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
            }
          },
          "components": {
            "schemas": {
              "User": {
                "type": "object",
                "required": [
                  "id",
                  "username",
                  "display_name",
                  "role",
                  "team",
                  "totp",
                  "locked_until",
                  "created_at",
                  "disabled_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "username": {
                    "type": "string"
                  },
                  "display_name": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string"
                  },
                  "team": {
                    "type": "string",
                    "nullable": true
                  },
                  "totp": {
                    "type": "boolean",
                    "description": "Whether sign-in asks for a TOTP code."
                  },
                  "locked_until": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  },
                  "created_at": {
                    "$ref": "#/components/schemas/Instant"
                  },
                  "disabled_at": {
                    "allOf": [
                      {
                        "$ref": "#/components/schemas/Instant"
                      }
                    ],
                    "nullable": true
                  }
                }
              },
              "Role": {
                "type": "object",
                "required": [
                  "name",
                  "permissions",
                  "scope",
                  "built_in"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "permissions": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "scope": {
                    "type": "string",
                    "enum": [
                      "all",
                      "team",
                      "own"
                    ]
                  },
                  "built_in": {
                    "type": "boolean"
                  }
                }
              }
            }
          }
        }
        """#
}
