//! The numbers a number flag of the `flatpeak` command accepts. A decimal flag takes finite
//! numbers only (`crate::finite_number`; the client checks its bounds before sending). An
//! integer flag takes the whole numbers the spec's `minimum` and `maximum` allow: it gets the
//! CLI's `crate::whole_number` parser, which states the range when it refuses a value
//! (`--limit 0`: "expected a whole number from 1 to 100", where clap said "number would be
//! zero for non-zero type"). The bounds are read with the client generator's own rules
//! (`constraints.rs`), so the two never disagree.

use std::collections::BTreeMap;

use heck::ToKebabCase;
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use spec_model::sensitive::Step;
use spec_model::{Location, Spec};
use syn::visit_mut::{self, VisitMut};

use crate::generate::constraints::{self, Rule};

/// The whole numbers an integer flag accepts, from the spec's `minimum` and `maximum` (and
/// the type's own floor: 1 for a `NonZero` type, 0 for an unsigned one); `None` is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Bounds {
    min: Option<i128>,
    max: Option<i128>,
}

impl Bounds {
    /// The bounds `rules` state, as whole numbers (an exclusive bound moves inwards by one).
    fn of(rules: impl IntoIterator<Item = Rule>) -> Bounds {
        let mut bounds = Bounds::default();
        for rule in rules {
            match rule {
                Rule::Minimum(v, false) => bounds.min = Some(v.ceil() as i128),
                Rule::Minimum(v, true) => bounds.min = Some(v.floor() as i128 + 1),
                Rule::Maximum(v, false) => bounds.max = Some(v.floor() as i128),
                Rule::Maximum(v, true) => bounds.max = Some(v.ceil() as i128 - 1),
                _ => {}
            }
        }
        bounds
    }

    /// These bounds with the floor integer type `ty` sets (`NonZeroU32`: 1, `u32`: 0); `None`
    /// when `ty` is not an integer type.
    fn for_type(self, ty: &str) -> Option<Bounds> {
        let floor = match ty {
            _ if ty.starts_with("NonZeroU") => Some(1),
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => Some(0),
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => None,
            _ if ty.starts_with("NonZeroI") => None,
            _ => return None,
        };
        let min = match (self.min, floor) {
            (Some(min), Some(floor)) => Some(min.max(floor)),
            (min, floor) => min.or(floor),
        };
        Some(Bounds { min, max: self.max })
    }

