//! Host bindings generated from `wit/`, one module per released version of
//! the `juju:charm` package; nothing hand-written lives here.

/// `juju:charm@0.1.0`: the action API alone.
pub(crate) mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../wit/juju-charm@0.1.0",
        world: "juju:charm/charm@0.1.0",
    });
}

/// `juju:charm@0.2.0`: the action API of 0.1.0 and the rest of the model.
pub(crate) mod v0_2_0 {
    wasmtime::component::bindgen!({
        path: "../wit/juju-charm@0.2.0",
        world: "juju:charm/charm@0.2.0",
    });
}
