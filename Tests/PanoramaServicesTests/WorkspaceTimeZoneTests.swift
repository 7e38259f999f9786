import Foundation
import PanoramaCore
import Testing

@testable import PanoramaServices

/// The workspace time zone: only IANA names are taken, the store keeps the new one, and a loaded
/// audience engine counts days in it after `timeZoneChanged`.
@Suite struct WorkspaceTimeZoneTests {
    @Test func aTimeZoneIsValidatedStoredAndReachesTheAudienceEngine() async throws {
        try await Harness.run { h in
            for bad in ["", "CST", "Mars/Olympus", "Asia/Shanghai; DROP TABLE", String(repeating: "A", count: 80)] {
                await #expect(throws: PanoramaError.self, "\(bad)") {
                    _ = try await h.services.settings.setTimeZone(h.workspaceID, bad)
                }
            }
            let engine = try await h.services.audiences.engine(h.workspaceID)
            #expect(await engine.timeZone.identifier == "Asia/Shanghai")
            let previous = try await h.services.settings.setTimeZone(h.workspaceID, " Europe/Paris ")
            #expect(previous == "Asia/Shanghai")
            #expect(
                try await h.services.store.workspaces().first { $0.id == h.workspaceID }?.timeZone == "Europe/Paris")
            try await h.services.audiences.timeZoneChanged(workspaceID: h.workspaceID)
            #expect(await engine.timeZone.identifier == "Europe/Paris")
        }
    }
}

/// The same test on PostgreSQL. Reported as skipped when no test server is configured.
@Suite(.enabled(if: Backend.postgresAvailable, Backend.skipReason))
struct PostgresWorkspaceTimeZoneTests {
    @Test func aTimeZoneIsValidatedStoredAndReachesTheAudienceEngine() async throws {
        try await Backend.$current.withValue(.postgres) {
            try await WorkspaceTimeZoneTests().aTimeZoneIsValidatedStoredAndReachesTheAudienceEngine()
        }
    }
}
