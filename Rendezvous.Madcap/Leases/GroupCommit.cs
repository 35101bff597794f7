using System.Diagnostics;
using System.Net;
using Rendezvous.Madcap.Server;
using Npgsql;

namespace Rendezvous.Madcap.Leases;

/// <summary>
/// Group commit for allocations of given addresses: the allocations waiting at one moment go to
/// PostgreSQL as one batch (one round trip; one implicit transaction, so one commit and one WAL
/// flush), and each caller gets its row only after that commit, so an ACK still follows a durable
/// lease. A batch forms only from what is already waiting (no waiting for more), so a lone request
/// goes out at once. <c>writers</c> batches may be in flight at once; each is ordered by
/// client address, so that two batches take the clients' usage rows in one order and cannot
/// deadlock on them.
/// <para>
/// When a statement of a batch fails (another server leased one of its addresses, a Lease
/// Identifier in use), PostgreSQL rolls the whole batch back; each of its allocations is then run
/// on its own, so that each caller sees its own outcome, as without batching.
/// </para>
/// <para>
/// Each writer is a thread of its own doing blocking I/O, and each caller's continuation (the rest
/// of its exchange: the ACK's encoding and send) runs on that thread as soon as the batch commits.
/// An exchange then wakes two threads in the server (the receive thread, a writer) instead of the
/// four to six of a thread-pool writer (pool worker, socket event thread, pool worker, pool worker),
/// and each wake-up is a chance to wait behind another process for the CPU: that waiting was the
/// exchange's tail under load. A writer idle for the idle timeout (<see cref="DefaultIdleTimeout"/> unless told otherwise) ends, and one is started
/// again when work comes and fewer than <c>writers</c> run.
/// </para>
/// </summary>
internal sealed class GroupCommit(NpgsqlDataSource dataSource, int writers, TimeSpan idleTimeout)
{
    private readonly DurationHistogram _waits = new();
    private readonly DurationHistogram _writes = new();
    private long _batches;
    private long _leases;

    /// <summary>Most allocations in one batch.</summary>
    public const int MaxBatch = 64;

    /// <summary>How long a writer thread waits for work before it ends, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly Queue<Pending> _queue = new();
    private int _running;
    private int _idle;

    /// <summary>Writer threads running now.</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>Batches and leases written so far, each lease's wait for a writer, and each batch's time in PostgreSQL.</summary>
    public GroupCommitSnapshot Snapshot() => new(Volatile.Read(ref _batches), Volatile.Read(ref _leases), _waits.Snapshot(), _writes.Snapshot());

    private sealed record Pending(LeaseStore.LeaseInsert Allocation, TaskCompletionSource<(int Held, IPAddress[] Granted)> Done, long Queued);

    public async Task<(int Held, IPAddress[] Granted)> WriteAsync(LeaseStore.LeaseInsert allocation, CancellationToken cancellationToken)
    {
        // Continuations run on the writer that completes this (see the class's remarks).
        var pending = new Pending(allocation, new TaskCompletionSource<(int, IPAddress[])>(), Stopwatch.GetTimestamp());
        var start = false;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
            else if (_running < writers)
            {
                _running++;
                start = true;
            }
        }

        if (start)
        {
            StartWriter();
        }

        // A caller that stops waiting does not undo the write: its lease commits (or not) with the batch.
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a writer counted in <c>_running</c>; if no thread can be had, the count is given back, and with no writer left what waits fails.</summary>
    private void StartWriter()
    {
        try
        {
            new Thread(WriteLoop) { IsBackground = true, Name = "MADCAP group commit" }.Start();
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            var stranded = new List<Pending>();
            lock (_gate)
            {
                _running--;
                if (_running == 0)
                {
                    while (_queue.TryDequeue(out var pending))
                    {
                        stranded.Add(pending);
                    }
                }
            }

            foreach (var pending in stranded)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private void WriteLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    _idle++;
                    var woken = Monitor.Wait(_gate, idleTimeout);
                    _idle--;
                    if (!woken && _queue.Count == 0)
                    {
                        _running--;
                        return;
                    }
                }

                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            var taken = Stopwatch.GetTimestamp();
            foreach (var pending in batch)
            {
                _waits.Record(Stopwatch.GetElapsedTime(pending.Queued, taken));
            }

            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _leases, batch.Count);
            Outcome[] outcomes;
            try
            {
                outcomes = batch.Count == 1 ? [Alone(batch[0])] : Together(batch);
            }
#pragma warning disable CA1031 // A bug here must fail this batch's callers, not end the process (this is a thread of its own).
            catch (Exception e)
#pragma warning restore CA1031
            {
                outcomes = [.. batch.Select(_ => new Outcome(default, e))];
            }

