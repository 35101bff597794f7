using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rendezvous.Madcap.Protocol;

namespace Rendezvous.Madcap.Client;

/// <summary>How the client reaches servers and how patiently (RFC 2730 sections 2.3, 2.9 and 2.10).</summary>
public sealed record MadcapClientOptions
{
    /// <summary>A server to ask by unicast; null to ask by multicast on the scope's MADCAP server group.</summary>
    public IPEndPoint? Server { get; init; }

    /// <summary>The local address to send from (and, for multicast, the interface).</summary>
    public IPAddress LocalAddress { get; init; } = IPAddress.Any;

    /// <summary>The first retransmission's delay; each later one doubles it (section 2.3: 4 s).</summary>
    public TimeSpan FirstRetransmission { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>How many times a request is retransmitted (section 2.3: 3).</summary>
    public int Retransmissions { get; init; } = 3;

    /// <summary>When the client gives up on a request (section 2.3: 60 s after the first send).</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The TTL of multicast requests (section 2.10: 16 for the local scope).</summary>
    public int MulticastTtl { get; init; } = 16;

    /// <summary>The well-known port of servers asked by multicast.</summary>
    public int ServerPort { get; init; } = MadcapOptions.WellKnownPort;

    /// <summary>The schedule: sends at t, t+4, t+12, t+28 and gives up at t+60 with the defaults.</summary>
    public IEnumerable<TimeSpan> SendTimes()
    {
        var at = TimeSpan.Zero;
        var delay = FirstRetransmission;
        yield return at;
        for (var i = 0; i < Retransmissions; i++)
        {
            at += delay;
            if (at >= GiveUpAfter)
            {
                yield break;
            }

            yield return at;
            delay *= 2;
        }
    }
}

/// <summary>What a client may ask for (TAPI's MCAST_LEASE_REQUEST, with RFC 2730's options).</summary>
public sealed record MadcapLeaseRequest(IPAddress Scope)
{
    public TimeSpan? LeaseTime { get; init; }

    public TimeSpan? MinLeaseTime { get; init; }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? MaxStart { get; init; }

    public int MinCount { get; init; } = 1;

    public int Count { get; init; } = 1;
}

/// <summary>
/// A granted lease, with what is needed to renew or release it later (TAPI's CreateLeaseInfo):
/// it can be saved as JSON and loaded again, so a lease outlives the process that asked for it.
/// </summary>
public sealed record MadcapLease(
    [property: JsonConverter(typeof(LeaseJson.Base64Bytes))] byte[] LeaseIdentifier,
    [property: JsonConverter(typeof(LeaseJson.EndPointText))] IPEndPoint Server,
    [property: JsonConverter(typeof(LeaseJson.AddressText))] IPAddress ServerIdentifier,
    [property: JsonConverter(typeof(LeaseJson.AddressText))] IPAddress Scope,
    DateTimeOffset Start,
    DateTimeOffset End,
    [property: JsonConverter(typeof(LeaseJson.AddressListText))] IReadOnlyList<IPAddress> Addresses)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MadcapLease FromJson(string json) => JsonSerializer.Deserialize<MadcapLease>(json, Json)
        ?? throw new JsonException("the file holds no lease");
}

/// <summary>The lease file's JSON forms: base64 bytes, and addresses and end points as text.</summary>
internal static class LeaseJson
{
    internal sealed class Base64Bytes : JsonConverter<byte[]>
    {
        public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetBytesFromBase64();

        public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) => writer.WriteBase64StringValue(value);
    }

    internal sealed class AddressText : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPAddress.TryParse(reader.GetString(), out var address) ? address : throw new JsonException("not an IP address");

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    internal sealed class EndPointText : JsonConverter<IPEndPoint>
    {
        public override IPEndPoint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPEndPoint.TryParse(reader.GetString() ?? "", out var endPoint) ? endPoint : throw new JsonException("not an IP end point");

        public override void Write(Utf8JsonWriter writer, IPEndPoint value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    internal sealed class AddressListText : JsonConverter<IReadOnlyList<IPAddress>>
    {
        public override IReadOnlyList<IPAddress> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            [.. (JsonSerializer.Deserialize<string[]>(ref reader, options) ?? []).Select(a => IPAddress.TryParse(a, out var address) ? address : throw new JsonException("not an IP address"))];

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<IPAddress> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Select(a => a.ToString()).ToArray(), options);
    }
}

/// <summary>What a GETINFO found: the server that answered, its identifier and its scopes.</summary>
public sealed record MadcapInfo(IPEndPoint Server, IPAddress ServerIdentifier, IReadOnlyList<Protocol.MadcapScope> Scopes);

