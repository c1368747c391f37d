//! One call of the exec hook as authentication, retries and recording see it: the HTTP client,
//! the base URL, the client's state and when the call began. Its own module so that `auth`
//! (which logs in through `retry`) and `retry` (which every request goes through) both use it
//! without depending on each other.

use std::time::Instant;

use crate::ClientState;

/// What one call of the exec hook works with. `started` is shared by every attempt and login
/// of the call, so the retry deadline bounds the call as a whole.
pub(crate) struct Call<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) base_url: &'a str,
    pub(crate) state: &'a ClientState,
    pub(crate) started: Instant,
}

impl<'a> Call<'a> {
    pub(crate) fn new(
        http: &'a reqwest::Client,
        base_url: &'a str,
        state: &'a ClientState,
    ) -> Self {
        Self {
            http,
            base_url,
            state,
            started: Instant::now(),
        }
    }
}
