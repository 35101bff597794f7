namespace Rendezvous.Madcap.Protocol;

/// <summary>How an option may appear in a message type (RFC 2730 Table 5's cells).</summary>
public enum MadcapOptionUsage
{
    May,
    Must,
    MustNot,
}

/// <summary>A rule of RFC 2730 a message breaks, and the option to name for it.</summary>
public readonly record struct MadcapRuleViolation(MadcapDecodeError Error, ushort OptionCode);

/// <summary>
/// The message-level rules of RFC 2730, applied by the decoder after the options are read, and
/// usable on their own (a server can check its own replies).
/// </summary>
public static class MadcapRules
{
    // RFC 2730 Table 5 (option usage per message type), one row per option code 1-16, one column
    // per message type in wire order: DISCOVER OFFER REQUEST RENEW ACK NAK RELEASE GETINFO.
    // 'M' MUST, '-' MUST NOT, '.' MAY (or a rule that depends on context the decoder cannot see,
    // e.g. "ACK to a REQUEST MUST include Lease Time": an ACK may answer a GETINFO or a RELEASE).
    // The cells come from the RFC's prose: see each row's comment. Options 0 (End) and 17
    // (RFC 2907) and unknown codes are never constrained here.
    private static readonly string[] Table5 =
    [
        /* 1 Lease Time          */ ". M . . . . . .", // 2.2 OFFER: MUST include Lease Time.
        /* 2 Server Identifier   */ ". M . . M M . .", // 3.3: every server message MUST include it (client MUST only in a multicast REQUEST: context).
        /* 3 Lease Identifier    */ "M M M M M M M M", // 2.4: MUST be included in every message.
        /* 4 Multicast Scope     */ "M M M . . . . .", // 2.7: DISCOVER and REQUEST MUST specify it; 2.2: OFFER MUST include it.
        /* 5 Option Request List */ ". . . . . . . M", // 2.2 GETINFO: MUST include an Option Request List.
        /* 6 Start Time          */ ". . . . . . . .",
        /* 7 Number of Addresses */ ". . . . . . . .",
        /* 8 Requested Language  */ "- - - - - - - .", // 3.9: only in GETINFO.
        /* 9 Scope List          */ ". . . . . . . .",
        /* 10 Address Ranges     */ ". . . . . . . .",
        /* 11 Current Time       */ ". . . . . . . .", // 2.12: MUST with an absolute time, checked separately.
        /* 12 Feature List       */ ". . . . . . . .",
        /* 13 Retry Time         */ "- - - - . - - -", // 3.14: only in an ACK (to a REQUEST or RENEW, with Retry After).
        /* 14 Minimum Lease Time */ ". . . . . . . .",
        /* 15 Maximum Start Time */ ". . . . . . . .",
        /* 16 Error              */ "- - - - - M - -", // 2.2 NAK: MUST include Error; 3.17: it says why a request was refused, so only a NAK carries it.
    ];

    /// <summary>The Table 5 cell for an option in a message type; <see cref="MadcapOptionUsage.May"/> for codes outside 1-16 and unknown types.</summary>
    public static MadcapOptionUsage Usage(MadcapMessageType type, MadcapOptionCode code)
    {
        var row = (int)code - 1;
        var column = (int)type - 1;
        if ((uint)row >= (uint)Table5.Length || (uint)column >= 8u)
        {
            return MadcapOptionUsage.May;
        }

        return Table5[row][column * 2] switch
        {
            'M' => MadcapOptionUsage.Must,
            '-' => MadcapOptionUsage.MustNot,
            _ => MadcapOptionUsage.May,
        };
    }

    /// <summary>
    /// Checks a message against the rules that need the whole message, in this order: Table 5's
    /// MUST NOT cells, then its MUST cells (each in option-code order), then Current Time, then
    /// Number of Addresses, then the Feature List. Returns the first rule broken, or null.
    /// </summary>
    public static MadcapRuleViolation? Check(MadcapMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Enum.IsDefined(message.Type))
        {
            return new(MadcapDecodeError.UnknownMessageType, MadcapCodes.NoOption);
        }

        // Table 5: MUST NOT first, so an option added where it is forbidden is named even if the
        // message also lacks something.
        for (var code = MadcapOptionCode.LeaseTime; code <= MadcapOptionCode.Error; code++)
        {
            if (Usage(message.Type, code) == MadcapOptionUsage.MustNot && message.Has(code))
            {
                return new(MadcapDecodeError.ForbiddenOption, (ushort)code);
            }
        }

        for (var code = MadcapOptionCode.LeaseTime; code <= MadcapOptionCode.Error; code++)
        {
            if (Usage(message.Type, code) == MadcapOptionUsage.Must && !message.Has(code))
            {
                return new(MadcapDecodeError.MissingRequiredOption, (ushort)code);
            }
        }

        // 2.12, 3.7, 3.14, 3.16: Current Time MUST accompany any absolute time (Start Time,
        // Retry Time, Maximum Start Time) so the receiver can correct for clock skew.
        if ((message.StartTime is not null || message.MaxStartTime is not null || message.RetryTime is not null) && message.CurrentTime is null)
        {
            return new(MadcapDecodeError.MissingCurrentTime, (ushort)MadcapOptionCode.CurrentTime);
        }

        // 3.8: a minimum above the desired number is an invalid request.
        if (message.AddressesRequested is { } count && count.Minimum > count.Desired)
        {
            return new(MadcapDecodeError.AddressCountMinimumAboveDesired, (ushort)MadcapOptionCode.NumberOfAddressesRequested);
        }

        if (message.Features is { } features)
        {
            // 3.13: a server MUST NOT list anything as requested.
            if (message.Type.IsServerMessage() && !features.Requested.IsEmpty)
            {
                return new(MadcapDecodeError.FeatureListInvalid, (ushort)MadcapOptionCode.FeatureList);
            }

            // 2.13.2: a client lists Retry After as supported only, never requested or required.
            if (message.Type.IsClientMessage()
                && (features.Requested.AsSpan().Contains(MadcapFeature.RetryAfter) || features.Required.AsSpan().Contains(MadcapFeature.RetryAfter)))
            {
                return new(MadcapDecodeError.FeatureListInvalid, (ushort)MadcapOptionCode.FeatureList);
            }
        }

        return null;
    }
}
