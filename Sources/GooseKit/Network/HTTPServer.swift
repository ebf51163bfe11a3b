import Foundation

/// An HTTP status: code and reason phrase.
public struct HTTPStatus: Equatable, Sendable {
    public var code: Int
    public var reason: String

    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let ok = HTTPStatus(200, "OK")
    public static let partialContent = HTTPStatus(206, "Partial Content")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let notAcceptable = HTTPStatus(406, "Not Acceptable")
    public static let requestTimeout = HTTPStatus(408, "Request Timeout")
    public static let payloadTooLarge = HTTPStatus(413, "Content Too Large")
    public static let rangeNotSatisfiable = HTTPStatus(416, "Range Not Satisfiable")
    public static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}

/// Header fields in the order they came, looked up without regard to case (RFC 9110 § 5.1).
public struct HTTPHeaderFields: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// The first field of that name; setting replaces every field of that name (nil removes them).
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        set {
            fields.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            if let newValue { fields.append((name, newValue)) }
        }
    }

    /// Adds a field after the others (a repeated field keeps both).
    public mutating func append(_ name: String, _ value: String) { fields.append((name, value)) }
}

/// What a handler sees of a request: its line and header fields (the body is read through `HTTPRequestBody`).
public struct HTTPServerRequest: Sendable {
    public var method: String
    /// The target's path, percent-decoded, without the query.
    public var path: String
    public var query: String?
    public var headers: HTTPHeaderFields
}

/// A handler's answer.
public struct HTTPServerResponse: Sendable {
    public enum Body: Sendable {
        case none
        case data(Data)
        /// Bytes `range` of a regular file, read while sending.
        case file(path: String, range: Range<Int>)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaderFields
    public var body: Body

    public init(status: HTTPStatus, headers: HTTPHeaderFields = [:], body: Body = .none) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Answers requests; called on the connection's own thread, so it may block (read the body, the disk).
public protocol HTTPRequestHandling: Sendable {
    func handle(_ request: HTTPServerRequest, body: HTTPRequestBody) -> HTTPServerResponse
}

/// A request's body, read once, in order, as it arrives: `Content-Length` or chunked framing.
/// A client that sent `Expect: 100-continue` is told to continue when the handler first reads; one the handler
/// answers without reading has not sent its body, and the connection is closed after the answer.
public final class HTTPRequestBody {
    enum Framing {
        case length(Int)
        case chunked
    }

    private let connection: HTTPConnection
    private var framing: Framing
    private var expectsContinue: Bool
    /// Bytes left in the body (`.length`) or in the current chunk (`.chunked`).
    private var remaining: Int
    public private(set) var ended: Bool
    /// A read failed (framing error, connection lost): the rest of the body cannot be found.
    private var failed = false

    init(connection: HTTPConnection, framing: Framing, expectsContinue: Bool) {
        self.connection = connection
        self.framing = framing
        self.expectsContinue = expectsContinue
        if case let .length(count) = framing {
            remaining = count
            ended = count == 0
        } else {
            remaining = 0
            ended = false
        }
        if ended { self.expectsContinue = false }
    }

    /// True when the client still waits for `100 Continue` before it sends the body.
    var awaitsContinue: Bool { expectsContinue && !ended }

    /// The next piece of the body (at most 64 KiB), nil at its end; a connection that fails or a framing error throws.
    public func next() throws -> Data? {
        guard !ended else { return nil }
        do {
            return try read()
        } catch {
            failed = true
            throw error
        }
    }

