import Foundation
import XCTest

/// End-to-end tests of `goose build-order` on real specs and SRPMs, checked with rpmbuild, rpm, rpmspec and git.
final class BuildOrderCLITests: XCTestCase {
    @discardableResult
    private func shell(_ command: String, in directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        let result = try GooseBinary.runProgram("/bin/sh", ["-c", command], in: directory)
        XCTAssertEqual(result.status, 0, "\(command) failed: \(result.stderr)", file: file, line: line)
        return result
    }

    /// Runs goose with a cache of the test's own.
    private func goose(_ arguments: [String], cache: String, in directory: String? = nil) throws -> GooseBinary.Output {
        try GooseBinary.run(arguments, in: directory, environment: ["XDG_CACHE_HOME": cache])
    }

    private func json(_ output: GooseBinary.Output) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], output.stderr)
    }

    private func writeSpec(_ root: String, name: String, version: String = "1.0", buildRequires: [String] = [],
                           subpackage: (name: String, requires: [String])? = nil, build: String, files: String) throws {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var text = """
        Name: \(name)
        Version: \(version)
        Release: 1
        Summary: build-order test package \(name)
        License: MIT
        BuildArch: noarch
        \(buildRequires.map { "BuildRequires: \($0)\n" }.joined())
        %description
        Test package.

        """
        if let subpackage {
            text += """
            %package -n \(subpackage.name)
            Summary: headers of \(name)
            \(subpackage.requires.map { "Requires: \($0)\n" }.joined())
            %description -n \(subpackage.name)
            Headers.

            """
        }
        // %setup -c gives each package a build directory of its own; without it they would share top/BUILD.
        text += """
        %prep
        %setup -q -c -T

        %build
        \(build)

        %install
        mkdir -p %{buildroot}/usr/include %{buildroot}/usr/share/\(name)
        cp -p out.* %{buildroot}/usr/include/ 2>/dev/null || :
        echo \(name) > %{buildroot}/usr/share/\(name)/marker

        %files
        /usr/share/\(name)

        """
        if let subpackage { text += "%files -n \(subpackage.name)\n\(files)\n" }
        try text.write(toFile: "\(directory)/\(name).spec", atomically: true, encoding: .utf8)
    }

    /// Four packages where each build reads the previous wave's installed output: ccore → libb, tool → app.
    /// goose prints the order; rpmbuild (which checks BuildRequires against the rpmdb) builds in that order,
    /// and each wave's RPMs are installed into a private root before the next wave.
    func testRpmbuildSucceedsInPrintedOrderAndFailsOutOfOrder() throws {
        guard GooseBinary.toolPath(named: "rpmbuild") != nil, GooseBinary.toolPath(named: "rpm") != nil else { throw XCTSkip("rpmbuild not installed") }
        let work = try temporaryDirectory()
        let specs = work + "/specs", root = work + "/root", top = work + "/top"
        try writeSpec(specs, name: "ccore", version: "3.1", subpackage: ("ccore-devel", []),
                      build: "echo 'CCORE 3.1' > out.ccore.h", files: "/usr/include/out.ccore.h")
        try writeSpec(specs, name: "libb", buildRequires: ["ccore-devel >= 3"], subpackage: ("bcore-devel", ["ccore-devel"]),
                      build: "grep CCORE \(root)/usr/include/out.ccore.h && echo \"B on $(cat \(root)/usr/include/out.ccore.h)\" > out.bcore.h",
                      files: "/usr/include/out.bcore.h")
        try writeSpec(specs, name: "tool", buildRequires: ["(ccore-devel >= 3 or ccore-compat)"],
                      build: "test -s \(root)/usr/include/out.ccore.h", files: "")
        try writeSpec(specs, name: "app", buildRequires: ["bcore-devel"],
                      build: "grep 'B on CCORE 3.1' \(root)/usr/include/out.bcore.h", files: "")
        let output = try goose(["build-order", "--format", "json", specs], cache: work + "/cache")
        XCTAssertEqual(output.status, 0, output.stderr)
        let waves = try XCTUnwrap(try json(output)["waves"] as? [[String]])
        XCTAssertEqual(waves, [["ccore"], ["libb", "tool"], ["app"]])
        let chain = try goose(["build-order", "--format", "chain", specs], cache: work + "/cache")
        XCTAssertEqual(chain.stdout, "ccore : libb tool : app\n")

        try shell("mkdir -p \(root)/var/lib/rpm && rpm --root \(root) --dbpath /var/lib/rpm --initdb")
        func rpmbuild(_ name: String) throws -> GooseBinary.Output {
            try GooseBinary.runProgram("/bin/sh", ["-c", "rpmbuild -bb --define '_topdir \(top)' --define '_dbpath \(root)/var/lib/rpm' \(specs)/\(name)/\(name).spec"])
        }
        // Out of order, rpmbuild refuses: its BuildRequires are not installed yet.
        let early = try rpmbuild("app")
        XCTAssertNotEqual(early.status, 0)
        XCTAssertTrue(early.stderr.contains("Failed build dependencies"), early.stderr)
        for wave in waves {
            var built: [String] = []
            for name in wave {
                let result = try rpmbuild(name)
                XCTAssertEqual(result.status, 0, "\(name) in wave order: \(result.stderr)")
                built.append(name)
            }
            XCTAssertEqual(built, wave)
            // Install the whole wave only after it is built: packages of one wave must not need each other.
            // Debian's rpm wants --force-debian to install at all.
            try shell("touch \(work)/installed; for f in \(top)/RPMS/noarch/*.rpm; do grep -qx \"$f\" \(work)/installed || { rpm --force-debian --root \(root) --dbpath /var/lib/rpm -i --nodeps --noscripts \"$f\" && echo \"$f\" >> \(work)/installed; }; done")
        }
        let installed = try shell("rpm --root \(root) --dbpath /var/lib/rpm -qa --qf '%{NAME}\\n' | sort").stdout
        XCTAssertEqual(installed, "app\nbcore-devel\nccore\nccore-devel\nlibb\ntool\n")
        // The devel package goose said libb needs does provide what libb's spec asks for, per rpm itself.
        let provides = try shell("rpm -qp --provides \(top)/RPMS/noarch/ccore-devel-3.1-1.noarch.rpm").stdout
        XCTAssertTrue(provides.contains("ccore-devel = 3.1-1"), provides)
    }

    func testRealCycleInAzureLinuxCmakeAndCurl() throws {
        let work = try temporaryDirectory()
        let azure = GooseBinary.fixtures + "/specs/azurelinux-3.0"
        let arguments = ["build-order", "--direct-only", "--define", "dist .azl3", "--define", "azl 3", "--format", "json",
                         azure + "/cmake", azure + "/curl", azure + "/zlib"]
        let output = try goose(arguments, cache: work + "/cache")
        XCTAssertEqual(output.status, 0, output.stderr)
        let result = try json(output)
        XCTAssertEqual(result["sccs"] as? [[String]], [["cmake", "curl"]])
        let cycles = try XCTUnwrap(result["cycles"] as? [[String: Any]])
        XCTAssertEqual((cycles.first?["breakingEdges"] as? [Any])?.count, 1)
        let edges = try XCTUnwrap(result["edges"] as? [[String: String]])
        XCTAssertTrue(edges.contains { $0["from"] == "cmake" && $0["to"] == "curl" })
        XCTAssertTrue(edges.contains { $0["from"] == "curl" && $0["to"] == "cmake" })
        // rpmspec agrees that each BuildRequires the other.
        let cmakeNeeds = try shell("rpmspec -q --buildrequires --define 'dist .azl3' --define 'azl 3' \(azure)/cmake/cmake.spec").stdout
        let curlNeeds = try shell("rpmspec -q --buildrequires --define 'dist .azl3' --define 'azl 3' \(azure)/curl/curl.spec").stdout
        XCTAssertTrue(cmakeNeeds.split(separator: "\n").contains { $0.hasPrefix("curl") }, cmakeNeeds)
        XCTAssertTrue(curlNeeds.split(separator: "\n").contains { $0.hasPrefix("cmake") }, curlNeeds)
        let waves = try goose(["build-order", "--direct-only", "--define", "dist .azl3", "--define", "azl 3",
                               azure + "/cmake", azure + "/curl", azure + "/zlib"], cache: work + "/cache")
        XCTAssertTrue(waves.stdout.contains("{cycle 1: cmake curl}"), waves.stdout)
        XCTAssertTrue(waves.stderr.contains("cycle 1 (2 packages): cmake curl"), waves.stderr)
        XCTAssertTrue(waves.stderr.contains("smallest feedback arc set, 1 edge"), waves.stderr)
    }

    func testPhotonSliceCacheAndBadSpec() throws {
        let work = try temporaryDirectory()
        let photon = GooseBinary.fixtures + "/specs/photon"
        let tree = work + "/specs"
        for name in ["acl", "attr", "libcap", "ncurses", "readline", "gzip", "zlib", "bzip2", "expat", "xz"] {
            try shell("mkdir -p \(tree)/\(name) && cp \(photon)/\(name)/\(name).spec \(tree)/\(name)/")
        }
        let first = try goose(["build-order", "--verbose", "--format", "json", tree], cache: work + "/cache")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("parsed 10, from cache 0"), first.stderr)
        let result = try json(first)
        let waves = try XCTUnwrap(result["waves"] as? [[String]])
        var waveOf: [String: Int] = [:]
        for (number, wave) in waves.enumerated() { for name in wave { waveOf[name] = number } }
        // photon's acl BuildRequires attr-devel (rpmspec says so); readline's ncurses-devel.
        XCTAssertLessThan(waveOf["attr"]!, waveOf["acl"]!)
        XCTAssertLessThan(waveOf["ncurses"]!, waveOf["readline"]!)
        let second = try goose(["build-order", "--verbose", "--format", "json", tree], cache: work + "/cache")
        XCTAssertTrue(second.stderr.contains("parsed 0, from cache 10"), second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)

        try shell("echo '# changed' >> \(tree)/zlib/zlib.spec")
        try "Name: broken\nVersion: 1\n%if\n".write(toFile: tree + "/acl/zz-broken.spec", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: tree + "/broken", withIntermediateDirectories: true)
        try "Name: broken\nVersion: 1\nRelease: 1\n%if\n".write(toFile: tree + "/broken/broken.spec", atomically: true, encoding: .utf8)
        let third = try goose(["build-order", "--verbose", "--format", "list", tree], cache: work + "/cache")
        XCTAssertEqual(third.status, 4, third.stderr)
        XCTAssertTrue(third.stderr.contains("\(tree)/broken/broken.spec: "), third.stderr)
        XCTAssertTrue(third.stderr.contains("1 of 12 specs failed") || third.stderr.contains("2 of 12 specs failed"), third.stderr)
        XCTAssertTrue(third.stderr.contains("from cache 9"), third.stderr)
        XCTAssertEqual(third.stdout.split(separator: "\n").count, 10, "the good specs are still ordered")
    }

    func testSourceRPMsFromMockChain() throws {
        let work = try temporaryDirectory()
        let output = try goose(["build-order", "--format", "json", GooseBinary.fixtures + "/srpms/mock"], cache: work + "/cache")
        XCTAssertEqual(output.status, 0, output.stderr)
        let result = try json(output)
        let waves = try XCTUnwrap(result["waves"] as? [[String]])
        var waveOf: [String: Int] = [:]
        for (number, wave) in waves.enumerated() { for name in wave { waveOf[name] = number } }
        // rpm -qp --requires on the SRPMs shows test-A needs test-B and test-B needs test-C, as mockchain's tests expect.
        let requiresA = try shell("rpm -qp --requires \(GooseBinary.fixtures)/srpms/mock/test-A-1.1-0.src.rpm").stdout
        XCTAssertTrue(requiresA.contains("test-B"), requiresA)
        XCTAssertLessThan(waveOf["test-B"]!, waveOf["test-A"]!)
        XCTAssertLessThan(waveOf["test-C"]!, waveOf["test-B"]!)
        let externals = try goose(["build-order", "--externals", GooseBinary.fixtures + "/srpms/mock"], cache: work + "/cache")
        XCTAssertTrue(externals.stdout.contains("packagewhichdoesnotexist"), externals.stdout)
    }

    func testDistGitBranchReadThroughGit() throws {
        let work = try temporaryDirectory()
        let workspace = work + "/ws"
        let initialized = try GooseBinary.run(["init", workspace])
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        for (name, needs) in [("alpha", "beta-devel"), ("beta", "")] {
            let checkout = work + "/" + name
            try writeSpec(work, name: name, buildRequires: needs.isEmpty ? [] : [needs],
                          subpackage: (name + "-devel", []), build: ":", files: "")
            if name == "beta" {
                // A file committed beside the spec and %included by it, as dist-git repos keep macro files.
                try "BuildRequires: gamma-tools\n".write(toFile: checkout + "/extra.inc", atomically: true, encoding: .utf8)
                let spec = checkout + "/beta.spec"
                try (try String(contentsOfFile: spec, encoding: .utf8).replacingOccurrences(of: "License: MIT\n", with: "License: MIT\nSource1: extra.inc\n%include %{SOURCE1}\n"))
                    .write(toFile: spec, atomically: true, encoding: .utf8)
            }
            try shell("""
                git init -q -b c9 \(checkout) && cd \(checkout) && git add . && \
                git -c user.name=t -c user.email=t@e commit -qm spec && \
                git init -q --bare \(workspace)/git/\(name).git && git push -q \(workspace)/git/\(name).git c9
                """)
        }
        let output = try goose(["build-order", "--workspace", workspace, "--branch", "c9", "--format", "chain"], cache: work + "/cache")
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.stdout, "beta : alpha\n")
        let externals = try goose(["build-order", "--workspace", workspace, "--branch", "c9", "--externals"], cache: work + "/cache")
        XCTAssertEqual(externals.stdout, "gamma-tools\tbeta\n", externals.stderr)
        let missing = try goose(["build-order", "--workspace", workspace, "--branch", "c10"], cache: work + "/cache")
        XCTAssertEqual(missing.status, 4)
        XCTAssertTrue(missing.stderr.contains("no branch 'c10'"), missing.stderr)
    }

    /// A file dependency only the repository's primary metadata knows (read with libsolv) becomes an edge;
    /// the primary must match the checksum repomd.xml gives.
    func testRepositoryResolvesFileDependencies() throws {
        let work = try temporaryDirectory()
        let specs = work + "/specs"
        try writeSpec(specs, name: "super_kernel", version: "6.0.1", build: ":", files: "")
        try writeSpec(specs, name: "consumer", buildRequires: ["/usr/bin/super_kernel", "bzip2-devel"], build: ":", files: "")
        let repository = GooseBinary.fixtures + "/repodata/createrepo_c/repo_02"
        let without = try goose(["build-order", "--format", "chain", specs], cache: work + "/cache")
        XCTAssertEqual(without.stdout, "consumer super_kernel\n")
        let externals = try goose(["build-order", "--externals", specs], cache: work + "/cache")
        XCTAssertEqual(externals.stdout, "/usr/bin/super_kernel\tconsumer\nbzip2-devel\tconsumer\n")
        let with = try goose(["build-order", "--repo", repository, "--format", "json", specs], cache: work + "/cache")
        XCTAssertEqual(with.status, 0, with.stderr)
        let result = try json(with)
        XCTAssertEqual(result["waves"] as? [[String]], [["super_kernel"], ["consumer"]])
        XCTAssertEqual(result["edges"] as? [[String: String]], [["from": "consumer", "to": "super_kernel", "dependency": "/usr/bin/super_kernel"]])
        // repo_01's primary does not match its repomd.xml (dnf refuses it too): refused, naming the file.
        let mismatched = try goose(["build-order", "--repo", GooseBinary.fixtures + "/repodata/createrepo_c/repo_01", specs], cache: work + "/cache")
        XCTAssertEqual(mismatched.status, 5, mismatched.stderr)
        XCTAssertTrue(mismatched.stderr.contains("-primary.xml.gz: hash mismatch"), mismatched.stderr)
        let missing = try goose(["build-order", "--repo", work, specs], cache: work + "/cache")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("repodata/repomd.xml"), missing.stderr)
    }

    /// A real bootstrap conditional: goose parses the cycle's specs again --with bootstrap and says which edge goes away.
    func testCycleBreakableWithBootstrapConditional() throws {
        let work = try temporaryDirectory()
        let specs = work + "/specs"
        try writeSpec(specs, name: "alpha", buildRequires: ["beta-devel"], subpackage: ("alpha-devel", []), build: ":", files: "")
        try writeSpec(specs, name: "beta", buildRequires: [], subpackage: ("beta-devel", []), build: ":", files: "")
        // beta needs alpha-devel except when bootstrapping, as e.g. systemd and util-linux do.
        let betaSpec = specs + "/beta/beta.spec"
        let text = try String(contentsOfFile: betaSpec, encoding: .utf8)
        try ("%bcond_with bootstrap\n" + text.replacingOccurrences(of: "BuildArch: noarch\n", with: "BuildArch: noarch\n%if %{without bootstrap}\nBuildRequires: alpha-devel\n%endif\n"))
            .write(toFile: betaSpec, atomically: true, encoding: .utf8)
        let normal = try shell("rpmspec -q --buildrequires \(betaSpec)").stdout
        XCTAssertEqual(normal, "alpha-devel\n")
        let bootstrap = try shell("rpmspec -q --buildrequires --with bootstrap \(betaSpec)").stdout
        XCTAssertEqual(bootstrap, "")
        let output = try goose(["build-order", specs], cache: work + "/cache")
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.stdout, "wave 1: {cycle 1: alpha beta}\n")
        XCTAssertTrue(output.stderr.contains("beta -> alpha: alpha-devel  [gone with --with bootstrap]"), output.stderr)
        let json = try self.json(try goose(["build-order", "--json", specs], cache: work + "/cache"))
        let cycle = try XCTUnwrap((json["cycles"] as? [[String: Any]])?.first)
        XCTAssertEqual(cycle["bootstrapRemovable"] as? [[String: String]], [["from": "beta", "to": "alpha", "dependency": "alpha-devel"]])
        // Parsed --with bootstrap from the start, there is no cycle.
        let bootstrapped = try goose(["build-order", "--with", "bootstrap", "--format", "chain", specs], cache: work + "/cache")
        XCTAssertEqual(bootstrapped.stdout, "beta : alpha\n")
    }

    /// Starts `python3 -m http.server` on a free loopback port serving `directory`; returns its base URL.
    private func startHTTPServer(_ directory: String) throws -> (url: String, server: RunningProcess) {
        guard let python = GooseBinary.toolPath(named: "python3") else { throw XCTSkip("python3 not installed") }
        let portText = try shell("\(python) -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'").stdout
        let port = try XCTUnwrap(Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let server = try RunningProcess("/bin/sh", ["-c", "exec \(python) -m http.server \(port) --bind 127.0.0.1 --directory '\(directory)'"],
                                        in: nil, environment: [:], standardInput: nil)
        for _ in 0..<100 {
            if (try? GooseBinary.runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"], timeout: 5))?.status == 0 {
                return ("http://127.0.0.1:\(port)", server)
            }
            usleep(100_000)
        }
        server.kill()
        throw GooseBinary.Failure(description: "http.server did not start on port \(port)")
    }

    /// --repo as an http:// and a file:// URL: a binary built by rpmbuild, indexed by createrepo_c and served by
    /// python's http.server provides a file only the repository knows; the primary is verified and cached by checksum.
    func testRepositoryURLFetchedVerifiedAndCached() throws {
        try requireTools(["rpmbuild", "createrepo_c", "curl", "sha256sum"])
        let work = try temporaryDirectory()
        let specs = work + "/specs", top = work + "/top", repository = work + "/repo"
        try writeSpec(specs, name: "repotool", build: ":", files: "")
        // The binary ships /usr/bin/repotool; the spec's parse does not say so, only the built package's primary does.
        let toolSpec = specs + "/repotool/repotool.spec"
        try (try String(contentsOfFile: toolSpec, encoding: .utf8)
            .replacingOccurrences(of: "%files\n", with: "%files\n/usr/bin/repotool\n")
            .replacingOccurrences(of: "echo repotool > %{buildroot}/usr/share/repotool/marker", with: "echo repotool > %{buildroot}/usr/share/repotool/marker\nmkdir -p %{buildroot}/usr/bin && echo '#!/bin/sh' > %{buildroot}/usr/bin/repotool && chmod 755 %{buildroot}/usr/bin/repotool"))
            .write(toFile: toolSpec, atomically: true, encoding: .utf8)
        try writeSpec(specs, name: "consumer", buildRequires: ["/usr/bin/repotool"], build: ":", files: "")
        try shell("rpmbuild -bb --nodeps --define '_topdir \(top)' \(toolSpec) && mkdir -p \(repository) && cp \(top)/RPMS/noarch/repotool-1.0-1.noarch.rpm \(repository)/ && createrepo_c -q \(repository)")
        let (url, server) = try startHTTPServer(repository)
        defer { server.kill(); _ = server.wait(timeout: 10) }
        let cache = work + "/cache"

        let without = try goose(["build-order", "--format", "chain", specs], cache: cache)
        XCTAssertEqual(without.stdout, "consumer repotool\n")
        let remote = try goose(["build-order", "--repo", url + "/", "--format", "json", specs], cache: cache)
        XCTAssertEqual(remote.status, 0, remote.stderr)
        let result = try json(remote)
        XCTAssertEqual(result["waves"] as? [[String]], [["repotool"], ["consumer"]])
        XCTAssertEqual(result["edges"] as? [[String: String]], [["from": "consumer", "to": "repotool", "dependency": "/usr/bin/repotool"]])
        // Cached under the checksum repomd.xml gives, and that checksum is the file's (per sha256sum).
        let repomd = try String(contentsOfFile: repository + "/repodata/repomd.xml", encoding: .utf8)
        let primaryChecksum = try XCTUnwrap(repomd.components(separatedBy: "<data type=\"primary\">").dropFirst().first?
            .components(separatedBy: "<checksum type=\"sha256\">").dropFirst().first?.components(separatedBy: "<").first)
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache + "/goose/repodata").filter { !$0.hasPrefix(".") }
        XCTAssertEqual(cached, ["\(primaryChecksum)-\(primaryChecksum)-primary.xml.gz"])
        XCTAssertEqual(try shell("sha256sum < \(cache)/goose/repodata/\(cached[0]) | cut -d' ' -f1").stdout, primaryChecksum + "\n")

        // file:// goes through libcurl too and gives the same order.
        let local = try goose(["build-order", "--repo", "file://" + repository, "--format", "chain", specs], cache: cache)
        XCTAssertEqual(local.stdout, "repotool : consumer\n", local.stderr)

        // A primary that does not match repomd.xml is refused with the URL, and nothing bad enters the cache.
        try shell("rm -rf \(cache)/goose/repodata && cd \(repository)/repodata && f=$(ls *-primary.xml.gz) && zcat $f | sed 's/repotool/repotoox/g' | gzip > x && mv x $f")
        let tampered = try goose(["build-order", "--repo", url, specs], cache: cache)
        XCTAssertEqual(tampered.status, 5, tampered.stderr)
        XCTAssertTrue(tampered.stderr.contains("\(url)/repodata/\(primaryChecksum)-primary.xml.gz: hash mismatch"), tampered.stderr)
        XCTAssertEqual(tampered.stderr.split(separator: "\n").count, 1, tampered.stderr)
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: cache + "/goose/repodata")) ?? []).filter { !$0.hasPrefix(".") }, [])
        let unreachable = try goose(["build-order", "--repo", url + "/missing", specs], cache: cache)
        XCTAssertEqual(unreachable.status, 6, unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("\(url)/missing/repodata/repomd.xml: HTTP 404"), unreachable.stderr)
    }

    /// A spec with %generate_buildrequires: goose orders it by its static BuildRequires and says so; given the
    /// SRPM `rpmbuild -br` writes, it orders it by the generated ones too.
    func testGeneratedBuildRequiresMarkedAndTakenFromBuildreqsSRPM() throws {
        try requireTools(["rpmbuild", "rpm"])
        let work = try temporaryDirectory()
        let specs = work + "/specs", top = work + "/top", cache = work + "/cache"
        try writeSpec(specs, name: "base", subpackage: ("base-devel", []), build: ":", files: "")
        try writeSpec(specs, name: "gen", buildRequires: ["base-devel"], subpackage: ("gen-devel", []), build: ":", files: "")
        try writeSpec(specs, name: "dynpkg", buildRequires: ["base-devel >= 1"], build: ":", files: "")
        let dynamicSpec = specs + "/dynpkg/dynpkg.spec"
        try (try String(contentsOfFile: dynamicSpec, encoding: .utf8)
            .replacingOccurrences(of: "%build\n", with: "%generate_buildrequires\necho 'gen-devel >= 1.0'\n\n%build\n"))
            .write(toFile: dynamicSpec, atomically: true, encoding: .utf8)

        let plain = try goose(["build-order", specs], cache: cache)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, "wave 1: base\nwave 2: dynpkg gen\n")
        XCTAssertTrue(plain.stderr.contains("note: dynpkg generates BuildRequires at build time (%generate_buildrequires)"), plain.stderr)
        let plainJSON = try json(try goose(["build-order", "--json", specs], cache: cache))
        XCTAssertEqual(plainJSON["dynamicBuildRequires"] as? [[String: String]], [["package": "dynpkg"]])

        // rpmbuild -br runs the section and writes the full BuildRequires into a .buildreqs.nosrc.rpm (exit 11).
        let generated = try GooseBinary.runProgram("/bin/sh", ["-c", "rpmbuild -br --nodeps --define '_topdir \(top)' \(dynamicSpec)"])
        XCTAssertEqual(generated.status, 11, generated.stderr)
        let buildreqs = top + "/SRPMS/dynpkg-1.0-1.buildreqs.nosrc.rpm"
        let requires = try shell("rpm -qp --requires \(buildreqs)").stdout
        XCTAssertTrue(requires.contains("gen-devel >= 1.0"), requires)
        let full = try goose(["build-order", "--dynamic-buildrequires", top + "/SRPMS", "--format", "json", specs], cache: cache)
        XCTAssertEqual(full.status, 0, full.stderr)
        let fullJSON = try json(full)
        XCTAssertEqual(fullJSON["waves"] as? [[String]], [["base"], ["gen"], ["dynpkg"]])
        XCTAssertEqual(fullJSON["dynamicBuildRequires"] as? [[String: String]], [["package": "dynpkg", "buildRequiresFrom": buildreqs]])
        let edges = try XCTUnwrap(fullJSON["edges"] as? [[String: String]])
        XCTAssertTrue(edges.contains(["from": "dynpkg", "to": "gen", "dependency": "gen-devel >= 1.0"]), "\(edges)")
        let text = try goose(["build-order", "--dynamic-buildrequires", buildreqs, specs], cache: cache)
        XCTAssertEqual(text.stdout, "wave 1: base\nwave 2: gen\nwave 3: dynpkg\n")
        XCTAssertTrue(text.stderr.contains("note: dynpkg: generated BuildRequires from \(buildreqs)"), text.stderr)
        let notSource = try goose(["build-order", "--dynamic-buildrequires", GooseBinary.fixtures + "/rpms/rpm-tests/hello-2.0-1.x86_64.rpm", specs], cache: cache)
        XCTAssertEqual(notSource.status, 4)
        XCTAssertTrue(notSource.stderr.contains("hello-2.0-1.x86_64.rpm: not a source RPM"), notSource.stderr)
    }

    /// A spec that kills its parser process (here through a shell-out, as a librpm crash would) costs that spec
    /// an error naming it; a fresh worker parses the rest, and the failure is not cached.
    func testWorkerKilledBySpecCostsOnlyThatSpec() throws {
        let work = try temporaryDirectory()
        let specs = work + "/specs", cache = work + "/cache"
        for name in ["one", "two", "three", "four", "five"] {
            try writeSpec(specs, name: name, buildRequires: name == "five" ? ["one"] : [], build: ":", files: "")
        }
        try FileManager.default.createDirectory(atPath: specs + "/boom", withIntermediateDirectories: true)
        // %(...) runs under the parser process: killing the parent of the shell kills the parser.
        try "Name: boom\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n%global crash %(kill -9 $PPID)\n%{crash}\n%description\nd\n%files\n"
            .write(toFile: specs + "/boom/boom.spec", atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            let output = try goose(["build-order", "--jobs", "2", "--format", "chain", specs], cache: cache)
            XCTAssertEqual(output.status, 4, output.stderr)
            XCTAssertEqual(output.stdout, "four one three two : five\n")
            XCTAssertTrue(output.stderr.contains("\(specs)/boom/boom.spec: spec parser process died on this spec (killed by signal 9)"), output.stderr)
            XCTAssertTrue(output.stderr.contains("1 of 6 specs failed to parse"), output.stderr)
        }
    }

    /// A spec named `includer` that %includes its Source1 (`extra` adds header lines, e.g. BuildArch).
    func includerSpec(source: String, extra: String = "") -> String {
        """
        Name: includer
        Version: 1
        Release: 1
        Summary: s
        License: MIT
        \(extra)Source1: \(source)
        %include %{SOURCE1}
        %description
        d
        %files

        """
    }

    /// A cached parse is not reused when a file the spec %includes has changed: the include is part of the key.
    func testCacheKeyCoversIncludedFiles() throws {
        let work = try temporaryDirectory()
        let directory = work + "/specs/includer", cache = work + "/cache"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "BuildRequires: first-devel\n".write(toFile: directory + "/deps.inc", atomically: true, encoding: .utf8)
        try includerSpec(source: "deps.inc").write(toFile: directory + "/includer.spec", atomically: true, encoding: .utf8)
        let first = try goose(["build-order", "--externals", work + "/specs"], cache: cache)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "first-devel\tincluder\n")
        let again = try goose(["build-order", "--verbose", "--externals", work + "/specs"], cache: cache)
        XCTAssertTrue(again.stderr.contains("parsed 0, from cache 1"), again.stderr)
        try "BuildRequires: second-devel >= 3\n".write(toFile: directory + "/deps.inc", atomically: true, encoding: .utf8)
        let changed = try goose(["build-order", "--verbose", "--externals", work + "/specs"], cache: cache)
        XCTAssertTrue(changed.stderr.contains("parsed 1, from cache 0"), changed.stderr)
        XCTAssertEqual(changed.stdout, "second-devel >= 3\tincluder\n")
        // rpmspec agrees with what goose printed.
        let rpmspec = try shell("rpmspec -q --buildrequires --define '_sourcedir \(directory)' \(directory)/includer.spec")
        XCTAssertEqual(rpmspec.stdout, "second-devel >= 3\n")
    }

    /// An SRPM whose spec %includes one of its sources: goose parses it beside that file, as rpmbuild did when it
    /// wrote the SRPM (whose Requires, read by rpm, are the BuildRequires rpmbuild saw).
    func testSourceRPMSpecIncludingItsSourceFile() throws {
        try requireTools(["rpmbuild", "rpm"])
        let work = try temporaryDirectory()
        let sources = work + "/sources", top = work + "/top", cache = work + "/cache"
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        try "BuildRequires: included-devel >= 2\n".write(toFile: sources + "/common.inc", atomically: true, encoding: .utf8)
        try includerSpec(source: "common.inc", extra: "BuildArch: noarch\n").write(toFile: sources + "/includer.spec", atomically: true, encoding: .utf8)
        try shell("rpmbuild -bs --define '_topdir \(top)' --define '_sourcedir \(sources)' \(sources)/includer.spec")
        let srpm = top + "/SRPMS/includer-1-1.src.rpm"
        XCTAssertTrue(try shell("rpm -qp --requires \(srpm)").stdout.contains("included-devel >= 2"))
        let output = try goose(["build-order", "--externals", srpm], cache: cache)
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.stdout, "included-devel >= 2\tincluder\n")
    }
}

