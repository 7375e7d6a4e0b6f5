//! The `commonscloud` binary: the command line of [`commonscloud`] (crate `cc-cli`).

fn main() -> std::process::ExitCode {
    commonscloud::main()
}
