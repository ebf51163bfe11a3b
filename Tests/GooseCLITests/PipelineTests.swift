import Foundation
import XCTest

/// End-to-end test of scripts/rebuild — import, build order, mock-build per wave, tag, sign, mash, compose,
/// mirror manifest — on fixture SRPMs plus generated ones that build-require each other, checked with rpmkeys,
/// dnf, gpg, xorriso, checkisomd5 and diff after a `goose mirror-sync` over python3's http.server.
final class PipelineTests: XCTestCase {
    var scratch = ""
    var gnupgHome = ""
    var fingerprint = ""
    var environment: [String: String] = [:]
    var servers: [RunningProcess] = []

    override func setUpWithError() throws {
        for tool in ["rpmbuild", "rpmkeys", "gpg", "dnf", "bwrap", "python3", "curl"] where GooseBinary.toolPath(named: tool) == nil {
            throw XCTSkip("\(tool) not installed (scripts/install-deps)")
        }
        // Short path: gpg-agent's socket lives in GNUPGHOME and a socket path is limited to 107 bytes.
        scratch = "/tmp/goose-pipeline-" + String(UUID().uuidString.prefix(8))
        gnupgHome = scratch + "/gnupg"
        try FileManager.default.createDirectory(atPath: gnupgHome, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // goose on PATH, as the script expects.
        try FileManager.default.createDirectory(atPath: scratch + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: scratch + "/bin/goose", withDestinationPath: try GooseBinary.executable())
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        environment = ["GNUPGHOME": gnupgHome, "PATH": scratch + "/bin:" + path]
        try shell("gpg --batch --passphrase '' --quick-gen-key 'Goose Pipeline Test <pipeline@goose.test>' rsa2048 sign never")
        fingerprint = try shell("gpg --with-colons --list-secret-keys | awk -F: '$1 == \"fpr\" { print $10; exit }'")
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(fingerprint.count, 40)
    }

    override func tearDown() {
        for server in servers { server.kill(); _ = server.wait(timeout: 10) }
        _ = try? GooseBinary.runProgram("/bin/sh", ["-c", "gpgconf --kill all"], environment: environment)
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: helpers

    @discardableResult
    func shell(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        let result = try GooseBinary.runProgram("/bin/sh", ["-c", command], in: scratch, environment: environment)
        XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)", file: file, line: line)
        return result
    }

    /// Runs scripts/rebuild with the throwaway key on the host base (which cannot install packages of
    /// earlier waves, hence --allow-missing-deps).
    func rebuild(_ workspace: String, _ srpms: String, _ extra: [String] = []) throws -> GooseBinary.Output {
        try GooseBinary.runProgram(GooseBinary.repositoryRoot + "/scripts/rebuild",
                                   ["--workspace", workspace, "--key", fingerprint, "--allow-missing-deps", "--jobs", "2"] + extra + [srpms],
                                   in: scratch, environment: environment, timeout: 480)
    }

    /// A noarch source RPM made with rpmbuild -bs: `name` with a `name-devel` subpackage, build-requiring
    /// `buildRequires` and failing in %build when `broken`.
    /// `payloadBytes` of random data make the package (and an ISO holding it) large enough for isomd5sum,
    /// whose check fails on images under about a megabyte.
    func makeSRPM(_ name: String, buildRequires: [String] = [], broken: Bool = false, payloadBytes: Int = 0, into directory: String) throws {
        let top = scratch + "/rpmbuild"
        let requirements = buildRequires.map { "BuildRequires: \($0)\nRequires: \($0.replacingOccurrences(of: "-devel", with: ""))\n" }.joined()
        let spec = """
            Name: \(name)
            Version: 1.0
            Release: 1
            Summary: Generated package \(name) of the pipeline test
            License: MIT
            BuildArch: noarch
            \(requirements)
            %description
            \(name) for the goose pipeline test.

            %package devel
            Summary: Development files of \(name)
            Requires: \(name) = %{version}-%{release}

            %description devel
            Headers of \(name).

            %build
            \(broken ? "echo deliberately broken; exit 1" : "echo '\(name)' > \(name).txt")

            %install
            mkdir -p %{buildroot}/usr/share/\(name) %{buildroot}/usr/include
            echo '\(name)' > %{buildroot}/usr/share/\(name)/\(name).txt
            echo '/* \(name) */' > %{buildroot}/usr/include/\(name).h
            \(payloadBytes > 0 ? "head -c \(payloadBytes) /dev/urandom > %{buildroot}/usr/share/\(name)/random.bin" : "")

            %files
            /usr/share/\(name)

            %files devel
            /usr/include/\(name).h

            %changelog
            * Sat Nov 21 2026 Goose Test <pipeline@goose.test> - 1.0-1
            - generated

            """
        try FileManager.default.createDirectory(atPath: top + "/SPECS", withIntermediateDirectories: true)
        try spec.write(toFile: "\(top)/SPECS/\(name).spec", atomically: true, encoding: .utf8)
        try shell("rpmbuild -bs --define '_topdir \(top)' \(top)/SPECS/\(name).spec >/dev/null && cp \(top)/SRPMS/\(name)-1.0-1.src.rpm \(directory)/")
    }

    /// Starts `python3 -m http.server` on 127.0.0.1 serving `directory` and returns its base URL.
    func startHTTPServer(_ directory: String) throws -> String {
        for _ in 0..<5 {
            let port = Int.random(in: 20000..<60000)
            let server = try RunningProcess("/bin/sh", ["-c", "exec python3 -m http.server \(port) --bind 127.0.0.1 --directory '\(directory)' 2>/dev/null"],
                                            in: nil, environment: [:], standardInput: nil)
            servers.append(server)
            for _ in 0..<100 {
                if (try? GooseBinary.runProgram("/usr/bin/curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/"], timeout: 5))?.status == 0 {
                    return "http://127.0.0.1:\(port)/"
                }
                usleep(100_000)
            }
        }
        throw GooseBinary.Failure(description: "http.server did not start")
    }

