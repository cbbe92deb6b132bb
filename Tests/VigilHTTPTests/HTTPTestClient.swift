#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NIOCore
import NIOPosix

/// One parsed HTTP response.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    /// The first header of that name (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct TestClientError: Error, CustomStringConvertible {
    var description: String
}

/// A tiny HTTP/1.1 client over raw bytes (NIO), so tests control exactly what is sent, and see exactly what comes
/// back, including malformed requests, pipelining and the server closing idle connections.
enum HTTPTestClient {
    /// Sends `request` (raw bytes) and returns every byte the server sends until it closes the connection.
    /// Throws when the server has not closed within `deadline` (generous: a bound for failure, not a timing; the
    /// whole suite shares two cores).
    /// With `toleratingReset`, a connection reset ends the exchange like a close (the server may reset a connection it
    /// closes with unread bytes pending; what arrived before is returned).
    static func exchange(
        port: Int, _ request: String, deadline: Duration = .seconds(90), toleratingReset: Bool = false
    ) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    if !request.isEmpty { try await outbound.write(ByteBuffer(string: request)) }
                    var received: [UInt8] = []
                    do {
                        for try await buffer in inbound { received += buffer.readableBytesView }
                    } catch let error as IOError where toleratingReset && error.errnoCode == ECONNRESET {}
                    return received
                }
            }
            group.addTask {
                do { try await Task.sleep(for: deadline) } catch { return nil }  // cancelled: the exchange finished
                raw.close(promise: nil)
                throw TestClientError(description: "the server did not close the connection within \(deadline)")
            }
            while let result = try await group.next() {
                if let bytes = result {
                    group.cancelAll()
                    return bytes
                }
            }
            throw TestClientError(description: "no result")
        }
    }

    /// `method path` on a fresh connection (closed after the response), parsed.
    static func request(port: Int, _ path: String, method: String = "GET") async throws -> TestResponse {
        let bytes = try await exchange(
            port: port, "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let responses = try parse(bytes)
        guard responses.count == 1 else {
            throw TestClientError(description: "expected one response, got \(responses.count)")
        }
        return responses[0]
    }

    /// The responses in `bytes`, in order (each must have a Content-Length).
    static func parse(_ bytes: [UInt8]) throws -> [TestResponse] {
        var responses: [TestResponse] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while !rest.isEmpty {
            guard let end = rest.firstRange(of: separator) else {
                throw TestClientError(description: "truncated head: \(String(decoding: rest, as: UTF8.self))")
            }
            let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
            guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
                throw TestClientError(description: "bad status line in \(head)")
            }
            var headers: [(String, String)] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else {
                    throw TestClientError(description: "bad header line \(line)")
                }
                headers.append((
                    String(line[..<colon]),
                    String(line[line.index(after: colon)...]).trimmingPrefix(" ").description
                ))
            }
            var response = TestResponse(status: status, headers: headers, body: [])
            guard let length = response.header("Content-Length").flatMap(Int.init) else {
                throw TestClientError(description: "no Content-Length in \(head)")
            }
            let bodyStart = end.upperBound
            guard rest.distance(from: bodyStart, to: rest.endIndex) >= length else {
                throw TestClientError(description: "truncated body")
            }
            let bodyEnd = rest.index(bodyStart, offsetBy: length)
            response.body = Array(rest[bodyStart..<bodyEnd])
            responses.append(response)
            rest = rest[bodyEnd...]
        }
        return responses
    }
}
