import CryptoExtras

/// A Connected App's key pair, made on the spot for the demo and benchmarks: the Sandbox
/// verifies with the public half, the dialer signs with the private one.
public struct ConnectedAppKeys: Sendable {
    public let privateKeyPEM: String
    public let publicKeyPEM: String

    public static func generate() throws -> ConnectedAppKeys {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return ConnectedAppKeys(privateKeyPEM: key.pemRepresentation, publicKeyPEM: key.publicKey.pemRepresentation)
    }
}
