import CGPGME
import Foundation

/// A passphrase held in memory only: read from a file or a descriptor, never from argv or the environment.
public struct Passphrase: Sendable {
    let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The first line of a file (as gpg's --passphrase-file reads it).
    public static func read(file path: String) throws -> Passphrase {
        try Passphrase(bytes: firstLine(Array(FileSystem.contents(of: path))))
    }

    /// The first line read from an open descriptor (as gpg's --passphrase-fd reads it).
    public static func read(descriptor: Int32) throws -> Passphrase {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Foundation.read(descriptor, &buffer, buffer.count)
            if count < 0 { if errno == EINTR { continue }; throw GooseError.errno("passphrase descriptor \(descriptor)", "read failed") }
            if count == 0 { break }
            collected += buffer[0..<count]
            if collected.contains(10) { break }
        }
        return Passphrase(bytes: firstLine(collected))
    }

    static func firstLine(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix { $0 != 10 && $0 != 13 })
    }
}

/// One OpenPGP key usable for signing, as gpg knows it.
public struct SigningKey: Sendable, Equatable, Codable {
    /// Fingerprint of the primary key (upper-case hex).
    public var fingerprint: String
    /// Long key IDs (16 hex digits, lower case) of the primary key and every subkey able to sign.
    public var signingKeyIDs: [String]
    /// The first user ID's name, for RPM-GPG-KEY-<name>.
    public var name: String
    /// The first user ID in full (`Name <email>`).
    public var userID: String
    /// OpenPGP public-key algorithm of the signing (sub)key: "RSA", "EdDSA", "DSA", ….
    public var algorithm: String
    /// The (sub)key gpg would sign with, when gpg-agent can sign for goose directly (RSA, EdDSA).
    public var agentKey: AgentSigningKey?

    /// Whether a signature with this key ID was made by this key.
    public func owns(keyID: String) -> Bool {
        signingKeyIDs.contains(keyID.lowercased()) || fingerprint.lowercased().hasSuffix(keyID.lowercased())
    }
}

/// How gpgme judged one signature.
public enum SignatureCheck: Sendable, Equatable {
    case good(fingerprint: String)
    case bad
    case unknownKey(keyID: String)
    case notSigned
    /// Anything else gpgme reported (expired or revoked key, unsupported algorithm).
    case failed(String)
}

/// A gpgme context for OpenPGP in one GNUPGHOME: key lookup, signing and verifying.
/// Not shared between threads; each task makes its own.
public final class GPGContext {
    let pointer: gpgme_ctx_t
    public let homeDirectory: String?
    /// Retained for the passphrase callback; released in deinit.
    private let passphraseBox: Unmanaged<PassphraseBox>?

