import Foundation

/// A TCP port on 127.0.0.1 that nothing listens on: for a server whose own configuration must
/// name its URL before it starts (the webhooks check signatures against their public URL).
public enum LoopbackPort {
    /// A port that was free a moment ago, for a server about to bind it. Chosen below the
    /// kernel's ephemeral range (Linux's starts at 32768): a port from that range, let go, can
    /// be taken at once as the local end of any outbound connection the process or its
    /// neighbours open (CI's shared pass opens thousands), and the server then cannot bind it.
    public static func unused() throws -> Int {
        for _ in 0..<64 {
            guard let held = try? held(port: Int.random(in: 20_000..<32_000)) else { continue }
            held.close()
            return held.port
        }
        let held = try held()
        held.close()
        return held.port
    }

    /// A port kept bound, never listened on, until `close()`: connections to it are refused,
    /// and no server started meanwhile can be given it (as it could a port found free and let go).
    public static func held() throws -> HeldLoopbackPort { try held(port: 0) }

    /// `port` kept bound (0: one the system picks).
    static func held(port: Int) throws -> HeldLoopbackPort {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LoopbackError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                guard bind(socket, sockaddrPointer, length) == 0 else { return false }
                return getsockname(socket, sockaddrPointer, &length) == 0
            }
        }
        guard bound else {
            Foundation.close(socket)
            throw LoopbackError("could not bind a loopback port")
        }
        return HeldLoopbackPort(socket: socket, port: Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// A bound loopback port nothing listens on; see ``LoopbackPort/held()``.
public struct HeldLoopbackPort: Sendable {
    let socket: Int32
    public let port: Int

    public func close() { _ = Foundation.close(socket) }
}

/// A loopback server that could not start.
public struct LoopbackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
