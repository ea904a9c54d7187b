import Foundation
import Testing
import Voice

@Suite struct AgentScriptTests {
    /// A complete script, as a campaign's file would hold it; tests break one field at a time.
    static let json = """
        {
          "greeting": "Hello, this is Maple Street Dental.",
          "greetingWithName": "Hello {firstName}, this is Maple Street Dental.",
          "disclosure": "I am an automated assistant with an artificial voice.",
          "optOutOffer": "If you would rather not get these calls, say stop calling me.",
          "steps": [
            { "name": "confirm", "question": "Can you make your appointment tomorrow at ten?",
              "intents": [
                { "name": "yes", "phrases": ["yes", "sure"], "reply": "Great.", "next": "end" },
                { "name": "no", "phrases": ["no", "cannot"], "reply": "Okay.", "next": "rebook" } ] },
            { "name": "rebook", "question": "Shall we call you to find a new time?",
              "intents": [
                { "name": "callback", "phrases": ["yes"], "reply": "We will call you.", "next": "end" },
                { "name": "decline", "phrases": ["no"], "reply": "Alright.", "next": "end" } ] }
          ],
          "optOut": { "phrases": ["leave me alone"] }
        }
        """

    /// `json` with `edit` applied to its parsed object, re-serialized.
    static func variant(_ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func steps(_ object: [String: Any]) -> [[String: Any]] { object["steps"] as! [[String: Any]] }

    @Test func parsesAScriptAndFillsTheDefaults() throws {
        let script = try AgentScript(json: Self.json)
        #expect(script.steps.map(\.name) == ["confirm", "rebook"])
        #expect(script.steps[0].intents[1] == AgentScript.Intent(name: "no", phrases: ["no", "cannot"], reply: "Okay.", next: "rebook"))
        #expect(script.maxFallbacks == 2)
        #expect(script.minimumConfidence == 0.5)
        #expect(script.fallback == "Sorry, I did not catch that.")
        // The script's own opt-out phrase is added to the defaults, which it cannot remove.
        #expect(script.optOut.phrases.contains("leave me alone"))
        #expect(script.optOut.hintPhrases == OptOutPolicy.defaultHintPhrases + ["leave me alone"])
        for phrase in ["stop calling me", "do not call", "remove me", "unsubscribe", "take me off your list"] {
            #expect(script.optOut.phrases.contains(phrase), "\(phrase)")
        }
    }

    @Test func theOpeningSaysTheDisclosureAndTheOptOutOffer() throws {
        let script = try AgentScript(json: Self.json)
        #expect(
            script.opening(firstName: nil) == "Hello, this is Maple Street Dental. I am an automated assistant with an artificial voice. "
                + "If you would rather not get these calls, say stop calling me. Can you make your appointment tomorrow at ten?"
        )
        #expect(script.opening(firstName: "Pat").hasPrefix("Hello Pat, this is Maple Street Dental. I am an automated assistant"))
        #expect(script.opening(firstName: "  ").hasPrefix("Hello, this is"))
    }

    @Test func theBuiltInScriptIsValidAndSurvivesARoundTrip() throws {
        try AgentScript.default.validate()
        let encoded = try JSONEncoder().encode(AgentScript.default)
        #expect(try AgentScript(json: encoded) == AgentScript.default)
        #expect(AgentScript.default.opening(firstName: nil).contains(AgentScript.default.disclosure))
    }

