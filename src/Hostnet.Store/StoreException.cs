namespace Hostnet.Store;

/// <summary>
/// The state database could not be used (its directory cannot be made, it is
/// locked too long, it is newer than this hostnet). The message is one line for
/// the user; nothing was changed.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException()
    {
    }

    public StoreException(string message) : base(message)
    {
    }

    public StoreException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Whether trying again later may succeed (the database was locked by another writer).</summary>
    public bool IsTransient { get; init; }
}
