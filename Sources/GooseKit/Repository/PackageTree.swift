import Foundation

/// The package links of a mash's staging tree. Every published tree holds one hardlink per package in
/// `<repository>/Packages/` (so that each tree stands on its own for dnf, rsync and mirror-sync); linking some thousand
/// files into every new tree and unlinking as many from every pruned one was most of an incremental mash's file-system
/// work. So the tree that pruning retires is not deleted but kept as the tag's spare, outside `repos/` where neither
/// dnf nor mirrors look, and the next mash renames the spare into its staging tree and changes only the entries that
/// differ: links for new files, unlinks for gone ones, relinks for files whose inode under builds/ is not the one the
/// spare links (`goose sign` rewrites the files it signs). Everything else in the spare (repodata, arches no longer
/// mashed) is removed. The spare is a cache: deleting it costs the next mash its links, nothing else.
enum PackageTree {
    /// A package a repository of the tree needs: its file name in `Packages/` and the file under builds/ it links.
    struct Member: Sendable {
        var name: String
        var source: String
    }

    /// Size and mtime of a package file already in place (the repodata cache's key); nil: still to be linked.
    typealias Identity = (size: Int64, modificationTime: Int64)

    /// Takes the spare at `spare` as the staging tree `staging` (one rename); false when there is none or it cannot be
    /// moved there (another file system), in which case it is removed and the caller starts an empty tree.
    static func adopt(spare: String, as staging: String) -> Bool {
        var status = stat()
        guard lstat(spare, &status) == 0 else { return false }
        if (status.st_mode & S_IFMT) == S_IFDIR && rename(spare, staging) == 0 { return true }
        try? FileSystem.removeTree(spare)
        return false
    }

    /// Keeps the unpublished or pruned tree `tree` as the spare at `spare` when there is none yet (one rename), else
    /// removes it.
    static func retire(_ tree: String, spare: String) {
        var status = stat()
        if lstat(tree, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR && !FileSystem.exists(spare) {
            try? FileSystem.createDirectory((spare as NSString).deletingLastPathComponent)
            if rename(tree, spare) == 0 { return }
        }
        try? FileSystem.removeTree(tree)
    }

    /// Makes the adopted tree `staging` hold the skeleton of `repositories` (repository path → its packages) with the
    /// entries of the spare that are still right, removing everything else. Returns, per repository and in the order of
    /// its members, the identity of each package already linked, nil for those still to link.
    static func reconcile(_ staging: String, repositories: [String: [Member]]) throws -> [String: [Identity?]] {
        // The repositories' directories and the directories above them (`source` above `source/tree`).
        var skeleton: Set<String> = []
        for repository in repositories.keys {
            var path = Substring(repository)
            while !path.isEmpty {
                skeleton.insert(String(path))
                path = path.lastIndex(of: "/").map { path[..<$0] } ?? ""
            }
        }
        var identities: [String: [Identity?]] = [:]
        // The sources' directories (a build's `<arch>/`), opened once: a stat by name there walks no long path.
        var sourceDirectories: [Substring: Directory?] = [:]
        func walk(_ directory: Directory, _ relative: String) throws {
            for entry in try directory.entries() {
                let path = relative.isEmpty ? entry.name : relative + "/" + entry.name
                if entry.isDirectory && skeleton.contains(path) {
                    try walk(directory.subdirectory(entry.name), path)
                } else if entry.isDirectory && entry.name == "Packages", let members = repositories[relative] {
                    identities[relative] = try reconcilePackages(directory.subdirectory(entry.name), members: members, sourceDirectories: &sourceDirectories)
                } else {
                    try directory.remove(entry.name)
                }
            }
        }
        try walk(Directory(staging), "")
        for (repository, members) in repositories where identities[repository] == nil {
            identities[repository] = [Identity?](repeating: nil, count: members.count)
        }
        return identities
    }

    /// One `Packages/` directory: an entry stays when it is the very file (device and inode) its member's source is.
    static func reconcilePackages(_ directory: Directory, members: [Member], sourceDirectories: inout [Substring: Directory?]) throws -> [Identity?] {
        // The links' inode numbers come with the listing (d_ino): one stat per package, of its source, where
        // comparing a stat of each side took two. Where d_ino is not st_ino (some overlays), nothing matches and the
        // packages are linked again: slower, never wrong.
        var present: [String: UInt64] = [:]
        for entry in try directory.entries() {
            if entry.isRegularFile { present[entry.name] = entry.inode } else { try directory.remove(entry.name) }
        }
        guard let device = directory.status(of: ".")?.st_dev else { throw GooseError.errno(directory.path, "cannot stat") }
        // Members already linked, with their link's inode, their source's directory (opened once) and file name there.
        var candidates: [(index: Int, inode: UInt64, sourceDirectory: Directory?, sourceName: String)] = []
        for (index, member) in members.enumerated() {
            guard let inode = present.removeValue(forKey: member.name) else { continue }
            let (parent, name) = sourceParts(member.source)
            if sourceDirectories[parent] == nil { sourceDirectories[parent] = .some(try? Directory(String(parent))) }
            candidates.append((index, inode, sourceDirectories[parent] ?? nil, name))
        }
        // A stat per package is most of an incremental mash's planning: split over the cores.
        nonisolated(unsafe) let checked = candidates
        let found = ParallelMap.map(checked.count, workers: checked.count / 256) { position -> Identity? in
            let candidate = checked[position]
            guard let source = candidate.sourceDirectory?.status(of: candidate.sourceName), source.st_dev == device,
                  UInt64(source.st_ino) == candidate.inode else { return nil }
            return (Int64(source.st_size), Int64(source.st_mtim.tv_sec))
        }
        var identities = [Identity?](repeating: nil, count: members.count)
        for (candidate, identity) in zip(candidates, found) { identities[candidate.index] = identity }
        for candidate in candidates where identities[candidate.index] == nil { try directory.remove(members[candidate.index].name) }
        for name in present.keys { try directory.remove(name) }
        return identities
    }

    /// A source path's directory and file name (`.` for a bare name).
    static func sourceParts(_ path: String) -> (Substring, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (path[..<slash], String(path[path.index(after: slash)...]))
    }
}
