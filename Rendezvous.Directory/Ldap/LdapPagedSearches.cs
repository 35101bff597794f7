using System.DirectoryServices.Protocols;
using System.Security.Cryptography;

namespace Rendezvous.Directory.Ldap;

/// <summary>One page of a directory listing.</summary>
/// <param name="ContinuationToken">Pass to <see cref="LdapPagedSearches.Continue"/> for the next page; null after the last page.</param>
public sealed record DirectoryPage(IReadOnlyList<DiscoveredObject> Objects, string? ContinuationToken);

/// <summary>The continuation token is unknown, was already used, expired, or its search was closed to make room.</summary>
public sealed class PagedSearchExpiredException : Exception
{
    public PagedSearchExpiredException()
        : this("The continuation token is unknown, was already used, or has expired; start the listing again.")
    {
    }

    public PagedSearchExpiredException(string message)
        : base(message)
    {
    }

    public PagedSearchExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Every allowed paged search is in the middle of fetching a page; none could be closed to make room.</summary>
public sealed class PagedSearchLimitException : Exception
{
    public PagedSearchLimitException()
        : this("Too many directory listings are being read at once; try again shortly.")
    {
    }

    public PagedSearchLimitException(string message)
        : base(message)
    {
    }

    public PagedSearchLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Paged listings of one directory (RFC 2696 simple paged results) that continue across
/// HTTP requests. A paged-results cookie is only valid on the connection that made it
/// (ENGINEERING-NOTES pitfall 4), so every live listing owns a connection of its own,
/// handed from page to page with an opaque token.
/// <list type="bullet">
/// <item>Tokens are single-use: each page comes with a new one. Presenting a token twice
/// (or two requests racing with the same token) gives <see cref="PagedSearchExpiredException"/>.</item>
/// <item>A listing left idle for longer than the idle timeout is closed; its token then gives
/// <see cref="PagedSearchExpiredException"/>.</item>
/// <item>At most <c>maxSessions</c> listings are open. Starting one more closes the one idle
/// the longest (its token expires); when every listing is busy fetching a page,
/// <see cref="Start"/> throws <see cref="PagedSearchLimitException"/>.</item>
/// </list>
/// Thread-safe. LDAP I/O happens outside the lock. Dispose closes every connection.
/// </summary>
public sealed class LdapPagedSearches : IDisposable
{
    public const int MaxPageSize = 1000;

    private readonly LdapDirectoryOptions _directory;
    private readonly int _maxSessions;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private readonly Func<LdapDirectoryOptions, LdapConnection> _connect;
    private readonly Dictionary<string, Session> _idle = new(StringComparer.Ordinal);
    private readonly ITimer _sweeper;
    private readonly Lock _lock = new();
    private int _busy;
    private bool _disposed;

    /// <param name="maxSessions">Listings open at once, each holding one LDAP connection.</param>
    /// <param name="idleTimeout">How long a token stays valid; 60 s when null.</param>
    /// <param name="time">The clock for expiry (a test clock in tests).</param>
    public LdapPagedSearches(LdapDirectoryOptions directory, int maxSessions = 16, TimeSpan? idleTimeout = null, TimeProvider? time = null)
        : this(directory, maxSessions, idleTimeout, time, LdapConnectionFactory.Open)
    {
    }

    internal LdapPagedSearches(LdapDirectoryOptions directory, int maxSessions, TimeSpan? idleTimeout, TimeProvider? time, Func<LdapDirectoryOptions, LdapConnection> connect)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        _directory = directory;
        _maxSessions = maxSessions;
        _idleTimeout = idleTimeout ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_idleTimeout, TimeSpan.Zero, nameof(idleTimeout));
        _time = time ?? TimeProvider.System;
        _connect = connect;
        // Expired listings are also closed on every Start and Continue; the timer closes them when no request comes.
        var period = _idleTimeout < TimeSpan.FromSeconds(2) ? _idleTimeout : _idleTimeout / 2;
        _sweeper = _time.CreateTimer(_ => CloseExpired(), null, period, period);
    }

