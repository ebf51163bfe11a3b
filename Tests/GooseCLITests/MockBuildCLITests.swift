import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// End-to-end tests of `goose mock-build` (base host, bubblewrap): fixture SRPMs build and their RPMs pass
/// `rpm -K` and `rpm -qp`; the sandbox keeps builds off the network and the host; timeouts and kill -9 leave nothing.
final class MockBuildCLITests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        guard GooseBinary.toolPath(named: "bwrap") != nil, GooseBinary.toolPath(named: "rpmbuild") != nil else {
            throw XCTSkip("needs bubblewrap and rpmbuild (scripts/install-deps)")
        }
        directory = NSTemporaryDirectory() + "goose-mockbuild-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    }

    func fixture(_ relative: String) -> String { GooseBinary.fixtures + "/srpms/" + relative }

    func tool(_ name: String, _ arguments: [String], in directory: String? = nil) throws -> GooseBinary.Output {
        try GooseBinary.runProgram(GooseBinary.toolPath(named: name) ?? name, arguments, in: directory)
    }

    func makeWorkspace() throws -> String {
        let workspace = directory + "/ws"
        XCTAssertEqual(try GooseBinary.run(["init", workspace]).status, 0)
        return workspace
    }

    /// Makes an SRPM from a spec whose %build is `build` (noarch, no sources) with the host's rpmbuild.
    func makeSourcePackage(name: String, build: String) throws -> String {
        let spec = """
        Name: \(name)
        Version: 1
        Release: 1
        Summary: mock-build test package
        License: MIT
        BuildArch: noarch
        %description
        test
        %build
        \(build)
        %install
        mkdir -p %{buildroot}/usr/share/\(name)
        echo ok > %{buildroot}/usr/share/\(name)/ok
        %files
        /usr/share/\(name)/ok
        %changelog
        * Tue May 14 2024 Test <test@example.com> - 1-1
        - test
        """
        let specPath = directory + "/\(name).spec"
        try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        let result = try tool("rpmbuild", ["-bs", "--define", "_topdir \(directory)/top", "--define", "_srcrpmdir \(directory)", specPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        return directory + "/\(name)-1-1.src.rpm"
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func testFixtureSRPMsBuildInParallelIntoTheWorkspace() throws {
        let workspace = try makeWorkspace()
        let result = try GooseBinary.run(["mock-build", "--workspace", workspace, "--jobs", "3",
                                          fixture("rpm-tests/hello-1.0-1.src.rpm"), fixture("mock/test-C-1.1-0.src.rpm"),
                                          fixture("mock/test-D-1.1-0.src.rpm")], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        for (name, version, release) in [("hello", "1.0", "1"), ("test-C", "1.1", "0"), ("test-D", "1.1", "0")] {
            let build = "\(workspace)/builds/\(name)/\(version)/\(release)"
            let rpms = try FileManager.default.subpathsOfDirectory(atPath: build).filter { $0.hasSuffix(".rpm") }.map { build + "/" + $0 }
            XCTAssertEqual(rpms.count, 2, "\(name): \(rpms)")
            let check = try tool("rpm", ["-K"] + rpms)
            XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
            XCTAssertEqual(check.stdout.components(separatedBy: "digests OK").count - 1, 2, check.stdout)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: build + "/build.json"))) as? [String: Any]
            XCTAssertEqual(json?["state"] as? String, "complete")
            XCTAssertEqual(json?["origin"] as? String, "built")
            XCTAssertEqual(json?["exit_status"] as? Int, 0)
            XCTAssertTrue((json?["buildroot"] as? String)?.hasPrefix("default ") == true)
            for log in ["build.log", "root.log", "state.log", "hw_info.log", "installed_pkgs.log"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: build + "/logs/" + log), "\(name): no \(log)")
            }
            let stateLines = read(build + "/logs/state.log").split(separator: "\n")
            XCTAssertGreaterThanOrEqual(stateLines.count, 6)
            for line in stateLines {
                XCTAssertNotNil(line.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - (Start|Finish): .+$"#, options: .regularExpression), String(line))
            }
            XCTAssertTrue(read(build + "/logs/build.log").contains("Child return code was: 0"))
            XCTAssertTrue(read(build + "/logs/hw_info.log").hasPrefix("CPU info:"))
        }
        let requires = try tool("rpm", ["-qp", "--requires", "\(workspace)/builds/hello/1.0/1/x86_64/hello-1.0-1.x86_64.rpm"])
        XCTAssertEqual(requires.status, 0)
        XCTAssertTrue(requires.stdout.contains("libc.so.6"), requires.stdout)
        let info = try tool("rpm", ["-qp", "--qf", "%{buildhost}", "\(workspace)/builds/hello/1.0/1/x86_64/hello-1.0-1.x86_64.rpm"])
        XCTAssertEqual(info.stdout, "goose")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/tmp"), [])
    }

    func testRealCPackageBuildsWithHostToolchain() throws {
        guard GooseBinary.toolPath(named: "autoreconf") != nil, FileManager.default.fileExists(atPath: "/usr/include/security/pam_modules.h") else {
            throw XCTSkip("pam_script needs autoconf, automake, libtool and libpam0g-dev (scripts/install-deps)")
        }
        let out = directory + "/pam"
        // Its BuildRequires are Fedora package names that Debian's empty rpmdb cannot satisfy.
        let result = try GooseBinary.run(["mock-build", "--allow-missing-deps", "--resultdir", out,
                                          fixture("pam-script/pam_script-1.1.7-1.fc20.src.rpm")], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr + read(out + "/build.log"))
        XCTAssertTrue(read(out + "/root.log").contains("missing BuildRequires: pam-devel"))
        let rpm = out + "/pam_script-1.1.7-1.x86_64.rpm"
        XCTAssertEqual(try tool("rpm", ["-K", rpm]).status, 0)
        let requires = try tool("rpm", ["-qp", "--requires", rpm]).stdout
        XCTAssertTrue(requires.contains("libpam.so.0"), requires)
        XCTAssertTrue(try tool("rpm", ["-qpl", rpm]).stdout.contains("pam_script.so"))
    }

    func testMissingBuildRequiresExit30UnlessAllowed() throws {
        let out = directory + "/out"
        let refused = try GooseBinary.run(["mock-build", "--resultdir", out, fixture("mock/test-A-1.1-0.src.rpm")])
        XCTAssertEqual(refused.status, 30, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("test-B"), refused.stderr)
        XCTAssertTrue(read(out + "/root.log").contains("missing BuildRequires: test-B"))
        let allowed = try GooseBinary.run(["mock-build", "--resultdir", out, "--allow-missing-deps", fixture("mock/test-A-1.1-0.src.rpm")])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertEqual(try tool("rpm", ["-K", out + "/test-A-1.1-0.x86_64.rpm"]).status, 0)
    }

    func testTwoBuildsGiveIdenticalPayloads() throws {
        var digests: [String] = []
        for run in ["one", "two"] {
            let out = directory + "/" + run
            let result = try GooseBinary.run(["mock-build", "--resultdir", out, fixture("rpm-tests/hello-1.0-1.src.rpm")], timeout: 300)
            XCTAssertEqual(result.status, 0, result.stderr)
            let payload = try tool("sh", ["-c", "rpm2cpio '\(out)/hello-1.0-1.x86_64.rpm' | sha256sum"])
            XCTAssertEqual(payload.status, 0)
            digests.append(payload.stdout)
            if run == "two" { sleep(0) }
        }
        XCTAssertEqual(digests[0], digests[1])
        XCTAssertEqual(digests[0].count, 68)
    }

    func testBuildCannotReachALoopbackServer() throws {
        let server = try LoopbackServer()
        defer { server.close() }
        // The server is reachable from the host (the control), and the same spec builds when network = true.
        XCTAssertEqual(try tool("bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(server.port)"]).status, 0)
        let srpm = try makeSourcePackage(name: "netprobe", build: "bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(server.port)' || { echo NETWORK-REFUSED; exit 1; }\necho CONNECTED")
        let closed = try GooseBinary.run(["mock-build", "--resultdir", directory + "/closed", srpm])
        XCTAssertEqual(closed.status, 10, closed.stderr)
        XCTAssertTrue(read(directory + "/closed/build.log").contains("\nNETWORK-REFUSED"))
        XCTAssertFalse(read(directory + "/closed/build.log").contains("\nCONNECTED"))
        try "network = true\n".write(toFile: directory + "/net.toml", atomically: true, encoding: .utf8)
        let open = try GooseBinary.run(["mock-build", "--config", directory + "/net.toml", "--resultdir", directory + "/open", srpm])
        XCTAssertEqual(open.status, 0, open.stderr + read(directory + "/open/build.log"))
        XCTAssertTrue(read(directory + "/open/build.log").contains("\nCONNECTED"))
    }

    func testWritesOutsideBuilddirFailAndLeaveHostFilesAlone() throws {
        let hostTemporary = directory + "/victim"
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let hostHome = home + "/.goose-mockbuild-victim-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: hostHome) }
        for path in [hostTemporary, hostHome] { try "original\n".write(toFile: path, atomically: true, encoding: .utf8) }
        for (name, target) in [("writetmp", hostTemporary), ("writehome", hostHome), ("writenew", home + "/.goose-new-" + UUID().uuidString)] {
            let srpm = try makeSourcePackage(name: name, build: "echo overwritten > '\(target)' || exit 1")
            let result = try GooseBinary.run(["mock-build", "--resultdir", directory + "/" + name, srpm])
            XCTAssertEqual(result.status, 10, "\(name): \(result.stderr)")
            XCTAssertTrue(read(directory + "/\(name)/build.log").contains(target), name)
        }
        XCTAssertEqual(read(hostTemporary), "original\n")
        XCTAssertEqual(read(hostHome), "original\n")
    }

    /// On the host base a build sees the system's directories, not people's: the invoking user's home (with its keys)
    /// is not there to read, let alone to put into a package.
    func testHostBuildCannotReadTheUsersHome() throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        guard let top = home.split(separator: "/").first, ["home", "root"].contains(String(top)) else {
            throw XCTSkip("HOME (\(home)) is not under /home or /root here")
        }
        let secret = home + "/.goose-mockbuild-secret-" + UUID().uuidString
        try "private key\n".write(toFile: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let srpm = try makeSourcePackage(name: "readhome", build: "if cat '\(secret)'; then echo HOME-READABLE; exit 1; fi\nls /\(top) || echo HOME-ABSENT")
        let result = try GooseBinary.run(["mock-build", "--resultdir", directory + "/readhome", srpm])
        XCTAssertEqual(result.status, 0, result.stderr + read(directory + "/readhome/build.log"))
        XCTAssertTrue(read(directory + "/readhome/build.log").contains("\nHOME-ABSENT"), read(directory + "/readhome/build.log"))
    }

    /// goose's environment (tokens, agent sockets) reaches no process of the sandbox, bwrap's init (PID 1) included.
    func testBuildSeesNoneOfGoosesEnvironmentNotEvenThroughPID1() throws {
        let srpm = try makeSourcePackage(name: "readenv", build: "echo \"BUILD-LOCALE LANG=$LANG LC_ALL=${LC_ALL-unset}\"\nfor p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ; done | sort -u | sed 's/^/ENV: /'")
        let value = "token-" + UUID().uuidString
        let result = try GooseBinary.run(["mock-build", "--resultdir", directory + "/readenv", srpm], environment: ["GOOSE_TEST_SECRET": value])
        let log = read(directory + "/readenv/build.log")
        XCTAssertEqual(result.status, 0, result.stderr + log)
        XCTAssertTrue(log.contains("ENV: SOURCE_DATE_EPOCH="), log)
        XCTAssertFalse(log.contains(value), log)
        // As under mock (LANG=C.UTF-8, no LC_ALL): the build's scripts run with the LANG=C rpm's %___build_pre sets.
        XCTAssertTrue(log.contains("ENV: LANG=C.UTF-8"), log)
        XCTAssertTrue(log.contains("BUILD-LOCALE LANG=C LC_ALL=unset"), log)
    }

    /// Links the build plants among its results point at host files the sandbox hides: goose, which collects on the
    /// host's side, must neither publish them nor move what they point at.
    func testResultsThatAreSymbolicLinksAreRefused() throws {
        let secretDirectory = directory + "/secret"
        try FileManager.default.createDirectory(atPath: secretDirectory, withIntermediateDirectories: true)
        try "key\n".write(toFile: secretDirectory + "/leak-1-1.noarch.rpm", atomically: true, encoding: .utf8)
        for (name, plant) in [("linkfile", "mkdir -p %{_rpmdir}/noarch; ln -sf \(secretDirectory)/leak-1-1.noarch.rpm %{_rpmdir}/noarch/leak-1-1.noarch.rpm"),
                              ("linkdir", "mkdir -p %{_rpmdir}; ln -sfn \(secretDirectory) %{_rpmdir}/evil")] {
            let srpm = try makeSourcePackage(name: name, build: plant)
            let out = directory + "/" + name
            let result = try GooseBinary.run(["mock-build", "--resultdir", out, srpm])
            XCTAssertEqual(result.status, 10, result.stderr)
            XCTAssertTrue(result.stderr.contains("symbolic link"), result.stderr)
            let published = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            XCTAssertFalse(published.contains { $0.hasPrefix("leak") }, "\(name): \(published)")
            XCTAssertEqual(try String(contentsOfFile: secretDirectory + "/leak-1-1.noarch.rpm", encoding: .utf8), "key\n", name)
        }
    }

    /// On the host base the arch must be one rpm counts as the host's (x86_64, i686, noarch on an x86_64 host): rpmbuild
    /// --target would otherwise label a host build with any name.
    func testHostBaseRefusesAnArchTheHostCannotBuild() throws {
        try "base = \"host\"\narch = \"sparc9000\"\n".write(toFile: directory + "/sparc.toml", atomically: true, encoding: .utf8)
        let result = try GooseBinary.run(["mock-build", "--config", directory + "/sparc.toml", "--resultdir", directory + "/sparc",
                                          "--allow-missing-deps", fixture("mock/test-C-1.1-0.src.rpm")])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("arch 'sparc9000' is not one the host's rpmbuild can build"), result.stderr)
        XCTAssertFalse(((try? FileManager.default.contentsOfDirectory(atPath: directory + "/sparc")) ?? []).contains { $0.hasSuffix(".rpm") })
    }

    /// An input that is not an SRPM is mock's 5 (missing or unusable input) and leaves an earlier build's logs in the
    /// result directory as they were.
    func testUnusableInputExits5AndKeepsEarlierLogs() throws {
        let out = directory + "/kept"
        let first = try GooseBinary.run(["mock-build", "--resultdir", out, "--allow-missing-deps", fixture("mock/test-C-1.1-0.src.rpm")])
        XCTAssertEqual(first.status, 0, first.stderr)
        let log = try Data(contentsOf: URL(fileURLWithPath: out + "/build.log"))
        let empty = directory + "/empty.src.rpm"
        FileManager.default.createFile(atPath: empty, contents: Data())
        let truncated = directory + "/truncated.src.rpm"
        FileManager.default.createFile(atPath: truncated, contents: try Data(contentsOf: URL(fileURLWithPath: fixture("mock/test-C-1.1-0.src.rpm"))).prefix(3000))
        for input in [empty, truncated] {
            let refused = try GooseBinary.run(["mock-build", "--resultdir", out, input])
            XCTAssertEqual(refused.status, 5, refused.stderr)
            XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/build.log")), log, input)
        }
    }

    /// A failed build in a workspace is recorded with its logs, whose state.log closes the root once; a --workspace that
    /// is not one is named; --json --scrub reports what it removed.
    func testFailedBuildLogsAndCommandLineReports() throws {
        let workspace = try makeWorkspace()
        let srpm = try makeSourcePackage(name: "failing", build: "exit 1")
        XCTAssertEqual(try GooseBinary.run(["mock-build", "--workspace", workspace, srpm]).status, 10)
        let state = read(workspace + "/builds/failing/1/1/logs/state.log")
        XCTAssertEqual(state.components(separatedBy: "Start: clean chroot").count - 1, 1, state)
        let missing = try GooseBinary.run(["mock-build", "--workspace", directory + "/no-such-workspace", srpm])
        XCTAssertEqual(missing.status, 3, missing.stderr)
        XCTAssertTrue(missing.stderr.contains(directory + "/no-such-workspace"), missing.stderr)
        let scrub = try GooseBinary.run(["mock-build", "--json", "--scrub", "all", "--workspace", workspace])
        XCTAssertEqual(scrub.status, 0, scrub.stderr)
        XCTAssertEqual(scrub.stdout, "{\"scrubbed\":[]}\n")
        // A result directory nothing can be written into is mock's 70 (immutable: root's permissions ignore modes).
        let locked = directory + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        if try GooseBinary.runProgram("/bin/sh", ["-c", "chattr +i \(locked)"]).status == 0 {
            let refused = try GooseBinary.run(["mock-build", "--resultdir", locked, "--allow-missing-deps", fixture("mock/test-C-1.1-0.src.rpm")])
            _ = try GooseBinary.runProgram("/bin/sh", ["-c", "chattr -i \(locked)"])
            XCTAssertEqual(refused.status, 70, refused.stderr)
            XCTAssertTrue(refused.stderr.contains("result directory not writable"), refused.stderr)
        }
    }

    func testBuildCannotWriteTheSourcePackage() throws {
        let srpm = try makeSourcePackage(name: "writesrpm", build: "echo overwritten >> /originals/writesrpm-1-1.src.rpm || exit 1")
        let before = try Data(contentsOf: URL(fileURLWithPath: srpm))
        let result = try GooseBinary.run(["mock-build", "--resultdir", directory + "/writesrpm", srpm])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(read(directory + "/writesrpm/build.log").contains("Read-only file system"), read(directory + "/writesrpm/build.log"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: srpm)), before)
    }

    func testTimeoutKillsTheWholeBuildAndExits11() throws {
        let marker = Int.random(in: 100_000...999_999)
        let srpm = try makeSourcePackage(name: "sleeper", build: "sleep \(marker) &\n(sleep \(marker + 1); true) &\nsleep \(marker + 2)")
        let started = Date()
        let result = try GooseBinary.run(["mock-build", "--timeout", "2", "--resultdir", directory + "/out", srpm])
        XCTAssertEqual(result.status, 11, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
        XCTAssertTrue(result.stderr.contains("timed out"), result.stderr)
        usleep(300_000)
        let left = try tool("pgrep", ["-f", "sleep \(marker)"])
        XCTAssertNotEqual(left.status, 0, "processes left behind: \(left.stdout)")
    }

    func testMemoryLimitStopsAGreedyBuild() throws {
        let srpm = try makeSourcePackage(name: "greedy", build: "python3 -c 'x = bytearray(768 * 1024 * 1024); print(\"ALLOCATED\")' || exit 1")
        let limited = try GooseBinary.run(["mock-build", "--memory-limit", "256", "--resultdir", directory + "/limited", srpm])
        XCTAssertEqual(limited.status, 10, limited.stderr)
        XCTAssertTrue(read(directory + "/limited/build.log").contains("MemoryError"))
        let free = try GooseBinary.run(["mock-build", "--resultdir", directory + "/free", srpm])
        XCTAssertEqual(free.status, 0, free.stderr + read(directory + "/free/build.log"))
    }

    func testKillDuringBuildLeavesNothingInBuilds() throws {
        let workspace = try makeWorkspace()
        let marker = Int.random(in: 100_000...999_999)
        let srpm = try makeSourcePackage(name: "slow", build: "sleep \(marker)")
        let process = try GooseBinary.start(["mock-build", "--workspace", workspace, srpm])
        // Wait until rpmbuild runs inside the sandbox, then kill goose with SIGKILL.
        let deadline = Date().addingTimeInterval(60)
        while try tool("pgrep", ["-f", "sleep \(marker)"]).status != 0 && Date() < deadline { usleep(100_000) }
        process.kill()
        _ = process.wait()
        usleep(500_000)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/builds"), [])
        XCTAssertNotEqual(try tool("pgrep", ["-f", "sleep \(marker)"]).status, 0, "the build outlived goose")
        // The next run reclaims the killed run's scratch root and publishes its own build whole.
        let next = try GooseBinary.run(["mock-build", "--workspace", workspace, fixture("mock/test-C-1.1-0.src.rpm")])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/builds"), ["test-C"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/tmp"), [])
    }

    func testBuildsAsAnUnprivilegedUser() throws {
        guard getuid() == 0, let setpriv = GooseBinary.toolPath(named: "setpriv") else { throw XCTSkip("needs root to switch to nobody") }
        let out = directory + "/nobody"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try tool("chmod", ["-R", "a+rwX", directory])
        let srpm = directory + "/hello.src.rpm"
        try FileManager.default.copyItem(atPath: fixture("rpm-tests/hello-1.0-1.src.rpm"), toPath: srpm)
        _ = try tool("chmod", ["a+r", srpm])
        let result = try GooseBinary.runProgram(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env",
                                                          try GooseBinary.executable(), "mock-build", "--resultdir", out, srpm])
        guard !result.stderr.contains("Permission denied") || result.status == 0 else {
            throw XCTSkip("the goose binary is not reachable for nobody here: \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.stderr + read(out + "/build.log"))
        XCTAssertEqual(try tool("rpm", ["-K", out + "/hello-1.0-1.x86_64.rpm"]).status, 0)
    }

    func testDistGitCheckoutIsBuiltFromSpecAndLookasideSources() throws {
        let workspace = try makeWorkspace()
        XCTAssertEqual(try GooseBinary.run(["import-srpm", "--workspace", workspace, fixture("rpm-tests/hello-1.0-1.src.rpm")]).status, 0)
        let checkout = directory + "/hello"
        XCTAssertEqual(try tool("git", ["clone", "-q", workspace + "/git/hello.git", checkout]).status, 0)
        let head = try tool("git", ["-C", checkout, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkout + "/hello-1.0.tar.gz"))
        let result = try GooseBinary.run(["mock-build", "--workspace", workspace, checkout], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        let build = workspace + "/builds/hello/1.0/1"
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: build + "/build.json"))) as? [String: Any]
        XCTAssertEqual(json?["source_commit"] as? String, head)
        let check = try tool("rpm", ["-K", build + "/x86_64/hello-1.0-1.x86_64.rpm", build + "/src/hello-1.0-1.src.rpm"])
        XCTAssertEqual(check.status, 0, check.stdout)
        // Built again from the same checkout, the SRPM is the same.
        XCTAssertEqual(try GooseBinary.run(["mock-build", "--resultdir", directory + "/again", "--workspace", workspace, checkout]).status, 0)
        XCTAssertEqual(try tool("cmp", [build + "/src/hello-1.0-1.src.rpm", directory + "/again/hello-1.0-1.src.rpm"]).status, 0)
    }

    func testBadBuildrootDefinitionNamesKeyAndFile() throws {
        let config = directory + "/el9.toml"
        try "base = \"host\"\nbogus = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try GooseBinary.run(["mock-build", "--config", config, "--resultdir", directory + "/out", fixture("rpm-tests/hello-1.0-1.src.rpm")])
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains(config) && result.stderr.contains("bogus"), result.stderr)
        let missing = try GooseBinary.run(["mock-build", "--resultdir", directory + "/out", directory + "/none.src.rpm"])
        XCTAssertEqual(missing.status, 5, missing.stderr)
    }

    /// Builds a small root from the host's binaries (rpmbuild, a shell, coreutils and their libraries).
    func makeSmallRoot(_ root: String) throws {
        let script = """
        set -eu
        root="$1"
        mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/etc" "$root/var/tmp" "$root/var/lib" "$root/usr/share"
        ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"; ln -s usr/bin "$root/sbin"
        mkdir -p "$root/usr/lib64"
        for tool in rpmbuild rpm sh dash bash cat test rm mkdir chmod chown cp find file xargs sed grep gzip tar cpio id uname sort tr head tail basename dirname env ls mv ln touch readlink stat wc cut awk mawk ldd perl sleep true false expr nice tee diff cmp; do
            path=$(command -v "$tool" 2>/dev/null) || continue
            path=$(readlink -f "$path")
            cp -a --parents "$path" "$root" 2>/dev/null || true
            [ "$(basename "$path")" = "$tool" ] || ln -sf "$path" "$root/usr/bin/$tool" 2>/dev/null || true
        done
        cp -a --parents /usr/lib/rpm /etc/rpm /etc/passwd /etc/group /usr/lib/x86_64-linux-gnu/rpm-plugins "$root" 2>/dev/null || true
        cp -a --parents /usr/lib/file /usr/share/misc /usr/share/file "$root" 2>/dev/null || true
        ldd "$root"/usr/bin/* 2>/dev/null | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u | while read -r lib; do
            [ -e "$lib" ] || continue
            cp -a --parents "$lib" "$root"; cp -a --parents "$(readlink -f "$lib")" "$root"
        done
        """
        let result = try tool("bash", ["-c", script, "mkroot", root])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testDirectoryAndTarballBases() throws {
        let root = directory + "/root"
        try makeSmallRoot(root)
        let marker = UUID().uuidString
        try marker.write(toFile: root + "/etc/goose-root-marker", atomically: true, encoding: .utf8)
        // git is on the host but not in the small root: the build must see the root, not the host.
        XCTAssertNotNil(GooseBinary.toolPath(named: "git"))
        let srpm = try makeSourcePackage(name: "rootprobe", build: "cat /etc/goose-root-marker; echo\ntest ! -e /usr/bin/git")
        try "base = \"dir:\(root)\"\n".write(toFile: directory + "/dir.toml", atomically: true, encoding: .utf8)
        let fromDirectory = try GooseBinary.run(["mock-build", "--config", directory + "/dir.toml", "--resultdir", directory + "/dir", srpm])
        XCTAssertEqual(fromDirectory.status, 0, fromDirectory.stderr + read(directory + "/dir/build.log"))
        XCTAssertTrue(read(directory + "/dir/build.log").contains("\n" + marker))
        XCTAssertEqual(try tool("rpm", ["-K", directory + "/dir/rootprobe-1-1.noarch.rpm"]).status, 0)

        XCTAssertEqual(try tool("tar", ["-cf", directory + "/root.tar", "-C", root, "."]).status, 0)
        let workspace = try makeWorkspace()
        try FileManager.default.createDirectory(atPath: workspace + "/buildroots", withIntermediateDirectories: true)
        try "base = \"tarball:\(directory)/root.tar\"\n[macros]\ndist = \".el9\"\n".write(toFile: workspace + "/buildroots/el9.toml", atomically: true, encoding: .utf8)
        for (index, input) in [srpm, fixture("mock/test-C-1.1-0.src.rpm")].enumerated() {
            let result = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", input])
            XCTAssertEqual(result.status, 0, result.stderr)
            let logs = try FileManager.default.contentsOfDirectory(atPath: workspace + "/builds").map { name in
                try FileManager.default.subpathsOfDirectory(atPath: workspace + "/builds/" + name).filter { $0.hasSuffix("logs/root.log") }.map { workspace + "/builds/\(name)/" + $0 }
            }.joined()
            let rootLog = logs.map(read).joined()
            // The tarball is unpacked once; the second build reuses the cached root.
            XCTAssertTrue(rootLog.contains("root: unpacked"), rootLog)
            if index == 1 { XCTAssertTrue(rootLog.contains("root: cached unpacked"), rootLog) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/roots").filter { !$0.hasSuffix(".lock") }.count, 1)

        try "base = \"dir:\(directory)\"\n".write(toFile: directory + "/bad.toml", atomically: true, encoding: .utf8)
        let bad = try GooseBinary.run(["mock-build", "--config", directory + "/bad.toml", "--resultdir", directory + "/bad", srpm])
        XCTAssertEqual(bad.status, 3, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("no usr/bin/rpmbuild"), bad.stderr)
    }

    func testFromWavesBuildsInOrder() throws {
        let waves = directory + "/waves.txt"
        try "test-C test-D\nhello\n".write(toFile: waves, atomically: true, encoding: .utf8)
        // What goose build-order writes is what --from-waves reads.
        let ordered = try GooseBinary.run(["build-order", "--format", "waves", fixture("mock/test-C-1.1-0.src.rpm"), fixture("mock/test-D-1.1-0.src.rpm")])
        XCTAssertEqual(ordered.status, 0, ordered.stderr)
        XCTAssertTrue(ordered.stdout.hasPrefix("wave 1: "), ordered.stdout)
        try ordered.stdout.write(toFile: directory + "/ordered.txt", atomically: true, encoding: .utf8)
        let fromOrder = try GooseBinary.run(["mock-build", "--from-waves", directory + "/ordered.txt", "--resultdir", directory + "/ordered",
                                             GooseBinary.fixtures + "/srpms/mock"], timeout: 300)
        XCTAssertEqual(fromOrder.status, 0, fromOrder.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/ordered/test-D-1.1-0/test-D-1.1-0.x86_64.rpm"))
        let result = try GooseBinary.run(["mock-build", "--from-waves", waves, "--jobs", "2", "--json", "--resultdir", directory + "/out",
                                          GooseBinary.fixtures + "/srpms/mock", fixture("rpm-tests/hello-1.0-1.src.rpm")], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        let names = result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["nvr"] as? String
        }
        XCTAssertEqual(names.count, 3)
        XCTAssertEqual(names.last, "hello-1.0-1")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/out/test-D-1.1-0/test-D-1.1-0.x86_64.rpm"))
    }
}

/// A TCP server on 127.0.0.1 (the kernel picks the port) that accepts nothing: connect() succeeds through
/// the listen backlog, which is all the network test needs.
final class LoopbackServer {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw GooseBinary.Failure(description: "cannot listen on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        self.port = UInt16(bigEndian: address.sin_port)
    }

    func close() { Glibc.close(descriptor) }
}
