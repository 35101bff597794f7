using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>Reads an SDP the catalog stored.</summary>
public static class StoredSdp
{
    // Stored text was accepted by the strict or the lenient parser and validated then: lenient
    // mode reads either, and validating again would only repeat that work.
    private static readonly SdpParseOptions Options = SdpParseOptions.Lenient with { Validate = false };

    /// <summary>The description; null only for text the catalog could not have accepted.</summary>
    public static SessionDescription? Read(string sdp) => SdpParser.Parse(sdp, Options).Description;
}
