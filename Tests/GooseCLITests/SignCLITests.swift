import Foundation
import XCTest

/// End-to-end tests of `goose sign`: throwaway keys in a temporary GNUPGHOME, fixture RPMs signed by the built
/// binary, and the results checked by rpmkeys, rpm and gpg.
final class SignCLITests: XCTestCase {
    /// A temporary GnuPG home with its keys; its gpg-agent is stopped at teardown.
    private struct KeyHome {
        var home: String
        var environment: [String: String] { ["GNUPGHOME": home] }
    }

    private func temporaryDirectory() throws -> String {
        // Short: gpg-agent's socket path must fit in sun_path.
        let path = "/tmp/gs-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    @discardableResult
    private func program(_ path: String, _ arguments: [String], _ keys: KeyHome? = nil, input: String? = nil,
                         file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        try GooseBinary.runProgram(path, arguments, environment: keys?.environment ?? [:], standardInput: input)
    }

    private func goose(_ arguments: [String], _ keys: KeyHome) throws -> GooseBinary.Output {
        try GooseBinary.run(arguments, environment: keys.environment)
    }

    private func makeHome(_ parent: String) throws -> KeyHome {
        let home = parent + "/gnupg"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        addTeardownBlock { _ = try? GooseBinary.runProgram("/usr/bin/gpgconf", ["--kill", "all"], environment: ["GNUPGHOME": home]) }
        return KeyHome(home: home)
    }

    /// Generates a key and returns its fingerprint.
    private func generateKey(_ keys: KeyHome, name: String, algorithm: String, passphrase: String = "", expire: String = "never",
                             extra: [String] = []) throws -> String {
        let result = try program("/usr/bin/gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase] + extra
                                 + ["--quick-gen-key", "\(name) <\(name)@example.org>", algorithm, "sign", expire], keys)
        XCTAssertEqual(result.status, 0, result.stderr)
        let list = try program("/usr/bin/gpg", ["--with-colons", "--list-keys", "\(name)@example.org"], keys)
        let fpr = list.stdout.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":", omittingEmptySubsequences: false)[9]
        return String(try XCTUnwrap(fpr))
    }

