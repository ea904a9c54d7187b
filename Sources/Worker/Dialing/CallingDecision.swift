import Foundation
import Store

/// When a contact's call may start, as PlaceCall's compliance step decides it: the campaign's
/// window narrowed to 08:00–21:00 and every calling rule, in every zone the contact may be in,
/// with room for `ring`. An API call's answer (`scheduledFor`) is this same decision.
public enum CallingDecision: Sendable, Equatable {
    /// The call may start now.
    case now
    /// The earliest instant it may.
    case at(Date)
    /// No day in the next `CallingSchedule.horizonDays` the calling rules allow: look again in
    /// a day (rules change).
    case lookAgainTomorrow
    /// Never: the campaign has no hours inside 08:00–21:00, or the zones share none.
    case never(reason: String)

    public init(_ context: DialContext, zones: [TimeZone], now: Date, ring: Duration) {
        self.init(
            campaign: context.campaignName,
            windowStart: context.windowStart,
            windowEnd: context.windowEnd,
            rules: context.callingRules,
            zoneNames: context.timeZones,
            zones: zones,
            now: now,
            ring: ring
        )
    }

    /// The same decision from its parts: the campaign's hours, the rules that bind the
    /// contact, and its candidate zones (`zoneNames`, as `zones`).
    public init(
        campaign: String,
        windowStart: String,
        windowEnd: String,
        rules: [CallingRule],
        zoneNames: [String],
        zones: [TimeZone],
        now: Date,
        ring: Duration
    ) {
        guard let window = CallingWindow.campaign(start: windowStart, end: windowEnd) else {
            self = .never(reason: "campaign \(campaign) has no calling hours inside 08:00–21:00")
            return
        }
        switch CallingSchedule(window: window, rules: rules, zones: zones).next(after: now, ring: ring) {
        case .now: self = .now
        case .at(let next): self = .at(next)
        case .none:
            // Zones that never share calling hours will not start to; rules may change.
            guard CallingSchedule(window: window, zones: zones).next(after: now, ring: ring) != .none else {
                self = .never(reason: "the contact's time zones (\(zoneNames.joined(separator: ", "))) share no calling hours")
                return
            }
            self = .lookAgainTomorrow
        }
    }
}
