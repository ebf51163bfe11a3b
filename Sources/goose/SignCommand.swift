import ArgumentParser
import Foundation
import GooseKit

struct SignCommand: ParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign and verify RPMs, repodata and checksum files.",
        discussion: """
        RPMs get an OpenPGP header signature exactly as `rpmsign --addsign` makes it (librpmsign; RSA keys \
        give RSAHEADER, EdDSA keys DSAHEADER). Files get a detached armored signature (repomd.xml.asc) or a \
        clear signature (CHECKSUM). The key is named by fingerprint: --key, else goose.toml's [signing] key. \
        A passphrase comes from gpg-agent or from --passphrase-file/--passphrase-fd (pinentry loopback), \
        never from the command line or the environment.

        Examples:
          goose sign rpm --key 0123456789ABCDEF0123456789ABCDEF01234567 out/*.rpm
          goose sign tag el9
          goose sign verify --keyring RPM-GPG-KEY-goose out/*.rpm
        """,
        subcommands: [SignRPMCommand.self, SignFileCommand.self, SignVerifyCommand.self, SignExportKeyCommand.self, SignTagCommand.self]
    )
}

/// Options naming the signing key and where its secret comes from.
struct SigningOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Fingerprint of the signing key (default: goose.toml's signing.key).", valueName: "fingerprint"))
    var key: String?

    @Option(name: .long, help: ArgumentHelp("GnuPG home holding the key (default: goose.toml's signing.gnupg_home, else $GNUPGHOME).", valueName: "dir"))
    var gnupgHome: String?

    @Option(name: .long, help: ArgumentHelp("Read the key's passphrase from the first line of this file.", valueName: "file"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("Read the key's passphrase from this open file descriptor.", valueName: "fd"))
    var passphraseFd: Int32?

    @Option(name: .long, help: ArgumentHelp("The goose workspace, for its goose.toml [signing] settings (optional).", valueName: "dir"))
    var workspace: String?

    /// The workspace if one is named or found; signing outside a workspace is fine.
    func optionalWorkspace(required: Bool = false) throws -> Workspace? {
        do { return try Workspace.locate(explicit: workspace) } catch {
            if required || workspace != nil { throw error }
            return nil
        }
    }

    func resolve(required: Bool = false) throws -> (fingerprint: String, home: String?, passphrase: Passphrase?, workspace: Workspace?) {
        let workspace = try optionalWorkspace(required: required)
        let configured = workspace?.configuration
        guard let fingerprint = key ?? configured.flatMap({ $0.signingKey.isEmpty ? nil : $0.signingKey }) else {
            throw GooseError.usage("no signing key: pass --key FINGERPRINT or set signing.key in goose.toml")
        }
        var home = gnupgHome.map(FileSystem.absolute)
        if home == nil, let configured, !configured.signingGnupgHome.isEmpty, let workspace {
            home = configured.signingGnupgHome.hasPrefix("/") ? configured.signingGnupgHome : workspace.root + "/" + configured.signingGnupgHome
        }
        if passphraseFile != nil && passphraseFd != nil { throw GooseError.usage("give --passphrase-file or --passphrase-fd, not both") }
        var passphrase: Passphrase?
        if let passphraseFile { passphrase = try Passphrase.read(file: passphraseFile) }
        if let passphraseFd { passphrase = try Passphrase.read(descriptor: passphraseFd) }
        return (fingerprint, home, passphrase, workspace)
    }
}

/// Prints RPM signing results and turns failures into the exit status.
enum SignOutput {
    static func print(_ result: RPMSignResult, _ output: OutputOptions) {
        if output.json {
            Console.json(result)
        } else if result.outcome == .failed {
            Console.error(result.message ?? result.file)
        } else if !output.quiet {
            let label = result.outcome.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            Console.line("\(label) \(result.file)" + (result.outcome == .skipped ? " (already signed by this key)" : ""))
        }
    }

    static func finish(_ results: [RPMSignResult], _ output: OutputOptions) throws {
        let failed = results.filter { $0.outcome == .failed }.count
        if !output.json && !output.quiet {
            let signed = results.filter { $0.outcome == .signed }.count
            let skipped = results.filter { $0.outcome == .skipped }.count
            Console.line("\(signed) signed, \(skipped) already signed, \(failed) failed")
        }
        if failed > 0 { throw ExitCode(4) }
    }

    /// This executable, re-run as `goose _sign-worker` for parallel signing.
    static var executable: String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first.map(FileSystem.absolute)
    }

    /// goose-signature-relay, installed beside this executable.
    static var relayExecutable: String? {
        executable.map { ($0 as NSString).deletingLastPathComponent + "/goose-signature-relay" }
    }

    static func signRPMs(_ files: [String], fingerprint: String, home: String?, passphrase: Passphrase?, resign: Bool, jobs: Int,
                         method: RPMSigningMethod, output: OutputOptions) throws -> [RPMSignResult] {
        // A worker that dies must not kill goose through SIGPIPE; the write error says what happened.
        signal(SIGPIPE, SIG_IGN)
        output.detail("signing \(files.count) packages with \(fingerprint) from \(home ?? "$GNUPGHOME or ~/.gnupg"), method \(method.rawValue), \(jobs) workers"
            + (resign ? ", replacing other keys' signatures" : ""))
        let progress = ProgressBar(total: files.count, label: "signing", enabled: !output.json && !output.quiet && isatty(STDERR_FILENO) != 0)
        let lock = NSLock()
        var settings = RPMSigningSettings(fingerprint: fingerprint, homeDirectory: home, resign: resign)
        settings.method = method
        settings.relayExecutable = relayExecutable
        let results = try RPMSigningRun.run(
            files: files, settings: settings,
            passphrase: passphrase, jobs: jobs, workerExecutable: executable, detail: { output.detail($0) }) { result in
                lock.lock(); defer { lock.unlock() }
                progress.finish()
                print(result, output)
                progress.advance(current: (result.file as NSString).lastPathComponent)
            }
        progress.finish()
        return results
    }
}

