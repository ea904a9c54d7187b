import ArgumentParser
import Demo
import DialerServices
import Foundation
import Logging
import Store
import Synchronization

/// `dialer-lab demo`: the whole dialer on this machine, nothing configured, no accounts.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole campaign on this machine against the loopback Sandboxes: no accounts needed.",
        discussion: """
            Starts a throwaway Postgres cluster (unless DATABASE_URL is set), migrates it, and \
            starts on 127.0.0.1: a Sandbox Salesforce with contacts across US time zones (some \
            DoNotCall, invalid or duplicate numbers), a Sandbox Twilio whose calls ring, go to \
            voicemail (a greeting, then a beep), are busy or unanswered, and whose callees speak \
            with espeak-ng over the media stream (some ask for a person); the webhook service \
            with the embedded voice (PocketSphinx, the built-in script, espeak-ng); and a worker. \
            It creates a campaign by a SOQL filter that leaves messages on machines and puts \
            callees who ask for a person through to a number of its own, runs it to the end with \
            a live display, then prints the campaign's progress, the transcripts of a \
            conversation, a voicemail, a callback picked and a hand-off, and how to explore the database.

            Calling windows (08:00–21:00 in each callee's zone) are kept on an accelerated clock \
            that starts at 11:30 New York time: Alaska and Hawaii wait for their morning, in \
            seconds. Retries come back within seconds too.

            Examples:
              dialer-lab demo
              dialer-lab demo --contacts 50 --rate 2 --keep
            """
    )

    @Option(help: "Contacts in the Sandbox Salesforce.") var contacts = 200
    @Option(help: "Calls per second (the account's and the campaign's).") var rate = 5.0
    @Option(help: "Demo seconds per real second, for calling windows.") var clockFactor = 120.0
    @Flag(help: "Keep the database (and its throwaway cluster) afterwards, and print how to reach it.") var keep = false
    @Option(help: "Log level for the services: error by default, so the display stays readable.") var logLevel: String?

    func validate() throws {
        guard (1...5_000).contains(contacts) else { throw ValidationError("--contacts must be between 1 and 5000") }
        guard rate > 0, rate <= 50 else { throw ValidationError("--rate must be above 0 and at most 50 calls per second") }
        guard clockFactor >= 1 else { throw ValidationError("--clock-factor must be at least 1") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: logLevel ?? "error")
        let logger = Logger(label: "dialer.demo")
        var demo = DemoSettings()
        demo.contacts = contacts
        demo.rate = rate
        demo.clockFactor = clockFactor
        let settings = demo
        let started = ContinuousClock.now
        let cluster: EphemeralPostgres?
        let url: DatabaseURL
        if ProcessInfo.processInfo.environment["DATABASE_URL"] != nil {
            url = try DatabaseURL.fromEnvironment()
            cluster = nil
            say("using the database in DATABASE_URL")
        } else {
            say("starting a throwaway Postgres cluster")
            let started = try EphemeralPostgres.start(fast: true)
            cluster = started
            url = try DatabaseURL(started.url)
        }
        defer { if !keep { cluster?.stop() } }
        let keep = keep
        try await Database.run(url: url, maxConnections: 40, logger: logger) { db in
            try await Migrator(database: db).migrate()
            say("starting the Sandbox Salesforce (\(settings.contacts) contacts), the Sandbox Twilio, the webhooks and a worker on 127.0.0.1")
            try await DemoStack(settings: settings, logger: logger).run(db: db) { running in
                let campaign = try await DemoCampaign.create(running, settings: settings)
                say("campaign \(campaign.name): \(settings.filter), \(settings.rate) calls/s, public URL \(running.publicURL)")
                let display = ProgressLine()
                let final = try await campaign.runToCompletion(running, timeout: .seconds(600)) { display.show($0.line) }
                display.finish(final.line)
                try await Self.summary(running, campaign: campaign)
                let seconds = (ContinuousClock.now - started).seconds
                say(String(format: "done in %.0f s", seconds))
                if keep {
                    say("explore it: \(cluster?.psqlCommand ?? "psql \"$DATABASE_URL\"")   then: SELECT * FROM dialer.campaign_progress;")
                    if let cluster { say("stop it: \(cluster.stopCommand)") }
                } else if cluster != nil {
                    say("the throwaway database is removed on exit: run with --keep to explore it with psql")
                }
            }
        }
    }

    /// The campaign's progress row, its calls' Tasks, and two conversations.
    static func summary(_ running: DemoStack.Running, campaign: DemoCampaign) async throws {
        let progress = try await CampaignStore(database: running.db).progress(name: campaign.name)
        say("")
        say(Table.campaignProgress(progress).render())
        let tasks = running.salesforce.records(ofType: "Task").count
        let db = running.db
        var ended = 0
        for try await count in try await db.client.query(
            "SELECT count(*)::int FROM dialer.task_syncs WHERE campaign_id = \(campaign.id)",
            logger: db.logger
        ).decode(Int.self) { ended = count }
        say("\nSalesforce: \(tasks) Tasks for \(ended) ended calls; \(running.twilio.calls.count) calls placed with the Sandbox Twilio.")
        for try await count in try await db.client.query(
            "SELECT count(*)::int FROM dialer.callbacks WHERE campaign_id = \(campaign.id)",
            logger: db.logger
        ).decode(Int.self) where count > 0 {
            say("\(count) callees picked a time to be called back: their calls are scheduled (SELECT * FROM dialer.callbacks).")
        }
        // The longest conversation, a message left on a machine, a callback, and a call put through.
        var samples: [(String, String)] = []
        for try await (kind, sid) in try await db.client.query(
            """
            (SELECT 'a conversation', t.call_sid FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.call_sid = t.call_sid
             WHERE a.campaign_id = \(campaign.id) GROUP BY t.call_sid
             HAVING count(DISTINCT t.speaker) = 2 ORDER BY count(*) DESC, t.call_sid LIMIT 1)
            UNION ALL
            (SELECT 'a voicemail', t.call_sid FROM dialer.transcript_entries t JOIN dialer.call_attempts a ON a.call_sid = t.call_sid
             WHERE a.campaign_id = \(campaign.id) AND t.intent = 'voicemail' AND NOT t.interrupted ORDER BY t.call_sid LIMIT 1)
            UNION ALL
            (SELECT 'a callback asked for, scheduled ' || to_char(a.callback_from AT TIME ZONE a.callback_time_zone, 'Dy YYYY-MM-DD HH24:MI')
                    || '–' || to_char(a.callback_until AT TIME ZONE a.callback_time_zone, 'HH24:MI') || ' ' || a.callback_time_zone, a.call_sid
             FROM dialer.call_attempts a
             WHERE a.campaign_id = \(campaign.id) AND a.callback_from IS NOT NULL AND a.call_sid IS NOT NULL
             ORDER BY a.callback_from DESC, a.call_sid LIMIT 1)
            UNION ALL
            (SELECT 'a hand-off to ' || c.transferred_to, c.call_sid FROM dialer.calls c JOIN dialer.call_attempts a ON a.call_sid = c.call_sid
             WHERE a.campaign_id = \(campaign.id) AND c.transferred_to IS NOT NULL ORDER BY c.call_sid LIMIT 1)
            """,
            logger: db.logger
        ).decode((String, String).self) {
            // One call may be two samples (the longest conversation asked for a callback).
            if let index = samples.firstIndex(where: { $0.1 == sid }) { samples[index].0 += ", " + kind } else { samples.append((kind, sid)) }
        }
        for (kind, sid) in samples {
            say("\nTranscript of \(sid), \(kind):")
            let lines = try await db.client.query(
                "SELECT start_ms, speaker, text, interrupted FROM dialer.transcript_entries WHERE call_sid = \(sid) ORDER BY seq",
                logger: db.logger
            )
            for try await (start, speaker, text, interrupted) in lines.decode((Int, String, String, Bool).self) {
                say(
                    String(format: "  [%02d:%02d] ", start / 60_000, start / 1000 % 60)
                        + "\(speaker.uppercased()): \(text)\(interrupted ? " [interrupted]" : "")"
                )
            }
        }
        say("")
    }
}

/// A status line redrawn in place on a terminal, printed every few seconds elsewhere.
final class ProgressLine: Sendable {
    private let interactive = isatty(STDOUT_FILENO) != 0
    private let state = Mutex<(last: String, printed: ContinuousClock.Instant)>(("", .now - .seconds(60)))

    func show(_ line: String) {
        state.withLock { state in
            guard line != state.last else { return }
            state.last = line
            if interactive {
                FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)".utf8))
            } else if ContinuousClock.now - state.printed >= .seconds(5) {
                say(line)
                state.printed = .now
            }
        }
    }

    func finish(_ line: String) {
        if interactive { FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)\n".utf8)) } else { say(line) }
    }
}

/// A line on standard output, out at once (a pipe would otherwise hold it back).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
