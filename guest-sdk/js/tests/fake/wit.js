// Reads the contract's WIT (wit/juju-charm@0.2.0/charm.wit in this
// repository) and checks JavaScript values against its types the way the
// QuickJS runtime of componentize-qjs lowers and lifts them (its README's
// type mappings): strings, booleans, integers in range; `option<T>` as null
// for none (undefined also accepted going in); lists and tuples as arrays;
// records as objects with camelCase keys; enums as their case names;
// variants as `{ tag, val }`. A value the runtime could not convert is a
// TypeError here (it would trap a component).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CONTRACT_WIT = fileURLToPath(new URL("../../../../wit/juju-charm@0.2.0/charm.wit", import.meta.url));

/** @param {string} kebab */
export function camel(kebab) {
  return kebab.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** @param {string} text */
function tokenize(text) {
  const source = text.replace(/\/\/[^\n]*/g, "");
  const tokens = [];
  const re = /\s*(->|%?[a-z][a-z0-9-]*|[0-9.]+|[{}()<>,:;.@/=_*])/gy;
  let m;
  let at = 0;
  while ((m = re.exec(source)) !== null) {
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  if (source.slice(at).trim() !== "") throw new Error(`cannot read WIT near ${JSON.stringify(source.slice(at, at + 40))}`);
  return tokens;
}

/**
 * The contract: `{ [interface]: { types: { [name]: typedef }, funcs: { [name]: { params, result } } } }`.
 * @param {string} [path]
 */
export function readContract(path = CONTRACT_WIT) {
  const tokens = tokenize(readFileSync(path, "utf8"));
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expect = (/** @type {string} */ t) => {
    const got = next();
    if (got !== t) throw new Error(`WIT: expected ${t}, got ${got}`);
  };
  const ident = () => next().replace(/^%/, "");
  /** @returns {any} */
  const type = () => {
    const name = ident();
    if (["option", "list"].includes(name)) {
      expect("<");
      const of = type();
      expect(">");
      return { kind: name, of };
    }
    if (name === "tuple") {
      expect("<");
      const of = [type()];
      while (peek() === ",") {
        next();
        of.push(type());
      }
      expect(">");
      return { kind: "tuple", of };
    }
    if (name === "result") {
      if (peek() !== "<") return { kind: "result", ok: null, err: null };
      expect("<");
      let ok = null;
      if (peek() === "_") next();
      else ok = type();
      let err = null;
      if (peek() === ",") {
        next();
        err = type();
      }
      expect(">");
      return { kind: "result", ok, err };
    }
    if (["string", "bool", "u8", "u16", "u32", "u64", "s32", "s64"].includes(name)) return { kind: name };
    return { kind: "named", name };
  };
  /** @type {Record<string, any>} */
  const contract = {};
  while (i < tokens.length) {
    const word = next();
    if (word === "package") {
      while (next() !== ";");
    } else if (word === "world") {
      ident();
      let depth = 0;
      do {
        const t = next();
        if (t === "{") depth++;
        if (t === "}") depth--;
      } while (depth > 0);
    } else if (word === "interface") {
      const iface = { types: /** @type {Record<string, any>} */ ({}), funcs: /** @type {Record<string, any>} */ ({}) };
      contract[ident()] = iface;
      expect("{");
      while (peek() !== "}") {
        const item = next();
        if (item === "use") {
          const from = ident();
          expect(".");
          expect("{");
          const names = [ident()];
          while (peek() === ",") {
            next();
            names.push(ident());
          }
          expect("}");
          expect(";");
          for (const n of names) iface.types[n] = { kind: "use", from, name: n };
        } else if (item === "record" || item === "enum" || item === "variant") {
          const name = ident();
          expect("{");
          const members = [];
          while (peek() !== "}") {
            const member = ident();
            if (item === "record") {
              expect(":");
              members.push([member, type()]);
            } else if (item === "variant" && peek() === "(") {
              next();
              members.push([member, type()]);
              expect(")");
            } else {
              members.push([member, null]);
            }
            if (peek() === ",") next();
          }
          expect("}");
          iface.types[name] = { kind: item, members };
        } else {
          const name = item.replace(/^%/, "");
          expect(":");
          expect("func");
          expect("(");
          const params = [];
          while (peek() !== ")") {
            const p = ident();
            expect(":");
            params.push([p, type()]);
            if (peek() === ",") next();
          }
          expect(")");
          let result = null;
          if (peek() === "->") {
            next();
            result = type();
          }
          expect(";");
          iface.funcs[name] = { params, result };
        }
      }
      expect("}");
    } else {
      throw new Error(`WIT: unexpected ${word}`);
    }
  }
  return contract;
}

const RANGES = { u8: 2 ** 8, u16: 2 ** 16, u32: 2 ** 32 };

/**
 * Checks `value` against `ty` of interface `iface`; throws a TypeError
 * naming `where` if the runtime could not convert it. `lifting` is the
 * host-to-guest direction, where an option's none is exactly null and a
 * record has every field.
 * @param {any} contract
 * @param {string} iface
 * @param {any} ty
 * @param {unknown} value
 * @param {string} where
 * @param {boolean} lifting
 */
export function check(contract, iface, ty, value, where, lifting) {
  const fail = (/** @type {string} */ why) => {
    throw new TypeError(`${where}: ${JSON.stringify(value)} ${why}`);
  };
  switch (ty.kind) {
    case "string":
      if (typeof value !== "string") fail("is not a string");
      return;
    case "bool":
      if (typeof value !== "boolean") fail("is not a boolean");
      return;
    case "u8":
    case "u16":
    case "u32":
      if (!Number.isInteger(value) || /** @type {number} */ (value) < 0 || /** @type {number} */ (value) >= RANGES[ty.kind]) {
        fail(`is not a ${ty.kind}`);
      }
      return;
    case "option":
      if (value === null || (!lifting && value === undefined)) return;
      check(contract, iface, ty.of, value, where, lifting);
      return;
    case "list":
      if (!Array.isArray(value)) fail("is not an array");
      /** @type {unknown[]} */ (value).forEach((v, n) => check(contract, iface, ty.of, v, `${where}[${n}]`, lifting));
      return;
    case "tuple":
      if (!Array.isArray(value) || value.length !== ty.of.length) fail(`is not a ${ty.of.length}-tuple`);
      ty.of.forEach((/** @type {any} */ t, /** @type {number} */ n) => check(contract, iface, t, /** @type {unknown[]} */ (value)[n], `${where}[${n}]`, lifting));
      return;
    case "named": {
      let def = contract[iface].types[ty.name];
      let owner = iface;
      if (def && def.kind === "use") {
        owner = def.from;
        def = contract[def.from].types[def.name];
      }
      if (!def) throw new Error(`WIT: unknown type ${ty.name} in ${iface}`);
      if (value === null || typeof value !== "object" && def.kind !== "enum") fail(`is not a ${ty.name}`);
      if (def.kind === "enum") {
        if (!def.members.some((/** @type {[string]} */ [n]) => n === value)) fail(`is not a case of enum ${ty.name}`);
        return;
      }
      if (def.kind === "record") {
        const obj = /** @type {Record<string, unknown>} */ (value);
        for (const [field, fty] of def.members) {
          const key = camel(field);
          if (!(key in obj) && (lifting || fty.kind !== "option")) fail(`has no field ${key} (record ${ty.name})`);
          check(contract, owner, fty, obj[key], `${where}.${key}`, lifting);
        }
        return;
      }
      if (def.kind === "variant") {
        const obj = /** @type {{ tag: string, val?: unknown }} */ (value);
        const c = def.members.find((/** @type {[string]} */ [n]) => n === obj.tag);
        if (!c) fail(`has no tag of variant ${ty.name}`);
        if (c[1] !== null) check(contract, owner, c[1], obj.val, `${where}.val`, lifting);
        return;
      }
      throw new Error(`WIT: cannot check ${def.kind}`);
    }
    default:
      throw new Error(`WIT: cannot check ${ty.kind}`);
  }
}
