import CCreaterepo
import CSolv
import Foundation
import XCTest
@testable import GooseKit

/// The closure check hands freshly read packages to libsolv through its API; libsolv's own rpm-md parser, reading
/// createrepo_c's primary XML of the same packages, is the reference it must agree with.
final class ClosurePackageTests: XCTestCase {
    /// Fixture RPMs plus one built here with the dependency shapes that need care: epoch, pre-requires, a rich
    /// dependency, versioned and unversioned provides, files inside and outside primary's filter.
    func packages() throws -> [String] {
        var paths = (FileManager.default.enumerator(atPath: TestSupport.fixture("rpms"))?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".rpm") }.sorted().map { TestSupport.fixture("rpms") + "/" + $0 }
        let top = try TestSupport.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: top + "/SPECS", withIntermediateDirectories: true)
        let spec = """
        Name: shapes
        Epoch: 3
        Version: 1.2
        Release: 4.el9
        Summary: dependency shapes
        License: MIT
        BuildArch: noarch
        Requires(pre): /bin/sh
        Requires(post): coreutils
        Requires: (python3 or python2)
        Requires: bar >= 1.0-2
        Requires: baz < 2:3
        Requires: /usr/share/elsewhere/file
        Provides: shapes-virtual = 7
        Provides: plain-virtual
        Conflicts: old-shapes < 1
        %description
        shapes
        %install
        mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/shapes %{buildroot}/usr/share/shapes
        echo x > %{buildroot}/usr/bin/shapes
        echo x > %{buildroot}/etc/shapes/shapes.conf
        echo x > %{buildroot}/usr/share/shapes/data
        %files
        /usr/bin/shapes
        %dir /etc/shapes
        %config /etc/shapes/shapes.conf
        /usr/share/shapes
        """
        try spec.write(toFile: top + "/SPECS/shapes.spec", atomically: true, encoding: .utf8)
        try TestSupport.shell("rpmbuild --quiet --nodeps --define '_topdir \(top)' --define '_dbpath \(top)/db' -bb \(top)/SPECS/shapes.spec")
        paths.append(top + "/RPMS/noarch/shapes-1.2-4.el9.noarch.rpm")
        return paths
    }

    /// Every solvable of `repo` in words: NEVRA, checksum, provides, requires (with the pre-requires marker), files.
    func describe(_ repo: UnsafeMutablePointer<Repo>, _ pool: UnsafeMutablePointer<Pool>) -> [String] {
        var lines: [String] = []
        func deps(_ offset: Offset) -> [String] {
            guard offset != 0 else { return [] }
            var result: [String] = []
            var id = repo.pointee.idarraydata + Int(offset)
            while id.pointee != 0 {
                result.append(id.pointee == Id(SOLVABLE_PREREQMARKER.rawValue) ? "<pre>" : String(cString: pool_dep2str(pool, id.pointee)))
                id += 1
            }
            return result
        }
        for handle in repo.pointee.start..<repo.pointee.end {
            let solvable = pool.pointee.solvables + Int(handle)
            guard solvable.pointee.repo == repo else { continue }
            var type: Id = 0
            let checksum = solvable_lookup_checksum(solvable, Id(SOLVABLE_CHECKSUM.rawValue), &type).map { String(cString: $0) } ?? "-"
            var files: [String] = []
            var iterator = Dataiterator()
            dataiterator_init(&iterator, pool, repo, handle, Id(SOLVABLE_FILELIST.rawValue), nil, Int32(SEARCH_FILES | SEARCH_COMPLETE_FILELIST))
            while dataiterator_step(&iterator) != 0 { files.append(String(cString: iterator.kv.str)) }
            dataiterator_free(&iterator)
            lines.append([String(cString: pool_solvable2str(pool, solvable)), checksum,
                          "provides " + deps(solvable.pointee.provides).joined(separator: ", "),
                          "requires " + deps(solvable.pointee.requires).joined(separator: ", "),
                          "files " + files.sorted().joined(separator: " ")].joined(separator: " | "))
        }
        return lines
    }

    func testLibsolvSeesThePackagesAsItsOwnPrimaryParserDoes() throws {
        _ = RepodataGenerator.libraryReady
        var primary: [String] = [], facts: [ClosurePackage] = []
        for path in try packages() {
            var error: UnsafeMutablePointer<GError>?
            // Some fixtures are damaged on purpose: what createrepo_c cannot read never reaches the check.
            guard let package = cr_package_from_rpm(path, CR_CHECKSUM_SHA256, (path as NSString).lastPathComponent, nil, 10, nil, CR_HDRR_NONE, &error) else {
                if let error { g_error_free(error) }
                continue
            }
            defer { cr_package_free(package) }
            primary.append(try RepodataGenerator.xml(of: package, path: path).primary)
            facts.append(ClosurePackage(package))
        }
        XCTAssertGreaterThan(facts.count, 50)
        XCTAssertTrue(facts.contains { $0.name == "shapes" && $0.requires.contains { $0.pre } && $0.requires.contains { $0.name.hasPrefix("(") } })

        let pool = try XCTUnwrap(pool_create())
        defer { pool_free(pool) }
        pool_setdisttype(pool, Int32(DISTTYPE_RPM))
        pool_setarch(pool, "x86_64")
        let parsed = try XCTUnwrap(repo_create(pool, "parsed")), direct = try XCTUnwrap(repo_create(pool, "direct"))
        try ClosureCheck.addDocument(ClosureGroup(key: nil, primaryChunks: primary, filelistsChunks: []).primary, to: parsed, flags: 0, pool: pool, name: "parsed")
        ClosureCheck.add(facts, to: direct, pool: pool)
        repo_internalize(parsed)
        repo_internalize(direct)
        let expected = describe(parsed, pool), actual = describe(direct, pool)
        XCTAssertEqual(actual.count, facts.count)
        for (expectedLine, actualLine) in zip(expected, actual) { XCTAssertEqual(actualLine, expectedLine) }
        XCTAssertTrue(actual.contains { $0.hasPrefix("shapes-3:1.2-4.el9.noarch") && $0.contains("<pre>") && $0.contains("(python3 or python2)")
            && $0.contains("/usr/bin/shapes") && !$0.contains("/usr/share/shapes/data") }, actual.filter { $0.hasPrefix("shapes") }.joined())
    }
}
