import CGPGME
import Foundation

/// The key `goose mash --require-key` checks signatures against, as a librpm keyring.
enum RequiredKey {
    /// A public key file as is, else the key with this fingerprint exported from gpg's keyring ($GNUPGHOME).
    static func keyring(for key: String, scratch: String) throws -> RPMKeyring {
        if FileSystem.isRegularFile(key) { return try RPMKeyring(keyFiles: [key]) }
        let armored = try exportPublicKey(fingerprint: key)
        let directory = try StagingArea.create(in: scratch, purpose: "require-key")
        defer { FileSystem.remove(directory) }
        let path = directory + "/key.asc"
        try AtomicFileWriter.write(armored, to: path)
        return try RPMKeyring(keyFiles: [path])
    }

    // Minimal gpgme export for the mash; to be replaced by the shared key code of Sources/GooseKit/Signing/
    // once that branch is merged.
    static func exportPublicKey(fingerprint: String) throws -> Data {
        _ = goose_gpgme_check_version(nil)
        var context: gpgme_ctx_t?
        guard gpgme_new(&context) == 0, let context else {
            throw GooseError.io(path: fingerprint, reason: "gpgme: cannot create a context")
        }
        defer { gpgme_release(context) }
        gpgme_set_armor(context, 1)
        var data: gpgme_data_t?
        guard gpgme_data_new(&data) == 0, let data else { throw GooseError.io(path: fingerprint, reason: "gpgme: cannot create a buffer") }
        let status = gpgme_op_export(context, fingerprint, 0, data)
        var length = 0
        let bytes = gpgme_data_release_and_get_mem(data, &length)
        defer { gpgme_free(bytes) }
        guard status == 0, let bytes, length > 0 else {
            throw GooseError.io(path: fingerprint, reason: "no such public key in the gpg keyring (GNUPGHOME)")
        }
        return Data(bytes: bytes, count: length)
    }
}