    /// `crate::whole_number::<ty>(min, max)`, the CLI's parser for these bounds.
    fn parser(self, ty: &syn::Type) -> TokenStream {
        let bound = |b: Option<i128>| match b {
            Some(n) => {
                let n = Literal::i128_suffixed(n);
                quote! { ::std::option::Option::Some(#n) }
            }
            None => quote! { ::std::option::Option::None },
        };
        let (min, max) = (bound(self.min), bound(self.max));
        quote! { crate::whole_number::<#ty>(#min, #max) }
    }
}

/// Gives each integer flag (`value_parser!(NonZeroU32)`, ...) the parser
/// `crate::whole_number`, which states the spec's bounds when it refuses a value:
/// `--limit 0` says "expected a whole number from 1 to 100", where clap said "number would be
/// zero for non-zero type". The flags are a command's path and query parameters and its body's
/// top-level fields, named in kebab case as progenitor names them.
pub(super) struct RangedIntegers {
    /// The bounds of each operation's flags, by `operationId` and flag name.
    flags: BTreeMap<String, BTreeMap<String, Bounds>>,
    /// The flags of the command whose `cli_<operationId>` function is being visited.
    current: Option<BTreeMap<String, Bounds>>,
}

impl RangedIntegers {
    /// The bounds of every operation of `model`.
    pub(super) fn of(model: &Spec) -> RangedIntegers {
        let flags = model
            .operations
            .iter()
            .map(|op| (op.id.clone(), flag_bounds(model, op)))
            .collect();
        RangedIntegers {
            flags,
            current: None,
        }
    }
}

/// The bounds of `op`'s path and query parameters and of its JSON body's top-level fields, by
/// flag name (kebab case).
fn flag_bounds(model: &Spec, op: &spec_model::Operation) -> BTreeMap<String, Bounds> {
    let mut out = BTreeMap::new();
    for p in &op.parameters {
        if !matches!(p.location, Location::Path | Location::Query) {
            continue;
        }
        if let Some(schema) = p.schema.as_deref().and_then(|s| model.at(s)) {
            let rules = constraints::rules(&model.document, schema);
            out.insert(p.name.to_kebab_case(), Bounds::of(rules));
        }
    }
    let body = op.json_request_schema().and_then(|s| model.at(s));
    let mut fields: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    for (steps, rule) in body
        .map(|b| constraints::body_rules(&model.document, b))
        .into_iter()
        .flatten()
    {
        if let [Step::Field(name)] = steps.as_slice() {
            fields.entry(name.to_kebab_case()).or_default().push(rule);
        }
    }
    for (name, rules) in fields {
        out.entry(name).or_insert_with(|| Bounds::of(rules));
    }
    out
}

impl VisitMut for RangedIntegers {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let name = f.sig.ident.to_string();
        self.current = name
            .strip_prefix("cli_")
            .and_then(|id| self.flags.get(id))
            .cloned();
        if self.current.is_some() {
            visit_mut::visit_impl_item_fn_mut(self, f);
        }
        self.current = None;
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let Some(flags) = &self.current else { return };
        if call.method != "value_parser" {
            return;
        }
        let (Some(flag), Some(ty)) = (arg_name(&call.receiver), parsed_type(&call.args)) else {
            return;
        };
        let last = match &ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if last.as_deref() == Some("f64") {
            // `NaN` and `inf` parse as f64, and JSON writes them as `null`.
            call.args = syn::parse_quote! { crate::finite_number };
            negative_numbers(call);
            return;
        }
        let spec = flags.get(&flag).copied().unwrap_or_default();
        let Some(bounds) = last.and_then(|last| spec.for_type(&last)) else {
            return;
        };
        negative_numbers(call);
        if bounds == Bounds::default() {
            return;
        }
        let parser = bounds.parser(&ty);
        call.args = syn::parse_quote! { #parser };
    }
}

/// The number flag `call` configures takes a negative number as its value: clap reads
/// `--limit -1` as an unknown flag `-1` otherwise, and the flag's parser never says its range.
fn negative_numbers(call: &mut syn::ExprMethodCall) {
    let receiver = &call.receiver;
    *call.receiver = syn::parse_quote! { #receiver.allow_negative_numbers(true) };
}

/// The name in `::clap::Arg::new("name")` at the start of a chain of method calls.
pub(super) fn arg_name(mut expr: &syn::Expr) -> Option<String> {
    while let syn::Expr::MethodCall(call) = expr {
        expr = &call.receiver;
    }
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(callee) = &*call.func else {
        return None;
    };
    let names: Vec<String> = callee
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["Arg".to_string(), "new".to_string()]) {
        return None;
    }
    match call.args.first() {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) => Some(name.value()),
        _ => None,
    }
}

/// `T` of a lone `::clap::value_parser!(T)` argument.
fn parsed_type(args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) -> Option<syn::Type> {
    let [syn::Expr::Macro(m)] = args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let is_value_parser = m
        .mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "value_parser");
    is_value_parser
        .then(|| syn::parse2(m.mac.tokens.clone()).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::cli::tests::model;

    #[test]
    fn bounds_are_whole_numbers_with_the_types_floor() {
        let bounds = Bounds::of([Rule::Minimum(0.0, true), Rule::Maximum(9.5, false)]);
        assert_eq!(
            bounds,
            Bounds {
                min: Some(1),
                max: Some(9)
            }
        );
        let none = Bounds::default();
        assert_eq!(
            none.for_type("NonZeroU64"),
            Some(Bounds {
                min: Some(1),
                max: None
            })
        );
        assert_eq!(
            none.for_type("u32"),
            Some(Bounds {
                min: Some(0),
                max: None
            })
        );
        assert_eq!(none.for_type("i64"), Some(none));
        assert_eq!(none.for_type("f64"), None);
        let below = Bounds {
            min: Some(-5),
            max: Some(5),
        };
        assert_eq!(
            below.for_type("u8"),
            Some(Bounds {
                min: Some(0),
                max: Some(5)
            })
        );
    }

    #[test]
    fn integer_flags_get_a_parser_that_states_the_specs_bounds() {
        let mut file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("page-size").long("page-size")
                            .value_parser(::clap::value_parser!(::std::num::NonZeroU32)))
                }
                pub fn cli_create_thing() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("count").long("count")
                            .value_parser(::clap::value_parser!(u64)))
                        .arg(::clap::Arg::new("name").long("name")
                            .value_parser(::clap::value_parser!(::std::string::String)))
                }
                pub fn execute_list_things(&self, matches: &ArgMatches) {
                    let limit = matches.get_one::<::std::num::NonZeroU32>("page-size");
                }
            }
        };
        RangedIntegers::of(&model()).visit_file_mut(&mut file);
        // Without spaces and commas, which prettyplease places as it likes.
        let text: String = prettyplease::unparse(&file)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        let some = |n: &str| format!("::std::option::Option::Some({n}i128)");
        assert!(
            text.contains(&format!(
                "crate::whole_number::<::std::num::NonZeroU32>({}{})",
                some("1"),
                some("100")
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "crate::whole_number::<u64>({}{})",
                some("1"),
                some("9")
            )),
            "{text}"
        );
        // Other flags, and the code that reads the values, are left as they were.
        assert!(
            text.contains("value_parser!(::std::string::String)"),
            "{text}"
        );
        assert!(text.contains("get_one::<::std::num::NonZeroU32>"), "{text}");
        // Every number flag takes a negative value (`--count -1`), to refuse it in its words.
        assert_eq!(
            text.matches(".allow_negative_numbers(true)").count(),
            2,
            "{text}"
        );
        assert!(
            !text.contains("long(\"name\").allow_negative_numbers"),
            "{text}"
        );
    }
}
