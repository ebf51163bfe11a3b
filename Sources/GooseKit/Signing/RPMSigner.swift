import CRPM
import Foundation

/// What happened to one package in a signing run.
public struct RPMSignResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        case signed
        /// Already signed by this key; left as it was.
        case skipped
        case failed
    }

    public var file: String
    public var outcome: Outcome
    /// Why it failed or was skipped.
    public var message: String?
    /// Long key ID of the signature the file carries afterwards.
    public var keyID: String?

    public init(file: String, outcome: Outcome, message: String? = nil, keyID: String? = nil) {
        self.file = file
        self.outcome = outcome
        self.message = message
        self.keyID = keyID
    }

    enum CodingKeys: String, CodingKey {
        case file, outcome, message
        case keyID = "key_id"
    }
}

/// How each package's OpenPGP signature is made.
public enum RPMSigningMethod: String, Codable, Sendable, CaseIterable {
    /// gpg-agent signs the digest through goose (goose-signature-relay stands in for gpg) when the key allows it, else gpg.
    case auto
    /// Always through gpg-agent directly; an error when the key's algorithm or the relay program rules it out.
    case agent
    /// One gpg process per package, as rpmsign runs it.
    case gpg
}

/// What a signing run needs to know; sent to worker processes as JSON (the passphrase travels on their stdin only).
public struct RPMSigningSettings: Codable, Sendable {
    public var fingerprint: String
    public var homeDirectory: String?
    public var resign: Bool
    public var method: RPMSigningMethod = .auto
    /// The goose-signature-relay program (installed beside goose), for the agent method.
    public var relayExecutable: String?
    /// gpg-agent's socket, found by the parent for its workers.
    var agentSocket: String?
    /// Set by the parent for its workers: the key and passphrase were already checked, and this armored
    /// public-key file holds the key to verify signed copies with.
    var checkedPublicKeyFile: String?
    var checkedKey: SigningKey?
    /// Hex of the passphrase bytes, present only on a worker's standard input.
    var passphraseHex: String?

    public init(fingerprint: String, homeDirectory: String?, resign: Bool) {
        self.fingerprint = fingerprint
        self.homeDirectory = homeDirectory
        self.resign = resign
    }

    var passphrase: Passphrase? {
        passphraseHex.map { Passphrase(bytes: Hex.bytes($0)) }
    }

    func withPassphrase(_ passphrase: Passphrase?) -> RPMSigningSettings {
        var copy = self
        copy.passphraseHex = passphrase.map { Hex.string($0.bytes) }
        return copy
    }
}

/// Signs RPMs one at a time through librpmsign (`rpmPkgSign`, as `rpmsign --addsign`), each in a copy beside
/// the original that is verified, synced and renamed over it: the original is either replaced whole or untouched.
/// librpm's macros are process-wide, so one signer signs one package at a time (parallel runs use worker processes).
public final class RPMSigner {
    public let key: SigningKey
    let settings: RPMSigningSettings
    let passphrase: Passphrase?
    let keyring: RPMKeyring
    private let lock = NSLock()
    /// Present when gpg-agent signs for this signer (the agent method); nil when gpg does.
    private let relay: SignatureRelay?
    /// How this signer's signatures are made: `agent` or `gpg`.
    public var effectiveMethod: RPMSigningMethod { relay == nil ? .gpg : .agent }
    /// Why `auto` chose gpg (one gpg per package, about half the speed): the agent method's error, for --verbose.
    public let agentUnavailableReason: String?

    /// The armored public key the signed copies are verified with (in a private scratch directory).
    public let publicKeyFile: String
    private let ownsPublicKeyFile: Bool

