import CCurl
import Foundation

/// The status, small body and file time of a finished HTTP exchange.
public struct HTTPResponseSummary: Sendable, Equatable {
    /// The HTTP status code of the final response (after redirects).
    public var status: Int
    /// The body when it was not streamed to a sink, cut at `HTTPSession.smallBodyLimit` bytes.
    public var body: Data
    /// The server's Last-Modified time in seconds since the epoch, when it sent one.
    public var modificationTime: Int?
    /// The server's ETag header, when it sent one (for conditional requests).
    public var entityTag: String?

    public init(status: Int, body: Data, modificationTime: Int? = nil, entityTag: String? = nil) {
        self.status = status
        self.body = body
        self.modificationTime = modificationTime
        self.entityTag = entityTag
    }

    /// The body as text with surrounding white space removed (upload.cgi answers in plain text).
    public var text: String {
        String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Throws a transfer error for a non-2xx status: transient for 5xx and 429, final otherwise.
    public func requireSuccess(url: String) throws {
        guard !isSuccess else { return }
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? ""
        let reason = "HTTP \(status)" + (firstLine.isEmpty ? "" : ": \(firstLine)")
        throw HTTPTransferError(url: url, reason: reason, isTransient: status >= 500 || status == 429)
    }
}

/// One field of a multipart/form-data POST.
public enum HTTPFormField: Sendable, Equatable {
    /// A text field.
    case text(name: String, value: String)
    /// A file part whose content libcurl reads from disk while sending.
    case file(name: String, path: String, filename: String)
}

/// A libcurl easy handle: one connection cache, used by one thread at a time.
///
/// Keeping the handle between requests lets libcurl reuse the connection to the same server.
public final class HTTPSession {
    /// Bodies of responses that are not streamed are kept up to this size; the rest is dropped.
    public static let smallBodyLimit = 64 << 10

    /// libcurl must be initialised once per process before any handle exists.
    private static let globalInitialization: CURLcode = goose_curl_global_init()

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let userAgent = "goose/\(GooseVersion.current)"

    /// URL schemes libcurl may use (mirrors also speak ftp and file).
    public var allowedProtocols = "http,https"
    /// Per-transfer receive limit in bytes per second; 0 is unlimited (`--bwlimit` split over `--jobs`).
    public var maximumReceiveRate = 0
    /// Seconds to wait for a connection.
    public var connectTimeout = 30
    /// Seconds a whole request may take; 0 is unlimited (mirror probes bound it).
    public var requestTimeout = 0

