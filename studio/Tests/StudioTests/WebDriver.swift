import Foundation

/// A WebDriver client (the W3C protocol chromedriver speaks) with the few commands
/// the browser test needs: open a page, run a script, click, take a screenshot.
final class WebDriver {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    private(set) var session: String?

    init(port: Int) {
        self.port = port
    }

    /// Sends one command (HTTP/1.1 over a plain socket, one connection each) and returns its `value`.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil, timeout: TimeInterval = 120) throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let connection = try RawConnection(port: port)
        defer { connection.hangUp() }
        connection.send(
            "\(method) /\(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(payload.count)\r\nConnection: close\r\n\r\n" + String(decoding: payload, as: UTF8.self))
        let answer = connection.readAnswer()
        guard !answer.head.isEmpty else { throw Failure(description: "\(method) \(path): no HTTP answer") }
        var text = String(decoding: answer.body, as: UTF8.self)
        if answer.head.lowercased().contains("transfer-encoding: chunked") { text = Self.unchunked(text) }
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let value = object?["value"]
        if let failure = value as? [String: Any], let error = failure["error"] as? String {
            throw Failure(description: "\(method) \(path): \(error): \(failure["message"] ?? "")")
        }
        return value
    }

    /// The body of a chunked transfer.
    static func unchunked(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let line = rest.range(of: "\r\n"), let size = Int(rest[..<line.lowerBound], radix: 16), size > 0 {
            let start = line.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }

    /// Whether chromedriver answers and is ready.
    var isReady: Bool {
        guard let status = try? call("GET", "status", timeout: 2) as? [String: Any] else { return false }
        return status["ready"] as? Bool == true
    }

    /// Starts headless Chromium.
    func startSession(binary: String) throws {
        let capabilities: [String: Any] = [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"],
            ],
        ]
        let value = try call("POST", "session", ["capabilities": ["alwaysMatch": capabilities]]) as? [String: Any]
        guard let id = value?["sessionId"] as? String else { throw Failure(description: "no session id in \(String(describing: value))") }
        session = id
    }

    func endSession() {
        if let session { _ = try? call("DELETE", "session/\(session)") }
        session = nil
    }

    func open(_ url: String) throws {
        try call("POST", "session/\(session!)/url", ["url": url])
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its result.
    func run(_ script: String, _ args: [Any] = []) throws -> Any? {
        try call("POST", "session/\(session!)/execute/sync", ["script": script, "args": args])
    }

    /// Polls `condition` (a script returning a truthy value) until it holds, or fails after `timeout` seconds.
    func wait(for condition: String, timeout: TimeInterval = 120, _ what: String) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try run(condition), (value as? Bool) == true || ((value as? Int).map { $0 != 0 } ?? false) { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw Failure(description: "timed out after \(Int(timeout)) s waiting for \(what)")
    }

    func click(_ selector: String) throws {
        let element = try call("POST", "session/\(session!)/element", ["using": "css selector", "value": selector]) as? [String: Any]
        guard let id = element?.values.first as? String else { throw Failure(description: "no element \(selector)") }
        try call("POST", "session/\(session!)/element/\(id)/click", [:])
    }

    /// A PNG of the window.
    func screenshot() throws -> Data {
        guard let text = try call("GET", "session/\(session!)/screenshot") as? String, let data = Data(base64Encoded: text) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }
}
