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

    /// The armored public key with this fingerprint from gpg's keyring ($GNUPGHOME).
    static func exportPublicKey(fingerprint: String) throws -> Data {
        try GPGContext(homeDirectory: nil).exportPublicKey(fingerprint: fingerprint)
    }
}
