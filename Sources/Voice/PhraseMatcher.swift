/// Finds expected phrases in what the callee said, word for word.
///
/// Both sides are normalized the same way: lower case, apostrophes dropped (so "don't",
/// "dont" and "don’t" are one word), every other character that is not a letter or a digit
/// a word break. A phrase matches when its words occur consecutively in the text, so "no"
/// matches "no thanks" but not "know" or "nobody", and "stop calling" matches "please stop
/// calling me".
public struct PhraseMatcher: Sendable, Equatable {
    /// The phrases as given (for recognition hints), in order, without duplicates or blanks.
    public let phrases: [String]
    /// Each phrase's words, parallel to ``phrases``.
    private let words: [[String]]

    public init(_ phrases: [String]) {
        var kept: [String] = []
        var keptWords: [[String]] = []
        for phrase in phrases {
            let phraseWords = Self.words(phrase)
            guard !phraseWords.isEmpty, !keptWords.contains(phraseWords) else { continue }
            kept.append(phrase)
            keptWords.append(phraseWords)
        }
        self.phrases = kept
        self.words = keptWords
    }

    /// `text` normalized into words (see the type's description).
    public static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character == "'" || character == "’" || character == "‘" {
                continue
            }
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Whether any phrase occurs in `text`.
    public func matches(_ text: String) -> Bool {
        longestMatch(inWords: Self.words(text)) != nil
    }

    /// The longest phrase (in words) that occurs in `text`, with its length; `nil` when none
    /// does. The longest wins so that "not interested" beats "interested".
    public func longestMatch(in text: String) -> (phrase: String, wordCount: Int)? {
        longestMatch(inWords: Self.words(text))
    }

    /// ``longestMatch(in:)`` on text already split by ``words(_:)``.
    public func longestMatch(inWords text: [String]) -> (phrase: String, wordCount: Int)? {
        var best: (phrase: String, wordCount: Int)?
        for (index, phraseWords) in words.enumerated() where phraseWords.count > (best?.wordCount ?? 0) {
            if Self.occurs(phraseWords, in: text) {
                best = (phrases[index], phraseWords.count)
            }
        }
        return best
    }

    private static func occurs(_ needle: [String], in haystack: [String]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