    /// Looks the key up and checks it (and the passphrase, by a test signature) before any package is touched.
    public init(settings: RPMSigningSettings, passphrase: Passphrase?) throws {
        var settings = settings
        self.passphrase = passphrase
        RPMLibrary.ensureInitialized()
        if let checkedKey = settings.checkedKey, let checked = settings.checkedPublicKeyFile {
            // A worker: its parent checked the key, the passphrase and the agent method already.
            key = checkedKey
            publicKeyFile = checked
            ownsPublicKeyFile = false
            relay = settings.method == .agent ? try Self.startRelay(settings: settings, key: checkedKey, passphrase: passphrase) : nil
            agentUnavailableReason = nil
            keyring = try RPMKeyring(keyFiles: [publicKeyFile])
        } else {
            let context = try GPGContext(homeDirectory: settings.homeDirectory, passphrase: passphrase)
            key = try context.signingKey(fingerprint: settings.fingerprint)
            let directory = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-sign-key.")
            publicKeyFile = directory + "/key.asc"
            ownsPublicKeyFile = true
            do { try AtomicFileWriter.write(try context.exportPublicKey(fingerprint: key.fingerprint), to: publicKeyFile) } catch {
                FileSystem.remove(directory)
                throw error
            }
            do {
                keyring = try RPMKeyring(keyFiles: [publicKeyFile])
                (relay, agentUnavailableReason) = try Self.chooseRelay(settings: settings, key: key, passphrase: passphrase, keyring: keyring)
                // The agent method's probe signature proved the passphrase; gpg's needs a test signature of its own.
                if relay == nil { _ = try context.sign(Data("goose signing check".utf8), key: key.fingerprint, clear: false) }
            } catch {
                FileSystem.remove(directory)
                throw error
            }
            // Workers use what was chosen here, and the agent's socket found here.
            settings.method = relay == nil ? .gpg : .agent
            settings.agentSocket = relay?.signer.agentSocket
        }
        self.settings = settings
    }

    /// The agent method when it is asked for or possible: its first signature must be good by the exported public key
    /// (checked by librpm, as every signed package is) before any package is touched. `auto` falls back to gpg when the
    /// key or the installation rules it out.
    private static func chooseRelay(settings: RPMSigningSettings, key: SigningKey, passphrase: Passphrase?, keyring: RPMKeyring) throws -> (SignatureRelay?, String?) {
        guard settings.method != .gpg else { return (nil, nil) }
        do {
            let relay = try startRelay(settings: settings, key: key, passphrase: passphrase)
            let probe = Data("goose agent signing check".utf8)
            let packet = try probe.withUnsafeBytes { try relay.signer.signaturePacket(over: $0) }
            guard keyring.verifies(signature: packet, over: probe) else {
                throw GooseError.signing("key \(key.fingerprint): the signature made through gpg-agent does not verify with the key's public part")
            }
            return (relay, nil)
        } catch {
            if settings.method == .agent { throw error }
            return (nil, "\(error)")
        }
    }

    private static func startRelay(settings: RPMSigningSettings, key: SigningKey, passphrase: Passphrase?) throws -> SignatureRelay {
        guard let agentKey = key.agentKey else {
            throw GooseError.signing("key \(key.fingerprint): gpg-agent cannot sign for goose with a \(key.algorithm) key (use --signer gpg)")
        }
        guard let relayExecutable = settings.relayExecutable, FileManager.default.isExecutableFile(atPath: relayExecutable) else {
            throw GooseError.signing("goose-signature-relay is not installed beside goose\(settings.relayExecutable.map { " (\($0))" } ?? "") (use --signer gpg)")
        }
        let signer = try AgentSigner(key: agentKey, homeDirectory: settings.homeDirectory, socket: settings.agentSocket, passphrase: passphrase)
        return try SignatureRelay(relayExecutable: relayExecutable, signer: signer)
    }

    deinit {
        relay?.stop()
        if ownsPublicKeyFile { FileSystem.remove((publicKeyFile as NSString).deletingLastPathComponent) }
    }

    /// Launches `count` more gpg-agents (see `PrivateAgent`) before the key is checked, so that their start overlaps
    /// the checks; `startPrivateAgents` then proves or stops them. None for `--signer gpg`.
    static func launchPrivateAgents(count: Int, settings: RPMSigningSettings) -> [PrivateAgent] {
        guard count > 0, settings.method != .gpg else { return [] }
        let gnupgHome = PrivateAgent.gnupgHome(settings.homeDirectory)
        PrivateAgent.removeAbandoned(in: gnupgHome)
        var agents: [PrivateAgent] = []
        for index in 1...count {
            guard let agent = try? PrivateAgent(gnupgHome: gnupgHome, index: index) else { break }
            agents.append(agent)
        }
        return agents
    }