struct SignRPMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpm",
        abstract: "Add a header signature to RPMs, as rpmsign --addsign does, in parallel.",
        discussion: """
        Each RPM (or every *.rpm under a DIR) is copied beside itself, signed there with librpmsign (rpmsign), \
        verified with the key, synced and renamed over the original: an interrupted or failed signing leaves \
        the original byte-identical. A package already signed by the key is skipped; one signed by another \
        key is refused unless --resign. The key (and passphrase) are checked before any file is touched. \
        Exit status 4 when any package failed; the others are signed.

        With --signer agent (auto's choice for RSA and EdDSA keys) gpg-agent signs each header digest for \
        goose over one Assuan connection per worker, and goose-signature-relay stands in for gpg in rpmsign, \
        instead of one gpg process per package; the private key never leaves the agent. --signer gpg runs gpg \
        per package as rpmsign does; auto falls back to it for DSA and ECDSA keys and when goose-signature-relay \
        is not installed beside goose (--verbose says why).

        Examples:
          goose sign rpm --key 90CD38B3279F287EB036BAADD6D4B7F1C8B6609A builds/
          goose sign rpm --jobs 4 --passphrase-file ~/.signing-pass *.rpm
          goose sign rpm --resign --json --key $FPR repo/Packages
        """)

    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Packages to sign at once (worker processes).", valueName: "n"))
    var jobs: Int = 2

    @Flag(name: .long, help: "Replace a signature made by another key.")
    var resign = false

    @Option(name: .long, help: ArgumentHelp("How signatures are made: agent (gpg-agent signs each header digest for goose, no gpg process per package), gpg (one gpg per package, as rpmsign), auto (agent for RSA and EdDSA keys, else gpg).", valueName: "auto|agent|gpg"))
    var signer: RPMSigningMethod = .auto

    @Argument(help: ArgumentHelp("RPM files or directories holding them.", valueName: "rpm|dir"))
    var paths: [String]

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let (fingerprint, home, passphrase, _) = try signing.resolve()
        let files = try RPMSigningRun.collect(paths)
        guard !files.isEmpty else { throw GooseError.usage("no RPM files in \(paths.joined(separator: " "))") }
        let results = try SignOutput.signRPMs(files, fingerprint: fingerprint, home: home, passphrase: passphrase, resign: resign, jobs: jobs, method: signer, output: output)
        try SignOutput.finish(results, output)
    }
}

