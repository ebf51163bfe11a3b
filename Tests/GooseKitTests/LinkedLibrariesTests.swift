import XCTest
@testable import GooseKit

final class LinkedLibrariesTests: XCTestCase {
    /// The C libraries of later pipeline steps link and answer (libsolv, createrepo_c, gpgme).
    func testLibrariesReportTheirVersions() throws {
        let versions = LinkedLibraries.versions
        XCTAssertTrue(versions["libsolv"]?.hasPrefix("0.7") == true, "\(versions)")
        XCTAssertTrue(versions["createrepo_c"]?.hasPrefix("0.") == true, "\(versions)")
        XCTAssertNotEqual(versions["gpgme"], "unknown")
    }
}
