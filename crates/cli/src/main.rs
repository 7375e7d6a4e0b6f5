//! The `commonscloud` binary: the command line of [`cc_cli`].

fn main() -> std::process::ExitCode {
    cc_cli::main()
}
