import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import PanoramaServices
import Testing

@testable import PanoramaHTTP

/// Settings editing and campaign ROI in the console: each edit goes through the REST API's
/// service and checks, needs the REST route's permission and the CSRF token, is audited with
/// `via: console`, and a refused one is explained beside its form in the viewer's language.
extension ConsoleHTTPTests {
    /// The audit entries of `action` as the REST API lists them.
    func auditEntries(_ client: some TestClientProtocol, action: String) async throws -> [JSONValue] {
        let (status, body, _) = try await AccessHTTPTests().send(
            client, .get, "/api/v1/audit?action=\(action)&limit=100")
        #expect(status == .ok, "\(body)")
        return (body["data"]?.arrayValue ?? []).filter { $0["action"]?.stringValue == action }
    }

    /// A signed-in user's session cookie (the user is created with `role`).
    func session(_ client: some TestClientProtocol, user: String, role: String) async throws -> String {
        let (status, body, _) = try await AccessHTTPTests().send(
            client, .post, "/api/v1/users", #"{"username":"\#(user)","password":"correct horse 1","role":"\#(role)"}"#)
        #expect(status == .created, "\(body)")
        let p = try await page(client, .post, "/app/sign-in", form: "username=\(user)&password=correct+horse+1&next=")
        return try #require(p.headers[.setCookie]?.split(separator: ";").first.map(String.init))
    }

    @Test func theTimeZoneIsValidatedSavedAuditedAndUsed() async throws {
        try await withApp { client in
            var p = try await page(client, "/app/settings", cookie: keyCookie, language: "en")
            #expect(
                p.status == .ok && p.body.contains("id=\"time-zone-form\"")
                    && p.body.contains("value=\"Asia/Shanghai\""))
            // Without the CSRF token: refused, nothing changes.
            p = try await page(
                client, .post, "/app/settings/time-zone", cookie: keyCookie, form: "time_zone=Europe%2FParis")
            #expect(p.status == .forbidden)
            // Not a zone: 400, the error beside the form in the viewer's language, the typed value kept.
            p = try await page(
                client, .post, "/app/settings/time-zone", cookie: keyCookie, language: "zh-CN",
                form: "time_zone=Mars%2FOlympus&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("不是有效的时区") && p.body.contains("value=\"Mars/Olympus\""))
            p = try await page(
                client, .post, "/app/settings/time-zone", cookie: keyCookie, form: "time_zone=CST&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest)
            p = try await page(
                client, .post, "/app/settings/time-zone", cookie: keyCookie,
                form: "time_zone=Europe%2FParis&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther && p.headers[.location]?.hasPrefix("/app/settings?saved=time_zone") == true)
            p = try await page(client, p.headers[.location] ?? "", cookie: keyCookie, language: "en")
            #expect(
                p.body.contains("<dd id=\"current-time-zone\">Europe/Paris</dd>") && p.body.contains("Time zone saved"))
            let entries = try await auditEntries(client, action: "workspace.time_zone")
            #expect(entries.count == 1)
            #expect(entries.first?["detail"]?["from"]?.stringValue == "Asia/Shanghai")
            #expect(entries.first?["detail"]?["to"]?.stringValue == "Europe/Paris")
            #expect(entries.first?["detail"]?["via"]?.stringValue == "console")
            // The day boundaries follow: the insights service's today is counted in the new zone.
            let (status, kpis) = try await http.get(client, "/api/v1/insights/kpis")
            #expect(status == .ok, "\(kpis)")
        }
    }

