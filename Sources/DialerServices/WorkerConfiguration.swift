import Foundation
import Salesforce
import Twilio
import Worker

/// Everything `dialer worker` runs by, read once from the environment (with the flags laid
/// over it) and checked once: a bad setting stops the worker at start, with its name; a
/// service without settings is `.notConfigured`, and its job kinds are left to other workers.
/// `DialerServices` builds the handlers from it, for `dialer worker`, the demo and the tests.
public struct WorkerConfiguration: Sendable {
    /// Imports, Task writes and conversation records.
    public struct SalesforceSettings: Sendable {
        public var client: SalesforceConfiguration
        public var finalize: FinalizeConfiguration

        public init(client: SalesforceConfiguration, finalize: FinalizeConfiguration = FinalizeConfiguration()) {
            self.client = client
            self.finalize = finalize
        }
    }

    /// Calls, and the reconciliation of calls whose callbacks never came.
    public struct TwilioSettings: Sendable {
        public var client: TwilioConfiguration
        public var dialing: DialingConfiguration
        /// How long a call may go without news before it is asked about (default 300 s).
        public var reconcileQuietFor: Duration?

        public init(client: TwilioConfiguration, dialing: DialingConfiguration, reconcileQuietFor: Duration? = nil) {
            self.client = client
            self.dialing = dialing
            self.reconcileQuietFor = reconcileQuietFor
        }
    }

    /// Which Salesforce field a contact's number is taken from first.
    public enum PhoneField: String, Sendable {
        case mobilePhone = "MobilePhone"
        case phone = "Phone"
    }

    /// The clock calling windows are judged by.
    public enum WindowClock: Sendable {
        /// The host's.
        case wall
        /// Starts at this instant when the worker starts, and runs from there: `dialer-lab
        /// chaos` dials whole campaigns whatever the hour. Only with a loopback Twilio.
        case startingAt(Date)
        /// A clock the caller supplies, in code only: the demo's, which runs faster.
        case given(@Sendable () -> Date)

        public func make() -> @Sendable () -> Date {
            switch self {
            case .wall: return { Date() }
            case .startingAt(let start):
                let started = Date()
                return { start.addingTimeInterval(Date().timeIntervalSince(started)) }
            case .given(let clock): return clock
            }
        }
    }

    public var salesforce: ServiceSettings<SalesforceSettings>
    public var twilio: ServiceSettings<TwilioSettings>
    public var phoneField: PhoneField = .mobilePhone
    /// How often finished campaigns are looked for.
    public var campaignCheckInterval: Duration = .seconds(30)
    public var windowClock: WindowClock = .wall
    /// How long past a call's end its media stream is waited for before its `call.ended` event
    /// is written without it (`DIALER_FINALIZE_STREAM_WAIT`, as for its Task; default 60 s).
    public var streamWait: Duration = .seconds(60)

    public init(salesforce: ServiceSettings<SalesforceSettings>, twilio: ServiceSettings<TwilioSettings>) {
        self.salesforce = salesforce
        self.twilio = twilio
    }
}

