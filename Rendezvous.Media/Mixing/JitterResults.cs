namespace Rendezvous.Media.Mixing;

/// <summary>What <see cref="JitterBuffer.Push"/> did with a packet.</summary>
public enum JitterPushResult
{
    /// <summary>Stored for playout.</summary>
    Accepted,

    /// <summary>Stored after the buffer restarted: the first packet, a new SSRC, or a timestamp jump.</summary>
    Resynchronized,

    /// <summary>A copy of a frame already buffered: dropped and counted.</summary>
    Duplicate,

    /// <summary>Its playout time has passed: dropped and counted.</summary>
    Late,

    /// <summary>Empty, or longer than a slot: dropped and counted, never thrown on.</summary>
    Rejected,
}

/// <summary>What <see cref="JitterBuffer.Pop(out ReadOnlySpan{byte})"/> gave for this tick.</summary>
public enum JitterPopResult
{
    /// <summary>Nothing to play and nothing to conceal: no stream yet, or (re)buffering after a stream stopped.</summary>
    Silence,

    /// <summary>The frame due now was copied out.</summary>
    Frame,

    /// <summary>The frame due now is lost (or a drift correction repeats one): the caller conceals.</summary>
    Missing,
}
