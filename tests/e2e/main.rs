//! End-to-end tests: build the example charms to `wasm32-wasip2` and run
//! their actions through the real `charmbox` binary, as an operator would.

mod support;

mod cache;
mod contract;
mod foundation;
mod hooks;
mod hostile;
mod juju;
mod juju_model;
mod languages;
mod metadata;
mod model;
mod password_keeper;
mod tasks;
