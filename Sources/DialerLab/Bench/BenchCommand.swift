import ArgumentParser
import DialerServices
import Foundation
import Logging
import Store
import Synchronization

/// `dialer-lab bench`: measured speed, on a release build.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the dialer's speed against a real Postgres (use a release build).",
        discussion: """
            Results belong in docs/BENCHMARKS.md with the command, the Postgres settings it \
            prints, and the baseline measured in the same run (ops/bench-queue does all three).

            Example:
              swift build -c release
              .build/release/dialer-lab bench queue --jobs 100000 --workers 5
            """,
        subcommands: [
            BenchQueueCommand.self, BenchImportCommand.self, BenchPacingCommand.self, BenchWebhooksCommand.self, BenchSoakCommand.self,
            BenchMediaCommand.self, BenchAPICommand.self, BenchTurnsCommand.self, BenchPrivacyCommand.self,
        ]
    )
}

/// `dialer-lab bench queue`: enqueue, drain and pick-up latency of the job queue.
struct BenchQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Enqueue N no-op jobs, drain them with W runners, and measure idle pick-up latency.",
        discussion: """
            Uses (and cleans) bench.* jobs in the database at DATABASE_URL. Drain speed is taken \
            from the database itself: N / (last finalized_at - first attempted_at).

            Examples:
              dialer-lab bench queue --jobs 100000 --workers 5 --batch 100
              dialer-lab bench queue --jobs 100000 --workers 2 --processes 2
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
            jobs: jobs,
            workers: workers,
            batch: batch,
            processes: processes,
            concurrency: concurrency ?? batch * 2,
            enqueueBatch: enqueueBatch,
            latencySamples: latencySamples
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

/// `dialer-lab bench import`: a campaign import of N contacts, end to end.
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
              .build/release/dialer-lab bench import --contacts 100000
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

/// `dialer-lab bench pacing`: the global call rate, as the far end sees it.
struct BenchPacingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pacing",
        abstract: "Dial a generated campaign through a Sandbox Twilio with P worker processes at R calls/s.",
        discussion: """
            Starts a Sandbox Twilio in this process, seeds an active campaign (removed \
            afterwards), and runs P `dialer worker` child processes sharing the account rate R \
            through Postgres. From the Sandbox's own log of when each create arrived it reports \
            the achieved rate over S seconds, the sliding one-second windows holding more than R \
            calls, and the workers' slot reservation latency; a bare round trip and an \
            uncontended reservation on the same pool are the baseline.

            Example:
              .build/release/dialer-lab bench pacing --rate 20 --processes 4 --seconds 60
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The account's calls per second.")
    var rate = 20.0

    @Option(help: "Worker processes sharing the rate.")
    var processes = 4

    @Option(help: "Seconds to measure, from the first call.")
    var seconds = 60.0

    @Option(help: "Jobs each worker runs at once (default: enough to hold 3 s of slots between them).")
    var concurrency: Int?

    func run() async throws {
        guard rate > 0, processes > 0, seconds > 0 else { throw ValidationError("--rate, --processes and --seconds must be above 0") }
        let logger = database.logger("dialer.bench")
        let perProcess = concurrency ?? max(20, Int((rate * 3 / Double(processes)).rounded(.up)))
        let settings = PacingBenchmark.Settings(rate: rate, processes: processes, seconds: seconds, concurrency: perProcess)
        let report = try await PacingBenchmark(url: try database.url(), settings: settings, logger: logger).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
    }
}

