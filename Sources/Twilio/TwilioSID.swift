/// What a Twilio SID looks like, judged before one is stored or looked up: letters and digits,
/// 2 to 64 of them (Twilio's own are two letters and 32 hex digits, `CA…` for calls, `MZ…`
/// for media streams). Anything else came from no Twilio, even on a validly signed request.
public enum TwilioSID {
    public static func isPlausible(_ sid: String) -> Bool {
        (2...64).contains(sid.utf8.count) && sid.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
