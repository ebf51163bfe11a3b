import Foundation
import XCTest
@testable import GooseKit

final class BuildrootConfigurationTests: XCTestCase {
    func testParsesEveryKey() throws {
        let text = """
        base = "host"
        arch = "x86_64"
        repos = ["file:///srv/repos/el9"]
        packages = ["bash", "gcc"]
        network = false
        timeout = 600
        memory_limit = 1073741824

        [macros]
        dist = ".el9"
        rhel = "9"
        """
        let configuration = try BuildrootConfiguration.parse(text, name: "el9", file: "buildroots/el9.toml")
        XCTAssertEqual(configuration.name, "el9")
        XCTAssertEqual(configuration.base, .host)
        XCTAssertEqual(configuration.arch, "x86_64")
        XCTAssertEqual(configuration.macros, ["dist": ".el9", "rhel": "9"])
        XCTAssertEqual(configuration.repos, ["file:///srv/repos/el9"])
        XCTAssertEqual(configuration.packages, ["bash", "gcc"])
        XCTAssertEqual(configuration.timeout, 600)
        XCTAssertEqual(configuration.memoryLimit, 1_073_741_824)
        XCTAssertFalse(configuration.network)
    }

    func testUnknownKeyNamesKeyAndFile() {
        XCTAssertThrowsError(try BuildrootConfiguration.parse("base = \"host\"\nchroot_setup = 1\n", name: "x", file: "buildroots/x.toml")) { error in
            XCTAssertEqual("\(error)", "buildroots/x.toml: unknown key 'chroot_setup'")
            XCTAssertEqual((error as? GooseError)?.exitCode, 3)
        }
    }

    func testWrongTypesAreErrors() {
        for text in ["base = \"vm\"", "network = \"no\"", "timeout = -1", "packages = [1]", "macros = 3", "[macros]\n\"bad name\" = \"x\""] {
            XCTAssertThrowsError(try BuildrootConfiguration.parse(text, name: "x", file: "x.toml"), text)
        }
    }

    func testBasesParse() {
        XCTAssertEqual(BuildrootBase("host"), .host)
        XCTAssertEqual(BuildrootBase("dir:/srv/el9"), .directory("/srv/el9"))
        XCTAssertEqual(BuildrootBase("tarball:/srv/el9.tar.gz"), .tarball("/srv/el9.tar.gz"))
        XCTAssertNil(BuildrootBase("dir:"))
        XCTAssertNil(BuildrootBase("docker"))
    }

    func testHashFollowsSettingsNotSpelling() throws {
        let one = try BuildrootConfiguration.parse("[macros]\nb = \"2\"\na = \"1\"\n", name: "x", file: "x.toml")
        let two = try BuildrootConfiguration.parse("[macros]\na = \"1\"\nb = \"2\"\n", name: "x", file: "x.toml")
        XCTAssertEqual(one.hash, two.hash)
        var three = two
        three.network = true
        XCTAssertNotEqual(one.hash, three.hash)
        XCTAssertEqual(one.hash.count, 64)
    }

    func testDefaultIsTheHostRootAndOtherNamesNeedAFile() throws {
        XCTAssertEqual(try BuildrootConfiguration.resolve(name: nil, file: nil, workspaceRoot: nil).base, .host)
        XCTAssertThrowsError(try BuildrootConfiguration.resolve(name: "el9", file: nil, workspaceRoot: "/nonexistent"))
    }
}

final class SandboxSpecificationTests: XCTestCase {
    let listing: [(name: String, symlinkTarget: String?, isDirectory: Bool)] = [
        ("usr", nil, true), ("bin", "usr/bin", false), ("tmp", nil, true), ("proc", nil, true), ("home", nil, true),
        ("var", nil, true), (".dockerenv", nil, false), ("srv", nil, true), ("boot", nil, true), ("work", nil, true),
        ("lib64", "usr/lib64", false), ("etc", nil, true),
    ]

