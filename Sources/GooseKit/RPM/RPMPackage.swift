import CRPM
import Foundation

/// Whether and how a package is signed.
public enum SignatureState: Equatable, Sendable, Codable, CustomStringConvertible {
    case unsigned
    /// Signed; the key ID (16 hex digits) when it could be read.
    case signed(keyID: String?)

    public var description: String {
        switch self {
        case .unsigned: return "unsigned"
        case let .signed(keyID): return keyID.map { "signed (key \($0))" } ?? "signed"
        }
    }
}

/// What goose knows of an RPM or SRPM after reading its header through librpm.
public struct RPMPackage: Sendable {
    public var path: String
    public var nevra: NEVRA
    public var isSource: Bool
    /// A `.nosrc.rpm`: some sources are left out (NoSource/NoPatch).
    public var isNoSource: Bool
    public var sourceRPM: String?
    public var requires: [Dependency]
    public var provides: [Dependency]
    public var buildRequires: [Dependency] { isSource ? requires : [] }
    public var files: [PackageFile]
    /// Names of the files declared as Source/Patch (source packages only).
    public var sourceNames: [String]
    public var patchNames: [String]
    public var payloadFormat: String
    public var payloadCompressor: String
    public var payloadDigest: String?
    /// Large-file packages (RPM v6 among them) carry rpm's "stripped" cpio, readable only by librpm.
    public var hasStrippedPayload: Bool
    public var signature: SignatureState
    /// Byte offset of the (compressed) payload in the file.
    public var payloadOffset: Int64
    /// Time of the newest %changelog entry (seconds since the epoch), the base of SOURCE_DATE_EPOCH.
    public var changelogTime: Int? = nil
    public var buildTime: Int? = nil
    /// ExcludeArch and ExclusiveArch of the spec; rpmbuild records them in the source RPM only.
    public var excludeArch: [String] = []
    public var exclusiveArch: [String] = []

    /// The spec file of a source package (flagged `RPMFILE_SPECFILE` by rpmbuild, else the only *.spec).
    public var specFile: PackageFile? {
        if let flagged = files.first(where: { $0.flags.contains(.specFile) }) { return flagged }
        let specs = files.filter { $0.path.hasSuffix(".spec") }
        return specs.count == 1 ? specs[0] : nil
    }
}

/// Reads and verifies package files through librpm.
public enum RPMPackageReader {
    /// Reads the header of an RPM or SRPM; fails on non-RPMs, truncation and bad header digests.
    public static func read(_ path: String) throws -> RPMPackage {
        guard let fd = Fopen(path, "r.ufdio") else {
            throw GooseError.invalidPackage(file: path, reason: "cannot open")
        }
        defer { Fclose(fd) }
        if Ferror(fd) != 0 {
            throw GooseError.invalidPackage(file: path, reason: String(cString: Fstrerror(fd)))
        }
        let transactionSet = RPMTransactionSet(keyring: nil, checkSignatures: false)
        var header: Header?
        let (rc, messages) = RPMLibrary.capturingLog { rpmReadPackageFile(transactionSet.pointer, fd, path, &header) }
        switch rc {
        case RPMRC_OK, RPMRC_NOTTRUSTED, RPMRC_NOKEY:
            break
        case RPMRC_NOTFOUND:
            throw GooseError.invalidPackage(file: path, reason: "not an RPM package (bad lead magic)")
        default:
            if let header { headerFree(header) }
            throw GooseError.invalidPackage(file: path, reason: "truncated or corrupt RPM: " + describeFailure(messages.map { stripping(path, from: $0) }, fallback: "unreadable header"))
        }
        guard let header else { throw GooseError.invalidPackage(file: path, reason: "no header") }
        let owned = RPMHeader(owning: header)
        return package(from: owned, path: path, payloadOffset: Int64(Ftell(fd)))
    }

    /// Checks every digest (header and payload) as `rpm -K` does; with a keyring, also requires a valid signature.
    /// With a keyring, returns the package's header as read after the check.
    @discardableResult
    public static func verify(_ path: String, keyring: RPMKeyring? = nil) throws -> RPMPackage? {
        let transactionSet = RPMTransactionSet(keyring: keyring, checkSignatures: keyring != nil)
        // rpmcliVerifySignatures reads the verify flags, not the read flags.
        _ = rpmtsSetVfyFlags(transactionSet.pointer, keyring != nil ? rpmVSFlags(0) : goose_rpm_vsf_mask_nosignatures())
        let (failures, messages) = RPMLibrary.capturingLog(verbose: true) { () -> Int32 in
            let cPath = strdup(path)
            defer { free(cPath) }
            let argv: [UnsafeMutablePointer<CChar>?] = [cPath, nil]
            return argv.withUnsafeBufferPointer { rpmcliVerifySignatures(transactionSet.pointer, $0.baseAddress) }
        }
        if failures != 0 {
            throw GooseError.invalidPackage(file: path, reason: "digest or signature check failed: " + describeFailure(messages.map { stripping(path, from: $0) }, fallback: "rpm gave no reason"))
        }
        guard keyring != nil else { return nil }
        let package = try read(path)
        if package.signature == .unsigned {
            throw GooseError.invalidPackage(file: path, reason: "not signed (a signature check was requested)")
        }
        return package
    }

