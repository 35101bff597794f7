namespace Rendezvous.Media.Tests.Rtcp;

/// <summary>Compound RTCP packets hand-built from the RFC 3550 section 6.4.1, 6.5 and 6.6 figures.</summary>
internal static class RtcpSamples
{
    public const string SenderReport =
        "81 C8 000C" +          // V=2 P=0 RC=1, PT=200 (SR), length 12: 13 words
        "11223344" +            // SSRC of sender
        "E8A1B2C3 80000000" +   // NTP timestamp, most and least significant words
        "00010000" +            // RTP timestamp
        "00000064" +            // sender's packet count: 100
        "00003E80" +            // sender's octet count: 16000
        "AABBCCDD" +            // SSRC_1
        "40 FFFFFE" +           // fraction lost 64/256, cumulative lost -2
        "0001FFFF" +            // extended highest sequence number: cycle 1, 65535
        "00000020" +            // interarrival jitter: 32
        "B7052000" +            // LSR
        "00054000";             // DLSR: 5.25 s

    public const string SdesCnameTool =
        "81 CA 0009" +                              // V=2 P=0 SC=1, PT=202 (SDES), length 9: 10 words
        "11223344" +                                // chunk: SSRC
        "01 10 75736572406578616D706C652E636F6D" +  // CNAME (1), 16: user@example.com
        "06 0A 52656E64657A766F7573" +              // TOOL (6), 10: Rendezvous
        "00 00";                                    // null item type, one null octet to the boundary

    public const string ReceiverReport =
        "81 C9 0007" +  // V=2 P=0 RC=1, PT=201 (RR), length 7: 8 words
        "11223344" +    // SSRC of packet sender
        "AABBCCDD 00 000000 00000010 00000000 00000000 00000000";

    /// <summary>An RR without report blocks: the smallest valid first packet.</summary>
    public const string EmptyReceiverReport = "80 C9 0001 11223344";

    public const string ByeWithReason =
        "81 CB 0004" +          // V=2 P=0 SC=1, PT=203 (BYE), length 4: 5 words
        "11223344" +            // SSRC
        "08 73687574646F776E" + // reason, 8: shutdown
        "000000";               // null octets to the boundary

    /// <summary>Four chunks: items kept and skipped, fills of 2, 0, 3 octets, and a chunk with no items.</summary>
    public const string SdesManyChunks =
        "84 CA 0010" +                                  // SC=4, length 16: 17 words
        "11223344 01 03 614062 02 05 416C696365" +      // CNAME a@b, NAME Alice
        "03 05 6140622E63 08 04 01 78797A 00 0000" +    // EMAIL and PRIV (skipped), null, 2 fill
        "55667788 01 05 626F624068 00" +                // CNAME bob@h, null ends on the boundary
        "99AABBCC 06 02 7879 00 000000" +               // TOOL xy ends on a boundary: null plus 3 fill
        "DDEEFF00 00000000";                            // no items: four null octets

    /// <summary>An APP packet (section 6.7): subtype 0, SSRC, name "name", no data. Kept raw.</summary>
    public const string App = "80 CC 0002 11223344 6E616D65";
}
