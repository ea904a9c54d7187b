import Foundation
import TestSupport
import Twilio

/// Examples from Tests/Fixtures/media_stream_messages.json, by section and name.
enum StreamExamples {
    static let documentedSid = "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    static let capturedSid = "9e7ee906-377b-408f-a852-eebfb834422a"

    static func root() -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(Fixtures.mediaStreamMessages.utf8))) as? [String: Any] ?? [:]
    }

    /// `section` is `documented_examples` or `captured_session_examples`; `direction` is
    /// `from_twilio` or `to_twilio`.
    static func all(_ section: String, _ direction: String) -> [String: [String: Any]] {
        let group = (root()[section] as? [String: Any])?[direction] as? [String: Any] ?? [:]
        return group.compactMapValues { $0 as? [String: Any] }
    }

    static func object(_ section: String, _ direction: String, _ name: String) -> [String: Any] {
        all(section, direction)[name] ?? [:]
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    static func incoming(_ section: String, _ name: String) -> Data {
        json(object(section, "from_twilio", name))
    }
}

func decodeError(_ json: String) -> MediaStreamCodecError? {
    decodeError(Data(json.utf8))
}

func decodeError(_ json: Data) -> MediaStreamCodecError? {
    do throws(MediaStreamCodecError) {
        _ = try MediaStreamMessage(json: json)
        return nil
    } catch {
        return error
    }
}

extension MediaStreamCodecError {
    var isInvalidJSON: Bool {
        if case .invalidJSON = self { true } else { false }
    }
}
