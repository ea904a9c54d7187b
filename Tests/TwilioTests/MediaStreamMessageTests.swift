import Foundation
import TestSupport
import Testing
import Twilio

@Suite struct MediaStreamMessageTests {
    typealias Examples = StreamExamples
    static let documented = "documented_examples"
    static let captured = "captured_session_examples"

    // MARK: Documented examples

    @Test func documentedConnected() throws {
        let message = try MediaStreamMessage(json: Examples.incoming(Self.documented, "connected"))
        #expect(message == .connected(.init(protocolName: "Call", version: "1.0.0")))
        #expect(message.streamSid == nil)
        #expect(message.sequenceNumber == nil)
    }

    @Test func documentedStart() throws {
        let message = try MediaStreamMessage(json: Examples.incoming(Self.documented, "start"))
        #expect(
            message
                == .start(
                    .init(
                        sequenceNumber: 1,
                        streamSid: Examples.documentedSid,
                        accountSid: "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                        callSid: "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                        tracks: ["inbound"],
                        customParameters: ["FirstName": "Jane", "LastName": "Doe", "RemoteParty": "Bob"],
                        mediaFormat: .init(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)
                    )
                )
        )
        #expect(message.streamSid == Examples.documentedSid)
        #expect(message.sequenceNumber == 1)
    }

    /// The documentation abbreviates payloads ("no+JhoaJjpz..."), which is not base64; the
    /// codec must say so rather than hand on garbage audio.
    @Test(arguments: ["media_outbound_track", "media_inbound_track"])
    func documentedMediaPayloadsAreRejectedAsBase64(name: String) {
        #expect(decodeError(Examples.incoming(Self.documented, name)) == .invalidBase64(field: "media.payload"))
    }

    @Test(arguments: [
        ("media_outbound_track", 3, "outbound", 1, 5),
        ("media_inbound_track", 4, "inbound", 2, 5),
    ])
    func documentedMediaWithAValidPayload(name: String, sequence: Int, track: String, chunk: Int, timestamp: Int) throws {
        var object = Examples.object(Self.documented, "from_twilio", name)
        var media = try #require(object["media"] as? [String: Any])
        media["payload"] = "/38A"
        object["media"] = media
        let message = try MediaStreamMessage(json: Examples.json(object))
        #expect(
            message
                == .media(
                    .init(
                        sequenceNumber: sequence,
                        streamSid: Examples.documentedSid,
                        track: track,
                        chunk: chunk,
                        timestamp: timestamp,
                        payload: [0xFF, 0x7F, 0x00]
                    )
                )
        )
    }

    @Test func documentedStopDTMFAndMark() throws {
        #expect(
            try MediaStreamMessage(json: Examples.incoming(Self.documented, "stop"))
                == .stop(
                    .init(
                        sequenceNumber: 5,
                        streamSid: Examples.documentedSid,
                        accountSid: "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                        callSid: "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
                    )
                )
        )
        #expect(
            try MediaStreamMessage(json: Examples.incoming(Self.documented, "dtmf"))
                == .dtmf(
                    .init(
                        sequenceNumber: 5,
                        streamSid: Examples.documentedSid,
                        track: "inbound_track",
                        digit: "1"
                    )
                )
        )
        let mark = try MediaStreamMessage(json: Examples.incoming(Self.documented, "mark"))
        #expect(mark == .mark(.init(sequenceNumber: 4, streamSid: Examples.documentedSid, name: "my label")))
        #expect(mark.sequenceNumber == 4)
    }

    // MARK: Captured session

    @Test func capturedStart() throws {
        let message = try MediaStreamMessage(json: Examples.incoming(Self.captured, "start"))
        #expect(
            message
                == .start(
                    .init(
                        sequenceNumber: 1,
                        streamSid: Examples.capturedSid,
                        accountSid: "AC18fbd524d33614fba208030751dffdca",
                        callSid: "CA3c95a2a6bba5fde93a5dea01e388e8fb",
                        tracks: ["inbound"],
                        customParameters: ["aCutomParameter": "aCustomValue that was set in TwiML"],
                        mediaFormat: .init(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)
                    )
                )
        )
        #expect(
            try MediaStreamMessage(json: Examples.incoming(Self.captured, "connected"))
                == .connected(.init(protocolName: "Call", version: "1.0.0"))
        )
    }

    @Test func capturedMediaDecodesToTwentyMillisecondsOfMuLaw() throws {
        let message = try MediaStreamMessage(json: Examples.incoming(Self.captured, "media_inbound_first"))
        guard case let .media(media) = message else {
            Issue.record("expected media, got \(message)")
            return
        }
        #expect(media.sequenceNumber == 2)
        #expect(media.streamSid == Examples.capturedSid)
        #expect(media.track == "inbound")
        #expect(media.chunk == 1)
        #expect(media.timestamp == 52)
        #expect(media.payload.count == 160)
        #expect(Array(media.payload.prefix(8)) == [0xEB, 0xF8, 0xE4, 0xD8, 0xD6, 0xD9, 0xDE, 0xE5])
        #expect(Array(media.payload.suffix(4)) == [0x2E, 0x36, 0x42, 0x64])
        #expect(media.payload.reduce(0) { $0 + Int($1) } == 25141)
    }

    @Test(arguments: [("mark_echo_0", 103, "Repeat message 0"), ("mark_echo_1", 154, "Repeat message 1")])
    func capturedMarkEchoes(name: String, sequence: Int, label: String) throws {
        #expect(
            try MediaStreamMessage(json: Examples.incoming(Self.captured, name))
                == .mark(.init(sequenceNumber: sequence, streamSid: Examples.capturedSid, name: label))
        )
    }

    /// Guards against a fixture case being added without anyone decoding it.
    @Test func everyIncomingExampleDecodesToItsEvent() throws {
        var seen = 0
        for section in [Self.documented, Self.captured] {
            for (name, object) in Examples.all(section, "from_twilio") {
                seen += 1
                let event = try #require(object["event"] as? String)
                if section == Self.documented && event == "media" {
                    #expect(decodeError(Examples.json(object)) == .invalidBase64(field: "media.payload"), "\(name)")
                    continue
                }
                let message = try MediaStreamMessage(json: Examples.json(object))
                #expect(Self.eventName(message) == event, "\(section).\(name)")
            }
        }
        #expect(seen == 12)
    }

    /// What the Sandbox sends is what Twilio sends: each captured message, written back out,
    /// decodes to itself, with counters as strings and keys in Twilio's order.
    @Test func everyCapturedMessageWrittenOutDecodesToItself() throws {
        for (name, object) in Examples.all(Self.captured, "from_twilio") {
            let message = try MediaStreamMessage(json: Examples.json(object))
            #expect(try MediaStreamMessage(json: message.json) == message, "\(name)")
        }
        let start = try MediaStreamMessage(json: Examples.incoming(Self.captured, "start"))
        #expect(start.json.hasPrefix(#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"#))
        let tricky = MediaStreamMessage.mark(.init(sequenceNumber: 3, streamSid: "MZ\"1", name: "agent 1\n\\ \u{1}"))
        #expect(try MediaStreamMessage(json: tricky.json) == tricky)
    }

    static func eventName(_ message: MediaStreamMessage) -> String {
        switch message {
        case .connected: "connected"
        case .start: "start"
        case .media: "media"
        case .dtmf: "dtmf"
        case .mark: "mark"
        case .stop: "stop"
        case let .unknown(event): "unknown:\(event)"
        }
    }

    // MARK: Counters sent as strings

    static func mark(sequenceNumber: String) -> String {
        #"{"event":"mark","streamSid":"MZ1","sequenceNumber":\#(sequenceNumber),"mark":{"name":"m"}}"#
    }

    @Test func countersAcceptStringsAndNumbers() throws {
        #expect(try MediaStreamMessage(json: Self.mark(sequenceNumber: #""42""#)).sequenceNumber == 42)
        #expect(try MediaStreamMessage(json: Self.mark(sequenceNumber: "42")).sequenceNumber == 42)
        let media =
            #"{"event":"media","sequenceNumber":"9","streamSid":"MZ1","media":{"track":"inbound","chunk":"8","timestamp":"86400000","payload":""}}"#
        #expect(
            try MediaStreamMessage(json: media)
                == .media(
                    .init(
                        sequenceNumber: 9,
                        streamSid: "MZ1",
                        track: "inbound",
                        chunk: 8,
                        timestamp: 86_400_000,
                        payload: []
                    )
                )
        )
    }

    @Test(arguments: [
        (#""abc""#, MediaStreamCodecError.invalidNumber(field: "sequenceNumber", value: "abc")),
        (#""""#, .invalidNumber(field: "sequenceNumber", value: "")),
        (#""1.5""#, .invalidNumber(field: "sequenceNumber", value: "1.5")),
        (#"" 7""#, .invalidNumber(field: "sequenceNumber", value: " 7")),
        ("true", .wrongType(field: "sequenceNumber", expected: "an integer or a string of digits")),
        ("1.5", .wrongType(field: "sequenceNumber", expected: "an integer or a string of digits")),
        ("null", .missingField("sequenceNumber")),
    ])
    func badCountersAreNamed(value: String, expected: MediaStreamCodecError) {
        #expect(decodeError(Self.mark(sequenceNumber: value)) == expected)
    }

    @Test func badMediaCountersNameTheirPath() {
        let chunk = #"{"event":"media","sequenceNumber":"1","streamSid":"s","media":{"track":"inbound","chunk":"one","timestamp":"5","payload":""}}"#
        #expect(decodeError(chunk) == .invalidNumber(field: "media.chunk", value: "one"))
        let timestamp =
            #"{"event":"media","sequenceNumber":"1","streamSid":"s","media":{"track":"inbound","chunk":"1","timestamp":[5],"payload":""}}"#
        #expect(decodeError(timestamp) == .wrongType(field: "media.timestamp", expected: "an integer or a string of digits"))
    }

    /// Counters are counts and milliseconds of one stream: a value near Int.max (which
    /// overflowed the session's arithmetic) or below zero is refused by name.
    @Test func countersOutsideAStreamsRangeAreRefused() {
        func media(timestamp: String) -> String {
            #"{"event":"media","sequenceNumber":"1","streamSid":"s","media":{"track":"inbound","chunk":"1","timestamp":\#(timestamp),"payload":""}}"#
        }
        #expect(decodeError(media(timestamp: #""9223372036854775000""#)) == .outOfRange(field: "media.timestamp", value: 9_223_372_036_854_775_000))
        #expect(decodeError(media(timestamp: "-40")) == .outOfRange(field: "media.timestamp", value: -40))
        #expect(decodeError(media(timestamp: #""2147483648""#)) == .outOfRange(field: "media.timestamp", value: 2_147_483_648))
        #expect(decodeError(Self.mark(sequenceNumber: "-1")) == .outOfRange(field: "sequenceNumber", value: -1))
        #expect((try? MediaStreamMessage(json: media(timestamp: #""2147483647""#))) != nil)
    }

    // MARK: Malformed and unknown

    static let start =
        #"{"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"accountSid":"AC1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#

    @Test(arguments: [
        ("[]", MediaStreamCodecError.notAnObject),
        ("42", .notAnObject),
        (#""media""#, .notAnObject),
        ("{}", .missingField("event")),
        (#"{"event":5}"#, .wrongType(field: "event", expected: "a string")),
        (#"{"event":null}"#, .missingField("event")),
        (#"{"event":"connected","protocol":"Call"}"#, .missingField("version")),
        (
            #"{"event":"media","sequenceNumber":"3","streamSid":"s","media":{"track":"inbound","chunk":"1","timestamp":"5"}}"#,
            .missingField("media.payload")
        ),
        (#"{"event":"media","sequenceNumber":"3","streamSid":"s","media":5}"#, .wrongType(field: "media", expected: "an object")),
        (
            #"{"event":"media","sequenceNumber":"3","streamSid":"s","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"abc"}}"#,
            .invalidBase64(field: "media.payload")
        ),
        (
            #"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":""}}"#,
            .missingField("streamSid")
        ),
        (
            #"{"event":"start","sequenceNumber":"1","streamSid":"s","start":{"accountSid":"a","callSid":"c","tracks":["inbound"]}}"#,
            .missingField("start.mediaFormat")
        ),
        (
            #"{"event":"start","sequenceNumber":"1","streamSid":"s","start":{"accountSid":"a","tracks":[],"mediaFormat":{}}}"#,
            .missingField("start.callSid")
        ),
        (
            #"{"event":"start","sequenceNumber":"1","streamSid":"s","start":{"accountSid":"a","callSid":"c","tracks":[1],"mediaFormat":{}}}"#,
            .wrongType(field: "start.tracks[0]", expected: "a string")
        ),
        (
            #"{"event":"start","sequenceNumber":"1","streamSid":"s","start":{"accountSid":"a","callSid":"c","tracks":[],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":"fast","channels":1}}}"#,
            .invalidNumber(field: "start.mediaFormat.sampleRate", value: "fast")
        ),
        (
            #"{"event":"start","sequenceNumber":"1","streamSid":"s","start":{"accountSid":"a","callSid":"c","tracks":[],"customParameters":{"n":1},"mediaFormat":{}}}"#,
            .wrongType(field: "start.customParameters.n", expected: "a string")
        ),
        (#"{"event":"dtmf","sequenceNumber":"5","streamSid":"s","dtmf":{"track":"inbound_track"}}"#, .missingField("dtmf.digit")),
        (#"{"event":"mark","sequenceNumber":"4","streamSid":null,"mark":{"name":"m"}}"#, .missingField("streamSid")),
        (#"{"event":"mark","sequenceNumber":"4","streamSid":"s","mark":{}}"#, .missingField("mark.name")),
        (#"{"event":"stop","sequenceNumber":"5","streamSid":"s","stop":{"accountSid":"a"}}"#, .missingField("stop.callSid")),
    ])
    func malformedMessagesThrowNamedErrors(json: String, expected: MediaStreamCodecError) {
        #expect(decodeError(json) == expected)
    }

    @Test func notJSONIsReportedAsSuch() throws {
        let captured = String(decoding: Examples.incoming(Self.captured, "media_inbound_first"), as: UTF8.self)
        let inputs: [Data] = [
            Data(),
            Data("   ".utf8),
            Data("{\"event\":\"mark\"".utf8),
            Data(captured.prefix(captured.count / 2).utf8),
            Data([0xFF, 0xFE, 0x00, 0x7B]),
            Data("event=media".utf8),
        ]
        for input in inputs {
            let error = try #require(decodeError(input), "decoded \(input as NSData)")
            #expect(error.isInvalidJSON, "\(error)")
            #expect(error.description.hasPrefix("Media Streams message is not valid JSON"))
        }
    }

    @Test func unknownEventsAreSkippableNotErrors() throws {
        #expect(try MediaStreamMessage(json: #"{"event":"transcription","streamSid":"s"}"#) == .unknown(event: "transcription"))
        #expect(try MediaStreamMessage(json: #"{"event":""}"#) == .unknown(event: ""))
        let unknown = MediaStreamMessage.unknown(event: "x")
        #expect(unknown.streamSid == nil && unknown.sequenceNumber == nil)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let json =
            ##"{"event":"dtmf","future":{"a":[1,2]},"streamSid":"s","sequenceNumber":"6","dtmf":{"track":"inbound_track","digit":"#","extra":true}}"##
        #expect(try MediaStreamMessage(json: json) == .dtmf(.init(sequenceNumber: 6, streamSid: "s", track: "inbound_track", digit: "#")))
    }

    @Test func startToleratesMissingCustomParametersAndNestedOnlyStreamSid() throws {
        guard case let .start(start) = try MediaStreamMessage(json: Self.start) else {
            Issue.record("not a start")
            return
        }
        #expect(start.customParameters == [:])
        #expect(start.streamSid == "MZ1")
        let nestedOnly =
            #"{"event":"start","sequenceNumber":"1","start":{"streamSid":"MZ2","accountSid":"a","callSid":"c","tracks":["inbound","outbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#
        #expect(try MediaStreamMessage(json: nestedOnly).streamSid == "MZ2")
        let neither = #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"a","callSid":"c","tracks":[],"mediaFormat":{}}}"#
        #expect(decodeError(neither) == .missingField("start.streamSid"))
    }

    @Test func errorMessagesNameTheField() {
        #expect(
            MediaStreamCodecError.missingField("media.payload").description
                == "Media Streams message lacks required field 'media.payload'"
        )
        #expect(
            MediaStreamCodecError.invalidNumber(field: "media.chunk", value: "x").description
                == #"Media Streams field 'media.chunk' is not an integer: "x""#
        )
        #expect(
            MediaStreamCodecError.wrongType(field: "media", expected: "an object").description
                == "Media Streams field 'media' must be an object"
        )
        #expect(
            MediaStreamCodecError.invalidBase64(field: "media.payload").description
                == "Media Streams field 'media.payload' is not valid base64"
        )
        #expect(MediaStreamCodecError.notAnObject.description == "Media Streams message is not a JSON object")
    }
}
