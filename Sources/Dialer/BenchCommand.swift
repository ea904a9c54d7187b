import Foundation
import Synchronization
import ArgumentParser

/// `dialer bench`: measured speed, on a release build.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the dialer's speed against a real Postgres (use a release build).",
        discussion: """
            Results belong in docs/BENCHMARKS.md with the command, the Postgres settings it \
            prints, and the baseline measured in the same run (ops/bench-queue does all three).

            Example:
              swift build -c release
              .build/release/dialer bench queue --jobs 100000 --workers 5
            """,
        subcommands: [BenchQueueCommand.self, BenchImportCommand.self]
    )
}

/// `dialer bench queue`: enqueue, drain and pick-up latency of the job queue.
struct BenchQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Enqueue N no-op jobs, drain them with W runners, and measure idle pick-up latency.",
        discussion: """
            Uses (and cleans) bench.* jobs in the database at DATABASE_URL. Drain speed is taken \
            from the database itself: N / (last finalized_at - first attempted_at).

            Examples:
              dialer bench queue --jobs 100000 --workers 5 --batch 100
              dialer bench queue --jobs 100000 --workers 2 --processes 2
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "No-op jobs to enqueue and drain.")
    var jobs = 100_000

    @Option(help: "Job runners per process, each with its own claim loop and completer.")
    var workers = 5

    @Option(help: "Jobs claimed per statement, at most.")
    var batch = 100

    @Option(help: "Processes to drain with (each runs --workers runners).")
    var processes = 1

    @Option(help: "Handlers running at once per runner (default: 2 x batch).")
    var concurrency: Int?

    @Option(help: "Jobs per enqueue statement.")
    var enqueueBatch = 1000

    @Option(help: "Idle pick-up latency samples (0 skips the measurement).")
    var latencySamples = 200

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: .hidden)
    var drainChild = false

    func run() async throws {
        let logger = database.logger("dialer.bench")
        let settings = QueueBenchmark.Settings(
            jobs: jobs, workers: workers, batch: batch, processes: processes,
            concurrency: concurrency ?? batch * 2, enqueueBatch: enqueueBatch, latencySamples: latencySamples
        )
        let benchmark = QueueBenchmark(url: try database.url(), settings: settings, logger: logger)
        if drainChild {
            try await benchmark.runDrainChild()
            return
        }
        let report = try await benchmark.run { progress in
            if !json { print(progress) }
        }
        print(json ? report.json : report.text)
    }
}

/// `dialer bench import`: a campaign import of N contacts, end to end.
struct BenchImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import N generated contacts from a Sandbox Salesforce through a real dialer worker.",
        discussion: """
            Seeds a Sandbox Salesforce in this process, starts `dialer worker` as a child \
            process, creates a campaign and times it from creation to active. Prints the rate \
            and the worker's peak memory (VmHWM): pages are streamed, so it should not grow \
            with the list. The campaign is removed afterwards.

            Example:
              .build/release/dialer bench import --contacts 100000
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Contacts to seed and import.")
    var contacts = 100_000

    @Option(help: "Records per query page (Salesforce's default is 2000).")
    var pageSize = 2000

    func run() async throws {
        let logger = database.logger("dialer.bench")
        let benchmark = ImportBenchmark(url: try database.url(), contacts: contacts, pageSize: pageSize, logger: logger)
        let interactive = isatty(STDERR_FILENO) != 0
        let lastPrinted = Mutex(ContinuousClock.now - .seconds(10))
        let report = try await benchmark.run { line in
            // A terminal gets a live bar; a log gets a line every two seconds.
            let due = lastPrinted.withLock { last in
                guard interactive || ContinuousClock.now - last >= .seconds(2) else { return false }
                last = .now
                return true
            }
            if due { FileHandle.standardError.write(Data((interactive ? "\r\(line)" : "\(line)\n").utf8)) }
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        print(report.text)
    }
}