    func testHostIsReadOnlyAndPrivateDirectoriesAreFresh() {
        var sandbox = SandboxSpecification(buildDirectory: "/scratch/builddir")
        sandbox.environment = ["PATH": "/usr/bin"]
        let arguments = sandbox.arguments(topLevel: listing).joined(separator: " ")
        XCTAssertTrue(arguments.contains("--unshare-net"))
        XCTAssertTrue(arguments.contains("--unshare-user"))
        XCTAssertTrue(arguments.contains("--unshare-pid"))
        XCTAssertTrue(arguments.contains("--die-with-parent"))
        XCTAssertTrue(arguments.contains("--ro-bind /usr /usr"))
        XCTAssertFalse(arguments.contains("/home"), "the host's home directories stay out of the sandbox")
        for other in ["/srv", "/boot", "/work"] { XCTAssertFalse(arguments.contains(other), "only the system's directories: \(other)") }
        XCTAssertTrue(arguments.contains("--ro-bind /etc /etc"))
        XCTAssertTrue(arguments.contains("--symlink usr/lib64 /lib64"))
        XCTAssertTrue(arguments.contains("--symlink usr/bin /bin"))
        XCTAssertTrue(arguments.contains("--tmpfs /tmp"))
        XCTAssertTrue(arguments.contains("--tmpfs /var/tmp"))
        XCTAssertTrue(arguments.contains("--bind /scratch/builddir /builddir"))
        XCTAssertTrue(arguments.contains("--remount-ro / "))
        XCTAssertTrue(arguments.contains("--clearenv --setenv PATH /usr/bin"))
        XCTAssertFalse(arguments.contains("/tmp /tmp"))
        XCTAssertFalse(arguments.contains("/proc /proc --"), "the host's /proc is not bound")
        XCTAssertFalse(arguments.contains("dockerenv"))
    }

    func testARootDirectoryIsBoundWholeExceptThePrivateDirectories() {
        var sandbox = SandboxSpecification(buildDirectory: "/scratch/builddir")
        sandbox.rootDirectory = "/roots/el9"
        let arguments = sandbox.arguments(topLevel: listing + [("root", nil, true)]).joined(separator: " ")
        XCTAssertTrue(arguments.contains("--ro-bind /roots/el9/usr /usr"))
        XCTAssertTrue(arguments.contains("--ro-bind /roots/el9/home /home"))
        XCTAssertTrue(arguments.contains("--ro-bind /roots/el9/root /root"))
        XCTAssertTrue(arguments.contains("--ro-bind /roots/el9/srv /srv"), "a root directory is bound whole")
        XCTAssertFalse(arguments.contains("/roots/el9/tmp"))
    }

    func testSourcePackageIsMountedReadOnlyAfterTheBuildDirectory() {
        var sandbox = SandboxSpecification(buildDirectory: "/scratch/builddir")
        sandbox.readOnlyFiles = ["/originals/a-1-1.src.rpm": "/srv/a-1-1.src.rpm"]
        let arguments = sandbox.arguments(topLevel: listing).joined(separator: " ")
        let mount = arguments.range(of: "--ro-bind /srv/a-1-1.src.rpm /originals/a-1-1.src.rpm")
        XCTAssertNotNil(mount)
        XCTAssertLessThan(arguments.range(of: "--bind /scratch/builddir /builddir")!.lowerBound, mount!.lowerBound)
    }

    func testNetworkOptIn() {
        var sandbox = SandboxSpecification(buildDirectory: "/b")
        sandbox.network = true
        XCTAssertFalse(sandbox.arguments(topLevel: listing).contains("--unshare-net"))
    }

    func testCleanEnvironmentCarriesSourceDateEpoch() {
        let environment = SandboxSpecification.cleanEnvironment(sourceDateEpoch: 1_715_603_865)
        XCTAssertEqual(environment["SOURCE_DATE_EPOCH"], "1715603865")
        XCTAssertEqual(environment["HOME"], "/builddir")
        // mock's LANG, and no LC_ALL that would override the LANG=C of rpm's build scripts.
        XCTAssertEqual(environment["LANG"], "C.UTF-8")
        XCTAssertNil(environment["LC_ALL"])
        XCTAssertNil(SandboxSpecification.cleanEnvironment(sourceDateEpoch: nil)["SOURCE_DATE_EPOCH"])
    }
}

final class MockBuildLogicTests: XCTestCase {
    func testStateLineHasMockFormat() {
        let line = BuildLogs.stateLine(Date(timeIntervalSince1970: 1_715_603_865.25), starting: true, phase: "build phase")
        XCTAssertEqual(line, "2024-05-13 12:37:45,250 - Start: build phase\n")
        XCTAssertEqual(BuildLogs.stateLine(Date(timeIntervalSince1970: 0), starting: false, phase: "clean"), "1970-01-01 00:00:00,000 - Finish: clean\n")
    }

    /// goose refuses a --define exactly when rpm would: rpm's own complaint ("has empty body", "has illegal name") is
    /// the reference for each case.
    func testDefineProblemsAreThoseRpmReports() throws {
        for define in ["dist .el9", "%dist .el9", "with_tests 0", "x(n) 1", "_a b c", "mymac", "", "   ", "1ab 2", "abc ", "abc\t", "%"] {
            let quoted = "'" + define.replacingOccurrences(of: "'", with: "'\\''") + "'"
            let rpm = try TestSupport.shell("rpm --define \(quoted) --eval '%{nil}' 2>&1 || true")
            XCTAssertEqual(BuildOptions.problem(withDefine: define) != nil, rpm.contains("error:"), "[\(define)] rpm: \(rpm)")
        }
    }

