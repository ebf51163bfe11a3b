import Foundation

/// What a patch set needs to know about the import it changes.
public struct PatchContext: Sendable {
    /// The package's EVR as the vendor built it (the SRPM header's).
    public var evr: EVR
    /// The date of a %changelog entry (SOURCE_DATE_EPOCH or now).
    public var date: Date
    /// The vendor's expanded `%{dist}` (`.el9_3`); only needed when the spec's Release: value uses
    /// macros goose cannot expand. Nil when unknown.
    public var distTag: String?

    public init(evr: EVR, date: Date, distTag: String? = nil) {
        self.evr = evr
        self.date = date
        self.distTag = distTag
    }
}

/// The result of applying a patch set.
public struct PatchOutcome: Sendable, Equatable {
    /// The release after `release_bump`, expanded like the vendor's (`3.goose1.el9`); nil without a bump.
    public var newRelease: String?
    /// Labels of the directives applied, in application order.
    public var appliedDirectives: [String]

    public init(newRelease: String?, appliedDirectives: [String]) {
        self.newRelease = newRelease
        self.appliedDirectives = appliedDirectives
    }
}

/// The debranding directives of one package (`patches/<package>/*.toml`) and the files they name.
public struct PatchSet: Sendable {
    public var package: String
    /// The package's patch directory; directive file references are relative to it.
    public var directory: String
    /// Directives in reading order: TOML files by name, then position inside each file.
    public var entries: [PatchSetEntry]

    public init(package: String, directory: String, entries: [PatchSetEntry]) {
        self.package = package
        self.directory = directory
        self.entries = entries
    }

    /// Loads patches/<name>/*.toml; nil when the directory does not exist.
    /// `directory` is the package's own patch directory (`<workspace>/patches/<package>`).
    public static func load(directory: String, package: String) throws -> PatchSet? {
        let packageDirectory = FileSystem.absolute(directory)
        guard FileSystem.isDirectory(packageDirectory) else { return nil }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: packageDirectory) } catch {
            throw GooseError.io(path: packageDirectory, reason: "cannot list directory")
        }
        let tomlFiles = names.filter { $0.hasSuffix(".toml") && FileSystem.isRegularFile(packageDirectory + "/" + $0) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !tomlFiles.isEmpty else {
            throw GooseError.configuration(file: packageDirectory, reason: "patch directory has no *.toml directive files")
        }
        var entries: [PatchSetEntry] = []
        var releaseBumpFile: String?
        for name in tomlFiles {
            let path = packageDirectory + "/" + name
            let text = String(decoding: try FileSystem.contents(of: path), as: UTF8.self)
            for directive in try PatchFileParser.parse(text, file: path) {
                if directive.kind == .releaseBump {
                    // Two suffixes would make the patched release depend on file naming.
                    if let releaseBumpFile {
                        throw GooseError.configuration(file: path, reason: "[release_bump] is already set in \(releaseBumpFile)")
                    }
                    releaseBumpFile = name
                }
                entries.append(PatchSetEntry(directive: directive, sourceFile: name))
            }
        }
        return PatchSet(package: package, directory: packageDirectory, entries: entries)
    }

    /// The entries in the fixed application order (by kind; reading order within a kind).
    public var orderedEntries: [PatchSetEntry] {
        entries.enumerated().sorted { left, right in
            let stages = (left.element.directive.kind.stage, right.element.directive.kind.stage)
            return stages.0 != stages.1 ? stages.0 < stages.1 : left.offset < right.offset
        }.map(\.element)
    }

    /// Applies every directive to `tree`; returns the release after a bump (or nil when not bumped).
    /// All directives are attempted; if any fails, `tree` is left unchanged and the error names the first.
    public func apply(to tree: inout DistGitTree, repository: GitRepository, context: PatchContext) throws -> PatchOutcome {
        let ordered = orderedEntries
        var application = PatchApplication(patchSet: self, tree: tree, repository: repository, context: context)
        var failures: [(label: String, reason: String)] = []
        var applied: [String] = []
        for entry in ordered {
            do {
                try application.apply(entry.directive)
                applied.append(entry.label)
            } catch let failure as DirectiveFailure {
                failures.append((entry.label, failure.reason))
            } catch let failure as SpecText.EditFailure {
                failures.append((entry.label, failure.reason))
            } catch let error as GooseError {
                failures.append((entry.label, error.description))
            } catch {
                failures.append((entry.label, "\(error)"))
            }
        }
        if let first = failures.first {
            var reason = "\(first.reason) (\(failures.count) of \(ordered.count) directives failed"
            for other in failures.dropFirst() { reason += "; \(other.label): \(other.reason)" }
            throw GooseError.patchDirective(package: package, directive: first.label, reason: reason + ")")
        }
        tree = application.tree
        return PatchOutcome(newRelease: application.newRelease, appliedDirectives: applied)
    }
}

