import ArgumentParser
import DialerServices

/// The `dialer` command: what an operator deploys, and nothing else. The demo, the
/// benchmarks and the chaos run are `dialer-lab`.
@main
struct Dialer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialer",
        abstract: "A Postgres-backed batch dialer: Salesforce contacts in, Twilio calls out, one Task per call back.",
        discussion: """
            Every command reads the database from DATABASE_URL (or --database-url).

            Example:
              export DATABASE_URL=postgres://dialer@localhost:5432/dialer
              dialer migrate && dialer worker
            """,
        subcommands: [
            MigrateCommand.self, CampaignCommand.self, RulesCommand.self, WorkerCommand.self, ServeCommand.self, StatusCommand.self, JobsCommand.self,
            TasksCommand.self, CheckCommand.self, APIKeyCommand.self, WebhookCommand.self, PrivacyCommand.self,
        ]
    )
}
