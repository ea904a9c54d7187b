import Foundation
import Logging
import PostgresNIO

/// Calls and their status callbacks: each callback recorded once, a call's status only moving
/// forward, and the end of a call acted on in the same transaction (retry policy, finalize job).
///
/// Callbacks that arrive while others are being written are written together, in one
/// statement and one commit (`CallStatusBatcher`): a busy dialer gets thousands a second, and
/// each costs Postgres far more alone than in company. A callback is answered only once its
/// batch has committed.
public struct CallStore: Sendable {

    public let database: Database
    let batcher: CallStatusBatcher

    /// How many batches are written at once by default. Two keep a 2-core machine's Postgres
    /// busy; fewer writers make bigger batches, and a batch costs Postgres little more than
    /// one callback (docs/BENCHMARKS.md has the measurements).
    public static let defaultStatusWriters = 2

    /// `finalizeGrace`: how long after a call ends its Task is written, so that late
    /// callbacks and the last transcript entries land first. `statusWriters`: batches written
    /// at once (a Postgres with more cores may take more).
    public init(database: Database, finalizeGrace: Duration = .seconds(10), statusWriters: Int = defaultStatusWriters) {
        self.database = database
        batcher = CallStatusBatcher(
            writer: CallStatusWriter(database: database, finalizeGrace: finalizeGrace),
            maxWriters: max(1, statusWriters)
        )
    }

    var logger: Logger { database.logger }

    /// Records a status callback, with any others arriving at the same time.
    public func record(_ event: CallStatusEvent) async throws -> CallStatusResult {
        try await batcher.record(event)
    }

    enum Admission {
        case orphan, duplicate
        case new(AdmittedAttempt)
    }

    struct AdmittedAttempt {
        let id: UUID
        let contact: Int64
        let campaign: Int64
    }

    /// Admits an event through `dialer.admit_call_event` (sql/0010): finds and locks its
    /// attempt, keeps the event once, settles an attempt the worker could not.
    func admit(_ event: CallStatusEvent, on connection: PostgresConnection) async throws -> Admission {
        let rows = try await connection.query(
            """
            SELECT admission, attempt_id, contact_id, campaign_id
            FROM dialer.admit_call_event(\(event.callSID), \(event.attemptID)::uuid, \(event.sequenceNumber)::integer, \(event.status),
                                         \(event.parametersJSON)::jsonb)
            """,
            logger: logger
        )
        var admission = Admission.orphan
        for try await (kind, attempt, contact, campaign) in rows.decode((String, UUID?, Int64?, Int64?).self) {
            if kind == "duplicate" { admission = .duplicate }
            if kind == "new", let attempt, let contact, let campaign {
                admission = .new(AdmittedAttempt(id: attempt, contact: contact, campaign: campaign))
            }
        }
        return admission
    }
}
