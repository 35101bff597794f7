namespace Rendezvous.Media.Relay.Reactor;

/// <summary>What a <see cref="ReceiveReactor"/> hands each datagram to.</summary>
public interface IDatagramSink
{
    /// <summary>
    /// One datagram from a registered socket, on a reactor thread. <paramref name="channel"/> is the
    /// socket's index in the registration; <paramref name="datagram"/> is valid only during the call.
    /// Must not block: the thread serves every other socket it owns.
    /// </summary>
    void OnDatagram(int channel, ReadOnlySpan<byte> datagram, in DatagramSource source);
}
