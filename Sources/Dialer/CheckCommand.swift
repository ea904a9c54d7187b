import ArgumentParser
import Foundation
import Logging
import Salesforce

/// `dialer check`: proves the credentials to an outside service work, or says exactly why not.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the credentials of an outside service.",
        subcommands: [Salesforce.self]
    )

    struct Salesforce: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "salesforce",
            abstract: "Log in with the JWT bearer flow and print the instance URL and the user.",
            discussion: """
                Reads SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME, SALESFORCE_LOGIN_URL, and \
                SALESFORCE_PRIVATE_KEY or SALESFORCE_PRIVATE_KEY_FILE.

                Example:
                  SALESFORCE_CLIENT_ID=3MVG9... SALESFORCE_USERNAME=integration@example.com \\
                  SALESFORCE_PRIVATE_KEY_FILE=/etc/dialer/salesforce.key dialer check salesforce
                """
        )

        @OptionGroup var salesforce: SalesforceOptions

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (or $LOG_LEVEL).")
        var logLevel: String?

        func run() async throws {
            LogSetup.bootstrap(level: logLevel ?? "warning")
            do {
                let environment = salesforce.environment(ProcessInfo.processInfo.environment)
                let client = SalesforceClient(configuration: try SalesforceConfiguration.fromEnvironment(environment), logger: Logger(label: "dialer.check"))
                let session = try await client.session()
                let identity = try await client.identity()
                print("instance: \(session.instanceURL)")
                print("user: \(identity.username) (\(identity.user_id), organization \(identity.organization_id))")
            } catch {
                print("cannot use Salesforce: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
