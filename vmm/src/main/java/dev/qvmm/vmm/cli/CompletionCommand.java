package dev.qvmm.vmm.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code qvmm completion}: prints a bash completion script for every command and option, made by
 * Picocli from the whole command tree (not the one-subcommand tree {@code main} builds for speed),
 * so it can never miss a command. Packages install it as {@code /usr/share/bash-completion/completions/qvmm}.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for every qvmm command and option to stdout.",
                "Use: source <(qvmm completion), or save it as /usr/share/bash-completion/completions/qvmm."})
public final class CompletionCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("qvmm", QvmmCommand.commandLine()));
        out.flush();
        return 0;
    }
}
