import Foundation

/// Where one spec comes from: a file, the spec inside an SRPM, or a dist-git branch read through libgit2.
public enum SpecSource: Hashable, Sendable {
    case file(String)
    case sourceRPM(String)
    case distGit(repository: String, branch: String)

    /// How messages name it.
    public var origin: String {
        switch self {
        case let .file(path), let .sourceRPM(path): return path
        case let .distGit(repository, branch): return "\(repository)@\(branch)"
        }
    }

    /// Finds the specs under the given paths: `.spec` files, `.src.rpm` files, a package directory (`<dir>/<dir>.spec`,
    /// else its `*.spec`), or a tree of package directories (every `*.spec` one level down).
    public static func discover(_ paths: [String]) throws -> [SpecSource] {
        var result: [SpecSource] = []
        let manager = FileManager.default
        for path in paths {
            if path.hasSuffix(".src.rpm") || path.hasSuffix(".nosrc.rpm") {
                guard FileSystem.isRegularFile(path) else { throw GooseError.io(path: path, reason: "no such file") }
                result.append(.sourceRPM(path))
                continue
            }
            if FileSystem.isRegularFile(path) {
                result.append(.file(path))
                continue
            }
            guard FileSystem.isDirectory(path) else { throw GooseError.io(path: path, reason: "no such file or directory") }
            let base = (path as NSString).lastPathComponent
            let own = path + "/" + base + ".spec"
            if FileSystem.isRegularFile(own) {
                result.append(.file(own))
                continue
            }
            let entries = (try? manager.contentsOfDirectory(atPath: path))?.sorted() ?? []
            let direct = entries.filter { $0.hasSuffix(".spec") || $0.hasSuffix(".src.rpm") }
            if !direct.isEmpty {
                result += direct.map { $0.hasSuffix(".spec") ? .file(path + "/" + $0) : .sourceRPM(path + "/" + $0) }
                continue
            }
            for entry in entries where FileSystem.isDirectory(path + "/" + entry) {
                let directory = path + "/" + entry
                let specs = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".spec") }.sorted()
                result += specs.map { .file(directory + "/" + $0) }
            }
        }
        return result
    }

    /// Every dist-git repository of the workspace, read at `branch`.
    public static func distGit(workspace: Workspace, branch: String) throws -> [SpecSource] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: workspace.gitDirectory)) ?? []
        return entries.filter { $0.hasSuffix(".git") }.sorted().map { .distGit(repository: workspace.gitDirectory + "/" + $0, branch: branch) }
    }

    /// Files beside the spec up to this size are handed to rpm with it (for `%include %{SOURCE1}` and the like);
    /// bigger ones are source archives, which parsing never reads.
    static let companionSizeLimit = 1 << 20

    /// The spec's text, and for SRPMs and dist-git the small files that sit beside it (by file name), which a spec
    /// may `%include`; a spec file on disk has its directory already.
    public func load() throws -> (content: Data, companions: [String: Data]) {
        switch self {
        case let .file(path):
            return (try FileSystem.contents(of: path), [:])
        case let .sourceRPM(path):
            return try Self.specInside(sourceRPM: path)
        case let .distGit(repository, branch):
            let git = try GitRepository.open(repository)
            guard let commit = try git.resolve("refs/heads/" + branch) else {
                throw GooseError.git(context: repository, reason: "no branch '\(branch)'")
            }
            let files = try git.files(ofCommit: commit)
            let name = String((repository as NSString).lastPathComponent.dropLast(4))
            let specPath = files[name + ".spec"] != nil ? name + ".spec" : files.keys.filter { !$0.contains("/") && $0.hasSuffix(".spec") }.sorted().first
            guard let specPath, let file = files[specPath] else {
                throw GooseError.git(context: "\(repository)@\(branch)", reason: "no spec file at the top of the tree")
            }
            var companions: [String: Data] = [:]
            for (path, entry) in files where path != specPath && !path.contains("/") && !path.hasPrefix(".") {
                // dist-git keeps archives in the lookaside; what is in git is small (patches, macro files, sources).
                let data = try git.blob(entry.id)
                if data.count <= Self.companionSizeLimit { companions[path] = data }
            }
            return (try git.blob(file.id), companions)
        }
    }

    /// The files beside the spec that parsing it may read, for the cache key: none unless the spec pulls a file in
    /// (`%include`, `%{load:…}`); then every small file beside it (an included file that changes must change the
    /// key, and which one a macro names is known only to rpm).
    func filesReadByParsing(content: Data, companions: [String: Data]) -> [String: Data] {
        guard content.range(of: Data("%include".utf8)) != nil || content.range(of: Data("%{load:".utf8)) != nil else { return [:] }
        guard case let .file(path) = self else { return companions }
        let directory = (path as NSString).deletingLastPathComponent
        let specName = (path as NSString).lastPathComponent
        var files: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        where name != specName && !name.hasPrefix(".") {
            let file = (directory.isEmpty ? "" : directory + "/") + name
            var info = stat()
            guard stat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= Self.companionSizeLimit,
                  let data = try? FileSystem.contents(of: file) else { continue }
            files[name] = data
        }
        return files
    }

    /// Reads the spec file (the entry rpm flags as the spec) and the small files beside it out of a source RPM's payload.
    static func specInside(sourceRPM path: String) throws -> (content: Data, companions: [String: Data]) {
        let package = try RPMPackageReader.read(path)
        guard package.isSource, let spec = package.specFile else {
            throw GooseError.invalidPackage(file: path, reason: "not a source RPM with a spec file")
        }
        let specName = (spec.path as NSString).lastPathComponent
        let reader = try RPMArchiveReader(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { buffer.deallocate() }
        var content: Data?
        var companions: [String: Data] = [:]
        while let entry = try reader.nextEntry() {
            let name = (entry.path as NSString).lastPathComponent
            guard entry.kind == .regular, name == specName || entry.size <= Int64(companionSizeLimit),
                  !name.isEmpty, !name.hasPrefix(".") else { continue }
            var data = Data()
            try reader.readData(into: buffer) { data.append(contentsOf: $0) }
            if name == specName { content = data } else { companions[name] = data }
        }
        guard let content else {
            throw GooseError.invalidPackage(file: path, reason: "spec file \(spec.path) missing from the payload")
        }
        return (content, companions)
    }
}