/// Why a directive could not be applied to the tree, worded for a user.
struct DirectiveFailure: Error {
    var reason: String
}

/// The state of one run of a patch set over a tree.
struct PatchApplication {
    let patchSet: PatchSet
    var tree: DistGitTree
    let repository: GitRepository
    let context: PatchContext
    /// The spec as the vendor built it: the base for working out the bumped release.
    let originalSpec: String?
    var newRelease: String?

    init(patchSet: PatchSet, tree: DistGitTree, repository: GitRepository, context: PatchContext) {
        self.patchSet = patchSet
        self.tree = tree
        self.repository = repository
        self.context = context
        originalSpec = tree.specText
    }

    private func failure(_ reason: String) -> DirectiveFailure { DirectiveFailure(reason: reason) }

    mutating func apply(_ directive: PatchDirective) throws {
        switch directive {
        case let .replaceFile(target, replacement):
            guard let path = existingPath(target) else { throw failure("'\(target)' is not in the tree") }
            let executable = tree.files[path]?.executable ?? false
            let content = try patchFileContent(replacement, filename: lastComponent(path))
            tree.files[path] = DistGitTree.File(content: content.content, executable: executable)
        case let .deleteFile(target):
            guard let path = existingPath(target) else { throw failure("'\(target)' is not in the tree") }
            guard path != tree.specPath else { throw failure("'\(path)' is the spec file; replace it instead") }
            tree.files[path] = nil
        case let .addFile(target, source):
            let path = target.contains("/") ? target : tree.repositoryPath(forNewFile: target)
            try checkNewPath(path)
            let content = try patchFileContent(source, filename: lastComponent(path))
            tree.files[path] = DistGitTree.File(content: content.content, executable: content.executable)
        case let .applyPatch(diff):
            try applyDiff(diff)
        case let .specSearchAndReplace(substitution):
            let text = try specText()
            tree.setSpecText(try SpecText.searchAndReplace(text, substitution).text)
        case let .specChangelog(entry):
            let text = try specText()
            var evr = context.evr
            // The entry describes the package being built, so it carries the release after the bump
            // that comes later in the fixed order.
            if let suffix = releaseBumpSuffix, let release = predictedRelease(spec: text, suffix: suffix) { evr.release = release }
            tree.setSpecText(SpecText.insertChangelogEntry(text, entry, date: context.date, evr: evr))
        case let .releaseBump(suffix):
            let text = try specText()
            let bumped = try SpecText.bumpRelease(text, suffix: suffix)
            guard let release = predictedRelease(spec: text, suffix: suffix) else {
                throw failure("cannot tell which release the Release: tag '\(SpecText.tagValue(text, name: "Release") ?? "")' "
                    + "builds to from the vendor release '\(context.evr.release)'; set the vendor's dist tag in the patch context")
            }
            tree.setSpecText(bumped)
            newRelease = release
        }
    }

    private var releaseBumpSuffix: String? {
        for entry in patchSet.entries { if case let .releaseBump(suffix) = entry.directive { return suffix } }
        return nil
    }

    private func predictedRelease(spec: String, suffix: String) -> String? {
        guard SpecText.tagValue(spec, name: "Release") != nil else { return nil }
        return SpecText.bumpedRelease(originalSpec: originalSpec ?? spec, headerRelease: context.evr.release, specBeforeBump: spec,
                                      suffix: suffix, distTag: context.distTag)
    }

    private func specText() throws -> String {
        guard let text = tree.specText else { throw failure("the spec file '\(tree.specPath)' is not in the tree as text") }
        return text
    }

