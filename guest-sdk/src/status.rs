//! [`Status`]: a workload status and its message, as `juju status` shows it,
//! and how it maps onto the contract's `status-set` and `status-get`.

use std::fmt;

use crate::bindings::status as host;

/// A workload status and its message, the way `ops` writes
/// `ActiveStatus("ready")`: `Status::Active("ready")`.
///
/// A charm sets one of the first four with [`Unit::set_status`] or, as
/// leader, [`App::set_status`]; Juju itself sets the other two. The message
/// is any string type: `Status::Blocked("no database")` is a
/// `Status<&str>`, `Status::Blocked(format!("need {n} more units"))` a
/// `Status<String>`; statuses read back ([`Unit::status`]) are
/// `Status<String>`, and compare equal to the same status with a `&str`.
///
/// ```no_run
/// use charmbox_sdk::Status;
/// # fn f(model: &charmbox_sdk::Model, missing: usize) -> charmbox_sdk::Result<()> {
/// let unit = model.unit();
/// unit.set_status(Status::Maintenance("installing packages"))?;
/// if missing > 0 {
///     unit.set_status(Status::Blocked(format!("waiting for {missing} peers")))?;
/// }
/// assert_eq!(unit.status()?, Status::Blocked("waiting for 2 peers"));
/// # Ok(()) }
/// ```
///
/// [`Unit::set_status`]: crate::Unit::set_status
/// [`App::set_status`]: crate::App::set_status
/// [`Unit::status`]: crate::Unit::status
#[derive(Debug, Clone, Copy, Hash)]
pub enum Status<M = String> {
    /// Ready: the workload does what it is for.
    Active(M),
    /// The charm needs an operator to act (a missing relation, bad config).
    Blocked(M),
    /// The charm is doing something that takes a while (installing,
    /// upgrading).
    Maintenance(M),
    /// The charm waits for something outside its control (another
    /// application, a peer).
    Waiting(M),
    /// No status has been set. Juju's; a charm cannot set it.
    Unknown(M),
    /// A hook failed. Juju's; a charm cannot set it.
    Error(M),
}

impl<M: AsRef<str>> Status<M> {
    /// Juju's name for the status: `active`, `blocked`, `maintenance`,
    /// `waiting`, `unknown` or `error`.
    ///
    /// ```
    /// # use charmbox_sdk::Status;
    /// assert_eq!(Status::Waiting("for the database").name(), "waiting");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Status::Active(_) => "active",
            Status::Blocked(_) => "blocked",
            Status::Maintenance(_) => "maintenance",
            Status::Waiting(_) => "waiting",
            Status::Unknown(_) => "unknown",
            Status::Error(_) => "error",
        }
    }

    /// Its message (may be empty).
    ///
    /// ```
    /// # use charmbox_sdk::Status;
    /// assert_eq!(Status::Active("ready").message(), "ready");
    /// ```
    pub fn message(&self) -> &str {
        match self {
            Status::Active(m)
            | Status::Blocked(m)
            | Status::Maintenance(m)
            | Status::Waiting(m)
            | Status::Unknown(m)
            | Status::Error(m) => m.as_ref(),
        }
    }

    /// The same status with its message copied into a `String`, to keep.
    ///
    /// ```
    /// # use charmbox_sdk::Status;
    /// let kept: Status = Status::Active("ready").to_owned_message();
    /// ```
    pub fn to_owned_message(&self) -> Status {
        let message = self.message().to_owned();
        match self {
            Status::Active(_) => Status::Active(message),
            Status::Blocked(_) => Status::Blocked(message),
            Status::Maintenance(_) => Status::Maintenance(message),
            Status::Waiting(_) => Status::Waiting(message),
            Status::Unknown(_) => Status::Unknown(message),
            Status::Error(_) => Status::Error(message),
        }
    }
}

impl<A: AsRef<str>, B: AsRef<str>> PartialEq<Status<B>> for Status<A> {
    fn eq(&self, other: &Status<B>) -> bool {
        self.name() == other.name() && self.message() == other.message()
    }
}