struct SignFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file",
        abstract: "Write a detached armored signature (FILE.asc) or clear-sign a file.",
        discussion: """
        Without --clear each FILE gets FILE.asc (as repomd.xml.asc for dnf's repo_gpgcheck). With --clear \
        the file is replaced by its clear-signed text (as CHECKSUM files of ISOs). Each signature is checked \
        before it is written atomically.

        Exit status: 0; 2 no key given; 3 an invalid goose.toml; 8 the key is missing or its passphrase unusable.

        Examples:
          goose sign file --key $FPR repos/el9/x86_64/repodata/repomd.xml
          goose sign file --clear --key $FPR composes/el9/CHECKSUM
        """)

    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Clear-sign the file in place instead of writing FILE.asc.")
    var clear = false

    @Argument(help: "Files to sign.")
    var files: [String]

    func run() throws {
        let (fingerprint, home, passphrase, _) = try signing.resolve()
        let context = try GPGContext(homeDirectory: home, passphrase: passphrase)
        let key = try context.signingKey(fingerprint: fingerprint)
        output.detail("\(clear ? "clear-signing in place" : "writing detached FILE.asc signatures") with \(key.fingerprint)")
        let written = try FileSigner.sign(files, key: key, context: context, clear: clear)
        for (file, signature) in zip(files, written) {
            if output.json { Console.json(["file": file, "signature": signature, "key": key.fingerprint]) } else if !output.quiet { Console.line("signed   \(signature)") }
        }
    }
}

struct SignVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the signatures of RPMs, detached signatures and clear-signed files.",
        discussion: """
        RPMs are checked by librpm (digests and signatures) against the keys of --keyring (armored public \
        key files, as RPM-GPG-KEY-*), or else the public keys of the GnuPG home; the host's rpmdb is never used. \
        FILE.asc is checked against FILE (and FILE against FILE.asc beside it); clear-signed files against \
        themselves, through gpgme. Each item prints OK, NOT SIGNED, BAD or UNKNOWN KEY; the exit status is 0 \
        only when all are OK (else 4).

        Examples:
          goose sign verify --keyring RPM-GPG-KEY-goose Packages/*.rpm
          goose sign verify --keyring key.asc repodata/repomd.xml.asc CHECKSUM --json
        """)

    @Option(name: .long, help: ArgumentHelp("Public key file to trust (repeatable).", valueName: "file"))
    var keyring: [String] = []

    @Option(name: .long, help: ArgumentHelp("GnuPG home whose public keys to trust when no --keyring is given.", valueName: "dir"))
    var gnupgHome: String?

    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("RPMs and signed files.", valueName: "rpm|file"))
    var paths: [String]

    func run() throws {
        let verifier = try SignatureVerifier(keyFiles: keyring, homeDirectory: gnupgHome.map(FileSystem.absolute))
        output.detail("trusting " + (keyring.isEmpty ? "the public keys of \(gnupgHome ?? "$GNUPGHOME or ~/.gnupg")" : keyring.joined(separator: ", ")))
        var allGood = true
        for path in paths {
            let result = verifier.verify(path)
            if result.status != .ok { allGood = false }
            if output.json {
                Console.json(result)
            } else if !output.quiet || result.status != .ok {
                Console.line("\(result.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(path)" + (result.detail.map { ": \($0)" } ?? ""))
            }
        }
        if !allGood { throw ExitCode(4) }
    }
}

