import Foundation
import Synchronization
import TestSupport
import Testing

@testable import DialerLab

/// A lab run whose settle ran out of time names what each Task sync still pending waits on.
@Suite struct PendingSyncReportTests {
    @Test func eachPendingSyncIsListedWithItsLeaseItsStreamsAndItsJob() async throws {
        try await TestDatabase.withFresh { db, _ in
            let campaign = try await EndedCalls.campaign(db)
            let sids = try await EndedCalls.seed(db, campaignID: campaign, 3)
            // One held by a write that may be in flight, with its stream still open; one synced.
            try await db.execute(
                """
                UPDATE dialer.task_syncs SET sent_at = now(), attempts = 1, lease_owner = 'finalize:7:1:ab',
                       lease_expires_at = now() + interval '240 seconds', last_error_code = 'UNABLE_TO_LOCK_ROW'
                WHERE call_sid = \(sids[0])
                """
            )
            try await db.execute("INSERT INTO dialer.media_streams (stream_sid, call_sid) VALUES ('MZ1', \(sids[0]))")
            try await db.execute(
                "UPDATE dialer.task_syncs SET state = 'synced', salesforce_task_id = '00T1', synced_at = now() WHERE call_sid = \(sids[2])"
            )
            let lines = Mutex<[String]>([])
            try await SandboxedDialer.reportPendingSyncs(db, logger: TestDatabase.testLogger) { line in lines.withLock { $0.append(line) } }
            let report = lines.withLock { $0 }
            #expect(report.count == 2, "\(report)")
            let held = try #require(report.first { $0.contains(sids[0]) })
            #expect(held.contains("1 writes, sent before true, lease finalize:7:1:ab for 2"), "\(held)")
            #expect(held.contains("last error UNABLE_TO_LOCK_ROW, open streams 1, finalize_call available attempt 0"), "\(held)")
            let waiting = try #require(report.first { $0.contains(sids[1]) })
            #expect(waiting.contains("0 writes, sent before false, lease - for 0 s more"), "\(waiting)")
            #expect(waiting.contains("open streams 0, finalize_call available attempt 0"), "\(waiting)")
        }
    }
}
