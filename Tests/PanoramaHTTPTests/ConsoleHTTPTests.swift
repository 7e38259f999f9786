import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PanoramaCore
import PanoramaEngine
import PanoramaServices
import Testing

@testable import PanoramaHTTP

/// The web console under /app: every route has a policy, pages render in both languages from the
/// catalogs, sign-in (user and admin key), CSRF on every form, masking and data scopes on the
/// pages exactly as on the REST API, pagination, the live count and its errors, export.
@Suite struct ConsoleHTTPTests {
    let http = HTTPTests()

    /// The console cookie and CSRF token of the test's admin key (role owner: sees personal information).
    var keyCookie: String { "\(ConsoleMiddleware.keyCookie)=\(HTTPTests.adminKey)" }
    var keyCSRF: String { KeyService.consoleCSRF(forKey: HTTPTests.adminKey) }

    func withApp(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await http.withApp(
            configure: { config in
                config.bcryptCost = 4
                config.rateLimits.login = .init(rate: 100, burst: 100)
            }, test)
    }

    struct Page {
        var status: HTTPResponse.Status
        var body: String
        var headers: HTTPFields
    }

    func page(
        _ client: some TestClientProtocol, _ path: String, cookie: String? = nil, language: String? = nil,
        form: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Page {
        try await page(client, .get, path, cookie: cookie, language: language, form: form, headers: extra)
    }

    func page(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, cookie: String? = nil,
        language: String? = nil, form: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Page {
        var headers = extra
        if let cookie { headers[.cookie] = cookie }
        if let language { headers[.acceptLanguage] = language }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }
        ) { Page(status: $0.status, body: String(buffer: $0.body), headers: $0.headers) }
    }

    func identify(_ client: some TestClientProtocol, _ json: String) async throws {
        let (status, body) = try await http.post(client, "/v1/identify", json)
        #expect(status == .ok, "\(body)")
    }

