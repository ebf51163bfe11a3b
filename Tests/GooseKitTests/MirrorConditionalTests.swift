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

final class MirrorSyncPlanHashTests: XCTestCase {
    /// Same size and same mtime second, other content: the last synced manifest's hash tells the change.
    func testSameSecondRewriteIsTransferred() {
        let old = MirrorFileEntry(path: "repodata/repomd.xml", size: 100, mtime: 50, sha256: String(repeating: "a", count: 64))
        var new = old
        new.sha256 = String(repeating: "b", count: 64)
        let upstream = MirrorManifest(generated: 60, files: [new])
        let local = ["repodata/repomd.xml": FileStamp(size: 100, mtime: 50)]
        XCTAssertEqual(MirrorSyncPlan.make(upstream: upstream, local: local, knownHashes: [old.path: old.sha256]).transferBytes, 100)
        XCTAssertEqual(MirrorSyncPlan.make(upstream: upstream, local: local, knownHashes: [old.path: new.sha256]).unchangedCount, 1)
    }
}
