/// What the person who answers a Sandbox call says once the dialer's media stream is open,
/// line by line. The Sandbox speaks each line with espeak-ng and sends it as Twilio would:
/// 20 ms mu-law frames in real time, silence (faint noise) between lines.
public struct CalleeScript: Sendable, Equatable {
    /// When a line is spoken.
    public enum Cue: Sendable, Equatable {
        /// Once the agent has finished speaking: its audio has all played, then `silence`
        /// passed. If the agent says nothing for `CalleeScript.patience`, the line is spoken
        /// anyway.
        case afterAgent(silence: Duration = .milliseconds(300))
        /// While the agent is speaking, once `after` of its current audio has played: the
        /// callee talks over it (barge-in).
        case duringAgent(after: Duration)
        /// At this stream time, whatever the agent does.
        case at(Duration)
    }

    /// One thing the callee says.
    public struct Line: Sendable, Equatable {
        public var cue: Cue
        public var text: String

        public init(_ text: String, cue: Cue = .afterAgent()) {
            self.text = text
            self.cue = cue
        }
    }

    public var lines: [Line]
    /// An answering machine rather than a person: its greeting is the only line, then its
    /// beep, then it records what it hears.
    public var machine: AnsweringMachine?
    /// After the last line, how long the callee listens once the agent has answered it
    /// before hanging up.
    public var hangUpAfterAnswer: Duration = .milliseconds(500)
    /// How long the callee waits for the agent to say anything before going on anyway.
    public var patience: Duration = .seconds(8)
    /// The longest a conversation lasts, whatever happens: then the callee hangs up.
    public var maximumLength: Duration = .seconds(90)

    public init(_ lines: [Line]) {
        self.lines = lines
    }

    /// Each text spoken in turn, each once the agent has finished.
    public static func says(_ texts: String...) -> CalleeScript {
        CalleeScript(texts.map { Line($0) })
    }

    /// Listens to the agent's opening, says yes, hears the answer and hangs up.
    public static let agreeable = CalleeScript.says("yes")

    /// A voicemail box: `greeting` from the moment the call is answered, then the beep.
    public static func answeringMachine(
        _ greeting: String = AnsweringMachine.standardGreeting,
        beep: Duration? = .milliseconds(500)
    ) -> CalleeScript {
        var script = CalleeScript([Line(greeting, cue: .at(.zero))])
        script.machine = AnsweringMachine(beep: beep)
        return script
    }
}

/// How a Sandbox answering machine behaves after its greeting.
public struct AnsweringMachine: Sendable, Equatable {
    public static let standardGreeting = "Hello, you have reached my voicemail. Please leave a message after the tone."

    /// The tone that ends the greeting (AnsweredBy `machine_end_beep`); nil: the greeting
    /// just stops (`machine_end_silence`).
    public var beep: Duration?
    /// How long it records before it hangs up, if the dialer has not.
    public var recordsFor: Duration

    public init(beep: Duration? = .milliseconds(500), recordsFor: Duration = .seconds(40)) {
        self.beep = beep
        self.recordsFor = recordsFor
    }

    /// Twilio's AnsweredBy once the greeting has ended (AMD with DetectMessageEnd).
    public var answeredBy: String { beep == nil ? "machine_end_silence" : "machine_end_beep" }
}
