namespace Rendezvous.Directory.Sdp;

/// <summary>
/// One parse: walks the lines once, checks RFC 8866 order with a small state machine and
/// builds the model. Scratch lists come from the array pool; only the model is allocated.
/// Field syntax lives in SdpReader.Fields.cs.
/// </summary>
internal ref partial struct SdpReader
{
    // RFC 8866 section 5: session-level lines in this order; m= starts a media section.
    private const string SessionOrder = "vosiuepcbtrzkam";

    // Within a media section (RFC 8866 section 5): m i c* b* k a*.
    private const string MediaOrder = "micbka";

    private readonly ReadOnlySpan<char> _text;
    private readonly SdpParseOptions _options;
    private readonly bool _lenient;

    private List<SdpDiagnostic>? _diagnostics;
    private int _errors;
    private int _line;
    private bool _stopped;

    // Session level.
    private int _sessionLastOrder;
    private bool _seenVersion;
    private SdpOrigin? _origin;
    private string? _name;
    private string? _information;
    private string? _uri;
    private PooledList<string> _emails;
    private PooledList<string> _phones;
    private SdpConnection? _connection;
    private bool _seenConnection;
    private PooledList<SdpBandwidth> _bandwidths;
    private PooledList<SdpTime> _times;
    private SdpKey? _key;
    private bool _seenKey;
    private PooledList<SdpAttribute> _attributes;

    // The time description being read: t= with its r= and z= lines.
    private bool _inTime;
    private ulong _timeStart;
    private ulong _timeStop;
    private PooledList<SdpRepeat> _repeats;
    private PooledList<SdpZoneAdjustment> _zones;
    private bool _seenZone;

    // The media section being read.
    private PooledList<SdpMedia> _media;
    private bool _inMedia;
    private bool _mediaValid;
    private int _mediaLastOrder;
    private int _mediaSections;
    private string _mediaKind;
    private int _mediaPort;
    private int? _mediaPortCount;
    private string _mediaProto;
    private ValueList<string> _mediaFormats;
    private string? _mediaInformation;
    private PooledList<SdpConnection> _mediaConnections;
    private PooledList<SdpBandwidth> _mediaBandwidths;
    private SdpKey? _mediaKey;
    private bool _seenMediaKey;
    private PooledList<SdpAttribute> _mediaAttributes;

    public SdpReader(ReadOnlySpan<char> text, SdpParseOptions options)
    {
        _text = text;
        _options = options;
        _lenient = options.Mode == SdpParseMode.Lenient;
        _sessionLastOrder = -1;
        _mediaKind = "";
        _mediaProto = "";
    }

    public SdpParseResult Run()
    {
        if (_text.Length > _options.MaxLength)
        {
            Error(0, "sdp", $"is {_text.Length} characters long", $"at most {_options.MaxLength}");
            return Result(null);
        }

        if (_text.IsEmpty)
        {
            Error(0, "sdp", "is empty", "v=0 as the first line");
            return Result(null);
        }

        var position = 0;
        while (position < _text.Length && !_stopped)
        {
            if (++_line > _options.MaxLines)
            {
                Error(_line, "sdp", $"has more than {_options.MaxLines} lines", $"at most {_options.MaxLines} lines");
                break;
            }

            var rest = _text[position..];
            var newline = rest.IndexOf('\n');
            ReadOnlySpan<char> line;
            if (newline < 0)
            {
                line = rest;
                position = _text.Length;
                Deviation(_line, "line end", "is missing after the last line", "CRLF or LF");
            }
            else
            {
                line = rest[..newline];
                position += newline + 1;
            }

            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            ReadLine(line);
        }

        if (!_stopped)
        {
            EndTime();
            EndMedia();
            RequireSessionFields();
        }

        if (_errors > 0)
        {
            return Result(null);
        }

        var description = new SessionDescription
        {
            Version = 0,
            Origin = _origin!,
            Name = _name!,
            Information = _information,
            Uri = _uri,
            Emails = _emails.ToValueList(),
            Phones = _phones.ToValueList(),
            Connection = _connection,
            Bandwidths = _bandwidths.ToValueList(),
            Times = _times.ToValueList(),
            Key = _key,
            Attributes = _attributes.ToValueList(),
            Media = _media.ToValueList(),
        };

        if (_options.Validate)
        {
            List<SdpIssue>? issues = null;
            SdpValidator.Check(description, _options.AdvertisingScope, ref issues);
            if (issues is not null)
            {
                foreach (var issue in issues)
                {
                    Add(issue.ToDiagnostic(SdpLineLocator.Find(_text, issue.Location)));
                }
            }
        }

        return Result(_errors > 0 ? null : description);
    }

    public void Dispose()
    {
        _emails.Return();
        _phones.Return();
        _bandwidths.Return();
        _times.Return();
        _attributes.Return();
        _repeats.Return();
        _zones.Return();
        _media.Return();
        _mediaConnections.Return();
        _mediaBandwidths.Return();
        _mediaAttributes.Return();
    }

    private readonly SdpParseResult Result(SessionDescription? description)
    {
        IReadOnlyList<SdpDiagnostic> diagnostics = _diagnostics is null
            ? []
            : [.. _diagnostics.OrderBy(d => d.Line == 0 ? int.MaxValue : d.Line)];
        return new SdpParseResult(description, diagnostics);
    }

    private void ReadLine(ReadOnlySpan<char> line)
    {
        if (line.IsEmpty)
        {
            Deviation(_line, "line", "is blank", "<type>=<value>");
            return;
        }

        if (line.Contains('\0'))
        {
            Error(_line, "line", "contains a NUL character", "text without NUL, CR or LF");
            return;
        }

        if (line.Contains('\r'))
        {
            Error(_line, "line", "contains a CR that does not end the line", "CRLF or LF line ends");
            return;
        }

        if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetterLower(line[0]))
        {
            Error(_line, "line", $"'{Preview(line)}' is not a <type>=<value> line", "a lower-case letter, '=', then the value");
            return;
        }

        var type = line[0];
        var value = line[2..];
        if (_lenient && type is not ('s' or 'i') && value.Length > 0 && value[^1] is ' ' or '\t')
        {
            value = value.TrimEnd(" \t");
            Warning(_line, Field(type), "has trailing white space, which was ignored");
        }

        if (!_seenVersion && type != 'v')
        {
            Error(_line, Field(type), "comes before v=", "v=0 as the first line");
            _seenVersion = true;
        }

        if (type == 'm')
        {
            StartMedia(value);
        }
        else if (_inMedia)
        {
            ReadMediaLine(type, value);
        }
        else
        {
            ReadSessionLine(type, value);
        }
    }

    private void ReadSessionLine(char type, ReadOnlySpan<char> value)
    {
        var order = SessionOrder.IndexOf(type, StringComparison.Ordinal);
        if (order < 0)
        {
            UnknownType(type);
            return;
        }

        // A new t= may follow r= or z= lines: each t= starts another time description.
        var repeatsTime = type == 't' && _sessionLastOrder <= SessionOrder.IndexOf('z', StringComparison.Ordinal);
        if (order < _sessionLastOrder && !repeatsTime)
        {
            OutOfOrder(type, SessionOrder[_sessionLastOrder]);
        }
        else
        {
            _sessionLastOrder = order;
        }

        switch (type)
        {
            case 'v':
                if (_seenVersion && _line > 1)
                {
                    Duplicate(type);
                    return;
                }

                _seenVersion = true;
                if (!value.SequenceEqual("0"))
                {
                    Error(_line, "v=", $"'{Preview(value)}' is not a supported version", "0");
                }

                break;
            case 'o':
                if (_origin is not null)
                {
                    Duplicate(type);
                    return;
                }

                _origin = ParseOrigin(value);
                break;
            case 's':
                if (_name is not null)
                {
                    Duplicate(type);
                    return;
                }

                _name = Text(type, value, emptyAllowed: false);
                break;
            case 'i':
                if (_information is not null)
                {
                    Duplicate(type);
                    return;
                }

                _information = Text(type, value, emptyAllowed: false);
                break;
            case 'u':
                if (_uri is not null)
                {
                    Duplicate(type);
                    return;
                }

                _uri = Text(type, value, emptyAllowed: false);
                break;
            case 'e':
                _emails.Add(Text(type, value, emptyAllowed: false));
                break;
            case 'p':
                _phones.Add(Text(type, value, emptyAllowed: false));
                break;
            case 'c':
                if (_seenConnection)
                {
                    Duplicate(type);
                    return;
                }

                _seenConnection = true;
                _connection = ParseConnection(value);
                break;
            case 'b':
                if (ParseBandwidth(value) is { } bandwidth)
                {
                    _bandwidths.Add(bandwidth);
                }

                break;
            case 't':
                EndTime();
                if (ParseTime(value, out _timeStart, out _timeStop))
                {
                    _inTime = true;
                }

                break;
            case 'r':
                ReadRepeat(value);
                break;
            case 'z':
                ReadZone(value);
                break;
            case 'k':
                if (_seenKey)
                {
                    Duplicate(type);
                    return;
                }

                _seenKey = true;
                _key = ParseKey(value);
                break;
            case 'a':
                if (ParseAttribute(value) is { } attribute)
                {
                    _attributes.Add(attribute);
                }

                break;
        }
    }

    private void ReadRepeat(ReadOnlySpan<char> value)
    {
        if (!_inTime)
        {
            Deviation(_line, "r=", "has no t= line before it", "r= right after its t= line");
            return;
        }

        if (ParseRepeat(value) is { } repeat)
        {
            _repeats.Add(repeat);
        }
    }

    private void ReadZone(ReadOnlySpan<char> value)
    {
        if (!_inTime)
        {
            Deviation(_line, "z=", "has no t= line before it", "z= after the t= and r= lines it adjusts");
            return;
        }

        if (_seenZone)
        {
            Duplicate('z');
            return;
        }

        if (_repeats.Count == 0)
        {
            // RFC 8866 section 9: repeat-description = 1*repeat-field [zone-field]. RFC 4566
            // also allowed z= after t= alone.
            if (!_lenient)
            {
                Error(_line, "z=", "follows a t= line with no r= lines", "z= only after r= lines (RFC 8866); the lenient mode accepts RFC 4566 descriptions");
                return;
            }

            Warning(_line, "z=", "follows a t= line with no r= lines (allowed by RFC 4566, not RFC 8866)");
        }

        _seenZone = true;
        ParseZone(value);
    }

    private void EndTime()
    {
        if (!_inTime)
        {
            return;
        }

        _times.Add(new SdpTime(_timeStart, _timeStop) { Repeats = _repeats.ToValueList(), ZoneAdjustments = _zones.ToValueList() });
        _repeats.Clear();
        _zones.Clear();
        _inTime = false;
        _seenZone = false;
    }

    private void StartMedia(ReadOnlySpan<char> value)
    {
        EndTime();
        EndMedia();
        if (++_mediaSections > _options.MaxMedia)
        {
            Error(_line, "m=", $"is media section {_mediaSections}", $"at most {_options.MaxMedia} media sections");
            _stopped = true;
            return;
        }

        _inMedia = true;
        _mediaLastOrder = 0;
        _mediaValid = ParseMediaLine(value);
    }

    private void ReadMediaLine(char type, ReadOnlySpan<char> value)
    {
        var order = MediaOrder.IndexOf(type, StringComparison.Ordinal);
        if (order < 0)
        {
            if (SessionOrder.Contains(type, StringComparison.Ordinal))
            {
                Deviation(_line, Field(type), "is not allowed in a media section", "only i=, c=, b=, k= and a= after m=");
            }
            else
            {
                UnknownType(type);
            }

            return;
        }

        if (order < _mediaLastOrder)
        {
            OutOfOrder(type, MediaOrder[_mediaLastOrder]);
        }
        else
        {
            _mediaLastOrder = order;
        }

        switch (type)
        {
            case 'i':
                if (_mediaInformation is not null)
                {
                    Duplicate(type);
                    return;
                }

                _mediaInformation = Text(type, value, emptyAllowed: false);
                break;
            case 'c':
                if (ParseConnection(value) is { } connection)
                {
                    _mediaConnections.Add(connection);
                }

                break;
            case 'b':
                if (ParseBandwidth(value) is { } bandwidth)
                {
                    _mediaBandwidths.Add(bandwidth);
                }

                break;
            case 'k':
                if (_seenMediaKey)
                {
                    Duplicate(type);
                    return;
                }

                _seenMediaKey = true;
                _mediaKey = ParseKey(value);
                break;
            case 'a':
                if (ParseAttribute(value) is { } attribute)
                {
                    _mediaAttributes.Add(attribute);
                }

                break;
        }
    }

    private void EndMedia()
    {
        if (!_inMedia)
        {
            return;
        }

        if (_mediaValid)
        {
            _media.Add(new SdpMedia(_mediaKind, _mediaPort, _mediaPortCount, _mediaProto, _mediaFormats)
            {
                Information = _mediaInformation,
                Connections = _mediaConnections.ToValueList(),
                Bandwidths = _mediaBandwidths.ToValueList(),
                Key = _mediaKey,
                Attributes = _mediaAttributes.ToValueList(),
            });
        }

        _mediaInformation = null;
        _mediaConnections.Clear();
        _mediaBandwidths.Clear();
        _mediaKey = null;
        _seenMediaKey = false;
        _mediaAttributes.Clear();
        _inMedia = false;
    }

    private void RequireSessionFields()
    {
        if (_origin is null && _errors == 0)
        {
            Error(0, "o=", "is missing", "o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>");
        }

        if (_name is null && _errors == 0)
        {
            Error(0, "s=", "is missing", "s=<session name>");
        }

        if (_times.Count == 0)
        {
            Deviation(0, "t=", "is missing", "at least one t=<start> <stop> line");
        }
    }

    /// <summary>
    /// Strict: an error. Lenient: a warning. Either way the line is still read, so that its
    /// own problems are reported and no "missing" error follows from skipping it.
    /// </summary>
    private void OutOfOrder(char type, char after)
    {
        if (!_lenient)
        {
            Error(_line, Field(type), $"is out of order: it cannot follow {after}=", "RFC 8866 order v o s i u e p c b t r z k a, then m i c b k a per media");
            return;
        }

        Warning(_line, Field(type), $"is out of RFC 8866 order (after {after}=)");
    }

    private void Duplicate(char type)
    {
        if (_lenient)
        {
            Warning(_line, Field(type), "appears more than once here; the later one was ignored");
        }
        else
        {
            Error(_line, Field(type), "appears more than once here", $"at most one {type}= line {(_inMedia ? "per media section" : "at session level")}");
        }
    }

    private void UnknownType(char type)
    {
        if (_lenient)
        {
            Warning(_line, Field(type), "is not an SDP line type and was ignored");
        }
        else
        {
            // RFC 8866 section 5: a parser must not accept a description with a type it does not know.
            Error(_line, Field(type), "is not an SDP line type", "one of v o s i u e p c b t r z k a m");
        }
    }

    /// <summary>A departure that the lenient mode accepts with a warning and the strict mode rejects.</summary>
    private void Deviation(int line, string field, string message, string expected)
    {
        if (_lenient)
        {
            Warning(line, field, message);
        }
        else
        {
            Error(line, field, message, expected);
        }
    }

    private void Error(int line, string field, string message, string? expected = null) =>
        Add(new SdpDiagnostic(SdpSeverity.Error, line, field, message, expected));

    private void Warning(int line, string field, string message) =>
        Add(new SdpDiagnostic(SdpSeverity.Warning, line, field, message));

    private void Add(SdpDiagnostic diagnostic)
    {
        (_diagnostics ??= []).Add(diagnostic);
        if (diagnostic.Severity == SdpSeverity.Error && ++_errors >= _options.MaxErrors && !_stopped)
        {
            _stopped = true;
            _diagnostics.Add(new SdpDiagnostic(SdpSeverity.Error, _line, "sdp", $"has too many errors; parsing stopped after {_errors}"));
        }
    }

    private static string Field(char type) => type switch
    {
        'v' => "v=", 'o' => "o=", 's' => "s=", 'i' => "i=", 'u' => "u=", 'e' => "e=", 'p' => "p=", 'c' => "c=",
        'b' => "b=", 't' => "t=", 'r' => "r=", 'z' => "z=", 'k' => "k=", 'a' => "a=", 'm' => "m=",
        _ => type + "=",
    };

    /// <summary>At most 40 characters of untrusted input, for messages.</summary>
    private static string Preview(ReadOnlySpan<char> value) => value.Length <= 40 ? value.ToString() : string.Concat(value[..40], "...");
}
