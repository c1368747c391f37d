//! `--all` on a list command: every page of the list, followed with the client's
//! `paginate()`, printed as one JSON array. The generated commands of the operations the
//! client can paginate (those whose builders implement [`flatpeak::Paginate`]) have the flag
//! (`cargo xtask generate` adds it, from the same list that the client's `Paginate` impls
//! were written from) and call [`print`] with their request once its flags are set.
//!
//! When a page fails, the error says which: its number (the first is 1) and the cursor it was
//! asked for with (`starting_after=loc_...`). The request is wrapped in [`Tracked`], which
//! follows the pages as the client's own builder does and notes each page as it is fetched.

use std::sync::{Arc, Mutex};

use flatpeak::{Paginate, ResponseValue, SendError};
use futures_util::TryStreamExt as _;

/// The help of `--all`.
pub(crate) const HELP: &str = "Follow every page of the list and print all its items as one \
JSON array (an empty list: []). --limit is the size of each page and the other flags filter \
every page; --starting-after starts after that item, --ending-before pages backward from it. \
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
    let collected: Result<Vec<P::Item>, flatpeak::Error> = tracked.paginate().try_collect().await;
    match collected {
        Ok(items) => {
            crate::Json::print(&items);
            Ok(())
        }
        Err(error) => {
            let page = fetching.lock().map(|page| page.clone()).unwrap_or_default();
            Err(anyhow::Error::new(error).context(page))
        }
    }
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

/// A list request that notes, in `fetching`, each page as it is fetched: the pages are
/// fetched one after the other and the stream ends at the first error, so after an error it
/// holds the page that failed.
#[derive(Clone)]
struct Tracked<P> {
    /// The client's request for this page.
    request: P,
    /// This page.
    page: Page,
    /// Whether the pages go backward (`--ending-before`): the next page's cursor is then the
    /// first item of this one, else its last.
    backward: bool,
    /// The page fetched last, shared by every page's request.
    fetching: Arc<Mutex<Page>>,
}

impl<P> Tracked<P> {
    /// The first page of `request`, whose cursor (if any) is the command's `--starting-after`
    /// or `--ending-before`; and where the page fetched last is noted.
    fn start(request: P, matches: &clap::ArgMatches) -> (Tracked<P>, Arc<Mutex<Page>>) {
        let before = raw_value(matches, "ending-before").map(|id| ("ending_before", id));
        let after = raw_value(matches, "starting-after").map(|id| ("starting_after", id));
        let page = Page {
            number: 1,
            cursor: before.clone().or(after),
        };
        let fetching = Arc::new(Mutex::new(page.clone()));
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
        if let Ok(mut fetching) = self.fetching.lock() {
            *fetching = self.page.clone();
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
