using System.Text.Json;
using Rendezvous.Api.Cli;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Directory.Sdp;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary><c>rendezvous conferences</c> against the real service, in-process.</summary>
public sealed class ConferencesCommandTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static async Task<(int Exit, string Out, string Err)> Run(ConferenceApiHost host, string? token, string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new Dictionary<string, string?> { ["RENDEZVOUS_URL"] = "http://localhost", ["RENDEZVOUS_TOKEN"] = token };
        var exit = await ConferencesCommand.RunAsync(args, name => environment.GetValueOrDefault(name), new StringReader(stdin), output, error, host.Factory.Server.CreateHandler());
        return (exit, output.ToString(), error.ToString());
    }

    private static string Sdp(string name, string start, string stop) =>
        $"v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns={name}\r\nc=IN IP4 239.255.20.1/15\r\n" +
        $"t={NtpTime.FromDateTimeOffset(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture))} {NtpTime.FromDateTimeOffset(DateTimeOffset.Parse(stop, System.Globalization.CultureInfo.InvariantCulture))}\r\n" +
        "m=audio 5004 RTP/AVP 0\r\n";

    [Fact]
    public async Task Create_list_show_and_delete_round_trip()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        _ = host.Factory.Server;
        var sdp = Sdp("Town hall", "2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z");

        var (exit, created, _) = await Run(host, TestSettings.AdminToken, sdp, "create", "-", "--scope", "site");
        Assert.Equal(0, exit);
        Assert.Matches("^created [0-9a-f-]{36} \"Town hall\"\n$", created);
        var id = created.Split(' ')[1];

        (exit, var table, _) = await Run(host, null, "", "list");
        Assert.Equal(0, exit);
        var lines = table.TrimEnd().Split('\n');
        Assert.Equal(["START", "STOP", "NAME", "JOIN", "ID"], lines[0].Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(h => h.Trim()));
        Assert.Contains("2026-11-24 10:00Z  2026-11-24 11:00Z  Town hall  audio 239.255.20.1:5004", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(id, lines[1], StringComparison.Ordinal);

        (exit, var json, _) = await Run(host, null, "", "list", "--json", "--q", "town");
        Assert.Equal(0, exit);
        Assert.Equal(id, JsonDocument.Parse(json).RootElement.GetProperty("items")[0].GetProperty("conferenceId").GetString());

        (exit, var details, _) = await Run(host, null, "", "show", id);
        Assert.Equal(0, exit);
        Assert.Contains("owner        bootstrap-admin", details, StringComparison.Ordinal);
        Assert.Contains("next         2026-11-24 10:00Z - 2026-11-24 11:00Z", details, StringComparison.Ordinal);

        (exit, var stored, _) = await Run(host, null, "", "show", id, "--sdp");
        Assert.Equal((0, sdp), (exit, stored));

        (exit, var deleted, _) = await Run(host, TestSettings.AdminToken, "", "delete", id);
        Assert.Equal((0, $"deleted {id}\n"), (exit, deleted));
        (exit, _, var gone) = await Run(host, null, "", "show", id);
        Assert.Equal(1, exit);
        Assert.Contains("404 Not Found: No such conference.", gone, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_print_the_services_problem_and_exit_1()
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        _ = host.Factory.Server;
        var (exit, _, error) = await Run(host, null, Sdp("x", "2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"), "create", "-");
        Assert.Equal(1, exit);
        Assert.Contains("401 Unauthorized: Authentication required", error, StringComparison.Ordinal);

        (exit, _, error) = await Run(host, TestSettings.AdminToken, "v=0\r\no=- x 1 IN IP4 192.0.2.1\r\ns=x\r\nt=0 0\r\n", "create", "-");
        Assert.Equal(1, exit);
        Assert.Contains("  line 2: o= sess-id", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "show" }, "missing ID")]
    [InlineData(new[] { "list", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "list", "--limit" }, "--limit needs a value")]
    [InlineData(new[] { "list", "--colour", "red" }, "unknown option '--colour'")]
    [InlineData(new[] { "create", "/nonexistent.sdp" }, "cannot read '/nonexistent.sdp'")]
    public async Task Usage_errors_exit_2(string[] args, string message)
    {
        using var host = await ConferenceApiHost.StartAsync(postgres, Now);
        _ = host.Factory.Server;
        var (exit, _, error) = await Run(host, null, "", args);
        Assert.Equal(2, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_service_exits_3()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var url = $"http://127.0.0.1:{FreePort.NextTcp()}";
        var exit = await ConferencesCommand.RunAsync(["list", "--url", url], _ => null, new StringReader(""), output, error);
        Assert.Equal(3, exit);
        Assert.Contains($"cannot reach {url}/", error.ToString(), StringComparison.Ordinal);
    }
}
