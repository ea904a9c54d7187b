import Testing
import Voice

@Suite struct ScriptedAgentTests {
    static let script = AgentScript.default
    static let interest = "Would you like a specialist to call you back about your account?"
    static let time = "When should the specialist call you? Tomorrow morning, for example, or Monday afternoon."

    static func conversation(_ script: AgentScript = script, firstName: String? = nil) async throws -> any AgentConversation {
        try await ScriptedAgent(script: script).startConversation(AgentCallContext(callSID: "CA0001", firstName: firstName))
    }

    static func heard(_ text: String, _ confidence: Double = 0.9) -> Transcription {
        Transcription(text: text, confidence: confidence)
    }

    @Test func opensWithTheDisclosureTheOptOutOfferAndTheFirstQuestion() async throws {
        let opening = try await Self.conversation(firstName: "Pat").opening()
        #expect(opening.text.hasPrefix("Hello Pat, this is a call from the dialer demo."))
        #expect(opening.text.contains("I am an automated assistant, and this is an artificial voice."))
        #expect(opening.text.contains("say stop calling me"))
        #expect(opening.text.hasSuffix(Self.interest))
        #expect(!opening.hangUp && !opening.optOut && opening.intent == nil)
    }

    @Test func followsTheIntentsThroughTheSteps() async throws {
        let call = try await Self.conversation()
        _ = try await call.opening()
        let first = try await call.reply(to: Self.heard("yeah sure"))
        #expect(first == AgentReply(text: "Great. \(Self.time)", intent: "interested"))
        // The call's context has no calling hours: the time cannot be fitted anywhere.
        let second = try await call.reply(to: Self.heard("the afternoon I think"))
        #expect(
            second
                == AgentReply(
                    text: "\(CallbackAnswer().unavailable) Thank you for your time. Goodbye.",
                    hangUp: true,
                    intent: "callback"
                )
        )
        // Over: nothing more is said.
        #expect(try await call.reply(to: Self.heard("hello?")) == AgentReply(text: "", hangUp: true))
    }

    @Test func aNoEndsTheCallOnTheOtherBranch() async throws {
        let call = try await Self.conversation()
        let reply = try await call.reply(to: Self.heard("No."))
        #expect(reply == AgentReply(text: "No problem. Thank you for your time. Goodbye.", hangUp: true, intent: "not-interested"))
    }

    @Test func phrasesMatchWholeWordsAndTheLongestWins() async throws {
        var script = Self.script
        script.steps = [
            AgentScript.Step(
                name: "ask",
                question: "Interested?",
                intents: [
                    .init(name: "yes", phrases: ["interested", "yes"], reply: "Good.", next: AgentScript.end),
                    .init(name: "no", phrases: ["not interested", "no"], reply: "Fine.", next: AgentScript.end),
                ]
            )
        ]
        let call = try await Self.conversation(script)
        #expect(try await call.reply(to: Self.heard("I'm NOT interested, thanks!")).intent == "no")

        let other = try await Self.conversation(script)
        // "know" and "nobody" contain "no" but are not the word.
        #expect(try await other.reply(to: Self.heard("I know nobody")).intent == nil)
        #expect(try await other.reply(to: Self.heard("yes, I'm interested")).intent == "yes")
    }

    @Test func anUnrecognizedAnswerIsAskedAgainThenTheCallCloses() async throws {
        let call = try await Self.conversation()
        let again = AgentReply(text: "Sorry, I did not catch that. \(Self.interest)")
        #expect(try await call.reply(to: nil) == again)
        #expect(try await call.reply(to: Self.heard("purple elephants")) == again)
        let close = try await call.reply(to: Self.heard("what"))
        #expect(close == AgentReply(text: "I am sorry, I still could not understand. Thank you for your time. Goodbye.", hangUp: true))
        #expect(!close.optOut)
    }

    @Test func theReAskCountStartsAgainAfterAnAnswer() async throws {
        let call = try await Self.conversation()
        _ = try await call.reply(to: nil)
        _ = try await call.reply(to: nil)
        #expect(try await call.reply(to: Self.heard("yes")).intent == "interested")
        #expect(try await call.reply(to: nil) == AgentReply(text: "Sorry, I did not catch that. \(Self.time)"))
        #expect(try await call.reply(to: nil) == AgentReply(text: "Sorry, I did not catch that. \(Self.time)"))
        #expect(try await call.reply(to: nil).hangUp)
    }

    @Test(arguments: [0, 1])
    func anOptOutWinsFromAnyStep(step: Int) async throws {
        let call = try await Self.conversation()
        if step == 1 { _ = try await call.reply(to: Self.heard("yes")) }
        // "no" would be an intent on the first step; the opt-out wins over it.
        let reply = try await call.reply(to: Self.heard("No. Please STOP calling me!"))
        #expect(reply == AgentReply(text: "Understood. You will not be called again. Goodbye.", optOut: true, hangUp: true, intent: "opt-out"))
        #expect(try await call.reply(to: Self.heard("yes")) == AgentReply(text: "", hangUp: true))
    }

    @Test(arguments: ["do not call this number", "Unsubscribe.", "take me off your list", "remove me", "don't call me again"])
    func everyDefaultOptOutPhraseWorks(text: String) async throws {
        let reply = try await Self.conversation().reply(to: Self.heard(text))
        #expect(reply.optOut && reply.hangUp, "\(text)")
    }

    @Test func aLowConfidenceAnswerIsNotTrusted() async throws {
        let call = try await Self.conversation()
        #expect(try await call.reply(to: Self.heard("yes", 0.3)) == AgentReply(text: "Sorry, I did not catch that. \(Self.interest)"))
        #expect(try await call.reply(to: Self.heard("yes", 0.5)).intent == "interested")
    }

    /// A doubtful opt-out is asked about, and only a confident "no" keeps the call going.
    @Test func aLowConfidenceOptOutIsCheckedFirst() async throws {
        let call = try await Self.conversation()
        _ = try await call.reply(to: Self.heard("yes"))
        let check = try await call.reply(to: Self.heard("stop calling me", 0.2))
        #expect(check == AgentReply(text: "Just to be sure: do you want us to stop calling you?"))
        #expect(!check.optOut && !check.hangUp)
        #expect(await call.recognitionHints().phrases.contains("no"))
        #expect(await call.recognitionHints().phrases.contains("yes"))

        // A confident "no": back to the same step's question.
        #expect(try await call.reply(to: Self.heard("no", 0.8)) == AgentReply(text: "Thank you. \(Self.time)"))
        #expect(try await call.reply(to: Self.heard("morning")).intent == "callback")
    }

    @Test(arguments: [
        nil, Transcription(text: "no", confidence: 0.2), Transcription(text: "yes", confidence: 0.3),
        Transcription(text: "whatever", confidence: 0.9),
    ])
    func anUnclearAnswerToTheCheckOptsOut(answer: Transcription?) async throws {
        let call = try await Self.conversation()
        _ = try await call.reply(to: Self.heard("remove me", 0.1))
        let reply = try await call.reply(to: answer)
        #expect(reply.optOut && reply.hangUp, "\(String(describing: answer))")
    }

    /// The distinctive opt-out phrases only: short ones made of common words would make the
    /// embedded recognizer hear opt-outs in unrelated speech (they are matched all the same).
    @Test func hintsAreTheStepsPhrasesAndTheDistinctiveOptOutPhrases() async throws {
        let call = try await Self.conversation()
        let first = await call.recognitionHints().phrases
        for phrase in ["yes", "sure", "no", "not interested", "stop calling me", "do not call", "take me off your list", "unsubscribe"] {
            #expect(first.contains(phrase), "\(phrase)")
        }
        #expect(!first.contains("remove me") && !first.contains("opt out"))
        #expect(!first.contains("morning"))
        #expect(Set(first).count == first.count)

        _ = try await call.reply(to: Self.heard("yes"))
        let second = await call.recognitionHints().phrases
        #expect(second.contains("morning") && second.contains("afternoon") && second.contains("stop calling me"))
        #expect(!second.contains("not interested"))
    }

    @Test func anInvalidScriptIsRefusedByTheAgent() {
        var script = Self.script
        script.disclosure = ""
        #expect(throws: AgentScriptError.missingDisclosure) { try ScriptedAgent(script: script) }
    }
}
