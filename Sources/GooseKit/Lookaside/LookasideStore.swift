import Foundation

/// The workspace's own lookaside cache: `lookaside/<name>/<file>/<hashtype>/<hash>/<file>`, as dist-git lays it out.
public struct LookasideStore: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Where an object lives (whether or not it is there).
    public func path(package: String, filename: String, hashType: HashAlgorithm, hash: String) throws -> String {
        guard LookasideNames.isValid(package), LookasideNames.isValid(filename) else {
            throw GooseError.lookaside("invalid package or file name '\(package)/\(filename)'")
        }
        guard hash.count == hashType.hexLength, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw GooseError.lookaside("invalid \(hashType.rawValue) hash '\(hash)' for \(filename)")
        }
        return "\(root)/\(package)/\(filename)/\(hashType.rawValue)/\(hash)/\(filename)"
    }

    public func contains(package: String, filename: String, hashType: HashAlgorithm, hash: String) -> Bool {
        guard let path = try? path(package: package, filename: filename, hashType: hashType, hash: hash) else { return false }
        return FileSystem.isRegularFile(path)
    }

    /// Stores a file whose SHA-512 is already known by hard-linking or moving it into place.
    /// Returns false when the object was already present.
    @discardableResult
    public func store(package: String, filename: String, sha512: String, from source: String, move: Bool) throws -> Bool {
        let destination = try path(package: package, filename: filename, hashType: .sha512, hash: sha512)
        if FileSystem.isRegularFile(destination) { return false }
        let directory = (destination as NSString).deletingLastPathComponent
        try FileSystem.createDirectory(directory)
        if move {
            // Staged files are on the workspace's file system: a rename is atomic.
            try FileSystem.moveIntoPlace(source, destination)
        } else {
            try copyVerified(from: source, to: destination, sha512: sha512)
        }
        return true
    }

    /// Copies a file into the store through an atomic write, checking its SHA-512 on the way.
    public func copyVerified(from source: String, to destination: String, sha512: String) throws {
        let writer = try AtomicFileWriter(destination: destination)
        let digest = ContentDigest(.sha512)
        try FileStreamer.forEachChunk(ofFile: source) { chunk in
            digest.update(chunk)
            try writer.write(chunk)
        }
        let actual = digest.finalizeHex()
        guard actual == sha512 else {
            writer.abandon()
            throw GooseError.hashMismatch(file: source, expected: sha512, actual: actual)
        }
        try writer.commit()
    }

    /// Whether the package directory exists (dist-git's "module exists" check uses the git repo instead).
    public func packageDirectory(_ package: String) -> String { "\(root)/\(package)" }
}
