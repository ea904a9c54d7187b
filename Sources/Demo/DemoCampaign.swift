import Foundation
import Salesforce
import Store

/// One demo campaign: created by a SOQL filter, run until every contact is settled and every
/// ended call has its Task, then marked completed.
public struct DemoCampaign: Sendable {
    public let id: Int64
    public let name: String

    /// Creates the campaign the way `dialer campaign create --where` does: the filter parsed
    /// and rendered before anything is written.
    public static func create(_ running: DemoStack.Running, settings: DemoSettings) async throws -> DemoCampaign {
        let query = SOQLQuery(fields: SalesforceContact.fields, object: "Contact", condition: try SOQLParser.parseCondition(settings.filter))
        let name = "demo-\(Int(Date().timeIntervalSince1970))"
        var campaign = NewCampaign(name: name, soql: query.soql, fromNumber: settings.fromNumber)
        campaign.ratePerSecond = settings.rate
        campaign.maxConcurrentCalls = settings.maxConcurrentCalls
        campaign.maxAttempts = settings.maxAttempts
        campaign.retryDelays = settings.retryDelays
        campaign.disclosure = "This call is recorded and transcribed."
        campaign.voicemailPolicy = settings.voicemailPolicy
        campaign.transferNumber = settings.transferNumber
        campaign.transferHoursStart = "00:00"
        campaign.transferHoursEnd = "23:59"
        let id = try await CampaignStore(database: running.db).create(campaign)
        return DemoCampaign(id: id, name: name)
    }

    /// Where the campaign stands, for the live display.
    public struct Snapshot: Sendable, Equatable {
        public var status = ""
        public var imported = 0
        public var skipped = 0
        public var waitingForWindow = 0
        /// Callable contacts without an outcome, dialing or in a call now excluded.
        public var queued = 0
        public var dialing = 0
        public var inCall = 0
        public var done = 0
        public var callable = 0
        public var tasksSynced = 0
        public var tasksPending = 0
        public var tasksFailed = 0
        /// Open jobs but the callbacks', which are due after the demo.
        public var openJobs = 0
        /// Contacts waiting for the callback they asked for (tomorrow, Monday: after the demo).
        public var callbacks = 0

        /// Every contact settled or waiting for its callback, every ended call's Task written
        /// (or failed), no job left but the callbacks'.
        public var finished: Bool {
            status != "importing" && imported > 0 && done + skipped + callbacks == imported && tasksPending == 0 && openJobs == 0
        }

        public var line: String {
            "imported \(imported) (\(skipped) skipped) · waiting for window \(waitingForWindow) · queued \(queued) · "
                + "dialing \(dialing) · in call \(inCall) · done \(done)/\(callable) · Tasks synced \(tasksSynced)"
                + (tasksFailed > 0 ? " (\(tasksFailed) failed)" : "") + (callbacks > 0 ? " · callbacks \(callbacks)" : "")
        }
    }

    public func snapshot(_ running: DemoStack.Running) async throws -> Snapshot {
        let rows = try await running.db.client.query(
            """
            SELECT c.status,
                   (SELECT count(*) FROM dialer.contacts k WHERE k.campaign_id = c.id)::int,
                   (SELECT count(*) FROM dialer.contacts k WHERE k.campaign_id = c.id AND k.skip_reason IS NOT NULL)::int,
                   (SELECT count(*) FROM dialer.contacts k WHERE k.campaign_id = c.id AND k.skip_reason IS NULL AND k.outcome IS NOT NULL)::int,
                   (SELECT count(*) FROM dialer.call_attempts a LEFT JOIN dialer.calls cl ON cl.attempt_id = a.id
                    WHERE a.campaign_id = c.id AND a.ended_at IS NULL
                      AND (a.state IN ('dialing', 'unknown') OR (a.state = 'placed' AND coalesce(cl.status, 'queued') IN ('queued', 'initiated', 'ringing'))))::int,
                   (SELECT count(*) FROM dialer.call_attempts a JOIN dialer.calls cl ON cl.attempt_id = a.id
                    WHERE a.campaign_id = c.id AND a.ended_at IS NULL AND cl.status = 'in-progress')::int,
                   (SELECT count(*) FROM dialer.task_syncs s WHERE s.campaign_id = c.id AND s.state = 'synced')::int,
                   (SELECT count(*) FROM dialer.task_syncs s WHERE s.campaign_id = c.id AND s.state = 'pending')::int,
                   (SELECT count(*) FROM dialer.task_syncs s WHERE s.campaign_id = c.id AND s.state = 'failed')::int,
                   (SELECT count(*) FROM dialer.jobs j
                    WHERE j.campaign_id = c.id AND dialer.job_is_open(j.state) AND j.args ->> 'callbackFor' IS NULL)::int,
                   (SELECT count(*) FROM dialer.contacts k
                    WHERE k.campaign_id = c.id AND k.outcome IS NULL AND k.callback_at > now())::int
            FROM dialer.campaigns AS c WHERE c.id = \(id)
            """,
            logger: running.db.logger
        )
        var snapshot = Snapshot()
        for try await (status, imported, skipped, done, dialing, inCall, synced, pending, failed, open, callbacks)
            in rows.decode((String, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int).self)
        {
            snapshot = Snapshot(
                status: status,
                imported: imported,
                skipped: skipped,
                waitingForWindow: running.windows.waitingForWindow,
                dialing: dialing,
                inCall: inCall,
                done: done,
                callable: imported - skipped,
                tasksSynced: synced,
                tasksPending: pending,
                tasksFailed: failed,
                openJobs: open,
                callbacks: callbacks
            )
            snapshot.queued = max(0, snapshot.callable - done - dialing - inCall - snapshot.waitingForWindow)
        }
        return snapshot
    }

    /// Follows the campaign until it is finished (or `timeout` passes), handing each snapshot
    /// to `progress`; then marks it completed.
    public func runToCompletion(
        _ running: DemoStack.Running,
        timeout: Duration,
        every interval: Duration = .milliseconds(500),
        progress: @Sendable (Snapshot) -> Void
    ) async throws -> Snapshot {
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = try await snapshot(running)
            progress(snapshot)
            if snapshot.status == "failed" { throw DemoError("the import failed: see dialer campaign show \(name)") }
            if snapshot.finished {
                // The worker completes a finished campaign within its check interval; the demo
                // does not wait for that.
                try await CampaignStore(database: running.db).transition(name: name, from: [.active, .completed], to: .completed)
                return snapshot
            }
            if ContinuousClock.now > deadline { throw DemoError("the campaign did not finish within \(timeout): \(snapshot.line)") }
            try await Task.sleep(for: interval)
        }
    }
}

/// Why the demo stopped.
public struct DemoError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
