import Backoff
import Foundation
import Store
import Twilio

/// Settling an attempt whose POST's outcome nobody recorded: the worker died after committing
/// it, or Twilio's answer was ambiguous. Never redial before this says the call does not exist.
extension PlaceCallHandler {
    enum Settlement: Equatable {
        /// The call exists (its CallSid is now on the attempt): nothing to dial.
        case placed
        /// Too early to tell that the call does not exist: look again after this.
        case pending(Duration)
        /// The attempt never became a call; it is marked failed and a new one may be dialed.
        case notPlaced
    }

    func settle(_ attempt: CallAttempt) async throws -> Settlement {
        // A status callback carries the attempt id and may have recorded the call already.
        guard let current = try await attempts.attempt(id: attempt.id) else { return .notPlaced }
        switch current.state {
        case .placed: return .placed
        case .failed: return .notPlaced
        case .dialing, .unknown: break
        }
        let since = current.createdAt.addingTimeInterval(-configuration.clockSkew.seconds)
        // By creation, not start: a call still in Twilio's queue has no start time, and it is
        // exactly the one a redial would double.
        let listed = try await twilio.calls(to: current.to, createdOnOrAfter: since)
        let known = try await attempts.knownCallSIDs(listed.map(\.sid))
        let candidates = listed.filter { call in !known.contains(call.sid) }
        // Newest first: the earliest call after the attempt is the one it made.
        if let call = candidates.last {
            try await attempts.markPlaced(current.id, callSID: call.sid)
            logger.info(
                "reconciled: the attempt's call exists",
                metadata: [
                    "attempt": "\(current.id)", "call_sid": "\(call.sid)", "candidates": "\(candidates.count)",
                ]
            )
            return .placed
        }
        let age = Date().timeIntervalSince(current.createdAt)
        if age < configuration.reconcileAfter.seconds {
            return .pending(.milliseconds(Int64((configuration.reconcileAfter.seconds - age) * 1000) + 100))
        }
        try await attempts.markFailed(
            current.id,
            code: nil,
            message: "never placed: Twilio lists no call to this number \(Int(age)) s after the attempt"
        )
        logger.info("reconciled: the attempt never became a call", metadata: ["attempt": "\(current.id)"])
        return .notPlaced
    }
}
