/// How a simulated call ends, scriptable per number.
public enum SimulatedOutcome: Sendable, Equatable, Hashable {
    /// A person answers and talks until the TwiML ends the call, the talk time passes, or the
    /// call is hung up through the REST API.
    case human
    /// An answering machine picks up (AnsweredBy machine_start with MachineDetection=Enable,
    /// machine_end_beep with DetectMessageEnd).
    case machine
    case busy
    case noAnswer
    /// The carrier could not connect the call (CallStatus failed).
    case failed
    /// The create itself is refused with this Twilio error: nothing rings.
    case refused(status: Int, code: Int)

    /// The terminal CallStatus and SIP response code of an outcome that rang.
    var terminal: (status: String, sip: Int) {
        switch self {
        case .human, .machine: ("completed", 200)
        case .busy: ("busy", 486)
        case .noAnswer: ("no-answer", 487)
        case .failed, .refused: ("failed", 503)
        }
    }

    /// Twilio's messages for the errors tests script most. Like Twilio's, some quote the To
    /// number whole: what the dialer stores of them must not.
    static func message(code: Int, to: String) -> String {
        switch code {
        case 21211: "The 'To' number \(to) is not a valid phone number."
        case 21214: "'To' phone number cannot be reached."
        case 21215: "Account not authorized to call \(to). Perhaps you need to enable some international permissions."
        case 21217: "Phone number does not appear to be valid."
        case 13227: "No international permissions to dial this number."
        case 32205: "The destination number is blocked."
        case 20429: "Too Many Requests"
        case 20500: "Internal Server Error"
        default: "The Sandbox refused the call (error \(code))."
        }
    }
}

/// A weighted share of outcomes, for a Sandbox that picks outcomes the way real lists behave.
public struct WeightedOutcome: Sendable, Equatable {
    public var outcome: SimulatedOutcome
    public var weight: Int

    public init(_ outcome: SimulatedOutcome, weight: Int) {
        self.outcome = outcome
        self.weight = weight
    }
}
