import CCreaterepo
import Foundation

/// The primary metadata record of a repository's repomd.xml: where it is and the checksum it must have.
public struct PrimaryMetadataRecord: Sendable, Equatable {
    /// `location href`, relative to the repository (or to `base` when repomd.xml sets `xml:base`).
    public var location: String
    public var base: String?
    public var algorithm: HashAlgorithm
    public var checksum: String
}

/// Finds the primary metadata of a `--repo` as a verified local file: a directory is read in place, an
/// http(s):// or file:// URL is fetched with libcurl once and kept in a cache named by the primary's checksum.
public struct RepositoryMetadataFetcher: Sendable {
    /// Where fetched primary files are kept, `<checksum>-<file name>`.
    public let cacheDirectory: String

    public init(cacheDirectory: String) {
        self.cacheDirectory = cacheDirectory
    }

    /// `<workspace>/.goose/cache/repodata`, else `$XDG_CACHE_HOME/goose/repodata` (`~/.cache/...`).
    public static func defaultDirectory(workspaceRoot: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let workspaceRoot { return workspaceRoot + "/.goose/cache/repodata" }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/goose/repodata" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/goose/repodata"
    }

    /// Whether `location` is a URL goose fetches rather than a directory.
    public static func isURL(_ location: String) -> Bool {
        let lowered = location.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file://")
    }

    /// The local path of the repository's primary metadata, its checksum verified against repomd.xml.
    public func primaryPath(of location: String) throws -> String {
        if Self.isURL(location) { return try fetchPrimary(baseURL: location) }
        let repomdPath = location + "/repodata/repomd.xml"
        guard FileSystem.isRegularFile(repomdPath) else {
            throw GooseError.io(path: repomdPath, reason: "no repodata here (expected repodata/repomd.xml)")
        }
        let record = try Self.primaryRecord(repomdPath: repomdPath, origin: repomdPath)
        guard record.base == nil else {
            throw GooseError.invalidPackage(file: repomdPath, reason: "primary metadata lives at \(record.base!) (xml:base); pass that URL as --repo")
        }
        let primaryPath = location + "/" + record.location
        guard FileSystem.isRegularFile(primaryPath) else {
            throw GooseError.io(path: primaryPath, reason: "listed in repomd.xml but missing")
        }
        let actual = try ContentDigest.hexDigest(ofFile: primaryPath, algorithm: record.algorithm)
        guard actual == record.checksum else {
            throw GooseError.hashMismatch(file: primaryPath, expected: "\(record.algorithm.rawValue) \(record.checksum) (repomd.xml)", actual: actual)
        }
        return primaryPath
    }

