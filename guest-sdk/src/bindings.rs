//! Bindings to the `juju:charm@0.2.0` imports, generated from the WIT
//! contract in the repository's `wit/juju-charm@0.2.0/` folder. Private to
//! the SDK: authors use [`Action`](crate::Action) and [`Model`](crate::Model)
//! instead.
//!
//! On targets other than `wasm32` the generated imports compile to stubs that
//! panic when called, so the SDK's pure logic can be unit-tested on the host.
//! A component imports only the functions its code can reach, so a charm
//! that never touches, say, secrets does not import the `secret` interface.

wit_bindgen::generate!({
    path: "../wit/juju-charm@0.2.0",
    world: "juju:charm/charm@0.2.0",
    generate_all,
});

pub(crate) use juju::charm::{
    action, config, context, log, ports, relation, secret, state, status,
};