    /// Of the `launched` agents, those that may sign for further workers, each proven by a probe signature that
    /// verifies with the key's public part; the others are stopped. None when the agent method is not in use or the
    /// key cannot be shared (a smartcard key, or a protected key whose passphrase only the user's agent has cached).
    /// An agent that fails, and every one after it, is left out.
    func startPrivateAgents(_ launched: [PrivateAgent]) -> [PrivateAgent] {
        guard let relay, relay.signer.keyCanBeSharedWithAnotherAgent(hasPassphrase: passphrase != nil) else {
            for agent in launched { agent.stop() }
            return []
        }
        var agents: [PrivateAgent] = []
        for (offset, agent) in launched.enumerated() {
            let probe = Data("goose agent signing check \(offset + 1)".utf8)
            let signer = try? AgentSigner(key: relay.signer.key, homeDirectory: settings.homeDirectory, socket: agent.socket, passphrase: passphrase)
            let packet = signer.flatMap { signer in try? probe.withUnsafeBytes { try signer.signaturePacket(over: $0) } }
            guard let packet, keyring.verifies(signature: packet, over: probe) else {
                for rest in launched[offset...] { rest.stop() }
                break
            }
            agents.append(agent)
        }
        return agents
    }

    /// Settings for worker processes that reuse this signer's checks.
    func workerSettings() -> RPMSigningSettings {
        var copy = settings.withPassphrase(passphrase)
        copy.checkedPublicKeyFile = publicKeyFile
        copy.checkedKey = key
        return copy
    }

    /// Signs one package; never throws, the result says what happened.
    public func sign(_ path: String) -> RPMSignResult {
        sign([path])[0]
    }

    /// Signs packages; each result says what happened to one. Every signed copy is verified, then the whole
    /// batch is flushed (one syncfs), and only then is each copy renamed over its original: a kill at any
    /// moment leaves every file signed or byte-identical.
    public func sign(_ paths: [String]) -> [RPMSignResult] {
        var results: [RPMSignResult?] = Array(repeating: nil, count: paths.count)
        var copies: [(index: Int, copy: String)] = []
        var stagingDirectories: [String: String] = [:]
        defer { for directory in stagingDirectories.values { FileSystem.remove(directory) } }
        for (index, path) in paths.enumerated() {
            do {
                let parent = (path as NSString).deletingLastPathComponent
                let directory = parent.isEmpty ? "." : parent
                switch try check(path) {
                case let .skip(result):
                    results[index] = result
                case let .sign(mode, hasSignature):
                    if stagingDirectories[directory] == nil { stagingDirectories[directory] = try SigningStaging.create(beside: directory) }
                    let copy = stagingDirectories[directory]! + "/\(index)-" + (path as NSString).lastPathComponent
                    try FileSystem.copyFile(path, to: copy, mode: mode)
                    // A signature of another key is dropped first (--resign), so that only this key's remains.
                    if hasSignature { try removeSignatures(copy, original: path) }
                    copies.append((index, copy))
                }
            } catch {
                results[index] = failure(paths[index], error)
            }
        }
        var rpmsignMessages: [String] = []
        if let relay, !copies.isEmpty {
            rpmsignMessages = runRpmsign(copies.map(\.copy), relay: relay)
        }
        var staged: [(index: Int, copy: String, keyID: String)] = []
        for (index, copy) in copies {
            do {
                if relay == nil { try signInPlace(copy, original: paths[index]) }
                staged.append((index, copy, try verifySigned(copy, original: paths[index], messages: rpmsignMessages)))
            } catch {
                results[index] = failure(paths[index], error)
            }
        }
        // One syncfs per file system makes the whole batch durable in one journal commit; an fsync per package
        // costs more than its signature.
        for directory in Set(staged.map { ($0.copy as NSString).deletingLastPathComponent }) {
            FileSystem.syncFileSystem(of: directory)
        }
        var renamedInto = Set<String>()
        for (index, copy, keyID) in staged {
            if rename(copy, paths[index]) == 0 {
                renamedInto.insert((paths[index] as NSString).deletingLastPathComponent)
                results[index] = RPMSignResult(file: paths[index], outcome: .signed, keyID: keyID)
            } else {
                results[index] = failure(paths[index], GooseError.errno(paths[index], "cannot replace with the signed copy"))
            }
        }
        for directory in renamedInto { FileSystem.syncDirectory(of: directory + "/.") }
        return results.enumerated().map { $1 ?? RPMSignResult(file: paths[$0], outcome: .failed, message: "\(paths[$0]): not signed") }
    }

    private func failure(_ path: String, _ error: Error) -> RPMSignResult {
        RPMSignResult(file: path, outcome: .failed, message: (error as? GooseError)?.description ?? "\(path): \(error)")
    }

    enum Plan {
        case skip(RPMSignResult)
        case sign(mode: mode_t, hasSignature: Bool)
    }

