import Demo
import Foundation

/// Hosts of their own on this machine: a network namespace each, with one address on a private
/// bridge (10.77.0.0/24) that has no uplink, so nothing leaves the machine. This process stays
/// in the root namespace, which is one more host on the bridge (10.77.0.1): the Sandboxes'.
/// Needs root (`ip netns`).
struct HostNetwork: Sendable {
    /// One host: its name and its address's last octet.
    struct Host: Sendable, Hashable {
        let name: String
        let octet: Int

        var address: String { "\(HostNetwork.prefix).\(octet)" }
        var namespace: String { "dlr-\(name)" }
        /// Its end of its link (interface names are at most 15 characters).
        var interface: String { "dlrh\(octet)" }

        /// `command` run on this host: `ip netns exec` replaces itself with it, so the process
        /// started is the command's own (signals reach it).
        func command(_ executable: String, _ arguments: [String]) -> [String] {
            ["netns", "exec", namespace, executable] + arguments
        }
    }

    static let prefix = "10.77.0"
    static let bridge = "dlrbr0"
    /// This process's address on the bridge.
    static let selfAddress = "\(prefix).1"
    static let ip = "/usr/sbin/ip"

    let hosts: [Host]

    /// The bridge and every host, after removing any a previous run left.
    static func up(_ hosts: [Host]) throws -> HostNetwork {
        down()
        try run(["link", "add", bridge, "type", "bridge"])
        try run(["addr", "add", "\(selfAddress)/24", "dev", bridge])
        try run(["link", "set", bridge, "up"])
        for host in hosts {
            let peer = "dlrp\(host.octet)"
            try run(["netns", "add", host.namespace])
            try run(["link", "add", host.interface, "type", "veth", "peer", "name", peer])
            try run(["link", "set", host.interface, "netns", host.namespace])
            try run(["link", "set", peer, "master", bridge, "up"])
            try run(["-n", host.namespace, "addr", "add", "\(host.address)/24", "dev", host.interface])
            try run(["-n", host.namespace, "link", "set", host.interface, "up"])
            try run(["-n", host.namespace, "link", "set", "lo", "up"])
        }
        return HostNetwork(hosts: hosts)
    }

    /// Every host this tool made (processes in them killed) and the bridge, gone.
    static func down() {
        let listing = (try? output(["netns", "list"])) ?? ""
        for line in listing.split(separator: "\n") {
            guard let name = line.split(separator: " ").first, name.hasPrefix("dlr-") else { continue }
            let pids = (try? output(["netns", "pids", String(name)])) ?? ""
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            try? run(["netns", "del", String(name)])
        }
        try? run(["link", "del", bridge])
    }

    /// `host` stops answering `address`: its packets there are dropped (a blackhole route), so
    /// the peer's requests arrive and no answer ever comes back, as across a failed link.
    static func cut(_ host: Host, from address: String) throws {
        try run(["-n", host.namespace, "route", "add", "blackhole", "\(address)/32"])
    }

    /// The cut ends: the peer's retransmissions are answered again.
    static func mend(_ host: Host, from address: String) throws {
        try run(["-n", host.namespace, "route", "del", "blackhole", "\(address)/32"])
    }

    static func run(_ arguments: [String]) throws { _ = try output(arguments) }

    @discardableResult
    static func output(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        let out = Pipe()
        let errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoError("ip \(arguments.joined(separator: " ")): \(complaint.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }
}