    private func read() throws -> Data? {
        guard !failed else { throw GooseError.lookaside("the request body could not be read") }
        if expectsContinue {
            expectsContinue = false
            try connection.send(Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        switch framing {
        case .length:
            let data = try connection.read(upTo: min(remaining, 64 << 10))
            remaining -= data.count
            if remaining == 0 { ended = true }
            return data
        case .chunked:
            if remaining == 0 {
                let line = try connection.readLine(limit: 4096)
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(sizeText, radix: 16), size >= 0, !sizeText.hasPrefix("-"), !sizeText.hasPrefix("+") else {
                    throw GooseError.lookaside("malformed chunk size '\(line)'")
                }
                if size == 0 {
                    // Trailer fields, up to the empty line.
                    var trailers = 0
                    while try !connection.readLine(limit: 8192).isEmpty {
                        trailers += 1
                        guard trailers <= 100 else { throw GooseError.lookaside("too many trailer fields") }
                    }
                    ended = true
                    return nil
                }
                remaining = size
            }
            let data = try connection.read(upTo: min(remaining, 64 << 10))
            remaining -= data.count
            if remaining == 0 {
                guard try connection.readLine(limit: 2).isEmpty else { throw GooseError.lookaside("chunk not followed by CRLF") }
            }
            return data
        }
    }

    /// Reads away up to `limit` more bytes; true when the body has ended (the connection can carry another request).
    func drain(limit: Int) -> Bool {
        guard !awaitsContinue, !failed else { return false }
        var discarded = 0
        do {
            while discarded <= limit, let chunk = try next() { discarded += chunk.count }
        } catch {
            return false
        }
        return ended
    }
}

/// One accepted connection: buffered reads with an idle timeout, whole writes.
final class HTTPConnection {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    init(descriptor: Int32) { self.descriptor = descriptor }

    struct Closed: Error {}

    /// Up to `capacity` bytes from the socket (at least one); throws when the peer closed or the idle timeout passed.
    private func receive(capacity: Int) throws -> Data {
        var data = Data(count: capacity)
        while true {
            let count = data.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, capacity, 0) }
            if count > 0 {
                data.count = count
                return data
            }
            if count < 0 && errno == EINTR { continue }
            throw Closed()
        }
    }

    /// Appends what the socket has to the buffer.
    private func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: try receive(capacity: 64 << 10))
    }

    /// Up to `count` bytes (at least one), from the buffer first.
    func read(upTo count: Int) throws -> Data {
        // Body bytes past what the head's read brought along go straight from the socket to the caller.
        if start == buffer.count { return try receive(capacity: count) }
        let available = min(count, buffer.count - start)
        let data = Data(buffer[start..<(start + available)])
        start += available
        return data
    }

    /// One line without its CRLF (or bare LF); more than `limit` bytes is an error.
    func readLine(limit: Int) throws -> String {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - start <= limit else { throw GooseError.lookaside("line too long") }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard buffer.count - start <= limit + 2 else { throw GooseError.lookaside("line too long") }
            try fill()
        }
    }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { throw Closed() }
                offset += sent
            }
        }
    }
}

/// A small HTTP/1.1 server on POSIX sockets: one thread per connection, persistent connections, `Content-Length`
/// and chunked request bodies, `Expect: 100-continue`, HEAD. Enough for `lookaside serve` (fedpkg, curl, goose's
/// libcurl client), not a general web server: no TLS (put it behind a proxy for that), no pipelining beyond
/// answering requests in order.
public final class HTTPServer: @unchecked Sendable {
    /// Largest request line plus header fields.
    public static let headLimit = 64 << 10
    /// Most header fields in one request.
    public static let fieldLimit = 100
    /// Most connections served at once; more wait in the listen queue.
    public static let connectionLimit = 256
    /// After answering without reading the whole body, at most this much is read away to keep the connection.
    public static let drainLimit = 16 << 20

    public let port: UInt16
    private let listener: Int32
    private let handler: any HTTPRequestHandling
    private let idleTimeout: Int
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var stopped = false
    private var connections: Set<Int32> = []
    private let slots = DispatchSemaphore(value: HTTPServer.connectionLimit)