    /// Decides, without touching the file, whether to sign it.
    func check(_ path: String) throws -> Plan {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw GooseError.errno(path, "cannot read") }
        if let problem = SigningTarget.problem(with: info, replacing: true) { throw GooseError.invalidPackage(file: path, reason: problem) }
        let package = try RPMPackageReader.read(path)
        if case let .signed(keyID) = package.signature {
            if let keyID, key.owns(keyID: keyID) {
                return .skip(RPMSignResult(file: path, outcome: .skipped, message: "already signed by this key", keyID: keyID))
            }
            guard settings.resign else {
                throw GooseError.invalidPackage(file: path, reason: "signed by another key \(keyID ?? "(unknown)") (use --resign to replace its signature)")
            }
        }
        return .sign(mode: info.st_mode & 0o7777, hasSignature: package.signature != .unsigned)
    }

    /// Verifies a signed copy with the key (every digest and the signature); returns the signature's key ID.
    /// rpmsign's messages about the copy, if any, say why it was not signed.
    private func verifySigned(_ copy: String, original: String, messages: [String]) throws -> String {
        let signed: RPMPackage?
        do { signed = try RPMPackageReader.verify(copy, keyring: keyring) } catch let error as GooseError {
            let fromRpmsign = messages.filter { $0.contains(copy) }.map { RPMPackageReader.stripping(copy, from: $0) }
            if !fromRpmsign.isEmpty {
                throw GooseError.invalidPackage(file: original, reason: "signing failed: " + fromRpmsign.joined(separator: "; "))
            }
            throw GooseError.invalidPackage(file: original, reason: "the signed copy does not verify: " + error.description.replacingOccurrences(of: copy + ": ", with: ""))
        }
        guard case let .signed(keyID) = signed?.signature, let keyID, key.owns(keyID: keyID) else {
            throw GooseError.invalidPackage(file: original, reason: "signing left no signature of key \(key.fingerprint)")
        }
        return keyID
    }

    /// Drops the copy's existing signatures (rpmPkgDelSign; no gpg involved).
    private func removeSignatures(_ copy: String, original: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let (status, messages) = RPMLibrary.capturingLog { () -> Int32 in
            var arguments = rpmSignArgs(keyid: nil, hashalgo: pgpHashAlgo(0), signflags: rpmSignFlags(0))
            // librpmsign prints "<file>:" on C's stdout as the rpmsign command does; goose's stdout is its own report
            // (--json lines, nothing with --quiet), written through the descriptor, never through C's stdio.
            // C's `stdout` is swapped through its symbol (Swift sees the variable as unsafe shared state); only this
            // signer's lock holder calls into librpmsign.
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout"), let discard = fopen("/dev/null", "w") else {
                return rpmPkgDelSign(copy, &arguments)
            }
            let slot = symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self)
            let standardOutput = slot.pointee
            slot.pointee = discard
            defer {
                slot.pointee = standardOutput
                fclose(discard)
            }
            return rpmPkgDelSign(copy, &arguments)
        }
        guard status == 0 else {
            let reason = RPMPackageReader.describeFailure(messages.map { RPMPackageReader.stripping(copy, from: $0) }, fallback: "rpmPkgDelSign failed")
            throw GooseError.invalidPackage(file: original, reason: "cannot remove the old signature: " + reason)
        }
    }

    /// Signs copies with one `rpmsign --addsign` run (the field's own librpmsign front end) whose gpg is the relay,
    /// so that gpg-agent makes each signature for this process. rpmsign forks per package; forking it, a small
    /// process, costs a fraction of forking goose. Returns rpmsign's messages; each copy is verified afterwards.
    private func runRpmsign(_ copies: [String], relay: SignatureRelay) -> [String] {
        let arguments = [
            "--define", "_gpg_name \(key.fingerprint)",
            "--define", "_gpg_digest_algo sha256",
            "--define", "__gpg_sign_cmd \(relay.signCommand)",
            "--addsign",
        ] + copies.map { $0.hasPrefix("-") ? "./" + $0 : $0 }
        // rpm 4.18's child warns "Could not set GPG_TTY to stdin" before every signature when GPG_TTY is unset and
        // stdin is no terminal; the relay never prompts, so a set GPG_TTY spares each signature that line (two
        // writes, and a wake-up of this process reading them).
        var environment = ProcessInfo.processInfo.environment
        if environment["GPG_TTY"] == nil { environment["GPG_TTY"] = "/dev/null" }
        let finished: ChildProcess.Finished
        do { finished = try ChildProcess("/usr/bin/rpmsign", arguments, environment: environment, error: .pipe).run() } catch {
            return ["cannot run /usr/bin/rpmsign: \(error)"]
        }
        return finished.errorText.split(separator: "\n").map(String.init)
    }

    /// rpmPkgSign on `copy` with the gpg backend configured through macros; gpg reads the passphrase, if any,
    /// from a pipe it inherits, so the passphrase never appears in argv or the environment.
    private func signInPlace(_ copy: String, original: String) throws {
        lock.lock()
        defer { lock.unlock() }
        var pipeDescriptors: [Int32] = [-1, -1]
        var extraArguments = "--batch --no-tty --no-auto-check-trustdb --trust-model always"
        if let passphrase {
            guard pipe(&pipeDescriptors) == 0 else { throw GooseError.errno(original, "cannot create passphrase pipe") }
            let bytes = passphrase.bytes + [10]
            try bytes.withUnsafeBytes { try FileSystem.writeAll($0, to: pipeDescriptors[1], path: "passphrase pipe") }
            close(pipeDescriptors[1])
            extraArguments += " --pinentry-mode loopback --passphrase-fd \(pipeDescriptors[0])"
        }
        defer { if pipeDescriptors[0] >= 0 { close(pipeDescriptors[0]) } }
        let macros: [(String, String)] = [
            ("__gpg", "/usr/bin/gpg"),
            ("_gpg_name", key.fingerprint),
            ("_gpg_digest_algo", "sha256"),
            ("_gpg_sign_cmd_extra_args", extraArguments),
            ("_gpg_path", settings.homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? NSHomeDirectory() + "/.gnupg"),
        ]
        for (name, value) in macros { rpmPushMacro(nil, name, nil, value, RMIL_GLOBAL) }
        defer { for (name, _) in macros { rpmPopMacro(nil, name) } }
        // rpmPkgSign prints "<file>:" on stdout, which would mix with goose's output (and a worker's answers).
        fflush(nil)
        let savedOutput = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if savedOutput >= 0 && null >= 0 { dup2(null, STDOUT_FILENO) }
        defer {
            fflush(nil)
            if savedOutput >= 0 { dup2(savedOutput, STDOUT_FILENO); close(savedOutput) }
            if null >= 0 { close(null) }
        }
        let (status, messages) = RPMLibrary.capturingLog { () -> Int32 in
            var arguments = rpmSignArgs(keyid: nil, hashalgo: pgpHashAlgo(0), signflags: rpmSignFlags(0))
            return rpmPkgSign(copy, &arguments)
        }
        guard status == 0 else {
            let reason = RPMPackageReader.describeFailure(messages.map { RPMPackageReader.stripping(copy, from: $0) }, fallback: "rpmPkgSign failed")
            throw GooseError.invalidPackage(file: original, reason: "signing failed: " + reason.replacingOccurrences(of: copy, with: original))
        }
    }
}

