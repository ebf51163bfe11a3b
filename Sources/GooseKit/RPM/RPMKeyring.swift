import CRPM
import Foundation

/// A set of OpenPGP public keys for librpm signature checks, never the host's rpmdb.
public final class RPMKeyring {
    let pointer: rpmKeyring

    /// An empty keyring: signatures cannot verify, digests still do.
    public init() {
        RPMLibrary.ensureInitialized()
        pointer = rpmKeyringNew()
    }

    /// A keyring holding the (armored or binary) public keys of these files, with their subkeys.
    public convenience init(keyFiles: [String]) throws {
        self.init()
        for file in keyFiles { try add(keyFile: file) }
    }

    deinit { rpmKeyringFree(pointer) }

    /// True when `signature` (one binary OpenPGP signature packet) is a good signature over `data` by a key of this
    /// keyring: librpm's own check of package signatures (rpmKeyringVerifySig), without running gpg.
    public func verifies(signature: [UInt8], over data: Data) -> Bool {
        var parameters: pgpDigParams?
        guard pgpPrtParams(signature, signature.count, UInt32(PGPTAG_SIGNATURE.rawValue), &parameters) == 0, let parameters else { return false }
        defer { pgpDigParamsFree(parameters) }
        let algorithm = pgpDigParamsAlgo(parameters, UInt32(PGPVAL_HASHALGO.rawValue))
        guard let context = rpmDigestInit(Int32(algorithm), rpmDigestFlags(RPMDIGEST_NONE.rawValue)) else { return false }
        defer { rpmDigestFinal(context, nil, nil, 0) }
        data.withUnsafeBytes { _ = rpmDigestUpdate(context, $0.baseAddress, $0.count) }
        let (result, _) = RPMLibrary.capturingLog { rpmKeyringVerifySig(pointer, parameters, context) }
        return result == RPMRC_OK
    }

    public func add(keyFile path: String) throws {
        guard FileSystem.isRegularFile(path) else { throw GooseError.io(path: path, reason: "no such key file") }
        let (key, messages) = RPMLibrary.capturingLog { rpmPubkeyRead(path) }
        guard let key else {
            throw GooseError.io(path: path, reason: "not an OpenPGP public key" + (messages.last.map { " (\($0))" } ?? ""))
        }
        defer { rpmPubkeyFree(key) }
        _ = rpmKeyringAddKey(pointer, key)
        var count: Int32 = 0
        if let subkeys = rpmGetSubkeys(key, &count) {
            for index in 0..<Int(count) {
                _ = rpmKeyringAddKey(pointer, subkeys[index])
                rpmPubkeyFree(subkeys[index])
            }
            free(subkeys)
        }
    }
}

/// An rpm transaction set used only to read and verify packages.
final class RPMTransactionSet {
    let pointer: rpmts
    /// Kept alive for as long as the transaction set uses it.
    private let keyring: RPMKeyring

    init(keyring: RPMKeyring?, checkSignatures: Bool) {
        RPMLibrary.ensureInitialized()
        pointer = rpmtsCreate()
        // An explicit (maybe empty) keyring keeps librpm from loading the host's rpmdb keys.
        self.keyring = keyring ?? RPMKeyring()
        _ = rpmtsSetKeyring(pointer, self.keyring.pointer)
        _ = rpmtsSetVSFlags(pointer, checkSignatures ? rpmVSFlags(0) : goose_rpm_vsf_mask_nosignatures())
    }

    deinit { rpmtsFree(pointer) }
}
