import ArgumentParser

/// Dialing settings for `dialer worker`; each overrides its environment variable. Twilio's
/// credentials come from the environment only (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` or
/// `TWILIO_API_KEY` + `TWILIO_API_SECRET`, `TWILIO_BASE_URL`).
public struct DialingOptions: ParsableArguments, Sendable {
    @Option(help: "The webhooks' public base URL, where Twilio fetches TwiML and sends callbacks ($DIALER_PUBLIC_URL).")
    public var publicURL: String?

    @Option(help: "The Twilio account's calls per second, shared by all workers ($TWILIO_CALLS_PER_SECOND, default 1).")
    public var callsPerSecond: Double?

    @Option(
        help: """
            Fraction by which calls are spaced wider than 1/rate, so that jitter between a slot and \
            Twilio receiving the call cannot put rate + 1 calls in one second ($DIALER_RATE_HEADROOM, \
            default 0.007: 7 ms a second). Raise it when the path to Twilio has more jitter.
            """
    )
    public var rateHeadroom: Double?

    public init() {}

    /// The environment with these flags laid over it.
    public func environment(_ base: [String: String]) -> [String: String] {
        var merged = base
        if let publicURL { merged["DIALER_PUBLIC_URL"] = publicURL }
        if let callsPerSecond { merged["TWILIO_CALLS_PER_SECOND"] = String(callsPerSecond) }
        if let rateHeadroom { merged["DIALER_RATE_HEADROOM"] = String(rateHeadroom) }
        return merged
    }
}
