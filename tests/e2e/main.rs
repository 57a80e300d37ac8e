//! End-to-end tests: build the example charms to `wasm32-wasip2` and run
//! their actions through the real `charmbox` binary, as an operator would.

mod support;

mod cache;
mod contract;
mod foundation;
mod hostile;
mod init;
mod juju;
mod juju_model;
mod languages;
mod metadata;
mod tasks;
