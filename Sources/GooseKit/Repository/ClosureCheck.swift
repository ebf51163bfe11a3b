@preconcurrency import CSolv
import CCreaterepo
import Foundation

/// A Requires that nothing in the checked repositories provides.
public struct BrokenDependency: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var package: String
    public var requirement: String
    /// The part of the requirement nothing provides: the requirement itself, or for a rich dependency such as
    /// `(foo and bar)` the operand that fails (`bar`).
    public var missing: String
    public var description: String { "\(package) requires \(requirement), nothing provides \(missing)" }

    public init(package: String, requirement: String, missing: String? = nil) {
        self.package = package
        self.requirement = requirement
        self.missing = missing ?? requirement
    }
}

/// The dependency closure check of a mash, with libsolv.
public enum ClosureCheck {
    /// Checks that every Requires of every package in `repositories` resolves within them plus `baseRepositories`.
    public static func check(repositories: [String], baseRepositories: [String] = [], arch: String) throws -> [BrokenDependency] {
        guard let pool = pool_create() else { throw GooseError.io(path: arch, reason: "libsolv: cannot create a pool") }
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        pool_setarch(pool, arch)
        var loaded: [(repo: UnsafeMutablePointer<Repo>, filelists: String?)] = []
        for directory in repositories + baseRepositories { loaded.append(try load(directory, into: pool)) }
        let checked = Array(loaded.prefix(repositories.count).map(\.repo))
        var broken = unresolved(in: checked, pool: pool)
        // primary.xml carries the usual file provides (/etc, */bin/); filelists, the largest file, is read only
        // when a file requirement is still open.
        if broken.contains(where: { $0.missing.hasPrefix("/") }) {
            for (repo, filelists) in loaded {
                guard let filelists else { continue }
                try add(filelists, to: repo, flags: Int32(REPO_EXTEND_SOLVABLES), pool: pool)
                repo_internalize(repo)
            }
            broken = unresolved(in: checked, pool: pool)
        }
        return broken
    }

    /// Every Requires of the solvables of `repositories` that nothing in the pool provides.
    static func unresolved(in repositories: [UnsafeMutablePointer<Repo>], pool: UnsafeMutablePointer<Pool>) -> [BrokenDependency] {
        pool_addfileprovides(pool)
        pool_createwhatprovides(pool)
        let checked = repositories
        var broken: Set<BrokenDependency> = []
        for repo in checked {
            for id in repo.pointee.start..<repo.pointee.end {
                let solvable = pool.pointee.solvables + Int(id)
                guard solvable.pointee.repo == repo, solvable.pointee.requires != 0 else { continue }
                var dependency = repo.pointee.idarraydata + Int(solvable.pointee.requires)
                while dependency.pointee != 0 {
                    let requirement = dependency.pointee
                    dependency += 1
                    if requirement == SOLVABLE_PREREQMARKER.rawValue { continue }
                    let text = String(cString: pool_dep2str(pool, requirement))
                    if text.hasPrefix("rpmlib(") { continue }
                    if let missing = unsatisfied(requirement, pool: pool) {
                        broken.insert(BrokenDependency(package: String(cString: pool_solvable2str(pool, solvable)), requirement: text,
                                                       missing: String(cString: pool_dep2str(pool, missing))))
                    }
                }
            }
        }
        return broken.sorted { ($0.package, $0.requirement) < ($1.package, $1.requirement) }
    }

