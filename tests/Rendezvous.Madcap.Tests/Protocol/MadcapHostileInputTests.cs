using Rendezvous.Madcap.Protocol;
using static Rendezvous.Madcap.Tests.Protocol.MadcapSamples;
using E = Rendezvous.Madcap.Protocol.MadcapDecodeError;
using S = Rendezvous.Madcap.Protocol.MadcapDecodeStatus;

namespace Rendezvous.Madcap.Tests.Protocol;

/// <summary>Hand-written hostile datagrams, each with the exact verdict, offset and option expected.</summary>
public sealed class MadcapHostileInputTests
{
    // Building blocks. REQUEST (IPv4, xid 1) needs a Lease Identifier and a Multicast Scope; with
    // both, options after them start at offset 21. ACK and NAK start with a Server Identifier and a
    // Lease Identifier; options after them start at offset 23.
    private const string Request = "00 03 0001 00000001";
    private const string Ack = "00 05 0001 00000001 0002 0006 0001 C0000207 0003 0001 AA";
    private const string Nak = "00 06 0001 00000001 0002 0006 0001 C0000207 0003 0001 AA";
    private const string GetInfo = "00 08 0001 00000001 0003 0001 AA";
    private const string Lease = "0003 0001 AA";
    private const string Scope = "0004 0004 EFFF0000";
    private const string End = "0000 0000";
    private const int NoOption = 0xFFFF;

