//! The `charmbox` command; see [`charmbox::cli`].

fn main() -> std::process::ExitCode {
    charmbox::cli::main()
}
