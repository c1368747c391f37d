//! The `flatpeak` command line (`crates/flatpeak-cli`): progenitor's CLI generator over the
//! normalised spec, with the same settings as the client, so that its commands call the
//! client's builders and name its types exactly. The generated file is kept current by
//! `--check` like the client.
//!
//! The generated code refers to the crate it drives through `crate::api` (which the CLI's
//! hand-written `main.rs` defines), because progenitor's code names the client's error
//! `Error<T>` while the `flatpeak` crate's own `Error` is the friendlier one.

use anyhow::{Result, anyhow, bail};
use openapiv3::OpenAPI;
use progenitor::Generator;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

use super::client::{self as generate, Profile};
use super::normalise;
use super::operations::ReleaseName;

/// Where the CLI crate includes the generated commands from: `<release>.rs` each, and
/// `releases.rs` to choose among them.
pub const DIR: &str = "crates/flatpeak-cli/src/generated";

/// The commands of `release` for `spec` (not yet normalised); `spec_label` is how the header
/// names it. The code names the client crate through `crate::api::<release>`.
pub fn generate(mut spec: OpenAPI, spec_label: &str, release: ReleaseName<'_>) -> Result<String> {
    normalise::normalise(&mut spec);
    let mut generator = Generator::new(&generate::settings(Profile::Release(release)));
    let api = format!("crate::api::{}", release.name);
    let tokens = match generate::quietly(|| generator.cli(&spec, &api)) {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => bail!("progenitor's CLI generator refused the spec: {e}"),
        Err(panic) => bail!("progenitor's CLI generator panicked: {panic}"),
    };
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| anyhow!("the CLI generator produced code that does not parse: {e}"))?;
    DropTemplateFlag.visit_file_mut(&mut file);
    Ok(format!(
        "{}{}",
        generate::header(spec_label),
        prettyplease::unparse(&file)
    ))
}

/// Removes the `--json-body-template` flag progenitor adds beside `--json-body`: nothing reads
/// it (its help text is a placeholder, `XXX`), so it would only mislead.
struct DropTemplateFlag;

impl VisitMut for DropTemplateFlag {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        let adds_template = call.method == "arg"
            && call.args.first().is_some_and(|a| {
                a.to_token_stream()
                    .to_string()
                    .contains("\"json-body-template\"")
            });
        if adds_template {
            *expr = (*call.receiver).clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_flag_is_dropped_and_the_rest_of_the_chain_kept() {
        let mut file: syn::File = syn::parse_quote! {
            fn cli() -> Command {
                Command::new("")
                    .arg(Arg::new("json-body").long("json-body"))
                    .arg(Arg::new("json-body-template").long("json-body-template").help("XXX"))
                    .about("x")
            }
        };
        DropTemplateFlag.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("json-body-template"), "{text}");
        assert!(
            text.contains("\"json-body\"") && text.contains(".about(\"x\")"),
            "{text}"
        );
    }
}