    /// Creates a libcurl easy handle, initialising libcurl on first use.
    public init() throws {
        guard Self.globalInitialization == CURLE_OK else {
            throw GooseError.network(url: "libcurl", reason: "curl_global_init failed: \(String(cString: curl_easy_strerror(Self.globalInitialization)))")
        }
        guard let handle = curl_easy_init() else {
            throw GooseError.network(url: "libcurl", reason: "curl_easy_init failed")
        }
        self.handle = handle
        let size = goose_curl_error_size()
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// GETs a small resource and returns its status and body.
    public func get(url: String, headers: [String] = []) throws -> HTTPResponseSummary {
        try perform(url: url, headers: headers, configure: {}, sink: nil)
    }

    /// GETs a resource, handing 2xx body bytes to `sink` as they arrive (with the status, so a
    /// resuming caller can tell a 206 from a full 200); error bodies go to the summary instead.
    public func download(url: String, headers: [String] = [],
                         sink: (_ status: Int, _ chunk: UnsafeRawBufferPointer) throws -> Void) throws -> HTTPResponseSummary {
        try withoutActuallyEscaping(sink) { escapingSink in
            try perform(url: url, headers: headers, configure: {
                // Redirects to a mirror are normal for downloads; custom Authorization headers are not
                // forwarded to another host by libcurl.
                try self.set(CURLOPT_FOLLOWLOCATION, 1)
                try self.set(CURLOPT_MAXREDIRS, 5)
                try self.set(CURLOPT_FILETIME, 1)
            }, sink: escapingSink)
        }
    }

    /// Sends a HEAD request; the summary's body is empty and `contentLength` gives the size the server announced.
    public func head(url: String, headers: [String] = []) throws -> (summary: HTTPResponseSummary, contentLength: Int64?) {
        var length: curl_off_t = -1
        let summary = try perform(url: url, headers: headers, configure: {
            try self.set(CURLOPT_NOBODY, 1)
            try self.set(CURLOPT_FOLLOWLOCATION, 1)
            try self.set(CURLOPT_MAXREDIRS, 5)
            try self.set(CURLOPT_FILETIME, 1)
        }, sink: nil)
        goose_curl_getinfo_offset(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
        return (summary, length >= 0 ? Int64(length) : nil)
    }

    /// POSTs a multipart form; file parts are streamed from disk, never read into memory.
    public func postForm(url: String, fields: [HTTPFormField], headers: [String] = []) throws -> HTTPResponseSummary {
        let form = try CurlMimeForm(handle: handle, fields: fields)
        return try withExtendedLifetime(form) {
            try perform(url: url, headers: headers, configure: {
                try self.check(goose_curl_setopt_mime(self.handle, CURLOPT_MIMEPOST, form.mime), option: "CURLOPT_MIMEPOST")
            }, sink: nil)
        }
    }

    private func perform(url: String, headers: [String],
                         configure: () throws -> Void,
                         sink: ((Int, UnsafeRawBufferPointer) throws -> Void)?) throws -> HTTPResponseSummary {
        // Reset drops the options of the previous request but keeps its connection for reuse.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        // The caller's headers come first so that they override the defaults below.
        // An empty `Expect:` stops libcurl from waiting for a 100 Continue that many servers never send.
        let headerList = try CurlHeaderList(headers + ["Accept-Encoding: identity", "Expect:"])
        let collector = ResponseCollector(handle: handle, sink: sink, isHTTP: url.lowercased().hasPrefix("http"))
        try withExtendedLifetime((headerList, collector)) {
            try set(CURLOPT_URL, url)
            try set(CURLOPT_USERAGENT, userAgent)
            try set(CURLOPT_PROTOCOLS_STR, allowedProtocols)
            try set(CURLOPT_NOSIGNAL, 1)
            try set(CURLOPT_CONNECTTIMEOUT, connectTimeout)
            if requestTimeout > 0 { try set(CURLOPT_TIMEOUT, requestTimeout) }
            if maximumReceiveRate > 0 {
                try check(goose_curl_setopt_offset(handle, CURLOPT_MAX_RECV_SPEED_LARGE, curl_off_t(maximumReceiveRate)),
                          option: "CURLOPT_MAX_RECV_SPEED_LARGE")
            }
            // A transfer that moves nothing for a minute is stalled: fail it so the retry can resume.
            try set(CURLOPT_LOW_SPEED_LIMIT, 1)
            try set(CURLOPT_LOW_SPEED_TIME, 60)
            try check(goose_curl_setopt_error_buffer(handle, errorBuffer), option: "CURLOPT_ERRORBUFFER")
            try check(goose_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList.list), option: "CURLOPT_HTTPHEADER")
            try check(goose_curl_setopt_write_callback(handle, responseWriteCallback), option: "CURLOPT_WRITEFUNCTION")
            try check(goose_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(collector).toOpaque()),
                      option: "CURLOPT_WRITEDATA")
            try configure()
            let code = curl_easy_perform(handle)
            if let failure = collector.failure { throw failure }
            guard code == CURLE_OK else {
                let detail = String(cString: errorBuffer)
                let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
                throw HTTPTransferError(url: url, reason: reason, isTransient: Self.isTransient(code))
            }
        }
        var status = 0
        goose_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var fileTime: curl_off_t = -1
        goose_curl_getinfo_offset(handle, CURLINFO_FILETIME_T, &fileTime)
        var entityTag: String?
        var header: UnsafeMutablePointer<curl_header>?
        if curl_easy_header(handle, "ETag", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK, let value = header?.pointee.value {
            entityTag = String(cString: value)
        }
        // Only HTTP has status codes; a finished file:// or ftp:// transfer is a success.
        if !collector.isHTTP { status = 200 }
        return HTTPResponseSummary(status: status, body: collector.body, modificationTime: fileTime >= 0 ? Int(fileTime) : nil,
                                   entityTag: entityTag)
    }

    /// Failures worth another attempt: the server was unreachable, busy, or the connection broke.
    static func isTransient(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR,
             CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return true
        default:
            return false
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(goose_curl_setopt_long(handle, option, value), option: "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(goose_curl_setopt_string(handle, option, value), option: "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, option: String) throws {
        guard code == CURLE_OK else {
            throw GooseError.network(url: "libcurl", reason: "cannot set \(option): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// Receives response bytes from libcurl's write callback.
private final class ResponseCollector {
    let handle: UnsafeMutableRawPointer
    let sink: ((Int, UnsafeRawBufferPointer) throws -> Void)?
    var body = Data()
    /// Whether the transfer speaks HTTP; file:// and ftp:// have no status code worth checking here.
    let isHTTP: Bool
    /// An error thrown by the sink; the callback can only report "stop", so the error waits here.
    var failure: Error?

    init(handle: UnsafeMutableRawPointer, sink: ((Int, UnsafeRawBufferPointer) throws -> Void)?, isHTTP: Bool) {
        self.handle = handle
        self.sink = sink
        self.isHTTP = isHTTP
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var status = 0
        goose_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        if let sink, !isHTTP || (200..<300).contains(status) {
            do { try sink(status, bytes) } catch {
                failure = error
                return false
            }
        } else if body.count < HTTPSession.smallBodyLimit {
            body.append(contentsOf: bytes.prefix(HTTPSession.smallBodyLimit - body.count))
        }
        return true
    }
}

/// libcurl's write callback: hands the bytes to the `ResponseCollector` passed as user data.
private let responseWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, userData in
    guard let userData else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userData).takeUnretainedValue()
    let length = size * count
    // Returning a different count than given makes libcurl abort the transfer with CURLE_WRITE_ERROR.
    return collector.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

/// A `curl_slist` of request headers, freed with the value.
final class CurlHeaderList {
    private(set) var list: UnsafeMutablePointer<curl_slist>?

    init(_ headers: [String]) throws {
        for header in headers {
            guard let appended = curl_slist_append(list, header) else {
                throw GooseError.network(url: "libcurl", reason: "cannot build the header list")
            }
            list = appended
        }
    }

    deinit { curl_slist_free_all(list) }
}

/// A `curl_mime` form bound to one easy handle, freed with the value.
final class CurlMimeForm {
    let mime: OpaquePointer

    init(handle: UnsafeMutableRawPointer, fields: [HTTPFormField]) throws {
        guard let mime = curl_mime_init(handle) else {
            throw GooseError.network(url: "libcurl", reason: "cannot create a multipart form")
        }
        self.mime = mime
        for field in fields {
            guard let part = curl_mime_addpart(mime) else {
                throw GooseError.network(url: "libcurl", reason: "cannot add a form part")
            }
            switch field {
            case let .text(name, value):
                try Self.check(curl_mime_name(part, name), "field \(name)")
                try Self.check(goose_curl_mime_data_text(part, value), "field \(name)")
            case let .file(name, path, filename):
                try Self.check(curl_mime_name(part, name), "field \(name)")
                guard curl_mime_filedata(part, path) == CURLE_OK else {
                    throw GooseError.errno(path, "cannot read")
                }
                try Self.check(curl_mime_filename(part, filename), "file \(filename)")
                try Self.check(curl_mime_type(part, "application/octet-stream"), "file \(filename)")
            }
        }
    }

    deinit { curl_mime_free(mime) }

    private static func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else {
            throw GooseError.network(url: "libcurl", reason: "cannot build form \(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
