namespace Hostnet.Engine;

/// <summary>
/// The engine refuses or cannot finish for a reason the admin can act on (an
/// address that answers on the LAN, an uplink that does not exist). The message
/// says what is wrong and what to do.
/// </summary>
public sealed class EngineException : Exception
{
    public EngineException(string message) : base(message) { }

    public EngineException(string message, Exception inner) : base(message, inner) { }

    public EngineException() { }
}
