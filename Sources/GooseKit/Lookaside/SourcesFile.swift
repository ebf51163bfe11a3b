import Foundation

/// One archive listed in a `sources` or `.<name>.metadata` file.
public struct SourceEntry: Hashable, Sendable, Codable {
    /// The file name in the lookaside (basename).
    public var filename: String
    /// Where the file goes in a checkout (`file` for fedora, `SOURCES/file` for centos).
    public var checkoutPath: String
    public var hashType: HashAlgorithm
    public var hash: String

    public init(filename: String, checkoutPath: String? = nil, hashType: HashAlgorithm, hash: String) {
        self.filename = filename
        self.checkoutPath = checkoutPath ?? filename
        self.hashType = hashType
        self.hash = hash
    }
}

/// The formats dist-git uses to list lookaside files.
public enum SourcesFileFormat: String, Sendable {
    /// `SHA512 (file) = hash` (fedpkg).
    case bsd
    /// `hash  file`: the old md5 form.
    case legacy
    /// `hash SOURCES/file` (git.centos.org `.<name>.metadata`).
    case centosMetadata
}

/// Parsing and writing of `sources` files.
public enum SourcesFile {
    /// Parses any of the three forms; the hash type comes from the BSD tag or the hex length.
    public static func parse(_ text: String, file: String) throws -> [SourceEntry] {
        var entries: [SourceEntry] = []
        var seen: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let entry = try parseLine(line, file: file, lineNumber: index + 1)
            if let previous = seen[entry.checkoutPath], previous != entry.hash {
                throw GooseError.configuration(file: file, reason: "line \(index + 1): \(entry.filename) is listed twice with different hashes")
            }
            if seen[entry.checkoutPath] == nil { entries.append(entry) }
            seen[entry.checkoutPath] = entry.hash
        }
        return entries
    }

    static func parseLine(_ line: String, file: String, lineNumber: Int) throws -> SourceEntry {
        func bad(_ why: String) -> GooseError { .configuration(file: file, reason: "line \(lineNumber): \(why)") }
        // BSD: TYPE (file) = hash
        if let open = line.firstIndex(of: "("), let close = line.range(of: ") = ", options: .backwards) {
            let tag = line[..<open].trimmingCharacters(in: .whitespaces)
            guard let type = HashAlgorithm(rawValue: tag.lowercased()) else { throw bad("unknown hash type '\(tag)'") }
            let path = String(line[line.index(after: open)..<close.lowerBound])
            let hash = line[close.upperBound...].trimmingCharacters(in: .whitespaces).lowercased()
            guard hash.count == type.hexLength, hash.allSatisfy(\.isHexDigit) else { throw bad("bad \(type.bsdName) hash for \(path)") }
            return try entry(path: path, hash: hash, type: type, bad: bad)
        }
        let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw bad("cannot parse '\(line)'") }
        let hash = parts[0].lowercased()
        let path = parts[1].trimmingCharacters(in: .whitespaces)
        guard hash.allSatisfy(\.isHexDigit), let type = HashAlgorithm(hexLength: hash.count) else {
            throw bad("'\(parts[0])' is not a known hash")
        }
        return try entry(path: path, hash: hash, type: type, bad: bad)
    }

    private static func entry(path: String, hash: String, type: HashAlgorithm, bad: (String) -> GooseError) throws -> SourceEntry {
        let filename = (path as NSString).lastPathComponent
        guard LookasideNames.isValid(filename), !path.split(separator: "/").contains("..") , !path.hasPrefix("/") else {
            throw bad("unsafe file name '\(path)'")
        }
        return SourceEntry(filename: filename, checkoutPath: path, hashType: type, hash: hash)
    }

    /// Renders entries in one format, in the given order.
    public static func render(_ entries: [SourceEntry], format: SourcesFileFormat) -> String {
        entries.map { entry in
            switch format {
            case .bsd: return "\(entry.hashType.bsdName) (\(entry.checkoutPath)) = \(entry.hash)\n"
            case .legacy: return "\(entry.hash)  \(entry.checkoutPath)\n"
            case .centosMetadata: return "\(entry.hash) \(entry.checkoutPath)\n"
            }
        }.joined()
    }
}

/// Validation of package and file names used in lookaside paths and URLs.
public enum LookasideNames {
    /// A single path component: not empty, not `.` or `..`, no `/`, NUL or line break.
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains(where: { $0 == "/" || $0 == "\0" || $0 == "\n" || $0 == "\r" })
    }
}
