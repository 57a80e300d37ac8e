//! The port rules of a run's model (juju/juju
//! `internal/worker/uniter/runner/context/ports.go`): a range opened or
//! closed waits for the commit, cancels the opposite request for the same
//! range, and is refused when it overlaps a different range the unit has
//! open or asked for (`... requested earlier`); `opened-ports` includes
//! the run's requests. Each local unit is on a machine of its own, so only
//! its own ranges can conflict.

use super::{failed, refused, LocalModelBackend};
use crate::model::{ModelResult, PortRange, Protocol};

/// Juju orders port ranges by protocol name (icmp, tcp, udp), then ports.
fn port_order(range: &PortRange) -> (&'static str, u16, u16) {
    let protocol = match range.protocol {
        Protocol::Icmp => "icmp",
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
    };
    (protocol, range.from, range.to)
}

/// Whether two ranges of one protocol overlap (`PortRange.ConflictsWith`).
fn conflicts(a: &PortRange, b: &PortRange) -> bool {
    a.protocol == b.protocol && a.to >= b.from && b.to >= a.from
}

/// Juju's `checkForConflict` of `range` for `endpoint` against ranges this
/// unit has (`pending` when they are this run's): `Ok(true)` when the same
/// range is already there for the endpoint, an error when one overlaps.
fn check_conflict(
    endpoint: &str,
    range: &PortRange,
    unit: &str,
    existing: &[(String, PortRange)],
    pending: bool,
) -> Result<bool, String> {
    for (existing_endpoint, other) in existing {
        if !conflicts(range, other) {
            continue;
        }
        if range == other {
            if endpoint != existing_endpoint {
                continue;
            }
            return Ok(true);
        }
        let earlier = if pending { " requested earlier" } else { "" };
        return Err(format!(
            "port range conflicts with {other} (unit {unit:?}){earlier}"
        ));
    }
    Ok(false)
}

impl LocalModelBackend {
    fn owned_ports(&mut self) -> ModelResult<Vec<(String, PortRange)>> {
        if self.ports.is_none() {
            let rows = self.link.rows().map_err(failed)?;
            self.ports = Some(rows.opened_ports(&self.unit).map_err(failed)?);
        }
        Ok(self.ports.clone().unwrap_or_default())
    }

    fn ports_with_pending(&mut self) -> ModelResult<Vec<(String, PortRange)>> {
        let mut ports = self.owned_ports()?;
        for open in &self.pending.open_ports {
            if !ports.contains(open) {
                ports.push(open.clone());
            }
        }
        ports.retain(|p| !self.pending.close_ports.contains(p));
        Ok(ports)
    }

    pub(super) fn open(&mut self, ports: PortRange) -> ModelResult<()> {
        // Ports for every endpoint: the contract names none.
        let endpoint = String::new();
        let unit = self.unit.clone();
        let describe = |e: String| format!("cannot open {ports} (unit {unit:?}): {e}");
        self.pending
            .close_ports
            .retain(|(e, r)| !(e == &endpoint && *r == ports));
        match check_conflict(
            &endpoint,
            &ports,
            &self.unit,
            &self.pending.open_ports,
            true,
        ) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(refused(describe(e))),
        }
        let opened = self.owned_ports()?;
        match check_conflict(&endpoint, &ports, &self.unit, &opened, false) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(refused(describe(e))),
        }
        self.pending.open_ports.push((endpoint, ports));
        Ok(())
    }

    pub(super) fn close(&mut self, ports: PortRange) -> ModelResult<()> {
        let endpoint = String::new();
        let unit = self.unit.clone();
        let describe = |e: String| format!("cannot close {ports} (unit {unit:?}): {e}");
        self.pending
            .open_ports
            .retain(|(e, r)| !(e == &endpoint && *r == ports));
        match check_conflict(
            &endpoint,
            &ports,
            &self.unit,
            &self.pending.close_ports,
            true,
        ) {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e) => return Err(refused(describe(e))),
        }
        let opened = self.owned_ports()?;
        if let Err(e) = check_conflict(&endpoint, &ports, &self.unit, &opened, false) {
            return Err(refused(describe(e)));
        }
        // Nothing open: nothing to close.
        if opened.is_empty() {
            return Ok(());
        }
        self.pending.close_ports.push((endpoint, ports));
        Ok(())
    }

    pub(super) fn opened(&mut self) -> ModelResult<Vec<PortRange>> {
        let mut ranges: Vec<PortRange> = self
            .ports_with_pending()?
            .into_iter()
            .map(|(_, range)| range)
            .collect();
        ranges.sort_by_key(port_order);
        ranges.dedup();
        Ok(ranges)
    }
}
