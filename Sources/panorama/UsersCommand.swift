import ArgumentParser
import Foundation
import PanoramaCore
import PanoramaServices
import PanoramaStore

/// `panorama users`: console users from the command line — for the first owner, or an owner who
/// forgot their password. The password is read from standard input, never from the command line.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and reset console users (the REST API: /api/v1/users).",
        subcommands: [Create.self, List.self, ResetPassword.self])

    struct Options: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "Workspace name (default: the first workspace).") var workspace: String?
    }

    /// Reads a password from standard input (the first line), refusing an empty one.
    static func readPassword() throws -> String {
        FileHandle.standardError.write(Data("password (read from standard input): ".utf8))
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("give the password on standard input, e.g. printf '%s\\n' \"$PW\" | panorama users …")
        }
        return line
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the password is read from standard input.")
        @OptionGroup var options: Options
        @Option(help: "Username (letters, digits, . _ - or an email address).") var username: String
        @Option(help: "Role: owner, admin, analyst, marketer, sales, service, auditor or a custom one.") var role: String
        @Option(help: "Team (a path such as east/shanghai) for team data scopes.") var team: String?
        @Option(help: "Display name.") var displayName: String?

        func run() async throws {
            let services = try await CLI.services(options.store)
            defer { (services.store as? PostgresStore)?.close() }
            let ws = try await services.workspace(named: options.workspace)
            let user = try await services.access.createUser(
                workspaceID: ws.id, username: username, displayName: displayName, password: try Users.readPassword(),
                role: role, team: team)
            _ = try? await services.audit.record(
                workspaceID: ws.id, actor: "cli:\(ProcessInfo.processInfo.userName)", actorKind: .user,
                action: "user.create", target: "user:\(user.id)", detail: ["role": role])
            CLI.say("created user \(user.username) (id \(user.id), role \(user.role)) in workspace \(ws.name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users of a workspace.")
        @OptionGroup var options: Options
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let services = try await CLI.services(options.store)
            defer { (services.store as? PostgresStore)?.close() }
            let ws = try await services.workspace(named: options.workspace)
            let users = try await services.access.users(workspaceID: ws.id)
            if json {
                CLI.printJSON(
                    .array(
                        JSONArray(
                            users.map {
                                .object([
                                    "id": .number(JSONNumber($0.id)), "username": .string($0.username),
                                    "role": .string($0.role), "team": $0.team.map(JSONValue.string) ?? .null,
                                    "disabled": .bool($0.disabledAt != nil), "totp": .bool($0.totpLastStep != nil),
                                ])
                            })))
            } else {
                for u in users {
                    let flags = [u.disabledAt != nil ? "disabled" : nil, u.totpLastStep != nil ? "totp" : nil]
                        .compactMap { $0 }.joined(separator: ", ")
                    CLI.say("\(u.id)\t\(u.username)\t\(u.role)\t\(u.team ?? "-")\t\(flags)")
                }
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password (read from standard input), lift a lockout and end the user's sessions.")
        @OptionGroup var options: Options
        @Option(help: "Username.") var username: String

        func run() async throws {
            let services = try await CLI.services(options.store)
            defer { (services.store as? PostgresStore)?.close() }
            let ws = try await services.workspace(named: options.workspace)
            guard let user = try await services.store.user(workspaceID: ws.id, username: username.lowercased()) else {
                throw PanoramaError.notFound("user_not_found", "no user '\(username)' in workspace \(ws.name)")
            }
            _ = try await services.access.updateUser(
                workspaceID: ws.id, id: user.id, password: try Users.readPassword())
            _ = try? await services.audit.record(
                workspaceID: ws.id, actor: "cli:\(ProcessInfo.processInfo.userName)", actorKind: .user,
                action: "user.reset_password", target: "user:\(user.id)")
            CLI.say("new password set for \(user.username); their sessions are ended")
        }
    }
}
