using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// Issue 8, SAP: the real service announces and listens inside a private network namespace
/// (`unshare -n`, loopback with a multicast route), with programs no one on this team wrote on the
/// other side. A conference created over REST shows up in VLC's SAP list and in ffprobe; tshark
/// dissects every packet we sent without a warning, deletion included; a session ffmpeg announces is
/// listed (ours is not listed twice); garbage on the SAP port is counted and dropped. The interval
/// floor is 1 s here (tests only), so that the players hear us at once.
/// </summary>
public sealed class SapMulticastTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private const string Token = "netns-test-admin-token-0123456789abcdef";
    private const string Name = "Rendezvous SAP test";
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("rendezvous-sap-netns-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Vlc_ffprobe_and_tshark_see_our_announcements_and_we_list_what_ffmpeg_announces()
    {
        await ServerPackages.EnsureInstalledAsync();
        var connectionString = postgres.OverUnixSocket(await postgres.CreateMigratedDatabaseAsync());
        var (_, output) = await NetworkNamespace.RunAsync(Script, new Dictionary<string, string>
        {
            ["RENDEZVOUS"] = Path.Combine(AppContext.BaseDirectory, "rendezvous.dll"),
            ["DIR"] = _dir,
            ["TOKEN"] = Token,
            ["NAME"] = Name,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:5080",
            ["Rendezvous__PostgreSql__ConnectionString"] = connectionString,
            ["Rendezvous__Auth__BootstrapAdminToken"] = Token,
            ["Rendezvous__Madcap__ServerEnabled"] = "false",
            ["Rendezvous__Sap__Announce"] = "true",
            ["Rendezvous__Sap__Listen"] = "true",
            ["Rendezvous__Sap__Interfaces__0"] = "127.0.0.1",
            ["Rendezvous__Sap__MinimumIntervalSeconds"] = "1",
            ["Rendezvous__Sap__LeaderRetrySeconds"] = "1",
        }, TimeSpan.FromMinutes(2));

        Assert.True(NetworkNamespace.Field(output, "setup") == "0", output);
        Assert.True(NetworkNamespace.Field(output, "conference") == "201", output);

        // VLC's SAP discovery lists the conference under its s= name.
        var vlc = await File.ReadAllTextAsync(Path.Combine(_dir, "vlc.log"));
        var sapList = vlc[Math.Max(0, vlc.IndexOf("Network streams (SAP)", StringComparison.Ordinal))..];
        Assert.True(sapList.Contains(Name, StringComparison.Ordinal), $"VLC did not list the session:\n{vlc}\n{output}");

        // ffprobe reads our SDP from the local scope's SAP group.
        var ffprobe = await File.ReadAllTextAsync(Path.Combine(_dir, "ffprobe.log"));
        Assert.True(ffprobe.Contains($"s={Name}", StringComparison.Ordinal), $"ffprobe did not print our SDP:\n{ffprobe}");
        Assert.Contains("o=alice 3900000001 1 IN IP4 127.0.0.1", ffprobe, StringComparison.Ordinal);

        // tshark: our announcements and the deletion, all well-formed.
        var capture = Path.Combine(_dir, "sap.pcapng");
        var announcements = await Tshark(capture, "sap && sap.flags.t == 0 && sdp.owner.username == \"alice\"", "sap.message_identifier_hash");
        var times = Lines(await Tshark(capture, "sap && sap.flags.t == 0", "frame.time_relative")).Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Count >= 4 && gaps.Max() < 2.5, $"announced at {string.Join(", ", times)}"); // every ~1 s (the test floor, jittered by a third)
        var deletions = await Tshark(capture, "sap && sap.flags.t == 1", "sap.message_identifier_hash");
        Assert.True(Lines(announcements).Count >= 2, $"announcements captured:\n{announcements}\n{output}");
        var hash = Assert.Single(Lines(announcements).Distinct());
        Assert.Equal(hash, Assert.Single(Lines(deletions))); // the deletion names the announcement's hash
        var problems = await Tshark(capture, "_ws.malformed || _ws.expert.severity >= warning", "frame.number");
        Assert.True(Lines(problems).Count == 0, $"tshark flagged frames {problems}");
        var groups = await Tshark(capture, "sap", "ip.dst", "ip.ttl");
        Assert.All(Lines(groups), l => Assert.Equal("239.255.255.255\t16", l)); // the local scope's SAP group, its TTL

        // The listener: ffmpeg's session is listed; ours only when asked for, marked as ours.
        var sessions = Body("sessions");
        var items = sessions.GetProperty("items").EnumerateArray().ToList();
        Assert.True(sessions.GetProperty("listening").GetBoolean());
        Assert.True(items.Count == 1, $"sessions: {sessions}\n{output}");
        var ffmpeg = items[0];
        Assert.Equal("No Name", ffmpeg.GetProperty("name").GetString());
        Assert.Equal("239.255.255.255", ffmpeg.GetProperty("group").GetString());
        Assert.Equal(5006, ffmpeg.GetProperty("join")[0].GetProperty("port").GetInt32());
        Assert.Contains("m=audio 5006 RTP/AVP", NetworkNamespace.Field(output, "ffmpeg-sdp-first-m")?.Replace('_', ' ') ?? "", StringComparison.Ordinal);
        var withOwn = Body("own").GetProperty("items").EnumerateArray().ToList();
        var ours = Assert.Single(withOwn, i => i.GetProperty("own").GetBoolean());
        Assert.Equal(Name, ours.GetProperty("name").GetString());

        // "upcoming" with both sources lists a conference once (from the catalog, though the listener hears it
        // too) and ffmpeg's session (from SAP).
        var heard = Body("heard-second").GetProperty("items").EnumerateArray();
        Assert.Contains(heard, i => i.GetProperty("own").GetBoolean() && i.GetProperty("sdp").GetString()!.Contains("o=alice 3900000002", StringComparison.Ordinal));
        var upcoming = Body("upcoming").GetProperty("items").EnumerateArray().ToList();
        Assert.Single(upcoming, i => i.GetProperty("name").GetString() == Name && i.GetProperty("source").GetString() == "catalog");
        Assert.Single(upcoming, i => i.GetProperty("name").GetString() == "No Name" && i.GetProperty("source").GetString() == "sap");
        Assert.Equal(2, upcoming.Count);

        // After the delete, the listener dropped our session on the deletion packet.
        Assert.Equal("204", NetworkNamespace.Field(output, "delete"));
        var afterDelete = Body("after-delete").GetProperty("items").EnumerateArray();
        Assert.DoesNotContain(afterDelete, i => i.GetProperty("name").GetString() == Name);
        Assert.True(Body("status").GetProperty("counters").GetProperty("deletions").GetInt64() >= 1);

        // Garbage on the SAP port: counted by reason, dropped, nothing kept.
        var counters = Body("status").GetProperty("counters");
        var dropped = counters.GetProperty("dropped");
        Assert.Equal(200, dropped.GetProperty("too_short").GetInt64());
        Assert.Equal(1, dropped.GetProperty("unsupported_version").GetInt64());
        Assert.Equal(1, dropped.GetProperty("authentication_truncated").GetInt64());
        Assert.Equal(1, dropped.GetProperty("unknown_payload_type").GetInt64());
        Assert.Equal(1, dropped.GetProperty("not_sdp").GetInt64());
        Assert.Equal(2, Body("status").GetProperty("listener").GetProperty("sessions").GetInt32()); // ffmpeg's and our second conference
        Assert.True(counters.GetProperty("received").GetInt64() >= 204 + 2);
        Assert.True(counters.GetProperty("sentDeletions").GetInt64() >= 1);

        // Readiness reports the listener and the announcer.
        var sap = Assert.Single(Body("ready").GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "sap");
        Assert.Equal("healthy", sap.GetProperty("status").GetString());
        Assert.True(Body("status").GetProperty("announcer").GetProperty("leader").GetBoolean());
    }

    private const string Script =
        """
        set -u
        ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo
        echo "setup=$?"
        dotnet "$RENDEZVOUS" > "$DIR/service.log" 2>&1 &
        service=$!
        for _ in $(seq 120); do
          curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5080/readyz | grep -q 200 \
            && grep -q 'now the announcer' "$DIR/service.log" && grep -q 'SAP listener joined' "$DIR/service.log" && break
          sleep 0.5
        done
        body() { tr -d '\n' < "$DIR/$1.json"; }
        get() { curl -s -o "$DIR/$1.json" -w "$1=%{http_code}\n" "http://127.0.0.1:5080$2"; echo "$1: $(body "$1")"; }
        tshark -i lo -q -f 'udp port 9875' -w "$DIR/sap.pcapng" 2>/dev/null &
        capture=$!
        sleep 1.5
        printf 'v=0\r\no=alice 3900000001 1 IN IP4 127.0.0.1\r\ns=%s\r\ni=Announced over SAP\r\nc=IN IP4 239.255.42.42/16\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$NAME" > "$DIR/conference.sdp"
        curl -s -o "$DIR/conference.json" -w "conference=%{http_code}\n" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/sdp' \
          --data-binary "@$DIR/conference.sdp" 'http://127.0.0.1:5080/api/conferences?scope=site'
        id=$(grep -o '"id":"[^"]*"' "$DIR/conference.json" | head -n 1 | cut -d'"' -f4)
        home=$(mktemp -d); chmod 777 "$home"
        # VLC lists what its SAP discovery heard; ask once a second until our session is there (a slow start-up
        # on a busy machine must not fail the test), at most 15 times.
        ( for _ in $(seq 15); do sleep 1; echo playlist; sleep 0.2; grep -q "$NAME" "$DIR/vlc.log" && break; done; echo quit ) \
          | timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" vlc -I rc --rc-fake-tty -S sap > "$DIR/vlc.log" 2>&1 &
        vlc=$!
        timeout 6 ffprobe -v verbose sap://239.255.255.255 > "$DIR/ffprobe.log" 2>&1 &
        probe=$!
        wait $vlc $probe
        get own '/api/sap/sessions?includeOwn=true'
        curl -s -o /dev/null -w "delete=%{http_code}\n" -X DELETE -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:5080/api/conferences/$id"
        sleep 2
        kill -INT $capture; wait $capture
        # Someone else's session: ffmpeg announces one on the same group.
        ffmpeg -hide_banner -loglevel error -re -f lavfi -i 'sine=frequency=440:sample_rate=8000' -t 20 -c:a pcm_mulaw -ar 8000 -ac 1 \
          -f sap 'sap://239.255.42.50:5006?announce_addr=239.255.255.255&ttl=1' > "$DIR/ffmpeg.log" 2>&1 &
        ffmpeg=$!
        # Garbage on the SAP port: too short (200 times), version 2, authentication past the end, another payload type, not SDP.
        for _ in $(seq 200); do printf 'xy' > /dev/udp/239.255.255.255/9875; done
        printf '\x40\x00\x12\x34\x7f\x00\x00\x01v=0\r\n' > /dev/udp/239.255.255.255/9875
        printf '\x20\x05\x12\x34\x7f\x00\x00\x01abc' > /dev/udp/239.255.255.255/9875
        printf '\x20\x00\x12\x34\x7f\x00\x00\x01text/plain\x00hello' > /dev/udp/239.255.255.255/9875
        printf '\x20\x00\x12\x34\x7f\x00\x00\x01application/sdp\x00this is not a session description' > /dev/udp/239.255.255.255/9875
        for _ in $(seq 40); do
          curl -s 'http://127.0.0.1:5080/api/sap/sessions' | grep -q 'No Name' && break
          sleep 0.25
        done
        get after-delete '/api/sap/sessions?includeOwn=true'
        get sessions '/api/sap/sessions'
        sap=$(grep -o '"id":"[^"]*"' "$DIR/sessions.json" | head -n 1 | cut -d'"' -f4)
        echo "ffmpeg-sdp-first-m=$(curl -s "http://127.0.0.1:5080/api/sap/sessions/$sap.sdp" | grep '^m=' | head -n 1 | tr ' \r' '_ ')"
        printf 'v=0\r\no=alice 3900000002 1 IN IP4 127.0.0.1\r\ns=%s\r\nc=IN IP4 239.255.42.43/16\r\nt=0 0\r\nm=audio 5008 RTP/AVP 0\r\n' "$NAME" > "$DIR/second.sdp"
        curl -s -o /dev/null -w "second=%{http_code}\n" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/sdp' \
          --data-binary "@$DIR/second.sdp" 'http://127.0.0.1:5080/api/conferences?scope=site'
        sleep 1.5
        get heard-second '/api/sap/sessions?includeOwn=true'
        get upcoming '/api/conferences/upcoming?source=all'
        get status '/api/sap'
        get ready '/readyz'
        kill $ffmpeg 2>/dev/null; wait $ffmpeg 2>/dev/null
        kill $service; wait $service 2>/dev/null
        echo "== logs"
        cat "$DIR/ffmpeg.log"
        grep -o '"Message":"[^"]*"' "$DIR/service.log" | grep -v -i 'health check\|request' | tail -n 30
        """;

    /// <summary>The JSON body the script kept of a request it made (<c>get NAME PATH</c>).</summary>
    private JsonElement Body(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, name + ".json"))).RootElement.Clone();

    private static List<string> Lines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("Running as user", StringComparison.Ordinal))];

    private static Task<string> Tshark(string capture, string filter, params string[] fields) =>
        ProcessRunner.RunAsync("tshark", ["-r", capture, "-Y", filter, "-T", "fields", .. fields.SelectMany(f => new[] { "-e", f })], TimeSpan.FromSeconds(60));
}
