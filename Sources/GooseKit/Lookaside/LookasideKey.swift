import Foundation

/// The name of one archive in a lookaside cache: package, file name and content hash.
public struct LookasideKey: Hashable, Sendable, Codable {
    public var package: String
    public var filename: String
    public var hashType: HashAlgorithm
    /// Lower-case hex digest of the content.
    public var hash: String

    public init(package: String, filename: String, hashType: HashAlgorithm, hash: String) {
        self.package = package
        self.filename = filename
        self.hashType = hashType
        self.hash = hash
    }

    /// The object a `sources` entry names.
    public init(package: String, entry: SourceEntry) {
        self.init(package: package, filename: entry.filename, hashType: entry.hashType, hash: entry.hash)
    }

    /// Throws unless the names are single path components and the hash is lower-case hex of the right length,
    /// so that the object can safely become a path or a URL.
    public func validate() throws {
        guard LookasideNames.isValid(package) else { throw GooseError.lookaside("invalid package name '\(package)'") }
        guard LookasideNames.isValid(filename) else { throw GooseError.lookaside("invalid file name '\(filename)'") }
        guard Self.isHexDigest(hash, of: hashType) else {
            throw GooseError.lookaside("\(filename): invalid \(hashType.rawValue) hash '\(hash)'")
        }
    }

    /// `<name>/<file>/<hashtype>/<hash>/<file>`: dist-git's layout below the cache root.
    public var relativePath: String { "\(package)/\(filename)/\(hashType.rawValue)/\(hash)/\(filename)" }

    /// `<name>/<file>/<md5>/<file>`: the layout older dist-git used for md5 objects.
    public var legacyRelativePath: String { "\(package)/\(filename)/\(hash)/\(filename)" }

    /// Whether `text` is a lower-case hex digest of `algorithm`.
    public static func isHexDigest(_ text: String, of algorithm: HashAlgorithm) -> Bool {
        text.utf8.count == algorithm.hexLength && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// What happened to one file in an upload or fetch.
public enum LookasideTransferStatus: String, Codable, Sendable {
    /// Copied into the workspace's own store.
    case stored
    /// The lookaside already had the object; nothing was sent.
    case alreadyPresent = "already-present"
    /// Sent to an HTTP lookaside.
    case uploaded
    /// Downloaded (or copied from the store) into the checkout.
    case fetched
    /// The checkout already had the file with the right hash.
    case skipped
    /// The transfer failed; the record's `error` says why.
    case failed
}

/// One line of `goose lookaside upload|fetch` output (`--json` prints it as is).
public struct LookasideTransferRecord: Codable, Sendable, Equatable {
    /// The file as the user names it: the path given to upload, the checkout path for fetch.
    public var file: String
    public var hash: String
    public var status: LookasideTransferStatus
    public var error: String?

    public init(file: String, hash: String, status: LookasideTransferStatus, error: String? = nil) {
        self.file = file
        self.hash = hash
        self.status = status
        self.error = error
    }
}
