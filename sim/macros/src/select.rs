//! `select!`: tokio's syntax and meaning; the first branch polled is drawn from the run's
//! seed inside a simulation (each seed explores an order and replays it), and at random
//! outside one, as tokio's unbiased form does (a rotation of the written order, as tokio's).
//!
//! The expansion, as tokio's: every precondition; then every branch's expression (a disabled
//! branch's too, never polled), evaluated into one tuple, so that temporaries live as long
//! as in tokio's (`&mut std::future::ready(())` is a branch); then one tuple of their
//! `IntoFuture::into_future`, which stays in place until the `select!` ends, and a `&mut` to
//! it. One `poll_fn` polls the enabled branches from the drawn start (drawn once per call)
//! and returns the first whose output matches its pattern (a branch that completes is
//! disabled; one whose output does not match is skipped); the futures are dropped; then a
//! `match` runs that branch's handler outside the poll, so that `break`, `return` and `?` in
//! a handler mean what they say. Every branch disabled and nothing pending: the `else`
//! handler, or a panic without one. An `else` without branches is its expression. It does
//! not expand to tokio's `select!`, so that clippy's `disallowed-macros` on `tokio::select`
//! keeps working.

use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Pat, Token};

/// tokio's limit, that of the bit mask of disabled branches.
const MAX_BRANCHES: usize = 64;

/// One `pattern = future, if condition => handler` branch.
struct Branch {
    pat: Pat,
    /// `pat` without its `mut`, `ref` and `ref mut`.
    shape: Pat,
    future: Expr,
    condition: Option<Expr>,
    handler: Expr,
}

/// The whole input.
pub struct Select {
    biased: bool,
    branches: Vec<Branch>,
    otherwise: Option<Expr>,
}

impl Parse for Select {
    fn parse(input: ParseStream<'_>) -> syn::Result<Select> {
        let biased = {
            let fork = input.fork();
            fork.parse::<syn::Ident>().is_ok_and(|i| i == "biased") && fork.peek(Token![;])
        };
        if biased {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let token = input.parse::<Token![else]>()?;
                if otherwise.is_some() {
                    return Err(syn::Error::new(
                        token.span,
                        "select! takes one `else` branch",
                    ));
                }
                input.parse::<Token![=>]>()?;
                otherwise = Some(input.parse()?);
                let _ = input.parse::<Option<Token![,]>>()?;
                continue;
            }
            // Parsed twice (syn's `Clone` impls are a feature this crate does not ask for).
            let mut shape = Pat::parse_multi_with_leading_vert(&input.fork())?;
            clean(&mut shape);
            let pat = Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let future: Expr = input.parse()?;
            let condition = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            input.parse::<Token![=>]>()?;
            // A handler in braces ends at its closing brace, as tokio's `$h:block`: what
            // follows is the next branch (which may begin with `(`, `[` or `&`).
            let handler: Expr = if input.peek(syn::token::Brace) {
                Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: input.parse()?,
                })
            } else {
                input.parse()?
            };
            let is_block = matches!(handler, Expr::Block(_));
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if !is_block && !input.is_empty() {
                return Err(input.error("expected `,` after a branch's handler"));
            }
            branches.push(Branch {
                pat,
                shape,
                future,
                condition,
                handler,
            });
        }
        if branches.is_empty() && otherwise.is_none() {
            return Err(input.error("select! requires at least one branch"));
        }
        if branches.len() > MAX_BRANCHES {
            return Err(syn::Error::new(
                Span::call_site(),
                format!("select! takes up to {MAX_BRANCHES} branches"),
            ));
        }
        Ok(Select {
            biased,
            branches,
            otherwise,
        })
    }
}

/// Removes the pattern's `mut`, `ref` and `ref mut` (tokio's `select_priv_clean_pattern!`):
/// matched against a reference to the output, it tests the shape only; the handler binds
/// with the pattern as written.
fn clean(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean(sub);
            }
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(clean),
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean),
        Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(clean),
        Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(clean),
        Pat::Struct(s) => s.fields.iter_mut().for_each(|field| clean(&mut field.pat)),
        Pat::Reference(reference) => {
            reference.mutability = None;
            clean(&mut reference.pat);
        }
        Pat::Type(typed) => clean(&mut typed.pat),
        Pat::Paren(paren) => clean(&mut paren.pat),
        _ => {}
    }
}

