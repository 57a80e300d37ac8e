//! Nesting and alias-expansion limits.

use charmbox::yaml11;
use yaml11::ErrorKind;

#[test]
fn deep_flow_nesting_within_limit() {
    // go-yaml v2.4.0 allows 10000 levels; so do we, on a test thread's
    // default 2 MiB stack.
    let depth = 10_000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let v = yaml11::parse_document(&text).unwrap();
    let mut d = 0;
    let mut cur = &v;
    while let Some(inner) = cur.as_array().and_then(|a| a.first()) {
        cur = inner;
        d += 1;
    }
    assert_eq!(d, depth - 1);
    drop(v);
}

#[test]
fn deep_block_nesting_within_limit() {
    // Deep enough to be decoded on the crate's big-stack thread.
    let depth = 4_000;
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    let v = yaml11::parse_params_file(&text).unwrap();
    // serde_json drops nested values recursively; 10000 levels of objects
    // can need more than a test thread's 2 MiB in debug builds.
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(move || drop(v))
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn too_deep() {
    let depth = 10_001;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let e = yaml11::parse_document(&text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert_eq!(e.juju_message(), "yaml: exceeded max depth of 10000");
}

#[test]
fn billion_laughs_is_refused() {
    let text = "a: &a [x,x,x,x,x,x,x,x,x]\n\
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n\
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
                h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n\
                i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    let e = yaml11::parse_document(text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Anchor);
    assert_eq!(
        e.juju_message(),
        "yaml: document contains excessive aliasing"
    );
}

#[test]
fn moderate_aliasing_is_fine() {
    let text = "a: &a [1, 2, 3]\nb: [*a, *a, *a, *a]\n";
    assert!(yaml11::parse_document(text).is_ok());
}