    func testWavesFormat() {
        XCTAssertEqual(MockBuild.parseWaves("# waves\nbash  glibc\n\nzlib\n"), [["bash", "glibc"], ["zlib"]])
        XCTAssertEqual(MockBuild.parseWaves(""), [])
        // goose build-order --format waves, cycles included.
        XCTAssertEqual(MockBuild.parseWaves("wave  1: zlib\nwave 12: bash {cycle 1: gcc binutils} {cycle 2: a b}\n"),
                       [["zlib"], ["bash", "gcc", "binutils", "a", "b"]])
        XCTAssertEqual(MockBuild.parseWaves("wave foo\n"), [["wave", "foo"]])
    }

    func testChangelogEpochFromSpec() throws {
        let spec = NSTemporaryDirectory() + "goose-spec-\(UUID().uuidString).spec"
        defer { try? FileManager.default.removeItem(atPath: spec) }
        try "Name: x\n%changelog\n* Tue May 14 2024 A <a@b> - 1-1\n- new\n* Mon Jan 01 2024 A <a@b> - 0-1\n".write(toFile: spec, atomically: true, encoding: .utf8)
        XCTAssertEqual(MockBuild.specChangelogEpoch(spec), 1_715_644_800)
        try "Name: x\n".write(toFile: spec, atomically: true, encoding: .utf8)
        XCTAssertNil(MockBuild.specChangelogEpoch(spec))
    }

    func testExitCodesAreMocks() {
        XCTAssertEqual(GooseError.buildFailed(subject: "x", reason: "timed out", code: MockExitCode.timeout).exitCode, 11)
        XCTAssertEqual(GooseError.buildFailed(subject: "x.src.rpm", reason: "rpmbuild failed", code: MockExitCode.buildFailed).description, "x.src.rpm: rpmbuild failed")
    }
}

final class BuildrootPopulationTests: XCTestCase {
    func testReleaseVersionAndPackagesNeedRepos() throws {
        XCTAssertEqual(try BuildrootConfiguration.parse("[macros]\nrhel = \"9\"\n", name: "x", file: "x.toml").releaseVersion, "9")
        XCTAssertEqual(try BuildrootConfiguration.parse("releasever = \"10\"\n[macros]\nrhel = \"9\"\n", name: "x", file: "x.toml").releaseVersion, "10")
        XCTAssertThrowsError(try BuildrootConfiguration.parse("base = \"dir:/r\"\npackages = [\"bash\"]\n", name: "x", file: "x.toml")) { error in
            XCTAssertEqual("\(error)", "x.toml: packages need repos to install them from")
        }
        let host = try BuildrootConfiguration.parse("repos = [\"file:///r\"]\n", name: "x", file: "x.toml")
        XCTAssertFalse(host.installsPackages)
        let directory = try BuildrootConfiguration.parse("base = \"dir:/r\"\nrepos = [\"file:///r\"]\n", name: "x", file: "x.toml")
        XCTAssertTrue(directory.installsPackages)
        XCTAssertNotEqual(host.hash, try BuildrootConfiguration.parse("repos = [\"file:///r\"]\nreleasever = \"8\"\n", name: "x", file: "x.toml").hash)
    }

    func testDnfArgumentsUseOnlyTheGivenRepos() {
        let installer = PackageInstaller(repos: ["file:///srv/a", "https://mirror/b"], releaseVersion: "9", arch: BuildrootConfiguration.hostArch,
                                         scratchDirectory: "/tmp")
        let arguments = installer.arguments(installing: ["gcc", "zlib-devel >= 1.2"], into: "/r", strict: true, cacheDirectory: "/scratch/cache")
        XCTAssertTrue(arguments.contains("--setopt=cachedir=/scratch/cache"))
        XCTAssertEqual(arguments.first, "dnf")
        XCTAssertTrue(arguments.contains("--installroot=/r"))
        XCTAssertTrue(arguments.contains("--setopt=reposdir=/dev/null"))
        XCTAssertTrue(arguments.contains("--releasever=9"))
        XCTAssertTrue(arguments.contains("--setopt=strict=True"))
        XCTAssertEqual(arguments.filter { $0.hasPrefix("--repofrompath=") }, ["--repofrompath=goose-0,file:///srv/a", "--repofrompath=goose-1,https://mirror/b"])
        XCTAssertEqual(arguments.filter { $0.hasPrefix("--repo=") }, ["--repo=goose-0", "--repo=goose-1"])
        XCTAssertEqual(Array(arguments.suffix(3)), ["install", "gcc", "zlib-devel >= 1.2"])
        XCTAssertFalse(arguments.contains { $0.hasPrefix("--forcearch") })
        XCTAssertTrue(installer.arguments(installing: ["x"], into: "/r", strict: false, cacheDirectory: "/c").contains("--setopt=strict=False"))
    }