    /// The part of `dependency` that nothing in the pool can satisfy, nil when it resolves.
    ///
    /// A plain or versioned dependency resolves when something provides it. A rich dependency is judged by its
    /// operators, because libsolv's provider list of one answers another question: for `(A and B)` it lists the packages
    /// that provide both (so `A` and `B` from two packages looked broken, and `A` from none beside a provided `B` was
    /// judged by `B`'s providers alone), and for `(A if B)` it assumes the condition holds. Here `(A and B)` needs both,
    /// `(A or B)` either; `(A if B else C)` needs `A` when `B` can be installed (it then may be) and `C` otherwise, so a
    /// condition nothing provides waives `A` (rpmbuild refuses `unless` in Requires). `with` and `without` are provider
    /// questions, which libsolv answers.
    ///
    /// `provided` answers for a plain (or `with`/`without`) dependency; by default, whether anything in the pool provides
    /// it. compose-iso's gather asks the same of the packages gathered so far.
    static func unsatisfied(_ dependency: Id, pool: UnsafeMutablePointer<Pool>, provided: ((Id) -> Bool)? = nil) -> Id? {
        let provided: (Id) -> Bool = provided ?? { pool.pointee.whatprovidesdata[Int(pool_whatprovides(pool, $0))] != 0 }
        func check(_ id: Id) -> Id? { unsatisfied(id, pool: pool, provided: provided) }
        guard let rich = relation(dependency, pool: pool) else { return provided(dependency) ? nil : dependency }
        switch rich.flags {
        case Int32(REL_AND):
            return check(rich.name) ?? check(rich.evr)
        case Int32(REL_OR):
            guard let missing = check(rich.name) else { return nil }
            return check(rich.evr) == nil ? nil : missing
        case Int32(REL_COND):
            let (condition, alternative) = conditionBranches(rich.evr, pool: pool)
            if check(condition) == nil { return check(rich.name) }
            return alternative.flatMap(check)
        default:
            return provided(dependency) ? nil : dependency
        }
    }

    /// The relation of a rich (or versioned) dependency, nil for a plain name: ISRELDEP / GETRELDEP of pool.h (macros).
    static func relation(_ id: Id, pool: UnsafeMutablePointer<Pool>) -> Reldep? {
        UInt32(bitPattern: id) & 0x8000_0000 == 0 ? nil : pool.pointee.rels[Int(UInt32(bitPattern: id) ^ 0x8000_0000)]
    }

    /// The right side of `if` / `unless`: a condition, and the `else` branch when there is one (`B else C` is one
    /// relation, REL_ELSE).
    static func conditionBranches(_ id: Id, pool: UnsafeMutablePointer<Pool>) -> (condition: Id, alternative: Id?) {
        if let other = relation(id, pool: pool), other.flags == REL_ELSE { return (other.name, other.evr) }
        return (id, nil)
    }

    /// Loads a repository's primary (located through its repomd.xml) into the pool; returns where its filelists are.
    static func load(_ directory: String, into pool: UnsafeMutablePointer<Pool>) throws -> (repo: UnsafeMutablePointer<Repo>, filelists: String?) {
        _ = RepodataGenerator.libraryReady
        var error: UnsafeMutablePointer<GError>?
        guard let location = cr_locate_metadata(directory, 1, &error), let primary = location.pointee.pri_xml_href else {
            throw GooseError.io(path: directory, reason: "no repodata: " + RepodataGenerator.message(error, fallback: "repomd.xml not found"))
        }
        defer { cr_metadatalocation_free(location) }
        guard let repo = repo_create(pool, directory) else { throw GooseError.io(path: directory, reason: "libsolv: cannot create repo") }
        try add(String(cString: primary), to: repo, flags: 0, pool: pool)
        repo_internalize(repo)
        return (repo, location.pointee.fil_xml_href.map { String(cString: $0) })
    }

    static func add(_ path: String, to repo: UnsafeMutablePointer<Repo>, flags: Int32, pool: UnsafeMutablePointer<Pool>) throws {
        guard let file = solv_xfopen(path, "r") else { throw GooseError.errno(path, "cannot open") }
        defer { fclose(file) }
        if repo_add_rpmmd(repo, file, nil, flags) != 0 {
            throw GooseError.io(path: path, reason: "libsolv: " + String(cString: pool_errstr(pool)))
        }
    }
}

/// One group of a repository's packages (a build) as the closure check reads it: its packages' primary and filelists
/// XML chunks, the key under which its libsolv form is cached (nil: not cached), and, when every package of the group
/// was just read from its RPM, their facts (added to libsolv directly; the primary XML is parsed only without them).
public struct ClosureGroup: Sendable {
    public var key: String?
    public var primaryChunks: [String]
    public var filelistsChunks: [String]
    public var packages: [ClosurePackage]?

    public init(key: String?, primaryChunks: [String], filelistsChunks: [String], packages: [ClosurePackage]? = nil) {
        self.key = key
        self.primaryChunks = primaryChunks
        self.filelistsChunks = filelistsChunks
        self.packages = packages
    }

