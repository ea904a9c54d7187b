import Testing
import Voice

/// The embedded agent with the embedded recognizer: the callee's words synthesized by
/// espeak-ng, through mu-law, recognized by PocketSphinx with the hints the conversation
/// gives for that turn, and answered by the built-in script.
@Suite struct EmbeddedConversationTests {
    static let recognizer = PocketSphinxSpeechToText()

    static func turn(_ call: any AgentConversation, calleeSays text: String) async throws -> AgentReply {
        let line = try await EspeakTextToSpeech().synthesize(text)
        let audio = TestSignals.silence(seconds: 0.3) + MuLaw.decode(line) + TestSignals.silence(seconds: 0.3)
        let heard = try await recognizer.transcribe(audio, sampleRate: 8000, hints: await call.recognitionHints())
        return try await call.reply(to: heard)
    }

    /// The callback times the built-in script's last step hears, with the day the agent says.
    @Test(arguments: [
        ("afternoon", "tomorrow afternoon"), ("tomorrow afternoon", "tomorrow afternoon"), ("monday morning", "on Monday morning"),
        ("friday", "on Friday"), ("tonight", "this evening"),
    ])
    func aCalleeAnswersEachStepByVoice(says: String, confirmed: String) async throws {
        var context = AgentCallContext(callSID: "CA1")
        context.callbackHours = CallbackHoursTests.hours()
        // Tuesday 2026-12-08, 16:00 in Chicago.
        let call = try await ScriptedAgent(now: { CallbackHoursTests.at(8, 16) }).startConversation(context)
        _ = try await call.opening()
        #expect(try await Self.turn(call, calleeSays: "yes").intent == "interested")
        let last = try await Self.turn(call, calleeSays: says)
        #expect(last.intent == "callback" && last.hangUp && !last.optOut)
        #expect(last.callback?.spoken == confirmed, "heard for \(says): \(last.text)")
    }

    @Test func aSpokenOptOutIsHonoured() async throws {
        let call = try await ScriptedAgent().startConversation(AgentCallContext(callSID: "CA2"))
        _ = try await call.opening()
        let reply = try await Self.turn(call, calleeSays: "stop calling me")
        #expect(reply.optOut && reply.hangUp)
    }

    /// Speech outside the script must not opt out, nor count as a yes. With every opt-out
    /// phrase hinted, the recognizer heard "maybe later" as "please remove me no sure" at
    /// confidence 1.0; with the distinctive ones only (``OptOutPolicy/hintPhrases``) and a
    /// "later" intent in the script, it hears the later intent, which ends the call politely.
    /// The embedded recognizer still forces some speech onto short phrases (see the
    /// architecture notes); this pins the cases the hint and script choices fixed.
    @Test(arguments: ["maybe later", "what"])
    func speechOutsideTheScriptIsNotAnOptOut(text: String) async throws {
        let call = try await ScriptedAgent().startConversation(AgentCallContext(callSID: "CA3"))
        _ = try await call.opening()
        let reply = try await Self.turn(call, calleeSays: text)
        #expect(!reply.optOut && reply.intent != "interested", "\(reply)")
        #expect(reply.intent == "later" || reply.intent == nil, "\(reply)")
    }
}
