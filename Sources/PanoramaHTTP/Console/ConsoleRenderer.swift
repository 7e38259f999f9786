import Foundation
import Hummingbird
import Mustache
import NIOCore
import PanoramaServices

/// Who is looking at a console page and how to talk to them: language, role, CSRF token, time zone.
struct ConsoleViewer {
    let locale: ConsoleLocale
    let principal: Principal?
    let csrf: String
    /// The request's path and query (the language switch comes back here).
    let path: String
    let zone: TimeZone

    func can(_ permission: Permission) -> Bool { principal?.can(permission) ?? false }
    var seesPII: Bool { can(.piiView) }
    func t(_ key: String) -> String { locale.text(key) }
}

/// Renders pages: a template into the layout, with the message catalog as `t`.
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary

    init() {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in ConsoleTemplates.all {
            // The templates are part of the binary and covered by tests: a broken one is a bug.
            do { templates[name] = try MustacheTemplate(string: text) } catch {
                preconditionFailure("console template '\(name)' does not parse: \(error)")
            }
        }
        library = MustacheLibrary(templates: templates)
    }

    /// The navigation a principal's role opens, in order.
    static let navigation: [(key: String, href: String, permission: Permission)] = [
        ("dashboard", "/app/dashboard", .customersRead), ("customers", "/app/customers", .customersRead),
        ("insights", "/app/insights", .insightsRead), ("tags_and_segments", "/app/audiences", .audiencesRead),
        ("imports", "/app/imports", .importsRun), ("settings", "/app/settings", .settingsRead),
        ("audit", "/app/audit", .auditRead),
    ]

    /// The first page a principal may open (where sign-in leads).
    static func home(for principal: Principal) -> String {
        navigation.first { principal.can($0.permission) }?.href ?? "/app/settings"
    }

    /// A page as HTML: `template` rendered with `model` inside the layout.
    func page(
        _ template: String, title: String, model: [String: Any], viewer: ConsoleViewer, status: HTTPResponse.Status = .ok,
        flash: String? = nil, notice: ConsoleNotice? = nil
    ) -> Response {
        var model = model
        model["t"] = viewer.locale.messages
        model["csrf"] = viewer.csrf
        let content = library.render(model, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "t": viewer.locale.messages, "lang": viewer.locale.rawValue, "otherLang": viewer.locale.other.rawValue,
            "back": viewer.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/app",
            "title": title, "content": content, "csrf": viewer.csrf,
        ]
        if let flash, !flash.isEmpty { layout["flash"] = flash }
        var status = status
        if let notice {
            layout["notice"] = ["text": notice.text, "pending": notice.pending] as [String: Any]
            if notice.pending {
                // Not the page yet: it asks again by itself (HTTP 202, like an accepted job).
                layout["refresh"] = ConsoleNotice.refreshSeconds
                if status == .ok { status = .accepted }
            }
        }
        if let principal = viewer.principal {
            let current = viewer.path.split(separator: "?").first.map(String.init) ?? viewer.path
            layout["user"] = [
                "name": principal.name, "role": principal.role.name,
                "nav": Self.navigation.filter { principal.can($0.permission) }.map { item -> [String: Any] in
                    var entry: [String: Any] = ["href": item.href, "label": viewer.t("nav_" + item.key)]
                    if current == item.href || current.hasPrefix(item.href + "/") { entry["current"] = true }
                    return entry
                },
            ] as [String: Any]
        }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        return Self.html(html, status: status)
    }

    /// An HTML response that is never cached (pages show personal data).
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A 303 redirect (after a form, to sign-in).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.headers[values: .setCookie].append(cookie) }
        return response
    }
}

/// An `application/x-www-form-urlencoded` or `multipart/form-data` body.
struct ConsoleForm: Sendable {
    var fields: [(name: String, value: String)] = []
    /// Uploaded files by field name: file name and bytes.
    var files: [String: (filename: String, data: [UInt8])] = [:]

    subscript(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every field whose name starts with `prefix`, without it, in order.
    func withPrefix(_ prefix: String) -> [(name: String, value: String)] {
        fields.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.value) }
    }

    static func parse(contentType: String?, body: ByteBuffer) -> ConsoleForm {
        let bytes = Array(body.readableBytesView)
        let type = (contentType ?? "").lowercased()
        if type.hasPrefix("multipart/form-data"), let range = (contentType ?? "").range(of: "boundary=") {
            var boundary = String((contentType ?? "")[range.upperBound...])
            if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
            return multipart(bytes, boundary: boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")))
        }
        return urlEncoded(String(decoding: bytes, as: UTF8.self))
    }

    static func urlEncoded(_ text: String) -> ConsoleForm {
        var form = ConsoleForm()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            form.fields.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
        return form
    }

    /// A small multipart reader: enough for the console's upload form (text fields and one file).
    static func multipart(_ bytes: [UInt8], boundary: String) -> ConsoleForm {
        var form = ConsoleForm()
        let delimiter = Array(("--" + boundary).utf8)
        let headerEnd: [UInt8] = [13, 10, 13, 10]
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard !needle.isEmpty, bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
            var i = start
            while i <= bytes.count - needle.count {
                if bytes[i] == needle[0], Array(bytes[i..<(i + needle.count)]) == needle { return i }
                i += 1
            }
            return nil
        }
        guard var position = find(delimiter, from: 0) else { return form }
        while true {
            let partStart = position + delimiter.count
            if partStart + 2 <= bytes.count, bytes[partStart] == 45, bytes[partStart + 1] == 45 { break }  // "--"
            guard let headersEnd = find(headerEnd, from: partStart), let next = find(delimiter, from: headersEnd + 4)
            else { break }
            let headers = String(decoding: bytes[partStart..<headersEnd], as: UTF8.self)
            var contentEnd = next
            if contentEnd >= 2, bytes[contentEnd - 2] == 13, bytes[contentEnd - 1] == 10 { contentEnd -= 2 }
            let content = Array(bytes[(headersEnd + 4)..<max(headersEnd + 4, contentEnd)])
            func parameter(_ name: String) -> String? {
                guard let r = headers.range(of: "\(name)=\"") else { return nil }
                let rest = headers[r.upperBound...]
                guard let end = rest.firstIndex(of: "\"") else { return nil }
                return String(rest[..<end])
            }
            if let name = parameter("name") {
                if let filename = parameter("filename") {
                    form.files[name] = (filename, content)
                } else {
                    form.fields.append((name, String(decoding: content, as: UTF8.self)))
                }
            }
            position = next
        }
        return form
    }
}

/// A line above a page's content about its figures: being computed (the page reloads itself
/// every `refreshSeconds` until they are there) or shown from an earlier computation while a new
/// one runs.
struct ConsoleNotice: Sendable {
    var text: String
    var pending: Bool

    static let refreshSeconds = 2
}
