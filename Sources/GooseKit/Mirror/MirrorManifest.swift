import Foundation

/// One regular file of a mirrored tree: path relative to the tree, size, modification time, SHA-256.
public struct MirrorFileEntry: Codable, Sendable, Equatable, Hashable {
    public var path: String
    public var size: Int64
    /// Seconds since the epoch; size + mtime decide whether a file changed without reading it.
    public var mtime: Int
    public var sha256: String

    public init(path: String, size: Int64, mtime: Int, sha256: String) {
        self.path = path
        self.size = size
        self.mtime = mtime
        self.sha256 = sha256
    }
}

/// The list of every file of a mirrored tree with its hash, plus the repo roots (dirs with repodata).
public struct MirrorManifest: Codable, Sendable, Equatable {
    /// The manifest's file name at the top of the tree.
    public static let fileName = ".goose-manifest"
    /// quick-fedora-mirror's file list beside it.
    public static let fullFileTimeListName = "fullfiletimelist"
    /// goose's own working directory inside a synced tree (partial downloads, sync state).
    public static let workDirectoryName = ".goose-sync"

    public var version: Int
    /// When the scan behind the manifest began (seconds since the epoch); files not older than it are hashed again next time.
    public var generated: Int
    /// Directories (relative, "" for the top) that hold `repodata/repomd.xml`, sorted.
    public var repoRoots: [String]
    /// Every regular file, sorted by path.
    public var files: [MirrorFileEntry]

    public init(generated: Int, files: [MirrorFileEntry]) {
        version = 1
        self.generated = generated
        self.files = files.sorted { $0.path < $1.path }
        repoRoots = Self.repoRoots(of: self.files.map(\.path))
    }

    /// Whether a relative path is goose's own bookkeeping and never part of the mirrored content.
    public static func isBookkeeping(_ path: String) -> Bool {
        path == fileName || path.hasPrefix(fullFileTimeListName) || path == workDirectoryName
            || path.hasPrefix(workDirectoryName + "/")
    }

    /// The directories holding `repodata/repomd.xml` among `paths`.
    public static func repoRoots(of paths: [String]) -> [String] {
        var roots: Set<String> = []
        for path in paths {
            if path == "repodata/repomd.xml" { roots.insert("") }
            else if path.hasSuffix("/repodata/repomd.xml") { roots.insert(String(path.dropLast("/repodata/repomd.xml".count))) }
        }
        return roots.sorted()
    }

    /// The innermost repo root that contains `path`, or nil for a file outside every repo.
    public static func repoRoot(of path: String, roots: [String]) -> String? {
        var best: String?
        for root in roots where root.isEmpty || path.hasPrefix(root + "/") {
            if best == nil || root.count > best!.count { best = root }
        }
        return best
    }

    /// The manifest as JSON, one file per line so that `diff` of two manifests reads well.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = "{\"version\":\(version),\"generated\":\(generated),\"repoRoots\":"
        text += String(decoding: (try? encoder.encode(repoRoots)) ?? Data("[]".utf8), as: UTF8.self)
        text += ",\"files\":[\n"
        text += files.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) }.joined(separator: ",\n")
        text += "\n]}\n"
        return Data(text.utf8)
    }

    /// Parses a manifest; `source` names it in the error.
    public static func decode(_ data: Data, source: String) throws -> MirrorManifest {
        do {
            let manifest = try JSONDecoder().decode(MirrorManifest.self, from: data)
            guard manifest.version == 1 else {
                throw GooseError.invalidManifest(source: source, reason: "unsupported version \(manifest.version)")
            }
            for entry in manifest.files where !isSafeRelativePath(entry.path) || entry.sha256.count != 64 {
                throw GooseError.invalidManifest(source: source, reason: "bad entry '\(entry.path)'")
            }
            return manifest
        } catch let error as GooseError {
            throw error
        } catch {
            throw GooseError.invalidManifest(source: source, reason: "not a goose manifest (\(error is DecodingError ? "not manifest JSON" : error.localizedDescription))")
        }
    }

    /// A relative path that stays inside the tree: no leading slash, no `.`/`..` components, no empty ones.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }

    /// quick-fedora-mirror's `fullfiletimelist` (version 2): files and their directories with mtime and size,
    /// then SHA-1 checksums of the files given in `sha1ByPath` (repomd.xml by default).
    public func fullFileTimeList(directoryTimes: [String: Int], sha1ByPath: [String: String]) -> String {
        var lines = ["[Version]", "2", "", "[Files]"]
        var records: [(String, String)] = []
        for (directory, time) in directoryTimes { records.append((directory, "\(time)\td\t0\t\(directory)")) }
        for file in files { records.append((file.path, "\(file.mtime)\tf\t\(file.size)\t\(file.path)")) }
        lines += records.sorted { $0.0 < $1.0 }.map(\.1)
        lines += ["", "[Checksums SHA1]"]
        lines += sha1ByPath.keys.sorted().map { "\(sha1ByPath[$0]!)\t\($0)" }
        lines += ["", "[End]", ""]
        return lines.joined(separator: "\n")
    }
}
