using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Rendezvous.Api.Auth;
using Rendezvous.Directory.Catalog;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Api.Conferences;

/// <summary>A draft ready to store, or the problem that stops it, and the warnings found on the way.</summary>
internal sealed record DraftResult(ConferenceDraft? Draft, IResult? Problem, IReadOnlyList<SdpDiagnostic> Warnings)
{
    public static DraftResult Failed(IResult problem) => new(null, problem, []);
}

/// <summary>Turns request bodies (SDP text or JSON) into conference drafts.</summary>
internal sealed partial class ConferenceDrafts(TimeProvider time, IEnumerable<IMulticastAddressSource> addressSources, ILogger<ConferenceDrafts> logger)
{
    private const string Auto = "auto";

    private readonly IMulticastAddressSource? _addresses = addressSources.LastOrDefault(s => s.Available);

    /// <summary>An SDP body: parsed in the requested mode; every error is reported with its line and field.</summary>
    public static DraftResult FromSdp(ReadOnlySpan<byte> body, bool lenient, SdpAdvertisingScope? scope)
    {
        var options = (lenient ? SdpParseOptions.Lenient : SdpParseOptions.Strict) with { AdvertisingScope = scope };
        if (SdpDocument.TryParse(body, options, out var result) is not { } document)
        {
            return DraftResult.Failed(Problems.InvalidSdp(result.Diagnostics));
        }

        return new DraftResult(new ConferenceDraft(document, scope ?? InferScope(document.Description)), null, [.. result.Warnings]);
    }

    /// <summary>A JSON body: every field is checked, and the SDP is written by the server.</summary>
    public async Task<DraftResult> FromJsonAsync(ConferenceRequest request, CallerIdentity caller, CancellationToken cancellationToken)
    {
        var findings = new Findings();
        var errors = findings.Errors;
        void Error(string field, string message) => findings.Error(field, message);

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            Error("name", "is required");
        }

        CheckText(request.Name, "name", Error);
        CheckText(request.Description, "description", Error);
        CheckText(request.Url, "url", Error);
        var scope = request.AdvertisingScope ?? SdpAdvertisingScope.Site;
        var schedule = Schedule(request, Error);
        if (request.Media is null or { Count: 0 })
        {
            Error("media", "needs at least one media section");
        }

        var sessionConnection = await ConnectionAsync(request.Connection, "connection", scope, request, caller, findings, cancellationToken).ConfigureAwait(false);
        var media = new List<SdpMedia>();
        for (var i = 0; i < (request.Media?.Count ?? 0); i++)
        {
            if (await MediaAsync(request.Media![i], $"media[{i}]", scope, request, caller, needsConnection: request.Connection is null, findings, cancellationToken).ConfigureAwait(false) is { } m)
            {
                media.Add(m);
            }
        }

        // A draft that fails gives back the addresses leased for it on the way.
        async Task<DraftResult> FailAsync(IResult problem)
        {
            await ReleaseAsync(findings.Leases.Select(l => l.Handle), CancellationToken.None).ConfigureAwait(false);
            return DraftResult.Failed(problem);
        }

        if (errors.Count > 0)
        {
            return await FailAsync(TypedResults.ValidationProblem(errors, title: "The conference is not valid.")).ConfigureAwait(false);
        }

        if (findings.NeedsAddressSource)
        {
            return await FailAsync(Problems.NoAddressSource()).ConfigureAwait(false);
        }

        var description = SdpEditing.Create(Username(caller), Dns.GetHostName(), request.Name!.Trim(), time) with
        {
            Information = request.Description,
            Uri = request.Url,
            Connection = sessionConnection,
            Times = [schedule!],
            Media = [.. media],
        };
        var issues = SdpValidator.Validate(description, scope);
        if (issues.Any(d => d.Severity == SdpSeverity.Error))
        {
            return await FailAsync(Problems.InvalidSdp(issues)).ConfigureAwait(false);
        }

