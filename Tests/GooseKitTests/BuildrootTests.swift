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
        ("var", nil, true), (".dockerenv", nil, false),
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
        XCTAssertTrue(arguments.contains("--ro-bind /home /home"))
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

    func testNetworkOptIn() {
        var sandbox = SandboxSpecification(buildDirectory: "/b")
        sandbox.network = true
        XCTAssertFalse(sandbox.arguments(topLevel: listing).contains("--unshare-net"))
    }

    func testCleanEnvironmentCarriesSourceDateEpoch() {
        let environment = SandboxSpecification.cleanEnvironment(sourceDateEpoch: 1_715_603_865)
        XCTAssertEqual(environment["SOURCE_DATE_EPOCH"], "1715603865")
        XCTAssertEqual(environment["HOME"], "/builddir")
        XCTAssertNil(SandboxSpecification.cleanEnvironment(sourceDateEpoch: nil)["SOURCE_DATE_EPOCH"])
    }
}

final class MockBuildLogicTests: XCTestCase {
    func testStateLineHasMockFormat() {
        let line = BuildLogs.stateLine(Date(timeIntervalSince1970: 1_715_603_865.25), starting: true, phase: "build phase")
        XCTAssertEqual(line, "2024-05-13 12:37:45,250 - Start: build phase\n")
        XCTAssertEqual(BuildLogs.stateLine(Date(timeIntervalSince1970: 0), starting: false, phase: "clean"), "1970-01-01 00:00:00,000 - Finish: clean\n")
    }

    func testWavesFormat() {
        XCTAssertEqual(MockBuild.parseWaves("# waves\nbash  glibc\n\nzlib\n"), [["bash", "glibc"], ["zlib"]])
        XCTAssertEqual(MockBuild.parseWaves(""), [])
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
