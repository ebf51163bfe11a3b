import Foundation

/// How an import run behaves.
public struct ImportOptions: Sendable {
    public var branch: String
    public var layout: ImportLayout
    /// Import an NVR older than the branch head.
    public var force = false
    /// Public keys that must have signed each SRPM (empty: signatures are not checked, digests are).
    public var verifyKeyFiles: [String] = []
    public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var maxGitTextSize: Int64
    /// Commit and tag time; nil means now (SOURCE_DATE_EPOCH when set).
    public var time: Date?

    public init(branch: String, layout: ImportLayout, maxGitTextSize: Int64) {
        self.branch = branch
        self.layout = layout
        self.maxGitTextSize = maxGitTextSize
    }
}

/// What happened to one SRPM.
public struct ImportResult: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        /// A new commit (and tag) on the branch.
        case imported
        /// The tree equals the branch head: tagged, no commit.
        case unchanged
        /// This exact SRPM was imported before: nothing to do.
        case alreadyImported = "already-imported"
        case failed
    }

    public var file: String
    public var status: Status
    public var name: String?
    public var nvr: String?
    public var branch: String
    public var commit: String?
    public var tag: String?
    public var patchedCommit: String?
    public var patchedTag: String?
    public var lookasideFiles: [String] = []
    public var error: String?
    /// The process exit code this failure maps to (not encoded).
    public var exitCode: Int32 = 0

    enum CodingKeys: String, CodingKey {
        case file, status, name, nvr, branch, commit, tag, lookasideFiles = "lookaside_files", error
        case patchedCommit = "patched_commit", patchedTag = "patched_tag"
    }
}

/// Stores one lookaside object wherever the workspace's lookaside lives.
public typealias LookasideSink = @Sendable (_ package: String, _ object: LookasideObject) throws -> Void

/// Imports source RPMs into per-package dist-git repositories (srpmproc / `centpkg import`).
public struct SRPMImporter: Sendable {
    public let workspace: Workspace
    public let options: ImportOptions
    let lookasideSink: LookasideSink

    /// An importer; archives go to `lookasideSink`, by default the workspace's own lookaside/ store.
    public init(workspace: Workspace, options: ImportOptions, lookasideSink: LookasideSink? = nil) {
        self.workspace = workspace
        self.options = options
        self.lookasideSink = lookasideSink
            ?? LookasideClient(backend: LocalLookaside(store: LookasideStore(root: workspace.lookasideDirectory))).importSink
    }

    /// Imports every SRPM, in parallel across packages and in EVR order within one package.
    public func importAll(_ paths: [String], progress: ProgressBar? = nil) async -> [ImportResult] {
        // A run killed after publishing leaves its staging behind; a resumed run that finds everything imported
        // creates none, so it reclaims here rather than only when it stages.
        StagingArea.removeAbandoned(in: workspace.temporaryDirectory)
        // Read headers first so that SRPMs of one package import one at a time, oldest first.
        var groups: [String: [(index: Int, path: String, package: RPMPackage)]] = [:]
        var results = [ImportResult?](repeating: nil, count: paths.count)
        for (index, path) in paths.enumerated() {
            do {
                let package = try RPMPackageReader.read(path)
                groups[package.nevra.name, default: []].append((index, path, package))
            } catch {
                results[index] = failure(path, error)
                progress?.advance(current: (path as NSString).lastPathComponent)
            }
        }
        let ordered = groups.values.map { group in group.sorted { $0.package.nevra.evr < $1.package.nevra.evr } }
            .sorted { $0[0].index < $1[0].index }
        await withTaskGroup(of: [(Int, ImportResult)].self) { taskGroup in
            var next = 0
            func schedule() {
                guard next < ordered.count else { return }
                let group = ordered[next]
                next += 1
                taskGroup.addTask {
                    group.map { item in
                        let result = importOne(item.path)
                        progress?.advance(current: item.package.nevra.nvr)
                        return (item.index, result)
                    }
                }
            }
            for _ in 0..<max(1, options.jobs) { schedule() }
            while let finished = await taskGroup.next() {
                for (index, result) in finished { results[index] = result }
                schedule()
            }
        }
        progress?.finish()
        return results.map { $0! }
    }

    /// Imports one SRPM; never throws: failures are reported in the result.
    public func importOne(_ path: String) -> ImportResult {
        do {
            return try performImport(path)
        } catch {
            return failure(path, error)
        }
    }

    private func failure(_ path: String, _ error: Error) -> ImportResult {
        let gooseError = error as? GooseError ?? .io(path: path, reason: "\(error)")
        var result = ImportResult(file: path, status: .failed, branch: options.branch)
        result.error = gooseError.description
        result.exitCode = gooseError.exitCode
        return result
    }

