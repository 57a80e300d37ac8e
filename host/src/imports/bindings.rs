//! Host bindings generated from `wit/` (the `juju:charm` package); nothing
//! hand-written lives here.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "juju:charm/charm@0.1.0",
});
