import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain TCP connection to the studio on 127.0.0.1, to send a request by hand,
/// read part of a streamed answer, and hang up in the middle, as a browser tab that is closed does.
final class RawConnection {
    private let descriptor: Int32
    private(set) var received = ""

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        // A read waits at most 3 minutes: a test fails rather than hangs.
        var timeout = timeval(tv_sec: 180, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Reads until `marker` has arrived or the peer closes; false if it closed first.
    @discardableResult
    func read(until marker: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !received.contains(marker) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return false }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return true
    }

    /// Reads one HTTP answer: its head, then as many body bytes as its Content-Length says
    /// (or until the peer closes). Returns the head and the body.
    func readAnswer() -> (head: String, body: [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var bytes: [UInt8] = []
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        var expected: Int?
        while true {
            if headEnd == nil, let end = bytes.firstRange(of: separator)?.upperBound {
                headEnd = end
                let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                    expected = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                }
            }
            if let headEnd, let expected, bytes.count - headEnd >= expected { break }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        let end = headEnd ?? bytes.count
        return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[end...]))
    }

    /// Reads until the peer closes the connection or ends a chunked body.
    func readToEnd() {
        read(until: "\r\n0\r\n\r\n")
    }

    func hangUp() {
        close(descriptor)
    }
}
