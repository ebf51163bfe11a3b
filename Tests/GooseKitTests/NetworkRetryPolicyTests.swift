import XCTest
@testable import GooseKit

/// Retries with doubling delays for transient failures only, and the classification of HTTP answers.
final class NetworkRetryPolicyTests: XCTestCase {
    func testDelaysDouble() {
        let policy = RetryPolicy(maximumAttempts: 5, initialDelay: 0.5)
        XCTAssertEqual((1...4).map(policy.delay(afterAttempt:)), [0.5, 1, 2, 4])
    }

    func testTransientFailuresAreRetriedUntilSuccess() throws {
        var attempts: [Int] = []
        let value = try RetryPolicy(maximumAttempts: 3, initialDelay: 0.01).run { attempt -> String in
            attempts.append(attempt)
            if attempt < 3 { throw HTTPTransferError(url: "http://x", reason: "HTTP 503", isTransient: true) }
            return "done"
        }
        XCTAssertEqual(value, "done")
        XCTAssertEqual(attempts, [1, 2, 3])
    }

    func testGivingUpThrowsANetworkError() {
        var attempts = 0
        XCTAssertThrowsError(try RetryPolicy(maximumAttempts: 2, initialDelay: 0.01).run { _ -> Int in
            attempts += 1
            throw HTTPTransferError(url: "http://x/y", reason: "connection refused", isTransient: true)
        }) { error in
            XCTAssertEqual(error as? GooseError, .network(url: "http://x/y", reason: "connection refused"))
        }
        XCTAssertEqual(attempts, 2)
    }

    func testFinalFailuresAreNotRetried() {
        var attempts = 0
        XCTAssertThrowsError(try RetryPolicy(maximumAttempts: 4, initialDelay: 0.01).run { _ -> Int in
            attempts += 1
            throw HTTPTransferError(url: "http://x", reason: "HTTP 403", isTransient: false)
        })
        XCTAssertEqual(attempts, 1)
        attempts = 0
        XCTAssertThrowsError(try RetryPolicy(maximumAttempts: 4, initialDelay: 0.01).run { _ -> Int in
            attempts += 1
            throw GooseError.hashMismatch(file: "f", expected: "a", actual: "b")
        }) { error in
            guard case GooseError.hashMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(attempts, 1)
    }

    func testStatusClassification() {
        func failure(_ status: Int, _ body: String = "") -> HTTPTransferError? {
            do {
                try HTTPResponseSummary(status: status, body: Data(body.utf8)).requireSuccess(url: "u")
                return nil
            } catch {
                return error as? HTTPTransferError
            }
        }
        XCTAssertNil(failure(200))
        XCTAssertNil(failure(206))
        XCTAssertEqual(failure(503)?.isTransient, true)
        XCTAssertEqual(failure(429)?.isTransient, true)
        XCTAssertEqual(failure(404)?.isTransient, false)
        XCTAssertEqual(failure(400, "SHA512 check failed. Received a instead of b.\nmore")?.reason,
                       "HTTP 400: SHA512 check failed. Received a instead of b.")
    }

    func testSessionReportsConnectionFailuresAsTransient() throws {
        // Port 1 on loopback has no listener: the connection is refused at once.
        let session = try HTTPSession()
        XCTAssertThrowsError(try session.get(url: "http://127.0.0.1:1/")) { error in
            XCTAssertEqual((error as? HTTPTransferError)?.isTransient, true, "\(error)")
        }
    }
}
