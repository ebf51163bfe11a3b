import Foundation
import XCTest

/// End-to-end tests of roots populated with dnf from local repos (rpmbuild-made packages, createrepo_c
/// repodata), the populated-root cache, and --from-waves repos; checked with rpm --root and dnf's own logs.
extension MockBuildCLITests {
    /// A noarch spec `name` with a `-devel` subpackage (requiring the main one), built with the host's rpmbuild.
    func binarySpec(name: String, version: String = "1", buildRequires: [String] = [], build: String = "") -> String {
        """
        Name: \(name)
        Version: \(version)
        Release: 1
        Summary: mock-build root test package
        License: MIT
        BuildArch: noarch
        \(buildRequires.map { "BuildRequires: " + $0 }.joined(separator: "\n"))
        %description
        test
        %package devel
        Summary: development part
        Requires: \(name) = %{version}-%{release}
        %description devel
        test
        %build
        \(build)
        %install
        mkdir -p %{buildroot}/usr/share/\(name)
        echo \(name)-\(version) > %{buildroot}/usr/share/\(name)/version
        echo devel > %{buildroot}/usr/share/\(name)/devel
        %files
        /usr/share/\(name)/version
        %files devel
        /usr/share/\(name)/devel
        %changelog
        * Tue May 14 2024 Test <test@example.com> - \(version)-1
        - test
        """
    }

