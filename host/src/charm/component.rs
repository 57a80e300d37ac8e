//! Loading a charm's component: compiling it, linking it against the host's
//! imports once, and discovering its action handlers from the component's own
//! type (no per-charm bindings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre};

use crate::cache::packed::PackedArtifactError;
use crate::cache::{CacheOutcome, SourceFile};
use crate::engine::Engine;
use crate::sandbox::RunState;

/// A handler's signature: the two shapes an action export may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerSignature {
    /// `func()`.
    Plain,
    /// `func() -> result<_, string>`; `err(msg)` fails the action with `msg`.
    Fallible,
}

/// An action handler the component exports.
#[derive(Debug, Clone)]
pub struct Handler {
    /// The export's (and the action's) name.
    pub name: String,
    /// Its signature.
    pub signature: HandlerSignature,
    pub(crate) index: ComponentExportIndex,
}

/// A top-level export that cannot be an action handler, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherExport {
    /// The export's name.
    pub name: String,
    /// What it is, in WIT terms (`func(n: u32) -> string`, `instance`).
    pub kind: String,
    /// The toolchain that leaves this export in every component it builds
    /// (it is the toolchain's, not the charm's), if it is such an export.
    pub toolchain: Option<&'static str>,
}

impl OtherExport {
    /// Whether it is a function (not an exported interface or a type).
    pub fn is_function(&self) -> bool {
        self.kind.starts_with("func(")
    }
}

/// Exports a toolchain leaves in the components it builds, by their names,
/// with the toolchain's: never a charm's action, even in a bare component.
/// Each also has a signature no handler has (it takes arguments).
const TOOLCHAIN_EXPORTS: &[(&str, &str)] = &[
    // componentize-qjs keeps its build-time initializer,
    // `init(shim, script, entry-path, disable-gc)`.
    ("init", "componentize-qjs (jco componentize --backend qjs)"),
];

/// Errors loading a component.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a WebAssembly component.
    #[error("{path} is not a WebAssembly component: {reason}")]
    NotAComponent {
        /// The file.
        path: PathBuf,
        /// What it is instead, and what to do.
        reason: String,
    },
    /// The component is malformed or does not compile.
    #[error("{path} is not a valid component: {reason:#}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The compiler's error.
        reason: anyhow::Error,
    },
}

/// An import the host does not provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImport {
    /// The import's name (`wasi:http/types@0.2.0`).
    pub name: String,
    /// Why it cannot be linked, in the linker's words.
    pub reason: String,
}

/// A compiled component: its action handlers, its other exports and, when
/// every import is provided, the pre-linked instance its runs start from.
pub struct CharmComponent {
    path: PathBuf,
    component: Component,
    /// `None` when some import is missing: such a component cannot run, and
    /// [`Self::missing_imports`] says why.
    pre: Option<InstancePre<RunState>>,
    missing_imports: Vec<MissingImport>,
    handlers: BTreeMap<String, Handler>,
    others: Vec<OtherExport>,
    reaches_filesystem: bool,
    reach: super::reach::Reach,
    cache_outcome: Option<CacheOutcome>,
    packed_refused: Option<PackedArtifactError>,
}