/// <summary>The server answered NAK (RFC 2730 section 3.17).</summary>
public sealed class MadcapNakException : Exception
{
    public MadcapNakException()
    {
    }

    public MadcapNakException(string message)
        : base(message)
    {
    }

    public MadcapNakException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MadcapNakException(MadcapError error)
        : base(Describe(error))
    {
        Error = error;
    }

    public MadcapError? Error { get; }

    private static string Describe(MadcapError error) => error.Code switch
    {
        MadcapErrorCode.ValidRequestCouldNotBeCompleted => $"the server could not grant the request (option {Option(error.OptionCode)})",
        MadcapErrorCode.InvalidRequest => $"the server found the request invalid (option {Option(error.OptionCode)})",
        MadcapErrorCode.ExcessiveClockSkew => $"this clock is too far from the server's ({error.ServerTime:O})",
        MadcapErrorCode.LeaseIdentifierNotRecognized => "the server does not know this lease",
        MadcapErrorCode.RequiredFeatureNotSupported => $"the server does not support the required features {string.Join(", ", error.Features)}",
        _ => $"the server refused with error {(ushort)error.Code}",
    };

    private static string Option(ushort? code) => code is null or MadcapCodes.NoOption ? "none named" : ((MadcapOptionCode)code.Value).ToString();
}

/// <summary>
/// A MADCAP client (RFC 2730; TAPI's IMcastAddressAllocation and the madcapcl API): GETINFO,
/// DISCOVER / OFFER / REQUEST / ACK, RENEW and RELEASE, with the section 2.3 retransmission
/// schedule. Each call is one transaction with a fresh xid; retransmissions repeat it unchanged.
/// </summary>
public sealed class MadcapClient(MadcapClientOptions options, TimeProvider? time = null)
{
    private static uint s_xid = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A new random Lease Identifier (section 2.4: type 0, then 16 random octets).</summary>
    public static byte[] NewLeaseIdentifier() => [0, .. RandomNumberGenerator.GetBytes(16)];

    /// <summary>Asks for the scopes (by unicast to the configured server, or on <paramref name="group"/>).</summary>
    public async Task<MadcapInfo> GetInfoAsync(string? language, IPAddress? group, CancellationToken cancellationToken)
    {
        var destination = Destination(group ?? IPAddress.Parse("239.255.255.254"));
        var request = New(MadcapMessageType.GetInfo, destination.Address, NewLeaseIdentifier()) with
        {
            OptionRequestList = MadcapList.Create<ushort>([(ushort)MadcapOptionCode.MulticastScopeList]),
            RequestedLanguage = language,
        };
        var (answer, from) = await TransactAsync(request, destination, cancellationToken).ConfigureAwait(false);
        return new MadcapInfo(from, answer.ServerIdentifier!, [.. answer.ScopeList ?? default]);
    }

    /// <summary>
    /// Leases addresses: by unicast REQUEST to the configured server, or by multicast DISCOVER on
    /// the scope's server group, taking the first OFFER, then REQUEST naming that server.
    /// </summary>
    public async Task<MadcapLease> RequestAsync(MadcapLeaseRequest request, IPAddress? serverGroup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var leaseId = NewLeaseIdentifier();
        var now = _time.GetUtcNow();
        MadcapMessage Ask(MadcapMessageType type, IPAddress family) => New(type, family, leaseId) with
        {
            Scope = request.Scope,
            LeaseTime = request.LeaseTime,
            MinLeaseTime = request.MinLeaseTime,
            StartTime = request.Start,
            MaxStartTime = request.MaxStart,
            CurrentTime = request.Start is not null || request.MaxStart is not null ? now : null,
            AddressesRequested = request.Count == 1 && request.MinCount == 1 ? null : new MadcapAddressCount((ushort)request.MinCount, (ushort)request.Count),
        };

        if (options.Server is { } server)
        {
            var (ack, from) = await TransactAsync(Ask(MadcapMessageType.Request, request.Scope), server, cancellationToken).ConfigureAwait(false);
            return LeaseOf(ack, leaseId, from);
        }

        var group = serverGroup ?? throw new ArgumentException("without a server, give the scope's MADCAP server group", nameof(serverGroup));
        var destination = new IPEndPoint(group, options.ServerPort);
        var (offer, _) = await TransactAsync(Ask(MadcapMessageType.Discover, request.Scope), destination, cancellationToken).ConfigureAwait(false);
        var (granted, grantedBy) = await TransactAsync(Ask(MadcapMessageType.Request, request.Scope) with { ServerIdentifier = offer.ServerIdentifier }, destination, cancellationToken).ConfigureAwait(false);
        return LeaseOf(granted, leaseId, grantedBy);
    }