    /// Starts a one-file HTTP server on 127.0.0.1 that appends each POST body to `file`; returns its URL.
    func startCheckinServer(recordingTo file: String) throws -> String {
        let script = """
            import http.server, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers['Content-Length']))
                    with open(sys.argv[2], 'ab') as f: f.write(body + b'\\n')
                    self.send_response(204); self.end_headers()
            http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
            """
        try script.write(toFile: scratch + "/checkin.py", atomically: true, encoding: .utf8)
        let port = Int.random(in: 20000..<60000)
        let server = try RunningProcess("/bin/sh", ["-c", "exec python3 \(scratch)/checkin.py \(port) \(file) 2>/dev/null"],
                                        in: nil, environment: [:], standardInput: nil)
        servers.append(server)
        for _ in 0..<200 {  // up to 20 s: python starts slowly on a loaded 2-core machine
            if (try? GooseBinary.runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"], timeout: 5))?.status == 0 {
                return "http://127.0.0.1:\(port)/checkin"
            }
            usleep(100_000)
        }
        throw GooseBinary.Failure(description: "check-in server did not start")
    }

    // MARK: the pipeline

    func testRebuildPublishesSignedReposISOAndMirrorableTree() throws {
        let srpms = scratch + "/srpms"
        try FileManager.default.createDirectory(atPath: srpms, withIntermediateDirectories: true)
        let mockFixtures = GooseBinary.fixtures + "/srpms/mock"
        try shell("cp \(mockFixtures)/test-A-1.1-0.src.rpm \(mockFixtures)/test-B-1.1-0.src.rpm \(mockFixtures)/test-C-1.1-0.src.rpm "
            + "\(GooseBinary.fixtures)/srpms/rpm-tests/foo-1.0-1.src.rpm \(srpms)/")
        // genc needs gena-devel, which needs genb-devel: three waves.
        try makeSRPM("genb", payloadBytes: 3 << 20, into: srpms)
        try makeSRPM("gena", buildRequires: ["genb-devel"], into: srpms)
        try makeSRPM("genc", buildRequires: ["gena-devel"], into: srpms)
        // compose-iso is merged separately; until it is there the pipeline stops after mash (--no-compose).
        let composeAvailable = try GooseBinary.run(["--help"]).stdout.contains("compose-iso")

        let workspace = scratch + "/ws"
        let first = try rebuild(workspace, srpms, composeAvailable ? [] : ["--no-compose"])
        guard first.status == 0 else { return XCTFail("rebuild failed:\n\(first.stdout)\n\(first.stderr)") }
        for step in ["import-srpm", "build-order", "mock-build (wave 1)", "tag add", "sign tag", "mash", "mirror manifest"] {
            XCTAssertTrue(first.stdout.contains("==> \(step)"), "no step \(step) in:\n\(first.stdout)")
        }

        // Build order: generated chain in three waves, test-A after test-B (its BuildRequires).
        let waves = try String(contentsOfFile: workspace + "/.goose/rebuild/waves.txt", encoding: .utf8)
        func wave(of name: String) -> Int? {
            waves.split(separator: "\n").enumerated().first { $0.element.split(separator: " ").contains(Substring(name)) }?.offset
        }
        XCTAssertLessThan(try XCTUnwrap(wave(of: "genb")), try XCTUnwrap(wave(of: "gena")), waves)
        XCTAssertLessThan(try XCTUnwrap(wave(of: "gena")), try XCTUnwrap(wave(of: "genc")), waves)
        XCTAssertLessThan(try XCTUnwrap(wave(of: "test-B")), try XCTUnwrap(wave(of: "test-A")), waves)

        // Every published RPM verifies with the key alone, in a private rpmdb (never the host's).
        let published = workspace + "/pub/rebuild"
        let publishedTree = try FileManager.default.destinationOfSymbolicLink(atPath: published)
        let keyFile = try shell("ls \(published)/RPM-GPG-KEY-*").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try shell("mkdir -p rpmdb && rpmkeys --dbpath \(scratch)/rpmdb --import \(keyFile)")
        let rpms = try shell("find -L \(published)/ -name '*.rpm' | sort").stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(rpms.filter { $0.hasSuffix(".src.rpm") }.count, 7, rpms.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(rpms.count, 7 + 4 + 6)
        for rpm in rpms {
            let check = try shell("rpmkeys --dbpath \(scratch)/rpmdb -K \(rpm)").stdout
            XCTAssertTrue(check.hasSuffix("digests signatures OK\n"), check)
        }

        // dnf reads the mashed repository: every built binary package is there.
        let nevras = try shell("dnf -q --releasever 9 --forcearch x86_64 --setopt=reposdir=/dev/null --setopt=cachedir=\(scratch)/dnf-cache "
            + "--installroot \(scratch)/dnf-root --repofrompath=t,file://\(published)/x86_64 --repo=t repoquery -a --qf '%{name}-%{version}-%{release}.%{arch}'")
            .stdout.split(separator: "\n").map(String.init)
        for expected in ["genb-1.0-1.noarch", "genb-devel-1.0-1.noarch", "gena-1.0-1.noarch", "genc-devel-1.0-1.noarch",
                         "foo-1.0-1.noarch", "test-A-1.1-0.x86_64", "test-C-1.1-0.x86_64"] {
            XCTAssertTrue(nevras.contains(expected), "\(expected) not in repoquery -a: \(nevras)")
        }
        try shell("gpg --verify \(published)/x86_64/repodata/repomd.xml.asc \(published)/x86_64/repodata/repomd.xml")

        if composeAvailable {
            let iso = try shell("ls \(published)/iso/*.iso").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let listing = try shell("xorriso -indev \(iso) -find / -type f 2>/dev/null").stdout
            XCTAssertTrue(listing.contains("gena-1.0-1.noarch.rpm"), listing)
            XCTAssertTrue(listing.contains("repodata/repomd.xml"), listing)
            try shell("checkisomd5 \(iso)")
            try shell("gpg --verify \(published)/iso/CHECKSUM")
            let checksum = try String(contentsOfFile: published + "/iso/CHECKSUM", encoding: .utf8)
            let digest = try shell("sha256sum \(iso) | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(checksum.contains("SHA256 (\((iso as NSString).lastPathComponent)) = \(digest)"), checksum)
        }

        // A mirror synced over HTTP from the published tree is identical to it.
        let base = try startHTTPServer(workspace + "/pub")
        let mirror = scratch + "/mirror"
        let sync = try GooseBinary.run(["mirror-sync", "--quiet", base + "rebuild/", mirror], environment: environment)
        XCTAssertEqual(sync.status, 0, sync.stderr)
        // fullfiletimelist is rewritten by mirror-sync for the local tree, whose directories have their own
        // mtimes: it is compared without its directory lines; .goose-sync is mirror-sync's own state.
        let diff = try GooseBinary.runProgram("/usr/bin/diff", ["-r", "-x", ".goose-sync", "-x", "fullfiletimelist", published + "/", mirror])
        XCTAssertEqual(diff.status, 0, "mirror differs: \(diff.stdout)")
        try shell("grep -v '\td\t' \(published)/fullfiletimelist > master.ftl && grep -v '\td\t' \(mirror)/fullfiletimelist > mirror.ftl && diff master.ftl mirror.ftl")

        // The mirror admin's cron job: a run while another holds the lock skips; a free run syncs and checks in.
        let checkins = scratch + "/checkins"
        let checkinURL = try startCheckinServer(recordingTo: checkins)
        let cronMirror = scratch + "/cron-mirror"
        // exec: the process that holds the lock is the one killed below.
        let held = try RunningProcess("/bin/sh", ["-c", "exec 9>>'\(cronMirror).lock'; flock 9; exec sleep 30"], in: nil, environment: [:], standardInput: nil)
        servers.append(held)
        for _ in 0..<50 where try shell("flock -n '\(cronMirror).lock' true || echo held").stdout.isEmpty { usleep(100_000) }
        let skipped = try GooseBinary.runProgram(GooseBinary.repositoryRoot + "/scripts/mirror-cron", [base + "rebuild/", cronMirror],
                                                 environment: environment)
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.stderr.contains("another run holds"), skipped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cronMirror + "/.goose-manifest"))
        held.kill()
        _ = held.wait(timeout: 10)
        let cron = try GooseBinary.runProgram(GooseBinary.repositoryRoot + "/scripts/mirror-cron",
                                              ["--checkin", checkinURL, "--name", "mirror.test", base + "rebuild/", cronMirror], environment: environment)
        XCTAssertEqual(cron.status, 0, cron.stderr)
        let cronDiff = try GooseBinary.runProgram("/usr/bin/diff", ["-r", "-x", ".goose-sync", "-x", "fullfiletimelist", published + "/", cronMirror])
        XCTAssertEqual(cronDiff.status, 0, "cron mirror differs: \(cronDiff.stdout)")
        let manifestDigest = try shell("sha256sum \(published)/.goose-manifest | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let checkin = try String(contentsOfFile: checkins, encoding: .utf8)
        XCTAssertTrue(checkin.contains("name=mirror.test"), checkin)
        XCTAssertTrue(checkin.contains("manifest_sha256=\(manifestDigest)"), checkin)

        // check-mirrors: the mirror served over HTTP is current, so the published mirror list names it.
        let mirrorsFile = scratch + "/mirrors.toml"
        try """
            [master]
            directory = "\(published)"
            [[mirror]]
            name = "local"
            urls = ["\(base)rebuild/"]
            country = "DE"
            """.write(toFile: mirrorsFile, atomically: true, encoding: .utf8)
        let webRoot = scratch + "/www"
        let check = try GooseBinary.runProgram(GooseBinary.repositoryRoot + "/scripts/check-mirrors", [mirrorsFile, webRoot], environment: environment)
        XCTAssertEqual(check.status, 0, check.stderr)
        let mirrorlist = try String(contentsOfFile: webRoot + "/mirrorlist/x86_64/noarch.txt", encoding: .utf8)
        XCTAssertTrue(mirrorlist.contains("\(base)rebuild/x86_64/"), mirrorlist)
        let metalink = try String(contentsOfFile: webRoot + "/metalink/x86_64/noarch.xml", encoding: .utf8)
        XCTAssertTrue(metalink.contains("\(base)rebuild/x86_64/repodata/repomd.xml"), metalink)
        try shell("xmllint --noout \(webRoot)/metalink/x86_64/noarch.xml 2>/dev/null || python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' \(webRoot)/metalink/x86_64/noarch.xml")

        // A second run resumes: nothing is rebuilt, everything is skipped.
        let second = try rebuild(workspace, srpms, composeAvailable ? [] : ["--no-compose"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("genc-1.0-1 already built"), second.stdout)
        XCTAssertTrue(second.stdout.contains("unchanged since"), "mash not skipped:\n\(second.stdout)")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: published), publishedTree, "republished")
        XCTAssertFalse(second.stderr.contains("failed"), second.stderr)

        // A broken package stops the run at its wave, and says so.
        try makeSRPM("genbroken", buildRequires: ["genc-devel"], broken: true, into: srpms)
        let third = try rebuild(workspace, srpms, composeAvailable ? [] : ["--no-compose"])
        XCTAssertNotEqual(third.status, 0)
        XCTAssertTrue(third.stderr.contains("rebuild: step 'mock-build (wave"), third.stderr)
        XCTAssertFalse(third.stdout.contains("==> tag add"), third.stdout)
    }

