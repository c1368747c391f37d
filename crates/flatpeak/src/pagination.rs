//! Lists as streams of items. A list operation answers with a page
//! (`{"data": [..], "has_more": ..}`) and, where its spec documents one, takes a cursor
//! (`starting_after`, or `ending_before` to page the other way); [`Paginate`] turns the
//! builder of such a list into a stream that fetches the pages one after another, as they are
//! needed (the README's operation tables mark those lists). A list whose spec documents no
//! cursor answers its first page only. async-stripe's `paginate()` is the model.

use std::collections::HashSet;
use std::future::Future;

use futures_util::stream::{self, Stream, TryStreamExt};

use crate::{Error, ResponseValue, SendError};

/// The builder of a list operation, which can fetch its page and make the request for the
/// page after it. Implemented in the generated code for the builder of every list operation
/// that takes a cursor (`client.list_locations()`, `client.list_events()`, ...).
///
/// ```no_run
/// use flatpeak::Paginate as _;
/// use futures_util::TryStreamExt as _;
///
/// # async fn run(client: &flatpeak::zero::Client) -> Result<(), flatpeak::Error> {
/// let mut locations = client
///     .list_locations()
///     .customer_id("cus_65e421d1daa4a24082b4f590")
///     .limit(100u32)
///     .paginate();
/// while let Some(location) = locations.try_next().await? {
///     println!("{}", location.id.as_str());
/// }
/// # Ok(())
/// # }
/// ```
pub trait Paginate: Clone + Send + Sized {
    /// What the list holds.
    type Item: Send;
    /// One page of it, as the operation answers.
    type Page: Send;

    /// Sends the request for this page.
    #[doc(hidden)]
    fn fetch(self) -> impl Future<Output = Result<ResponseValue<Self::Page>, SendError>> + Send;

    /// A page's items, and whether another page follows.
    #[doc(hidden)]
    fn items(page: Self::Page) -> (Vec<Self::Item>, bool);

    /// An item's id, which a cursor names.
    #[doc(hidden)]
    fn cursor(item: &Self::Item) -> &str;

    /// The request for the page after the one whose first and last items these are: the same
    /// filters and `limit`, the cursor moved on.
    #[doc(hidden)]
    fn next(&self, first: &Self::Item, last: &Self::Item) -> Option<Self>;

    /// Every item of the list, page after page, as a stream.
    ///
    /// The first page is requested when the stream is first polled, each next one when the
    /// items before it have been taken. Every request keeps the filters and `limit` set on
    /// the builder and moves only the cursor: `starting_after` the last item of the page
    /// before, or, when the builder set `ending_before`, `ending_before` its first item (the
    /// stream then yields the page just before the cursor first and moves toward the start of
    /// the list: each page's items in the list's order, the pages in the order fetched). The
    /// stream ends after a page that says it is the last (`has_more` false) or that is empty,
    /// so it never asks for a page the one before said does not exist; it ends after the
    /// first error, which it yields. A server that ignores the cursor and answers a page it
    /// answered before (the same one again, or pages in a cycle) ends it with
    /// [`Error::RepeatedPage`] rather than an endless loop: the first and last ids of every
    /// page are kept to tell, two per page.
    fn paginate(self) -> impl Stream<Item = Result<Self::Item, Error>> + Send + Unpin {
        let start = (Some(self), HashSet::<String>::new());
        let pages = stream::try_unfold(start, |(request, mut seen)| async move {
            let Some(request) = request else {
                return Ok::<_, Error>(None);
            };
            let page = request.clone().fetch().await.map_err(Error::from)?;
            let (items, has_more) = Self::items(page.into_inner());
            let next = match (has_more, items.first(), items.last()) {
                (true, Some(first), Some(last)) => {
                    let edges = [Self::cursor(first), Self::cursor(last)];
                    if edges.iter().any(|edge| seen.contains(*edge)) {
                        return Err(Error::RepeatedPage {
                            cursor: Self::cursor(last).to_string(),
                        });
                    }
                    seen.extend(edges.map(str::to_string));
                    request.next(first, last)
                }
                _ => None,
            };
            Ok(Some((
                stream::iter(items.into_iter().map(Ok)),
                (next, seen),
            )))
        });
        Box::pin(pages.try_flatten())
    }
}
