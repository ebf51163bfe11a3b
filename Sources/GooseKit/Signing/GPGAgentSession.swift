import CAssuan
import CGPGME
import Foundation

/// The key gpg-agent signs with on goose's behalf: the (sub)key gpg would pick for the named fingerprint.
public struct AgentSigningKey: Sendable, Equatable, Codable {
    /// The agent's name for the key's secret part (40 hex digits).
    public var keygrip: String
    /// The v4 fingerprint of this (sub)key (40 hex digits).
    public var fingerprint: String
    public var algorithm: OpenPGPSignaturePacket.PublicKeyAlgorithm

    /// The fingerprint as bytes, for the packet's issuer subpackets.
    var fingerprintBytes: [UInt8] { Hex.bytes(fingerprint) }

    /// The OpenPGP algorithm for a gpgme algorithm number, when goose can assemble its signatures
    /// (RSA and EdDSA; other algorithms are signed by gpg itself).
    static func supportedAlgorithm(_ algorithm: gpgme_pubkey_algo_t) -> OpenPGPSignaturePacket.PublicKeyAlgorithm? {
        switch algorithm {
        case GPGME_PK_RSA, GPGME_PK_RSA_S: .rsa
        case GPGME_PK_EDDSA: .eddsa
        default: nil
        }
    }
}

/// A connection to gpg-agent over its Assuan socket (libassuan), which signs digests with keys the agent holds.
/// Not shared between threads.
final class GPGAgentSession {
    private let context: assuan_context_t
    /// The agent's socket.
    let socket: String
    private let passphrase: Passphrase?

    /// Connects to the agent of `homeDirectory` (nil: $GNUPGHOME or ~/.gnupg); the agent must be running
    /// (gpg starts it, and goose's key check runs gpg first). A passphrase, if given, answers the agent's
    /// loopback inquiry; it never reaches argv, the environment or a log.
    init(homeDirectory: String?, socket knownSocket: String? = nil, passphrase: Passphrase?) throws {
        let socket = try knownSocket ?? Self.agentSocket(homeDirectory: homeDirectory)
        self.socket = socket
        var context: assuan_context_t?
        guard assuan_new(&context) == 0, let context else { throw GooseError.signing("cannot create an Assuan context") }
        let connected = assuan_socket_connect(context, socket, -1, 0)
        guard connected == 0 else {
            assuan_release(context)
            throw GooseError.signing("cannot connect to gpg-agent at \(socket): \(String(cString: gpgme_strerror(connected)))")
        }
        self.context = context
        self.passphrase = passphrase
        if passphrase != nil { _ = try transact("OPTION pinentry-mode=loopback") }
    }

    deinit { assuan_release(context) }

    /// The agent's socket for a GNUPGHOME, as gpgconf reports it.
    static func agentSocket(homeDirectory: String?) throws -> String {
        var arguments = ["--list-dirs", "agent-socket"]
        if let homeDirectory { arguments = ["--homedir", homeDirectory] + arguments }
        let finished: ChildProcess.Finished
        do { finished = try ChildProcess("/usr/bin/gpgconf", arguments, output: .pipe).run() } catch {
            throw GooseError.signing("cannot run gpgconf: \(error)")
        }
        let socket = finished.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard finished.status == 0, !socket.isEmpty else { throw GooseError.signing("gpgconf does not know gpg-agent's socket") }
        // gpgconf percent-escapes special characters (e.g. "%3a" for ':').
        return socket.removingPercentEncoding ?? socket
    }

    /// The key the connection signs with; the agent keeps it for the connection until RESET.
    private var selectedKeygrip: String?

    /// Has the agent sign a SHA-256 digest with the key; returns its answer, a `(sig-val …)` S-expression.
    /// Two round trips per signature (SETHASH, PKSIGN); the key is selected once per connection.
    func signDigest(_ digest: [UInt8], keygrip: String) throws -> [UInt8] {
        if selectedKeygrip != keygrip {
            _ = try transact("SIGKEY \(keygrip)")
            selectedKeygrip = keygrip
        }
        _ = try transact("SETHASH \(OpenPGPSignaturePacket.sha256Algorithm) " + Hex.string(digest, uppercase: true))
        return try transact("PKSIGN")
    }

    /// Where the agent keeps a key and whether it is protected, from `KEYINFO`: `S KEYINFO <keygrip> <type>
    /// <serial> <idstr> <cached> <protection> …` — type D (on disk), T (smartcard) or X; protection P, C (clear) or -.
    func keyInfo(keygrip: String) throws -> (type: String, protection: String)? {
        let status = try transactCollectingStatus("KEYINFO \(keygrip)").status
        for line in status {
            let fields = line.split(separator: " ").map(String.init)
            if fields.count >= 7, fields[0] == "KEYINFO", fields[1].uppercased() == keygrip.uppercased() {
                return (fields[2], fields[6])
            }
        }
        return nil
    }

