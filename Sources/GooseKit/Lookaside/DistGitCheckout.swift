import Foundation

/// A dist-git working tree as the lookaside commands see it: its layout and the file listing its archives
/// (`sources` for the fedora layout, `.<name>.metadata` for the centos one).
public struct DistGitCheckout: Sendable, Equatable {
    public var directory: String
    public var package: String
    public var layout: ImportLayout

    public init(directory: String, package: String, layout: ImportLayout) {
        self.directory = directory
        self.package = package
        self.layout = layout
    }

    /// The index file of this layout.
    public var indexPath: String {
        switch layout {
        case .fedora: return directory + "/sources"
        case .centos: return directory + "/.\(package).metadata"
        }
    }

    /// The format goose writes the index in.
    public var indexFormat: SourcesFileFormat { layout == .fedora ? .bsd : .centosMetadata }

    /// Where an archive sits in the checkout: `file` (fedora) or `SOURCES/file` (centos).
    public func checkoutPath(forFilename filename: String) -> String {
        layout == .fedora ? filename : "SOURCES/" + filename
    }

    /// The package a checkout belongs to: `explicit` when given, else the only `.<name>.metadata`, else the
    /// name of the git remote `origin` (`…/<name>.git`, as fedpkg reads it), else the only spec file (at the
    /// top or in `SPECS/`), else the directory's name.
    public static func packageName(in directory: String, explicit: String?) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        func names(in folder: String, matching: (String) -> String?) -> [String] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return entries.compactMap(matching).sorted()
        }
        let metadata = names(in: directory) { entry in
            entry.hasPrefix(".") && entry.hasSuffix(".metadata") && entry.count > 10 ? String(entry.dropFirst().dropLast(9)) : nil
        }
        if metadata.count == 1 { return metadata[0] }
        if let config = try? FileSystem.contents(of: directory + "/.git/config"),
           let name = originName(gitConfig: String(decoding: config, as: UTF8.self)) {
            return name
        }
        let specName: (String) -> String? = { $0.hasSuffix(".spec") && $0.count > 5 ? String($0.dropLast(5)) : nil }
        for folder in [directory, directory + "/SPECS"] {
            let specs = names(in: folder, matching: specName)
            if specs.count == 1 { return specs[0] }
        }
        return (FileSystem.absolute(directory) as NSString).lastPathComponent
    }

    /// The repository name in the `url` of `[remote "origin"]` of a git config: `…/bash.git` → `bash`.
    static func originName(gitConfig: String) -> String? {
        var inOrigin = false
        for rawLine in gitConfig.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inOrigin = line.replacingOccurrences(of: " ", with: "") == "[remote\"origin\"]"
                continue
            }
            guard inOrigin, let equals = line.firstIndex(of: "="),
                  line[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "url" else { continue }
            var url = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            while url.hasSuffix("/") { url.removeLast() }
            var name = String(url.split(whereSeparator: { $0 == "/" || $0 == ":" }).last ?? "")
            if name.hasSuffix(".git") { name.removeLast(4) }
            return LookasideNames.isValid(name) ? name : nil
        }
        return nil
    }

    /// The checkout at `directory`, or nil when it does not look like one: centos when it has
    /// `.<name>.metadata` or `SPECS/`, fedora when it has `sources` or `<name>.spec`.
    public static func detect(directory: String, package: String) -> DistGitCheckout? {
        if FileSystem.isRegularFile(directory + "/.\(package).metadata") || FileSystem.isDirectory(directory + "/SPECS") {
            return DistGitCheckout(directory: directory, package: package, layout: .centos)
        }
        if FileSystem.isRegularFile(directory + "/sources") || FileSystem.isRegularFile(directory + "/\(package).spec") {
            return DistGitCheckout(directory: directory, package: package, layout: .fedora)
        }
        return nil
    }

    /// The entries of the index; none when it does not exist yet.
    public func readEntries() throws -> [SourceEntry] {
        guard FileSystem.exists(indexPath) else { return [] }
        let text = String(decoding: try FileSystem.contents(of: indexPath), as: UTF8.self)
        return try SourcesFile.parse(text, file: indexPath)
    }

    /// Adds archives to the index (replacing entries for the same path) and to `.gitignore`, each
    /// rewritten atomically.
    public func record(_ added: [SourceEntry]) throws {
        guard !added.isEmpty else { return }
        let entries = try Self.merged(existing: readEntries(), adding: added, format: indexFormat, file: indexPath)
        try AtomicFileWriter.write(SourcesFile.render(entries, format: indexFormat), to: indexPath)
        let gitignorePath = directory + "/.gitignore"
        let current = FileSystem.exists(gitignorePath) ? String(decoding: try FileSystem.contents(of: gitignorePath), as: UTF8.self) : ""
        let updated = Self.gitignore(current, ignoring: added.map(\.checkoutPath))
        if updated != current { try AtomicFileWriter.write(updated, to: gitignorePath) }
    }

    /// The index after adding entries: same path → replaced in place, new paths appended.
    /// A `sources` file (BSD or legacy form) holds one hash type, as fedpkg requires.
    public static func merged(existing: [SourceEntry], adding added: [SourceEntry], format: SourcesFileFormat, file: String) throws -> [SourceEntry] {
        var entries = existing
        for entry in added {
            if let index = entries.firstIndex(where: { $0.checkoutPath == entry.checkoutPath }) {
                entries[index] = entry
            } else {
                entries.append(entry)
            }
        }
        if format != .centosMetadata, let first = entries.first,
           let other = entries.first(where: { $0.hashType != first.hashType }) {
            throw GooseError.lookaside("\(file): cannot list \(other.filename) (\(other.hashType.rawValue)) beside \(first.filename) (\(first.hashType.rawValue)); a sources file holds one hash type")
        }
        return entries
    }

    /// `.gitignore` text with `/<path>` lines added for paths it does not ignore yet.
    public static func gitignore(_ text: String, ignoring paths: [String]) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var present = Set(lines.map { $0.trimmingCharacters(in: .whitespaces) })
        for path in paths where !present.contains("/" + path) && !present.contains(path) {
            lines.append("/" + path)
            present.insert("/" + path)
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The checkout's index for fetching: `.<name>.metadata` when present, else `sources`. A checkout
    /// (a spec file or a `.git`) without either has nothing in the lookaside, as fedpkg treats it.
    public static func sourcesIndex(directory: String, package: String) throws -> (checkout: DistGitCheckout, entries: [SourceEntry]) {
        let centos = DistGitCheckout(directory: directory, package: package, layout: .centos)
        let fedora = DistGitCheckout(directory: directory, package: package, layout: .fedora)
        for checkout in [centos, fedora] where FileSystem.isRegularFile(checkout.indexPath) {
            return (checkout, try checkout.readEntries())
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let specs = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/SPECS")) ?? []
        if entries.contains(".git") || (entries + specs).contains(where: { $0.hasSuffix(".spec") }) {
            return (FileSystem.isDirectory(directory + "/SPECS") ? centos : fedora, [])
        }
        throw GooseError.lookaside("\(directory): no sources or .\(package).metadata file (is this a dist-git checkout, and is its package name the directory's?)")
    }
}
