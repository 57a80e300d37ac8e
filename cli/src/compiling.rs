//! Saying so on stderr when a component's compile takes more than a
//! moment: a line after [`QUIET_FOR`], with a spinner on a terminal, and
//! the time it took at the end. A compile that is quicker says nothing.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use charmbox::engine::CompileObserver;
use indicatif::{ProgressBar, ProgressStyle};

/// How long a compile runs before it is announced.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// The [`CompileObserver`] of every command.
#[derive(Default)]
pub struct CompileNotice {
    state: Arc<(Mutex<State>, Condvar)>,
}

#[derive(Default)]
struct State {
    /// A compile is running (and its announcer thread waiting or showing).
    running: bool,
    /// The announcer showed it.
    shown: bool,
    spinner: Option<ProgressBar>,
}

impl CompileObserver for CompileNotice {
    fn compiling(&self, path: &Path, bytes: usize, cached: bool) {
        let state = Arc::clone(&self.state);
        state
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .running = true;
        let line = format!(
            "compiling {} ({:.1} MB) to native code with Cranelift, once: {}",
            path.display(),
            bytes as f64 / 1e6,
            if cached {
                "later runs of this build use the compiled-component cache"
            } else {
                "there is no cache directory, so every run compiles it (set CHARMBOX_CACHE_DIR)"
            }
        );
        // No thread, no notice: the compile itself goes on.
        let _ = std::thread::Builder::new()
            .name("charmbox-compile-notice".into())
            .spawn(move || {
                let (lock, wake) = &*state;
                let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
                let (mut guard, _) = wake
                    .wait_timeout_while(guard, QUIET_FOR, |s| s.running)
                    .unwrap_or_else(PoisonError::into_inner);
                if !guard.running {
                    return;
                }
                guard.shown = true;
                if std::io::stderr().is_terminal() {
                    let spinner = ProgressBar::new_spinner();
                    spinner.set_style(
                        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    spinner.set_message(line);
                    spinner.enable_steady_tick(Duration::from_millis(120));
                    guard.spinner = Some(spinner);
                } else {
                    eprintln!("{line}");
                }
            });
    }

    fn compiled(&self, path: &Path, elapsed: Duration) {
        let (lock, wake) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        state.running = false;
        wake.notify_all();
        if let Some(spinner) = state.spinner.take() {
            spinner.finish_and_clear();
        }
        if std::mem::take(&mut state.shown) {
            eprintln!(
                "compiled {} in {:.1} s",
                path.display(),
                elapsed.as_secs_f64()
            );
        }
    }
}