    /// Writable copies of unsigned fixture RPMs.
    private func copyFixtures(to directory: String, count: Int = 4) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sources = try FileManager.default.contentsOfDirectory(atPath: GooseBinary.fixtures + "/rpms/go-rpmutils").sorted()
            .map { GooseBinary.fixtures + "/rpms/go-rpmutils/" + $0 }
            + [GooseBinary.fixtures + "/rpms/el7-git218/git-subtree-2.18.1-3.el7.x86_64.rpm"]
        var copies: [String] = []
        for index in 0..<count {
            let source = sources[index % sources.count]
            let copy = directory + "/\(index)-" + (source as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: source, toPath: copy)
            chmod(copy, 0o644)
            copies.append(copy)
        }
        return copies
    }

    /// `rpmkeys --checksig` with only `keyFile` imported into a temporary rpmdb.
    private func rpmCheck(_ files: [String], keyFile: String, _ parent: String) throws -> GooseBinary.Output {
        let database = parent + "/rpmdb-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: true)
        let imported = try program("/usr/bin/rpmkeys", ["--dbpath", database, "--import", keyFile])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        return try program("/usr/bin/rpmkeys", ["--dbpath", database, "--checksig"] + files)
    }

    private func flipByte(_ path: String, at offset: Int) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: path))
    }

    private func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    // MARK: - RPMs, verified by rpmkeys

    func testSignsRPMsWithRSAAndEd25519AsRpmsignWould() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        for (algorithm, tag) in [("rsa3072", "RSAHEADER"), ("ed25519", "DSAHEADER")] {
            let fingerprint = try generateKey(keys, name: "goose-\(algorithm)", algorithm: algorithm)
            let files = try copyFixtures(to: parent + "/\(algorithm)", count: 6)
            let signed = try goose(["sign", "rpm", "--jobs", "2", "--key", fingerprint, parent + "/\(algorithm)"], keys)
            XCTAssertEqual(signed.status, 0, signed.stderr)
            XCTAssertTrue(signed.stdout.contains("6 signed, 0 already signed, 0 failed"), signed.stdout)

            let exported = try goose(["sign", "export-key", "--output-dir", parent, fingerprint], keys)
            XCTAssertEqual(exported.status, 0, exported.stderr)
            let keyFile = parent + "/RPM-GPG-KEY-goose-\(algorithm)"
            XCTAssertEqual(exported.stdout.trimmingCharacters(in: .whitespacesAndNewlines), keyFile)

            let check = try rpmCheck(files, keyFile: keyFile, parent)
            XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
            XCTAssertEqual(check.stdout.components(separatedBy: ": digests signatures OK\n").count - 1, files.count, check.stdout)
            // rpm 4.18 puts an RSA key's signature in RSAHEADER and an EdDSA key's in DSAHEADER.
            let query = try program("/usr/bin/rpm", ["-qp", "--qf", "%{\(tag):pgpsig}\n", files[0]])
            XCTAssertTrue(query.stdout.contains("Key ID \(fingerprint.suffix(16).lowercased())"), query.stdout)

            let again = try goose(["sign", "rpm", "--key", fingerprint] + files, keys)
            XCTAssertEqual(again.status, 0, again.stderr)
            XCTAssertTrue(again.stdout.contains("0 signed, 6 already signed"), again.stdout)

            let verified = try goose(["sign", "verify", "--json", "--keyring", keyFile] + files, keys)
            XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
            XCTAssertEqual(verified.stdout.components(separatedBy: "\"status\":\"OK\"").count - 1, files.count, verified.stdout)

            // A flipped byte in the payload: rpmkeys and goose both refuse.
            let size = try XCTUnwrap(contents(files[1])).count
            try flipByte(files[1], at: size - 10)
            let badCheck = try rpmCheck([files[1]], keyFile: keyFile, parent)
            XCTAssertNotEqual(badCheck.status, 0, badCheck.stdout)
            let badVerify = try goose(["sign", "verify", "--keyring", keyFile, files[1]], keys)
            XCTAssertEqual(badVerify.status, 4)
            XCTAssertTrue(badVerify.stdout.hasPrefix("BAD"), badVerify.stdout)
        }
    }

    func testOutputMatchesRpmsignAddsign() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "same", algorithm: "rsa2048")
        // RSA (PKCS#1 v1.5) signatures are deterministic: made in the same second, the files must be identical.
        var identical = 0
        for attempt in 0..<3 where identical == 0 {
            let ours = try copyFixtures(to: parent + "/goose-\(attempt)", count: 3)
            let theirs = try copyFixtures(to: parent + "/rpmsign-\(attempt)", count: 3)
            XCTAssertEqual(try goose(["sign", "rpm", "--jobs", "1", "--key", fingerprint] + ours, keys).status, 0)
            let rpmsign = try program("/usr/bin/rpmsign", ["--define", "_gpg_name \(fingerprint)", "--define", "__gpg /usr/bin/gpg",
                                                           "--define", "_gpg_digest_algo sha256", "--addsign"] + theirs, keys)
            XCTAssertEqual(rpmsign.status, 0, rpmsign.stderr)
            for (mine, reference) in zip(ours, theirs) {
                let query = { (file: String) in try self.program("/usr/bin/rpm", ["-qp", "--qf", "%{RSAHEADER:pgpsig}", file]).stdout }
                XCTAssertEqual(try XCTUnwrap(contents(mine)).count, try XCTUnwrap(contents(reference)).count)
                if try query(mine) == query(reference) {
                    XCTAssertEqual(contents(mine), contents(reference), "\(mine) differs from rpmsign's \(reference)")
                    identical += 1
                }
            }
        }
        XCTAssertGreaterThan(identical, 0, "no pair was signed in the same second")
    }

    func testVerifyReportsUnsignedAndUnknownKey() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "signer", algorithm: "ed25519")
        let other = try generateKey(keys, name: "other", algorithm: "ed25519")
        let files = try copyFixtures(to: parent + "/rpms", count: 2)
        XCTAssertEqual(try goose(["sign", "rpm", "--key", fingerprint, files[0]], keys).status, 0)
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, other], keys).status, 0)
        let result = try goose(["sign", "verify", "--keyring", parent + "/RPM-GPG-KEY-other"] + files, keys)
        XCTAssertEqual(result.status, 4)
        XCTAssertTrue(result.stdout.contains("UNKNOWN KEY  \(files[0])"), result.stdout)
        XCTAssertTrue(result.stdout.contains("NOT SIGNED   \(files[1])"), result.stdout)
    }

    func testAnotherKeysSignatureIsRefusedUnlessResign() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let first = try generateKey(keys, name: "first", algorithm: "ed25519")
        let second = try generateKey(keys, name: "second", algorithm: "rsa2048")
        let file = try copyFixtures(to: parent + "/rpms", count: 1)[0]
        XCTAssertEqual(try goose(["sign", "rpm", "--key", first, file], keys).status, 0)
        let signedByFirst = contents(file)
        let refused = try goose(["sign", "rpm", "--key", second, file], keys)
        XCTAssertEqual(refused.status, 4)
        XCTAssertTrue(refused.stderr.contains("signed by another key"), refused.stderr)
        XCTAssertEqual(contents(file), signedByFirst)
        // --json: one record on stdout and nothing else (librpmsign's own "<file>:" line stays out of it).
        let resigned = try goose(["sign", "rpm", "--resign", "--json", "--key", second, file], keys)
        XCTAssertEqual(resigned.status, 0, resigned.stderr)
        XCTAssertEqual(resigned.stdout.split(separator: "\n").count, 1, resigned.stdout)
        XCTAssertTrue(resigned.stdout.hasPrefix("{") && resigned.stdout.contains("\"outcome\":\"signed\""), resigned.stdout)
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, second], keys).status, 0)
        let check = try rpmCheck([file], keyFile: parent + "/RPM-GPG-KEY-second", parent)
        XCTAssertTrue(check.stdout.hasSuffix(": digests signatures OK\n"), check.stdout)
        // --quiet: nothing at all on stdout or stderr.
        let quiet = try goose(["sign", "rpm", "--resign", "--quiet", "--key", first, file], keys)
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stdout + quiet.stderr, "")
    }

    // MARK: - Files, verified by gpg

    func testDetachedAndClearSignaturesVerifyWithGPG() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "repo", algorithm: "rsa3072")
        let repomd = parent + "/repomd.xml", checksum = parent + "/CHECKSUM"
        try Data("<repomd/>\n".utf8).write(to: URL(fileURLWithPath: repomd))
        try Data("SHA256 (x.iso) = 00ff\n".utf8).write(to: URL(fileURLWithPath: checksum))
        XCTAssertEqual(try goose(["sign", "file", "--key", fingerprint, repomd], keys).status, 0)
        XCTAssertEqual(try goose(["sign", "file", "--clear", "--key", fingerprint, checksum], keys).status, 0)
        XCTAssertTrue(String(decoding: try XCTUnwrap(contents(repomd + ".asc")), as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----"))
        XCTAssertEqual(try program("/usr/bin/gpg", ["--verify", repomd + ".asc", repomd], keys).status, 0)
        XCTAssertEqual(try program("/usr/bin/gpg", ["--verify", checksum], keys).status, 0)
        let verified = try goose(["sign", "verify", repomd + ".asc", checksum], keys)
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)

        try flipByte(repomd, at: 2)
        var text = String(decoding: try XCTUnwrap(contents(checksum)), as: UTF8.self)
        text = text.replacingOccurrences(of: "00ff", with: "00fe")
        try Data(text.utf8).write(to: URL(fileURLWithPath: checksum))
        XCTAssertNotEqual(try program("/usr/bin/gpg", ["--verify", repomd + ".asc", repomd], keys).status, 0)
        XCTAssertNotEqual(try program("/usr/bin/gpg", ["--verify", checksum], keys).status, 0)
        let bad = try goose(["sign", "verify", repomd + ".asc", checksum], keys)
        XCTAssertEqual(bad.status, 4)
        XCTAssertEqual(bad.stdout.components(separatedBy: "BAD ").count - 1, 2, bad.stdout)
    }

    /// A clear-signed CHECKSUM with lines outside its signed block: gpg --verify passes it (it checks the block only),
    /// sign verify does not, since a reader of the whole file would trust the unsigned lines.
    func testClearSignedFileWithUnsignedLinesIsBad() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "repo", algorithm: "ed25519")
        let checksum = parent + "/CHECKSUM"
        try Data("SHA256 (x.iso) = 00ff\n".utf8).write(to: URL(fileURLWithPath: checksum))
        XCTAssertEqual(try goose(["sign", "file", "--clear", "--key", fingerprint, checksum], keys).status, 0)
        let signed = try XCTUnwrap(contents(checksum))
        let forged = Data("SHA256 (evil.iso) = dead\n".utf8)
        for (name, body) in [("after", signed + forged), ("before", forged + signed), ("twice", signed + signed)] {
            try body.write(to: URL(fileURLWithPath: parent + "/" + name))
            let result = try goose(["sign", "verify", parent + "/" + name], keys)
            XCTAssertEqual(result.status, 4, name + ": " + result.stdout)
            XCTAssertTrue(result.stdout.hasPrefix("BAD "), name + ": " + result.stdout)
        }
        XCTAssertEqual(try program("/usr/bin/gpg", ["--verify", parent + "/after"], keys).status, 0, "gpg checks the block only")
        try (signed + Data("\n\n".utf8)).write(to: URL(fileURLWithPath: parent + "/blank"))
        XCTAssertEqual(try goose(["sign", "verify", parent + "/blank"], keys).status, 0)
    }

    /// sign file refuses what it must not replace (a clear signature rewrites the file): a read-only file, a symbolic
    /// link, a directory; export-key refuses a --name that is not a file-name part; a key that needs a passphrase nobody
    /// gave says so. Each is one line and touches nothing.
    func testFileSigningRefusalsAndKeyNames() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "files", algorithm: "ed25519")
        let readOnly = parent + "/ro", target = parent + "/target", link = parent + "/link"
        try Data("ro\n".utf8).write(to: URL(fileURLWithPath: readOnly))
        chmod(readOnly, 0o444)
        try Data("t\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        for (file, mentions) in [(readOnly, "read-only file"), (link, "a symbolic link"), (parent, "a directory")] {
            let result = try goose(["sign", "file", "--clear", "--key", fingerprint, file], keys)
            XCTAssertNotEqual(result.status, 0, file)
            XCTAssertTrue(result.stderr.contains(mentions), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        XCTAssertEqual(contents(readOnly), Data("ro\n".utf8))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), target)
        XCTAssertEqual(contents(target), Data("t\n".utf8))

        let out = parent + "/keys"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for name in ["../../evil", "a/b", "", ".hidden"] {
            XCTAssertEqual(try goose(["sign", "export-key", "--name", name, "--output-dir", out, fingerprint], keys).status, 2, name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/evil"))

        let locked = try generateKey(keys, name: "locked", algorithm: "ed25519", passphrase: "correct horse")
        let needsPassphrase = try goose(["sign", "file", "--key", locked, target], keys)
        XCTAssertEqual(needsPassphrase.status, 8, needsPassphrase.stderr)
        XCTAssertTrue(needsPassphrase.stderr.contains("needs its passphrase"), needsPassphrase.stderr)
        XCTAssertEqual(needsPassphrase.stderr.split(separator: "\n").count, 1, needsPassphrase.stderr)
    }

    // MARK: - Faults and bad input

    func testBadPackagesAreReportedAndGoodOnesSigned() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "batch", algorithm: "ed25519")
        let directory = parent + "/rpms"
        let good = try copyFixtures(to: directory, count: 4)
        let notRPM = directory + "/notes.rpm", truncated = directory + "/truncated.rpm", readOnly = directory + "/readonly.rpm"
        try Data("not a package\n".utf8).write(to: URL(fileURLWithPath: notRPM))
        try XCTUnwrap(contents(good[3])).prefix(3000).write(to: URL(fileURLWithPath: truncated))
        try FileManager.default.copyItem(atPath: good[0], toPath: readOnly)
        chmod(readOnly, 0o444)
        let before = [notRPM, truncated, readOnly].map(contents)

        let result = try goose(["sign", "rpm", "--jobs", "2", "--key", fingerprint, directory], keys)
        XCTAssertEqual(result.status, 4, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("4 signed, 0 already signed, 3 failed"), result.stdout)
        for line in result.stderr.split(separator: "\n") { XCTAssertTrue(line.hasPrefix("goose: \(directory)/"), String(line)) }
        XCTAssertTrue(result.stderr.contains("notes.rpm: not an RPM"), result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated.rpm:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("readonly.rpm: read-only file"), result.stderr)
        XCTAssertEqual([notRPM, truncated, readOnly].map(contents), before)
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, fingerprint], keys).status, 0)
        let check = try rpmCheck(good, keyFile: parent + "/RPM-GPG-KEY-batch", parent)
        XCTAssertEqual(check.status, 0, check.stdout)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnusableKeysFailBeforeAnyFileIsTouched() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let files = try copyFixtures(to: parent + "/rpms", count: 2)
        let before = files.map(contents)
        func refused(_ arguments: [String], _ home: KeyHome, mentions: String, line: UInt = #line) throws {
            let result = try goose(["sign", "rpm"] + arguments + files, home)
            XCTAssertEqual(result.status, 8, result.stderr, line: line)
            XCTAssertTrue(result.stderr.contains(mentions), result.stderr, line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, line: line)
            XCTAssertEqual(files.map(contents), before, line: line)
        }
        try refused(["--key", "0123456789ABCDEF0123456789ABCDEF01234567"], keys, mentions: "not found")

        // Public part only: another home that imported the exported key.
        let owner = try generateKey(keys, name: "owner", algorithm: "ed25519")
        let publicOnly = try makeHome(parent + "/public")
        let exported = try program("/usr/bin/gpg", ["--armor", "--export", owner], keys)
        XCTAssertEqual(try program("/usr/bin/gpg", ["--batch", "--import"], publicOnly, input: exported.stdout).status, 0)
        try refused(["--key", owner], publicOnly, mentions: "no secret part")
        // Exporting needs only the public key.
        let export = try goose(["sign", "export-key", "--name", "public", "--output-dir", parent, owner], publicOnly)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: parent + "/RPM-GPG-KEY-public"))

        // Made in 2020 with one day of validity.
        let expired = try generateKey(keys, name: "expired", algorithm: "ed25519", expire: "1d", extra: ["--faked-system-time", "20200101T000000"])
        try refused(["--key", expired], keys, mentions: "expired")

        let revoked = try generateKey(keys, name: "revoked", algorithm: "ed25519")
        let certificate = String(decoding: try XCTUnwrap(contents(keys.home + "/openpgp-revocs.d/\(revoked).rev")), as: UTF8.self)
            .replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN")
        XCTAssertEqual(try program("/usr/bin/gpg", ["--batch", "--import"], keys, input: certificate).status, 0)
        try refused(["--key", revoked], keys, mentions: "revoked")

        // Wrong passphrase first: once the right one is used, gpg-agent caches it.
        let locked = try generateKey(keys, name: "locked", algorithm: "rsa2048", passphrase: "correct horse")
        try Data("wrong\n".utf8).write(to: URL(fileURLWithPath: parent + "/wrong"))
        try refused(["--key", locked, "--passphrase-file", parent + "/wrong"], keys, mentions: "passphrase")
        try Data("correct horse\n".utf8).write(to: URL(fileURLWithPath: parent + "/right"))
        let signed = try goose(["sign", "rpm", "--jobs", "2", "--key", locked, "--passphrase-file", parent + "/right"] + files, keys)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertFalse((signed.stdout + signed.stderr).contains("correct horse"))
    }

    func testAgentAndGpgMethodsAndTheAgentsPassphraseInquiry() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        // No passphrase cache: every signature the agent makes asks goose for the passphrase (loopback inquiry).
        try Data("default-cache-ttl 0\nmax-cache-ttl 0\n".utf8).write(to: URL(fileURLWithPath: keys.home + "/gpg-agent.conf"))
        let locked = try generateKey(keys, name: "inquiry", algorithm: "rsa2048", passphrase: "s3cret words")
        XCTAssertEqual(try program("/usr/bin/gpgconf", ["--kill", "gpg-agent"], keys).status, 0)
        try Data("s3cret words\n".utf8).write(to: URL(fileURLWithPath: parent + "/pass"))
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, locked], keys).status, 0)
        for method in ["agent", "gpg"] {
            let files = try copyFixtures(to: parent + "/" + method, count: 5)
            let signed = try goose(["sign", "rpm", "--verbose", "--signer", method, "--jobs", "2", "--key", locked, "--passphrase-file", parent + "/pass"] + files, keys)
            XCTAssertEqual(signed.status, 0, method + ": " + signed.stderr)
            // The second worker's own agent reads the same protected key file and asks goose for the passphrase too.
            if method == "agent" { XCTAssertTrue(signed.stderr.contains("2 gpg-agents sign for 2 workers"), signed.stderr) }
            let check = try rpmCheck(files, keyFile: parent + "/RPM-GPG-KEY-inquiry", parent)
            XCTAssertEqual(check.stdout.components(separatedBy: ": digests signatures OK\n").count - 1, files.count, method + ": " + check.stdout)
        }

        // DSA: the agent method refuses before touching anything; auto falls back to gpg and --verbose says why.
        let dsa = try generateKey(keys, name: "dsa", algorithm: "dsa2048")
        let files = try copyFixtures(to: parent + "/dsa", count: 2)
        let before = files.map(contents)
        let refused = try goose(["sign", "rpm", "--signer", "agent", "--key", dsa] + files, keys)
        XCTAssertEqual(refused.status, 8, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("use --signer gpg"), refused.stderr)
        XCTAssertEqual(files.map(contents), before)
        let fallback = try goose(["sign", "rpm", "--verbose", "--signer", "auto", "--key", dsa] + files, keys)
        XCTAssertEqual(fallback.status, 0, fallback.stderr)
        XCTAssertTrue(fallback.stderr.contains("method auto: one gpg per package, as gpg-agent cannot sign for goose: key \(dsa): gpg-agent cannot sign for goose with a"), fallback.stderr)
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, dsa], keys).status, 0)
        XCTAssertEqual(try rpmCheck(files, keyFile: parent + "/RPM-GPG-KEY-dsa", parent).status, 0)
    }

    /// Each further worker signs through a gpg-agent of its own that reads GNUPGHOME's key files through a link (no
    /// copy of the key); it is gone when the run ends, and one a killed run left is stopped by the next run. A key
    /// whose passphrase only the user's agent has cached is not shared: that agent signs for every worker.
    func testFurtherWorkersSignThroughAgentsOfTheirOwn() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "shared", algorithm: "rsa2048")
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, fingerprint], keys).status, 0)
        let files = try copyFixtures(to: parent + "/rpms", count: 12)
        // A leftover of a killed run: a running agent in a home named after a process that no longer exists.
        let stale = keys.home + "/.goose-agent.999999.1"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        XCTAssertEqual(try program("/usr/bin/gpgconf", ["--homedir", stale, "--launch", "gpg-agent"]).status, 0)
        let agentsOf = { (home: String) -> String in (try? self.program("/usr/bin/pgrep", ["-f", "gpg-agent --homedir " + home]))?.stdout ?? "" }
        XCTAssertFalse(agentsOf(stale).isEmpty)

        let signed = try goose(["sign", "rpm", "--verbose", "--jobs", "3", "--key", fingerprint, parent + "/rpms"], keys)
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertTrue(signed.stderr.contains("3 gpg-agents sign for 3 workers (2 started over the same key files)"), signed.stderr)
        let check = try rpmCheck(files, keyFile: parent + "/RPM-GPG-KEY-shared", parent)
        XCTAssertEqual(check.stdout.components(separatedBy: ": digests signatures OK\n").count - 1, files.count, check.stdout)
        let left = try FileManager.default.contentsOfDirectory(atPath: keys.home).filter { $0.hasPrefix(".goose-agent.") }
        XCTAssertEqual(left, [], "the run's agents and the stale one are gone")
        XCTAssertTrue(agentsOf(keys.home + "/.goose-agent.").isEmpty, agentsOf(keys.home + "/.goose-agent."))
        XCTAssertTrue(FileManager.default.fileExists(atPath: keys.home + "/private-keys-v1.d"))
        XCTAssertEqual(try program("/usr/bin/gpg", ["--list-secret-keys", fingerprint], keys).status, 0, "the key files are intact")

        // A protected key whose passphrase is cached in the user's agent only (gpg signed with it once).
        let locked = try generateKey(keys, name: "cached", algorithm: "rsa2048", passphrase: "only the agent knows")
        try Data("warm the agent's passphrase cache\n".utf8).write(to: URL(fileURLWithPath: parent + "/warm"))
        let warm = try program("/usr/bin/gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "only the agent knows",
                                                "-u", locked, "--detach-sign", parent + "/warm"], keys)
        XCTAssertEqual(warm.status, 0, warm.stderr)
        let more = try copyFixtures(to: parent + "/locked", count: 4)
        let lockedRun = try goose(["sign", "rpm", "--verbose", "--jobs", "2", "--key", locked] + more, keys)
        XCTAssertEqual(lockedRun.status, 0, lockedRun.stderr)
        XCTAssertTrue(lockedRun.stderr.contains("one gpg-agent signs for 2 workers"), lockedRun.stderr)
        // The agent launched for the second worker while the key was checked is stopped again.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: keys.home).filter { $0.hasPrefix(".goose-agent.") }, [])
        XCTAssertTrue(agentsOf(keys.home + "/.goose-agent.").isEmpty, agentsOf(keys.home + "/.goose-agent."))
    }

    func testKillDuringABatchLeavesEveryFileWholeOrUntouched() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "kill", algorithm: "ed25519")
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, fingerprint], keys).status, 0)
        let keyFile = parent + "/RPM-GPG-KEY-kill"
        var interrupted = 0
        for trial in 0..<8 {
            let directory = parent + "/trial-\(trial)"
            let files = try copyFixtures(to: directory, count: 24)
            let originals = Dictionary(uniqueKeysWithValues: files.map { ($0, contents($0)) })
            let running = try GooseBinary.start(["sign", "rpm", "--jobs", "2", "--key", fingerprint, directory], environment: keys.environment)
            // Killed once signing is under way (its scratch directory exists) and a little later each trial, so that the
            // kills land at different points of the batch however fast the machine signs.
            let underWay = Date().addingTimeInterval(60)
            while running.isRunning, Date() < underWay,
                  try !FileManager.default.contentsOfDirectory(atPath: directory).contains(where: { $0.hasPrefix(".goose-sign.") }) {
                usleep(1_000)
            }
            usleep(UInt32(trial * 12_000))
            running.kill()
            let output = running.wait()
            if output.status != 0 { interrupted += 1 }
            // Workers stop within moments of goose (they watch their parent): none may still be renaming files when the
            // files are checked.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, try GooseBinary.runProgram("/bin/sh", ["-c", "pgrep -f -- '[ ]_sign-worker'"]).status == 0 {
                usleep(20_000)
            }
            XCTAssertNotEqual(try GooseBinary.runProgram("/bin/sh", ["-c", "pgrep -f -- '[ ]_sign-worker'"]).status, 0, "trial \(trial): workers outlived goose")
            for file in files where contents(file) != originals[file]! {
                let check = try rpmCheck([file], keyFile: keyFile, parent)
                XCTAssertTrue(check.stdout.hasSuffix(": digests signatures OK\n"), "trial \(trial): \(check.stdout)")
            }
            // The next run signs the rest and clears what the killed one left.
            let rerun = try goose(["sign", "rpm", "--key", fingerprint, directory], keys)
            XCTAssertEqual(rerun.status, 0, rerun.stderr)
            XCTAssertEqual(try rpmCheck(files, keyFile: keyFile, parent).status, 0)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }, [])
        }
        XCTAssertGreaterThan(interrupted, 0, "no trial was interrupted mid-batch")
    }

    /// The relay as rpmsign runs it (bytes to sign on stdin), against a stand-in for goose's end of its socket: in goose's
    /// scratch directories every signature file is a new name for one buffer inode (rpm unlinks the name after reading
    /// it), so that a long run does not create and delete an inode per signature; elsewhere each is a file of its own.
    func testRelayWritesSignatureFilesThroughOneBufferInodeInScratchDirectories() throws {
        let parent = try temporaryDirectory()
        let relay = (try GooseBinary.executable() as NSString).deletingLastPathComponent + "/goose-signature-relay"
        let socketPath = parent + "/socket"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 4), 0)
        defer { close(listener) }
        // Answers each request with a "packet" naming the bytes it was asked to sign.
        @Sendable func answerOne() {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var request: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while request.count < 8 || request.count < 8 + Int(request[0]) {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                request += chunk[0..<count]
            }
            let payload = Array("signed:".utf8) + request[8...]
            let answer = [UInt8(0)] + (0..<8).map { UInt8(truncatingIfNeeded: payload.count >> (8 * $0)) } + payload
            _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        }
        func sign(_ signatureFile: String, _ text: String) throws -> GooseBinary.Output {
            let served = Thread { answerOne() }
            served.start()
            return try GooseBinary.runProgram(relay, [socketPath, signatureFile, "-"], standardInput: text)
        }
        func inode(_ path: String) -> ino_t {
            var status = stat()
            return stat(path, &status) == 0 ? status.st_ino : 0
        }

        let scratch = parent + "/packages/.goose-sign.1.abcdef"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for (index, text) in ["first header", "second, longer header"].enumerated() {
            let result = try sign(scratch + "/\(index).rpm.sig", text)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try String(contentsOfFile: scratch + "/\(index).rpm.sig", encoding: .utf8), "signed:" + text)
            XCTAssertEqual(inode(scratch + "/\(index).rpm.sig"), inode(scratch + "/.signature-buffer"))
            // rpm reads the file, then unlinks it; the buffer stays for the next signature.
            XCTAssertEqual(unlink(scratch + "/\(index).rpm.sig"), 0)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [".signature-buffer"])

        let elsewhere = parent + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let plain = try sign(elsewhere + "/x.rpm.sig", "a header")
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try String(contentsOfFile: elsewhere + "/x.rpm.sig", encoding: .utf8), "signed:a header")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), ["x.rpm.sig"])
    }

    // MARK: - Workspace

    func testSignTagRecordsTheKeyInBuildJSON() throws {
        let parent = try temporaryDirectory()
        let keys = try makeHome(parent)
        let fingerprint = try generateKey(keys, name: "tag", algorithm: "rsa2048")
        let workspace = parent + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        let buildDirectory = workspace + "/builds/simple/1.0.1/1"
        try FileManager.default.createDirectory(atPath: buildDirectory + "/i386", withIntermediateDirectories: true)
        let rpm = buildDirectory + "/i386/simple-1.0.1-1.i386.rpm"
        try FileManager.default.copyItem(atPath: GooseBinary.fixtures + "/rpms/go-rpmutils/simple-1.0.1-1.i386.rpm", toPath: rpm)
        chmod(rpm, 0o644)
        let record = """
        {"name":"simple","version":"1.0.1","release":"1","origin":"imported","state":"complete","artifacts":[
        {"path":"i386/simple-1.0.1-1.i386.rpm","name":"simple","version":"1.0.1","release":"1","arch":"i386","sha256":"0"}]}
        """
        try Data(record.utf8).write(to: URL(fileURLWithPath: buildDirectory + "/build.json"))
        try Data("simple-1.0.1-1\n".utf8).write(to: URL(fileURLWithPath: workspace + "/tags/el9-candidate"))
        let configuration = try String(contentsOfFile: workspace + "/goose.toml", encoding: .utf8)
            .replacingOccurrences(of: "key = \"\"", with: "key = \"\(fingerprint)\"")
            .replacingOccurrences(of: "gnupg_home = \"\"", with: "gnupg_home = \"\(keys.home)\"")
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: workspace + "/goose.toml"))

        let result = try GooseBinary.run(["sign", "tag", "--workspace", workspace, "el9-candidate"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let json = try JSONSerialization.jsonObject(with: try XCTUnwrap(contents(buildDirectory + "/build.json"))) as? [String: Any]
        let artifact = try XCTUnwrap((json?["artifacts"] as? [[String: Any]])?.first)
        XCTAssertEqual(artifact["signed_by"] as? String, fingerprint)
        let sha = try program("/usr/bin/sha256sum", [rpm])
        XCTAssertEqual(artifact["sha256"] as? String, String(sha.stdout.prefix(64)))
        XCTAssertEqual(try goose(["sign", "export-key", "--output-dir", parent, fingerprint], keys).status, 0)
        XCTAssertTrue(try rpmCheck([rpm], keyFile: parent + "/RPM-GPG-KEY-tag", parent).stdout.hasSuffix("digests signatures OK\n"))
    }
}