            // Timed before anyone is answered: each answer's continuation runs on this thread (see the class's remarks).
            _writes.Record(Stopwatch.GetElapsedTime(taken));
            for (var i = 0; i < batch.Count; i++)
            {
                if (outcomes[i].Error is { } error)
                {
                    batch[i].Done.TrySetException(error);
                }
                else
                {
                    batch[i].Done.TrySetResult(outcomes[i].Row);
                }
            }

            batch.Clear();
        }
    }

    /// <summary>What one allocation came to: its row, or the exception its caller is to read.</summary>
    private readonly record struct Outcome((int Held, IPAddress[] Granted) Row, Exception? Error);

    /// <summary>One allocation in a statement and transaction of its own.</summary>
    private Outcome Alone(Pending pending)
    {
        try
        {
            using var command = dataSource.CreateCommand(pending.Allocation.Statement);
            pending.Allocation.AddParameters(command.Parameters);
            using var reader = command.ExecuteReader();
            reader.Read();
            return new Outcome(LeaseStore.LeaseInsert.Row(reader), null);
        }
#pragma warning disable CA1031 // Any failure is this caller's to read, as without batching.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new Outcome(default, e);
        }
    }

    /// <summary>
    /// The batch (sorted here, by client: the outcomes follow that order) in one round trip and one
    /// transaction; if a statement fails, PostgreSQL rolls the whole batch back and each allocation
    /// is run on its own.
    /// </summary>
    private Outcome[] Together(List<Pending> batch)
    {
        batch.Sort(static (a, b) => CompareClients(a.Allocation.Request.Client, b.Allocation.Request.Client));
        var outcomes = new Outcome[batch.Count];
        try
        {
            using var command = dataSource.CreateBatch();
            foreach (var pending in batch)
            {
                var statement = new NpgsqlBatchCommand(pending.Allocation.Statement);
                pending.Allocation.AddParameters(statement.Parameters);
                command.BatchCommands.Add(statement);
            }

            // Every row is read, and the reader closed (which waits for the commit), before anyone is answered.
            using var reader = command.ExecuteReader();
            for (var i = 0; i < batch.Count; i++)
            {
                reader.Read();
                outcomes[i] = new Outcome(LeaseStore.LeaseInsert.Row(reader), null);
                reader.NextResult();
            }
        }
        catch (PostgresException)
        {
            // The batch was rolled back whole: each allocation on its own, for its own outcome.
            for (var i = 0; i < batch.Count; i++)
            {
                outcomes[i] = Alone(batch[i]);
            }
        }

        return outcomes;
    }

    private static int CompareClients(IPAddress? a, IPAddress? b)
    {
        if (a is null || b is null)
        {
            return (a is null).CompareTo(b is null);
        }

        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, out var xl);
        b.TryWriteBytes(y, out var yl);
        return x[..xl].SequenceCompareTo(y[..yl]);
    }
}

/// <summary>
/// The group commit so far: batches and the leases in them, each lease's wait from its queueing to a
/// writer taking it, and each batch's time from then to its commit (one round trip, the statements, the
/// WAL flush) or to its failure; a batch rolled back and run again one by one counts once, with the
/// time of those runs. Both as in
/// <see cref="DurationSnapshot"/>. A writer answers its batch's callers before it takes the next batch,
/// so a wait includes the answering of the batch before.
/// </summary>
public sealed record GroupCommitSnapshot(long Batches, long Leases, DurationSnapshot Wait, DurationSnapshot Write);
