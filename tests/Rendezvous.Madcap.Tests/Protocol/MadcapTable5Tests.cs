using Rendezvous.Madcap.Protocol;
using static Rendezvous.Madcap.Tests.Protocol.MadcapSamples;

namespace Rendezvous.Madcap.Tests.Protocol;

/// <summary>Each row of the option matrix (RFC 2730 Table 5), enforced on decode, for every message type.</summary>
public sealed class MadcapTable5Tests
{
    private static readonly MadcapOptionCode[] MatrixCodes =
        Enum.GetValues<MadcapOptionCode>().Where(c => c is >= MadcapOptionCode.LeaseTime and <= MadcapOptionCode.Error).ToArray();

    public static TheoryData<MadcapMessageType, MadcapOptionCode> MustCells() => Cells(MadcapOptionUsage.Must);

    public static TheoryData<MadcapMessageType, MadcapOptionCode> MustNotCells() => Cells(MadcapOptionUsage.MustNot);

    private static TheoryData<MadcapMessageType, MadcapOptionCode> Cells(MadcapOptionUsage usage)
    {
        var data = new TheoryData<MadcapMessageType, MadcapOptionCode>();
        foreach (var type in AllTypes)
        {
            foreach (var code in MatrixCodes)
            {
                if (MadcapRules.Usage(type, code) == usage)
                {
                    data.Add(type, code);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MustCells))]
    public void Removing_a_MUST_option_is_an_invalid_request_naming_it(MadcapMessageType type, MadcapOptionCode code)
    {
        foreach (var family in Families)
        {
            var message = Without(Minimal(type, family), code);
            var bytes = MadcapEncoder.Encode(message);

            var result = MadcapDecoder.Decode(bytes);

            Assert.Equal(MadcapDecodeStatus.InvalidRequest, result.Status);
            Assert.Equal(MadcapDecodeError.MissingRequiredOption, result.Error);
            Assert.Equal((ushort)code, result.OptionCode);
            Assert.Equal(bytes.Length - 4, result.Offset); // missing just before End
            Assert.Equal(MadcapRuleViolation(MadcapDecodeError.MissingRequiredOption, code), MadcapRules.Check(message));
        }
    }

    [Theory]
    [MemberData(nameof(MustNotCells))]
    public void Adding_a_MUST_NOT_option_is_an_invalid_request_naming_it(MadcapMessageType type, MadcapOptionCode code)
    {
        foreach (var family in Families)
        {
            var message = With(Minimal(type, family), code);
            var bytes = MadcapEncoder.Encode(message);

            var result = MadcapDecoder.Decode(bytes);

            Assert.Equal(MadcapDecodeStatus.InvalidRequest, result.Status);
            Assert.Equal(MadcapDecodeError.ForbiddenOption, result.Error);
            Assert.Equal((ushort)code, result.OptionCode);
            Assert.Equal((ushort)code, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(result.Offset)));
        }
    }

    [Fact]
    public void Every_type_has_MUST_cells_and_the_least_message_of_each_type_is_valid()
    {
        foreach (var type in AllTypes)
        {
            Assert.Contains(MatrixCodes, code => MadcapRules.Usage(type, code) == MadcapOptionUsage.Must);
            Assert.True(MadcapDecoder.Decode(MadcapEncoder.Encode(Minimal(type))).IsValid, type.ToString());
        }
    }

    // The cells with a sentence of the RFC behind them, pinned here independently of the table's text.
    [Theory]
    [InlineData(MadcapOptionCode.LeaseIdentifier, "MMMMMMMM")] // 2.4: in every message
    [InlineData(MadcapOptionCode.ServerIdentifier, ".M..MM..")] // 3.3: in every server message
    [InlineData(MadcapOptionCode.MulticastScope, "MMM.....")] // 2.7 DISCOVER, REQUEST; 2.2 OFFER
    [InlineData(MadcapOptionCode.LeaseTime, ".M......")] // 2.2 OFFER
    [InlineData(MadcapOptionCode.OptionRequestList, ".......M")] // 2.2 GETINFO
    [InlineData(MadcapOptionCode.Error, "-----M--")] // 2.2 NAK
    [InlineData(MadcapOptionCode.RequestedLanguage, "-------.")] // 3.9: GETINFO only
    [InlineData(MadcapOptionCode.RetryTime, "----.---")] // 3.14: ACK only
    [InlineData(MadcapOptionCode.CurrentTime, "........")] // 2.12: required by context, checked apart
    public void Table_5_rows(MadcapOptionCode code, string row)
    {
        var actual = string.Concat(AllTypes.Select(type => MadcapRules.Usage(type, code) switch
        {
            MadcapOptionUsage.Must => 'M',
            MadcapOptionUsage.MustNot => '-',
            _ => '.',
        }));
        Assert.Equal(row, actual);
    }

    [Fact]
    public void Options_outside_the_matrix_are_never_constrained()
    {
        foreach (var type in AllTypes)
        {
            Assert.Equal(MadcapOptionUsage.May, MadcapRules.Usage(type, MadcapOptionCode.MulticastScopeNestingState));
            Assert.Equal(MadcapOptionUsage.May, MadcapRules.Usage(type, (MadcapOptionCode)300));
            var withExtras = Minimal(type) with { ScopeNestingState = [1], UnknownOptions = [new(300, [1, 2])] };
            Assert.True(MadcapDecoder.Decode(MadcapEncoder.Encode(withExtras)).IsValid);
        }
    }

    private static MadcapRuleViolation? MadcapRuleViolation(MadcapDecodeError error, MadcapOptionCode code) =>
        new MadcapRuleViolation(error, (ushort)code);
}
