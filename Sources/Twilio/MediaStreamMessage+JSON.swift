import Foundation

extension MediaStreamMessage {
    /// The JSON text frame Twilio would send, keys in the order of its documentation
    /// examples, counters as strings as Twilio sends them. The dialer only reads these; the
    /// loopback Twilio in `Sandbox`, the media benchmark and the tests write them.
    public var json: String {
        switch self {
        case let .connected(m):
            return #"{"event":"connected","protocol":\#(jsonString(m.protocolName)),"version":\#(jsonString(m.version))}"#
        case let .start(m):
            let tracks = m.tracks.map(jsonString).joined(separator: ",")
            let parameters = m.customParameters.sorted { $0.key < $1.key }
                .map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",")
            return #"{"event":"start","sequenceNumber":"\#(m.sequenceNumber)","start":{"accountSid":\#(jsonString(m.accountSid)),"#
                + #""streamSid":\#(jsonString(m.streamSid)),"callSid":\#(jsonString(m.callSid)),"tracks":[\#(tracks)],"#
                + #""mediaFormat":{"encoding":\#(jsonString(m.mediaFormat.encoding)),"sampleRate":\#(m.mediaFormat.sampleRate),"#
                + #""channels":\#(m.mediaFormat.channels)},"customParameters":{\#(parameters)}},"streamSid":\#(jsonString(m.streamSid))}"#
        case let .media(m):
            return #"{"event":"media","sequenceNumber":"\#(m.sequenceNumber)","media":{"track":\#(jsonString(m.track)),"#
                + #""chunk":"\#(m.chunk)","timestamp":"\#(m.timestamp)","payload":"\#(Data(m.payload).base64EncodedString())"},"#
                + #""streamSid":\#(jsonString(m.streamSid))}"#
        case let .dtmf(m):
            return #"{"event":"dtmf","streamSid":\#(jsonString(m.streamSid)),"sequenceNumber":"\#(m.sequenceNumber)","#
                + #""dtmf":{"track":\#(jsonString(m.track)),"digit":\#(jsonString(m.digit))}}"#
        case let .mark(m):
            return #"{"event":"mark","sequenceNumber":"\#(m.sequenceNumber)","streamSid":\#(jsonString(m.streamSid)),"#
                + #""mark":{"name":\#(jsonString(m.name))}}"#
        case let .stop(m):
            return #"{"event":"stop","sequenceNumber":"\#(m.sequenceNumber)","stop":{"accountSid":\#(jsonString(m.accountSid)),"#
                + #""callSid":\#(jsonString(m.callSid))},"streamSid":\#(jsonString(m.streamSid))}"#
        case let .unknown(event):
            return #"{"event":\#(jsonString(event))}"#
        }
    }
}
