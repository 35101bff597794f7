using System.Net;
using Rendezvous.Madcap.Protocol;
using static Rendezvous.Madcap.Tests.Protocol.MadcapSamples;

namespace Rendezvous.Madcap.Tests.Protocol;

public sealed class MadcapRoundTripTests
{
    public static TheoryData<MadcapMessageType, MadcapAddressFamily> TypesAndFamilies()
    {
        var data = new TheoryData<MadcapMessageType, MadcapAddressFamily>();
        foreach (var type in AllTypes)
        {
            foreach (var family in Families)
            {
                data.Add(type, family);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndFamilies))]
    public void Every_type_round_trips_with_every_option_it_may_carry(MadcapMessageType type, MadcapAddressFamily family)
    {
        var message = Full(type, family);
        var bytes = MadcapEncoder.Encode(message);

        var result = MadcapDecoder.Decode(bytes);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(message, result.Message);
        Assert.Equal(Hex(bytes), Hex(MadcapEncoder.Encode(result.Message!)));
        Assert.Equal(message.Xid, result.Xid);
        Assert.Equal(LeaseId, result.LeaseIdentifier);
    }

    [Theory]
    [MemberData(nameof(TypesAndFamilies))]
    public void The_least_message_of_each_type_round_trips(MadcapMessageType type, MadcapAddressFamily family)
    {
        var message = Minimal(type, family);
        var result = MadcapDecoder.Decode(MadcapEncoder.Encode(message));
        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void The_header_is_in_network_byte_order_and_End_comes_last()
    {
        var bytes = MadcapEncoder.Encode(new MadcapMessage(MadcapMessageType.GetInfo, MadcapAddressFamily.IPv6, 0xA1B2C3D4) { LeaseIdentifier = [7], OptionRequestList = [9] });
        Assert.Equal("0008" + "0002" + "A1B2C3D4" + "0003000107" + "000500020009" + "00000000", Hex(bytes));
    }

    [Fact]
    public void Server_identifier_carries_its_own_family()
    {
        var message = Minimal(MadcapMessageType.Ack, MadcapAddressFamily.IPv4) with { ServerIdentifier = IPAddress.Parse("2001:db8::1") };
        var bytes = MadcapEncoder.Encode(message);
        Assert.Contains("0002" + "0012" + "0002" + "20010DB8000000000000000000000001", Hex(bytes), StringComparison.Ordinal);
        Assert.Equal(message, MadcapDecoder.Decode(bytes).Message);
    }

    [Theory]
    [InlineData(MadcapErrorCode.ValidRequestCouldNotBeCompleted, "0010 0004 0000 000E")]
    [InlineData(MadcapErrorCode.InvalidRequest, "0010 0004 0001 FFFF")]
    [InlineData(MadcapErrorCode.ExcessiveClockSkew, "0010 0006 0002 6AB13B80")]
    [InlineData(MadcapErrorCode.LeaseIdentifierNotRecognized, "0010 0002 0003")]
    [InlineData(MadcapErrorCode.RequiredFeatureNotSupported, "0010 0006 0004 0002 0000")]
    [InlineData((MadcapErrorCode)1500, "0010 0005 05DC ABCDEF")]
    public void Each_error_code_carries_its_own_extra_data(MadcapErrorCode code, string option)
    {
        var error = code switch
        {
            MadcapErrorCode.ValidRequestCouldNotBeCompleted => MadcapError.ValidRequestCouldNotBeCompleted((ushort)MadcapOptionCode.MinimumLeaseTime),
            MadcapErrorCode.InvalidRequest => MadcapError.InvalidRequest(),
            MadcapErrorCode.ExcessiveClockSkew => MadcapError.ExcessiveClockSkew(Now),
            MadcapErrorCode.LeaseIdentifierNotRecognized => MadcapError.LeaseIdentifierNotRecognized(),
            MadcapErrorCode.RequiredFeatureNotSupported => MadcapError.RequiredFeatureNotSupported(MadcapFeature.SharedLeaseIdentifier, MadcapFeature.ServerMobility),
            _ => new MadcapError(code) { Data = [0xAB, 0xCD, 0xEF] },
        };
        var nak = Minimal(MadcapMessageType.Nak) with { Error = error };

        var bytes = MadcapEncoder.Encode(nak);

        Assert.Contains(Hex(Hex(option)), Hex(bytes), StringComparison.Ordinal);
        Assert.Equal(nak, MadcapDecoder.Decode(bytes).Message);
    }

    [Fact]
    public void Times_are_seconds_since_1970_not_1900()
    {
        var message = Minimal(MadcapMessageType.Ack) with { CurrentTime = DateTimeOffset.FromUnixTimeSeconds(0x12345678) };
        Assert.Contains("000B0004" + "12345678", Hex(MadcapEncoder.Encode(message)), StringComparison.Ordinal);
    }

    [Fact]
    public void What_cannot_be_put_on_the_wire_is_refused_by_the_encoder()
    {
        var ack = Minimal(MadcapMessageType.Ack);
        Assert.Throws<ArgumentException>(() => MadcapEncoder.Encode(ack with { Scope = IPAddress.Parse("ff15::1") }));
        Assert.Throws<ArgumentOutOfRangeException>(() => MadcapEncoder.Encode(ack with { CurrentTime = new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => MadcapEncoder.Encode(ack with { LeaseTime = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentException>(() => MadcapEncoder.Encode(ack with { UnknownOptions = [new(3, [])] }));
        Assert.Throws<ArgumentException>(() => MadcapEncoder.Encode(ack with { UnknownOptions = [new(99, []), new(99, [])] }));
        Assert.Throws<ArgumentException>(() => MadcapEncoder.Encode(ack with { Error = new MadcapError(MadcapErrorCode.InvalidRequest) }));
        Assert.Throws<ArgumentException>(() => MadcapEncoder.Encode(ack with
        {
            ScopeList = [new MadcapScope(IPAddress.Parse("239.1.0.0"), IPAddress.Parse("239.1.255.255"), 16, [new("", "no language")])],
        }));
    }

    [Fact]
    public void Client_and_server_messages_are_told_apart()
    {
        Assert.Equal(
            [MadcapMessageType.Discover, MadcapMessageType.Request, MadcapMessageType.Renew, MadcapMessageType.Release, MadcapMessageType.GetInfo],
            AllTypes.Where(t => t.IsClientMessage()));
        Assert.Equal([MadcapMessageType.Offer, MadcapMessageType.Ack, MadcapMessageType.Nak], AllTypes.Where(t => t.IsServerMessage()));
        Assert.True(Minimal(MadcapMessageType.Renew).IsClientMessage);
        Assert.False(Minimal(MadcapMessageType.Nak).IsClientMessage);
    }
}