    /// Sends one command; returns the data lines of the answer.
    func transact(_ command: String) throws -> [UInt8] {
        try transactCollectingStatus(command).data
    }

    /// Sends one command; returns the data lines and the status lines (`S …`, keyword first) of the answer.
    private func transactCollectingStatus(_ command: String) throws -> (data: [UInt8], status: [String]) {
        let exchange = Unmanaged.passRetained(AgentExchange(passphrase: passphrase, context: context))
        defer { exchange.release() }
        let error = assuan_transact(context, command, { opaque, data, length in
            guard let opaque, let data else { return 0 }
            Unmanaged<AgentExchange>.fromOpaque(opaque).takeUnretainedValue().received += UnsafeRawBufferPointer(start: data, count: length)
            return 0
        }, exchange.toOpaque(), { opaque, line in
            guard let opaque, let line else { return 0 }
            let exchange = Unmanaged<AgentExchange>.fromOpaque(opaque).takeUnretainedValue()
            guard String(cString: line).split(separator: " ").first == "PASSPHRASE" else {
                return gpgme_err_make(GPG_ERR_SOURCE_USER_1, GPG_ERR_ASS_UNKNOWN_INQUIRE)
            }
            guard let passphrase = exchange.passphrase, !exchange.passphraseSent else {
                // Asked again: the passphrase was wrong. Stop instead of looping.
                return gpgme_err_make(GPG_ERR_SOURCE_USER_1, GPG_ERR_BAD_PASSPHRASE)
            }
            exchange.passphraseSent = true
            // libassuan escapes the data and ends the inquiry when this returns.
            return passphrase.bytes.withUnsafeBytes { assuan_send_data(exchange.context, $0.baseAddress, $0.count) }
        }, exchange.toOpaque(), { opaque, line in
            guard let opaque, let line else { return 0 }
            Unmanaged<AgentExchange>.fromOpaque(opaque).takeUnretainedValue().status.append(String(cString: line))
            return 0
        }, exchange.toOpaque())
        if error != 0 {
            let code = gpgme_err_code(error)
            if code == GPG_ERR_BAD_PASSPHRASE || code == GPG_ERR_NO_PASSPHRASE || code == GPG_ERR_NO_PIN {
                throw GooseError.signing("gpg-agent: wrong or missing passphrase")
            }
            throw GooseError.signing("gpg-agent refused '\(command.split(separator: " ").first ?? "")': \(String(cString: gpgme_strerror(error)))")
        }
        return (exchange.takeUnretainedValue().received, exchange.takeUnretainedValue().status)
    }
}

/// What one Assuan command exchanged, as the C callbacks see it.
private final class AgentExchange {
    let passphrase: Passphrase?
    let context: assuan_context_t
    var passphraseSent = false
    var received: [UInt8] = []
    var status: [String] = []
    init(passphrase: Passphrase?, context: assuan_context_t) {
        self.passphrase = passphrase
        self.context = context
    }
}

/// Makes OpenPGP signature packets over data, with the digest signed by gpg-agent.
final class AgentSigner {
    let key: AgentSigningKey
    private let session: GPGAgentSession

    init(key: AgentSigningKey, homeDirectory: String?, socket: String? = nil, passphrase: Passphrase?) throws {
        self.key = key
        session = try GPGAgentSession(homeDirectory: homeDirectory, socket: socket, passphrase: passphrase)
    }

    /// The agent's socket, for other processes' sessions.
    var agentSocket: String { session.socket }

    /// Whether another gpg-agent, reading the same key file, can sign with this key unattended: the key is on disk
    /// (not a smartcard, whose reader one agent owns) and either unprotected or `hasPassphrase` answers its inquiry.
    func keyCanBeSharedWithAnotherAgent(hasPassphrase: Bool) -> Bool {
        guard let info = try? session.keyInfo(keygrip: key.keygrip), info.type == "D" else { return false }
        return info.protection == "C" || (info.protection == "P" && hasPassphrase)
    }

    /// A binary detached signature packet over `data`.
    func signaturePacket(over data: UnsafeRawBufferPointer, at time: Date = Date()) throws -> [UInt8] {
        let packet = OpenPGPSignaturePacket(algorithm: key.algorithm, issuerFingerprint: key.fingerprintBytes,
                                            creationTime: UInt32(clamping: Int64(time.timeIntervalSince1970)))
        let digest = ContentDigest(.sha256)
        digest.update(data)
        packet.hashTrailer.withUnsafeBytes { digest.update($0) }
        let digestBytes = digest.finalizeBytes()
        let answer = try session.signDigest(digestBytes, keygrip: key.keygrip)
        return packet.packet(digest: digestBytes, values: try packet.signatureValues(fromAgentAnswer: answer))
    }
}