    /// Fetches repomd.xml (always: it is how a changed repository is noticed), then primary unless the cache has it.
    private func fetchPrimary(baseURL: String) throws -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let repomdURL = base + "/repodata/repomd.xml"
        let session = try HTTPSession()
        session.allowedProtocols = "http,https,file"
        try FileSystem.createDirectory(cacheDirectory)
        Self.removeAbandonedFetches(in: cacheDirectory)
        let scratch = try FileSystem.makeTemporaryDirectory(in: cacheDirectory, prefix: ".fetch-")
        defer { FileSystem.remove(scratch) }
        let repomdPath = scratch + "/repomd.xml"
        try download(session, url: repomdURL, to: repomdPath, limit: 16 << 20, expected: nil)
        let record = try Self.primaryRecord(repomdPath: repomdPath, origin: repomdURL)
        let primaryURL = Self.join(record.base ?? base, record.location)
        let fileName = (record.location as NSString).lastPathComponent
        // The checksum names the file and keeps the suffix libsolv picks the decompressor by.
        let cached = cacheDirectory + "/" + record.checksum + "-" + (fileName.isEmpty ? "primary.xml" : fileName)
        if FileSystem.isRegularFile(cached) { return cached }
        let partial = scratch + "/" + fileName
        try download(session, url: primaryURL, to: partial, limit: nil, expected: (record.algorithm, record.checksum))
        try FileSystem.moveIntoPlace(partial, cached)
        return cached
    }

    /// Streams `url` into `path`, hashing as it goes; a size `limit` guards small files, `expected` a checksum.
    private func download(_ session: HTTPSession, url: String, to path: String, limit: Int?, expected: (HashAlgorithm, String)?) throws {
        try RetryPolicy().run { _ in
            let writer = try AtomicFileWriter(destination: path)
            let digest = expected.map { ContentDigest($0.0) }
            var received = 0
            let response = try session.download(url: url) { _, chunk in
                received += chunk.count
                if let limit, received > limit {
                    throw GooseError.invalidPackage(file: url, reason: "larger than \(limit >> 20) MB; not repository metadata")
                }
                digest?.update(chunk)
                try writer.write(chunk)
            }
            guard response.isSuccess else {
                writer.abandon()
                // Server errors may pass; a 404 will not.
                throw HTTPTransferError(url: url, reason: "HTTP \(response.status)", isTransient: response.status >= 500)
            }
            if let digest, let (algorithm, checksum) = expected {
                let actual = digest.finalizeHex()
                guard actual == checksum else {
                    writer.abandon()
                    throw GooseError.hashMismatch(file: url, expected: "\(algorithm.rawValue) \(checksum) (repomd.xml)", actual: actual)
                }
            }
            try writer.commit()
        }
    }

    /// Fetch directories a killed run left behind; an hour old is long past any fetch still running.
    static func removeAbandonedFetches(in directory: String, now: Date = Date()) {
        let manager = FileManager.default
        for entry in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix(".fetch-") {
            let path = directory + "/" + entry
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, now.timeIntervalSince(modified) > 3600 {
                FileSystem.remove(path)
            }
        }
    }

    static func join(_ base: String, _ relative: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + relative
    }

    /// Reads repomd.xml with createrepo_c and returns its primary record.
    static func primaryRecord(repomdPath: String, origin: String) throws -> PrimaryMetadataRecord {
        guard let repomd = cr_repomd_new() else { throw GooseError.invalidPackage(file: origin, reason: "out of memory") }
        defer { cr_repomd_free(repomd) }
        var error: UnsafeMutablePointer<GError>?
        let code = cr_xml_parse_repomd(repomdPath, repomd, nil, nil, &error)
        if let error {
            defer { g_error_free(error) }
            throw GooseError.invalidPackage(file: origin, reason: "not repomd.xml: " + String(cString: error.pointee.message).replacingOccurrences(of: "\n", with: " "))
        }
        guard code == CRE_OK.rawValue else { throw GooseError.invalidPackage(file: origin, reason: "createrepo_c cannot parse it") }
        var node = repomd.pointee.records
        while let current = node {
            defer { node = current.pointee.next }
            guard let record = current.pointee.data?.assumingMemoryBound(to: cr_RepomdRecord.self).pointee,
                  record.type.map({ String(cString: $0) }) == "primary" else { continue }
            guard let href = record.location_href.map({ String(cString: $0) }), !href.isEmpty,
                  !href.hasPrefix("/"), !href.split(separator: "/").contains("..") else {
                throw GooseError.invalidPackage(file: origin, reason: "primary record has no usable location")
            }
            let typeName = record.checksum_type.map { String(cString: $0) } ?? ""
            guard let algorithm = algorithm(named: typeName) else {
                throw GooseError.invalidPackage(file: origin, reason: "primary checksum type '\(typeName)' is not supported (sha1, sha256, sha512)")
            }
            guard let checksum = record.checksum.map({ String(cString: $0).lowercased() }),
                  checksum.count == algorithm.hexLength, checksum.allSatisfy(\.isHexDigit) else {
                throw GooseError.invalidPackage(file: origin, reason: "primary record has no valid \(algorithm.rawValue) checksum")
            }
            let base = record.location_base.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            return PrimaryMetadataRecord(location: href, base: base, algorithm: algorithm, checksum: checksum)
        }
        throw GooseError.invalidPackage(file: origin, reason: "repomd.xml lists no primary metadata")
    }

    /// repomd.xml's checksum type names (`sha` is yum's old name for SHA-1).
    static func algorithm(named name: String) -> HashAlgorithm? {
        switch name.lowercased() {
        case "sha", "sha1": return .sha1
        case "sha256": return .sha256
        case "sha512": return .sha512
        default: return nil
        }
    }
}
