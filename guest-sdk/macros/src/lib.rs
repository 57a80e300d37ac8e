//! The `charm!` macro of `charmbox-sdk`. Use it through `charmbox_sdk::charm!`;
//! the SDK documents it.

use std::collections::HashSet;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{LitStr, Path, Token};

/// Exports action and hook handlers; see `charmbox_sdk::charm!`. Which an
/// entry is, the handler's argument type says (`&Action` or `&Event`): the
/// generated wrapper is the same for both.
#[proc_macro]
pub fn charm(input: TokenStream) -> TokenStream {
    let entries = syn::parse_macro_input!(input as Entries);
    match expand(entries) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// One action: an optional explicit export name and the handler's path.
struct Entry {
    name: Option<LitStr>,
    handler: Path,
}

struct Entries(Punctuated<Entry, Token![,]>);

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let name = input.parse()?;
            input.parse::<Token![=>]>()?;
            let handler = input.parse()?;
            Ok(Entry {
                name: Some(name),
                handler,
            })
        } else {
            let handler = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a handler path (`greet`) or `\"action-name\" => handler`",
                )
            })?;
            Ok(Entry {
                name: None,
                handler,
            })
        }
    }
}

impl Parse for Entries {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Ok(Entries(Punctuated::parse_terminated(input)?))
    }
}

/// An entry with its export name settled and checked.
struct Action {
    name: String,
    handler: Path,
}

fn expand(entries: Entries) -> syn::Result<TokenStream2> {
    if entries.0.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "charm! needs at least one handler, e.g. `charm!(greet)` or `charm!(install)`",
        ));
    }

    let mut actions = Vec::new();
    let mut seen = HashSet::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_error = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };

    for entry in entries.0 {
        let (name, span) = match &entry.name {
            Some(lit) => (lit.value(), lit.span()),
            None => {
                let last = entry
                    .handler
                    .segments
                    .last()
                    .expect("a parsed path has a segment");
                let ident = last.ident.to_string();
                let ident = ident.strip_prefix("r#").unwrap_or(&ident);
                (ident.replace('_', "-"), last.ident.span())
            }
        };
        if let Err(why) = check_name(&name) {
            let hint = if entry.name.is_none() {
                format!(
                    " (derived from the function name; give a name explicitly: \
                     `\"action-name\" => {}`)",
                    path_text(&entry.handler)
                )
            } else {
                String::new()
            };
            push_error(syn::Error::new(
                span,
                format!("invalid action name {name:?}: {why}{hint}"),
            ));
            continue;
        }
        if !seen.insert(name.clone()) {
            push_error(syn::Error::new(
                span,
                format!("duplicate action name {name:?}: each action is exported once"),
            ));
            continue;
        }
        actions.push(Action {
            name,
            handler: entry.handler,
        });
    }
    if let Some(e) = errors {
        return Err(e);
    }

    // The exports as WIT, every name escaped with `%` so WIT keywords
    // (`type`, `list`...) are fine as action names.
    let mut wit = String::from("package charmbox:generated;\nworld actions {\n");
    for action in &actions {
        wit.push_str(&format!(
            "  export %{}: func() -> result<_, string>;\n",
            action.name
        ));
    }
    wit.push_str("}\n");

    let mut wrappers = Vec::new();
    let mut methods = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        let wrapper = format_ident!("__charmbox_action_{}", i);
        let name = &action.name;
        let handler = &action.handler;
        // Errors about the handler's type point at the author's path.
        let call = quote_spanned! {handler.span()=>
            ::charmbox_sdk::__private::run_handler(#name, #handler)
        };
        wrappers.push(quote! {
            #[doc(hidden)]
            fn #wrapper() -> ::core::result::Result<(), ::std::string::String> {
                #call
            }
        });
        let method = format_ident!("{}", rust_method_name(name));
        methods.push(quote! {
            fn #method() -> ::core::result::Result<(), ::std::string::String> {
                super::#wrapper()
            }
        });
    }

    Ok(quote! {
        #(#wrappers)*

        #[doc(hidden)]
        #[allow(unsafe_code, missing_docs, dead_code, unused_imports, clippy::all)]
        mod __charmbox_exports {
            ::charmbox_sdk::__private::wit_bindgen::generate!({
                inline: #wit,
                world: "charmbox:generated/actions",
                runtime_path: "::charmbox_sdk::__private::wit_bindgen::rt",
            });

            struct CharmboxActions;

            impl Guest for CharmboxActions {
                #(#methods)*
            }

            export!(CharmboxActions);
        }
    })
}

/// Checks an action name against Juju's rule and the component model's rule
/// for export names; the error says what is wrong.
fn check_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("it is empty".into());
    };
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "it contains {c:?}; only lowercase letters, digits and hyphens are allowed"
        ));
    }
    if !first.is_ascii_lowercase() {
        return Err("it must start with a lowercase letter".into());
    }
    if name.ends_with('-') {
        return Err("it must not end with a hyphen".into());
    }
    if name.contains("--") {
        return Err("it must not contain two hyphens in a row".into());
    }
    if let Some(word) = name
        .split('-')
        .find(|w| !w.starts_with(|c: char| c.is_ascii_lowercase()))
    {
        return Err(format!(
            "its word {word:?} starts with a digit; a component export name needs \
             each hyphen-separated word to start with a letter"
        ));
    }
    if name == "memory" {
        // Top-level exports keep their name in the core module, where
        // `memory` is the linear memory's export.
        return Err("`memory` clashes with the core module's memory export; \
                    choose another name"
            .into());
    }
    Ok(())
}

/// The name wit-bindgen gives the `Guest` trait method for an export.
fn rust_method_name(name: &str) -> String {
    use heck::ToSnakeCase;
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    ];
    if KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_snake_case()
    }
}

fn path_text(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names() {
        for name in [
            "greet",
            "snapshot-database",
            "a",
            "check-disk2",
            "v2-migrate",
            "x-y-z",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn bad_names_say_why() {
        let cases = [
            ("", "empty"),
            ("Greet", "contains 'G'"),
            ("snapshot_database", "contains '_'"),
            ("greet!", "contains '!'"),
            ("2fa", "start with a lowercase letter"),
            ("-greet", "start with a lowercase letter"),
            ("greet-", "end with a hyphen"),
            ("a--b", "two hyphens"),
            ("check-2fa", "word \"2fa\""),
            ("memory", "clashes"),
        ];
        for (name, why) in cases {
            let err = check_name(name).unwrap_err();
            assert!(err.contains(why), "{name}: {err}");
        }
    }

    #[test]
    fn method_names_follow_wit_bindgen() {
        assert_eq!(rust_method_name("greet"), "greet");
        assert_eq!(rust_method_name("snapshot-database"), "snapshot_database");
        assert_eq!(rust_method_name("check-disk2"), "check_disk2");
        assert_eq!(rust_method_name("type"), "type_");
    }
}
