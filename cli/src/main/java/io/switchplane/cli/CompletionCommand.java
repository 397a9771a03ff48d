package io.switchplane.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** `switchplane completion bash|zsh`: the shell completion script of every verb and option. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shell completion script (picocli's AutoComplete): verbs, options and their values.",
      "bash: source <(switchplane completion bash)   (or save it in /etc/bash_completion.d/)",
      "zsh:  source <(switchplane completion zsh)    (it loads zsh's bashcompinit itself)"
    })
final class CompletionCommand implements Callable<Integer> {
  /** The shells the script is for. */
  enum Shell {
    bash,
    zsh
  }

  @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
  Shell shell;

  @Override
  public Integer call() {
    // One script serves both: it runs bashcompinit itself when zsh sources it.
    System.out.print(AutoComplete.bash("switchplane", Main.commandLine()));
    return 0;
  }
}
