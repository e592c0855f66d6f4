using Hostnet.Cli;

return HostnetCli.Run(args, Console.Out, Console.Error);