/// The expansion.
pub fn expand(select: Select) -> Tokens {
    let n = select.branches.len();
    let otherwise = match &select.otherwise {
        Some(e) => quote!(#e),
        None => quote!(::core::panic!(
            "all branches are disabled and there is no else branch"
        )),
    };
    if n == 0 {
        // Only `else` (tokio's too): its expression, nothing drawn.
        return quote!({ #otherwise });
    }
    let enum_name = quote!(__AsynclifeSelectOut);
    let type_params: Vec<_> = (0..n).map(|i| format_ident!("T{i}")).collect();
    let variants: Vec<_> = (0..n).map(|i| format_ident!("B{i}")).collect();
    let fields: Vec<_> = (0..n).map(syn::Index::from).collect();
    // The smallest mask that holds a bit per branch, as tokio's.
    let mask = match n {
        ..=8 => quote!(u8),
        9..=16 => quote!(u16),
        17..=32 => quote!(u32),
        _ => quote!(u64),
    };
    let bit = |i: usize| quote!((1 << #i));
    let conditions = select
        .branches
        .iter()
        .enumerate()
        .filter_map(|(i, branch)| {
            let condition = branch.condition.as_ref()?;
            let bit = bit(i);
            Some(quote!(if !(#condition) { __asynclife_state.0 |= #bit; }))
        });
    let expressions = select.branches.iter().map(|branch| &branch.future);
    let poll_arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let (variant, field, shape) = (&variants[i], &fields[i], &branch.shape);
        let bit = bit(i);
        quote! {
            // A branch whose future is `!` makes the rest of its arm unreachable.
            #[allow(unreachable_code)]
            #i => {
                if __asynclife_state.0 & #bit != 0 {
                    continue;
                }
                // SAFETY: the tuple of futures stays where it is, behind the `&mut` that
                // this closure borrows, until it is dropped at the end of the block that
                // owns it: nothing moves out of it.
                let __asynclife_future = unsafe {
                    ::core::pin::Pin::new_unchecked(&mut __asynclife_futures.#field)
                };
                let __asynclife_value =
                    match ::core::future::Future::poll(__asynclife_future, __asynclife_cx) {
                        ::core::task::Poll::Ready(__asynclife_value) => __asynclife_value,
                        ::core::task::Poll::Pending => {
                            __asynclife_pending = true;
                            continue;
                        }
                    };
                __asynclife_state.0 |= #bit;
                #[allow(unused_variables, unused_mut, unreachable_patterns)]
                match &__asynclife_value {
                    #shape => {}
                    _ => continue,
                }
                return ::core::task::Poll::Ready(#enum_name::#variant(__asynclife_value));
            }
        }
    });
    let handler_arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let (variant, pat, handler) = (&variants[i], &branch.pat, &branch.handler);
        quote!(#enum_name::#variant(#pat) => #handler,)
    });
    // The start, drawn once per call; one branch: no draw, no rotation (and no `% 1` for
    // clippy to point at in the user's code).
    let (start, index) = if n == 1 {
        (quote!(0), quote!(__asynclife_i))
    } else {
        let start = if select.biased {
            quote!(0)
        } else {
            let engine = crate::krate::engine();
            quote!(#engine::rt::select_start(#n) as u8)
        };
        let index = quote!((usize::from(__asynclife_state.1) + __asynclife_i) % #n);
        (start, index)
    };
    quote! {{
        enum #enum_name<#(#type_params),*> { #(#variants(#type_params),)* Disabled }
        // The disabled branches and the start (below 64), in one place that the poll borrows
        // once: a small future.
        let mut __asynclife_state: (#mask, u8) = (0, 0);
        #(#conditions)*
        // The futures live in this block: they are dropped before a handler runs, as tokio's.
        #[allow(unused_mut)]
        let mut __asynclife_out = {
            // The expressions as written first (temporaries live to the end of the block),
            // then their `into_future`.
            let __asynclife_init = (#(#expressions,)*);
            let mut __asynclife_futures =
                (#(::core::future::IntoFuture::into_future(__asynclife_init.#fields),)*);
            let __asynclife_futures = &mut __asynclife_futures;
            {
                #[allow(clippy::cast_possible_truncation)]
                let __asynclife_start: u8 = #start;
                __asynclife_state.1 = __asynclife_start;
            }
            let __asynclife_state = &mut __asynclife_state;
            ::core::future::poll_fn(|__asynclife_cx| {
                let __asynclife_futures = &mut *__asynclife_futures;
                let __asynclife_state = &mut *__asynclife_state;
                let mut __asynclife_pending = false;
                for __asynclife_i in 0..#n {
                    match #index {
                        #(#poll_arms)*
                        _ => ::core::unreachable!("a branch index is below the branch count"),
                    }
                }
                if __asynclife_pending {
                    ::core::task::Poll::Pending
                } else {
                    ::core::task::Poll::Ready(#enum_name::Disabled)
                }
            })
            .await
        };
        #[allow(unreachable_patterns)]
        match __asynclife_out {
            #(#handler_arms)*
            #enum_name::Disabled => #otherwise,
            _ => ::core::unreachable!("a branch returns only an output its pattern matches"),
        }
    }}
}
