namespace Rendezvous.Directory.Sdp;

/// <summary>
/// How far a conference is advertised: TAPI's RND_ADVERTISING_SCOPE, with the TTL the SDP
/// drafts associated with each (local 1, site 15, region 63, world 127).
/// </summary>
public enum SdpAdvertisingScope
{
    Local = 1,
    Site = 2,
    Region = 3,
    World = 4,
}
