//! A test charm component made for any list of action names: written in
//! the component text format and assembled here, so a charm's real
//! metadata (tests/fixtures/real-charms) can be run without its code.
//!
//! Each action named is an export that really runs through the host's
//! `juju:charm/action` imports: it reads its whole params map with
//! `action-get`, sets it as the result `params` (JSON text) with
//! `action-set`, and logs `ran <action>` with `action-log`. Two more
//! behaviours can be added under any name:
//! - a ticker ([`WatCharm::ticker`]): reads the integer param `ticks`,
//!   sets the result `started` to `yes`, logs `tick 1`, `tick 2`, … every
//!   [`TICK_MS`] (0 ticks: for ever), sets `ticked` to the count, and ends;
//! - a quiet failure ([`WatCharm::fail_quietly`]): calls `action-fail` with
//!   an empty message.

use std::path::Path;

/// How long a ticker waits between its log lines, in milliseconds.
pub const TICK_MS: u64 = 200;

/// A test component's exports.
#[derive(Debug, Default, Clone)]
pub struct WatCharm {
    echo: Vec<String>,
    tickers: Vec<String>,
    quiet_failures: Vec<String>,
}

impl WatCharm {
    /// Exports each of `actions`, echoing their params.
    pub fn echoing<S: AsRef<str>>(actions: impl IntoIterator<Item = S>) -> Self {
        Self {
            echo: actions.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            ..Self::default()
        }
    }

    /// Adds a ticker export named `name`.
    pub fn ticker(mut self, name: &str) -> Self {
        self.tickers.push(name.to_owned());
        self
    }

    /// Adds an export named `name` that fails without a message.
    pub fn fail_quietly(mut self, name: &str) -> Self {
        self.quiet_failures.push(name.to_owned());
        self
    }

    /// The component's bytes.
    pub fn build(&self) -> Vec<u8> {
        let wat = self.wat();
        wat::parse_str(&wat).unwrap_or_else(|e| panic!("test charm WAT: {e}\n{wat}"))
    }

    /// Writes the component as `dir/charm.wasm`.
    pub fn write_to(&self, dir: &Path) {
        std::fs::write(dir.join("charm.wasm"), self.build()).expect("write charm.wasm");
    }