    /// The owner's page at `path` renders in Chinese and in English, uncached, every tag filled.
    func expectBothLanguages(_ client: some TestClientProtocol, _ path: String) async throws {
        let zh = try await page(client, path, cookie: keyCookie, language: "zh-CN")
        #expect(zh.status == .ok, "\(path): \(zh.status) \(zh.body.prefix(300))")
        #expect(zh.body.contains("<html lang=\"zh-CN\">") && zh.body.contains("退出登录"), "\(path)")
        let en = try await page(client, path, cookie: keyCookie, language: "en")
        #expect(en.status == .ok, "\(path): \(en.status)")
        #expect(en.body.contains("<html lang=\"en\">") && en.body.contains("Sign out"), "\(path)")
        #expect(en.headers[.cacheControl] == "no-store")
        for body in [zh.body, en.body] { #expect(!body.contains("{{"), "\(path) has an unrendered tag") }
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    // MARK: Policies

    @Test func everyConsoleRouteHasAPolicyAndOnlySignInAndAssetsAreOpen() throws {
        let recorder = try AccessHTTPTests.routes()
        let console = recorder.routes.map { (method: $0.method, path: $0.path.hasPrefix("/") ? $0.path : "/" + $0.path) }
            .filter { $0.path == "/app" || $0.path.hasPrefix("/app/") }
        #expect(console.count >= 20)
        let missing = console.filter { RoutePermissions.requirement(method: $0.method, path: $0.path) == nil }
        #expect(missing.isEmpty, "console routes without a policy: \(missing)")
        let stale = Set(ConsoleController.routePolicies.keys).subtracting(console.map { "\($0.method) \($0.path)" })
        #expect(stale.isEmpty, "policies of routes that do not exist: \(stale.sorted())")
        let open = console.filter { RoutePermissions.requirement(method: $0.method, path: $0.path) == .open }.map(\.path)
        #expect(Set(open) == ["/app", "/app/sign-in", "/app/lang", "/app/static/{file}"])
    }

    // MARK: Languages and catalogs

    @Test func theSignInPageFollowsAcceptLanguageAndTheLanguageCookie() async throws {
        try await withApp { client in
            var p = try await page(client, "/app/sign-in", language: "en-US,en;q=0.9")
            #expect(p.status == .ok)
            #expect(p.body.contains("<html lang=\"en\">") && p.body.contains("Sign in to Panorama"))
            p = try await page(client, "/app/sign-in", language: "zh-CN,zh;q=0.9,en;q=0.5")
            #expect(p.body.contains("<html lang=\"zh-CN\">") && p.body.contains("登录 Panorama"))
            // The user's switch wins over the browser's languages.
            let switched = try await page(client, "/app/lang?set=en&back=%2Fapp%2Fsign-in", language: "zh-CN")
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/app/sign-in")
            #expect(switched.headers[.setCookie]?.hasPrefix("panorama_lang=en;") == true)
            p = try await page(client, "/app/sign-in", cookie: "panorama_lang=en", language: "zh-CN")
            #expect(p.body.contains("Sign in to Panorama"))
            // A language switch never sends the browser to another host.
            let away = try await page(client, "/app/lang?set=en&back=https%3A%2F%2Fevil.example")
            #expect(away.headers[.location] == "/app")
            // Assets come from the binary with their types.
            let css = try await page(client, "/app/static/console.css")
            #expect(css.status == .ok && css.headers[.contentType]?.hasPrefix("text/css") == true && css.body.contains(".kpi"))
            let js = try await page(client, "/app/static/console.js")
            #expect(js.status == .ok && js.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(try await page(client, "/app/static/other.js").status == .notFound)
        }
    }

    @Test func bothCatalogsHaveEveryKeyTheTemplatesAndCodeUse() throws {
        // Keys used by the templates ({{t.key}}) and by the code (viewer.t("key") / text("key"…)).
        var used = Set<String>()
        let templateKey = try Regex(#"\{\{[#^]?t\.([a-z0-9_]+)\}\}"#)
        for (_, text) in ConsoleTemplates.all {
            for match in text.matches(of: templateKey) { used.insert(String(match.output[1].substring ?? "")) }
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/PanoramaHTTP/Console")
        let codeKey = try Regex(#"(?:viewer\.t|\.text)\(\s*"([a-z0-9_]+)"\s*[,)]"#)
        for file in try FileManager.default.contentsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: codeKey) { used.insert(String(match.output[1].substring ?? "")) }
        }
        // Keys the code builds from a prefix and a value: every value has its text.
        used.formUnion(AudienceType.allCases.map { "type_" + $0.rawValue })
        used.formUnion(TagCategory.allCases.map { "category_" + $0.rawValue })
        used.formUnion(ConsentPurpose.allCases.map { "purpose_" + $0.rawValue })
        used.formUnion(OrderStatus.allCases.map { "status_" + $0.rawValue })
        used.formUnion(RefundKind.allCases.map { "refund_" + $0.rawValue })
        used.formUnion(ImportKind.allCases.map { "import_" + $0.rawValue })
        used.formUnion(["uploaded", "running", "completed", "failed"].map { "import_status_" + $0 })
        used.formUnion(["customers", "orders", "revenue", "aov", "refund_rate"].map { "kpi_" + $0 })
        used.formUnion(ConsoleRenderer.navigation.map { "nav_" + $0.key })
        used.formUnion(ConsoleController.insightTabs.map { "insights_tab_" + $0 })
        used.formUnion(["retention", "revenue"].map { "cohort_metric_" + $0 })
        used.formUnion(["retention", "revenue"].map { "cohort_\($0)_title" })
        used.formUnion(["first_purchase", "first_seen"].map { "cohort_basis_" + $0 })
        used.formUnion(["category", "product"].map { "basket_level_" + $0 })
        used.formUnion(ConsoleController.settingsSections.map { "settings_saved_" + $0 })
        used.formUnion(["spend", "category", "event", "default"].map { "rule_type_" + $0 }.filter { $0 != "rule_type_default" })
        used.formUnion((LoyaltyProgram.EventLimit.allCases.map(\.rawValue) + ["default"]).map { "rule_limit_" + $0 })
        used.formUnion(AttributionModel.allCases.map { "roi_model_" + $0.rawValue })
        used.formUnion(ConsoleController.breakdownDimensions.flatMap { ["breakdown_" + $0, "buyers_by_" + $0] })
        used.formUnion(["online", "mini_program", "app", "store"].map { "channel_" + $0 })
        used.formUnion(StoreDashboardSource.rfmSegments.map {
            "rfm_" + $0.lowercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: " ", with: "_")
        })
        used.formUnion(
            ["invalid_credentials", "invalid_key", "rate_limited", "totp_required", "totp_invalid", "account_locked"].map {
                "sign_in_" + $0
            })
        #expect(used.count > 150)
        for key in used.sorted() {
            #expect(ConsoleMessages.en[key] != nil, "English lacks '\(key)'")
            #expect(ConsoleMessages.zh[key] != nil, "Chinese lacks '\(key)'")
        }
        #expect(Set(ConsoleMessages.en.keys) == Set(ConsoleMessages.zh.keys))
        // No literal UI text in templates: outside tags, only mustache, punctuation and symbols.
        for (name, text) in ConsoleTemplates.all {
            let stripped = text.replacing(try Regex(#"<[^>]*>"#), with: " ").replacing(try Regex(#"\{\{[^}]*\}\}"#), with: " ")
            let words = stripped.split(whereSeparator: { !$0.isLetter }).filter { !$0.isEmpty }
            #expect(words.isEmpty, "template '\(name)' has literal text: \(words.prefix(5))")
        }
    }

    @Test func localeFormatsNumbersMoneyAndDates() {
        let zh = ConsoleLocale.zh, en = ConsoleLocale.en
        #expect(zh.number(1234) == "1,234")
        #expect(zh.number(12_345, compact: true) == "1.2万")
        #expect(zh.number(3_456_789, compact: true) == "346万")
        #expect(zh.number(123_456_789, compact: true) == "1.2亿")
        #expect(en.number(12_345, compact: true) == "12,345")
        #expect(en.number(3_456_789, compact: true) == "3.5M")
        #expect(zh.money(123_456) == "¥1,234.56")
        #expect(zh.money(163_312_345, compact: true) == "¥163.3万")
        #expect(en.money(163_312_345, compact: true) == "¥1.6M")
        #expect(en.money(-5) == "-¥0.05")
        #expect(en.percent(basisPoints: 1234) == "12.3%")
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        // 2026-05-01T16:30:00Z is 2 May 00:30 in Shanghai.
        let millis: Int64 = 1_777_653_000_000
        #expect(zh.dateTime(millis, zone: shanghai) == "2026年5月2日 00:30")
        #expect(en.dateTime(millis, zone: shanghai) == "2026-05-02 00:30")
        #expect(ConsoleLocale.negotiate("en-GB,en;q=0.9,zh-CN;q=0.8") == .en)
        #expect(ConsoleLocale.negotiate("fr-FR,zh;q=0.7,en;q=0.3") == .zh)
        #expect(ConsoleLocale.negotiate("") == .zh)
    }

    // MARK: Signing in

    @Test func pagesNeedASignedInViewerAndSignInWorksWithKeysAndUsers() async throws {
        try await withApp { client in
            // Not signed in: pages redirect to the sign-in page, which brings the viewer back.
            var p = try await page(client, "/app/customers?q=x")
            #expect(p.status == .seeOther)
            #expect(p.headers[.location] == "/app/sign-in?next=%2Fapp%2Fcustomers%3Fq%3Dx")
            // A wrong key is refused in place.
            p = try await page(client, .post, "/app/sign-in", form: "admin_key=ak_wrong&next=", headers: [:])
            #expect(p.status == .unauthorized && p.body.contains("sign-in-error"))
            // The admin key signs in; its cookie is HttpOnly, SameSite=Strict, for /app only.
            p = try await page(client, .post, "/app/sign-in", language: "en", form: "admin_key=\(HTTPTests.adminKey)&next=%2Fapp%2Fcustomers")
            #expect(p.status == .seeOther && p.headers[.location] == "/app/customers")
            let cookie = try #require(p.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/app"))
            // A user with a password (and the sign-in is audited like the API's).
            let (status, body, _) = try await AccessHTTPTests().send(
                client, .post, "/api/v1/users", #"{"username":"mei","password":"correct horse 1","role":"marketer"}"#)
            #expect(status == .created, "\(body)")
            p = try await page(client, .post, "/app/sign-in", form: "username=mei&password=wrong&next=")
            #expect(p.status == .unauthorized && p.body.contains("用户名或密码错误"))
            p = try await page(client, .post, "/app/sign-in", form: "username=mei&password=correct+horse+1&next=")
            #expect(p.status == .seeOther && p.headers[.location] == "/app/dashboard")
            let session = try #require(p.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            #expect(session.hasPrefix("panorama_session=ps_"))
            // The marketer's navigation has no imports or settings; settings is refused.
            p = try await page(client, "/app/dashboard", cookie: session)
            #expect(p.status == .ok && p.body.contains("/app/audiences") && !p.body.contains("href=\"/app/imports\""))
            p = try await page(client, "/app/settings", cookie: session)
            #expect(p.status == .forbidden && p.body.contains("无权访问"))
            // Signing out ends the session.
            let csrf = try #require(p.body.firstMatch(of: try Regex(#"data-csrf="([^"]+)""#))?.output[1].substring)
            p = try await page(client, .post, "/app/sign-out", cookie: session, form: "_csrf=\(csrf)")
            #expect(p.status == .seeOther && p.headers[.location] == "/app/sign-in")
            p = try await page(client, "/app/dashboard", cookie: session)
            #expect(p.status == .seeOther)
        }
    }

    @Test func everyMainPageRendersInBothLanguages() async throws {
        try await withApp { client in
            try await identify(client, #"{"userId":"u1","traits":{"name":"王芳","phone":"13800138000","city":"上海"}}"#)
            for path in [
                "/app/dashboard", "/app/dashboard?days=7", "/app/customers", "/app/customers/1", "/app/audiences",
                "/app/segments/new", "/app/settings", "/app/imports",
            ] {
                try await expectBothLanguages(client, path)
            }
            let dashboard = try await page(client, "/app/dashboard", cookie: keyCookie, language: "en")
            #expect(dashboard.body.contains("<svg") && dashboard.body.contains("role=\"img\""))
            let unknown = try await page(client, "/app/customers/999", cookie: keyCookie, language: "en")
            #expect(unknown.status == .notFound && unknown.body.contains("Not found"))
        }
    }

    @Test func theDashboardCountsThePeriodsOrdersAndLinksBarsToCustomers() async throws {
        try await withApp { client in
            for (id, channel, price) in [("D-1", "online", "30.00"), ("D-2", "store", "70.00")] {
                let order = #"""
                    {"order_id": "\#(id)", "customer": {"user_id": "u-\#(id)"}, "status": "paid", "channel": "\#(channel)",
                     "products": [{"sku": "A", "category": "tea", "quantity": 1, "price": "\#(price)"}]}
                    """#
                let (status, body) = try await http.post(client, "/api/v1/orders", order, auth: HTTPTests.bearer)
                #expect(status == .created, "\(body)")
            }
            let p = try await page(client, "/app/dashboard?days=7", cookie: keyCookie, language: "en")
            #expect(p.status == .ok)
            // Two customers, two orders, ¥100.00 net, ¥50.00 a order, no refunds.
            let values = p.body.matches(of: try Regex(#"<strong class="kpi-value">([^<]*)</strong>"#)).map {
                String($0.output[1].substring ?? "")
            }
            #expect(values == ["2", "2", "¥100.00", "¥50.00", "0.0%"], "\(values)")
            #expect(p.body.contains("Online store") && p.body.contains(">Store<"))
            #expect(p.body.contains("Net revenue per day"))
            // Broken down by channel (insights service), each bar opens exactly its buyers.
            let breakdown = try await page(client, "/app/dashboard?days=7&by=channel", cookie: keyCookie, language: "en")
            let links = breakdown.body.matches(of: try Regex(#"<a href="(/app/dashboard/customers\?[^"]+)""#)).map {
                String($0.output[1].substring ?? "").replacingOccurrences(of: "&amp;", with: "&")
            }
            #expect(links.count == 2, "\(links)")
            for link in links {
                let list = try await page(client, link, cookie: keyCookie, language: "en")
                #expect(list.status == .ok && list.body.contains("Buyers of") && list.body.contains(": 1."), "\(link)")
                let online = link.hasSuffix("group=online")
                #expect(list.body.contains("u-D-1") == online && list.body.contains("u-D-2") == !online, "\(link)")
            }
        }
    }

    /// With no patience (a million customers: loading and computing take seconds), pages answer
    /// at once that the customers are loading or the figures are being computed (HTTP 202, a
    /// notice, a refresh), until the figures are there.
    @Test func slowFiguresAnswerAtOnceThatTheyAreComingAndThePageReloadsItself() async throws {
        try await http.withApp(configure: { $0.consolePatience = .zero }) { client in
            let order = #"""
                {"order_id": "P-1", "customer": {"user_id": "u-p"}, "status": "paid",
                 "products": [{"sku": "A", "category": "tea", "quantity": 1, "price": "30.00"}]}
                """#
            let (status, body) = try await http.post(client, "/api/v1/orders", order, auth: HTTPTests.bearer)
            #expect(status == .created, "\(body)")
            var answers: [HTTPResponse.Status] = []
            for _ in 0..<500 {
                let p = try await page(client, "/app/dashboard?days=7", cookie: keyCookie, language: "zh-CN")
                answers.append(p.status)
                if p.status == .ok {
                    #expect(!p.body.contains("data-pending") && !p.body.contains("http-equiv=\"refresh\""))
                    #expect(p.body.contains("¥30.00"))
                    break
                }
                #expect(p.status == .accepted)
                #expect(p.body.contains(#"<meta http-equiv="refresh" content="2">"#) && p.body.contains("data-pending"))
                #expect(p.body.contains("正在载入客户数据") || p.body.contains("正在计算数据，本页会自动刷新"), "\(p.body)")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(answers.last == .ok, "\(answers)")
            // Pages without customer data open while the customers load.
            #expect(try await page(client, "/app/settings", cookie: keyCookie).status == .ok)
        }
    }

    // MARK: Insights and audit

    /// Three buyers with one paid order each (two owned by the salesperson "sally"), and the session of sally.
    func insightsFixture(_ client: some TestClientProtocol) async throws -> String {
        for (user, name, owner) in [("i-1", "赵一", "sally"), ("i-2", "钱二", "sally"), ("i-3", "孙三", "")] {
            let traits = owner.isEmpty ? #"{"name":"\#(name)"}"# : #"{"name":"\#(name)","owner":"\#(owner)"}"#
            try await identify(client, #"{"userId":"\#(user)","traits":\#(traits)}"#)
            let order = #"""
                {"order_id": "O-\#(user)", "customer": {"user_id": "\#(user)"}, "status": "paid", "channel": "online",
                 "products": [{"sku": "A", "category": "tea", "quantity": 1, "price": "30.00"},
                              {"sku": "B", "category": "cups", "quantity": 1, "price": "20.00"}]}
                """#
            let (status, body) = try await http.post(client, "/api/v1/orders", order, auth: HTTPTests.bearer)
            #expect(status == .created, "\(body)")
        }
        // A salesperson who may also read insights: her own customers only.
        var (status, body, _) = try await AccessHTTPTests().send(
            client, .post, "/api/v1/roles",
            #"{"name":"sales-analyst","permissions":["customers.read","insights.read"],"scope":"own"}"#)
        #expect(status == .ok || status == .created, "\(body)")
        (status, body, _) = try await AccessHTTPTests().send(
            client, .post, "/api/v1/users", #"{"username":"sally","password":"sales pass 12","role":"sales-analyst"}"#)
        #expect(status == .created, "\(body)")
        let p = try await page(client, .post, "/app/sign-in", form: "username=sally&password=sales+pass+12&next=")
        return try #require(p.headers[.setCookie]?.split(separator: ";").first.map(String.init))
    }

    /// The drill-down links of a page's RFM heat map, decoded.
    static func cellLinks(_ body: String) throws -> [String] {
        body.matches(of: try Regex(#"<a href="(/app/customers\?rule=[^"]+)""#)).map {
            String($0.output[1].substring ?? "").replacingOccurrences(of: "&amp;", with: "&")
        }
    }

    @Test func everyInsightsPageAndTheAuditPageRenderInBothLanguages() async throws {
        try await withApp { client in
            _ = try await insightsFixture(client)
            for path in [
                "/app/insights", "/app/insights/cohorts", "/app/insights/cohorts?metric=revenue&basis=first_seen",
                "/app/insights/funnel", "/app/insights/funnel?step1=Viewed&step2=Bought&window=7&days=90",
                "/app/insights/repurchase", "/app/insights/repurchase?category=tea&days=365", "/app/insights/basket",
                "/app/insights/basket?level=product&min_support=0.5&min_confidence=0.5&min_lift=1",
                "/app/insights/predictions", "/app/audit", "/app/audit?action=auth&since=2020-01-01&until=2099-12-31",
            ] {
                try await expectBothLanguages(client, path)
            }
            // The insights pages draw their charts; the basket finds tea ⇄ cups in every order.
            var p = try await page(client, "/app/insights", cookie: keyCookie, language: "en")
            #expect(p.body.contains("id=\"rfm-matrix-title\"") && p.body.contains("Recency × frequency"))
            #expect(p.body.contains("Champions") || p.body.contains("New") || p.body.contains("Promising"))
            p = try await page(client, "/app/insights/basket?min_support=0.5", cookie: keyCookie, language: "en")
            #expect(p.body.contains("<td>tea</td><td>cups</td>") && p.body.contains("3 paid orders"), "\(p.body)")
            p = try await page(client, "/app/insights/repurchase", cookie: keyCookie, language: "zh-CN")
            #expect(p.body.contains("id=\"repurchase-title\""))
            p = try await page(client, "/app/insights/cohorts", cookie: keyCookie, language: "en")
            #expect(p.body.contains("id=\"cohorts-title\"") && p.body.contains("100.0%"))
        }
    }

    @Test func rfmCellsOpenExactlyTheirCustomersWithinTheViewersScope() async throws {
        try await withApp { client in
            let sally = try await insightsFixture(client)
            // Customer ids by user id (the salesperson sees names masked, so pages are read by id).
            var ids: [String: Int64] = [:]
            for user in ["i-1", "i-2", "i-3"] {
                let (_, found) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/\(user)")
                ids[user] = try #require(found["id"]?.numberValue?.int64)
            }
            func listed(_ body: String) -> [String] {
                ids.filter { body.contains("href=\"/app/customers/\($0.value)\"") }.map(\.key).sorted()
            }
            // The owner: the cells hold all three buyers, and following every cell finds each once.
            var p = try await page(client, "/app/insights", cookie: keyCookie, language: "en")
            #expect(p.body.contains("3 buyers"), "\(p.body)")
            var found: [String] = []
            for link in Set(try Self.cellLinks(p.body)) where link.contains("rfm_r") {
                let list = try await page(client, link, cookie: keyCookie, language: "en")
                #expect(list.status == .ok)
                found += listed(list.body)
            }
            #expect(found.sorted() == ["i-1", "i-2", "i-3"], "\(found)")
            // A salesperson with insights.read: her two customers only, in the matrix and behind its cells.
            p = try await page(client, "/app/insights", cookie: sally, language: "en")
            #expect(p.status == .ok && p.body.contains("2 buyers"), "\(p.body)")
            found = []
            for link in Set(try Self.cellLinks(p.body)) where link.contains("rfm_r") {
                found += listed(try await page(client, link, cookie: sally, language: "en").body)
            }
            #expect(found.sorted() == ["i-1", "i-2"], "\(found)")
            // Her dashboard's breakdown counts and opens only her buyers.
            p = try await page(client, "/app/dashboard?by=channel", cookie: sally, language: "en")
            let bar = try #require(
                p.body.firstMatch(of: try Regex(#"<a href="(/app/dashboard/customers\?[^"]+)""#))?.output[1].substring)
            let list = try await page(
                client, String(bar).replacingOccurrences(of: "&amp;", with: "&"), cookie: sally, language: "en")
            #expect(list.body.contains(": 2.") && listed(list.body) == ["i-1", "i-2"], "\(list.body)")
            // She may read insights but not the audit log.
            p = try await page(client, "/app/audit", cookie: sally, language: "en")
            #expect(p.status == .forbidden)
        }
    }

    @Test func theAuditPageFiltersEntriesVerifiesTheChainAndNeedsAuditRead() async throws {
        try await withApp { client in
            let access = AccessHTTPTests()
            for (user, role) in [("mei", "marketer"), ("ada", "auditor")] {
                let (status, body, _) = try await access.send(
                    client, .post, "/api/v1/users", #"{"username":"\#(user)","password":"correct horse 1","role":"\#(role)"}"#)
                #expect(status == .created, "\(body)")
            }
            func session(_ user: String) async throws -> String {
                let p = try await page(client, .post, "/app/sign-in", form: "username=\(user)&password=correct+horse+1&next=")
                return try #require(p.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            }
            let mei = try await session("mei")
            let ada = try await session("ada")
            // A marketer has no audit.read: 403 in her language, and no link in the navigation.
            var p = try await page(client, "/app/audit", cookie: mei, language: "zh-CN")
            #expect(p.status == .forbidden && p.body.contains("无权访问"))
            #expect(!p.body.contains("href=\"/app/audit\""))
            // The auditor sees the log with the chain verified, filtered by action, actor and target.
            p = try await page(client, "/app/audit", cookie: ada, language: "en")
            #expect(p.status == .ok && p.body.contains("href=\"/app/audit\"") && p.body.contains("The hash chain is intact"))
            #expect(p.body.contains("auth.sign_in") && p.body.contains("user.create"), "\(p.body)")
            p = try await page(client, "/app/audit?action=auth.sign_in&actor=user%3Amei", cookie: ada, language: "en")
            #expect(p.body.contains("<code>auth.sign_in</code>") && !p.body.contains("<code>user.create</code>"))
            #expect(!p.body.contains(">user:ada<"))
            p = try await page(client, "/app/audit?target=nobody", cookie: ada, language: "zh-CN")
            #expect(p.body.contains("没有匹配的记录") && p.body.contains("哈希链完整"))
            // Until is inclusive of its day: an empty range before any entry finds none.
            p = try await page(client, "/app/audit?until=2001-01-01", cookie: ada, language: "en")
            #expect(p.body.contains("No entries match."))
        }
    }

    @Test func aFunnelsDropOffBecomesATagForAViewerWhoMayWriteAudiences() async throws {
        try await withApp { client in
            for (user, events) in [("f-1", ["Product Viewed", "Bought"]), ("f-2", ["Product Viewed"]), ("f-3", ["Product Viewed"])] {
                try await identify(client, #"{"userId":"\#(user)","traits":{"name":"客户\#(user)"}}"#)
                for event in events {
                    let (status, body) = try await http.post(client, "/v1/track", #"{"userId":"\#(user)","event":"\#(event)"}"#)
                    #expect(status == .ok, "\(body)")
                }
            }
            // A browser's GET form sends spaces as '+'.
            let query = "step1=Product+Viewed&step2=Bought&window=7&days=90"
            var p = try await page(client, "/app/insights/funnel?" + query, cookie: keyCookie, language: "en")
            #expect(p.body.contains("id=\"funnel-title\"") && p.body.contains("<td>Product Viewed</td>"), "\(p.body)")
            #expect(p.body.contains("<td class=\"num\">33.3%</td>"), "\(p.body)")
            p = try await page(client, "/app/insights/funnel/drop-off?" + query + "&step=1", cookie: keyCookie, language: "en")
            #expect(p.status == .ok && p.body.contains("客户f-2") && p.body.contains("客户f-3") && !p.body.contains("客户f-1"))
            // Saving needs the CSRF token; then the tag holds the two who dropped.
            p = try await page(
                client, .post, "/app/insights/funnel/drop-off?" + query, cookie: keyCookie, form: "step=1&tag=dropped")
            #expect(p.status == .forbidden)
            p = try await page(
                client, .post, "/app/insights/funnel/drop-off?" + query, cookie: keyCookie,
                form: "step=1&tag=dropped&_csrf=\(keyCSRF)&" + query)
            #expect(p.status == .seeOther && p.headers[.location] == "/app/audiences/tag/dropped", "\(p.body)")
            p = try await page(client, "/app/customers?tag=dropped", cookie: keyCookie, language: "en")
            #expect(p.body.contains("客户f-2") && p.body.contains("客户f-3") && !p.body.contains("客户f-1"))
        }
    }

    // MARK: CSRF, masking, scope, pagination

    @Test func formsNeedTheCSRFToken() async throws {
        try await withApp { client in
            try await identify(client, #"{"userId":"u1","traits":{"city":"上海"}}"#)
            let form = "name=sh&type=dynamic&rule=" + Self.encode("city = '上海'")
            var p = try await page(client, .post, "/app/segments", cookie: keyCookie, form: form)
            #expect(p.status == .forbidden)
            p = try await page(client, .post, "/app/segments", cookie: keyCookie, form: form + "&_csrf=forged")
            #expect(p.status == .forbidden)
            p = try await page(
                client, .post, "/app/rules/count", cookie: keyCookie, form: "rule=TRUE", headers: [AuthMiddleware.csrfHeader: "x"])
            #expect(p.status == .forbidden)
            p = try await page(client, .post, "/app/segments", cookie: keyCookie, form: form + "&_csrf=\(keyCSRF)")
            #expect(p.status == .seeOther, "\(p.body)")
            #expect(p.headers[.location] == "/app/audiences/segment/sh")
            p = try await page(client, "/app/audiences/segment/sh", cookie: keyCookie, language: "en")
            #expect(p.status == .ok && p.body.contains("city = &#39;上海&#39;") || p.body.contains("city = &#x27;上海&#x27;") || p.body.contains("上海"))
        }
    }

    @Test func pagesMaskPersonalInformationAndKeepToTheDataScope() async throws {
        try await withApp { client in
            try await identify(
                client, #"{"userId":"own-1","traits":{"name":"李雷","phone":"13912345678","email":"lilei@example.com","owner":"sally"}}"#)
            try await identify(client, #"{"userId":"other-1","traits":{"name":"韩梅梅","phone":"13700001111"}}"#)
            let access = AccessHTTPTests()
            var (status, body, _) = try await access.send(
                client, .post, "/api/v1/users", #"{"username":"sally","password":"sales pass 12","role":"sales"}"#)
            #expect(status == .created, "\(body)")
            var p = try await page(client, .post, "/app/sign-in", form: "username=sally&password=sales+pass+12&next=")
            let session = try #require(p.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            // The salesperson sees her customer, masked; not the other one.
            p = try await page(client, "/app/customers", cookie: session)
            #expect(p.status == .ok)
            #expect(p.body.contains("own-1") || p.body.contains("李"))
            #expect(!p.body.contains("13912345678") && !p.body.contains("lilei@example.com"))
            #expect(!p.body.contains("韩梅梅") && !p.body.contains("13700001111"))
            let (_, other) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/other-1")
            let otherID = try #require(other["id"]?.numberValue?.int64)
            p = try await page(client, "/app/customers/\(otherID)", cookie: session)
            #expect(p.status == .notFound)
            // Searching by the other's phone finds nothing.
            p = try await page(client, "/app/customers?q=13700001111", cookie: session)
            #expect(!p.body.contains("韩梅梅"))
            // The owner (admin key) sees both in clear, and the view is audited as pii.view.
            p = try await page(client, "/app/customers?q=" + Self.encode("137 0000 1111"), cookie: keyCookie)
            #expect(p.body.contains("+8613700001111") && p.body.contains("韩梅梅"))
            (status, body, _) = try await access.send(client, .get, "/api/v1/audit?action=pii.view")
            #expect(body["data"]?.arrayValue?.contains { $0["detail"]?["path"]?.stringValue == "/app/customers" } == true, "\(body)")
            // The 360° page of one's own customer is masked for the salesperson.
            let (_, own) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/own-1")
            let ownID = try #require(own["id"]?.numberValue?.int64)
            p = try await page(client, "/app/customers/\(ownID)", cookie: session, language: "en")
            #expect(p.status == .ok && p.body.contains("Personal information is masked"))
            #expect(!p.body.contains("13912345678") && !p.body.contains("lilei@example.com"))
            // Sales cannot undo merges or open the builder.
            p = try await page(client, "/app/segments/new", cookie: session)
            #expect(p.status == .forbidden)
            // Her dashboard counts only her customer and her customers' orders (none), without the
            // refund rate, which only the store knows for all customers.
            p = try await page(client, "/app/dashboard", cookie: session, language: "en")
            #expect(p.status == .ok && !p.body.contains("Order totals are shown to roles that see all customers"))
            #expect(p.body.contains("<strong class=\"kpi-value\">1</strong>") && !p.body.contains("Refund rate"))
            // The sales role has no insights.read: no insights pages, no breakdown on the dashboard.
            #expect(!p.body.contains("/app/dashboard/customers") && !p.body.contains("href=\"/app/insights\""))
            p = try await page(client, "/app/insights", cookie: session, language: "en")
            #expect(p.status == .forbidden)
        }
    }

    @Test func largeListsPaginate() async throws {
        try await withApp { client in
            for i in 0..<30 { try await identify(client, #"{"userId":"p\#(i)","traits":{"city":"杭州"}}"#) }
            var p = try await page(client, "/app/customers", cookie: keyCookie, language: "en")
            let rows = p.body.components(separatedBy: "<tr><td><a href=\"/app/customers/").count - 1
            #expect(rows == ConsoleController.pageSize)
            let next = try #require(p.body.firstMatch(of: try Regex(#"<a href="([^"]+)" rel="next">"#))?.output[1].substring)
            p = try await page(client, String(next).replacingOccurrences(of: "&amp;", with: "&"), cookie: keyCookie, language: "en")
            let rest = p.body.components(separatedBy: "<tr><td><a href=\"/app/customers/").count - 1
            #expect(rest == 30 - ConsoleController.pageSize)
            #expect(!p.body.contains("rel=\"next\""))
        }
    }

    // MARK: Imports

    @Test func anUploadIsMappedPreviewedAndImported() async throws {
        try await withApp { client in
            let boundary = "----panorama-test"
            let csv = "user_id,姓名,手机号,城市\nX1,张三,13800001234,上海\nX2,李四,,北京\n"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(keyCSRF)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncustomers\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"crm.csv\"\r\n"
                + "Content-Type: text/csv\r\n\r\n\(csv)\r\n--\(boundary)--\r\n"
            var p = try await client.execute(
                uri: "/app/imports", method: .post,
                headers: [.cookie: keyCookie, .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: body)
            ) { Page(status: $0.status, body: String(buffer: $0.body), headers: $0.headers) }
            #expect(p.status == .seeOther, "\(p.body)")
            let location = try #require(p.headers[.location])
            // The mapping page shows the inferred targets and a preview of the cleaned rows.
            p = try await page(client, location, cookie: keyCookie, language: "en")
            #expect(p.body.contains("name=\"map.手机号\" value=\"phone\""), "\(p.body)")
            #expect(p.body.contains("phone=+8613800001234"))
            // Map 城市 to a trait instead, and start.
            let form =
                "_csrf=\(keyCSRF)&action=start&map.user_id=user_id&" + Self.encode("map.姓名") + "=name&"
                + Self.encode("map.手机号") + "=phone&" + Self.encode("map.城市") + "=" + Self.encode("traits.home_city")
            p = try await page(client, .post, location, cookie: keyCookie, form: form)
            #expect(p.status == .seeOther)
            for _ in 0..<50 {
                p = try await page(client, location, cookie: keyCookie, language: "en")
                if p.body.contains("Report") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(p.body.contains("Rows read") && p.body.contains("Accepted"), "\(p.body)")
            let (_, customer) = try await http.get(client, "/api/v1/customers/by-identifier/user_id/X1")
            #expect(customer["traits"]?["home_city"]?.stringValue == "上海", "\(customer)")
            #expect(customer["traits"]?["name"]?.stringValue == "张三")
            p = try await page(client, "/app/imports", cookie: keyCookie, language: "en")
            #expect(p.body.contains("crm.csv") && p.body.contains("completed"))
        }
    }

    // MARK: Builder, live count, export

    @Test func theLiveCountAnswersAndBadRulesSayWhere() async throws {
        try await withApp { client in
            for (i, city) in ["上海", "上海", "北京"].enumerated() {
                try await identify(client, #"{"userId":"c\#(i)","traits":{"city":"\#(city)"}}"#)
            }
            let headers: HTTPFields = [AuthMiddleware.csrfHeader: keyCSRF]
            var p = try await page(
                client, .post, "/app/rules/count", cookie: keyCookie, language: "en",
                form: "rule=" + Self.encode("city = '上海'"), headers: headers)
            var json = try JSONParser.parse(p.body)
            #expect(json["count"]?.numberValue?.int64 == 2)
            p = try await page(
                client, .post, "/app/rules/count", cookie: keyCookie, language: "en",
                form: "rule=" + Self.encode("(city = '上海') OR (city = '北京')"), headers: headers)
            json = try JSONParser.parse(p.body)
            #expect(json["count"]?.numberValue?.int64 == 3)
            p = try await page(
                client, .post, "/app/rules/count", cookie: keyCookie, language: "en", form: "rule=" + Self.encode("ctiy = 1"),
                headers: headers)
            json = try JSONParser.parse(p.body)
            #expect(json["count"] == nil)
            #expect(json["error"]?.stringValue?.hasPrefix("Line 1, column 1") == true, "\(json)")
            #expect(json["error"]?.stringValue?.contains("city") == true)
            // Saving a bad rule shows the builder again with the error in place.
            p = try await page(
                client, .post, "/app/segments", cookie: keyCookie, language: "en",
                form: "_csrf=\(keyCSRF)&name=bad&type=dynamic&rule=" + Self.encode("ctiy = 1"))
            #expect(p.status == .badRequest && p.body.contains("role=\"alert\"") && p.body.contains("ctiy"))
        }
    }

    @Test func exportGivesTheMembersAsCSVAndIsAudited() async throws {
        try await withApp { client in
            try await identify(client, #"{"userId":"e1","traits":{"city":"上海","email":"e1@example.com"}}"#)
            try await identify(client, #"{"userId":"e2","traits":{"city":"北京"}}"#)
            var p = try await page(
                client, .post, "/app/segments", cookie: keyCookie,
                form: "_csrf=\(keyCSRF)&name=shanghai&type=dynamic&rule=" + Self.encode("city = '上海'"))
            #expect(p.status == .seeOther)
            try await Task.sleep(for: .milliseconds(300))
            p = try await page(client, "/app/audiences/segment/shanghai/export", cookie: keyCookie)
            #expect(p.status == .ok && p.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(p.body.contains("e1@example.com") && !p.body.contains("e2"))
            let (_, audit) = try await http.get(client, "/api/v1/audit?action=export.segment")
            #expect(audit["data"]?.arrayValue?.first?["detail"]?["via"]?.stringValue == "console")
        }
    }
}