/// `dialer-lab bench webhooks`: signed status callbacks per second, with their durable writes.
struct BenchWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Post signed status callbacks to the webhook service from C connections for S seconds.",
        discussion: """
            Runs the service `dialer serve` runs on a loopback port of this process, seeds a \
            campaign of placed calls (removed afterwards), and plays each call's four callbacks \
            (initiated, ringing, in-progress, completed) in order, every one signed. Reports \
            callbacks per second, latency p50 and p99 as the sender sees it, and the rows left \
            behind; GET /healthz over the same connections is the baseline.

            Example:
              .build/release/dialer-lab bench webhooks --connections 32 --seconds 30
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Keep-alive connections sending at once.")
    var connections = 32

    @Option(help: "Batches of status callbacks the service writes at once (dialer serve --status-writers).")
    var statusWriters = CallStore.defaultStatusWriters

    @Option(help: "Seconds to measure, after a 2 s warm-up.")
    var seconds = 30.0

    @Flag(help: "Serve without the answer deadline dialer serve has, to measure what it costs.")
    var withoutAnswerDeadline = false

    func run() async throws {
        guard connections > 0, seconds > 0 else { throw ValidationError("--connections and --seconds must be above 0") }
        let logger = database.logger("dialer.bench")
        var settings = WebhookBenchmark.Settings(connections: connections, seconds: seconds, statusWriters: statusWriters)
        settings.answerDeadline = !withoutAnswerDeadline
        let report = try await WebhookBenchmark(url: try database.url(), settings: settings, logger: logger).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
    }
}

/// `dialer-lab bench soak`: callbacks at the benchmark's rate for minutes, with a worker dialing.
struct BenchSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Load dialer serve with paced status callbacks for minutes while dialer worker dials, watching memory.",
        discussion: """
            Starts a throwaway Postgres cluster (fsync on), both Sandboxes in this process, and \
            `dialer serve` and `dialer worker` as child processes. Sends signed status callbacks \
            for seeded calls at a fixed rate over keep-alive connections, first for 30 s with no \
            worker running (the baseline), then while the worker dials a Sandbox campaign \
            through the same service. Every 30 s it reports callbacks/s, p50, \
            p99, errors (any answer but 204), both processes' resident memory and the calls \
            dialed; at the end, the run's p99 and error rate, and whether memory stayed flat \
            (the last window within 10 % of the second). Exits non-zero if it did not, or on \
            any error answer.

            Example:
              .build/release/dialer-lab bench soak --seconds 300 --callbacks-per-second 2000
            """
    )

    @Option(help: "Seconds to run.") var seconds = 300.0
    @Option(help: "Signed status callbacks per second, paced.") var callbacksPerSecond = 2_000.0
    @Option(help: "Keep-alive connections the callbacks share.") var connections = 48
    @Option(help: "Calls per second the worker dials.") var dialRate = 10.0
    @Option(help: "Log level of this process.") var logLevel: String?

    func run() async throws {
        guard seconds >= 90, callbacksPerSecond > 0, connections > 0, dialRate > 0 else {
            throw ValidationError("--seconds must be at least 90 (three windows), the rates and --connections above 0")
        }
        LogSetup.bootstrap(level: logLevel ?? "error")
        let settings = SoakBenchmark.Settings(seconds: seconds, connections: connections, callbacksPerSecond: callbacksPerSecond, dialRate: dialRate)
        let report = try await SoakBenchmark(settings: settings, logger: Logger(label: "dialer.bench")).run { say($0) }
        print(report.text)
        if !report.memoryFlat || report.errors > 0 { throw ExitCode.failure }
    }
}

/// `dialer-lab bench media`: media streams through `WS /twilio/media`, opened by Sandbox callees.
struct BenchMediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Run N media streams at once through the media route for S seconds.",
        discussion: """
            Runs the service `dialer serve` runs on a loopback port of this process and opens N \
            media streams to it as Twilio does (signed handshake, a 20 ms frame every 20 ms in \
            real time, marks echoed as the agent's audio plays), each for a seeded answered \
            call (removed afterwards). With stand-in speech-to-text, agent and text-to-speech \
            (the default) it measures the media path alone: inbound frames per second, frames \
            dropped (sent by the callees against frames_received in media_streams), per-frame \
            processing p50/p99 in the service; the baseline is the same sessions fed in \
            process, without a socket. With --embedded the calls run on PocketSphinx, the \
            built-in script and espeak-ng, one after another per stream, and it reports the \
            recognizer's real-time factor and the turn latency, end of the callee's speech to \
            the agent's first audio, p50 and p95.

            Examples:
              .build/release/dialer-lab bench media --streams 500 --seconds 30
              .build/release/dialer-lab bench media --embedded --streams 4 --seconds 120
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Media streams open at once.")
    var streams = 500

    @Option(help: "Seconds to run the streams for.")
    var seconds = 30.0

    @Flag(help: "Use the embedded PocketSphinx, script agent and espeak-ng instead of stand-ins.")
    var embedded = false

    func run() async throws {
        guard streams > 0, seconds > 0 else { throw ValidationError("--streams and --seconds must be above 0") }
        let logger = database.logger("dialer.bench")
        let settings = MediaBenchmark.Settings(streams: streams, seconds: seconds, embedded: embedded)
        let report = try await MediaBenchmark(url: try database.url(), settings: settings, logger: logger).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
    }
}

/// `dialer-lab bench api`: the HTTP API's calls accepted per second, and its reads of a big campaign.
struct BenchAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Load the HTTP API (POST /v1/calls, GET /v1/calls, GET /v1/campaigns/{name}) from C connections.",
        discussion: """
            Runs the admin listener `dialer serve` runs on a loopback port of this process, with \
            an API key of its own, and measures in turn: GET /healthz (the baseline), POST \
            /v1/calls (each call durably queued before its 202), then pages of GET /v1/calls and \
            GET /v1/campaigns/{name} for a seeded finished campaign (--list-contacts contacts, \
            two calls each). The seeded campaigns are removed afterwards.

            Example:
              .build/release/dialer-lab bench api --connections 32 --seconds 20
              .build/release/dialer-lab bench api --scenarios calls --seconds 10
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Keep-alive connections sending at once.")
    var connections = 32

    @Option(help: "Seconds to measure each scenario, after a 2 s warm-up.")
    var seconds = 20.0

    @Option(help: "Contacts of the campaign the reads are measured on (two calls each).")
    var listContacts = 100_000

    @Option(help: "What to measure after the baseline, comma-separated: calls, list, campaign, console (default: all).")
    var scenarios = APIBenchmark.Scenario.allCases.map(\.rawValue).joined(separator: ",")

    func run() async throws {
        guard connections > 0, seconds > 0, listContacts > 0 else {
            throw ValidationError("--connections, --seconds and --list-contacts must be above 0")
        }
        var chosen: Set<APIBenchmark.Scenario> = []
        for name in scenarios.split(separator: ",") {
            guard let scenario = APIBenchmark.Scenario(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--scenarios: no scenario \(name); choose from calls, list, campaign, console")
            }
            chosen.insert(scenario)
        }
        var settings = APIBenchmark.Settings(connections: connections, seconds: seconds, listContacts: listContacts)
        settings.scenarios = chosen
        let report = try await APIBenchmark(url: try database.url(), settings: settings, logger: database.logger("dialer.bench")).run { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
    }
}
