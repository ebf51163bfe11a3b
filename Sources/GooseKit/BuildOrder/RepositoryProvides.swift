@preconcurrency import CSolv
import Foundation

/// Reads the binaries of a repository (repodata of already-built packages) with libsolv, for the provides that only
/// exist after a build: files (`/usr/bin/perl`), `pkgconfig(...)`, generated sonames.
public enum RepositoryProvides {
    /// Loads the binaries of a repository: a directory, or an http(s):// or file:// URL fetched through `fetcher`.
    public static func load(location: String, fetcher: RepositoryMetadataFetcher) throws -> [RepositoryBinary] {
        try load(primaryPath: try fetcher.primaryPath(of: location))
    }

    /// Loads a primary metadata file (compressed as its suffix says).
    public static func load(primaryPath: String) throws -> [RepositoryBinary] {
        guard let pool = pool_create() else { throw GooseError.io(path: primaryPath, reason: "libsolv: cannot create a pool") }
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        guard let repo = repo_create(pool, "goose-build-order") else { throw GooseError.io(path: primaryPath, reason: "libsolv: cannot create a repo") }
        guard let file = solv_xfopen(primaryPath, "r") else { throw GooseError.io(path: primaryPath, reason: "cannot open") }
        let status = repo_add_rpmmd(repo, file, nil, 0)
        fclose(file)
        guard status == 0 else {
            let message = pool_errstr(pool).map { String(cString: $0) } ?? "unreadable"
            throw GooseError.invalidPackage(file: primaryPath, reason: "libsolv: \(message)")
        }
        // primary lists some files (/usr/bin, /etc, *bin/*): libsolv keeps them as a file list, not as provides.
        var files: [Id: [Dependency]] = [:]
        var iterator = Dataiterator()
        dataiterator_init(&iterator, pool, repo, 0, Id(SOLVABLE_FILELIST.rawValue), nil, Int32(SEARCH_FILES))
        while dataiterator_step(&iterator) != 0 {
            if let path = repodata_stringify(pool, iterator.data, iterator.key, &iterator.kv, Int32(SEARCH_FILES)) {
                files[iterator.solvid, default: []].append(Dependency(name: String(cString: path)))
            }
        }
        dataiterator_free(&iterator)
        var result: [RepositoryBinary] = []
        var queue = Queue()
        queue_init(&queue)
        defer { queue_free(&queue) }
        for id in repo.pointee.start..<repo.pointee.end {
            let solvable = pool.pointee.solvables.advanced(by: Int(id))
            guard solvable.pointee.repo == repo else { continue }
            let arch = String(cString: pool_id2str(pool, solvable.pointee.arch))
            if arch == "src" || arch == "nosrc" { continue }
            let name = String(cString: pool_id2str(pool, solvable.pointee.name))
            let sourceName = solvable_lookup_sourcepkg(solvable).map { sourcePackageName(String(cString: $0)) }
            result.append(RepositoryBinary(name: name, sourceName: sourceName,
                                           provides: dependencies(pool, solvable, Id(SOLVABLE_PROVIDES.rawValue), &queue) + (files[id] ?? []),
                                           requires: dependencies(pool, solvable, Id(SOLVABLE_REQUIRES.rawValue), &queue)))
        }
        return result
    }

    private static func dependencies(_ pool: UnsafeMutablePointer<Pool>, _ solvable: UnsafeMutablePointer<Solvable>, _ key: Id, _ queue: inout Queue) -> [Dependency] {
        queue_empty(&queue)
        _ = solvable_lookup_deparray(solvable, key, &queue, 0)
        var result: [Dependency] = []
        for index in 0..<Int(queue.count) {
            let id = queue.elements[index]
            if id == Id(SOLVABLE_PREREQMARKER.rawValue) || id == Id(SOLVABLE_FILEMARKER.rawValue) { continue }
            if UInt32(bitPattern: id) & 0x8000_0000 != 0 {
                let relation = pool.pointee.rels[Int(UInt32(bitPattern: id) ^ 0x8000_0000)]
                if relation.flags >= 1 && relation.flags <= 7 {
                    var flags: DependencyFlags = []
                    if relation.flags & 1 != 0 { flags.insert(.greater) }
                    if relation.flags & 2 != 0 { flags.insert(.equal) }
                    if relation.flags & 4 != 0 { flags.insert(.less) }
                    result.append(Dependency(name: String(cString: pool_id2str(pool, relation.name)), flags: flags,
                                             version: String(cString: pool_id2str(pool, relation.evr))))
                    continue
                }
            }
            result.append(Dependency(name: String(cString: pool_dep2str(pool, id))))
        }
        return result
    }

    /// `bash-5.1-2.el9.src.rpm` → `bash`.
    static func sourcePackageName(_ file: String) -> String {
        var parts = file.replacingOccurrences(of: ".src.rpm", with: "").replacingOccurrences(of: ".nosrc.rpm", with: "").split(separator: "-", omittingEmptySubsequences: false)
        if parts.count > 2 { parts.removeLast(2) }
        return parts.joined(separator: "-")
    }
}
