import ArgumentParser
import DialerServices
import Queue
import Store

/// `dialer jobs`: the queue at a glance, and the operator's retry.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Show job counts by kind and state (the dialer.job_counts view).",
        discussion: """
            Example:
              dialer jobs
              dialer jobs retry --kind place_call
            """,
        subcommands: [Retry.self]
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = database.logger("dialer.jobs")
        try await Database.run(url: try database.url(), maxConnections: 1, logger: logger) { db in
            let counts = try await JobQueue(database: db).counts()
            if counts.isEmpty {
                print("no jobs")
                return
            }
            let rows = counts.map { [$0.kind, $0.state.rawValue, "\($0.jobs)"] }
            print(Table(header: ["kind", "state", "jobs"], rows: rows).render())
        }
    }

    /// `dialer jobs retry`: brings discarded jobs back.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move discarded jobs back to available, with one more attempt.",
            discussion: """
                Their error history is kept. A job whose unique key is held by an open job stays \
                discarded, since the open job already does its work.

                Examples:
                  dialer jobs retry --kind finalize_call           all of that kind
                  dialer jobs retry --kind finalize_call --id 42   just job 42
                """
        )

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The job kind to retry (see `dialer jobs`).")
        var kind: String

        @Option(help: "Retry only this job id.")
        var id: Int64?

        func run() async throws {
            let logger = database.logger("dialer.jobs")
            let kind = kind
            let id = id
            try await Database.run(url: try database.url(), maxConnections: 1, logger: logger) { db in
                let ids = try await JobQueue(database: db).retryDiscarded(kind: kind, id: id)
                if ids.isEmpty {
                    print("no discarded \(kind) jobs\(id.map { " with id \($0)" } ?? "") to retry")
                } else {
                    print("retrying \(ids.count) \(kind) job(s): \(ids.map(String.init).joined(separator: ", "))")
                }
            }
        }
    }
}
