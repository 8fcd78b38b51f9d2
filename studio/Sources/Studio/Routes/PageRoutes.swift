import Hummingbird

extension Studio {
    /// The three pages, their scripts and style, and the studio's status.
    func addPageRoutes(to router: Router<StudioRequestContext>) {
        router.get("/") { _, _ in try self.pages.response("index.html") }
        router.get("/forward") { _, _ in try self.pages.response("forward.html") }
        router.get("/runs") { _, _ in try self.pages.response("runs.html") }
        router.get("/static/:file") { _, context in
            try self.pages.response(context.parameters.get("file") ?? "")
        }
        router.get("/api/status") { _, _ in
            let counts = self.jobs.counts
            return try Studio.json([
                "root": self.root.url.lastPathComponent,
                "sampling": [
                    "running": counts.running, "jobs": counts.ids, "capacity": self.jobs.capacity, "started": counts.started,
                    "cancelled": counts.cancelled,
                ],
            ])
        }
    }
}