    /// The primary document of the group; made only when the group is parsed (not for one loaded from its .solv).
    public var primary: Data {
        Data(("<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" "
            + "packages=\"\(primaryChunks.count)\">\n" + primaryChunks.joined() + "</metadata>\n").utf8)
    }

    public var filelists: Data {
        Data(("<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"\(filelistsChunks.count)\">\n"
            + filelistsChunks.joined() + "</filelists>\n").utf8)
    }
}

extension ClosureCheck {
    /// Checks the packages of `groups` (plus `baseRepositories`) without reading them back from disk; with `cache`,
    /// each group's libsolv repository is kept there as a .solv file under its key and loaded from it next time
    /// (unchanged builds are not parsed again), and files of groups that are gone are removed.
    static func check(groups: [ClosureGroup], cache: String?, baseRepositories: [String] = [], arch: String) throws -> [BrokenDependency] {
        guard let pool = pool_create() else { throw GooseError.io(path: arch, reason: "libsolv: cannot create a pool") }
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        pool_setarch(pool, arch)
        if let cache { try FileSystem.createDirectory(cache) }
        var checked: [UnsafeMutablePointer<Repo>] = []
        var used: Set<String> = []
        for group in groups {
            guard let repo = repo_create(pool, group.key ?? "packages") else { throw GooseError.io(path: arch, reason: "libsolv: cannot create repo") }
            checked.append(repo)
            let cached = cache.flatMap { cache in group.key.map { "\(cache)/\($0).solv" } }
            if let cached {
                used.insert((cached as NSString).lastPathComponent)
                if let file = fopen(cached, "r") {
                    let loaded = repo_add_solv(repo, file, 0) == 0
                    fclose(file)
                    if loaded { continue }
                    repo_empty(repo, 1)
                }
            }
            if let packages = group.packages {
                add(packages, to: repo, pool: pool)
            } else {
                try addDocument(group.primary, to: repo, flags: 0, pool: pool, name: group.key ?? arch)
            }
            repo_internalize(repo)
            if let cached { store(repo, at: cached) }
        }
        var loaded: [(repo: UnsafeMutablePointer<Repo>, filelists: String?)] = []
        for directory in baseRepositories { loaded.append(try load(directory, into: pool)) }
        var broken = unresolved(in: checked, pool: pool)
        if broken.contains(where: { $0.missing.hasPrefix("/") }) {
            for (repo, group) in zip(checked, groups) {
                try addDocument(group.filelists, to: repo, flags: Int32(REPO_EXTEND_SOLVABLES), pool: pool, name: group.key ?? arch)
                repo_internalize(repo)
            }
            for (repo, filelists) in loaded {
                guard let filelists else { continue }
                try add(filelists, to: repo, flags: Int32(REPO_EXTEND_SOLVABLES), pool: pool)
                repo_internalize(repo)
            }
            broken = unresolved(in: checked, pool: pool)
        }
        if let cache {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? [] where !used.contains(name) {
                FileSystem.remove(cache + "/" + name)
            }
        }
        return broken
    }

    /// Parses an in-memory rpm-md document into `repo`.
    static func addDocument(_ document: Data, to repo: UnsafeMutablePointer<Repo>, flags: Int32, pool: UnsafeMutablePointer<Pool>, name: String) throws {
        var copy = document
        try copy.withUnsafeMutableBytes { buffer in
            guard buffer.count > 0, let file = fmemopen(buffer.baseAddress, buffer.count, "r") else { return }
            defer { fclose(file) }
            if repo_add_rpmmd(repo, file, nil, flags) != 0 {
                throw GooseError.io(path: name, reason: "libsolv: " + String(cString: pool_errstr(pool)))
            }
        }
    }

    /// Writes `repo` as a .solv file (rename into place; a cache, so no fsync: a damaged one fails to load and is rebuilt).
    static func store(_ repo: UnsafeMutablePointer<Repo>, at path: String) {
        let temporary = "\(path).\(getpid()).tmp"
        guard let file = fopen(temporary, "w") else { return }
        let written = repo_write(repo, file) == 0
        if fclose(file) == 0 && written { rename(temporary, path) } else { unlink(temporary) }
    }
}
