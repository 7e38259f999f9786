import Foundation
import Hummingbird
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// The audit log (`audit.read`): the workspace's entries newest first, filtered by actor, action,
/// target and time range, in pages, with the verification of the whole hash chain.
extension ConsoleController {
    static let auditPageSize = 50

    @Sendable func auditPage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let viewer = await viewer(request, context)
        let locale = viewer.locale
        let params = Self.parameters(request)
        func text(_ name: String) -> String? {
            params[name].map { String($0.trimmingCharacters(in: .whitespaces).prefix(200)) }.flatMap {
                $0.isEmpty ? nil : $0
            }
        }
        /// A `YYYY-MM-DD` day in the workspace zone as epoch ms of its start (`plusDays` later).
        func day(_ name: String, plusDays: Int = 0) -> Int64? {
            guard let value = text(name), let date = Self.dayFormatter(viewer.zone).date(from: value) else {
                return nil
            }
            return Int64(date.timeIntervalSince1970 * 1000) + Int64(plusDays) * 86_400_000
        }
        let filters = ["actor", "action", "target", "since", "until"]
        var model: [String: Any] = [:]
        for name in filters { model[name] = text(name) ?? "" }
        let query = AuditQuery(
            workspace: String(try context.workspaceID), action: text("action"), actor: text("actor"),
            since: day("since"), until: day("until", plusDays: 1), target: text("target"))
        let after = text("after").flatMap { Int64($0) }
        do {
            let page = try await services.audit.search(
                query, after: after, newestFirst: true, limit: Self.auditPageSize)
            model["entries"] = page.entries.map { entry -> [String: Any] in
                [
                    "sequence": entry.sequence,
                    "at": locale.dateTime(Int64((entry.at * 1000).rounded()), zone: viewer.zone),
                    "actor": entry.actor, "action": entry.action, "target": entry.target,
                    "sourceIP": entry.sourceIP ?? "",
                    "detail": entry.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: " "),
                ]
            }
            let base =
                "/app/audit?"
                + filters.compactMap { name in text(name).map { "\(name)=" + Self.query($0) } }.joined(separator: "&")
            var pager: [String: Any] = [:]
            if let next = page.next { pager["next"] = base + "&after=\(next)" }
            if after != nil { pager["first"] = base }
            if !pager.isEmpty { model["pager"] = pager }
        } catch let error as PanoramaError where error.kind == .badRequest {
            model["error"] = ConsoleMiddleware.localized(error.message, locale)
        }
        let report = try await services.audit.check()
        if case .intact(let count, _) = report.verification {
            model["chainOK"] = locale.text("audit_chain_intact", locale.number(Int64(count)))
        } else {
            model["chainBroken"] = locale.text("audit_chain_broken", report.verification.description)
        }
        return renderer.page("audit", title: viewer.t("audit_log"), model: model, viewer: viewer)
    }

    /// Parses `YYYY-MM-DD` in a time zone.
    static func dayFormatter(_ zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }
}