    /// librpm prefixes messages with the file name, which goose's error already carries.
    static func stripping(_ path: String, from message: String) -> String {
        message.hasPrefix(path + ":") ? String(message.dropFirst(path.count + 1)).trimmingCharacters(in: .whitespaces) : message
    }

    /// The most telling librpm message: a line saying BAD/NOKEY/NOT OK, else the last one.
    static func describeFailure(_ messages: [String], fallback: String) -> String {
        let lines = messages.flatMap { $0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }
        let telling = lines.first { $0.contains("BAD") || $0.contains("NOKEY") || $0.contains("NOTTRUSTED") }
            ?? lines.last { !$0.isEmpty && !$0.hasSuffix(":") && !$0.contains("NOT OK") }
            ?? lines.last
        guard var message = telling, !message.isEmpty else { return fallback }
        if message.hasPrefix("error: ") { message.removeFirst(7) }
        return message
    }

    static func package(from header: RPMHeader, path: String, payloadOffset: Int64) -> RPMPackage {
        let isSource = header.isSource
        let epoch = header.number(RPMTAG_EPOCH).map { Int($0) }
        let isNoSource = header.has(RPMTAG_NOSOURCE) || header.has(RPMTAG_NOPATCH)
        let arch = isSource ? (isNoSource ? "nosrc" : "src") : (header.string(RPMTAG_ARCH) ?? "noarch")
        let nevra = NEVRA(
            name: header.string(RPMTAG_NAME) ?? "",
            evr: EVR(epoch: epoch, version: header.string(RPMTAG_VERSION) ?? "", release: header.string(RPMTAG_RELEASE) ?? ""),
            arch: arch)
        return RPMPackage(
            path: path,
            nevra: nevra,
            isSource: isSource,
            isNoSource: isNoSource,
            sourceRPM: header.string(RPMTAG_SOURCERPM),
            requires: header.dependencies(RPMTAG_REQUIRENAME),
            provides: header.dependencies(RPMTAG_PROVIDENAME),
            files: header.files(),
            sourceNames: header.strings(RPMTAG_SOURCE),
            patchNames: header.strings(RPMTAG_PATCH),
            payloadFormat: header.string(RPMTAG_PAYLOADFORMAT) ?? "cpio",
            payloadCompressor: header.string(RPMTAG_PAYLOADCOMPRESSOR) ?? "gzip",
            payloadDigest: header.strings(RPMTAG_PAYLOADDIGEST).first,
            hasStrippedPayload: header.has(RPMTAG_LONGFILESIZES),
            signature: signatureState(header),
            payloadOffset: payloadOffset,
            changelogTime: header.firstNumber(RPMTAG_CHANGELOGTIME).map { Int($0) },
            buildTime: header.number(RPMTAG_BUILDTIME).map { Int($0) },
            excludeArch: header.strings(RPMTAG_EXCLUDEARCH),
            exclusiveArch: header.strings(RPMTAG_EXCLUSIVEARCH))
    }

    static func signatureState(_ header: RPMHeader) -> SignatureState {
        for tag in [RPMTAG_RSAHEADER, RPMTAG_DSAHEADER, RPMTAG_SIGPGP, RPMTAG_SIGGPG] where header.has(tag) {
            return .signed(keyID: signatureKeyID(header, tag))
        }
        return .unsigned
    }

    static func signatureKeyID(_ header: RPMHeader, _ tag: rpmTag) -> String? {
        guard let data = rpmtdNew() else { return nil }
        defer { rpmtdFree(data) }
        guard headerGet(header.pointer, rpmTagVal(tag.rawValue), data, headerGetFlags(HEADERGET_MINMEM.rawValue)) != 0 else { return nil }
        defer { rpmtdFreeData(data) }
        guard let bytes = data.pointee.data else { return nil }
        var parameters: pgpDigParams?
        guard pgpPrtParams(bytes.assumingMemoryBound(to: UInt8.self), Int(data.pointee.count), UInt32(PGPTAG_SIGNATURE.rawValue), &parameters) == 0,
              let parameters else { return nil }
        defer { pgpDigParamsFree(parameters) }
        guard let id = pgpDigParamsSignID(parameters) else { return nil }
        return Hex.string((0..<8).map { id[$0] })
    }
}
