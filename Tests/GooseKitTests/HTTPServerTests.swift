import Foundation
import XCTest
@testable import GooseKit

/// goose's HTTP/1.1 server (behind `lookaside serve`) against the curl CLI and raw sockets: body framings,
/// `Expect: 100-continue`, persistent connections, HEAD, ranges of files, malformed requests, stopping.
final class HTTPServerTests: XCTestCase {
    /// Answers with what it received: method, path, query, body length and its SHA-256; `/file` serves a file;
    /// `/refuse` answers 403 without reading the body.
    struct EchoHandler: HTTPRequestHandling {
        let file: String

        func handle(_ request: HTTPServerRequest, body: HTTPRequestBody) -> HTTPServerResponse {
            if request.path == "/refuse" { return HTTPServerResponse(status: .forbidden, body: .data(Data("no\n".utf8))) }
            if request.path == "/file" {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                return HTTPServerResponse(status: .ok, body: .file(path: file, range: 0..<size))
            }
            var received = Data()
            do {
                while let chunk = try body.next() { received.append(chunk) }
            } catch {
                return HTTPServerResponse(status: .badRequest, body: .data(Data("bad body: \(error)\n".utf8)))
            }
            let digest = ContentDigest.hexDigest(of: received, algorithm: .sha256)
            let text = "\(request.method) \(request.path) \(request.query ?? "-") \(received.count) \(digest) \(request.headers["X-Test"] ?? "-")\n"
            return HTTPServerResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .data(Data(text.utf8)))
        }
    }

    private var server: HTTPServer?
    private var directory = ""

    override func setUpWithError() throws {
        directory = try TestSupport.temporaryDirectory(self)
        let file = directory + "/served.bin"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: URL(fileURLWithPath: file))
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: EchoHandler(file: file), idleTimeout: 5, log: { _ in })
        self.server = server
        Thread.detachNewThread { server.serve() }
    }

    override func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private var base: String { "http://127.0.0.1:\(server!.port)" }

    private func curl(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try TestSupport.run("/usr/bin/curl", ["-sS", "--max-time", "30"] + arguments)
    }

    private func writeFile(_ name: String, size: Int) throws -> (path: String, sha256: String) {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return (path, ContentDigest.hexDigest(of: data, algorithm: .sha256))
    }

    func testBodiesWithLengthChunkedAndExpectContinue() throws {
        let small = try writeFile("small", size: 1000)
        var result = try curl(["--data-binary", "@" + small.path, "-H", "X-Test: yes", base + "/echo%20me?a=1"])
        XCTAssertEqual(result.output, "POST /echo me a=1 1000 \(small.sha256) yes\n", result.error)

        // Chunked framing, as curl sends a body of unknown length.
        let large = try writeFile("large", size: 3_000_000)
        result = try curl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@" + large.path, base + "/chunked"])
        XCTAssertEqual(result.output, "POST /chunked - 3000000 \(large.sha256) -\n", result.error)

        // curl asks `Expect: 100-continue` before a large body and waits (up to --expect100-timeout) for the answer.
        let started = Date()
        result = try curl(["-v", "--expect100-timeout", "20", "-T", large.path, base + "/put"])
        XCTAssertEqual(result.output, "PUT /put - 3000000 \(large.sha256) -\n", result.error)
        XCTAssertTrue(result.error.contains("Expect: 100-continue") && result.error.contains("HTTP/1.1 100 Continue"), result.error)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "curl waited for 100 Continue")

        // Refused before the body: the answer comes at once and the connection is closed, not drained.
        result = try curl(["-v", "--expect100-timeout", "20", "-T", large.path, "-o", "/dev/null", "-w", "%{http_code}", base + "/refuse"])
        XCTAssertEqual(result.output, "403", result.error)
    }

    func testPersistentConnectionsHeadAndFiles() throws {
        // Three requests on one connection (curl reuses it when the server keeps it open).
        let result = try curl(["-w", "%{num_connects}\n", base + "/a", base + "/b", "--next", "-w", "%{num_connects}\n", "-d", "x=1", base + "/c"])
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, result.output)
        XCTAssertTrue(lines[0].hasPrefix("GET /a - 0 "), result.output)
        XCTAssertEqual(lines[3], "0", "the second request opened a new connection: \(result.output)")
        XCTAssertTrue(lines[4].hasPrefix("POST /c - 3 "), result.output)
        XCTAssertEqual(lines[5], "0", result.output)

        // HEAD: the length, no body.
        let head = try curl(["-I", base + "/file"])
        XCTAssertTrue(head.output.contains("Content-Length: 300000"), head.output)
        let copy = directory + "/copy.bin"
        XCTAssertEqual(try curl(["-f", "-o", copy, base + "/file"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copy)), try Data(contentsOf: URL(fileURLWithPath: directory + "/served.bin")))
    }

    /// Sends raw bytes on a fresh connection and returns everything the server answers until it closes.
    private func raw(_ request: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = server!.port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(connected, 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = request.utf8CString.withUnsafeBufferPointer { send(descriptor, $0.baseAddress, $0.count - 1, 0) }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer.append(contentsOf: buffer[..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }

    func testMalformedRequestsGetAnErrorAndTheConnectionCloses() throws {
        XCTAssertTrue(try raw("NONSENSE\r\n\r\n").hasPrefix("HTTP/1.1 400 "))
        XCTAssertTrue(try raw("GET / HTTP/2.0\r\n\r\n").hasPrefix("HTTP/1.1 505 "))
        XCTAssertTrue(try raw("GET / HTTP/1.1\r\nBad Field: x\r\n\r\n").hasPrefix("HTTP/1.1 400 "))
        XCTAssertTrue(try raw("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc").hasPrefix("HTTP/1.1 400 "))
        XCTAssertTrue(try raw("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n").hasPrefix("HTTP/1.1 400 "))
        XCTAssertTrue(try raw("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 70_000) + "\r\n\r\n").hasPrefix("HTTP/1.1 431 "))
        // A bad chunk size reaches the handler as a body error; the connection is not reused after it.
        let chunked = try raw("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        XCTAssertTrue(chunked.hasPrefix("HTTP/1.1 400 ") && chunked.contains("Connection: close"), chunked)
        // Two pipelined requests, then close: both answered, in order.
        let pipelined = try raw("GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(pipelined.contains("GET /one") && pipelined.contains("GET /two"), pipelined)
        XCTAssertLessThan(pipelined.range(of: "GET /one")!.lowerBound, pipelined.range(of: "GET /two")!.lowerBound)
        // HTTP/1.0 without keep-alive: closed after the answer.
        XCTAssertTrue(try raw("GET /old HTTP/1.0\r\n\r\n").contains("GET /old - 0 "))
    }

    func testStopEndsServeAndFreesThePort() throws {
        let done = expectation(description: "serve returned")
        let other = try HTTPServer(host: "127.0.0.1", port: 0, handler: EchoHandler(file: "/nonexistent"), log: { _ in })
        let port = other.port
        Thread.detachNewThread {
            other.serve()
            done.fulfill()
        }
        XCTAssertEqual(try curl(["http://127.0.0.1:\(port)/x"]).status, 0)
        other.stop()
        wait(for: [done], timeout: 10)
        XCTAssertNotEqual(try curl(["http://127.0.0.1:\(port)/x"]).status, 0)
        XCTAssertThrowsError(try HTTPServer(host: "127.0.0.1", port: server!.port, handler: EchoHandler(file: ""), log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("cannot listen: Address already in use"), "\(error)")
        }
        XCTAssertThrowsError(try HTTPServer(host: "no.such.address", port: 0, handler: EchoHandler(file: ""), log: { _ in }))
    }
}
