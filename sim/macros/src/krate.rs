//! The path by which the expanding crate reaches the engine: `::asynclife_sim` (or the name
//! its `Cargo.toml` gives `asynclife-sim`), or, in a crate that depends only on
//! `asynclife-tokio` (typically renamed `tokio`), that crate's re-export of the engine.

use proc_macro2::{Span, TokenStream as Tokens};
use proc_macro_crate::{crate_name, FoundCrate};
use quote::quote;

/// The engine's path in the crate being compiled.
pub(crate) fn engine() -> Tokens {
    match crate_name("asynclife-sim") {
        Ok(FoundCrate::Name(name)) => named(&name),
        // The engine's own tests and examples: `asynclife_sim` is the library's name there
        // (and the library itself declares `extern crate self as asynclife_sim`).
        Ok(FoundCrate::Itself) | Err(_) => match crate_name("asynclife-tokio") {
            Ok(FoundCrate::Name(name)) => {
                let shim = named(&name);
                quote!(#shim::__engine)
            }
            _ => quote!(::asynclife_sim),
        },
    }
}

fn named(name: &str) -> Tokens {
    let ident = syn::Ident::new(name, Span::call_site());
    quote!(::#ident)
}
