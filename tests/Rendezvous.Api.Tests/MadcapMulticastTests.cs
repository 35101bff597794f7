using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// Multicast discovery (RFC 2730 sections 2.9 and 2.10): the real service and the real
/// command-line client inside a private network namespace (`unshare -n`, loopback with a
/// multicast route), so that no datagram reaches any real network. PostgreSQL is reached over
/// its Unix socket, which the namespace does not hide.
/// </summary>
public sealed class MadcapMulticastTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("rendezvous-madcap-netns-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Getinfo_and_discover_reach_the_server_on_the_local_scopes_madcap_group()
    {
        var connectionString = postgres.OverUnixSocket(await postgres.CreateMigratedDatabaseAsync());
        var rendezvous = Path.Combine(AppContext.BaseDirectory, "rendezvous.dll");
        const string Script =
            """
            set -u
            ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo || exit 90
            dotnet "$RENDEZVOUS" > "$DIR/service.log" 2>&1 &
            service=$!
            for _ in $(seq 120); do
              curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5080/readyz | grep -q 200 && grep -q 'MADCAP server listening' "$DIR/service.log" && break
              sleep 0.5
            done
            echo "== scopes"
            dotnet "$RENDEZVOUS" madcap scopes --group 239.255.255.254 --local 127.0.0.1 --timeout 15
            echo "status=$?"
            echo "== request"
            dotnet "$RENDEZVOUS" madcap request --group 239.255.255.254 --local 127.0.0.1 --scope 239.255.0.0 --count 2 --dir "$DIR" --timeout 15
            echo "status=$?"
            kill $service; wait $service
            echo "== service log"
            grep -o '"Message":"[^"]*"' "$DIR/service.log" | grep -v -i 'health check\|request' | tail -n 30
            """;
        var (exitCode, output) = await NetworkNamespace.RunAsync(Script, new Dictionary<string, string>
        {
            ["RENDEZVOUS"] = rendezvous,
            ["DIR"] = _dir,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:5080",
            ["Rendezvous__PostgreSql__ConnectionString"] = connectionString,
            ["Rendezvous__Auth__BootstrapAdminToken"] = "netns-test-admin-token-0123456789abcdef",
        }, TimeSpan.FromMinutes(2));
        Assert.NotEqual(90, exitCode);
        var scopes = output[output.IndexOf("== scopes", StringComparison.Ordinal)..output.IndexOf("== request", StringComparison.Ordinal)];
        Assert.True(scopes.Contains("239.255.0.0      239.255.255.255   16  Local scope (en)", StringComparison.Ordinal), output);
        Assert.Contains("server 127.0.0.1", scopes, StringComparison.Ordinal);
        Assert.Contains("status=0", scopes, StringComparison.Ordinal);

        var request = output[output.IndexOf("== request", StringComparison.Ordinal)..output.IndexOf("== service log", StringComparison.Ordinal)];
        Assert.Contains("status=0", request, StringComparison.Ordinal);
        Assert.Matches(@"leased 239\.255\.\d+\.\d+, 239\.255\.\d+\.\d+ from ", request);
        var file = Assert.Single(System.IO.Directory.GetFiles(_dir, "*.json"));
        Assert.Contains("\"serverIdentifier\": \"127.0.0.1\"", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
    }
}