    [Theory]
    // Framing: ignored (RFC 2730 sections 2.1, 2.1.5, 2.6).
    [InlineData("empty", "", S.Ignore, E.TooShort, 0, NoOption)]
    [InlineData("header only", Request, S.Ignore, E.TooShort, 8, NoOption)]
    [InlineData("one octet short of header+End", Request + "0000 00", S.Ignore, E.TooShort, 11, NoOption)]
    [InlineData("version 1", "01 03 0001 00000001" + Lease + Scope + End, S.Ignore, E.UnsupportedVersion, 0, NoOption)]
    [InlineData("version 255", "FF 03 0001 00000001" + Lease + Scope + End, S.Ignore, E.UnsupportedVersion, 0, NoOption)]
    [InlineData("no End", Request + Lease + Scope, S.Ignore, E.MissingEnd, 21, NoOption)]
    [InlineData("End not last", Request + End + Lease + Scope, S.Ignore, E.DataAfterEnd, 12, NoOption)]
    [InlineData("two Ends", Request + Lease + Scope + End + End, S.Ignore, E.DataAfterEnd, 25, NoOption)]
    [InlineData("one stray octet after End", Request + Lease + Scope + End + "00", S.Ignore, E.DataAfterEnd, 25, NoOption)]
    [InlineData("End with a length", Request + Lease + Scope + "0000 0001 00", S.Ignore, E.EndLengthNotZero, 21, NoOption)]
    [InlineData("option header cut", Request + Lease + "0004 00", S.Ignore, E.OptionHeaderTruncated, 13, NoOption)]
    [InlineData("option value cut", Request + "0003 0010 AABB", S.Ignore, E.OptionValueTruncated, 8, NoOption)]
    [InlineData("length overruns by one into End", Request + Lease + "0004 0009 EFFF0000" + End, S.Ignore, E.OptionValueTruncated, 13, NoOption)]
    [InlineData("length 0xFFFF", Request + Lease + "0004 FFFF EFFF0000" + End, S.Ignore, E.OptionValueTruncated, 13, NoOption)]
    // Header values: invalid requests naming no option.
    [InlineData("message type 9", "00 09 0001 00000001" + Lease + End, S.InvalidRequest, E.UnknownMessageType, 1, NoOption)]
    [InlineData("message type 0", "00 00 0001 00000001" + Lease + End, S.InvalidRequest, E.UnknownMessageType, 1, NoOption)]
    [InlineData("address family 3", "00 03 0003 00000001" + Lease + Scope + End, S.InvalidRequest, E.UnknownAddressFamily, 2, NoOption)]
    [InlineData("address family 0", "00 03 0000 00000001" + Lease + Scope + End, S.InvalidRequest, E.UnknownAddressFamily, 2, NoOption)]
    // Duplicates (2.1.5).
    [InlineData("Lease Identifier twice", Request + Lease + Scope + Lease + End, S.InvalidRequest, E.DuplicateOption, 21, 3)]
    [InlineData("unknown option twice", Request + Lease + Scope + "0100 0000 0100 0000" + End, S.InvalidRequest, E.DuplicateOption, 25, 256)]
    // Lengths (section 3).
    [InlineData("Lease Time length 3", Request + Lease + Scope + "0001 0003 000E10" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 1)]
    [InlineData("Lease Time length 5", Request + Lease + Scope + "0001 0005 00000E1000" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 1)]
    [InlineData("Lease Identifier empty", Request + "0003 0000" + Scope + End, S.InvalidRequest, E.OptionLengthInvalid, 8, 3)]
    [InlineData("IPv6-sized scope in IPv4", Request + Lease + "0004 0010 FF150000000000000000000000000000" + End, S.InvalidRequest, E.OptionLengthInvalid, 13, 4)]
    [InlineData("IPv4-sized scope in IPv6", "00 03 0002 00000001" + Lease + Scope + End, S.InvalidRequest, E.OptionLengthInvalid, 13, 4)]
    [InlineData("Server Identifier cut", Request + Lease + Scope + "0002 0005 0001 C00002" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 2)]
    [InlineData("Server Identifier too short for a family", Request + Lease + Scope + "0002 0002 0001" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 2)]
    [InlineData("Server Identifier of family 3", Request + Lease + Scope + "0002 0006 0003 C0000207" + End, S.InvalidRequest, E.OptionValueInvalid, 21, 2)]
    [InlineData("Option Request List odd", GetInfo + "0005 0003 000900" + End, S.InvalidRequest, E.OptionLengthInvalid, 13, 5)]
    [InlineData("Option Request List empty", GetInfo + "0005 0000" + End, S.InvalidRequest, E.OptionLengthInvalid, 13, 5)]
    [InlineData("Number of Addresses length 2", Request + Lease + Scope + "0007 0002 0001" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 7)]
    [InlineData("Current Time length 8", Request + Lease + Scope + "000B 0008 000000006AB13B80" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 11)]
    [InlineData("Address Ranges not whole entries", Request + Lease + Scope + "000A 0007 EFFF0001 0004 00" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 10)]
    [InlineData("Feature List shorter than 6", Request + Lease + Scope + "000C 0004 0000 0000" + End, S.InvalidRequest, E.OptionLengthInvalid, 21, 12)]
    [InlineData("Error 1 without its option code", Nak + "0010 0003 0001 00" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 16)]
    [InlineData("Error 2 without the server time", Nak + "0010 0004 0002 6AB1" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 16)]
    [InlineData("Error 3 with extra data", Nak + "0010 0004 0003 0000" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 16)]
    [InlineData("Error 4 with half a feature", Nak + "0010 0003 0004 00" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 16)]
    [InlineData("Error with no code", Nak + "0010 0001 00" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 16)]
    // Nested structures (3.10, 3.13).
    [InlineData("Feature List count overruns", Request + Lease + Scope + "000C 0006 0005 0000 0000" + End, S.InvalidRequest, E.OptionValueInvalid, 21, 12)]
    [InlineData("Feature List trailing octets", Request + Lease + Scope + "000C 0008 0000 0000 0000 0001" + End, S.InvalidRequest, E.OptionValueInvalid, 21, 12)]
    [InlineData("Scope List empty", Ack + "0009 0000" + End, S.InvalidRequest, E.OptionLengthInvalid, 23, 9)]
    [InlineData("Scope List count 2, one scope", Ack + "0009 0015 02 EFFF0000 EFFFFFFF 10 01 80 02 656E 05 6C6F63616C" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List name count overruns", Ack + "0009 0015 01 EFFF0000 EFFFFFFF 10 02 80 02 656E 05 6C6F63616C" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List name length overruns", Ack + "0009 0015 01 EFFF0000 EFFFFFFF 10 01 80 02 656E 06 6C6F63616C" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List language tag length overruns", Ack + "0009 000D 01 EFFF0000 EFFFFFFF 10 01 80 09" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List cut inside an address", Ack + "0009 0006 01 EFFF0000 EF" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List zero-length language tag", Ack + "0009 0013 01 EFFF0000 EFFFFFFF 10 01 80 00 05 6C6F63616C" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List zero-length name", Ack + "0009 0010 01 EFFF0000 EFFFFFFF 10 01 80 02 656E 00" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List trailing octet", Ack + "0009 0016 01 EFFF0000 EFFFFFFF 10 01 80 02 656E 05 6C6F63616C 00" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List name not UTF-8", Ack + "0009 0012 01 EFFF0000 EFFFFFFF 10 01 80 02 656E 02 C328" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List first address above last", Ack + "0009 0015 01 EFFFFFFF EFFF0000 10 01 80 02 656E 05 6C6F63616C" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Scope List same Scope ID twice", Ack + "0009 0015 02 EFFF0000 EFFFFFFF 10 00 EFFF0000 EFFF00FF 10 00" + End, S.InvalidRequest, E.OptionValueInvalid, 23, 9)]
    [InlineData("Requested Language not UTF-8", GetInfo + "0005 0002 0009 0008 0002 FFFE" + End, S.InvalidRequest, E.OptionValueInvalid, 19, 8)]
    // Rules across options.
    [InlineData("min above desired", Request + Lease + Scope + "0007 0004 0005 0002" + End, S.InvalidRequest, E.AddressCountMinimumAboveDesired, 21, 7)]
    [InlineData("Start Time without Current Time", Request + Lease + Scope + "0006 0004 6AB13B80" + End, S.InvalidRequest, E.MissingCurrentTime, 29, 11)]
    [InlineData("Max Start Time without Current Time", Request + Lease + Scope + "000F 0004 6AB13B80" + End, S.InvalidRequest, E.MissingCurrentTime, 29, 11)]
    [InlineData("Retry Time without Current Time", Ack + "000D 0004 6AB13B80" + End, S.InvalidRequest, E.MissingCurrentTime, 31, 11)]
    [InlineData("client requires Retry After", Request + Lease + Scope + "000C 0008 0000 0000 0001 0001" + End, S.InvalidRequest, E.FeatureListInvalid, 21, 12)]
    [InlineData("server requests a feature", Ack + "000C 0008 0000 0001 0000 0000" + End, S.InvalidRequest, E.FeatureListInvalid, 23, 12)]
    [InlineData("Error outside a NAK", Ack + "0010 0004 0001 FFFF" + End, S.InvalidRequest, E.ForbiddenOption, 23, 16)]
    [InlineData("NAK without Error", Nak + End, S.InvalidRequest, E.MissingRequiredOption, 23, 16)]
    public void Hostile_datagram(string description, string hex, MadcapDecodeStatus status, MadcapDecodeError error, int offset, int optionCode)
    {
        var result = MadcapDecoder.Decode(Hex(hex));

        Assert.True(status == result.Status && error == result.Error && offset == result.Offset && optionCode == result.OptionCode,
            $"{description}: expected {status} {error} at {offset} option {optionCode}, got {result}");
        Assert.Null(result.Message);
    }

