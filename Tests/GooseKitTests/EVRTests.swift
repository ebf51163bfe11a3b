import XCTest
@testable import GooseKit

final class EVRTests: XCTestCase {
    func testVersionComparisonFollowsRpm() {
        XCTAssertLessThan(EVR(version: "1.0", release: "1"), EVR(version: "1.0.1", release: "1"))
        XCTAssertLessThan(EVR(version: "1.0~rc1", release: "1"), EVR(version: "1.0", release: "1"))
        XCTAssertGreaterThan(EVR(version: "1.0^git1", release: "1"), EVR(version: "1.0", release: "1"))
        XCTAssertLessThan(EVR(version: "2.9", release: "1"), EVR(version: "2.10", release: "1"))
        XCTAssertLessThan(EVR(version: "1.0", release: "1.el9"), EVR(version: "1.0", release: "2.el9"))
        XCTAssertEqual(EVR(version: "1.0", release: "1"), EVR(epoch: 0, version: "1.0", release: "1"))
    }

    func testEpochWinsOverVersion() {
        XCTAssertGreaterThan(EVR(epoch: 1, version: "0.1", release: "1"), EVR(version: "99", release: "1"))
    }

    func testParsing() {
        XCTAssertEqual(EVR(parsing: "2:3.0-0").epoch, 2)
        XCTAssertEqual(EVR(parsing: "2:3.0-0").version, "3.0")
        XCTAssertEqual(EVR(parsing: "3.0-0.el9").release, "0.el9")
        XCTAssertEqual(EVR(parsing: "1.2.3").release, "")
        XCTAssertEqual(EVR(parsing: "2:3.0-0").description, "2:3.0-0")
        XCTAssertEqual(NEVRA(name: "bash", evr: EVR(epoch: 1, version: "5.1", release: "2"), arch: "src").nvr, "bash-5.1-2")
    }

    func testSortingUsesLibrpm() {
        let sorted = ["1.10", "1.9", "1.9~beta", "1.9^p1", "1.a"].map { EVR(version: $0, release: "1") }.sorted().map(\.version)
        XCTAssertEqual(sorted, ["1.a", "1.9~beta", "1.9", "1.9^p1", "1.10"])
    }
}
