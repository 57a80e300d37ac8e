//! [`PortRange`] and [`Protocol`]: what [`Unit::open_port`] opens, and how
//! it maps onto the contract's `port-range`.
//!
//! [`Unit::open_port`]: crate::Unit::open_port

use std::fmt;

use crate::bindings::ports as host;

/// A port's protocol.
///
/// ```
/// use charmbox_sdk::{PortRange, Protocol};
/// assert_eq!(PortRange::udp(53).protocol(), Protocol::Udp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP, which has no ports.
    Icmp,
}

/// A port, a range of ports, or ICMP, as `open-port` takes them and
/// `opened-ports` lists them: `8080/tcp`, `1000-2000/udp`, `icmp`.
///
/// ```
/// use charmbox_sdk::{PortRange, Protocol};
///
/// let http = PortRange::tcp(80);
/// assert_eq!(http.to_string(), "80/tcp");
/// assert_eq!((http.protocol(), http.start(), http.end()), (Protocol::Tcp, 80, 80));
/// assert_eq!(PortRange::udp_range(1000, 2000).to_string(), "1000-2000/udp");
/// assert_eq!(PortRange::icmp().to_string(), "icmp");
/// ```
///
/// Juju's rules — ports from 1 to 65535, a range that does not end before
/// it starts — are checked when the range is opened or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    protocol: Protocol,
    from: u16,
    to: u16,
}

impl PortRange {
    /// One TCP port.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// let postgres = PortRange::tcp(5432);
    /// ```
    pub fn tcp(port: u16) -> Self {
        Self::tcp_range(port, port)
    }

    /// TCP ports `from` to `to`, both included.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// let passive_ftp = PortRange::tcp_range(30000, 30100);
    /// ```
    pub fn tcp_range(from: u16, to: u16) -> Self {
        PortRange {
            protocol: Protocol::Tcp,
            from,
            to,
        }
    }

    /// One UDP port.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// let dns = PortRange::udp(53);
    /// ```
    pub fn udp(port: u16) -> Self {
        Self::udp_range(port, port)
    }

    /// UDP ports `from` to `to`, both included.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// let rtp = PortRange::udp_range(10000, 20000);
    /// ```
    pub fn udp_range(from: u16, to: u16) -> Self {
        PortRange {
            protocol: Protocol::Udp,
            from,
            to,
        }
    }

    /// ICMP (ping).
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// let ping = PortRange::icmp();
    /// ```
    pub fn icmp() -> Self {
        PortRange {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        }
    }

    /// The protocol.
    ///
    /// ```
    /// # use charmbox_sdk::{PortRange, Protocol};
    /// assert_eq!(PortRange::udp(53).protocol(), Protocol::Udp);
    /// ```
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The first port (0 for ICMP): the contract's `from`.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// assert_eq!(PortRange::tcp_range(80, 90).start(), 80);
    /// ```
    pub fn start(&self) -> u16 {
        self.from
    }

    /// The last port, included (0 for ICMP): the contract's `to`.
    ///
    /// ```
    /// # use charmbox_sdk::PortRange;
    /// assert_eq!(PortRange::tcp_range(80, 90).end(), 90);
    /// ```
    pub fn end(&self) -> u16 {
        self.to
    }
}

impl fmt::Display for PortRange {
    /// As Juju writes it: `80/tcp`, `1000-2000/udp`, `icmp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => return f.write_str("icmp"),
        };
        if self.from == self.to {
            write!(f, "{}/{protocol}", self.from)
        } else {
            write!(f, "{}-{}/{protocol}", self.from, self.to)
        }
    }
}

/// The contract's `port-range` for `ports`.
pub(crate) fn contract_range(ports: PortRange) -> host::PortRange {
    host::PortRange {
        protocol: match ports.protocol {
            Protocol::Tcp => host::Protocol::Tcp,
            Protocol::Udp => host::Protocol::Udp,
            Protocol::Icmp => host::Protocol::Icmp,
        },
        from: ports.from,
        to: ports.to,
    }
}

impl From<host::PortRange> for PortRange {
    fn from(ports: host::PortRange) -> Self {
        PortRange {
            protocol: match ports.protocol {
                host::Protocol::Tcp => Protocol::Tcp,
                host::Protocol::Udp => Protocol::Udp,
                host::Protocol::Icmp => Protocol::Icmp,
            },
            from: ports.from,
            to: ports.to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cross_the_contract_unchanged() {
        for ports in [
            PortRange::tcp(80),
            PortRange::tcp_range(8000, 8100),
            PortRange::udp(53),
            PortRange::udp_range(1, 65535),
            PortRange::icmp(),
        ] {
            assert_eq!(PortRange::from(contract_range(ports)), ports);
        }
        let wire = contract_range(PortRange::udp_range(1000, 2000));
        assert!(matches!(wire.protocol, host::Protocol::Udp));
        assert_eq!((wire.from, wire.to), (1000, 2000));
    }

    #[test]
    fn display_is_juju_s() {
        assert_eq!(PortRange::tcp(80).to_string(), "80/tcp");
        assert_eq!(PortRange::tcp_range(80, 81).to_string(), "80-81/tcp");
        assert_eq!(PortRange::icmp().to_string(), "icmp");
    }
}
