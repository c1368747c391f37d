//! `--all` on the `flatpeak` command's list commands: the commands of the operations the client
//! can paginate (the list the client's generator made when it wrote their `Paginate` impls)
//! get the flag, and, once their flags are set, hand the request to the CLI's
//! `crate::all::print`, which follows every page.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// The flag of a list command that follows every page (`--all`).
const ALL: &str = "all";

/// Gives the command of each paginated operation the flag `--all`, which the CLI's
/// `crate::all` module documents (`crate::all::HELP`) and runs (`crate::all::print`, which
/// takes the request builder once the command's flags are set, and the command's matches, and
/// follows the pages with the client's `paginate()`). Without the flag the command runs as progenitor wrote it.
pub(super) struct AllFlag {
    /// The operations whose commands get the flag, by `operationId`.
    paginated: BTreeSet<String>,
    /// The operations whose `cli_<id>` got the flag.
    flagged: BTreeSet<String>,
    /// The operations whose `execute_<id>` got the check of the flag.
    run: BTreeSet<String>,
}

impl AllFlag {
    /// Adds `--all` to the commands of the operations `paginated` in `file`; `Err` naming the
    /// operations whose command or execution is not as progenitor writes them, or that have
    /// a flag `--all` already.
    pub(super) fn apply(paginated: &[String], file: &mut syn::File) -> Result<()> {
        let mut visitor = AllFlag {
            paginated: paginated.iter().cloned().collect(),
            flagged: BTreeSet::new(),
            run: BTreeSet::new(),
        };
        visitor.visit_file_mut(file);
        let missed: Vec<&str> = visitor
            .paginated
            .iter()
            .filter(|id| !visitor.flagged.contains(*id) || !visitor.run.contains(*id))
            .map(String::as_str)
            .collect();
        if !missed.is_empty() {
            bail!(
                "cannot give `--{ALL}` to the commands of {}: no `cli_<id>` ending in a \
                 `Command`, no `request.send()` in `execute_<id>`, or a flag `--{ALL}` already",
                missed.join(", ")
            );
        }
        Ok(())
    }
}

impl VisitMut for AllFlag {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let name = f.sig.ident.to_string();
        let paginated = |prefix: &str| {
            name.strip_prefix(prefix)
                .filter(|id| self.paginated.contains(*id))
                .map(str::to_string)
        };
        if let Some(id) = paginated("cli_") {
            if add_all_flag(&mut f.block) {
                self.flagged.insert(id);
            }
        } else if let Some(id) = paginated("execute_")
            && follow_pages(&mut f.block)
        {
            self.run.insert(id);
        }
    }
}

/// `.arg(--all)` on the `Command` a `cli_<id>` body ends with; false when it ends otherwise or
/// has a flag `all` already.
fn add_all_flag(block: &mut syn::Block) -> bool {
    let has_all = block
        .to_token_stream()
        .to_string()
        .contains(&format!("Arg :: new (\"{ALL}\")"));
    let Some(syn::Stmt::Expr(command, None)) = block.stmts.last_mut() else {
        return false;
    };
    if has_all {
        return false;
    }
    *command = syn::parse_quote! {
        #command.arg(
            ::clap::Arg::new(#ALL)
                .long(#ALL)
                .action(::clap::ArgAction::SetTrue)
                .help(crate::all::HELP)
        )
    };
    true
}

/// In an `execute_<id>` body, before `request.send()`: with `--all`, the pages are followed
/// by `crate::all::print` instead (given the command's `matches` too, whose cursor flags say
/// where the first page starts, for its errors); false when the body sends no `request`.
fn follow_pages(block: &mut syn::Block) -> bool {
    let sends = |stmt: &syn::Stmt| {
        stmt.to_token_stream()
            .to_string()
            .contains("request . send ()")
    };
    let Some(at) = block.stmts.iter().position(sends) else {
        return false;
    };
    block.stmts.insert(
        at,
        syn::parse_quote! {
            if matches.get_flag(#ALL) {
                return crate::all::print(request, matches).await;
            }
        },
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::cli::generate;
    use crate::generate::client::{self as client, Profile};
    use crate::generate::operations::ReleaseName;
    use spec_model::Spec;

    /// A spec with a list operation (a page of items with an `id`, `has_more`, paged by
    /// `starting_after`), a read and a list-shaped answer that takes no cursor.
    const LISTS: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: list_things
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: ending_before, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}}
  /things/{id}:
    get:
      operationId: get_thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
  /others:
    get:
      operationId: list_others
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties: {id: {type: string}}
    ThingList:
      type: object
      required: [data, has_more]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Thing'}}
        has_more: {type: boolean}
";

    /// The text of the function `name` in `code`, up to the next function.
    fn function<'c>(code: &'c str, name: &str) -> &'c str {
        let start = code.find(&format!("fn {name}(")).unwrap();
        let rest = &code[start + 3..];
        let end = rest.find("fn ").map_or(rest.len(), |i| i + 3);
        &code[start..start + end]
    }

    #[test]
    fn all_is_added_only_to_the_commands_the_client_paginates() {
        let path = std::path::Path::new("t.yaml");
        let release = ReleaseName {
            name: "zero",
            version: None,
        };
        let client = client::generate(
            crate::spec::parse(LISTS, path).unwrap(),
            &Spec::parse(LISTS, "t.yaml").unwrap(),
            "t.yaml",
            Profile::Release(release),
            Default::default(),
        )
        .unwrap();
        assert_eq!(client.paginated, ["list_things"]);
        let code = generate(
            crate::spec::parse(LISTS, path).unwrap(),
            &Spec::parse(LISTS, "t.yaml").unwrap(),
            "t.yaml",
            release,
            &client.paginated,
        )
        .unwrap();
        let flag = "::clap::Arg::new(\"all\")";
        let check = "if matches.get_flag(\"all\")";
        let list = (
            function(&code, "cli_list_things"),
            function(&code, "execute_list_things"),
        );
        assert!(
            list.0.contains(flag) && list.0.contains("crate::all::HELP"),
            "{}",
            list.0
        );
        let (check_at, send_at) = (list.1.find(check), list.1.find("request.send()"));
        assert!(check_at.is_some() && check_at < send_at, "{}", list.1);
        assert!(
            list.1
                .contains("return crate::all::print(request, matches).await;"),
            "{}",
            list.1
        );
        for id in ["get_thing", "list_others"] {
            let cli = function(&code, &format!("cli_{id}"));
            let execute = function(&code, &format!("execute_{id}"));
            assert!(!cli.contains(flag), "{cli}");
            assert!(!execute.contains(check), "{execute}");
        }
    }

    #[test]
    fn a_paginated_operation_whose_command_is_missing_or_has_all_is_refused() {
        let mut file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("").arg(::clap::Arg::new("all").long("all"))
                }
                pub async fn execute_list_things(&self, matches: &ArgMatches) -> anyhow::Result<()> {
                    let result = request.send().await;
                    Ok(())
                }
            }
        };
        let err = AllFlag::apply(&["list_things".into(), "list_others".into()], &mut file)
            .unwrap_err()
            .to_string();
        assert!(err.contains("list_others, list_things"), "{err}");
    }
}
