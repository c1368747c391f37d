//! `--all` on a list command: every page of the list, followed with the client's
//! `paginate()`, printed as one JSON array. The generated commands of the operations the
//! client can paginate (those whose builders implement [`flatpeak::Paginate`]) have the flag
//! (`cargo xtask generate` adds it, from the same list that the client's `Paginate` impls
//! were written from) and call [`print`] with their request once its flags are set.

use flatpeak::Paginate;
use futures_util::TryStreamExt as _;

/// The help of `--all`.
pub(crate) const HELP: &str = "Follow every page of the list and print all its items as one \
JSON array (an empty list: []). --limit is the size of each page and the other flags filter \
every page; --starting-after starts after that item, --ending-before pages backward from it. \
If a page fails, none of the items is printed: the error is, and the command exits as it does \
for that error without --all (1 for an API error)";

/// Follows every page of the list `request` asks for and prints all its items as one JSON
/// array. On an error, on whichever page, nothing is printed and the client's error is
/// returned (`main` prints it and exits with its code).
pub(crate) async fn print<P>(request: P) -> anyhow::Result<()>
where
    P: Paginate,
    P::Item: serde::Serialize,
{
    let items: Vec<P::Item> = request.paginate().try_collect().await?;
    crate::Json::print(&items);
    Ok(())
}
