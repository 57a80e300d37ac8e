//! The per-process engine: one wasmtime [`wasmtime::Engine`], the one
//! [`Linker`] that wires every host import (WASI p2 and `juju:charm`), and the
//! epoch ticker that lets a run's deadline interrupt a spinning guest.
//!
//! Build one [`Engine`] per process and share it; compiled charms and runs
//! borrow it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};

use crate::bindings;
use crate::sandbox::RunState;

/// How often the epoch advances: a deadline is enforced to within one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// The per-process engine and linker.
pub struct Engine {
    engine: wasmtime::Engine,
    linker: Linker<RunState>,
    ticker_stop: Arc<AtomicBool>,
}

impl Engine {
    /// Builds the engine and links every host import once.
    pub fn new() -> anyhow::Result<Self> {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        // Deadlines: the store traps when the epoch passes its deadline.
        config.epoch_interruption(true);
        let engine = wasmtime::Engine::new(&config)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        bindings::juju::charm::action::add_to_linker::<RunState, HasSelf<RunState>>(
            &mut linker,
            |state| state,
        )?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone())?;
        Ok(Self {
            engine,
            linker,
            ticker_stop,
        })
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.engine
    }

    /// The linker with every host import.
    pub(crate) fn linker(&self) -> &Linker<RunState> {
        &self.linker
    }

    /// The epoch ticks that make up `timeout`, rounded up, plus one so a
    /// deadline never fires early.
    pub(crate) fn ticks_for(timeout: Duration) -> u64 {
        let tick = EPOCH_TICK.as_nanos();
        (timeout.as_nanos().div_ceil(tick) as u64).saturating_add(1)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn spawn_epoch_ticker(engine: wasmtime::Engine, stop: Arc<AtomicBool>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("charmbox-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })?;
    Ok(())
}
