//! What the tools that write and read recordings of Flatpeak traffic share: the cassette format
//! ([`vcr`]) and the rules for finding and replacing sensitive values, each written once for the
//! three tools that apply them:
//! - the `flatpeak` client's recorder, which replaces them as it writes a cassette;
//! - the contract gate's `secret` check, which reports a value that should be a placeholder;
//! - `scrub`, which replaces them in cassettes recorded elsewhere.
//!
//! A place in a JSON body is a list of [`Step`]s, followed by [`values_at`]. What a placeholder
//! must be is a [`Hint`] (read from the spec: an id's pattern, a format, a number's bounds),
//! and [`Placeholders`] makes one that keeps the value's verdict: where the value validated,
//! the placeholder does; where it broke its schema, the placeholder breaks it the same way.
//! Credentials and tokens are told apart from ids by [`is_credential_header`] and
//! [`holds_token`]. What a report shows of a value is its [`fingerprint`], and any text it
//! quotes is made [`terminal_safe`].
//!
//! Users of the client need none of this directly: `flatpeak::record` uses it. It is a crate
//! of its own so that tuning a rule is not a change of the client's API.
//!
//! ```
//! use flatpeak_redact::{Hint, Placeholders, Step, is_placeholder, values_at};
//! use serde_json::json;
//!
//! let body = json!({"data": [{"id": "dev_63a6087272941ef077a8fd3e"}]});
//! let found = values_at(&body, &[Step::Field("data"), Step::Each, Step::Field("id")]);
//! assert_eq!(found[0].0, "/data/0/id");
//!
//! let hint = Hint::Pattern("^[a-z]{2,4}_[A-Za-z0-9]+$".into());
//! let placeholder = Placeholders::new().replace(found[0].1, &hint);
//! assert!(placeholder.as_str().is_some_and(|p| p.starts_with("dev_redacted")));
//! assert!(is_placeholder(&placeholder, &hint));
//! ```

mod place;
mod placeholder;
mod shown;
pub mod vcr;

pub use place::{Step, values_at};
pub use placeholder::{
    Hint, Placeholders, fingerprint, header_placeholder, holds_token, is_credential_header,
    is_placeholder,
};
pub use shown::terminal_safe;
