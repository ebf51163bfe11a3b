import Foundation

/// The verdict on one signed item, as `goose sign verify` prints it.
public struct VerificationResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok = "OK"
        case notSigned = "NOT SIGNED"
        case bad = "BAD"
        case unknownKey = "UNKNOWN KEY"
    }

    public var file: String
    public var status: Status
    public var detail: String?

    public init(file: String, status: Status, detail: String? = nil) {
        self.file = file
        self.status = status
        self.detail = detail
    }
}

/// Checks RPMs through librpm (a keyring of given public keys, never the host's rpmdb) and detached or
/// clear-signed files through gpgme.
public final class SignatureVerifier {
    private let rpmKeyring: RPMKeyring
    private let gpgHome: String?
    private let scratch: String

    /// With key files: those keys only (imported into a scratch GNUPGHOME for files); else the public keys of
    /// `homeDirectory` (or $GNUPGHOME).
    public init(keyFiles: [String], homeDirectory: String?) throws {
        scratch = try FileSystem.makeTemporaryDirectory(in: NSTemporaryDirectory(), prefix: "goose-verify.")
        chmod(scratch, 0o700)
        do {
            if keyFiles.isEmpty {
                let context = try GPGContext(homeDirectory: homeDirectory)
                var files: [String] = []
                // rpmPubkeyRead takes one key per file.
                for (index, fingerprint) in try context.publicKeyFingerprints().enumerated() {
                    let path = scratch + "/key-\(index).asc"
                    try AtomicFileWriter.write(try context.exportPublicKey(fingerprint: fingerprint), to: path)
                    files.append(path)
                }
                rpmKeyring = try RPMKeyring(keyFiles: files)
                gpgHome = homeDirectory
            } else {
                rpmKeyring = try RPMKeyring(keyFiles: keyFiles)
                let home = scratch + "/gnupg"
                try FileSystem.createDirectory(home)
                chmod(home, 0o700)
                let context = try GPGContext(homeDirectory: home)
                for file in keyFiles {
                    do { try context.importKeys(try FileSystem.contents(of: file)) } catch let error as GooseError {
                        throw GooseError.io(path: file, reason: error.description)
                    }
                }
                gpgHome = home
            }
        } catch {
            FileSystem.remove(scratch)
            throw error
        }
    }

    deinit {
        // Importing keys into the scratch home starts a gpg-agent there; stop it before its home goes away.
        if gpgHome == scratch + "/gnupg" {
            _ = try? ChildProcess("/usr/bin/gpgconf", ["--homedir", scratch + "/gnupg", "--kill", "gpg-agent"]).run()
        }
        FileSystem.remove(scratch)
    }

    /// Checks one item: an RPM, a detached signature (`X.asc` of `X`, or `X` with `X.asc` beside it),
    /// or a clear-signed file.
    public func verify(_ path: String) -> VerificationResult {
        guard FileSystem.isRegularFile(path) else { return VerificationResult(file: path, status: .bad, detail: "no such file") }
        if Self.isRPM(path) { return verifyRPM(path) }
        return verifyFile(path)
    }