    private var commitTime: Date {
        if let time = options.time { return time }
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let seconds = TimeInterval(epoch) {
            return Date(timeIntervalSince1970: seconds)
        }
        return Date()
    }

    private func performImport(_ path: String) throws -> ImportResult {
        let package = try RPMPackageReader.read(path)
        guard package.isSource else {
            throw GooseError.invalidPackage(file: path, reason: "is a binary RPM (\(package.nevra)), not a source package")
        }
        let keyring = options.verifyKeyFiles.isEmpty ? nil : try RPMKeyring(keyFiles: options.verifyKeyFiles)
        try RPMPackageReader.verify(path, keyring: keyring)
        guard LookasideNames.isValid(package.nevra.name), !package.nevra.name.hasPrefix(".") else {
            throw GooseError.invalidPackage(file: path, reason: "unusable package name '\(package.nevra.name)'")
        }
        let name = package.nevra.name
        let nvr = package.nevra.nvr
        let sha256 = try ContentDigest.hexDigest(ofFile: path, algorithm: .sha256)
        let importTag = ImportNaming.importTag(branch: options.branch, nvr: nvr)
        guard GitRepository.isValidTagName(importTag), GitRepository.isValidTagName(options.branch) else {
            throw GooseError.usage("'\(options.branch)' or '\(nvr)' cannot name a git branch or tag")
        }
        var result = ImportResult(file: path, status: .imported, name: name, nvr: nvr, branch: options.branch)
        result.tag = importTag

        let lock = try FileLock(path: workspace.lockPath("git-\(name)"))
        defer { lock.unlock() }

        let repositoryPath = workspace.gitRepositoryPath(package: name)
        let existing = FileSystem.isDirectory(repositoryPath) ? try GitRepository.open(repositoryPath) : nil
        if let existing, let tagged = try existing.resolve("refs/tags/" + importTag) {
            let message = try existing.message(ofCommit: tagged)
            if ImportNaming.trailer(ImportNaming.shaTrailer, in: message) == sha256 {
                result.status = .alreadyImported
                result.commit = tagged.description
                return result
            }
            throw GooseError.importRefused(file: path, reason: "tag \(importTag) already exists for a different SRPM in \(repositoryPath)")
        }

        let staging = try StagingArea.create(in: workspace.temporaryDirectory, purpose: "import-\(name)")
        defer { FileSystem.remove(staging) }
        let payloadDirectory = staging + "/payload"
        try FileSystem.createDirectory(payloadDirectory)
        let extracted = try PayloadExtractor.extract(package, into: payloadDirectory)
        let tree = try makeTree(package: package, extracted: extracted)

        // A new package's repository is built aside and renamed into place only once complete.
        let repository: GitRepository
        var pendingRepositoryPath: String?
        if let existing {
            repository = existing
        } else {
            let temporary = staging + "/\(name).git"
            repository = try GitRepository.createBare(temporary)
            try repository.setHead(branch: options.branch)
            pendingRepositoryPath = temporary
        }
        let head = try repository.resolve("refs/heads/\(options.branch)")
        let previousFiles = try head.map { try repository.files(ofCommit: $0) } ?? [:]
        if let head, !options.force,
           let headEVR = ImportNaming.trailer(ImportNaming.evrTrailer, in: try repository.message(ofCommit: head)).map(EVR.init(parsing:)),
           package.nevra.evr < headEVR {
            throw GooseError.importRefused(file: path, reason: "\(nvr) is older than \(options.branch) head (\(name)-\(headEVR)); use --force to import it")
        }

        var patchedTree: DistGitTree?
        var patchedNVR = nvr
        var patchOutcome: PatchOutcome?
        if let patchSet = try PatchSet.load(directory: workspace.patchesDirectory + "/" + name, package: name) {
            var copy = tree
            let outcome = try patchSet.apply(to: &copy, repository: repository, context: PatchContext(evr: package.nevra.evr, date: commitTime, distTag: workspace.configuration.distTag))
            if let release = outcome.newRelease { patchedNVR = "\(name)-\(package.nevra.evr.version)-\(release)" }
            patchedTree = copy
            patchOutcome = outcome
        }

        // Lookaside objects go first: a commit must never reference a missing archive.
        for entry in tree.lookasideEntries + (patchedTree?.lookasideEntries ?? []) {
            try lookasideSink(name, entry.object)
        }
        result.lookasideFiles = tree.lookasideEntries.map { $0.path }

        let identity = GitIdentity.fromEnvironment(time: commitTime)
        let importTree = try writeTree(tree, previous: previousFiles, repository: repository)
        var commit: GitObjectID
        if let head, try repository.treeID(ofCommit: head) == importTree {
            commit = head
            result.status = .unchanged
        } else {
            let message = ImportNaming.importMessage(nvr: nvr, evr: package.nevra.evr, fileName: (path as NSString).lastPathComponent, sha256: sha256)
            commit = try repository.commit(tree: importTree, parent: head, branch: options.branch, message: message, author: identity, committer: identity)
        }
        try repository.createTag(importTag, target: commit, message: "import \(nvr)\n\n\(ImportNaming.shaTrailer): \(sha256)\n", tagger: identity)
        result.commit = commit.description

        if let patchedTree, let patchOutcome {
            let patchedTreeID = try writeTree(patchedTree, previous: previousFiles, repository: repository)
            if patchedTreeID != importTree {
                let message = """
                debrand \(patchedNVR)

                Directives: \(patchOutcome.appliedDirectives.joined(separator: ", "))
                \(ImportNaming.fileTrailer): \((path as NSString).lastPathComponent)
                \(ImportNaming.evrTrailer): \(package.nevra.evr)
                \(ImportNaming.shaTrailer): \(sha256)

                """
                commit = try repository.commit(tree: patchedTreeID, parent: commit, branch: options.branch, message: message, author: identity, committer: identity)
            }
            let patchedTag = ImportNaming.patchedTag(branch: options.branch, nvr: patchedNVR)
            try repository.createTag(patchedTag, target: commit, message: "debrand \(patchedNVR)\n", tagger: identity)
            result.patchedCommit = commit.description
            result.patchedTag = patchedTag
        }

        if let pendingRepositoryPath {
            try FileSystem.createDirectory(workspace.gitDirectory)
            try FileSystem.moveIntoPlace(pendingRepositoryPath, repositoryPath)
        }
        return result
    }

