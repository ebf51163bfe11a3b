import XCTest
@testable import GooseKit

final class WorkspaceTests: XCTestCase {
    func testInitialiseCreatesLayoutAndConfiguration() throws {
        let directory = try TestSupport.temporaryDirectory(self) + "/ws"
        let workspace = try Workspace.initialize(at: directory, distTag: ".el9_4")
        for name in ["git", "lookaside", "builds", "tags", "repos", "composes", "mirrors", "patches"] {
            XCTAssertTrue(FileSystem.isDirectory(directory + "/" + name), name)
        }
        XCTAssertEqual(workspace.configuration.distTag, ".el9_4")
        // Running it again keeps the configuration.
        XCTAssertEqual(try Workspace.initialize(at: directory).configuration.distTag, ".el9_4")
    }

    func testLocateSearchesUpwardAndHonoursGooseHome() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        try Workspace.initialize(at: directory + "/ws")
        try FileSystem.createDirectory(directory + "/ws/git/deep")
        let found = try Workspace.locate(explicit: nil, environment: [:], currentDirectory: directory + "/ws/git/deep")
        XCTAssertEqual(found.root, FileSystem.absolute(directory + "/ws"))
        let fromHome = try Workspace.locate(explicit: nil, environment: ["GOOSE_HOME": directory + "/ws"], currentDirectory: "/")
        XCTAssertEqual(fromHome.root, found.root)
        XCTAssertThrowsError(try Workspace.locate(explicit: nil, environment: [:], currentDirectory: directory)) { error in
            XCTAssertTrue("\(error)".contains("no goose workspace found"))
        }
    }

    func testConfigurationRoundTripsAndRejectsUnknownKeys() throws {
        var configuration = WorkspaceConfiguration()
        configuration.importLayout = .centos
        configuration.lookasideURL = "https://lookaside.example/"
        let parsed = try WorkspaceConfiguration.parse(configuration.rendered(), file: "goose.toml")
        XCTAssertEqual(parsed, configuration)
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[import]\nlayuot = \"fedora\"\n", file: "goose.toml")) { error in
            XCTAssertEqual("\(error)", "goose.toml: unknown key 'layuot' in [import]")
        }
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[import]\nlayout = \"suse\"\n", file: "goose.toml"))
        XCTAssertThrowsError(try WorkspaceConfiguration.parse("[import\n", file: "goose.toml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("goose.toml: line 1"), "\(error)")
        }
    }

    func testAtomicWriteLeavesOldContentOnAbandon() throws {
        let path = try TestSupport.temporaryDirectory(self) + "/file"
        try AtomicFileWriter.write("old", to: path)
        let writer = try AtomicFileWriter(destination: path)
        try writer.write(Data("new".utf8))
        writer.abandon()
        XCTAssertEqual(String(decoding: try FileSystem.contents(of: path), as: UTF8.self), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent), ["file"])
        try AtomicFileWriter.write("new", to: path)
        XCTAssertEqual(String(decoding: try FileSystem.contents(of: path), as: UTF8.self), "new")
    }

    func testLockIsExclusiveAcrossProcesses() throws {
        let path = try TestSupport.temporaryDirectory(self) + "/test.lock"
        let lock = try FileLock(path: path)
        // flock(1) is another process: it must fail to take the lock while we hold it.
        XCTAssertNotEqual(try TestSupport.run("flock", ["--nonblock", path, "true"]).status, 0)
        lock.unlock()
        XCTAssertEqual(try TestSupport.run("flock", ["--nonblock", path, "true"]).status, 0)
    }
}