    @Test func loadsAFileAndNamesAnUnreadableOne() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).json").path
        try Self.json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try AgentScript.load(contentsOfFile: path) == AgentScript(json: Self.json))
        #expect(throws: AgentScriptError.unreadable(path: "/nonexistent/script.json")) {
            try AgentScript.load(contentsOfFile: "/nonexistent/script.json")
        }
    }

    @Test func anUnknownNextStepIsNamedWithItsStepAndIntent() throws {
        let text = try Self.variant { object in
            var steps = Self.steps(object)
            var intents = steps[0]["intents"] as! [[String: Any]]
            intents[1]["next"] = "rebok"
            steps[0]["intents"] = intents
            object["steps"] = steps
        }
        let error = AgentScriptError.unknownNextStep(step: "confirm", intent: "no", next: "rebok")
        #expect(throws: error) { try AgentScript(json: text) }
        #expect(error.description.contains("\"rebok\" does not exist"))
    }

    @Test func aScriptWithoutDisclosureIsRefused() throws {
        let missing = try Self.variant { $0.removeValue(forKey: "disclosure") }
        #expect(throws: AgentScriptError.missingDisclosure) { try AgentScript(json: missing) }
        let blank = try Self.variant { $0["disclosure"] = "   " }
        #expect(throws: AgentScriptError.missingDisclosure) { try AgentScript(json: blank) }
        #expect(AgentScriptError.missingDisclosure.description.contains("artificial"))
    }

    @Test func theOptOutOfferMustBeThereAndNameAPhrase() throws {
        #expect(throws: AgentScriptError.missingOptOutOffer) { try AgentScript(json: Self.variant { $0["optOutOffer"] = "" }) }
        let vague = "You can always tell us how you feel."
        #expect(throws: AgentScriptError.optOutOfferNamesNoPhrase(vague)) {
            try AgentScript(json: Self.variant { $0["optOutOffer"] = vague })
        }
        // The script's own phrase counts; a phrase that is matched but not hinted does not.
        _ = try AgentScript(json: Self.variant { $0["optOutOffer"] = "Say leave me alone to opt out." })
        #expect(throws: AgentScriptError.optOutOfferNamesNoPhrase("Say opt out.")) {
            try AgentScript(json: Self.variant { $0["optOutOffer"] = "Say opt out." })
        }
    }

    @Test func stepsMustHaveIntentsWithPhrases() throws {
        let noIntents = try Self.variant { object in
            var steps = Self.steps(object)
            steps[1]["intents"] = [Any]()
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.emptyIntents(step: "rebook")) { try AgentScript(json: noIntents) }

        let noPhrases = try Self.variant { object in
            var steps = Self.steps(object)
            var intents = steps[0]["intents"] as! [[String: Any]]
            intents[0]["phrases"] = ["", "?!"]
            steps[0]["intents"] = intents
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.emptyPhrases(step: "confirm", intent: "yes")) { try AgentScript(json: noPhrases) }
        #expect(throws: AgentScriptError.noSteps) { try AgentScript(json: Self.variant { $0["steps"] = [Any]() }) }
    }

    @Test func duplicateReservedAndUnreachableStepsAreNamed() throws {
        let duplicate = try Self.variant { object in
            var steps = Self.steps(object)
            steps[1]["name"] = "confirm"
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.duplicateStep("confirm")) { try AgentScript(json: duplicate) }

        let reserved = try Self.variant { object in
            var steps = Self.steps(object)
            steps[1]["name"] = "end"
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.reservedStepName) { try AgentScript(json: reserved) }

        let unreachable = try Self.variant { object in
            var steps = Self.steps(object)
            var intents = steps[0]["intents"] as! [[String: Any]]
            intents[1]["next"] = "end"
            steps[0]["intents"] = intents
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.unreachableStep("rebook")) { try AgentScript(json: unreachable) }
    }

    @Test func otherFieldsAreChecked() throws {
        #expect(throws: AgentScriptError.greetingWithNameLacksPlaceholder) {
            try AgentScript(json: Self.variant { $0["greetingWithName"] = "Hello there." })
        }
        #expect(throws: AgentScriptError.confidenceOutOfRange(field: "minimumConfidence", value: 1.5)) {
            try AgentScript(json: Self.variant { $0["minimumConfidence"] = 1.5 })
        }
        #expect(throws: AgentScriptError.negativeMaxFallbacks(-1)) {
            try AgentScript(json: Self.variant { $0["maxFallbacks"] = -1 })
        }
        #expect(throws: AgentScriptError.missingGreeting) { try AgentScript(json: Self.variant { $0.removeValue(forKey: "greeting") }) }
    }

    @Test func malformedJSONIsReportedWithItsPath() throws {
        let missingQuestion = try Self.variant { object in
            var steps = Self.steps(object)
            steps[1].removeValue(forKey: "question")
            object["steps"] = steps
        }
        #expect(throws: AgentScriptError.malformed("steps[1].question: missing")) { try AgentScript(json: missingQuestion) }
        #expect(throws: AgentScriptError.malformed("steps: expected a list")) { try AgentScript(json: Self.variant { $0["steps"] = "confirm" }) }
        #expect(throws: AgentScriptError.malformed("not valid JSON")) { try AgentScript(json: "{ \"greeting\": ") }
    }
}
