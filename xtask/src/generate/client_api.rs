//! The generated client's API, read back from its syntax tree: for each operation, the
//! `Client` method, the builder, its setters and the types `send()` returns.
//!
//! What the replay table and the operation facts call must exist exactly as progenitor wrote
//! it (names are snake-cased, `type` becomes `type_`, ...), so they read it from the code
//! rather than predicting it from the spec.

use std::collections::BTreeMap;

use quote::{ToTokens, format_ident};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ImplItem, Item, ReturnType, Type, WherePredicate};

/// One operation's builder, as generated.
#[derive(Debug, Clone)]
pub struct Builder {
    /// The builder type's name in `mod builder`, for example `ListLocations`.
    pub name: String,
    /// The `Client` method that returns it.
    pub method: String,
    /// Setter name -> the type it takes (`V: TryInto<T>`), as the client crate writes it.
    pub setters: BTreeMap<String, Type>,
    /// `T` of `send()`'s `Result<ResponseValue<T>, Error<E>>`.
    pub success: Option<Type>,
    /// `E` of `send()`'s `Result<ResponseValue<T>, Error<E>>`.
    pub error: Option<Type>,
}

impl Builder {
    /// The setter for spec parameter `name`: progenitor names setters after parameters in
    /// snake case (`device-id` -> `device_id`, `type` -> `type_`), so both are compared by
    /// their letters and digits only.
    pub fn setter(&self, name: &str) -> Option<(&str, &Type)> {
        let key = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let wanted = key(name);
        self.setters
            .iter()
            .find(|(setter, _)| setter.as_str() != "body" && key(setter) == wanted)
            .map(|(setter, ty)| (setter.as_str(), ty))
    }

    /// Whether `send()` returns raw bytes (a `ByteStream`) rather than a typed value.
    pub fn returns_bytes(&self) -> bool {
        self.success
            .as_ref()
            .is_some_and(|t| t.to_token_stream().to_string().contains("ByteStream"))
    }
}

/// The builders of a generated client, found by the spec's operationId.
pub struct Builders(BTreeMap<String, Builder>);

impl Builders {
    /// The builder of the operation `operation_id` names as the spec spells it. progenitor
    /// records the id it made a method name of (`get-device` becomes `get_device`), so both
    /// sides are compared by their letters and digits alone, case folded.
    pub fn get(&self, operation_id: &str) -> Option<&Builder> {
        self.0.get(&key(operation_id))
    }
}

/// Whether progenitor's spelling `generated` of an operationId is the spec's `id`.
pub(super) fn same_id(id: &str, generated: &str) -> bool {
    key(id) == key(generated)
}

/// An operationId with case and punctuation left out: what progenitor's spelling and the
/// spec's have in common.
fn key(operation_id: &str) -> String {
    operation_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The builders of `file`, by operationId.
pub fn builders(file: &syn::File) -> Builders {
    let methods = client_methods(file);
    let mut out = BTreeMap::new();
    let builder_items = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    for item in builder_items.into_iter().flatten() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let name = type_ident(&block.self_ty);
        let Some(method) = methods.get(&name) else {
            continue;
        };
        let mut builder = Builder {
            name: name.clone(),
            method: method.clone(),
            setters: BTreeMap::new(),
            success: None,
            error: None,
        };
        let mut id = None;
        for item in &block.items {
            let ImplItem::Fn(f) = item else { continue };
            if f.sig.ident == "send" {
                id = operation_id(f);
                if let ReturnType::Type(_, ty) = &f.sig.output {
                    (builder.success, builder.error) = result_types(ty);
                }
            } else if let Some(ty) = setter_type(f) {
                builder.setters.insert(f.sig.ident.to_string(), ty);
            }
        }
        if let Some(id) = id {
            out.insert(key(&id), builder);
        }
    }
    Builders(out)
}

