import ArgumentParser
import DialerServices
import Foundation
import Store

/// `dialer api-key`: the keys that open the HTTP API and the console.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Create, list and revoke the keys of the HTTP API (/v1) and the console.",
        discussion: """
            A key is printed once, when it is created, and never again: only its SHA-256 is \
            stored. Clients send it as `Authorization: Bearer dk_…`; the console takes it at \
            sign-in. Scopes: read (calls, campaigns, Task syncs; phone numbers masked), \
            calls:write (start calls), campaigns:write (create, pause, resume, cancel), \
            tasks:write (retry Task syncs), webhooks:write (manage webhook endpoints), pii:read \
            (full phone numbers). A revoked key is refused within a second (each dialer serve keeps \
            a key that authenticated for a second), and its console sessions end at once.

            Examples:
              dialer api-key create --name crm --scope calls:write --scope read
              dialer api-key create --name ops-console --scope read --scope campaigns:write --scope tasks:write
              dialer api-key list
              dialer api-key revoke crm
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it (once).",
            discussion: """
                Example:
                  dialer api-key create --name crm --scope calls:write --scope read
                """
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "A name for the key: lowercase letters, digits, '.', '_' or '-'.")
        var name: String

        @Option(
            name: .customLong("scope"),
            help: "A scope the key has (repeat): \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")).",
            transform: { text in
                guard let scope = APIScope(rawValue: text) else {
                    throw ValidationError("unknown scope \(text): one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return scope
            }
        )
        var scopes: [APIScope] = []

        func validate() throws {
            guard !scopes.isEmpty else { throw ValidationError("give at least one --scope, such as --scope read") }
        }

        func run() async throws {
            let name = name
            let scopes = Set(scopes)
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.api-key")) { db in
                do {
                    let (key, token) = try await APIKeyStore(database: db).create(name: name, scopes: scopes)
                    print(token)
                    FileHandle.standardError.write(
                        Data(
                            "key \(key.name) created with \(key.scopes.sorted().map(\.rawValue).joined(separator: ", ")); it is shown only this once\n"
                                .utf8
                        )
                    )
                } catch let error as APIKeyError {
                    throw CommandFailure("\(error)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys: name, prefix, scopes, created, last used.",
            discussion: """
                Example:
                  dialer api-key list --revoked
                """
        )
        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Also list revoked keys.")
        var revoked = false

        func run() async throws {
            let revoked = revoked
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.api-key")) { db in
                let keys = try await APIKeyStore(database: db).list(includeRevoked: revoked)
                guard !keys.isEmpty else { return print("no API keys: dialer api-key create --name NAME --scope read") }
                let stamp = ISO8601DateFormatter()
                print(
                    Table(
                        header: ["name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"],
                        rows: keys.map {
                            [
                                $0.name, $0.prefix + "…", $0.scopes.sorted().map(\.rawValue).joined(separator: ","), stamp.string(from: $0.createdAt),
                                $0.lastUsedAt.map(stamp.string(from:)) ?? "never", $0.revokedAt.map(stamp.string(from:)) ?? "",
                            ]
                        }
                    ).render()
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by name: its next request is refused (401).",
            discussion: """
                Example:
                  dialer api-key revoke crm
                """
        )
        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The key's name.")
        var name: String

        func run() async throws {
            let name = name
            try await Database.run(url: try database.url(), maxConnections: 1, logger: database.logger("dialer.api-key")) { db in
                do {
                    try await APIKeyStore(database: db).revoke(name: name)
                    print("key \(name) revoked")
                } catch let error as APIKeyError {
                    throw CommandFailure("\(error)")
                }
            }
        }
    }
}