    func testMissingPackagesFromDnfOutput() {
        let output = """
        No match for argument: libbar-devel >= 2
        Error: Unable to find a match: libbar-devel >= 2
         Problem: conflicting requests
          - nothing provides libz.so.1()(64bit) needed by foo-1-1.x86_64 from goose-0
        No match for argument: libbar-devel >= 2
        """
        XCTAssertEqual(PackageInstaller.missing(inOutput: output), ["libbar-devel >= 2", "libz.so.1()(64bit)"])
        XCTAssertEqual(PackageInstaller.missing(inOutput: "Complete!\n"), [])
    }

    func testPopulationKeyFollowsReposPackagesAndRepoState() throws {
        var configuration = try BuildrootConfiguration.parse("base = \"dir:/r\"\nrepos = [\"file:///a\"]\npackages = [\"bash\"]\n", name: "x", file: "x.toml")
        let key = RootCache.populationKey(baseRoot: "/r", configuration: configuration, repositoryDigests: ["d1"])
        XCTAssertEqual(key, RootCache.populationKey(baseRoot: "/r", configuration: configuration, repositoryDigests: ["d1"]))
        XCTAssertNotEqual(key, RootCache.populationKey(baseRoot: "/r", configuration: configuration, repositoryDigests: ["d2"]))
        XCTAssertNotEqual(key, RootCache.populationKey(baseRoot: "/other", configuration: configuration, repositoryDigests: ["d1"]))
        configuration.packages.append("gcc")
        XCTAssertNotEqual(key, RootCache.populationKey(baseRoot: "/r", configuration: configuration, repositoryDigests: ["d1"]))
        // A timeout or network setting shapes the build, not the root's contents.
        var other = configuration
        other.timeout = 5
        XCTAssertEqual(RootCache.populationKey(baseRoot: "/r", configuration: configuration, repositoryDigests: ["d1"]),
                       RootCache.populationKey(baseRoot: "/r", configuration: other, repositoryDigests: ["d1"]))
    }

    /// librpm creates an empty database where it opens a directory without one, even read-only: the
    /// queries must leave such a root (or the host's empty /var/lib/rpm) untouched.
    func testQueriesOfADirectoryWithoutADatabaseCreateNone() throws {
        let root = NSTemporaryDirectory() + "goose-no-rpmdb-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/var/lib/rpm", withIntermediateDirectories: true)
        XCTAssertFalse(RPMDatabase.exists(in: root + "/var/lib/rpm"))
        XCTAssertEqual(RPMDatabase.installedPackages(root: root, databasePath: "/var/lib/rpm"), [])
        let wanted = [Dependency(name: "gcc"), Dependency(name: "zlib-devel", flags: [.greater, .equal], version: "1.2")]
        XCTAssertEqual(RPMDatabase.unsatisfied(wanted, root: root, databasePath: "/var/lib/rpm"), wanted)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/var/lib/rpm"), [])
    }

    func testRepositoryDigestReadsRepomd() throws {
        let directory = NSTemporaryDirectory() + "goose-repomd-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/repodata", withIntermediateDirectories: true)
        try "<repomd/>".write(toFile: directory + "/repodata/repomd.xml", atomically: true, encoding: .utf8)
        let first = try RootCache.repositoryDigest("file://" + directory + "/")
        XCTAssertEqual(first, ContentDigest.hexDigest(of: Data("<repomd/>".utf8), algorithm: .sha256))
        XCTAssertThrowsError(try RootCache.repositoryDigest("file://" + directory + "/none")) { error in
            XCTAssertEqual((error as? GooseError)?.exitCode, 30)
        }
    }
}

final class RootCacheIdentityTests: XCTestCase {
    func testBaseIdentityChangesWhenTheRootIsUpdated() throws {
        let root = NSTemporaryDirectory() + "goose-base-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        let before = RootCache.baseIdentity(root)
        XCTAssertEqual(before, RootCache.baseIdentity(root))
        usleep(20_000)
        try "new".write(toFile: root + "/usr/bin/tool", atomically: false, encoding: .utf8)
        XCTAssertNotEqual(before, RootCache.baseIdentity(root))
    }
}
