//! This [`Unit`] and its [`App`]: leadership, status, the workload version,
//! the secrets each owns, and the unit's ports.

use serde::Serialize;

use crate::bindings::{ports as host_ports, status as host};
use crate::model::refused;
use crate::ports::{contract_range, PortRange};
use crate::secret::{add_secret, SecretOptions};
use crate::status::{reported, settable};
use crate::{anyhow, Model, Result, Secret, Status};

/// This unit — `self.unit` in `ops`: its name, leadership, status,
/// workload version, open ports, and the secrets it owns.
///
/// Get it with [`Model::unit`]. Remote units are named by their unit
/// names (`mysql/0`), as [`Relation::units`](crate::Relation::units)
/// gives them.
///
/// ```no_run
/// use charmbox_sdk::{PortRange, Status};
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// let unit = model.unit();
/// unit.open_port(PortRange::tcp(5432))?;
/// unit.set_workload_version("16.4")?;
/// unit.set_status(Status::Active(""))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Unit {
    model: Model,
}

impl Unit {
    pub(crate) fn new(model: Model) -> Self {
        Unit { model }
    }

    /// The unit's name, `app/0` (`JUJU_UNIT_NAME`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// log::info!("I am {}", model.unit().name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        self.model.unit_name()
    }

    /// Whether this unit leads its application now (`is-leader`). Only the
    /// leader may write its application's databags, set its status, and
    /// manage the secrets it owns.
    ///
    /// ```no_run
    /// use charmbox_sdk::bail;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// if !model.unit().is_leader()? {
    ///     bail!("this action must run on the leader unit");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the host cannot say (Juju: `leadership status unknown`).
    pub fn is_leader(&self) -> Result<bool> {
        host::is_leader().map_err(refused("tell whether this unit is the leader"))
    }

    /// The unit's workload status, as `juju status` shows it
    /// (`status-get`): `Status::Unknown("")` until a charm sets one.
    ///
    /// ```no_run
    /// use charmbox_sdk::Status;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// if let Status::Blocked(why) = model.unit().status()? {
    ///     log::warn!("still blocked: {why}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> Result<Status> {
        let info = host::status_get(false).map_err(refused("read this unit's status"))?;
        reported(info).map_err(|e| anyhow!("cannot read this unit's status: {e}"))
    }

    /// Sets the unit's workload status and its message (`status-set`).
    ///
    /// ```no_run
    /// use charmbox_sdk::Status;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.unit().set_status(Status::Active("ready"))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// For `Unknown` and `Error`, which only Juju sets; or if the host
    /// refuses.
    pub fn set_status<M: AsRef<str>>(&self, status: Status<M>) -> Result<()> {
        set_status(&status, false, "this unit's")
    }

    /// Sets the workload's version, which `juju status` shows beside the
    /// application (`application-version-set`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.unit().set_workload_version("16.4")?;
    /// # Ok(()) }
    /// ```
    pub fn set_workload_version(&self, version: &str) -> Result<()> {
        host::application_version_set(version).map_err(refused(format_args!(
            "set the workload version to {version:?}"
        )))
    }

    /// Creates a secret owned by this unit alone (`secret-add --owner
    /// unit`): only this unit can read and change it, and it goes when the
    /// unit does. For a secret every unit of the application shares, use
    /// [`App::add_secret`].
    ///
    /// `content` is a map or a struct; each value is kept as a string (see
    /// [Juju's string maps](crate#values-in-databags-state-and-secrets)).
    /// Keys are at least three characters: lowercase letters, digits and
    /// hyphens, starting with a letter (`#[serde(rename_all =
    /// "kebab-case")]` turns `tls_key` into `tls-key`).
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// use charmbox_sdk::SecretOptions;
    /// # fn f(model: &charmbox_sdk::Model, key_pem: String) -> charmbox_sdk::Result<()> {
    /// let content = BTreeMap::from([("private-key", key_pem)]);
    /// let secret = model.unit().add_secret(&content, SecretOptions::new().label("tls"))?;
    /// # Ok(()) }
    /// ```
    pub fn add_secret<T: Serialize + ?Sized>(
        &self,
        content: &T,
        options: SecretOptions,
    ) -> Result<Secret> {
        add_secret(content, options, true)
    }

    /// Opens a port or a range of ports on this unit (`open-port`); Juju
    /// makes it reachable once the application is exposed.
    ///
    /// ```no_run
    /// use charmbox_sdk::PortRange;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.unit().open_port(PortRange::tcp(8080))?;
    /// model.unit().open_port(PortRange::udp_range(10000, 10100))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If the range is not valid (port 0, a range that ends before it
    /// starts) or conflicts with one already open.
    pub fn open_port(&self, ports: PortRange) -> Result<()> {
        host_ports::open_port(contract_range(ports)).map_err(refused(format_args!("open {ports}")))
    }

    /// Closes a port or range this unit opened (`close-port`); closing one
    /// that is not open does nothing.
    ///
    /// ```no_run
    /// use charmbox_sdk::PortRange;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.unit().close_port(PortRange::tcp(8080))?;
    /// # Ok(()) }
    /// ```
    pub fn close_port(&self, ports: PortRange) -> Result<()> {
        host_ports::close_port(contract_range(ports))
            .map_err(refused(format_args!("close {ports}")))
    }

    /// The ports this unit has open (`opened-ports`), including those
    /// opened earlier in this run.
    ///
    /// ```no_run
    /// use charmbox_sdk::PortRange;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let unit = model.unit();
    /// for ports in unit.opened_ports()? {
    ///     if ports != PortRange::tcp(8080) {
    ///         unit.close_port(ports)?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn opened_ports(&self) -> Result<Vec<PortRange>> {
        let ranges = host_ports::opened_ports().map_err(refused("list the opened ports"))?;
        Ok(ranges.into_iter().map(PortRange::from).collect())
    }
}