    /// <summary>Renews a lease with the server that granted it; the new lease ends later.</summary>
    public async Task<MadcapLease> RenewAsync(MadcapLease lease, TimeSpan? leaseTime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var request = New(MadcapMessageType.Renew, lease.Scope, lease.LeaseIdentifier) with { LeaseTime = leaseTime };
        var (ack, from) = await TransactAsync(request, lease.Server, cancellationToken).ConfigureAwait(false);
        return LeaseOf(ack, lease.LeaseIdentifier, from);
    }

    /// <summary>Releases the whole lease.</summary>
    public async Task ReleaseAsync(MadcapLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await TransactAsync(New(MadcapMessageType.Release, lease.Scope, lease.LeaseIdentifier), lease.Server, cancellationToken).ConfigureAwait(false);
    }

    private IPEndPoint Destination(IPAddress group) => options.Server ?? new IPEndPoint(group, options.ServerPort);

    private static MadcapMessage New(MadcapMessageType type, IPAddress familyOf, byte[] leaseId) =>
        new(type, familyOf.AddressFamily == AddressFamily.InterNetworkV6 ? MadcapAddressFamily.IPv6 : MadcapAddressFamily.IPv4, Interlocked.Increment(ref s_xid))
        {
            LeaseIdentifier = MadcapList.Create<byte>(leaseId),
        };

    private MadcapLease LeaseOf(MadcapMessage ack, byte[] leaseId, IPEndPoint from)
    {
        var start = ack.StartTime ?? _time.GetUtcNow();
        IPAddress[] addresses = [.. (ack.AddressRanges ?? default).SelectMany(r => Enumerable.Range(0, r.BlockSize).Select(i => Leases.MadcapScope.Offset(r.Start, i)))];
        return new MadcapLease(leaseId, from, ack.ServerIdentifier!, ack.Scope!, start, start + (ack.LeaseTime ?? TimeSpan.Zero), addresses);
    }

    /// <summary>
    /// Sends the request on the section 2.3 schedule until a valid answer with its xid and Lease
    /// Identifier arrives (anything else is ignored, section 2.5). A NAK throws
    /// <see cref="MadcapNakException"/>; silence until the give-up time throws <see cref="TimeoutException"/>.
    /// </summary>
    private async Task<(MadcapMessage Answer, IPEndPoint From)> TransactAsync(MadcapMessage request, IPEndPoint destination, CancellationToken cancellationToken)
    {
        using var socket = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var local = options.LocalAddress.AddressFamily == destination.AddressFamily ? options.LocalAddress
            : destination.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        socket.Bind(new IPEndPoint(local, 0));
        if (Leases.MadcapScope.IsMulticast(destination.Address) && destination.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, options.MulticastTtl);
            if (!local.Equals(IPAddress.Any))
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, local.GetAddressBytes());
            }
        }

        var datagram = MadcapEncoder.Encode(request);
        var started = _time.GetTimestamp();
        var buffer = new byte[65_535];
        var schedule = options.SendTimes().ToList();
        for (var i = 0; i < schedule.Count; i++)
        {
            await socket.SendToAsync(datagram, SocketFlags.None, destination, cancellationToken).ConfigureAwait(false);
            var until = i + 1 < schedule.Count ? schedule[i + 1] : options.GiveUpAfter;
            while (true)
            {
                var left = until - _time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(left);
                SocketReceiveFromResult received;
                try
                {
                    received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(local, 0), wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException)
                {
                    continue; // an ICMP error for an earlier send: keep waiting for the schedule
                }

                var decoded = MadcapDecoder.Decode(buffer.AsSpan(0, received.ReceivedBytes));
                if (decoded.Message is not { } answer || answer.Xid != request.Xid || answer.LeaseIdentifier != request.LeaseIdentifier || !answer.Type.IsServerMessage())
                {
                    continue;
                }

                if (answer.Type == MadcapMessageType.Nak)
                {
                    throw new MadcapNakException(answer.Error ?? MadcapError.ValidRequestCouldNotBeCompleted());
                }

                if ((request.Type == MadcapMessageType.Discover) != (answer.Type == MadcapMessageType.Offer))
                {
                    continue;
                }

                return (answer, (IPEndPoint)received.RemoteEndPoint);
            }
        }

        throw new TimeoutException($"no MADCAP answer from {destination} within {options.GiveUpAfter.TotalSeconds:0.#} s ({schedule.Count} sends)");
    }
}
