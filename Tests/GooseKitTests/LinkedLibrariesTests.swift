import CLazyLibraries
import Foundation
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

    /// A preload maps the library and then runs its set-up; a soname goose does not load lazily is refused, not fatal.
    func testPreloadMapsTheLibraryThenRunsTheSetUp() throws {
        final class Flag: @unchecked Sendable { var raised = false }
        let flag = Flag()
        let preload = LibraryPreload(["libsolv.so.1", "libnot-lazily-loaded.so.0"]) { flag.raised = true }
        preload.wait()
        preload.wait()
        XCTAssertTrue(flag.raised)
        // RTLD_NOLOAD: a handle only if the library is already loaded.
        let handle = dlopen("libsolv.so.1", RTLD_NOW | RTLD_NOLOAD)
        XCTAssertNotNil(handle, "libsolv not loaded after its preload")
        if let handle { dlclose(handle) }
        XCTAssertEqual(goose_lazy_preload("libsolv.so.1"), 1)
        XCTAssertEqual(goose_lazy_preload("libnot-lazily-loaded.so.0"), 0)
    }
}
