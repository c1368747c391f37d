//! typify's `FromStr` of a patterned type matches through the client's `crate::Pattern`, the
//! one place the crate matches a spec's pattern (the wire check is the other user).
//!
//! Why: typify writes `static PATTERN: LazyLock<regress::Regex>` and `PATTERN.find(value)` in
//! each such `FromStr`, so the builder's check of an id and the wire check of the same id ran
//! two engines' worth of code, and the builder's one, `regress`, is the slower (see the
//! client's `src/pattern.rs`). The static becomes `crate::Pattern::new(<the same pattern>)`
//! and its `find(value).is_none()` / `.is_some()` become `!matches(value)` / `matches(value)`;
//! any other use would fail the generated crate's compilation.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Item, parse_quote};

/// Rewrites every `regress` pattern static in `file`, and its uses.
pub fn use_crate_pattern(file: &mut syn::File) {
    Rewrite::default().visit_file_mut(file);
}

#[derive(Default)]
struct Rewrite {
    /// The statics rewritten so far (their uses follow them in the same function).
    names: Vec<syn::Ident>,
}

impl VisitMut for Rewrite {
    fn visit_item_mut(&mut self, item: &mut Item) {
        if let Item::Static(s) = item
            && is_regress(&s.ty)
            && let Some(pattern) = first_string(&s.expr)
        {
            let name = s.ident.clone();
            *item = parse_quote! { static #name: crate::Pattern = crate::Pattern::new(#pattern); };
            self.names.push(name.clone());
            return;
        }
        visit_mut::visit_item_mut(self, item);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::MethodCall(outer) = expr
            && let Expr::MethodCall(find) = &*outer.receiver
            && find.method == "find"
            && let Expr::Path(receiver) = &*find.receiver
            && self.names.iter().any(|n| receiver.path.is_ident(n))
        {
            let args = &find.args;
            let matches: Expr = parse_quote! { #receiver.matches(#args) };
            match outer.method.to_string().as_str() {
                "is_none" => *expr = parse_quote! { !#matches },
                "is_some" => *expr = matches,
                _ => {}
            }
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// Whether `ty` names `regress::Regex` (inside a `LazyLock` or not).
fn is_regress(ty: &syn::Type) -> bool {
    quote::quote!(#ty)
        .to_string()
        .replace(' ', "")
        .contains("regress::Regex")
}

/// The first string literal in `expr`: the pattern passed to `regress::Regex::new`.
fn first_string(expr: &Expr) -> Option<syn::LitStr> {
    struct Find(Option<syn::LitStr>);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
            self.0.get_or_insert_with(|| lit.clone());
        }
    }
    let mut find = Find(None);
    syn::visit::Visit::visit_expr(&mut find, expr);
    find.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typify_s_regress_static_becomes_the_crate_s_pattern() {
        let mut file: syn::File = parse_quote! {
            impl ::std::str::FromStr for Id {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    static PATTERN: ::std::sync::LazyLock<::regress::Regex> =
                        ::std::sync::LazyLock::new(|| { ::regress::Regex::new("^[a-z]{2,4}_[A-Za-z0-9]+$").unwrap() });
                    if PATTERN.find(value).is_none() {
                        return Err("doesn't match pattern".into());
                    }
                    if PATTERN.find(value).is_some() {}
                    Ok(Self(value.to_string()))
                }
            }
        };
        use_crate_pattern(&mut file);
        let code = prettyplease::unparse(&file);
        let squashed: String = code.split_whitespace().collect();
        assert!(
            squashed.contains(
                "staticPATTERN:crate::Pattern=crate::Pattern::new(\"^[a-z]{2,4}_[A-Za-z0-9]+$\""
            ),
            "{code}"
        );
        assert!(squashed.contains("if!PATTERN.matches(value){"), "{code}");
        assert!(squashed.contains("ifPATTERN.matches(value){}"), "{code}");
        assert!(!code.contains("regress"), "{code}");
    }
}