    /// Builds binary RPMs of specs into `repository` and runs createrepo_c over it.
    func makeRepository(_ repository: String, specs: [String: String]) throws {
        for (name, text) in specs {
            let path = directory + "/\(name).spec"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try tool("rpmbuild", ["-bb", "--define", "_topdir \(directory)/top", "--define", "_rpmdir \(repository)", path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let created = try tool("createrepo_c", ["--quiet", repository])
        XCTAssertEqual(created.status, 0, created.stderr)
    }

    /// An SRPM of `binarySpec`.
    func makeSourcePackage(spec text: String, name: String) throws -> String {
        let path = directory + "/\(name).spec"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try tool("rpmbuild", ["-bs", "--define", "_topdir \(directory)/top", "--define", "_srcrpmdir \(directory)/srpms", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let made = try FileManager.default.contentsOfDirectory(atPath: directory + "/srpms").filter { $0.hasPrefix(name + "-") && $0.hasSuffix(".src.rpm") }
        return directory + "/srpms/" + made[0]
    }

    func populatedRoots(_ workspace: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/roots")) ?? [])
            .filter { $0.hasPrefix("populated-") && !$0.hasSuffix(".lock") }.map { workspace + "/.goose/roots/" + $0 }
    }

    func installedNames(root: String) throws -> [String] {
        let query = try tool("rpm", ["--root", root, "--dbpath", "/var/lib/rpm", "-qa", "--qf", "%{name}\n"])
        XCTAssertEqual(query.status, 0, query.stderr)
        return query.stdout.split(separator: "\n").map(String.init).sorted()
    }

    func testReposPopulateACachedRootAndInstallBuildRequires() throws {
        guard GooseBinary.toolPath(named: "dnf") != nil, GooseBinary.toolPath(named: "createrepo_c") != nil else {
            throw XCTSkip("needs dnf and createrepo_c (scripts/install-deps)")
        }
        let root = directory + "/base"
        try makeSmallRoot(root)
        let repository = directory + "/repo"
        try makeRepository(repository, specs: ["buildtool": binarySpec(name: "buildtool"), "libfoo": binarySpec(name: "libfoo")])
        let workspace = try makeWorkspace()
        try FileManager.default.createDirectory(atPath: workspace + "/buildroots", withIntermediateDirectories: true)
        try "base = \"dir:\(root)\"\nrepos = [\"file://\(repository)\"]\npackages = [\"buildtool\"]\n[macros]\nrhel = \"9\"\n"
            .write(toFile: workspace + "/buildroots/el9.toml", atomically: true, encoding: .utf8)

        // The setup set is installed once into the cached root; the BuildRequires into the build's copy.
        let needsFoo = try makeSourcePackage(spec: binarySpec(name: "needsfoo", buildRequires: ["libfoo-devel >= 1", "buildtool"],
                                                               build: "cat /usr/share/libfoo/devel /usr/share/buildtool/version"), name: "needsfoo")
        let first = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", needsFoo], timeout: 300)
        let logs = workspace + "/builds/needsfoo/1/1/logs/"
        XCTAssertEqual(first.status, 0, first.stderr + read(logs + "root.log"))
        XCTAssertTrue(read(logs + "build.log").contains("\ndevel\nbuildtool-1\n"), read(logs + "build.log"))
        XCTAssertTrue(read(logs + "root.log").contains("root: populated "))
        XCTAssertTrue(read(logs + "root.log").contains("installing BuildRequires: libfoo-devel >= 1"), read(logs + "root.log"))
        XCTAssertEqual(read(logs + "installed_pkgs.log").split(separator: "\n").map { String($0.split(separator: " ")[0]) },
                       ["buildtool-1-1.noarch", "libfoo-1-1.noarch", "libfoo-devel-1-1.noarch"])
        XCTAssertTrue(read(logs + "state.log").contains("Start: populate root"))
        var roots = populatedRoots(workspace)
        XCTAssertEqual(roots.count, 1)
        // rpm's own view of the cached root: the setup set only, the BuildRequires went into the build's copy.
        XCTAssertEqual(try installedNames(root: roots[0]), ["buildtool"])
        XCTAssertEqual(try tool("rpm", ["-K", workspace + "/builds/needsfoo/1/1/noarch/needsfoo-1-1.noarch.rpm"]).status, 0)

        // Warm: a build whose BuildRequires the cached root already has uses it as it is (no copy, no dnf).
        let needsTool = try makeSourcePackage(spec: binarySpec(name: "needstool", buildRequires: ["buildtool"], build: "cat /usr/share/buildtool/version"), name: "needstool")
        let warm = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", needsTool], timeout: 300)
        let warmRootLog = read(workspace + "/builds/needstool/1/1/logs/root.log")
        XCTAssertEqual(warm.status, 0, warm.stderr + warmRootLog)
        XCTAssertTrue(warmRootLog.contains("root: cached populated root"), warmRootLog)
        XCTAssertTrue(warmRootLog.contains("BuildRequires already in the root: buildtool"), warmRootLog)
        XCTAssertFalse(warmRootLog.contains("Executing command: dnf"), warmRootLog)

        // A BuildRequires no repo has: mock's package-manager exit code, and root.log names it.
        let needsBar = try makeSourcePackage(spec: binarySpec(name: "needsbar", buildRequires: ["libbar-devel >= 2"]), name: "needsbar")
        let missing = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", needsBar], timeout: 300)
        XCTAssertEqual(missing.status, 30, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("libbar-devel >= 2"), missing.stderr)
        XCTAssertTrue(read(workspace + "/builds/needsbar/1/1/logs/root.log").contains("missing BuildRequires: libbar-devel >= 2"))
        XCTAssertEqual(try installedNames(root: roots[0]), ["buildtool"], "a failed install must not touch the cached root")

        // The repo changes (a new buildtool): the key changes, a new root is populated and the stale one goes.
        try FileManager.default.removeItem(atPath: repository + "/repodata")
        try makeRepository(repository, specs: ["buildtool": binarySpec(name: "buildtool", version: "2")])
        let needsTool2 = try makeSourcePackage(spec: binarySpec(name: "needstool2", buildRequires: ["buildtool >= 2"], build: "cat /usr/share/buildtool/version"), name: "needstool2")
        let changed = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", needsTool2], timeout: 300)
        let changedLogs = workspace + "/builds/needstool2/1/1/logs/"
        XCTAssertEqual(changed.status, 0, changed.stderr + read(changedLogs + "root.log"))
        XCTAssertTrue(read(changedLogs + "root.log").contains("root: populated "))
        XCTAssertTrue(read(changedLogs + "build.log").contains("\nbuildtool-2\n"))
        roots = populatedRoots(workspace)
        XCTAssertEqual(roots.count, 1)
        let query = try tool("rpm", ["--root", roots[0], "--dbpath", "/var/lib/rpm", "-q", "buildtool"])
        XCTAssertEqual(query.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "buildtool-2-1.noarch")

        // --no-cache populates a root of the build's own and leaves the cache alone; --scrub empties it.
        let fresh = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", "--no-cache", "--resultdir", directory + "/fresh", needsTool], timeout: 300)
        XCTAssertEqual(fresh.status, 0, fresh.stderr + read(directory + "/fresh/root.log"))
        XCTAssertTrue(read(directory + "/fresh/root.log").contains("--no-cache: populating"))
        XCTAssertEqual(populatedRoots(workspace), roots)
        let scrub = try GooseBinary.run(["mock-build", "--workspace", workspace, "--buildroot", "el9", "--scrub", "root-cache"])
        XCTAssertEqual(scrub.status, 0, scrub.stderr)
        XCTAssertTrue(scrub.stdout.contains("scrubbed 1 cached root"), scrub.stdout)
        XCTAssertEqual(populatedRoots(workspace), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/tmp"), [])
    }

    func testFromWavesInstallsEarlierWavesResults() throws {
        guard GooseBinary.toolPath(named: "dnf") != nil else { throw XCTSkip("needs dnf (scripts/install-deps)") }
        let root = directory + "/base"
        try makeSmallRoot(root)
        try "base = \"dir:\(root)\"\n".write(toFile: directory + "/el9.toml", atomically: true, encoding: .utf8)
        let libraryPackage = try makeSourcePackage(spec: binarySpec(name: "wavelib"), name: "wavelib")
        let application = try makeSourcePackage(spec: binarySpec(name: "waveapp", buildRequires: ["wavelib-devel"],
                                                                  build: "cat /usr/share/wavelib/version"), name: "waveapp")
        let waves = directory + "/waves.txt"
        try "wavelib\nwaveapp\n".write(toFile: waves, atomically: true, encoding: .utf8)
        let workspace = try makeWorkspace()
        let result = try GooseBinary.run(["mock-build", "--workspace", workspace, "--config", directory + "/el9.toml", "--from-waves", waves,
                                          libraryPackage, application], timeout: 300)
        let rootLog = read(workspace + "/builds/waveapp/1/1/logs/root.log")
        XCTAssertEqual(result.status, 0, result.stderr + rootLog)
        XCTAssertNotNil(rootLog.range(of: #"Added goose-0 repo from file://\S*wave-repo"#, options: .regularExpression), rootLog)
        XCTAssertNotNil(rootLog.range(of: #"wavelib-devel\s+noarch\s+1-1\s+goose-0"#, options: .regularExpression), rootLog)
        XCTAssertTrue(read(workspace + "/builds/waveapp/1/1/logs/build.log").contains("\nwavelib-1\n"))
        XCTAssertTrue(read(workspace + "/builds/waveapp/1/1/logs/installed_pkgs.log").contains("wavelib-devel-1-1.noarch"))
        // The chain's repo is scratch: gone when the run ends.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/tmp"), [])

        // Without the first wave's results, the second build cannot find its BuildRequires.
        let alone = try GooseBinary.run(["mock-build", "--workspace", workspace, "--config", directory + "/el9.toml", "--resultdir", directory + "/alone",
                                         "--allow-missing-deps", application], timeout: 300)
        XCTAssertEqual(alone.status, 10, alone.stderr)
    }
}

extension MockBuildCLITests {
    /// A small root, a repo with buildtool, and a definition installing it; `slowSetup` makes installing it take
    /// seconds (a Lua %pre scriptlet sleeps: a shell one would need /bin/sh from the repo), so a test can catch dnf at work.
    func makePopulatedRootDefinition(workspace: String, slowSetup: Bool = false) throws -> String {
        let root = directory + "/base"
        try makeSmallRoot(root)
        let repository = directory + "/repo"
        let plain = binarySpec(name: "buildtool")
        let spec = slowSetup ? plain.replacingOccurrences(of: "%changelog", with: "%pre -p <lua>\nposix.sleep(5)\n%changelog") : plain
        try makeRepository(repository, specs: ["buildtool": spec])
        let definition = directory + "/el9.toml"
        try "base = \"dir:\(root)\"\nrepos = [\"file://\(repository)\"]\npackages = [\"buildtool\"]\n".write(toFile: definition, atomically: true, encoding: .utf8)
        return definition
    }

    func testConcurrentBuildsPopulateTheCacheOnce() throws {
        guard GooseBinary.toolPath(named: "dnf") != nil else { throw XCTSkip("needs dnf (scripts/install-deps)") }
        let workspace = try makeWorkspace()
        let definition = try makePopulatedRootDefinition(workspace: workspace)
        let one = try makeSourcePackage(spec: binarySpec(name: "one", buildRequires: ["buildtool"]), name: "one")
        let two = try makeSourcePackage(spec: binarySpec(name: "two", buildRequires: ["buildtool"]), name: "two")
        let result = try GooseBinary.run(["mock-build", "--workspace", workspace, "--config", definition, "--jobs", "2", one, two], timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
        let logs = ["one", "two"].map { read(workspace + "/builds/\($0)/1/1/logs/root.log") }
        // One build populated the root under the lock; the other waited and used it.
        XCTAssertEqual(logs.filter { $0.contains("root: populated ") }.count, 1, logs.joined())
        XCTAssertEqual(logs.filter { $0.contains("root: cached populated root") }.count, 2, logs.joined())
        XCTAssertEqual(populatedRoots(workspace).count, 1)
    }

    func testKillDuringPopulationLeavesNoHalfRoot() throws {
        guard GooseBinary.toolPath(named: "dnf") != nil else { throw XCTSkip("needs dnf (scripts/install-deps)") }
        let workspace = try makeWorkspace()
        let definition = try makePopulatedRootDefinition(workspace: workspace, slowSetup: true)
        let one = try makeSourcePackage(spec: binarySpec(name: "one", buildRequires: ["buildtool"]), name: "one")
        let process = try GooseBinary.start(["mock-build", "--quiet", "--workspace", workspace, "--config", definition, one])
        // Killed while dnf populates the root (its staging directory exists and no root is published yet).
        let roots = workspace + "/.goose/roots"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try tool("pgrep", ["-f", "installroot=" + roots + "/populate."]).status != 0 { usleep(20_000) }
        XCTAssertEqual(try tool("pgrep", ["-f", "installroot=" + roots + "/populate."]).status, 0, "dnf never ran")
        process.kill()
        _ = process.wait()
        usleep(500_000)
        XCTAssertNotEqual(try tool("pgrep", ["-f", "installroot=" + roots]).status, 0, "dnf outlived goose")
        XCTAssertEqual(populatedRoots(workspace), [], "a killed population must publish nothing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: workspace + "/builds/one"))
        let again = try GooseBinary.run(["mock-build", "--workspace", workspace, "--config", definition, one], timeout: 300)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(populatedRoots(workspace).count, 1)
        // The killed run's staging directory was reclaimed.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: roots).filter { $0.hasPrefix("populate.") }, [])
        XCTAssertEqual(try populatedRoots(workspace).first.map(installedNames) ?? [], ["buildtool"])
    }
}

extension MockBuildCLITests {
    func testUnprivilegedUserPopulatesARoot() throws {
        guard getuid() == 0, let setpriv = GooseBinary.toolPath(named: "setpriv") else { throw XCTSkip("needs root to switch to nobody") }
        guard GooseBinary.toolPath(named: "dnf") != nil else { throw XCTSkip("needs dnf (scripts/install-deps)") }
        let workspace = try makeWorkspace()
        let definition = try makePopulatedRootDefinition(workspace: workspace)
        let srpm = try makeSourcePackage(spec: binarySpec(name: "one", buildRequires: ["buildtool"], build: "cat /usr/share/buildtool/version"), name: "one")
        _ = try tool("chmod", ["-R", "a+rwX", directory])
        let result = try GooseBinary.runProgram(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env",
                                                          try GooseBinary.executable(), "mock-build", "--workspace", workspace, "--config", definition, srpm])
        guard !result.stderr.contains("Permission denied") || result.status == 0 else {
            throw XCTSkip("the goose binary is not reachable for nobody here: \(result.stderr)")
        }
        let logs = workspace + "/builds/one/1/1/logs/"
        XCTAssertEqual(result.status, 0, result.stderr + read(logs + "root.log"))
        XCTAssertTrue(read(logs + "root.log").contains("unshare --map-root-user"))
        XCTAssertTrue(read(logs + "build.log").contains("\nbuildtool-1\n"))
        XCTAssertEqual(try installedNames(root: populatedRoots(workspace)[0]), ["buildtool"])
    }
}
