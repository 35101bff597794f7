using System.Net;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;

namespace Rendezvous.Api.Tests;

/// <summary>The OpenAPI document and the interactive page.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task The_document_describes_every_endpoint_with_an_example()
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Rendezvous", document.GetProperty("info").GetProperty("title").GetString());

        var paths = document.GetProperty("paths");
        var operations = new Dictionary<string, JsonElement>();
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "delete"))
            {
                operations[$"{operation.Name.ToUpperInvariant()} {path.Name}"] = operation.Value;
            }
        }

        string[] expected =
        [
            "GET /api/conferences/upcoming", "GET /api/conferences/{id}", "GET /api/conferences/{id}.sdp", "POST /api/conferences",
            "PUT /api/conferences/{id}", "DELETE /api/conferences/{id}", "GET /api/auth/whoami", "GET /healthz", "GET /readyz",
            "GET /api/directories", "GET /api/directories/{name}/objects", "POST /api/users", "GET /api/users", "DELETE /api/users/{name}",
            "GET /api/madcap/scopes", "GET /api/madcap/stats", "POST /api/madcap/scopes", "PUT /api/madcap/scopes/{first}", "DELETE /api/madcap/scopes/{first}",
            "GET /api/sap", "GET /api/sap/sessions", "GET /api/sap/sessions/{id}", "GET /api/sap/sessions/{id}.sdp",
            "GET /api/calls", "GET /api/calls/{id}", "POST /api/calls", "POST /api/calls/{id}/dial", "POST /api/calls/{id}/connect",
            "POST /api/calls/{id}/setup-conference", "POST /api/call-hubs/{id}/add", "POST /api/call-hubs/{id}/prepare-add",
            "POST /api/calls/{id}/remove-from-conference", "POST /api/calls/{id}/hold", "POST /api/calls/{id}/unhold",
            "POST /api/calls/{id}/setup-transfer", "POST /api/calls/{id}/complete-transfer", "POST /api/call-hubs/{id}/no-hold-add",
            "PUT /api/calls/{id}/media", "POST /api/call-hubs", "POST /api/call-hubs/{id}/join", "PUT /api/call-hubs/{id}/multicast",
            "GET /api/call-hubs", "GET /api/call-hubs/{id}", "GET /api/media/stats",
        ];
        foreach (var name in expected)
        {
            Assert.True(operations.TryGetValue(name, out var operation), $"{name} is missing; the document has {string.Join(", ", operations.Keys)}");
            Assert.True(operation.GetRawText().Contains("\"example\"", StringComparison.Ordinal), $"{name} has no example");
        }

        var create = operations["POST /api/conferences"].GetProperty("requestBody").GetProperty("content");
        Assert.True(create.TryGetProperty("application/sdp", out _));
        Assert.True(create.TryGetProperty("application/json", out _));
        var upcomingParameters = operations["GET /api/conferences/upcoming"].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.Equal(["from", "to", "limit", "cursor", "q", "scope", "source"], upcomingParameters);
    }

    [Fact]
    public async Task The_interactive_page_is_served_at_docs()
    {
        using var factory = new RendezvousFactory(TestSettings.For(TestSettings.UnreachablePostgres()));
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
