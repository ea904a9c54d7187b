import Foundation
import TestSupport
import Testing
import Twilio

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct TwiMLTests {
    struct ReferenceCase: Decodable {
        let name: String
        let twiml: String
        let twiml_without_declaration: String
    }

    static let referenceCases: [ReferenceCase] = {
        struct File: Decodable { let cases: [ReferenceCase] }
        return (try? JSONDecoder().decode(File.self, from: Data(Fixtures.twimlReference.utf8)).cases) ?? []
    }()

    /// The same documents as the fixture's `python_build_code`, built with this module.
    static let builders: [String: TwiML] = [
        "say_connect_stream_parameter": TwiML(
            .say("Please hold while we connect you."),
            .connect(.stream(url: "wss://example.test/media", parameters: ["jobId": "42"]))
        ),
        "start_stream_say_pause60": TwiML(
            .start(.stream(url: "wss://example.test/media")),
            .say("This call may be monitored."),
            .pause(length: 60)
        ),
        "hangup": TwiML(.hangup),
        "escaping_extra": TwiML(
            .say(#"Tom & Jerry <3 "quotes" 'apos' café"#, voice: "Polly.Joanna", language: "en-US"),
            .connect(.stream(url: "wss://example.test/media?a=1&b=2", parameters: ["note": #"x"y<z>&"#]))
        ),
    ]

    /// Byte-for-byte, not canonical XML: the builder copies the reference library's format,
    /// so the stricter comparison is possible and also pins attribute order and `<X />`.
    @Test func matchesEveryReferenceDocumentByteForByte() throws {
        #expect(Self.referenceCases.count == 4)
        #expect(Set(Self.referenceCases.map(\.name)) == Set(Self.builders.keys))
        for reference in Self.referenceCases {
            let built = try #require(Self.builders[reference.name], "no builder for \(reference.name)")
            #expect(built.xml == reference.twiml, "\(reference.name)")
            #expect(built.xmlWithoutDeclaration == reference.twiml_without_declaration, "\(reference.name)")
            #expect(built.description == reference.twiml)
        }
    }

    @Test func hostileSayTextIsEscaped() {
        let twiml = TwiML(.say(#"<script>&"'</script>"#))
        #expect(twiml.xmlWithoutDeclaration == #"<Response><Say>&lt;script&gt;&amp;"'&lt;/script&gt;</Say></Response>"#)
    }

    @Test func hostileAttributeValuesAreEscaped() {
        let twiml = TwiML(
            .say("hi", voice: #"a"><Hangup/>"#, language: "&'"),
            .connect(
                .stream(
                    url: #"wss://x.test/m?"<script>&'"#,
                    name: #"n"&"#,
                    statusCallback: "https://x.test/s?a=1&b=<2>",
                    parameters: [#"k"<"#: #"<script>&"'"#]
                )
            )
        )
        #expect(
            twiml.xmlWithoutDeclaration == """
                <Response><Say language="&amp;'" voice="a&quot;&gt;&lt;Hangup/&gt;">hi</Say>\
                <Connect><Stream name="n&quot;&amp;" statusCallback="https://x.test/s?a=1&amp;b=&lt;2&gt;" \
                url="wss://x.test/m?&quot;&lt;script&gt;&amp;'">\
                <Parameter name="k&quot;&lt;" value="&lt;script&gt;&amp;&quot;'" /></Stream></Connect></Response>
                """
        )
    }

    @Test func whitespaceInAttributesSurvivesAsCharacterReferences() {
        let twiml = TwiML(.connect(.stream(url: "wss://x.test/m", parameters: ["script": "line1\nline2\tend\r"])))
        #expect(twiml.xmlWithoutDeclaration.contains(#"value="line1&#10;line2&#09;end&#13;""#))
    }

    @Test func charactersXMLCannotCarryAreDropped() {
        let twiml = TwiML(.say("a\u{0}b\u{1}c\u{1B}d\u{FFFE}e\tf\ng"), .redirect("https://x.test/\u{8}r"))
        #expect(twiml.xmlWithoutDeclaration == "<Response><Say>abcde\tf\ng</Say><Redirect>https://x.test/r</Redirect></Response>")
    }

    @Test func nonASCIIIsRawUTF8() {
        let twiml = TwiML(.say("café 日本 🙂"))
        #expect(twiml.xmlWithoutDeclaration == "<Response><Say>café 日本 🙂</Say></Response>")
        #expect(Array(twiml.xml.utf8).contains(0xC3))
    }

    @Test func connectStreamWritesParametersSortedByName() {
        let parameters = ["zeta": "z", "attemptID": "a-1", "Beta": "b", "jobId": "42", "_x": "u"]
        let twiml = TwiML.connectStream(url: "wss://dialer.test/twilio/media", parameters: parameters)
        #expect(
            twiml.xml == TwiML.declaration + """
                <Response><Connect><Stream url="wss://dialer.test/twilio/media">\
                <Parameter name="Beta" value="b" />\
                <Parameter name="_x" value="u" />\
                <Parameter name="attemptID" value="a-1" />\
                <Parameter name="jobId" value="42" />\
                <Parameter name="zeta" value="z" />\
                </Stream></Connect></Response>
                """
        )
    }

    @Test func parameterOrderDoesNotDependOnInsertionOrder() {
        var forward: [String: String] = [:]
        var backward: [String: String] = [:]
        let keys = (0..<50).map { "p\($0)" }
        for key in keys { forward[key] = key }
        for key in keys.reversed() { backward[key] = key }
        let a = TwiML.connectStream(url: "wss://x.test/m", parameters: forward).xml
        let b = TwiML.connectStream(url: "wss://x.test/m", parameters: backward).xml
        #expect(a == b)
        #expect(a.range(of: #"name="p10""#)!.lowerBound < a.range(of: #"name="p9""#)!.lowerBound)
    }

    @Test func connectStreamSaysTheDisclosureFirst() {
        let twiml = TwiML.connectStream(
            url: "wss://dialer.test/twilio/media",
            parameters: ["attemptID": "7f3e"],
            disclosure: "This is an automated call & it may be recorded."
        )
        #expect(
            twiml.xmlWithoutDeclaration == """
                <Response><Say>This is an automated call &amp; it may be recorded.</Say>\
                <Connect><Stream url="wss://dialer.test/twilio/media"><Parameter name="attemptID" value="7f3e" /></Stream></Connect>\
                </Response>
                """
        )
        #expect(twiml.verbs.count == 2)
    }

    @Test func emptyDisclosureAddsNoSay() {
        let plain = TwiML.connectStream(url: "wss://x.test/m", parameters: ["a": "1"])
        #expect(TwiML.connectStream(url: "wss://x.test/m", parameters: ["a": "1"], disclosure: "") == plain)
        #expect(plain.verbs == [.connect(.stream(url: "wss://x.test/m", parameters: ["a": "1"]))])
        #expect(!plain.xml.contains("<Say"))
    }

    @Test func connectStreamWithoutParametersIsSelfClosing() {
        #expect(
            TwiML.connectStream(url: "wss://x.test/m").xmlWithoutDeclaration
                == #"<Response><Connect><Stream url="wss://x.test/m" /></Connect></Response>"#
        )
    }

    @Test func hangupForUnknownCalls() {
        #expect(TwiML.hangup.xml == #"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>"#)
        #expect(TwiML.hangup.verbs == [.hangup])
    }

    @Test func streamAttributesAreSortedByName() {
        let twiml = TwiML(
            .start(
                .stream(
                    url: "wss://x.test/m",
                    name: "fork",
                    track: .bothTracks,
                    statusCallback: "https://x.test/s",
                    parameters: ["b": "2", "a": "1"]
                )
            )
        )
        #expect(
            twiml.xmlWithoutDeclaration == """
                <Response><Start><Stream name="fork" statusCallback="https://x.test/s" track="both_tracks" url="wss://x.test/m">\
                <Parameter name="a" value="1" /><Parameter name="b" value="2" /></Stream></Start></Response>
                """
        )
    }

    @Test func trackValuesAreTwiliosSpelling() {
        #expect(TwiML.Stream.Track.allCases.map(\.rawValue) == ["inbound_track", "outbound_track", "both_tracks"])
        #expect(
            TwiML(.connect(.stream(url: "u", track: .inboundTrack))).xmlWithoutDeclaration
                == #"<Response><Connect><Stream track="inbound_track" url="u" /></Connect></Response>"#
        )
    }

    @Test func pauseRedirectAndEmptySay() {
        let twiml = TwiML(.pause(), .say(""), .redirect("https://x.test/next?a=1&b=2"), .pause(length: 3))
        #expect(
            twiml.xmlWithoutDeclaration == """
                <Response><Pause length="1" /><Say />\
                <Redirect>https://x.test/next?a=1&amp;b=2</Redirect><Pause length="3" /></Response>
                """
        )
    }

    @Test func emptyResponse() {
        #expect(TwiML().xmlWithoutDeclaration == "<Response />")
        #expect(TwiML(verbs: []) == TwiML())
    }

    #if canImport(FoundationXML) || canImport(Darwin)
    /// A real XML parser must read back exactly the hostile strings that went in.
    @Test func hostileDocumentParsesBackToTheOriginalStrings() throws {
        let text = "<script>&\"' \u{1F642} </Say><Hangup/>"
        let value = "x\"y<z>&'\n\tq"
        let xml = TwiML(.say(text), .connect(.stream(url: "wss://x.test/m?a=1&b=2", parameters: ["note": value]))).xml
        let collector = Collector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map(String.init(describing:)) ?? "")")
        #expect(collector.elements == ["Response", "Say", "Connect", "Stream", "Parameter"])
        #expect(collector.text["Say"] == text)
        #expect(collector.attributes["Stream"]?["url"] == "wss://x.test/m?a=1&b=2")
        #expect(collector.attributes["Parameter"] == ["name": "note", "value": value])
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var text: [String: String] = [:]
        var attributes: [String: [String: String]] = [:]
        private var current = ""

        func parser(
            _ parser: XMLParser,
            didStartElement name: String,
            namespaceURI: String?,
            qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append(name)
            self.attributes[name] = attributes
            current = name
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text[current, default: ""] += string
        }
    }
    #endif
}