    /// The scale-out path: each wave's builds handed to GNU parallel with an sshlogin of `:` (this machine).
    func testRebuildSpreadsWavesWithGNUParallel() throws {
        guard GooseBinary.toolPath(named: "parallel") != nil else { throw XCTSkip("GNU parallel not installed (scripts/install-deps)") }
        let srpms = scratch + "/srpms"
        try FileManager.default.createDirectory(atPath: srpms, withIntermediateDirectories: true)
        try makeSRPM("genb", into: srpms)
        try makeSRPM("gena", buildRequires: ["genb-devel"], into: srpms)
        try makeSRPM("gend", into: srpms)
        try ":\n".write(toFile: scratch + "/builders", atomically: true, encoding: .utf8)
        let workspace = scratch + "/ws"
        // A second rebuild of the same workspace while one runs is refused (exit 7), not interleaved.
        try FileManager.default.createDirectory(atPath: workspace + "/.goose/rebuild", withIntermediateDirectories: true)
        let running = try RunningProcess("/bin/sh", ["-c", "exec 9>>'\(workspace)/.goose/rebuild/lock'; flock 9; exec sleep 30"],
                                         in: nil, environment: [:], standardInput: nil)
        servers.append(running)
        for _ in 0..<50 where try shell("flock -n '\(workspace)/.goose/rebuild/lock' true || echo held").stdout.isEmpty { usleep(100_000) }
        let refused = try rebuild(workspace, srpms, ["--no-compose"])
        XCTAssertEqual(refused.status, 7, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("another rebuild"), refused.stderr)
        running.kill()
        _ = running.wait(timeout: 10)

        let result = try rebuild(workspace, srpms, ["--sshloginfile", scratch + "/builders", "--no-compose"])
        XCTAssertEqual(result.status, 0, "\(result.stdout)\n\(result.stderr)")
        for nvr in ["genb/1.0/1", "gena/1.0/1", "gend/1.0/1"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(workspace)/builds/\(nvr)/build.json"), nvr)
        }
        let list = try shell("find -L \(workspace)/pub/rebuild/ -name '*.noarch.rpm' -exec rpm -qp --qf '%{NAME}\\n' {} + | sort -u").stdout
        XCTAssertTrue(list.contains("gena-devel"), list)
    }

