using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// Writes a <see cref="MadcapMessage"/> in network byte order (RFC 2730 section 2.1): the header,
/// the known options in code order, the unknown options in list order, then End.
/// </summary>
/// <remarks>
/// The encoder writes what it is given and does not apply Table 5 (use <see cref="MadcapRules.Check"/>);
/// it throws <see cref="ArgumentException"/> only for what cannot be put on the wire: an address of
/// the wrong family, a time outside 1970-2106, a string or list too long for its length field, an
/// Error whose extra fields do not match its code, an unknown option with a known code or twice.
/// </remarks>
public static class MadcapEncoder
{
    /// <summary>The exact number of octets <see cref="TryEncode"/> writes. Throws <see cref="ArgumentException"/> as described on the class.</summary>
    public static int GetEncodedLength(MadcapMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new Writer([], measureOnly: true);
        writer.WriteMessage(message);
        return writer.Position;
    }

    /// <summary>Writes the message; false (and nothing written) when <paramref name="destination"/> is too small.</summary>
    public static bool TryEncode(MadcapMessage message, Span<byte> destination, out int written)
    {
        var length = GetEncodedLength(message);
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        var writer = new Writer(destination, measureOnly: false);
        writer.WriteMessage(message);
        written = writer.Position;
        return true;
    }

    public static byte[] Encode(MadcapMessage message)
    {
        var bytes = new byte[GetEncodedLength(message)];
        TryEncode(message, bytes, out _);
        return bytes;
    }

    /// <summary>Writes the message into <paramref name="output"/> and returns its length.</summary>
    public static int Encode(MadcapMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = GetEncodedLength(message);
        var span = output.GetSpan(length);
        TryEncode(message, span, out var written);
        output.Advance(written);
        return written;
    }

