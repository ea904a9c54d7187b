import ArgumentParser
import DialerServices
import Foundation
import Logging
import Salesforce
import Twilio

/// `dialer check`: proves the credentials to an outside service work, or says exactly why not.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the credentials of an outside service.",
        subcommands: [Salesforce.self, Twilio.self]
    )

    struct Salesforce: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "salesforce",
            abstract: "Log in with the JWT bearer flow and print the instance URL and the user.",
            discussion: """
                Reads SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME, SALESFORCE_LOGIN_URL, \
                SALESFORCE_AUDIENCE (default from the login URL), and SALESFORCE_PRIVATE_KEY or \
                SALESFORCE_PRIVATE_KEY_FILE. The user is read with a query on User, so the \
                Connected App's `api` scope is all it needs, as for the worker.

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
                let client = SalesforceClient(
                    configuration: try SalesforceConfiguration.fromEnvironment(environment),
                    logger: Logger(label: "dialer.check")
                )
                let session = try await client.session()
                let user = try await client.integrationUser()
                print("instance: \(session.instanceURL)")
                print("user: \(user.Username) (\(user.Id)\(user.Name.map { ", \($0)" } ?? ""))")
            } catch {
                print("cannot use Salesforce: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Twilio: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "twilio",
            abstract: "Verify the Twilio credentials against the account and print its name and status.",
            discussion: """
                Reads TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and \
                TWILIO_API_SECRET; TWILIO_BASE_URL points it at another endpoint. With --from, \
                also checks that the number may be a campaign's caller ID: one of the account's \
                numbers or a verified caller ID.

                Examples:
                  TWILIO_ACCOUNT_SID=AC... TWILIO_API_KEY=SK... TWILIO_API_SECRET=... dialer check twilio
                  dialer check twilio --from +14155550100
                """
        )

        @Option(help: "A caller ID to check: one of the account's numbers, or a verified caller ID (E.164).")
        var from: String?

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (or $LOG_LEVEL).")
        var logLevel: String?

        func run() async throws {
            LogSetup.bootstrap(level: logLevel ?? "warning")
            do {
                let configuration = try TwilioConfiguration.fromEnvironment()
                let client = TwilioClient(configuration: configuration, logger: Logger(label: "dialer.check"))
                let account = try await client.account()
                print("account: \(account.friendly_name) (\(account.sid))")
                print("status: \(account.status)")
                if account.status != "active" { throw ExitCode.failure }
                if let from {
                    let standing = try await client.callerID(from)
                    switch standing {
                    case .owned: print("from: \(from) is one of the account's numbers")
                    case .verified: print("from: \(from) is a verified caller ID")
                    case .unknown:
                        print("from: \(from) is neither one of the account's numbers nor a verified caller ID: Twilio would refuse every call")
                        throw ExitCode.failure
                    }
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                print("cannot use Twilio: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