/// Builder type name -> `Client` method name, from `fn m(&self) -> builder::X<'_>`.
fn client_methods(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || type_ident(&block.self_ty) != "Client" {
            continue;
        }
        for item in &block.items {
            let ImplItem::Fn(f) = item else { continue };
            let takes_self_only =
                f.sig.inputs.len() == 1 && matches!(f.sig.inputs.first(), Some(FnArg::Receiver(_)));
            if let (true, ReturnType::Type(_, ty)) = (takes_self_only, &f.sig.output) {
                out.insert(type_ident(ty), f.sig.ident.to_string());
            }
        }
    }
    out
}

/// The last identifier of a path type: `builder::Login<'_>` -> `Login`.
pub fn type_ident(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The operation `send()` is for: `operation_id: "..."` of the `OperationInfo` progenitor's
/// `send()` builds, or, once `send_hooks` has rewritten it, the `X` of its
/// `super::Operation::X.facts()` (a variant name has the id's letters and digits, which is
/// all [`Builders::get`] compares).
pub(super) fn operation_id(f: &syn::ImplItemFn) -> Option<String> {
    struct Find(Option<String>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            if call.method == "facts"
                && let syn::Expr::Path(p) = &*call.receiver
                && let [.., kind, variant] = p.path.segments.iter().collect::<Vec<_>>()[..]
                && kind.ident == "Operation"
            {
                self.0 = Some(variant.ident.to_string());
            }
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            let is_info = e
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "OperationInfo");
            for field in e.fields.iter().filter(|_| is_info) {
                if let (syn::Member::Named(name), syn::Expr::Lit(lit)) =
                    (&field.member, &field.expr)
                    && name == "operation_id"
                    && let syn::Lit::Str(s) = &lit.lit
                {
                    self.0 = Some(s.value());
                }
            }
            syn::visit::visit_expr_struct(self, e);
        }
    }
    let mut find = Find(None);
    find.visit_impl_item_fn(f);
    find.0
}

/// `T` of a setter `fn x<V>(mut self, value: V) -> Self where V: TryInto<T>`.
fn setter_type(f: &syn::ImplItemFn) -> Option<Type> {
    let clause = f.sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|p| {
        let WherePredicate::Type(t) = p else {
            return None;
        };
        t.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(tb) = b else {
                return None;
            };
            let last = tb.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            first_type_argument(&last.arguments)
        })
    })
}

/// `T` and `E` of `Result<ResponseValue<T>, Error<E>>`.
fn result_types(ty: &Type) -> (Option<Type>, Option<Type>) {
    let Type::Path(p) = ty else {
        return (None, None);
    };
    let Some(result) = p.path.segments.last() else {
        return (None, None);
    };
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return (None, None);
    };
    let inner = |n: usize| match args.args.iter().nth(n) {
        Some(syn::GenericArgument::Type(Type::Path(t))) => t
            .path
            .segments
            .last()
            .and_then(|s| first_type_argument(&s.arguments)),
        _ => None,
    };
    (inner(0), inner(1))
}

fn first_type_argument(arguments: &syn::PathArguments) -> Option<Type> {
    let syn::PathArguments::AngleBracketed(args) = arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}

/// `types::Id` (as release `release`'s module writes it) -> `flatpeak::<release>::types::Id`,
/// and `crate::X` -> `flatpeak::X`, for code outside the client crate.
pub fn outside_the_crate(mut ty: Type, release: &str) -> Type {
    struct Qualify<'r>(&'r str);
    impl VisitMut for Qualify<'_> {
        fn visit_type_path_mut(&mut self, p: &mut syn::TypePath) {
            let relative = p.qself.is_none() && p.path.leading_colon.is_none();
            let first = p.path.segments.first().map(|s| s.ident.to_string());
            if relative && first.as_deref() == Some("types") {
                p.path
                    .segments
                    .insert(0, format_ident!("{}", self.0).into());
                p.path.segments.insert(0, format_ident!("flatpeak").into());
            } else if relative && first.as_deref() == Some("crate") {
                p.path.segments[0] = format_ident!("flatpeak").into();
            }
            syn::visit_mut::visit_type_path_mut(self, p);
        }
    }
    Qualify(release).visit_type_mut(&mut ty);
    ty
}
