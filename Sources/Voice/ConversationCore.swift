import Synchronization

/// What a ``ConversationSession``'s tasks share: the services, the clock, and the state
/// behind one lock.
///
/// A lock, not an actor, because the media route calls in for every 20 ms frame of every
/// call: a frame's work (decoding, turn detection) takes a few microseconds, and an actor
/// hop or a task switch per frame would cost more than the work. Nothing slow ever runs
/// under the lock; speech-to-text, the agent and text-to-speech run in the responder's
/// task, outside it.
final class ConversationCore: Sendable {
    let call: AgentCallContext
    let agent: any Agent
    let speechToText: any SpeechToText
    let textToSpeech: any TextToSpeech
    let configuration: ConversationConfiguration
    let clock: SessionClock
    private let state: Mutex<ConversationState>

    init(
        call: AgentCallContext,
        agent: any Agent,
        speechToText: any SpeechToText,
        textToSpeech: any TextToSpeech,
        configuration: ConversationConfiguration,
        clock: SessionClock,
        state: consuming ConversationState
    ) {
        self.call = call
        self.agent = agent
        self.speechToText = speechToText
        self.textToSpeech = textToSpeech
        self.configuration = configuration
        self.clock = clock
        self.state = Mutex(state)
    }

    /// Runs `body` under the lock. Keep it short and synchronous.
    func withState<Result: Sendable>(_ body: (inout ConversationState) -> Result) -> Result {
        state.withLock { state in body(&state) }
    }

    /// Session time now, for the state's methods that need it.
    func now() -> Duration { clock.elapsed() }

    func report(_ stage: ConversationFailure.Stage, _ error: any Error) {
        withState { $0.report(ConversationFailure(stage: stage, message: String(describing: error))) }
    }
}
