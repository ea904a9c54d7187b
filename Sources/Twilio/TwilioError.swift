/// What went wrong talking to Twilio, classified for the caller's next move.
public enum TwilioError: Error, Equatable, CustomStringConvertible {
    /// Twilio answered with an error body: `{code, message, more_info, status}`.
    case api(status: Int, code: Int, message: String, moreInfo: String?, retryAfter: Duration?)
    /// No answer, or an answer that says nothing about whether the request took effect
    /// (a timeout, a dropped connection after sending). A call create in this state may or
    /// may not have placed a call: reconcile before trying again.
    case ambiguous(String)
    /// The request never reached Twilio (connection refused): safe to try again.
    case unreachable(String)
    case unexpectedResponse(status: Int, String)

    /// Errors on the call's own parameters that no retry can fix: invalid or unreachable
    /// numbers, a From that is not ours, blocked destinations.
    public static let permanentCodes: Set<Int> = [21211, 21214, 21215, 21217, 13227, 32205]

    /// Errors that are the campaign's or the account's, not the callee's: a From that is not
    /// the account's (21210 unverified, 21212 invalid, 21603 missing), the account suspended
    /// or closed (10001, 20005), credentials refused (20003), no voice URL (21205). Every call
    /// of the campaign would fail the same way: pause it, and leave its contacts alone.
    public static let campaignFaultCodes: Set<Int> = [21210, 21212, 21603, 10001, 20005, 20003, 21205]

    /// True when the campaign (its From, the account), not the number called, is at fault.
    public var isCampaignFault: Bool {
        guard case let .api(status, code, _, _, _) = self else { return false }
        return Self.campaignFaultCodes.contains(code) || status == 401
    }

    /// Twilio refused the From number itself: unverified (21210) or not a number (21212).
    public static let fromFaultCodes: Set<Int> = [21210, 21212]

    /// True when the From number, not the account, is at fault: a call that brought its own
    /// From (an API call's) fails alone rather than pausing its campaign.
    public var isFromFault: Bool {
        guard case let .api(_, code, _, _, _) = self else { return false }
        return Self.fromFaultCodes.contains(code)
    }

    /// True when retrying cannot help: the call's parameters are wrong.
    public var isPermanent: Bool {
        guard case let .api(status, code, _, _, _) = self else { return false }
        if Self.permanentCodes.contains(code) { return true }
        // Other 4xx on the request itself, except rate limits and our credentials (an operator
        // fixes those, and the jobs should still be there when they do).
        return (400..<500).contains(status) && ![401, 403, 404, 429].contains(status) && code != 20429 && code != 20003
    }

    /// How long Twilio asked us to wait, when it did.
    public var retryAfter: Duration? {
        if case let .api(_, _, _, _, retryAfter) = self { return retryAfter }
        return nil
    }

    public var description: String {
        switch self {
        case let .api(status, code, message, moreInfo, _):
            "Twilio error \(code): \(message) [HTTP \(status)]\(moreInfo.map { " \($0)" } ?? "")"
        case .ambiguous(let detail): "no clear answer from Twilio: \(detail)"
        case .unreachable(let detail): "cannot reach Twilio: \(detail)"
        case let .unexpectedResponse(status, detail): "unexpected answer from Twilio [HTTP \(status)]: \(detail)"
        }
    }
}

/// Twilio's JSON error body.
struct TwilioErrorBody: Decodable {
    let code: Int?
    let message: String?
    let more_info: String?
    let status: Int?
}

extension TwilioError {
    /// The Twilio error code, when Twilio sent one.
    public var code: Int? {
        if case let .api(_, code, _, _, _) = self { return code }
        return nil
    }

    /// True when a create that failed this way may still have placed the call: no answer, or
    /// a success answer we could not read.
    public var mayHavePlacedCall: Bool {
        switch self {
        case .ambiguous: true
        case .unexpectedResponse(let status, _): (200..<300).contains(status)
        case .api, .unreachable: false
        }
    }
}
