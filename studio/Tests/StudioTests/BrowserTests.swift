import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The studio as a user meets it: the `ddpm-studio` executable started on a free
/// port, and Debian's Chromium, headless, driven through chromedriver (WebDriver),
/// opening each page, drawing 20 steps and watching the pictures change.
///
/// Runs when `chromium` and `chromedriver` are on the PATH (`.ci/run` installs them and
/// sets `DDPM_STUDIO_BROWSER=required`, which turns their absence into a failure).
/// `DDPM_STUDIO_SCREENSHOTS=DIR` keeps the three screenshots there;
/// `DDPM_STUDIO_ROOT=DIR` serves that folder instead of the test's own root.
final class BrowserTests: XCTestCase {
    var processes: [Process] = []
    var fixture: StudioRoot?

    override func tearDown() {
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        fixture?.remove()
    }

    func testEachPageInChromium() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let chromium = Self.which("chromium") ?? Self.which("chromium-browser"), let driverPath = Self.which("chromedriver") else {
            if environment["DDPM_STUDIO_BROWSER"] == "required" {
                XCTFail("DDPM_STUDIO_BROWSER=required but chromium or chromedriver is not on the PATH")
                return
            }
            throw XCTSkip("chromium and chromedriver are not installed (apt install chromium chromium-driver)")
        }
        let root: URL
        if let given = environment["DDPM_STUDIO_ROOT"] {
            root = URL(fileURLWithPath: given)
        } else {
            fixture = try StudioRoot()
            root = fixture!.url
        }
        let shots =
            environment["DDPM_STUDIO_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("studio-shots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        // The executable, as `swift run ddpm-studio` starts it.
        let executable = try XCTUnwrap(Bundle.main.executableURL).deletingLastPathComponent().appendingPathComponent("ddpm-studio")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("\(executable.path) is missing; build the package first (swift build)")
            return
        }
        let (studio, address) = try start(executable.path, ["--root", root.path, "--port", "0", "--threads", "1"])
        _ = studio
        XCTAssertTrue(address.hasPrefix("http://127.0.0.1:"), address)
        for other in Self.nonLoopbackAddresses() {
            let port = Int(address.split(separator: ":").last!.dropLast()) ?? 0
            XCTAssertFalse(Self.canConnect(host: other, port: port), "the studio answers on \(other) without --host")
        }

        let driverPort = Self.freePort()
        let driverProcess = Process()
        driverProcess.executableURL = URL(fileURLWithPath: driverPath)
        driverProcess.arguments = ["--port=\(driverPort)"]
        driverProcess.standardOutput = FileHandle.nullDevice
        driverProcess.standardError = FileHandle.nullDevice
        try driverProcess.run()
        processes.append(driverProcess)
        let driver = WebDriver(port: driverPort)
        let ready = Date().addingTimeInterval(30)
        while !driver.isReady, Date() < ready { Thread.sleep(forTimeInterval: 0.2) }
        try driver.startSession(binary: chromium)
        defer { driver.endSession() }

        // Sample: 20 steps; every step's x_t and x̂0 arrive and change, then the grid and the downloads.
        try driver.open(address)
        try driver.wait(
            for: "return document.getElementById('model').options.length > 0 && !document.getElementById('draw').disabled", "the model list"
        )
        try driver.wait(for: "return document.getElementById('steps').value !== ''", "the model's summary")
        try driver.run(
            """
            document.getElementById('steps').value = 20;
            document.getElementById('n').value = 16;
            window.frames_seen = new Set();
            new MutationObserver(() => window.frames_seen.add(document.getElementById('xt').src))
              .observe(document.getElementById('xt'), { attributes: true, attributeFilter: ['src'] });
            """)
        try driver.click("#draw")
        try driver.wait(for: "return Number(document.body.dataset.step || 0) >= 8 || document.body.dataset.state !== 'running'", "step 8")
        try driver.screenshot().write(to: shots.appendingPathComponent("studio-sample-steps.png"))
        try driver.wait(
            for: "return document.body.dataset.state === 'done' || document.body.dataset.state === 'failed'", timeout: 600, "the draw")
        XCTAssertEqual(
            try driver.run("return document.body.dataset.state") as? String, "done",
            "\(String(describing: try? driver.run("return document.getElementById('error').textContent")))")
        let distinct = try driver.run("return window.frames_seen.size") as? Int ?? 0
        XCTAssertGreaterThanOrEqual(distinct, 10, "x_t changed only \(distinct) times over 20 steps")
        XCTAssertEqual(try driver.run("return document.body.dataset.step") as? String, "20")
        try driver.wait(for: "const g = document.getElementById('grid'); return g.complete && g.naturalWidth > 0", "the grid")
        let npy = try driver.run("return document.getElementById('npy-link').href") as? String ?? ""
        XCTAssertTrue(npy.hasSuffix("/samples.npy"), npy)
        try driver.screenshot().write(to: shots.appendingPathComponent("studio-sample.png"))

        // Forward process: the slider moves x_t along one noise path.
        try driver.open(address + "forward")
        try driver.wait(for: "return (document.body.dataset.shown || '').includes('t=250')", "x_t at t = 250")
        let first = try driver.run("return document.getElementById('xt').src") as? String
        try driver.run("const s = document.getElementById('t'); s.value = 900; s.dispatchEvent(new Event('input'));")
        try driver.wait(for: "return (document.body.dataset.shown || '').includes('t=900')", "x_t at t = 900")
        XCTAssertNotEqual(try driver.run("return document.getElementById('xt').src") as? String, first)
        XCTAssertEqual(try driver.run("return document.getElementById('f-t').textContent") as? String, "900")
        try driver.wait(for: "return document.querySelectorAll('#alpha-plot path').length >= 2", "the schedule plot")
        try driver.run("const s = document.getElementById('t'); s.value = 250; s.dispatchEvent(new Event('input'));")
        try driver.wait(
            for: "return (document.body.dataset.shown || '').includes('t=250') && document.getElementById('f-t').textContent === '250'",
            "x_t at t = 250 again")
        try driver.screenshot().write(to: shots.appendingPathComponent("studio-forward.png"))

        // Training runs: the list, the loss curves and the newest grid.
        try driver.open(address + "runs")
        try driver.wait(for: "return document.querySelectorAll('tr.run').length > 0", "the run list")
        try driver.wait(
            for: "return Number(document.body.dataset.logged || 0) > 0 && document.querySelectorAll('#loss-plot path').length > 0",
            "the loss curve")
        try driver.wait(
            for: "const g = document.getElementById('sample'); return !g.hidden && g.complete && g.naturalWidth > 0", "the newest grid")
        try driver.screenshot().write(to: shots.appendingPathComponent("studio-runs.png"))
        if environment["DDPM_STUDIO_SCREENSHOTS"] == nil { try? FileManager.default.removeItem(at: shots) }
    }

    /// Starts `path` and reads the address it prints.
    private func start(_ path: String, _ arguments: [String]) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        processes.append(process)
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "http://[^ ]+/", options: .regularExpression) else {
            throw WebDriver.Failure(description: "ddpm-studio printed no address: \(text)")
        }
        return (process, String(text[range]))
    }

    static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                _ = bind(descriptor, pointer, length)
                return getsockname(descriptor, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The machine's IPv4 addresses other than loopback.
    static func nonLoopbackAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var found: [String] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let text = String(cString: host)
            if !text.hasPrefix("127.") { found.append(text) }
        }
        return found
    }

    static func canConnect(host: String, port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
