using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Cli;
using Rendezvous.Api.Madcap;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary><c>rendezvous madcap ...</c> against the service's MADCAP server over loopback.</summary>
public sealed class MadcapCommandTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("rendezvous-madcap-cli-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    private static async Task<(int Status, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var status = await MadcapCommand.RunAsync(args, _ => null, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Scopes_request_leases_renew_and_release_from_the_command_line()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, DateTimeOffset.UtcNow);
        var service = host.Factory.Services.GetRequiredService<MadcapServerService>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string[] scopes;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the MADCAP server did not start");
            await Task.Delay(100);
            scopes = service.EndPoints.Count == 0 ? [] : ["scopes", "--server", service.EndPoints[0].ToString(), "--timeout", "5"];
        }
        while (scopes.Length == 0 || (await RunAsync(scopes)).Out.Contains("239.255.0.0", StringComparison.Ordinal) is false);

        var server = service.EndPoints[0].ToString();
        var listed = await RunAsync(scopes);
        Assert.Equal(MadcapCommand.Done, listed.Status);
        Assert.Contains("239.255.0.0      239.255.255.255   16  Local scope (en)", listed.Out, StringComparison.Ordinal);

        var requested = await RunAsync("request", "--server", server, "--scope", "239.255.0.0", "--count", "2", "--lease-time", "600", "--dir", _dir);
        Assert.True(requested.Status == MadcapCommand.Done, requested.Err);
        var file = Assert.Single(System.IO.Directory.GetFiles(_dir, "*.json"));
        var lease = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        Assert.Equal(2, lease.GetProperty("addresses").GetArrayLength());
        Assert.Contains($"saved in {file}", requested.Out, StringComparison.Ordinal);

        var leases = await RunAsync("leases", "--dir", _dir);
        Assert.Contains(lease.GetProperty("addresses")[0].GetString()!, leases.Out, StringComparison.Ordinal);

        var renewed = await RunAsync("renew", file, "--server", server, "--lease-time", "7200", "--json");
        Assert.Equal(MadcapCommand.Done, renewed.Status);
        var after = JsonDocument.Parse(renewed.Out).RootElement;
        Assert.True(after.GetProperty("end").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(110));

        Assert.Equal(MadcapCommand.Done, (await RunAsync("release", file)).Status);
        Assert.False(File.Exists(file));

        var refused = await RunAsync("request", "--server", server, "--scope", "239.1.0.0", "--dir", _dir);
        Assert.Equal(MadcapCommand.Refused, refused.Status);
        Assert.Contains("could not grant the request (option MulticastScope)", refused.Err, StringComparison.Ordinal);

        int unused;
        using (var probe = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            unused = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }

        var silent = await RunAsync("scopes", "--server", $"127.0.0.1:{unused}", "--timeout", "1");
        Assert.Equal(MadcapCommand.NoAnswer, silent.Status);
        Assert.Equal(MadcapCommand.Usage, (await RunAsync("request", "--server", server)).Status);
        Assert.Equal(MadcapCommand.Usage, (await RunAsync("release", Path.Combine(_dir, "missing.json"))).Status);
    }
}
