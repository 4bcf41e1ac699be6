//! The macros of `asynclife-sim` (re-exported by it; use them from there):
//! `#[asynclife_sim::test]`, an `async fn` test whose body runs under the engine over many
//! seeds as a `Check`, and `asynclife_sim::select!`, tokio's `select!` with its branch order
//! drawn from the run's seed.

mod krate;
mod select;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, ReturnType, Token};

/// Turns `async fn name() { body }` into a `#[test]` that runs `body` as the main task of
/// many simulations, one per seed, and panics with the failure report (seed, violations,
/// the events before them, a `reproduce:` line) at the smallest failing seed.
///
/// Options, all optional: `seeds = 500` (default 100; `ASYNCLIFE_SEEDS` overrides),
/// `first_seed = 0`, `policy = "random" | "pct" | "fifo"`, `depth = 3` (PCT's bug depth),
/// `faults = EXPR` (a `FaultPlan`), `max_steps = N`, `max_events = N`, `max_virtual_time_ms = N`,
/// `blocked_poll_threshold_ms = N`, `wall_poll_threshold_ms = N` (0: off),
/// `wall_poll_is_finding = true`, `jobs = N`, `shrink = false`, `local = true` (one
/// thread, for a body that captures what cannot cross threads).
///
/// ```ignore
/// #[asynclife_sim::test(seeds = 500, policy = "pct")]
/// async fn shutdown_drains_the_queue() {
///     let service = Service::start();
///     service.shutdown().await;
///     assert!(service.queue_is_empty());
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `#[tokio::test]` for the tokio-shaped module (`asynclife_sim::tokio::test`): the test
/// attribute above, which also accepts tokio's options (`flavor`, `worker_threads`,
/// `start_paused`) and ignores them: a simulation is one thread, and its time is virtual.
#[proc_macro_attribute]
pub fn tokio_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let ours = match without_tokio_options(args.into()) {
        Ok(ours) => ours,
        Err(e) => return e.to_compile_error().into(),
    };
    match expand(ours, item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `#[tokio::main]` for the tokio-shaped module (`asynclife_sim::tokio::main`): runs
/// `async fn main` on tokio's current-thread runtime with time enabled; tokio's options are
/// accepted and ignored.
#[proc_macro_attribute]
pub fn tokio_main(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand_main(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// tokio's attribute options, which mean nothing under the engine.
const TOKIO_OPTIONS: [&str; 4] = ["flavor", "worker_threads", "start_paused", "crate"];

fn without_tokio_options(args: Tokens) -> syn::Result<Tokens> {
    let options = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let kept = options.into_iter().filter(|option| {
        !option
            .path
            .get_ident()
            .is_some_and(|i| TOKIO_OPTIONS.contains(&i.to_string().as_str()))
    });
    Ok(quote!(#(#kept),*))
}

fn expand_main(args: Tokens, item: Tokens) -> syn::Result<Tokens> {
    let function: ItemFn = syn::parse2(item)?;
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[tokio::main] goes on an `async fn`",
        ));
    }
    let rest = without_tokio_options(args)?;
    if !rest.is_empty() {
        return Err(syn::Error::new(
            rest.span(),
            "#[tokio::main] takes only tokio's options (flavor, worker_threads, start_paused)",
        ));
    }
    let attrs = &function.attrs;
    let vis = &function.vis;
    let name = &sig.ident;
    let output = &sig.output;
    let body = &function.block;
    let engine = krate::engine();
    Ok(quote! {
        #(#attrs)*
        #vis fn #name() #output {
            #engine::tokio::__main_runtime().block_on(async move #body)
        }
    })
}

/// tokio's `select!`, deterministic: inside a simulation the branch polled first is drawn
/// from the run's seed (explored by seeds, reproduced by replay); outside one it is tokio's
/// `select!` as written. Same syntax: branches `pattern = future, if condition => handler`,
/// `else => ..`, and `biased;` (then it is tokio's own everywhere).
///
/// tokio's unbiased `select!` draws its order from a thread-local generator seeded from the
/// OS: inside a simulation it makes the same seed give different runs.
#[proc_macro]
pub fn select(input: TokenStream) -> TokenStream {
    match syn::parse::<select::Select>(input) {
        Ok(parsed) => select::expand(parsed).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(args: Tokens, item: Tokens) -> syn::Result<Tokens> {
    let function: ItemFn = syn::parse2(item)?;
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[asynclife_sim::test] goes on an `async fn`",
        ));
    }
    if !sig.inputs.is_empty() {
        return Err(syn::Error::new(
            sig.inputs.span(),
            "#[asynclife_sim::test] takes a function without arguments",
        ));
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        return Err(syn::Error::new(
            ty.span(),
            "#[asynclife_sim::test] takes a function that returns `()`: assert inside it",
        ));
    }
    let options = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut builder = Vec::new();
    let (mut policy, mut depth, mut local) = (None, None, false);
    for option in &options {
        let key = option
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let value = &option.value;
        let span = option.span();
        match key.as_str() {
            "seeds"
            | "first_seed"
            | "max_steps"
            | "max_events"
            | "jobs"
            | "shrink"
            | "faults"
            | "wall_poll_is_finding" => {
                let method = syn::Ident::new(&key, Span::call_site());
                builder.push(quote_spanned!(span=> .#method(#value)));
            }
            "max_virtual_time_ms" | "blocked_poll_threshold_ms" | "wall_poll_threshold_ms" => {
                let method = syn::Ident::new(key.trim_end_matches("_ms"), Span::call_site());
                builder.push(quote_spanned!(span=>
                    .#method(::std::time::Duration::from_millis(#value))));
            }
            "policy" => policy = Some(string(value)?),
            "depth" => depth = Some(value.clone()),
            "local" => local = boolean(value)?,
            _ => {
                return Err(syn::Error::new(
                    option.path.span(),
                    format!(
                        "unknown option `{key}` (known: seeds, first_seed, policy, depth, \
                         faults, max_steps, max_events, max_virtual_time_ms, blocked_poll_threshold_ms, \
                         wall_poll_threshold_ms, wall_poll_is_finding, jobs, shrink, local)"
                    ),
                ))
            }
        }
    }
    let engine = krate::engine();
    let (name_of_policy, policy_span) = policy.unwrap_or(("random".to_string(), Span::call_site()));
    match (name_of_policy.as_str(), depth) {
        ("random", None) => {}
        ("fifo", None) => builder.push(quote!(.policy(#engine::Policy::Fifo))),
        ("pct", depth) => {
            let depth = depth.unwrap_or_else(|| syn::parse_quote!(3));
            builder.push(quote!(.policy(#engine::Policy::pct(#depth))));
        }
        ("random" | "fifo", Some(depth)) => {
            return Err(syn::Error::new(
                depth.span(),
                "`depth` is for `policy = \"pct\"`",
            ))
        }
        (other, _) => {
            return Err(syn::Error::new(
                policy_span,
                format!("unknown policy \"{other}\" (known: random, pct, fifo)"),
            ))
        }
    }
    let attrs = &function.attrs;
    let vis = &function.vis;
    let name = &sig.ident;
    let body = &function.block;
    let run = if local {
        quote!(run_local)
    } else {
        quote!(run)
    };
    Ok(quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() {
            let _ = #engine::Check::new(stringify!(#name))
                #(#builder)*
                .#run(|| async #body);
        }
    })
}

fn string(value: &Expr) -> syn::Result<(String, Span)> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok((s.value(), s.span())),
        _ => Err(syn::Error::new(
            value.span(),
            "expected a string, e.g. \"pct\"",
        )),
    }
}

fn boolean(value: &Expr) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new(value.span(), "expected `true` or `false`")),
    }
}
