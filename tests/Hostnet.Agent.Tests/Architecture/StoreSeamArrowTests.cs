using System.Reflection;
using System.Reflection.Emit;
using Hostnet.Store;

namespace Hostnet.Agent.Tests.Architecture;

/// <summary>
/// The application layer reaches the store through its interfaces (<see cref="IStoreOpener"/> and what it
/// opens); it names an implementation in one place only, <see cref="HostAgent"/>, so that a front end or a test
/// can give it another. Read from the built assembly's code (signatures, locals and the members each method
/// body uses), so that a use of <c>StateStore</c> anywhere else fails here.
/// </summary>
public class StoreSeamArrowTests
{
    private static readonly Type[] Interfaces =
        [typeof(IStoreOpener), typeof(IServerStore), typeof(IStateStore), typeof(IStateTransaction), typeof(ILedgerStore)];

    [Fact]
    public void Only_the_agent_s_opening_place_names_a_store_implementation()
    {
        var users = typeof(HostAgent).Assembly.GetTypes()
            .Where(t => Used(t).Any(IsImplementation))
            .Select(Outermost)
            .Distinct()
            .Select(t => t.FullName)
            .ToList();

        Assert.Equal([typeof(HostAgent).FullName], users);
    }

    [Fact]
    public void The_store_s_implementations_are_recognised()
    {
        Assert.True(IsImplementation(typeof(StateStore)));
        Assert.True(IsImplementation(typeof(StateTransaction)));
        Assert.True(IsImplementation(typeof(SqliteStoreOpener)));
        Assert.True(IsImplementation(typeof(Microsoft.Data.Sqlite.SqliteConnection)));
        Assert.False(IsImplementation(typeof(IStateStore)));
        Assert.False(IsImplementation(typeof(StoreException)));
        Assert.False(IsImplementation(typeof(LedgerRow)));
    }

    /// <summary>A class of the store that implements one of its interfaces, or anything of SQLite.</summary>
    private static bool IsImplementation(Type type)
    {
        if (type.HasElementType) return IsImplementation(type.GetElementType()!);
        if (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Any(IsImplementation)) return true;
        if (type.IsGenericParameter) return false;
        if (type.Assembly.GetName().Name == "Microsoft.Data.Sqlite") return true;
        return type.Assembly == typeof(IStateStore).Assembly && !type.IsInterface && type.GetInterfaces().Any(i => Interfaces.Contains(i));
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    private const BindingFlags Declared =
        BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    /// <summary>The types a type's fields, signatures, locals and method bodies use.</summary>
    private static IEnumerable<Type> Used(Type type)
    {
        foreach (var f in type.GetFields(Declared)) yield return f.FieldType;
        foreach (var p in type.GetProperties(Declared)) yield return p.PropertyType;
        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi) yield return mi.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
            var body = m.GetMethodBody();
            if (body is null) continue;
            foreach (var l in body.LocalVariables) yield return l.LocalType;
            foreach (var t in BodyTypes(m, body.GetILAsByteArray() ?? [])) yield return t;
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodeTable = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types of the members and types a method body names (calls, field accesses, type tokens).</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method, byte[] il)
    {
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var op = OpCodeTable[value];
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    foreach (var t in TypesOf(member)) yield return t;
                    i += 4;
                    break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + (4 * BitConverter.ToInt32(il, i)); break;
                default: i += 4; break;
            }
        }
    }

    private static IEnumerable<Type> TypesOf(MemberInfo? member)
    {
        switch (member)
        {
            case Type t:
                yield return t;
                break;
            case FieldInfo f:
                yield return f.DeclaringType!;
                yield return f.FieldType;
                break;
            case MethodBase m:
                if (m.DeclaringType is { } declaring) yield return declaring;
                if (m is MethodInfo mi)
                {
                    yield return mi.ReturnType;
                    foreach (var a in mi.IsGenericMethod ? mi.GetGenericArguments() : []) yield return a;
                }
                foreach (var p in m.GetParameters()) yield return p.ParameterType;
                break;
        }
    }
}
