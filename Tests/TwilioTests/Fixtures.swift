import Foundation
import Testing

// Verbatim copies of the fixtures in Tests/Fixtures (taken from ../shared/fixtures), embedded
// so the suite needs no files at run time. `embeddedCopiesMatchFixtureFiles` catches drift.
enum Fixtures {
    /// Tests/Fixtures/twiml_reference.json: TwiML written by twilio-python 9.13.0.
    static let twimlReference = #"""
{
  "generated_by": {
    "library": "twilio (PyPI) 9.13.0",
    "python": "3.11.7"
  },
  "comparison_advice": "Compare canonical XML (the c14n field), not raw bytes. The library emits no newlines/indentation, prefixes '<?xml version=\"1.0\" encoding=\"UTF-8\"?>' with no newline after it, writes self-closing tags as '<X />', and does not guarantee any particular attribute quoting beyond ElementTree's.",
  "cases": [
    {
      "name": "say_connect_stream_parameter",
      "python_build_code": "r=VoiceResponse(); r.say('Please hold while we connect you.'); c=Connect(); s=c.stream(url='wss://example.test/media'); s.parameter(name='jobId', value='42'); r.append(c)",
      "twiml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Please hold while we connect you.</Say><Connect><Stream url=\"wss://example.test/media\"><Parameter name=\"jobId\" value=\"42\" /></Stream></Connect></Response>",
      "twiml_without_declaration": "<Response><Say>Please hold while we connect you.</Say><Connect><Stream url=\"wss://example.test/media\"><Parameter name=\"jobId\" value=\"42\" /></Stream></Connect></Response>",
      "c14n": "<Response><Say>Please hold while we connect you.</Say><Connect><Stream url=\"wss://example.test/media\"><Parameter name=\"jobId\" value=\"42\"></Parameter></Stream></Connect></Response>",
      "note": "Per twilio.com/docs/voice/twiml/stream: <Connect><Stream> creates a bidirectional Stream."
    },
    {
      "name": "start_stream_say_pause60",
      "python_build_code": "r=VoiceResponse(); st=Start(); st.stream(url='wss://example.test/media'); r.append(st); r.say('This call may be monitored.'); r.pause(length=60)",
      "twiml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Start><Stream url=\"wss://example.test/media\" /></Start><Say>This call may be monitored.</Say><Pause length=\"60\" /></Response>",
      "twiml_without_declaration": "<Response><Start><Stream url=\"wss://example.test/media\" /></Start><Say>This call may be monitored.</Say><Pause length=\"60\" /></Response>",
      "c14n": "<Response><Start><Stream url=\"wss://example.test/media\"></Stream></Start><Say>This call may be monitored.</Say><Pause length=\"60\"></Pause></Response>",
      "note": "Per twilio.com/docs/voice/twiml/stream: <Start><Stream> creates a unidirectional Stream. A url is given because a <Stream> needs a WebSocket url."
    },
    {
      "name": "hangup",
      "python_build_code": "r=VoiceResponse(); r.hangup()",
      "twiml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup /></Response>",
      "twiml_without_declaration": "<Response><Hangup /></Response>",
      "c14n": "<Response><Hangup></Hangup></Response>"
    },
    {
      "name": "escaping_extra",
      "python_build_code": "r=VoiceResponse(); r.say('Tom & Jerry <3 \"quotes\" \\'apos\\' caf\u00e9', voice='Polly.Joanna', language='en-US'); c=Connect(); s=c.stream(url='wss://example.test/media?a=1&b=2'); s.parameter(name='note', value='x\"y<z>&'); r.append(c)",
      "twiml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say language=\"en-US\" voice=\"Polly.Joanna\">Tom &amp; Jerry &lt;3 \"quotes\" 'apos' caf\u00e9</Say><Connect><Stream url=\"wss://example.test/media?a=1&amp;b=2\"><Parameter name=\"note\" value=\"x&quot;y&lt;z&gt;&amp;\" /></Stream></Connect></Response>",
      "twiml_without_declaration": "<Response><Say language=\"en-US\" voice=\"Polly.Joanna\">Tom &amp; Jerry &lt;3 \"quotes\" 'apos' caf\u00e9</Say><Connect><Stream url=\"wss://example.test/media?a=1&amp;b=2\"><Parameter name=\"note\" value=\"x&quot;y&lt;z&gt;&amp;\" /></Stream></Connect></Response>",
      "c14n": "<Response><Say language=\"en-US\" voice=\"Polly.Joanna\">Tom &amp; Jerry &lt;3 \"quotes\" 'apos' caf\u00e9</Say><Connect><Stream url=\"wss://example.test/media?a=1&amp;b=2\"><Parameter name=\"note\" value=\"x&quot;y&lt;z>&amp;\"></Parameter></Stream></Connect></Response>",
      "note": "Shows ElementTree escaping: text escapes & < > only; attribute values also escape \" ; non-ASCII is emitted as raw UTF-8, not as character references. The library writes attributes sorted by name (language before voice), turns Python booleans into 'true'/'false', and writes empty elements as '<Hangup />' (space before '/>')."
    }
  ]
}
"""#

    /// Tests/Fixtures/media_stream_messages.json: Twilio's documented Media Streams messages and
    /// a captured session from twilio/media-streams.
    static let mediaStreamMessages = #"""
{
  "sources": {
    "documentation": {
      "kind": "documentation",
      "page": "https://www.twilio.com/docs/voice/media-streams/websocket-messages",
      "text_taken_from": {
        "repo": "robert-at-pretension-io/rust_web_scraper",
        "path": "output/twilio-media-streams-websocket-messages-documentation.md",
        "commit": "c50cbe4c3a4eb054aea658e97b9ba34376f72a4d",
        "what_it_is": "A third-party Markdown scrape of the Twilio page (footer 'Copyright (c) 2024 Twilio Inc.'). The search tool's docs/pages corpus gives only the beginning of the live twilio.com page: its 'connected' example and the 'start' property table, and both match this copy word for word in substance. The later examples could not be checked against the live page here."
      }
    },
    "captured_session": {
      "kind": "captured session log from Twilio's official sample repository",
      "repo": "twilio/media-streams",
      "path": "node/connect-basic/output.txt",
      "commit": "d54045a66ba2dd2f9b964e0f633e2889cdeaec3e",
      "server_code": "node/connect-basic/server.js (commit 2e86d66a8a806bec656d84582c1d07575a64077b)",
      "date_in_log": "2020-06-11",
      "conversion": "The log prints Node util.inspect object literals; they were re-typed here as JSON with identical keys, values and value types (strings stay strings, numbers stay numbers). Outbound media payloads were already replaced by the sample server's logger with a length note, so only their shape is known."
    },
    "implementation_crosscheck": {
      "kind": "open-source implementation",
      "repo": "pipecat-ai/pipecat",
      "path": "src/pipecat/serializers/twilio.py",
      "commit": "acead0507d7de44e216d24533964106ca1d1d044",
      "what_it_shows": "Outbound 'clear' = {\"event\": \"clear\", \"streamSid\": ...}; outbound 'media' = {\"event\": \"media\", \"streamSid\": ..., \"media\": {\"payload\": base64 mu-law 8 kHz}}; inbound it reads message['media']['payload'] for event 'media' and message['dtmf']['digit'] for event 'dtmf' and ignores other events. It does not send 'mark'."
    },
    "also_consulted": [
      "https://www.twilio.com/docs/voice/twiml/stream (docs corpus): '<Start><Stream> creates a unidirectional Stream. <Connect><Stream> creates a bidirectional Stream.'",
      "https://www.twilio.com/docs/global-infrastructure/firewall-configurations/media-streams-configuration (docs corpus): 'You must also configure your application to validate the X-Twilio-Signature header. This is how your application verifies that a Media Stream is coming from an authentic Twilio source.'"
    ]
  },
  "documented_examples": {
    "from_twilio": {
      "connected": {
        "event": "connected",
        "protocol": "Call",
        "version": "1.0.0"
      },
      "start": {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
          "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
          "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
          "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
          "tracks": [
            "inbound"
          ],
          "mediaFormat": {
            "encoding": "audio/x-mulaw",
            "sampleRate": 8000,
            "channels": 1
          },
          "customParameters": {
            "FirstName": "Jane",
            "LastName": "Doe",
            "RemoteParty": "Bob"
          }
        },
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      },
      "media_outbound_track": {
        "event": "media",
        "sequenceNumber": "3",
        "media": {
          "track": "outbound",
          "chunk": "1",
          "timestamp": "5",
          "payload": "no+JhoaJjpz..."
        },
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      },
      "media_inbound_track": {
        "event": "media",
        "sequenceNumber": "4",
        "media": {
          "track": "inbound",
          "chunk": "2",
          "timestamp": "5",
          "payload": "no+JhoaJjpzS..."
        },
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      },
      "stop": {
        "event": "stop",
        "sequenceNumber": "5",
        "stop": {
          "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
          "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
        },
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      },
      "dtmf": {
        "event": "dtmf",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "sequenceNumber": "5",
        "dtmf": {
          "track": "inbound_track",
          "digit": "1"
        }
      },
      "mark": {
        "event": "mark",
        "sequenceNumber": "4",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "mark": {
          "name": "my label"
        }
      }
    },
    "to_twilio": {
      "media": {
        "event": "media",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "media": {
          "payload": "a3242sa..."
        }
      },
      "mark": {
        "event": "mark",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "mark": {
          "name": "my label"
        }
      },
      "clear": {
        "event": "clear",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      }
    },
    "documented_rules": [
      "connected is the first message; start follows immediately and is sent once.",
      "sequenceNumber starts at 1 and increments with each message Twilio sends.",
      "media.chunk starts at 1; media.timestamp is milliseconds from the start of the stream; payload is base64 audio.",
      "start.mediaFormat: encoding always audio/x-mulaw, sampleRate always 8000, channels always 1.",
      "start.tracks values include inbound and outbound.",
      "dtmf: 'currently only supported in bidirectional Streams'; dtmf.track is always 'inbound_track'.",
      "mark from Twilio: only in bidirectional Streams; it echoes the mark.name you sent once the audio before it has played.",
      "Messages to Twilio (media, mark, clear) are accepted only on bidirectional Streams, i.e. <Connect><Stream>.",
      "media to Twilio: the documentation calls the payload 'Raw mulaw/8000 audio in encoded in base64' (so send no WAV header).",
      "clear: empties buffered audio, and Twilio then sends back the pending mark messages."
    ]
  },
  "captured_session_examples": {
    "from_twilio": {
      "connected": {
        "event": "connected",
        "protocol": "Call",
        "version": "1.0.0"
      },
      "start": {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
          "accountSid": "AC18fbd524d33614fba208030751dffdca",
          "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a",
          "callSid": "CA3c95a2a6bba5fde93a5dea01e388e8fb",
          "tracks": [
            "inbound"
          ],
          "mediaFormat": {
            "encoding": "audio/x-mulaw",
            "sampleRate": 8000,
            "channels": 1
          },
          "customParameters": {
            "aCutomParameter": "aCustomValue that was set in TwiML"
          }
        },
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a"
      },
      "media_inbound_first": {
        "event": "media",
        "sequenceNumber": "2",
        "media": {
          "track": "inbound",
          "chunk": "1",
          "timestamp": "52",
          "payload": "6/jk2NbZ3uXj5Oz+bmhiYnD07+XWy8bIzdjg6mpNPzk3Nzc2Njg/UXXl2s7Cu7u+xcnLzdr7aGp98/94++PTztXc3NfV3PRnYGNhXVtfe9vMxcXJzM/X81JAOjY0MjEwMzlDVX3dzsK6tre8wsfK0OxdVFtx/nZw89fMzNLb3NPS3v5kYXZvXl5q3snBvb3BxsrYakY3Ly0sKysrLjZCZA=="
        },
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a"
      },
      "mark_echo_0": {
        "event": "mark",
        "sequenceNumber": "103",
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a",
        "mark": {
          "name": "Repeat message 0"
        }
      },
      "mark_echo_1": {
        "event": "mark",
        "sequenceNumber": "154",
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a",
        "mark": {
          "name": "Repeat message 1"
        }
      }
    },
    "to_twilio": {
      "media_shape": {
        "event": "media",
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a",
        "media": {
          "payload": "<base64 of 8000 mu-law bytes; 10668 base64 characters>"
        }
      },
      "mark": {
        "event": "mark",
        "streamSid": "9e7ee906-377b-408f-a852-eebfb834422a",
        "mark": {
          "name": "Repeat message 0"
        }
      }
    },
    "observations": [
      "The real inbound payload decodes to 160 bytes = 20 ms of 8 kHz mu-law.",
      "In this 2020 capture streamSid is a UUID, not an 'MZ...' SID. Treat streamSid as an opaque string.",
      "Key spelling 'aCutomParameter' is copied as it appears in the capture; customParameters keys are whatever the <Parameter name=...> values were.",
      "Twilio's mark echoes arrived about 1 s after each 50-frame (1 s) media message was sent, and the sequenceNumbers (103, 154) count the interleaved inbound media messages, so sequenceNumber is per-connection, not per-event-type.",
      "The sample server sent one 8000-byte media message instead of 160-byte frames, and Twilio echoed the mark that followed it, so larger outbound payloads were evidently accepted."
    ]
  },
  "parser_checklist": [
    "All messages are JSON text frames with an 'event' discriminator. The twilio/media-streams sample also guards against binary frames.",
    "Counters are JSON strings, not numbers: sequenceNumber, media.chunk and media.timestamp. mediaFormat.sampleRate and mediaFormat.channels are JSON numbers.",
    "The 'connected' message has no streamSid and no sequenceNumber. Every later message from Twilio has a top-level streamSid; 'start' also repeats it as start.streamSid.",
    "Track names differ: media.track is 'inbound' or 'outbound'; dtmf.track is 'inbound_track'.",
    "Messages to Twilio have no sequenceNumber. streamSid must be the one from 'start'.",
    "Key order differs between examples (dtmf/mark put streamSid before sequenceNumber). Never depend on key order.",
    "Payloads in the documentation examples are abbreviated ('no+JhoaJjpz...', 'a3242sa...') and are NOT valid base64. Use the captured payload for decode tests.",
    "Placeholder SIDs in the documentation examples are 'AC'/'MZ'/'CA' + 30 X = 32 characters; real SIDs are 34 characters (prefix + 32 hex). Do not validate SID length from these examples.",
    "Unknown events and unknown fields should be ignored. pipecat ignores any event other than media and dtmf.",
    "Some third-party write-ups say the server must send a 'connected' message to Twilio. Twilio's documentation lists only media, mark and clear as messages to Twilio."
  ]
}

"""#
}

/// The embedded strings above must stay identical to the checked-in files. This reads
/// Tests/Fixtures, which sits in the repository beside this file, never ../shared.
@Suite struct EmbeddedFixtureTests {
    static let embedded = [
        "twiml_reference.json": Fixtures.twimlReference,
        "media_stream_messages.json": Fixtures.mediaStreamMessages,
    ]

    @Test(arguments: ["twiml_reference.json", "media_stream_messages.json"])
    func embeddedCopiesMatchFixtureFiles(file: String) throws {
        let embedded = try #require(Self.embedded[file])
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(file)
        let onDisk = try String(contentsOf: url, encoding: .utf8)
        #expect(onDisk == embedded, "regenerate Fixtures.swift from Tests/Fixtures/\(file)")
    }
}
