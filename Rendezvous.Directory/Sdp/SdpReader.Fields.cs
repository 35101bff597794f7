using System.Buffers;
using System.Globalization;

namespace Rendezvous.Directory.Sdp;

/// <summary>The syntax of each line type (RFC 8866 section 9 grammar).</summary>
internal ref partial struct SdpReader
{
    // RFC 8866 section 9: token-char = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" /
    // "*" / "+" / "-" / "." / "^" / "_" / "`" / "{" / "|" / "}" / "~".
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz{|}~");

    // The decimal strings 0..127 (RTP payload types), shared instead of allocated per parse.
    private static readonly string[] SmallNumbers = [.. Enumerable.Range(0, 128).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    private SdpOrigin? ParseOrigin(ReadOnlySpan<char> value)
    {
        Span<Range> parts = stackalloc Range[7];
        if (!Split("o=", value, parts, out var count))
        {
            return null;
        }

        if (count != 6)
        {
            Error(_line, "o=", $"has {count} fields", "6 fields: <username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>");
            return null;
        }

        var sessionId = value[parts[1]];
        var sessionVersion = value[parts[2]];
        if (!IsDigits(sessionId))
        {
            Error(_line, "o= sess-id", $"'{Preview(sessionId)}' is not a decimal number", "1*DIGIT");
            return null;
        }

        if (!IsDigits(sessionVersion))
        {
            Error(_line, "o= sess-version", $"'{Preview(sessionVersion)}' is not a decimal number", "1*DIGIT");
            return null;
        }

        if (!IsToken("o= nettype", value[parts[3]]) || !IsToken("o= addrtype", value[parts[4]]))
        {
            return null;
        }

        return new SdpOrigin(new string(value[parts[0]]), new string(sessionId), new string(sessionVersion),
            Intern(value[parts[3]]), Intern(value[parts[4]]), new string(value[parts[5]]));
    }

    private string Text(char type, ReadOnlySpan<char> value, bool emptyAllowed)
    {
        if (value.IsEmpty && !emptyAllowed)
        {
            // RFC 8866 section 5.3: "s= " (one space) when there is no name.
            Deviation(_line, Field(type), "is empty", type == 's' ? "a name, or a single space when there is none" : "text");
        }

        return new string(value);
    }

    private SdpConnection? ParseConnection(ReadOnlySpan<char> value)
    {
        Span<Range> parts = stackalloc Range[4];
        if (!Split("c=", value, parts, out var count))
        {
            return null;
        }

        if (count != 3)
        {
            Error(_line, "c=", $"has {count} fields", "3 fields: <nettype> <addrtype> <connection-address>");
            return null;
        }

        var networkType = value[parts[0]];
        var addressType = value[parts[1]];
        var address = value[parts[2]];
        if (!IsToken("c= nettype", networkType) || !IsToken("c= addrtype", addressType))
        {
            return null;
        }

        var isIp4 = addressType.SequenceEqual("IP4");
        var isIp6 = addressType.SequenceEqual("IP6");
        if (!isIp4 && !isIp6)
        {
            // Another address family (RFC 8866 section 5.7 allows extensions): keep the address whole.
            return new SdpConnection(Intern(networkType), Intern(addressType), new string(address));
        }

        // RFC 8866 section 5.7: IP4 multicast is <base>/<ttl>[/<count>]; IP6 multicast <base>[/<count>].
        Span<Range> pieces = stackalloc Range[4];
        var n = address.Split(pieces, '/');
        var baseAddress = address[pieces[0]];
        if (baseAddress.IsEmpty || n > 3 || (isIp6 && n > 2))
        {
            Error(_line, "c= connection-address", $"'{Preview(address)}' is not a connection address",
                isIp4 ? "<address>[/<ttl>[/<count>]]" : "<address>[/<count>] (IP6 has no TTL)");
            return null;
        }

        int? ttl = null;
        int? addressCount = null;
        if (isIp4 && n >= 2)
        {
            if (!TryNumber(address[pieces[1]], 0, 255, out var t))
            {
                Error(_line, "c= ttl", $"'{Preview(address[pieces[1]])}' is not a TTL", "0-255");
                return null;
            }

            ttl = t;
        }

        var countIndex = isIp4 ? 2 : 1;
        if (n > countIndex)
        {
            if (!TryNumber(address[pieces[countIndex]], 1, int.MaxValue, out var c))
            {
                Error(_line, "c= number of addresses", $"'{Preview(address[pieces[countIndex]])}' is not a count", "a whole number from 1");
                return null;
            }

            addressCount = c;
        }

        return new SdpConnection(Intern(networkType), Intern(addressType), new string(baseAddress), ttl, addressCount);
    }

    private SdpBandwidth? ParseBandwidth(ReadOnlySpan<char> value)
    {
        var colon = value.IndexOf(':');
        if (colon <= 0)
        {
            Error(_line, "b=", $"'{Preview(value)}' has no <bwtype>:", "<bwtype>:<bandwidth>, e.g. CT:128");
            return null;
        }

        if (!IsToken("b= bwtype", value[..colon]))
        {
            return null;
        }

        if (!long.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bandwidth))
        {
            Error(_line, "b= bandwidth", $"'{Preview(value[(colon + 1)..])}' is not a number", "1*DIGIT (kbit/s for CT and AS)");
            return null;
        }

        return new SdpBandwidth(Intern(value[..colon]), bandwidth);
    }

    private bool ParseTime(ReadOnlySpan<char> value, out ulong start, out ulong stop)
    {
        start = stop = 0;
        Span<Range> parts = stackalloc Range[3];
        if (!Split("t=", value, parts, out var count))
        {
            return false;
        }

        if (count != 2)
        {
            Error(_line, "t=", $"has {count} fields", "2 fields: <start-time> <stop-time> in NTP seconds");
            return false;
        }

        if (!ulong.TryParse(value[parts[0]], NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            Error(_line, "t= start-time", $"'{Preview(value[parts[0]])}' is not an NTP time", "decimal seconds since 1900 (64-bit)");
            return false;
        }

        if (!ulong.TryParse(value[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out stop))
        {
            Error(_line, "t= stop-time", $"'{Preview(value[parts[1]])}' is not an NTP time", "decimal seconds since 1900 (64-bit), or 0");
            return false;
        }

        return true;
    }

    private SdpRepeat? ParseRepeat(ReadOnlySpan<char> value)
    {
        // RFC 8866 section 9: repeat-field = "r=" repeat-interval SP typed-time 1*(SP typed-time).
        var fields = 0;
        var warned = false;
        SdpTypedTime interval = default, duration = default;
        var offsets = new PooledList<SdpTypedTime>();
        try
        {
            foreach (var range in value.Split(' '))
            {
                var field = value[range];
                if (field.IsEmpty)
                {
                    if (EmptyField("r=", ref warned))
                    {
                        continue;
                    }

                    return null;
                }

                if (!SdpTypedTime.TryParse(field, allowNegative: false, out var time))
                {
                    Error(_line, "r=", $"'{Preview(field)}' is not a typed time", "digits with an optional unit d, h, m or s");
                    return null;
                }

                switch (fields++)
                {
                    case 0:
                        interval = time;
                        break;
                    case 1:
                        duration = time;
                        break;
                    default:
                        offsets.Add(time);
                        break;
                }
            }

            if (fields < 2)
            {
                Error(_line, "r=", $"has {fields} fields", "<repeat interval> <active duration> <offset> ...");
                return null;
            }

            if (interval.Value == 0 || offsets.Count == 0)
            {
                // Real programs write "r=0 0" for "no repetition"; RFC 8866 has no such form.
                Deviation(_line, "r=", interval.Value == 0 ? "has a repeat interval of 0" : "has no offsets",
                    "<repeat interval above 0> <active duration> <offset> ...");
                if (!_lenient)
                {
                    return null;
                }
            }

            return new SdpRepeat(interval, duration, offsets.ToValueList());
        }
        finally
        {
            offsets.Return();
        }
    }

    private void ParseZone(ReadOnlySpan<char> value)
    {
        // RFC 8866 section 9: zone-field = "z=" time SP ["-"] typed-time *(SP time SP ["-"] typed-time).
        ulong? pendingTime = null;
        var warned = false;
        foreach (var range in value.Split(' '))
        {
            var field = value[range];
            if (field.IsEmpty)
            {
                if (EmptyField("z=", ref warned))
                {
                    continue;
                }

                return;
            }

            if (pendingTime is null)
            {
                if (!ulong.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var time))
                {
                    Error(_line, "z= adjustment time", $"'{Preview(field)}' is not an NTP time", "decimal seconds since 1900");
                    return;
                }

                pendingTime = time;
            }
            else
            {
                if (!SdpTypedTime.TryParse(field, allowNegative: true, out var offset))
                {
                    Error(_line, "z= offset", $"'{Preview(field)}' is not a typed time", "an optional '-', digits and an optional unit d, h, m or s");
                    return;
                }

                _zones.Add(new SdpZoneAdjustment(pendingTime.Value, offset));
                pendingTime = null;
            }
        }

        if (pendingTime is not null || _zones.Count == 0)
        {
            Error(_line, "z=", "does not consist of <adjustment time> <offset> pairs", "<adjustment time> <offset> [<adjustment time> <offset> ...]");
        }
    }

    private SdpKey? ParseKey(ReadOnlySpan<char> value)
    {
        // RFC 8866 section 5.12: k=prompt, or k=<method>:<encryption key>.
        var colon = value.IndexOf(':');
        var method = colon < 0 ? value : value[..colon];
        if (method.IsEmpty || !IsToken("k= method", method))
        {
            return null;
        }

        if (colon < 0 && !method.SequenceEqual("prompt"))
        {
            Error(_line, "k=", $"'{Preview(value)}' has no key", "k=prompt or k=<method>:<encryption key>");
            return null;
        }

        return new SdpKey(Intern(method), colon < 0 ? null : new string(value[(colon + 1)..]));
    }

    private SdpAttribute? ParseAttribute(ReadOnlySpan<char> value)
    {
        // RFC 8866 section 9: attribute = (attribute-name ":" attribute-value) / attribute-name.
        var colon = value.IndexOf(':');
        var name = colon < 0 ? value : value[..colon];
        if (name.IsEmpty)
        {
            Error(_line, "a=", "has no attribute name", "a=<name> or a=<name>:<value>");
            return null;
        }

        if (!IsToken("a= name", name))
        {
            return null;
        }

        return new SdpAttribute(Intern(name), colon < 0 ? null : new string(value[(colon + 1)..]));
    }

    private bool ParseMediaLine(ReadOnlySpan<char> value)
    {
        // RFC 8866 section 5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        var fields = 0;
        var warned = false;
        var formats = new PooledList<string>();
        try
        {
            foreach (var range in value.Split(' '))
            {
                var field = value[range];
                if (field.IsEmpty)
                {
                    if (EmptyField("m=", ref warned))
                    {
                        continue;
                    }

                    return false;
                }

                switch (fields++)
                {
                    case 0:
                        if (!IsToken("m= media", field))
                        {
                            return false;
                        }

                        _mediaKind = Intern(field);
                        break;
                    case 1:
                        if (!ParsePort(field))
                        {
                            return false;
                        }

                        break;
                    case 2:
                        // proto = token *("/" token)
                        foreach (var part in field.Split('/'))
                        {
                            if (!IsToken("m= proto", field[part]))
                            {
                                return false;
                            }
                        }

                        _mediaProto = Intern(field);
                        break;
                    default:
                        if (!IsToken("m= fmt", field))
                        {
                            return false;
                        }

                        formats.Add(Intern(field));
                        break;
                }
            }

            if (fields < 3)
            {
                Error(_line, "m=", $"has {fields} fields", "<media> <port>[/<count>] <proto> <fmt> ...");
                return false;
            }

            if (formats.Count == 0)
            {
                Deviation(_line, "m= fmt", "is missing", "at least one format after the proto");
                if (!_lenient)
                {
                    return false;
                }
            }

            _mediaFormats = formats.ToValueList();
            return true;
        }
        finally
        {
            formats.Return();
        }
    }

    private bool ParsePort(ReadOnlySpan<char> field)
    {
        var slash = field.IndexOf('/');
        var port = slash < 0 ? field : field[..slash];
        if (!TryNumber(port, 0, 65535, out _mediaPort))
        {
            Error(_line, "m= port", $"'{Preview(port)}' is not a port", "0-65535");
            return false;
        }

        _mediaPortCount = null;
        if (slash >= 0)
        {
            if (!TryNumber(field[(slash + 1)..], 1, 65535, out var count))
            {
                Error(_line, "m= number of ports", $"'{Preview(field[(slash + 1)..])}' is not a count", "a whole number from 1");
                return false;
            }

            _mediaPortCount = count;
        }

        return true;
    }

    /// <summary>
    /// An empty field between spaces. Strict: an error; returns false. Lenient: one warning per
    /// line, and the field is skipped; returns true.
    /// </summary>
    private bool EmptyField(string field, ref bool warned)
    {
        if (!_lenient)
        {
            Error(_line, field, "has an empty field (two spaces in a row, or a space at an end)", "fields separated by single spaces");
            return false;
        }

        if (!warned)
        {
            warned = true;
            Warning(_line, field, "separates fields with more than one space");
        }

        return true;
    }

    /// <summary>
    /// Splits on single spaces into at most parts.Length - 1 fields (one more means too many).
    /// Strict: an empty field is an error. Lenient: runs of spaces count as one, with a warning.
    /// </summary>
    private bool Split(string field, ReadOnlySpan<char> value, scoped Span<Range> parts, out int count)
    {
        count = value.Split(parts, ' ');
        var hasEmpty = false;
        for (var i = 0; i < count; i++)
        {
            hasEmpty |= value[parts[i]].IsEmpty;
        }

        if (!hasEmpty)
        {
            return true;
        }

        var warned = false;
        if (!EmptyField(field, ref warned))
        {
            return false;
        }

        count = value.Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        return true;
    }

    private bool IsToken(string field, ReadOnlySpan<char> value)
    {
        if (!value.IsEmpty && !value.ContainsAnyExcept(TokenChars))
        {
            return true;
        }

        Error(_line, field, $"'{Preview(value)}' is not a token", "letters, digits and !#$%&'*+-.^_`{|}~");
        return false;
    }

    private static bool IsDigits(ReadOnlySpan<char> value) => !value.IsEmpty && value.ContainsOnlyAsciiDigits();

    private static bool TryNumber(ReadOnlySpan<char> value, int min, int max, out int number) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number >= min && number <= max;

    /// <summary>Shares the strings that nearly every description repeats.</summary>
    private static string Intern(ReadOnlySpan<char> value)
    {
        if (value.Length <= 3 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < SmallNumbers.Length && value.Length == SmallNumbers[n].Length)
        {
            return SmallNumbers[n];
        }

        return value switch
        {
            "IN" => "IN",
            "IP4" => "IP4",
            "IP6" => "IP6",
            "audio" => "audio",
            "video" => "video",
            "application" => "application",
            "text" => "text",
            "RTP/AVP" => "RTP/AVP",
            "RTP/SAVP" => "RTP/SAVP",
            "udp" => "udp",
            "rtpmap" => "rtpmap",
            "fmtp" => "fmtp",
            "recvonly" => "recvonly",
            "sendrecv" => "sendrecv",
            "sendonly" => "sendonly",
            "inactive" => "inactive",
            "tool" => "tool",
            "type" => "type",
            "ptime" => "ptime",
            "CT" => "CT",
            "AS" => "AS",
            _ => new string(value),
        };
    }
}
