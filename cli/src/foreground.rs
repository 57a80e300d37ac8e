//! `run`'s wait, as `juju run --wait` has it: the command waits for its
//! tasks at most so long (Juju's default: a minute), and when the wait ends
//! first it says which units it was waiting for and exits, while the tasks
//! go on; `show-task ID --watch` follows them, `cancel-task ID` stops them.
//!
//! A task runs in the process that started it, so the command splits in
//! two first of all ([`split`]): the process the shell waits for only
//! waits; its child does the work and prints the results. The child keeps
//! the wait: once the operation is recorded it waits so long for its
//! tasks, and if they have not finished then, it says to the parent which
//! units it was waiting for, stops writing to the terminal and runs its
//! tasks to their end; the parent prints Juju's message and exits. When
//! the child is about to print the results, it says so, and the parent
//! waits for it to end and exits with its status. A Ctrl-C after the
//! operation is recorded ends only the waiting (as in Juju): the parent
//! goes, and its child, seeing it gone, stops writing to the terminal;
//! before, it ends both.
//!
//! The parent needs nothing from the command line, so the split comes
//! before it is parsed: what the child then writes to (the allocator's
//! pages, the stack) it copies from a parent that has written little.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use charmbox::task::{Task, TaskId};

/// How long `run` waits for its tasks when `--wait` is not given, as Juju.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The child's messages to the parent, each one line.
const CLAIMED: &str = "C";
const GAVE_UP: &str = "A";

/// The child's side: what it tells the parent, and whether it may still
/// print.
pub struct Link {
    state: Mutex<LinkState>,
}

struct LinkState {
    to_parent: File,
    /// The pipe whose end says the parent is gone, until the wait takes it
    /// to watch.
    from_parent: Option<File>,
    /// The output is the child's to print (the parent waits for it).
    claimed: bool,
    /// The wait ended first: print nothing more.
    gave_up: bool,
    /// The operation's tasks not finished yet, in unit order.
    unfinished: Vec<(TaskId, String)>,
}

/// Splits the process (see the [module](self)); returns in the child only,
/// the parent exits with what the child tells it. Must be called before
/// any thread is started.
pub fn split() -> anyhow::Result<Arc<Link>> {
    let (from_child, to_parent) = pipe()?;
    let (from_parent, to_child) = pipe()?;
    // SAFETY: no other thread exists yet (the caller's promise), so the
    // child is a whole copy of this process.
    match unsafe { libc::fork() } {
        -1 => Err(std::io::Error::last_os_error().into()),
        0 => {
            drop(from_child);
            drop(to_child);
            Ok(Arc::new(Link {
                state: Mutex::new(LinkState {
                    to_parent: File::from(to_parent),
                    from_parent: Some(File::from(from_parent)),
                    claimed: false,
                    gave_up: false,
                    unfinished: Vec::new(),
                }),
            }))
        }
        child => {
            drop(to_parent);
            drop(from_parent);
            // Held until this process exits: the child sees it go.
            let _to_child = to_child;
            std::process::exit(parent(child, File::from(from_child)))
        }
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `pipe2` writes two new descriptors into `fds`, which are
    // then owned here alone.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The parent: relays the child's end, as the [module](self) says;
/// returns its exit status.
fn parent(child: libc::pid_t, from_child: File) -> i32 {
    for line in BufReader::new(from_child).lines() {
        let Ok(line) = line else { break };
        if line == CLAIMED {
            break;
        }
        if let Some(waiting) = line.strip_prefix(GAVE_UP) {
            eprintln!("error: {}", waiting.trim_start());
            return i32::from(super::EXIT_FAILED);
        }
    }
    exit_status_of(child)
}

/// Waits for `child` and gives its exit status as this process's.
fn exit_status_of(child: libc::pid_t) -> i32 {
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child, writing its status.
        let done = unsafe { libc::waitpid(child, &mut status, 0) };
        if done == child {
            break;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return i32::from(super::EXIT_USAGE);
        }
    }
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        // Killed by a signal, as a shell reports it.
        128 + libc::WTERMSIG(status)
    }
}

impl Link {
    /// The operation is recorded with `tasks`: the wait starts (`None`:
    /// for ever), and a Ctrl-C now ends only the waiting.
    pub fn enqueued(self: &Arc<Self>, tasks: &[Task], wait: Option<Duration>) {
        // SAFETY: setting a signal's disposition to "ignore".
        unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
        let mut state = charmbox_lock(&self.state);
        state.unfinished = tasks.iter().map(|t| (t.id, t.unit.to_string())).collect();
        let Some(from_parent) = state.from_parent.take() else {
            return;
        };
        drop(state);
        let link = Arc::clone(self);
        let deadline = wait.map(|w| Instant::now() + w);
        let started = std::thread::Builder::new()
            .name("charmbox-wait".into())
            .spawn(move || {
                wait_for_parent(&from_parent, deadline);
                link.give_up();
            });
        if started.is_err() {
            // Without the wait the parent waits for the end; it still gets it.
            eprintln!("warning: cannot start the run's wait: it waits for its tasks to end");
        }
    }

    /// A task has finished.
    pub fn finished(&self, task: TaskId) {
        charmbox_lock(&self.state)
            .unfinished
            .retain(|(id, _)| *id != task);
    }

    /// Whether the output is still this process's to print; if so, it is
    /// from now on (the parent waits for it whatever its wait).
    pub fn claim(&self) -> bool {
        let mut state = charmbox_lock(&self.state);
        if state.gave_up {
            return false;
        }
        state.claimed = true;
        let _ = writeln!(state.to_parent, "{CLAIMED}");
        true
    }

    /// The wait ended (or the parent is gone): unless the output is
    /// claimed, stops writing to the terminal and tells the parent which
    /// units it was still waiting for.
    fn give_up(&self) {
        let mut state = charmbox_lock(&self.state);
        if state.claimed {
            return;
        }
        state.gave_up = true;
        silence();
        let units: Vec<String> = state
            .unfinished
            .iter()
            .map(|(_, unit)| format!("unit {unit}"))
            .collect();
        let hint = match state.unfinished.as_slice() {
            [] => String::new(),
            [(id, _)] => format!(
                " (the task goes on: follow it with `charmbox show-task {id} --watch`, stop it \
                 with `charmbox cancel-task {id}`)"
            ),
            [(id, _), ..] => format!(
                " (the tasks go on: follow them with `charmbox show-task ID --watch` (the first \
                 is {id}) or `charmbox operations`)"
            ),
        };
        let _ = writeln!(
            state.to_parent,
            "{GAVE_UP} timed out waiting for results from: {}{hint}",
            units.join(", ")
        );
    }
}

/// Returns at `deadline` (`None`: never), or sooner when the parent is
/// gone (its end of the pipe closed).
fn wait_for_parent(from_parent: &File, deadline: Option<Instant>) {
    loop {
        let millis = match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
            None => -1,
            Some(left) if left.is_zero() => return,
            Some(left) => i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX),
        };
        let mut poll = libc::pollfd {
            fd: from_parent.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for the call's length.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        // Ready (the parent wrote nothing, so it is gone) or failed.
        if ready != 0 {
            return;
        }
    }
}

/// Points stdout and stderr at /dev/null, and ignores the terminal's
/// hangup: the tasks run on with nobody watching.
fn silence() {
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // SAFETY: `dup2` replaces descriptors 1 and 2 with /dev/null; the
        // std handles keep working on the new descriptions.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
            libc::dup2(null.as_raw_fd(), 2);
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
        }
    }
}

fn charmbox_lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
