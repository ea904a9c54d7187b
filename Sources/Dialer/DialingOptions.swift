import ArgumentParser
import Foundation
import Twilio
import Worker

/// Dialing settings for `dialer worker`; each overrides its environment variable. Twilio's
/// credentials come from the environment only (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` or
/// `TWILIO_API_KEY` + `TWILIO_API_SECRET`, `TWILIO_BASE_URL`).
struct DialingOptions: ParsableArguments {
    @Option(help: "The webhooks' public base URL, where Twilio fetches TwiML and sends callbacks ($DIALER_PUBLIC_URL).")
    var publicURL: String?

    @Option(help: "The Twilio account's calls per second, shared by all workers ($TWILIO_CALLS_PER_SECOND, default 1).")
    var callsPerSecond: Double?

    @Option(help: """
        Fraction by which calls are spaced wider than 1/rate, so that jitter between a slot and \
        Twilio receiving the call cannot put rate + 1 calls in one second ($DIALER_RATE_HEADROOM, \
        default 0.007: 7 ms a second). Raise it when the path to Twilio has more jitter.
        """)
    var rateHeadroom: Double?

    /// The dialing configuration, or why this worker cannot dial.
    static func configuration(_ environment: [String: String], twilio: TwilioConfiguration) throws -> DialingConfiguration {
        guard let publicURL = environment["DIALER_PUBLIC_URL"], !publicURL.isEmpty else {
            throw CommandFailure("DIALER_PUBLIC_URL / --public-url is not set")
        }
        guard let url = URL(string: publicURL), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw CommandFailure("DIALER_PUBLIC_URL must be an http(s) URL, not \(publicURL)")
        }
        var configuration = DialingConfiguration(publicURL: publicURL, accountSID: twilio.accountSID)
        if let text = environment["TWILIO_CALLS_PER_SECOND"] {
            guard let rate = Double(text), rate > 0 else { throw CommandFailure("TWILIO_CALLS_PER_SECOND must be a number above 0, not \(text)") }
            configuration.accountCallsPerSecond = rate
        }
        if let text = environment["DIALER_RATE_HEADROOM"] {
            guard let headroom = Double(text), (0..<0.5).contains(headroom) else {
                throw CommandFailure("DIALER_RATE_HEADROOM must be a fraction from 0 to 0.5, not \(text)")
            }
            configuration.rateHeadroom = headroom
        }
        // For the crash tests, which cannot wait two minutes to learn a call was never placed.
        if let text = environment["DIALER_RECONCILE_AFTER"], let seconds = Double(text), seconds >= 0 {
            configuration.reconcileAfter = .milliseconds(Int64(seconds * 1000))
        }
        return configuration
    }

    /// The crash tests' hooks: `DIALER_FAULT=kill-before-call-post` or `kill-after-call-post`
    /// make the worker SIGKILL itself at that instant.
    static func faults(_ environment: [String: String]) -> DialingFaults {
        var faults = DialingFaults()
        let die: @Sendable () -> Void = { kill(getpid(), SIGKILL) }
        switch environment["DIALER_FAULT"] {
        case "kill-before-call-post": faults.beforeCallPost = die
        case "kill-after-call-post": faults.afterCallPost = die
        default: break
        }
        return faults
    }

    /// The clock calling windows are judged by. `DIALER_WINDOW_CLOCK_START` (ISO 8601) starts it
    /// at a fixed instant and lets it run from when the worker starts, so that `dialer chaos`
    /// dials whole campaigns at whatever hour it is run. It moves the quiet hours, so it is
    /// refused unless Twilio is a Sandbox on the loopback interface.
    static func windowClock(_ environment: [String: String]) throws -> @Sendable () -> Date {
        guard let text = environment["DIALER_WINDOW_CLOCK_START"], !text.isEmpty else { return { Date() } }
        guard let start = ISO8601DateFormatter().date(from: text) else {
            throw CommandFailure("DIALER_WINDOW_CLOCK_START must be an ISO 8601 instant such as 2026-12-07T17:00:00Z, not \(text)")
        }
        guard let host = environment["TWILIO_BASE_URL"].flatMap(URL.init(string:))?.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) else {
            throw CommandFailure("DIALER_WINDOW_CLOCK_START moves the calling windows; it is only accepted with a loopback TWILIO_BASE_URL")
        }
        let started = Date()
        return { start.addingTimeInterval(Date().timeIntervalSince(started)) }
    }

    /// The environment with these flags laid over it.
    func environment(_ base: [String: String]) -> [String: String] {
        var merged = base
        if let publicURL { merged["DIALER_PUBLIC_URL"] = publicURL }
        if let callsPerSecond { merged["TWILIO_CALLS_PER_SECOND"] = String(callsPerSecond) }
        if let rateHeadroom { merged["DIALER_RATE_HEADROOM"] = String(rateHeadroom) }
        return merged
    }
}
