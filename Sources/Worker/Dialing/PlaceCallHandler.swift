import Backoff
import CallTrace
import Foundation
import Logging
import Queue
import Store
import Synchronization
import Tracing
import Twilio

/// `place_call`: dials one contact, in this order, each step able to stop it:
///
/// 1. a rescued job first settles what it did before it died (reconciliation);
/// 2. the campaign is still active, the contact still callable;
/// 3. compliance at dial time: not on the DNC list now, the local time inside the campaign's
///    window, 08:00–21:00 and the calling rules in every zone the contact may be in (else
///    snooze to the next instant all allow);
/// 4. the campaign's cap on calls in flight;
/// 5. one rate slot that keeps both the campaign's pace and the account's (global) one;
/// 6. the attempt row, committed; then the POST, with the attempt id in every callback URL;
/// 7. the CallSid recorded (placed), or the classified error (failed, or unknown).
///
/// A permanent Twilio error discards the job; a transient one (429 included) retries it with
/// backoff and a new slot, never the same POST late; an ambiguous one (the call may exist) is
/// reconciled on the next run, never redialed blindly.
///
/// Leads to: nothing directly. The call's end (its status callback, or `reconcile_calls`)
/// runs `dialer.end_calls`, which enqueues the contact's next `place_call` (PlaceCallArgs,
/// numbered key) when the retry policy calls again, and the call's `finalize_call`
/// (FinalizeCallArgs) a grace later.
public struct PlaceCallHandler: JobWorker {
    public typealias Args = PlaceCallArgs
    public let backoff: RetryBackoff
    /// A run waits for its slot, sends one create and makes a few queries; one that takes
    /// longer is stuck, and the runner gives up on it (the next run reconciles its attempt).
    public var timeout: Duration? { configuration.runTimeout }
    let campaigns: CampaignStore
    let attempts: CallAttemptStore
    let limiter: CallRateLimiter
    let twilio: TwilioClient
    let configuration: DialingConfiguration
    let observer: any DialingObserver
    /// Creates this process has sent and not yet heard back from.
    let creates = CreatesInFlight()
    let databaseClock = DatabaseClock()
    /// The wall clock for calling windows; tests set the hour.
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        database: Database,
        twilio: TwilioClient,
        configuration: DialingConfiguration,
        observer: any DialingObserver = NoDialingObserver(),
        backoff: RetryBackoff = RetryBackoff(base: 15, factor: 2, cap: 600, jitter: 0.2),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        campaigns = CampaignStore(database: database)
        attempts = CallAttemptStore(database: database)
        limiter = CallRateLimiter(database: database)
        self.twilio = twilio
        self.configuration = configuration
        self.observer = observer
        self.backoff = backoff
        self.now = now
        self.logger = logger
    }

    public func run(_ args: PlaceCallArgs, job: Job) async throws -> JobOutcome {
        let contactID = args.contactID
        if let previous = try await attempts.latest(jobID: job.id) {
            switch try await settle(previous) {
            case .placed: return .completed
            case .pending(let wait): return .snoozed(wait)
            case .notPlaced: break
            }
        }
        guard let context = try await campaigns.dialContext(contactID: contactID) else {
            throw PermanentFailure("contact \(contactID) does not exist")
        }
        if let stop = try await gate(context, isCallback: args.callbackFor != nil) { return stop }
        return try await dial(context, job: job)
    }

    /// Steps 2 to 4: nil when the contact may be dialed now. A callback the callee asked for
    /// is placed even when the contact had its `max_attempts` calls.
    func gate(_ context: DialContext, isCallback: Bool = false) async throws -> JobOutcome? {
        switch context.campaignStatus {
        case .active: break
        case .importing, .paused: return .snoozed(configuration.pausedRecheck)
        case .completed, .cancelled, .failed:
            return .cancelled(reason: "campaign \(context.campaignName) is \(context.campaignStatus.rawValue)")
        }
        if let skip = context.skipReason { return .cancelled(reason: "the contact is not callable: \(skip)") }
        if let outcome = context.outcome { return .cancelled(reason: "the contact has its outcome already: \(outcome)") }
        if context.attempts >= context.maxAttempts && !isCallback { return .cancelled(reason: "the contact had its \(context.maxAttempts) calls") }
        let zones = context.timeZones.compactMap(TimeZone.init(identifier:))
        guard context.phoneE164 != nil, !zones.isEmpty, zones.count == context.timeZones.count else {
            throw PermanentFailure("contact \(context.contactID) has no number or no known time zone")
        }
        if context.onDoNotCallList {
            try await campaigns.skipForDoNotCall(contactID: context.contactID)
            logger.info("not dialing: the number is on the DNC list", metadata: ["contact": "\(context.contactID)"])
            return .cancelled(reason: "the number is on the DNC list")
        }
        let now = now()
        // The call may start up to maxSlotWait from now, and must finish ringing in the window
        // of every zone the contact may be in, on a day every calling rule allows.
        switch CallingDecision(context, zones: zones, now: now, ring: configuration.ringAndSlotWait) {
        case .now: break
        case .at(let next): return .snoozed(.milliseconds(Int64(next.timeIntervalSince(now) * 1000)))
        case .never(let reason): return .cancelled(reason: reason)
        case .lookAgainTomorrow:
            logger.info(
                "no day in the next \(CallingSchedule.horizonDays) the calling rules allow; looking again tomorrow",
                metadata: ["contact": "\(context.contactID)"]
            )
            return .snoozed(.seconds(86_400))
        }
        if context.callsInFlight >= context.maxConcurrentCalls { return .snoozed(configuration.capacityRecheck) }
        return nil
    }

    /// Steps 5 to 7.
    func dial(_ context: DialContext, job: Job) async throws -> JobOutcome {
        try await databaseClock.calibrate { [limiter] in try await limiter.databaseTime() }
        if twilio.isCold { await twilio.warmUp() }
        let reserving = ContinuousClock.now
        let sent = Date()
        let reservation = try await limiter.reserve(
            [
                RateLimit(key: "campaign:\(context.campaignID)", callsPerSecond: context.ratePerSecond),
                RateLimit(key: configuration.limiterKey, callsPerSecond: configuration.accountCallsPerSecond * (1 - configuration.rateHeadroom)),
            ],
            maxWait: configuration.maxSlotWait
        )
        observer.slotReserved(latency: ContinuousClock.now - reserving)
        guard case .slot(let wait, let slotAt) = reservation else { return snooze(reservation) }
        databaseClock.observe(databaseNow: slotAt - wait.seconds, sent: sent, received: Date())
        let slot = databaseClock.local(slotAt)
        // The attempt is committed just before its slot, not when the slot is taken: a worker
        // that dies while waiting wastes the slot and leaves nothing to reconcile, and the
        // campaign and the DNC list are checked again at the last moment.
        await sleep(until: slot.addingTimeInterval(-configuration.attemptLead.seconds))
        let attempt: CallAttempt
        switch try await attempts.begin(
            contactID: context.contactID,
            campaignID: context.campaignID,
            jobID: job.id,
            to: context.phoneE164!,
            from: context.fromNumber,
            maxInFlight: context.maxConcurrentCalls,
            slotAt: slotAt,
            fence: job.lease
        ) {
        case .started(let started): attempt = started
        case .campaignFull: return .snoozed(configuration.capacityRecheck)
        case .stopped: return .snoozed(.zero)  // the next run's gate says why, and acts on it
        case .unsettled(let other):
            // Another job's attempt for this contact: settle it before anything is dialed.
            switch try await settle(other) {
            case .placed: return .cancelled(reason: "another job placed this contact's call")
            case .pending(let wait): return .snoozed(wait)
            case .notPlaced: return .snoozed(.zero)
            }
        }

        await sleep(until: slot)
        let late = Duration.microseconds(Int64(-slot.timeIntervalSinceNow * 1e6))
        if Task.isCancelled || late > configuration.lateSlotTolerance {
            _ = try await Task.detached { try await attempts.abandon(attempt.id) }.value
            if Task.isCancelled { throw CancellationError() }
            observer.slotMissed(late: late)
            logger.debug("gave up a rate slot it woke late for", metadata: ["late_ms": "\(late.seconds * 1000)"])
            return .snoozed(.zero)
        }
        // A create that cannot have a connection now would wait inside the HTTP client and go
        // out later, bunched with others (a slow Twilio ties connections up): give the slot up.
        guard creates.enter(limit: configuration.maxCreatesInFlight) else {
            _ = try await attempts.abandon(attempt.id)
            observer.slotMissed(late: late)
            logger.debug("gave up a rate slot: every connection to Twilio is busy", metadata: ["in_flight": "\(configuration.maxCreatesInFlight)"])
            return .snoozed(.milliseconds(200))
        }
        defer { creates.leave() }
        return try await place(attempt, context, slot: slot)
    }

    /// Sleeps until a local instant; a cancelled sleep returns early (the caller checks).
    func sleep(until instant: Date) async {
        let early = instant.timeIntervalSinceNow
        if early > 0 { try? await Task.sleep(for: .microseconds(Int64(early * 1e6))) }
    }

    func snooze(_ reservation: CallRateLimiter.Reservation) -> JobOutcome {
        guard case .full(let backlog) = reservation else { return .snoozed(.zero) }
        // Come back when the slots handed out are nearly used, spread so returns do not bunch.
        let spread = configuration.maxSlotWait.seconds * Double.random(in: 0...0.5)
        return .snoozed(.milliseconds(Int64(max(0, backlog.seconds - configuration.maxSlotWait.seconds + spread) * 1000)))
    }

    /// The POST and what it says about the attempt, in the call's trace (``CallTrace``): the
    /// first span of the call, the worker's.
    func place(_ attempt: CallAttempt, _ context: DialContext, slot: Date) async throws -> JobOutcome {
        try await CallTrace.withSpan("place_call", attempt: attempt.id, ofKind: .client) { span in
            span.attributes["dialer.campaign_id"] = Int(context.campaignID)
            span.attributes["dialer.contact_id"] = Int(context.contactID)
            span.attributes["dialer.attempt_number"] = attempt.attemptNumber
            let outcome = try await post(attempt, context, slot: slot, span: span)
            return outcome
        }
    }

    func post(_ attempt: CallAttempt, _ context: DialContext, slot: Date, span: any Span) async throws -> JobOutcome {
        let base = configuration.publicURL
        let id = attempt.id.uuidString.lowercased()
        var request = CallRequest(
            to: attempt.to,
            from: context.fromNumber,
            url: "\(base)/twilio/voice?attempt=\(id)",
            statusCallback: "\(base)/twilio/status?attempt=\(id)"
        )
        request.timeout = configuration.ringTimeout
        if configuration.machineDetection {
            request.asyncAmdStatusCallback = "\(base)/twilio/amd?attempt=\(id)"
            // A message is left after the beep: AMD must wait for the greeting to end.
            if context.leavesMessages { request.machineDetection = "DetectMessageEnd" }
        }
        let metadata: Logger.Metadata = ["attempt": "\(id)", "contact": "\(context.contactID)", "to": "\(Self.masked(attempt.to))"]

        let late = Duration.microseconds(Int64(-slot.timeIntervalSinceNow * 1e6))
        observer.callPosted(late: late)
        span.attributes["dialer.slot_late_ms"] = late.seconds * 1000
        let call: TwilioCall
        do {
            call = try await twilio.createCall(request, retrying: false)
        } catch let error as TwilioError where error.isCampaignFault && !(context.ownFromNumber && error.isFromFault) {
            // Nothing rang, and every call of the campaign would fail the same way: the attempt
            // is withdrawn, the contact left as it was, and the campaign paused with the reason.
            // A From the call brought itself (an API call's) is that call's fault alone: it
            // fails below, as a permanent error, and the campaign dials on.
            _ = try await attempts.abandon(attempt.id)
            if try await campaigns.pauseForFault(campaignID: context.campaignID, reason: error.description) {
                logger.error(
                    "campaign paused: Twilio refused its calls",
                    metadata: [
                        "campaign": "\(context.campaignName)", "error": "\(PhoneNumber.redacting(error.description))",
                    ]
                )
            }
            return .snoozed(configuration.pausedRecheck)
        } catch let error as TwilioError where error.isPermanent {
            try await attempts.markFailed(attempt.id, code: error.code, message: error.description)
            try await campaigns.recordOutcome(contactID: context.contactID, "failed")
            logger.warning(
                "Twilio refused the call for good",
                metadata: metadata.merging(["error": "\(PhoneNumber.redacting(error.description))"]) { $1 }
            )
            throw PermanentFailure("Twilio refused the call: \(error)")
        } catch let error as TwilioError where error.mayHavePlacedCall {
            try await attempts.markUnknown(attempt.id, message: error.description)
            logger.warning(
                "the call may or may not exist; reconciling before any redial",
                metadata: metadata.merging(["error": "\(PhoneNumber.redacting(error.description))"]) { $1 }
            )
            throw error
        } catch let error as TwilioError {
            try await attempts.markFailed(attempt.id, code: error.code, message: error.description)
            throw error
        } catch {
            // Cancelled mid-request: the request may have been sent.
            _ = try await Task.detached { try await attempts.markUnknown(attempt.id, message: "\(error)") }.value
            throw error
        }
        span.attributes["twilio.call_sid"] = call.sid
        try await attempts.markPlaced(attempt.id, callSID: call.sid)
        logger.info("call placed", metadata: metadata.merging(["call_sid": "\(call.sid)"]) { $1 })
        return .completed
    }

    static func masked(_ e164: String) -> String { PhoneNumber(e164: e164)?.masked ?? "(invalid number)" }
}

/// Call creates under way in one worker process, bounded so none waits for a connection.
final class CreatesInFlight: Sendable {
    private let count = Mutex(0)

    /// Counts one more create unless `limit` are under way already.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}
