//! `--all` on a list command: every page of the list, followed with the client's
//! `paginate()`, printed as one JSON array. The generated commands of the operations the
//! client can paginate (those whose builders implement [`flatpeak::Paginate`]) have the flag
//! (`cargo xtask generate` adds it, from the same list that the client's `Paginate` impls
//! were written from) and call [`print`] with their request once its flags are set.
//!
//! When a page fails, the error says which: its number (the first is 1) and the cursor it was
//! asked for with (`starting_after=loc_...`). The request is wrapped in [`Tracked`], which
//! follows the pages as the client's own builder does and notes each page as it is fetched,
//! and where each ends.
//!
//! The items are printed in the list's order. Paging forward (`--starting-after`, or no
//! cursor) fetches the pages in that order. Paging backward (`--ending-before X`) fetches
//! first the page just before `X`, then the one before that, and so on: each page is in the
//! list's order, the pages are not, so they are printed last fetched first.

use std::sync::{Arc, Mutex};

use flatpeak::{Paginate, ResponseValue, SendError};
use futures_util::TryStreamExt as _;

/// The help of `--all`.
pub(crate) const HELP: &str = "Follow every page of the list and print all its items as one \
JSON array (an empty list: []). --limit is the size of each page and the other flags filter \
every page; --starting-after starts after that item, --ending-before pages backward from it \
(the items still print in the list's order). \
If a page fails, none of the items is printed: the error is, with the page's number and the \
cursor it was asked for with, and the command exits as it does for that error without --all \
(1 for an API error), but with 3 when the server answered an id the client cannot send back as \
the next page's cursor";

/// Follows every page of the list `request` asks for and prints all its items as one JSON
/// array; `matches` are the command's, whose cursor flags say where the first page starts. On
/// an error, on whichever page, nothing is printed and the client's error is returned with
/// the [`Page`] it happened on as its context (`main` prints both and exits with the error's
/// code).
pub(crate) async fn print<P>(request: P, matches: &clap::ArgMatches) -> anyhow::Result<()>
where
    P: Paginate,
    P::Item: serde::Serialize,
{
    let (tracked, fetching) = Tracked::start(request, matches);
    let backward = tracked.backward;
    let collected: Result<Vec<P::Item>, flatpeak::Error> = tracked.paginate().try_collect().await;
    let noted = fetching
        .lock()
        .map(|noted| noted.clone())
        .unwrap_or_default();
    match collected {
        Ok(items) if backward => {
            crate::Json::print(&in_list_order::<P>(items, &noted.ends));
            Ok(())
        }
        Ok(items) => {
            crate::Json::print(&items);
            Ok(())
        }
        Err(error) => Err(anyhow::Error::new(error).context(noted.page)),
    }
}

/// `items`, fetched page after page backward, in the list's order: cut into pages after each
/// id of `ends` (the last item of every page but the last, in the order fetched), the pages
/// put last fetched first, each page's items kept in order.
fn in_list_order<P: Paginate>(items: Vec<P::Item>, ends: &[String]) -> Vec<P::Item> {
    let mut pages: Vec<Vec<P::Item>> = vec![Vec::new()];
    let mut ends = ends.iter();
    let mut end = ends.next();
    for item in items {
        let last = end.is_some_and(|end| P::cursor(&item) == end);
        if let Some(page) = pages.last_mut() {
            page.push(item);
        }
        if last {
            pages.push(Vec::new());
            end = ends.next();
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// The raw value of flag `name` in `matches`, if the command has it and it was given.
fn raw_value(matches: &clap::ArgMatches, name: &str) -> Option<String> {
    let mut values = matches.try_get_raw(name).ok().flatten()?;
    values
        .next()
        .map(|value| value.to_string_lossy().into_owned())
}

/// A page of `--all`: its number and the cursor it was asked for with. Shown after the
/// client's error: `(--all: page 2, asked for with starting_after=loc_a2)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// 1 for the first page.
    number: u64,
    /// The cursor's query parameter and its value (an item's id); `None` for a first page
    /// asked for without one.
    cursor: Option<(&'static str, String)>,
}

impl Page {
    /// Whether the cursor was taken from the server's answer (an item of the page before),
    /// not from the command line: every page after the first.
    pub(crate) fn cursor_is_answered(&self) -> bool {
        self.number > 1
    }
}

impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cursor {
            Some((name, id)) => {
                write!(f, "--all: page {}, asked for with {name}={id}", self.number)
            }
            None => write!(f, "--all: page {}, asked for without a cursor", self.number),
        }
    }
}

/// What [`Tracked`] notes as the pages are fetched.
#[derive(Debug, Clone, Default)]
struct Noted {
    /// The page fetched last: the pages are fetched one after the other and the stream ends
    /// at the first error, so after an error it is the page that failed.
    page: Page,
    /// The id of the last item of each page a next one was asked after, in the order fetched.
    ends: Vec<String>,
}

/// A list request that notes, in `fetching`, each page as it is fetched and where it ends.
#[derive(Clone)]
struct Tracked<P> {
    /// The client's request for this page.
    request: P,
    /// This page.
    page: Page,
    /// Whether the pages go backward (`--ending-before`): the next page's cursor is then the
    /// first item of this one, else its last.
    backward: bool,
    /// What is noted, shared by every page's request.
    fetching: Arc<Mutex<Noted>>,
}

impl<P> Tracked<P> {
    /// The first page of `request`, whose cursor (if any) is the command's `--starting-after`
    /// or `--ending-before`; and where the pages are noted.
    fn start(request: P, matches: &clap::ArgMatches) -> (Tracked<P>, Arc<Mutex<Noted>>) {
        let before = raw_value(matches, "ending-before").map(|id| ("ending_before", id));
        let after = raw_value(matches, "starting-after").map(|id| ("starting_after", id));
        let page = Page {
            number: 1,
            cursor: before.clone().or(after),
        };
        let fetching = Arc::new(Mutex::new(Noted {
            page: page.clone(),
            ends: Vec::new(),
        }));
        let tracked = Tracked {
            request,
            page,
            backward: before.is_some(),
            fetching: Arc::clone(&fetching),
        };
        (tracked, fetching)
    }
}

impl<P: Paginate> Paginate for Tracked<P> {
    type Item = P::Item;
    type Page = P::Page;

    fn fetch(self) -> impl Future<Output = Result<ResponseValue<Self::Page>, SendError>> + Send {
        if let Ok(mut noted) = self.fetching.lock() {
            noted.page = self.page.clone();
        }
        self.request.fetch()
    }

    fn items(page: Self::Page) -> (Vec<Self::Item>, bool) {
        P::items(page)
    }

    fn cursor(item: &Self::Item) -> &str {
        P::cursor(item)
    }

    fn next(&self, first: &Self::Item, last: &Self::Item) -> Option<Self> {
        if let Ok(mut noted) = self.fetching.lock() {
            noted.ends.push(P::cursor(last).to_string());
        }
        let request = self.request.next(first, last)?;
        let cursor = match self.backward {
            true => ("ending_before", P::cursor(first).to_string()),
            false => ("starting_after", P::cursor(last).to_string()),
        };
        let page = Page {
            number: self.page.number + 1,
            cursor: Some(cursor),
        };
        Some(Tracked {
            request,
            page,
            backward: self.backward,
            fetching: Arc::clone(&self.fetching),
        })
    }
}
