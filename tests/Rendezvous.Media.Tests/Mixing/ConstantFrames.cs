using Rendezvous.Media.Codecs;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>RTP datagrams of 20 ms G.711 frames at one constant level, numbered by frame.</summary>
internal static class ConstantFrames
{
    public static byte[] Datagram(uint ssrc, int frame, short level, AudioCodec law, byte? payloadType = null)
    {
        var samples = new short[160];
        samples.AsSpan().Fill(level);
        var codes = new byte[160];
        if (law == AudioCodec.Pcma)
        {
            ALaw.Encode(samples, codes);
        }
        else
        {
            MuLaw.Encode(samples, codes);
        }

        var builder = new RtpPacketBuilder { PayloadType = payloadType ?? law.PayloadType, SequenceNumber = (ushort)frame, Timestamp = (uint)(160 * frame), Ssrc = ssrc, Payload = codes };
        var datagram = new byte[builder.GetEncodedLength()];
        Assert.True(builder.TryWrite(datagram, out _));
        return datagram;
    }
}
