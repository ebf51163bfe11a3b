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

    /// The host-constant macros are what `rpm --eval` prints, and parsing with them gives what parsing without gives,
    /// on the photon specs that expand them (every spec using %make_build or %_smp_mflags in %build).
    func testHostConstantMacrosMatchRpmEvalAndChangeNoParse() throws {
        let memo = SpecParser.hostConstantMacros(options: SpecMacroOptions())
        for name in HostConstantMacros.names {
            let eval = try TestSupport.run("/usr/bin/rpm", ["--eval", "%{\(name)}"])
            XCTAssertEqual(memo.values[name], eval.output.trimmingCharacters(in: .newlines), name)
        }
        let photon = TestSupport.fixture("specs/photon")
        var compared = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: photon).sorted() {
            let path = "\(photon)/\(name)/\(name).spec"
            guard compared < 40, let text = FileManager.default.contents(atPath: path),
                  let string = String(data: text, encoding: .utf8), string.contains("%make_build") || string.contains("%{?_smp_mflags}"),
                  memo.applies(to: text) else { continue }
            let plain = try? SpecParser.parse(path: path, options: SpecMacroOptions())
            let memoised = try? SpecParser.parse(path: path, options: SpecMacroOptions(), hostMacros: memo)
            XCTAssertEqual(plain, memoised, name)
            compared += 1
        }
        XCTAssertEqual(compared, 40)
    }

    /// A host-constant macro's shell-out runs once per run, not once per spec; a spec that sets one of its inputs
    /// (here a CPU cap) is parsed with rpm's own definition and sees the cap.
    func testHostConstantMacrosRunTheirShellOnceAndYieldToSpecsThatSetTheirInputs() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let counter = directory + "/expansions"
        let macros = directory + "/macros.count"
        try """
        %_smp_build_ncpus %(echo x >> \(counter); n=%{?_smp_ncpus_max}; echo ${n:-7})
        """.write(toFile: macros, atomically: true, encoding: .utf8)
        func spec(_ name: String, cap: String?) throws -> String {
            let path = "\(directory)/\(name).spec"
            try """
            \(cap.map { "%global _smp_ncpus_max \($0)" } ?? "")
            Name: \(name)
            Version: 1
            Release: 1
            Summary: s
            License: MIT
            BuildRequires: cpus-%{_smp_build_ncpus}
            %description
            d
            %build
            make %{?_smp_mflags}
            %files
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let options = SpecMacroOptions(macroFiles: [macros])
        let memo = SpecParser.hostConstantMacros(options: options)
        XCTAssertEqual(memo.values["_smp_build_ncpus"], "7")
        let lines = { ((try? String(contentsOfFile: counter, encoding: .utf8)) ?? "").split(separator: "\n").count }
        XCTAssertEqual(lines(), 1)
        for index in 1...3 {
            let parsed = try SpecParser.parse(path: try spec("plain\(index)", cap: nil), options: options, hostMacros: memo)
            XCTAssertEqual(parsed.buildRequires.map(\.description), ["cpus-7"])
        }
        XCTAssertEqual(lines(), 1, "the memoised value stood in for every expansion")
        let capped = try SpecParser.parse(path: try spec("capped", cap: "2"), options: options, hostMacros: memo)
        XCTAssertEqual(capped.buildRequires.map(\.description), ["cpus-2"])
        XCTAssertGreaterThan(lines(), 1, "a spec that sets _smp_ncpus_max runs rpm's definition")
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

