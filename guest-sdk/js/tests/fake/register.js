// `node --import ./tests/fake/register.js`: makes `juju:charm/*@0.2.0` and
// `wasi:cli/*@0.2.12` importable in node, as modules generated from the
// contract's WIT whose functions call the test's FakeHost (see loader.js).
import { register } from "node:module";

register("./loader.js", import.meta.url);
