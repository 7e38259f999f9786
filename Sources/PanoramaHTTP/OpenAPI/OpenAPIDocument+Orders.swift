extension OpenAPIDocument {
    /// The orders API (OrdersController): its paths and schemas, merged into the document.
    static let ordersPart = #"""
        {
          "tags": [
            {
              "name": "orders",
              "description": "Consumption records: orders, refunds, returns and exchanges, and customer value (admin key)."
            }
          ],
          "paths": {
            "/api/v1/orders": {
              "post": {
                "operationId": "saveOrder",
                "tags": [
                  "orders"
                ],
                "summary": "Create or update an order (idempotent by order_id)",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Resolves the customer by its identifiers (creating or merging profiles as tracking does), stores the order and adds an Order Completed (or Updated/Cancelled) event to the timeline. Sending the same order_id again updates the order; the same body again changes nothing.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/OrderInput"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The order existed and is updated (or unchanged).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Order"
                        }
                      }
                    }
                  },
                  "201": {
                    "description": "The order is new.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Order"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/orders/{id}": {
              "get": {
                "operationId": "getOrder",
                "tags": [
                  "orders"
                ],
                "summary": "An order with its lines and refunds",
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
                    "description": "An order id (the id Panorama gave it). Anything else is refused with 400 invalid_id.",
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
                    "description": "The order.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Order"
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
            "/api/v1/orders/by-external-id/{external_id}": {
              "get": {
                "operationId": "getOrderByExternalID",
                "tags": [
                  "orders"
                ],
                "summary": "An order by the source system's order_id",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "parameters": [
                  {
                    "name": "external_id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "minLength": 1
                    },
                    "example": "A-1001"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The order.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Order"
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
            "/api/v1/orders/{id}/refunds": {
              "post": {
                "operationId": "refundOrder",
                "tags": [
                  "orders"
                ],
                "summary": "Record a refund, return or exchange of (part of) an order",
                "security": [
                  {
                    "AdminKey": []
                  }
                ],
                "description": "Idempotent by refund_id: the same refund again returns the recorded one (200); the same refund_id for a different refund is 409 refund_id_reused. A refund never takes back more than is left of the order or of a line (409 refund_exceeds_order).",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "An order id. Anything else is refused with 400 invalid_id.",
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
                        "$ref": "#/components/schemas/RefundInput"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "This refund was already recorded.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RefundResult"
                        }
                      }
                    }
                  },
                  "201": {
                    "description": "The refund is recorded.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RefundResult"
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
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/api/v1/customers/{id}/orders": {
              "get": {
                "operationId": "listCustomerOrders",
                "tags": [
                  "orders"
                ],
                "summary": "A profile's orders, newest first",
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
                    "description": "The next_cursor of the previous page; a malformed one is refused with 400 invalid_cursor.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of orders.",
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
                                "$ref": "#/components/schemas/Order"
                              }
                            },
                            "next_cursor": {
                              "type": "string",
                              "nullable": true
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
            "/api/v1/customers/{id}/value": {
              "get": {
                "operationId": "getCustomerValue",
                "tags": [
                  "orders"
                ],
                "summary": "A profile's value figures, net of refunds",
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
                    "description": "The figures.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/CustomerValue"
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
              "OrderItemInput": {
                "type": "object",
                "properties": {
                  "product_id": {
                    "type": "string"
                  },
                  "sku": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "category": {
                    "type": "string"
                  },
                  "brand": {
                    "type": "string"
                  },
                  "quantity": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1000000
                  },
                  "price": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "discount": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  }
                }
              },
              "OrderInput": {
                "type": "object",
                "required": [
                  "order_id",
                  "customer"
                ],
                "properties": {
                  "order_id": {
                    "type": "string",
                    "minLength": 1,
                    "description": "The source system's id; unique in the workspace."
                  },
                  "customer": {
                    "type": "object",
                    "description": "Who placed it: identifiers of the workspace's types (user_id, email, phone …) or the profile id.",
                    "minProperties": 1,
                    "properties": {
                      "id": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "user_id": {
                        "type": "string",
                        "minLength": 1
                      },
                      "email": {
                        "type": "string",
                        "format": "email"
                      },
                      "phone": {
                        "type": "string",
                        "minLength": 1
                      }
                    },
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "pending",
                      "paid",
                      "shipped",
                      "completed",
                      "cancelled"
                    ]
                  },
                  "channel": {
                    "type": "string",
                    "description": "online, mini_program, app, store (POS) …"
                  },
                  "store_id": {
                    "type": "string"
                  },
                  "payment_method": {
                    "type": "string"
                  },
                  "currency": {
                    "type": "string",
                    "pattern": "^[A-Za-z]{3}$",
                    "default": "CNY"
                  },
                  "coupon": {
                    "type": "string"
                  },
                  "coupons": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "placed_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "products": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/OrderItemInput"
                    }
                  },
                  "discount": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "shipping": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "tax": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "total": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "properties": {
                    "type": "object"
                  }
                }
              },
              "OrderItem": {
                "type": "object",
                "required": [
                  "line",
                  "quantity",
                  "price",
                  "discount",
                  "amount",
                  "refunded_quantity"
                ],
                "properties": {
                  "line": {
                    "type": "integer"
                  },
                  "product_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "sku": {
                    "type": "string",
                    "nullable": true
                  },
                  "name": {
                    "type": "string",
                    "nullable": true
                  },
                  "category": {
                    "type": "string",
                    "nullable": true
                  },
                  "brand": {
                    "type": "string",
                    "nullable": true
                  },
                  "quantity": {
                    "type": "integer"
                  },
                  "price": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "discount": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "amount": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "refunded_quantity": {
                    "type": "integer"
                  }
                }
              },
              "Refund": {
                "type": "object",
                "required": [
                  "id",
                  "refund_id",
                  "order_id",
                  "type",
                  "amount",
                  "lines",
                  "reason",
                  "refunded_at",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "refund_id": {
                    "type": "string"
                  },
                  "order_id": {
                    "type": "integer"
                  },
                  "type": {
                    "type": "string",
                    "enum": [
                      "refund",
                      "return",
                      "exchange"
                    ]
                  },
                  "amount": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "lines": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "line",
                        "quantity",
                        "amount"
                      ],
                      "properties": {
                        "line": {
                          "type": "integer"
                        },
                        "quantity": {
                          "type": "integer"
                        },
                        "amount": {
                          "type": "string",
                          "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                          "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                        }
                      }
                    }
                  },
                  "reason": {
                    "type": "string",
                    "nullable": true
                  },
                  "refunded_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "Order": {
                "type": "object",
                "required": [
                  "id",
                  "order_id",
                  "customer_id",
                  "profile_part",
                  "status",
                  "channel",
                  "store_id",
                  "payment_method",
                  "currency",
                  "coupons",
                  "placed_at",
                  "items",
                  "subtotal",
                  "discount",
                  "shipping",
                  "tax",
                  "total",
                  "refunded",
                  "net",
                  "properties",
                  "source",
                  "refunds",
                  "created_at",
                  "updated_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "order_id": {
                    "type": "string"
                  },
                  "customer_id": {
                    "type": "integer",
                    "description": "The live profile the order belongs to now."
                  },
                  "profile_part": {
                    "type": "integer",
                    "description": "The raw profile it was recorded against."
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "pending",
                      "paid",
                      "shipped",
                      "completed",
                      "cancelled"
                    ]
                  },
                  "channel": {
                    "type": "string",
                    "nullable": true
                  },
                  "store_id": {
                    "type": "string",
                    "nullable": true
                  },
                  "payment_method": {
                    "type": "string",
                    "nullable": true
                  },
                  "currency": {
                    "type": "string"
                  },
                  "coupons": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "placed_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/OrderItem"
                    }
                  },
                  "subtotal": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "discount": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "shipping": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "tax": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "total": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "refunded": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "net": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "properties": {
                    "type": "object",
                    "nullable": true
                  },
                  "source": {
                    "type": "string",
                    "enum": [
                      "api",
                      "tracking",
                      "import"
                    ]
                  },
                  "refunds": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Refund"
                    }
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updated_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "RefundInput": {
                "type": "object",
                "required": [
                  "refund_id"
                ],
                "properties": {
                  "refund_id": {
                    "type": "string",
                    "minLength": 1
                  },
                  "type": {
                    "type": "string",
                    "enum": [
                      "refund",
                      "return",
                      "exchange"
                    ]
                  },
                  "amount": {
                    "oneOf": [
                      {
                        "type": "number",
                        "minimum": 0
                      },
                      {
                        "type": "string",
                        "pattern": "^[0-9]+(\\.[0-9]+)?$"
                      }
                    ],
                    "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                  },
                  "lines": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "line": {
                          "type": "integer",
                          "minimum": 1
                        },
                        "sku": {
                          "type": "string"
                        },
                        "product_id": {
                          "type": "string"
                        },
                        "quantity": {
                          "type": "integer",
                          "minimum": 1
                        },
                        "amount": {
                          "oneOf": [
                            {
                              "type": "number",
                              "minimum": 0
                            },
                            {
                              "type": "string",
                              "pattern": "^[0-9]+(\\.[0-9]+)?$"
                            }
                          ],
                          "description": "A decimal amount, e.g. 27.50; kept exact to the cent (more decimals are rounded half to even)."
                        }
                      }
                    }
                  },
                  "reason": {
                    "type": "string"
                  },
                  "refunded_at": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "RefundResult": {
                "type": "object",
                "required": [
                  "refund",
                  "order"
                ],
                "properties": {
                  "refund": {
                    "$ref": "#/components/schemas/Refund"
                  },
                  "order": {
                    "$ref": "#/components/schemas/Order"
                  }
                }
              },
              "CustomerValue": {
                "type": "object",
                "required": [
                  "orders",
                  "total_spend",
                  "refunded",
                  "net_spend",
                  "average_order_value",
                  "first_purchase_at",
                  "last_purchase_at",
                  "average_repurchase_days",
                  "favourite_category",
                  "favourite_channel",
                  "currency"
                ],
                "properties": {
                  "orders": {
                    "type": "integer"
                  },
                  "total_spend": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "refunded": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "net_spend": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "average_order_value": {
                    "type": "string",
                    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
                    "description": "An exact decimal amount in the order's currency, e.g. \"27.50\"."
                  },
                  "first_purchase_at": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true
                  },
                  "last_purchase_at": {
                    "type": "string",
                    "format": "date-time",
                    "nullable": true
                  },
                  "average_repurchase_days": {
                    "type": "number",
                    "nullable": true
                  },
                  "favourite_category": {
                    "type": "string",
                    "nullable": true
                  },
                  "favourite_channel": {
                    "type": "string",
                    "nullable": true
                  },
                  "currency": {
                    "type": "string",
                    "nullable": true
                  }
                }
              }
            }
          }
        }
        """#
}
