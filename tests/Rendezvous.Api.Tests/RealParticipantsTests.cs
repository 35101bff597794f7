using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>Real-time tests with real programs run alone, so that parallel CPU-bound tests cannot starve their 20 ms timing.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTime
{
    public const string Name = "RealTime";
}

/// <summary>
/// The basic conference flow with real participants: ffmpeg sends a sine tone per party (20 ms
/// PCMU packets from a fixed source port) and a separate ffmpeg per party records what the switch
/// sends it. Goertzel filters check who hears which tone; tshark dissects our RTP and RTCP on the wire.
/// </summary>
[Collection(RealTime.Name)]
public sealed class RealParticipantsTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int MediaPorts = 45600;
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private sealed record Party(string Name, int Frequency, int Source, int Receive)
    {
        public string? Call { get; set; }
    }

    [Fact]
    public async Task Three_ffmpeg_parties_each_hear_the_others_but_not_themselves_and_the_two_left_hear_each_other_through_the_relay()
    {
        await ServerPackages.EnsureInstalledAsync();
        using var host = await ConferenceApiHost.StartAsync(postgres, Now, values =>
        {
            values["Rendezvous:Media:RtpPortMin"] = MediaPorts.ToString(CultureInfo.InvariantCulture);
            values["Rendezvous:Media:RtpPortMax"] = (MediaPorts + 15).ToString(CultureInfo.InvariantCulture);
        });
        using var api = host.Client(ConferenceApiHost.AliceToken);
        var work = System.IO.Directory.CreateTempSubdirectory("rendezvous-ffmpeg-");
        try
        {
            Party[] parties = [new("alice", 440, FreeEvenPort(), FreeEvenPort()), new("bob", 1000, FreeEvenPort(), FreeEvenPort()), new("carol", 1700, FreeEvenPort(), FreeEvenPort())];
            var (alice, bob, carol) = (parties[0], parties[1], parties[2]);

            // tshark records everything on loopback to and from our media ports for the whole test.
            var capture = Path.Combine(work.FullName, "media.pcapng");
            var tshark = ProcessRunner.RunAsync("tshark", ["-i", "lo", "-q", "-f", $"udp portrange {MediaPorts}-{MediaPorts + 15}", "-a", "duration:20", "-w", capture], TimeSpan.FromSeconds(40));
            await Task.Delay(1500); // capture running before the first packet

            // 1. A two-party call between Alice and Bob.
            alice.Call = await CreateAsync(api, alice);
            bob.Call = await CreateAsync(api, bob);
            var senders = new List<Task<string>> { Send(alice, await LocalPortAsync(api, alice.Call)), Send(bob, await LocalPortAsync(api, bob.Call)) };
            await PostAsync(api, $"/api/calls/{alice.Call}/connect", new { peer = bob.Call });

            // 2-4. Alice sets up a conference, consults Carol and adds her.
            var setup = await PostAsync(api, $"/api/calls/{alice.Call}/setup-conference", null);
            var hub = setup.GetProperty("hub").GetProperty("id").GetString()!;
            carol.Call = setup.GetProperty("consultationCall").GetProperty("id").GetString()!;
            await PostAsync(api, $"/api/calls/{carol.Call}/dial", new { remote = $"127.0.0.1:{carol.Receive}", source = $"127.0.0.1:{carol.Source}" });
            senders.Add(Send(carol, setup.GetProperty("consultationCall").GetProperty("localPort").GetInt32()));
            await PostAsync(api, $"/api/call-hubs/{hub}/add", new { call = carol.Call });
            await Task.Delay(1000); // jitter buffers fill

            var conference = await Task.WhenAll(parties.Select(p => RecordAsync(work, p, "conference", seconds: 3)));

            // Carol is removed: Alice and Bob revert to a two-party call, relayed.
            await PostAsync(api, $"/api/calls/{carol.Call}/remove-from-conference", null);
            await Task.Delay(500);
            var relayed = await Task.WhenAll(new[] { alice, bob }.Select(p => RecordAsync(work, p, "relay", seconds: 2)));

            // N-1: each hears both others, clearly, and not itself.
            for (var i = 0; i < 3; i++)
            {
                var heard = conference[i];
                var others = parties.Where((_, j) => j != i).ToArray();
                foreach (var other in others)
                {
                    Assert.True(Share(heard, other.Frequency) > 0.15, $"{parties[i].Name} should hear {other.Name}'s {other.Frequency} Hz: {Describe(heard, parties)}");
                }

                Assert.True(Share(heard, parties[i].Frequency) < 0.01, $"{parties[i].Name} hears itself: {Describe(heard, parties)}");
            }

            // The relay: Alice hears only Bob, Bob only Alice.
            Assert.True(Share(relayed[0], bob.Frequency) > 0.8, $"alice after the removal: {Describe(relayed[0], parties)}");
            Assert.True(Share(relayed[1], alice.Frequency) > 0.8, $"bob after the removal: {Describe(relayed[1], parties)}");

            await Task.WhenAll(senders);
            await tshark;

            // tshark: our RTP dissects cleanly, with nothing malformed and no warnings.
            var decodeAs = parties.SelectMany(p => new[] { "-d", $"udp.port=={p.Receive},rtp", "-d", $"udp.port=={p.Receive + 1},rtcp" }).Concat(
                Enumerable.Range(0, 8).SelectMany(n => new[] { "-d", $"udp.port=={MediaPorts + 2 * n},rtp", "-d", $"udp.port=={MediaPorts + 2 * n + 1},rtcp" }));
            var problems = await ProcessRunner.RunAsync("tshark", ["-r", capture, .. decodeAs, "-Y", "_ws.malformed || _ws.expert.severity >= warning"], TimeSpan.FromSeconds(60));
            Assert.True(string.IsNullOrWhiteSpace(Strip(problems)), $"tshark flagged packets:\n{problems}");
            var rtp = await ProcessRunner.RunAsync("tshark", ["-r", capture, .. decodeAs, "-Y", "rtp && udp.srcport >= " + MediaPorts + " && udp.srcport <= " + (MediaPorts + 15), "-T", "fields", "-e", "rtp.p_type"], TimeSpan.FromSeconds(60));
            var ours = Strip(rtp).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(ours.Length > 300, $"only {ours.Length} RTP packets from our ports");
            Assert.All(ours, pt => Assert.Equal("0", pt.Trim()));
            var reports = await ProcessRunner.RunAsync("tshark", ["-r", capture, .. decodeAs, "-Y", "rtcp && udp.srcport >= " + MediaPorts + " && udp.srcport <= " + (MediaPorts + 15), "-T", "fields", "-e", "rtcp.pt"], TimeSpan.FromSeconds(60));
            var ourReports = Strip(reports).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(ourReports.Length >= 3, $"only {ourReports.Length} RTCP packets from our ports");
            Assert.Contains(ourReports, r => r.Contains("200", StringComparison.Ordinal)); // sender reports
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<string> CreateAsync(HttpClient api, Party party)
    {
        var created = await PostAsync(api, "/api/calls", new { remote = $"127.0.0.1:{party.Receive}", source = $"127.0.0.1:{party.Source}", codec = "PCMU" }, HttpStatusCode.Created);
        return created.GetProperty("id").GetString()!;
    }

    private static async Task<int> LocalPortAsync(HttpClient api, string call) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/calls/{call}")).GetProperty("localPort").GetInt32();

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await api.PostAsync(path, body is null ? null : JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected || (expected == HttpStatusCode.OK && response.StatusCode == HttpStatusCode.Created), $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>ffmpeg sends the party's tone as 20 ms PCMU packets from its fixed source port, for the rest of the test.</summary>
    private static Task<string> Send(Party party, int legPort) => ProcessRunner.RunAsync("ffmpeg",
        ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", $"sine=frequency={party.Frequency}:sample_rate=8000:samples_per_frame=160",
         "-t", "12", "-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1", "-f", "rtp", $"rtp://127.0.0.1:{legPort}?localport={party.Source}"],
        TimeSpan.FromSeconds(40));

    /// <summary>A separate ffmpeg records what the switch sends the party, as 16-bit WAV; returns its samples.</summary>
    private static async Task<short[]> RecordAsync(DirectoryInfo work, Party party, string phase, int seconds)
    {
        var sdp = Path.Combine(work.FullName, $"{party.Name}-{phase}.sdp");
        await File.WriteAllTextAsync(sdp, $"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns={party.Name}\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {party.Receive} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
        var wav = Path.Combine(work.FullName, $"{party.Name}-{phase}.wav");
        await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-protocol_whitelist", "file,udp,rtp", "-i", sdp, "-t", $"{seconds}", "-ar", "8000", "-ac", "1", wav], TimeSpan.FromSeconds(20));
        var samples = await Tones.ReadWavAsync(wav);

        Assert.True(samples.Length >= 8000 * (seconds - 1), $"{party.Name} recorded only {samples.Length} samples");
        return samples;
    }

    private static double Share(short[] samples, int frequency) => Tones.Share(samples, frequency);

    private static string Describe(short[] samples, Party[] parties) => Tones.Describe(samples, [.. parties.Select(p => p.Frequency)]);

    private static int FreeEvenPort()
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (port % 2 == 0 && port < 65000)
            {
                return port; // even, so that RTCP (port + 1) pairs with it
            }
        }
    }

    /// <summary>tshark's own notice about running as root is not a finding.</summary>
    private static string Strip(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("Running as user", StringComparison.Ordinal)));
}
