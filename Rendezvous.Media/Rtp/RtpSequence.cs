namespace Rendezvous.Media.Rtp;

/// <summary>Arithmetic on 16-bit RTP sequence numbers, which wrap (RFC 3550 section 5.1 and appendix A.1).</summary>
public static class RtpSequence
{
    /// <summary>RFC 3550 appendix A.1: RTP_SEQ_MOD.</summary>
    public const int Modulus = 1 << 16;

    /// <summary>
    /// The signed distance from <paramref name="from"/> to <paramref name="to"/>, taken the short way round:
    /// -32768 to 32767. Delta(65535, 0) is 1; Delta(0, 65535) is -1.
    /// </summary>
    public static int Delta(ushort from, ushort to) => (short)(ushort)(to - from);

    /// <summary>True when <paramref name="candidate"/> comes after <paramref name="reference"/> (by less than half the space).</summary>
    public static bool IsNewer(ushort candidate, ushort reference) => Delta(reference, candidate) > 0;

    /// <summary>
    /// The extended (unwrapped) sequence number nearest to <paramref name="reference"/> whose low 16 bits are
    /// <paramref name="sequenceNumber"/>. Can be below 0 when the reference is near 0 and the number is older.
    /// </summary>
    public static long Extend(ushort sequenceNumber, long reference) =>
        reference + Delta((ushort)reference, sequenceNumber);
}
