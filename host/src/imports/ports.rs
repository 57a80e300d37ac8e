//! `juju:charm/ports`: `open-port`, `close-port`, `opened-ports`.

use super::bindings::v0_2_0::juju::charm::ports::{self as wit, Host};
use crate::model::{ModelContext, PortRange, Protocol};

impl Host for ModelContext {
    fn open_port(&mut self, ports: wit::PortRange) -> Result<(), String> {
        ModelContext::open_port(self, port_range(ports))
    }

    fn close_port(&mut self, ports: wit::PortRange) -> Result<(), String> {
        ModelContext::close_port(self, port_range(ports))
    }

    fn opened_ports(&mut self) -> Result<Vec<wit::PortRange>, String> {
        let opened = ModelContext::opened_ports(self)?;
        Ok(opened
            .into_iter()
            .map(|ports| wit::PortRange {
                protocol: match ports.protocol {
                    Protocol::Tcp => wit::Protocol::Tcp,
                    Protocol::Udp => wit::Protocol::Udp,
                    Protocol::Icmp => wit::Protocol::Icmp,
                },
                from: ports.from,
                to: ports.to,
            })
            .collect())
    }
}

fn port_range(ports: wit::PortRange) -> PortRange {
    PortRange {
        protocol: match ports.protocol {
            wit::Protocol::Tcp => Protocol::Tcp,
            wit::Protocol::Udp => Protocol::Udp,
            wit::Protocol::Icmp => Protocol::Icmp,
        },
        from: ports.from,
        to: ports.to,
    }
}
