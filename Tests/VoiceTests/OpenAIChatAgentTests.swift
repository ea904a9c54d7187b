import AsyncHTTPClient
import Foundation
import Testing
import Voice

@Suite struct OpenAIChatAgentTests {
    static let apiKey = "sk-test-0123456789abcdef"

    static func completion(_ content: String) -> FakeAnswer {
        .json([
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [
                ["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]
            ],
        ])
    }

    static func agent(
        _ baseURL: String,
        apiKey: String? = apiKey,
        timeout: Duration = .seconds(5),
        logs: CapturedLogs = CapturedLogs()
    ) -> OpenAIChatAgent {
        OpenAIChatAgent(
            configuration: OpenAIChatConfiguration(baseURL: baseURL + "/v1/", model: "test-model", apiKey: apiKey, timeout: timeout),
            http: .shared,
            logger: logs.logger()
        )
    }

    static func heard(_ text: String, _ confidence: Double = 0.9) -> Transcription {
        Transcription(text: text, confidence: confidence)
    }

    static func messages(_ request: RecordedRequest) -> [[String: String]] {
        (request.json["messages"] as? [[String: String]]) ?? []
    }

    @Test func sendsTheHistoryInOrderWithTheModelAndTheKey() async throws {
        let replies = ["Sure, what would you like to know?", "Our plan costs ten dollars a month."]
        try await withFakeCloudServer({ request in
            Self.completion(Self.messages(request).count < 4 ? replies[0] : replies[1])
        }) { base, log in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            let opening = try await call.opening()
            #expect(opening.text == OpenAIChatConfiguration.defaultOpening)
            #expect(log.all.isEmpty, "the opening is fixed text, no model call")

            #expect(try await call.reply(to: Self.heard("Yes, I have a minute.")) == AgentReply(text: replies[0]))
            #expect(try await call.reply(to: Self.heard("How much is it?")) == AgentReply(text: replies[1]))

            let requests = log.requests(to: "/v1/chat/completions")
            try #require(requests.count == 2)
            let last = requests[1]
            #expect(last.headers["authorization"] == "Bearer \(Self.apiKey)")
            #expect(last.headers["content-type"] == "application/json")
            #expect(last.json["model"] as? String == "test-model")
            #expect(
                Self.messages(last) == [
                    ["role": "system", "content": OpenAIChatConfiguration.defaultSystemPrompt],
                    ["role": "assistant", "content": OpenAIChatConfiguration.defaultOpening],
                    ["role": "user", "content": "Yes, I have a minute."],
                    ["role": "assistant", "content": replies[0]],
                    ["role": "user", "content": "How much is it?"],
                ]
            )
        }
    }

    @Test func aLocalServerNeedsNoKey() async throws {
        try await withFakeCloudServer({ _ in Self.completion("Hello.") }) { base, log in
            let call = try await Self.agent(base, apiKey: nil).startConversation(AgentCallContext(callSID: "CA1"))
            _ = try await call.reply(to: Self.heard("hi"))
            #expect(log.all.count == 1)
            #expect(log.all[0].headers["authorization"] == nil)
        }
    }

    @Test func theModelEndsTheCallWithAMarker() async throws {
        try await withFakeCloudServer({ _ in Self.completion("Thanks for your time, goodbye. [END_CALL]") }) { base, _ in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            #expect(try await call.reply(to: Self.heard("I have to go")) == AgentReply(text: "Thanks for your time, goodbye.", hangUp: true))
            #expect(try await call.reply(to: Self.heard("bye")) == AgentReply(text: "", hangUp: true))
        }
    }

    /// The model names the time in a marker; the dialer fits it into the calling hours and
    /// says the window itself.
    @Test func theModelAsksForACallbackWithAMarker() async throws {
        try await withFakeCloudServer({ _ in Self.completion("Of course. [CALLBACK: tomorrow afternoon] [END_CALL]") }) { base, _ in
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = .gmt
            let today = utc.startOfDay(for: Date())
            var context = AgentCallContext(callSID: "CA1")
            context.callbackHours = CallbackHours(timeZone: .gmt, openings: [DateInterval(start: today, duration: 15 * 86_400)])
            let call = try await Self.agent(base).startConversation(context)
            let reply = try await call.reply(to: Self.heard("call me tomorrow after lunch"))
            #expect(reply.text == "Of course. We will call you back tomorrow afternoon.")
            #expect(reply.hangUp && reply.intent == "callback")
            #expect(reply.callback?.start == today.addingTimeInterval(86_400 + 12 * 3600))
            #expect(reply.callback?.end == today.addingTimeInterval(86_400 + 17 * 3600))
        }
    }