    /// gpgme's one-time initialisation; referenced by everything that makes a gpgme context.
    static let initialization: Void = {
        _ = goose_gpgme_check_version(nil)
        _ = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)
    }()

    /// Opens a context on `homeDirectory` (nil: $GNUPGHOME or ~/.gnupg); with a passphrase, gpg is asked
    /// for it through pinentry loopback and this process answers, so it never reaches argv, env or logs.
    public init(homeDirectory: String?, passphrase: Passphrase? = nil) throws {
        _ = Self.initialization
        var context: gpgme_ctx_t?
        try Self.check(gpgme_new(&context), "cannot create gpgme context")
        guard let context else { throw GooseError.signing("cannot create gpgme context") }
        pointer = context
        self.homeDirectory = homeDirectory
        if let passphrase {
            let box = Unmanaged.passRetained(PassphraseBox(passphrase))
            passphraseBox = box
            gpgme_set_pinentry_mode(context, GPGME_PINENTRY_MODE_LOOPBACK)
            gpgme_set_passphrase_cb(context, { hook, _, _, previousWasBad, descriptor in
                guard let hook else { return gpgme_error_t(GPG_ERR_CANCELED.rawValue) }
                // gpg asks again after a wrong passphrase: give up instead of looping.
                if previousWasBad != 0 { return gpgme_err_make(GPG_ERR_SOURCE_USER_1, GPG_ERR_BAD_PASSPHRASE) }
                let bytes = Unmanaged<PassphraseBox>.fromOpaque(hook).takeUnretainedValue().passphrase.bytes + [10]
                _ = bytes.withUnsafeBytes { gpgme_io_writen(descriptor, $0.baseAddress, $0.count) }
                return 0
            }, box.toOpaque())
        } else {
            passphraseBox = nil
        }
        try Self.check(gpgme_set_protocol(context, GPGME_PROTOCOL_OpenPGP), "OpenPGP is not available")
        // A key listing would otherwise run gpg's trust database check, which prints three lines of its own on stderr
        // (after a key was made or imported); goose decides nothing by trust.
        _ = gpgme_set_ctx_flag(context, "no-auto-check-trustdb", "1")
        if let homeDirectory {
            try Self.check(gpgme_ctx_set_engine_info(context, GPGME_PROTOCOL_OpenPGP, nil, homeDirectory), "cannot use GNUPGHOME \(homeDirectory)")
        }
    }

    deinit {
        gpgme_release(pointer)
        passphraseBox?.release()
    }

    static func check(_ error: gpgme_error_t, _ context: @autoclosure () -> String) throws {
        guard error != 0 else { return }
        throw GooseError.signing("\(context()): \(String(cString: gpgme_strerror(error)))")
    }

    /// Finds the key and checks, before anything is signed, that it exists, has its secret part,
    /// and neither it nor its signing subkey is expired, revoked, disabled or invalid.
    public func signingKey(fingerprint: String) throws -> SigningKey {
        let wanted = fingerprint.replacingOccurrences(of: " ", with: "").uppercased()
        guard wanted.count >= 16, wanted.allSatisfy(\.isHexDigit) else {
            throw GooseError.usage("--key must be a key fingerprint (40 hex digits) or a long key ID (16), not '\(fingerprint)'")
        }
        var publicKey: gpgme_key_t?
        // Keygrips name the secret parts for gpg-agent (the agent signing method).
        gpgme_set_keylist_mode(pointer, gpgme_get_keylist_mode(pointer) | gpgme_keylist_mode_t(GPGME_KEYLIST_MODE_WITH_KEYGRIP))
        let lookup = gpgme_get_key(pointer, wanted, &publicKey, 0)
        guard lookup == 0, let publicKey else {
            throw GooseError.signing("key \(wanted) not found in \(homeDescription)")
        }
        defer { gpgme_key_unref(publicKey) }
        var secretKey: gpgme_key_t?
        guard gpgme_get_key(pointer, wanted, &secretKey, 1) == 0, let secretKey else {
            throw GooseError.signing("key \(wanted) has no secret part in \(homeDescription) (public key only)")
        }
        defer { gpgme_key_unref(secretKey) }
        let key = publicKey.pointee
        let primaryFingerprint = key.fpr.map { String(cString: $0) } ?? wanted
        if key.revoked != 0 { throw GooseError.signing("key \(primaryFingerprint) is revoked") }
        if key.expired != 0 { throw GooseError.signing("key \(primaryFingerprint) has expired") }
        if key.disabled != 0 { throw GooseError.signing("key \(primaryFingerprint) is disabled") }
        if key.invalid != 0 { throw GooseError.signing("key \(primaryFingerprint) is invalid") }
        var keyIDs: [String] = []
        var algorithm: String?
        // gpg signs with the newest usable signing subkey, and with the primary key only when there is none.
        var agentCandidate: (key: AgentSigningKey?, isPrimary: Bool, created: Int)?
        var secretSubkeys: Set<String> = []
        var subkey = secretKey.pointee.subkeys
        while let current = subkey {
            if current.pointee.secret != 0, let id = current.pointee.keyid { secretSubkeys.insert(String(cString: id).lowercased()) }
            subkey = current.pointee.next
        }
        subkey = key.subkeys
        while let current = subkey {
            let sub = current.pointee
            if sub.can_sign != 0, sub.revoked == 0, sub.expired == 0, sub.disabled == 0, sub.invalid == 0, let id = sub.keyid {
                let keyID = String(cString: id).lowercased()
                if secretSubkeys.contains(keyID) {
                    keyIDs.append(keyID)
                    let isPrimary = sub.fpr.map { String(cString: $0) } == primaryFingerprint
                    let created = Int(sub.timestamp)
                    if agentCandidate == nil || (agentCandidate!.isPrimary && !isPrimary) || (!isPrimary && created > agentCandidate!.created) {
                        let agentKey = AgentSigningKey.supportedAlgorithm(sub.pubkey_algo).flatMap { algorithm -> AgentSigningKey? in
                            guard let grip = sub.keygrip, let fpr = sub.fpr, strlen(fpr) == 40 else { return nil }
                            return AgentSigningKey(keygrip: String(cString: grip), fingerprint: String(cString: fpr), algorithm: algorithm)
                        }
                        agentCandidate = (agentKey, isPrimary, created)
                        if let name = gpgme_pubkey_algo_name(sub.pubkey_algo) { algorithm = String(cString: name) }
                    }
                }
            }
            subkey = sub.next
        }
        guard !keyIDs.isEmpty else {
            throw GooseError.signing("key \(primaryFingerprint) has no usable signing (sub)key with a secret part (expired, revoked or missing)")
        }
        let uid = key.uids?.pointee
        return SigningKey(
            fingerprint: primaryFingerprint,
            signingKeyIDs: keyIDs,
            name: uid?.name.map { String(cString: $0) } ?? primaryFingerprint,
            userID: uid?.uid.map { String(cString: $0) } ?? primaryFingerprint,
            algorithm: algorithm ?? "unknown",
            agentKey: agentCandidate?.key)
    }

    /// The public key's fingerprint and first user ID name (no secret part needed), for export-key.
    public func publicKey(fingerprint: String) throws -> (fingerprint: String, name: String) {
        let wanted = fingerprint.replacingOccurrences(of: " ", with: "").uppercased()
        var key: gpgme_key_t?
        guard wanted.count >= 16, wanted.allSatisfy(\.isHexDigit), gpgme_get_key(pointer, wanted, &key, 0) == 0, let key else {
            throw GooseError.signing("key \(wanted) not found in \(homeDescription)")
        }
        defer { gpgme_key_unref(key) }
        let primary = key.pointee.fpr.map { String(cString: $0) } ?? wanted
        return (primary, key.pointee.uids?.pointee.name.map { String(cString: $0) } ?? primary)
    }

    private var homeDescription: String { homeDirectory ?? ProcessInfo.processInfo.environment["GNUPGHOME"] ?? "~/.gnupg" }

    /// Signs `data` with the key: a detached ASCII-armored signature, or the clear-signed text.
    public func sign(_ data: Data, key fingerprint: String, clear: Bool) throws -> Data {
        var key: gpgme_key_t?
        try Self.check(gpgme_get_key(pointer, fingerprint, &key, 1), "key \(fingerprint)")
        defer { gpgme_key_unref(key) }
        gpgme_signers_clear(pointer)
        try Self.check(gpgme_signers_add(pointer, key), "key \(fingerprint)")
        gpgme_set_armor(pointer, 1)
        let input = try GPGData(data)
        let output = try GPGData()
        let error = gpgme_op_sign(pointer, input.pointer, output.pointer, clear ? GPGME_SIG_MODE_CLEAR : GPGME_SIG_MODE_DETACH)
        if gpgme_err_code(error) == GPG_ERR_BAD_PASSPHRASE || gpgme_err_code(error) == GPG_ERR_NO_PASSPHRASE {
            throw GooseError.signing("key \(fingerprint): wrong or missing passphrase")
        }
        // pinentry had no terminal to ask on (a script, a CI job): the key wants a passphrase nobody gave.
        if gpgme_err_code(error) == GPG_ERR_ENOTTY || gpgme_err_code(error) == GPG_ERR_NO_PIN_ENTRY {
            throw GooseError.signing("key \(fingerprint) needs its passphrase and there is no terminal to ask on: give --passphrase-file or --passphrase-fd, or unlock the key in gpg-agent first")
        }
        try Self.check(error, "signing with key \(fingerprint) failed")
        return output.contents()
    }

    /// Checks a detached signature of `data`, or (when `data` is nil) a clear-signed text.
    public func verify(signature: Data, data: Data?) throws -> SignatureCheck {
        let signatureData = try GPGData(signature)
        let signedData = try data.map { try GPGData($0) }
        let plain = data == nil ? try GPGData() : nil
        let error = gpgme_op_verify(pointer, signatureData.pointer, signedData?.pointer, plain?.pointer)
        if gpgme_err_code(error) == GPG_ERR_NO_DATA { return .notSigned }
        if error != 0 { return .failed(String(cString: gpgme_strerror(error))) }
        guard let result = gpgme_op_verify_result(pointer), let first = result.pointee.signatures else { return .notSigned }
        // Every signature must be good; the first problem decides.
        var signature: gpgme_signature_t? = first
        var fingerprint = ""
        while let current = signature {
            let status = gpgme_err_code(current.pointee.status)
            let fpr = current.pointee.fpr.map { String(cString: $0) } ?? ""
            switch status {
            case GPG_ERR_NO_ERROR: fingerprint = fpr
            case GPG_ERR_BAD_SIGNATURE: return .bad
            case GPG_ERR_NO_PUBKEY: return .unknownKey(keyID: fpr)
            default: return .failed(String(cString: gpgme_strerror(current.pointee.status)))
            }
            signature = current.pointee.next
        }
        return .good(fingerprint: fingerprint)
    }

    /// The ASCII-armored public key (primary and subkeys, minimal export suited to rpm --import).
    public func exportPublicKey(fingerprint: String) throws -> Data {
        gpgme_set_armor(pointer, 1)
        let output = try GPGData()
        try Self.check(gpgme_op_export(pointer, fingerprint, gpgme_export_mode_t(GPGME_EXPORT_MODE_MINIMAL), output.pointer), "cannot export key \(fingerprint)")
        let data = output.contents()
        guard !data.isEmpty else { throw GooseError.signing("key \(fingerprint) not found in \(homeDescription)") }
        return data
    }

    /// Fingerprints of every public key in the keyring.
    public func publicKeyFingerprints() throws -> [String] {
        var fingerprints: [String] = []
        try Self.check(gpgme_op_keylist_start(pointer, nil, 0), "cannot list keys")
        while true {
            var key: gpgme_key_t?
            guard gpgme_op_keylist_next(pointer, &key) == 0, let key else { break }
            if let fpr = key.pointee.fpr { fingerprints.append(String(cString: fpr)) }
            gpgme_key_unref(key)
        }
        gpgme_op_keylist_end(pointer)
        return fingerprints
    }

    /// Imports keys (armored or binary) into this context's keyring.
    public func importKeys(_ data: Data) throws {
        let input = try GPGData(data)
        try Self.check(gpgme_op_import(pointer, input.pointer), "cannot import keys")
        guard let result = gpgme_op_import_result(pointer), result.pointee.considered > 0, result.pointee.not_imported == 0 || result.pointee.imported > 0 || result.pointee.unchanged > 0 else {
            throw GooseError.signing("no OpenPGP public key found")
        }
    }
}

/// The passphrase as the C callback sees it.
final class PassphraseBox {
    let passphrase: Passphrase
    init(_ passphrase: Passphrase) { self.passphrase = passphrase }
}

/// A gpgme data buffer.
final class GPGData {
    let pointer: gpgme_data_t

    /// An empty buffer for output.
    init() throws {
        var data: gpgme_data_t?
        try GPGContext.check(gpgme_data_new(&data), "cannot create gpgme buffer")
        pointer = data!
    }

    /// A buffer holding a copy of `bytes`.
    init(_ bytes: Data) throws {
        var data: gpgme_data_t?
        // gpgme copies the bytes (last argument 1); an empty buffer still needs a valid pointer.
        let copy = bytes.isEmpty ? Data([0]) : bytes
        let error = copy.withUnsafeBytes { buffer in
            gpgme_data_new_from_mem(&data, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count, 1)
        }
        try GPGContext.check(error, "cannot create gpgme buffer")
        pointer = data!
    }

    deinit { gpgme_data_release(pointer) }

    func contents() -> Data {
        gpgme_data_seek(pointer, 0, SEEK_SET)
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = gpgme_data_read(pointer, &buffer, buffer.count)
            if count <= 0 { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }
}
