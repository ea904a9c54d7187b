import Demo

/// A TCP port on 127.0.0.1 that nothing listens on (the demo's, shared).
public typealias LoopbackPort = Demo.LoopbackPort

/// A bound loopback port nothing listens on, held for a test.
public typealias HeldLoopbackPort = Demo.HeldLoopbackPort