impl CharmComponent {
    /// Reads, compiles and links the component at `path`. With a cache that
    /// has indexed the file, nothing is read or compiled: the artifact is
    /// mapped. A packed charm's compiled component beside it
    /// ([`crate::cache::packed`]) is checked and mapped rather than
    /// compiling; one that fails its checks is [`Self::packed_refused`].
    pub fn load(engine: &Engine, path: &Path) -> Result<Self, LoadError> {
        let cached = engine
            .cache()
            .and_then(|cache| cache.lookup_file(engine.wasmtime(), path));
        if let Some(component) = cached {
            return Ok(Self::link(engine, path, component, Some(CacheOutcome::Hit)));
        }
        // A packed charm's compiled component, checked (without reading
        // the component into memory).
        let packed_refused = match engine.load_packed(path) {
            Ok(Some(component)) => {
                return Ok(Self::link(
                    engine,
                    path,
                    component,
                    Some(CacheOutcome::Packed),
                ))
            }
            Ok(None) => None,
            Err(refused) => Some(refused),
        };
        let source = SourceFile::read(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        check_component_header(path, &source.bytes)?;
        let (component, outcome) =
            engine
                .compile_file(&source)
                .map_err(|reason| LoadError::Invalid {
                    path: path.to_owned(),
                    reason,
                })?;
        let mut loaded = Self::link(engine, path, component, outcome);
        loaded.packed_refused = packed_refused;
        Ok(loaded)
    }

    /// Compiles and links component `bytes`; `path` names them in errors.
    pub fn from_bytes(engine: &Engine, path: &Path, bytes: &[u8]) -> Result<Self, LoadError> {
        check_component_header(path, bytes)?;
        let component = engine.compile(bytes).map_err(|reason| LoadError::Invalid {
            path: path.to_owned(),
            reason,
        })?;
        Ok(Self::link(engine, path, component, None))
    }

    /// Links a compiled component against the host's imports and finds its
    /// handlers.
    fn link(
        engine: &Engine,
        path: &Path,
        component: Component,
        cache_outcome: Option<CacheOutcome>,
    ) -> Self {
        let (pre, missing_imports) = match engine.linker().instantiate_pre(&component) {
            Ok(pre) => (Some(pre), Vec::new()),
            Err(e) => (
                None,
                missing_imports(engine, &component, &anyhow::Error::from(e)),
            ),
        };
        let (handlers, others) = discover_exports(engine, &component);
        let reach = super::reach::Reach::of(engine, &component);
        let reaches_filesystem = reach.filesystem;
        Self {
            path: path.to_owned(),
            component,
            pre,
            missing_imports,
            handlers,
            others,
            reaches_filesystem,
            reach,
            cache_outcome,
            packed_refused: None,
        }
    }

    /// Why the packed artifact shipped beside the component was not used
    /// (the component was compiled instead), if one was there and refused:
    /// a warning for whoever runs the charm.
    pub fn packed_refused(&self) -> Option<&PackedArtifactError> {
        self.packed_refused.as_ref()
    }

    /// How the compiled cache served [`load`](Self::load): `None` when it
    /// was not used (no cache, or [`from_bytes`](Self::from_bytes)).
    pub fn cache_outcome(&self) -> Option<CacheOutcome> {
        self.cache_outcome
    }

    /// The file the component was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The action handlers it exports, by name.
    pub fn handlers(&self) -> &BTreeMap<String, Handler> {
        &self.handlers
    }

    /// One handler by action name.
    pub fn handler(&self, action: &str) -> Option<&Handler> {
        self.handlers.get(action)
    }

    /// Top-level exports that cannot be handlers.
    pub fn other_exports(&self) -> &[OtherExport] {
        &self.others
    }

    /// The compiled component.
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// Whether the component imports `wasi:filesystem/preopens`, the only
    /// way a guest reaches a directory. One that does not is run without
    /// its unit's data directory opened: it could never see it, and opening
    /// and closing it cost a run two system calls.
    pub fn reaches_filesystem(&self) -> bool {
        self.reaches_filesystem
    }

    /// What the component can reach through its imports, for an operator
    /// to read before running it.
    pub fn reach(&self) -> &super::reach::Reach {
        &self.reach
    }

    /// Imports the host does not provide; empty when the component can run.
    pub fn missing_imports(&self) -> &[MissingImport] {
        &self.missing_imports
    }

    pub(crate) fn instance_pre(&self) -> Option<&InstancePre<RunState>> {
        self.pre.as_ref()
    }
}

/// Tells a component from a core module or something else entirely, so the
/// error can say what the file is and what to do about it.
fn check_component_header(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    const MAGIC: &[u8] = b"\0asm";
    let not_a_component = |reason: &str| LoadError::NotAComponent {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        return Err(not_a_component(
            "it is not WebAssembly at all (no `\\0asm` header); build the charm with \
             `cargo build --release --target wasm32-wasip2` and pass the .wasm it writes",
        ));
    }
    // Bytes 6..8 are the layer: 0 for a core module, 1 for a component.
    match bytes[6..8] {
        [1, 0] => Ok(()),
        [0, 0] => Err(not_a_component(
            "it is a core WebAssembly module, not a component; build for the \
             `wasm32-wasip2` target (which emits a component), or wrap the module with \
             `wasm-tools component new`",
        )),
        _ => Err(not_a_component("it has an unknown WebAssembly layer")),
    }
}

/// Which imports are missing. The linker names only the first it trips on,
/// so each import is judged by whether the host provides its interface;
/// when that finds none, the linker's own error is the one reported.
fn missing_imports(
    engine: &Engine,
    component: &Component,
    link_error: &anyhow::Error,
) -> Vec<MissingImport> {
    let missing: Vec<MissingImport> = component
        .component_type()
        .imports(engine.wasmtime())
        .map(|(name, _)| name)
        .filter(|name| !host_provides(name))
        .map(|name| MissingImport {
            name: name.to_owned(),
            reason: "charmbox does not provide this interface".into(),
        })
        .collect();
    if missing.is_empty() {
        vec![MissingImport {
            name: "(linking)".into(),
            reason: format!("{link_error:#}"),
        }]
    } else {
        missing
    }
}

/// Whether the host links an interface of this name: WASI 0.2 without HTTP,
/// and every released version of `juju:charm` (see [`super::reach`]).
pub(crate) fn host_provides(import: &str) -> bool {
    const WASI: [&str; 6] = ["cli", "clocks", "filesystem", "io", "random", "sockets"];
    if let Some(rest) = import.strip_prefix("wasi:") {
        let (package, version) = rest.split_once('@').unwrap_or((rest, ""));
        let package = package.split('/').next().unwrap_or_default();
        return WASI.contains(&package) && version.starts_with("0.2.");
    }
    super::reach::ContractInterface::of_import(import).is_some()
}

fn discover_exports(
    engine: &Engine,
    component: &Component,
) -> (BTreeMap<String, Handler>, Vec<OtherExport>) {
    let mut handlers = BTreeMap::new();
    let mut others = Vec::new();
    let ty = component.component_type();
    for (name, export) in ty.exports(engine.wasmtime()) {
        let signature = match &export.ty {
            ComponentItem::ComponentFunc(func) => handler_signature(func),
            _ => None,
        };
        let index = component.get_export_index(None, name);
        match (signature, index) {
            (Some(signature), Some(index)) => {
                handlers.insert(
                    name.to_owned(),
                    Handler {
                        name: name.to_owned(),
                        signature,
                        index,
                    },
                );
            }
            _ => others.push(OtherExport {
                name: name.to_owned(),
                kind: describe_item(&export.ty),
                toolchain: TOOLCHAIN_EXPORTS
                    .iter()
                    .find(|(export, _)| *export == name)
                    .map(|(_, toolchain)| *toolchain),
            }),
        }
    }
    (handlers, others)
}

fn handler_signature(func: &wasmtime::component::types::ComponentFunc) -> Option<HandlerSignature> {
    if func.params().len() != 0 {
        return None;
    }
    let results: Vec<Type> = func.results().collect();
    match results.as_slice() {
        [] => Some(HandlerSignature::Plain),
        [Type::Result(result)]
            if result.ok().is_none() && matches!(result.err(), Some(Type::String)) =>
        {
            Some(HandlerSignature::Fallible)
        }
        _ => None,
    }
}

/// A WIT-like description of an export, for messages.
pub(crate) fn describe_item(item: &ComponentItem) -> String {
    match item {
        ComponentItem::ComponentFunc(func) => {
            let params: Vec<String> = func
                .params()
                .map(|(name, ty)| format!("{name}: {}", describe_type(&ty)))
                .collect();
            let results: Vec<String> = func.results().map(|ty| describe_type(&ty)).collect();
            match results.as_slice() {
                [] => format!("func({})", params.join(", ")),
                [one] => format!("func({}) -> {one}", params.join(", ")),
                many => format!("func({}) -> ({})", params.join(", "), many.join(", ")),
            }
        }
        ComponentItem::CoreFunc(_) => "core func".into(),
        ComponentItem::Module(_) => "core module".into(),
        ComponentItem::Component(_) => "component".into(),
        ComponentItem::ComponentInstance(_) => "instance (an exported interface)".into(),
        ComponentItem::Type(_) => "type".into(),
        ComponentItem::Resource(_) => "resource".into(),
    }
}

fn describe_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(list) => format!("list<{}>", describe_type(&list.ty())),
        Type::Option(option) => format!("option<{}>", describe_type(&option.ty())),
        Type::Result(result) => {
            let side = |t: Option<Type>| t.map_or("_".to_owned(), |t| describe_type(&t));
            format!("result<{}, {}>", side(result.ok()), side(result.err()))
        }
        Type::Tuple(tuple) => {
            let items: Vec<String> = tuple.types().map(|t| describe_type(&t)).collect();
            format!("tuple<{}>", items.join(", "))
        }
        Type::Record(_) => "record".into(),
        Type::Variant(_) => "variant".into(),
        Type::Enum(_) => "enum".into(),
        Type::Flags(_) => "flags".into(),
        Type::Own(_) | Type::Borrow(_) => "resource handle".into(),
        other => format!("{other:?}"),
    }
}