struct SignExportKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-key",
        abstract: "Write the public key as RPM-GPG-KEY-<name> for repos and ISOs.",
        discussion: """
        <name> is --name, else the key's user ID name in lower case with dashes. The file is ASCII-armored, \
        ready for `rpmkeys --import`, a .repo's gpgkey= and the top of an ISO.

        Exit status: 0; 8 the key is not in the keyring.

        Examples:
          goose sign export-key 90CD38B3279F287EB036BAADD6D4B7F1C8B6609A
          goose sign export-key --name goose-9 --output-dir composes/el9 $FPR
        """)

    @Option(name: .long, help: ArgumentHelp("GnuPG home holding the key (default: $GNUPGHOME).", valueName: "dir"))
    var gnupgHome: String?

    @Option(name: .long, help: ArgumentHelp("The <name> in RPM-GPG-KEY-<name>.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Directory to write the key file to.", valueName: "dir"))
    var outputDir: String = "."

    @OptionGroup var output: OutputOptions

    @Argument(help: "Fingerprint of the key.")
    var fingerprint: String

    func run() throws {
        let context = try GPGContext(homeDirectory: gnupgHome.map(FileSystem.absolute))
        output.detail("exporting \(fingerprint) from \(gnupgHome ?? "$GNUPGHOME or ~/.gnupg") to \(outputDir)")
        let path = try FileSigner.exportKey(fingerprint: fingerprint, context: context, name: name, directory: outputDir)
        if output.json { Console.json(["file": path, "key": try context.publicKey(fingerprint: fingerprint).fingerprint]) } else { Console.line(path) }
    }
}

struct SignTagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Sign every RPM of every build in a tag and record the key in build.json.",
        discussion: """
        Reads tags/TAG (one NVR per line), signs each build's RPMs as `goose sign rpm` does, and sets \
        signed_by (and the new sha256) of each signed or already-signed RPM in the build's build.json, under \
        the build's lock. mash requires those records.

        Exit status: 0; 4 when any package failed (the others are signed); 2 no key given or an empty tag; \
        3 no workspace, or an invalid goose.toml, or an unknown tag; 8 the key or its passphrase is unusable.

        Examples:
          goose sign tag el9-candidate --key 90CD38B3279F287EB036BAADD6D4B7F1C8B6609A
          goose sign tag --jobs 4 el9-candidate
        """)

    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Packages to sign at once (worker processes).", valueName: "n"))
    var jobs: Int = 2

    @Flag(name: .long, help: "Replace a signature made by another key.")
    var resign = false

    @Option(name: .long, help: ArgumentHelp("How signatures are made: agent (gpg-agent signs each header digest for goose, no gpg process per package), gpg (one gpg per package, as rpmsign), auto (agent for RSA and EdDSA keys, else gpg).", valueName: "auto|agent|gpg"))
    var signer: RPMSigningMethod = .auto

    @Argument(help: "The tag.")
    var tag: String

    func run() throws {
        let (fingerprint, home, passphrase, workspace) = try signing.resolve(required: true)
        guard let workspace else { throw GooseError.workspace("goose sign tag needs a workspace") }
        let artifacts = try TagSigning.artifacts(inTag: tag, workspace: workspace)
        guard !artifacts.isEmpty else { throw GooseError.usage("tag '\(tag)' has no RPMs to sign") }
        let results = try SignOutput.signRPMs(artifacts.map(\.path), fingerprint: fingerprint, home: home, passphrase: passphrase,
                                              resign: resign, jobs: jobs, method: signer, output: output)
        let key = try GPGContext(homeDirectory: home, passphrase: passphrase).signingKey(fingerprint: fingerprint)
        try TagSigning.record(results, artifacts: artifacts, key: key, workspace: workspace)
        try SignOutput.finish(results, output)
    }
}

/// The worker process that `goose sign rpm --jobs N` starts; not for people.
struct SignWorkerCommand: ParsableCommand, StartsWithRPM {
    static let configuration = CommandConfiguration(commandName: "_sign-worker", abstract: "Internal: one signing worker.", shouldDisplay: false)

    func run() throws {
        SignWorker.serve()
    }
}

extension RPMSigningMethod: ExpressibleByArgument {}
