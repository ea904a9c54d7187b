/// What a script's step says when the callee names a time to be called back
/// (``AgentScript/Step/callback``):
///
/// ```json
/// "callback": { "reply": "A specialist will call you {callbackTime}.", "next": "end" }
/// ```
///
/// The time is fitted into the callee's calling hours (``CallbackHours``), and
/// `{callbackTime}` says the window it went in, from the callee's today: "tomorrow
/// afternoon", "on Monday morning". When nothing fits within two weeks, or the dialer
/// knows no hours for the call, ``unavailable`` is said instead and nothing is scheduled.
public struct CallbackAnswer: Sendable, Equatable, Codable {
    /// Said once the callback is scheduled; `{callbackTime}` is its window.
    public var reply: String
    public var unavailable: String
    /// The next step's name, or ``AgentScript/end`` (the closing follows).
    public var next: String

    /// The placeholder of ``reply`` that says the window.
    public static let timePlaceholder = "{callbackTime}"

    public init(
        reply: String = "We will call you back {callbackTime}.",
        unavailable: String = "I am sorry, we cannot call at that time. Someone from the team will be in touch.",
        next: String = AgentScript.end
    ) {
        self.reply = reply
        self.unavailable = unavailable
        self.next = next
    }

    private enum CodingKeys: String, CodingKey {
        case reply, unavailable, next
    }

    /// Missing fields keep the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = CallbackAnswer()
        self.init(
            reply: try container.decodeIfPresent(String.self, forKey: .reply) ?? defaults.reply,
            unavailable: try container.decodeIfPresent(String.self, forKey: .unavailable) ?? defaults.unavailable,
            next: try container.decodeIfPresent(String.self, forKey: .next) ?? defaults.next
        )
    }

    /// The line for `window`: ``reply`` with the time, or ``unavailable``.
    func line(for window: CallbackWindow?) -> String {
        guard let window else { return unavailable }
        return reply.replacingOccurrences(of: Self.timePlaceholder, with: window.spoken)
    }
}