    private func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The tree path a directive's `file` names: itself, or for a bare name the layout's place for it.
    private func existingPath(_ reference: String) -> String? {
        if tree.files[reference] != nil { return reference }
        if !reference.contains("/") {
            let placed = tree.repositoryPath(forNewFile: reference)
            if tree.files[placed] != nil { return placed }
        }
        return nil
    }

    private func checkNewPath(_ path: String) throws {
        if tree.files[path] != nil { throw failure("'\(path)' is already in the tree; use replace_file") }
        if path == tree.indexFileName || path == ".gitignore" {
            throw failure("'\(path)' is generated from the tree and cannot be added")
        }
        if tree.files.keys.contains(where: { $0.hasPrefix(path + "/") }) { throw failure("'\(path)' is a directory in the tree") }
        var parent = ""
        for component in path.split(separator: "/").dropLast() {
            parent += (parent.isEmpty ? "" : "/") + component
            if tree.files[parent] != nil { throw failure("'\(parent)' is a file in the tree, so '\(path)' cannot be added") }
        }
    }

    /// Reads a file of the patch directory: text goes to git, binary content to the lookaside.
    private func patchFileContent(_ relative: String, filename: String) throws -> (content: DistGitTree.Content, executable: Bool) {
        let path = try patchFilePath(relative)
        let data = try FileSystem.contents(of: path)
        var information = stat()
        let executable = stat(path, &information) == 0 && (information.st_mode & 0o111) != 0
        let isBinary = data.withUnsafeBytes { buffer -> Bool in
            var detector = TextDetector()
            detector.update(buffer)
            return detector.isBinary
        }
        guard isBinary else { return (.blob(data), executable) }
        let object = LookasideObject(filename: filename, sha512: ContentDigest.hexDigest(of: data, algorithm: .sha512),
                                     size: Int64(data.count), sourcePath: path)
        return (.lookaside(object), executable)
    }

    /// The absolute path of a patch-directory file, refusing symlinks that lead outside the directory.
    private func patchFilePath(_ relative: String) throws -> String {
        if let problem = PatchPaths.problem(withPatchDirectoryPath: relative) { throw failure("'\(relative)' \(problem)") }
        let path = patchSet.directory + "/" + relative
        guard FileSystem.exists(path) else { throw failure("'\(relative)' does not exist in \(patchSet.directory)") }
        guard let resolved = realPath(path), let root = realPath(patchSet.directory), resolved.hasPrefix(root + "/") else {
            throw failure("'\(relative)' resolves to a file outside the patch directory")
        }
        guard FileSystem.isRegularFile(resolved) else { throw failure("'\(relative)' is not a regular file") }
        return resolved
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private mutating func applyDiff(_ diffName: String) throws {
        let path = try patchFilePath(diffName)
        let diff = try FileSystem.contents(of: path)
        let touched: [String]
        do { touched = try repository.pathsChanged(byDiff: diff, name: diffName) } catch let GooseError.git(_, reason) {
            throw failure("'\(diffName)' is not a git-style diff: \(reason)")
        }
        guard !touched.isEmpty else { throw failure("'\(diffName)' changes no files") }
        for file in touched {
            if case .lookaside = tree.files[file]?.content {
                throw failure("'\(file)' is kept in the lookaside; only files in git can be patched")
            }
        }
        let preimage = try tree.writeGitFiles(to: repository)
        let postimage: [String: GitTreeFile]
        do { postimage = try repository.applyDiff(diff, to: preimage, name: diffName) } catch let GooseError.git(_, reason) {
            throw failure("'\(diffName)' does not apply: \(reason)")
        }
        var files = tree.files.filter { if case .lookaside = $0.value.content { return true } else { return false } }
        for (path, entry) in postimage {
            if preimage[path] == entry, let unchanged = tree.files[path] {
                files[path] = unchanged
                continue
            }
            let data = try repository.blob(entry.id)
            let content: DistGitTree.Content = entry.mode == .symlink ? .symlink(String(decoding: data, as: UTF8.self)) : .blob(data)
            files[path] = DistGitTree.File(content: content, executable: entry.mode == .executable)
        }
        tree.files = files
    }
}
