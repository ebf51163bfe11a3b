import Foundation

/// The HTTP side of `lookaside serve`: downloads from the store and dist-git's `upload.cgi` protocol,
/// with its answers and status codes.
struct LookasideRequestHandler: HTTPRequestHandling {
    let store: LookasideStore
    let gitDirectory: String
    let temporaryDirectory: String
    let token: String
    let maxUploadSize: Int

    /// Room for the text fields and part headers around the file in an upload.
    static let formOverhead = 1 << 20
    /// Largest text field value kept.
    static let fieldLimit = 64 << 10
    /// Most form parts accepted in one request.
    static let partLimit = 64

    func handle(_ request: HTTPServerRequest, body: HTTPRequestBody) -> HTTPServerResponse {
        switch (request.path, request.method) {
        case ("/repo/pkgs/upload.cgi", "POST"):
            return upload(request, body: body)
        case ("/repo/pkgs/upload.cgi", _):
            return Self.text(.methodNotAllowed, "Use POST.", headers: ["Allow": "POST"])
        case (let path, "GET") where path.hasPrefix("/repo/pkgs/"), (let path, "HEAD") where path.hasPrefix("/repo/pkgs/"):
            return download(request, path: String(path.dropFirst("/repo/pkgs/".count)))
        default:
            return Self.text(.notFound, "Not Found")
        }
    }

    // MARK: - Upload (upload.cgi)

    /// A refusal decided while the body is being read; it ends the request with this answer.
    private struct Refusal: Error {
        var status: HTTPStatus
        var message: String
    }

