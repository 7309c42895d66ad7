package io.bounce.control.store;

import java.util.concurrent.CompletableFuture;

/** One queued write and, once the writer thread has run it, its outcome; the future completes only after the commit. */
final class PendingWrite<T>
{
    final GroupCommitter.Op<T> op;
    final CompletableFuture<T> future = new CompletableFuture<>();
    T result;
    Throwable failure;

    PendingWrite(final GroupCommitter.Op<T> op)
    {
        this.op = op;
    }

    void complete()
    {
        if (failure != null)
        {
            future.completeExceptionally(failure);
        }
        else
        {
            future.complete(result);
        }
    }
}
