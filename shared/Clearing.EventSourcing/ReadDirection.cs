namespace Clearing.EventSourcing;

public enum ReadDirection
{
    Forward,
    Backward,
}
