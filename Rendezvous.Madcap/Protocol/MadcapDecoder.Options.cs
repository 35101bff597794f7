using System.Buffers.Binary;
using System.Net;

namespace Rendezvous.Madcap.Protocol;

public static partial class MadcapDecoder
{
    /// <summary>The options read so far; each <see cref="Read"/> checks one option's length and structure (RFC 2730 section 3).</summary>
    private struct OptionSet(MadcapAddressFamily family)
    {
        private readonly int _addressLength = family.AddressLength();
        private TimeSpan? _leaseTime;
        private IPAddress? _serverIdentifier;
        private MadcapList<byte> _leaseIdentifier;
        private IPAddress? _scope;
        private MadcapList<ushort> _optionRequestList;
        private DateTimeOffset? _startTime;
        private MadcapAddressCount? _addressesRequested;
        private string? _requestedLanguage;
        private MadcapList<MadcapScope>? _scopeList;
        private MadcapList<MadcapAddressRange>? _addressRanges;
        private DateTimeOffset? _currentTime;
        private MadcapFeatureList? _features;
        private DateTimeOffset? _retryTime;
        private TimeSpan? _minLeaseTime;
        private DateTimeOffset? _maxStartTime;
        private MadcapError? _error;
        private MadcapList<byte>? _scopeNestingState;
        private List<MadcapRawOption>? _unknown;

        public readonly MadcapMessage Build(MadcapMessageType type, uint xid) => new(type, family, xid)
        {
            LeaseTime = _leaseTime,
            ServerIdentifier = _serverIdentifier,
            LeaseIdentifier = _leaseIdentifier,
            Scope = _scope,
            OptionRequestList = _optionRequestList,
            StartTime = _startTime,
            AddressesRequested = _addressesRequested,
            RequestedLanguage = _requestedLanguage,
            ScopeList = _scopeList,
            AddressRanges = _addressRanges,
            CurrentTime = _currentTime,
            Features = _features,
            RetryTime = _retryTime,
            MinLeaseTime = _minLeaseTime,
            MaxStartTime = _maxStartTime,
            Error = _error,
            ScopeNestingState = _scopeNestingState,
            UnknownOptions = _unknown is null ? default : MadcapList.From(_unknown),
        };

        public MadcapDecodeError Read(ushort code, ReadOnlySpan<byte> value)
        {
            switch ((MadcapOptionCode)code)
            {
                case MadcapOptionCode.LeaseTime: // 3.2: length 4, seconds.
                    return Seconds(value, out _leaseTime);
                case MadcapOptionCode.ServerIdentifier:
                    return ReadServerIdentifier(value);
                case MadcapOptionCode.LeaseIdentifier: // 3.4: minimum length 1.
                    if (value.IsEmpty)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _leaseIdentifier = MadcapList.Create(value);
                    return MadcapDecodeError.None;
                case MadcapOptionCode.MulticastScope: // 3.5: the Scope ID, an address of the header's family.
                    if (value.Length != _addressLength)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _scope = new IPAddress(value);
                    return MadcapDecodeError.None;
                case MadcapOptionCode.OptionRequestList: // 3.6: minimum length 2, a list of 2-octet codes.
                    if (value.Length < 2 || value.Length % 2 != 0)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    var codes = new ushort[value.Length / 2];
                    for (var i = 0; i < codes.Length; i++)
                    {
                        codes[i] = BinaryPrimitives.ReadUInt16BigEndian(value[(i * 2)..]);
                    }

                    _optionRequestList = MadcapList.Create<ushort>(codes);
                    return MadcapDecodeError.None;
                case MadcapOptionCode.StartTime: // 3.7
                    return Time(value, out _startTime);
                case MadcapOptionCode.NumberOfAddressesRequested: // 3.8: length 4, min(2) desired(2).
                    if (value.Length != 4)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _addressesRequested = new(BinaryPrimitives.ReadUInt16BigEndian(value), BinaryPrimitives.ReadUInt16BigEndian(value[2..]));
                    return MadcapDecodeError.None;
                case MadcapOptionCode.RequestedLanguage: // 3.9: minimum length 0, an RFC 1766 tag.
                    if (!MadcapReader.TryDecodeUtf8(value, out var language))
                    {
                        return MadcapDecodeError.OptionValueInvalid;
                    }

                    _requestedLanguage = language;
                    return MadcapDecodeError.None;
                case MadcapOptionCode.MulticastScopeList:
                    return ReadScopeList(value);
                case MadcapOptionCode.ListOfAddressRanges:
                    return ReadAddressRanges(value);
                case MadcapOptionCode.CurrentTime: // 3.12
                    return Time(value, out _currentTime);
                case MadcapOptionCode.FeatureList:
                    return ReadFeatureList(value);
                case MadcapOptionCode.RetryTime: // 3.14
                    return Time(value, out _retryTime);
                case MadcapOptionCode.MinimumLeaseTime: // 3.15
                    return Seconds(value, out _minLeaseTime);
                case MadcapOptionCode.MaximumStartTime: // 3.16
                    return Time(value, out _maxStartTime);
                case MadcapOptionCode.Error:
                    return ReadError(value);
                case MadcapOptionCode.MulticastScopeNestingState: // RFC 2907: kept raw.
                    _scopeNestingState = MadcapList.Create(value);
                    return MadcapDecodeError.None;
                default: // 2.1.5: unknown options are ignored; kept for the caller.
                    (_unknown ??= []).Add(new MadcapRawOption(code, MadcapList.Create(value)));
                    return MadcapDecodeError.None;
            }
        }

