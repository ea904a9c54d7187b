import Foundation
import Logging
import Store
import Twilio

/// Puts a live call through to a person: the call's TwiML is replaced with a `<Dial>` of
/// the campaign's transfer number, whose `<Number url>` whispers who is calling to whoever
/// answers (`POST /twilio/whisper`), and the hand-off is recorded on the call and as its
/// contact's outcome.
struct CallHandOff: Sendable {
    let control: (any CallControl)?
    let calls: CallStore
    let callSID: String
    let attemptID: UUID
    let number: String
    let whisperURL: String

    var twiml: TwiML { TwiML(.dial(number: number, whisper: whisperURL)) }

    /// Returns whether the call was redirected.
    @discardableResult
    func perform(logger: Logger) async -> Bool {
        guard let control else {
            logger.warning("a callee asked for a person but no Twilio REST credentials are set: hanging up", metadata: ["call_sid": "\(callSID)"])
            return false
        }
        do {
            try await control.redirect(callSID: callSID, to: twiml)
        } catch {
            logger.error(
                "could not hand the call to a person",
                metadata: ["call_sid": "\(callSID)", "error": "\(String(describing: type(of: error)))"]
            )
            return false
        }
        do {
            try await calls.recordHandOff(callSID: callSID, attemptID: attemptID, to: number)
        } catch {
            // The call was put through; only the record of it is missing.
            logger.error("hand-off not recorded", metadata: ["call_sid": "\(callSID)", "error": "\(String(reflecting: error))"])
        }
        logger.info("call handed to a person", metadata: ["call_sid": "\(callSID)"])
        return true
    }
}
