using System.Net;

namespace Rendezvous.Madcap.Protocol;

/// <summary>RFC 2730 section 3.8: Number of Addresses Requested, min (2 octets) then desired (2 octets).</summary>
/// <param name="Minimum">Fewest addresses the client accepts; more than <paramref name="Desired"/> is an invalid request.</param>
public sealed record MadcapAddressCount(ushort Minimum, ushort Desired);

/// <summary>
/// RFC 2730 section 3.10: one name of a scope (a "zone name"): an RFC 1766 language tag and a
/// UTF-8 name, neither empty, each at most 255 octets.
/// </summary>
/// <param name="IsDefault">The flags' high bit: the name to use when none matches the requested language.</param>
public sealed record MadcapScopeName(string Language, string Name, bool IsDefault = false);

/// <summary>RFC 2730 section 3.10: one scope of a Multicast Scope List.</summary>
/// <param name="ScopeId">The lowest address of the scope (section 1.2), of the header's family.</param>
/// <param name="LastAddress">The highest address of the scope, of the header's family.</param>
/// <param name="Ttl">The largest TTL a client may use in the scope (section 2.8).</param>
public sealed record MadcapScope(IPAddress ScopeId, IPAddress LastAddress, byte Ttl, MadcapList<MadcapScopeName> Names);

/// <summary>RFC 2730 section 3.11: a block of <paramref name="BlockSize"/> consecutive addresses starting at <paramref name="Start"/>.</summary>
public sealed record MadcapAddressRange(IPAddress Start, ushort BlockSize);

/// <summary>
/// RFC 2730 section 3.13: the three feature lists. Servers leave <see cref="Requested"/> empty;
/// clients never list Retry After as requested or required (section 2.13.2).
/// </summary>
public sealed record MadcapFeatureList(
    MadcapList<MadcapFeature> Supported = default,
    MadcapList<MadcapFeature> Requested = default,
    MadcapList<MadcapFeature> Required = default);

/// <summary>
/// RFC 2730 section 3.17: the Error option. Which extra field is set depends on <see cref="Code"/>:
/// 0 and 1 carry <see cref="OptionCode"/> (an option code, or <see cref="MadcapCodes.NoOption"/>),
/// 2 carries <see cref="ServerTime"/>, 3 carries nothing, 4 carries <see cref="Features"/>, and any
/// other code (1024-2047 are experimental) carries opaque <see cref="Data"/>.
/// </summary>
public sealed record MadcapError(MadcapErrorCode Code)
{
    public ushort? OptionCode { get; init; }

    public DateTimeOffset? ServerTime { get; init; }

    public MadcapList<MadcapFeature> Features { get; init; }

    public MadcapList<byte> Data { get; init; }

    public static MadcapError ValidRequestCouldNotBeCompleted(ushort optionCode = MadcapCodes.NoOption) =>
        new(MadcapErrorCode.ValidRequestCouldNotBeCompleted) { OptionCode = optionCode };

    public static MadcapError InvalidRequest(ushort optionCode = MadcapCodes.NoOption) =>
        new(MadcapErrorCode.InvalidRequest) { OptionCode = optionCode };

    public static MadcapError ExcessiveClockSkew(DateTimeOffset serverTime) =>
        new(MadcapErrorCode.ExcessiveClockSkew) { ServerTime = serverTime };

    public static MadcapError LeaseIdentifierNotRecognized() => new(MadcapErrorCode.LeaseIdentifierNotRecognized);

    public static MadcapError RequiredFeatureNotSupported(params ReadOnlySpan<MadcapFeature> features) =>
        new(MadcapErrorCode.RequiredFeatureNotSupported) { Features = MadcapList.Create(features) };
}

/// <summary>
/// An option this codec has no type for. RFC 2730 section 2.1.5: unknown options are ignored,
/// so they are kept as they came (code and value) instead of failing the message.
/// </summary>
public sealed record MadcapRawOption(ushort Code, MadcapList<byte> Value);
