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

    /// Whether the object is in the store.
    public func contains(package: String, filename: String, hashType: HashAlgorithm, hash: String) -> Bool {
        guard let path = try? path(package: package, filename: filename, hashType: hashType, hash: hash) else { return false }
        return FileSystem.isRegularFile(path)
    }
}
