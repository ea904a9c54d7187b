import Foundation

/// Time zones for contacts that tests and the demo dial at whatever hour they run.
public enum CallableTimeZone {
    /// A fixed-offset zone where it is between 12:00 and 13:00 at `date`: well inside the
    /// legal calling window, so a real clock never snoozes these contacts.
    public static func midday(at date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var offset = 12 - calendar.component(.hour, from: date)
        if offset < -12 { offset += 24 }
        // The Etc zones' signs are POSIX-style, inverted: Etc/GMT-5 is UTC+5.
        return offset == 0 ? "Etc/GMT" : offset > 0 ? "Etc/GMT-\(offset)" : "Etc/GMT+\(-offset)"
    }
}
