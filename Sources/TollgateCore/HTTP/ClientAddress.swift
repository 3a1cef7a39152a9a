import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// Who a request came from, when proxies may stand in between.
///
/// The client is the TCP peer, unless the peer is a trusted proxy (`http.trusted_proxies`):
/// then `X-Forwarded-For` is read from the right, skipping trusted hops, and the first hop
/// that is not trusted is the client. Entries left of it were written by whoever sent the
/// request and prove nothing, so they are never used. With no trusted proxies (the default)
/// the header is ignored entirely.
public struct ClientAddress: Sendable, Equatable {
    /// An IPv4 or IPv6 network in CIDR notation.
    public struct Network: Sendable, Equatable {
        let address: [UInt8]
        let prefixLength: Int

        /// Parses `10.0.0.0/8`, `::1/128` or a bare address (a single host).
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = ClientAddress.bytes(of: String(parts[0])) else { return nil }
            let maximum = address.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
                prefixLength = length
            } else {
                prefixLength = maximum
            }
            self.address = address
        }

        public func contains(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == address.count else { return false }
            var remaining = prefixLength
            for index in address.indices where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if candidate[index] & mask != address[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    public let trusted: [Network]

    public init(trusted: [Network]) {
        self.trusted = trusted
    }

    /// Parses the configured list; the error names the entry that is not a CIDR.
    public init(trustedProxies: [String]) throws(ConfigError) {
        var networks: [Network] = []
        for entry in trustedProxies {
            guard let network = Network(entry) else { throw ConfigError("http.trusted_proxies: '\(entry)' is not an IP address or CIDR network") }
            networks.append(network)
        }
        self.trusted = networks
    }

    /// The client's address: `peer` (the TCP peer's IP, text) unless it is trusted, then the
    /// right-most `X-Forwarded-For` entry that is not trusted (or the left-most one when every
    /// entry is trusted). Entries that are not IP addresses end the walk: nothing left of
    /// them can be believed, so the hop to their right is used.
    public func resolve(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, let peerBytes = Self.bytes(of: peer) else { return peer }
        guard isTrusted(peerBytes), !forwardedFor.isEmpty else { return Self.canonical(peerBytes) ?? peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var client = Self.canonical(peerBytes) ?? peer
        for hop in hops.reversed() {
            guard let bytes = Self.bytes(of: hop) else { return client }
            client = Self.canonical(bytes) ?? hop
            if !isTrusted(bytes) { return client }
        }
        return client
    }

    func isTrusted(_ bytes: [UInt8]) -> Bool {
        trusted.contains { $0.contains(bytes) } || (bytes.count == 16 && bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] && trusted.contains { $0.contains(Array(bytes.suffix(4))) })
    }

    /// The 4 or 16 bytes of an IP address, or `nil` when `text` is not one (inet_pton: a
    /// strict parser, no hostnames).
    static func bytes(of text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host.utf8.count <= 64, !host.isEmpty else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The address as text in its canonical form (an IPv4-mapped IPv6 address as IPv4).
    static func canonical(_ bytes: [UInt8]) -> String? {
        var bytes = bytes
        if bytes.count == 16, bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { bytes = Array(bytes.suffix(4)) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