    /// <summary>Listings open now (idle and busy).</summary>
    public int OpenCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count + _busy;
            }
        }
    }

    /// <summary>
    /// Starts a listing of one kind of object whose name begins with <paramref name="namePrefix"/>
    /// (only a trailing '*' is a wildcard; null lists all) and returns its first page.
    /// </summary>
    /// <exception cref="PagedSearchLimitException">Every allowed listing is busy.</exception>
    public DirectoryPage Start(DirectoryObjectKind kind, string? namePrefix, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        Session? evicted = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.Count + _busy >= _maxSessions)
            {
                var oldest = _idle.OrderBy(pair => pair.Value.LastUsed).Select(pair => pair.Key).FirstOrDefault();
                if (oldest is null)
                {
                    throw new PagedSearchLimitException();
                }

                _idle.Remove(oldest, out evicted);
            }

            _busy++;
        }

        evicted?.Dispose();
        Session? session = null;
        try
        {
            session = new Session(_connect(_directory), DirectorySearch.Request(_directory, kind, namePrefix), kind, pageSize);
            return NextPage(session);
        }
        catch
        {
            session?.Dispose();
            Release();
            throw;
        }
    }

    /// <summary>Returns the next page of the listing that <paramref name="token"/> continues.</summary>
    /// <exception cref="PagedSearchExpiredException">The token is unknown, used, or expired.</exception>
    public DirectoryPage Continue(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        CloseExpired();
        Session? session;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_idle.Remove(token, out session))
            {
                throw new PagedSearchExpiredException();
            }

            _busy++;
        }

        try
        {
            return NextPage(session);
        }
        catch
        {
            session.Dispose();
            Release();
            throw;
        }
    }

    /// <summary>Closes the listings idle for longer than the timeout. Runs on a timer too.</summary>
    public void CloseExpired()
    {
        var cutoff = _time.GetUtcNow() - _idleTimeout;
        List<Session> expired;
        lock (_lock)
        {
            expired = [];
            foreach (var (token, session) in _idle.Where(pair => pair.Value.LastUsed <= cutoff).ToList())
            {
                _idle.Remove(token);
                expired.Add(session);
            }
        }

        foreach (var session in expired)
        {
            session.Dispose();
        }
    }

    public void Dispose()
    {
        List<Session> all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _idle.Values];
            _idle.Clear();
        }

        _sweeper.Dispose();
        foreach (var session in all)
        {
            session.Dispose();
        }
    }

    /// <summary>Fetches a page on the session's own connection, then parks the session under a new token or closes it at the end.</summary>
    private DirectoryPage NextPage(Session session)
    {
        var objects = session.Fetch(_directory);
        if (session.Finished)
        {
            session.Dispose();
            Release();
            return new DirectoryPage(objects, null);
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(18));
        lock (_lock)
        {
            _busy--;
            if (!_disposed)
            {
                session.LastUsed = _time.GetUtcNow();
                _idle.Add(token, session);
                return new DirectoryPage(objects, token);
            }
        }

        // Disposed while this page was being read: nothing to continue.
        session.Dispose();
        return new DirectoryPage(objects, null);
    }

    private void Release()
    {
        lock (_lock)
        {
            _busy--;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Session(LdapConnection connection, SearchRequest request, DirectoryObjectKind kind, int pageSize) : IDisposable
    {
        private readonly PageResultRequestControl _paging = AddPaging(request, pageSize);

        public DateTimeOffset LastUsed { get; set; }

        public bool Finished { get; private set; }

        public List<DiscoveredObject> Fetch(LdapDirectoryOptions directory)
        {
            var response = (SearchResponse)connection.SendRequest(request);
            var objects = new List<DiscoveredObject>(response.Entries.Count);
            foreach (SearchResultEntry entry in response.Entries)
            {
                objects.Add(DirectorySearch.Decode(entry, directory, kind));
            }

            // RFC 2696 section 3: an empty cookie in the response means the last page.
            var cookie = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault()?.Cookie;
            _paging.Cookie = cookie ?? [];
            Finished = cookie is not { Length: > 0 };
            return objects;
        }

        public void Dispose() => connection.Dispose();

        private static PageResultRequestControl AddPaging(SearchRequest request, int pageSize)
        {
            var control = new PageResultRequestControl(pageSize) { IsCritical = true };
            request.Controls.Add(control);
            return control;
        }
    }
}
