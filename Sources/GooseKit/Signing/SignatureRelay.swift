import Foundation

/// The goose end of `goose-signature-relay`: a unix socket in a private directory on which a thread answers
/// the relay's requests ("sign these bytes") with OpenPGP signature packets made through gpg-agent.
///
/// rpmPkgSign runs `%__gpg_sign_cmd` for every package; pointing it at the relay (a small C program) instead
/// of gpg replaces a gpg process per package with one agent request over a connection kept open.
final class SignatureRelay: @unchecked Sendable {
    /// The relay command for `%__gpg_sign_cmd` (rpm's macro syntax: program path, argv[0], arguments).
    let signCommand: String
    private let directory: String
    private let listener: Int32
    let signer: AgentSigner
    private let stopping = ManagedAtomicFlag()
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening; `relayExecutable` is the goose-signature-relay program.
    init(relayExecutable: String, signer: AgentSigner) throws {
        self.signer = signer
        directory = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-sign-relay.")
        let socketPath = directory + "/socket"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            FileSystem.remove(directory)
            throw GooseError.signing("socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let bound = descriptor >= 0 && withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
        guard bound, listen(descriptor, 16) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            FileSystem.remove(directory)
            throw GooseError.errno(socketPath, "cannot listen")
        }
        listener = descriptor
        signCommand = [Self.quoted(relayExecutable), "goose-signature-relay", Self.quoted(socketPath),
                       "%{shescape:%{__signature_filename}}", "%{shescape:%{__plaintext_filename}}"].joined(separator: " ")
        let thread = Thread { [self] in serve() }
        thread.name = "goose signature relay"
        thread.start()
    }

    /// Stops answering and removes the socket; waits for the serving thread.
    func stop() {
        guard stopping.setOnce() else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        close(listener)
        FileSystem.remove(directory)
    }

    deinit { stop() }

    private func serve() {
        defer { finished.signal() }
        while !stopping.isSet {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        var header = [UInt8](repeating: 0, count: 8)
        guard Self.readExactly(connection, &header) else { return }
        let length = header.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length <= 64 << 20 else { return reply(connection, status: 1, Array("request too large".utf8)) }
        var data = [UInt8](repeating: 0, count: length)
        guard Self.readExactly(connection, &data) else { return }
        do {
            let packet = try data.withUnsafeBytes { try signer.signaturePacket(over: $0) }
            reply(connection, status: 0, packet)
        } catch {
            reply(connection, status: 1, Array(((error as? GooseError)?.description ?? "\(error)").utf8))
        }
    }

    private func reply(_ connection: Int32, status: UInt8, _ payload: [UInt8]) {
        let message = [status] + (0..<8).map { UInt8(truncatingIfNeeded: payload.count >> (8 * $0)) } + payload
        _ = try? message.withUnsafeBytes { try FileSystem.writeAll($0, to: connection, path: "signature relay socket") }
    }

    private static func readExactly(_ descriptor: Int32, _ buffer: inout [UInt8]) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }

    /// Quotes a path for rpm's macro expansion ('%' doubled) and then popt's argv parser (double quotes).
    static func quoted(_ argument: String) -> String {
        let escaped = argument.replacingOccurrences(of: "%", with: "%%").replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
        return "\"" + escaped + "\""
    }
}

/// A flag set once, read from any thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }

    /// Sets the flag; false when it was set already.
    func setOnce() -> Bool {
        lock.withLock {
            if value { return false }
            value = true
            return true
        }
    }
}