    @Test func theModelCanRecognizeAnOptOutTheLocalPhrasesMiss() async throws {
        try await withFakeCloudServer({ _ in Self.completion("[OPT_OUT]") }) { base, _ in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            let reply = try await call.reply(to: Self.heard("please never ring this number again"))
            #expect(reply == AgentReply(text: OptOutPolicy.standard.confirmation, optOut: true, hangUp: true, intent: OptOutPolicy.intent))
        }
    }

    @Test func anOptOutIsHonouredWithoutAskingTheModel() async throws {
        try await withFakeCloudServer({ _ in Self.completion("We would love to keep talking!") }) { base, log in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            _ = try await call.opening()
            let reply = try await call.reply(to: Self.heard("Stop calling me."))
            #expect(reply == OptOutPolicy.standard.optOutReply)
            #expect(reply.optOut && reply.hangUp)
            #expect(log.all.isEmpty)
        }
    }

    @Test func whatWasNotUnderstoodIsNotSentToTheModel() async throws {
        try await withFakeCloudServer({ _ in Self.completion("Hm?") }) { base, log in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            let again = AgentReply(text: "Sorry, I did not catch that. Could you say it again?")
            #expect(try await call.reply(to: nil) == again)
            #expect(try await call.reply(to: Self.heard("mumble", 0.2)) == again)
            #expect(try await call.reply(to: Self.heard("   ")).hangUp)
            #expect(log.all.isEmpty)
        }
    }

    @Test func aDoubtfulOptOutIsCheckedThenTheConversationResumes() async throws {
        try await withFakeCloudServer({ _ in Self.completion("Great, let's go on.") }) { base, log in
            let call = try await Self.agent(base).startConversation(AgentCallContext(callSID: "CA1"))
            let opening = try await call.opening()
            #expect(try await call.reply(to: Self.heard("stop calling me", 0.3)) == OptOutPolicy.standard.checkReply)
            #expect(try await call.reply(to: Self.heard("no no", 0.9)) == AgentReply(text: "Thank you. \(opening.text)"))
            #expect(log.all.isEmpty)
            #expect(try await call.reply(to: Self.heard("tell me more")).text == "Great, let's go on.")
            #expect(log.all.count == 1)
        }
    }

    @Test func aTimeoutGetsTheFailureReplyInsteadOfAnError() async throws {
        let logs = CapturedLogs()
        try await withFakeCloudServer({ _ in
            var answer = Self.completion("too late")
            answer.delay = .seconds(4)
            return answer
        }) { base, _ in
            let call = try await Self.agent(base, timeout: .milliseconds(300), logs: logs).startConversation(AgentCallContext(callSID: "CA1"))
            let started = ContinuousClock.now
            let reply = try await call.reply(to: Self.heard("hello"))
            // Well short of the cloud's 4 s, with room for a loaded machine past the 300 ms.
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(
                reply
                    == AgentReply(
                        text: "I am sorry, I am having trouble on my end. We will call you back another time. Goodbye.",
                        hangUp: true
                    )
            )
        }
        #expect(logs.all.contains { $0.hasPrefix("error chat completion failed") && $0.contains("call_sid=CA1") })
    }

    @Test func anHTTPErrorIsLoggedWithoutTheKey() async throws {
        let logs = CapturedLogs()
        try await withFakeCloudServer({ _ in
            .json(["error": ["message": "Incorrect API key provided: \(Self.apiKey)", "type": "invalid_request_error"]], status: 401)
        }) { base, _ in
            let call = try await Self.agent(base, logs: logs).startConversation(AgentCallContext(callSID: "CA1"))
            let reply = try await call.reply(to: Self.heard("hello"))
            #expect(reply.hangUp && !reply.optOut)
        }
        let errors = logs.all.filter { $0.hasPrefix("error") }
        #expect(errors.count == 1)
        #expect(errors.allSatisfy { $0.contains("HTTP 401") && $0.contains("[redacted]") })
        #expect(!logs.all.contains { $0.contains(Self.apiKey) })
    }

    @Test func theConfigurationNeverPrintsTheKey() {
        let configuration = OpenAIChatConfiguration(model: "m", apiKey: Self.apiKey)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains(Self.apiKey), "\(text)")
        }
        #expect(configuration.chatCompletionsURL == "https://api.openai.com/v1/chat/completions")
    }
}
