import PanoramaCore
import PanoramaEngine

extension OpenAPIDocument {
    /// The customer-insight API: its paths and schemas, merged into the document. Built from
    /// small helpers: the operations share most of their parameters and responses.
    static let insightsPart: String = {
        typealias J = JSONValue
        func object(_ members: [(String, J)]) -> J { .object(JSONObject(members.map { (key: $0.0, value: $0.1) })) }
        func array(_ items: [J]) -> J { .array(JSONArray(items)) }
        func ref(_ name: String) -> J { object([("$ref", .string("#/components/schemas/\(name)"))]) }
        func integer(_ description: String? = nil) -> J {
            object(
                [("type", "integer"), ("format", "int64")] + (description.map { [("description", J.string($0))] } ?? [])
            )
        }
        func nullableInteger(_ description: String) -> J {
            object([
                ("type", "integer"), ("format", "int64"), ("nullable", true), ("description", .string(description)),
            ])
        }
        let number = object([("type", "number")])
        let nullableNumber = object([("type", "number"), ("nullable", true)])
        let string = object([("type", "string")])
        let money = object([
            ("type", "string"), ("pattern", "^-?[0-9]+\\.[0-9]{2}$"),
            ("description", "An amount in major units with two decimals (yuan: 123.45)."),
        ])
        let date = object([("type", "string"), ("format", "date")])
        func schema(_ properties: [(String, J)]) -> J {
            object([
                ("type", "object"), ("required", array(properties.map { .string($0.0) })),
                ("properties", object(properties)),
            ])
        }
        func arrayOf(_ item: J) -> J { object([("type", "array"), ("items", item)]) }
        func query(_ name: String, _ description: String, _ schema: J) -> J {
            object([
                ("name", .string(name)), ("in", "query"), ("required", false), ("description", .string(description)),
                ("schema", schema),
            ])
        }
        func enumeration(_ values: [String]) -> J {
            object([("type", "string"), ("enum", array(values.map(J.string)))])
        }
        func bounded(_ minimum: Int, _ maximum: Int, _ defaultValue: Int) -> J {
            object([
                ("type", "integer"), ("minimum", .number(JSONNumber(minimum))),
                ("maximum", .number(JSONNumber(maximum))),
                ("default", .number(JSONNumber(defaultValue))),
            ])
        }
        func fraction(_ minimum: Double, _ maximum: Double, _ defaultValue: Double) -> J {
            object([
                ("type", "number"), ("minimum", .number(JSONNumber(minimum)!)),
                ("maximum", .number(JSONNumber(maximum)!)),
                ("default", .number(JSONNumber(defaultValue)!)),
            ])
        }
        let from = query(
            "from", "First day of the period, YYYY-MM-DD, in the workspace time zone (default: 29 days before to).",
            date)
        let to = query("to", "Last day of the period (included), YYYY-MM-DD (default: today).", date)
        let format = query("format", "json (default) or csv.", enumeration(["json", "csv"]))
        let dimension = query(
            "dimension",
            "Break down by channel, store, category, tag, segment or a customer attribute (city, province, tier …).",
            object([("type", "string"), ("minLength", 1), ("maxLength", 100)]))
        let limit = query("limit", "At most this many (1–1000, default 100).", bounded(1, 1000, 100))
        func responses(_ description: String, _ body: J, csv: Bool = false) -> J {
            var content: [(String, J)] = [("application/json", object([("schema", body)]))]
            if csv { content.append(("text/csv", object([("schema", string)]))) }
            return object([
                ("200", object([("description", .string(description)), ("content", object(content))])),
                ("400", object([("$ref", "#/components/responses/BadRequest")])),
            ])
        }
        func operation(
            _ id: String, _ summary: String, _ description: String, parameters: [J] = [], body: J? = nil, _ response: J
        ) -> J {
            var members: [(String, J)] = [
                ("operationId", .string(id)), ("tags", array(["insights"])), ("summary", .string(summary)),
                ("description", .string(description)), ("security", array([object([("AdminKey", array([]))])])),
                ("parameters", array(parameters)),
            ]
            if let body {
                members.append(
                    (
                        "requestBody",
                        object([
                            ("required", true), ("content", object([("application/json", object([("schema", body)]))])),
                        ])
                    ))
            }
            members.append(("responses", response))
            return object(members)
        }

        let kpiValues = schema([
            ("new_customers", integer()), ("active_customers", integer()), ("buyers", integer()),
            ("repeat_buyers", integer()), ("orders", integer()), ("gmv", money), ("net_revenue", money),
            ("average_order_value", money), ("repurchase_rate", number), ("average_lifetime_value", money),
            (
                "points_issued",
                nullableInteger(
                    "Loyalty points issued in the cell (earned, bonus and added by hand, less reversals); null in a group of an order dimension (channel, store, category): points belong to customers, not orders."
                )
            ),
            ("points_redeemed", nullableInteger("Points redeemed in the cell; null as points_issued.")),
            ("points_expired", nullableInteger("Points expired in the cell; null as points_issued.")),
            (
                "point_earners",
                nullableInteger("Customers with more than zero points issued in the cell; null as points_issued.")
            ),
            ("point_redeemers", nullableInteger("Customers who redeemed points in the cell; null as points_issued.")),
        ])
        let points = schema([("issued", integer()), ("redeemed", integer()), ("expired", integer())])
        let kpiReport = schema([
            ("from", date), ("to", date), ("previous_from", date), ("previous_to", date),
            ("total", ref("InsightKPIValues")),
            (
                "points",
                object([
                    (
                        "description",
                        "Loyalty points issued (earned, bonus and added by hand, less reversals), redeemed and expired in the period and the previous one (the same numbers as total and previous)."
                    ),
                    ("type", "object"), ("required", array(["current", "previous"])),
                    ("properties", object([("current", points), ("previous", points)])),
                ])
            ),
            ("previous", ref("InsightKPIValues")),
            (
                "change",
                schema(
                    [
                        "new_customers", "active_customers", "buyers", "orders", "gmv", "net_revenue",
                        "average_order_value", "points_issued", "points_redeemed",
                    ].map {
                        ($0, nullableNumber)
                    })
            ),
            ("series", arrayOf(schema([("start", date), ("values", ref("InsightKPIValues"))]))),
            ("dimension", object([("type", "string"), ("nullable", true)])),
            (
                "points_by_group",
                object([
                    ("type", "boolean"),
                    (
                        "description",
                        "Whether the breakdown's groups hold points: true for customer dimensions (tag, segment, attributes); false for order dimensions (channel, store, category), whose groups show points as null, and without a dimension."
                    ),
                ])
            ),
            ("breakdown", arrayOf(schema([("group", string), ("values", ref("InsightKPIValues"))]))),
            ("members_by_tier", arrayOf(schema([("tier", string), ("customers", integer())]))),
        ])
        let identifier = schema([("type", string), ("value", string)])
        let customers = schema([
            ("size", integer()),
            ("customers", arrayOf(schema([("id", integer()), ("identifiers", arrayOf(identifier))]))),
        ])
        let dropOff = object([
            ("type", "object"), ("required", array(["size", "customers", "saved"])),
            (
                "properties",
                object([
                    ("size", integer()),
                    ("customers", arrayOf(schema([("id", integer()), ("identifiers", arrayOf(identifier))]))),
                    (
                        "saved",
                        object([
                            ("type", "object"), ("nullable", true),
                            ("properties", object([("tag", string), ("added", integer())])),
                        ])
                    ),
                ])
            ),
        ])
        let segmentNames = enumeration([
            "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
            "About to Sleep", "At Risk", "Can't Lose", "Hibernating", "Lost",
        ])
        let rfm = schema([
            ("as_of", date), ("buyers", integer()),
            (
                "matrix",
                arrayOf(
                    schema([("r", integer()), ("f", integer()), ("customers", integer()), ("average_monetary", money)]))
            ),
            (
                "segments",
                arrayOf(
                    schema([
                        ("segment", segmentNames), ("label_zh", string), ("customers", integer()), ("revenue", money),
                        ("customer_share", number), ("revenue_share", number),
                    ]))
            ),
        ])
        let movement = schema([
            ("from", date), ("to", date),
            ("flows", arrayOf(schema([("from_segment", string), ("to_segment", string), ("customers", integer())]))),
        ])
        let cohorts = schema([
            ("basis", enumeration(["first_purchase", "first_seen"])), ("first_month", string), ("months", integer()),
            (
                "cohorts",
                arrayOf(
                    schema([
                        ("month", string), ("customers", integer()), ("active", arrayOf(integer())),
                        ("retention", arrayOf(number)),
                        ("revenue", arrayOf(money)),
                    ]))
            ),
        ])
        let stepName = object([("type", "string"), ("minLength", 1), ("maxLength", 200)])
        let scalar = object([("anyOf", array([string, number, object([("type", "boolean")])]))])
        let condition = object([
            ("type", "object"), ("required", array(["property", "op"])), ("additionalProperties", false),
            (
                "properties",
                object([
                    (
                        "property",
                        object([
                            ("type", "string"), ("minLength", 1), ("maxLength", 200),
                            ("description", "A property of the event; dots reach nested members (product.category)."),
                        ])
                    ),
                    ("op", enumeration(PropertyCondition.Op.allCases.map(\.rawValue))),
                    (
                        "value",
                        object([
                            (
                                "anyOf",
                                array([
                                    scalar,
                                    object([("type", "array"), ("minItems", 1), ("maxItems", 100), ("items", scalar)]),
                                ])
                            ),
                            (
                                "description",
                                "eq, neq: a string, number or boolean (neq also matches an absent property); in: a list of them; gt, gte, lt, lte: a number; contains: a substring of a string property or an element of an array property; exists: true (default) or false."
                            ),
                        ])
                    ),
                ])
            ),
        ])
        let conditions = object([("type", "array"), ("maxItems", 10), ("items", ref("InsightPropertyCondition"))])
        let funnelStep = object([
            (
                "anyOf",
                array([
                    stepName,
                    object([
                        ("type", "object"), ("required", array(["event"])), ("additionalProperties", false),
                        ("properties", object([("event", stepName), ("where", conditions)])),
                    ]),
                ])
            ),
            (
                "description",
                "An event name, or an event name with conditions on the event's properties, all of which must hold."
            ),
        ])
        let funnelRequest = object([
            ("type", "object"), ("required", array(["steps"])),
            (
                "properties",
                object([
                    ("steps", object([("type", "array"), ("minItems", 1), ("maxItems", 10), ("items", funnelStep)])),
                    ("from", date), ("to", date),
                    ("window_days", object([("type", "integer"), ("minimum", 1), ("maximum", 365), ("default", 7)])),
                    ("dimension", object([("type", "string"), ("minLength", 1), ("maxLength", 100)])),
                    (
                        "step",
                        object([
                            ("type", "integer"), ("minimum", 1), ("maximum", 9),
                            (
                                "description",
                                "Drop-off only: the customers who reached this step (1-based) and not the next."
                            ),
                        ])
                    ),
                    (
                        "save_as_tag",
                        object([
                            ("type", "string"), ("minLength", 1), ("maxLength", 200),
                            (
                                "description",
                                "Drop-off only: add the customers to this manual tag (created when new; needs audiences.write)."
                            ),
                        ])
                    ),
                ])
            ),
        ])
        let funnel = schema([
            (
                "steps",
                arrayOf(
                    schema([
                        ("event", string), ("where", arrayOf(ref("InsightPropertyCondition"))),
                        ("customers", integer()), ("conversion", number), ("step_conversion", number),
                    ]))
            ),
            ("window_days", integer()), ("dimension", object([("type", "string"), ("nullable", true)])),
            ("breakdown", arrayOf(schema([("group", string), ("customers", arrayOf(integer()))]))),
        ])
        let distribution = schema([
            ("category", object([("type", "string"), ("nullable", true)])), ("intervals", integer()),
            ("customers", integer()),
            ("mean_days", number), ("p25_days", integer()), ("median_days", integer()), ("p75_days", integer()),
            ("p90_days", integer()), ("buckets", arrayOf(schema([("days", string), ("intervals", integer())]))),
        ])
        let repurchase = schema([
            ("overall", ref("InsightRepurchaseDistribution")),
            ("categories", arrayOf(ref("InsightRepurchaseDistribution"))),
        ])
        let basket = schema([
            ("orders", integer()),
            (
                "rules",
                arrayOf(
                    schema([
                        ("antecedent", arrayOf(string)), ("consequent", string), ("orders", integer()),
                        ("support", number),
                        ("confidence", number), ("lift", number),
                    ]))
            ),
        ])
        let predictions = schema([
            (
                "models",
                schema([
                    ("bgnbd", schema([("r", number), ("alpha", number), ("a", number), ("b", number)])),
                    ("gamma_gamma", schema([("p", number), ("q", number), ("gamma", number)])),
                    ("buyers", integer()), ("repeat_buyers", integer()), ("churn_horizon_days", integer()),
                    (
                        "churn_model",
                        schema([
                            ("features", arrayOf(string)), ("intercept", nullableNumber),
                            ("weights", arrayOf(nullableNumber)), ("means", arrayOf(nullableNumber)),
                            ("scales", arrayOf(nullableNumber)), ("training_buyers", integer()),
                            ("training_churned", integer()), ("horizon_days", integer()),
                        ])
                    ),
                ])
            ),
            (
                "data",
                arrayOf(
                    schema([
                        ("customer_id", integer()), ("p_alive", number), ("churn_risk", number),
                        ("churn_model", nullableNumber),
                        ("expected_purchases_90d", number),
                        ("expected_spend_90d", money), ("predicted_clv", money),
                        ("next_purchase_date", object([("type", "string"), ("format", "date"), ("nullable", true)])),
                    ]))
            ),
            ("next_after", object([("type", "integer"), ("format", "int64"), ("nullable", true)])),
        ])

        let predictionRun = schema([
            (
                "bgnbd",
                object([
                    ("type", "object"), ("nullable", true),
                    ("properties", object([("r", number), ("alpha", number), ("a", number), ("b", number)])),
                ])
            ),
            (
                "gamma_gamma",
                object([
                    ("type", "object"), ("nullable", true),
                    ("properties", object([("p", number), ("q", number), ("gamma", number)])),
                ])
            ),
            ("traits", arrayOf(string)),
            ("tags", arrayOf(schema([("name", string), ("rule", string), ("size", integer())]))),
        ])
        let nullableString = object([("type", "string"), ("nullable", true)])
        let nullableMoney = object([
            ("type", "string"), ("nullable", true), ("pattern", "^-?[0-9]+\\.[0-9]{2}$"),
            ("description", "An amount in major units with two decimals; null when no cost is entered."),
        ])
        let roi = schema([
            ("from", date), ("to", date), ("model", enumeration(["first_touch", "last_touch"])),
            ("window_days", integer()),
            (
                "data",
                arrayOf(
                    schema([
                        ("campaign", string), ("source", nullableString), ("medium", nullableString),
                        ("touches", integer()), ("buyers", integer()), ("orders", integer()), ("revenue", money),
                        ("cost", nullableMoney), ("roi", nullableNumber),
                    ]))
            ),
        ])
        let campaignCost = schema([("campaign", string), ("cost", money)])
        let campaignCostRequest = object([
            ("type", "object"), ("required", array(["cost"])),
            (
                "properties",
                object([
                    (
                        "cost",
                        object([
                            ("type", "string"), ("pattern", "^[0-9]{1,12}(\\.[0-9]{1,2})?$"),
                            ("description", "The campaign's cost in major units (1200.00)."),
                        ])
                    )
                ])
            ),
        ])
        let campaignName = object([
            ("name", "name"), ("in", "path"), ("required", true),
            ("description", "A campaign name as events carry it (context.campaign.name or utm_campaign)."),
            ("schema", object([("type", "string"), ("minLength", 1), ("maxLength", 200)])),
        ])

        let base = "/api/v1/insights"
        let paths = object([
            (
                "\(base)/kpis",
                object([
                    (
                        "get",
                        operation(
                            "insightKPIs", "KPIs of a period",
                            "New, active and buying customers, orders, GMV, net revenue, average order value (客单价), repurchase rate (复购率), average lifetime value and loyalty points issued, redeemed and expired of the period, beside the previous period of the same length, as a series by grain and broken down by one dimension; members by tier. Customers outside the caller's data scope count nowhere.",
                            parameters: [
                                from, to,
                                query(
                                    "grain", "A series by day, week (from Monday) or month.",
                                    enumeration(["day", "week", "month"])), dimension, format,
                            ],
                            responses("The KPIs.", ref("InsightKPIReport"), csv: true))
                    )
                ])
            ),
            (
                "\(base)/kpis/customers",
                object([
                    (
                        "get",
                        operation(
                            "insightKPICustomers", "The customers behind a KPI cell",
                            "Drill-down: the customers counted in a measure for the period, for the whole period or one group of a dimension; identifiers masked without pii.view; needs customers.read too.",
                            parameters: [
                                from, to,
                                query(
                                    "measure", "Which customers (default buyers); point_earners and point_redeemers have no group of an order dimension (400 points_not_by_order).",
                                    enumeration([
                                        "new_customers", "active_customers", "buyers", "repeat_buyers", "point_earners",
                                        "point_redeemers",
                                    ])),
                                dimension,
                                query(
                                    "group", "A group of the dimension (a channel, a city …).",
                                    object([("type", "string"), ("maxLength", 200)])), limit,
                            ],
                            responses("The size and the first customers.", ref("InsightCustomers")))
                    )
                ])
            ),
            (
                "\(base)/rfm",
                object([
                    (
                        "get",
                        operation(
                            "insightRFM", "RFM matrix and segments",
                            "The R × F matrix (customers and average net spend per cell) and the 11 RFM segments with size and revenue share, scored as the rfm_* traits are, as of a day.",
                            parameters: [
                                query("as_of", "Score the orders placed up to this day (default today).", date), format,
                            ],
                            responses("The matrix and segments.", ref("InsightRFM"), csv: true))
                    )
                ])
            ),
            (
                "\(base)/rfm/movement",
                object([
                    (
                        "get",
                        operation(
                            "insightRFMMovement", "RFM segment movement",
                            "How many customers moved from each segment on one day to each segment on a later day (\"none\": no paid order yet).",
                            parameters: [
                                query("from", "The first day (default 30 days before to).", date),
                                query("to", "The second day (default today).", date),
                            ],
                            responses("The flows.", ref("InsightRFMMovement")))
                    )
                ])
            ),
            (
                "\(base)/cohorts",
                object([
                    (
                        "get",
                        operation(
                            "insightCohorts", "Cohort triangle",
                            "Retention and revenue by month since the first purchase (or first activity) month, as a triangle.",
                            parameters: [
                                query(
                                    "from", "The first cohort month, YYYY-MM (default: months before this month).",
                                    object([("type", "string"), ("pattern", "^[0-9]{4}-[0-9]{2}$")])),
                                query("months", "Cohort months (1–120, default 12).", bounded(1, 120, 12)),
                                query(
                                    "basis", "first_purchase (default) or first_seen.",
                                    enumeration(["first_purchase", "first_seen"])), format,
                            ],
                            responses("The triangle.", ref("InsightCohorts"), csv: true))
                    )
                ])
            ),
            (
                "\(base)/funnels",
                object([
                    (
                        "post",
                        operation(
                            "insightFunnel", "An event funnel",
                            "Customers who did the steps in order within the window after entering with the first step in the period, per step, with conversion, broken down by a customer dimension.",
                            body: ref("InsightFunnelRequest"), responses("Counts per step.", ref("InsightFunnel")))
                    )
                ])
            ),
            (
                "\(base)/funnels/drop-off",
                object([
                    (
                        "post",
                        operation(
                            "insightFunnelDropOff", "Customers who dropped at a funnel step",
                            "The customers who reached step and not the next; with save_as_tag they become members of that manual tag (needs audiences.write). Listing needs customers.read.",
                            parameters: [limit], body: ref("InsightFunnelRequest"), responses("The customers.", dropOff)
                        )
                    )
                ])
            ),
            (
                "\(base)/repurchase",
                object([
                    (
                        "get",
                        operation(
                            "insightRepurchase", "Days between purchases",
                            "The distribution of days between a customer's consecutive paid orders whose second order is in the period, overall and per item category.",
                            parameters: [from, to], responses("The distributions.", ref("InsightRepurchase")))
                    )
                ])
            ),
            (
                "\(base)/basket",
                object([
                    (
                        "get",
                        operation(
                            "insightBasket", "Market basket rules",
                            "Association rules between the categories or products of paid orders (FP-Growth) with support, confidence and lift above the thresholds; item keeps the \"customers who bought X also bought\" rules of one item.",
                            parameters: [
                                from, to,
                                query("level", "category (default) or product.", enumeration(["category", "product"])),
                                query("min_support", "Minimum support (default 0.01).", fraction(0.0001, 1, 0.01)),
                                query("min_confidence", "Minimum confidence (default 0.1).", fraction(0, 1, 0.1)),
                                query("min_lift", "Minimum lift (default 1).", fraction(0, 1_000_000, 1)),
                                query("max_length", "Largest itemset (2–5, default 3).", bounded(2, 5, 3)),
                                query(
                                    "item", "Only rules from this item alone, by confidence.",
                                    object([("type", "string"), ("maxLength", 200)])), limit, format,
                            ],
                            responses("The rules.", ref("InsightBasket"), csv: true))
                    )
                ])
            ),
            (
                "\(base)/predictions",
                object([
                    (
                        "get",
                        operation(
                            "insightPredictions", "CLV and churn predictions",
                            "BG/NBD and Gamma-Gamma fitted on the workspace's buyers, and per buyer in scope P(alive), churn risk (no purchase within horizon_days), expected purchases and spend in 90 days, predicted CLV (365 days) and expected next purchase date, by ascending customer id.",
                            parameters: [
                                query(
                                    "horizon_days", "Churn horizon in days (1–730, default 90).", bounded(1, 730, 90)),
                                query(
                                    "after", "Continue after this customer id.",
                                    object([("type", "integer"), ("format", "int64"), ("minimum", 0)])), limit,
                            ],
                            responses("The models and a page of predictions.", ref("InsightPredictions")))
                    )
                ])
            ),
            (
                "\(base)/predictions/run",
                object([
                    (
                        "post",
                        operation(
                            "insightRunPredictions", "Recompute predictions as traits and keep the predictive tags",
                            "Recomputes every trait, the predictions p_alive, churn_risk (90 days), predicted_clv, expected_spend_90d and next_purchase_date included (they show on profiles and rules can use them), and creates or updates the rule tags 高流失风险 (churn_risk >= 0.8) and 高价值潜力 (predicted_clv in the top 10 % of buyers and p_alive >= 0.5). Needs audiences.write.",
                            responses("The models and the predictive tags.", ref("InsightPredictionRun")))
                    )
                ])
            ),
            (
                "\(base)/roi",
                object([
                    (
                        "get",
                        operation(
                            "insightROI", "Channel and campaign ROI",
                            "Each paid order placed in the period credited to the first or last campaign touch (a page, screen or track event with context.campaign or utm_* properties) of its customer in the window_days before it, else to (direct) per order channel: per campaign its touches in the period, buyers, orders, net revenue, the cost entered and ROI = (revenue - cost) / cost. Customers outside the caller's data scope count nowhere.",
                            parameters: [
                                from, to,
                                query(
                                    "model", "first_touch or last_touch (default).",
                                    enumeration(["first_touch", "last_touch"])),
                                query(
                                    "window_days", "Attribution window in days (1–365, default 30).",
                                    bounded(1, 365, 30)),
                                format,
                            ],
                            responses("The ROI per campaign.", ref("InsightROI"), csv: true))
                    )
                ])
            ),
            (
                "\(base)/campaigns/costs",
                object([
                    (
                        "get",
                        operation(
                            "insightCampaignCosts", "Campaign costs", "The cost entered per campaign.",
                            responses("The costs.", schema([("data", arrayOf(ref("InsightCampaignCost")))])))
                    )
                ])
            ),
            (
                "\(base)/campaigns/{name}/cost",
                object([
                    (
                        "put",
                        operation(
                            "insightSetCampaignCost", "Set a campaign's cost",
                            "Sets the cost the ROI report sets against the campaign's revenue. Needs audiences.write.",
                            parameters: [campaignName], body: ref("InsightCampaignCostRequest"),
                            responses("The cost.", ref("InsightCampaignCost")))
                    ),
                    (
                        "delete",
                        operation(
                            "insightDeleteCampaignCost", "Remove a campaign's cost", "Needs audiences.write.",
                            parameters: [campaignName],
                            object([
                                ("204", object([("description", "Removed.")])),
                                ("400", object([("$ref", "#/components/responses/BadRequest")])),
                            ]))
                    ),
                ])
            ),
        ])
        let part = object([
            (
                "tags",
                array([
                    object([
                        ("name", "insights"),
                        (
                            "description",
                            "Customer insight (客户洞察): KPIs with drill-down, RFM, cohorts, funnels, repurchase, market baskets, CLV and churn predictions."
                        ),
                    ])
                ])
            ),
            ("paths", paths),
            (
                "components",
                object([
                    (
                        "schemas",
                        object([
                            ("InsightKPIValues", kpiValues), ("InsightKPIReport", kpiReport),
                            ("InsightCustomers", customers),
                            ("InsightRFM", rfm), ("InsightRFMMovement", movement), ("InsightCohorts", cohorts),
                            ("InsightFunnelRequest", funnelRequest), ("InsightFunnel", funnel),
                            ("InsightPropertyCondition", condition),
                            ("InsightRepurchaseDistribution", distribution), ("InsightRepurchase", repurchase),
                            ("InsightBasket", basket), ("InsightPredictions", predictions),
                            ("InsightPredictionRun", predictionRun), ("InsightROI", roi),
                            ("InsightCampaignCost", campaignCost), ("InsightCampaignCostRequest", campaignCostRequest),
                        ])
                    )
                ])
            ),
        ])
        return part.jsonText
    }()
}
