extension AgentScript {
    /// The built-in script, for `dialer demo` and for a service started without
    /// `DIALER_AGENT_SCRIPT`: offer a callback from a specialist, and if wanted, ask for the
    /// better half of the day.
    ///
    /// Its phrases are short, common words, which the embedded recognizer's phrase mode tells
    /// apart reliably on telephone audio. It leaves out near-homophones of its own phrases
    /// ("yeah", "mornings"): at 8 kHz the /s/ of "yes" is mostly above the band, so with both
    /// in the grammar every "yes" came out as "yeah"; a "yeah" said is heard as "yes" instead,
    /// the same intent, and the transcript keeps the scripted word.
    public static let `default` = AgentScript(
        greeting: "Hello, this is a call from the dialer demo.",
        greetingWithName: "Hello {firstName}, this is a call from the dialer demo.",
        disclosure: "I am an automated assistant, and this is an artificial voice.",
        optOutOffer: "If you would rather not get these calls, say stop calling me at any time.",
        steps: [
            Step(
                name: "interest",
                question: "Would you like a specialist to call you back about your account?",
                intents: [
                    Intent(name: "interested", phrases: ["yes", "sure", "okay", "please"], reply: "Great.", next: "time"),
                    Intent(
                        name: "not-interested", phrases: ["no", "nope", "not interested", "no thanks"],
                        reply: "No problem.", next: AgentScript.end
                    ),
                ]
            ),
            Step(
                name: "time",
                question: "Is the morning or the afternoon better for you?",
                intents: [
                    Intent(name: "morning", phrases: ["morning"], reply: "A specialist will call you in the morning.", next: AgentScript.end),
                    Intent(
                        name: "afternoon", phrases: ["afternoon", "evening"],
                        reply: "A specialist will call you in the afternoon.", next: AgentScript.end
                    ),
                ]
            ),
        ]
    )
}