        private static MadcapDecodeError Seconds(ReadOnlySpan<byte> value, out TimeSpan? seconds)
        {
            seconds = null;
            if (value.Length != 4)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            seconds = TimeSpan.FromSeconds((long)BinaryPrimitives.ReadUInt32BigEndian(value));
            return MadcapDecodeError.None;
        }

        private static MadcapDecodeError Time(ReadOnlySpan<byte> value, out DateTimeOffset? time)
        {
            time = null;
            if (value.Length != 4)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            time = MadcapTime.FromWire(BinaryPrimitives.ReadUInt32BigEndian(value));
            return MadcapDecodeError.None;
        }

        // 3.3: addrfamily(2) then the address; minimum length 3. The family is the option's own,
        // not the header's. Only IPv4 and IPv6 can be represented.
        private MadcapDecodeError ReadServerIdentifier(ReadOnlySpan<byte> value)
        {
            if (value.Length < 3)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            var addressLength = ((MadcapAddressFamily)BinaryPrimitives.ReadUInt16BigEndian(value)).AddressLength();
            if (addressLength == 0)
            {
                return MadcapDecodeError.OptionValueInvalid;
            }

            if (value.Length != 2 + addressLength)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            _serverIdentifier = new IPAddress(value[2..]);
            return MadcapDecodeError.None;
        }

        // 3.10: count(1), then per scope: Scope ID, last address, TTL(1), name count(1), then per
        // name: flags(1), language length(1, not 0), language, name length(1, not 0), UTF-8 name.
        // Everything must fit the option's length exactly; Scope IDs are unique.
        private MadcapDecodeError ReadScopeList(ReadOnlySpan<byte> value)
        {
            var reader = new MadcapReader(value);
            if (!reader.TryReadByte(out var count))
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            var scopes = new MadcapScope[count];
            for (var i = 0; i < count; i++)
            {
                if (!reader.TryReadAddress(_addressLength, out var scopeId)
                    || !reader.TryReadAddress(_addressLength, out var last)
                    || !reader.TryReadByte(out var ttl)
                    || !reader.TryReadByte(out var nameCount))
                {
                    return MadcapDecodeError.OptionValueInvalid;
                }

                var names = new MadcapScopeName[nameCount];
                for (var n = 0; n < nameCount; n++)
                {
                    if (!reader.TryReadByte(out var flags)
                        || !reader.TryReadShortString(out var tag)
                        || !reader.TryReadShortString(out var name))
                    {
                        return MadcapDecodeError.OptionValueInvalid;
                    }

                    // Only the high bit is defined; the others are zero when sent and not looked at here.
                    names[n] = new MadcapScopeName(tag, name, (flags & MadcapScopeNameFlags.Default) != 0);
                }

                if (MadcapAddresses.Compare(scopeId, last) > 0)
                {
                    return MadcapDecodeError.OptionValueInvalid;
                }

                for (var j = 0; j < i; j++)
                {
                    if (scopes[j].ScopeId.Equals(scopeId))
                    {
                        return MadcapDecodeError.OptionValueInvalid;
                    }
                }

                scopes[i] = new MadcapScope(scopeId, last, ttl, MadcapList.Create<MadcapScopeName>(names));
            }

            if (!reader.IsEmpty)
            {
                return MadcapDecodeError.OptionValueInvalid;
            }

            _scopeList = MadcapList.Create<MadcapScope>(scopes);
            return MadcapDecodeError.None;
        }

