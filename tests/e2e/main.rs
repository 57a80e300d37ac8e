//! End-to-end tests: build the example charms to `wasm32-wasip2` and run
//! their actions through the real `charmbox` binary, as an operator would.

mod support;
mod wat_charm;

mod cache;
mod contract;
mod docs;
mod foundation;
mod hooks;
mod hostile;
mod init;
mod juju;
mod juju_model;
mod languages;
mod metadata;
mod model;
mod operations;
mod password_keeper;
mod real_charms;
mod remove_unit;
mod secret_hooks;
mod tasks;
