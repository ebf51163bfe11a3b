import Foundation

/// A file kept in the lookaside instead of git.
public struct LookasideObject: Sendable, Equatable {
    public var filename: String
    public var sha512: String
    public var size: Int64
    /// Where the bytes are now (a staged payload file or a file of a patch directory).
    public var sourcePath: String

    public init(filename: String, sha512: String, size: Int64, sourcePath: String) {
        self.filename = filename
        self.sha512 = sha512
        self.size = size
        self.sourcePath = sourcePath
    }
}

/// The content of one dist-git commit before it is written: repository paths to files,
/// not counting the generated `sources`/`.metadata` index and `.gitignore`.
public struct DistGitTree: Sendable {
    public enum Content: Sendable, Equatable {
        case blob(Data)
        case lookaside(LookasideObject)
        case symlink(String)
    }

    public struct File: Sendable, Equatable {
        public var content: Content
        public var executable: Bool

        public init(content: Content, executable: Bool = false) {
            self.content = content
            self.executable = executable
        }
    }

    public let packageName: String
    public let layout: ImportLayout
    /// Repository path of the spec file.
    public var specPath: String
    public var files: [String: File]

    public init(packageName: String, layout: ImportLayout, specPath: String, files: [String: File] = [:]) {
        self.packageName = packageName
        self.layout = layout
        self.specPath = specPath
        self.files = files
    }

    /// Where a payload file (an SRPM's flat file name) goes in this layout.
    public static func repositoryPath(forPayloadFile name: String, isSpec: Bool, layout: ImportLayout) -> String {
        switch layout {
        case .fedora: return name
        case .centos: return (isSpec ? "SPECS/" : "SOURCES/") + name
        }
    }

    /// Where a file added by name (not by path) goes: the spec directory for specs, else the sources directory.
    public func repositoryPath(forNewFile name: String) -> String {
        Self.repositoryPath(forPayloadFile: name, isSpec: name.hasSuffix(".spec"), layout: layout)
    }

    /// The spec file's text.
    public var specText: String? {
        guard case let .blob(data) = files[specPath]?.content else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public mutating func setSpecText(_ text: String) {
        let executable = files[specPath]?.executable ?? false
        files[specPath] = File(content: .blob(Data(text.utf8)), executable: executable)
    }

    /// Writes the blobs of the files kept in git (not the lookaside ones) and returns them as a flat tree.
    public func writeGitFiles(to repository: GitRepository) throws -> [String: GitTreeFile] {
        var result: [String: GitTreeFile] = [:]
        for (path, file) in files {
            switch file.content {
            case let .blob(data):
                result[path] = GitTreeFile(id: try repository.writeBlob(data), mode: file.executable ? .executable : .blob)
            case let .symlink(target):
                result[path] = GitTreeFile(id: try repository.writeBlob(Data(target.utf8)), mode: .symlink)
            case .lookaside:
                continue
            }
        }
        return result
    }

    /// Name of the lookaside index file for this layout.
    public var indexFileName: String {
        switch layout {
        case .fedora: return "sources"
        case .centos: return ".\(packageName).metadata"
        }
    }

    /// The lookaside entries of this tree, sorted by path.
    public var lookasideEntries: [(path: String, object: LookasideObject)] {
        files.compactMap { path, file -> (String, LookasideObject)? in
            if case let .lookaside(object) = file.content { return (path, object) }
            return nil
        }.sorted { $0.0 < $1.0 }
    }

    /// The generated index file (`sources` or `.<name>.metadata`), empty when nothing is in the lookaside.
    public func renderedIndex() -> String {
        let entries = lookasideEntries.map { SourceEntry(filename: $0.object.filename, checkoutPath: $0.path, hashType: .sha512, hash: $0.object.sha512) }
        return SourcesFile.render(entries, format: layout == .fedora ? .bsd : .centosMetadata)
    }

    /// `.gitignore` lines for the lookaside files, merged with lines kept from an existing one.
    public func renderedGitignore(keeping existing: String? = nil) -> String {
        var lines: [String] = []
        var seen = Set<String>()
        for line in (existing ?? "").split(separator: "\n").map(String.init) where !line.isEmpty && !seen.contains(line) {
            // Lines naming lookaside files are regenerated below; stale ones drop out.
            if isGeneratedIgnoreLine(line) { continue }
            lines.append(line)
            seen.insert(line)
        }
        for (path, _) in lookasideEntries {
            let line = "/" + path
            if !seen.contains(line) { lines.append(line); seen.insert(line) }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    private func isGeneratedIgnoreLine(_ line: String) -> Bool {
        guard line.hasPrefix("/") else { return false }
        let path = String(line.dropFirst())
        if layout == .centos { return path.hasPrefix("SOURCES/") && !path.dropFirst(8).contains("/") }
        return !path.contains("/") && !path.contains("*")
    }
}
