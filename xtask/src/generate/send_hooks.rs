//! Each generated `send()` hands the hand-written hooks its operation's facts, found here once,
//! at generation time.
//!
//! Why: progenitor's `send()` builds an `OperationInfo { operation_id: "..." }` and calls the
//! `ClientHooks` trait's `pre`, `exec` and `post` with it. That string is all the hooks would
//! get, so each of them had to look the operation up by id again, on every call; and an id the
//! lookup missed would have sent the request unauthenticated. The generator knows which
//! operation each `send()` is, so it writes the answer in: `send()` names
//! `super::Operation::X.facts()` and calls `crate::hooks::{pre, exec, post}` with it, and the
//! `ClientHooks` impl (nothing else calls it) is not written.
//!
//! The exec hook has already read the body (under the size limit), so `send()` decodes those
//! bytes: progenitor's `ResponseValue::from_response(response)` and `ResponseValue::stream`
//! become `crate::hooks::decode(response)` and `crate::hooks::stream(response)`, and the hook
//! need not rebuild a response around the bytes for them to read again.

use anyhow::{Result, anyhow, bail};
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ImplItem, Item, parse_quote};

use super::client_api;
use super::operations::variant;

/// Rewrites every `send()` of `builder` (the items of the generated `mod builder`), whose
/// operations `spec` describes.
pub fn rewrite(builder: &mut [Item], spec: &spec_model::Spec) -> Result<()> {
    for item in builder {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        for item in &mut block.items {
            let ImplItem::Fn(f) = item else { continue };
            if f.sig.ident == "send" {
                rewrite_send(f, spec)?;
            }
        }
    }
    Ok(())
}