/// Private scratch directories beside the packages being signed (`.goose-sign.<pid>.XXXXXX`), so that the signed
/// copy renames over the original on the same file system; those of killed runs are removed by the next run.
/// goose-signature-relay keeps one `.signature-buffer` inode in each, of which every signature file rpm reads there
/// is a new name (see its main.c); it goes with the directory.
enum SigningStaging {
    static let prefix = ".goose-sign."

    static func create(beside directory: String) throws -> String {
        try FileSystem.makeTemporaryDirectory(in: directory, prefix: "\(prefix)\(getpid()).")
    }

    /// Removes scratch directories of goose processes that no longer exist; touches nothing else.
    static func removeAbandoned(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            let parts = name.dropFirst(prefix.count).split(separator: ".")
            guard parts.count == 2, let pid = Int32(parts[0]) else { continue }
            // A zombie counts as gone: a worker that stopped when goose did waits, reparented, to be reaped.
            if pid != getpid() && !ProcessTable.isRunning(pid) {
                FileSystem.remove(directory + "/" + name)
            }
        }
    }
}

extension FileSystem {
    /// Copies a file's bytes into a new file with the given mode.
    static func copyFile(_ source: String, to destination: String, mode: mode_t) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw GooseError.errno(source, "cannot open") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard output >= 0 else { throw GooseError.errno(destination, "cannot create") }
        defer { close(output) }
        fchmod(output, mode)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(input, &buffer, buffer.count)
            if count < 0 { if errno == EINTR { continue }; throw GooseError.errno(source, "read failed") }
            if count == 0 { break }
            try buffer.withUnsafeBytes { try writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<count]), to: output, path: destination) }
        }
    }
}
