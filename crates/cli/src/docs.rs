//! `commonscloud completions SHELL` and the manual page: generated from
//! the same `clap` definition as the commands, so they never drift. The
//! packages install them (bash, zsh, fish; `commonscloud.1`).

use std::io::Write;

use clap::Subcommand;

/// The documentation commands.
#[derive(Debug, Subcommand)]
pub enum DocsCommand {
    /// Print a shell's completion script (the packages install bash, zsh
    /// and fish ones)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), as the packages install it.
    #[command(hide = true)]
    Manpage,
}

/// Writes what `cmd` asks for on standard output.
pub fn run(cmd: &DocsCommand, mut cli: clap::Command) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let written = match cmd {
        DocsCommand::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli, "commonscloud", &mut out);
            Ok(())
        }
        DocsCommand::Manpage => clap_mangen::Man::new(cli).render(&mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // `commonscloud manpage | head`: the reader had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