    fn wat(&self) -> String {
        // Data: fixed strings at low addresses, one log message per action
        // after them; scratch and the bump allocator's heap above.
        let mut data = String::new();
        let mut next = 1024u32;
        let mut add = |text: &str, data: &mut String| -> (u32, u32) {
            let at = next;
            data.push_str(&format!("(data (i32.const {at}) \"{}\")\n", escape(text)));
            next += text.len() as u32 + 1;
            (at, text.len() as u32)
        };
        let mut funcs = String::new();
        let mut lifts = String::new();
        let export = |name: &str, body: String, funcs: &mut String, lifts: &mut String| {
            let core = format!("a{}", lifts.matches("(export").count());
            funcs.push_str(&format!("(func (export \"{core}\") {body})\n"));
            lifts.push_str(&format!(
                "(func ${core} (canon lift (core func $main \"{core}\")))\n\
                 (export \"{name}\" (func ${core}))\n"
            ));
        };
        for action in &self.echo {
            let (at, len) = add(&format!("ran {action}"), &mut data);
            export(
                action,
                format!("i32.const {at} i32.const {len} call $echo"),
                &mut funcs,
                &mut lifts,
            );
        }
        for ticker in &self.tickers {
            export(ticker, "call $ticker".into(), &mut funcs, &mut lifts);
        }
        for name in &self.quiet_failures {
            export(
                name,
                "i32.const 0 i32.const 0 call $fail".into(),
                &mut funcs,
                &mut lifts,
            );
        }
        format!(
            r#"(component
  (import "juju:charm/action@0.1.0" (instance $action
    (export "action-get" (func (param "key" (option string)) (result (option string))))
    (export "action-set" (func (param "results" (list (tuple string string))) (result (result (error string)))))
    (export "action-log" (func (param "message" string)))
    (export "action-fail" (func (param "message" string)))
  ))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "now" (func (result u64)))
  ))
  (core module $libc
    (memory (export "memory") 2)
    (global $bump (mut i32) (i32.const 65536))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32) (local $end i32)
      global.get $bump
      local.get 2 i32.const 1 i32.sub i32.add
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and
      local.tee $at
      local.get 3 i32.add
      local.tee $end
      global.set $bump
      (block $fits
        local.get $end memory.size i32.const 65536 i32.mul i32.le_u br_if $fits
        local.get $end memory.size i32.const 65536 i32.mul i32.sub
        i32.const 65535 i32.add i32.const 65536 i32.div_u
        memory.grow i32.const -1 i32.ne br_if $fits
        unreachable)
      local.get $at)
  )
  (core instance $libc (instantiate $libc))
  (core func $get (canon lower (func $action "action-get") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc")) string-encoding=utf8))
  (core func $set (canon lower (func $action "action-set") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc")) string-encoding=utf8))
  (core func $log (canon lower (func $action "action-log") (memory (core memory $libc "memory")) string-encoding=utf8))
  (core func $fail (canon lower (func $action "action-fail") (memory (core memory $libc "memory")) string-encoding=utf8))
  (core func $now (canon lower (func $clock "now")))
  (core module $charm
    (import "libc" "memory" (memory 1))
    (import "host" "get" (func $get (param i32 i32 i32 i32)))
    (import "host" "set" (func $set (param i32 i32 i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "fail" (func $fail (param i32 i32)))
    (import "host" "now" (func $now (result i64)))
    (data (i32.const 16) "params")
    (data (i32.const 24) "ticks")
    (data (i32.const 32) "ticked")
    (data (i32.const 40) "tick ")
    (data (i32.const 48) "started")
    (data (i32.const 56) "yes")
    {data}
    ;; Sets result `key` (at key/key_len) to the string at value/len.
    (func $set1 (param $key i32) (param $key_len i32) (param $value i32) (param $len i32)
      i32.const 128 local.get $key i32.store
      i32.const 132 local.get $key_len i32.store
      i32.const 136 local.get $value i32.store
      i32.const 140 local.get $len i32.store
      i32.const 128 i32.const 1 i32.const 144 call $set)
    ;; Sets `params` to the whole params map, logs msg.
    (func $echo (param $msg i32) (param $len i32)
      i32.const 0 i32.const 0 i32.const 0 i32.const 64 call $get
      i32.const 16 i32.const 6 i32.const 68 i32.load i32.const 72 i32.load call $set1
      local.get $msg local.get $len call $log)
    ;; The integer param `ticks` (0 when absent).
    (func $ticks (result i32)
      (local $at i32) (local $end i32) (local $n i32)
      i32.const 1 i32.const 24 i32.const 5 i32.const 64 call $get
      (if (i32.eqz (i32.load8_u (i32.const 64))) (then (return (i32.const 0))))
      i32.const 68 i32.load local.set $at
      local.get $at i32.const 72 i32.load i32.add local.set $end
      (block $done (loop $digit
        local.get $at local.get $end i32.ge_u br_if $done
        local.get $n i32.const 10 i32.mul
        local.get $at i32.load8_u i32.const 48 i32.sub i32.add local.set $n
        local.get $at i32.const 1 i32.add local.set $at
        br $digit))
      local.get $n)
    ;; Writes n in decimal at 200 onwards; returns its length.
    (func $decimal (param $n i32) (result i32)
      (local $len i32) (local $i i32) (local $t i32)
      local.get $n local.set $t
      (loop $count
        local.get $len i32.const 1 i32.add local.set $len
        local.get $t i32.const 10 i32.div_u local.tee $t
        br_if $count)
      local.get $len local.set $i
      (loop $write
        local.get $i i32.const 1 i32.sub local.set $i
        i32.const 200 local.get $i i32.add
        local.get $n i32.const 10 i32.rem_u i32.const 48 i32.add i32.store8
        local.get $n i32.const 10 i32.div_u local.set $n
        local.get $i br_if $write)
      local.get $len)
    (func $ticker
      (local $ticks i32) (local $tick i32) (local $until i64) (local $len i32)
      call $ticks local.set $ticks
      i32.const 48 i32.const 7 i32.const 56 i32.const 3 call $set1
      (block $done (loop $again
        local.get $ticks (if (then local.get $tick local.get $ticks i32.ge_u br_if $done))
        call $now i64.const {tick_ns} i64.add local.set $until
        (loop $spin call $now local.get $until i64.lt_u br_if $spin)
        local.get $tick i32.const 1 i32.add local.set $tick
        ;; "tick N" at 195: "tick " then the digits at 200.
        local.get $tick call $decimal local.set $len
        i32.const 195 i32.const 40 i32.load i32.store
        i32.const 199 i32.const 32 i32.store8
        i32.const 195 local.get $len i32.const 5 i32.add call $log
        br $again))
      i32.const 32 i32.const 6 i32.const 200 local.get $tick call $decimal call $set1)
    {funcs}
  )
  (core instance $main (instantiate $charm
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "get" (func $get))
      (export "set" (func $set))
      (export "log" (func $log))
      (export "fail" (func $fail))
      (export "now" (func $now))))))
  {lifts}
)"#,
            tick_ns = TICK_MS * 1_000_000,
        )
    }
}

/// `text` as a WAT string literal's contents.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' => format!("\\{}", b as char),
            0x20..=0x7e => (b as char).to_string(),
            other => format!("\\{other:02x}"),
        })
        .collect()
}
