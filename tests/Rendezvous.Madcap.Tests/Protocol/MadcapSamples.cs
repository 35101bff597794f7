using System.Net;
using Rendezvous.Madcap.Protocol;

namespace Rendezvous.Madcap.Tests.Protocol;

/// <summary>Messages and byte helpers shared by the codec tests.</summary>
internal static class MadcapSamples
{
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);

    public static readonly MadcapMessageType[] AllTypes = Enum.GetValues<MadcapMessageType>();

    public static readonly MadcapAddressFamily[] Families = [MadcapAddressFamily.IPv4, MadcapAddressFamily.IPv6];

    public static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static IPAddress Address(MadcapAddressFamily family, int last) => family == MadcapAddressFamily.IPv4
        ? new IPAddress(new byte[] { 239, 255, 0, (byte)last })
        : IPAddress.Parse($"ff15::{last:x}");

    public static MadcapList<byte> LeaseId { get; } = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0, 0xFF];

    /// <summary>The least message of a type that passes Table 5: exactly its MUST options.</summary>
    public static MadcapMessage Minimal(MadcapMessageType type, MadcapAddressFamily family = MadcapAddressFamily.IPv4)
    {
        var message = new MadcapMessage(type, family, 0x01020304);
        for (var code = MadcapOptionCode.LeaseTime; code <= MadcapOptionCode.Error; code++)
        {
            if (MadcapRules.Usage(type, code) == MadcapOptionUsage.Must)
            {
                message = With(message, code);
            }
        }

        return message;
    }

    /// <summary>The message with a sample value for one option (times come with Current Time where 2.12 needs it).</summary>
    public static MadcapMessage With(MadcapMessage m, MadcapOptionCode code) => code switch
    {
        MadcapOptionCode.LeaseTime => m with { LeaseTime = TimeSpan.FromHours(2) },
        MadcapOptionCode.ServerIdentifier => m with { ServerIdentifier = IPAddress.Parse("192.0.2.7") },
        MadcapOptionCode.LeaseIdentifier => m with { LeaseIdentifier = LeaseId },
        MadcapOptionCode.MulticastScope => m with { Scope = Address(m.Family, 0) },
        MadcapOptionCode.OptionRequestList => m with { OptionRequestList = [9, 12] },
        MadcapOptionCode.StartTime => m with { StartTime = Now.AddHours(1) },
        MadcapOptionCode.NumberOfAddressesRequested => m with { AddressesRequested = new(1, 4) },
        MadcapOptionCode.RequestedLanguage => m with { RequestedLanguage = "en-GB" },
        MadcapOptionCode.MulticastScopeList => m with { ScopeList = [new MadcapScope(Address(m.Family, 0), Address(m.Family, 255), 16, [new("en", "Local", true)])] },
        MadcapOptionCode.ListOfAddressRanges => m with { AddressRanges = [new(Address(m.Family, 10), 4)] },
        MadcapOptionCode.CurrentTime => m with { CurrentTime = Now },
        MadcapOptionCode.FeatureList => m with { Features = new([MadcapFeature.RetryAfter], [], []) },
        MadcapOptionCode.RetryTime => m with { RetryTime = Now.AddMinutes(5) },
        MadcapOptionCode.MinimumLeaseTime => m with { MinLeaseTime = TimeSpan.FromMinutes(30) },
        MadcapOptionCode.MaximumStartTime => m with { MaxStartTime = Now.AddHours(3) },
        MadcapOptionCode.Error => m with { Error = MadcapError.InvalidRequest(7) },
        MadcapOptionCode.MulticastScopeNestingState => m with { ScopeNestingState = [1, 2, 3] },
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    public static MadcapMessage Without(MadcapMessage m, MadcapOptionCode code) => code switch
    {
        MadcapOptionCode.LeaseTime => m with { LeaseTime = null },
        MadcapOptionCode.ServerIdentifier => m with { ServerIdentifier = null },
        MadcapOptionCode.LeaseIdentifier => m with { LeaseIdentifier = default },
        MadcapOptionCode.MulticastScope => m with { Scope = null },
        MadcapOptionCode.OptionRequestList => m with { OptionRequestList = default },
        MadcapOptionCode.Error => m with { Error = null },
        _ => throw new ArgumentOutOfRangeException(nameof(code), "only the MUST options of Table 5 are removed"),
    };

    /// <summary>A message of the type carrying every option Table 5 allows in it, with values that pass every rule.</summary>
    public static MadcapMessage Full(MadcapMessageType type, MadcapAddressFamily family)
    {
        var message = Minimal(type, family) with
        {
            UnknownOptions = [new(200, [0xDE, 0xAD]), new(18, [])],
            ScopeNestingState = [0x01, 0x00, 0x02],
        };
        for (var code = MadcapOptionCode.LeaseTime; code <= MadcapOptionCode.Error; code++)
        {
            if (MadcapRules.Usage(type, code) == MadcapOptionUsage.May)
            {
                message = With(message, code);
            }
        }

        // 3.13 / 2.13.2: the sample lists Retry After as supported only, which suits either side.
        return message with { ServerIdentifier = family == MadcapAddressFamily.IPv6 ? IPAddress.Parse("2001:db8::7") : message.ServerIdentifier };
    }
}
