import Foundation
import XCTest

/// End-to-end tests of `goose mirror manifest`, `goose mirror-sync` and `goose mirror check` against real servers
/// on 127.0.0.1 (python3 -m http.server, rsync --daemon), checked with diff, createrepo_c and dnf.
final class MirrorCLITests: XCTestCase {
    var scratch = ""
    var servers: [RunningProcess] = []

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "goose-mirror-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for server in servers { server.kill(); _ = server.wait(timeout: 10) }
        try? FileManager.default.removeItem(atPath: scratch)
    }

    // MARK: helpers

    /// A TCP port nobody listens on now (the kernel picks it).
    func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw GooseBinary.Failure(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `python3 -m http.server` on a free loopback port serving `directory`; returns its base URL.
    /// The server's request log goes to `<scratch>/http-<port>.log`.
    func startHTTPServer(_ directory: String, port fixedPort: Int? = nil) throws -> (url: String, server: RunningProcess) {
        guard let python = GooseBinary.toolPath(named: "python3") else { throw XCTSkip("python3 not installed") }
        let port = try fixedPort ?? freePort()
        // exec: the process killed is python itself, not a shell around it.
        let server = try RunningProcess("/bin/sh", ["-c", "exec \(python) -u -m http.server \(port) --bind 127.0.0.1 --directory '\(directory)' 2>>'\(scratch)/http-\(port).log'"],
                                        in: nil, environment: [:], standardInput: nil)
        servers.append(server)
        // Ready when it accepts a connection; bounded to 10 s.
        for _ in 0..<100 {
            if (try? GooseBinary.runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"], timeout: 5))?.status == 0 {
                return ("http://127.0.0.1:\(port)/", server)
            }
            usleep(100_000)
        }
        throw GooseBinary.Failure(description: "http.server did not start on port \(port)")
    }

    func shell(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        let result = try GooseBinary.runProgram("/bin/sh", ["-c", command], in: scratch)
        XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)", file: file, line: line)
        return result
    }

    func goose(_ arguments: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> GooseBinary.Output {
        let result = try GooseBinary.run(arguments, in: scratch)
        XCTAssertEqual(result.status, status, "goose \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)", file: file, line: line)
        return result
    }

    func summary(_ output: GooseBinary.Output) throws -> [String: Any] {
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? "{}"
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
    }

    /// A master tree: two yum repos made by createrepo_c from fixture RPMs, one ISO-like image, loose files.
    func makeMaster(_ master: String) throws {
        guard GooseBinary.toolPath(named: "createrepo_c") != nil else { throw XCTSkip("createrepo_c not installed") }
        let rpms = GooseBinary.fixtures + "/rpms/createrepo_c"
        _ = try shell("""
            mkdir -p \(master)/el9/x86_64 \(master)/el9/noarch \(master)/iso \(master)/docs &&
            cp \(rpms)/*.x86_64.rpm \(master)/el9/x86_64/ && cp \(GooseBinary.fixtures)/rpms/libdnf/*.noarch.rpm \(master)/el9/noarch/ &&
            createrepo_c -q \(master)/el9/x86_64 && createrepo_c -q \(master)/el9/noarch &&
            head -c 3000000 /dev/urandom > \(master)/iso/boot.iso && for i in $(seq 1 100); do echo "note $i" > \(master)/docs/n$i.txt; done
            """)
        _ = try goose(["mirror", "manifest", master])
    }

    /// Content comparison that ignores goose's own work directory and the regenerated file list.
    func assertSameTree(_ left: String, _ right: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try GooseBinary.runProgram("/usr/bin/diff", ["-r", "-x", ".goose-sync", "-x", "fullfiletimelist", left, right])
        XCTAssertEqual(result.status, 0, "trees differ: \(result.stdout)", file: file, line: line)
    }

    /// dnf reads the local repo (file://) and builds its cache: repomd.xml references only present files with right checksums.
    func assertDNFAccepts(_ repository: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard GooseBinary.toolPath(named: "dnf") != nil else { return }
        let cache = scratch + "/dnf-cache-" + UUID().uuidString
        let result = try GooseBinary.runProgram("/usr/bin/dnf", ["-q", "--setopt=reposdir=/dev/null", "--setopt=cachedir=" + cache,
            "--releasever=9", "--repofrompath=t,file://" + repository, "--repo=t", "makecache"], timeout: 120)
        XCTAssertEqual(result.status, 0, "dnf makecache on \(repository): \(result.stderr)", file: file, line: line)
    }

    // MARK: tests

    func testManifestListsEveryFileAndReusesUnchangedHashes() throws {
        let master = scratch + "/master"
        try makeMaster(master)
        let manifestText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: master + "/.goose-manifest")), as: UTF8.self)
        XCTAssertTrue(manifestText.contains("\"repoRoots\":[\"el9/noarch\",\"el9/x86_64\"]"))
        // Every hash in the manifest is what sha256sum says.
        let manifest = try JSONSerialization.jsonObject(with: Data(manifestText.utf8)) as! [String: Any]
        let files = manifest["files"] as! [[String: Any]]
        let fileCount = try shell("cd \(master) && find . -type f ! -name .goose-manifest ! -name fullfiletimelist | wc -l").stdout
        XCTAssertEqual(files.count, Int(fileCount.trimmingCharacters(in: .whitespacesAndNewlines)))
        let sums = try shell("cd \(master) && sha256sum iso/boot.iso el9/x86_64/repodata/repomd.xml").stdout
        for entry in files where ["iso/boot.iso", "el9/x86_64/repodata/repomd.xml"].contains(entry["path"] as! String) {
            XCTAssertTrue(sums.contains("\(entry["sha256"] as! String)  \(entry["path"] as! String)"))
        }
        // fullfiletimelist: version 2 sections, and the SHA-1 of each repomd.xml as sha1sum computes it.
        let list = try String(contentsOfFile: master + "/fullfiletimelist", encoding: .utf8)
        XCTAssertTrue(list.hasPrefix("[Version]\n2\n\n[Files]\n"))
        XCTAssertTrue(list.hasSuffix("[End]\n"))
        let sha1 = try shell("cd \(master) && sha1sum el9/x86_64/repodata/repomd.xml | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(list.contains("[Checksums SHA1]\n") && list.contains("\(sha1)\tel9/x86_64/repodata/repomd.xml\n"))
        XCTAssertTrue(list.contains("\td\t0\tel9/x86_64\n"))
        // Incremental: one changed file is the only one hashed again. The tree is made older than the manifest's
        // scan first: files written in the very second of a scan are hashed again anyway (they may have changed
        // after being hashed), which is what a freshly made tree is.
        _ = try shell("find \(master) -type f ! -name .goose-manifest ! -name fullfiletimelist -exec touch -d '-1 hour' {} +")
        _ = try goose(["mirror", "manifest", master])
        _ = try shell("echo changed >> \(master)/docs/n1.txt")
        let again = try goose(["mirror", "manifest", "--json", master])
        let record = try summary(again)
        XCTAssertEqual(record["hashedFiles"] as? Int, 1)
        XCTAssertEqual(record["reusedFiles"] as? Int, files.count - 1)
    }

    func testFullSyncNoOpAndOnePercentUpdateOverHTTP() throws {
        let master = scratch + "/master", local = scratch + "/local"
        try makeMaster(master)
        // A manifest published a minute ago: its Last-Modified is a safe validator (one from the very second
        // of the fetch is not, and goose then does not send If-Modified-Since).
        _ = try shell("touch -d @$(( $(date +%s) - 60 )) \(master)/.goose-manifest")
        let (url, _) = try startHTTPServer(master)
        let log = scratch + "/http-" + String(url.split(separator: ":").last!.dropLast()) + ".log"
        let first = try summary(try goose(["mirror-sync", "--json", "--jobs", "4", url, local]))
        XCTAssertEqual((first["failures"] as? [Any])?.count, 0)
        try assertSameTree(master, local)
        try assertDNFAccepts(local + "/el9/x86_64")
        try assertDNFAccepts(local + "/el9/noarch")

        // No-op: nothing transferred, and the server saw only the manifest request, answered 304.
        let logBefore = try String(contentsOfFile: log, encoding: .utf8).count
        let noop = try summary(try goose(["mirror-sync", "--json", url, local]))
        XCTAssertEqual(noop["transferredFiles"] as? Int, 0)
        XCTAssertEqual(noop["notModified"] as? Bool, true)
        usleep(200_000)
        let requests = try String(contentsOfFile: log, encoding: .utf8).dropFirst(logBefore).split(separator: "\n").filter { $0.contains("\"GET") || $0.contains("\"HEAD") }
        XCTAssertEqual(requests.count, 1, "\(requests)")
        XCTAssertTrue(requests.first?.contains("GET /.goose-manifest HTTP/1.1\" 304") ?? false, "\(requests)")

        // 1% of the files change (1 of 100 notes plus the ISO's tail): only those move, byte for byte.
        _ = try shell("echo 'note changed' > \(master)/docs/n7.txt && head -c 1000 /dev/urandom >> \(master)/iso/boot.iso && rm \(master)/docs/n9.txt")
        _ = try goose(["mirror", "manifest", master])
        let changedBytes = try shell("cat \(master)/docs/n7.txt \(master)/iso/boot.iso | wc -c").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let update = try summary(try goose(["mirror-sync", "--json", url, local]))
        XCTAssertEqual(update["transferredFiles"] as? Int, 2)
        XCTAssertEqual((update["transferredBytes"] as? NSNumber)?.int64Value, Int64(changedBytes))
        XCTAssertEqual(update["deletedFiles"] as? Int, 1)
        try assertSameTree(master, local)
    }

    func testCorruptedUpstreamFileIsNotPlacedAndFailsOnlyItsRepo() throws {
        let master = scratch + "/master", local = scratch + "/local"
        try makeMaster(master)
        let (url, _) = try startHTTPServer(master)
        _ = try goose(["mirror-sync", "-q", url, local])
        // A new repo version whose package is corrupted after the manifest was made; the other repo changes too.
        _ = try shell("""
            cp \(GooseBinary.fixtures)/rpms/libdnf/bash-4.4.12-5.fc26.x86_64.rpm \(master)/el9/x86_64/ 2>/dev/null || cp \(GooseBinary.fixtures)/rpms/createrepo_c/Archer-3.4.5-6.x86_64.rpm \(master)/el9/x86_64/new-Archer.rpm
            createrepo_c -q --update \(master)/el9/x86_64 && rm \(master)/el9/noarch/repodata/* && createrepo_c -q --simple-md-filenames \(master)/el9/noarch
            """)
        _ = try goose(["mirror", "manifest", master])
        let oldRepomd = try Data(contentsOf: URL(fileURLWithPath: local + "/el9/x86_64/repodata/repomd.xml"))
        let newPackage = try shell("cd \(master)/el9/x86_64 && ls -t *.rpm | head -1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Same size, other bytes: only the hash can tell.
        _ = try shell("printf 'XXXX' | dd of=\(master)/el9/x86_64/\(newPackage) bs=1 seek=200 conv=notrunc status=none")
        let result = try goose(["mirror-sync", "--json", url, local], expect: 5)
        let record = try summary(result)
        XCTAssertEqual(record["failedRoots"] as? [String], ["el9/x86_64"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: local + "/el9/x86_64/" + newPackage), "corrupted file was placed")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: local + "/el9/x86_64/repodata/repomd.xml")), oldRepomd)
        XCTAssertTrue(result.stderr.contains("hash mismatch"), result.stderr)
        try assertDNFAccepts(local + "/el9/x86_64")
        // The other repo root moved on to its new metadata.
        try assertSameTree(master + "/el9/noarch", local + "/el9/noarch")
        try assertDNFAccepts(local + "/el9/noarch")
    }

    func testKilledUpstreamLeavesThePreviousCompleteRepo() throws {
        let master = scratch + "/master", local = scratch + "/local"
        try makeMaster(master)
        var (url, server) = try startHTTPServer(master)
        _ = try goose(["mirror-sync", "-q", url, local])
        // A new version of the repo with a large package, so that killing the server lands mid-transfer.
        _ = try shell("""
            head -c 40000000 /dev/urandom > \(master)/el9/x86_64/big-image.img &&
            cp \(GooseBinary.fixtures)/rpms/createrepo_c/Rimmer-1.0.2-2.x86_64.rpm \(master)/el9/x86_64/Rimmer-copy.rpm 2>/dev/null;
            createrepo_c -q --update \(master)/el9/x86_64
            """)
        _ = try goose(["mirror", "manifest", master])
        let port = Int(url.split(separator: ":").last!.dropLast())!
        let partials = local + "/.goose-sync/partial"
        let sync = try GooseBinary.start(["mirror-sync", "--json", "--jobs", "1", "--bwlimit", "4m", url, local], in: scratch)
        usleep(1_500_000)
        server.kill()
        let outcome = sync.wait(timeout: 120)
        XCTAssertNotEqual(outcome.status, 0, "sync survived a dead upstream: \(outcome.stdout)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: local + "/el9/x86_64/big-image.img"))
        // The bytes received so far are kept for a Range resume.
        let bigHash = try shell("sha256sum \(master)/el9/x86_64/big-image.img | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let kept = try FileManager.default.contentsOfDirectory(atPath: partials).filter { $0.hasPrefix(bigHash + "-") }
        XCTAssertEqual(kept.count, 1, "\(kept)")
        let keptSize = kept.first.flatMap { try? FileManager.default.attributesOfItem(atPath: partials + "/" + $0)[.size] as? Int } ?? 0
        XCTAssertTrue(keptSize > 0 && keptSize < 40_000_000, "partial size \(keptSize)")
        try assertDNFAccepts(local + "/el9/x86_64")
        // The upstream comes back: the next run resumes and completes.
        (url, server) = try startHTTPServer(master, port: port)
        // python's http.server ignores Range and answers 200: the partial file must be restarted, not appended to.
        let resumed = try summary(try goose(["mirror-sync", "--json", url, local]))
        XCTAssertEqual((resumed["failures"] as? [Any])?.count, 0)
        try assertSameTree(master, local)
        try assertDNFAccepts(local + "/el9/x86_64")
    }

    /// Starts nginx (which honours Range) on `port` serving `directory`, in the foreground so that it can be killed.
    func startNginx(_ directory: String, port: Int) throws -> RunningProcess {
        guard let nginx = GooseBinary.toolPath(named: "nginx") ?? ["/usr/sbin/nginx"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("nginx not installed")
        }
        let prefix = scratch + "/nginx"
        try FileManager.default.createDirectory(atPath: prefix + "/logs", withIntermediateDirectories: true)
        try """
        daemon off;
        master_process off;
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/logs/error.log;
        events { worker_connections 64; }
        http {
            access_log \(prefix)/logs/access.log;
            client_body_temp_path \(prefix); proxy_temp_path \(prefix); fastcgi_temp_path \(prefix); uwsgi_temp_path \(prefix); scgi_temp_path \(prefix);
            server { listen 127.0.0.1:\(port); root \(directory); }
        }
        """.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        let server = try RunningProcess(nginx, ["-p", prefix, "-c", prefix + "/nginx.conf"], in: nil, environment: [:], standardInput: nil)
        servers.append(server)
        for _ in 0..<100 {
            if (try? GooseBinary.runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"], timeout: 5))?.status == 0 { return server }
            usleep(100_000)
        }
        throw GooseBinary.Failure(description: "nginx did not start")
    }

    func testInterruptedDownloadResumesWithRangeFromNginx() throws {
        let master = scratch + "/master", local = scratch + "/local"
        try makeMaster(master)
        _ = try shell("head -c 30000000 /dev/urandom > \(master)/iso/dvd.iso")
        _ = try goose(["mirror", "manifest", master])
        let port = try freePort()
        var server = try startNginx(master, port: port)
        let url = "http://127.0.0.1:\(port)/"
        let sync = try GooseBinary.start(["mirror-sync", "--json", "--jobs", "1", "--bwlimit", "4m", url, local], in: scratch)
        usleep(2_500_000)
        server.kill()
        XCTAssertNotEqual(sync.wait(timeout: 120).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: local + "/iso/dvd.iso"))
        server = try startNginx(master, port: port)
        let resumed = try summary(try goose(["mirror-sync", "--json", url, local]))
        let moved = (resumed["transferredBytes"] as? NSNumber)?.int64Value ?? .max
        XCTAssertLessThan(moved, 30_000_000, "nothing was resumed")
        let access = try String(contentsOfFile: scratch + "/nginx/logs/access.log", encoding: .utf8)
        XCTAssertTrue(access.contains("\"GET /iso/dvd.iso HTTP/1.1\" 206"), access)
        try assertSameTree(master, local)
    }

    func testKillNineOfGooseMidSyncLeavesAConsistentRepoAndTheNextRunFinishes() throws {
        let master = scratch + "/master", local = scratch + "/local"
        try makeMaster(master)
        let (url, _) = try startHTTPServer(master)
        _ = try goose(["mirror-sync", "-q", url, local])
        _ = try shell("""
            head -c 20000000 /dev/urandom > \(master)/el9/x86_64/big-image.img &&
            cp \(GooseBinary.fixtures)/rpms/libdnf/*.x86_64.rpm \(master)/el9/x86_64/ && createrepo_c -q --update \(master)/el9/x86_64
            """)
        _ = try goose(["mirror", "manifest", master])
        let sync = try GooseBinary.start(["mirror-sync", "--jobs", "1", "--bwlimit", "4m", url, local], in: scratch)
        usleep(1_500_000)
        sync.kill()
        _ = sync.wait(timeout: 30)
        try assertDNFAccepts(local + "/el9/x86_64")
        let again = try summary(try goose(["mirror-sync", "--json", url, local]))
        XCTAssertEqual((again["failures"] as? [Any])?.count, 0)
        try assertSameTree(master, local)
        try assertDNFAccepts(local + "/el9/x86_64")
    }

    func testBadInputsGiveOneLineErrors() throws {
        _ = try shell("mkdir -p bad && echo garbage > bad/.goose-manifest")
        let (url, _) = try startHTTPServer(scratch + "/bad")
        let bad = try goose(["mirror-sync", url, "local"], expect: 4)
        XCTAssertEqual(bad.stderr, "goose: \(url).goose-manifest: not a goose manifest (not manifest JSON)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/local/.goose-manifest"))
        let scheme = try goose(["mirror-sync", "gopher://example.org/", "local"], expect: 2)
        XCTAssertEqual(scheme.stderr, "goose: gopher://example.org/: unsupported upstream (use https://, http://, ftp://, file:// or rsync://)\n")
        try "[master]\ndirectory = \"m\"\n[[mirror]]\nname = \"a\"\nurl = \"https://a/\"\n".write(toFile: scratch + "/m.toml", atomically: true, encoding: .utf8)
        let config = try goose(["mirror", "check", "m.toml"], expect: 3)
        XCTAssertEqual(config.stderr, "goose: m.toml: mirror 'a' needs a two-letter country\n")
    }

    func testPlainYumRepoWithoutManifestAndRsyncUpstream() throws {
        let master = scratch + "/master"
        try makeMaster(master)
        let (url, _) = try startHTTPServer(master + "/el9/x86_64")
        let local = scratch + "/yum"
        let record = try summary(try goose(["mirror-sync", "--json", url, local]))
        XCTAssertEqual(record["source"] as? String, "repomd")
        let diff = try GooseBinary.runProgram("/usr/bin/diff", ["-r", "-x", ".goose-sync", master + "/el9/x86_64", local])
        XCTAssertEqual(diff.status, 0, diff.stdout)
        try assertDNFAccepts(local)

        guard GooseBinary.toolPath(named: "rsync") != nil else { return }
        let port = try freePort()
        _ = try shell("printf 'use chroot = no\\n[master]\\npath = \(master)\\nread only = yes\\n' > rsyncd.conf")
        servers.append(try RunningProcess("/usr/bin/rsync", ["--daemon", "--no-detach", "--config=\(scratch)/rsyncd.conf", "--port=\(port)", "--address=127.0.0.1"],
                                          in: scratch, environment: [:], standardInput: nil))
        usleep(500_000)
        let viaRsync = scratch + "/rsync-local"
        let rsyncRecord = try summary(try goose(["mirror-sync", "--json", "rsync://127.0.0.1:\(port)/master/", viaRsync]))
        XCTAssertEqual((rsyncRecord["failures"] as? [Any])?.count, 0)
        try assertSameTree(master, viaRsync)
    }

    func testMirrorCheckLeavesStaleMirrorOutAndDNFUsesTheMetalink() throws {
        let master = scratch + "/master"
        try makeMaster(master)
        let (masterURL, _) = try startHTTPServer(master)
        _ = try goose(["mirror-sync", "-q", masterURL, scratch + "/current"])
        _ = try goose(["mirror-sync", "-q", masterURL, scratch + "/stale"])
        // The master publishes a new repo version; only "current" follows.
        _ = try shell("cp \(GooseBinary.fixtures)/rpms/libdnf/*.x86_64.rpm \(master)/el9/x86_64/ && createrepo_c -q --update \(master)/el9/x86_64")
        _ = try goose(["mirror", "manifest", master])
        _ = try goose(["mirror-sync", "-q", masterURL, scratch + "/current"])
        let (currentURL, _) = try startHTTPServer(scratch + "/current")
        let (staleURL, _) = try startHTTPServer(scratch + "/stale")
        let deadPort = try freePort()
        try """
        [master]
        directory = "master"
        [check]
        timeout = 3
        disable_after = 2
        [[mirror]]
        name = "current-de"
        url = "\(currentURL)"
        country = "DE"
        [[mirror]]
        name = "stale-us"
        url = "\(staleURL)"
        country = "US"
        [[mirror]]
        name = "dead-us"
        url = "http://127.0.0.1:\(deadPort)/"
        country = "US"
        """.write(toFile: scratch + "/mirrors.toml", atomically: true, encoding: .utf8)
        _ = try goose(["mirror", "check", "--output-directory", "out", "mirrors.toml"])
        let second = try goose(["mirror", "check", "--json", "--output-directory", "out", "mirrors.toml"])
        XCTAssertTrue(second.stdout.contains("\"disabled\":true,\"isos\":{\"iso/boot.iso\":\"unreachable\"},\"name\":\"dead-us\""), second.stdout)

        let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch + "/out/status.json"))) as! [String: Any]
        let mirrors = Dictionary(uniqueKeysWithValues: (status["mirrors"] as! [[String: Any]]).map { ($0["name"] as! String, $0) })
        XCTAssertEqual(((mirrors["stale-us"]?["repos"] as? [String: Any])?["el9/x86_64"] as? [String: Any])?["state"] as? String, "stale")
        XCTAssertEqual(((mirrors["stale-us"]?["repos"] as? [String: Any])?["el9/noarch"] as? [String: Any])?["state"] as? String, "current")
        XCTAssertEqual(mirrors["dead-us"]?["consecutiveFailures"] as? Int, 2)

        let metalink = try String(contentsOfFile: scratch + "/out/metalink/el9/x86_64.xml", encoding: .utf8)
        XCTAssertTrue(metalink.contains("xmlns:mm0=\"http://fedorahosted.org/mirrormanager\""))
        XCTAssertTrue(metalink.contains(currentURL + "el9/x86_64/repodata/repomd.xml"))
        XCTAssertFalse(metalink.contains(staleURL), "stale mirror listed")
        XCTAssertFalse(metalink.contains(":\(deadPort)/"), "dead mirror listed")
        let usList = try String(contentsOfFile: scratch + "/out/mirrorlist/el9/noarch.US.txt", encoding: .utf8)
        XCTAssertEqual(usList, "# repo = el9 arch = noarch country = US\n\(staleURL)el9/noarch/\n\(currentURL)el9/noarch/\n")
        XCTAssertEqual(try String(contentsOfFile: scratch + "/out/iso/iso/boot.iso.mirrors", encoding: .utf8),
                       "\(currentURL)iso/boot.iso\n\(staleURL)iso/boot.iso\n")

        // dnf takes the metalink, checks repomd.xml against it and downloads a package from the current mirror.
        guard GooseBinary.toolPath(named: "dnf") != nil else { return }
        _ = try shell("""
            mkdir -p repos && printf '[goose]\\nname=goose\\nmetalink=file://\(scratch)/out/metalink/el9/x86_64.xml\\ngpgcheck=0\\n' > repos/goose.repo
            """)
        let dnf = ["--setopt=reposdir=\(scratch)/repos", "--setopt=cachedir=\(scratch)/dnf-cache", "--releasever=9", "-y"]
        let makecache = try GooseBinary.runProgram("/usr/bin/dnf", dnf + ["makecache"], timeout: 120)
        XCTAssertEqual(makecache.status, 0, makecache.stderr)
        let install = try GooseBinary.runProgram("/usr/bin/dnf", dnf + ["--installroot=\(scratch)/root", "--nogpgcheck", "install",
            "--downloadonly", "--downloaddir=\(scratch)/downloaded", "empty"], timeout: 120)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/downloaded/empty-0-0.x86_64.rpm"))
        let currentLog = try String(contentsOfFile: scratch + "/http-" + String(currentURL.split(separator: ":").last!.dropLast()) + ".log", encoding: .utf8)
        XCTAssertTrue(currentLog.contains("GET /el9/x86_64/empty-0-0.x86_64.rpm HTTP/1.1\" 200"), currentLog)
    }
}