    @Test func identifierTypesAreEditedWithTheAPIsChecks() async throws {
        try await withApp { client in
            var p = try await page(client, "/app/settings?type=email", cookie: keyCookie, language: "en")
            #expect(p.body.contains("id=\"type-name\" name=\"name\" value=\"email\""), "\(p.body)")
            p = try await page(
                client, .post, "/app/settings/identifier-types", cookie: keyCookie, language: "en",
                form: "name=crm_id&priority=2000&limit=&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("priority must be an integer 0–1000"))
            p = try await page(
                client, .post, "/app/settings/identifier-types", cookie: keyCookie, language: "zh-CN",
                form: "name=CRM+id&priority=5&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("标识类型名只能使用"))
            p = try await page(
                client, .post, "/app/settings/identifier-types", cookie: keyCookie,
                form: "name=crm_id&priority=90&limit=1&unique=1&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther, "\(p.body)")
            let (status, types) = try await http.get(client, "/api/v1/identifier-types")
            #expect(status == .ok)
            let crm = types["data"]?.arrayValue?.first { $0["name"]?.stringValue == "crm_id" }
            #expect(crm?["priority"]?.numberValue?.int64 == 90 && crm?["limit"]?.numberValue?.int64 == 1)
            #expect(crm?["unique"]?.boolValue == true)
            // Empty limit: unbounded; unchecked: not unique.
            p = try await page(
                client, .post, "/app/settings/identifier-types", cookie: keyCookie,
                form: "name=crm_id&priority=80&limit=&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther)
            let (_, again) = try await http.get(client, "/api/v1/identifier-types")
            let changed = again["data"]?.arrayValue?.first { $0["name"]?.stringValue == "crm_id" }
            #expect(changed?["limit"]?.isNull == true && changed?["unique"]?.boolValue == false)
            let entries = try await auditEntries(client, action: "identifier_type.save")
            #expect(entries.count == 2 && entries.allSatisfy { $0["target"]?.stringValue == "identifier_type:crm_id" })
        }
    }

    @Test func aKeyIsCreatedWithItsSecretShownOnceAndRevoked() async throws {
        try await withApp { client in
            var p = try await page(
                client, .post, "/app/settings/keys", cookie: keyCookie, language: "en",
                form: "name=POS+till&kind=write&role=admin&_csrf=\(keyCSRF)")
            #expect(p.status == .ok && p.body.contains("This is the only time the secret is shown"))
            let secret = try #require(
                p.body.firstMatch(of: try Regex(#"id="new-key-secret"[^>]*value="(wk_[A-Za-z0-9]+)""#))?.output[1]
                    .substring.map(String.init))
            // The secret works on the tracking API, and is never shown again.
            var (status, _) = try await http.post(
                client, "/v1/identify", #"{"userId":"pos-1"}"#,
                auth: "Basic " + Data("\(secret):".utf8).base64EncodedString())
            #expect(status == .ok)
            p = try await page(client, "/app/settings", cookie: keyCookie, language: "en")
            #expect(!p.body.contains(secret) && p.body.contains("POS till"))
            let created = try await auditEntries(client, action: "key.create")
            let entry = try #require(created.first { $0["detail"]?["name"]?.stringValue == "POS till" })
            #expect(
                entry["detail"]?["via"]?.stringValue == "console" && entry["detail"]?["kind"]?.stringValue == "write")
            let id = try #require(entry["target"]?.stringValue?.split(separator: ":").last.map(String.init))
            // An admin key with a role; a role that does not exist is refused in place.
            p = try await page(
                client, .post, "/app/settings/keys", cookie: keyCookie, language: "zh-CN",
                form: "name=x&kind=admin&role=nobody&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("没有名为“nobody”的角色"))
            p = try await page(
                client, .post, "/app/settings/keys", cookie: keyCookie,
                form: "name=bi&kind=admin&role=analyst&_csrf=\(keyCSRF)")
            let analystKey = try #require(
                p.body.firstMatch(of: try Regex(#"value="(ak_[A-Za-z0-9]+)""#))?.output[1].substring.map(String.init))
            let (analystStatus, me, _) = try await AccessHTTPTests().send(
                client, .get, "/api/v1/auth/me", auth: "Bearer \(analystKey)")
            #expect(analystStatus == .ok && me["role"]?["name"]?.stringValue == "analyst", "\(me)")
            // Revoking needs the token; then the key no longer works.
            p = try await page(client, .post, "/app/settings/keys/\(id)/revoke", cookie: keyCookie, form: "")
            #expect(p.status == .forbidden)
            p = try await page(
                client, .post, "/app/settings/keys/\(id)/revoke", cookie: keyCookie, form: "_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther && p.headers[.location]?.contains("saved=key_revoked") == true)
            (status, _) = try await http.post(
                client, "/v1/identify", #"{"userId":"pos-2"}"#,
                auth: "Basic " + Data("\(secret):".utf8).base64EncodedString())
            #expect(status == .unauthorized)
            p = try await page(
                client, .post, "/app/settings/keys/\(id)/revoke", cookie: keyCookie, form: "_csrf=\(keyCSRF)")
            #expect(p.status == .notFound)
            let revoked = try await auditEntries(client, action: "key.revoke")
            #expect(revoked.count == 1 && revoked.first?["target"]?.stringValue == "key:\(id)")
        }
    }

    @Test func theLoyaltyProgramIsEditedAndRefusedInPlace() async throws {
        try await withApp { client in
            let form =
                "tier_period_days=365&expiry_months=24"
                + "&tier.0.code=member&tier.0.name=%E4%BC%9A%E5%91%98&tier.0.min_spend=&tier.0.multiplier=1"
                + "&tier.1.code=gold&tier.1.name=%E9%87%91%E5%8D%A1&tier.1.min_spend=5%2C000.50&tier.1.multiplier=1.5"
                + "&tier.2.code=&tier.2.name=&tier.2.min_spend=&tier.2.multiplier="
                + "&rule.0.type=spend&rule.0.target=&rule.0.points=1&rule.0.per_amount=1&rule.0.limit="
                + "&rule.1.type=event&rule.1.target=birthday&rule.1.points=200&rule.1.per_amount=&rule.1.limit=yearly"
                + "&rule.2.type=spend&rule.2.target=&rule.2.points=&rule.2.per_amount=&rule.2.limit="
            var p = try await page(
                client, .post, "/app/settings/loyalty", cookie: keyCookie, form: form + "&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther, "\(p.body)")
            let (status, program) = try await http.get(client, "/api/v1/loyalty/program")
            #expect(status == .ok)
            let tiers = program["tiers"]?.arrayValue ?? []
            #expect(tiers.count == 2)
            #expect(tiers.last?["min_spend"]?.numberValue?.int64 == 500_050)
            #expect(tiers.last?["multiplier_percent"]?.numberValue?.int64 == 150)
            #expect(program["expiry_months"]?.numberValue?.int64 == 24)
            #expect(program["earn_rules"]?.arrayValue?.count == 2)
            p = try await page(client, "/app/settings?saved=loyalty", cookie: keyCookie, language: "zh-CN")
            #expect(p.body.contains("会员方案已保存") && p.body.contains("¥5,000.50") && p.body.contains("×1.5"))
            // A second tier without a threshold: the service refuses it; the page names the row in Chinese.
            let open = form.replacingOccurrences(of: "tier.1.min_spend=5%2C000.50", with: "tier.1.min_spend=")
            p = try await page(
                client, .post, "/app/settings/loyalty", cookie: keyCookie, language: "zh-CN",
                form: open + "&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("未保存：会员等级 · 第 2 行："), "\(p.body)")
            #expect(p.body.contains("value=\"gold\""))  // what was typed comes back
            // Not an amount: refused before the service, in English for an English reader.
            let bad = form.replacingOccurrences(of: "5%2C000.50", with: "lots")
            p = try await page(
                client, .post, "/app/settings/loyalty", cookie: keyCookie, language: "en",
                form: bad + "&_csrf=\(keyCSRF)")
            #expect(p.status == .badRequest && p.body.contains("Row 2: the minimum spend is not an amount"))
            let entries = try await auditEntries(client, action: "loyalty.program")
            #expect(entries.count == 1 && entries.first?["detail"]?["via"]?.stringValue == "console")
        }
    }

    @Test func settingsEditsNeedTheRESTPermissions() async throws {
        try await withApp { client in
            // An analyst reads settings (settings.read) but may not change them or manage keys.
            let analyst = try await session(client, user: "ana", role: "analyst")
            let csrf = try #require(
                try await page(client, "/app/settings", cookie: analyst, language: "en").body
                    .firstMatch(of: try Regex(#"data-csrf="([^"]+)""#))?.output[1].substring.map(String.init))
            var p = try await page(client, "/app/settings", cookie: analyst, language: "en")
            #expect(p.status == .ok && !p.body.contains("time-zone-form") && !p.body.contains("loyalty-form"))
            #expect(!p.body.contains("key-form"))
            for (path, form) in [
                ("/app/settings/time-zone", "time_zone=UTC"), ("/app/settings/identifier-types", "name=x&priority=1"),
                ("/app/settings/keys", "kind=write"), ("/app/settings/keys/1/revoke", ""),
                ("/app/settings/loyalty", "tier_period_days=30"),
            ] {
                p = try await page(
                    client, .post, path, cookie: analyst, language: "zh-CN", form: form + "&_csrf=\(csrf)")
                #expect(p.status == .forbidden && p.body.contains("无权"), "\(path): \(p.status)")
            }
            let (_, keys) = try await http.get(client, "/api/v1/keys")
            #expect(keys["data"]?.arrayValue?.allSatisfy { $0["revoked_at"]?.isNull == true } == true)
            let workspace = try await page(client, "/app/settings", cookie: keyCookie, language: "en")
            #expect(workspace.body.contains("<dd id=\"current-time-zone\">Asia/Shanghai</dd>"))
        }
    }

    @Test func theROIPageCreditsCampaignsAndTakesCosts() async throws {
        try await withApp { client in
            let (touch, _) = try await http.post(
                client, "/v1/page",
                #"{"userId":"c1","name":"Home","context":{"campaign":{"name":"spring","source":"wechat"}}}"#)
            #expect(touch == .ok)
            for (user, total) in [("c1", "10"), ("c2", "25.5")] {
                let (status, _) = try await http.post(
                    client, "/v1/track",
                    #"{"userId":"\#(user)","event":"Order Completed","properties":{"order_id":"O-\#(user)","total":\#(total)}}"#
                )
                #expect(status == .ok)
            }
            try await expectBothLanguages(client, "/app/insights/roi")
            var p = try await page(
                client, "/app/insights/roi?model=first_touch&days=30&window=7", cookie: keyCookie, language: "zh-CN")
            #expect(p.body.contains("aria-current=\"page\">活动 ROI") && p.body.contains("<th scope=\"row\">spring"))
            #expect(
                p.body.contains("aria-labelledby=\"roi-title") && p.body.contains("¥10")
                    && p.body.contains("value=\"first_touch\" selected"), "\(p.body)")
            // The cost form: CSRF, then a bad amount in place, then a cost that gives ROI 150 %.
            p = try await page(
                client, .post, "/app/insights/roi/cost?days=30", cookie: keyCookie, form: "campaign=spring&cost=4")
            #expect(p.status == .forbidden)
            p = try await page(
                client, .post, "/app/insights/roi/cost?days=30", cookie: keyCookie, language: "en",
                form: "campaign=spring&cost=four&_csrf=\(keyCSRF)")
            #expect(
                p.status == .badRequest && p.body.contains("The cost is not an amount")
                    && p.body.contains("value=\"four\""))
            p = try await page(
                client, .post, "/app/insights/roi/cost?days=30", cookie: keyCookie, language: "en",
                form: "campaign=spring&cost=4.00&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther, "\(p.body)")
            p = try await page(client, p.headers[.location] ?? "", cookie: keyCookie, language: "en")
            #expect(p.body.contains("Cost of “spring” saved") && p.body.contains("150.0%"), "\(p.body)")
            let (_, costs) = try await http.get(client, "/api/v1/insights/campaigns/costs")
            #expect(costs["data"]?.arrayValue?.first?["cost"]?.stringValue == "4.00")
            let entries = try await auditEntries(client, action: "campaign.cost")
            #expect(entries.first?["detail"]?["cost"]?.stringValue == "4.00")
            #expect(entries.first?["detail"]?["via"]?.stringValue == "console")
            // A role with insights.read and without audiences.write sees ROI but not the form, and is refused (403).
            let (made, role, _) = try await AccessHTTPTests().send(
                client, .post, "/api/v1/roles", #"{"name":"roi-viewer","permissions":["insights.read"],"scope":"all"}"#)
            #expect(made == .created || made == .ok, "\(role)")
            let viewer = try await session(client, user: "vic", role: "roi-viewer")
            p = try await page(client, "/app/insights/roi", cookie: viewer, language: "en")
            #expect(p.status == .ok && !p.body.contains("id=\"cost-form\"") && p.body.contains("spring"))
            let csrf = try #require(
                p.body.firstMatch(of: try Regex(#"data-csrf="([^"]+)""#))?.output[1].substring.map(String.init))
            p = try await page(
                client, .post, "/app/insights/roi/cost", cookie: viewer, form: "campaign=spring&cost=1&_csrf=\(csrf)")
            #expect(p.status == .forbidden)
            let (_, unchanged) = try await http.get(client, "/api/v1/insights/campaigns/costs")
            #expect(unchanged["data"]?.arrayValue?.first?["cost"]?.stringValue == "4.00")
            let auditor = try await session(client, user: "audi", role: "auditor")
            p = try await page(client, "/app/insights/roi", cookie: auditor, language: "en")
            #expect(p.status == .forbidden)
        }
    }

    @Test func theTimeZoneHasARESTRouteWithTheSameChecks() async throws {
        try await withApp { client in
            let access = AccessHTTPTests()
            var (status, body, _) = try await access.send(client, .get, "/api/v1/workspace")
            #expect(status == .ok && body["time_zone"]?.stringValue == "Asia/Shanghai", "\(body)")
            (status, body, _) = try await access.send(
                client, .put, "/api/v1/workspace/time-zone", #"{"time_zone":"CST"}"#)
            #expect(status == .badRequest && body["error"]?["code"]?.stringValue == "invalid_time_zone")
            (status, body, _) = try await access.send(client, .put, "/api/v1/workspace/time-zone", #"{"time_zone":8}"#)
            #expect(status == .badRequest && body["error"]?["field"]?.stringValue == "time_zone")
            let analyst = try await access.key(client, role: "analyst")
            (status, _, _) = try await access.send(
                client, .put, "/api/v1/workspace/time-zone", #"{"time_zone":"UTC"}"#, auth: analyst)
            #expect(status == .forbidden)
            (status, body, _) = try await access.send(
                client, .put, "/api/v1/workspace/time-zone", #"{"time_zone":"America/New_York"}"#)
            #expect(status == .ok && body["time_zone"]?.stringValue == "America/New_York", "\(body)")
            let entries = try await auditEntries(client, action: "workspace.time_zone")
            // The success (with both zones) and the two refused bodies, each recorded once.
            #expect(entries.count == 3, "\(entries)")
            #expect(
                entries.contains {
                    $0["detail"]?["to"]?.stringValue == "America/New_York"
                        && $0["detail"]?["from"]?.stringValue == "Asia/Shanghai"
                })
            let p = try await page(client, "/app/settings", cookie: keyCookie, language: "en")
            #expect(p.body.contains("<dd id=\"current-time-zone\">America/New_York</dd>"))
        }
    }
}
