// Module hooks for the tests: each interface of the contract becomes a
// module exporting its functions in camelCase (as componentize-qjs names
// them), generated from the WIT, each calling the current FakeHost
// (host.js) with the WIT function's name and its arguments. The WASI
// modules the helper uses get small stand-ins (host.js's environment and
// streams).
import { readContract, camel } from "./wit.js";

const HOST = new URL("./host.js", import.meta.url).href;
let contract;

export async function resolve(specifier, context, next) {
  let m = /^juju:charm\/([a-z-]+)@0\.2\.0$/.exec(specifier);
  if (m) return { url: `charmbox-fake:juju/${m[1]}`, shortCircuit: true };
  m = /^wasi:cli\/(environment|stdout|stderr)@0\.2\.12$/.exec(specifier);
  if (m) return { url: `charmbox-fake:wasi/${m[1]}`, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  const m = /^charmbox-fake:(juju|wasi)\/([a-z-]+)$/.exec(url);
  if (!m) return next(url, context);
  let source;
  if (m[1] === "juju") {
    contract ??= readContract();
    const iface = contract[m[2]];
    if (!iface) throw new Error(`the contract has no interface ${m[2]}`);
    source = `import { current } from ${JSON.stringify(HOST)};\n`;
    for (const name of Object.keys(iface.funcs)) {
      source += `export function ${camel(name)}(...args) { return current().call(${JSON.stringify(m[2])}, ${JSON.stringify(name)}, args); }\n`;
    }
  } else {
    const fn = { environment: "getEnvironment", stdout: "getStdout", stderr: "getStderr" }[m[2]];
    source = `import { current } from ${JSON.stringify(HOST)};\nexport function ${fn}() { return current().wasi(${JSON.stringify(m[2])}); }\n`;
  }
  return { format: "module", source, shortCircuit: true };
}