    /// Binds and listens on `host` (an IPv4 or IPv6 address) and `port` (0: a free one, see `port`).
    /// `idleTimeout`: seconds a connection may stay silent, in a request or between requests.
    public init(host: String, port: UInt16, handler: any HTTPRequestHandling, idleTimeout: Int = 300,
                log: @escaping @Sendable (String) -> Void) throws {
        self.handler = handler
        self.idleTimeout = idleTimeout
        self.log = log
        let display = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var address4 = sockaddr_in(), address6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, host, &address4.sin_addr) == 1 {
            family = AF_INET
            address4.sin_family = sa_family_t(AF_INET)
            address4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, host, &address6.sin6_addr) == 1 {
            family = AF_INET6
            address6.sin6_family = sa_family_t(AF_INET6)
            address6.sin6_port = port.bigEndian
        } else {
            throw GooseError.usage("--listen: '\(host)' is not an IP address")
        }
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw GooseError.network(url: display, reason: "cannot create a socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if family == AF_INET6 { setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = family == AF_INET
            ? withUnsafePointer(to: &address4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            : withUnsafePointer(to: &address6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw GooseError.network(url: display, reason: "cannot listen: \(reason)")
        }
        var actual = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        // sin_port and sin6_port sit at the same offset.
        self.port = UInt16(bigEndian: actual.sin6_port)
        self.listener = descriptor
    }

    deinit { close(listener) }

    /// Accepts and serves connections until `stop()`; returns then.
    public func serve() {
        while true {
            slots.wait()
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                slots.signal()
                if isStopped { return }
                if errno == EINTR || errno == ECONNABORTED { continue }
                // Out of descriptors or memory: wait a moment rather than spin.
                log("error: accept: \(String(cString: strerror(errno)))")
                usleep(100_000)
                continue
            }
            lock.lock()
            if stopped {
                lock.unlock()
                close(connection)
                slots.signal()
                return
            }
            connections.insert(connection)
            lock.unlock()
            // Not inherited by children (goose spawns none while serving, but a handler might).
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: idleTimeout, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let thread = Thread { [self] in
                self.serveConnection(HTTPConnection(descriptor: connection))
                self.lock.lock()
                self.connections.remove(connection)
                self.lock.unlock()
                close(connection)
                self.slots.signal()
            }
            thread.name = "goose-http"
            thread.start()
        }
    }

    /// Ends `serve()` and the connections' reads; safe to call from any thread, more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Requests on one connection, in order, until it closes, fails or asks to close.
    private func serveConnection(_ connection: HTTPConnection) {
        while !isStopped {
            let request: HTTPServerRequest, body: HTTPRequestBody, keepAlive: Bool
            do {
                guard let parsed = try readRequest(connection) else { return }
                (request, body, keepAlive) = parsed
            } catch let refusal as Refusal {
                respond(HTTPServerResponse(status: refusal.status, headers: ["Content-Type": "text/plain; charset=utf-8"],
                                           body: .data(Data((refusal.message + "\n").utf8))),
                        to: connection, method: "GET", keepAlive: false)
                return
            } catch {
                return
            }
            var response = handler.handle(request, body: body)
            let reusable = keepAlive && body.drain(limit: Self.drainLimit)
            if !reusable { response.headers["Connection"] = "close" }
            guard respond(response, to: connection, method: request.method, keepAlive: reusable), reusable else { return }
        }
    }

    private struct Refusal: Error {
        var status: HTTPStatus
        var message: String
    }

