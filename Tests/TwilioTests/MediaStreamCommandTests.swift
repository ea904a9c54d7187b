import Foundation
import Testing
import Twilio

@Suite struct MediaStreamCommandTests {
    typealias Examples = StreamExamples
    static let sid = Examples.documentedSid

    static func parsed(_ json: String) -> NSDictionary? {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? NSDictionary
    }

    static func commandError(_ json: String) -> MediaStreamCodecError? {
        do throws(MediaStreamCodecError) {
            _ = try MediaStreamCommand(json: json)
            return nil
        } catch {
            return error
        }
    }

    @Test func mediaIsBase64OfTheRawBytes() {
        let command = MediaStreamCommand.media(streamSid: Self.sid, payload: [0xFF, 0x7F, 0x00])
        #expect(command.json == #"{"event":"media","streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","media":{"payload":"/38A"}}"#)
        #expect(command.streamSid == Self.sid)
    }

    @Test func markAndClearMatchTheDocumentedExamplesExactly() throws {
        for (name, command) in [
            ("mark", MediaStreamCommand.mark(streamSid: Self.sid, name: "my label")),
            ("clear", .clear(streamSid: Self.sid)),
        ] {
            let expected = Examples.object("documented_examples", "to_twilio", name) as NSDictionary
            #expect(expected.count > 0)
            #expect(Self.parsed(command.json) == expected, "\(name)")
        }
        #expect(MediaStreamCommand.clear(streamSid: "s").json == #"{"event":"clear","streamSid":"s"}"#)
        #expect(MediaStreamCommand.mark(streamSid: "s", name: "n").json == #"{"event":"mark","streamSid":"s","mark":{"name":"n"}}"#)
    }

    /// The fixture payloads are placeholders, so compare shape: same keys at every level.
    @Test(arguments: [("documented_examples", "media"), ("captured_session_examples", "media_shape")])
    func mediaHasTheDocumentedShape(section: String, name: String) throws {
        let example = Examples.object(section, "to_twilio", name)
        let sid = try #require(example["streamSid"] as? String)
        let ours = try #require(Self.parsed(MediaStreamCommand.media(streamSid: sid, payload: [1, 2, 3]).json))
        #expect(Set(ours.allKeys.compactMap { $0 as? String }) == Set(example.keys))
        #expect(ours["event"] as? String == "media")
        #expect(ours["streamSid"] as? String == sid)
        let media = try #require(ours["media"] as? NSDictionary)
        let exampleMedia = try #require(example["media"] as? [String: Any])
        #expect(Set(media.allKeys.compactMap { $0 as? String }) == Set(exampleMedia.keys))
        #expect(media["payload"] as? String == "AQID")
        #expect(ours["sequenceNumber"] == nil)
    }

    @Test func decodesTheDocumentedCommands() throws {
        let mark = Examples.json(Examples.object("documented_examples", "to_twilio", "mark"))
        #expect(try MediaStreamCommand(json: mark) == .mark(streamSid: Self.sid, name: "my label"))
        let clear = Examples.json(Examples.object("documented_examples", "to_twilio", "clear"))
        #expect(try MediaStreamCommand(json: clear) == .clear(streamSid: Self.sid))
        let captured = Examples.json(Examples.object("captured_session_examples", "to_twilio", "mark"))
        #expect(try MediaStreamCommand(json: captured) == .mark(streamSid: Examples.capturedSid, name: "Repeat message 0"))
        // "a3242sa..." is an abbreviation in the documentation, not base64.
        let media = String(decoding: Examples.json(Examples.object("documented_examples", "to_twilio", "media")), as: UTF8.self)
        #expect(Self.commandError(media) == .invalidBase64(field: "media.payload"))
    }

    static let awkwardNames = [
        "", "my label", #"quote " backslash \ slash /"#, "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}",
        "café 日本 🙂", #"{"event":"clear"}"#, "\u{2028}\u{2029}",
    ]

    @Test func roundTripsEveryCommand() throws {
        var commands: [MediaStreamCommand] = [
            .media(streamSid: Self.sid, payload: (0...255).map(UInt8.init)),
            .media(streamSid: Self.sid, payload: []),
            .media(streamSid: Examples.capturedSid, payload: [UInt8](repeating: 0xFF, count: 8000)),
            .clear(streamSid: Self.sid),
            .clear(streamSid: #"we"ird\sid"#),
        ]
        commands += Self.awkwardNames.map { .mark(streamSid: Self.sid, name: $0) }
        for command in commands {
            #expect(try MediaStreamCommand(json: command.json) == command)
            #expect(try MediaStreamCommand(json: Data(command.json.utf8)) == command)
        }
    }

    /// An independent parser must read the same strings back, so the hand-written escaping is
    /// checked against Foundation's rather than only against itself.
    @Test(arguments: awkwardNames)
    func markNamesAreValidJSONStrings(name: String) throws {
        let parsed = try #require(Self.parsed(MediaStreamCommand.mark(streamSid: "s\"", name: name).json))
        #expect((parsed["mark"] as? NSDictionary)?["name"] as? String == name)
        #expect(parsed["streamSid"] as? String == "s\"")
    }

    @Test func eightThousandBytesEncodeToTheCapturedLength() {
        // The captured session notes 8000 mu-law bytes became 10668 base64 characters.
        let json = MediaStreamCommand.media(streamSid: "s", payload: [UInt8](repeating: 0x7F, count: 8000)).json
        let payload = Self.parsed(json)?["media"].flatMap { ($0 as? NSDictionary)?["payload"] as? String }
        #expect(payload?.count == 10668)
    }

    @Test func malformedCommandsThrow() {
        #expect(Self.commandError(#"{"event":"start","streamSid":"s"}"#) == .unknownEvent("start"))
        #expect(Self.commandError(#"{"event":"clear"}"#) == .missingField("streamSid"))
        #expect(Self.commandError(#"{"event":"mark","streamSid":"s","mark":{"label":"x"}}"#) == .missingField("mark.name"))
        #expect(Self.commandError(#"{"event":"media","streamSid":"s","media":{"payload":"%%%"}}"#) == .invalidBase64(field: "media.payload"))
        #expect(Self.commandError(#"{"streamSid":"s"}"#) == .missingField("event"))
        #expect(Self.commandError("[1]") == .notAnObject)
        #expect(Self.commandError(#"{"event":"clear","#)?.isInvalidJSON == true)
        #expect(MediaStreamCodecError.unknownEvent("start").description == "Media Streams command has unknown event 'start'")
    }
}
