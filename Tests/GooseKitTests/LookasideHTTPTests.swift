import XCTest
@testable import GooseKit

/// The HTTP backend (libcurl) against `LookasideServer` (goose's HTTPServer) in the same process, on 127.0.0.1.
final class LookasideHTTPTests: XCTestCase {
    private var serverTask: Task<Void, Error>?
    private let token = "test-token-123"

    override func tearDown() {
        serverTask?.cancel()
        serverTask = nil
        super.tearDown()
    }

    /// A workspace with a repository for `bash`, served on a free port; returns it and the base URL.
    private func startServer(maxUploadSize: Int = 8 << 20) async throws -> (workspace: Workspace, url: String) {
        let directory = try TestSupport.temporaryDirectory(self)
        let workspace = try Workspace.initialize(at: directory + "/ws")
        try FileSystem.createDirectory(workspace.gitRepositoryPath(package: "bash"))
        let server = LookasideServer(workspace: workspace, configuration: LookasideServerConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 0), token: token, maxUploadSize: maxUploadSize))
        let (urls, continuation) = AsyncStream<String>.makeStream()
        serverTask = Task { try await server.run { continuation.yield($0) } }
        let url = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { for await url in urls { return url }; return nil }
            group.addTask { try await Task.sleep(nanoseconds: 20_000_000_000); return nil }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return (workspace, try XCTUnwrap(url, "the server did not start listening within 20 s"))
    }

    private func randomFile(_ path: String, size: Int) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try AtomicFileWriter.write(data, to: path)
        return ContentDigest.hexDigest(of: data, algorithm: .sha512)
    }

    /// Client calls block on libcurl: run them off the concurrency threads the server needs.
    private func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await BlockingWork.run(work)
    }

    func testUploadCheckAndFetchRoundTrip() async throws {
        let (workspace, url) = try await startServer()
        let source = workspace.root + "/../bash-5.2.tar.gz"
        let hash = try randomFile(source, size: 300_000)
        let client = LookasideClient(backend: HTTPLookaside(baseURL: url + "/repo/pkgs/", token: token, retryPolicy: .once))
        let key = LookasideKey(package: "bash", filename: "bash-5.2.tar.gz", hashType: .sha512, hash: hash)

        let containsBefore = try await blocking { try client.contains(key) }
        XCTAssertFalse(containsBefore)
        let first = try await blocking { try client.store(package: "bash", filename: "bash-5.2.tar.gz", sha512: hash, sourcePath: source, modificationTime: 1234) }
        XCTAssertEqual(first, .uploaded)
        let stored = workspace.lookasideDirectory + "/" + key.relativePath
        XCTAssertEqual(try ContentDigest.hexDigest(ofFile: stored, algorithm: .sha512), hash)
        XCTAssertEqual(try VerifiedCopy.modificationTime(of: stored), 1234)
        let second = try await blocking { try client.store(package: "bash", filename: "bash-5.2.tar.gz", sha512: hash, sourcePath: source) }
        XCTAssertEqual(second, .alreadyPresent)
        let containsAfter = try await blocking { try client.contains(key) }
        XCTAssertTrue(containsAfter)

        let destination = workspace.root + "/../checkout/bash-5.2.tar.gz"
        try await blocking { try client.fetch(key, to: destination) }
        XCTAssertEqual(try ContentDigest.hexDigest(ofFile: destination, algorithm: .sha512), hash)
        XCTAssertEqual(try VerifiedCopy.modificationTime(of: destination), 1234)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.temporaryDirectory), [])
    }

    func testFetchResumesAndRestartsPartialDownloads() async throws {
        let (workspace, url) = try await startServer()
        let source = workspace.root + "/../a.tar"
        let hash = try randomFile(source, size: 200_000)
        let client = LookasideClient(backend: HTTPLookaside(baseURL: url, token: token, retryPolicy: .once))
        _ = try await blocking { try client.store(package: "bash", filename: "a.tar", sha512: hash, sourcePath: source) }
        let key = LookasideKey(package: "bash", filename: "a.tar", hashType: .sha512, hash: hash)
        let checkout = workspace.root + "/../checkout"
        let partial = checkout + "/.a.tar.goose-partial"
        let bytes = try FileSystem.contents(of: source)

        // A correct prefix from an interrupted run is continued with a Range request.
        try AtomicFileWriter.write(bytes.prefix(70_000), to: partial)
        try await blocking { try client.fetch(key, to: checkout + "/a.tar") }
        XCTAssertEqual(try FileSystem.contents(of: checkout + "/a.tar"), bytes)
        XCTAssertFalse(FileSystem.exists(partial))

        // A bad prefix fails verification once, then the download starts over.
        try AtomicFileWriter.write(Data(repeating: 0, count: 70_000), to: partial)
        try await blocking { try client.fetch(key, to: checkout + "/b.tar") }
        XCTAssertEqual(try FileSystem.contents(of: checkout + "/b.tar"), bytes)
        XCTAssertFalse(FileSystem.exists(checkout + "/.b.tar.goose-partial"))

        // A prefix longer than the object: the server answers 416, the client starts over.
        try AtomicFileWriter.write(bytes + Data(repeating: 1, count: 10), to: checkout + "/.c.tar.goose-partial")
        try await blocking { try client.fetch(key, to: checkout + "/c.tar") }
        XCTAssertEqual(try FileSystem.contents(of: checkout + "/c.tar"), bytes)
    }

    func testRefusalsBecomeErrors() async throws {
        let (workspace, url) = try await startServer(maxUploadSize: 100_000)
        let source = workspace.root + "/../a.tar"
        let hash = try randomFile(source, size: 1000)
        let good = LookasideClient(backend: HTTPLookaside(baseURL: url, token: token, retryPolicy: .once))
        let badToken = LookasideClient(backend: HTTPLookaside(baseURL: url, token: "wrong", retryPolicy: .once))
        let noToken = LookasideClient(backend: HTTPLookaside(baseURL: url, token: nil, retryPolicy: .once))

        func failure(_ work: @escaping @Sendable () throws -> Void) async -> String {
            do {
                try await blocking(work)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let forbidden = await failure { _ = try badToken.store(package: "bash", filename: "a.tar", sha512: hash, sourcePath: source) }
        XCTAssertTrue(forbidden.contains("HTTP 403"), forbidden)
        let unauthorized = await failure { _ = try noToken.store(package: "bash", filename: "a.tar", sha512: hash, sourcePath: source) }
        XCTAssertTrue(unauthorized.contains("HTTP 401"), unauthorized)
        let unknown = await failure { _ = try good.store(package: "zsh", filename: "a.tar", sha512: hash, sourcePath: source) }
        XCTAssertTrue(unknown.contains("HTTP 404: Module \"zsh\" does not exist!"), unknown)
        let wrongHash = String(repeating: "0", count: 128)
        let mismatch = await failure { _ = try good.store(package: "bash", filename: "a.tar", sha512: wrongHash, sourcePath: source) }
        XCTAssertTrue(mismatch.contains("HTTP 400: SHA512 check failed. Received \(hash) instead of \(wrongHash)."), mismatch)
        let big = workspace.root + "/../big.tar"
        let bigHash = try randomFile(big, size: 150_000)
        let tooLarge = await failure { _ = try good.store(package: "bash", filename: "big.tar", sha512: bigHash, sourcePath: big) }
        XCTAssertTrue(tooLarge.contains("HTTP 413"), tooLarge)
        let missing = await failure {
            try good.fetch(LookasideKey(package: "bash", filename: "a.tar", hashType: .sha512, hash: hash), to: workspace.root + "/../out/a.tar")
        }
        XCTAssertTrue(missing.contains("HTTP 404"), missing)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.root + "/../out"), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.lookasideDirectory), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.temporaryDirectory), [])
    }

    func testConcurrentUploadsOfOneObject() async throws {
        let (workspace, url) = try await startServer()
        let source = workspace.root + "/../same.tar"
        let hash = try randomFile(source, size: 500_000)
        let key = LookasideKey(package: "bash", filename: "same.tar", hashType: .sha512, hash: hash)
        let statuses = try await withThrowingTaskGroup(of: LookasideTransferStatus.self) { group in
            for _ in 0..<4 {
                // Separate clients skip nothing: each may find the object missing and send it.
                let client = LookasideClient(backend: HTTPLookaside(baseURL: url, token: token, retryPolicy: .once))
                group.addTask { try await BlockingWork.run { try client.store(package: "bash", filename: "same.tar", sha512: hash, sourcePath: source) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(statuses.count, 4)
        XCTAssertTrue(statuses.allSatisfy { $0 == .uploaded || $0 == .alreadyPresent }, "\(statuses)")
        XCTAssertEqual(try ContentDigest.hexDigest(ofFile: workspace.lookasideDirectory + "/" + key.relativePath, algorithm: .sha512), hash)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.temporaryDirectory), [])
    }
}