        // 3.11: repeated start address (header's family) and block size(2); minimum length 0.
        private MadcapDecodeError ReadAddressRanges(ReadOnlySpan<byte> value)
        {
            var entry = _addressLength + 2;
            if (value.Length % entry != 0)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            var ranges = new MadcapAddressRange[value.Length / entry];
            for (var i = 0; i < ranges.Length; i++)
            {
                var item = value.Slice(i * entry, entry);
                ranges[i] = new MadcapAddressRange(new IPAddress(item[.._addressLength]), BinaryPrimitives.ReadUInt16BigEndian(item[_addressLength..]));
            }

            _addressRanges = MadcapList.Create<MadcapAddressRange>(ranges);
            return MadcapDecodeError.None;
        }

        // 3.13: minimum length 6; three lists (supported, requested, required), each count(2)
        // then count 2-octet feature codes, exactly filling the option.
        private MadcapDecodeError ReadFeatureList(ReadOnlySpan<byte> value)
        {
            if (value.Length < 6)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            var reader = new MadcapReader(value);
            if (!TryReadFeatures(ref reader, out var supported)
                || !TryReadFeatures(ref reader, out var requested)
                || !TryReadFeatures(ref reader, out var required)
                || !reader.IsEmpty)
            {
                return MadcapDecodeError.OptionValueInvalid;
            }

            _features = new MadcapFeatureList(supported, requested, required);
            return MadcapDecodeError.None;
        }

        private static bool TryReadFeatures(ref MadcapReader reader, out MadcapList<MadcapFeature> features)
        {
            features = default;
            if (!reader.TryReadUInt16(out var count) || !reader.TryTake(count * 2, out var codes))
            {
                return false;
            }

            features = ReadFeatureCodes(codes);
            return true;
        }

        private static MadcapList<MadcapFeature> ReadFeatureCodes(ReadOnlySpan<byte> codes)
        {
            var features = new MadcapFeature[codes.Length / 2];
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = (MadcapFeature)BinaryPrimitives.ReadUInt16BigEndian(codes[(i * 2)..]);
            }

            return MadcapList.Create<MadcapFeature>(features);
        }

        // 3.17: minimum length 2, error code(2) then extra data whose form depends on the code.
        private MadcapDecodeError ReadError(ReadOnlySpan<byte> value)
        {
            if (value.Length < 2)
            {
                return MadcapDecodeError.OptionLengthInvalid;
            }

            var code = (MadcapErrorCode)BinaryPrimitives.ReadUInt16BigEndian(value);
            var extra = value[2..];
            switch (code)
            {
                case MadcapErrorCode.ValidRequestCouldNotBeCompleted or MadcapErrorCode.InvalidRequest: // an option code or 0xFFFF
                    if (extra.Length != 2)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _error = new MadcapError(code) { OptionCode = BinaryPrimitives.ReadUInt16BigEndian(extra) };
                    return MadcapDecodeError.None;
                case MadcapErrorCode.ExcessiveClockSkew: // the server's current time
                    if (extra.Length != 4)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _error = new MadcapError(code) { ServerTime = MadcapTime.FromWire(BinaryPrimitives.ReadUInt32BigEndian(extra)) };
                    return MadcapDecodeError.None;
                case MadcapErrorCode.LeaseIdentifierNotRecognized: // no extra data
                    if (!extra.IsEmpty)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _error = new MadcapError(code);
                    return MadcapDecodeError.None;
                case MadcapErrorCode.RequiredFeatureNotSupported: // a list of feature codes
                    if (extra.Length % 2 != 0)
                    {
                        return MadcapDecodeError.OptionLengthInvalid;
                    }

                    _error = new MadcapError(code) { Features = ReadFeatureCodes(extra) };
                    return MadcapDecodeError.None;
                default: // other codes (1024-2047 experimental): extra data kept opaque
                    _error = new MadcapError(code) { Data = MadcapList.Create(extra) };
                    return MadcapDecodeError.None;
            }
        }
    }
}

/// <summary>RFC 2730 section 3.10: the flags octet of a scope name.</summary>
internal static class MadcapScopeNameFlags
{
    /// <summary>High bit: use this name when no name matches the requested language.</summary>
    public const byte Default = 0x80;
}