/// What progenitor writes for the `ClientHooks` trait that nothing uses once `send()` calls
/// the hooks directly: its `assert_client_hooks` check, and the imports of `ClientHooks` and
/// `OperationInfo` (at the top and in `mod builder`).
pub fn drop_hooks_trait(items: &mut Vec<Item>) {
    items.retain(|item| {
        let Item::Const(c) = item else { return true };
        !quote!(#c).to_string().contains("assert_client_hooks")
    });
    for item in items {
        UnusedImports.visit_item_mut(item);
    }
}

/// Removes `ClientHooks` and `OperationInfo` from every `use` group.
struct UnusedImports;

impl VisitMut for UnusedImports {
    fn visit_use_group_mut(&mut self, group: &mut syn::UseGroup) {
        group.items = std::mem::take(&mut group.items)
            .into_iter()
            .filter(|tree| {
                !matches!(tree, syn::UseTree::Name(n)
                    if n.ident == "ClientHooks" || n.ident == "OperationInfo")
            })
            .collect();
        visit_mut::visit_use_group_mut(self, group);
    }
}

fn rewrite_send(f: &mut syn::ImplItemFn, spec: &spec_model::Spec) -> Result<()> {
    let id = client_api::operation_id(f)
        .ok_or_else(|| anyhow!("a generated `send()` builds no `OperationInfo`"))?;
    let op = spec
        .operations
        .iter()
        .find(|op| client_api::same_id(&op.id, &id))
        .ok_or_else(|| anyhow!("`send()` of operation `{id}`: no such operation in the spec"))?;
    let variant = variant(&op.id);
    let mut calls = Calls { hooks: Vec::new() };
    for stmt in &mut f.block.stmts {
        if is_info_local(stmt) {
            *stmt = parse_quote! { let operation = super::Operation::#variant.facts(); };
        } else {
            calls.visit_stmt_mut(stmt);
        }
    }
    if calls.hooks != ["pre", "exec", "post"] {
        bail!(
            "`send()` of operation `{id}`: expected progenitor's calls of `pre`, `exec` and \
             `post`, found {:?}",
            calls.hooks
        );
    }
    Ok(())
}

/// `let info = OperationInfo { .. };`
fn is_info_local(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "info")
        && matches!(local.init.as_ref().map(|i| &*i.expr), Some(Expr::Struct(s))
            if s.path.segments.last().is_some_and(|s| s.ident == "OperationInfo"))
}

/// Replaces `client.pre(&mut request, &info).await` and its `exec` and `post` siblings,
/// recording which it replaced, in order.
struct Calls {
    hooks: Vec<String>,
}

impl VisitMut for Calls {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Call(call) = expr
            && let Expr::Path(f) = &*call.func
            && let [.., ty, name] = f.path.segments.iter().collect::<Vec<_>>()[..]
            && ty.ident == "ResponseValue"
        {
            let args = &call.args;
            match name.ident.to_string().as_str() {
                "from_response" => *expr = parse_quote! { crate::hooks::decode(#args) },
                "stream" => *expr = parse_quote! { crate::hooks::stream(#args) },
                _ => {}
            }
            return;
        }
        if let Expr::Await(awaited) = expr
            && let Expr::MethodCall(call) = &*awaited.base
            && matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("client"))
        {
            let replacement: Option<Expr> = match call.method.to_string().as_str() {
                "pre" => Some(parse_quote! { crate::hooks::pre(client, &request, operation) }),
                "exec" => {
                    Some(parse_quote! { crate::hooks::exec(client, request, operation).await })
                }
                "post" => Some(parse_quote! { crate::hooks::post(client, &result, operation) }),
                _ => None,
            };
            if let Some(replacement) = replacement {
                self.hooks.push(call.method.to_string());
                *expr = replacement;
                return;
            }
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> spec_model::Spec {
        let doc = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/devices/{id}": {"get": {"operationId": "retrieve_device",
                "responses": {"200": {"description": "ok"}}}}}
        });
        spec_model::Spec::from_document(doc, "t.yaml").expect("a valid spec")
    }

    fn send(body: syn::Block) -> syn::ImplItemFn {
        parse_quote! { pub async fn send(self) -> Result<(), Error<()>> #body }
    }

    #[test]
    fn the_hooks_get_the_operation_s_facts_and_no_id_to_look_up() {
        let mut f = send(parse_quote! {{
            let info = OperationInfo { operation_id: "retrieve_device" };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                204u16 => Ok(ResponseValue::empty(response)),
                206u16 => Ok(ResponseValue::stream(response)),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }});
        rewrite_send(&mut f, &spec()).expect("rewritten");
        let text = quote!(#f).to_string();
        assert!(
            text.contains("let operation = super :: Operation :: RetrieveDevice . facts ()"),
            "{text}"
        );
        assert!(text.contains("crate :: hooks :: pre (client , & request , operation) ?"));
        assert!(text.contains("crate :: hooks :: exec (client , request , operation) . await"));
        assert!(text.contains("crate :: hooks :: post (client , & result , operation) ?"));
        assert!(!text.contains("info"), "{text}");
        // The body the exec hook read is decoded; an empty answer needs no body.
        assert!(text.contains("200u16 => crate :: hooks :: decode (response) . await"));
        assert!(text.contains("206u16 => Ok (crate :: hooks :: stream (response))"));
        assert!(text.contains("204u16 => Ok (ResponseValue :: empty (response))"));
    }

    #[test]
    fn the_unused_trait_s_check_and_imports_go() {
        let mut file: syn::File = parse_quote! {
            use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
            const _: () = { fn assert_client_hooks() {} };
            pub mod builder {
                use super::{ClientHooks, Error, OperationInfo};
            }
        };
        drop_hooks_trait(&mut file.items);
        let text = quote!(#file).to_string();
        assert!(
            !text.contains("ClientHooks") && !text.contains("OperationInfo"),
            "{text}"
        );
        assert!(!text.contains("assert_client_hooks"), "{text}");
        assert!(text.contains("encode_path , RequestBuilderExt"), "{text}");
        assert!(text.contains("use super :: { Error }"), "{text}");
    }

    #[test]
    fn a_send_of_an_unknown_operation_or_without_its_hooks_is_an_error() {
        let mut unknown = send(parse_quote! {{
            let info = OperationInfo { operation_id: "delete_device" };
        }});
        let error = rewrite_send(&mut unknown, &spec()).expect_err("no such operation");
        assert!(error.to_string().contains("`delete_device`"), "{error}");
        let mut bare = send(parse_quote! {{
            let info = OperationInfo { operation_id: "retrieve_device" };
            let result = client.exec(request, &info).await;
        }});
        let error = rewrite_send(&mut bare, &spec()).expect_err("pre and post missing");
        assert!(error.to_string().contains("[\"exec\"]"), "{error}");
    }
}
