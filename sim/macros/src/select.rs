//! `select!`: tokio's syntax and meaning; the first branch polled is drawn from the run's
//! seed inside a simulation (each seed explores an order and replays it), and at random
//! outside one, as tokio's unbiased form does (a rotation of the written order, as tokio's).
//!
//! The expansion, as tokio's: every precondition, then every future (a disabled branch's too,
//! never polled), each pinned on the stack; one `poll_fn` polls the enabled branches from the
//! drawn start and returns the first whose output matches its pattern (a branch whose output
//! does not match is disabled); the futures are dropped; then a `match` runs that branch's
//! handler outside the poll,
//! so that `break`, `return` and `?` in a handler mean what they say. Every branch disabled
//! and nothing pending: the `else` handler, or a panic without one. It does not expand to
//! tokio's `select!`, so that clippy's `disallowed-macros` on `tokio::select` keeps working.

use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Pat, Token};

/// One `pattern = future, if condition => handler` branch.
struct Branch {
    pat: Pat,
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
        let biased = input.peek(syn::Ident) && input.fork().parse::<syn::Ident>()? == "biased";
        if biased {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
        let mut branches = Vec::new();
        let mut otherwise = None;
        while !input.is_empty() {
            if input.peek(Token![else]) {
                input.parse::<Token![else]>()?;
                input.parse::<Token![=>]>()?;
                otherwise = Some(input.parse()?);
                let _ = input.parse::<Option<Token![,]>>()?;
                continue;
            }
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
            let handler: Expr = input.parse()?;
            let is_block = matches!(handler, Expr::Block(_));
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if !is_block && !input.is_empty() {
                return Err(input.error("expected `,` after a branch's handler"));
            }
            branches.push(Branch {
                pat,
                future,
                condition,
                handler,
            });
        }
        if branches.is_empty() {
            return Err(input.error("select! needs at least one branch"));
        }
        Ok(Select {
            biased,
            branches,
            otherwise,
        })
    }
}

/// The expansion.
pub fn expand(select: Select) -> Tokens {
    let n = select.branches.len();
    let branch_bits = |i: usize| quote!((1u64 << #i));
    let enum_name = quote!(__AsynclifeSelectOut);
    let type_params: Vec<_> = (0..n).map(|i| format_ident!("T{i}")).collect();
    let variants: Vec<_> = (0..n).map(|i| format_ident!("B{i}")).collect();
    let futures: Vec<_> = (0..n)
        .map(|i| format_ident!("__asynclife_future_{i}"))
        .collect();
    let mut setup = Vec::new();
    for (i, branch) in select.branches.iter().enumerate() {
        if let Some(condition) = &branch.condition {
            let bit = branch_bits(i);
            setup.push(quote!(if !(#condition) { __asynclife_disabled |= #bit; }));
        }
    }
    for (i, branch) in select.branches.iter().enumerate() {
        let (future, expr) = (&futures[i], &branch.future);
        setup.push(quote!(let mut #future = ::core::pin::pin!(#expr);));
    }
    let poll_arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let (future, variant, pat) = (&futures[i], &variants[i], &branch.pat);
        let bit = branch_bits(i);
        quote! {
            #i => if __asynclife_disabled & #bit == 0 {
                match ::core::future::Future::poll(#future.as_mut(), __asynclife_cx) {
                    ::core::task::Poll::Ready(__asynclife_value) => {
                        #[allow(unused_variables, unreachable_patterns)]
                        match &__asynclife_value {
                            #pat => {
                                return ::core::task::Poll::Ready(
                                    #enum_name::#variant(__asynclife_value),
                                );
                            }
                            _ => __asynclife_disabled |= #bit,
                        }
                    }
                    ::core::task::Poll::Pending => __asynclife_pending = true,
                }
            },
        }
    });
    let handler_arms = select.branches.iter().enumerate().map(|(i, branch)| {
        let (variant, pat, handler) = (&variants[i], &branch.pat, &branch.handler);
        quote!(#enum_name::#variant(#pat) => #handler,)
    });
    let otherwise = match &select.otherwise {
        Some(e) => quote!(#e),
        None => quote!(::core::panic!(
            "all branches are disabled and there is no else branch"
        )),
    };
    let start = if select.biased {
        quote!(0usize)
    } else {
        let engine = crate::krate::engine();
        quote!(#engine::rt::select_start(#n))
    };
    // One branch: no rotation (and no `% 1` for clippy to point at in the user's code).
    let index = if n == 1 {
        quote!(__asynclife_start + __asynclife_i)
    } else {
        quote!((__asynclife_start + __asynclife_i) % #n)
    };
    quote! {{
        enum #enum_name<#(#type_params),*> { #(#variants(#type_params),)* Disabled }
        // The futures live in this block: they are dropped before a handler runs, as tokio's.
        let __asynclife_out = {
        let mut __asynclife_disabled: u64 = 0;
        #(#setup)*
        let __asynclife_start: usize = #start;
        ::core::future::poll_fn(|__asynclife_cx| {
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
