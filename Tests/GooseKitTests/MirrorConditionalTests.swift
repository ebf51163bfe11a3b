import XCTest
@testable import GooseKit

final class MirrorConditionalTests: XCTestCase {
    /// A Last-Modified from the second of the fetch could hide a rewrite in that same second: not sent.
    func testIfModifiedSinceOnlyForValidatorsOlderThanTheFetch() {
        let fresh = ConditionalState(upstream: "http://m/", lastModified: 1_000, fetchedAt: 1_000)
        XCTAssertEqual(fresh.requestHeaders, [])
        let old = ConditionalState(upstream: "http://m/", lastModified: 1_000, fetchedAt: 1_060)
        XCTAssertEqual(old.requestHeaders, ["If-Modified-Since: Thu, 01 Jan 1970 00:16:40 GMT"])
        let legacy = ConditionalState(upstream: "http://m/", entityTag: "\"abc\"", lastModified: 1_000)
        XCTAssertEqual(legacy.requestHeaders, ["If-None-Match: \"abc\""])
    }
}