    [Fact]
    public void An_invalid_request_still_reports_the_header_and_lease_identifier_for_the_NAK()
    {
        var result = MadcapDecoder.Decode(Hex("00 03 0001 CAFEBABE" + Lease + Scope + Lease + End));
        Assert.Equal(MadcapDecodeStatus.InvalidRequest, result.Status);
        Assert.Equal(0xCAFEBABEu, result.Xid);
        Assert.Equal((byte)MadcapMessageType.Request, result.MessageType);
        Assert.Equal((ushort)MadcapAddressFamily.IPv4, result.Family);
        Assert.Equal([0xAA], result.LeaseIdentifier);
        Assert.Contains("DuplicateOption at byte 21, option 3", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_options_are_kept_not_fatal()
    {
        var result = MadcapDecoder.Decode(Hex(Request + "FFFE 0003 010203" + Lease + Scope + "0040 0000" + End));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal([new MadcapRawOption(0xFFFE, [1, 2, 3]), new MadcapRawOption(0x40, [])], result.Message!.UnknownOptions);
        Assert.True(result.Message.Has((MadcapOptionCode)0x40));
    }

    [Fact]
    public void A_scope_list_with_no_scopes_and_reserved_flag_bits_are_accepted()
    {
        var empty = MadcapDecoder.Decode(Hex(Ack + "0009 0001 00" + End));
        Assert.True(empty.IsValid, empty.ToString());
        Assert.Empty(empty.Message!.ScopeList!.Value);

        // 3.10: only the high bit of the flags is defined; the others are not looked at.
        var flags = MadcapDecoder.Decode(Hex(Ack + "0009 0015 01 EFFF0000 EFFFFFFF 10 01 7F 02 656E 05 6C6F63616C" + End));
        Assert.True(flags.IsValid, flags.ToString());
        Assert.False(flags.Message!.ScopeList!.Value[0].Names[0].IsDefault);
    }

    [Fact]
    public void Every_proper_prefix_of_a_valid_datagram_is_ignored()
    {
        foreach (var type in AllTypes)
        {
            foreach (var family in Families)
            {
                var bytes = MadcapEncoder.Encode(Full(type, family));
                Assert.True(MadcapDecoder.Decode(bytes).IsValid);
                for (var length = 0; length < bytes.Length; length++)
                {
                    var result = MadcapDecoder.Decode(bytes.AsSpan(0, length));
                    Assert.True(result.Status == MadcapDecodeStatus.Ignore, $"{type} {family} prefix {length}: {result}");
                }
            }
        }
    }
}