extension WorkerConfiguration {
    /// Reads the worker's variables (flags already laid over `environment`); throws
    /// `CommandFailure` naming the first bad one.
    public static func parse(_ environment: [String: String]) throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration(
            salesforce: try salesforce(environment),
            twilio: try twilio(environment)
        )
        if let text = environment["DIALER_CAMPAIGN_CHECK_INTERVAL"] {
            configuration.campaignCheckInterval = try seconds(text, name: "DIALER_CAMPAIGN_CHECK_INTERVAL")
        }
        switch environment["DIALER_PHONE_FIELD"]?.lowercased() ?? "mobilephone" {
        case "mobilephone", "mobile": configuration.phoneField = .mobilePhone
        case "phone": configuration.phoneField = .phone
        case let other: throw CommandFailure("DIALER_PHONE_FIELD / --phone-field must be MobilePhone or Phone, not \(other)")
        }
        configuration.windowClock = try windowClock(environment)
        if let seconds = environment["DIALER_FINALIZE_STREAM_WAIT"].flatMap(Double.init) {
            configuration.streamWait = .milliseconds(Int64(seconds * 1000))
        }
        return configuration
    }

    static func seconds(_ text: String, name: String) throws -> Duration {
        guard let seconds = Double(text), seconds > 0 else { throw CommandFailure("\(name) must be a number of seconds above 0, not \(text)") }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Salesforce, and how Tasks are written (checked only when there is a Salesforce to write to).
    static func salesforce(_ environment: [String: String]) throws -> ServiceSettings<SalesforceSettings> {
        let client: SalesforceConfiguration
        do {
            client = try SalesforceConfiguration.fromEnvironment(environment)
        } catch {
            return .notConfigured(reason: "\(error)")
        }
        return .configured(SalesforceSettings(client: client, finalize: try finalize(environment)))
    }

    /// How Tasks are written. `DIALER_TASK_SYNC_LEASE` and `DIALER_FINALIZE_STREAM_WAIT`
    /// (seconds) are for tests and unusual deployments.
    static func finalize(_ environment: [String: String]) throws -> FinalizeConfiguration {
        var configuration = FinalizeConfiguration(externalIDField: environment["DIALER_TASK_EXTERNAL_ID_FIELD"].flatMap { $0.isEmpty ? nil : $0 })
        if let field = configuration.externalIDField, field.range(of: #"^[A-Za-z][A-Za-z0-9_]*$"#, options: .regularExpression) == nil {
            throw CommandFailure(
                "DIALER_TASK_EXTERNAL_ID_FIELD / --task-external-id-field must be a field's API name, such as CallSid__c, not \(field)"
            )
        }
        if let status = environment["DIALER_TASK_STATUS_ANSWERED"], !status.isEmpty { configuration.answeredStatus = status }
        if let status = environment["DIALER_TASK_STATUS_NOT_ANSWERED"], !status.isEmpty { configuration.notAnsweredStatus = status }
        if let seconds = environment["DIALER_TASK_SYNC_LEASE"].flatMap(Double.init) { configuration.lease = .milliseconds(Int64(seconds * 1000)) }
        if let seconds = environment["DIALER_FINALIZE_STREAM_WAIT"].flatMap(Double.init) {
            configuration.streamWait = .milliseconds(Int64(seconds * 1000))
        }
        return configuration
    }

    /// Twilio and the dialing settings. A worker that cannot dial (no credentials, no public
    /// URL) still runs imports and Task writes: it says why at start.
    static func twilio(_ environment: [String: String]) throws -> ServiceSettings<TwilioSettings> {
        do {
            let client = try TwilioConfiguration.fromEnvironment(environment)
            var dialing = DialingConfiguration(publicURL: try PublicURL.parse(environment["DIALER_PUBLIC_URL"]), accountSID: client.accountSID)
            if let text = environment["TWILIO_CALLS_PER_SECOND"] {
                guard let rate = Double(text), rate > 0 else { throw CommandFailure("TWILIO_CALLS_PER_SECOND must be a number above 0, not \(text)") }
                dialing.accountCallsPerSecond = rate
            }
            if let text = environment["DIALER_RATE_HEADROOM"] {
                guard let headroom = Double(text), (0..<0.5).contains(headroom) else {
                    throw CommandFailure("DIALER_RATE_HEADROOM must be a fraction from 0 to 0.5, not \(text)")
                }
                dialing.rateHeadroom = headroom
            }
            // For the crash tests, which cannot wait two minutes to learn a call was never placed.
            if let text = environment["DIALER_RECONCILE_AFTER"], let seconds = Double(text), seconds >= 0 {
                dialing.reconcileAfter = .milliseconds(Int64(seconds * 1000))
            }
            let quiet = environment["DIALER_RECONCILE_CALLS_AFTER"].flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
            return .configured(TwilioSettings(client: client, dialing: dialing, reconcileQuietFor: quiet))
        } catch {
            return .notConfigured(reason: "\(error)")
        }
    }

    /// `DIALER_WINDOW_CLOCK_START` (ISO 8601) starts the windows' clock at a fixed instant. It
    /// moves the quiet hours, so it is refused unless Twilio is a Sandbox on the loopback interface.
    static func windowClock(_ environment: [String: String]) throws -> WindowClock {
        guard let text = environment["DIALER_WINDOW_CLOCK_START"], !text.isEmpty else { return .wall }
        guard let start = ISO8601DateFormatter().date(from: text) else {
            throw CommandFailure("DIALER_WINDOW_CLOCK_START must be an ISO 8601 instant such as 2026-12-07T17:00:00Z, not \(text)")
        }
        guard let host = environment["TWILIO_BASE_URL"].flatMap(URL.init(string:))?.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        else {
            throw CommandFailure("DIALER_WINDOW_CLOCK_START moves the calling windows; it is only accepted with a loopback TWILIO_BASE_URL")
        }
        return .startingAt(start)
    }
}