    /// <summary>Writes into a span, or only counts when measuring; each option's length is patched in after its value.</summary>
    private ref struct Writer(Span<byte> buffer, bool measureOnly)
    {
        private readonly Span<byte> _buffer = buffer;
        private readonly bool _measureOnly = measureOnly;

        public int Position { get; private set; }

        public void WriteMessage(MadcapMessage m)
        {
            var family = m.Family;
            if (family.AddressLength() == 0)
            {
                throw new ArgumentException($"Address family {(ushort)family} cannot be encoded; MADCAP addresses here are IPv4 (1) or IPv6 (2).", nameof(m));
            }

            // Header (2.1): version 0, msgtype, addrfamily, xid.
            WriteByte(0);
            WriteByte((byte)m.Type);
            WriteUInt16((ushort)family);
            WriteUInt32(m.Xid);

            if (m.LeaseTime is { } leaseTime)
            {
                var start = Begin(MadcapOptionCode.LeaseTime);
                WriteUInt32(Seconds(leaseTime, nameof(m.LeaseTime)));
                End(start);
            }

            if (m.ServerIdentifier is { } server)
            {
                var serverFamily = MadcapAddresses.FamilyOf(server)
                    ?? throw new ArgumentException("The Server Identifier must be an IPv4 or IPv6 address.", nameof(m));
                var start = Begin(MadcapOptionCode.ServerIdentifier);
                WriteUInt16((ushort)serverFamily);
                WriteAddress(server, serverFamily, nameof(m.ServerIdentifier));
                End(start);
            }

            if (!m.LeaseIdentifier.IsEmpty)
            {
                var start = Begin(MadcapOptionCode.LeaseIdentifier);
                WriteBytes(m.LeaseIdentifier.AsSpan());
                End(start);
            }

            if (m.Scope is { } scope)
            {
                var start = Begin(MadcapOptionCode.MulticastScope);
                WriteAddress(scope, family, nameof(m.Scope));
                End(start);
            }

            if (!m.OptionRequestList.IsEmpty)
            {
                var start = Begin(MadcapOptionCode.OptionRequestList);
                foreach (var code in m.OptionRequestList.AsSpan())
                {
                    WriteUInt16(code);
                }

                End(start);
            }

            WriteTime(MadcapOptionCode.StartTime, m.StartTime);

            if (m.AddressesRequested is { } count)
            {
                var start = Begin(MadcapOptionCode.NumberOfAddressesRequested);
                WriteUInt16(count.Minimum);
                WriteUInt16(count.Desired);
                End(start);
            }

            if (m.RequestedLanguage is { } language)
            {
                var start = Begin(MadcapOptionCode.RequestedLanguage);
                WriteString(language);
                End(start);
            }

            if (m.ScopeList is { } scopes)
            {
                WriteScopeList(scopes, family);
            }

            if (m.AddressRanges is { } ranges)
            {
                var start = Begin(MadcapOptionCode.ListOfAddressRanges);
                foreach (var range in ranges.AsSpan())
                {
                    ArgumentNullException.ThrowIfNull(range, nameof(m.AddressRanges));
                    WriteAddress(range.Start, family, nameof(m.AddressRanges));
                    WriteUInt16(range.BlockSize);
                }

                End(start);
            }

            WriteTime(MadcapOptionCode.CurrentTime, m.CurrentTime);

            if (m.Features is { } features)
            {
                var start = Begin(MadcapOptionCode.FeatureList);
                WriteFeatures(features.Supported, counted: true);
                WriteFeatures(features.Requested, counted: true);
                WriteFeatures(features.Required, counted: true);
                End(start);
            }

            WriteTime(MadcapOptionCode.RetryTime, m.RetryTime);

            if (m.MinLeaseTime is { } minLease)
            {
                var start = Begin(MadcapOptionCode.MinimumLeaseTime);
                WriteUInt32(Seconds(minLease, nameof(m.MinLeaseTime)));
                End(start);
            }

            WriteTime(MadcapOptionCode.MaximumStartTime, m.MaxStartTime);

            if (m.Error is { } error)
            {
                WriteError(error);
            }

            if (m.ScopeNestingState is { } nesting)
            {
                var start = Begin(MadcapOptionCode.MulticastScopeNestingState);
                WriteBytes(nesting.AsSpan());
                End(start);
            }

            var unknown = m.UnknownOptions.AsSpan();
            for (var i = 0; i < unknown.Length; i++)
            {
                var option = unknown[i] ?? throw new ArgumentException("An unknown option is null.", nameof(m));
                if (option.Code == (ushort)MadcapOptionCode.End || MadcapCodes.IsKnownOption(option.Code))
                {
                    throw new ArgumentException($"Option {option.Code} has a typed property; it cannot be written as an unknown option.", nameof(m));
                }

                if (unknown[..i].ContainsCode(option.Code))
                {
                    throw new ArgumentException($"Option {option.Code} appears twice; RFC 2730 section 2.1.5 allows one of each.", nameof(m));
                }

                var start = Begin((MadcapOptionCode)option.Code);
                WriteBytes(option.Value.AsSpan());
                End(start);
            }

            // 2.1.5 / 3.1: End, code 0 length 0, exactly once and last.
            WriteUInt16((ushort)MadcapOptionCode.End);
            WriteUInt16(0);
        }

        private void WriteScopeList(MadcapList<MadcapScope> scopes, MadcapAddressFamily family)
        {
            if (scopes.Count > byte.MaxValue)
            {
                throw new ArgumentException("A Multicast Scope List holds at most 255 scopes (its count is one octet).", nameof(scopes));
            }

            var start = Begin(MadcapOptionCode.MulticastScopeList);
            WriteByte((byte)scopes.Count);
            foreach (var scope in scopes.AsSpan())
            {
                ArgumentNullException.ThrowIfNull(scope, nameof(scopes));
                WriteAddress(scope.ScopeId, family, nameof(scope.ScopeId));
                WriteAddress(scope.LastAddress, family, nameof(scope.LastAddress));
                WriteByte(scope.Ttl);
                if (scope.Names.Count > byte.MaxValue)
                {
                    throw new ArgumentException("A scope has at most 255 names (its name count is one octet).", nameof(scopes));
                }

                WriteByte((byte)scope.Names.Count);
                foreach (var name in scope.Names.AsSpan())
                {
                    ArgumentNullException.ThrowIfNull(name, nameof(scopes));
                    WriteByte(name.IsDefault ? MadcapScopeNameFlags.Default : (byte)0);
                    WriteShortString(name.Language, nameof(name.Language));
                    WriteShortString(name.Name, nameof(name.Name));
                }
            }

            End(start);
        }

        private void WriteFeatures(MadcapList<MadcapFeature> features, bool counted)
        {
            if (counted)
            {
                if (features.Count > ushort.MaxValue)
                {
                    throw new ArgumentException("A feature list holds at most 65535 codes.", nameof(features));
                }

                WriteUInt16((ushort)features.Count);
            }

            foreach (var feature in features.AsSpan())
            {
                WriteUInt16((ushort)feature);
            }
        }

        // 3.17: the extra data must be the one the code calls for.
        private void WriteError(MadcapError error)
        {
            var start = Begin(MadcapOptionCode.Error);
            WriteUInt16((ushort)error.Code);
            switch (error.Code)
            {
                case MadcapErrorCode.ValidRequestCouldNotBeCompleted or MadcapErrorCode.InvalidRequest:
                    WriteUInt16(error.OptionCode ?? throw new ArgumentException($"Error {error.Code} carries an option code (or 0xFFFF).", nameof(error)));
                    break;
                case MadcapErrorCode.ExcessiveClockSkew:
                    var time = error.ServerTime ?? throw new ArgumentException("Error 2 (Excessive Clock Skew) carries the server's current time.", nameof(error));
                    WriteUInt32(Seconds(time, nameof(error.ServerTime)));
                    break;
                case MadcapErrorCode.LeaseIdentifierNotRecognized:
                    break;
                case MadcapErrorCode.RequiredFeatureNotSupported:
                    WriteFeatures(error.Features, counted: false);
                    break;
                default:
                    WriteBytes(error.Data.AsSpan());
                    break;
            }

            if (error.Code is not (MadcapErrorCode.ValidRequestCouldNotBeCompleted or MadcapErrorCode.InvalidRequest) && error.OptionCode is not null
                || error.Code != MadcapErrorCode.ExcessiveClockSkew && error.ServerTime is not null
                || error.Code != MadcapErrorCode.RequiredFeatureNotSupported && !error.Features.IsEmpty
                || Enum.IsDefined(error.Code) && !error.Data.IsEmpty)
            {
                throw new ArgumentException($"Error {(ushort)error.Code} has extra fields its code does not carry (RFC 2730 section 3.17).", nameof(error));
            }

            End(start);
        }

        private void WriteTime(MadcapOptionCode code, DateTimeOffset? time)
        {
            if (time is { } value)
            {
                var start = Begin(code);
                WriteUInt32(Seconds(value, code.ToString()));
                End(start);
            }
        }

        private static uint Seconds(DateTimeOffset time, string what) =>
            MadcapTime.TryToWire(time, out var seconds)
                ? seconds
                : throw new ArgumentOutOfRangeException(what, time, "MADCAP times are 32-bit seconds since 1970 (RFC 2730 section 3.7): 1970 to 2106.");

        private static uint Seconds(TimeSpan duration, string what) =>
            MadcapTime.TryToWire(duration, out var seconds)
                ? seconds
                : throw new ArgumentOutOfRangeException(what, duration, "MADCAP durations are 32-bit whole seconds, not negative.");

        private int Begin(MadcapOptionCode code)
        {
            WriteUInt16((ushort)code);
            WriteUInt16(0); // patched by End
            return Position;
        }

        private readonly void End(int valueStart)
        {
            var length = Position - valueStart;
            if (length > ushort.MaxValue)
            {
                throw new ArgumentException("An option value is longer than its 16-bit length field allows (65535 octets).");
            }

            if (!_measureOnly)
            {
                BinaryPrimitives.WriteUInt16BigEndian(_buffer[(valueStart - 2)..], (ushort)length);
            }
        }

        private void WriteAddress(IPAddress address, MadcapAddressFamily family, string what)
        {
            ArgumentNullException.ThrowIfNull(address, what);
            if (!address.IsOf(family))
            {
                throw new ArgumentException($"{what} {address} is not of the address family {family}.", what);
            }

            var length = family.AddressLength();
            if (!_measureOnly)
            {
                address.TryWriteBytes(_buffer.Slice(Position, length), out _);
            }

            Position += length;
        }

        private void WriteString(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            if (!_measureOnly)
            {
                Encoding.UTF8.GetBytes(value, _buffer.Slice(Position, length));
            }

            Position += length;
        }

        // 3.10: a one-octet length, not zero, then UTF-8.
        private void WriteShortString(string value, string what)
        {
            ArgumentNullException.ThrowIfNull(value, what);
            var length = Encoding.UTF8.GetByteCount(value);
            if (length is 0 or > byte.MaxValue)
            {
                throw new ArgumentException($"{what} must be 1 to 255 octets of UTF-8 (RFC 2730 section 3.10); it is {length}.", what);
            }

            WriteByte((byte)length);
            WriteString(value);
        }

        private void WriteByte(byte value)
        {
            if (!_measureOnly)
            {
                _buffer[Position] = value;
            }

            Position += 1;
        }

        private void WriteUInt16(ushort value)
        {
            if (!_measureOnly)
            {
                BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
            }

            Position += 2;
        }

        private void WriteUInt32(uint value)
        {
            if (!_measureOnly)
            {
                BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
            }

            Position += 4;
        }

        private void WriteBytes(ReadOnlySpan<byte> value)
        {
            if (!_measureOnly)
            {
                value.CopyTo(_buffer[Position..]);
            }

            Position += value.Length;
        }
    }
}
