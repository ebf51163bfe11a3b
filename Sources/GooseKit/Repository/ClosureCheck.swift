@preconcurrency import CSolv
import CCreaterepo
import Foundation

/// A Requires that nothing in the checked repositories provides.
public struct BrokenDependency: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var package: String
    public var requirement: String
    public var description: String { "\(package) requires \(requirement), nothing provides \(requirement)" }
}

/// The dependency closure check of a mash, with libsolv.
public enum ClosureCheck {
    /// Checks that every Requires of every package in `repositories` resolves within them plus `baseRepositories`.
    public static func check(repositories: [String], baseRepositories: [String] = [], arch: String) throws -> [BrokenDependency] {
        guard let pool = pool_create() else { throw GooseError.io(path: arch, reason: "libsolv: cannot create a pool") }
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        pool_setarch(pool, arch)
        var checked: [UnsafeMutablePointer<Repo>] = []
        for (index, directory) in (repositories + baseRepositories).enumerated() {
            let repo = try load(directory, into: pool)
            if index < repositories.count { checked.append(repo) }
        }
        pool_addfileprovides(pool)
        pool_createwhatprovides(pool)
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
                    if pool.pointee.whatprovidesdata[Int(pool_whatprovides(pool, requirement))] == 0 {
                        broken.insert(BrokenDependency(package: String(cString: pool_solvable2str(pool, solvable)), requirement: text))
                    }
                }
            }
        }
        return broken.sorted { ($0.package, $0.requirement) < ($1.package, $1.requirement) }
    }

    /// Loads a repository's primary and filelists (located through its repomd.xml) into the pool.
    static func load(_ directory: String, into pool: UnsafeMutablePointer<Pool>) throws -> UnsafeMutablePointer<Repo> {
        var error: UnsafeMutablePointer<GError>?
        guard let location = cr_locate_metadata(directory, 1, &error), let primary = location.pointee.pri_xml_href else {
            throw GooseError.io(path: directory, reason: "no repodata: " + RepodataGenerator.message(error, fallback: "repomd.xml not found"))
        }
        defer { cr_metadatalocation_free(location) }
        guard let repo = repo_create(pool, directory) else { throw GooseError.io(path: directory, reason: "libsolv: cannot create repo") }
        for (href, flags) in [(primary, Int32(0)), (location.pointee.fil_xml_href, Int32(REPO_EXTEND_SOLVABLES))] {
            guard let href else { continue }
            let path = String(cString: href)
            guard let file = solv_xfopen(path, "r") else { throw GooseError.errno(path, "cannot open") }
            defer { fclose(file) }
            if repo_add_rpmmd(repo, file, nil, flags) != 0 {
                throw GooseError.io(path: path, reason: "libsolv: " + String(cString: pool_errstr(pool)))
            }
        }
        repo_internalize(repo)
        return repo
    }
}