    /// Reads one request's line and fields; nil when the peer closed (or went silent) between requests.
    private func readRequest(_ connection: HTTPConnection) throws -> (HTTPServerRequest, HTTPRequestBody, Bool)? {
        var line: String
        var headSize = 0
        repeat {
            // Empty lines before a request are ignored (RFC 9112 § 2.2).
            do { line = try connection.readLine(limit: Self.headLimit) } catch is HTTPConnection.Closed { return nil }
            catch { throw Refusal(status: .badRequest, message: "Request line too long.") }
            headSize += line.utf8.count + 2
            guard headSize <= Self.headLimit else { throw Refusal(status: .badRequest, message: "Request line too long.") }
        } while line.isEmpty
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[2].hasPrefix("HTTP/") else {
            throw Refusal(status: .badRequest, message: "Malformed request line.")
        }
        let method = String(parts[0]), target = String(parts[1]), version = String(parts[2])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Refusal(status: .versionNotSupported, message: "Only HTTP/1.1 and HTTP/1.0 are spoken here.")
        }
        var headers: HTTPHeaderFields = [:]
        while true {
            let field: String
            do { field = try connection.readLine(limit: Self.headLimit) } catch is HTTPConnection.Closed { return nil }
            catch { throw Refusal(status: .headerFieldsTooLarge, message: "Header fields too large.") }
            headSize += field.utf8.count + 2
            guard headSize <= Self.headLimit else { throw Refusal(status: .headerFieldsTooLarge, message: "Header fields too large.") }
            if field.isEmpty { break }
            guard let colon = field.firstIndex(of: ":"), colon != field.startIndex,
                  !field[..<colon].contains(where: { $0 == " " || $0 == "\t" }), field.first != " ", field.first != "\t" else {
                throw Refusal(status: .badRequest, message: "Malformed header field.")
            }
            headers.append(String(field[..<colon]), field[field.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            guard headers.fields.count <= Self.fieldLimit else { throw Refusal(status: .headerFieldsTooLarge, message: "Too many header fields.") }
        }
        // Origin form (/path?query) or absolute form (http://host/path?query).
        var pathAndQuery = Substring(target)
        if let scheme = target.range(of: "://") {
            let afterAuthority = target[scheme.upperBound...]
            pathAndQuery = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        guard pathAndQuery.hasPrefix("/") else { throw Refusal(status: .badRequest, message: "Malformed request target.") }
        let question = pathAndQuery.firstIndex(of: "?")
        let rawPath = question.map { pathAndQuery[..<$0] } ?? pathAndQuery
        guard let path = String(rawPath).removingPercentEncoding else { throw Refusal(status: .badRequest, message: "Malformed request target.") }
        let query = question.map { String(pathAndQuery[pathAndQuery.index(after: $0)...]) }

        let framing: HTTPRequestBody.Framing
        let transferEncoding = headers["Transfer-Encoding"]
        if let transferEncoding {
            // Both framings at once is how requests get smuggled past proxies: refused.
            guard headers["Content-Length"] == nil else { throw Refusal(status: .badRequest, message: "Both Transfer-Encoding and Content-Length.") }
            guard transferEncoding.lowercased() == "chunked" else {
                throw Refusal(status: .notImplemented, message: "Transfer-Encoding \(transferEncoding) is not supported.")
            }
            framing = .chunked
        } else if let lengthText = headers["Content-Length"] {
            guard let length = Int(lengthText), length >= 0, lengthText.allSatisfy(\.isNumber) else {
                throw Refusal(status: .badRequest, message: "Malformed Content-Length.")
            }
            framing = .length(length)
        } else {
            framing = .length(0)
        }
        let connectionOptions = (headers["Connection"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let keepAlive = version == "HTTP/1.1" ? !connectionOptions.contains("close") : connectionOptions.contains("keep-alive")
        let expectsContinue = version == "HTTP/1.1" && headers["Expect"]?.lowercased() == "100-continue"
        let body = HTTPRequestBody(connection: connection, framing: framing, expectsContinue: expectsContinue)
        return (HTTPServerRequest(method: method, path: path, query: query, headers: headers), body, keepAlive)
    }

    /// Sends `response` (no body for HEAD); false when the connection failed.
    @discardableResult
    private func respond(_ response: HTTPServerResponse, to connection: HTTPConnection, method: String, keepAlive: Bool) -> Bool {
        var headers = response.headers
        var file: (descriptor: Int32, range: Range<Int>)?
        var inline = Data()
        switch response.body {
        case .none:
            if headers["Content-Length"] == nil { headers["Content-Length"] = "0" }
        case let .data(data):
            headers["Content-Length"] = String(data.count)
            inline = data
        case let .file(path, range):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                log("error: cannot open \(path): \(String(cString: strerror(errno)))")
                return respond(HTTPServerResponse(status: .internalServerError, headers: ["Content-Type": "text/plain; charset=utf-8", "Connection": "close"],
                                                  body: .data(Data("Cannot read the file.\n".utf8))), to: connection, method: method, keepAlive: false)
            }
            headers["Content-Length"] = String(range.count)
            file = (descriptor, range)
        }
        defer { if let file { close(file.descriptor) } }
        if !keepAlive { headers["Connection"] = "close" }
        var head = "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n"
        for (name, value) in headers.fields { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var message = Data(head.utf8)
        let sendsBody = method != "HEAD"
        if sendsBody { message.append(inline) }
        do {
            try connection.send(message)
            if sendsBody, let file {
                var chunk = [UInt8](repeating: 0, count: 64 << 10)
                var offset = file.range.lowerBound
                while offset < file.range.upperBound {
                    let count = chunk.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, min($0.count, file.range.upperBound - offset), off_t(offset)) }
                    if count < 0 && errno == EINTR { continue }
                    // The length is promised already: a file that shrank or failed ends the connection.
                    guard count > 0 else { return false }
                    try connection.send(Data(chunk[..<count]))
                    offset += count
                }
            }
            return true
        } catch {
            return false
        }
    }
}
