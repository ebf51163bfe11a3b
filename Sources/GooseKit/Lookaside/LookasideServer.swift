import Foundation

/// Where `lookaside serve` listens: an IP address and a port (0 lets the system pick a free one).
public struct ListenAddress: Equatable, Sendable {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all IPv4 interfaces); `localhost` means 127.0.0.1.
    public static func parse(_ text: String) throws -> ListenAddress {
        let host: Substring, portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw GooseError.usage("--listen \(text): expected [ADDRESS]:PORT") }
            portText = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw GooseError.usage("--listen \(text): expected HOST:PORT, such as 127.0.0.1:8080")
        }
        guard let port = UInt16(portText) else { throw GooseError.usage("--listen \(text): '\(portText)' is not a port number") }
        let name = host.isEmpty ? "0.0.0.0" : (host == "localhost" ? "127.0.0.1" : String(host))
        return ListenAddress(host: name, port: port)
    }

    var isIPv6: Bool { host.contains(":") }

    /// The base URL clients use for this address and `port`.
    func url(port: UInt16) -> String {
        "http://" + (isIPv6 ? "[\(host)]" : host) + ":\(port)"
    }
}

/// Settings of `goose lookaside serve`.
public struct LookasideServerConfiguration: Sendable {
    public var listen: ListenAddress
    /// The bearer token that checks and uploads must present.
    public var token: String
    /// Largest file an upload may carry, in bytes.
    public var maxUploadSize: Int

    public init(listen: ListenAddress, token: String, maxUploadSize: Int) {
        self.listen = listen
        self.token = token
        self.maxUploadSize = maxUploadSize
    }
}

/// A dist-git lookaside over HTTP on top of the workspace's store, laid out as dist-git's Apache
/// configuration: downloads under `/repo/pkgs/`, checks and uploads through `POST /repo/pkgs/upload.cgi`.
public struct LookasideServer: Sendable {
    public let workspace: Workspace
    public let configuration: LookasideServerConfiguration

    public init(workspace: Workspace, configuration: LookasideServerConfiguration) {
        self.workspace = workspace
        self.configuration = configuration
    }

    /// Serves until the task is cancelled; `onListening` gets the base URL (with the real port) once
    /// connections are accepted.
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        let listen = configuration.listen
        let handler = LookasideRequestHandler(
            store: LookasideStore(root: workspace.lookasideDirectory),
            gitDirectory: workspace.gitDirectory,
            temporaryDirectory: workspace.temporaryDirectory,
            token: configuration.token,
            maxUploadSize: configuration.maxUploadSize)
        let server: HTTPServer
        do {
            server = try HTTPServer(host: listen.host, port: listen.port, handler: handler, log: ServerLog.write)
        } catch let GooseError.network(_, reason) {
            throw GooseError.network(url: listen.url(port: listen.port), reason: "cannot serve: \(reason)")
        }
        onListening(listen.url(port: server.port))
        // The accept loop blocks a thread of its own; cancelling the task stops it.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    server.serve()
                    continuation.resume()
                }
                thread.name = "goose-http-accept"
                thread.start()
            }
        } onCancel: {
            server.stop()
        }
    }
}

/// The server's log lines: problems and stored uploads, to stderr.
enum ServerLog {
    @Sendable static func write(_ line: String) {
        FileHandle.standardError.write(Data("goose: lookaside serve: \(line)\n".utf8))
    }
}
