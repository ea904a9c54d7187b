/// A time a callee asked to be called back at, as they said it: a day ("tomorrow",
/// "monday", "next week"), a part of the day ("morning", "afternoon", "evening"), or both
/// ("tomorrow afternoon", "tonight"). ``CallbackHours`` fits it into the calling hours.
public struct CallbackRequest: Sendable, Equatable {
    /// The day named, counted from the callee's today.
    public enum Day: Sendable, Equatable {
        case today
        case tomorrow
        /// ISO weekday, 1 (Monday) to 7 (Sunday): the next one after today.
        case weekday(Int)
        /// Any day from next Monday.
        case nextWeek
    }

    /// A part of the callee's day, with the local hours it stands for.
    public enum Part: String, Sendable, Equatable, CaseIterable {
        case morning
        case afternoon
        case evening
        /// No part named, or "any time": the whole of the calling hours.
        case anyTime = "any time"

        /// Minutes after local midnight. Calling hours narrow them further (an evening ends
        /// at 21:00 under the federal rule).
        public var minutes: Range<Int> {
            switch self {
            case .morning: 9 * 60..<12 * 60
            case .afternoon: 12 * 60..<17 * 60
            case .evening: 17 * 60..<21 * 60
            case .anyTime: 0..<24 * 60
            }
        }
    }

    public var day: Day?
    public var part: Part

    public init(day: Day?, part: Part) {
        self.day = day
        self.part = part
    }

    /// The time named in `text`, or nil when it names none.
    public init?(_ text: String) {
        self.init(words: PhraseMatcher.words(text))
    }

    /// The time named by `words` (``PhraseMatcher/words(_:)``), or nil when they name none.
    public init?(words: [String]) {
        var day: Day?
        var part: Part?
        for (index, word) in words.enumerated() {
            let next = index + 1 < words.count ? words[index + 1] : nil
            switch word {
            case "morning": part = .morning
            case "afternoon": part = .afternoon
            case "evening": part = .evening
            case "tonight":
                day = .today
                part = .evening
            case "anytime", "whenever": part = .anyTime
            case "any" where next == "time": part = .anyTime
            case "today": day = .today
            case "this" where next.map(["morning", "afternoon", "evening"].contains) == true: day = .today
            case "tomorrow": day = .tomorrow
            case "next" where next == "week": day = .nextWeek
            default:
                if let weekday = Self.weekdays.firstIndex(of: word) { day = .weekday(weekday + 1) }
            }
        }
        guard day != nil || part != nil else { return nil }
        self.init(day: day, part: part ?? .anyTime)
    }

    /// Weekday names, Monday first (ISO order).
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Words that name a day: said alone, a part of it may follow ("tomorrow … afternoon").
    static let dayWords: Set<String> = Set(weekdays + ["today", "tomorrow", "this", "next", "week"])

    /// What a callee names a time with, as recognition hints. The embedded recognizer
    /// strings hinted phrases together, so "tomorrow" and "afternoon" cover "tomorrow
    /// afternoon". Not "this": a recognizer made to choose hears it in a breath, and "this
    /// afternoon" heard as "afternoon" means the same while the afternoon is to come.
    public static let vocabulary: [String] =
        ["morning", "afternoon", "evening", "tonight", "today", "tomorrow", "next week", "any time"] + weekdays
}
