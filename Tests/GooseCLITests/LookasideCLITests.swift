import Foundation
import XCTest

/// End-to-end tests of `goose lookaside serve|upload|fetch`: the built binary, checked with the real `curl`
/// speaking dist-git's upload.cgi protocol. Everything stays on 127.0.0.1.
final class LookasideCLITests: XCTestCase {
    private var servers: [Process] = []
    private let token = "s3cret-token"

    override func tearDown() {
        for server in servers { LookasideCLI.stop(server) }
        servers = []
        super.tearDown()
    }

    // MARK: - Helpers

    private func goose(_ arguments: [String], in directory: String? = nil) throws -> GooseBinary.Output {
        try GooseBinary.run(arguments, in: directory)
    }

    private func write(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data), path)
    }

    private func randomData(_ count: Int) -> Data {
        Data((0..<count).map { _ in UInt8.random(in: 0...255) })
    }

    private func sha512(_ path: String) throws -> String {
        let result = try GooseBinary.runProgram("/usr/bin/sha512sum", [path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return String(result.stdout.prefix(128))
    }

    private func modificationTime(_ path: String) throws -> Int {
        Int(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date).timeIntervalSince1970)
    }

    /// `goose init`, a token file, and bare repositories for `packages`.
    private func makeWorkspace(_ parent: String, packages: [String] = ["foo"]) throws -> String {
        let workspace = parent + "/ws"
        let result = try goose(["init", workspace])
        XCTAssertEqual(result.status, 0, result.stderr)
        try write(Data((token + "\n").utf8), to: parent + "/token")
        for package in packages {
            let git = try GooseBinary.runProgram("/usr/bin/git", ["init", "-q", "--bare", workspace + "/git/\(package).git"])
            XCTAssertEqual(git.status, 0, git.stderr)
        }
        return workspace
    }

    /// Starts `goose lookaside serve` on a free port and returns its base URL once it prints it.
    private func startServer(workspace: String, tokenFile: String, extra: [String] = []) throws -> String {
        let log = workspace + "/../serve-\(servers.count).out"
        let process = try LookasideCLI.start(try GooseBinary.executable(), ["lookaside", "serve", "--workspace", workspace, "--listen", "127.0.0.1:0",
                                                                   "--token-file", tokenFile] + extra, output: log)
        servers.append(process)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                return String(line.dropFirst("listening on ".count))
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let errors = (try? String(contentsOfFile: log + ".err", encoding: .utf8)) ?? ""
        XCTFail("goose lookaside serve did not report listening within 20 s: \(errors)")
        throw CocoaError(.fileReadUnknown)
    }

    /// Runs curl, returning the HTTP status and body.
    private func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let bodyPath = NSTemporaryDirectory() + "goose-curl-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: bodyPath) }
        let result = try GooseBinary.runProgram("/usr/bin/curl", ["-s", "--max-time", "60", "-o", bodyPath, "-w", "%{http_code}"] + arguments)
        XCTAssertEqual(result.status, 0, "curl \(arguments): \(result.stderr)")
        let body = (try? String(contentsOfFile: bodyPath, encoding: .utf8)) ?? ""
        return (Int(result.stdout) ?? 0, body.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func jsonRecords(_ output: String) throws -> [[String: String]] {
        try output.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], String(line))
        }
    }

    /// Points a workspace's goose.toml at an HTTP lookaside.
    private func useServer(_ workspace: String, url: String, tokenFile: String) throws {
        let path = workspace + "/goose.toml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "url = \"\"", with: "url = \"\(url)\"")
        text = text.replacingOccurrences(of: "token_file = \"\"", with: "token_file = \"\(tokenFile)\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: - Tests

    func testUploadCGIProtocolWithCurl() throws {
        let directory = try temporaryDirectory(prefix: "goose-lookaside-cli-")
        let workspace = try makeWorkspace(directory)
        let url = try startServer(workspace: workspace, tokenFile: directory + "/token")
        let upload = url + "/repo/pkgs/upload.cgi"
        let archive = directory + "/foo-1.0.tar.gz"
        try write(randomData(300_000), to: archive)
        let hash = try sha512(archive)
        let auth = ["-H", "Authorization: Bearer \(token)"]
        let stored = workspace + "/lookaside/foo/foo-1.0.tar.gz/sha512/\(hash)/foo-1.0.tar.gz"

        var answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "filename=foo-1.0.tar.gz"] + auth + [upload])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "Missing")

        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "file=@\(archive)", "-F", "mtime=1234"] + auth + [upload])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "File foo-1.0.tar.gz size 300000 SHA512 \(hash) stored OK")
        XCTAssertEqual(try sha512(stored), hash)
        XCTAssertEqual(try modificationTime(stored), 1234)

        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "filename=foo-1.0.tar.gz"] + auth + [upload])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "Available")
        let otherHash = String(repeating: "a", count: 128)
        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(otherHash)", "-F", "filename=foo-1.0.tar.gz"] + auth + [upload])
        XCTAssertEqual(answer.body, "Missing")

        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "file=@\(archive)"] + auth + [upload])
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.body, "File foo-1.0.tar.gz already exists")

        // Authorisation: none → 401, a wrong token → 403.
        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "filename=foo-1.0.tar.gz", upload])
        XCTAssertEqual(answer.status, 401)
        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "filename=foo-1.0.tar.gz", "-H", "Authorization: Bearer nope", upload])
        XCTAssertEqual(answer.status, 403)

        // A wrong checksum: 400 with upload.cgi's message, and nothing stored.
        let other = directory + "/other.tar.gz"
        try write(randomData(5000), to: other)
        let otherActual = try sha512(other)
        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(otherHash)", "-F", "file=@\(other)"] + auth + [upload])
        XCTAssertEqual(answer.status, 400)
        XCTAssertEqual(answer.body, "SHA512 check failed. Received \(otherActual) instead of \(otherHash).")
        XCTAssertFalse(FileManager.default.fileExists(atPath: workspace + "/lookaside/foo/other.tar.gz"))

        answer = try curl(["-F", "name=bar", "-F", "sha512sum=\(hash)", "-F", "file=@\(archive)"] + auth + [upload])
        XCTAssertEqual(answer.status, 404)
        XCTAssertEqual(answer.body, "Module \"bar\" does not exist!")
        answer = try curl(["-F", "name=foo", "-F", "filename=foo-1.0.tar.gz"] + auth + [upload])
        XCTAssertEqual(answer.status, 400)
        XCTAssertTrue(answer.body.hasPrefix("Required checksum is not present"), answer.body)
        answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "filename=../x"] + auth + [upload])
        XCTAssertEqual(answer.status, 400)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace + "/.goose/tmp"), [])

        // Downloads, whole and resumed.
        let download = url + "/repo/pkgs/foo/foo-1.0.tar.gz/sha512/\(hash)/foo-1.0.tar.gz"
        let copy = directory + "/copy.tar.gz"
        var result = try GooseBinary.runProgram("/usr/bin/curl", ["-s", "-f", "--max-time", "60", "-o", copy, download])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try sha512(copy), hash)
        try FileManager.default.removeItem(atPath: copy)
        try write(try Data(contentsOf: URL(fileURLWithPath: archive)).prefix(1000), to: copy)
        result = try GooseBinary.runProgram("/usr/bin/curl", ["-s", "-f", "--max-time", "60", "-C", "-", "-o", copy, download])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try sha512(copy), hash)
        XCTAssertEqual(try curl([url + "/repo/pkgs/foo/foo-1.0.tar.gz/sha512/\(otherHash)/foo-1.0.tar.gz"]).status, 404)
    }

    func testFetchVerifiesAndRefusesCorruptObjects() throws {
        let directory = try temporaryDirectory(prefix: "goose-lookaside-cli-")
        let workspace = try makeWorkspace(directory)
        let url = try startServer(workspace: workspace, tokenFile: directory + "/token")
        let checkout = directory + "/checkout/foo"
        let first = checkout + "/foo-1.0.tar.gz", second = checkout + "/foo-data.bin"
        try write(randomData(250_000), to: first)
        try write(randomData(1000), to: second)
        try write(Data("Name: foo\n".utf8), to: checkout + "/foo.spec")
        let firstHash = try sha512(first), secondHash = try sha512(second)
        for (file, hash) in [(first, firstHash), (second, secondHash)] {
            let answer = try curl(["-F", "name=foo", "-F", "sha512sum=\(hash)", "-F", "file=@\(file)", "-F", "mtime=1600000000",
                                   "-H", "Authorization: Bearer \(token)", url + "/repo/pkgs/upload.cgi"])
            XCTAssertEqual(answer.status, 200, answer.body)
        }
        try write(Data("SHA512 (foo-1.0.tar.gz) = \(firstHash)\nSHA512 (foo-data.bin) = \(secondHash)\n".utf8), to: checkout + "/sources")
        try FileManager.default.removeItem(atPath: first)
        try FileManager.default.removeItem(atPath: second)

        // The client side is another workspace whose goose.toml names the server.
        let client = directory + "/client"
        XCTAssertEqual(try goose(["init", client]).status, 0)
        try useServer(client, url: url, tokenFile: directory + "/token")
        var result = try goose(["lookaside", "fetch", "--workspace", client, "--json", "--jobs", "2"], in: checkout)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Set(try jsonRecords(result.stdout).map { $0["status"] ?? "" }), ["fetched"])
        XCTAssertEqual(try sha512(first), firstHash)
        XCTAssertEqual(try sha512(second), secondHash)
        XCTAssertEqual(try modificationTime(first), 1600000000)

        result = try goose(["lookaside", "fetch", "--workspace", client, "--json", checkout])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try jsonRecords(result.stdout).map { $0["status"] ?? "" }, ["skipped", "skipped"])

        // A corrupt object on the server: hash mismatch (exit 5), and no file or partial file left behind.
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: workspace + "/lookaside/foo/foo-data.bin/sha512/\(secondHash)/foo-data.bin"))
        try FileManager.default.removeItem(atPath: second)
        result = try goose(["lookaside", "fetch", "--workspace", client], in: checkout)
        XCTAssertEqual(result.status, 5, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("hash mismatch"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: checkout).sorted(), ["foo-1.0.tar.gz", "foo.spec", "sources"])

        // The same object from the workspace's own store (no URL) is refused the same way.
        result = try goose(["lookaside", "fetch", "--workspace", workspace], in: checkout)
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: second))
    }

    func testImportSendsArchivesToTheHTTPLookaside() throws {
        let directory = try temporaryDirectory(prefix: "goose-lookaside-cli-")
        // The server knows gbp-test (its dist-git repository exists there), not hello.
        let server = try makeWorkspace(directory, packages: ["gbp-test"])
        let url = try startServer(workspace: server, tokenFile: directory + "/token")
        let client = directory + "/client"
        XCTAssertEqual(try goose(["init", client]).status, 0)
        try useServer(client, url: url, tokenFile: directory + "/token")
        let srpm = GooseBinary.fixtures + "/srpms/git-buildpackage/gbp-test-1.0-1.src.rpm"
        var result = try goose(["import-srpm", "--workspace", client, "--json", srpm])
        XCTAssertEqual(result.status, 0, result.stderr)
        // The archives went to the server, none to the client's own store.
        let sources = try GooseBinary.runProgram("/usr/bin/git", ["--git-dir", client + "/git/gbp-test.git", "show", "c9:sources"]).stdout
        let entries = sources.split(separator: "\n").map { $0.components(separatedBy: ") = ") }
        XCTAssertEqual(entries.count, 2, sources)
        for entry in entries {
            let file = String(entry[0].dropFirst("SHA512 (".count))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(server)/lookaside/gbp-test/\(file)/sha512/\(entry[1])/\(file)"), file)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: client + "/lookaside"), [])
        // A checkout of the import fetches them back from the server.
        let checkout = directory + "/checkout"
        XCTAssertEqual(try GooseBinary.runProgram("/usr/bin/git", ["clone", "-q", client + "/git/gbp-test.git", checkout]).status, 0)
        result = try goose(["lookaside", "fetch", "--workspace", client], in: checkout)
        XCTAssertEqual(result.status, 0, result.stderr)
        // An SRPM of a package the server does not know fails, and nothing is published on the client.
        let unknown = GooseBinary.fixtures + "/srpms/rpm-tests/hello-1.0-1.src.rpm"
        result = try goose(["import-srpm", "--workspace", client, unknown])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("hello"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: client + "/git/hello.git"))
    }

    func testUploadCommandToServerAndToLocalStore() throws {
        let directory = try temporaryDirectory(prefix: "goose-lookaside-cli-")
        let workspace = try makeWorkspace(directory, packages: ["foo"])
        let url = try startServer(workspace: workspace, tokenFile: directory + "/token")
        let client = directory + "/client"
        XCTAssertEqual(try goose(["init", client]).status, 0)
        try useServer(client, url: url, tokenFile: directory + "/token")

        // A fedora checkout: `sources` and .gitignore gain the file.
        let fedora = directory + "/fedora/foo"
        try write(Data("Name: foo\n".utf8), to: fedora + "/foo.spec")
        try write(Data("/old.tar.gz\n".utf8), to: fedora + "/.gitignore")
        try write(randomData(120_000), to: fedora + "/foo-2.0.tar.gz")
        let hash = try sha512(fedora + "/foo-2.0.tar.gz")
        var result = try goose(["lookaside", "upload", "--workspace", client, "--json", "foo", "foo-2.0.tar.gz"], in: fedora)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try jsonRecords(result.stdout), [["file": "foo-2.0.tar.gz", "hash": hash, "status": "uploaded"]])
        XCTAssertEqual(try sha512(workspace + "/lookaside/foo/foo-2.0.tar.gz/sha512/\(hash)/foo-2.0.tar.gz"), hash)
        XCTAssertEqual(try String(contentsOfFile: fedora + "/sources", encoding: .utf8), "SHA512 (foo-2.0.tar.gz) = \(hash)\n")
        XCTAssertEqual(try String(contentsOfFile: fedora + "/.gitignore", encoding: .utf8), "/old.tar.gz\n/foo-2.0.tar.gz\n")
        result = try goose(["lookaside", "upload", "--workspace", client, "--json", "foo", "foo-2.0.tar.gz"], in: fedora)
        XCTAssertEqual(try jsonRecords(result.stdout).first?["status"], "already-present")
        result = try goose(["lookaside", "upload", "--workspace", client, "nosuch", "foo-2.0.tar.gz"], in: fedora)
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("does not exist"), result.stderr)

        // A centos checkout against the workspace's own store: `.<name>.metadata` with SOURCES/ paths.
        let centos = directory + "/centos/bar"
        try write(Data("Name: bar\n".utf8), to: centos + "/SPECS/bar.spec")
        try write(randomData(4000), to: centos + "/SOURCES/bar-1.tar.xz")
        let barHash = try sha512(centos + "/SOURCES/bar-1.tar.xz")
        result = try goose(["lookaside", "upload", "--workspace", workspace, "bar", "SOURCES/bar-1.tar.xz"], in: centos)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("stored"), result.stdout)
        XCTAssertEqual(try String(contentsOfFile: centos + "/.bar.metadata", encoding: .utf8), "\(barHash) SOURCES/bar-1.tar.xz\n")
        XCTAssertEqual(try String(contentsOfFile: centos + "/.gitignore", encoding: .utf8), "/SOURCES/bar-1.tar.xz\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: workspace + "/lookaside/bar/bar-1.tar.xz/sha512/\(barHash)/bar-1.tar.xz"))
        try FileManager.default.removeItem(atPath: centos + "/SOURCES/bar-1.tar.xz")
        result = try goose(["lookaside", "fetch", "--workspace", workspace], in: centos)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try sha512(centos + "/SOURCES/bar-1.tar.xz"), barHash)
    }

    func testServeNeedsAToken() throws {
        let directory = try temporaryDirectory(prefix: "goose-lookaside-cli-")
        let workspace = try makeWorkspace(directory)
        let result = try goose(["lookaside", "serve", "--workspace", workspace, "--listen", "127.0.0.1:0"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("token"), result.stderr)
        let help = try goose(["lookaside", "serve", "--help"])
        XCTAssertTrue(help.stdout.contains("upload.cgi"), help.stdout)
    }
}

/// Finding and running the built `goose` and other programs, each wait bounded.
/// Starting and stopping `goose lookaside serve`; everything else runs through `GooseBinary`.
private enum LookasideCLI {
    /// Starts a program with stdout to `output` and stderr to `output.err`, so a test can watch for the "listening" line.
    static func start(_ executable: String, _ arguments: [String], output: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: output + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Asks a server to stop, and kills it when it does not within five seconds.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