    /// Lays an SRPM's files out as a dist-git tree, deciding git or lookaside per file.
    func makeTree(package: RPMPackage, extracted: [ExtractedFile]) throws -> DistGitTree {
        guard let spec = package.specFile, extracted.contains(where: { $0.path == spec.path && $0.kind == .regular }) else {
            throw GooseError.invalidPackage(file: package.path, reason: "no spec file in the source package")
        }
        let classifier = ImportClassifier(maxGitTextSize: options.maxGitTextSize)
        let patches = Set(package.patchNames)
        let layout = options.layout
        var tree = DistGitTree(packageName: package.nevra.name, layout: layout,
                               specPath: DistGitTree.repositoryPath(forPayloadFile: spec.path, isSpec: true, layout: layout))
        for file in extracted {
            let isSpec = file.path == spec.path
            let repositoryPath = DistGitTree.repositoryPath(forPayloadFile: file.path, isSpec: isSpec, layout: layout)
            guard !isGeneratedPath(repositoryPath, tree: tree) else {
                throw GooseError.invalidPackage(file: package.path, reason: "payload file '\(file.path)' collides with the generated \(repositoryPath)")
            }
            switch file.kind {
            case .symlink:
                tree.files[repositoryPath] = .init(content: .symlink(file.linkTarget ?? ""))
            case .regular:
                let destination = classifier.destination(size: file.size, isBinary: file.isBinary, isSpec: isSpec, isPatch: patches.contains(file.path))
                if destination == .git {
                    tree.files[repositoryPath] = .init(content: .blob(try FileSystem.contents(of: file.stagedPath)), executable: file.isExecutable)
                } else {
                    let object = LookasideObject(filename: (file.path as NSString).lastPathComponent, sha512: file.sha512, size: file.size, sourcePath: file.stagedPath)
                    tree.files[repositoryPath] = .init(content: .lookaside(object), executable: file.isExecutable)
                }
            }
        }
        return tree
    }

    private func isGeneratedPath(_ path: String, tree: DistGitTree) -> Bool {
        path == tree.indexFileName || path == ".gitignore"
    }

    /// Writes the git tree of a dist-git tree: its blobs, the index file, `.gitignore`, and the kept files of the previous import.
    func writeTree(_ tree: DistGitTree, previous: [String: GitTreeFile], repository: GitRepository) throws -> GitObjectID {
        var files = try tree.writeGitFiles(to: repository)
        for (path, file) in previous where ImportClassifier.isKeptOnReimport(path) && files[path] == nil && path != ".gitignore" {
            files[path] = file
        }
        let index = tree.renderedIndex()
        if !index.isEmpty {
            files[tree.indexFileName] = GitTreeFile(id: try repository.writeBlob(Data(index.utf8)), mode: .blob)
        }
        let previousIgnore = try previous[".gitignore"].map { String(decoding: try repository.blob($0.id), as: UTF8.self) }
        let ignore = tree.renderedGitignore(keeping: previousIgnore)
        if !ignore.isEmpty {
            files[".gitignore"] = GitTreeFile(id: try repository.writeBlob(Data(ignore.utf8)), mode: .blob)
        }
        return try repository.writeTree(files)
    }
}