    /// `goose build-order --format chain` is koji chain-build's argument syntax: groups of builds separated by
    /// a lone `:`, no empty group, a group only after everything it needs.
    func testChainFormatIsKojiChainBuildSyntax() throws {
        let srpms = scratch + "/srpms"
        try FileManager.default.createDirectory(atPath: srpms, withIntermediateDirectories: true)
        try makeSRPM("genb", into: srpms)
        try makeSRPM("gena", buildRequires: ["genb-devel"], into: srpms)
        try makeSRPM("genc", buildRequires: ["gena-devel"], into: srpms)
        try makeSRPM("gend", into: srpms)
        let chain = try GooseBinary.run(["build-order", "--quiet", "--format", "chain", srpms])
        XCTAssertEqual(chain.status, 0, chain.stderr)
        let line = chain.stdout.trimmingCharacters(in: .newlines)
        XCTAssertFalse(line.contains("\n"), "one line expected: \(line)")
        let tokens = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        XCTAssertFalse(tokens.contains(""), "single spaces between arguments: \(line)")
        XCTAssertNotEqual(tokens.first, ":")
        XCTAssertNotEqual(tokens.last, ":")
        let groups = tokens.split(separator: ":", omittingEmptySubsequences: false).map(Array.init)
        XCTAssertFalse(groups.contains { $0.isEmpty }, "empty group in \(line)")
        XCTAssertEqual(groups.count, 3, line)
        XCTAssertEqual(Set(groups[0]), ["genb", "gend"])
        XCTAssertEqual(groups[1], ["gena"])
        XCTAssertEqual(groups[2], ["genc"])
    }
}
