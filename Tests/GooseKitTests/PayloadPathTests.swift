import XCTest
@testable import GooseKit

final class PayloadPathTests: XCTestCase {
    func testSafePathsAreNormalised() throws {
        XCTAssertEqual(try PayloadPath.components(of: "./foo.spec").get(), ["foo.spec"])
        XCTAssertEqual(try PayloadPath.components(of: "a/./b//c").get(), ["a", "b", "c"])
    }

    func testUnsafePathsAreRefused() {
        XCTAssertEqual(PayloadPath.components(of: "../x").failure, .parentReference)
        XCTAssertEqual(PayloadPath.components(of: "a/../../x").failure, .parentReference)
        XCTAssertEqual(PayloadPath.components(of: "/etc/passwd").failure, .absolute)
        XCTAssertEqual(PayloadPath.components(of: "./").failure, .empty)
    }

    func testSymlinkTargets() {
        XCTAssertTrue(PayloadPath.symlinkStaysInside(entryComponents: ["a", "link"], target: "../b"))
        XCTAssertTrue(PayloadPath.symlinkStaysInside(entryComponents: ["link"], target: "sub/file"))
        XCTAssertFalse(PayloadPath.symlinkStaysInside(entryComponents: ["link"], target: "../outside"))
        XCTAssertFalse(PayloadPath.symlinkStaysInside(entryComponents: ["a", "link"], target: "../../outside"))
        XCTAssertFalse(PayloadPath.symlinkStaysInside(entryComponents: ["link"], target: "/etc/passwd"))
        XCTAssertFalse(PayloadPath.symlinkStaysInside(entryComponents: ["link"], target: ""))
    }
}

extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