        // Without "auto" the draft carries no leases (null), so an update keeps the conference's own.
        IReadOnlyList<string>? leases = findings.Leases.Count > 0 ? [.. findings.Leases.Select(l => l.Handle)] : null;
        return new DraftResult(new ConferenceDraft(SdpDocument.FromDescription(description), scope, leases), null, [.. issues]);
    }

    /// <summary>
    /// The advertising scope a description implies when none is given: from the widest TTL of
    /// its IPv4 groups (TAPI's local 1, site 15, region 63, world 127), or the IPv6 scope field.
    /// </summary>
    public static SdpAdvertisingScope InferScope(SessionDescription description)
    {
        var widest = SdpAdvertisingScope.Local;
        foreach (var connection in description.Media.SelectMany(m => m.Connections).Append(description.Connection).OfType<SdpConnection>())
        {
            SdpAdvertisingScope scope;
            if (connection.Ttl is { } ttl)
            {
                scope = ttl <= 1 ? SdpAdvertisingScope.Local : ttl <= 15 ? SdpAdvertisingScope.Site : ttl <= 63 ? SdpAdvertisingScope.Region : SdpAdvertisingScope.World;
            }
            else if (IPAddress.TryParse(connection.Address, out var ip) && ip.IsIPv6Multicast)
            {
                scope = (ip.GetAddressBytes()[1] & 0x0F) switch
                {
                    <= 2 => SdpAdvertisingScope.Local,
                    <= 5 => SdpAdvertisingScope.Site,
                    8 => SdpAdvertisingScope.Region,
                    _ => SdpAdvertisingScope.World,
                };
            }
            else
            {
                continue;
            }

            widest = (SdpAdvertisingScope)Math.Max((int)widest, (int)scope);
        }

        return widest;
    }

    private static SdpTime? Schedule(ConferenceRequest request, Action<string, string> error)
    {
        if (request.Stop is not null && request.Start is null)
        {
            error("start", "is required when stop is given");
            return null;
        }

        if (request.Start is { } start && request.Stop is { } stop && stop <= start)
        {
            error("stop", "must be after start");
            return null;
        }

        if (request.Start is { } s && s.Year < 1900)
        {
            error("start", "must be after 1900");
            return null;
        }

        var time = request.Start is null
            ? new SdpTime(0, 0)
            : new SdpTime(NtpTime.FromDateTimeOffset(request.Start.Value), request.Stop is { } end ? NtpTime.FromDateTimeOffset(end) : 0);
        var repeats = new List<SdpRepeat>();
        for (var i = 0; i < (request.Repeats?.Count ?? 0); i++)
        {
            var repeat = request.Repeats![i];
            var field = $"repeats[{i}]";
            if (request.Start is null)
            {
                error(field, "needs a start time to repeat from");
                continue;
            }

            var ok = TypedTime(repeat.Interval, $"{field}.interval", error, out var interval);
            ok &= TypedTime(repeat.Duration, $"{field}.duration", error, out var duration);
            var offsets = new List<SdpTypedTime>();
            var offsetTexts = repeat.Offsets is { Count: > 0 } o ? o : ["0"];
            for (var j = 0; j < offsetTexts.Count; j++)
            {
                ok &= TypedTime(offsetTexts[j], $"{field}.offsets[{j}]", error, out var offset);
                offsets.Add(offset);
            }

            if (ok && interval.TotalSeconds == 0)
            {
                error($"{field}.interval", "must be more than 0");
            }
            else if (ok)
            {
                repeats.Add(new SdpRepeat(interval, duration, [.. offsets]));
            }
        }

        return time with { Repeats = [.. repeats] };
    }

    private static bool TypedTime(string? text, string field, Action<string, string> error, out SdpTypedTime value)
    {
        if (text is not null && SdpTypedTime.TryParse(text, allowNegative: false, out value))
        {
            return true;
        }

        value = default;
        error(field, "must be a typed time: digits with an optional unit d, h, m or s (e.g. \"7d\", \"90m\", \"3600\")");
        return false;
    }

    private async Task<SdpConnection?> ConnectionAsync(ConnectionRequest? connection, string field, SdpAdvertisingScope scope, ConferenceRequest request, CallerIdentity caller, Findings findings, CancellationToken cancellationToken)
    {
        var error = findings.Error;
        if (connection is null)
        {
            return null;
        }

        var count = connection.Count;
        if (count is < 1 or > 256)
        {
            error($"{field}.count", "must be from 1 to 256");
            return null;
        }

        if (string.Equals(connection.Address, Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (_addresses is null)
            {
                findings.NeedsAddressSource = true;
                return null;
            }

            MulticastAddressLease lease;
            try
            {
                lease = await _addresses.AllocateAsync(new MulticastAddressRequest(scope, count ?? 1, request.Start, request.Stop, caller.Subject), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                error($"{field}.address", $"no multicast address could be leased: {e.Message}");
                return null;
            }

            findings.Leases.Add(lease);
            var first = lease.Addresses[0];
            return new SdpConnection("IN", first.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4", first.ToString(),
                first.AddressFamily == AddressFamily.InterNetwork ? lease.Ttl : null, count);
        }

        if (!IPAddress.TryParse(connection.Address, out var address))
        {
            error($"{field}.address", "must be an IP address, or \"auto\"");
            return null;
        }

        var ip4 = address.AddressFamily == AddressFamily.InterNetwork;
        if (ip4 && connection.Ttl is null && (address.GetAddressBytes()[0] & 0xF0) == 0xE0)
        {
            error($"{field}.ttl", "is required for an IPv4 multicast group");
            return null;
        }

        if (connection.Ttl is < 0 or > 255)
        {
            error($"{field}.ttl", "must be from 0 to 255");
            return null;
        }

        return new SdpConnection("IN", ip4 ? "IP4" : "IP6", address.ToString(), ip4 ? connection.Ttl : null, count);
    }

    private async Task<SdpMedia?> MediaAsync(MediaRequest media, string field, SdpAdvertisingScope scope, ConferenceRequest request, CallerIdentity caller, bool needsConnection, Findings findings, CancellationToken cancellationToken)
    {
        var error = findings.Error;
        var ok = true;
        if (string.IsNullOrWhiteSpace(media.Kind) || !media.Kind.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            error($"{field}.kind", "is required: audio, video, text, application or another token");
            ok = false;
        }

        if (media.Port is not (>= 0 and <= 65535))
        {
            error($"{field}.port", "is required: 0-65535");
            ok = false;
        }

        if (media.PortCount is < 1)
        {
            error($"{field}.portCount", "must be at least 1");
            ok = false;
        }

        var proto = media.Proto ?? "RTP/AVP";
        if (proto.Length == 0 || proto.Split('/').Any(p => p.Length == 0 || !p.All(char.IsAsciiLetterOrDigit)))
        {
            error($"{field}.proto", "must be tokens separated by '/', e.g. RTP/AVP");
            ok = false;
        }

        var formats = new List<string>();
        var attributes = new List<SdpAttribute>();
        if (media.Codecs is null or { Count: 0 })
        {
            error($"{field}.codecs", "needs at least one codec");
            ok = false;
        }

        for (var i = 0; i < (media.Codecs?.Count ?? 0); i++)
        {
            var codec = media.Codecs![i];
            if (codec.PayloadType is not (>= 0 and <= 127))
            {
                error($"{field}.codecs[{i}].payloadType", "is required: 0-127");
                ok = false;
                continue;
            }

            formats.Add(codec.PayloadType.Value.ToString(CultureInfo.InvariantCulture));
            if (codec.Name is not null || codec.PayloadType >= 96)
            {
                // RFC 3551: dynamic payload types (96-127) must be described by a=rtpmap.
                if (string.IsNullOrWhiteSpace(codec.Name) || codec.ClockRate is not > 0 || codec.Name.Any(c => c is ' ' or '/' or '\r' or '\n'))
                {
                    error($"{field}.codecs[{i}]", "needs a name and a clock rate (dynamic payload types 96-127 always do)");
                    ok = false;
                    continue;
                }

                var channels = codec.Channels is > 1 ? $"/{codec.Channels}" : "";
                attributes.Add(new SdpAttribute("rtpmap", $"{codec.PayloadType} {codec.Name}/{codec.ClockRate}{channels}"));
            }
        }

        var connection = await ConnectionAsync(media.Connection, $"{field}.connection", scope, request, caller, findings, cancellationToken).ConfigureAwait(false);
        if (connection is null && needsConnection && media.Connection is null)
        {
            error($"{field}.connection", "is required when there is no session connection");
            ok = false;
        }

        return ok
            ? new SdpMedia(media.Kind!, media.Port!.Value, media.PortCount, proto, [.. formats])
            {
                Connections = connection is null ? [] : [connection],
                Attributes = [.. attributes],
            }
            : null;
    }

    private static void CheckText(string? value, string field, Action<string, string> error)
    {
        if (value is not null && value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            error(field, "must not contain line breaks");
        }
    }

    /// <summary>What checking a JSON conference found: errors by field, and whether "auto" needs an address source that is missing.</summary>
    private sealed class Findings
    {
        public Dictionary<string, string[]> Errors { get; } = [];

        public bool NeedsAddressSource { get; set; }

        /// <summary>Leases taken for "auto" connections; released again when the draft fails.</summary>
        public List<MulticastAddressLease> Leases { get; } = [];

        public void Error(string field, string message) => Errors[field] = [.. Errors.GetValueOrDefault(field) ?? [], message];
    }

    /// <summary>Renews leases so that they last until <paramref name="until"/>; returns the new handles (the old ones where renewing failed).</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(IReadOnlyList<string> handles, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        if (_addresses is null || handles.Count == 0)
        {
            return handles;
        }

        var renewed = new List<string>(handles.Count);
        foreach (var handle in handles)
        {
            try
            {
                renewed.Add((await _addresses.RenewAsync(handle, until, cancellationToken).ConfigureAwait(false)).Handle);
            }
            catch (InvalidOperationException e)
            {
                Log.LeaseNotRenewed(logger, e.Message);
                renewed.Add(handle);
            }
        }

        return renewed;
    }

    /// <summary>Releases leases, best effort: a lease not released now expires at its end anyway.</summary>
    public async Task ReleaseAsync(IEnumerable<string> handles, CancellationToken cancellationToken)
    {
        if (_addresses is null)
        {
            return;
        }

        foreach (var handle in handles)
        {
            try
            {
                await _addresses.ReleaseAsync(handle, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                Log.LeaseNotReleased(logger, e.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3301, LogLevel.Warning, "A conference's multicast address lease was not renewed: {Reason}")]
        public static partial void LeaseNotRenewed(ILogger logger, string reason);

        [LoggerMessage(3302, LogLevel.Warning, "A multicast address lease was not released (it expires at its end): {Reason}")]
        public static partial void LeaseNotReleased(ILogger logger, string reason);
    }

    /// <summary>The o= username: the caller's subject without white space (RFC 8866: non-ws-string).</summary>
    private static string Username(CallerIdentity caller)
    {
        var name = new string([.. caller.Subject.Where(c => c > ' ' && c != 0x7F)]);
        return name.Length == 0 ? "-" : name;
    }
}
