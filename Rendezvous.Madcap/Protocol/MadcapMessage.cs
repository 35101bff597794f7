using System.Net;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// One MADCAP message (RFC 2730 section 2.1): the header and its options, each option a typed
/// property that is null (or empty) when absent. Immutable; compares by value.
/// </summary>
/// <remarks>
/// Times are whole seconds since 1970-01-01 UTC on the wire (sections 3.7, 3.12): sub-second parts
/// are dropped when encoding, and times before 1970 or after 2106-02-07 cannot be encoded.
/// Addresses in <see cref="Scope"/>, <see cref="ScopeList"/> and <see cref="AddressRanges"/> are of
/// the header's <see cref="Family"/>; <see cref="ServerIdentifier"/> carries its own (section 3.3).
/// </remarks>
public sealed record MadcapMessage(MadcapMessageType Type, MadcapAddressFamily Family, uint Xid)
{
    /// <summary>Option 1 (section 3.2): the lease's duration, whole seconds.</summary>
    public TimeSpan? LeaseTime { get; init; }

    /// <summary>Option 2 (section 3.3): the server's address, IPv4 or IPv6 whatever the header's family.</summary>
    public IPAddress? ServerIdentifier { get; init; }

    /// <summary>Option 3 (section 3.4): opaque to the server; at least one octet when present. Empty means absent.</summary>
    public MadcapList<byte> LeaseIdentifier { get; init; }

    /// <summary>Option 4 (section 3.5): the Scope ID, the lowest address of the scope.</summary>
    public IPAddress? Scope { get; init; }

    /// <summary>Option 5 (section 3.6): the option codes a GETINFO asks for. Empty means absent.</summary>
    public MadcapList<ushort> OptionRequestList { get; init; }

    /// <summary>Option 6 (section 3.7).</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Option 7 (section 3.8).</summary>
    public MadcapAddressCount? AddressesRequested { get; init; }

    /// <summary>Option 8 (section 3.9): an RFC 1766 language tag; may be empty when present.</summary>
    public string? RequestedLanguage { get; init; }

    /// <summary>Option 9 (section 3.10): null when absent; an empty list is a present option with count 0.</summary>
    public MadcapList<MadcapScope>? ScopeList { get; init; }

    /// <summary>Option 10 (section 3.11): null when absent; an empty list is present (Retry After, section 2.13.2).</summary>
    public MadcapList<MadcapAddressRange>? AddressRanges { get; init; }

    /// <summary>Option 11 (section 3.12): the sender's clock.</summary>
    public DateTimeOffset? CurrentTime { get; init; }

    /// <summary>Option 12 (section 3.13).</summary>
    public MadcapFeatureList? Features { get; init; }

    /// <summary>Option 13 (section 3.14).</summary>
    public DateTimeOffset? RetryTime { get; init; }

    /// <summary>Option 14 (section 3.15): whole seconds.</summary>
    public TimeSpan? MinLeaseTime { get; init; }

    /// <summary>Option 15 (section 3.16).</summary>
    public DateTimeOffset? MaxStartTime { get; init; }

    /// <summary>Option 16 (section 3.17).</summary>
    public MadcapError? Error { get; init; }

    /// <summary>
    /// Option 17 (RFC 2907, Multicast Scope Nesting State), kept as its raw value: its inner layout
    /// is not decoded by this codec. Null when absent.
    /// </summary>
    public MadcapList<byte>? ScopeNestingState { get; init; }

    /// <summary>Options with codes this codec does not know, in the order received (section 2.1.5: ignored, not fatal).</summary>
    public MadcapList<MadcapRawOption> UnknownOptions { get; init; }

    /// <summary>See <see cref="MadcapCodes.IsClientMessage(MadcapMessageType)"/>.</summary>
    public bool IsClientMessage => Type.IsClientMessage();

    /// <summary>Whether the option with this code is present in the message.</summary>
    public bool Has(MadcapOptionCode code) => code switch
    {
        MadcapOptionCode.End => true,
        MadcapOptionCode.LeaseTime => LeaseTime is not null,
        MadcapOptionCode.ServerIdentifier => ServerIdentifier is not null,
        MadcapOptionCode.LeaseIdentifier => !LeaseIdentifier.IsEmpty,
        MadcapOptionCode.MulticastScope => Scope is not null,
        MadcapOptionCode.OptionRequestList => !OptionRequestList.IsEmpty,
        MadcapOptionCode.StartTime => StartTime is not null,
        MadcapOptionCode.NumberOfAddressesRequested => AddressesRequested is not null,
        MadcapOptionCode.RequestedLanguage => RequestedLanguage is not null,
        MadcapOptionCode.MulticastScopeList => ScopeList is not null,
        MadcapOptionCode.ListOfAddressRanges => AddressRanges is not null,
        MadcapOptionCode.CurrentTime => CurrentTime is not null,
        MadcapOptionCode.FeatureList => Features is not null,
        MadcapOptionCode.RetryTime => RetryTime is not null,
        MadcapOptionCode.MinimumLeaseTime => MinLeaseTime is not null,
        MadcapOptionCode.MaximumStartTime => MaxStartTime is not null,
        MadcapOptionCode.Error => Error is not null,
        MadcapOptionCode.MulticastScopeNestingState => ScopeNestingState is not null,
        _ => UnknownOptions.AsSpan().ContainsCode((ushort)code),
    };
}

internal static class MadcapRawOptionSpan
{
    public static bool ContainsCode(this ReadOnlySpan<MadcapRawOption> options, ushort code)
    {
        foreach (var option in options)
        {
            if (option.Code == code)
            {
                return true;
            }
        }

        return false;
    }
}
