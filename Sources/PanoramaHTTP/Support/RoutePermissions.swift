import PanoramaServices

/// The permission each REST route requires, by method and route pattern. A route missing here
/// is refused to everyone (fail closed); a test checks that every registered route is listed.
enum RoutePermissions {
    /// What a route needs: a permission, or only a signed-in principal.
    enum Requirement: Equatable {
        case permission(Permission)
        case authenticated
        /// Open to everyone (the console's sign-in page, its static files, the language switch).
        case open
    }

    /// The requirement of `method` on `path` (a route pattern as registered: `/api/v1/tags/{name}`).
    static func requirement(method: String, path: String) -> Requirement? {
        let path = path.hasPrefix("/") ? path : "/" + path
        return table["\(method) \(path)"]
    }

    static let table: [String: Requirement] = {
        var t: [String: Requirement] = [:]
        func add(_ permission: Permission?, _ routes: String...) {
            for route in routes { t[route] = permission.map(Requirement.permission) ?? .authenticated }
        }
        add(
            nil, "POST /api/v1/auth/logout", "GET /api/v1/auth/me", "POST /api/v1/auth/totp/setup",
            "POST /api/v1/auth/totp/confirm", "DELETE /api/v1/auth/totp")
        add(
            .customersRead, "GET /api/v1/customers", "GET /api/v1/customers/by-identifier/{type}/{value}",
            "GET /api/v1/customers/{id}", "GET /api/v1/customers/{id}/events", "GET /api/v1/customers/{id}/merges",
            "GET /api/v1/customers/{id}/value")
        add(.customersWrite, "POST /api/v1/customers/{id}/merge", "POST /api/v1/merges/{id}/undo")
        add(.customersRead, "GET /api/v1/customers/{id}/consents")
        add(.customersWrite, "PUT /api/v1/customers/{id}/consents")
        // The export also needs customers.read and pii.view (checked by its handler).
        add(.privacyManage, "GET /api/v1/customers/{id}/privacy-export", "POST /api/v1/customers/{id}/erasure")
        add(
            .loyaltyRead, "GET /api/v1/customers/{id}/loyalty", "GET /api/v1/customers/{id}/points",
            "GET /api/v1/customers/{id}/stored-value", "GET /api/v1/loyalty/program")
        add(
            .loyaltyWrite, "POST /api/v1/customers/{id}/loyalty/events", "POST /api/v1/customers/{id}/points/adjustments",
            "POST /api/v1/customers/{id}/points/redemptions", "POST /api/v1/customers/{id}/stored-value/refunds",
            "POST /api/v1/customers/{id}/stored-value/spends", "POST /api/v1/customers/{id}/stored-value/top-ups",
            "POST /api/v1/loyalty/tier-review")
        add(
            .ordersRead, "GET /api/v1/customers/{id}/orders", "GET /api/v1/orders/by-external-id/{external_id}",
            "GET /api/v1/orders/{id}")
        add(.ordersWrite, "POST /api/v1/orders", "POST /api/v1/orders/{id}/refunds")
        add(
            .duplicatesReview, "GET /api/v1/duplicates", "POST /api/v1/duplicates/runs", "GET /api/v1/duplicates/runs",
            "GET /api/v1/duplicates/runs/{id}", "GET /api/v1/duplicates/settings", "GET /api/v1/duplicates/{id}",
            "POST /api/v1/duplicates/{id}/merge", "POST /api/v1/duplicates/{id}/reject")
        add(.settingsRead, "GET /api/v1/identifier-types", "GET /api/v1/roles", "GET /api/v1/workspace")
        add(.settingsWrite, "PUT /api/v1/workspace/time-zone")
        add(
            .settingsWrite, "PUT /api/v1/identifier-types/{name}", "PUT /api/v1/loyalty/program",
            "PUT /api/v1/duplicates/settings")
        add(
            .importsRun, "POST /api/v1/imports", "GET /api/v1/imports", "GET /api/v1/imports/{id}",
            "POST /api/v1/imports/{id}/preview", "GET /api/v1/imports/{id}/rejected", "POST /api/v1/imports/{id}/start")
        add(.keysManage, "GET /api/v1/keys", "POST /api/v1/keys", "DELETE /api/v1/keys/{id}")
        add(
            .usersManage, "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{id}",
            "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}", "POST /api/v1/roles", "DELETE /api/v1/roles/{name}")
        add(.clusterRead, "GET /api/v1/cluster")
        add(.auditRead, "GET /api/v1/audit", "GET /api/v1/audit/verify")
        add(.audiencesRead, "GET /api/v1/traits", "GET /api/v1/traits/{name}", "POST /api/v1/rules/check")
        add(.audiencesWrite, "POST /api/v1/traits", "PUT /api/v1/traits/{name}", "DELETE /api/v1/traits/{name}")
        for kind in ["tags", "segments"] {
            add(
                .audiencesRead, "GET /api/v1/\(kind)", "GET /api/v1/\(kind)/{name}", "GET /api/v1/\(kind)/{name}/count",
                "GET /api/v1/\(kind)/{name}/preview", "GET /api/v1/\(kind)/{name}/members",
                "GET /api/v1/\(kind)/{name}/changes", "GET /api/v1/\(kind)/{name}/sizes")
            add(
                .audiencesWrite, "POST /api/v1/\(kind)", "PUT /api/v1/\(kind)/{name}", "DELETE /api/v1/\(kind)/{name}")
            add(.audiencesExport, "GET /api/v1/\(kind)/{name}/export")
        }
        add(.audiencesWrite, "POST /api/v1/tags/{name}/assign", "POST /api/v1/tags/{name}/unassign")
        add(.audiencesWrite, "POST /api/v1/segments/{name}/refresh")
        add(.audiencesRead, "POST /api/v1/rules/evaluate")
        // Saving a funnel drop-off as a tag also needs audiences.write (checked by its handler).
        add(
            .insightsRead, "GET /api/v1/insights/kpis", "GET /api/v1/insights/kpis/customers", "GET /api/v1/insights/rfm",
            "GET /api/v1/insights/rfm/movement", "GET /api/v1/insights/cohorts", "POST /api/v1/insights/funnels",
            "POST /api/v1/insights/funnels/drop-off", "GET /api/v1/insights/repurchase", "GET /api/v1/insights/basket",
            "GET /api/v1/insights/predictions", "GET /api/v1/insights/roi",
            "GET /api/v1/insights/campaigns/costs")
        // Writes the prediction traits and creates or updates the predictive tags.
        add(.audiencesWrite, "POST /api/v1/insights/predictions/run")
        add(
            .audiencesWrite, "PUT /api/v1/insights/campaigns/{name}/cost",
            "DELETE /api/v1/insights/campaigns/{name}/cost")
        for (route, requirement) in ConsoleController.routePolicies { t[route] = requirement }
        return t
    }()
}
