using BenchmarkDotNet.Attributes;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Rtcp;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Benchmarks;

/// <summary>
/// The media hot path per 20 ms frame at 8 kHz: decode one RTP packet (160-octet payload, the
/// validation of every field included), G.711 over 160 samples each way, and an RTCP compound.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MediaBenchmarks
{
    private readonly byte[] _packet = new byte[12 + 160];
    private readonly short[] _samples = new short[160];
    private readonly byte[] _codes = new byte[160];
    private byte[] _rtcp = [];

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _samples.Length; i++)
        {
            _samples[i] = (short)(12000 * Math.Sin(2 * Math.PI * 440 * i / 8000));
        }

        MuLaw.Encode(_samples, _codes);
        var builder = new RtpPacketBuilder { PayloadType = 0, SequenceNumber = 1, Timestamp = 160, Ssrc = 0x11223344, Payload = _codes };
        builder.TryWrite(_packet, out _);
        var block = new RtcpReportBlock(1, 0, 0, 100, 4, 0, 0);
        _rtcp = RtcpCompound.Encode(RtcpCompound.CreateReport(7, new RtcpSenderInfo(new NtpTimestamp(1), 2, 3, 4), [block, block], "mixer@rendezvous.example"));
    }

    [Benchmark(Description = "RTP decode (160-octet payload)")]
    public int RtpDecode() => RtpPacket.TryRead(_packet, out var packet) ? packet.Payload.Length + packet.SequenceNumber : -1;

    [Benchmark(Description = "G.711 mu-law encode 160")]
    public byte MuLawEncode()
    {
        MuLaw.Encode(_samples, _codes);
        return _codes[80];
    }

    [Benchmark(Description = "G.711 mu-law decode 160")]
    public short MuLawDecode()
    {
        MuLaw.Decode(_codes, _samples);
        return _samples[80];
    }

    [Benchmark(Description = "G.711 A-law encode 160")]
    public byte ALawEncode()
    {
        ALaw.Encode(_samples, _codes);
        return _codes[80];
    }

    [Benchmark(Description = "RTCP SR(2 blocks)+SDES decode")]
    public int RtcpDecode() => RtcpCompound.Read(_rtcp).Packets.Count;
}