/// This unit's application — `self.app` in `ops`: its name, its status
/// (leader only) and the secrets it owns.
///
/// Get it with [`Model::app`]. Its relation databags are on each
/// [`Relation`](crate::Relation) ([`app_data`](crate::Relation::app_data)).
///
/// ```no_run
/// use charmbox_sdk::Status;
/// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
/// if model.unit().is_leader()? {
///     model.app().set_status(Status::Active("3 units ready"))?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct App {
    model: Model,
}

impl App {
    pub(crate) fn new(model: Model) -> Self {
        App { model }
    }

    /// The application's name: `postgresql` for unit `postgresql/0`.
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) {
    /// let name = model.app().name();
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        self.model.app_name()
    }

    /// The application's status (`status-get --application`).
    ///
    /// ```no_run
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// let status = model.app().status()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If this unit is not the leader.
    pub fn status(&self) -> Result<Status> {
        let info = host::status_get(true).map_err(refused("read the application's status"))?;
        reported(info).map_err(|e| anyhow!("cannot read the application's status: {e}"))
    }

    /// Sets the application's status (`status-set --application`).
    ///
    /// ```no_run
    /// use charmbox_sdk::Status;
    /// # fn f(model: &charmbox_sdk::Model) -> charmbox_sdk::Result<()> {
    /// model.app().set_status(Status::Blocked("needs a database relation"))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If this unit is not the leader, or for `Unknown` and `Error`.
    pub fn set_status<M: AsRef<str>>(&self, status: Status<M>) -> Result<()> {
        set_status(&status, true, "the application's")
    }

    /// Creates a secret owned by the application (`secret-add`): every unit
    /// of it can read it, and the leader manages it. Leader only. `content`
    /// is as for [`Unit::add_secret`].
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// use charmbox_sdk::{RotatePolicy, SecretOptions};
    /// # fn f(model: &charmbox_sdk::Model, password: String) -> charmbox_sdk::Result<()> {
    /// let secret = model.app().add_secret(
    ///     &BTreeMap::from([("password", password)]),
    ///     SecretOptions::new()
    ///         .label("admin-password")
    ///         .rotate(RotatePolicy::Monthly),
    /// )?;
    /// log::info!("created {}", secret.id().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// If this unit is not the leader, the content is empty or a key is not
    /// valid, or a secret of the application already has the label.
    pub fn add_secret<T: Serialize + ?Sized>(
        &self,
        content: &T,
        options: SecretOptions,
    ) -> Result<Secret> {
        add_secret(content, options, false)
    }
}

/// `status-set`, for the unit or (`application`) its application; `whose`
/// names it in the error.
fn set_status<M: AsRef<str>>(status: &Status<M>, application: bool, whose: &str) -> Result<()> {
    let doing = || format!("set {whose} status to {status}");
    let kind = settable(status).map_err(|e| anyhow!("cannot {}: {e}", doing()))?;
    host::status_set(kind, status.message(), application).map_err(refused(doing()))
}
