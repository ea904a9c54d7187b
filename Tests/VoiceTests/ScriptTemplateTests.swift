import Testing
import Voice

/// Scripts that know whom they are talking to: placeholders filled from the contact's
/// fields and the call's message, with fallbacks, and never from a value's own braces.
@Suite struct ScriptTemplateTests {
    static let call = AgentCallContext(
        callSID: "CA1",
        firstName: "Ada",
        lastName: "Lovelace",
        fields: ["Description": "Renewal due on the 14th.", "Account.Name": "Analytical Engines", "Tier__c": "{firstName} Gold"],
        message: "Your order has shipped."
    )

    @Test func placeholdersAreFilledFromTheCall() {
        #expect(
            ScriptTemplate.render("Hello {firstName} {lastName} of {accountName}.", for: Self.call) == "Hello Ada Lovelace of Analytical Engines."
        )
        #expect(ScriptTemplate.render("{description} {message}", for: Self.call) == "Renewal due on the 14th. Your order has shipped.")
        #expect(ScriptTemplate.render("{Account.Name} / {tier__c}", for: Self.call) == "Analytical Engines / {firstName} Gold")
        #expect(ScriptTemplate.render("About {Missing__c|your account}.", for: Self.call) == "About your account.")
        #expect(ScriptTemplate.render("About {Missing__c}.", for: AgentCallContext(callSID: "CA2")) == "About.")
        #expect(ScriptTemplate.render("{message}", for: AgentCallContext(callSID: "CA2")).isEmpty)
    }

    /// The disclosure stays right after the greeting; the call's message comes after the
    /// opt-out offer, before the question; no message, no line.
    @Test func theOpeningCarriesTheMessageAfterTheDisclosure() async throws {
        let script = AgentScript.default
        let opening = script.opening(for: Self.call)
        #expect(opening.hasPrefix("Hello Ada, this is a call from the dialer demo. \(script.disclosure)"))
        #expect(opening.hasSuffix("\(script.optOutOffer) Your order has shipped. \(script.steps[0].question)"))
        #expect(script.opening(for: AgentCallContext(callSID: "CA2")) == script.opening(firstName: nil))
        #expect(!script.opening(firstName: nil).contains("{"))

        var custom = script
        custom.steps[0].question = "Shall we talk about the renewal for {accountName|your account}?"
        custom.closing = "Goodbye, {firstName|and thank you}."
        let conversation = try await ScriptedAgent(script: custom).startConversation(Self.call)
        #expect(try await conversation.opening().text.hasSuffix("Shall we talk about the renewal for Analytical Engines?"))
        #expect(await conversation.closing().text == "Goodbye, Ada.")
        #expect(await conversation.voicemail().text.contains("Your order has shipped."))
    }
}

/// Asking for a person, by words or by the 0 key: put through inside the transfer hours,
/// otherwise told nobody is there and asked for a callback time.
@Suite struct HandOffScriptTests {
    @Test func insideTheHoursTheCallGoesToAPerson() async throws {
        var call = AgentCallContext(callSID: "CA1")
        call.handOff = .available(number: "+14155550199")
        let conversation = try await ScriptedAgent().startConversation(call)
        #expect(await conversation.recognitionHints().phrases.contains("operator"))
        let reply = try await conversation.reply(to: Transcription(text: "can i speak to a real person", confidence: 0.9))
        #expect(reply.handOff && !reply.hangUp && reply.text == HandOffPolicy.standard.line && reply.intent == "hand_off")
        let byKey = try await ScriptedAgent().startConversation(call)
        #expect(await byKey.reply(toDigit: "0")?.handOff == true)
    }

    @Test func outsideTheHoursTheCalleeIsOfferedACallback() async throws {
        for availability in [HandOffAvailability.closed, .none] {
            var call = AgentCallContext(callSID: "CA1")
            call.handOff = availability
            let conversation = try await ScriptedAgent().startConversation(call)
            let reply = try await conversation.reply(to: Transcription(text: "operator", confidence: 0.9))
            #expect(!reply.handOff && !reply.hangUp)
            #expect(reply.text == "\(HandOffPolicy.standard.unavailable) \(AgentScript.default.steps[1].question)")
            #expect(reply.intent == "hand_off_unavailable")
            // The callback question is the step now: "morning" answers it.
            #expect(try await conversation.reply(to: Transcription(text: "morning", confidence: 0.9)).intent == "callback")
        }
    }
}
