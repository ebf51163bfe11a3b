import XCTest
@testable import GooseKit

final class BuildInventoryTests: XCTestCase {
    func testPublishReadUpdate() throws {
        let directory = try TestSupport.temporaryDirectory(self)
        let workspace = try Workspace.initialize(at: directory + "/ws")
        let inventory = BuildInventory(workspace: workspace)
        let staged = try inventory.makeStagingDirectory(for: "gcc-c++-1-1")
        try FileSystem.createDirectory(staged + "/noarch")
        var record = BuildRecord(name: "gcc-c++", epoch: 1, version: "1", release: "1", origin: .imported,
                                 started: Date(timeIntervalSince1970: 1_700_000_000))
        record.artifacts = [BuildArtifact(path: "noarch/x.rpm", name: "x", epoch: nil, version: "1", release: "1", arch: "noarch", sha256: "00")]
        try inventory.publish(record, stagedDirectory: staged)
        XCTAssertFalse(FileSystem.exists(staged))
        XCTAssertEqual(try inventory.record(nvr: "gcc-c++-1-1"), record)
        XCTAssertThrowsError(try inventory.publish(record, stagedDirectory: try inventory.makeStagingDirectory(for: "again")))
        try inventory.update(name: "gcc-c++", version: "1", release: "1") { $0.artifacts[0].signedBy = "ABCD" }
        XCTAssertEqual(try inventory.allRecords().first?.artifacts.first?.signedBy, "ABCD")
        let json = try String(contentsOfFile: inventory.directory(of: record) + "/build.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"signed_by\" : \"ABCD\""), json)
        XCTAssertTrue(json.contains("\"started\" : \"2023-11-14T22:13:20Z\""), json)
    }
}