    static func isRPM(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0xED, 0xAB, 0xEE, 0xDB]) || path.hasSuffix(".rpm")
    }

    private func verifyRPM(_ path: String) -> VerificationResult {
        let package: RPMPackage
        do { package = try RPMPackageReader.read(path) } catch {
            return VerificationResult(file: path, status: .bad, detail: reason(error, path))
        }
        if package.signature == .unsigned {
            do { try RPMPackageReader.verify(path) } catch {
                return VerificationResult(file: path, status: .bad, detail: reason(error, path))
            }
            return VerificationResult(file: path, status: .notSigned, detail: "digests OK, no signature")
        }
        do {
            try RPMPackageReader.verify(path, keyring: rpmKeyring)
        } catch {
            let message = reason(error, path)
            if message.contains("NOKEY") {
                // A missing key hides nothing else only if the digests hold.
                if (try? { try RPMPackageReader.verify(path); return true }()) == true {
                    return VerificationResult(file: path, status: .unknownKey, detail: message)
                }
            }
            return VerificationResult(file: path, status: .bad, detail: message)
        }
        if case let .signed(keyID) = package.signature {
            return VerificationResult(file: path, status: .ok, detail: "digests signatures OK" + (keyID.map { " (key \($0))" } ?? ""))
        }
        return VerificationResult(file: path, status: .ok)
    }

    private func verifyFile(_ path: String) -> VerificationResult {
        let signaturePath: String
        let dataPath: String?
        let head: Data
        do { head = try Self.prefix(of: path, count: 64) } catch { return VerificationResult(file: path, status: .bad, detail: reason(error, path)) }
        if String(decoding: head, as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNED MESSAGE-----") {
            signaturePath = path; dataPath = nil
        } else if path.hasSuffix(".asc") || path.hasSuffix(".sig") {
            signaturePath = path; dataPath = String(path.dropLast(4))
        } else if FileSystem.isRegularFile(path + ".asc") {
            signaturePath = path + ".asc"; dataPath = path
        } else if String(decoding: head, as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----") {
            return VerificationResult(file: path, status: .bad, detail: "a detached signature of an unknown file (name it FILE.asc beside FILE)")
        } else if let start = try? Self.prefix(of: path, count: 65_536), start.range(of: Data(Self.clearSignedHeader.utf8)) != nil {
            return VerificationResult(file: path, status: .bad, detail: "text before the clear-signed block, which the signature does not cover")
        } else {
            return VerificationResult(file: path, status: .notSigned, detail: "no clear signature and no \((path as NSString).lastPathComponent).asc")
        }
        do {
            let context = try GPGContext(homeDirectory: gpgHome)
            let signature = try FileSystem.contents(of: signaturePath)
            if dataPath == nil, let problem = Self.unsignedText(inClearSigned: signature) {
                return VerificationResult(file: path, status: .bad, detail: problem)
            }
            let data = try dataPath.map { try FileSystem.contents(of: $0) }
            switch try context.verify(signature: signature, data: data) {
            case let .good(fingerprint): return VerificationResult(file: path, status: .ok, detail: "good signature by \(fingerprint)")
            case .bad: return VerificationResult(file: path, status: .bad, detail: "bad signature")
            case let .unknownKey(keyID): return VerificationResult(file: path, status: .unknownKey, detail: "no public key \(keyID)")
            case .notSigned: return VerificationResult(file: path, status: dataPath == nil ? .notSigned : .bad, detail: "no signature found")
            case let .failed(message): return VerificationResult(file: path, status: .bad, detail: message)
            }
        } catch {
            return VerificationResult(file: path, status: .bad, detail: reason(error, path))
        }
    }

    static let clearSignedHeader = "-----BEGIN PGP SIGNED MESSAGE-----"

    /// Why a clear-signed file holds text its signature does not cover (nil when it holds none): gpg checks the signed
    /// block only, but whoever reads the whole file (`sha256sum -c CHECKSUM`) would trust lines after the signature or
    /// of a second block as well.
    static func unsignedText(inClearSigned contents: Data) -> String? {
        let text = String(decoding: contents, as: UTF8.self)
        if text.components(separatedBy: clearSignedHeader).count > 2 { return "more than one clear-signed block in one file" }
        guard let end = text.range(of: "-----END PGP SIGNATURE-----", options: .backwards) else { return nil }
        if text[end.upperBound...].contains(where: { !$0.isWhitespace }) {
            return "text after the signature, which the signature does not cover"
        }
        return nil
    }

    private func reason(_ error: Error, _ path: String) -> String {
        let text = (error as? GooseError)?.description ?? "\(error)"
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    static func prefix(of path: String, count: Int) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw GooseError.io(path: path, reason: "cannot read") }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: count)) ?? Data()
    }
}