impl<M: AsRef<str>> Eq for Status<M> {}

impl<M: AsRef<str>> fmt::Display for Status<M> {
    /// `active: ready`, or just `active` without a message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message() {
            "" => f.write_str(self.name()),
            message => write!(f, "{}: {message}", self.name()),
        }
    }
}

/// The contract's kind for a status a charm may set; the error says why
/// the others cannot be.
pub(crate) fn settable<M: AsRef<str>>(status: &Status<M>) -> Result<host::StatusKind, String> {
    match status {
        Status::Active(_) => Ok(host::StatusKind::Active),
        Status::Blocked(_) => Ok(host::StatusKind::Blocked),
        Status::Maintenance(_) => Ok(host::StatusKind::Maintenance),
        Status::Waiting(_) => Ok(host::StatusKind::Waiting),
        Status::Unknown(_) | Status::Error(_) => Err(format!(
            "a charm cannot set the status {:?}: Juju sets it; a charm sets active, blocked, \
             maintenance or waiting",
            status.name()
        )),
    }
}

/// The status `status-get` reported.
pub(crate) fn reported(info: host::StatusInfo) -> Result<Status, String> {
    let message = info.message;
    Ok(match info.status.as_str() {
        "active" => Status::Active(message),
        "blocked" => Status::Blocked(message),
        "maintenance" => Status::Maintenance(message),
        "waiting" => Status::Waiting(message),
        "unknown" => Status::Unknown(message),
        "error" => Status::Error(message),
        other => {
            return Err(format!(
                "the host reported the status {other:?}, which is not a workload status \
                 (active, blocked, maintenance, waiting, unknown or error)"
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: &str, message: &str) -> host::StatusInfo {
        host::StatusInfo {
            status: status.into(),
            message: message.into(),
        }
    }

    #[test]
    fn the_four_a_charm_sets_map_to_the_contract() {
        assert!(matches!(
            settable(&Status::Active("ready")),
            Ok(host::StatusKind::Active)
        ));
        assert!(matches!(
            settable(&Status::Blocked(String::from("no db"))),
            Ok(host::StatusKind::Blocked)
        ));
        assert!(matches!(
            settable(&Status::Maintenance("")),
            Ok(host::StatusKind::Maintenance)
        ));
        assert!(matches!(
            settable(&Status::Waiting("peers")),
            Ok(host::StatusKind::Waiting)
        ));
    }

    #[test]
    fn juju_s_own_statuses_cannot_be_set() {
        for status in [Status::Unknown("x"), Status::Error("x")] {
            let e = settable(&status).unwrap_err();
            assert!(e.contains(&format!("{:?}", status.name())), "{e}");
            assert!(e.contains("active, blocked, maintenance or waiting"), "{e}");
        }
    }

    #[test]
    fn reported_statuses_are_read_back() {
        assert_eq!(
            reported(info("active", "ready")).unwrap(),
            Status::Active("ready")
        );
        assert_eq!(
            reported(info("maintenance", "")).unwrap(),
            Status::Maintenance("")
        );
        assert_eq!(reported(info("unknown", "")).unwrap(), Status::Unknown(""));
        assert_eq!(
            reported(info("error", "hook failed: \"install\"")).unwrap(),
            Status::Error("hook failed: \"install\"")
        );
        let e = reported(info("terminated", "")).unwrap_err();
        assert!(e.contains("\"terminated\""), "{e}");
    }

    #[test]
    fn statuses_compare_by_name_and_message_whatever_holds_the_message() {
        assert_eq!(Status::Active("a"), Status::Active(String::from("a")));
        assert_ne!(Status::Active("a"), Status::Waiting("a"));
        assert_ne!(Status::Active("a"), Status::Active("b"));
    }

    #[test]
    fn display_is_name_and_message() {
        assert_eq!(Status::Active("ready").to_string(), "active: ready");
        assert_eq!(Status::Blocked("").to_string(), "blocked");
    }
}
