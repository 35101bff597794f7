using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// A participant without multicast joins a multicast group through a bridge bound to it. The
/// real service, ffmpeg participants and tshark run inside a private network namespace
/// (`unshare -n`: loopback with a multicast route), so no datagram reaches a real network.
/// ffmpeg sends a 440 Hz tone to the group (from 127.0.0.2) and a 1000 Hz tone to the unicast
/// leg; separate ffmpeg receivers record the leg's party and the group (only what the service
/// sends there, by an RFC 4570 source filter). First the hub mixes, then it forwards unchanged.
/// </summary>
[Collection(RealTime.Name)]
public sealed partial class MulticastRelayTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private const string Token = "netns-test-admin-token-0123456789abcdef";
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("rendezvous-multicast-relay-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_unicast_leg_hears_the_group_and_the_group_hears_it_mixed_and_then_forwarded_unchanged()
    {
        await ServerPackages.EnsureInstalledAsync();
        var connectionString = postgres.OverUnixSocket(await postgres.CreateMigratedDatabaseAsync());
        var output = await RunInNamespaceAsync(connectionString);

        Assert.NotEqual("90", Field(output, "setup"));
        Assert.Equal("201", Field(output, "bridge"));
        Assert.Equal("200", Field(output, "join"));
        Assert.Equal("200", Field(output, "bind-mix"));
        Assert.Equal("200", Field(output, "bind-forward"));
        Assert.Equal("204", Field(output, "unbind"));
        Assert.Equal("201", Field(output, "conference"));
        Assert.Equal("200", Field(output, "bind-conference"));
        var bound = Field(output, "bound-conference")!;
        Assert.Contains("\"group\":\"239.255.42.44:5008\",\"ttl\":3,\"codec\":\"PCMA\",\"mode\":\"mix\"", bound, StringComparison.Ordinal);
        Assert.Equal("400", Field(output, "bind-unicast")); // not a multicast address: named field
        Assert.Contains("\"group\"", output, StringComparison.Ordinal);

        // Mixed: one sender heard in the group (ffmpeg's; our own looped-back packets are not a sender).
        Assert.Contains("\"senders\":1,\"ignoredSenderPackets\":0", Field(output, "hub-mix-body"), StringComparison.Ordinal);

        // Mixed: the party hears the group's tone; the group hears the party's (not its own).
        var partyMix = await Tones.ReadWavAsync(Path.Combine(_dir, "party-mix.wav"));
        var groupMix = await Tones.ReadWavAsync(Path.Combine(_dir, "group-mix.wav"));
        Assert.True(Tones.Share(partyMix, 440) > 0.8, $"the party should hear the group: {Tones.Describe(partyMix, 440, 1000)}\n{output}");
        Assert.True(Tones.Share(groupMix, 1000) > 0.8, $"the group should hear the party: {Tones.Describe(groupMix, 440, 1000)}\n{output}");
        Assert.True(Tones.Share(groupMix, 440) < 0.01, $"the group hears itself: {Tones.Describe(groupMix, 440, 1000)}");

        // Forwarded: the same, and the packets are the senders' own (tshark: the group sender's SSRC reaches the party).
        var partyForward = await Tones.ReadWavAsync(Path.Combine(_dir, "party-forward.wav"));
        var groupForward = await Tones.ReadWavAsync(Path.Combine(_dir, "group-forward.wav"));
        Assert.True(Tones.Share(partyForward, 440) > 0.8, $"forwarding, the party should hear the group: {Tones.Describe(partyForward, 440, 1000)}");
        Assert.True(Tones.Share(groupForward, 1000) > 0.8, $"forwarding, the group should hear the party: {Tones.Describe(groupForward, 440, 1000)}");

        var capture = Path.Combine(_dir, "media.pcapng");
        string[] decodeAs = ["-d", "udp.port==5004,rtp", "-d", "udp.port==5005,rtcp", "-d", "udp.port==46010,rtp", "-d", "udp.port==46011,rtcp"];
        var groupSsrcs = Ssrcs(await Tshark(capture, decodeAs, "rtp && ip.src == 127.0.0.2 && udp.dstport == 5004"));
        var toParty = Ssrcs(await Tshark(capture, decodeAs, "rtp && udp.dstport == 46010"));
        var groupSender = Assert.Single(groupSsrcs);
        Assert.Contains(groupSender, toParty); // forwarded unchanged
        Assert.True(toParty.Count >= 2, "the mixed phase sends the leg's own SSRC"); // and mixed with our own

        // The group leg's own RTCP, to the group's RTCP port (not ffmpeg's, from 127.0.0.2): sender reports while it
        // sends the mix, and a BYE when a binding ends; every packet is checked for malformation below.
        var groupReports = (await Tshark(capture, decodeAs, "rtcp && ip.dst == 239.255.42.42 && udp.dstport == 5005 && ip.src != 127.0.0.2", "rtcp.pt"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(groupReports, r => r.Split(',').Contains("200"));
        Assert.Contains(groupReports, r => r.Split(',').Contains("203"));

        var problems = await Tshark(capture, decodeAs, "_ws.malformed || _ws.expert.severity >= warning");
        Assert.True(string.IsNullOrWhiteSpace(problems), $"tshark flagged packets:\n{problems}");
    }

    private static string? Field(string output, string name) => NetworkNamespace.Field(output, name);

    private static HashSet<string> Ssrcs(string fields) =>
        [.. fields.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("0x", StringComparison.Ordinal))];

    private static async Task<string> Tshark(string capture, string[] decodeAs, string filter, string field = "rtp.ssrc")
    {
        var text = await ProcessRunner.RunAsync("tshark", ["-r", capture, .. decodeAs, "-Y", filter, "-T", "fields", "-e", field], TimeSpan.FromSeconds(60));
        return string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("Running as user", StringComparison.Ordinal)));
    }

    private async Task<string> RunInNamespaceAsync(string connectionString)
    {
        const string Script =
            """
            set -u
            ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && ip addr add 127.0.0.2/8 dev lo
            echo "setup=$?"
            dotnet "$RENDEZVOUS" > "$DIR/service.log" 2>&1 &
            service=$!
            for _ in $(seq 120); do
              curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5080/readyz | grep -q 200 && break
              sleep 0.5
            done
            api() { # name method path [body]: prints name=status, keeps the body in $DIR/name.json
              curl -s -o "$DIR/$1.json" -w "$1=%{http_code}\n" -X "$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
                "http://127.0.0.1:5080$3" ${4:+-d "$4"}
            }
            id() { grep -o '"id":"[^"]*"' "$DIR/$1.json" | head -n 1 | cut -d'"' -f4; }
            tshark -i lo -q -f udp -a duration:22 -w "$DIR/media.pcapng" 2>/dev/null &
            capture=$!
            sleep 2
            api bridge POST /api/call-hubs
            hub=$(id bridge)
            api party POST /api/calls '{"remote":"127.0.0.1:46010","source":"127.0.0.1:46020","codec":"PCMU"}'
            call=$(id party)
            port=$(grep -o '"localPort":[0-9]*' "$DIR/party.json" | cut -d: -f2)
            api join POST "/api/call-hubs/$hub/join" "{\"call\":\"$call\"}"
            api bind-mix PUT "/api/call-hubs/$hub/multicast" '{"group":"239.255.42.42:5004","ttl":1,"mode":"mix"}'
            api bind-unicast PUT "/api/call-hubs/$hub/multicast" '{"group":"127.0.0.1:5004"}'
            cat "$DIR/bind-unicast.json"; echo
            tone() { ffmpeg -hide_banner -loglevel error -re -f lavfi -i "sine=frequency=$1:sample_rate=8000:samples_per_frame=160" -t 16 \
                       -c:a pcm_mulaw -ar 8000 -ac 1 -f rtp "$2" > "$DIR/tone-$1.log" 2>&1; }
            tone 440 "rtp://239.255.42.42:5004?localaddr=127.0.0.2&ttl=1" &
            tone 1000 "rtp://127.0.0.1:$port?localport=46020" &
            printf 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=party\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 46010 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' > "$DIR/party.sdp"
            printf 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=group\r\nc=IN IP4 239.255.42.42/1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=source-filter: incl IN IP4 239.255.42.42 127.0.0.1\r\n' > "$DIR/group.sdp"
            record() { ffmpeg -hide_banner -loglevel error -y -protocol_whitelist file,udp,rtp -i "$DIR/$1.sdp" -t 3 -ar 8000 -ac 1 "$DIR/$1-$2.wav" > "$DIR/record-$1-$2.log" 2>&1; }
            sleep 2
            record party mix & r1=$!; record group mix & r2=$!; wait $r1 $r2
            api hub-mix GET "/api/call-hubs/$hub"
            echo "hub-mix-body=$(tr -d '\n' < "$DIR/hub-mix.json")"
            api bind-forward PUT "/api/call-hubs/$hub/multicast" '{"group":"239.255.42.42:5004","ttl":1,"mode":"forward"}'
            sleep 1
            record party forward & r1=$!; record group forward & r2=$!; wait $r1 $r2
            api hub GET "/api/call-hubs/$hub"
            cat "$DIR/hub.json"; echo
            api unbind DELETE "/api/call-hubs/$hub/multicast"
            # A directory conference's group: its c= (group and TTL) and m= (port and codec).
            printf 'v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=Town hall\r\nc=IN IP4 239.255.42.44/3\r\nt=0 0\r\nm=audio 5008 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n' > "$DIR/town-hall.sdp"
            curl -s -o "$DIR/conference.json" -w "conference=%{http_code}\n" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/sdp' \
              --data-binary "@$DIR/town-hall.sdp" http://127.0.0.1:5080/api/conferences
            api second POST /api/call-hubs
            api bind-conference PUT "/api/call-hubs/$(id second)/multicast" "{\"conference\":\"$(id conference)\"}"
            echo "bound-conference=$(tr -d '\n' < "$DIR/bind-conference.json")"
            wait $capture
            kill $service; wait $service 2>/dev/null
            echo "== logs"
            cat "$DIR"/tone-*.log "$DIR"/record-*.log
            grep -o '"Message":"[^"]*"' "$DIR/service.log" | grep -v -i 'health check\|request' | tail -n 20
            """;
        var (_, output) = await NetworkNamespace.RunAsync(Script, new Dictionary<string, string>
        {
            ["RENDEZVOUS"] = Path.Combine(AppContext.BaseDirectory, "rendezvous.dll"),
            ["DIR"] = _dir,
            ["TOKEN"] = Token,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:5080",
            ["Rendezvous__PostgreSql__ConnectionString"] = connectionString,
            ["Rendezvous__Auth__BootstrapAdminToken"] = Token,
            ["Rendezvous__Media__MulticastInterface"] = "127.0.0.1",
            ["Rendezvous__Madcap__ServerEnabled"] = "false",
        }, TimeSpan.FromMinutes(2));
        return output;
    }
}