    private func upload(_ request: HTTPServerRequest, body: HTTPRequestBody) -> HTTPServerResponse {
        guard let authorization = request.headers["Authorization"] else {
            return Self.text(.unauthorized, "Authentication required: send 'Authorization: Bearer <token>'.",
                             headers: ["WWW-Authenticate": "Bearer realm=\"goose lookaside\""])
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
              LookasideToken.constantTimeEquals(parts[1].trimmingCharacters(in: .whitespaces), token) else {
            return Self.text(.forbidden, "Invalid token: you may not upload to this lookaside.")
        }
        if let length = request.headers["Content-Length"].flatMap({ Int($0) }), length > maxUploadSize + Self.formOverhead {
            return Self.text(.payloadTooLarge, "Request of \(length) bytes exceeds the upload limit of \(maxUploadSize) bytes.")
        }
        let form: UploadForm
        do {
            form = try receiveForm(request, body: body)
        } catch let refusal as Refusal {
            return Self.text(refusal.status, refusal.message)
        } catch let GooseError.lookaside(reason) {
            // The multipart parser's complaints about the body.
            return Self.text(.badRequest, reason)
        } catch let error as GooseError {
            ServerLog.write("error: upload failed: \(error)")
            return Self.text(.internalServerError, error.description)
        } catch {
            return Self.text(.badRequest, "Cannot read the request body: \(error.localizedDescription)")
        }
        do {
            return try answer(form)
        } catch let refusal as Refusal {
            return Self.text(refusal.status, refusal.message)
        } catch {
            ServerLog.write("error: upload failed: \(error)")
            return Self.text(.internalServerError, "\(error)")
        }
    }

    /// The fields of an upload.cgi request and, for an upload, the received file.
    private final class UploadForm {
        var fields: [String: [String]] = [:]
        var fileParts = 0
        var filename: String?
        /// The received file; nil when none was sent or it was discarded because the object exists.
        var staging: StagingFile?
        var discardedExisting = false
    }

    private func receiveForm(_ request: HTTPServerRequest, body: HTTPRequestBody) throws -> UploadForm {
        let form = UploadForm()
        let contentType = request.headers["Content-Type"] ?? ""
        if HeaderParameters.parse(contentType).value.lowercased() == "application/x-www-form-urlencoded" {
            // Small forms (checks) may come URL-encoded, as `curl -d` sends them.
            var data = Data()
            while let chunk = try body.next() {
                data.append(chunk)
                guard data.count <= Self.fieldLimit else { throw Refusal(status: .payloadTooLarge, message: "Form too large.") }
            }
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            for item in components.queryItems ?? [] { form.fields[item.name, default: []].append(item.value ?? "") }
            return form
        }
        guard let boundary = MultipartParser.boundary(fromContentType: contentType) else {
            throw Refusal(status: .badRequest, message: "Expected a multipart/form-data body.")
        }
        var parser = try MultipartParser(boundary: boundary)
        var current: MultipartPartHeader?
        var text = Data()
        var partCount = 0
        while let chunk = try body.next() {
            try parser.feed(chunk) { event in
                switch event {
                case let .partBegin(header):
                    partCount += 1
                    guard partCount <= Self.partLimit else { throw Refusal(status: .badRequest, message: "Too many form fields.") }
                    current = header
                    text = Data()
                    if header.name == "file" { try beginFile(header, form: form) }
                case let .partData(data):
                    if current?.name == "file" {
                        guard let staging = form.staging else { return }
                        guard staging.size + data.count <= maxUploadSize else {
                            throw Refusal(status: .payloadTooLarge, message: "File exceeds the upload limit of \(maxUploadSize) bytes.")
                        }
                        try staging.write(data)
                    } else {
                        guard text.count + data.count <= Self.fieldLimit else {
                            throw Refusal(status: .badRequest, message: "Field \"\(current?.name ?? "")\" is too long.")
                        }
                        text.append(data)
                    }
                case .partEnd:
                    if let header = current, header.name != "file" {
                        form.fields[header.name, default: []].append(String(decoding: text, as: UTF8.self))
                    }
                    current = nil
                }
            }
        }
        try parser.finish()
        return form
    }

    /// Starts receiving the file part; when the fields before it already name a missing module or a
    /// present object, answers now instead of storing gigabytes first.
    private func beginFile(_ header: MultipartPartHeader, form: UploadForm) throws {
        form.fileParts += 1
        guard form.fileParts == 1 else { throw Refusal(status: .badRequest, message: "Multiple values given for \"file\". Aborting.") }
        guard let filename = header.filename, !filename.isEmpty else {
            throw Refusal(status: .badRequest, message: "No file given for upload. Aborting.")
        }
        form.filename = filename
        if let name = form.fields["name"]?.only, let checksum = form.fields["sha512sum"]?.only {
            try validate(name: name, filename: filename)
            try requireModule(name)
            if LookasideKey.isHexDigest(checksum, of: .sha512), store.contains(package: name, filename: filename, hashType: .sha512, hash: checksum) {
                form.discardedExisting = true
                return
            }
        }
        form.staging = try StagingFile(directory: temporaryDirectory, algorithm: .sha512)
    }

    /// upload.cgi's decision, in its order: name, checksum, action, module, then check or store.
    private func answer(_ form: UploadForm) throws -> HTTPServerResponse {
        let name = try single("name", in: form)
        let checksum: String
        if form.fields["sha512sum"] != nil {
            checksum = try single("sha512sum", in: form)
        } else if form.fields["md5sum"] != nil {
            throw Refusal(status: .notAcceptable, message: "Uploads with md5sum are disabled; send sha512sum.")
        } else {
            throw Refusal(status: .badRequest, message: "Required checksum is not present.")
        }
        if form.fields["filename"] != nil {
            let filename = try single("filename", in: form)
            try validate(name: name, filename: filename)
            try requireModule(name)
            let present = LookasideKey.isHexDigest(checksum, of: .sha512)
                && store.contains(package: name, filename: filename, hashType: .sha512, hash: checksum)
            return Self.text(.ok, present ? "Available" : "Missing")
        }
        guard form.fileParts > 0, let filename = form.filename else {
            throw Refusal(status: .badRequest, message: "Required field \"file\" is not present.")
        }
        try validate(name: name, filename: filename)
        try requireModule(name)
        let existing = LookasideKey.isHexDigest(checksum, of: .sha512)
            && store.contains(package: name, filename: filename, hashType: .sha512, hash: checksum)
        if existing || form.discardedExisting {
            return Self.text(.ok, "File \(filename) already exists")
        }
        guard let staging = form.staging else { throw Refusal(status: .badRequest, message: "No file given for upload. Aborting.") }
        let actual = staging.digest.finalizeHex()
        guard actual == checksum else {
            throw Refusal(status: .badRequest, message: "SHA512 check failed. Received \(actual) instead of \(checksum).")
        }
        var modificationTime: Int?
        if form.fields["mtime"] != nil {
            let text = try single("mtime", in: form)
            guard let seconds = Int(text) ?? Double(text).flatMap({ $0.isFinite ? Int($0) : nil }) else {
                throw Refusal(status: .badRequest, message: "Invalid value sent for mtime \"\(text)\". Aborting.")
            }
            modificationTime = seconds
        }
        let destination = try store.path(package: name, filename: filename, hashType: .sha512, hash: checksum)
        try staging.commit(to: destination, modificationTime: modificationTime)
        ServerLog.write("stored \(name)/\(filename) (\(staging.size) bytes)")
        return Self.text(.ok, "File \(filename) size \(staging.size) SHA512 \(checksum) stored OK")
    }

    private func single(_ field: String, in form: UploadForm) throws -> String {
        guard let values = form.fields[field] else {
            throw Refusal(status: .badRequest, message: "Required field \"\(field)\" is not present.")
        }
        guard let value = values.only else {
            throw Refusal(status: .badRequest, message: "Multiple values given for \"\(field)\". Aborting.")
        }
        return value
    }

    private func validate(name: String, filename: String) throws {
        guard LookasideNames.isValid(name) else { throw Refusal(status: .badRequest, message: "Invalid package name \"\(name)\".") }
        guard LookasideNames.isValid(filename) else { throw Refusal(status: .badRequest, message: "Invalid file name \"\(filename)\".") }
    }

    /// dist-git accepts files only for packages that have a repository.
    private func requireModule(_ name: String) throws {
        guard FileSystem.isDirectory(gitDirectory + "/\(name).git") else {
            throw Refusal(status: .notFound, message: "Module \"\(name)\" does not exist!")
        }
    }

    // MARK: - Download

    /// Serves `<name>/<file>/<hashtype>/<hash>/<file>` (or the old `<name>/<file>/<md5>/<file>`), optionally
    /// under the `rpms/` namespace, with single byte ranges for resuming clients.
    private func download(_ request: HTTPServerRequest, path: String) -> HTTPServerResponse {
        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.first == "rpms", components.count == 6 || (components.count == 5 && HashAlgorithm(rawValue: components[3]) == nil) {
            components.removeFirst()
        }
        let candidates: [String]
        if components.count == 5, let hashType = HashAlgorithm(rawValue: components[2]), components[1] == components[4] {
            let object = LookasideKey(package: components[0], filename: components[1], hashType: hashType, hash: components[3])
            guard (try? object.validate()) != nil else { return Self.text(.notFound, "Not Found") }
            candidates = [store.root + "/" + object.relativePath]
        } else if components.count == 4, components[1] == components[3] {
            let object = LookasideKey(package: components[0], filename: components[1], hashType: .md5, hash: components[2])
            guard (try? object.validate()) != nil else { return Self.text(.notFound, "Not Found") }
            candidates = [store.root + "/" + object.relativePath, store.root + "/" + object.legacyRelativePath]
        } else {
            return Self.text(.notFound, "Not Found")
        }
        var info = stat()
        guard let file = candidates.first(where: { stat($0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG }) else {
            return Self.text(.notFound, "Not Found")
        }
        let size = Int(info.st_size)
        var headers: HTTPHeaderFields = [
            "Content-Type": "application/octet-stream",
            "Accept-Ranges": "bytes",
            "Last-Modified": Self.httpDate(Int(info.st_mtim.tv_sec)),
        ]
        var status = HTTPStatus.ok
        var range = 0..<size
        if let rangeHeader = request.headers["Range"], let requested = Self.byteRange(rangeHeader, size: size) {
            guard let requested = requested else {
                headers["Content-Range"] = "bytes */\(size)"
                return HTTPServerResponse(status: .rangeNotSatisfiable, headers: headers)
            }
            range = requested
            status = .partialContent
            headers["Content-Range"] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
        }
        // The server sends the length and, except for HEAD, the bytes.
        return HTTPServerResponse(status: status, headers: headers, body: .file(path: file, range: range))
    }

    /// The range a `Range: bytes=…` header asks for: nil to ignore the header (malformed or several
    /// ranges: serve everything), `.some(nil)` when it cannot be satisfied.
    static func byteRange(_ header: String, size: Int) -> Range<Int>?? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes="), !trimmed.contains(",") else { return nil }
        let spec = trimmed.dropFirst("bytes=".count)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            // A suffix range: the last N bytes.
            guard let count = Int(last), count > 0 else { return nil }
            guard size > 0 else { return .some(nil) }
            return .some(max(0, size - count)..<size)
        }
        guard let start = Int(first), start >= 0 else { return nil }
        let end: Int
        if last.isEmpty { end = size - 1 } else {
            guard let parsed = Int(last), parsed >= start else { return nil }
            end = min(parsed, size - 1)
        }
        guard start < size else { return .some(nil) }
        return .some(start..<(end + 1))
    }

    /// An HTTP date (RFC 9110 IMF-fixdate) for Last-Modified.
    static func httpDate(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    // MARK: - Responses

    /// A plain-text answer; upload.cgi prints its messages with a trailing newline.
    static func text(_ status: HTTPStatus, _ message: String, headers: HTTPHeaderFields = [:]) -> HTTPServerResponse {
        var allHeaders = headers
        allHeaders["Content-Type"] = "text/plain; charset=utf-8"
        return HTTPServerResponse(status: status, headers: allHeaders, body: .data(Data((message + "\n").utf8)))
    }
}

private extension Array {
    /// The element of a one-element array.
    var only: Element? { count == 1 ? first : nil }
}
