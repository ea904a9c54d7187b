import Foundation
import Testing
import Voice

/// A callee's "tomorrow afternoon" fitted into their calling hours: the window the dialer
/// schedules the next call in, and how the agent says it.
@Suite struct CallbackHoursTests {
    static let chicago = TimeZone(identifier: "America/Chicago")!

    /// `hour:minute` local time in Chicago on 2026-12-`day` (the 8th is a Tuesday).
    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = chicago
        return calendar.date(from: DateComponents(year: 2026, month: 12, day: day, hour: hour, minute: minute))!
    }

    /// Calls may start 08:00–21:00 every day from the 7th to the 27th, except on `closed` days.
    static func hours(from start: Int = 8, to end: Int = 21, closed: Set<Int> = []) -> CallbackHours {
        let openings = (7...27).filter { !closed.contains($0) }.map { DateInterval(start: at($0, start), end: at($0, end)) }
        return CallbackHours(timeZone: chicago, openings: openings)
    }

    static func window(_ said: String, at now: Date, in hours: CallbackHours = hours()) -> CallbackWindow? {
        CallbackRequest(said).flatMap { hours.window(for: $0, now: now) }
    }

    @Test(arguments: [
        ("tomorrow afternoon", CallbackRequest(day: .tomorrow, part: .afternoon)),
        ("tonight please", CallbackRequest(day: .today, part: .evening)),
        ("on monday", CallbackRequest(day: .weekday(1), part: .anyTime)),
        ("friday morning", CallbackRequest(day: .weekday(5), part: .morning)),
        ("uh any time", CallbackRequest(day: nil, part: .anyTime)),
        ("next week", CallbackRequest(day: .nextWeek, part: .anyTime)),
        ("this evening", CallbackRequest(day: .today, part: .evening)),
        ("afternoon", CallbackRequest(day: nil, part: .afternoon)),
    ])
    func aTimeIsReadFromWhatWasSaid(said: String, request: CallbackRequest) {
        #expect(CallbackRequest(said) == request)
    }

    @Test(arguments: ["yes", "no thanks", "this", "next", "", "i am busy"])
    func wordsThatNameNoTimeAreNone(said: String) {
        #expect(CallbackRequest(said) == nil)
    }

    @Test func aDayAndAPartAreThatPartOfThatDay() throws {
        let window = try #require(Self.window("tomorrow afternoon", at: Self.at(8, 10)))
        #expect(window.start == Self.at(9, 12) && window.end == Self.at(9, 17))
        #expect(window.spoken == "tomorrow afternoon" && window.timeZone == "America/Chicago")
    }

    /// "Morning" said at 10:00 is tomorrow's; "afternoon" said then is today's, at least an
    /// hour away; said at 16:30, today's is too short, and tomorrow's is meant.
    @Test func aPartAloneIsTheNextToBegin() throws {
        let morning = try #require(Self.window("morning", at: Self.at(8, 10)))
        #expect(morning.start == Self.at(9, 9) && morning.end == Self.at(9, 12) && morning.spoken == "tomorrow morning")
        let afternoon = try #require(Self.window("afternoon", at: Self.at(8, 11, 30)))
        #expect(afternoon.start == Self.at(8, 12, 30) && afternoon.end == Self.at(8, 17) && afternoon.spoken == "this afternoon")
        let late = try #require(Self.window("this afternoon", at: Self.at(8, 16, 30)))
        #expect(late.start == Self.at(9, 12) && late.spoken == "tomorrow afternoon")
        let later = try #require(Self.window("today", at: Self.at(8, 16, 30)))
        #expect(later.start == Self.at(8, 17, 30) && later.end == Self.at(8, 21) && later.spoken == "later today")
    }

    /// Calling hours narrow the part: an evening ends when the hours do, a morning before
    /// they open starts when they do.
    @Test func callingHoursNarrowThePart() throws {
        let hours = Self.hours(from: 10, to: 20)
        let evening = try #require(Self.window("tomorrow evening", at: Self.at(8, 10), in: hours))
        #expect(evening.start == Self.at(9, 17) && evening.end == Self.at(9, 20))
        let morning = try #require(Self.window("tomorrow morning", at: Self.at(8, 10), in: hours))
        #expect(morning.start == Self.at(9, 10) && morning.end == Self.at(9, 12))
    }

    /// A day the rules close (a Sunday, a holiday) moves the callback to the next open day,
    /// and the agent says that day.
    @Test func aClosedDayGoesToTheNextOpenOne() throws {
        let sunday = try #require(Self.window("sunday afternoon", at: Self.at(8, 10), in: Self.hours(closed: [13])))
        #expect(sunday.start == Self.at(14, 12) && sunday.spoken == "on Monday afternoon")
        let open = try #require(Self.window("sunday afternoon", at: Self.at(8, 10)))
        #expect(open.start == Self.at(13, 12) && open.spoken == "on Sunday afternoon")
    }

    @Test func weekdaysAreTheNextOnesAndFarDaysAreDated() throws {
        // Said on Tuesday the 8th: "tuesday" is next week's, a week away.
        let tuesday = try #require(Self.window("tuesday morning", at: Self.at(8, 8)))
        #expect(tuesday.start == Self.at(15, 9) && tuesday.spoken == "on Tuesday, December 15, in the morning")
        let nextWeek = try #require(Self.window("next week", at: Self.at(8, 10)))
        #expect(nextWeek.start == Self.at(14, 8) && nextWeek.spoken == "on Monday")
        let thursday = try #require(Self.window("thursday", at: Self.at(8, 10)))
        #expect(thursday.start == Self.at(10, 8) && thursday.end == Self.at(10, 21) && thursday.spoken == "on Thursday")
    }

    @Test func noOpeningsNoWindow() {
        #expect(Self.window("tomorrow", at: Self.at(8, 10), in: CallbackHours(timeZone: Self.chicago, openings: [])) == nil)
        // Every day closed for the two weeks searched.
        #expect(Self.window("tomorrow", at: Self.at(8, 10), in: Self.hours(closed: Set(9...23))) == nil)
    }

    /// The built-in script's time step: the window in the reply and on it, for the session to
    /// schedule; the call's context carries the hours.
    @Test func theScriptedAgentConfirmsTheTimeItScheduled() async throws {
        var call = AgentCallContext(callSID: "CA1")
        call.callbackHours = Self.hours()
        let conversation = try await ScriptedAgent(now: { Self.at(8, 10) }).startConversation(call)
        _ = try await conversation.reply(to: Transcription(text: "yes", confidence: 0.9))
        #expect(await conversation.recognitionHints().phrases.contains("tomorrow"))
        let reply = try await conversation.reply(to: Transcription(text: "tomorrow afternoon", confidence: 0.9))
        #expect(reply.text == "A specialist will call you tomorrow afternoon. Thank you for your time. Goodbye.")
        #expect(reply.intent == "callback" && reply.hangUp)
        #expect(reply.callback?.start == Self.at(9, 12) && reply.callback?.end == Self.at(9, 17))
    }

    /// At a pause: a day and its part are a whole answer, a part alone too; a day alone is
    /// most often followed by its part, so the turn waits longer.
    @Test func aDayAloneIsNotAWholeAnswerAtAPause() async throws {
        let conversation = try await ScriptedAgent().startConversation(AgentCallContext(callSID: "CA3"))
        _ = try await conversation.reply(to: Transcription(text: "yes", confidence: 0.9))
        func verdict(_ text: String) async -> TurnCompleteness {
            let heard = Transcription(text: text, confidence: 0.9)
            return await conversation.turnCompleteness(heard, hesitant: { heard })
        }
        #expect(await verdict("tomorrow afternoon") == .complete)
        #expect(await verdict("morning") == .complete)
        #expect(await verdict("monday") == .unfinished)
        #expect(await verdict("tomorrow") == .unfinished)
    }

    /// A step may go on after the time ("next"), and be made of the callback alone.
    @Test func aCallbackStepMayLeadToAnotherStep() async throws {
        let json = """
            { "greeting": "Hi.", "disclosure": "I am an automated assistant.", "optOutOffer": "Say stop calling me to opt out.",
              "steps": [
                { "name": "when", "question": "When shall we call?",
                  "callback": { "reply": "Noted: {callbackTime}.", "next": "topic" } },
                { "name": "topic", "question": "Is it about billing?",
                  "intents": [ { "name": "yes", "phrases": ["yes"], "reply": "Thanks.", "next": "end" } ] } ] }
            """
        let script = try AgentScript(json: json)
        var call = AgentCallContext(callSID: "CA2")
        call.callbackHours = Self.hours()
        let conversation = try await ScriptedAgent(script: script, now: { Self.at(8, 10) }).startConversation(call)
        let reply = try await conversation.reply(to: Transcription(text: "friday", confidence: 0.9))
        #expect(reply.text == "Noted: on Friday. Is it about billing?" && !reply.hangUp && reply.callback != nil)
    }

    @Test func aCallbackThatLeadsNowhereIsRefused() {
        let json = """
            { "greeting": "Hi.", "disclosure": "I am an automated assistant.", "optOutOffer": "Say stop calling me to opt out.",
              "steps": [ { "name": "when", "question": "When?", "callback": { "next": "nowhere" } } ] }
            """
        #expect(throws: AgentScriptError.unknownNextStep(step: "when", intent: "callback", next: "nowhere")) { try AgentScript(json: json) }
    }
}
