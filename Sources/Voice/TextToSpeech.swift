/// Turns the agent's words into audio for the call.
///
/// The audio is what Twilio Media Streams carry: 8 kHz G.711 mu-law, no header, ready to
/// cut into 20 ms (160-byte) media messages. A cloud adapter asks its service for that
/// encoding, or converts with ``Resampler`` and ``MuLaw``. Implementations may be called
/// from many calls at once and serialize internally if their engine needs it.
public protocol TextToSpeech: Sendable {
    /// The audio for `text`, as 8 kHz mu-law bytes.
    func synthesize(_ text: String) async throws -> [UInt8]
}
