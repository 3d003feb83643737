import Testing

@Suite struct HealthTests {
    @Test(arguments: Backend.all)
    func healthAnswersOnceTheDatabaseDoes(backend: Backend) async throws {
        try await TestServer.run(backend) { server in
            let response = try await server.request(.get, "/healthz")
            #expect(response.status == .ok)
            #expect(response["status"] == "ok")
        }
    }
}
