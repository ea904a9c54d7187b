extension AgentScript {
    /// The built-in script, for `dialer-lab demo` and for a service started without
    /// `DIALER_AGENT_SCRIPT`: offer a callback from a specialist, and if wanted, ask when:
    /// the time the callee names schedules the contact's next call (``CallbackAnswer``).
    ///
    /// Its phrases are short, common words that the embedded recognizer's phrase mode tells
    /// apart on telephone audio. Near-homophones of its own phrases are left out ("yeah",
    /// "nope", "okay", "mornings"): at 8 kHz the /s/ of "yes" is mostly above the band, and
    /// with both in the grammar every "yes" came out as "yeah" and every "no" as "nope". A
    /// "yeah" said is heard as "yes" instead, the same intent. "Maybe later" has an intent of
    /// its own, which also catches most speech outside the script ("what", "who is this"):
    /// ending politely is the safe way to mishear.
    public static let `default` = AgentScript(
        greeting: "Hello, this is a call from the dialer demo.",
        greetingWithName: "Hello {firstName}, this is a call from the dialer demo.",
        disclosure: "I am an automated assistant, and this is an artificial voice.",
        optOutOffer: "If you would rather not get these calls, say stop calling me at any time.",
        purpose: "{message}",
        steps: [
            Step(
                name: "interest",
                question: "Would you like a specialist to call you back about your account?",
                intents: [
                    Intent(name: "interested", phrases: ["yes", "sure", "please"], reply: "Great.", next: "time"),
                    Intent(
                        name: "not-interested",
                        phrases: ["no", "not interested", "no thanks"],
                        reply: "No problem.",
                        next: AgentScript.end
                    ),
                    Intent(
                        name: "later",
                        phrases: ["maybe later", "not now", "later"],
                        reply: "No problem, we will try another time.",
                        next: AgentScript.end
                    ),
                ]
            ),
            Step(
                name: "time",
                question: "When should the specialist call you? Tomorrow morning, for example, or Monday afternoon.",
                intents: [
                    Intent(name: "no-time", phrases: ["no", "never mind"], reply: "No problem.", next: AgentScript.end)
                ],
                callback: CallbackAnswer(reply: "A specialist will call you {callbackTime}.")
            ),
        ],
        // Nobody to put a caller through to: the specialist's callback, at the time they pick.
        handOff: HandOffPolicy(callbackStep: "time")
    )
}
