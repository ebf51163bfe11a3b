import XCTest
@testable import GooseKit

/// librpmbuild's spec parser through goose, checked against `rpmspec -q` (a tool nobody here wrote) on real specs.
final class SpecParserTests: XCTestCase {
    private static let photonSlice = ["acl", "attr", "bzip2", "expat", "gzip", "libcap", "ncurses", "readline", "zlib", "xz"]

    func testPhotonSpecsMatchRpmspecBuildRequiresAndProvides() throws {
        guard let rpmspec = ["/usr/bin/rpmspec"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("rpmspec is not installed")
        }
        for name in Self.photonSlice {
            let path = TestSupport.fixture("specs/photon/\(name)/\(name).spec")
            let parsed = try SpecParser.parse(path: path, options: SpecMacroOptions())
            XCTAssertEqual(parsed.name, name)
            let buildRequires = try TestSupport.run(rpmspec, ["-q", "--buildrequires", path])
            XCTAssertEqual(buildRequires.status, 0, buildRequires.error)
            XCTAssertEqual(Set(parsed.buildRequires.map(\.description)),
                           Set(buildRequires.output.split(separator: "\n").map(String.init)), "\(name): BuildRequires")
            let provides = try TestSupport.run(rpmspec, ["-q", "--provides", path])
            XCTAssertEqual(Set(parsed.packages.flatMap(\.provides).map(\.description)),
                           Set(provides.output.split(separator: "\n").map(String.init)), "\(name): Provides")
            let requires = try TestSupport.run(rpmspec, ["-q", "--requires", path])
            XCTAssertEqual(Set(parsed.packages.flatMap(\.requires).map(\.description)),
                           Set(requires.output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("rpmlib(") }), "\(name): Requires")
            for package in parsed.packages {
                XCTAssertTrue(package.provides.contains { $0.name == package.name && $0.flags == .equal }, "implicit \(package.name) = EVR")
            }
        }
    }

    func testMacrosAndConditionalsChangeTheResult() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let spec = directory + "/cond.spec"
        try """
        %bcond_with bootstrap
        Name: cond
        Version: 1.0
        Release: 1%{?dist}
        Summary: conditional test
        License: MIT
        %if %{with bootstrap}
        BuildRequires: stage0-compiler
        %else
        BuildRequires: full-compiler >= %{compiler_version}
        %endif
        %if 0%{?rhel} >= 9
        BuildRequires: (python3-devel or python39-devel)
        %endif
        %description
        test
        %package devel
        Summary: devel
        Provides: cond-headers = %{version}
        %description devel
        devel
        %files
        %files devel
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let plain = try SpecParser.parse(path: spec, options: SpecMacroOptions(definitions: ["compiler_version 12"]))
        XCTAssertEqual(plain.buildRequires.map(\.description), ["full-compiler >= 12"])
        XCTAssertEqual(plain.evr.release, "1")
        let rhel = try SpecParser.parse(path: spec, options: SpecMacroOptions(definitions: ["compiler_version 12", "rhel 9", "dist .el9"], withConditionals: ["bootstrap"]))
        XCTAssertEqual(Set(rhel.buildRequires.map(\.description)), ["stage0-compiler", "(python3-devel or python39-devel)"])
        XCTAssertEqual(rhel.evr.release, "1.el9")
        XCTAssertTrue(rhel.packages.first { $0.name == "cond-devel" }!.provides.map(\.description).contains("cond-devel = 1.0-1.el9"))
        // A spec's own %global must not leak into the next parse in the same process.
        let again = try SpecParser.parse(path: spec, options: SpecMacroOptions(definitions: ["compiler_version 12"]))
        XCTAssertEqual(again.evr.release, "1")
        XCTAssertEqual(again.buildRequires.map(\.description), ["full-compiler >= 12"])
    }

    func testBrokenSpecNamesFileAndRpmMessage() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let spec = directory + "/broken.spec"
        try "Name: broken\nVersion: 1\n%description\nx\n%if\n".write(toFile: spec, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SpecParser.parse(path: spec, options: SpecMacroOptions())) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(spec + ": "), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testRepositoryProvidesFromRepodataMatchPrimary() throws {
        let directory = TestSupport.fixture("repodata/createrepo_c/repo_02")
        let fetcher = RepositoryMetadataFetcher(cacheDirectory: try TestSupport.temporaryDirectory(self))
        let binaries = try RepositoryProvides.load(location: directory, fetcher: fetcher)
        XCTAssertFalse(binaries.isEmpty)
        // Compare with the primary XML read by zcat and grep, not by libsolv.
        let names = try TestSupport.shell("zcat \(directory)/repodata/*-primary.xml.gz | grep -o '<name>[^<]*</name>' | sed 's/<[^>]*>//g'")
        XCTAssertEqual(binaries.map(\.name).sorted(), names.split(separator: "\n").map(String.init).sorted())
        let kernel = try XCTUnwrap(binaries.first { $0.name == "super_kernel" })
        XCTAssertEqual(kernel.sourceName, "super_kernel")
        XCTAssertTrue(kernel.provides.contains(Dependency(name: "/usr/bin/super_kernel")), "file provides")
        XCTAssertTrue(kernel.provides.contains(Dependency(name: "super_kernel", flags: .equal, version: "6.0.1-2")))
    }

    /// repo_01's primary does not match the checksum its repomd.xml gives (dnf refuses it too): goose names the file.
    func testRepositoryWithWrongPrimaryChecksumIsRefused() throws {
        let directory = TestSupport.fixture("repodata/createrepo_c/repo_01")
        let fetcher = RepositoryMetadataFetcher(cacheDirectory: try TestSupport.temporaryDirectory(self))
        XCTAssertThrowsError(try RepositoryProvides.load(location: directory, fetcher: fetcher)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("-primary.xml.gz: hash mismatch"), text)
            XCTAssertTrue(text.contains("6c662d665c24de9a0f62c17d8fa50622307739d7376f0d19097ca96c6d7f5e3e (repomd.xml)"), text)
        }
        // The metadata itself is readable: libsolv takes the file when asked directly.
        let primary = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory + "/repodata").first { $0.hasSuffix("-primary.xml.gz") })
        XCTAssertTrue(try RepositoryProvides.load(primaryPath: directory + "/repodata/" + primary).contains { $0.name == "super_kernel" })
    }

    func testRepomdChecksumNames() {
        XCTAssertEqual(RepositoryMetadataFetcher.algorithm(named: "sha"), .sha1)
        XCTAssertEqual(RepositoryMetadataFetcher.algorithm(named: "SHA256"), .sha256)
        XCTAssertNil(RepositoryMetadataFetcher.algorithm(named: "md5"))
        XCTAssertTrue(RepositoryMetadataFetcher.isURL("https://example.org/repo"))
        XCTAssertTrue(RepositoryMetadataFetcher.isURL("file:///srv/repo"))
        XCTAssertFalse(RepositoryMetadataFetcher.isURL("/srv/repo"))
    }

    /// %generate_buildrequires is seen after rpm applied the conditionals: inside a false %if it does not count.
    func testGeneratedBuildRequiresSectionDetected() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        func spec(_ condition: String) throws -> ParsedSpec {
            let path = directory + "/dyn.spec"
            try """
            Name: dyn
            Version: 1
            Release: 1
            Summary: s
            License: MIT
            BuildRequires: gcc
            %description
            d
            %prep
            %setup -q -c -T
            %if \(condition)
            %generate_buildrequires
            echo 'pkgconfig(zlib)'
            %endif
            %build
            %files
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return try SpecParser.parse(path: path, options: SpecMacroOptions())
        }
        let dynamic = try spec("1")
        XCTAssertTrue(dynamic.generatesBuildRequires)
        XCTAssertEqual(dynamic.buildRequires.map(\.description), ["gcc"])
        XCTAssertFalse(try spec("0").generatesBuildRequires)
        XCTAssertNotNil(SpecParser.markingGeneratedBuildRequires(in: Data("Name: x\n%generate_buildrequires\necho a\n".utf8)))
        XCTAssertNil(SpecParser.markingGeneratedBuildRequires(in: Data("echo %generate_buildrequires\n%generate_buildrequiresx\n".utf8)))
    }

    /// A fetch a killed run left behind is removed once it is an hour old; a younger one may still be running.
    func testAbandonedRepositoryFetchesAreRemoved() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: directory + "/.fetch-old", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/.fetch-new", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: directory + "/.fetch-old")
        RepositoryMetadataFetcher.removeAbandonedFetches(in: directory)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), [".fetch-new"])
    }
}

