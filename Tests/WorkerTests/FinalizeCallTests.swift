import Foundation
import Queue
import Salesforce
import Sandbox
import Store
import TestSupport
import Testing
import Worker

/// Exactly one Salesforce Task per ended call, whatever fails on the way (invariant 4).
@Suite(.runsAlone("load: 10,000 calls' Tasks with 20% server errors keep Postgres and both cores busy")) struct FinalizeCallTests {
    @Test func everyEndedCallGetsOneTaskWithItsOutcomeAndConversation() async throws {
        try await Finalizing.with { f in
            let answered = try await f.endCalls(1, from: 0)[0]
            let busy = try await f.endCalls(1, from: 1, status: "busy", answered: false, transcriptLines: 0)[0]
            let noAnswer = try await f.endCalls(1, from: 2, status: "no-answer", answered: false, transcriptLines: 0)[0]
            #expect(try await f.finalize([f.handler()]))

            let task = try f.task(answered)
            #expect(task["Subject"] == .string("AI Voice Call - Answered"))
            #expect(task["Status"] == .string("Completed") && task["TaskSubtype"] == .string("Call") && task["CallType"] == .string("Outbound"))
            #expect(task["CallDisposition"] == .string("Answered") && task["CallDurationInSeconds"] == .number(42))
            #expect(task["WhoId"] == .string("003SB0000000000000") && task["WhatId"] == .string("001SB0000000000000"))
            let today = try await f.db.scalar("SELECT to_char((now() AT TIME ZONE 'America/New_York')::date, 'YYYY-MM-DD')", as: String.self)
            #expect(
                task["ActivityDate"] == .string(today)
                    || task["ActivityDate"]
                        == SOQLValue.date(
                            year: Int(today.prefix(4))!,
                            month: Int(today.dropFirst(5).prefix(2))!,
                            day: Int(today.suffix(2))!
                        )
            )
            #expect(
                task["Description"]
                    == .string(
                        """
                        AI voice call \(answered): Answered, 42 s
                        [00:00:00] AGENT: Would you like a call back?
                        [00:00:03] CALLEE: yes
                        """
                    )
            )
            #expect(try f.task(busy)["Subject"] == .string("AI Voice Call - Busy") && f.task(busy)["Status"] == .string("Not Answered"))
            #expect(try f.task(noAnswer)["CallDisposition"] == .string("No Answer"))

            let rows = try await f.db.rows(
                "SELECT call_sid, salesforce_task_id FROM dialer.task_syncs WHERE state = 'synced'",
                as: (String, String).self
            )
            #expect(rows.count == 3)
            for (sid, taskID) in rows { #expect(try f.task(sid).id == taskID) }
            // Each job ends once its call's sync is settled, whichever run wrote it.
            try await withRunners([runner(f.db, [f.handler()])]) {
                let allDone = try await eventually(timeout: .seconds(10)) {
                    try await f.db.scalar("SELECT count(*)::int FROM dialer.jobs WHERE kind = 'finalize_call' AND state <> 'completed'", as: Int.self)
                        == 0
                }
                #expect(allDone)
            }
        }
    }

    @Test func tenThousandEndedCallsFinalizeWithAtMostSixtySalesforceRequests() async throws {
        try await Finalizing.with { f in
            try await f.endCalls(10_000, transcriptLines: 1)
            #expect(try await f.finalize([f.handler()], concurrency: 50, timeout: .seconds(180)))
            #expect(try await f.syncStates() == ["synced": 10_000])
            let tasks = f.tasksByCall()
            #expect(tasks.count == 10_000 && tasks.values.allSatisfy { $0 == 1 })
            #expect(f.dataRequests() <= 60, "\(f.dataRequests()) Salesforce requests")
            print("10,000 ended calls: \(f.dataRequests()) Salesforce data requests")
        }
    }

    /// A finalizer dies after Salesforce made the Task and before the sync is recorded; the
    /// next run must find that Task, not make a second one. With and without an external ID.
    @Test(arguments: [nil, "CallSid__c"] as [String?])
    func aFinalizerKilledAfterSalesforceCreatedTheTaskMakesNoSecondTask(externalID: String?) async throws {
        struct Died: Error {}
        try await Finalizing.with { f in
            let sids = try await f.endCalls(5)
            var configuration = FinalizeConfiguration(externalIDField: externalID)
            configuration.lease = .milliseconds(300)
            let dying = f.handler(configuration) { _ in throw Died() }
            let job = try #require(
                try await JobQueue(database: f.db).claim(kinds: [FinalizeCallArgs.kind], limit: 1, owner: "t", lease: .seconds(60)).first
            )
            await #expect(throws: Died.self) { try await dying.run(job) }
            #expect(f.tasksByCall().count == 5, "Salesforce has the Tasks")
            #expect(try await f.syncStates() == ["pending": 5], "but nothing was recorded")
            if externalID == nil {
                // A create holds its syncs for as long as it may be in flight, not the 300 ms lease.
                let held = try await f.db.scalar(
                    "SELECT min(extract(epoch FROM lease_expires_at - sent_at))::float8 FROM dialer.task_syncs",
                    as: Double.self
                )
                #expect(held >= f.client().longestCreate.seconds - 1, "held for \(held) s")
            }

            // The dead run's lease runs out.
            try await f.db.execute("UPDATE dialer.task_syncs SET lease_expires_at = now() - interval '1 second'")
            #expect(try await f.finalize([f.handler(configuration)]))
            #expect(try await f.syncStates() == ["synced": 5])
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
            if let externalID { #expect(try f.task(sids[0])[externalID] == .string(sids[0])) }
            // Upserted again, the Tasks were updates: TaskSubtype (create-only) stayed out of
            // them, and stays what the Tasks were created with.
            #expect(f.sandbox.records(ofType: "Task").allSatisfy { $0["TaskSubtype"] == .string("Call") })
        }
    }

    /// A run's 500 ms lease runs out while its create is still in flight at Salesforce. A
    /// second run must not take the syncs: its look-up cannot see that create, and it would
    /// make a second Task for every call.
    @Test func aCreateStillInFlightKeepsItsSyncsFromAnotherRunPastTheLease() async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(3)
            var configuration = FinalizeConfiguration()
            configuration.lease = .milliseconds(500)
            f.sandbox.faults.writeLatency = .seconds(2)
            let job = try #require(
                try await JobQueue(database: f.db).claim(kinds: [FinalizeCallArgs.kind], limit: 1, owner: "t", lease: .seconds(60)).first
            )
            async let first = f.handler(configuration).run(job)
            let sent = try await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                try await f.db.scalar("SELECT count(*)::int FROM dialer.task_syncs WHERE sent_at IS NOT NULL", as: Int.self) == 3
            }
            #expect(sent)
            try await Task.sleep(for: .seconds(1))  // past the 500 ms lease; the create is still in flight
            let second = try await f.handler(configuration).run(job)
            #expect(second == .snoozed(.seconds(1)), "another run holds them")
            #expect(try await first == .completed)
            #expect(try await f.syncStates() == ["synced": 3])
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
            #expect(f.sandbox.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/composite/sobjects") }.count == 1)
        }
    }

    @Test func twoFinalizersRacingOnTheSameCallsMakeOneTaskEach() async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(20)
            f.sandbox.faults.latency = .milliseconds(150)
            let queue = JobQueue(database: f.db)
            let jobs = try await queue.claim(kinds: [FinalizeCallArgs.kind], limit: 20, owner: "t", lease: .seconds(60))
            // Each job run twice at once, as when a worker presumed dead is still running.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for job in jobs {
                    group.addTask { _ = try await f.handler().run(job) }
                    group.addTask { _ = try await f.handler().run(job) }
                }
                try await group.waitForAll()
            }
            f.sandbox.faults.latency = .zero
            #expect(try await f.finalize([f.handler(), f.handler()]))
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
        }
    }

    /// One request in five answered 500, half of them after the write happened.
    @Test(arguments: [nil, "CallSid__c"] as [String?])
    func underTwentyPercentServerErrorsEveryCallStillGetsExactlyOneTask(externalID: String?) async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(400, transcriptLines: 2)
            f.sandbox.faults.failingFraction = 0.1
            f.sandbox.faults.lostAnswerFraction = 0.11
            var configuration = FinalizeConfiguration(externalIDField: externalID)
            configuration.batchSize = 10
            #expect(try await f.finalize([f.handler(configuration), f.handler(configuration)], timeout: .seconds(120)))
            #expect(try await f.syncStates() == ["synced": 400])
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
            let errors = f.sandbox.requests.filter { $0.status == 500 }.count
            #expect(errors > 0, "the faults were injected")
        }
    }

    @Test func requestLimitExceededPausesEverySyncAndResumesWithoutLosingOne() async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(300)
            f.sandbox.faults.requestLimitExceeded = true
            var configuration = FinalizeConfiguration()
            configuration.batchSize = 100
            let handler = f.handler(configuration)
            try await withRunners([runner(f.db, [handler])]) {
                #expect(
                    try await eventually(timeout: .seconds(10)) {
                        try await f.db.scalar("SELECT paused_until > now() FROM dialer.task_sync_pause", as: Bool.self)
                    }
                )
                // Paused: the runs that follow wait; each time the pause ends, one run alone
                // asks again (300 ms, then 600 ms, 1.2 s: doubled per strike), so the requests
                // are the first batches sent at once (300 syncs, 100 a batch) and one probe
                // per strike after that (a couple more where a run passed the gate just before
                // a strike), not a storm of retries.
                #expect(
                    try await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                        try await f.db.scalar("SELECT strikes FROM dialer.task_sync_pause", as: Int.self) >= 3
                    }
                )
                let strikes = try await f.db.scalar("SELECT strikes FROM dialer.task_sync_pause", as: Int.self)
                let requests = f.dataRequests()
                #expect(requests <= 5 + strikes, "\(requests) requests for \(strikes) strikes")
                #expect(try await f.syncStates() == ["pending": 300])
                #expect(
                    try await f.db.scalar(
                        "SELECT count(*)::int FROM dialer.task_sync_failures WHERE last_error_code = 'REQUEST_LIMIT_EXCEEDED'",
                        as: Int.self
                    ) > 0
                )
                f.sandbox.faults.requestLimitExceeded = false
                #expect(
                    try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                        try await f.syncStates() == ["synced": 300]
                    }
                )
            }
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
            #expect(try await f.db.scalar("SELECT strikes FROM dialer.task_sync_pause", as: Int.self) == 0)
        }
    }

    @Test func anExpiredSessionIsRenewedAndTheTasksStillWrittenOnce() async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(60)
            // Every second request finds its session expired (one run at a time: concurrent
            // runs would keep expiring each other's fresh sessions).
            f.sandbox.faults.expireSessionsEvery = 2
            var configuration = FinalizeConfiguration()
            configuration.batchSize = 10
            #expect(try await f.finalize([f.handler(configuration)], concurrency: 1))
            #expect(try await f.syncStates() == ["synced": 60])
            #expect(f.tasksByCall() == Dictionary(uniqueKeysWithValues: sids.map { ($0, 1) }))
            #expect(f.sandbox.requests.contains { $0.status == 401 }, "sessions expired on the way")
            #expect(f.sandbox.requests.filter { $0.path.hasSuffix("/oauth2/token") }.count > 1, "and were renewed")
        }
    }

    @Test func aTaskSalesforceRefusesIsFailedWithItsMessageAndARetryBringsItToSynced() async throws {
        try await Finalizing.with { f in
            try await f.endCalls(4)
            let busy = try await f.endCalls(3, from: 4, status: "busy", answered: false)
            f.sandbox.faults.rejectSubjectsContaining = "Busy"
            #expect(try await f.finalize([f.handler()]))
            #expect(try await f.syncStates() == ["synced": 4, "failed": 3])
            let operations = TaskSyncOperations(database: f.db)
            let failures = try await operations.failures(campaign: "finalize test")
            #expect(Set(failures.map(\.callSID)) == Set(busy))
            #expect(failures.allSatisfy { $0.errorCode == "FIELD_CUSTOM_VALIDATION_EXCEPTION" && $0.error == "Subject is not allowed: Busy" })

            await #expect(throws: TaskSyncOperations.RetryError.nothingSelected) { try await operations.retry(.init()) }
            f.sandbox.faults.rejectSubjectsContaining = nil
            #expect(try await operations.retry(.init(campaign: "finalize test")) == 3)
            #expect(try await f.finalize([f.handler()]))
            #expect(try await f.syncStates() == ["synced": 7])
            #expect(try await operations.failures().isEmpty)
            for sid in busy { #expect(try f.task(sid)["Subject"] == .string("AI Voice Call - Busy")) }
        }
    }

    @Test func aTranscriptOverThirtyTwoThousandCharactersIsTruncatedAndTheTaskAccepted() async throws {
        try await Finalizing.with { f in
            let sid = try await f.endCalls(1, transcriptLines: 2_000)[0]
            #expect(try await f.finalize([f.handler()]))
            #expect(try await f.syncStates() == ["synced": 1])
            guard case .string(let description) = try f.task(sid)["Description"] else { throw TestSetupError("no Description") }
            #expect(description.utf16.count <= 32_000 && description.utf16.count > 31_000)
            #expect(description.hasPrefix("AI voice call \(sid): Answered, 42 s\n[00:00:00] AGENT:"))
            #expect(description.hasSuffix("characters, the rest is in dialer.transcript_entries]"))
            #expect(description.contains("[… transcript truncated: "))
        }
    }

    @Test func theSandboxRefusesADescriptionOverThirtyTwoThousandCharacters() async throws {
        try await Finalizing.with { f in
            let task = SalesforceTask(
                WhoId: nil,
                WhatId: nil,
                Subject: "s",
                Status: "Completed",
                CallDisposition: nil,
                CallObject: "CAx",
                CallDurationInSeconds: 0,
                ActivityDate: nil,
                Description: String(repeating: "x", count: 32_001)
            )
            let results = try await f.client().createTasks([task])
            #expect(results.first?.errors.first?.statusCode == "STRING_TOO_LONG")
        }
    }

    @Test func anOptOutSetsTheContactsDoNotCallBeforeTheTaskIsWritten() async throws {
        try await Finalizing.with { f in
            let sids = try await f.endCalls(3)
            let contacts = f.sandbox.insert(
                (0..<2).map { _ in SandboxRecord(type: "Contact", fields: ["LastName": .string("Callee"), "DoNotCall": .boolean(false)]) }
            )
            try await f.db.execute(
                """
                UPDATE dialer.contacts AS k SET salesforce_id = c.id, opted_out_at = now()
                FROM unnest(\(contacts)::text[], \([sids[0], sids[1]])::text[]) AS c(id, sid), dialer.call_attempts AS a
                WHERE a.call_sid = c.sid AND k.id = a.contact_id
                """
            )
            #expect(try await f.finalize([f.handler()], concurrency: 1))
            for id in contacts { #expect(f.sandbox.record(id: id)?["DoNotCall"] == .boolean(true)) }
            #expect(f.sandbox.requests.filter { $0.method == "PATCH" && $0.path.hasSuffix("/composite/sobjects") }.count == 1)
            #expect(try await f.db.scalar("SELECT count(do_not_call_synced_at)::int FROM dialer.task_syncs", as: Int.self) == 2)
            #expect(try await f.syncStates() == ["synced": 3])
        }
    }

    @Test func aSyncWaitsForItsCallsOpenMediaStreamThenGoesWithTheLastWords() async throws {
        try await Finalizing.with { f in
            let sid = try await f.endCalls(1)[0]
            try await f.db.execute("INSERT INTO dialer.media_streams (stream_sid, call_sid) VALUES ('MZopen', \(sid))")
            try await withRunners([runner(f.db, [f.handler()])]) {
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await f.syncStates() == ["pending": 1] && f.tasksByCall().isEmpty, "held while the stream is open")
                try await f.db.execute(
                    """
                    INSERT INTO dialer.transcript_entries (call_sid, seq, speaker, text, start_ms, end_ms)
                    VALUES (\(sid), 2, 'callee', 'goodbye', 7000, 7500);
                    """
                )
                try await f.db.execute("UPDATE dialer.media_streams SET ended_at = now() WHERE stream_sid = 'MZopen'")
                #expect(try await eventually(timeout: .seconds(10)) { try await f.syncStates() == ["synced": 1] })
            }
            guard case .string(let description) = try f.task(sid)["Description"] else { throw TestSetupError("no Description") }
            #expect(description.hasSuffix("[00:00:07] CALLEE: goodbye"))
        }
    }

    @Test func aStreamThatNeverClosesHoldsTheSyncOnlyForTheStreamWait() async throws {
        try await Finalizing.with { f in
            let sid = try await f.endCalls(1)[0]
            try await f.db.execute("INSERT INTO dialer.media_streams (stream_sid, call_sid) VALUES ('MZlost', \(sid))")
            var configuration = FinalizeConfiguration()
            configuration.streamWait = .seconds(2)
            let start = ContinuousClock.now
            #expect(try await f.finalize([f.handler(configuration)], timeout: .seconds(15)))
            #expect(ContinuousClock.now - start >= .seconds(1.5))
            #expect(try f.task(sid)["CallObject"] == .string(sid))
        }
    }
}
